/**
 * Movement ops: reshaping, transposing, slicing, joining, padding,
 * gathering. Views (reshape, expandDims, squeeze, clone) share storage;
 * transpose, slice, stridedSlice, concat, pad, gather, reverse, tile and
 * broadcastTo are primitives with one kernel per backend (with
 * stridedSliceGrad and unsortedSegmentSum, the scatters their gradients
 * need); stack, unstack and split are compositions.
 *
 * @module
 */
import type { TensorMeta } from '../backend/backend.js';
import { dtypeOfArray, upcastType, type DType } from '../dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { runInScope } from '../memory/scope.js';
import { assertValidShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { defineOp, type OpRegistry } from './define-op.js';
import { fromValues, runOp, runOp1 } from './dispatch.js';
import { unbroadcast } from './grad-util.js';
import { sum } from './reduce.js';

declare module './define-op.js' {
  interface OpRegistry {
    /** Permutes axes. */
    transpose: {
      /** Output axis i is input axis perm[i]. */
      readonly perm: readonly number[];
    };
    /** A box of x. */
    slice: {
      /** First index per axis (non-negative, in range). */
      readonly begin: readonly number[];
      /** Elements taken per axis. */
      readonly size: readonly number[];
    };
    /** A strided box, resolved from TensorFlow's begin/end/strides and masks. */
    stridedSlice: {
      /** First index per input axis. */
      readonly begin: readonly number[];
      /** Step per input axis (non-zero, may be negative). */
      readonly strides: readonly number[];
      /** Elements taken per input axis. */
      readonly sizes: readonly number[];
      /** The output shape: `sizes` with shrunk axes removed and new axes inserted. */
      readonly shape: readonly number[];
    };
    /** The transpose of stridedSlice: scatters dy into zeros of the sliced tensor's shape. */
    stridedSliceGrad: {
      /** First index per axis of the result. */
      readonly begin: readonly number[];
      /** Step per axis of the result. */
      readonly strides: readonly number[];
      /** Elements written per axis of the result. */
      readonly sizes: readonly number[];
      /** The shape of the result (the sliced tensor's shape). */
      readonly shape: readonly number[];
    };
    /** Joins its inputs. */
    concat: {
      /** The (non-negative) axis to join along. */
      readonly axis: number;
    };
    /** Pads with a constant. */
    pad: {
      /** [before, after] per axis, non-negative. */
      readonly paddings: readonly (readonly [number, number])[];
      /** The fill value. */
      readonly constantValue: number;
    };
    /** Gathers slices along an axis. */
    gather: {
      /** The gathered axis of x (non-negative). */
      readonly axis: number;
      /** Leading dimensions shared by x and the indices. */
      readonly batchDims: number;
    };
    /** Sums slices into segments along an axis (gather's transpose). */
    unsortedSegmentSum: {
      /** The size of the segment axis of the result. */
      readonly numSegments: number;
      /** The segment axis of the result (non-negative). */
      readonly axis: number;
      /** Leading dimensions shared by x and the segment ids. */
      readonly batchDims: number;
    };
    /** Reverses axes. */
    reverse: {
      /** Sorted, unique axes to reverse. */
      readonly axes: readonly number[];
    };
    /** Repeats x. */
    tile: {
      /** Repetitions per axis. */
      readonly reps: readonly number[];
    };
    /** Broadcasts x. */
    broadcastTo: {
      /** The target shape. */
      readonly shape: readonly number[];
    };
  }
}

type StridedSliceParams = OpRegistry['stridedSlice'];
type GatherParams = OpRegistry['gather'];

const reshapeOp = defineOp<{ shape: readonly number[] }>({
  name: 'reshape',
  inputNames: ['x'],
  view: true,
  infer: ([x], { shape }) => [{ shape: resolveShape('reshape', sizeOf(x.shape), shape, x.shape), dtype: x.dtype }],
  grad: ([dy], { inputs: [x] }) => [reshape(dy, x.shape)],
});

function resolveShape(op: string, size: number, shape: readonly number[], from: readonly number[]): number[] {
  if (!Array.isArray(shape)) throw new ValueError(`${op}: expected shape to be an array of integers, got ${String(shape)}`);
  let inferred = -1;
  let known = 1;
  const out = shape.slice();
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (inferred >= 0) throw new ShapeError(`${op}: shape ${fmtShape(shape)} has more than one -1; at most one dimension can be inferred`);
      inferred = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: expected dimensions to be non-negative integers or a single -1, got ${fmtShape(shape)}`);
    } else known *= d;
  }
  if (inferred >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape a tensor of shape ${fmtShape(from)} (${size} elements) into ${fmtShape(shape)}`);
    }
    out[inferred] = size / known;
  } else if (known !== size) {
    throw new ShapeError(`${op}: cannot reshape a tensor of shape ${fmtShape(from)} (${size} elements) into ${fmtShape(shape)} (${known} elements)`);
  }
  return assertValidShape(op, out);
}

/**
 * Gives `x` a new shape with the same number of elements; one dimension may
 * be -1 and is inferred. Shares storage with `x`.
 *
 * @example
 * ```ts
 * reshape(tensor([1, 2, 3, 4]), [2, -1]); // [[1, 2], [3, 4]]
 * ```
 */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  return runOp1(reshapeOp, [x], { shape });
}

/**
 * Inserts a dimension of size 1 at `axis` (negative counts from the end of
 * the result). Shares storage with `x`.
 *
 * @example
 * ```ts
 * expandDims(tensor([1, 2]), 0).shape;  // [1, 2]
 * expandDims(tensor([1, 2]), -1).shape; // [2, 1]
 * ```
 */
export function expandDims(x: TensorLike, axis = 0): Tensor {
  return runOp1(expandDimsOp, [x], { axis });
}

const expandDimsOp = defineOp<{ shape: readonly number[] }, { axis: number }>({
  name: 'expandDims',
  inputNames: ['x'],
  view: true,
  prepare: ([x], { axis }) => {
    const a = normalizeAxis('expandDims', axis, x.shape.length + 1);
    const shape = x.shape.slice();
    shape.splice(a, 0, 1);
    return { shape };
  },
  infer: ([x], { shape }) => [{ shape, dtype: x.dtype }],
  grad: ([dy], { inputs: [x] }) => [reshape(dy, x.shape)],
});

const squeezeOp = defineOp<{ shape: readonly number[] }, { axis: number | readonly number[] | undefined }>({
  name: 'squeeze',
  inputNames: ['x'],
  view: true,
  prepare: ([x], { axis }) => {
    const axes = axis === undefined ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : normalizeAxes('squeeze', axis, x.shape.length);
    for (const a of axes) {
      if (x.shape[a] !== 1) throw new ShapeError(`squeeze: axis ${a} of shape ${fmtShape(x.shape)} has size ${x.shape[a]}, expected 1`);
    }
    return { shape: x.shape.filter((_, i) => !axes.includes(i)) };
  },
  infer: ([x], { shape }) => [{ shape, dtype: x.dtype }],
  grad: ([dy], { inputs: [x] }) => [reshape(dy, x.shape)],
});

/**
 * Removes dimensions of size 1 (all of them, or those at `axis`, which must
 * be 1). Shares storage with `x`.
 *
 * @example
 * ```ts
 * squeeze(zeros([1, 3, 1])).shape;    // [3]
 * squeeze(zeros([1, 3, 1]), [0]).shape; // [3, 1]
 * ```
 */
export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  return runOp1(squeezeOp, [x], { axis });
}

// ------------------------------------------------------------------ helpers

/** Runs a composition in its own scope, so its intermediates are freed and only its results survive. */
function scoped(fn: () => Tensor[]): Tensor[] {
  return runInScope(fn);
}

function fmtList(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(',')}]` : String(v);
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function assertIntList(op: string, what: string, v: unknown): readonly number[] {
  if (!Array.isArray(v) || !v.every(isInt)) throw new ValueError(`${op}: expected ${what} to be an array of integers, got ${fmtList(v)}`);
  return v;
}

function assertBitMask(op: string, what: string, v: unknown): number {
  if (!isInt(v) || v < 0 || v >= 2 ** 32) throw new ValueError(`${op}: expected ${what} to be a non-negative integer bit mask, got ${String(v)}`);
  return v;
}

function bitSet(mask: number, i: number): boolean {
  return i < 32 && ((mask >>> i) & 1) === 1;
}

function isIntegralValue(v: unknown): boolean {
  if (typeof v === 'number') return Number.isInteger(v);
  if (Array.isArray(v)) return v.every(isIntegralValue);
  return ArrayBuffer.isView(v);
}

/**
 * Index arguments given as JS numbers become int32 tensors on the device of
 * `like`: dispatch's weak typing would make them float32 next to a float x,
 * and an index must be an exact integer.
 */
function asIndexTensor(op: string, what: string, v: TensorLike, like: TensorLike): { tensor: Tensor; temp: boolean } {
  if (v instanceof Tensor) return { tensor: v, temp: false };
  if (!isIntegralValue(v)) throw new ValueError(`${op}: expected ${what} to be integers, got ${JSON.stringify(v)}`);
  const device = like instanceof Tensor && !like.isDisposed ? like.device : undefined;
  // A typed array keeps its dtype, so a Float32Array of indices is rejected like a float32 tensor.
  return { tensor: fromValues(`${op} (argument ${what})`, v, undefined, dtypeOfArray(v) ?? 'int32', device), temp: true };
}

function withIndices(op: string, what: string, v: TensorLike, like: TensorLike, fn: (t: Tensor) => Tensor): Tensor {
  const { tensor, temp } = asIndexTensor(op, what, v, like);
  try {
    return fn(tensor);
  } finally {
    if (temp) tensor.dispose();
  }
}

function checkIndexDType(op: string, what: string, dtype: DType): void {
  if (dtype !== 'int32') throw new DTypeError(`${op}: expected ${what} of dtype int32, got ${dtype}; cast them with ${what}.cast('int32')`);
}

// ---------------------------------------------------------------- transpose

function resolvePerm(rank: number, perm: readonly number[] | undefined): number[] {
  if (perm === undefined || perm === null) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const expected = rank === 0 ? 'the empty permutation []' : `a permutation of 0..${rank - 1}`;
  const fail = () => new ValueError(`transpose: expected perm of length ${rank} (${expected}), got ${fmtList(perm)}`);
  if (!Array.isArray(perm) || perm.length !== rank) throw fail();
  const seen = new Set<number>();
  for (const p of perm) {
    if (!isInt(p) || p < 0 || p >= rank || seen.has(p)) throw fail();
    seen.add(p);
  }
  return perm.slice();
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

const transposeOp = defineOp<{ perm: readonly number[] }, { perm: readonly number[] | undefined }>({
  name: 'transpose',
  inputNames: ['x'],
  prepare: ([x], { perm }) => ({ perm: resolvePerm(x.shape.length, perm) }),
  infer: ([x], { perm }) => [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }],
  grad: ([dy], { params: { perm } }) => [transpose(dy, inversePerm(perm))],
});

/**
 * Permutes the axes of `x`: output axis `i` is input axis `perm[i]`. By
 * default the axes are reversed (a matrix transpose for rank 2).
 *
 * @example
 * ```ts
 * transpose(tensor([[1, 2, 3], [4, 5, 6]]));        // [[1, 4], [2, 5], [3, 6]]
 * transpose(zeros([2, 3, 4]), [1, 0, 2]).shape;      // [3, 2, 4]
 * ```
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  return runOp1(transposeOp, [x], { perm });
}

// -------------------------------------------------------------------- slice

interface SliceArgs {
  begin: number | readonly number[];
  size: number | readonly number[] | undefined;
}

function resolveSlice(shape: readonly number[], args: SliceArgs): { begin: number[]; size: number[] } {
  const rank = shape.length;
  const given = (v: number | readonly number[], what: string): number[] => {
    const list = typeof v === 'number' ? [v] : assertIntList('slice', what, v).slice();
    if (!list.every(isInt)) throw new ValueError(`slice: expected ${what} to be an integer or an array of integers, got ${fmtList(v)}`);
    if (list.length > rank) throw new ShapeError(`slice: ${what} ${fmtList(list)} has ${list.length} entries, but x has rank ${rank} (shape ${fmtShape(shape)})`);
    return list;
  };
  const begin = given(args.begin, 'begin');
  const size = args.size === undefined || args.size === null ? [] : given(args.size, 'size');
  while (begin.length < rank) begin.push(0);
  while (size.length < rank) size.push(-1);
  for (let i = 0; i < rank; i++) {
    if (begin[i] < 0 || begin[i] > shape[i]) {
      throw new ShapeError(`slice: begin[${i}] = ${begin[i]} is out of bounds for dimension ${i} of x (shape ${fmtShape(shape)}); expected 0 <= begin <= ${shape[i]}`);
    }
    if (size[i] === -1) size[i] = shape[i] - begin[i];
    else if (size[i] < 0) throw new ValueError(`slice: size[${i}] = ${size[i]} is negative; expected a non-negative size or -1 (to the end)`);
    else if (begin[i] + size[i] > shape[i]) {
      throw new ShapeError(
        `slice: begin[${i}] + size[${i}] = ${begin[i]} + ${size[i]} = ${begin[i] + size[i]} exceeds dimension ${i} of x (shape ${fmtShape(shape)})`,
      );
    }
  }
  return { begin, size };
}

const sliceOp = defineOp<{ begin: readonly number[]; size: readonly number[] }, SliceArgs>({
  name: 'slice',
  inputNames: ['x'],
  prepare: ([x], args) => resolveSlice(x.shape, args),
  infer: ([x], { size }) => [{ shape: size, dtype: x.dtype }],
  grad: ([dy], { inputs: [x], params: { begin, size } }) => [pad(dy, begin.map((b, i): [number, number] => [b, x.shape[i] - b - size[i]]))],
});

/**
 * The box of `x` that starts at `begin` and has `size` elements per axis
 * (TensorFlow.js semantics). A number applies to the first axis; missing
 * trailing entries take everything (begin 0, size -1); a size of -1 runs
 * to the end of the axis.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * slice(x, [0, 1], [2, 2]); // [[2, 3], [5, 6]]
 * slice(x, 1);              // [[4, 5, 6]]
 * slice(x, [0, 1], [-1, 1]); // [[2], [5]]
 * ```
 */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  return runOp1(sliceOp, [x], { begin, size });
}

// ------------------------------------------------------------- stridedSlice

interface StridedSliceArgs {
  begin: readonly number[];
  end: readonly number[];
  strides: readonly number[] | undefined;
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

const NEW_AXIS = -1;
const SHRUNK = -2;

/** TensorFlow's strided-slice resolution (ValidateStridedSliceOp): sparse spec -> dense spec -> begin/step/count per axis. */
function resolveStridedSlice(shape: readonly number[], args: StridedSliceArgs): StridedSliceParams {
  const op = 'stridedSlice';
  const begin = assertIntList(op, 'begin', args.begin);
  const end = assertIntList(op, 'end', args.end);
  const strides = args.strides === undefined || args.strides === null ? begin.map(() => 1) : assertIntList(op, 'strides', args.strides);
  if (begin.length !== end.length || begin.length !== strides.length) {
    throw new ValueError(`${op}: expected begin, end and strides of the same length, got ${begin.length}, ${end.length} and ${strides.length}`);
  }
  const beginMask = assertBitMask(op, 'beginMask', args.beginMask);
  const endMask = assertBitMask(op, 'endMask', args.endMask);
  const newAxisMask = assertBitMask(op, 'newAxisMask', args.newAxisMask);
  const shrinkAxisMask = assertBitMask(op, 'shrinkAxisMask', args.shrinkAxisMask);
  let ellipsisMask = assertBitMask(op, 'ellipsisMask', args.ellipsisMask);
  const rank = shape.length;
  let n = begin.length;
  const ellipses = begin.map((_, i) => i).filter((i) => bitSet(ellipsisMask, i));
  if (ellipses.length > 1) throw new ValueError(`${op}: ellipsisMask ${ellipsisMask} sets ${ellipses.length} bits; at most one ellipsis is allowed`);
  // Without an ellipsis the spec ends with an implicit one: unnamed trailing axes are taken whole.
  if (ellipses.length === 0) {
    ellipsisMask = n < 32 ? (ellipsisMask | (1 << n)) >>> 0 : ellipsisMask;
    ellipses.push(n);
    n++;
  }
  let newAxesAfterEllipsis = 0;
  for (let i = ellipses[0] + 1; i < begin.length; i++) if (bitSet(newAxisMask, i)) newAxesAfterEllipsis++;

  const dBegin = new Array<number>(rank).fill(0);
  const dEnd = new Array<number>(rank).fill(0);
  const dStride = new Array<number>(rank).fill(1);
  const dBeginMasked = new Array<boolean>(rank).fill(false);
  const dEndMasked = new Array<boolean>(rank).fill(false);
  const dShrink = new Array<boolean>(rank).fill(false);
  const dSparse = new Array<number>(rank).fill(-1);
  const finalDims: number[] = [];
  let full = 0;
  for (let i = 0; i < n; i++) {
    if (i === ellipses[0]) {
      const next = Math.min(rank - (n - i) + 1 + newAxesAfterEllipsis, rank);
      for (; full < next; full++) {
        dBeginMasked[full] = dEndMasked[full] = true;
        finalDims.push(full);
      }
    } else if (bitSet(newAxisMask, i)) {
      finalDims.push(NEW_AXIS);
    } else {
      if (full === rank) {
        throw new ShapeError(`${op}: the slice spec (begin ${fmtList(begin)}) indexes more dimensions than x has (rank ${rank}, shape ${fmtShape(shape)})`);
      }
      dBegin[full] = begin[i];
      dEnd[full] = end[i];
      dStride[full] = strides[i];
      dBeginMasked[full] = bitSet(beginMask, i);
      dEndMasked[full] = bitSet(endMask, i);
      dSparse[full] = i;
      if (bitSet(shrinkAxisMask, i)) {
        dShrink[full] = true;
        finalDims.push(SHRUNK);
      } else finalDims.push(full);
      full++;
    }
  }

  const outBegin = new Array<number>(rank).fill(0);
  const sizes = new Array<number>(rank).fill(0);
  for (let i = 0; i < rank; i++) {
    const dim = shape[i];
    const s = dStride[i];
    if (s === 0) throw new ValueError(`${op}: strides[${dSparse[i]}] is 0; strides must be non-zero`);
    if (dShrink[i]) {
      const b = dBegin[i] < 0 ? dim + dBegin[i] : dBegin[i];
      if (b < 0 || b >= dim) {
        throw new ShapeError(`${op}: index ${dBegin[i]} (begin[${dSparse[i]}], shrinkAxisMask) is out of bounds for dimension ${i} of size ${dim} (shape ${fmtShape(shape)})`);
      }
      outBegin[i] = b;
      sizes[i] = 1;
      continue;
    }
    // Valid positions: [0, dim] going forward, [-1, dim - 1] going backward (-1 is "before the first").
    const lo = s > 0 ? 0 : -1;
    const hi = s > 0 ? dim : dim - 1;
    const canonical = (x: number, masked: boolean, isEnd: boolean): number => {
      if (masked) return (s > 0) === isEnd ? hi : lo;
      const fwd = x < 0 ? dim + x : x;
      return fwd < lo ? lo : fwd > hi ? hi : fwd;
    };
    const b = canonical(dBegin[i], dBeginMasked[i], false);
    const e = canonical(dEnd[i], dEndMasked[i], true);
    const len = e - b;
    const count = len === 0 || len < 0 !== s < 0 ? 0 : Math.ceil(len / s);
    sizes[i] = count;
    outBegin[i] = count === 0 ? 0 : b;
    if (count === 0) dStride[i] = 1;
  }
  const outShape = finalDims.filter((d) => d !== SHRUNK).map((d) => (d === NEW_AXIS ? 1 : sizes[d]));
  return { begin: outBegin, strides: dStride, sizes, shape: outShape };
}

const stridedSliceOp = defineOp<StridedSliceParams, StridedSliceArgs>({
  name: 'stridedSlice',
  inputNames: ['x'],
  prepare: ([x], args) => resolveStridedSlice(x.shape, args),
  infer: ([x], { shape }) => [{ shape, dtype: x.dtype }],
  grad: ([dy], { inputs: [x], params: { begin, strides, sizes } }) => [runOp1(stridedSliceGradOp, [dy], { shape: x.shape, begin, strides, sizes })],
});

const stridedSliceGradOp = defineOp<OpRegistry['stridedSliceGrad']>({
  name: 'stridedSliceGrad',
  inputNames: ['dy'],
  infer: ([dy], { shape, sizes }) => {
    if (dy.shape.reduce((a, b) => a * b, 1) !== sizeOf(sizes)) {
      throw new ShapeError(`stridedSliceGrad: dy of shape ${fmtShape(dy.shape)} does not hold the ${sizeOf(sizes)} sliced elements (a bug in laminar)`);
    }
    return [{ shape, dtype: dy.dtype }];
  },
  // The transpose of a scatter is the gather it undoes: the same strided slice, in dense form.
  grad: ([ddx], { inputs: [dy], params: { shape, begin, strides, sizes } }) => {
    const end = begin.map((b, i) => {
      const e = b + sizes[i] * strides[i];
      return e < 0 ? -shape[i] - 1 : e;
    });
    return [reshape(stridedSlice(ddx, begin, end, strides), dy.shape)];
  },
});

/**
 * NumPy-style strided slicing with TensorFlow's semantics: `x[begin:end:strides]`
 * per axis, where negative indices count from the end and negative strides
 * walk backwards. Bit `i` of a mask refers to entry `i` of begin/end/strides:
 * `beginMask`/`endMask` ignore that begin/end (take the axis from its start
 * or to its end in the direction of the stride), `ellipsisMask` marks the
 * entry as `...` (the axes not otherwise named), `newAxisMask` inserts an
 * axis of size 1, and `shrinkAxisMask` takes the single element at `begin`
 * and drops the axis. Indices past the ends are clamped, except shrunk ones,
 * which must be in range.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
 * stridedSlice(x, [0, 0], [2, 4], [1, 2]);       // x[:, ::2]  = [[1, 3], [5, 7]]
 * stridedSlice(x, [0, -1], [2, 0], [1, -1], 0, 2); // x[:, ::-1] = [[4, 3, 2, 1], [8, 7, 6, 5]]
 * stridedSlice(x, [1], [2], [1], 0, 0, 0, 0, 1);  // x[1]      = [5, 6, 7, 8]
 * ```
 */
export function stridedSlice(
  x: TensorLike,
  begin: readonly number[],
  end: readonly number[],
  strides?: readonly number[],
  beginMask = 0,
  endMask = 0,
  ellipsisMask = 0,
  newAxisMask = 0,
  shrinkAxisMask = 0,
): Tensor {
  return runOp1(stridedSliceOp, [x], { begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask });
}

// ------------------------------------------------------------ concat, stack

function assertTensorList(op: string, tensors: unknown): readonly TensorLike[] {
  if (!Array.isArray(tensors)) throw new ValueError(`${op}: expected an array of tensors, got ${tensors === null ? 'null' : typeof tensors}`);
  if (tensors.length === 0) throw new ValueError(`${op}: expected at least one tensor, got an empty array`);
  return tensors as readonly TensorLike[];
}

const concatOp = defineOp<{ axis: number }>({
  name: 'concat',
  inputNames: ['...tensors'],
  prepare: (xs, { axis }) => {
    const rank = xs[0].shape.length;
    if (rank === 0) throw new ShapeError('concat: cannot concatenate scalars (tensors[0] has rank 0); use stack() to join scalars into a vector');
    return { axis: normalizeAxis('concat', axis, rank) };
  },
  infer: (xs, { axis }) => {
    const first = xs[0].shape;
    const shape = first.slice();
    let dtype = xs[0].dtype;
    for (let i = 1; i < xs.length; i++) {
      const s = xs[i].shape;
      if (s.length !== first.length) {
        throw new ShapeError(`concat: tensors[${i}] has shape ${fmtShape(s)} (rank ${s.length}) but tensors[0] has shape ${fmtShape(first)} (rank ${first.length}); ranks must match`);
      }
      for (let d = 0; d < s.length; d++) {
        if (d !== axis && s[d] !== first[d]) {
          throw new ShapeError(
            `concat: tensors[${i}] has shape ${fmtShape(s)} but tensors[0] has shape ${fmtShape(first)}; all dimensions except axis ${axis} must match (dimension ${d} is ${s[d]} vs ${first[d]})`,
          );
        }
      }
      shape[axis] += s[axis];
      dtype = upcastType(dtype, xs[i].dtype);
    }
    return [{ shape, dtype }];
  },
  grad: ([dy], { inputs, params: { axis } }) => {
    let offset = 0;
    return inputs.map((x) => {
      const begin = x.shape.map(() => 0);
      begin[axis] = offset;
      offset += x.shape[axis];
      return slice(dy, begin, x.shape);
    });
  },
});

/**
 * Joins tensors along an existing axis; every other dimension must match.
 * Mixed dtypes promote (`bool < int32 < float32 < float64`).
 *
 * @example
 * ```ts
 * concat([tensor([[1, 2]]), tensor([[3, 4]])]);     // [[1, 2], [3, 4]]
 * concat([tensor([[1], [2]]), tensor([[3], [4]])], 1); // [[1, 3], [2, 4]]
 * ```
 */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  return runOp1(concatOp, assertTensorList('concat', tensors), { axis });
}

const stackOp = defineOp<{ axis: number }>({
  name: 'stack',
  inputNames: ['...tensors'],
  prepare: (xs, { axis }) => ({ axis: normalizeAxis('stack', axis, xs[0].shape.length + 1) }),
  infer: (xs, { axis }) => {
    const first = xs[0].shape;
    let dtype = xs[0].dtype;
    for (let i = 1; i < xs.length; i++) {
      if (!shapesEqual(xs[i].shape, first)) {
        throw new ShapeError(`stack: tensors[${i}] has shape ${fmtShape(xs[i].shape)} but tensors[0] has shape ${fmtShape(first)}; stacked tensors must have the same shape`);
      }
      dtype = upcastType(dtype, xs[i].dtype);
    }
    const shape = first.slice();
    shape.splice(axis, 0, xs.length);
    return [{ shape, dtype }];
  },
  decompose: (xs, { axis }) => scoped(() => [concat(xs.map((x) => expandDims(x, axis)), axis)]),
});

/**
 * Stacks tensors of the same shape along a new axis (negative counts from
 * the end of the result).
 *
 * @example
 * ```ts
 * stack([tensor([1, 2]), tensor([3, 4])]);     // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], -1); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  return runOp1(stackOp, assertTensorList('stack', tensors), { axis });
}

// ---------------------------------------------------------- unstack, split

const unstackOp = defineOp<{ axis: number }>({
  name: 'unstack',
  inputNames: ['x'],
  prepare: ([x], { axis }) => ({ axis: normalizeAxis('unstack', axis, x.shape.length) }),
  infer: ([x], { axis }) => {
    const shape = x.shape.filter((_, i) => i !== axis);
    return Array.from({ length: x.shape[axis] }, () => ({ shape, dtype: x.dtype }));
  },
  decompose: ([x], { axis }) =>
    scoped(() => {
      const shape = x.shape.filter((_, i) => i !== axis);
      const size = x.shape.slice();
      size[axis] = 1;
      return Array.from({ length: x.shape[axis] }, (_, i) => {
        const begin = x.shape.map(() => 0);
        begin[axis] = i;
        return reshape(slice(x, begin, size), shape);
      });
    }),
});

/**
 * Splits `x` along `axis` into its slices, removing that axis.
 *
 * @example
 * ```ts
 * unstack(tensor([[1, 2], [3, 4]]));    // [[1, 2], [3, 4]] as two tensors
 * unstack(tensor([[1, 2], [3, 4]]), 1); // [1, 3] and [2, 4]
 * ```
 */
export function unstack(x: TensorLike, axis = 0): Tensor[] {
  return runOp(unstackOp, [x], { axis });
}

interface SplitArgs {
  numOrSizeSplits: number | readonly number[];
  axis: number;
}

function resolveSplit(shape: readonly number[], { numOrSizeSplits, axis }: SplitArgs): { axis: number; sizes: number[] } {
  if (shape.length === 0) throw new ShapeError('split: expected x of rank >= 1, got a scalar (shape [])');
  const a = normalizeAxis('split', axis, shape.length);
  const dim = shape[a];
  const where = `dimension ${a} of x (size ${dim}, shape ${fmtShape(shape)})`;
  if (typeof numOrSizeSplits === 'number') {
    const n = numOrSizeSplits;
    if (!isInt(n) || n < 1) throw new ValueError(`split: expected numOrSizeSplits to be a positive integer or an array of sizes, got ${n}`);
    if (dim % n !== 0) throw new ValueError(`split: ${n} splits do not evenly divide ${where}; pass sizes instead`);
    return { axis: a, sizes: new Array<number>(n).fill(dim / n) };
  }
  const sizes = assertIntList('split', 'numOrSizeSplits', numOrSizeSplits).slice();
  const inferred = sizes.filter((s) => s === -1).length;
  if (inferred > 1 || sizes.some((s) => s < -1)) {
    throw new ValueError(`split: sizes ${fmtList(sizes)} must be non-negative, with at most one -1 (inferred)`);
  }
  const known = sizes.reduce((acc, s) => (s === -1 ? acc : acc + s), 0);
  if (inferred === 1) {
    if (known > dim) throw new ValueError(`split: sizes ${fmtList(sizes)} already sum to ${known}, more than ${where}`);
    sizes[sizes.indexOf(-1)] = dim - known;
  } else if (known !== dim) {
    throw new ValueError(`split: sizes ${fmtList(sizes)} sum to ${known}, but ${where}; they must sum to ${dim}`);
  }
  return { axis: a, sizes };
}

const splitOp = defineOp<{ axis: number; sizes: readonly number[] }, SplitArgs>({
  name: 'split',
  inputNames: ['x'],
  prepare: ([x], args) => resolveSplit(x.shape, args),
  infer: ([x], { axis, sizes }) =>
    sizes.map((s) => {
      const shape = x.shape.slice();
      shape[axis] = s;
      return { shape, dtype: x.dtype };
    }),
  decompose: ([x], { axis, sizes }) =>
    scoped(() => {
      let offset = 0;
      return sizes.map((s) => {
        const begin = x.shape.map(() => 0);
        const size = x.shape.slice();
        begin[axis] = offset;
        size[axis] = s;
        offset += s;
        return slice(x, begin, size);
      });
    }),
});

/**
 * Splits `x` along `axis` into `numOrSizeSplits` equal parts, or into parts
 * of the given sizes (one may be -1, inferred from the rest).
 *
 * @example
 * ```ts
 * split(tensor([1, 2, 3, 4]), 2);            // [1, 2] and [3, 4]
 * split(tensor([[1, 2, 3]]), [1, -1], 1);    // [[1]] and [[2, 3]]
 * ```
 */
export function split(x: TensorLike, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  return runOp(splitOp, [x], { numOrSizeSplits, axis });
}

// --------------------------------------------------------------------- tile

const tileOp = defineOp<{ reps: readonly number[] }>({
  name: 'tile',
  inputNames: ['x'],
  prepare: ([x], { reps }) => {
    const rank = x.shape.length;
    if (!Array.isArray(reps) || reps.length !== rank || !reps.every((r) => isInt(r) && r >= 0)) {
      throw new ValueError(`tile: expected reps to be ${rank} non-negative integers (one per axis of x, shape ${fmtShape(x.shape)}), got ${fmtList(reps)}`);
    }
    return { reps: reps.slice() };
  },
  infer: ([x], { reps }) => [{ shape: assertValidShape('tile', x.shape.map((d, i) => d * reps[i]), 'output shape'), dtype: x.dtype }],
  // Each output axis is (rep, d): sum dy over the rep axes.
  grad: ([dy], { inputs: [x], params: { reps } }) => {
    if (x.shape.length === 0) return [dy];
    const interleaved = x.shape.flatMap((d, i) => [reps[i], d]);
    return [sum(reshape(dy, interleaved), reps.map((_, i) => 2 * i))];
  },
});

/**
 * Repeats `x` `reps[i]` times along each axis `i`.
 *
 * @example
 * ```ts
 * tile(tensor([1, 2]), [3]);          // [1, 2, 1, 2, 1, 2]
 * tile(tensor([[1], [2]]), [1, 2]);   // [[1, 1], [2, 2]]
 * ```
 */
export function tile(x: TensorLike, reps: readonly number[]): Tensor {
  return runOp1(tileOp, [x], { reps });
}

// ---------------------------------------------------------------------- pad

const padOp = defineOp<{ paddings: readonly (readonly [number, number])[]; constantValue: number }>({
  name: 'pad',
  inputNames: ['x'],
  prepare: ([x], { paddings, constantValue }) => {
    const rank = x.shape.length;
    const expected = `${rank} [before, after] pairs (one per axis of x, shape ${fmtShape(x.shape)})`;
    if (!Array.isArray(paddings) || paddings.length !== rank) throw new ValueError(`pad: expected paddings to be ${expected}, got ${JSON.stringify(paddings)}`);
    paddings.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || !p.every(isInt)) {
        throw new ValueError(`pad: expected paddings to be ${expected}, got ${JSON.stringify(p)} for axis ${i}`);
      }
      if (p[0] < 0 || p[1] < 0) throw new ValueError(`pad: paddings for axis ${i} are [${p.join(',')}]; padding must be non-negative (use slice to crop)`);
    });
    if (typeof constantValue !== 'number') throw new ValueError(`pad: expected constantValue to be a number, got ${typeof constantValue}`);
    // bool storage must stay 0/1.
    const fill = x.dtype === 'bool' ? Number(Boolean(constantValue)) : constantValue;
    return { paddings: paddings.map((p): [number, number] => [p[0], p[1]]), constantValue: fill };
  },
  infer: ([x], { paddings }) => [{ shape: assertValidShape('pad', x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]), 'output shape'), dtype: x.dtype }],
  grad: ([dy], { inputs: [x], params: { paddings } }) => [slice(dy, paddings.map((p) => p[0]), x.shape)],
});

/**
 * Pads `x` with `constantValue`: `paddings[i] = [before, after]` elements
 * on each side of axis `i`.
 *
 * @example
 * ```ts
 * pad(tensor([1, 2]), [[1, 2]]);          // [0, 1, 2, 0, 0]
 * pad(tensor([[1]]), [[0, 1], [1, 0]], 9); // [[9, 1], [9, 9]]
 * ```
 */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  return runOp1(padOp, [x], { paddings, constantValue });
}

// ------------------------------------------------------------------- gather

function resolveGather(op: string, x: TensorMeta, indexRank: number, axis: number, batchDims: number): GatherParams {
  if (x.shape.length === 0) throw new ShapeError(`${op}: expected x of rank >= 1, got a scalar (shape [])`);
  const a = normalizeAxis(op, axis, x.shape.length);
  if (!isInt(batchDims)) throw new ValueError(`${op}: expected batchDims to be an integer, got ${String(batchDims)}`);
  const b = batchDims < 0 ? batchDims + indexRank : batchDims;
  if (b < 0 || b > indexRank) throw new ValueError(`${op}: batchDims ${batchDims} is out of range for indices of rank ${indexRank}`);
  if (b > a) throw new ValueError(`${op}: batchDims ${batchDims} must not exceed axis ${a}`);
  return { axis: a, batchDims: b };
}

function checkBatchDims(op: string, x: TensorMeta, indices: TensorMeta, batchDims: number): void {
  for (let i = 0; i < batchDims; i++) {
    if (x.shape[i] !== indices.shape[i]) {
      throw new ShapeError(`${op}: with batchDims ${batchDims}, x (shape ${fmtShape(x.shape)}) and indices (shape ${fmtShape(indices.shape)}) must agree on their first ${batchDims} dimensions`);
    }
  }
}

const gatherOp = defineOp<GatherParams, { axis: number; batchDims: number }>({
  name: 'gather',
  inputNames: ['x', 'indices'],
  strictInputDTypes: true,
  prepare: ([x, indices], { axis, batchDims }) => resolveGather('gather', x, indices.shape.length, axis, batchDims),
  infer: ([x, indices], { axis, batchDims }) => {
    checkIndexDType('gather', 'indices', indices.dtype);
    checkBatchDims('gather', x, indices, batchDims);
    return [{ shape: [...x.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...x.shape.slice(axis + 1)], dtype: x.dtype }];
  },
  grad: ([dy], { inputs: [x, indices], params: { axis, batchDims } }) => [
    runOp1(unsortedSegmentSumOp, [dy, indices], { numSegments: x.shape[axis], axis, batchDims }),
    null,
  ],
});

/**
 * Gathers slices of `x` along `axis` at `indices` (int32, any rank): the
 * result's shape is `x.shape[:axis] + indices.shape[batchDims:] +
 * x.shape[axis+1:]`. With `batchDims` b, the first b dimensions of `x` and
 * `indices` are batch dimensions gathered pairwise. Indices out of range
 * throw a ValueError naming the index.
 *
 * @example
 * ```ts
 * gather(tensor([10, 20, 30]), [2, 0, 2]);            // [30, 10, 30]
 * gather(tensor([[1, 2], [3, 4]]), [1], 1);           // [[2], [4]]
 * gather(tensor([[1, 2], [3, 4]]), tensor([[1], [0]], [2, 1], 'int32'), 1, 1); // [[2], [3]]
 * ```
 */
export function gather(x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor {
  return withIndices('gather', 'indices', indices, x, (idx) => runOp1(gatherOp, [x, idx], { axis, batchDims }));
}

const unsortedSegmentSumOp = defineOp<OpRegistry['unsortedSegmentSum']>({
  name: 'unsortedSegmentSum',
  inputNames: ['x', 'segmentIds'],
  strictInputDTypes: true,
  infer: ([x, ids], { numSegments, axis, batchDims }) => {
    if (x.dtype === 'bool') throw new DTypeError("unsortedSegmentSum: expected x of a numeric dtype (float32, int32, float64), got bool; cast it first, e.g. x.cast('int32')");
    checkIndexDType('unsortedSegmentSum', 'segmentIds', ids.dtype);
    if (!isInt(numSegments) || numSegments < 0) throw new ValueError(`unsortedSegmentSum: expected numSegments to be a non-negative integer, got ${String(numSegments)}`);
    checkBatchDims('unsortedSegmentSum', x, ids, batchDims);
    const segmented = ids.shape.slice(batchDims);
    const end = axis + segmented.length;
    if (x.shape.length < end || !shapesEqual(x.shape.slice(axis, end), segmented)) {
      throw new ShapeError(`unsortedSegmentSum: expected the shape of x ${fmtShape(x.shape)} to start with the shape of segmentIds ${fmtShape(ids.shape)}`);
    }
    return [{ shape: [...x.shape.slice(0, axis), numSegments, ...x.shape.slice(end)], dtype: x.dtype }];
  },
  grad: ([dy], { inputs: [, ids], params: { axis, batchDims } }) => [gather(dy, ids, axis, batchDims), null],
});

/**
 * Sums the slices of `x` that share a segment id: `segmentIds` (int32)
 * labels the leading dimensions of `x`, and the result has shape
 * `[numSegments, ...x.shape[segmentIds.rank:]]`. Segments with no slice are
 * 0; negative ids are dropped (as in TensorFlow); ids at or above
 * `numSegments` throw a ValueError. This is the transpose of {@link gather}.
 *
 * @example
 * ```ts
 * unsortedSegmentSum(tensor([1, 2, 3, 4]), [0, 2, 0, 1], 3); // [4, 4, 2]
 * unsortedSegmentSum(tensor([[1, 2], [3, 4]]), [1, 1], 2);  // [[0, 0], [4, 6]]
 * ```
 */
export function unsortedSegmentSum(x: TensorLike, segmentIds: TensorLike, numSegments: number): Tensor {
  return withIndices('unsortedSegmentSum', 'segmentIds', segmentIds, x, (ids) => runOp1(unsortedSegmentSumOp, [x, ids], { numSegments, axis: 0, batchDims: 0 }));
}

// ------------------------------------------------- reverse, broadcastTo, clone

const reverseOp = defineOp<{ axes: readonly number[] }, { axis: number | readonly number[] | undefined }>({
  name: 'reverse',
  inputNames: ['x'],
  prepare: ([x], { axis }) => ({ axes: normalizeAxes('reverse', axis, x.shape.length) }),
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  grad: ([dy], { params: { axes } }) => [reverse(dy, axes)],
});

/**
 * Reverses `x` along `axis` (one axis or several; all axes by default).
 *
 * @example
 * ```ts
 * reverse(tensor([1, 2, 3]));               // [3, 2, 1]
 * reverse(tensor([[1, 2], [3, 4]]), -1);    // [[2, 1], [4, 3]]
 * ```
 */
export function reverse(x: TensorLike, axis?: number | readonly number[]): Tensor {
  return runOp1(reverseOp, [x], { axis });
}

const broadcastToOp = defineOp<{ shape: readonly number[] }>({
  name: 'broadcastTo',
  inputNames: ['x'],
  prepare: (_, { shape }) => ({ shape: assertValidShape('broadcastTo', shape) }),
  infer: ([x], { shape }) => {
    const lead = shape.length - x.shape.length;
    if (lead < 0) throw new ShapeError(`broadcastTo: cannot broadcast shape ${fmtShape(x.shape)} to ${fmtShape(shape)}, which has fewer dimensions`);
    x.shape.forEach((d, i) => {
      if (d !== 1 && d !== shape[lead + i]) {
        throw new ShapeError(
          `broadcastTo: cannot broadcast shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (dimension ${i} of x is ${d} vs ${shape[lead + i]}; each must match or be 1)`,
        );
      }
    });
    return [{ shape, dtype: x.dtype }];
  },
  grad: ([dy], { inputs: [x] }) => [unbroadcast(dy, x.shape)],
});

/**
 * Broadcasts `x` to `shape` (NumPy rules: leading axes are added, size-1
 * axes repeated).
 *
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [2, 2]);     // [[1, 2], [1, 2]]
 * broadcastTo(tensor([[1], [2]]), [2, 3]); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  return runOp1(broadcastToOp, [x], { shape });
}

const cloneOp = defineOp<Record<string, never>>({
  name: 'clone',
  inputNames: ['x'],
  // Tensors are immutable, so a copy may share storage.
  view: true,
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  grad: ([dy]) => [dy],
});

/**
 * A new tensor with the values, shape and dtype of `x` (it shares `x`'s
 * storage, which is safe because tensors are immutable; disposing one
 * leaves the other intact).
 *
 * @example
 * ```ts
 * const y = clone(x);
 * x.dispose(); // y is still usable
 * ```
 */
export function clone(x: TensorLike): Tensor {
  return runOp1(cloneOp, [x], {});
}
