/**
 * Movement ops: reshaping, transposing, slicing, joining, padding. Views
 * (reshape, expandDims, squeeze, clone) share storage; transpose, slice,
 * concat, pad, reverse, tile and broadcastTo are primitives with one kernel
 * per backend; stack, unstack and split are compositions. stridedSlice
 * lives in `strided-slice.ts`, gather and unsortedSegmentSum in `gather.ts`.
 *
 * @module
 */
import { upcastType } from '../dtype.js';
import { ShapeError, ValueError, fmtShape } from '../errors.js';
import { assertValidShape, normalizeAxes, normalizeAxis, shapesEqual, sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertIntList, fmtList, isInt } from './arg-checks.js';
import { defineOp } from './define-op.js';
import { runOp, runOp1 } from './dispatch.js';
import { unbroadcast } from './grad-util.js';
import { sum } from './reduce.js';

declare module './define-op.js' {
  interface OpRegistry {
    /** Permutes axes. */
    transpose: {
      /** Output axis i is input axis perm[i]. */
      readonly perm: readonly number[];
    };
    /** A box of x. */
    slice: {
      /** First index per axis (non-negative, in range). */
      readonly begin: readonly number[];
      /** Elements taken per axis. */
      readonly size: readonly number[];
    };
    /** Joins its inputs. */
    concat: {
      /** The (non-negative) axis to join along. */
      readonly axis: number;
    };
    /** Pads with a constant. */
    pad: {
      /** [before, after] per axis, non-negative. */
      readonly paddings: readonly (readonly [number, number])[];
      /** The fill value. */
      readonly constantValue: number;
    };
    /** Reverses axes. */
    reverse: {
      /** Sorted, unique axes to reverse. */
      readonly axes: readonly number[];
    };
    /** Repeats x. */
    tile: {
      /** Repetitions per axis. */
      readonly reps: readonly number[];
    };
    /** Broadcasts x. */
    broadcastTo: {
      /** The target shape. */
      readonly shape: readonly number[];
    };
  }
}

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

// ---------------------------------------------------------------- transpose

function resolvePerm(rank: number, perm: readonly number[] | undefined): number[] {
  if (perm === undefined || perm === null) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const expected = rank === 0 ? 'the empty permutation []' : `a permutation of 0..${rank - 1}`;
  const fail = () => new ValueError(`transpose: expected perm of length ${rank} (${expected}), got ${fmtList(perm)}`);
  if (!Array.isArray(perm) || perm.length !== rank) throw fail();
  const seen = new Set<number>();
  for (const p of perm) {
    if (!isInt(p) || p < 0 || p >= rank || seen.has(p)) throw fail();
    seen.add(p);
  }
  return perm.slice();
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

const transposeOp = defineOp<{ perm: readonly number[] }, { perm: readonly number[] | undefined }>({
  name: 'transpose',
  inputNames: ['x'],
  prepare: ([x], { perm }) => ({ perm: resolvePerm(x.shape.length, perm) }),
  infer: ([x], { perm }) => [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }],
  grad: ([dy], { params: { perm } }) => [transpose(dy, inversePerm(perm))],
});

/**
 * Permutes the axes of `x`: output axis `i` is input axis `perm[i]`. By
 * default the axes are reversed (a matrix transpose for rank 2).
 *
 * @example
 * ```ts
 * transpose(tensor([[1, 2, 3], [4, 5, 6]]));        // [[1, 4], [2, 5], [3, 6]]
 * transpose(zeros([2, 3, 4]), [1, 0, 2]).shape;      // [3, 2, 4]
 * ```
 */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  return runOp1(transposeOp, [x], { perm });
}

// -------------------------------------------------------------------- slice

interface SliceArgs {
  begin: number | readonly number[];
  size: number | readonly number[] | undefined;
}

function resolveSlice(shape: readonly number[], args: SliceArgs): { begin: number[]; size: number[] } {
  const rank = shape.length;
  const given = (v: number | readonly number[], what: string): number[] => {
    const list = typeof v === 'number' ? [v] : assertIntList('slice', what, v).slice();
    if (!list.every(isInt)) throw new ValueError(`slice: expected ${what} to be an integer or an array of integers, got ${fmtList(v)}`);
    if (list.length > rank) throw new ShapeError(`slice: ${what} ${fmtList(list)} has ${list.length} entries, but x has rank ${rank} (shape ${fmtShape(shape)})`);
    return list;
  };
  const begin = given(args.begin, 'begin');
  const size = args.size === undefined || args.size === null ? [] : given(args.size, 'size');
  while (begin.length < rank) begin.push(0);
  while (size.length < rank) size.push(-1);
  for (let i = 0; i < rank; i++) {
    if (begin[i] < 0 || begin[i] > shape[i]) {
      throw new ShapeError(`slice: begin[${i}] = ${begin[i]} is out of bounds for dimension ${i} of x (shape ${fmtShape(shape)}); expected 0 <= begin <= ${shape[i]}`);
    }
    if (size[i] === -1) size[i] = shape[i] - begin[i];
    else if (size[i] < 0) throw new ValueError(`slice: size[${i}] = ${size[i]} is negative; expected a non-negative size or -1 (to the end)`);
    else if (begin[i] + size[i] > shape[i]) {
      throw new ShapeError(
        `slice: begin[${i}] + size[${i}] = ${begin[i]} + ${size[i]} = ${begin[i] + size[i]} exceeds dimension ${i} of x (shape ${fmtShape(shape)})`,
      );
    }
  }
  return { begin, size };
}

const sliceOp = defineOp<{ begin: readonly number[]; size: readonly number[] }, SliceArgs>({
  name: 'slice',
  inputNames: ['x'],
  prepare: ([x], args) => resolveSlice(x.shape, args),
  infer: ([x], { size }) => [{ shape: size, dtype: x.dtype }],
  grad: ([dy], { inputs: [x], params: { begin, size } }) => [pad(dy, begin.map((b, i): [number, number] => [b, x.shape[i] - b - size[i]]))],
});

/**
 * The box of `x` that starts at `begin` and has `size` elements per axis
 * (TensorFlow.js semantics). A number applies to the first axis; missing
 * trailing entries take everything (begin 0, size -1); a size of -1 runs
 * to the end of the axis.
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * slice(x, [0, 1], [2, 2]); // [[2, 3], [5, 6]]
 * slice(x, 1);              // [[4, 5, 6]]
 * slice(x, [0, 1], [-1, 1]); // [[2], [5]]
 * ```
 */
export function slice(x: TensorLike, begin: number | readonly number[], size?: number | readonly number[]): Tensor {
  return runOp1(sliceOp, [x], { begin, size });
}

// ------------------------------------------------------------ concat, stack

function assertTensorList(op: string, tensors: unknown): readonly TensorLike[] {
  if (!Array.isArray(tensors)) throw new ValueError(`${op}: expected an array of tensors, got ${tensors === null ? 'null' : typeof tensors}`);
  if (tensors.length === 0) throw new ValueError(`${op}: expected at least one tensor, got an empty array`);
  return tensors as readonly TensorLike[];
}

const concatOp = defineOp<{ axis: number }>({
  name: 'concat',
  inputNames: ['...tensors'],
  prepare: (xs, { axis }) => {
    const rank = xs[0].shape.length;
    if (rank === 0) throw new ShapeError('concat: cannot concatenate scalars (tensors[0] has rank 0); use stack() to join scalars into a vector');
    return { axis: normalizeAxis('concat', axis, rank) };
  },
  infer: (xs, { axis }) => {
    const first = xs[0].shape;
    const shape = first.slice();
    let dtype = xs[0].dtype;
    for (let i = 1; i < xs.length; i++) {
      const s = xs[i].shape;
      if (s.length !== first.length) {
        throw new ShapeError(`concat: tensors[${i}] has shape ${fmtShape(s)} (rank ${s.length}) but tensors[0] has shape ${fmtShape(first)} (rank ${first.length}); ranks must match`);
      }
      for (let d = 0; d < s.length; d++) {
        if (d !== axis && s[d] !== first[d]) {
          throw new ShapeError(
            `concat: tensors[${i}] has shape ${fmtShape(s)} but tensors[0] has shape ${fmtShape(first)}; all dimensions except axis ${axis} must match (dimension ${d} is ${s[d]} vs ${first[d]})`,
          );
        }
      }
      shape[axis] += s[axis];
      dtype = upcastType(dtype, xs[i].dtype);
    }
    return [{ shape, dtype }];
  },
  grad: ([dy], { inputs, params: { axis } }) => {
    let offset = 0;
    return inputs.map((x) => {
      const begin = x.shape.map(() => 0);
      begin[axis] = offset;
      offset += x.shape[axis];
      return slice(dy, begin, x.shape);
    });
  },
});

/**
 * Joins tensors along an existing axis; every other dimension must match.
 * Mixed dtypes promote (`bool < int32 < float32 < float64`).
 *
 * @example
 * ```ts
 * concat([tensor([[1, 2]]), tensor([[3, 4]])]);     // [[1, 2], [3, 4]]
 * concat([tensor([[1], [2]]), tensor([[3], [4]])], 1); // [[1, 3], [2, 4]]
 * ```
 */
export function concat(tensors: readonly TensorLike[], axis = 0): Tensor {
  return runOp1(concatOp, assertTensorList('concat', tensors), { axis });
}

const stackOp = defineOp<{ axis: number }>({
  name: 'stack',
  inputNames: ['...tensors'],
  prepare: (xs, { axis }) => ({ axis: normalizeAxis('stack', axis, xs[0].shape.length + 1) }),
  infer: (xs, { axis }) => {
    const first = xs[0].shape;
    let dtype = xs[0].dtype;
    for (let i = 1; i < xs.length; i++) {
      if (!shapesEqual(xs[i].shape, first)) {
        throw new ShapeError(`stack: tensors[${i}] has shape ${fmtShape(xs[i].shape)} but tensors[0] has shape ${fmtShape(first)}; stacked tensors must have the same shape`);
      }
      dtype = upcastType(dtype, xs[i].dtype);
    }
    const shape = first.slice();
    shape.splice(axis, 0, xs.length);
    return [{ shape, dtype }];
  },
  decompose: (xs, { axis }) => [concat(xs.map((x) => expandDims(x, axis)), axis)],
});

/**
 * Stacks tensors of the same shape along a new axis (negative counts from
 * the end of the result).
 *
 * @example
 * ```ts
 * stack([tensor([1, 2]), tensor([3, 4])]);     // [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], -1); // [[1, 3], [2, 4]]
 * ```
 */
export function stack(tensors: readonly TensorLike[], axis = 0): Tensor {
  return runOp1(stackOp, assertTensorList('stack', tensors), { axis });
}

// ---------------------------------------------------------- unstack, split

const unstackOp = defineOp<{ axis: number }>({
  name: 'unstack',
  inputNames: ['x'],
  prepare: ([x], { axis }) => ({ axis: normalizeAxis('unstack', axis, x.shape.length) }),
  infer: ([x], { axis }) => {
    const shape = x.shape.filter((_, i) => i !== axis);
    return Array.from({ length: x.shape[axis] }, () => ({ shape, dtype: x.dtype }));
  },
  decompose: ([x], { axis }) => {
      const shape = x.shape.filter((_, i) => i !== axis);
      const size = x.shape.slice();
      size[axis] = 1;
      return Array.from({ length: x.shape[axis] }, (_, i) => {
        const begin = x.shape.map(() => 0);
        begin[axis] = i;
        return reshape(slice(x, begin, size), shape);
      });
  },
});

/**
 * Splits `x` along `axis` into its slices, removing that axis.
 *
 * @example
 * ```ts
 * unstack(tensor([[1, 2], [3, 4]]));    // [[1, 2], [3, 4]] as two tensors
 * unstack(tensor([[1, 2], [3, 4]]), 1); // [1, 3] and [2, 4]
 * ```
 */
export function unstack(x: TensorLike, axis = 0): Tensor[] {
  return runOp(unstackOp, [x], { axis });
}

interface SplitArgs {
  numOrSizeSplits: number | readonly number[];
  axis: number;
}

function resolveSplit(shape: readonly number[], { numOrSizeSplits, axis }: SplitArgs): { axis: number; sizes: number[] } {
  if (shape.length === 0) throw new ShapeError('split: expected x of rank >= 1, got a scalar (shape [])');
  const a = normalizeAxis('split', axis, shape.length);
  const dim = shape[a];
  const where = `dimension ${a} of x (size ${dim}, shape ${fmtShape(shape)})`;
  if (typeof numOrSizeSplits === 'number') {
    const n = numOrSizeSplits;
    if (!isInt(n) || n < 1) throw new ValueError(`split: expected numOrSizeSplits to be a positive integer or an array of sizes, got ${n}`);
    if (dim % n !== 0) throw new ValueError(`split: ${n} splits do not evenly divide ${where}; pass sizes instead`);
    return { axis: a, sizes: new Array<number>(n).fill(dim / n) };
  }
  const sizes = assertIntList('split', 'numOrSizeSplits', numOrSizeSplits).slice();
  const inferred = sizes.filter((s) => s === -1).length;
  if (inferred > 1 || sizes.some((s) => s < -1)) {
    throw new ValueError(`split: sizes ${fmtList(sizes)} must be non-negative, with at most one -1 (inferred)`);
  }
  const known = sizes.reduce((acc, s) => (s === -1 ? acc : acc + s), 0);
  if (inferred === 1) {
    if (known > dim) throw new ValueError(`split: sizes ${fmtList(sizes)} already sum to ${known}, more than ${where}`);
    sizes[sizes.indexOf(-1)] = dim - known;
  } else if (known !== dim) {
    throw new ValueError(`split: sizes ${fmtList(sizes)} sum to ${known}, but ${where}; they must sum to ${dim}`);
  }
  return { axis: a, sizes };
}

const splitOp = defineOp<{ axis: number; sizes: readonly number[] }, SplitArgs>({
  name: 'split',
  inputNames: ['x'],
  prepare: ([x], args) => resolveSplit(x.shape, args),
  infer: ([x], { axis, sizes }) =>
    sizes.map((s) => {
      const shape = x.shape.slice();
      shape[axis] = s;
      return { shape, dtype: x.dtype };
    }),
  decompose: ([x], { axis, sizes }) => {
      let offset = 0;
      return sizes.map((s) => {
        const begin = x.shape.map(() => 0);
        const size = x.shape.slice();
        begin[axis] = offset;
        size[axis] = s;
        offset += s;
        return slice(x, begin, size);
      });
  },
});

/**
 * Splits `x` along `axis` into `numOrSizeSplits` equal parts, or into parts
 * of the given sizes (one may be -1, inferred from the rest).
 *
 * @example
 * ```ts
 * split(tensor([1, 2, 3, 4]), 2);            // [1, 2] and [3, 4]
 * split(tensor([[1, 2, 3]]), [1, -1], 1);    // [[1]] and [[2, 3]]
 * ```
 */
export function split(x: TensorLike, numOrSizeSplits: number | readonly number[], axis = 0): Tensor[] {
  return runOp(splitOp, [x], { numOrSizeSplits, axis });
}

// --------------------------------------------------------------------- tile

const tileOp = defineOp<{ reps: readonly number[] }>({
  name: 'tile',
  inputNames: ['x'],
  prepare: ([x], { reps }) => {
    const rank = x.shape.length;
    if (!Array.isArray(reps) || reps.length !== rank || !reps.every((r) => isInt(r) && r >= 0)) {
      throw new ValueError(`tile: expected reps to be ${rank} non-negative integers (one per axis of x, shape ${fmtShape(x.shape)}), got ${fmtList(reps)}`);
    }
    return { reps: reps.slice() };
  },
  infer: ([x], { reps }) => [{ shape: assertValidShape('tile', x.shape.map((d, i) => d * reps[i]), 'output shape'), dtype: x.dtype }],
  // Each output axis is (rep, d): sum dy over the rep axes.
  grad: ([dy], { inputs: [x], params: { reps } }) => {
    if (x.shape.length === 0) return [dy];
    const interleaved = x.shape.flatMap((d, i) => [reps[i], d]);
    return [sum(reshape(dy, interleaved), reps.map((_, i) => 2 * i))];
  },
});

/**
 * Repeats `x` `reps[i]` times along each axis `i`.
 *
 * @example
 * ```ts
 * tile(tensor([1, 2]), [3]);          // [1, 2, 1, 2, 1, 2]
 * tile(tensor([[1], [2]]), [1, 2]);   // [[1, 1], [2, 2]]
 * ```
 */
export function tile(x: TensorLike, reps: readonly number[]): Tensor {
  return runOp1(tileOp, [x], { reps });
}

// ---------------------------------------------------------------------- pad

const padOp = defineOp<{ paddings: readonly (readonly [number, number])[]; constantValue: number }>({
  name: 'pad',
  inputNames: ['x'],
  prepare: ([x], { paddings, constantValue }) => {
    const rank = x.shape.length;
    const expected = `${rank} [before, after] pairs (one per axis of x, shape ${fmtShape(x.shape)})`;
    if (!Array.isArray(paddings) || paddings.length !== rank) throw new ValueError(`pad: expected paddings to be ${expected}, got ${JSON.stringify(paddings)}`);
    paddings.forEach((p, i) => {
      if (!Array.isArray(p) || p.length !== 2 || !p.every(isInt)) {
        throw new ValueError(`pad: expected paddings to be ${expected}, got ${JSON.stringify(p)} for axis ${i}`);
      }
      if (p[0] < 0 || p[1] < 0) throw new ValueError(`pad: paddings for axis ${i} are [${p.join(',')}]; padding must be non-negative (use slice to crop)`);
    });
    if (typeof constantValue !== 'number') throw new ValueError(`pad: expected constantValue to be a number, got ${typeof constantValue}`);
    // bool storage must stay 0/1.
    const fill = x.dtype === 'bool' ? Number(Boolean(constantValue)) : constantValue;
    return { paddings: paddings.map((p): [number, number] => [p[0], p[1]]), constantValue: fill };
  },
  infer: ([x], { paddings }) => [{ shape: assertValidShape('pad', x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]), 'output shape'), dtype: x.dtype }],
  grad: ([dy], { inputs: [x], params: { paddings } }) => [slice(dy, paddings.map((p) => p[0]), x.shape)],
});

/**
 * Pads `x` with `constantValue`: `paddings[i] = [before, after]` elements
 * on each side of axis `i`.
 *
 * @example
 * ```ts
 * pad(tensor([1, 2]), [[1, 2]]);          // [0, 1, 2, 0, 0]
 * pad(tensor([[1]]), [[0, 1], [1, 0]], 9); // [[9, 1], [9, 9]]
 * ```
 */
export function pad(x: TensorLike, paddings: readonly (readonly [number, number])[], constantValue = 0): Tensor {
  return runOp1(padOp, [x], { paddings, constantValue });
}

// ------------------------------------------------- reverse, broadcastTo, clone

const reverseOp = defineOp<{ axes: readonly number[] }, { axis: number | readonly number[] | undefined }>({
  name: 'reverse',
  inputNames: ['x'],
  prepare: ([x], { axis }) => ({ axes: normalizeAxes('reverse', axis, x.shape.length) }),
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  grad: ([dy], { params: { axes } }) => [reverse(dy, axes)],
});

/**
 * Reverses `x` along `axis` (one axis or several; all axes by default).
 *
 * @example
 * ```ts
 * reverse(tensor([1, 2, 3]));               // [3, 2, 1]
 * reverse(tensor([[1, 2], [3, 4]]), -1);    // [[2, 1], [4, 3]]
 * ```
 */
export function reverse(x: TensorLike, axis?: number | readonly number[]): Tensor {
  return runOp1(reverseOp, [x], { axis });
}

const broadcastToOp = defineOp<{ shape: readonly number[] }>({
  name: 'broadcastTo',
  inputNames: ['x'],
  prepare: (_, { shape }) => ({ shape: assertValidShape('broadcastTo', shape) }),
  infer: ([x], { shape }) => {
    const lead = shape.length - x.shape.length;
    if (lead < 0) throw new ShapeError(`broadcastTo: cannot broadcast shape ${fmtShape(x.shape)} to ${fmtShape(shape)}, which has fewer dimensions`);
    x.shape.forEach((d, i) => {
      if (d !== 1 && d !== shape[lead + i]) {
        throw new ShapeError(
          `broadcastTo: cannot broadcast shape ${fmtShape(x.shape)} to ${fmtShape(shape)} (dimension ${i} of x is ${d} vs ${shape[lead + i]}; each must match or be 1)`,
        );
      }
    });
    return [{ shape, dtype: x.dtype }];
  },
  grad: ([dy], { inputs: [x] }) => [unbroadcast(dy, x.shape)],
});

/**
 * Broadcasts `x` to `shape` (NumPy rules: leading axes are added, size-1
 * axes repeated).
 *
 * @example
 * ```ts
 * broadcastTo(tensor([1, 2]), [2, 2]);     // [[1, 2], [1, 2]]
 * broadcastTo(tensor([[1], [2]]), [2, 3]); // [[1, 1, 1], [2, 2, 2]]
 * ```
 */
export function broadcastTo(x: TensorLike, shape: readonly number[]): Tensor {
  return runOp1(broadcastToOp, [x], { shape });
}

const cloneOp = defineOp<Record<string, never>>({
  name: 'clone',
  inputNames: ['x'],
  // Tensors are immutable, so a copy may share storage.
  view: true,
  infer: ([x]) => [{ shape: x.shape, dtype: x.dtype }],
  grad: ([dy]) => [dy],
});

/**
 * A new tensor with the values, shape and dtype of `x` (it shares `x`'s
 * storage, which is safe because tensors are immutable; disposing one
 * leaves the other intact).
 *
 * @example
 * ```ts
 * const y = clone(x);
 * x.dispose(); // y is still usable
 * ```
 */
export function clone(x: TensorLike): Tensor {
  return runOp1(cloneOp, [x], {});
}
