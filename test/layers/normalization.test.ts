import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, memory, tensor, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import type { Layer } from '../../src/layers/layer.js';
import { BatchNormalization, LayerNormalization } from '../../src/layers/normalization.js';
import { collectStateUpdates } from '../../src/layers/layer.js';
import { input } from '../../src/layers/input-layer.js';
import { runLayerTest } from './harness.js';
import { signedValues } from '../helpers/rng.js';

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i])));
  }
}

function values(t: Tensor): number[] {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
}

/** Row-major strides of `shape`. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Flat indices grouped by their coordinates on `keep` axes (the groups statistics are shared by). */
function groupBy(shape: readonly number[], keep: readonly number[]): Map<string, number[]> {
  const st = strides(shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = keep.map((a) => Math.floor(i / st[a]) % shape[a]).join(',');
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  return groups;
}

/** Float64 mean and biased variance of x's entries at `idx`. */
function stats(x: readonly number[], idx: readonly number[]): { mean: number; variance: number } {
  const mean = idx.reduce((a, i) => a + x[i], 0) / idx.length;
  const variance = idx.reduce((a, i) => a + (x[i] - mean) ** 2, 0) / idx.length;
  return { mean, variance };
}

/** Batch statistics per channel of `axis`: channel c → mean/variance over every other axis. */
function channelStats(x: readonly number[], shape: readonly number[], axis: number): Array<{ mean: number; variance: number }> {
  const groups = groupBy(shape, [axis]);
  return Array.from({ length: shape[axis] }, (_, c) => stats(x, groups.get(String(c)) as number[]));
}

function channelOf(i: number, shape: readonly number[], axis: number): number {
  return Math.floor(i / strides(shape)[axis]) % shape[axis];
}

/**
 * Builds `layer` with one call on zeros of `shape`: the harness counts every tensor its first call creates as
 * output, weights included, so layers with weights must come to it built.
 */
function prebuilt<L extends Layer>(layer: L, shape: number[]): L {
  tidy(() => void layer.apply(zeros(shape, layer.dtype)));
  return layer;
}

describe('BatchNormalization: harness', () => {
  const weights = (c: number): Array<[string, number[]]> => [
    ['gamma', [c]],
    ['beta', [c]],
    ['moving_mean', [c]],
    ['moving_variance', [c]],
  ];

  it('rank 2, inference gradients', () => {
    runLayerTest({ make: (dtype) => prebuilt(new BatchNormalization({ dtype }), [3, 4]), inputShape: [3, 4], expectedOutputShape: [3, 4], expectedWeights: weights(4), expectedNonTrainable: 2 });
  });

  it('rank 2, training-mode gradients (through the batch statistics)', () => {
    runLayerTest({ make: (dtype) => prebuilt(new BatchNormalization({ dtype }), [5, 3]), inputShape: [5, 3], expectedOutputShape: [5, 3], expectedWeights: weights(3), expectedNonTrainable: 2, training: true, gradTol: 1e-5 });
  });

  it('rank 4 channels last, training mode', () => {
    runLayerTest({ make: (dtype) => prebuilt(new BatchNormalization({ dtype, momentum: 0.9 }), [2, 3, 3, 2]), inputShape: [2, 3, 3, 2], expectedOutputShape: [2, 3, 3, 2], expectedWeights: weights(2), expectedNonTrainable: 2, training: true, gradTol: 1e-5 });
  });

  it('axis 1 of a rank-3 input, training mode', () => {
    runLayerTest({ make: (dtype) => prebuilt(new BatchNormalization({ dtype, axis: 1 }), [2, 3, 4]), inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedWeights: weights(3), expectedNonTrainable: 2, training: true, gradTol: 1e-5 });
  });

  it('center and scale off: only the moving statistics', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new BatchNormalization({ dtype, center: false, scale: false }), [4, 3]),
      inputShape: [4, 3],
      expectedOutputShape: [4, 3],
      expectedWeights: [
        ['moving_mean', [3]],
        ['moving_variance', [3]],
      ],
      expectedNonTrainable: 2,
      training: true,
      gradTol: 1e-5,
    });
  });
});

describe('BatchNormalization: values', () => {
  const shape = [4, 3];
  const xv = signedValues(12, 1).map((v) => 3 * v + 1);
  const gamma = [1.5, -0.5, 2];
  const beta = [0.1, 0.2, -0.3];

  function withWeights(args: ConstructorParameters<typeof BatchNormalization>[0], movingMean = [0.3, -0.2, 0.5], movingVariance = [2, 0.5, 1.5]): BatchNormalization {
    const bn = new BatchNormalization({ dtype: 'float64', ...args });
    const x = tensor(xv, shape, 'float64');
    tidy(() => void bn.apply(x));
    x.dispose();
    const ws = [gamma, beta, movingMean, movingVariance].map((w) => tensor(w, [3], 'float64'));
    bn.setWeights(ws);
    ws.forEach((w) => w.dispose());
    return bn;
  }

  it('inference: (x - moving_mean) / sqrt(moving_variance + eps) * gamma + beta', () => {
    const mm = [0.3, -0.2, 0.5];
    const mv = [2, 0.5, 1.5];
    const bn = withWeights({ epsilon: 0.01 }, mm, mv);
    const x = tensor(xv, shape, 'float64');
    const expected = xv.map((v, i) => {
      const c = i % 3;
      return ((v - mm[c]) / Math.sqrt(mv[c] + 0.01)) * gamma[c] + beta[c];
    });
    expectClose(values(bn.apply(x)), expected, 1e-12);
    expectClose(values(bn.apply(x, { training: false })), expected, 1e-12);
    x.dispose();
    bn.dispose();
  });

  it('training: batch mean and biased variance over every axis but the channel', () => {
    const bn = withWeights({});
    const x = tensor(xv, shape, 'float64');
    const st = channelStats(xv, shape, 1);
    const expected = xv.map((v, i) => {
      const c = i % 3;
      return ((v - st[c].mean) / Math.sqrt(st[c].variance + 1e-3)) * gamma[c] + beta[c];
    });
    expectClose(values(bn.apply(x, { training: true })), expected, 1e-12);
    x.dispose();
    bn.dispose();
  });

  it('training on axis 1 of a rank-3 input normalizes per index of axis 1 (float32)', () => {
    const s = [2, 3, 2];
    const xs = signedValues(12, 5).map((v) => 2 * v - 0.5);
    const bn = new BatchNormalization({ axis: 1 });
    const x = tensor(xs, s);
    const st = channelStats(xs, s, 1);
    // gamma = 1, beta = 0 (default initializers)
    const expected = xs.map((v, i) => {
      const c = channelOf(i, s, 1);
      return (v - st[c].mean) / Math.sqrt(st[c].variance + 1e-3);
    });
    const y = bn.apply(x, { training: true });
    expect(y.dtype).toBe('float32');
    expectClose(values(y), expected, 1e-5);
    // the per-channel output has zero mean
    x.dispose();
    bn.dispose();
  });

  it('a training call outside a training step updates the moving statistics at once', () => {
    const bn = new BatchNormalization({ dtype: 'float64' });
    const x = tensor(xv, shape, 'float64');
    tidy(() => void bn.apply(x, { training: true }));
    const st = channelStats(xv, shape, 1);
    // moving = moving * 0.99 + batch * 0.01, from mean 0 and variance 1
    expectClose(bn.movingMean.dataSync(), st.map((s) => 0.01 * s.mean), 1e-12);
    expectClose(bn.movingVariance.dataSync(), st.map((s) => 0.99 + 0.01 * s.variance), 1e-12);
    x.dispose();
    bn.dispose();
  });

  it('moving statistics after N training calls follow the recurrence', () => {
    const momentum = 0.8;
    const bn = new BatchNormalization({ momentum });
    const mean = [0, 0, 0];
    const variance = [1, 1, 1];
    for (let step = 0; step < 5; step++) {
      const xs = signedValues(12, 20 + step).map((v) => (step + 1) * v + step);
      const x = tensor(xs, shape);
      tidy(() => void bn.apply(x, { training: true }));
      x.dispose();
      channelStats(xs, shape, 1).forEach((s, c) => {
        mean[c] = mean[c] * momentum + s.mean * (1 - momentum);
        variance[c] = variance[c] * momentum + s.variance * (1 - momentum);
      });
    }
    expectClose(bn.movingMean.dataSync(), mean, 1e-5);
    expectClose(bn.movingVariance.dataSync(), variance, 1e-5);
    bn.dispose();
  });

  it('inference calls leave the moving statistics alone', () => {
    const bn = withWeights({});
    const x = tensor(xv, shape, 'float64');
    tidy(() => void bn.apply(x));
    expect(Array.from(bn.movingMean.dataSync())).toEqual([0.3, -0.2, 0.5]);
    expect(Array.from(bn.movingVariance.dataSync())).toEqual([2, 0.5, 1.5]);
    x.dispose();
    bn.dispose();
  });

  it('inside a training step the updates are collected, not applied', () => {
    const bn = new BatchNormalization({ dtype: 'float64', momentum: 0.5 });
    const x = tensor(xv, shape, 'float64');
    const { result, updates } = collectStateUpdates(() => tidy(() => bn.apply(x, { training: true })));
    result.dispose();
    expect(updates.map(([v]) => v)).toEqual([bn.movingMean, bn.movingVariance]);
    expect(Array.from(bn.movingMean.dataSync())).toEqual([0, 0, 0]);
    expect(Array.from(bn.movingVariance.dataSync())).toEqual([1, 1, 1]);
    const st = channelStats(xv, shape, 1);
    // 0.5 * 0 + 0.5 * mean; 0.5 * 1 + 0.5 * variance
    expectClose(updates[0][1].dataSync(), st.map((s) => 0.5 * s.mean), 1e-12);
    expectClose(updates[1][1].dataSync(), st.map((s) => 0.5 + 0.5 * s.variance), 1e-12);
    for (const [, t] of updates) {
      expect(t.isDisposed).toBe(false);
      t.dispose();
    }
    x.dispose();
    bn.dispose();
  });

  it('a frozen layer (trainable = false) uses and keeps the moving statistics even in training', () => {
    const mm = [0.3, -0.2, 0.5];
    const mv = [2, 0.5, 1.5];
    const bn = withWeights({}, mm, mv);
    bn.trainable = false;
    const x = tensor(xv, shape, 'float64');
    const expected = xv.map((v, i) => ((v - mm[i % 3]) / Math.sqrt(mv[i % 3] + 1e-3)) * gamma[i % 3] + beta[i % 3]);
    expectClose(values(bn.apply(x, { training: true })), expected, 1e-12);
    expect(Array.from(bn.movingMean.dataSync())).toEqual(mm);
    x.dispose();
    bn.dispose();
  });

  it('a training call outside tidy leaves only its output', () => {
    const bn = new BatchNormalization();
    const x = tensor(xv, shape);
    tidy(() => void bn.apply(x));
    const before = memory().numTensors;
    const y = bn.apply(x, { training: true });
    expect(memory().numTensors).toBe(before + 1);
    y.dispose();
    expect(memory().numTensors).toBe(before);
    x.dispose();
    bn.dispose();
  });

  it('int32 inputs are normalized as floats', () => {
    const bn = new BatchNormalization();
    const x = tensor([1, 2, 3, 4], [2, 2], 'int32');
    const y = bn.apply(x);
    expect(y.dtype).toBe('float32');
    // moving mean 0, variance 1: x / sqrt(1.001)
    expectClose(values(y), [1, 2, 3, 4].map((v) => v / Math.sqrt(1.001)), 1e-6);
    x.dispose();
    bn.dispose();
  });
});

describe('BatchNormalization: errors', () => {
  it('rejects unknown and bad options', () => {
    expect(() => new BatchNormalization({ momentun: 0.9 } as never)).toThrow(/unknown option 'momentun' \(did you mean 'momentum'\?\)/);
    expect(() => new BatchNormalization({ momentum: 1.5 })).toThrow(ValueError);
    expect(() => new BatchNormalization({ momentum: 1.5 })).toThrow(/option 'momentum'/);
    expect(() => new BatchNormalization({ epsilon: 0 })).toThrow(/option 'epsilon'/);
    expect(() => new BatchNormalization({ axis: 1.5 })).toThrow(/option 'axis'/);
    expect(() => new BatchNormalization({ gammaInitializer: 'onez' })).toThrow(/gammaInitializer/);
  });

  it('rejects an axis out of range without building', () => {
    const bn = new BatchNormalization({ axis: 2, name: 'bn_range' });
    const x = tensor(signedValues(6, 3), [2, 3]);
    expect(() => bn.apply(x)).toThrow(ValueError);
    expect(() => bn.apply(x)).toThrow(/^bn_range: axis 2 is out of range for an input of rank 2 \(shape \[null,3\]\)/);
    expect(bn.built).toBe(false);
    expect(bn.weights.length).toBe(0);
    x.dispose();
  });

  it('rejects an axis of unknown size (the batch axis)', () => {
    const bn = new BatchNormalization({ axis: 0, name: 'bn_batch' });
    expect(() => bn.apply(input({ shape: [3] }))).toThrow(ShapeError);
    expect(() => bn.apply(input({ shape: [3] }))).toThrow(/bn_batch: expected axis 0 of the input to have a known size.*\[null,3\]/);
  });

  it('checks later inputs against the built shape', () => {
    const bn = new BatchNormalization({ name: 'bn_spec' });
    const x = tensor(signedValues(8, 3), [2, 4]);
    tidy(() => void bn.apply(x));
    const wrong = tensor(signedValues(10, 3), [2, 5]);
    const rank3 = tensor(signedValues(16, 3), [2, 2, 4]);
    expect(() => bn.apply(wrong)).toThrow(/bn_spec: expected input with axis 1 of size 4.*got shape \[2,5\]/);
    expect(() => bn.apply(rank3)).toThrow(/bn_spec: expected input of rank 2, got shape \[2,2,4\]/);
    expect(() => bn.apply([x, x])).toThrow(/bn_spec: expected a single input, got a list of 2/);
    [x, wrong, rank3].forEach((t) => t.dispose());
    bn.dispose();
  });

  it('symbolic inputs give the input shape', () => {
    const bn = new BatchNormalization();
    expect(bn.apply(input({ shape: [5, 3] })).shape).toEqual([null, 5, 3]);
    expect(bn.getConfig()).toMatchObject({ axis: -1, momentum: 0.99, epsilon: 1e-3, center: true, scale: true });
  });
});

describe('LayerNormalization: harness', () => {
  it('last axis', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new LayerNormalization({ dtype }), [2, 3, 4]),
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedWeights: [
        ['gamma', [4]],
        ['beta', [4]],
      ],
      gradTol: 1e-5,
    });
  });

  it('two axes: weights of both sizes', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new LayerNormalization({ dtype, axis: [-2, -1] }), [2, 3, 4]),
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedWeights: [
        ['gamma', [3, 4]],
        ['beta', [3, 4]],
      ],
      gradTol: 1e-5,
    });
  });

  it('a middle axis, positive', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new LayerNormalization({ dtype, axis: 1, epsilon: 1e-5 }), [2, 3, 4]),
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
      expectedWeights: [
        ['gamma', [3]],
        ['beta', [3]],
      ],
      gradTol: 1e-5,
    });
  });

  it('rmsScaling: gamma only', () => {
    runLayerTest({ make: (dtype) => prebuilt(new LayerNormalization({ dtype, rmsScaling: true }), [3, 5]), inputShape: [3, 5], expectedOutputShape: [3, 5], expectedWeights: [['gamma', [5]]], gradTol: 1e-5 });
  });

  it('center and scale off: no weights', () => {
    runLayerTest({ make: (dtype) => prebuilt(new LayerNormalization({ dtype, center: false, scale: false }), [3, 5]), inputShape: [3, 5], expectedOutputShape: [3, 5], expectedWeights: [], gradTol: 1e-5 });
  });
});

describe('LayerNormalization: values', () => {
  /** Float64 reference: normalize each group sharing the coordinates on the non-normalized axes. */
  function reference(xs: number[], shape: number[], axes: number[], eps: number, gamma: (i: number) => number, beta: (i: number) => number): number[] {
    const others = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const out = new Array<number>(xs.length);
    for (const idx of groupBy(shape, others).values()) {
      const { mean, variance } = stats(xs, idx);
      for (const i of idx) out[i] = ((xs[i] - mean) / Math.sqrt(variance + eps)) * gamma(i) + beta(i);
    }
    return out;
  }

  it('last axis, float64, with gamma and beta', () => {
    const shape = [2, 3, 4];
    const xs = signedValues(24, 11).map((v) => 4 * v + 2);
    const ln = new LayerNormalization({ dtype: 'float64', epsilon: 0.01 });
    const x = tensor(xs, shape, 'float64');
    tidy(() => void ln.apply(x));
    const g = [1, 2, -1, 0.5];
    const b = [0, 0.1, 0.2, -0.3];
    const ws = [tensor(g, [4], 'float64'), tensor(b, [4], 'float64')];
    ln.setWeights(ws);
    ws.forEach((w) => w.dispose());
    const expected = reference(xs, shape, [2], 0.01, (i) => g[i % 4], (i) => b[i % 4]);
    expectClose(values(ln.apply(x)), expected, 1e-12);
    // training changes nothing
    expectClose(values(ln.apply(x, { training: true })), expected, 1e-12);
    x.dispose();
    ln.dispose();
  });

  it('axis [-1, -2] gives weights in axis order [3, 4] that line up with the input', () => {
    const shape = [2, 3, 4];
    const xs = signedValues(24, 12);
    const ln = new LayerNormalization({ dtype: 'float64', axis: [-1, -2] });
    const x = tensor(xs, shape, 'float64');
    tidy(() => void ln.apply(x));
    expect(ln.gamma?.shape).toEqual([3, 4]);
    const g = signedValues(12, 13);
    const b = signedValues(12, 14);
    const ws = [tensor(g, [3, 4], 'float64'), tensor(b, [3, 4], 'float64')];
    ln.setWeights(ws);
    ws.forEach((w) => w.dispose());
    const expected = reference(xs, shape, [1, 2], 1e-3, (i) => g[i % 12], (i) => b[i % 12]);
    expectClose(values(ln.apply(x)), expected, 1e-12);
    x.dispose();
    ln.dispose();
  });

  it('axis 1 of a rank-3 input (float32)', () => {
    const shape = [2, 3, 2];
    const xs = signedValues(12, 15).map((v) => 3 * v);
    const ln = new LayerNormalization({ axis: 1 });
    const x = tensor(xs, shape);
    expectClose(values(ln.apply(x)), reference(xs, shape, [1], 1e-3, () => 1, () => 0), 1e-5);
    x.dispose();
    ln.dispose();
  });

  it('rmsScaling divides by the root mean square', () => {
    const ln = new LayerNormalization({ dtype: 'float64', rmsScaling: true, epsilon: 0 + 1e-6 });
    const x = tensor([[3, 4], [1, -1]], undefined, 'float64');
    // rms([3, 4]) = sqrt(12.5); rms([1, -1]) = 1
    const r = Math.sqrt(12.5 + 1e-6);
    const o = Math.sqrt(1 + 1e-6);
    expectClose(values(ln.apply(x)), [3 / r, 4 / r, 1 / o, -1 / o], 1e-12);
    x.dispose();
    ln.dispose();
  });

  it('axes counted from the end also fit inputs of a higher rank', () => {
    const ln = new LayerNormalization();
    const a = tensor(signedValues(8, 1), [2, 4]);
    const b = tensor(signedValues(24, 2), [2, 3, 4]);
    tidy(() => void ln.apply(a));
    const y = ln.apply(b);
    expect(y.shape).toEqual([2, 3, 4]);
    expectClose(values(y), reference(signedValues(24, 2), [2, 3, 4], [2], 1e-3, () => 1, () => 0), 1e-5);
    [a, b].forEach((t) => t.dispose());
    ln.dispose();
  });
});

describe('LayerNormalization: errors', () => {
  it('rejects unknown and bad options', () => {
    expect(() => new LayerNormalization({ epsilom: 1 } as never)).toThrow(/unknown option 'epsilom' \(did you mean 'epsilon'\?\)/);
    expect(() => new LayerNormalization({ axis: [] })).toThrow(/option 'axis'/);
    expect(() => new LayerNormalization({ axis: 'last' } as never)).toThrow(/option 'axis'/);
    expect(() => new LayerNormalization({ epsilon: -1 })).toThrow(/option 'epsilon'/);
  });

  it('rejects repeated, out-of-range and unknown-size axes without building', () => {
    const x = tensor(signedValues(24, 3), [2, 3, 4]);
    const twice = new LayerNormalization({ axis: [-1, 2], name: 'ln_twice' });
    expect(() => twice.apply(x)).toThrow(/^ln_twice: axis lists axis 2 twice/);
    expect(twice.built).toBe(false);
    const far = new LayerNormalization({ axis: -4, name: 'ln_far' });
    expect(() => far.apply(x)).toThrow(/^ln_far: axis -4 is out of range for an input of rank 3 \(shape \[null,3,4\]\)/);
    const batch = new LayerNormalization({ axis: 0, name: 'ln_batch' });
    expect(() => batch.apply(x)).toThrow(/^ln_batch: expected axis 0 of the input to have a known size/);
    expect(batch.weights.length).toBe(0);
    x.dispose();
  });

  it('checks later inputs against the built shape', () => {
    const ln = new LayerNormalization({ axis: 1, name: 'ln_spec' });
    const x = tensor(signedValues(6, 3), [2, 3]);
    tidy(() => void ln.apply(x));
    const wrong = tensor(signedValues(8, 3), [2, 4]);
    const rank3 = tensor(signedValues(12, 3), [2, 3, 2]);
    expect(() => ln.apply(wrong)).toThrow(/^ln_spec: expected input with axis 1 of size 3/);
    expect(() => ln.apply(rank3)).toThrow(/^ln_spec: expected input of rank 2/);
    [x, wrong, rank3].forEach((t) => t.dispose());
    ln.dispose();
  });
});
