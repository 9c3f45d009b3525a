/**
 * The WebGPU kernel table: the union of the kernel families.
 *
 * @internal
 * @module
 */
import type { KernelTable } from '../../backend.js';
import type { GpuData } from '../pool.js';

/** @internal */
export const webgpuKernels: KernelTable<GpuData> = {};
