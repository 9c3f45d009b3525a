/**
 * stridedSlice, NumPy-style `x[begin:end:strides]` with TensorFlow's masks,
 * and stridedSliceGrad, the scatter that is its gradient. Both are
 * primitives with one kernel per backend; the masks are resolved here, once,
 * into a begin, step and count per input axis, so kernels see a plain
 * strided box.
 *
 * @module
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertIntList, fmtList, isInt } from './arg-checks.js';
import { defineOp, type OpRegistry } from './define-op.js';
import { runOp1 } from './dispatch.js';
import { reshape } from './movement.js';

declare module './define-op.js' {
  interface OpRegistry {
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
  }
}

type StridedSliceParams = OpRegistry['stridedSlice'];

function assertBitMask(op: string, what: string, v: unknown): number {
  if (!isInt(v) || v < 0 || v >= 2 ** 32) throw new ValueError(`${op}: expected ${what} to be a non-negative integer bit mask, got ${String(v)}`);
  return v;
}

function bitSet(mask: number, i: number): boolean {
  return i < 32 && ((mask >>> i) & 1) === 1;
}

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
