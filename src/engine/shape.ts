/**
 * Shapes: validation, sizes, strides, broadcasting and axis normalisation.
 * Every function takes the name of the op it serves so its errors say where
 * they came from.
 *
 * @module
 */
import { ShapeError, ValueError, fmtShape } from './errors.js';

/**
 * A tensor shape: one non-negative integer per dimension; `[]` is a scalar.
 *
 * @example
 * ```ts
 * const s: Shape = [2, 3];
 * ```
 */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar). @internal */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Throws unless every dimension is a finite non-negative integer. @internal */
export function assertValidShape(op: string, shape: unknown, what = 'shape'): number[] {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}: expected ${what} to be an array of non-negative integers, got ${String(shape)}`);
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${op}: expected ${what} to contain non-negative integers, got ${fmtShape(shape as number[])}` +
          (typeof d === 'number' && !Number.isFinite(d) ? ' (non-finite dimension)' : d !== undefined && (d as number) < 0 ? ' (negative size)' : ''),
      );
    }
  }
  if (sizeOf(shape) > 2 ** 32) {
    throw new ShapeError(`${op}: ${what} ${fmtShape(shape)} has ${sizeOf(shape)} elements; at most 2^32 are supported`);
  }
  return shape.slice();
}

/** Row-major strides of `shape` in elements. @internal */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Whether two shapes are equal. @internal */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The shape two operands broadcast to, following NumPy: shapes are aligned
 * at their last dimension, and each pair of dimensions must be equal or one
 * of them 1.
 *
 * @example
 * ```ts
 * broadcastShapes('add', [2, 1, 3], [4, 1]); // [2, 4, 3]
 * ```
 * @internal
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): Shape {
  // Equal shapes are the common case; tensors freeze their shapes, so sharing `a` is safe.
  if (shapesEqual(a, b)) return a;
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new ShapeError(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast (dimension ${i} of the aligned shapes is ${da} vs ${db}; each pair must be equal or 1)`,
      );
    }
  }
  return out;
}

/**
 * The axes of `outShape` that were broadcast from `inShape` (summing `dy`
 * over them gives the gradient of the broadcast operand).
 * @internal
 */
export function broadcastedAxes(inShape: Shape, outShape: Shape): number[] {
  const axes: number[] = [];
  const offset = outShape.length - inShape.length;
  for (let i = 0; i < outShape.length; i++) {
    const d = i < offset ? 1 : inShape[i - offset];
    if (d === 1 && outShape[i] !== 1) axes.push(i);
    else if (i < offset) axes.push(i);
  }
  return axes;
}

/** Normalises one possibly negative axis against `rank`. @internal */
export function normalizeAxis(op: string, axis: number, rank: number, what = 'axis'): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis)) {
    throw new ValueError(`${op}: expected ${what} to be an integer, got ${String(axis)}`);
  }
  if (axis < -rank || axis >= rank || (rank === 0 && axis !== 0 && axis !== -1)) {
    throw new ShapeError(`${op}: ${what} ${axis} is out of range for a tensor of rank ${rank} (expected -${rank} <= ${what} < ${rank})`);
  }
  return axis < 0 ? axis + rank : axis;
}

/**
 * Normalises an axis argument (undefined = all axes, a number, or a list)
 * into sorted, unique, non-negative axes.
 * @internal
 */
export function normalizeAxes(op: string, axis: number | readonly number[] | undefined | null, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) throw new ValueError(`${op}: expected axis to be a number or an array of numbers, got ${String(axis)}`);
  const seen = new Set<number>();
  for (const a of list) {
    const n = rank === 0 ? (a === 0 || a === -1 ? 0 : normalizeAxis(op, a, rank)) : normalizeAxis(op, a, rank);
    if (seen.has(n)) throw new ValueError(`${op}: axis ${a} appears more than once in ${JSON.stringify(list)}`);
    seen.add(n);
  }
  if (rank === 0) return [];
  return [...seen].sort((x, y) => x - y);
}

/** The shape left after reducing `axes`, keeping them as 1 when `keepDims`. @internal */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]);
  }
  return out;
}
