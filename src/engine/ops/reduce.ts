/**
 * Reductions: sum, mean, prod, max, min, argMax, argMin, all, any,
 * logSumExp, moments.
 *
 * @module
 */
import { normalizeAxes, reducedShape } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { defineOp } from './define-op.js';
import { runOp1 } from './dispatch.js';
import { mul } from './elementwise.js';
import { onesLike } from './creation.js';
import { reshape } from './movement.js';

declare module './define-op.js' {
  interface OpRegistry {
    sum: { axes: readonly number[]; keepDims: boolean };
  }
}

/** What callers pass to a reduction. */
interface ReduceArgs {
  axis: number | readonly number[] | null | undefined;
  keepDims: boolean;
}

function prepareReduce(op: string) {
  return ([x]: readonly { shape: readonly number[] }[], { axis, keepDims }: ReduceArgs) => ({
    axes: normalizeAxes(op, axis, x.shape.length),
    keepDims: Boolean(keepDims),
  });
}

const sumOp = defineOp<{ axes: readonly number[]; keepDims: boolean }, ReduceArgs>({
  name: 'sum',
  inputNames: ['x'],
  prepare: prepareReduce('sum'),
  infer: ([x], { axes, keepDims }) => [{ shape: reducedShape(x.shape, axes, keepDims), dtype: x.dtype === 'bool' ? 'int32' : x.dtype }],
  grad: ([dy], { inputs: [x], params: { axes } }) => {
    const kept = reshape(dy, reducedShape(x.shape, axes, true));
    return [mul(kept, onesLike(x))];
  },
});

/**
 * Sum over `axis` (all axes by default); negative axes count from the end.
 * bool sums to int32.
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
