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
import type { TypedArray } from '../../../dtype.js';
import { cpuAlloc } from '../alloc.js';
import type { KernelTable } from '../../backend.js';
import { sizeOf, stridesOf } from '../../../shape.js';
import { broadcastPlan, mergeCopyDims, reversePlan, tilePlan, transposedAxis } from '../../layout.js';

/** Runs shorter than this are copied element by element: `set` + `subarray` cost more than the loop. @internal */
export const MIN_SET_RUN = 32;
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
  const merged = mergeCopyDims(sStrides, dStrides, counts);
  if (!merged) return;
  const { counts: c, src: ss, dst: ds } = merged;
  const rank = c.length;
  if (rank === 0) {
    dst[dOff] = src[sOff];
    return;
  }
  const last = rank - 1;
  // A transpose: the source's unit-stride dimension is not the innermost one. Copy in tiles over those two.
  const tiled = transposedAxis(c, ss, ds);
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

/** @internal */
export const movementKernels: KernelTable<TypedArray> = {
  transpose: ([x], { perm }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    const xs = stridesOf(x.shape);
    copyBlock(x.data, 0, perm.map((p) => xs[p]), y, 0, stridesOf(out.shape), out.shape);
    return [y];
  },

  slice: ([x], { begin, size }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    const xs = stridesOf(x.shape);
    copyBlock(x.data, offsetOf(begin, xs), xs, y, 0, stridesOf(size), size);
    return [y];
  },

  stridedSlice: ([x], { begin, strides, sizes }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    const xs = stridesOf(x.shape);
    copyBlock(x.data, offsetOf(begin, xs), xs.map((s, i) => s * strides[i]), y, 0, stridesOf(sizes), sizes);
    return [y];
  },

  stridedSliceGrad: ([dy], { shape, begin, strides, sizes }, [out]) => {
    const dx = cpuAlloc(out.dtype, sizeOf(shape));
    const xs = stridesOf(shape);
    // Strided selections never hit an element twice, so the transpose is a plain scatter.
    copyBlock(dy.data, 0, stridesOf(sizes), dx, offsetOf(begin, xs), xs.map((s, i) => s * strides[i]), sizes);
    return [dx];
  },

  concat: (inputs, { axis }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    const ys = stridesOf(out.shape);
    let offset = 0;
    for (const x of inputs) {
      copyBlock(x.data, 0, stridesOf(x.shape), y, offset * ys[axis], ys, x.shape);
      offset += x.shape[axis];
    }
    return [y];
  },

  pad: ([x], { paddings, constantValue }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    if (constantValue !== 0) y.fill(constantValue);
    const ys = stridesOf(out.shape);
    copyBlock(x.data, 0, stridesOf(x.shape), y, offsetOf(paddings.map((p) => p[0]), ys), ys, x.shape);
    return [y];
  },

  reverse: ([x], { axes }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    if (x.size === 0) return [y];
    const p = reversePlan(x.shape, axes);
    copyBlock(x.data, p.srcOffset, p.src, y, 0, p.dst, p.counts);
    return [y];
  },

  tile: ([x], { reps }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(out.shape));
    const p = tilePlan(x.shape, out.shape, reps);
    copyBlock(x.data, p.srcOffset, p.src, y, 0, p.dst, p.counts);
    return [y];
  },

  broadcastTo: ([x], { shape }, [out]) => {
    const y = cpuAlloc(out.dtype, sizeOf(shape));
    const p = broadcastPlan(x.shape, shape);
    copyBlock(x.data, p.srcOffset, p.src, y, 0, p.dst, p.counts);
    return [y];
  },
};
