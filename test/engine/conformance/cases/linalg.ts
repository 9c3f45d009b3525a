import { DTypeError, ShapeError, dot, grad, matMul, outer, tensor, zeros, type NestedArray } from '../../../../src/index.js';
import { ex, type ErrorCase, type ForwardCase, type GradCase } from '../harness.js';

type Matrix = number[][];

/** Swaps the last two axes of nested arrays (a transposed operand, stored). */
function swapLast(x: NestedArray): NestedArray {
  const rows = x as NestedArray[];
  if (!Array.isArray(rows[0])) throw new Error('swapLast: expected rank >= 2');
  if (Array.isArray((rows[0] as NestedArray[])[0])) return rows.map(swapLast);
  const m = rows as Matrix;
  return m[0].map((_, j) => m.map((row) => row[j]));
}

/** Plain float64 triple loop, the reference for the larger cases. */
function refMatMul(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, p) => s + v * b[p][j], 0)));
}

/** Integer-valued test matrices, so float32 results are exact. */
function intMatrix(rows: number, cols: number, seed: number): Matrix {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => ((i * 7 + j * 3 + seed) % 11) - 5));
}

const A: Matrix = [[1, 2, 3], [4, 5, 6]];
const B: Matrix = [[7, 8], [9, 10], [11, 12]];
const AB: Matrix = [[58, 64], [139, 154]];

// Batched operands: a[b, i, p] = 1..12, b[b, p, j] = 1..12 - 6.
const A3 = [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]];
const B3 = [[[-5, -4], [-3, -2], [-1, 0]], [[1, 2], [3, 4], [5, 6]]];
const A3B3 = [[[-14, -8], [-41, -26]], [[76, 100], [103, 136]]];
const SHARED_B = [[1, 0], [0, 1], [1, -1]];
const A3_SHARED = [[[4, -1], [10, -1]], [[16, -1], [22, -1]]];
const A4 = [[[[1, 2, 3], [4, 5, 6]]], [[[7, 8, 9], [10, 11, 12]]]]; // [2, 1, 2, 3]
const B3b = [[[1, 0], [0, 1], [1, 1]], [[2, 1], [0, -1], [1, 0]], [[0, 0], [1, 1], [-1, 2]]]; // [3, 3, 2]
const A4B3b = [
  [[[4, 5], [10, 11]], [[5, -1], [14, -1]], [[-1, 8], [-1, 17]]],
  [[[16, 17], [22, 23]], [[23, -1], [32, -1]], [[-1, 26], [-1, 35]]],
];

const BIG_A = intMatrix(20, 30, 1);
const BIG_B = intMatrix(30, 25, 4);

export const forward: ForwardCase[] = [
  // ------------------------------------------------------------- matMul
  { op: 'matMul', name: '[2,3]·[3,2]', run: () => matMul(A, B), expected: ex(AB, [2, 2]) },
  { op: 'matMul', name: 'transposeA', run: () => matMul(swapLast(A), B, true), expected: ex(AB, [2, 2]) },
  { op: 'matMul', name: 'transposeB', run: () => matMul(A, swapLast(B), false, true), expected: ex(AB, [2, 2]) },
  { op: 'matMul', name: 'transposeA and transposeB', run: () => matMul(swapLast(A), swapLast(B), true, true), expected: ex(AB, [2, 2]) },
  { op: 'matMul', name: 'column vector result', run: () => matMul([[1, 2], [3, 4]], [[5], [6]]), expected: ex([[17], [39]], [2, 1]) },
  { op: 'matMul', name: 'int32 stays int32', run: () => matMul(tensor(A, undefined, 'int32'), tensor(B, undefined, 'int32')), expected: ex(AB, [2, 2], 'int32') },
  { op: 'matMul', name: 'int32 wraps like int32', run: () => matMul(tensor([[65536, 1]], undefined, 'int32'), tensor([[65536], [3]], undefined, 'int32')), expected: ex([[3]], [1, 1], 'int32') },
  { op: 'matMul', name: 'int32 with float32 promotes', run: () => matMul(tensor(A, undefined, 'int32'), tensor(B)), expected: ex(AB, [2, 2]) },
  { op: 'matMul', name: 'float64', run: () => matMul(tensor([[0.1, 0.2]], undefined, 'float64'), tensor([[0.3], [0.4]], undefined, 'float64')), expected: ex([[0.1 * 0.3 + 0.2 * 0.4]], [1, 1], 'float64'), tol: 1e-15 },
  { op: 'matMul', name: 'batched [2,2,3]·[2,3,2]', run: () => matMul(A3, B3), expected: ex(A3B3, [2, 2, 2]) },
  { op: 'matMul', name: 'batched, transposeA', run: () => matMul(swapLast(A3), B3, true, false), expected: ex(A3B3, [2, 2, 2]) },
  { op: 'matMul', name: 'batched, transposeB', run: () => matMul(A3, swapLast(B3), false, true), expected: ex(A3B3, [2, 2, 2]) },
  { op: 'matMul', name: 'batched, both transposed', run: () => matMul(swapLast(A3), swapLast(B3), true, true), expected: ex(A3B3, [2, 2, 2]) },
  { op: 'matMul', name: 'batch against one shared matrix', run: () => matMul(A3, SHARED_B), expected: ex(A3_SHARED, [2, 2, 2]) },
  { op: 'matMul', name: 'one matrix against a batch', run: () => matMul(A, [B, B]), expected: ex([AB, AB], [2, 2, 2]) },
  { op: 'matMul', name: 'batch dims broadcast: [2,1,2,3]·[3,3,2]', run: () => matMul(A4, B3b), expected: ex(A4B3b, [2, 3, 2, 2]) },
  { op: 'matMul', name: 'batch dims broadcast, both transposed', run: () => matMul(swapLast(A4), swapLast(B3b), true, true), expected: ex(A4B3b, [2, 3, 2, 2]) },
  { op: 'matMul', name: 'batch of size-1 dims: [1,2,3]·[2,3,2]', run: () => matMul([A], [B, B]), expected: ex([AB, AB], [2, 2, 2]) },
  { op: 'matMul', name: '[20,30]·[30,25] (blocked path)', run: () => matMul(BIG_A, BIG_B), expected: ex(refMatMul(BIG_A, BIG_B), [20, 25]) },
  { op: 'matMul', name: '[20,30]·[30,25] (blocked path), both transposed', run: () => matMul(swapLast(BIG_A), swapLast(BIG_B), true, true), expected: ex(refMatMul(BIG_A, BIG_B), [20, 25]) },
  { op: 'matMul', name: 'inner dimension 0 gives zeros', run: () => matMul(zeros([2, 0]), zeros([0, 3])), expected: ex([[0, 0, 0], [0, 0, 0]], [2, 3]) },
  { op: 'matMul', name: 'empty batch', run: () => matMul(zeros([0, 2, 3]), zeros([3, 4])), expected: ex([], [0, 2, 4]) },

  // ------------------------------------------------------------- dot
  { op: 'dot', name: 'vector·vector is a scalar', run: () => dot([1, 2, 3], [4, 5, 6]), expected: ex(32, []) },
  { op: 'dot', name: 'matrix·vector', run: () => dot([[1, 2], [3, 4]], [1, 1]), expected: ex([3, 7], [2]) },
  { op: 'dot', name: 'vector·matrix', run: () => dot([1, 1], [[1, 2], [3, 4]]), expected: ex([4, 6], [2]) },
  { op: 'dot', name: 'matrix·matrix', run: () => dot(A, B), expected: ex(AB, [2, 2]) },
  { op: 'dot', name: 'int32', run: () => dot(tensor([1, -2], undefined, 'int32'), tensor([3, 4], undefined, 'int32')), expected: ex(-5, [], 'int32') },

  // ------------------------------------------------------------- outer
  { op: 'outer', name: 'float32', run: () => outer([1, 2], [3, 4, 5]), expected: ex([[3, 4, 5], [6, 8, 10]], [2, 3]) },
  { op: 'outer', name: 'int32', run: () => outer(tensor([-1, 2], undefined, 'int32'), tensor([3], undefined, 'int32')), expected: ex([[-3], [6]], [2, 1], 'int32') },
];

export const errors: ErrorCase[] = [
  { op: 'matMul', name: 'inner dimensions differ', run: () => matMul(zeros([2, 3]), zeros([4, 5])), type: ShapeError, message: /^matMul: inner dimensions do not match: a of shape \[2,3\] has 3 columns, b of shape \[4,5\] has 4 rows/ },
  { op: 'matMul', name: 'inner dimensions differ after transposing', run: () => matMul(zeros([2, 3]), zeros([3, 5]), true), type: ShapeError, message: /^matMul: inner dimensions do not match: a of shape \[2,3\] \(transposed\) has 2 columns, b of shape \[3,5\] has 3 rows/ },
  { op: 'matMul', name: 'a vector', run: () => matMul(zeros([3]), zeros([3, 2])), type: ShapeError, message: /^matMul: expected a and b of rank >= 2, got a of shape \[3\] and b of shape \[3,2\]; use dot\(\)/ },
  { op: 'matMul', name: 'batch dims do not broadcast', run: () => matMul(zeros([2, 2, 3]), zeros([3, 3, 4])), type: ShapeError, message: /^matMul: batch dimensions of a \[2,2,3\] and b \[3,3,4\] do not broadcast/ },
  { op: 'matMul', name: 'bool input', run: () => matMul(tensor([[true]]), zeros([1, 1])), type: DTypeError, message: /^matMul: expected a of a numeric dtype .* got bool/ },
  { op: 'dot', name: 'rank 3', run: () => dot(zeros([2, 2, 2]), zeros([2])), type: ShapeError, message: /^dot: expected a and b of rank 1 or 2, got a of shape \[2,2,2\] and b of shape \[2\]/ },
  { op: 'dot', name: 'inner dimensions differ', run: () => dot(zeros([2, 3]), zeros([2])), type: ShapeError, message: /^dot: inner dimensions do not match: a of shape \[2,3\] ends in 3, b of shape \[2\] starts with 2/ },
  { op: 'dot', name: 'a scalar', run: () => dot(2, zeros([2])), type: ShapeError, message: /^dot: expected a and b of rank 1 or 2, got a of shape \[\]/ },
  { op: 'outer', name: 'a matrix', run: () => outer(zeros([2, 2]), zeros([2])), type: ShapeError, message: /^outer: expected vectors \(rank 1\), got a of shape \[2,2\] and b of shape \[2\]/ },
];

const G_A = [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]];
const G_B = [[0.2, 1.1], [-0.4, 0.9], [1.3, -0.6]];
const G_A3 = [[[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]], [[0.1, 0.8, -0.3], [-1.1, 0.4, 0.6]]];
const G_B3 = [[[[0.2, 1.1], [-0.4, 0.9], [1.3, -0.6]]], [[[0.7, -0.2], [0.5, 0.1], [-0.8, 1.4]]]]; // [2, 1, 3, 2]

export const gradients: GradCase[] = [
  { op: 'matMul', name: 'plain', f: (a, b) => matMul(a, b), inputs: [G_A, G_B] },
  { op: 'matMul', name: 'transposeA', f: (a, b) => matMul(a, b, true, false), inputs: [swapLast(G_A), G_B] },
  { op: 'matMul', name: 'transposeB', f: (a, b) => matMul(a, b, false, true), inputs: [G_A, swapLast(G_B)] },
  { op: 'matMul', name: 'both transposed', f: (a, b) => matMul(a, b, true, true), inputs: [swapLast(G_A), swapLast(G_B)] },
  { op: 'matMul', name: 'batched, b shared across the batch', f: (a, b) => matMul(a, b), inputs: [G_A3, G_B] },
  { op: 'matMul', name: 'batch dims broadcast both ways: [2,2,3]·[2,1,3,2]', f: (a, b) => matMul(a, b), inputs: [G_A3, G_B3] },
  { op: 'matMul', name: 'batch dims broadcast, both transposed', f: (a, b) => matMul(a, b, true, true), inputs: [swapLast(G_A3), swapLast(G_B3)] },
  {
    op: 'matMul',
    name: 'second order: d/da of grad(a => sum(matMul(a, b)^2))',
    f: (a, b) => grad((x) => matMul(x, b).square().sum())(a),
    inputs: [G_A, G_B],
  },
  {
    op: 'matMul',
    name: 'second order, batched and transposed',
    f: (a, b) => grad((x) => matMul(x, b, true, false).square().sum())(a),
    inputs: [swapLast(G_A3), G_B],
  },
  { op: 'dot', name: 'vector·vector', f: (a, b) => dot(a, b), inputs: [[0.5, -1.2, 2.0], [0.2, 1.1, -0.4]] },
  { op: 'dot', name: 'matrix·vector', f: (a, b) => dot(a, b), inputs: [G_A, [0.2, 1.1, -0.4]] },
  { op: 'dot', name: 'vector·matrix', f: (a, b) => dot(a, b), inputs: [[0.5, -1.2, 2.0], G_B] },
  { op: 'dot', name: 'matrix·matrix', f: (a, b) => dot(a, b), inputs: [G_A, G_B] },
  { op: 'outer', name: 'vectors', f: (a, b) => outer(a, b), inputs: [[0.5, -1.2, 2.0], [0.2, 1.1]] },
];
