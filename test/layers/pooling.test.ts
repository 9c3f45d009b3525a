import { describe, expect, it } from 'vitest';
import { ShapeError, memory, ones, tensor, type Tensor } from '../../src/engine/index.js';
import {
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  MaxPooling1D,
  MaxPooling2D,
} from '../../src/layers/pooling.js';
import { input } from '../../src/layers/input-layer.js';
import { runLayerTest } from './harness.js';
import { signedValues } from '../helpers/rng.js';

// ---------------------------------------------------------------- float64 references (plain JS, channels last)

type Kind = 'max' | 'avg';
const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Output length and leading pad along one axis, by TensorFlow's rules. */
function axisGeometry(size: number, p: number, s: number, padding: 'same' | 'valid'): { out: number; before: number } {
  if (padding === 'valid') return { out: Math.floor((size - p) / s) + 1, before: 0 };
  const out = Math.ceil(size / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + p - size, 0) / 2) };
}

/** Max or mean over the in-bounds cells of a window (padding never counts). */
const reduce = (cells: number[], kind: Kind): number => (kind === 'max' ? Math.max(...cells) : cells.reduce((a, b) => a + b, 0) / cells.length);

function refPool2d(x: number[], [n, h, w, c]: number[], [ph, pw]: number[], [sh, sw]: number[], padding: 'same' | 'valid', kind: Kind) {
  const gy = axisGeometry(h, ph, sh, padding);
  const gx = axisGeometry(w, pw, sw, padding);
  const data: number[] = [];
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < gy.out; oy++)
      for (let ox = 0; ox < gx.out; ox++)
        for (let ch = 0; ch < c; ch++) {
          const cells: number[] = [];
          for (let fy = 0; fy < ph; fy++)
            for (let fx = 0; fx < pw; fx++) {
              const iy = oy * sh - gy.before + fy;
              const ix = ox * sw - gx.before + fx;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) cells.push(x[((b * h + iy) * w + ix) * c + ch]);
            }
          data.push(reduce(cells, kind));
        }
  return { data, shape: [n, gy.out, gx.out, c] };
}

function refPool1d(x: number[], [n, steps, c]: number[], p: number, s: number, padding: 'same' | 'valid', kind: Kind) {
  const g = axisGeometry(steps, p, s, padding);
  const data: number[] = [];
  for (let b = 0; b < n; b++)
    for (let t = 0; t < g.out; t++)
      for (let ch = 0; ch < c; ch++) {
        const cells: number[] = [];
        for (let j = 0; j < p; j++) {
          const i = t * s - g.before + j;
          if (i >= 0 && i < steps) cells.push(x[(b * steps + i) * c + ch]);
        }
        data.push(reduce(cells, kind));
      }
  return { data, shape: [n, g.out, c] };
}

/** Reduces every spatial axis of [n, ...spatial, c]. */
function refGlobal(x: number[], shape: number[], kind: Kind): number[] {
  const n = shape[0];
  const c = shape[shape.length - 1];
  const cells = sizeOf(shape.slice(1, -1));
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) out.push(reduce(Array.from({ length: cells }, (_, i) => x[(b * cells + i) * c + ch]), kind));
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) expect(actual[i], `index ${i}`).toBe(expected[i]);
  }
}

const values = (shape: readonly number[], seed: number): number[] => signedValues(sizeOf(shape), seed);
const t64 = (v: number[], shape: number[]): Tensor => tensor(v, shape, 'float64');

// ---------------------------------------------------------------- windowed pooling

describe('MaxPooling2D and AveragePooling2D', () => {
  const classes = { max: MaxPooling2D, avg: AveragePooling2D } as const;

  for (const kind of ['max', 'avg'] as const) {
    const Cls = classes[kind];
    it(`${Cls.className} passes the harness with the defaults (poolSize 2, strides = poolSize, valid)`, () => {
      runLayerTest({ make: (dtype) => new Cls({ dtype }), inputShape: [2, 4, 5, 2], expectedOutputShape: [2, 2, 2, 2], expectedWeights: [] });
    });

    it(`${Cls.className} passes the harness with same padding, poolSize 3 and strides 2`, () => {
      runLayerTest({
        make: (dtype) => new Cls({ poolSize: 3, strides: 2, padding: 'same', dtype }),
        inputShape: [2, 5, 4, 2],
        // ceil(5 / 2) = 3, ceil(4 / 2) = 2
        expectedOutputShape: [2, 3, 2, 2],
        expectedWeights: [],
      });
    });

    for (const padding of ['valid', 'same'] as const) {
      it(`${Cls.className} matches a naive float64 pool (${padding}, poolSize [3, 2], strides [2, 1])`, () => {
        const xs = [2, 6, 5, 3];
        const x = values(xs, kind === 'max' ? 1 : 2);
        const layer = new Cls({ poolSize: [3, 2], strides: [2, 1], padding, dtype: 'float64' });
        const y = layer.apply(t64(x, xs));
        const ref = refPool2d(x, xs, [3, 2], [2, 1], padding, kind);
        expect(y.shape).toEqual(ref.shape);
        expectClose(y.dataSync(), ref.data);
      });
    }
  }

  it('averages only the cells inside the input at the border with same padding', () => {
    // 3x3 input 1..9, poolSize 2, strides 2, same: windows {1,2,4,5}, {3,6}, {7,8}, {9}.
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    expect(Array.from(new AveragePooling2D({ padding: 'same' }).apply(x).dataSync())).toEqual([3, 4.5, 7.5, 9]);
    expect(Array.from(new MaxPooling2D({ padding: 'same' }).apply(x.neg()).dataSync())).toEqual([-1, -3, -7, -9]);
  });

  it('reports symbolic shapes and its config', () => {
    const layer = new MaxPooling2D({ poolSize: [2, 3] });
    expect(layer.apply(input({ shape: [null, 9, 4] })).shape).toEqual([null, null, 3, 4]);
    expect(layer.getConfig()).toMatchObject({ poolSize: [2, 3], strides: [2, 3], padding: 'valid', dataFormat: 'channelsLast' });
    expect(new AveragePooling2D({ poolSize: 3, strides: [1, 2], padding: 'same' }).computeOutputShape([null, 5, 5, 1])).toEqual([null, 5, 3, 1]);
  });

  it('rejects bad options and inputs, naming the layer', () => {
    expect(() => new MaxPooling2D({ name: 'mp', poolsize: 2 } as never)).toThrow(/^mp: unknown option 'poolsize' \(did you mean 'poolSize'\?\)/);
    expect(() => new MaxPooling2D({ name: 'mp', poolSize: 0 })).toThrow(/mp: option 'poolSize'/);
    expect(() => new MaxPooling2D({ name: 'mp', padding: 'causal' as never })).toThrow(/mp: option 'padding'/);
    expect(() => new AveragePooling2D({ name: 'ap', dataFormat: 'channelsFirst' })).toThrow(/ap: option 'dataFormat': only 'channelsLast' is supported/);
    const layer = new MaxPooling2D({ name: 'max_pooling2d_x', poolSize: 3 });
    expect(() => layer.apply(input({ shape: [28, 28] }))).toThrow(ShapeError);
    expect(() => layer.apply(input({ shape: [28, 28] }))).toThrow('max_pooling2d_x: expected input of rank 4 ([batch, height, width, channels]), got shape [null,28,28]');
    const small = ones([1, 2, 5, 1]);
    const before = memory().numTensors;
    expect(() => layer.apply(small)).toThrow(/max_pooling2d_x: input height 2 is smaller than poolSize \[3,3\] with padding 'valid'/);
    expect(memory().numTensors).toBe(before);
  });
});

describe('MaxPooling1D and AveragePooling1D', () => {
  const classes = { max: MaxPooling1D, avg: AveragePooling1D } as const;

  for (const kind of ['max', 'avg'] as const) {
    const Cls = classes[kind];
    it(`${Cls.className} passes the harness with the defaults`, () => {
      runLayerTest({ make: (dtype) => new Cls({ dtype }), inputShape: [2, 7, 3], expectedOutputShape: [2, 3, 3], expectedWeights: [] });
    });

    it(`${Cls.className} passes the harness with same padding, poolSize 3 and strides 2`, () => {
      runLayerTest({ make: (dtype) => new Cls({ poolSize: [3], strides: 2, padding: 'same', dtype }), inputShape: [2, 7, 2], expectedOutputShape: [2, 4, 2], expectedWeights: [] });
    });

    for (const padding of ['valid', 'same'] as const) {
      it(`${Cls.className} matches a naive float64 pool (${padding}, poolSize 3, strides 2)`, () => {
        const xs = [2, 8, 3];
        const x = values(xs, kind === 'max' ? 3 : 4);
        const y = new Cls({ poolSize: 3, strides: 2, padding, dtype: 'float64' }).apply(t64(x, xs));
        const ref = refPool1d(x, xs, 3, 2, padding, kind);
        expect(y.shape).toEqual(ref.shape);
        expectClose(y.dataSync(), ref.data);
      });
    }
  }

  it('pools hand-checked steps', () => {
    const x = tensor([1, 3, 2, 5, 4], [1, 5, 1]);
    // valid, windows [1,3] [2,5]: max 3, 5; same adds the partial window [4]: mean 2, 3.5, 4
    expect(Array.from(new MaxPooling1D().apply(x).dataSync())).toEqual([3, 5]);
    expect(Array.from(new AveragePooling1D({ padding: 'same' }).apply(x).dataSync())).toEqual([2, 3.5, 4]);
    // strides 1, poolSize 2: overlapping windows
    expect(Array.from(new MaxPooling1D({ strides: 1 }).apply(x).dataSync())).toEqual([3, 3, 5, 5]);
  });

  it('reports symbolic shapes, config and errors', () => {
    const layer = new AveragePooling1D({ name: 'ap1', poolSize: 4 });
    expect(layer.apply(input({ shape: [null, 6] })).shape).toEqual([null, null, 6]);
    expect(layer.computeOutputShape([null, 9, 2])).toEqual([null, 2, 2]);
    expect(layer.getConfig()).toMatchObject({ poolSize: 4, strides: 4, padding: 'valid' });
    expect(() => new MaxPooling1D({ name: 'mp1', poolSize: [2, 2] as never })).toThrow(/mp1: option 'poolSize'/);
    expect(() => layer.apply(ones([1, 8, 8, 2]))).toThrow('ap1: expected input of rank 3 ([batch, steps, channels]), got shape [1,8,8,2]');
    expect(() => layer.apply(ones([1, 3, 2]))).toThrow(/ap1: input steps 3 is smaller than poolSize \[4\]/);
  });
});

// ---------------------------------------------------------------- global pooling

describe('global pooling', () => {
  const cases = [
    { Cls: GlobalAveragePooling1D, kind: 'avg', shape: [2, 5, 3] },
    { Cls: GlobalMaxPooling1D, kind: 'max', shape: [2, 5, 3] },
    { Cls: GlobalAveragePooling2D, kind: 'avg', shape: [2, 3, 4, 3] },
    { Cls: GlobalMaxPooling2D, kind: 'max', shape: [2, 3, 4, 3] },
  ] as const;

  for (const { Cls, kind, shape } of cases) {
    const spatialOnes = shape.slice(1, -1).map(() => 1);
    it(`${Cls.className} passes the harness, with and without keepDims`, () => {
      runLayerTest({ make: (dtype) => new Cls({ dtype }), inputShape: [...shape], expectedOutputShape: [2, 3], expectedWeights: [] });
      runLayerTest({ make: (dtype) => new Cls({ keepDims: true, dtype }), inputShape: [...shape], expectedOutputShape: [2, ...spatialOnes, 3], expectedWeights: [] });
    });

    it(`${Cls.className} matches a float64 reference`, () => {
      const x = values(shape, 50);
      const y = new Cls({ dtype: 'float64' }).apply(t64(x, [...shape]));
      expect(y.shape).toEqual([2, 3]);
      expectClose(y.dataSync(), refGlobal(x, [...shape], kind));
      const kept = new Cls({ keepDims: true, dtype: 'float64' }).apply(t64(x, [...shape]));
      expect(kept.shape).toEqual([2, ...spatialOnes, 3]);
      expectClose(kept.dataSync(), refGlobal(x, [...shape], kind));
    });

    it(`${Cls.className} reports symbolic shapes and rejects inputs of the wrong rank`, () => {
      const layer = new Cls({ name: 'gp' });
      const sym = input({ shape: [...shape.slice(1, -1).map(() => null), 3] });
      expect(layer.apply(sym).shape).toEqual([null, 3]);
      expect(new Cls({ keepDims: true }).computeOutputShape([null, ...shape.slice(1, -1), null])).toEqual([null, ...spatialOnes, null]);
      const rank = shape.length;
      const layout = rank === 3 ? '[batch, steps, channels]' : '[batch, height, width, channels]';
      expect(() => layer.apply(ones([2, 3]))).toThrow(`gp: expected input of rank ${rank} (${layout}), got shape [2,3]`);
      expect(layer.getConfig()).toMatchObject({ keepDims: false, dataFormat: 'channelsLast' });
    });
  }

  it('averages hand-checked values', () => {
    const x = tensor([1, 10, 2, 20, 6, 60], [1, 3, 2]);
    // channel 0: (1 + 2 + 6) / 3 = 3, channel 1: 30; max: 6, 60
    expect(Array.from(new GlobalAveragePooling1D().apply(x).dataSync())).toEqual([3, 30]);
    expect(Array.from(new GlobalMaxPooling1D().apply(x).dataSync())).toEqual([6, 60]);
  });

  it('rejects bad options', () => {
    expect(() => new GlobalAveragePooling2D({ name: 'g', keepdims: true } as never)).toThrow(/^g: unknown option 'keepdims' \(did you mean 'keepDims'\?\)/);
    expect(() => new GlobalMaxPooling2D({ name: 'g', dataFormat: 'channelsFirst' })).toThrow(/g: option 'dataFormat': only 'channelsLast'/);
    expect(() => new GlobalMaxPooling1D({ name: 'g', poolSize: 2 } as never)).toThrow(/g: unknown option 'poolSize'/);
  });
});
