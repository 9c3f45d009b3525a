/**
 * Creating tensors: from values, constants, identity matrices, ranges and
 * one-hot encodings; and variables.
 *
 * @module
 */
import { assertDType, type DType, type TypedArray, allocArray } from '../dtype.js';
import { ValueError } from '../errors.js';
import { assertValidShape, sizeOf } from '../shape.js';
import { Tensor, Variable, type NestedArray, type TensorLike } from '../tensor.js';
import { inferDType } from '../values.js';
import { defineOp } from './define-op.js';
import { fromValues, runOp1 } from './dispatch.js';
import { cast, equal, where } from './elementwise.js';
import { expandDims } from './movement.js';

/**
 * Makes a tensor from nested arrays, a typed array, or a flat array with a
 * shape. The dtype is inferred (typed arrays keep theirs, booleans give
 * bool, numbers float32) unless given. Ragged arrays, a shape that does not
 * match the number of values, and non-finite or negative dimensions throw.
 *
 * @param values Nested arrays, a flat array, a typed array or a number.
 * @param shape The shape, when `values` is flat (a single value fills it).
 * @param dtype The dtype to store.
 * @example
 * ```ts
 * tensor([[1, 2], [3, 4]]);              // shape [2, 2], float32
 * tensor([1, 2, 3, 4], [2, 2], 'int32');
 * tensor(new Float32Array([1, 2]));
 * ```
 */
export function tensor(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  const d = dtype === undefined ? inferDType(values) : assertDType('tensor', dtype);
  return fromValues('tensor', values, shape, d);
}

/**
 * A rank-0 tensor.
 *
 * @example
 * ```ts
 * scalar(3.5);
 * scalar(1, 'int32');
 * ```
 */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new ValueError(`scalar: expected a number or boolean, got ${value === null ? 'null' : typeof value}`);
  }
  return fromValues('scalar', value, [], dtype === undefined ? inferDType(value) : assertDType('scalar', dtype));
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @example
 * ```ts
 * fill([2, 3], 7);            // float32 sevens
 * fill([2], 1, 'int32');
 * ```
 */
export function fill(shape: readonly number[], value: number | boolean, dtype?: DType): Tensor {
  return filled('fill', shape, value, dtype);
}

function filled(op: string, shape: readonly number[], value: number | boolean, dtype?: DType): Tensor {
  const s = assertValidShape(op, shape);
  const d = dtype === undefined ? (typeof value === 'boolean' ? 'bool' : 'float32') : assertDType(op, dtype);
  if (typeof value !== 'number' && typeof value !== 'boolean') throw new ValueError(`${op}: expected value to be a number or boolean, got ${typeof value}`);
  const values = allocArray(d, sizeOf(s));
  // NaN is falsy but must still be written (typed arrays start at 0).
  if (value !== 0 && value !== false) values.fill(d === 'bool' ? 1 : Number(value));
  return fromValues(op, values, s, d);
}

/**
 * A tensor of zeros.
 *
 * @example
 * ```ts
 * zeros([2, 2]);
 * ```
 */
export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

/**
 * A tensor of ones.
 *
 * @example
 * ```ts
 * ones([3], 'int32');
 * ```
 */
export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

function likeOf(op: string, x: TensorLike): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: expected a Tensor, got ${typeof x}`);
  x.assertAlive(op);
  return x;
}

/**
 * Zeros with the shape, dtype and device of `x`.
 *
 * @example
 * ```ts
 * zerosLike(tensor([1, 2])); // [0, 0]
 * ```
 */
export function zerosLike(x: Tensor): Tensor {
  const t = likeOf('zerosLike', x);
  return fromValues('zerosLike', allocArray(t.dtype, t.size), t.shape, t.dtype, t.device);
}

/**
 * Ones with the shape, dtype and device of `x`.
 *
 * @example
 * ```ts
 * onesLike(tensor([1, 2])); // [1, 1]
 * ```
 */
export function onesLike(x: Tensor): Tensor {
  const t = likeOf('onesLike', x);
  const values = allocArray(t.dtype, t.size);
  values.fill(1);
  return fromValues('onesLike', values, t.shape, t.dtype, t.device);
}

function assertCount(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new ValueError(`${op}: expected ${name} to be a non-negative integer, got ${String(v)}`);
  }
  return v;
}

/**
 * An identity matrix (ones on the diagonal), optionally batched.
 *
 * @example
 * ```ts
 * eye(2);           // [[1, 0], [0, 1]]
 * eye(2, 3, [4]);   // 4 copies of a 2x3 identity
 * ```
 */
export function eye(numRows: number, numColumns?: number, batchShape?: readonly number[], dtype: DType = 'float32'): Tensor {
  const rows = assertCount('eye', 'numRows', numRows);
  const cols = numColumns === undefined ? rows : assertCount('eye', 'numColumns', numColumns);
  const batch = batchShape === undefined ? [] : assertValidShape('eye', batchShape, 'batchShape');
  const d = assertDType('eye', dtype);
  const n = sizeOf(batch);
  const values = allocArray(d, n * rows * cols);
  for (let b = 0; b < n; b++) for (let i = 0; i < Math.min(rows, cols); i++) values[b * rows * cols + i * cols + i] = 1;
  return fromValues('eye', values, [...batch, rows, cols], d);
}

/**
 * Evenly spaced values in [start, stop) with `step` (TensorFlow.js
 * argument order). With only `start`, counts from 0.
 *
 * @example
 * ```ts
 * range(0, 5);          // [0, 1, 2, 3, 4]
 * range(5, 0, -2);      // [5, 3, 1]
 * range(0, 3, 1, 'int32');
 * ```
 */
export function range(start: number, stop?: number, step = 1, dtype: DType = 'float32'): Tensor {
  let lo = start;
  let hi = stop;
  if (hi === undefined) {
    hi = lo;
    lo = 0;
  }
  for (const [name, v] of [['start', lo], ['stop', hi], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`range: expected ${name} to be a finite number, got ${String(v)}`);
  }
  if (step === 0) throw new ValueError('range: step must not be 0');
  const d = assertDType('range', dtype);
  const n = Math.max(0, Math.ceil((hi - lo) / step));
  const values = allocArray(d, n);
  for (let i = 0; i < n; i++) values[i] = lo + i * step;
  return fromValues('range', values, [n], d);
}

/**
 * `num` evenly spaced values from `start` to `stop`, both included.
 *
 * @example
 * ```ts
 * linspace(0, 1, 5); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linspace(start: number, stop: number, num: number): Tensor {
  if (!Number.isFinite(start) || !Number.isFinite(stop)) throw new ValueError(`linspace: expected finite start and stop, got ${start} and ${stop}`);
  if (!Number.isInteger(num) || num < 1) throw new ValueError(`linspace: expected num to be a positive integer, got ${String(num)}`);
  const values = new Float32Array(num);
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) values[i] = start + i * step;
  if (num > 1) values[num - 1] = stop;
  return fromValues('linspace', values, [num], 'float32');
}

const oneHotOp = defineOp<{ depth: number; onValue: number; offValue: number; dtype: DType }>({
  name: 'oneHot',
  inputNames: ['indices'],
  inputDTypes: ['int32'],
  infer: ([indices], { depth, dtype }) => {
    const d = assertCount('oneHot', 'depth', depth);
    if (indices.dtype !== 'int32') {
      throw new ValueError(`oneHot: expected indices of dtype int32, got ${indices.dtype}; cast them with indices.cast('int32')`);
    }
    return [{ shape: [...indices.shape, d], dtype: assertDType('oneHot', dtype) }];
  },
  decompose: ([indices], { depth, onValue, offValue, dtype }) => {
    const hot = equal(expandDims(indices, -1), range(0, depth, 1, 'int32'));
    return [cast(where(hot, onValue, offValue), dtype)];
  },
});

/**
 * One-hot encoding: a new last axis of size `depth` with `onValue` at each
 * index and `offValue` elsewhere; out-of-range indices give all `offValue`.
 *
 * @example
 * ```ts
 * oneHot(tensor([0, 2], [2], 'int32'), 3); // [[1, 0, 0], [0, 0, 1]] int32
 * ```
 */
export function oneHot(indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DType = 'int32'): Tensor {
  return runOp1(oneHotOp, [indices], { depth, onValue, offValue, dtype });
}

/**
 * Options of {@link variable}.
 *
 * @example
 * ```ts
 * const opts: VariableOptions = { name: 'dense/kernel', trainable: true };
 * ```
 */
export interface VariableOptions {
  /** A unique name; a `variable_N` default otherwise. */
  name?: string;
  /** Whether gradients and optimizers update it (default true). */
  trainable?: boolean;
  /** Cast the initial value to this dtype. */
  dtype?: DType;
}

/**
 * A `Variable` holding `initial` (its data is shared, not copied). Names are
 * unique among live variables.
 *
 * @example
 * ```ts
 * const w = variable(randomNormal([784, 10]), { name: 'w' });
 * const b = variable(zeros([10]), { name: 'b', trainable: true });
 * ```
 */
export function variable(initial: TensorLike, options: VariableOptions = {}): Variable {
  const { name, trainable = true, dtype } = options;
  if (typeof trainable !== 'boolean') throw new ValueError(`variable: expected trainable to be a boolean, got ${String(trainable)}`);
  let init = initial instanceof Tensor ? initial : tensor(initial as NestedArray, undefined, dtype);
  const temp: Tensor[] = init === initial ? [] : [init];
  if (dtype !== undefined && init.dtype !== assertDType('variable', dtype)) {
    init = cast(init, dtype);
    temp.push(init);
  }
  try {
    return new Variable(init, name, trainable);
  } finally {
    for (const t of temp) t.dispose();
  }
}
