/**
 * Reductions: sum, mean, prod, max, min, argMax, argMin, all, any,
 * logSumExp, moments.
 *
 * sum, prod, max, min, all, any, argMax and argMin are primitives with a
 * kernel per backend. mean, logSumExp and moments are compositions: they are
 * declared with `defineOp` only so that dispatch converts their inputs and
 * their argument errors name them (`mean: axis 2 is out of range ...`); they
 * have no kernel and no gradient rule, so their decomposition runs and
 * autograd differentiates it.
 *
 * @module
 */
import type { TensorMeta } from '../backend/backend.js';
import { floatTypeOf, isFloat, type DType } from '../dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeAxes, normalizeAxis, reducedShape } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { stopGradient } from '../autograd/gradients.js';
import { defineOp, type GradFn } from './define-op.js';
import { runOp, runOp1 } from './dispatch.js';
import { add, cast, div, equal, exp, isFinite, log, logicalAnd, mul, squaredDifference, sub, where } from './elementwise.js';
import { onesLike } from './creation.js';
import { reshape } from './movement.js';

/**
 * The params a reduction kernel receives: the axes resolved against the
 * input's rank.
 *
 * @example
 * ```ts
 * // sum(x, -1, true) on a rank-3 x runs the kernel with:
 * const params: ReduceParams = { axes: [2], keepDims: true };
 * ```
 */
export interface ReduceParams {
  /** The reduced axes: sorted, unique, non-negative. */
  axes: readonly number[];
  /** Whether reduced axes stay as size 1 in the output. */
  keepDims: boolean;
}

/**
 * The params argMax and argMin kernels receive.
 *
 * @example
 * ```ts
 * // argMax(x, -1) on a rank-2 x runs the kernel with:
 * const params: ArgReduceParams = { axis: 1 };
 * ```
 */
export interface ArgReduceParams {
  /** The reduced axis, non-negative. */
  axis: number;
}

declare module './define-op.js' {
  interface OpRegistry {
    /** {@link sum} */
    sum: ReduceParams;
    /** {@link prod} */
    prod: ReduceParams;
    /** {@link max} */
    max: ReduceParams;
    /** {@link min} */
    min: ReduceParams;
    /** {@link all} */
    all: ReduceParams;
    /** {@link any} */
    any: ReduceParams;
    /** {@link argMax} */
    argMax: ArgReduceParams;
    /** {@link argMin} */
    argMin: ArgReduceParams;
  }
}

/** What callers pass to a reduction. */
interface ReduceArgs {
  axis: number | readonly number[] | null | undefined;
  keepDims: boolean;
}

function prepareReduce(op: string) {
  return ([x]: readonly TensorMeta[], { axis, keepDims }: ReduceArgs): ReduceParams => ({
    axes: normalizeAxes(op, axis, x.shape.length),
    keepDims: Boolean(keepDims),
  });
}

type Accepts = 'any' | 'numeric' | 'bool';

function checkDType(op: string, accepts: Accepts, dtype: DType): void {
  if (accepts === 'numeric' && dtype === 'bool') {
    const hint = op === 'max' ? '; use any() for bool' : op === 'min' ? '; use all() for bool' : "; cast it first, e.g. x.cast('int32')";
    throw new DTypeError(`${op}: expected x of a numeric dtype (float32, int32, float64), got bool${hint}`);
  }
  if (accepts === 'bool' && dtype !== 'bool') {
    throw new DTypeError(`${op}: expected x of dtype bool, got ${dtype}; compare first, e.g. greater(x, 0)`);
  }
}

/** Declares a primitive reduction over axes. */
function reduceOp(name: keyof typeof OUT_RULES, accepts: Accepts, grad?: GradFn<ReduceParams>) {
  const out = OUT_RULES[name];
  return defineOp<ReduceParams, ReduceArgs>({
    name,
    inputNames: ['x'],
    prepare: prepareReduce(name),
    infer([x], { axes, keepDims }) {
      checkDType(name, accepts, x.dtype);
      return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: out(x.dtype) }];
    },
    grad,
  });
}

const OUT_RULES = {
  sum: (d: DType): DType => (d === 'bool' ? 'int32' : d),
  prod: (d: DType): DType => (d === 'bool' ? 'int32' : d),
  max: (d: DType): DType => d,
  min: (d: DType): DType => d,
  all: (): DType => 'bool',
  any: (): DType => 'bool',
};

/** dy reshaped so it broadcasts against x: reduced axes kept as 1. */
function keptDy(dy: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return reshape(dy, reducedShape(x.shape, axes, true));
}

const sumOp = reduceOp('sum', 'any', ([dy], { inputs: [x], params: { axes } }) => [mul(keptDy(dy, x, axes), onesLike(x))]);

// d prod / d x_i is the product of the other elements. Written as y / x it
// breaks at zeros, so it is taken from the product of the nonzero elements:
// with no zero in the slice that product over x_i; with exactly one zero, the
// product itself at the zero and 0 elsewhere; with two or more zeros, 0.
const prodOp = reduceOp('prod', 'any', ([dy], { inputs: [x], params: { axes } }) => {
  if (!isFloat(x.dtype)) return [null];
  const isZero = equal(x, 0);
  const zeroCount = sum(isZero, axes, true);
  const nonzero = where(isZero, 1, x);
  const prodNonzero = prod(nonzero, axes, true);
  const local = where(equal(zeroCount, 0), div(prodNonzero, nonzero), where(logicalAnd(isZero, equal(zeroCount, 1)), prodNonzero, 0));
  return [mul(keptDy(dy, x, axes), local)];
});

// As TensorFlow: dy goes to the positions equal to the extreme, split
// equally among ties.
const extremeGrad: GradFn<ReduceParams> = ([dy], { inputs: [x], outputs: [y], params: { axes } }) => {
  if (!isFloat(x.dtype)) return [null];
  const kept = reducedShape(x.shape, axes, true);
  const mask = cast(equal(x, reshape(y, kept)), x.dtype);
  return [div(mul(reshape(dy, kept), mask), sum(mask, axes, true))];
};

const maxOp = reduceOp('max', 'numeric', extremeGrad);
const minOp = reduceOp('min', 'numeric', extremeGrad);
const allOp = reduceOp('all', 'bool');
const anyOp = reduceOp('any', 'bool');

function argReduceOp(name: 'argMax' | 'argMin') {
  return defineOp<ArgReduceParams>({
    name,
    inputNames: ['x'],
    prepare: ([x], { axis }) => {
      if (x.shape.length === 0) throw new ShapeError(`${name}: expected x of rank >= 1, got a scalar (shape [])`);
      return { axis: normalizeAxis(name, axis, x.shape.length) };
    },
    infer([x], { axis }) {
      if (x.shape[axis] === 0) {
        throw new ValueError(`${name}: axis ${axis} of shape ${fmtShape(x.shape)} is empty; there is no ${name === 'argMax' ? 'maximum' : 'minimum'} to index`);
      }
      return [{ shape: x.shape.filter((_, i) => i !== axis), dtype: 'int32' }];
    },
  });
}

const argMaxOp = argReduceOp('argMax');
const argMinOp = argReduceOp('argMin');

/**
 * Sum over `axis` (all axes by default); negative axes count from the end.
 * bool sums to int32; int32 sums wrap like int32 arithmetic; float sums
 * accumulate in float64 on the CPU.
 *
 * @example
 * ```ts
 * sum(tensor([[1, 2], [3, 4]]));        // 10
 * sum(tensor([[1, 2], [3, 4]]), 1);     // [3, 7]
 * sum(tensor([[1, 2], [3, 4]]), -1, true); // [[3], [7]]
 * ```
 */
export function sum(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  return runOp1(sumOp, [x], { axis, keepDims });
}

/**
 * Product over `axis` (all axes by default). bool gives int32; int32
 * products wrap like int32 arithmetic. The gradient is exact at zeros.
 *
 * @example
 * ```ts
 * prod(tensor([[1, 2], [3, 4]]));    // 24
 * prod(tensor([[1, 2], [3, 4]]), 0); // [3, 8]
 * ```
 */
export function prod(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  return runOp1(prodOp, [x], { axis, keepDims });
}

/**
 * Maximum over `axis` (all axes by default). NaN propagates. An empty
 * reduction gives -Infinity (the smallest int32 for int32), as TensorFlow
 * does. The gradient goes to the maxima, split equally among ties.
 *
 * @example
 * ```ts
 * max(tensor([[1, 5], [3, 2]]));           // 5
 * max(tensor([[1, 5], [3, 2]]), 0);        // [3, 5]
 * max(tensor([[1, 5], [3, 2]]), -1, true); // [[5], [3]]
 * ```
 */
export function max(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  return runOp1(maxOp, [x], { axis, keepDims });
}

/**
 * Minimum over `axis` (all axes by default). NaN propagates. An empty
 * reduction gives +Infinity (the largest int32 for int32). The gradient
 * goes to the minima, split equally among ties.
 *
 * @example
 * ```ts
 * min(tensor([[1, 5], [3, 2]]));    // 1
 * min(tensor([[1, 5], [3, 2]]), 1); // [1, 2]
 * ```
 */
export function min(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  return runOp1(minOp, [x], { axis, keepDims });
}

/**
 * Whether every element over `axis` is true (all axes by default). Takes
 * and gives bool; an empty reduction is true.
 *
 * @example
 * ```ts
 * all(tensor([[true, false], [true, true]]), 1); // [false, true]
 * ```
 */
export function all(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  return runOp1(allOp, [x], { axis, keepDims });
}

/**
 * Whether any element over `axis` is true (all axes by default). Takes and
 * gives bool; an empty reduction is false.
 *
 * @example
 * ```ts
 * any(tensor([[true, false], [false, false]]), 1); // [true, false]
 * ```
 */
export function any(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  return runOp1(anyOp, [x], { axis, keepDims });
}

/**
 * The int32 index of the largest value along `axis` (default 0); the first
 * one wins ties, and NaN counts as largest. Not differentiable.
 *
 * @example
 * ```ts
 * argMax(tensor([[1, 5, 5], [7, 2, 0]]), 1); // [1, 0]
 * argMax(tensor([[1, 5, 5], [7, 2, 0]]));    // [1, 0, 0]
 * ```
 */
export function argMax(x: TensorLike, axis = 0): Tensor {
  return runOp1(argMaxOp, [x], { axis });
}

/**
 * The int32 index of the smallest value along `axis` (default 0); the first
 * one wins ties, and NaN counts as smallest. Not differentiable.
 *
 * @example
 * ```ts
 * argMin(tensor([[1, 5, 1], [7, 2, 0]]), -1); // [0, 2]
 * ```
 */
export function argMin(x: TensorLike, axis = 0): Tensor {
  return runOp1(argMinOp, [x], { axis });
}

// ------------------------------------------------------------ compositions

/** The float dtype a mean-like composition computes in. */
function meanDType(dtype: DType): DType {
  return isFloat(dtype) ? floatTypeOf(dtype) : 'float32';
}

function countOf(shape: readonly number[], axes: readonly number[]): number {
  let n = 1;
  for (const a of axes) n *= shape[a];
  return n;
}

const meanOp = defineOp<ReduceParams, ReduceArgs>({
  name: 'mean',
  inputNames: ['x'],
  prepare: prepareReduce('mean'),
  infer: ([x], { axes, keepDims }) => [{ shape: reducedShape(x.shape, axes, keepDims), dtype: meanDType(x.dtype) }],
  decompose: ([x], { axes, keepDims }) => {
    // Casting first keeps int32 sums from wrapping.
    const xf = x.dtype === meanDType(x.dtype) ? x : cast(x, meanDType(x.dtype));
    return [div(sum(xf, axes, keepDims), countOf(x.shape, axes))];
  },
});

/**
 * Arithmetic mean over `axis` (all axes by default). int32 and bool inputs
 * give float32. The mean of an empty slice is NaN.
 *
 * @example
 * ```ts
 * mean(tensor([[1, 2], [3, 4]]));    // 2.5
 * mean(tensor([[1, 2], [3, 4]]), 0); // [2, 3]
 * ```
 */
export function mean(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  return runOp1(meanOp, [x], { axis, keepDims });
}

const logSumExpOp = defineOp<ReduceParams, ReduceArgs>({
  name: 'logSumExp',
  inputNames: ['x'],
  prepare: prepareReduce('logSumExp'),
  infer([x], { axes, keepDims }) {
    checkDType('logSumExp', 'numeric', x.dtype);
    return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: floatTypeOf(x.dtype) }];
  },
  decompose: ([x], { axes, keepDims }) => {
    // Shifting by the max keeps exp from overflowing. The shift is a
    // constant to autograd: the result does not depend on it, and without
    // it the gradient is exactly softmax (no tie-splitting term through max).
    // A non-finite max (all -Infinity, or an Infinity) is replaced by 0 as
    // TensorFlow does, so -Infinity - -Infinity never makes NaN.
    const xf = isFloat(x.dtype) ? x : cast(x, 'float32');
    const m = max(xf, axes, true);
    const shift = stopGradient(where(isFinite(m), m, 0));
    const s = log(sum(exp(sub(xf, shift)), axes, keepDims));
    return [add(s, keepDims ? shift : reshape(shift, reducedShape(x.shape, axes, false)))];
  },
});

/**
 * log(sum(exp(x))) over `axis` (all axes by default), computed stably by
 * shifting by the maximum. Its gradient is softmax(x) over the axes.
 *
 * @example
 * ```ts
 * logSumExp(tensor([0, Math.log(3)])); // log(4)
 * logSumExp(tensor([[1000, 1000]]), 1); // [1000 + log(2)]
 * ```
 */
export function logSumExp(x: TensorLike, axis?: number | readonly number[] | null, keepDims = false): Tensor {
  return runOp1(logSumExpOp, [x], { axis, keepDims });
}

const momentsOp = defineOp<ReduceParams, ReduceArgs>({
  name: 'moments',
  inputNames: ['x'],
  prepare: prepareReduce('moments'),
  infer([x], { axes, keepDims }) {
    checkDType('moments', 'numeric', x.dtype);
    const meta = { shape: reducedShape(x.shape, axes, keepDims), dtype: meanDType(x.dtype) };
    return [meta, meta];
  },
  decompose: ([x], { axes, keepDims }) => {
    const xf = x.dtype === meanDType(x.dtype) ? x : cast(x, meanDType(x.dtype));
    const m = mean(xf, axes, true);
    // No stopGradient on the mean (TensorFlow Python has one): it does not
    // change the first derivative but would drop a term of the second.
    const variance = mean(squaredDifference(xf, m), axes, keepDims);
    return [keepDims ? m : reshape(m, reducedShape(x.shape, axes, false)), variance];
  },
});

/**
 * What {@link moments} returns.
 *
 * @example
 * ```ts
 * const { mean, variance }: MomentsResult = moments(tensor([1, 2, 3, 4]));
 * ```
 */
export interface MomentsResult {
  /** The mean over the axes. */
  mean: Tensor;
  /** The population variance (divided by the count, not count - 1) over the axes. */
  variance: Tensor;
}

/**
 * Mean and population variance over `axes` (all axes by default), as
 * `tf.moments`. int32 inputs give float32.
 *
 * @example
 * ```ts
 * const { mean, variance } = moments(tensor([1, 2, 3, 4])); // 2.5, 1.25
 * moments(tensor([[1, 2], [3, 5]]), 0).variance;             // [1, 2.25]
 * ```
 */
export function moments(x: TensorLike, axes?: number | readonly number[] | null, keepDims = false): MomentsResult {
  const [m, variance] = runOp(momentsOp, [x], { axis: axes, keepDims });
  return { mean: m, variance };
}
