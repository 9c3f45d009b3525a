/**
 * The WebGPU kernel table: the union of the kernel families. Each family
 * exports a function of the backend that returns its partial table.
 *
 * @internal
 * @module
 */
import type { KernelTable } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';
import { matmulKernels } from './matmul.js';
import { movementKernels } from './movement.js';
import { randomKernels } from './random.js';
import { reduceKernels } from './reduce.js';
import { windowKernels } from './window.js';

/** @internal */
export function makeWebgpuKernels(b: WebGPUBackend): KernelTable<GpuData> {
  return {
    ...matmulKernels(b),
    ...windowKernels(b),
    ...reduceKernels(b),
    ...movementKernels(b),
    ...randomKernels(b),
  };
}
