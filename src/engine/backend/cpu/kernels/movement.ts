/**
 * CPU kernels: movement family.
 *
 * Almost every movement op is one strided copy: transpose permutes the source
 * strides, slice and stridedSlice offset and scale them, reverse negates
 * them, tile and broadcastTo set them to 0, and pad, concat and the
 * strided-slice gradient write into a strided destination. `copyBlock` does
 * all of them: it merges dimensions that are contiguous on both sides (so a
 * slice of whole rows is one run), copies unit-stride runs with
 * `TypedArray.prototype.set`, and tiles transposes so both sides stay in
 * cache.
 *
 * @internal
 * @module
 */
import { allocArray, type TypedArray } from '../../../dtype.js';
import { ValueError } from '../../../errors.js';
import type { KernelTable } from '../../backend.js';
import { sizeOf, stridesOf } from '../../../shape.js';

/** Runs shorter than this are copied element by element: `set` + `subarray` cost more than the loop. */
const MIN_SET_RUN = 32;
/** Edge of the square tiles a transpose is copied in. */
const TILE = 32;

/**
 * A 2-D transpose of one tile grid: `b` runs along the source's unit-stride
 * dimension (destination stride `db`), `a` along the destination's
 * unit-stride dimension (source stride `sa`).
 */
function copyTiles(src: TypedArray, s: number, sa: number, dst: TypedArray, d: number, db: number, na: number, nb: number): void {
  for (let b0 = 0; b0 < nb; b0 += TILE) {
    const b1 = Math.min(b0 + TILE, nb);
    for (let a0 = 0; a0 < na; a0 += TILE) {
      const a1 = Math.min(a0 + TILE, na);
      for (let b = b0; b < b1; b++) {
        const sb = s + b;
        const dbase = d + b * db;
        for (let a = a0; a < a1; a++) dst[dbase + a] = src[sb + a * sa];
      }
    }
  }
}

/**
 * For every index `i` below `counts`: `dst[dOff + i·dStrides] = src[sOff + i·sStrides]`.
 * Strides may be negative (reverse) or 0 (broadcast). `src` and `dst` may
 * have different element types (concat promotes); assignment converts.
 */
function copyBlock(
  src: TypedArray,
  sOff: number,
  sStrides: readonly number[],
  dst: TypedArray,
  dOff: number,
  dStrides: readonly number[],
  counts: readonly number[],
): void {
  // Drop size-1 dimensions and merge neighbours that are contiguous on both sides.
  const c: number[] = [];
  const ss: number[] = [];
  const ds: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (n === 0) return;
    if (n === 1) continue;
    const k = c.length - 1;
    if (k >= 0 && ss[k] === sStrides[i] * n && ds[k] === dStrides[i] * n) {
      c[k] *= n;
      ss[k] = sStrides[i];
      ds[k] = dStrides[i];
    } else {
      c.push(n);
      ss.push(sStrides[i]);
      ds.push(dStrides[i]);
    }
  }
  const rank = c.length;
  if (rank === 0) {
    dst[dOff] = src[sOff];
    return;
  }
  const last = rank - 1;
  // A transpose: the source's unit-stride dimension is not the innermost one. Copy in tiles over those two.
  let tiled = -1;
  if (ds[last] === 1 && ss[last] !== 1 && ss[last] !== 0 && c[last] >= 8) {
    for (let k = 0; k < last; k++) if (ss[k] === 1 && c[k] >= 8) tiled = k;
  }
  const outer: number[] = [];
  for (let k = 0; k < last; k++) if (k !== tiled) outer.push(k);
  const no = outer.length;
  const oc = outer.map((k) => c[k]);
  const os = outer.map((k) => ss[k]);
  const od = outer.map((k) => ds[k]);
  const idx = new Array<number>(no).fill(0);
  const n = c[last];
  const sl = ss[last];
  const dl = ds[last];
  const bulk = sl === 1 && dl === 1 && n >= MIN_SET_RUN;
  let s = sOff;
  let d = dOff;
  for (;;) {
    if (tiled >= 0) copyTiles(src, s, sl, dst, d, ds[tiled], n, c[tiled]);
    else if (bulk) dst.set(src.subarray(s, s + n), d);
    else for (let j = 0; j < n; j++) dst[d + j * dl] = src[s + j * sl];
    let k = no - 1;
    for (; k >= 0; k--) {
      s += os[k];
      d += od[k];
      if (++idx[k] < oc[k]) break;
      s -= os[k] * oc[k];
      d -= od[k] * oc[k];
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

function offsetOf(begin: readonly number[], strides: readonly number[]): number {
  let o = 0;
  for (let i = 0; i < begin.length; i++) o += begin[i] * strides[i];
  return o;
}

/** `indices[i, j]` for error messages. */
function positionOf(flat: number, shape: readonly number[]): string {
  const pos = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    pos[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return `[${pos.join(',')}]`;
}

/**
 * The loop bounds shared by gather and its transpose (unsortedSegmentSum):
 * the gathered tensor is [batch, outer, axisSize, inner] and the indices
 * [batch, numIndices].
 */
function gatherGeometry(full: readonly number[], indexShape: readonly number[], axis: number, batchDims: number) {
  return {
    batch: sizeOf(full.slice(0, batchDims)),
    outer: sizeOf(full.slice(batchDims, axis)),
    axisSize: full[axis],
    inner: sizeOf(full.slice(axis + 1)),
    numIndices: sizeOf(indexShape.slice(batchDims)),
  };
}

/** @internal */
export const movementKernels: KernelTable<TypedArray> = {
  transpose: ([x], { perm }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
    const xs = stridesOf(x.shape);
    copyBlock(x.data, 0, perm.map((p) => xs[p]), y, 0, stridesOf(out.shape), out.shape);
    return [y];
  },

  slice: ([x], { begin, size }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
    const xs = stridesOf(x.shape);
    copyBlock(x.data, offsetOf(begin, xs), xs, y, 0, stridesOf(size), size);
    return [y];
  },

  stridedSlice: ([x], { begin, strides, sizes }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
    const xs = stridesOf(x.shape);
    copyBlock(x.data, offsetOf(begin, xs), xs.map((s, i) => s * strides[i]), y, 0, stridesOf(sizes), sizes);
    return [y];
  },

  stridedSliceGrad: ([dy], { shape, begin, strides, sizes }, [out]) => {
    const dx = allocArray(out.dtype, sizeOf(shape));
    const xs = stridesOf(shape);
    // Strided selections never hit an element twice, so the transpose is a plain scatter.
    copyBlock(dy.data, 0, stridesOf(sizes), dx, offsetOf(begin, xs), xs.map((s, i) => s * strides[i]), sizes);
    return [dx];
  },

  concat: (inputs, { axis }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
    const ys = stridesOf(out.shape);
    let offset = 0;
    for (const x of inputs) {
      copyBlock(x.data, 0, stridesOf(x.shape), y, offset * ys[axis], ys, x.shape);
      offset += x.shape[axis];
    }
    return [y];
  },

  pad: ([x], { paddings, constantValue }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
    if (constantValue !== 0) y.fill(constantValue);
    const ys = stridesOf(out.shape);
    copyBlock(x.data, 0, stridesOf(x.shape), y, offsetOf(paddings.map((p) => p[0]), ys), ys, x.shape);
    return [y];
  },

  reverse: ([x], { axes }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
    if (x.size === 0) return [y];
    const xs = stridesOf(x.shape);
    let offset = 0;
    const src = xs.slice();
    for (const a of axes) {
      offset += (x.shape[a] - 1) * xs[a];
      src[a] = -xs[a];
    }
    copyBlock(x.data, offset, src, y, 0, stridesOf(out.shape), x.shape);
    return [y];
  },

  tile: ([x], { reps }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
    // Output index r·d + j along each axis: interleave a stride-0 "rep" dimension before each input dimension.
    const xs = stridesOf(x.shape);
    const ys = stridesOf(out.shape);
    const counts: number[] = [];
    const src: number[] = [];
    const dst: number[] = [];
    for (let i = 0; i < reps.length; i++) {
      counts.push(reps[i], x.shape[i]);
      src.push(0, xs[i]);
      dst.push(x.shape[i] * ys[i], ys[i]);
    }
    copyBlock(x.data, 0, src, y, 0, dst, counts);
    return [y];
  },

  broadcastTo: ([x], { shape }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(shape));
    const lead = shape.length - x.shape.length;
    const xs = stridesOf(x.shape);
    const src = shape.map((d, i) => (i < lead || x.shape[i - lead] !== d ? 0 : xs[i - lead]));
    copyBlock(x.data, 0, src, y, 0, stridesOf(shape), shape);
    return [y];
  },

  gather: ([x, indices], { axis, batchDims }, [out]) => {
    const y = allocArray(out.dtype, sizeOf(out.shape));
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
    const y = allocArray(out.dtype, sizeOf(out.shape));
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
