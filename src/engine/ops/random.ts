/**
 * Random ops: randomUniform, randomNormal, truncatedNormal.
 *
 * The public function validates its arguments, then draws the op's key once
 * with `nextRandomKey(seed)` and passes it to the kernel as a param, so every
 * backend generates the same Philox stream from the same key (see
 * `engine/random.ts` for the stream contract). Without a seed the key comes
 * from the global generator, which `setSeed` makes reproducible. These ops
 * have no tensor inputs, so they run on the default device, and no gradient.
 *
 * @module
 */
import { assertDType, isFloat, type DType } from '../dtype.js';
import { DTypeError, ValueError } from '../errors.js';
import { nextRandomKey } from '../random.js';
import { assertValidShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { defineOp } from './define-op.js';
import { runOp1 } from './dispatch.js';

declare module './define-op.js' {
  interface OpRegistry {
    /** Kernel params of `randomUniform`. */
    randomUniform: RandomUniformParams;
    /** Kernel params of `randomNormal`. */
    randomNormal: RandomNormalParams;
    /** Kernel params of `truncatedNormal`. */
    truncatedNormal: RandomNormalParams;
  }
}

/**
 * What a `randomUniform` kernel receives: everything validated, and the
 * Philox key already drawn, so every backend produces the same stream.
 *
 * @example
 * ```ts
 * const p: RandomUniformParams = { shape: [2], dtype: 'float32', minval: 0, maxval: 1, key: [1, 2] };
 * ```
 */
export interface RandomUniformParams {
  /** Output shape. */
  readonly shape: readonly number[];
  /** Output dtype: float32, float64 or int32. */
  readonly dtype: DType;
  /** Inclusive lower bound. */
  readonly minval: number;
  /** Exclusive upper bound. */
  readonly maxval: number;
  /** Philox key: two uint32 words from `nextRandomKey`. */
  readonly key: readonly [number, number];
}

/**
 * What a `randomNormal` or `truncatedNormal` kernel receives: everything
 * validated, and the Philox key already drawn.
 *
 * @example
 * ```ts
 * const p: RandomNormalParams = { shape: [2], dtype: 'float32', mean: 0, stdDev: 1, key: [1, 2] };
 * ```
 */
export interface RandomNormalParams {
  /** Output shape. */
  readonly shape: readonly number[];
  /** Output dtype: float32 or float64. */
  readonly dtype: DType;
  /** Mean. */
  readonly mean: number;
  /** Standard deviation (of the untruncated normal), >= 0. */
  readonly stdDev: number;
  /** Philox key: two uint32 words from `nextRandomKey`. */
  readonly key: readonly [number, number];
}

/**
 * Options of {@link randomUniform}, accepted in place of its positional
 * arguments.
 *
 * @example
 * ```ts
 * const opts: RandomUniformOptions = { minval: -1, maxval: 1, seed: 7 };
 * randomUniform([2, 3], opts);
 * ```
 */
export interface RandomUniformOptions {
  /** Inclusive lower bound (default 0). */
  minval?: number;
  /** Exclusive upper bound (default 1). */
  maxval?: number;
  /** `'float32'` (default), `'float64'` or `'int32'`. */
  dtype?: DType;
  /** A non-negative integer; the same seed always gives the same values. */
  seed?: number;
}

/**
 * Options of {@link randomNormal} and {@link truncatedNormal}, accepted in
 * place of their positional arguments.
 *
 * @example
 * ```ts
 * const opts: RandomNormalOptions = { mean: 0, stdDev: 0.05, seed: 42 };
 * randomNormal([784, 10], opts);
 * ```
 */
export interface RandomNormalOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation, >= 0 (default 1). */
  stdDev?: number;
  /** `'float32'` (default) or `'float64'`. */
  dtype?: DType;
  /** A non-negative integer; the same seed always gives the same values. */
  seed?: number;
}

function randomOp<P extends { shape: readonly number[]; dtype: DType }>(name: 'randomUniform' | 'randomNormal' | 'truncatedNormal') {
  return defineOp<P>({
    name,
    inputNames: [],
    infer: (_inputs, { shape, dtype }) => [{ shape, dtype }],
  });
}

const randomUniformOp = randomOp<RandomUniformParams>('randomUniform');
const randomNormalOp = randomOp<RandomNormalParams>('randomNormal');
const truncatedNormalOp = randomOp<RandomNormalParams>('truncatedNormal');

function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${op}: expected ${name} to be a finite number, got ${String(v)}`);
  return v;
}

function checkSeed(op: string, seed: unknown): number | undefined {
  if (seed === undefined) return undefined;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(`${op}: expected seed to be an integer in [0, 2^53 - 1], got ${String(seed)}`);
  }
  return seed;
}

function isOptions<T extends object>(v: number | T): v is T {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a normal op's arguments before its key is drawn, so a bad call leaves the global stream alone. */
function normalParams(op: 'randomNormal' | 'truncatedNormal', shape: readonly number[], mean: number, stdDev: number, dtype: DType, seed: number | undefined): RandomNormalParams {
  const s = assertValidShape(op, shape);
  const d = assertDType(op, dtype);
  if (!isFloat(d)) throw new DTypeError(`${op}: expected dtype 'float32' or 'float64', got '${d}'; draw floats and round or cast them`);
  finite(op, 'mean', mean);
  finite(op, 'stdDev', stdDev);
  if (stdDev < 0) throw new ValueError(`${op}: expected stdDev >= 0, got ${stdDev}`);
  return { shape: s, dtype: d, mean, stdDev, key: nextRandomKey(checkSeed(op, seed)) };
}

/**
 * Uniformly distributed values in `[minval, maxval)`. With dtype `'int32'`
 * the values are integers in `[minval, maxval)` (the bounds must be
 * integers). The second argument may instead be an options object.
 *
 * @param shape The output shape.
 * @param minval Inclusive lower bound, or {@link RandomUniformOptions}.
 * @param maxval Exclusive upper bound.
 * @param dtype `'float32'`, `'float64'` or `'int32'`.
 * @param seed A non-negative integer; without it the global generator is used (see `setSeed`).
 * @example
 * ```ts
 * randomUniform([2, 3]);                      // float32 in [0, 1)
 * randomUniform([4], -1, 1, 'float32', 42);   // the same values every time
 * randomUniform([10], 1, 7, 'int32');         // dice rolls
 * randomUniform([2], { maxval: 10, seed: 1 });
 * ```
 */
export function randomUniform(
  shape: readonly number[],
  minval: number | RandomUniformOptions = 0,
  maxval = 1,
  dtype: DType = 'float32',
  seed?: number,
): Tensor {
  const op = 'randomUniform';
  let lo: unknown = minval;
  let hi: unknown = maxval;
  let d: unknown = dtype;
  let sd: unknown = seed;
  if (isOptions(minval)) ({ minval: lo = 0, maxval: hi = 1, dtype: d = 'float32', seed: sd } = minval);
  const s = assertValidShape(op, shape);
  const dt = assertDType(op, d);
  const low = finite(op, 'minval', lo);
  const high = finite(op, 'maxval', hi);
  if (dt === 'bool') throw new DTypeError(`${op}: expected dtype 'float32', 'float64' or 'int32', got 'bool'; compare uniform floats with a threshold instead`);
  if (dt === 'int32') {
    if (!Number.isInteger(low) || !Number.isInteger(high) || low < -(2 ** 31) || high > 2 ** 31) {
      throw new ValueError(`${op}: int32 output needs integer bounds in [-2^31, 2^31], got minval ${low} and maxval ${high}`);
    }
  }
  // float32 bounds are rounded first; they must stay ordered after rounding.
  const ordered = dt === 'float32' ? Math.fround(low) < Math.fround(high) && Number.isFinite(Math.fround(high) - Math.fround(low)) : low < high && Number.isFinite(high - low);
  if (!ordered) throw new ValueError(`${op}: expected minval < maxval${dt === 'float32' ? ' (as float32)' : ''}, got minval ${low} and maxval ${high}`);
  const key = nextRandomKey(checkSeed(op, sd));
  return runOp1(randomUniformOp, [], { shape: s, dtype: dt, minval: low, maxval: high, key });
}

/**
 * Normally distributed values (Box-Muller on the Philox stream). The second
 * argument may instead be an options object.
 *
 * @param shape The output shape.
 * @param mean The mean, or {@link RandomNormalOptions}.
 * @param stdDev The standard deviation, >= 0.
 * @param dtype `'float32'` or `'float64'`.
 * @param seed A non-negative integer; without it the global generator is used (see `setSeed`).
 * @example
 * ```ts
 * randomNormal([784, 10], 0, 0.05);
 * randomNormal([2, 3], { mean: 1, stdDev: 2, seed: 42 });
 * ```
 */
export function randomNormal(
  shape: readonly number[],
  mean: number | RandomNormalOptions = 0,
  stdDev = 1,
  dtype: DType = 'float32',
  seed?: number,
): Tensor {
  const p = isOptions(mean)
    ? normalParams('randomNormal', shape, mean.mean ?? 0, mean.stdDev ?? 1, mean.dtype ?? 'float32', mean.seed)
    : normalParams('randomNormal', shape, mean, stdDev, dtype, seed);
  return runOp1(randomNormalOp, [], p);
}

/**
 * Normally distributed values truncated at two standard deviations: draws
 * outside `mean ± 2·stdDev` are drawn again (TensorFlow's
 * `truncatedNormal`). The result's standard deviation is about
 * `0.88 · stdDev`. The second argument may instead be an options object.
 *
 * @param shape The output shape.
 * @param mean The mean, or {@link RandomNormalOptions}.
 * @param stdDev The standard deviation of the underlying normal, >= 0.
 * @param dtype `'float32'` or `'float64'`.
 * @param seed A non-negative integer; without it the global generator is used (see `setSeed`).
 * @example
 * ```ts
 * truncatedNormal([3, 3], 0, 0.1); // every value within ±0.2
 * truncatedNormal([2], { stdDev: 2, seed: 3 });
 * ```
 */
export function truncatedNormal(
  shape: readonly number[],
  mean: number | RandomNormalOptions = 0,
  stdDev = 1,
  dtype: DType = 'float32',
  seed?: number,
): Tensor {
  const p = isOptions(mean)
    ? normalParams('truncatedNormal', shape, mean.mean ?? 0, mean.stdDev ?? 1, mean.dtype ?? 'float32', mean.seed)
    : normalParams('truncatedNormal', shape, mean, stdDev, dtype, seed);
  return runOp1(truncatedNormalOp, [], p);
}
