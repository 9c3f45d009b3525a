/**
 * CPU kernels: gather family. gather reads slices of x at integer indices;
 * unsortedSegmentSum, its transpose, adds slices into segments. Both check
 * every index first, so a bad one throws before any work and names its
 * position.
 *
 * @internal
 * @module
 */
import type { TypedArray } from '../../../dtype.js';
import { cpuAlloc } from '../alloc.js';
import { ValueError } from '../../../errors.js';
import type { KernelTable } from '../../backend.js';
import { sizeOf } from '../../../shape.js';
import { MIN_SET_RUN } from './movement.js';
import { gatherGeometry, positionOf } from '../../layout.js';



/** @internal */
export const gatherKernels: KernelTable<TypedArray> = {
  gather: ([x, indices], { axis, batchDims }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    const { batch, outer, axisSize, inner, numIndices } = gatherGeometry(x.shape, indices.shape, axis, batchDims);
    const idx = indices.data;
    for (let i = 0; i < idx.length; i++) {
      const v = idx[i];
      if (v < 0 || v >= axisSize) {
        throw new ValueError(
          `gather: indices${positionOf(i, indices.shape)} = ${v} is out of range for axis ${axis} of x (shape [${x.shape.join(',')}]); expected 0 <= index < ${axisSize}`,
        );
      }
    }
    const src = x.data;
    const bulk = inner >= MIN_SET_RUN;
    let o = 0;
    if (inner === 1) {
      // Gathering along the innermost axis: one element per index.
      for (let b = 0; b < batch; b++) {
        const ib = b * numIndices;
        for (let r = 0; r < outer; r++) {
          const base = (b * outer + r) * axisSize;
          for (let i = 0; i < numIndices; i++) y[o++] = src[base + idx[ib + i]];
        }
      }
      return [y];
    }
    for (let b = 0; b < batch; b++) {
      const ib = b * numIndices;
      for (let r = 0; r < outer; r++) {
        const base = (b * outer + r) * axisSize;
        for (let i = 0; i < numIndices; i++) {
          const from = (base + idx[ib + i]) * inner;
          if (bulk) y.set(src.subarray(from, from + inner), o);
          else for (let j = 0; j < inner; j++) y[o + j] = src[from + j];
          o += inner;
        }
      }
    }
    return [y];
  },

  unsortedSegmentSum: ([data, segmentIds], { numSegments, axis, batchDims }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    const { batch, outer, inner, numIndices } = gatherGeometry(out.shape, segmentIds.shape, axis, batchDims);
    const ids = segmentIds.data;
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] >= numSegments) {
        throw new ValueError(
          `unsortedSegmentSum: segmentIds${positionOf(i, segmentIds.shape)} = ${ids[i]} is out of range; expected an id below numSegments = ${numSegments} (negative ids are dropped)`,
        );
      }
    }
    const src = data.data;
    let u = 0;
    for (let b = 0; b < batch; b++) {
      const ib = b * numIndices;
      for (let r = 0; r < outer; r++) {
        const base = (b * outer + r) * numSegments;
        for (let i = 0; i < numIndices; i++) {
          const id = ids[ib + i];
          if (id >= 0) {
            const o = (base + id) * inner;
            for (let j = 0; j < inner; j++) y[o + j] += src[u + j];
          }
          u += inner;
        }
      }
    }
    return [y];
  },
};
