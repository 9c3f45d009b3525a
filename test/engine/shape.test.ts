/**
 * Shape helpers: broadcasting, axis normalisation, validation, strides.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/index.js';
import {
  assertValidShape,
  broadcastShapes,
  broadcastedAxes,
  normalizeAxes,
  normalizeAxis,
  reducedShape,
  shapesEqual,
  sizeOf,
  stridesOf,
} from '../../src/engine/shape.js';

describe('broadcastShapes', () => {
  const ok: [number[], number[], number[]][] = [
    [[2, 1, 3], [4, 1], [2, 4, 3]],
    [[4, 1], [2, 1, 3], [2, 4, 3]],
    [[], [2, 3], [2, 3]],
    [[2, 3], [], [2, 3]],
    [[], [], []],
    [[3], [2, 3], [2, 3]],
    [[2, 1], [1, 3], [2, 3]],
    [[1], [5], [5]],
    [[0, 3], [3], [0, 3]],
    [[0], [1], [0]],
    [[1, 0], [4, 1], [4, 0]],
    [[5, 1, 1, 2], [3, 1, 2], [5, 3, 1, 2]],
  ];
  for (const [a, b, out] of ok) {
    it(`${JSON.stringify(a)} with ${JSON.stringify(b)} -> ${JSON.stringify(out)}`, () => {
      expect(broadcastShapes('op', a, b)).toEqual(out);
    });
  }

  it('shares an equal (read-only) shape and builds a new one when broadcasting', () => {
    const a = Object.freeze([2, 3]);
    expect(broadcastShapes('op', a, [2, 3])).toBe(a);
    const r = broadcastShapes('op', a, [1, 3]);
    expect(r).toEqual([2, 3]);
    expect(r).not.toBe(a);
  });

  it('throws a ShapeError naming the op, both shapes and the dimension', () => {
    expect(() => broadcastShapes('add', [2, 3], [4])).toThrow(ShapeError);
    expect(() => broadcastShapes('add', [2, 3], [4])).toThrow(
      'add: shapes [2,3] and [4] do not broadcast (dimension 1 of the aligned shapes is 3 vs 4; each pair must be equal or 1)',
    );
    expect(() => broadcastShapes('mul', [2, 1, 3], [5, 1, 1])).toThrow(/^mul: shapes \[2,1,3\] and \[5,1,1\] do not broadcast \(dimension 0 .* is 2 vs 5/);
    expect(() => broadcastShapes('where', [0], [2])).toThrow(/^where: shapes \[0\] and \[2\]/);
  });
});

describe('broadcastedAxes', () => {
  it('lists the output axes an operand was broadcast along', () => {
    expect(broadcastedAxes([4, 1], [2, 4, 3])).toEqual([0, 2]);
    expect(broadcastedAxes([2, 1, 3], [2, 4, 3])).toEqual([1]);
    expect(broadcastedAxes([], [2, 3])).toEqual([0, 1]);
    expect(broadcastedAxes([2, 3], [2, 3])).toEqual([]);
    expect(broadcastedAxes([1, 1], [1, 1])).toEqual([]);
  });
});

describe('normalizeAxis', () => {
  it('maps negative axes from the end', () => {
    expect(normalizeAxis('op', 0, 3)).toBe(0);
    expect(normalizeAxis('op', 2, 3)).toBe(2);
    expect(normalizeAxis('op', -1, 3)).toBe(2);
    expect(normalizeAxis('op', -3, 3)).toBe(0);
  });

  it('throws ShapeError for out-of-range axes, naming the op, axis and rank', () => {
    expect(() => normalizeAxis('sum', 3, 3)).toThrow(ShapeError);
    expect(() => normalizeAxis('sum', 3, 3)).toThrow('sum: axis 3 is out of range for a tensor of rank 3 (expected -3 <= axis < 3)');
    expect(() => normalizeAxis('sum', -4, 3)).toThrow('sum: axis -4 is out of range for a tensor of rank 3 (expected -3 <= axis < 3)');
    expect(() => normalizeAxis('concat', 1, 0)).toThrow(/^concat: axis 1 is out of range for a tensor of rank 0/);
    expect(() => normalizeAxis('gather', 5, 2, 'batchDims')).toThrow('gather: batchDims 5 is out of range for a tensor of rank 2 (expected -2 <= batchDims < 2)');
  });

  it('throws ValueError for a non-integer axis', () => {
    expect(() => normalizeAxis('sum', 1.5, 3)).toThrow(ValueError);
    expect(() => normalizeAxis('sum', 1.5, 3)).toThrow('sum: expected axis to be an integer, got 1.5');
    expect(() => normalizeAxis('sum', NaN, 3)).toThrow('sum: expected axis to be an integer, got NaN');
    expect(() => normalizeAxis('sum', '1' as unknown as number, 3)).toThrow('sum: expected axis to be an integer, got 1');
  });
});

describe('normalizeAxes', () => {
  it('undefined and null mean every axis', () => {
    expect(normalizeAxes('op', undefined, 3)).toEqual([0, 1, 2]);
    expect(normalizeAxes('op', null, 2)).toEqual([0, 1]);
    expect(normalizeAxes('op', undefined, 0)).toEqual([]);
  });

  it('sorts, resolves negatives, accepts a single number', () => {
    expect(normalizeAxes('op', -1, 3)).toEqual([2]);
    expect(normalizeAxes('op', [2, 0], 3)).toEqual([0, 2]);
    expect(normalizeAxes('op', [-1, 0], 4)).toEqual([0, 3]);
  });

  it('a scalar accepts axis 0 or -1 and reduces nothing', () => {
    expect(normalizeAxes('op', 0, 0)).toEqual([]);
    expect(normalizeAxes('op', [-1], 0)).toEqual([]);
    expect(() => normalizeAxes('op', 1, 0)).toThrow(ShapeError);
  });

  it('rejects duplicates (also via a negative alias) and out-of-range axes', () => {
    expect(() => normalizeAxes('sum', [1, 1], 3)).toThrow(ValueError);
    expect(() => normalizeAxes('sum', [1, 1], 3)).toThrow('sum: axis 1 appears more than once in [1,1]');
    expect(() => normalizeAxes('sum', [2, -1], 3)).toThrow('sum: axis -1 appears more than once in [2,-1]');
    expect(() => normalizeAxes('mean', [0, 3], 3)).toThrow(/^mean: axis 3 is out of range for a tensor of rank 3/);
    expect(() => normalizeAxes('mean', 'x' as never, 3)).toThrow(/^mean: expected axis to be a number or an array of numbers, got x/);
  });
});

describe('assertValidShape', () => {
  it('returns a copy of a valid shape', () => {
    const s = [2, 0, 3];
    const r = assertValidShape('op', s);
    expect(r).toEqual([2, 0, 3]);
    expect(r).not.toBe(s);
    expect(assertValidShape('op', [])).toEqual([]);
  });

  it('names the op, the argument and what is wrong', () => {
    expect(() => assertValidShape('zeros', [2, -1])).toThrow('zeros: expected shape to contain non-negative integers, got [2,-1] (negative size)');
    expect(() => assertValidShape('zeros', [Infinity])).toThrow('zeros: expected shape to contain non-negative integers, got [Infinity] (non-finite dimension)');
    expect(() => assertValidShape('zeros', [1.5])).toThrow('zeros: expected shape to contain non-negative integers, got [1.5]');
    expect(() => assertValidShape('eye', [-2], 'batchShape')).toThrow(/^eye: expected batchShape to contain/);
    expect(() => assertValidShape('zeros', '3')).toThrow('zeros: expected shape to be an array of non-negative integers, got 3');
    expect(() => assertValidShape('zeros', [65536, 65536, 2])).toThrow(/^zeros: shape \[65536,65536,2\] has 8589934592 elements; at most 2\^32 are supported/);
    expect(() => assertValidShape('zeros', [1, -1])).toThrow(ShapeError);
  });
});

describe('sizes, strides, reduced shapes', () => {
  it('sizeOf', () => {
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sizeOf([2, 0])).toBe(0);
  });

  it('stridesOf is row-major in elements', () => {
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesOf([5])).toEqual([1]);
    expect(stridesOf([])).toEqual([]);
  });

  it('shapesEqual', () => {
    expect(shapesEqual([2, 3], [2, 3])).toBe(true);
    expect(shapesEqual([2, 3], [3, 2])).toBe(false);
    expect(shapesEqual([1], [1, 1])).toBe(false);
    expect(shapesEqual([], [])).toBe(true);
  });

  it('reducedShape drops or keeps reduced axes', () => {
    expect(reducedShape([2, 3, 4], [1], false)).toEqual([2, 4]);
    expect(reducedShape([2, 3, 4], [0, 2], true)).toEqual([1, 3, 1]);
    expect(reducedShape([2, 3], [0, 1], false)).toEqual([]);
  });
});
