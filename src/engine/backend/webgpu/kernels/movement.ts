/**
 * WebGPU kernels: transpose, slice, stridedSlice, stridedSliceGrad, concat, pad, reverse, tile, broadcastTo, gather, unsortedSegmentSum.
 *
 * @internal
 * @module
 */
import type { KernelTable } from '../../backend.js';
import type { WebGPUBackend } from '../backend.js';
import type { GpuData } from '../pool.js';

/** @internal */
export function movementKernels(_b: WebGPUBackend): KernelTable<GpuData> {
  return {};
}
