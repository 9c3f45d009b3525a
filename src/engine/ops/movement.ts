/**
 * Movement ops: reshaping, transposing, slicing, joining, padding,
 * gathering. Views (reshape, expandDims, squeeze) share storage; the rest
 * have one kernel per backend.
 *
 * @module
 */
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { assertValidShape, normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { defineOp } from './define-op.js';
import { runOp1 } from './dispatch.js';

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
