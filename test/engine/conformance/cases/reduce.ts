import {
  DTypeError,
  ShapeError,
  ValueError,
  all,
  any,
  argMax,
  argMin,
  grad,
  logSumExp,
  max,
  mean,
  min,
  moments,
  prod,
  sum,
  tensor,
  zeros,
} from '../../../../src/index.js';
import { ex, type ErrorCase, type ForwardCase, type GradCase } from '../harness.js';

const m22 = () => tensor([[1, 2], [3, 4]]);
/** x[i, j, k] = 6i + 2j + k, shape [2, 3, 2]. */
const r3 = () => tensor([[[0, 1], [2, 3], [4, 5]], [[6, 7], [8, 9], [10, 11]]]);
/** Ties along axis 1 in both blocks. */
const ties3 = () => tensor([[[3, 1], [4, 1], [5, 9]], [[2, 6], [5, 3], [5, 8]]]);
const b23 = () => tensor([[true, false, true], [true, true, true]]);
const LN2 = Math.log(2);

export const forward: ForwardCase[] = [
  // ---------------------------------------------------------------- sum
  { op: 'sum', name: 'all axes', run: () => sum(m22()), expected: ex(10, []) },
  { op: 'sum', name: 'axis 0 (leading: rows accumulate)', run: () => sum(m22(), 0), expected: ex([4, 6], [2]) },
  { op: 'sum', name: 'axis -1 keepDims', run: () => sum(m22(), -1, true), expected: ex([[3], [7]], [2, 1]) },
  { op: 'sum', name: 'axes [0, 2] around a kept middle axis', run: () => sum(r3(), [0, 2]), expected: ex([14, 22, 30], [3]) },
  { op: 'sum', name: 'axes [-1, 0] keepDims', run: () => sum(r3(), [-1, 0], true), expected: ex([[[14], [22], [30]]], [1, 3, 1]) },
  { op: 'sum', name: 'axes [0, 1] (leading, two merged)', run: () => sum(r3(), [0, 1]), expected: ex([30, 36], [2]) },
  { op: 'sum', name: 'axes [1, 2] (trailing, two merged)', run: () => sum(r3(), [1, 2]), expected: ex([15, 51], [2]) },
  { op: 'sum', name: 'axis 1 of rank 3', run: () => sum(r3(), 1), expected: ex([[6, 9], [24, 27]], [2, 2]) },
  { op: 'sum', name: 'null axis = all, keepDims', run: () => sum(m22(), null, true), expected: ex([[10]], [1, 1]) },
  { op: 'sum', name: 'empty axis list is the identity', run: () => sum(m22(), []), expected: ex([[1, 2], [3, 4]], [2, 2]) },
  { op: 'sum', name: 'size-1 axes', run: () => sum(tensor([[[1, 2, 3]]]), [0, 1]), expected: ex([1, 2, 3], [3]) },
  { op: 'sum', name: 'long run (unrolled loop and tail)', run: () => sum(tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])), expected: ex(66, []) },
  { op: 'sum', name: 'int32 stays int32', run: () => sum(tensor([[1, 2], [3, 4]], undefined, 'int32'), 1), expected: ex([3, 7], [2], 'int32') },
  { op: 'sum', name: 'int32 wraps like int32', run: () => sum(tensor([2147483647, 1], undefined, 'int32')), expected: ex(-2147483648, [], 'int32') },
  { op: 'sum', name: 'bool sums to int32', run: () => sum(b23(), 1), expected: ex([2, 3], [2], 'int32') },
  { op: 'sum', name: 'float64 stays float64', run: () => sum(tensor([0.1, 0.2], undefined, 'float64')), expected: ex(0.30000000000000004, [], 'float64'), tol: 0 },
  { op: 'sum', name: 'float32 accumulates in float64', run: () => sum(tensor([1e8, 1, -1e8])), expected: ex(1, []), tol: 0 },
  { op: 'sum', name: 'scalar', run: () => sum(5), expected: ex(5, []) },
  { op: 'sum', name: 'scalar with axis 0', run: () => sum(tensor(5), 0), expected: ex(5, []) },
  { op: 'sum', name: 'empty axis gives zeros', run: () => sum(zeros([0, 3]), 0), expected: ex([0, 0, 0], [3]) },
  { op: 'sum', name: 'empty kept axis gives an empty result', run: () => sum(zeros([0, 3]), 1), expected: ex([], [0]) },

  // ---------------------------------------------------------------- mean
  { op: 'mean', name: 'all axes', run: () => mean(m22()), expected: ex(2.5, []) },
  { op: 'mean', name: 'axis 0 keepDims', run: () => mean(m22(), 0, true), expected: ex([[2, 3]], [1, 2]) },
  { op: 'mean', name: 'axis -1', run: () => mean(tensor([[1, 2, 3], [4, 5, 6]]), -1), expected: ex([2, 5], [2]) },
  { op: 'mean', name: 'axes [0, 2]', run: () => mean(r3(), [0, 2]), expected: ex([3.5, 5.5, 7.5], [3]) },
  { op: 'mean', name: 'int32 gives float32', run: () => mean(tensor([1, 2], undefined, 'int32')), expected: ex(1.5, []) },
  { op: 'mean', name: 'int32 does not wrap', run: () => mean(tensor([2147483647, 2147483647], undefined, 'int32')), expected: ex(2147483647, []) },
  { op: 'mean', name: 'bool gives float32', run: () => mean(b23(), 1), expected: ex([2 / 3, 1], [2]) },
  { op: 'mean', name: 'float64 stays float64', run: () => mean(tensor([1, 2, 4], undefined, 'float64')), expected: ex(7 / 3, [], 'float64'), tol: 0 },
  { op: 'mean', name: 'empty is NaN', run: () => mean(zeros([0])), expected: ex(NaN, []) },

  // ---------------------------------------------------------------- prod
  { op: 'prod', name: 'all axes', run: () => prod(m22()), expected: ex(24, []) },
  { op: 'prod', name: 'axis 0', run: () => prod(m22(), 0), expected: ex([3, 8], [2]) },
  { op: 'prod', name: 'axis -1 keepDims, int32', run: () => prod(tensor([[1, 2], [3, 4]], undefined, 'int32'), -1, true), expected: ex([[2], [12]], [2, 1], 'int32') },
  { op: 'prod', name: 'axes [0, 2]', run: () => prod(r3(), [0, 2]), expected: ex([0, 2 * 3 * 8 * 9, 4 * 5 * 10 * 11], [3]) },
  { op: 'prod', name: 'int32 wraps like int32', run: () => prod(tensor([65536, 65536, 3], undefined, 'int32')), expected: ex(0, [], 'int32') },
  { op: 'prod', name: 'bool gives int32', run: () => prod(b23(), 1), expected: ex([0, 1], [2], 'int32') },
  { op: 'prod', name: 'empty is 1', run: () => prod(zeros([2, 0]), 1), expected: ex([1, 1], [2]) },

  // ---------------------------------------------------------------- max
  { op: 'max', name: 'all axes', run: () => max(tensor([[1, 5], [3, 2]])), expected: ex(5, []) },
  { op: 'max', name: 'axis 0', run: () => max(tensor([[1, 5], [3, 2]]), 0), expected: ex([3, 5], [2]) },
  { op: 'max', name: 'axis -1 keepDims', run: () => max(tensor([[1, 5], [3, 2]]), -1, true), expected: ex([[5], [3]], [2, 1]) },
  { op: 'max', name: 'axes [0, 2]', run: () => max(r3(), [0, 2]), expected: ex([7, 9, 11], [3]) },
  { op: 'max', name: 'axis 1 with ties', run: () => max(ties3(), 1), expected: ex([[5, 9], [5, 8]], [2, 2]) },
  { op: 'max', name: 'negative values', run: () => max(tensor([-3, -1, -2])), expected: ex(-1, []) },
  { op: 'max', name: 'int32', run: () => max(tensor([[-7, -3], [-5, -9]], undefined, 'int32'), 1), expected: ex([-3, -5], [2], 'int32') },
  { op: 'max', name: 'NaN propagates', run: () => max(tensor([[1, NaN, 3], [4, 5, 6]]), 1), expected: ex([NaN, 6], [2]) },
  { op: 'max', name: 'NaN propagates along a leading axis', run: () => max(tensor([[1, NaN], [4, 5]]), 0), expected: ex([4, NaN], [2]) },
  { op: 'max', name: 'empty is -Infinity', run: () => max(zeros([0])), expected: ex(-Infinity, []) },

  // ---------------------------------------------------------------- min
  { op: 'min', name: 'all axes', run: () => min(tensor([[1, 5], [3, 2]])), expected: ex(1, []) },
  { op: 'min', name: 'axis 1', run: () => min(tensor([[1, 5], [3, 2]]), 1), expected: ex([1, 2], [2]) },
  { op: 'min', name: 'axis 0 keepDims', run: () => min(tensor([[1, 5], [3, 2]]), 0, true), expected: ex([[1, 2]], [1, 2]) },
  { op: 'min', name: 'axes [0, 2]', run: () => min(r3(), [0, 2]), expected: ex([0, 2, 4], [3]) },
  { op: 'min', name: 'int32', run: () => min(tensor([[7, 3], [5, 9]], undefined, 'int32'), 0), expected: ex([5, 3], [2], 'int32') },
  { op: 'min', name: 'NaN propagates', run: () => min(tensor([1, NaN, -3])), expected: ex(NaN, []) },
  { op: 'min', name: 'empty is Infinity', run: () => min(zeros([0, 2]), 0), expected: ex([Infinity, Infinity], [2]) },

  // ---------------------------------------------------------------- argMax / argMin
  { op: 'argMax', name: 'default axis 0', run: () => argMax(tensor([[1, 5, 5], [7, 2, 0]])), expected: ex([1, 0, 0], [3], 'int32') },
  { op: 'argMax', name: 'axis 1, first of ties wins', run: () => argMax(tensor([[1, 5, 5], [7, 2, 0]]), 1), expected: ex([1, 0], [2], 'int32') },
  { op: 'argMax', name: 'middle axis of rank 3, ties', run: () => argMax(ties3(), 1), expected: ex([[2, 2], [1, 2]], [2, 2], 'int32') },
  { op: 'argMax', name: 'axis 0 of rank 3', run: () => argMax(ties3(), 0), expected: ex([[0, 1], [1, 1], [0, 0]], [3, 2], 'int32') },
  { op: 'argMax', name: 'axis -1 of rank 3', run: () => argMax(ties3(), -1), expected: ex([[0, 0, 1], [1, 0, 1]], [2, 3], 'int32') },
  { op: 'argMax', name: 'int32 input', run: () => argMax(tensor([-5, -2, -9], undefined, 'int32')), expected: ex(1, [], 'int32') },
  { op: 'argMax', name: 'all -Infinity gives 0', run: () => argMax(tensor([-Infinity, -Infinity])), expected: ex(0, [], 'int32') },
  { op: 'argMax', name: 'NaN counts as largest', run: () => argMax(tensor([1, NaN, 3])), expected: ex(1, [], 'int32') },
  { op: 'argMax', name: 'bool input', run: () => argMax(tensor([false, true, true])), expected: ex(1, [], 'int32') },
  { op: 'argMax', name: 'axis of size 1', run: () => argMax(tensor([[4], [2]]), 1), expected: ex([0, 0], [2], 'int32') },
  { op: 'argMin', name: 'default axis 0', run: () => argMin(tensor([[1, 5, 1], [7, 2, 0]])), expected: ex([0, 1, 1], [3], 'int32') },
  { op: 'argMin', name: 'axis -1, first of ties wins', run: () => argMin(tensor([[1, 5, 1], [7, 2, 0]]), -1), expected: ex([0, 2], [2], 'int32') },
  { op: 'argMin', name: 'middle axis of rank 3, ties', run: () => argMin(ties3(), 1), expected: ex([[0, 0], [0, 1]], [2, 2], 'int32') },
  { op: 'argMin', name: 'int32 input', run: () => argMin(tensor([[3, -4], [-8, 2]], undefined, 'int32'), 0), expected: ex([1, 0], [2], 'int32') },
  { op: 'argMin', name: 'NaN counts as smallest', run: () => argMin(tensor([1, -3, NaN, NaN])), expected: ex(2, [], 'int32') },

  // ---------------------------------------------------------------- all / any
  { op: 'all', name: 'all axes', run: () => all(b23()), expected: ex(false, [], 'bool') },
  { op: 'all', name: 'axis 1', run: () => all(b23(), 1), expected: ex([false, true], [2], 'bool') },
  { op: 'all', name: 'axis 0 keepDims', run: () => all(b23(), 0, true), expected: ex([[true, false, true]], [1, 3], 'bool') },
  { op: 'all', name: 'empty is true', run: () => all(zeros([0], 'bool')), expected: ex(true, [], 'bool') },
  { op: 'any', name: 'all axes', run: () => any(tensor([[false, false], [false, true]])), expected: ex(true, [], 'bool') },
  { op: 'any', name: 'axis -1', run: () => any(tensor([[false, false], [false, true]]), -1), expected: ex([false, true], [2], 'bool') },
  { op: 'any', name: 'axis 0 keepDims', run: () => any(tensor([[false, false], [false, true]]), 0, true), expected: ex([[false, true]], [1, 2], 'bool') },
  { op: 'any', name: 'empty is false', run: () => any(zeros([2, 0], 'bool'), 1), expected: ex([false, false], [2], 'bool') },

  // ---------------------------------------------------------------- logSumExp
  { op: 'logSumExp', name: 'all axes', run: () => logSumExp(tensor([0, Math.log(3)])), expected: ex(Math.log(4), []) },
  { op: 'logSumExp', name: 'large values do not overflow', run: () => logSumExp(tensor([[1000, 1000], [-1000, -1000]]), 1), expected: ex([1000 + LN2, -1000 + LN2], [2]) },
  { op: 'logSumExp', name: 'axis 0 keepDims', run: () => logSumExp(tensor([[0, 1], [0, 1]]), 0, true), expected: ex([[LN2, 1 + LN2]], [1, 2]) },
  { op: 'logSumExp', name: 'all -Infinity gives -Infinity', run: () => logSumExp(tensor([-Infinity, -Infinity])), expected: ex(-Infinity, []) },
  { op: 'logSumExp', name: 'int32 gives float32', run: () => logSumExp(tensor([1, 1], undefined, 'int32')), expected: ex(1 + LN2, []) },
  { op: 'logSumExp', name: 'float64', run: () => logSumExp(tensor([[1, 2, 3]], undefined, 'float64'), -1), expected: ex([Math.log(Math.E + Math.E ** 2 + Math.E ** 3)], [1], 'float64'), tol: 1e-12 },

  // ---------------------------------------------------------------- moments
  {
    op: 'moments',
    name: 'all axes',
    run: () => { const r = moments(tensor([1, 2, 3, 4])); return [r.mean, r.variance]; },
    expected: [ex(2.5, []), ex(1.25, [])],
  },
  {
    op: 'moments',
    name: 'axis 0',
    run: () => { const r = moments(tensor([[1, 2], [3, 5]]), 0); return [r.mean, r.variance]; },
    expected: [ex([2, 3.5], [2]), ex([1, 2.25], [2])],
  },
  {
    op: 'moments',
    name: 'axis -1 keepDims',
    run: () => { const r = moments(tensor([[1, 3], [2, 6]]), -1, true); return [r.mean, r.variance]; },
    expected: [ex([[2], [4]], [2, 1]), ex([[1], [4]], [2, 1])],
  },
  {
    op: 'moments',
    name: 'axes [0, 2]',
    run: () => { const r = moments(r3(), [0, 2]); return [r.mean, r.variance]; },
    expected: [ex([3.5, 5.5, 7.5], [3]), ex([9.25, 9.25, 9.25], [3])],
  },
  {
    op: 'moments',
    name: 'int32 gives float32',
    run: () => { const r = moments(tensor([1, 2], undefined, 'int32')); return [r.mean, r.variance]; },
    expected: [ex(1.5, []), ex(0.25, [])],
  },
];

export const errors: ErrorCase[] = [
  { op: 'sum', name: 'axis out of range', run: () => sum(zeros([2, 3]), 2), type: ShapeError, message: /^sum: axis 2 is out of range for a tensor of rank 2/ },
  { op: 'sum', name: 'non-integer axis', run: () => sum(zeros([2, 3]), 0.5), type: ValueError, message: /^sum: expected axis to be an integer, got 0\.5/ },
  { op: 'mean', name: 'negative axis out of range', run: () => mean(zeros([2, 3]), -3), type: ShapeError, message: /^mean: axis -3 is out of range for a tensor of rank 2/ },
  { op: 'prod', name: 'axis out of range on a scalar', run: () => prod(tensor(1), 1), type: ShapeError, message: /^prod: axis 1 is out of range for a tensor of rank 0/ },
  { op: 'max', name: 'repeated axis', run: () => max(zeros([2, 3]), [0, -2]), type: ValueError, message: /^max: axis -2 appears more than once/ },
  { op: 'max', name: 'bool input', run: () => max(tensor([true, false])), type: DTypeError, message: /^max: expected x of a numeric dtype .* got bool; use any\(\)/ },
  { op: 'min', name: 'axis out of range', run: () => min(zeros([4]), [0, 1]), type: ShapeError, message: /^min: axis 1 is out of range for a tensor of rank 1/ },
  { op: 'argMax', name: 'scalar input', run: () => argMax(tensor(3)), type: ShapeError, message: /^argMax: expected x of rank >= 1, got a scalar/ },
  { op: 'argMax', name: 'axis out of range', run: () => argMax(zeros([2, 3]), 2), type: ShapeError, message: /^argMax: axis 2 is out of range for a tensor of rank 2/ },
  { op: 'argMin', name: 'empty axis', run: () => argMin(zeros([2, 0]), 1), type: ValueError, message: /^argMin: axis 1 of shape \[2,0\] is empty/ },
  { op: 'all', name: 'float input', run: () => all(zeros([2])), type: DTypeError, message: /^all: expected x of dtype bool, got float32/ },
  { op: 'any', name: 'int32 input', run: () => any(zeros([2], 'int32')), type: DTypeError, message: /^any: expected x of dtype bool, got int32/ },
  { op: 'logSumExp', name: 'bool input', run: () => logSumExp(tensor([true])), type: DTypeError, message: /^logSumExp: expected x of a numeric dtype/ },
  { op: 'logSumExp', name: 'axis out of range', run: () => logSumExp(zeros([2, 2]), 5), type: ShapeError, message: /^logSumExp: axis 5 is out of range for a tensor of rank 2/ },
  { op: 'moments', name: 'axis out of range', run: () => moments(zeros([3]), [-2]), type: ShapeError, message: /^moments: axis -2 is out of range for a tensor of rank 1/ },
];

export const gradients: GradCase[] = [
  { op: 'sum', name: 'all axes', f: (x) => sum(x), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'sum', name: 'axis -1 keepDims', f: (x) => sum(x, -1, true), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'sum', name: 'axes [0, 2]', f: (x) => sum(x, [0, 2]), inputs: [[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]] },
  { op: 'mean', name: 'axis 0', f: (x) => mean(x, 0), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'mean', name: 'all axes keepDims', f: (x) => mean(x, null, true), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'prod', name: 'axis 1', f: (x) => prod(x, 1), inputs: [[[1.5, -2, 3], [0.5, 4, -1.2]]] },
  { op: 'prod', name: 'all axes', f: (x) => prod(x), inputs: [[[1.1, -0.7], [1.3, 0.9]]] },
  { op: 'prod', name: 'one zero in a slice (exact, not y / x)', f: (x) => prod(x, -1), inputs: [[[2, 0, 3], [0.5, 4, -1.5]]] },
  { op: 'prod', name: 'two zeros in a slice', f: (x) => prod(x, 0), inputs: [[[0, 2], [0, 3], [5, 0]]] },
  { op: 'max', name: 'axis -1', f: (x) => max(x, -1), inputs: [[[1, 5, 3], [7, 2, 0.5]]] },
  { op: 'max', name: 'axes [0, 2] keepDims', f: (x) => max(x, [0, 2], true), inputs: [[[[1, 2], [9, 4]], [[5, 6], [7, 8]]]] },
  // At a tie the central difference is the mean of the one-sided slopes, which is the equal split.
  { op: 'max', name: 'ties split the gradient equally', f: (x) => max(x, 1), inputs: [[[3, 1, 3], [2, 2, 1]]] },
  { op: 'min', name: 'axis 0', f: (x) => min(x, 0), inputs: [[[1, 5, 3], [7, 2, 0.5]]] },
  { op: 'min', name: 'ties split the gradient equally', f: (x) => min(x), inputs: [[1, -2, 4, -2]] },
  { op: 'logSumExp', name: 'axis 1', f: (x) => logSumExp(x, 1), inputs: [[[1, 2, 3], [-1, 0.5, 2]]] },
  { op: 'logSumExp', name: 'all axes keepDims', f: (x) => logSumExp(x, null, true), inputs: [[[0.1, -0.4], [0.7, 0.2]]] },
  { op: 'logSumExp', name: 'gradient with a tied max is softmax', f: (x) => logSumExp(x, -1), inputs: [[[2, 2, 1]]] },
  { op: 'logSumExp', name: 'second order (softmax Jacobian)', f: (x) => grad((y) => logSumExp(y, -1))(x), inputs: [[[1, 2, 0.5], [-1, 0.3, 2]]] },
  { op: 'moments', name: 'mean, axis 0', f: (x) => moments(x, 0).mean, inputs: [[[1, 2, 3], [4, 5, 7]]] },
  { op: 'moments', name: 'variance, axis 0', f: (x) => moments(x, 0).variance, inputs: [[[1, 2, 3], [4, 5, 7]]] },
  { op: 'moments', name: 'variance, all axes keepDims', f: (x) => moments(x, null, true).variance, inputs: [[[1, 2.5], [-3, 4]]] },
  { op: 'moments', name: 'variance, second order', f: (x) => grad((y) => moments(y, -1).variance)(x), inputs: [[[1, 2, 4], [0.5, -1, 3]]] },
];
