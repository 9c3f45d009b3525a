/**
 * WebGPU kernels: matMul, conv2d, conv2dBackpropInput, conv2dBackpropFilter.
 *
 * @internal
 * @module
 */
import type { KernelTable } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';

/** @internal */
export function matmulKernels(_b: WebGPUBackend): KernelTable<GpuData> {
  return {};
}
