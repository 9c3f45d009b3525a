/**
 * Data types and the promotion rules that decide the dtype of a result.
 *
 * @module
 */
import { DTypeError } from './errors.js';

/**
 * The element types a tensor can hold.
 *
 * - `float32`: the default, on every device.
 * - `int32`: integers; arithmetic wraps modulo 2^32 like C's int32.
 * - `bool`: stored as bytes 0/1.
 * - `float64`: CPU only; used by gradient checks and by users who need the precision.
 *
 * @example
 * ```ts
 * const t = tensor([1, 2, 3], [3], 'int32');
 * t.dtype; // 'int32'
 * ```
 */
export type DType = 'float32' | 'int32' | 'bool' | 'float64';

/** The dtypes, in promotion order. @internal */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

/**
 * The typed array that stores each dtype.
 *
 * @example
 * ```ts
 * const data: DataTypeMap['int32'] = new Int32Array(4);
 * ```
 */
export interface DataTypeMap {
  /** 32-bit float storage. */
  float32: Float32Array;
  /** 32-bit signed integer storage. */
  int32: Int32Array;
  /** One byte per element, 0 or 1. */
  bool: Uint8Array;
  /** 64-bit float storage (CPU only). */
  float64: Float64Array;
}

/**
 * Any typed array laminar stores tensor data in.
 *
 * @example
 * ```ts
 * const values: TypedArray = await ones([3]).data();
 * ```
 */
export type TypedArray = Float32Array | Int32Array | Uint8Array | Float64Array;

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
const BYTES: Record<DType, number> = { bool: 1, int32: 4, float32: 4, float64: 8 };

/** Bytes per element of `dtype`. @internal */
export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

/** Whether `x` names a dtype. @internal */
export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'int32' || x === 'bool' || x === 'float64';
}

/** Throws a DTypeError naming `op` unless `dtype` is a known dtype. @internal */
export function assertDType(op: string, dtype: unknown): DType {
  if (!isDType(dtype)) {
    throw new DTypeError(`${op}: expected dtype 'float32', 'int32', 'bool' or 'float64', got ${JSON.stringify(dtype)}`);
  }
  return dtype;
}

/**
 * The dtype two operands combine to: the later of the two in the order
 * `bool < int32 < float32 < float64` (as in PyTorch and NumPy's
 * same-kind rules). TensorFlow.js throws on mixed dtypes; laminar promotes,
 * because mixing an int32 index tensor with float32 values is almost always
 * meant as the float computation.
 *
 * JS numbers passed as operands are "weak": they take the dtype of the tensor
 * they meet (an integer with an int32 tensor stays int32; a fraction with an
 * int32 or bool tensor promotes to float32).
 *
 * @example
 * ```ts
 * upcastType('int32', 'float32'); // 'float32'
 * upcastType('bool', 'int32');    // 'int32'
 * ```
 */
export function upcastType(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Whether the dtype holds floating point numbers. @internal */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** The float dtype an op with float results gives for inputs of `dtype`. @internal */
export function floatTypeOf(dtype: DType): DType {
  return dtype === 'float64' ? 'float64' : 'float32';
}

/** Allocates a zeroed typed array for `size` elements of `dtype`. @internal */
export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
    case 'float64': return new Float64Array(size);
  }
}

/** The dtype a typed array stores, or undefined for other arrays. @internal */
export function dtypeOfArray(values: unknown): DType | undefined {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  if (values instanceof Float64Array) return 'float64';
  return undefined;
}

/** Copies `values` into a new array of `dtype`, converting as a cast does. @internal */
export function convertArray(values: ArrayLike<number | boolean>, dtype: DType): TypedArray {
  const n = values.length;
  const out = allocArray(dtype, n);
  if (dtype === 'bool') {
    // `!= 0` rather than truthiness, so NaN is true as in cast (and NumPy, TensorFlow).
    for (let i = 0; i < n; i++) out[i] = values[i] !== 0 && values[i] !== false ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < n; i++) out[i] = Math.trunc(Number(values[i]));
  } else {
    for (let i = 0; i < n; i++) out[i] = Number(values[i]);
  }
  return out;
}
