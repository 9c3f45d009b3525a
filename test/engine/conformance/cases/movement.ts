import {
  DTypeError,
  ShapeError,
  ValueError,
  add,
  broadcastTo,
  clone,
  concat,
  expandDims,
  gather,
  grad,
  mul,
  pad,
  reshape,
  reverse,
  scalar,
  slice,
  split,
  square,
  squeeze,
  stack,
  stridedSlice,
  sum,
  tensor,
  tile,
  transpose,
  unsortedSegmentSum,
  unstack,
  zeros,
  type DType,
} from '../../../../src/index.js';
import { ex, type ErrorCase, type ForwardCase, type GradCase } from '../harness.js';

const m23 = () => tensor([[1, 2, 3], [4, 5, 6]]);
const m24 = () => tensor([[1, 2, 3, 4], [5, 6, 7, 8]]);
/** x[i, j, k] = 6i + 2j + k, shape [2, 3, 2]. */
const r3 = () => tensor([[[0, 1], [2, 3], [4, 5]], [[6, 7], [8, 9], [10, 11]]]);
const i23 = () => tensor([[1, 2, 3], [4, 5, 6]], undefined, 'int32');
const b23 = () => tensor([[true, false, true], [false, false, true]]);
const int = (v: number | number[] | number[][]) => tensor(v, undefined, 'int32');

const sizeOfShape = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);
/** 0, 1, 2, ... in `shape` (exact in float32 for the sizes used here). */
const counting = (shape: number[], dtype: DType = 'float32') => tensor(iota(sizeOfShape(shape)), shape, dtype);

/** Row-major strides, for the reference results below. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Reference: the flat values of transpose(counting(shape), perm), from index arithmetic. */
function permutedCounting(shape: number[], perm: number[]): number[] {
  const st = strides(shape);
  const outShape = perm.map((p) => shape[p]);
  return iota(sizeOfShape(outShape)).map((flat) => {
    let src = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      src += (flat % outShape[d]) * st[perm[d]];
      flat = Math.floor(flat / outShape[d]);
    }
    return src;
  });
}

export const forward: ForwardCase[] = [
  // ------------------------------------------------- views: reshape, expandDims, squeeze
  { op: 'reshape', name: '[2, 3] to [3, 2]', run: () => reshape(m23(), [3, 2]), expected: ex([[1, 2], [3, 4], [5, 6]], [3, 2]) },
  { op: 'reshape', name: 'inferred -1', run: () => reshape(r3(), [-1, 4]), expected: ex([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [3, 4]) },
  { op: 'reshape', name: 'to a scalar', run: () => reshape(tensor([5]), []), expected: ex(5, []) },
  { op: 'reshape', name: 'empty with -1', run: () => reshape(zeros([0, 3]), [3, -1]), expected: ex([], [3, 0]) },
  { op: 'reshape', name: 'int32', run: () => reshape(i23(), [6]), expected: ex([1, 2, 3, 4, 5, 6], [6], 'int32') },
  { op: 'reshape', name: 'bool', run: () => reshape(b23(), [3, 2]), expected: ex([[true, false], [true, false], [false, true]], [3, 2], 'bool') },
  { op: 'expandDims', name: 'axis 0', run: () => expandDims(tensor([1, 2])), expected: ex([[1, 2]], [1, 2]) },
  { op: 'expandDims', name: 'axis -1', run: () => expandDims(tensor([1, 2]), -1), expected: ex([[1], [2]], [2, 1]) },
  { op: 'expandDims', name: 'middle axis', run: () => expandDims(m23(), 1), expected: ex([[[1, 2, 3]], [[4, 5, 6]]], [2, 1, 3]) },
  { op: 'expandDims', name: 'scalar', run: () => expandDims(scalar(3)), expected: ex([3], [1]) },
  { op: 'expandDims', name: 'bool', run: () => expandDims(tensor([true, false]), 1), expected: ex([[true], [false]], [2, 1], 'bool') },
  { op: 'squeeze', name: 'every size-1 axis', run: () => squeeze(zeros([1, 3, 1])), expected: ex([0, 0, 0], [3]) },
  { op: 'squeeze', name: 'given axis', run: () => squeeze(tensor([[[1], [2]]]), [0]), expected: ex([[1], [2]], [2, 1]) },
  { op: 'squeeze', name: 'negative axis', run: () => squeeze(tensor([[[1], [2]]]), -1), expected: ex([[1, 2]], [1, 2]) },
  { op: 'squeeze', name: 'to a scalar', run: () => squeeze(tensor([[7]])), expected: ex(7, []) },
  { op: 'squeeze', name: 'int32', run: () => squeeze(int([[1, 2]])), expected: ex([1, 2], [2], 'int32') },

  // ----------------------------------------------------------- transpose
  { op: 'transpose', name: 'default reverses axes (matrix)', run: () => transpose(m23()), expected: ex([[1, 4], [2, 5], [3, 6]], [3, 2]) },
  {
    op: 'transpose',
    name: 'default reverses axes (rank 3)',
    run: () => transpose(r3()),
    expected: ex([[[0, 6], [2, 8], [4, 10]], [[1, 7], [3, 9], [5, 11]]], [2, 3, 2]),
  },
  {
    op: 'transpose',
    name: 'perm [1, 0, 2] keeps the inner axis (runs)',
    run: () => transpose(r3(), [1, 0, 2]),
    expected: ex([[[0, 1], [6, 7]], [[2, 3], [8, 9]], [[4, 5], [10, 11]]], [3, 2, 2]),
  },
  {
    op: 'transpose',
    name: 'perm [2, 0, 1]',
    run: () => transpose(r3(), [2, 0, 1]),
    expected: ex([[[0, 2, 4], [6, 8, 10]], [[1, 3, 5], [7, 9, 11]]], [2, 2, 3]),
  },
  { op: 'transpose', name: 'identity perm', run: () => transpose(m23(), [0, 1]), expected: ex([[1, 2, 3], [4, 5, 6]], [2, 3]) },
  { op: 'transpose', name: 'int32', run: () => transpose(i23()), expected: ex([[1, 4], [2, 5], [3, 6]], [3, 2], 'int32') },
  { op: 'transpose', name: 'bool', run: () => transpose(b23()), expected: ex([[true, false], [false, false], [true, true]], [3, 2], 'bool') },
  { op: 'transpose', name: 'scalar', run: () => transpose(scalar(5)), expected: ex(5, []) },
  { op: 'transpose', name: 'rank 1 is a copy', run: () => transpose(tensor([1, 2, 3])), expected: ex([1, 2, 3], [3]) },
  { op: 'transpose', name: 'empty', run: () => transpose(zeros([0, 3])), expected: ex([], [3, 0]) },
  { op: 'transpose', name: 'large matrix (tiled, ragged tiles)', run: () => transpose(counting([45, 70])), expected: ex(permutedCounting([45, 70], [1, 0]), [70, 45]) },
  {
    op: 'transpose',
    name: 'rank 4 perm [3, 1, 0, 2] (tiled with outer batch axes)',
    run: () => transpose(counting([9, 3, 10, 11]), [3, 1, 0, 2]),
    expected: ex(permutedCounting([9, 3, 10, 11], [3, 1, 0, 2]), [11, 3, 9, 10]),
  },
  {
    op: 'transpose',
    name: 'rank 4 perm [0, 2, 1, 3] (long inner runs)',
    run: () => transpose(counting([2, 3, 4, 40], 'int32'), [0, 2, 1, 3]),
    expected: ex(permutedCounting([2, 3, 4, 40], [0, 2, 1, 3]), [2, 4, 3, 40], 'int32'),
  },

  // --------------------------------------------------------------- slice
  { op: 'slice', name: 'box', run: () => slice(m23(), [0, 1], [2, 2]), expected: ex([[2, 3], [5, 6]], [2, 2]) },
  { op: 'slice', name: 'number begin applies to axis 0', run: () => slice(m23(), 1), expected: ex([[4, 5, 6]], [1, 3]) },
  { op: 'slice', name: 'size -1 runs to the end', run: () => slice(m23(), [0, 1], [-1, 1]), expected: ex([[2], [5]], [2, 1]) },
  { op: 'slice', name: '1-D with number begin and size', run: () => slice(tensor([1, 2, 3, 4, 5]), 1, 3), expected: ex([2, 3, 4], [3]) },
  { op: 'slice', name: 'rank 3 middle', run: () => slice(r3(), [1, 1, 0], [1, 2, -1]), expected: ex([[[8, 9], [10, 11]]], [1, 2, 2]) },
  { op: 'slice', name: 'short begin: trailing axes whole', run: () => slice(r3(), [0, 2]), expected: ex([[[4, 5]], [[10, 11]]], [2, 1, 2]) },
  { op: 'slice', name: 'empty rows at the end', run: () => slice(m23(), [2, 0], [0, 3]), expected: ex([], [0, 3]) },
  { op: 'slice', name: 'empty columns', run: () => slice(m23(), [0, 3]), expected: ex([], [2, 0]) },
  { op: 'slice', name: 'int32', run: () => slice(i23(), [1, 0], [1, 2]), expected: ex([[4, 5]], [1, 2], 'int32') },
  { op: 'slice', name: 'bool', run: () => slice(b23(), [0, 2]), expected: ex([[true], [true]], [2, 1], 'bool') },
  { op: 'slice', name: 'scalar', run: () => slice(scalar(5), [], []), expected: ex(5, []) },
  {
    op: 'slice',
    name: 'long rows (copied as runs)',
    run: () => slice(counting([3, 100]), [1, 10], [2, 80]),
    expected: ex([...iota(80).map((i) => 110 + i), ...iota(80).map((i) => 210 + i)], [2, 80]),
  },

  // -------------------------------------------------------- stridedSlice
  { op: 'stridedSlice', name: 'x[:, ::2]', run: () => stridedSlice(m24(), [0, 0], [2, 4], [1, 2]), expected: ex([[1, 3], [5, 7]], [2, 2]) },
  { op: 'stridedSlice', name: 'x[:, ::-1] (endMask)', run: () => stridedSlice(m24(), [0, -1], [2, 0], [1, -1], 0, 2), expected: ex([[4, 3, 2, 1], [8, 7, 6, 5]], [2, 4]) },
  { op: 'stridedSlice', name: 'x[::-1, ::-2] (both masks)', run: () => stridedSlice(m24(), [0, 0], [0, 0], [-1, -2], 3, 3), expected: ex([[8, 6], [4, 2]], [2, 2]) },
  { op: 'stridedSlice', name: 'negative begin and end', run: () => stridedSlice(counting([10]), [-3], [-1]), expected: ex([7, 8], [2]) },
  { op: 'stridedSlice', name: 'negative stride x[8:1:-3]', run: () => stridedSlice(counting([10]), [8], [1], [-3]), expected: ex([8, 5, 2], [3]) },
  { op: 'stridedSlice', name: 'negative stride past the start x[2:-11:-1] clamps', run: () => stridedSlice(counting([10]), [2], [-11], [-1]), expected: ex([2, 1, 0], [3]) },
  { op: 'stridedSlice', name: 'out-of-range begin and end clamp', run: () => stridedSlice(tensor([1, 2, 3]), [-10], [10]), expected: ex([1, 2, 3], [3]) },
  { op: 'stridedSlice', name: 'stride 3 not dividing the length', run: () => stridedSlice(counting([10]), [1], [10], [3]), expected: ex([1, 4, 7], [3]) },
  { op: 'stridedSlice', name: 'beginMask x[:2]', run: () => stridedSlice(tensor([1, 2, 3, 4]), [3], [2], [1], 1), expected: ex([1, 2], [2]) },
  { op: 'stridedSlice', name: 'empty when begin is past end', run: () => stridedSlice(tensor([1, 2, 3, 4]), [2], [1]), expected: ex([], [0]) },
  { op: 'stridedSlice', name: 'empty when the stride points away', run: () => stridedSlice(tensor([1, 2, 3, 4]), [1], [3], [-1]), expected: ex([], [0]) },
  { op: 'stridedSlice', name: 'shrink x[1]', run: () => stridedSlice(m24(), [1], [2], [1], 0, 0, 0, 0, 1), expected: ex([5, 6, 7, 8], [4]) },
  { op: 'stridedSlice', name: 'shrink a negative index x[:, -1]', run: () => stridedSlice(m24(), [0, -1], [2, 0], [1, 1], 0, 0, 0, 0, 2), expected: ex([4, 8], [2]) },
  { op: 'stridedSlice', name: 'shrink every axis gives a scalar', run: () => stridedSlice(m24(), [1, 2], [2, 3], [1, 1], 0, 0, 0, 0, 3), expected: ex(7, []) },
  {
    op: 'stridedSlice',
    name: 'newAxis x[newaxis, :, 1:3]',
    run: () => stridedSlice(m24(), [0, 0, 1], [0, 2, 3], [1, 1, 1], 0, 0, 0, 1),
    expected: ex([[[2, 3], [6, 7]]], [1, 2, 2]),
  },
  { op: 'stridedSlice', name: 'implicit trailing axes r3[1:2]', run: () => stridedSlice(r3(), [1], [2]), expected: ex([[[6, 7], [8, 9], [10, 11]]], [1, 3, 2]) },
  {
    op: 'stridedSlice',
    name: 'ellipsis r3[..., 1]',
    run: () => stridedSlice(r3(), [0, 1], [0, 2], [1, 1], 0, 0, 1, 0, 2),
    expected: ex([[1, 3, 5], [7, 9, 11]], [2, 3]),
  },
  {
    op: 'stridedSlice',
    name: 'ellipsis then newaxis r3[..., newaxis, 0]',
    run: () => stridedSlice(r3(), [0, 0, 0], [0, 0, 1], [1, 1, 1], 0, 0, 1, 2, 4),
    expected: ex([[[0], [2], [4]], [[6], [8], [10]]], [2, 3, 1]),
  },
  {
    op: 'stridedSlice',
    name: 'ellipsis in the middle r3[1, ..., ::-1]',
    run: () => stridedSlice(r3(), [1, 0, 0], [2, 0, 0], [1, 1, -1], 4, 4, 2, 0, 1),
    expected: ex([[7, 6], [9, 8], [11, 10]], [3, 2]),
  },
  { op: 'stridedSlice', name: 'int32', run: () => stridedSlice(i23(), [1, 2], [0, 0], [-1, -1], 0, 3), expected: ex([[6, 5, 4], [3, 2, 1]], [2, 3], 'int32') },
  { op: 'stridedSlice', name: 'bool', run: () => stridedSlice(b23(), [0, 0], [2, 3], [1, 2]), expected: ex([[true, true], [false, true]], [2, 2], 'bool') },
  {
    op: 'stridedSlice',
    name: 'long unit-stride rows',
    run: () => stridedSlice(counting([2, 100]), [1, 5], [2, 95]),
    expected: ex(iota(90).map((i) => 105 + i), [1, 90]),
  },

  // -------------------------------------------------------------- concat
  { op: 'concat', name: 'axis 0', run: () => concat([tensor([[1, 2]]), tensor([[3, 4], [5, 6]])]), expected: ex([[1, 2], [3, 4], [5, 6]], [3, 2]) },
  { op: 'concat', name: 'axis 1', run: () => concat([tensor([[1], [2]]), tensor([[3, 4], [5, 6]])], 1), expected: ex([[1, 3, 4], [2, 5, 6]], [2, 3]) },
  {
    op: 'concat',
    name: 'axis -1 of rank 3',
    run: () => concat([r3(), tensor([[[20], [21], [22]], [[23], [24], [25]]])], -1),
    expected: ex([[[0, 1, 20], [2, 3, 21], [4, 5, 22]], [[6, 7, 23], [8, 9, 24], [10, 11, 25]]], [2, 3, 3]),
  },
  { op: 'concat', name: 'three inputs, one empty', run: () => concat([tensor([1]), tensor([2, 3]), zeros([0])]), expected: ex([1, 2, 3], [3]) },
  { op: 'concat', name: 'single tensor', run: () => concat([m23()], 1), expected: ex([[1, 2, 3], [4, 5, 6]], [2, 3]) },
  { op: 'concat', name: 'int32 with float32 promotes', run: () => concat([int([1, 2]), tensor([0.5])]), expected: ex([1, 2, 0.5], [3]) },
  { op: 'concat', name: 'int32 with a JS array stays int32', run: () => concat([int([1, 2]), [3, 4]]), expected: ex([1, 2, 3, 4], [4], 'int32') },
  { op: 'concat', name: 'bool', run: () => concat([b23(), tensor([[true], [true]])], 1), expected: ex([[true, false, true, true], [false, false, true, true]], [2, 4], 'bool') },
  {
    op: 'concat',
    name: 'long runs along axis 1',
    run: () => concat([counting([2, 50]), counting([2, 40])], 1),
    expected: ex([...iota(50), ...iota(40), ...iota(50).map((i) => 50 + i), ...iota(40).map((i) => 40 + i)], [2, 90]),
  },

  // --------------------------------------------------------------- stack
  { op: 'stack', name: 'axis 0', run: () => stack([tensor([1, 2]), tensor([3, 4])]), expected: ex([[1, 2], [3, 4]], [2, 2]) },
  { op: 'stack', name: 'axis -1', run: () => stack([tensor([1, 2]), tensor([3, 4])], -1), expected: ex([[1, 3], [2, 4]], [2, 2]) },
  {
    op: 'stack',
    name: 'axis 1 of matrices',
    run: () => stack([tensor([[1, 2], [3, 4]]), tensor([[5, 6], [7, 8]])], 1),
    expected: ex([[[1, 2], [5, 6]], [[3, 4], [7, 8]]], [2, 2, 2]),
  },
  { op: 'stack', name: 'scalars (JS numbers)', run: () => stack([1, 2, 3]), expected: ex([1, 2, 3], [3]) },
  { op: 'stack', name: 'int32', run: () => stack([int([1, 2]), int([3, 4])], 1), expected: ex([[1, 3], [2, 4]], [2, 2], 'int32') },
  { op: 'stack', name: 'bool', run: () => stack([tensor([true]), tensor([false])]), expected: ex([[true], [false]], [2, 1], 'bool') },

  // ------------------------------------------------------------- unstack
  { op: 'unstack', name: 'axis 0', run: () => unstack(m23()), expected: [ex([1, 2, 3], [3]), ex([4, 5, 6], [3])] },
  { op: 'unstack', name: 'axis -1', run: () => unstack(m23(), -1), expected: [ex([1, 4], [2]), ex([2, 5], [2]), ex([3, 6], [2])] },
  { op: 'unstack', name: 'axis 1 of rank 3', run: () => unstack(r3(), 1), expected: [ex([[0, 1], [6, 7]], [2, 2]), ex([[2, 3], [8, 9]], [2, 2]), ex([[4, 5], [10, 11]], [2, 2])] },
  { op: 'unstack', name: 'vector into scalars', run: () => unstack(tensor([7, 8])), expected: [ex(7, []), ex(8, [])] },
  { op: 'unstack', name: 'empty axis gives no tensors', run: () => unstack(zeros([0, 2])), expected: [] },
  { op: 'unstack', name: 'int32', run: () => unstack(i23(), 1), expected: [ex([1, 4], [2], 'int32'), ex([2, 5], [2], 'int32'), ex([3, 6], [2], 'int32')] },
  { op: 'unstack', name: 'bool', run: () => unstack(b23()), expected: [ex([true, false, true], [3], 'bool'), ex([false, false, true], [3], 'bool')] },

  // --------------------------------------------------------------- split
  { op: 'split', name: 'equal parts', run: () => split(tensor([1, 2, 3, 4]), 2), expected: [ex([1, 2], [2]), ex([3, 4], [2])] },
  { op: 'split', name: 'sizes with -1 along axis 1', run: () => split(tensor([[1, 2, 3]]), [1, -1], 1), expected: [ex([[1]], [1, 1]), ex([[2, 3]], [1, 2])] },
  { op: 'split', name: 'a zero size', run: () => split(tensor([1, 2, 3]), [0, 3]), expected: [ex([], [0]), ex([1, 2, 3], [3])] },
  {
    op: 'split',
    name: 'axis -1 of rank 3',
    run: () => split(r3(), 2, -1),
    expected: [ex([[[0], [2], [4]], [[6], [8], [10]]], [2, 3, 1]), ex([[[1], [3], [5]], [[7], [9], [11]]], [2, 3, 1])],
  },
  { op: 'split', name: 'int32', run: () => split(i23(), [2, 1], 1), expected: [ex([[1, 2], [4, 5]], [2, 2], 'int32'), ex([[3], [6]], [2, 1], 'int32')] },
  { op: 'split', name: 'bool', run: () => split(b23(), 2), expected: [ex([[true, false, true]], [1, 3], 'bool'), ex([[false, false, true]], [1, 3], 'bool')] },

  // ---------------------------------------------------------------- tile
  { op: 'tile', name: '1-D', run: () => tile(tensor([1, 2]), [3]), expected: ex([1, 2, 1, 2, 1, 2], [6]) },
  { op: 'tile', name: 'columns', run: () => tile(tensor([[1], [2]]), [1, 2]), expected: ex([[1, 1], [2, 2]], [2, 2]) },
  {
    op: 'tile',
    name: 'both axes',
    run: () => tile(tensor([[1, 2], [3, 4]]), [2, 2]),
    expected: ex([[1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2], [3, 4, 3, 4]], [4, 4]),
  },
  { op: 'tile', name: 'reps 0 gives an empty tensor', run: () => tile(tensor([1, 2]), [0]), expected: ex([], [0]) },
  { op: 'tile', name: 'scalar', run: () => tile(scalar(5), []), expected: ex(5, []) },
  { op: 'tile', name: 'int32', run: () => tile(int([[1, 2]]), [2, 1]), expected: ex([[1, 2], [1, 2]], [2, 2], 'int32') },
  { op: 'tile', name: 'bool', run: () => tile(tensor([true, false]), [2]), expected: ex([true, false, true, false], [4], 'bool') },
  { op: 'tile', name: 'long rows', run: () => tile(counting([1, 40]), [2, 2]), expected: ex([...iota(40), ...iota(40), ...iota(40), ...iota(40)], [2, 80]) },

  // ----------------------------------------------------------------- pad
  { op: 'pad', name: '1-D', run: () => pad(tensor([1, 2]), [[1, 2]]), expected: ex([0, 1, 2, 0, 0], [5]) },
  { op: 'pad', name: 'constant value', run: () => pad(tensor([[1]]), [[0, 1], [1, 0]], 9), expected: ex([[9, 1], [9, 9]], [2, 2]) },
  { op: 'pad', name: 'matrix', run: () => pad(m23(), [[1, 0], [0, 2]]), expected: ex([[0, 0, 0, 0, 0], [1, 2, 3, 0, 0], [4, 5, 6, 0, 0]], [3, 5]) },
  { op: 'pad', name: 'zero paddings copy', run: () => pad(m23(), [[0, 0], [0, 0]]), expected: ex([[1, 2, 3], [4, 5, 6]], [2, 3]) },
  { op: 'pad', name: 'empty input', run: () => pad(zeros([0]), [[1, 1]], 3), expected: ex([3, 3], [2]) },
  { op: 'pad', name: 'scalar', run: () => pad(scalar(5), []), expected: ex(5, []) },
  { op: 'pad', name: 'int32', run: () => pad(int([1, 2]), [[0, 1]], -1), expected: ex([1, 2, -1], [3], 'int32') },
  { op: 'pad', name: 'bool: a non-zero constant is stored as true', run: () => pad(tensor([false]), [[1, 0]], 2), expected: ex([true, false], [2], 'bool') },
  {
    op: 'pad',
    name: 'rank 3 middle axis',
    run: () => pad(r3(), [[0, 0], [1, 1], [0, 0]], -1),
    expected: ex([[[-1, -1], [0, 1], [2, 3], [4, 5], [-1, -1]], [[-1, -1], [6, 7], [8, 9], [10, 11], [-1, -1]]], [2, 5, 2]),
  },

  // -------------------------------------------------------------- gather
  { op: 'gather', name: 'repeated indices', run: () => gather(tensor([10, 20, 30]), [2, 0, 2]), expected: ex([30, 10, 30], [3]) },
  { op: 'gather', name: 'axis 1', run: () => gather(m23(), [2, 0], 1), expected: ex([[3, 1], [6, 4]], [2, 2]) },
  { op: 'gather', name: 'rank-2 indices on axis 0', run: () => gather(m23(), [[1], [0]]), expected: ex([[[4, 5, 6]], [[1, 2, 3]]], [2, 1, 3]) },
  {
    op: 'gather',
    name: 'axis -1 with rank-2 indices',
    run: () => gather(r3(), [[1, 0]], -1),
    expected: ex([[[[1, 0]], [[3, 2]], [[5, 4]]], [[[7, 6]], [[9, 8]], [[11, 10]]]], [2, 3, 1, 2]),
  },
  { op: 'gather', name: 'scalar index drops the axis', run: () => gather(tensor([10, 20, 30]), scalar(1, 'int32')), expected: ex(20, []) },
  { op: 'gather', name: 'JS number index', run: () => gather(m23(), 1), expected: ex([4, 5, 6], [3]) },
  { op: 'gather', name: 'empty indices', run: () => gather(m23(), tensor([], [0], 'int32')), expected: ex([], [0, 3]) },
  { op: 'gather', name: 'batchDims 1', run: () => gather(tensor([[1, 2], [3, 4]]), [[1], [0]], 1, 1), expected: ex([[2], [3]], [2, 1]) },
  { op: 'gather', name: 'int32', run: () => gather(i23(), [1, 1], 0), expected: ex([[4, 5, 6], [4, 5, 6]], [2, 3], 'int32') },
  { op: 'gather', name: 'bool', run: () => gather(b23(), [2, 1], 1), expected: ex([[true, false], [true, false]], [2, 2], 'bool') },
  {
    op: 'gather',
    name: 'long rows (copied as runs)',
    run: () => gather(counting([3, 40]), [2, 0]),
    expected: ex([...iota(40).map((i) => 80 + i), ...iota(40)], [2, 40]),
  },

  // ---------------------------------------------------- unsortedSegmentSum
  { op: 'unsortedSegmentSum', name: 'vector', run: () => unsortedSegmentSum(tensor([1, 2, 3, 4]), [0, 2, 0, 1], 3), expected: ex([4, 4, 2], [3]) },
  { op: 'unsortedSegmentSum', name: 'rows, an empty segment', run: () => unsortedSegmentSum(tensor([[1, 2], [3, 4]]), [1, 1], 2), expected: ex([[0, 0], [4, 6]], [2, 2]) },
  { op: 'unsortedSegmentSum', name: 'negative ids are dropped', run: () => unsortedSegmentSum(tensor([1, 2, 3]), [0, -1, 0], 1), expected: ex([4], [1]) },
  {
    op: 'unsortedSegmentSum',
    name: 'rank-2 ids',
    run: () => unsortedSegmentSum(tensor([[[1], [2]], [[3], [4]]]), [[0, 1], [1, 1]], 2),
    expected: ex([[1], [9]], [2, 1]),
  },
  { op: 'unsortedSegmentSum', name: 'int32', run: () => unsortedSegmentSum(int([5, 6, 7]), [1, 0, 1], 2), expected: ex([6, 12], [2], 'int32') },

  // ------------------------------------------------------------- reverse
  { op: 'reverse', name: '1-D', run: () => reverse(tensor([1, 2, 3])), expected: ex([3, 2, 1], [3]) },
  { op: 'reverse', name: 'all axes by default', run: () => reverse(m23()), expected: ex([[6, 5, 4], [3, 2, 1]], [2, 3]) },
  { op: 'reverse', name: 'axis -1', run: () => reverse(m23(), -1), expected: ex([[3, 2, 1], [6, 5, 4]], [2, 3]) },
  { op: 'reverse', name: 'axis 0 (whole rows)', run: () => reverse(m23(), 0), expected: ex([[4, 5, 6], [1, 2, 3]], [2, 3]) },
  {
    op: 'reverse',
    name: 'axes [0, 2] of rank 3',
    run: () => reverse(r3(), [0, 2]),
    expected: ex([[[7, 6], [9, 8], [11, 10]], [[1, 0], [3, 2], [5, 4]]], [2, 3, 2]),
  },
  { op: 'reverse', name: 'scalar', run: () => reverse(scalar(5)), expected: ex(5, []) },
  { op: 'reverse', name: 'empty', run: () => reverse(zeros([0, 2])), expected: ex([], [0, 2]) },
  { op: 'reverse', name: 'int32', run: () => reverse(i23(), 1), expected: ex([[3, 2, 1], [6, 5, 4]], [2, 3], 'int32') },
  { op: 'reverse', name: 'bool', run: () => reverse(b23(), 0), expected: ex([[false, false, true], [true, false, true]], [2, 3], 'bool') },
  { op: 'reverse', name: 'long rows', run: () => reverse(counting([2, 50]), 0), expected: ex([...iota(50).map((i) => 50 + i), ...iota(50)], [2, 50]) },

  // --------------------------------------------------------- broadcastTo
  { op: 'broadcastTo', name: 'vector to matrix', run: () => broadcastTo(tensor([1, 2]), [2, 2]), expected: ex([[1, 2], [1, 2]], [2, 2]) },
  { op: 'broadcastTo', name: 'column', run: () => broadcastTo(tensor([[1], [2]]), [2, 3]), expected: ex([[1, 1, 1], [2, 2, 2]], [2, 3]) },
  { op: 'broadcastTo', name: 'scalar', run: () => broadcastTo(scalar(7), [2, 2]), expected: ex([[7, 7], [7, 7]], [2, 2]) },
  {
    op: 'broadcastTo',
    name: 'new leading axis and a repeated inner axis',
    run: () => broadcastTo(tensor([[1], [2]]), [3, 2, 2]),
    expected: ex([[[1, 1], [2, 2]], [[1, 1], [2, 2]], [[1, 1], [2, 2]]], [3, 2, 2]),
  },
  { op: 'broadcastTo', name: 'same shape', run: () => broadcastTo(m23(), [2, 3]), expected: ex([[1, 2, 3], [4, 5, 6]], [2, 3]) },
  { op: 'broadcastTo', name: 'to an empty shape', run: () => broadcastTo(tensor([[1, 2]]), [0, 2]), expected: ex([], [0, 2]) },
  { op: 'broadcastTo', name: 'int32', run: () => broadcastTo(int([3]), [2]), expected: ex([3, 3], [2], 'int32') },
  { op: 'broadcastTo', name: 'bool', run: () => broadcastTo(tensor([[true], [false]]), [2, 2]), expected: ex([[true, true], [false, false]], [2, 2], 'bool') },
  { op: 'broadcastTo', name: 'long rows', run: () => broadcastTo(counting([1, 40]), [2, 40]), expected: ex([...iota(40), ...iota(40)], [2, 40]) },

  // --------------------------------------------------------------- clone
  { op: 'clone', name: 'float32', run: () => clone(m23()), expected: ex([[1, 2, 3], [4, 5, 6]], [2, 3]) },
  { op: 'clone', name: 'int32', run: () => clone(i23()), expected: ex([[1, 2, 3], [4, 5, 6]], [2, 3], 'int32') },
  { op: 'clone', name: 'bool', run: () => clone(b23()), expected: ex([[true, false, true], [false, false, true]], [2, 3], 'bool') },
  {
    op: 'clone',
    name: 'a new tensor that outlives the original',
    run: () => {
      const x = tensor([1, 2]);
      const y = clone(x);
      if (y.id === x.id || y === x) throw new Error('clone returned the same tensor');
      x.dispose();
      return y;
    },
    expected: ex([1, 2], [2]),
  },
];

export const errors: ErrorCase[] = [
  { op: 'reshape', name: 'element count differs', run: () => reshape(zeros([2, 3]), [4]), type: ShapeError, message: /reshape: cannot reshape a tensor of shape \[2,3\] \(6 elements\) into \[4\] \(4 elements\)/ },
  { op: 'reshape', name: 'two -1', run: () => reshape(zeros([4]), [-1, -1]), type: ShapeError, message: /reshape: shape \[-1,-1\] has more than one -1/ },
  { op: 'expandDims', name: 'axis out of range', run: () => expandDims(zeros([2]), 3), type: ShapeError, message: /expandDims: axis 3 is out of range for a tensor of rank 2/ },
  { op: 'squeeze', name: 'axis of size > 1', run: () => squeeze(zeros([1, 3]), 1), type: ShapeError, message: /squeeze: axis 1 of shape \[1,3\] has size 3, expected 1/ },

  { op: 'transpose', name: 'perm of the wrong length', run: () => transpose(zeros([2, 3, 4]), [0, 1]), type: ValueError, message: /transpose: expected perm of length 3 \(a permutation of 0\.\.2\), got \[0,1\]/ },
  { op: 'transpose', name: 'repeated axis in perm', run: () => transpose(zeros([2, 3]), [0, 0]), type: ValueError, message: /transpose: .*permutation of 0\.\.1.*got \[0,0\]/ },
  { op: 'transpose', name: 'axis out of range in perm', run: () => transpose(zeros([2, 3]), [0, 2]), type: ValueError, message: /transpose: .*got \[0,2\]/ },

  { op: 'slice', name: 'begin + size past the end', run: () => slice(zeros([2, 4]), [0, 2], [2, 3]), type: ShapeError, message: /slice: begin\[1\] \+ size\[1\] = 2 \+ 3 = 5 exceeds dimension 1 of x \(shape \[2,4\]\)/ },
  { op: 'slice', name: 'begin past the end', run: () => slice(zeros([2, 4]), [3]), type: ShapeError, message: /slice: begin\[0\] = 3 is out of bounds for dimension 0.*\[2,4\]/ },
  { op: 'slice', name: 'negative begin', run: () => slice(zeros([2, 4]), [-1]), type: ShapeError, message: /slice: begin\[0\] = -1 is out of bounds/ },
  { op: 'slice', name: 'negative size other than -1', run: () => slice(zeros([4]), [0], [-2]), type: ValueError, message: /slice: size\[0\] = -2 is negative/ },
  { op: 'slice', name: 'more begin entries than axes', run: () => slice(zeros([4]), [0, 0]), type: ShapeError, message: /slice: begin \[0,0\] has 2 entries, but x has rank 1/ },

  { op: 'stridedSlice', name: 'zero stride', run: () => stridedSlice(zeros([4]), [0], [4], [0]), type: ValueError, message: /stridedSlice: strides\[0\] is 0/ },
  { op: 'stridedSlice', name: 'shrunk index out of range', run: () => stridedSlice(zeros([2, 3]), [0, 3], [0, 4], [1, 1], 0, 0, 0, 0, 2), type: ShapeError, message: /stridedSlice: index 3 .* out of bounds for dimension 1 of size 3/ },
  { op: 'stridedSlice', name: 'two ellipses', run: () => stridedSlice(zeros([2, 3]), [0, 0], [0, 0], [1, 1], 0, 0, 3), type: ValueError, message: /stridedSlice: .*at most one ellipsis/ },
  { op: 'stridedSlice', name: 'begin, end and strides of different lengths', run: () => stridedSlice(zeros([2, 3]), [0, 0], [1], [1, 1]), type: ValueError, message: /stridedSlice: expected begin, end and strides of the same length, got 2, 1 and 2/ },
  { op: 'stridedSlice', name: 'more axes than x has', run: () => stridedSlice(zeros([2]), [0, 0], [1, 1]), type: ShapeError, message: /stridedSlice: .*indexes more dimensions than x has \(rank 1/ },

  { op: 'concat', name: 'shapes differ off the axis', run: () => concat([zeros([2, 2]), zeros([1, 3])], 0), type: ShapeError, message: /concat: tensors\[1\] has shape \[1,3\] but tensors\[0\] has shape \[2,2\]; all dimensions except axis 0 must match \(dimension 1 is 3 vs 2\)/ },
  { op: 'concat', name: 'ranks differ', run: () => concat([zeros([2]), zeros([2]), zeros([2, 1])]), type: ShapeError, message: /concat: tensors\[2\] has shape \[2,1\] \(rank 2\) but tensors\[0\] has shape \[2\] \(rank 1\)/ },
  { op: 'concat', name: 'empty list', run: () => concat([]), type: ValueError, message: /concat: expected at least one tensor/ },
  { op: 'concat', name: 'scalars', run: () => concat([scalar(1), scalar(2)]), type: ShapeError, message: /concat: cannot concatenate scalars.*stack/ },
  { op: 'concat', name: 'axis out of range', run: () => concat([zeros([2]), zeros([2])], 1), type: ShapeError, message: /concat: axis 1 is out of range for a tensor of rank 1/ },

  { op: 'stack', name: 'shapes differ', run: () => stack([zeros([2]), zeros([3])]), type: ShapeError, message: /stack: tensors\[1\] has shape \[3\] but tensors\[0\] has shape \[2\]/ },
  { op: 'stack', name: 'empty list', run: () => stack([]), type: ValueError, message: /stack: expected at least one tensor/ },

  { op: 'unstack', name: 'scalar', run: () => unstack(scalar(1)), type: ShapeError, message: /unstack: axis 0 is out of range for a tensor of rank 0/ },

  { op: 'split', name: 'sizes do not sum to the axis', run: () => split(zeros([4, 2]), [1, 2]), type: ValueError, message: /split: sizes \[1,2\] sum to 3, but dimension 0 of x \(size 4, shape \[4,2\]\)/ },
  { op: 'split', name: 'count does not divide the axis', run: () => split(zeros([2, 5]), 2, 1), type: ValueError, message: /split: 2 splits do not evenly divide dimension 1 of x \(size 5/ },
  { op: 'split', name: 'two -1 sizes', run: () => split(zeros([4]), [-1, -1]), type: ValueError, message: /split: sizes \[-1,-1\] must be non-negative, with at most one -1/ },
  { op: 'split', name: 'known sizes exceed the axis with -1', run: () => split(zeros([4]), [3, 2, -1]), type: ValueError, message: /split: sizes \[3,2,-1\] already sum to 5/ },

  { op: 'tile', name: 'reps of the wrong length', run: () => tile(zeros([2, 2]), [2]), type: ValueError, message: /tile: expected reps to be 2 non-negative integers .*got \[2\]/ },
  { op: 'tile', name: 'negative reps', run: () => tile(zeros([2]), [-1]), type: ValueError, message: /tile: expected reps to be 1 non-negative integers/ },

  { op: 'pad', name: 'negative padding', run: () => pad(zeros([2, 2]), [[0, 0], [-1, 1]]), type: ValueError, message: /pad: paddings for axis 1 are \[-1,1\]; padding must be non-negative/ },
  { op: 'pad', name: 'paddings of the wrong length', run: () => pad(zeros([2, 2]), [[1, 1]]), type: ValueError, message: /pad: expected paddings to be 2 \[before, after\] pairs/ },

  { op: 'gather', name: 'index past the end', run: () => gather(zeros([3, 2]), [0, 3]), type: ValueError, message: /gather: indices\[1\] = 3 is out of range for axis 0 of x \(shape \[3,2\]\); expected 0 <= index < 3/, deferredOn: ['webgpu'] },
  { op: 'gather', name: 'negative index', run: () => gather(zeros([2, 3]), [[0], [-1]], 1), type: ValueError, message: /gather: indices\[1,0\] = -1 is out of range for axis 1 .*expected 0 <= index < 3/, deferredOn: ['webgpu'] },
  { op: 'gather', name: 'float indices tensor', run: () => gather(zeros([3]), tensor([0, 1])), type: DTypeError, message: /gather: expected indices of dtype int32, got float32/ },
  { op: 'gather', name: 'fractional JS indices', run: () => gather(zeros([3]), [0.5]), type: ValueError, message: /gather: expected indices to be integers, got \[0.5\]/ },
  { op: 'gather', name: 'Float32Array indices keep their dtype and are refused', run: () => gather(zeros([3]), new Float32Array([1])), type: DTypeError, message: /^gather: .*int32.*float32/ },
  { op: 'gather', name: 'batch dimensions disagree', run: () => gather(zeros([2, 3]), [[0], [1], [2]], 1, 1), type: ShapeError, message: /gather: with batchDims 1, x \(shape \[2,3\]\) and indices \(shape \[3,1\]\) must agree/ },
  { op: 'gather', name: 'scalar x', run: () => gather(scalar(1), [0]), type: ShapeError, message: /gather: expected x of rank >= 1/ },

  { op: 'unsortedSegmentSum', name: 'id at numSegments', run: () => unsortedSegmentSum(zeros([2]), [0, 2], 2), type: ValueError, message: /unsortedSegmentSum: segmentIds\[1\] = 2 is out of range; expected an id below numSegments = 2/, deferredOn: ['webgpu'] },
  { op: 'unsortedSegmentSum', name: 'ids do not match the leading shape', run: () => unsortedSegmentSum(zeros([3, 2]), [0, 1], 2), type: ShapeError, message: /unsortedSegmentSum: expected the shape of x \[3,2\] to start with the shape of segmentIds \[2\]/ },

  { op: 'reverse', name: 'axis out of range', run: () => reverse(zeros([2]), 1), type: ShapeError, message: /reverse: axis 1 is out of range for a tensor of rank 1/ },
  { op: 'reverse', name: 'repeated axis', run: () => reverse(zeros([2, 2]), [0, -2]), type: ValueError, message: /reverse: axis -2 appears more than once/ },

  { op: 'broadcastTo', name: 'incompatible dimension', run: () => broadcastTo(zeros([2, 3]), [4, 3]), type: ShapeError, message: /broadcastTo: cannot broadcast shape \[2,3\] to \[4,3\] \(dimension 0 of x is 2 vs 4/ },
  { op: 'broadcastTo', name: 'fewer dimensions', run: () => broadcastTo(zeros([2, 3]), [3]), type: ShapeError, message: /broadcastTo: cannot broadcast shape \[2,3\] to \[3\], which has fewer dimensions/ },
];

export const gradients: GradCase[] = [
  { op: 'transpose', name: 'default (matrix)', f: (x) => transpose(x), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'transpose', name: 'perm [2, 0, 1]', f: (x) => transpose(x, [2, 0, 1]), inputs: [[[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]] },
  { op: 'reshape', name: '[2, 3] to [3, 2]', f: (x) => reshape(x, [3, 2]), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'expandDims', name: 'axis -1', f: (x) => expandDims(x, -1), inputs: [[[1, 2], [3, 4]]] },
  { op: 'squeeze', name: 'all size-1 axes', f: (x) => squeeze(x), inputs: [[[[1], [2], [3]]]] },
  { op: 'slice', name: 'box', f: (x) => slice(x, [0, 1], [2, 2]), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'slice', name: 'size -1, rank 3', f: (x) => slice(x, [1, 0, 1], [-1, 2, -1]), inputs: [[[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]] },
  { op: 'stridedSlice', name: 'stride 2', f: (x) => stridedSlice(x, [0, 1], [2, 4], [1, 2]), inputs: [[[1, 2, 3, 4], [5, 6, 7, 8]]] },
  { op: 'stridedSlice', name: 'negative stride', f: (x) => stridedSlice(x, [0, -1], [2, 0], [1, -2], 0, 2), inputs: [[[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]] },
  { op: 'stridedSlice', name: 'shrink, newaxis and ellipsis', f: (x) => stridedSlice(x, [0, 1, 0], [0, 2, 0], [1, 1, 1], 0, 0, 4, 1, 2), inputs: [[[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]] },
  {
    op: 'stridedSlice',
    name: 'second order (the gradient of the scatter)',
    f: (x) => grad((y) => sum(square(stridedSlice(y, [4], [0], [-2]))))(mul(x, x)),
    inputs: [[0.5, 1, 1.5, 2, 2.5, 3]],
  },
  { op: 'concat', name: 'axis 1, three inputs', f: (a, b, c) => concat([a, b, c], 1), inputs: [[[1], [2]], [[3, 4], [5, 6]], [[7], [8]]] },
  { op: 'concat', name: 'axis 0', f: (a, b) => concat([a, b]), inputs: [[1, 2], [3]] },
  { op: 'stack', name: 'axis 1', f: (a, b) => stack([a, b], 1), inputs: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] },
  {
    op: 'unstack',
    name: 'axis 1, outputs combined',
    f: (x) => {
      const [a, b, c] = unstack(x, 1);
      return add(mul(a, b), c);
    },
    inputs: [[[1, 2, 3], [4, 5, 6]]],
  },
  {
    op: 'split',
    name: 'sizes [1, 2] along axis 1, outputs combined',
    f: (x) => {
      const [a, b] = split(x, [1, 2], 1);
      return concat([b, mul(a, a)], 1);
    },
    inputs: [[[1, 2, 3], [4, 5, 6]]],
  },
  { op: 'tile', name: 'both axes', f: (x) => tile(x, [2, 3]), inputs: [[[1, 2], [3, 4]]] },
  { op: 'tile', name: '1-D', f: (x) => tile(x, [3]), inputs: [[1, 2]] },
  { op: 'pad', name: 'matrix', f: (x) => pad(x, [[1, 0], [2, 1]], 5), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'gather', name: 'repeated indices', f: (x) => gather(x, [1, 1, 0, 1]), inputs: [[1, 2, 3]] },
  { op: 'gather', name: 'axis 1, rank-2 indices', f: (x) => gather(x, [[2, 0], [2, 2]], 1), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  { op: 'gather', name: 'batchDims 1', f: (x) => gather(x, [[1, 1], [0, 2]], 1, 1), inputs: [[[1, 2, 3], [4, 5, 6]]] },
  {
    op: 'gather',
    name: 'second order (the gradient of the segment sum)',
    f: (x) => grad((y) => sum(square(gather(y, [1, 1, 0]))))(mul(x, x)),
    inputs: [[1, 2, 3]],
  },
  { op: 'unsortedSegmentSum', name: 'vector', f: (x) => unsortedSegmentSum(x, [0, 2, 0, 1], 3), inputs: [[1, 2, 3, 4]] },
  { op: 'reverse', name: 'axes [0, 2]', f: (x) => reverse(x, [0, 2]), inputs: [[[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12]]]] },
  { op: 'broadcastTo', name: '[2, 1] to [3, 2, 4]', f: (x) => broadcastTo(x, [3, 2, 4]), inputs: [[[1], [2]]] },
  { op: 'clone', name: 'identity', f: (x) => mul(clone(x), x), inputs: [[1, 2, 3]] },
];
