import { describe, expect, it } from 'vitest';
import { memory, ones, tensor, zeros, type Tensor } from '../../src/engine/index.js';
import { input } from '../../src/layers/input-layer.js';
import type { Layer } from '../../src/layers/layer.js';
import { Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract, type MergeArgs } from '../../src/layers/merge.js';
import { signedValues } from '../helpers/rng.js';
import { runLayerTest } from './harness.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

type Ctor = new (args?: MergeArgs) => Layer;
/** Each elementwise layer with its float64 reference on numbers. */
const elementwise: Array<[string, Ctor, (xs: number[]) => number]> = [
  ['Add', Add, (xs) => xs.reduce((a, b) => a + b)],
  ['Multiply', Multiply, (xs) => xs.reduce((a, b) => a * b)],
  ['Average', Average, (xs) => xs.reduce((a, b) => a + b) / xs.length],
  ['Maximum', Maximum, (xs) => Math.max(...xs)],
  ['Minimum', Minimum, (xs) => Math.min(...xs)],
];

describe.each(elementwise)('%s', (name, Cls, reference) => {
  it('passes the harness for two and three inputs of the same shape', () => {
    runLayerTest({ make: (dtype) => new Cls({ dtype }), inputShape: [[2, 3], [2, 3]], expectedOutputShape: [2, 3], expectedWeights: [] });
    runLayerTest({ make: (dtype) => new Cls({ dtype }), inputShape: [[2, 2, 3], [2, 2, 3], [2, 2, 3]], expectedOutputShape: [2, 2, 3] });
  });

  it('passes the harness with broadcasting (size-1 axes and lower-rank inputs)', () => {
    runLayerTest({ make: (dtype) => new Cls({ dtype }), inputShape: [[2, 3, 4], [2, 1, 4]], expectedOutputShape: [2, 3, 4] });
    runLayerTest({ make: (dtype) => new Cls({ dtype }), inputShape: [[2, 3, 4], [2, 4]], expectedOutputShape: [2, 3, 4] });
  });

  it('matches a float64 reference, elementwise and broadcast', () => {
    const a = signedValues(6, 1);
    const b = signedValues(6, 2);
    const c = signedValues(3, 3);
    const out = new Cls().apply([tensor(a, [2, 3]), tensor(b, [2, 3]), tensor(c, [1, 3])]);
    // c has batch size 1: it broadcasts over both rows.
    const expected = a.map((_, i) => reference([a[i], b[i], c[i % 3]]));
    values(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    // A [batch, features] input lines up with the last axis of a [batch, steps, features] input.
    const x = signedValues(12, 4);
    const y = signedValues(4, 5);
    const out2 = new Cls().apply([tensor(x, [2, 3, 2]), tensor(y, [2, 2])]);
    x.forEach((xv, i) => {
      const [batch, feature] = [Math.floor(i / 6), i % 2];
      expect(out2.dataSync()[i]).toBeCloseTo(reference([xv, y[batch * 2 + feature]]), 6);
    });
  });

  it(`names the layer (${name}) when given fewer than two inputs or incompatible shapes`, () => {
    const single = new Cls({ name: 'm' });
    expect(() => single.apply(ones([2, 3]))).toThrow(/^m: expected a list of at least 2 inputs, got a single input of shape \[null,3\]/);
    expect(() => new Cls({ name: 'm1' }).apply([ones([2, 3])])).toThrow(/^m1: expected a list of at least 2 inputs, got 1 \(shape \[null,3\]\)/);
    expect(() => new Cls({ name: 'm2' }).apply([ones([2, 3]), ones([2, 4])])).toThrow(
      /^m2: expected inputs of compatible shapes \(equal, or 1, on each axis\), got \[null,3\], \[null,4\]/,
    );
    const built = new Cls({ name: 'm3' });
    built.apply([ones([2, 3]), ones([2, 3])]).dispose();
    const [p, q] = [ones([2, 3]), ones([4, 3])];
    const before = memory().numTensors;
    expect(() => built.apply([p, q])).toThrow(/^m3: expected inputs of compatible shapes .* got \[2,3\], \[4,3\]/);
    expect(() => built.apply(p)).toThrow(/^m3: expected a list of at least 2 inputs/);
    expect(memory().numTensors).toBe(before);
  });
});

describe('Subtract', () => {
  it('passes the harness, plain and broadcast', () => {
    runLayerTest({ make: (dtype) => new Subtract({ dtype }), inputShape: [[2, 3], [2, 3]], expectedOutputShape: [2, 3], expectedWeights: [] });
    runLayerTest({ make: (dtype) => new Subtract({ dtype }), inputShape: [[2, 3, 4], [2, 4]], expectedOutputShape: [2, 3, 4] });
  });

  it('subtracts the second input from the first', () => {
    // [5-1, 7-2, 1-4]
    expect(values(new Subtract().apply([tensor([5, 7, 1], [1, 3]), tensor([1, 2, 4], [1, 3])]))).toEqual([4, 5, -3]);
  });

  it('requires exactly two inputs', () => {
    expect(() => new Subtract({ name: 's' }).apply([ones([1, 2]), ones([1, 2]), ones([1, 2])])).toThrow(
      /^s: expected exactly 2 inputs, got 3 \(shapes \[null,2\], \[null,2\], \[null,2\]\)/,
    );
    expect(() => new Subtract({ name: 's2' }).apply([ones([1, 2])])).toThrow(/^s2: expected exactly 2 inputs, got 1/);
  });
});

describe('symbolic merges', () => {
  it('computes output shapes from a list of shapes, unknown sizes included', () => {
    const a = input({ shape: [3, 4] });
    const b = input({ shape: [4] });
    expect(new Add().apply([a, b]).shape).toEqual([null, 3, 4]);
    expect(new Multiply().apply([input({ shape: [null, 4] }), input({ shape: [5, 1] })]).shape).toEqual([null, 5, 4]);
    expect(new Maximum().apply([input({ shape: [null] }), input({ shape: [null] })]).shape).toEqual([null, null]);
    expect(new Add().computeOutputShape([[null, 3], [null, 1]])).toEqual([null, 3]);
    expect(() => new Add({ name: 'sym' }).apply([input({ shape: [3] }), input({ shape: [5] })])).toThrow(/^sym: expected inputs of compatible shapes/);
    expect(() => new Add({ name: 'sym2' }).computeOutputShape([null, 3])).toThrow(/^sym2: expected a list of at least 2 inputs, got a single input of shape \[null,3\]/);
  });
});

describe('Concatenate', () => {
  it.each([
    [-1, [[2, 3], [2, 5]], [2, 8]],
    [1, [[2, 3, 4], [2, 1, 4], [2, 2, 4]], [2, 6, 4]],
    [-2, [[2, 3, 4], [2, 2, 4]], [2, 5, 4]],
    [2, [[2, 3, 1], [2, 3, 2]], [2, 3, 3]],
  ])('passes the harness on axis %i', (axis, inputShape, expectedOutputShape) => {
    runLayerTest({ make: (dtype) => new Concatenate({ axis, dtype }), inputShape, expectedOutputShape, expectedWeights: [] });
  });

  it('joins values along the axis', () => {
    const a = tensor([1, 2, 3, 4], [2, 2]);
    const b = tensor([5, 6], [2, 1]);
    expect(new Concatenate().apply([a, b]).arraySync()).toEqual([
      [1, 2, 5],
      [3, 4, 6],
    ]);
    expect(new Concatenate({ axis: 0 }).apply([a, tensor([7, 8], [1, 2])]).arraySync()).toEqual([
      [1, 2],
      [3, 4],
      [7, 8],
    ]);
  });

  it('computes symbolic shapes with unknown sizes', () => {
    expect(new Concatenate().apply([input({ shape: [3] }), input({ shape: [5] })]).shape).toEqual([null, 8]);
    expect(new Concatenate().apply([input({ shape: [3] }), input({ shape: [null] })]).shape).toEqual([null, null]);
    expect(new Concatenate({ axis: 1 }).apply([input({ shape: [2, null] }), input({ shape: [3, 7] })]).shape).toEqual([null, 5, 7]);
  });

  it('names the layer and the shapes when they do not fit', () => {
    expect(() => new Concatenate({ name: 'c' }).apply([ones([2, 3, 4]), ones([2, 2, 5])])).toThrow(
      /^c: expected inputs with matching shapes except on the concatenation axis -1, got shapes \[null,3,4\], \[null,2,5\]/,
    );
    expect(() => new Concatenate({ name: 'c2' }).apply([ones([2, 3]), ones([2, 3, 1])])).toThrow(/^c2: expected inputs of the same rank, got shapes \[null,3\], \[null,3,1\]/);
    expect(() => new Concatenate({ axis: 3, name: 'c3' }).apply([ones([2, 3]), ones([2, 3])])).toThrow(/^c3: axis 3 is out of range for inputs of rank 2/);
    expect(() => new Concatenate({ name: 'c4' }).apply([ones([2, 3])])).toThrow(/^c4: expected a list of at least 2 inputs, got 1/);
    const built = new Concatenate({ name: 'c5' });
    built.apply([ones([2, 3]), ones([2, 1])]).dispose();
    expect(() => built.apply([ones([2, 3]), ones([3, 1])])).toThrow(/^c5: expected inputs with matching shapes .* got shapes \[2,3\], \[3,1\]/);
  });

  it('keeps its axis in the config and rejects bad options', () => {
    expect(new Concatenate({ axis: 1, name: 'c' }).getConfig()).toEqual({ name: 'c', trainable: true, dtype: 'float32', axis: 1 });
    expect(() => new Concatenate({ axis: 1.5, name: 'c' })).toThrow(/^c: option 'axis'/);
    expect(() => new Concatenate({ axes: 1 } as never)).toThrow(/unknown option 'axes' \(did you mean 'axis'\?\)/);
    expect(() => new Add({ axis: 1 } as never)).toThrow(/^add_\d+: unknown option 'axis'/);
  });

  it('leaks nothing', () => {
    const xs = [ones([2, 3]), zeros([2, 2])];
    const layer = new Concatenate();
    layer.apply(xs).dispose();
    const before = memory().numTensors;
    layer.apply(xs).dispose();
    expect(memory().numTensors).toBe(before);
  });
});
