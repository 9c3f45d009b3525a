/**
 * WebGPU kernels: randomUniform, randomNormal, truncatedNormal.
 *
 * @internal
 * @module
 */
import type { KernelTable } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';

/** @internal */
export function randomKernels(_b: WebGPUBackend): KernelTable<GpuData> {
  return {};
}
