/**
 * WebGPU kernels: sum, prod, max, min, all, any, argMax, argMin.
 *
 * @internal
 * @module
 */
import type { KernelTable } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';

/** @internal */
export function reduceKernels(_b: WebGPUBackend): KernelTable<GpuData> {
  return {};
}
