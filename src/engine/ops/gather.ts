/**
 * Gather ops: gather, which reads slices of x at integer indices, and
 * unsortedSegmentSum, which sums slices into segments by integer ids (its
 * transpose, and so its gradient). Both are primitives with one kernel per
 * backend. Indices given as JS numbers become int32 tensors (`inputDTypes`),
 * whatever the dtype of x: an index must be an exact integer.
 *
 * @module
 */
import type { TensorMeta } from '../backend/backend.js';
import type { DType } from '../dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { normalizeAxis, shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { isInt } from './arg-checks.js';
import { defineOp, type OpRegistry } from './define-op.js';
import { runOp1 } from './dispatch.js';

declare module './define-op.js' {
  interface OpRegistry {
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
  }
}

type GatherParams = OpRegistry['gather'];

function checkIndexDType(op: string, what: string, dtype: DType): void {
  if (dtype !== 'int32') throw new DTypeError(`${op}: expected ${what} of dtype int32, got ${dtype}; cast them with ${what}.cast('int32')`);
}

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
  inputDTypes: [undefined, 'int32'],
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
  return runOp1(gatherOp, [x, indices], { axis, batchDims });
}

const unsortedSegmentSumOp = defineOp<OpRegistry['unsortedSegmentSum']>({
  name: 'unsortedSegmentSum',
  inputNames: ['x', 'segmentIds'],
  strictInputDTypes: true,
  inputDTypes: [undefined, 'int32'],
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
  return runOp1(unsortedSegmentSumOp, [x, segmentIds], { numSegments, axis: 0, batchDims: 0 });
}
