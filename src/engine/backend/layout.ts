/**
 * Index-space helpers every backend's kernels share: collapsing a strided
 * copy or a reduction to its fewest dimensions, and formatting a flat
 * position for error messages. One definition, so the CPU and the GPU
 * kernels agree on how they walk a tensor.
 *
 * @internal
 * @module
 */
import { stridesOf } from '../shape.js';

/**
 * A strided copy (`counts` with source and destination strides) with size-1
 * dimensions dropped and neighbours merged where both sides are contiguous.
 * Returns `null` when the copy is empty.
 *
 * @internal
 */
export function mergeCopyDims(
  sStrides: readonly number[],
  dStrides: readonly number[],
  counts: readonly number[],
): { counts: number[]; src: number[]; dst: number[] } | null {
  const c: number[] = [];
  const ss: number[] = [];
  const ds: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i];
    if (n === 0) return null;
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
  return { counts: c, src: ss, dst: ds };
}

/**
 * For a merged copy whose destination is unit-stride innermost but whose
 * source is not: the source's unit-stride dimension (a transpose), which
 * copies go through in tiles; -1 when there is none.
 *
 * @internal
 */
export function transposedAxis(counts: readonly number[], src: readonly number[], dst: readonly number[]): number {
  const last = counts.length - 1;
  let tiled = -1;
  if (last >= 1 && dst[last] === 1 && src[last] !== 1 && src[last] !== 0 && counts[last] >= 8) {
    for (let k = 0; k < last; k++) if (src[k] === 1 && counts[k] >= 8) tiled = k;
  }
  return tiled;
}

/**
 * The collapsed view of a reduction over `axes`: size-1 dimensions dropped,
 * neighbours merged when both are reduced or both kept. Groups alternate
 * between reduced and kept; a tensor of one element gives no groups.
 *
 * @internal
 */
export function collapseReduction(shape: readonly number[], axes: readonly number[]): { sizes: number[]; reduced: boolean[] } {
  const sizes: number[] = [];
  const reduced: boolean[] = [];
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const r = axes.includes(d);
    const g = sizes.length - 1;
    if (g >= 0 && reduced[g] === r) sizes[g] *= shape[d];
    else {
      sizes.push(shape[d]);
      reduced.push(r);
    }
  }
  return { sizes, reduced };
}

/** `[i,j]`: the multi-index of flat position `flat` in `shape`, for error messages. @internal */
export function positionOf(flat: number, shape: readonly number[]): string {
  const pos = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    pos[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return `[${pos.join(',')}]`;
}

/** How a broadcast loop walks the inputs. @internal */
export interface LoopPlan {
  /** Collapsed output dims (outer..inner). */
  dims: number[];
  /** Per input, the element stride of each collapsed dim (0 where broadcast). */
  strides: number[][];
}

/** Broadcast loop plan: align shapes to the output, zero strides where broadcast, merge dims that walk alike. @internal */
export function planLoop(outShape: readonly number[], inShapes: readonly (readonly number[])[]): LoopPlan {
  const rank = outShape.length;
  const perInput = inShapes.map((s) => {
    const strides = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const k = d - (rank - s.length);
      const size = k >= 0 ? s[k] : 1;
      strides[d] = size === 1 ? 0 : acc;
      acc *= size;
    }
    return strides;
  });
  const dims: number[] = [];
  const strides: number[][] = inShapes.map(() => []);
  for (let d = 0; d < rank; d++) {
    const size = outShape[d];
    if (size === 1) continue;
    const last = dims.length - 1;
    const mergeable =
      last >= 0 &&
      perInput.every((s, i) => {
        const prev = strides[i][last];
        return (prev === 0 && s[d] === 0) || (prev !== 0 && s[d] !== 0 && prev === s[d] * size);
      });
    if (mergeable) {
      dims[last] *= size;
      perInput.forEach((s, i) => { strides[i][last] = s[d]; });
    } else {
      dims.push(size);
      perInput.forEach((s, i) => strides[i].push(s[d]));
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    strides.forEach((s) => s.push(0));
  }
  return { dims, strides };
}

/**
 * The loop bounds of gather and its transpose (unsortedSegmentSum): the
 * gathered tensor is [batch, outer, axisSize, inner] and the indices
 * [batch, numIndices].
 *
 * @internal
 */
export function gatherGeometry(full: readonly number[], indexShape: readonly number[], axis: number, batchDims: number) {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  return {
    batch: size(full.slice(0, batchDims)),
    outer: size(full.slice(batchDims, axis)),
    axisSize: full[axis],
    inner: size(full.slice(axis + 1)),
    numIndices: size(indexShape.slice(batchDims)),
  };
}

/** A strided copy as `copyBlock` takes it: source offset and strides, destination strides, counts. @internal */
export interface CopyPlan {
  srcOffset: number;
  src: number[];
  dst: number[];
  counts: number[];
}


/** `reverse` along `axes`: start at the last element of each reversed axis and walk it backwards. @internal */
export function reversePlan(shape: readonly number[], axes: readonly number[]): CopyPlan {
  const xs = stridesOf(shape);
  let srcOffset = 0;
  const src = xs.slice();
  for (const a of axes) {
    srcOffset += (shape[a] - 1) * xs[a];
    src[a] = -xs[a];
  }
  return { srcOffset, src, dst: stridesOf(shape), counts: shape.slice() };
}

/** `tile`: output index r·d + j along each axis, a stride-0 "rep" dimension interleaved before each input dimension. @internal */
export function tilePlan(shape: readonly number[], outShape: readonly number[], reps: readonly number[]): CopyPlan {
  const xs = stridesOf(shape);
  const ys = stridesOf(outShape);
  const counts: number[] = [];
  const src: number[] = [];
  const dst: number[] = [];
  for (let i = 0; i < reps.length; i++) {
    counts.push(reps[i], shape[i]);
    src.push(0, xs[i]);
    dst.push(shape[i] * ys[i], ys[i]);
  }
  return { srcOffset: 0, src, dst, counts };
}

/** `broadcastTo`: stride 0 along new and stretched axes. @internal */
export function broadcastPlan(shape: readonly number[], outShape: readonly number[]): CopyPlan {
  const lead = outShape.length - shape.length;
  const xs = stridesOf(shape);
  const src = outShape.map((d, i) => (i < lead || shape[i - lead] !== d ? 0 : xs[i - lead]));
  return { srcOffset: 0, src, dst: stridesOf(outShape), counts: outShape.slice() };
}
