/**
 * Losses: every per-sample function against a plain-JS float64 reference (or
 * hand arithmetic), both crossentropy paths, label smoothing, sparse labels,
 * extreme logits, gradients from logits, compute() and its sample weights,
 * shape errors, getLoss and configs.
 */
import { describe, expect, it } from 'vitest';
import {
  ShapeError,
  Tensor,
  ValueError,
  grad,
  memory,
  oneHot,
  scalar,
  tensor,
  tidy,
  type NestedArray,
} from '../../src/engine/index.js';
import {
  BinaryCrossentropy,
  CategoricalCrossentropy,
  CategoricalHinge,
  CosineSimilarity,
  Hinge,
  Huber,
  KullbackLeiblerDivergence,
  LogCosh,
  Loss,
  LossFunctionWrapper,
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  MeanSquaredError,
  MeanSquaredLogarithmicError,
  Poisson,
  SparseCategoricalCrossentropy,
  SquaredHinge,
  binaryCrossentropy,
  canonicalLossName,
  categoricalCrossentropy,
  categoricalHinge,
  checkLabels,
  cosineSimilarity,
  getLoss,
  hinge,
  huber,
  knownLossNames,
  kullbackLeiblerDivergence,
  logCosh,
  losses,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  meanSquaredLogarithmicError,
  poisson,
  sparseCategoricalCrossentropy,
  squaredHinge,
} from '../../src/models/losses.js';
import { rng, signedValues } from '../helpers/rng.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());
const EPS = 1e-7;

function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (Math.abs(a - expected[i]) > tol * (1 + Math.abs(expected[i]))) {
      throw new Error(`element ${i}: expected ${expected[i]}, got ${a} (all: ${JSON.stringify(actual)})`);
    }
  });
}

type Rows = number[][];
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sumOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
const clipTo = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);
const perRow = (t: Rows, p: Rows, f: (t: number[], p: number[]) => number): number[] => t.map((row, i) => f(row, p[i]));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const logSoftmax = (x: readonly number[]): number[] => {
  const m = Math.max(...x);
  const lse = m + Math.log(sumOf(x.map((v) => Math.exp(v - m))));
  return x.map((v) => v - lse);
};

/** A [rows, cols] table of deterministic values in [lo, hi). */
function table(rows: number, cols: number, seed: number, lo: number, hi: number): Rows {
  const next = rng(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => lo + (hi - lo) * next()));
}

function oneHotRows(ids: readonly number[], depth: number): Rows {
  return ids.map((id) => Array.from({ length: depth }, (_, j) => (j === id ? 1 : 0)));
}

const B = 4;
const C = 3;
const probs = table(B, C, 1, 0.05, 0.95);
const targets = table(B, C, 2, 0, 1);
const logits = table(B, C, 3, -4, 4);
const ids = [2, 0, 1, 2];
const hot = oneHotRows(ids, C);
const binaryLabels = table(B, C, 4, 0, 1).map((r) => r.map((v) => (v < 0.5 ? 0 : 1)));

/** Plain float64 references, Keras formulas. */
const ref = {
  mse: (t: Rows, p: Rows) => perRow(t, p, (a, b) => mean(a.map((v, j) => (v - b[j]) ** 2))),
  mae: (t: Rows, p: Rows) => perRow(t, p, (a, b) => mean(a.map((v, j) => Math.abs(v - b[j])))),
  mape: (t: Rows, p: Rows) => perRow(t, p, (a, b) => 100 * mean(a.map((v, j) => Math.abs(v - b[j]) / Math.max(Math.abs(v), EPS)))),
  msle: (t: Rows, p: Rows) =>
    perRow(t, p, (a, b) => mean(a.map((v, j) => (Math.log(Math.max(b[j], EPS) + 1) - Math.log(Math.max(v, EPS) + 1)) ** 2))),
  huber: (t: Rows, p: Rows, d = 1) =>
    perRow(t, p, (a, b) =>
      mean(
        a.map((v, j) => {
          const e = Math.abs(b[j] - v);
          return e <= d ? 0.5 * e * e : d * e - 0.5 * d * d;
        }),
      ),
    ),
  logCosh: (t: Rows, p: Rows) => perRow(t, p, (a, b) => mean(a.map((v, j) => Math.log(Math.cosh(b[j] - v))))),
  hinge: (t: Rows, p: Rows) => perRow(t, p, (a, b) => mean(a.map((v, j) => Math.max(1 - v * b[j], 0)))),
  squaredHinge: (t: Rows, p: Rows) => perRow(t, p, (a, b) => mean(a.map((v, j) => Math.max(1 - v * b[j], 0) ** 2))),
  categoricalHinge: (t: Rows, p: Rows) =>
    perRow(t, p, (a, b) => {
      const pos = sumOf(a.map((v, j) => v * b[j]));
      const neg = Math.max(...a.map((v, j) => (1 - v) * b[j]));
      return Math.max(neg - pos + 1, 0);
    }),
  kld: (t: Rows, p: Rows) =>
    perRow(t, p, (a, b) =>
      sumOf(
        a.map((v, j) => {
          const tc = clipTo(v, EPS, 1);
          return tc * Math.log(tc / clipTo(b[j], EPS, 1));
        }),
      ),
    ),
  poisson: (t: Rows, p: Rows) => perRow(t, p, (a, b) => mean(a.map((v, j) => b[j] - v * Math.log(b[j] + EPS)))),
  cosine: (t: Rows, p: Rows) =>
    perRow(t, p, (a, b) => {
      const na = Math.max(Math.sqrt(sumOf(a.map((v) => v * v))), EPS);
      const nb = Math.max(Math.sqrt(sumOf(b.map((v) => v * v))), EPS);
      return -sumOf(a.map((v, j) => (v / na) * (b[j] / nb)));
    }),
  bceProbs: (t: Rows, p: Rows, s = 0) =>
    perRow(t, p, (a, b) =>
      mean(
        a.map((v, j) => {
          const z = v * (1 - s) + 0.5 * s;
          const q = clipTo(b[j], EPS, 1 - EPS);
          return -(z * Math.log(q) + (1 - z) * Math.log(1 - q));
        }),
      ),
    ),
  bceLogits: (t: Rows, x: Rows, s = 0) =>
    perRow(t, x, (a, b) =>
      mean(
        a.map((v, j) => {
          const z = v * (1 - s) + 0.5 * s;
          return -(z * Math.log(sigmoid(b[j])) + (1 - z) * Math.log(1 - sigmoid(b[j])));
        }),
      ),
    ),
  cceProbs: (t: Rows, p: Rows, s = 0) =>
    perRow(t, p, (a, b) => {
      const total = sumOf(b);
      return -sumOf(a.map((v, j) => (v * (1 - s) + s / a.length) * Math.log(clipTo(b[j] / total, EPS, 1 - EPS))));
    }),
  cceLogits: (t: Rows, x: Rows, s = 0) =>
    perRow(t, x, (a, b) => {
      const lp = logSoftmax(b);
      return -sumOf(a.map((v, j) => (v * (1 - s) + s / a.length) * lp[j]));
    }),
};

describe('regression and other per-sample losses match float64 references', () => {
  const positiveTargets = table(B, C, 5, 0.1, 3);
  const positivePreds = table(B, C, 6, 0.1, 3);
  const signedTargets = oneHotRows(ids, C).map((r) => r.map((v) => (v === 1 ? 1 : -1)));
  const cases: [string, (t: Tensor, p: Tensor) => Tensor, Rows, Rows, number[]][] = [
    ['meanSquaredError', meanSquaredError, targets, logits, ref.mse(targets, logits)],
    ['meanAbsoluteError', meanAbsoluteError, targets, logits, ref.mae(targets, logits)],
    ['meanAbsolutePercentageError', meanAbsolutePercentageError, positiveTargets, positivePreds, ref.mape(positiveTargets, positivePreds)],
    ['meanSquaredLogarithmicError', meanSquaredLogarithmicError, positiveTargets, positivePreds, ref.msle(positiveTargets, positivePreds)],
    ['huber', (t, p) => huber(t, p), targets, logits, ref.huber(targets, logits)],
    ['logCosh', logCosh, targets, logits, ref.logCosh(targets, logits)],
    ['hinge', hinge, signedTargets, logits, ref.hinge(signedTargets, logits)],
    ['squaredHinge', squaredHinge, signedTargets, logits, ref.squaredHinge(signedTargets, logits)],
    ['categoricalHinge', categoricalHinge, hot, logits, ref.categoricalHinge(hot, logits)],
    ['kullbackLeiblerDivergence', kullbackLeiblerDivergence, probs, table(B, C, 7, 0.05, 0.95), ref.kld(probs, table(B, C, 7, 0.05, 0.95))],
    ['poisson', poisson, positiveTargets, positivePreds, ref.poisson(positiveTargets, positivePreds)],
    ['cosineSimilarity', cosineSimilarity, targets, logits, ref.cosine(targets, logits)],
  ];
  for (const [name, fn, t, p, expected] of cases) {
    it(`${name}: per-sample values, shape [batch], float32`, () => {
      const out = fn(tensor(t), tensor(p));
      expect(out.shape).toEqual([B]);
      expect(out.dtype).toBe('float32');
      expectClose(values(out), expected, 1e-5);
    });
  }

  it('hand examples: mse, mape, huber with delta, logCosh of a large error, cosine of a zero vector', () => {
    // ((0-1)² + 0) / 2 = 0.5 per row
    expectClose(values(meanSquaredError(tensor([[0, 1], [0, 0]]), tensor([[1, 1], [1, 0]]))), [0.5, 0.5]);
    // 100 · (|2-1|/2 + |4-5|/4) / 2 = 37.5
    expectClose(values(meanAbsolutePercentageError(tensor([[2, 4]]), tensor([[1, 5]]))), [37.5]);
    // delta 2, error 3: 2·3 - 0.5·4 = 4; error 1: 0.5
    expectClose(values(huber(tensor([[0, 0]]), tensor([[3, 1]]), 2)), [(4 + 0.5) / 2]);
    // log(cosh(100)) = 100 - log 2 (cosh itself would overflow float32 at 100)
    expectClose(values(logCosh(tensor([[0]]), tensor([[100]]))), [100 - Math.LN2], 1e-6);
    expectClose(values(cosineSimilarity(tensor([[0, 0]]), tensor([[1, 2]]))), [0]);
  });

  it('hinge converts 0/1 labels to -1/1, as Keras does, and leaves -1/1 labels alone', () => {
    const zeroOne = binaryLabels;
    const signed = zeroOne.map((r) => r.map((v) => 2 * v - 1));
    expectClose(values(hinge(tensor(zeroOne), tensor(logits))), ref.hinge(signed, logits));
    expectClose(values(squaredHinge(tensor(zeroOne), tensor(logits))), ref.squaredHinge(signed, logits));
    // labels [1, 0] → [1, -1]: (max(1 - 0.5, 0) + max(1 + 0.5, 0)) / 2 = 1
    expectClose(values(hinge(tensor([[1, 0]]), tensor([[0.5, 0.5]]))), [1]);
    // a label of 2 is not binary: nothing converted, 0 stays 0: (max(1-2·0.5,0) + max(1-0,0)) / 2 = 0.5
    expectClose(values(hinge(tensor([[2, 0]]), tensor([[0.5, 0.5]]))), [0.5]);
  });

  it('huber rejects a non-positive delta, naming huber', () => {
    expect(() => huber(tensor([[0]]), tensor([[1]]), 0)).toThrow(/^huber: expected delta to be a finite number > 0, got 0$/);
    expect(() => new Huber({ delta: -1 })).toThrow(/^huber: option 'delta'/);
  });
});

describe('binaryCrossentropy', () => {
  it('from probabilities and from logits match float64 references', () => {
    expectClose(values(binaryCrossentropy(tensor(targets), tensor(probs))), ref.bceProbs(targets, probs));
    expectClose(values(binaryCrossentropy(tensor(targets), tensor(logits), { fromLogits: true })), ref.bceLogits(targets, logits));
  });

  it('label smoothing maps y to y·(1 - s) + s/2 on both paths', () => {
    expectClose(values(binaryCrossentropy(tensor(binaryLabels), tensor(probs), { labelSmoothing: 0.2 })), ref.bceProbs(binaryLabels, probs, 0.2));
    expectClose(
      values(binaryCrossentropy(tensor(binaryLabels), tensor(logits), { fromLogits: true, labelSmoothing: 0.2 })),
      ref.bceLogits(binaryLabels, logits, 0.2),
    );
    // s = 1: every label is 0.5, so the loss at p = 0.5 is log 2 whatever the label
    expectClose(values(binaryCrossentropy(tensor([[1], [0]]), tensor([[0.5], [0.5]]), { labelSmoothing: 1 })), [Math.LN2, Math.LN2]);
  });

  it('is finite and exact-ish at logits of ±100', () => {
    const out = values(binaryCrossentropy(tensor([[1], [0], [1], [0]]), tensor([[100], [-100], [-100], [100]]), { fromLogits: true }));
    // right and confident: log(1 + e^-100) ≈ 3.7e-44; wrong and confident: 100
    expect(out.every(Number.isFinite)).toBe(true);
    expect(out[0]).toBeLessThan(1e-40);
    expect(out[1]).toBeLessThan(1e-40);
    expectClose([out[2], out[3]], [100, 100], 1e-7);
  });

  it('clips probabilities of exactly 0 and 1 to [1e-7, 1 - 1e-7]', () => {
    const out = values(binaryCrossentropy(tensor([[1], [0]]), tensor([[0], [1]])));
    // -log(1e-7) = 16.118; float32 1 - 1e-7 rounds to 1 - 2^-23·1 ≈ 0.99999988, so the other is -log(1.19e-7) ≈ 15.94
    expectClose([out[0]], [-Math.log(1e-7)], 1e-5);
    expectClose([out[1]], [-Math.log(1 - Math.fround(1 - 1e-7))], 1e-4);
  });

  it('accepts labels of shape [batch] for predictions [batch, 1], and int32 labels', () => {
    const a = values(binaryCrossentropy(tensor([1, 0]), tensor([[0.8], [0.4]])));
    expectClose(a, [-Math.log(0.8), -Math.log(0.6)]);
    expectClose(values(binaryCrossentropy(tensor([1, 0], [2], 'int32'), tensor([[0.8], [0.4]]))), a);
  });

  it('gradient from logits is (sigmoid(x) - z) / numColumns, also at x = 0 and at ±100', () => {
    const x = [[0, 2, -1], [100, -100, 0.5]];
    const z = [[1, 0, 1], [0, 1, 0]];
    const g = grad((l) => binaryCrossentropy(tensor(z), l, { fromLogits: true }).sum())(tensor(x));
    const expected = x.flatMap((row, i) => row.map((v, j) => (sigmoid(v) - z[i][j]) / 3));
    expectClose(values(g), expected, 1e-6);
  });
});

describe('categoricalCrossentropy', () => {
  it('from probabilities (rescaled to sum to 1) and from logits match float64 references', () => {
    expectClose(values(categoricalCrossentropy(tensor(hot), tensor(probs))), ref.cceProbs(hot, probs));
    expectClose(values(categoricalCrossentropy(tensor(targets), tensor(logits), { fromLogits: true })), ref.cceLogits(targets, logits));
    // [0.2, 0.7, 0.1] sums to 1: -log 0.7
    expectClose(values(categoricalCrossentropy(tensor([[0, 1, 0]]), tensor([[0.2, 0.7, 0.1]]))), [-Math.log(0.7)]);
    // unnormalized [2, 7, 1] is rescaled to the same
    expectClose(values(categoricalCrossentropy(tensor([[0, 1, 0]]), tensor([[2, 7, 1]]))), [-Math.log(0.7)]);
  });

  it('label smoothing maps y to y·(1 - s) + s/numClasses on both paths', () => {
    expectClose(values(categoricalCrossentropy(tensor(hot), tensor(probs), { labelSmoothing: 0.1 })), ref.cceProbs(hot, probs, 0.1));
    expectClose(values(categoricalCrossentropy(tensor(hot), tensor(logits), { fromLogits: true, labelSmoothing: 0.1 })), ref.cceLogits(hot, logits, 0.1));
  });

  it('is finite and exact at logits of ±100', () => {
    const out = values(
      categoricalCrossentropy(tensor([[0, 1, 0], [1, 0, 0]]), tensor([[100, -100, 0], [100, -100, 0]]), { fromLogits: true }),
    );
    // log-softmax of [100, -100, 0] = [-e^-100 ≈ 0, -200, -100]
    expectClose(out, [200, 0], 1e-7);
  });

  it('gradient from logits is softmax(x) - y (y sums to 1)', () => {
    const g = grad((l) => categoricalCrossentropy(tensor(hot), l, { fromLogits: true }).sum())(tensor(logits));
    const expected = logits.flatMap((row, i) => logSoftmax(row).map((lp, j) => Math.exp(lp) - hot[i][j]));
    expectClose(values(g), expected, 1e-6);
    const extreme = values(grad((l) => categoricalCrossentropy(tensor([[0, 1, 0]]), l, { fromLogits: true }).sum())(tensor([[100, -100, 0]])));
    expectClose(extreme, [1, -1, 0], 1e-6);
  });
});

describe('sparseCategoricalCrossentropy', () => {
  const expectedProbs = ref.cceProbs(hot, probs);
  const expectedLogits = ref.cceLogits(hot, logits);

  it('int32 labels, float labels and labels with a trailing axis of 1 all match the one-hot loss', () => {
    expectClose(values(sparseCategoricalCrossentropy(tensor(ids, [B], 'int32'), tensor(probs))), expectedProbs);
    expectClose(values(sparseCategoricalCrossentropy(tensor(ids, [B]), tensor(probs))), expectedProbs);
    expectClose(values(sparseCategoricalCrossentropy(tensor(ids, [B, 1], 'int32'), tensor(probs))), expectedProbs);
    expectClose(values(sparseCategoricalCrossentropy(tensor(ids, [B, 1]), tensor(logits), { fromLogits: true })), expectedLogits);
    const out = sparseCategoricalCrossentropy(tensor(ids, [B], 'int32'), tensor(logits), { fromLogits: true });
    expect(out.shape).toEqual([B]);
    expect(out.dtype).toBe('float32');
  });

  it('handles a time axis: labels [batch, time] for predictions [batch, time, classes]', () => {
    const p = tensor([logits.slice(0, 2), logits.slice(2, 4)]);
    const out = sparseCategoricalCrossentropy(tensor([[2, 0], [1, 2]], [2, 2], 'int32'), p, { fromLogits: true });
    expect(out.shape).toEqual([2, 2]);
    expectClose(values(out), expectedLogits);
  });

  it('is finite and exact at logits of ±100', () => {
    const out = values(sparseCategoricalCrossentropy(tensor([1, 0], [2], 'int32'), tensor([[100, -100, 0], [100, -100, 0]]), { fromLogits: true }));
    expectClose(out, [200, 0], 1e-7);
  });

  it('a class id out of range gives NaN, not a silent zero', () => {
    const out = values(sparseCategoricalCrossentropy(tensor([1, 3, -1], [3], 'int32'), tensor(logits.slice(0, 3)), { fromLogits: true }));
    expect(Number.isFinite(out[0])).toBe(true);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(Number.isNaN(out[2])).toBe(true);
  });

  it('gradient from logits is softmax(x) - oneHot(y)', () => {
    const g = grad((l) => sparseCategoricalCrossentropy(tensor(ids, [B], 'int32'), l, { fromLogits: true }).sum())(tensor(logits));
    const expected = logits.flatMap((row, i) => logSoftmax(row).map((lp, j) => Math.exp(lp) - hot[i][j]));
    expectClose(values(g), expected, 1e-6);
  });
});

describe('shape checks', () => {
  it('categoricalCrossentropy names itself, the shapes, and points to the sparse loss for integer labels', () => {
    const p = tensor(table(8, 10, 8, 0, 1));
    expect(() => categoricalCrossentropy(tensor(new Array(8).fill(1)), p)).toThrow(ShapeError);
    expect(() => categoricalCrossentropy(tensor(new Array(8).fill(1)), p)).toThrow(
      'categoricalCrossentropy: expected yTrue of shape [8,10] (one-hot, the shape of yPred), got [8]; for integer class labels use sparseCategoricalCrossentropy',
    );
    expect(() => new CategoricalCrossentropy().compute(tensor(table(8, 9, 1, 0, 1)), p)).toThrow(
      /^categoricalCrossentropy: expected yTrue of shape \[8,10\] \(one-hot, the shape of yPred\), got \[8,9\]$/,
    );
  });

  it('sparseCategoricalCrossentropy names itself and points to the one-hot loss for one-hot labels', () => {
    const p = tensor(table(8, 10, 8, 0, 1));
    expect(() => sparseCategoricalCrossentropy(tensor(table(8, 10, 9, 0, 1)), p)).toThrow(
      'sparseCategoricalCrossentropy: expected yTrue of shape [8] or [8,1] (class indices), got [8,10]; for one-hot labels use categoricalCrossentropy',
    );
    expect(() => sparseCategoricalCrossentropy(tensor([1, 2, 3]), p)).toThrow(/^sparseCategoricalCrossentropy: expected yTrue of shape \[8\] or \[8,1\] \(class indices\), got \[3\]$/);
  });

  it('regression losses require the shape of yPred, or may omit a last axis of 1', () => {
    expect(() => meanSquaredError(tensor([[1, 2]]), tensor([[1, 2, 3]]))).toThrow(
      /^meanSquaredError: expected yTrue of shape \[1,3\] \(the shape of yPred\), got \[1,2\]$/,
    );
    expect(() => meanAbsoluteError(tensor([1, 2]), tensor([[1], [2], [3]]))).toThrow(
      /^meanAbsoluteError: expected yTrue of shape \[3,1\] or \[3\] \(the shape of yPred\), got \[2\]$/,
    );
    expectClose(values(meanSquaredError(tensor([1, 2]), tensor([[2], [4]]))), [1, 4]);
    expect(() => binaryCrossentropy(tensor([[1, 0]]), tensor([[0.5]]))).toThrow(/^binaryCrossentropy: expected yTrue of shape \[1,1\] or \[1\]/);
    expect(() => categoricalHinge(tensor([1]), tensor([[0.5, 0.5]]))).toThrow(/^categoricalHinge: expected yTrue of shape \[1,2\] \(one-hot/);
  });

  it('rejects non-tensors with a ValueError naming the loss', () => {
    expect(() => meanSquaredError([1, 2] as unknown as Tensor, tensor([1, 2]))).toThrow(ValueError);
    expect(() => poisson(tensor([1]), null as unknown as Tensor)).toThrow(/^poisson: expected yPred to be a Tensor, got null$/);
  });

  it('checkLabels runs the same checks on shapes with unknown dimensions', () => {
    expect(() => checkLabels(new CategoricalCrossentropy(), [null, 10], [null, 10])).not.toThrow();
    expect(() => checkLabels(new CategoricalCrossentropy(), [null], [null, 10])).toThrow(
      'categoricalCrossentropy: expected yTrue of shape [null,10] (one-hot, the shape of yPred), got [null]; for integer class labels use sparseCategoricalCrossentropy',
    );
    expect(() => checkLabels(new SparseCategoricalCrossentropy(), [null], [null, 10])).not.toThrow();
    expect(() => checkLabels(new SparseCategoricalCrossentropy(), [32, 1], [null, 10])).not.toThrow();
    expect(() => checkLabels(new SparseCategoricalCrossentropy(), [null, 10], [null, 10])).toThrow(
      'sparseCategoricalCrossentropy: expected yTrue of shape [null] or [null,1] (class indices), got [null,10]; for one-hot labels use categoricalCrossentropy',
    );
    expect(() => checkLabels(new MeanSquaredError(), [null], [null, 1])).not.toThrow();
    expect(() => checkLabels(new MeanSquaredError(), [null, 3], [null, 4])).toThrow(ShapeError);
    expect(() => checkLabels(new BinaryCrossentropy(), [null, 2], [null, 1])).toThrow(/^binaryCrossentropy: /);
    expect(() => checkLabels(getLoss((t, p) => t.sub(p)), [7], [null, 3, 9])).not.toThrow();
  });
});

describe('Loss.compute', () => {
  const t = [[0, 1], [1, 1], [2, 0]];
  const p = [[1, 1], [1, 3], [0, 0]];
  // per-sample mse: [0.5, 2, 2]

  it('without weights is the mean of the per-sample values, a float32 scalar', () => {
    const out = new MeanSquaredError().compute(tensor(t), tensor(p));
    expect(out.shape).toEqual([]);
    expect(out.dtype).toBe('float32');
    expectClose(values(out), [(0.5 + 2 + 2) / 3]);
  });

  it('with weights is sum(loss · w) / number of samples, for weights [batch], [batch, 1] and a scalar', () => {
    const loss = new MeanSquaredError();
    // (0.5·1 + 2·0 + 2·2) / 3 = 1.5
    expectClose(values(loss.compute(tensor(t), tensor(p), tensor([1, 0, 2]))), [1.5]);
    expectClose(values(loss.compute(tensor(t), tensor(p), tensor([[1], [0], [2]]))), [1.5]);
    expectClose(values(loss.compute(tensor(t), tensor(p), scalar(2))), [(0.5 + 2 + 2) * 2 / 3]);
    expectClose(values(loss.compute(tensor(t), tensor(p), tensor([1, 0, 2], [3], 'int32'))), [1.5]);
  });

  it('per-sample weights of shape [batch] broadcast over a time axis', () => {
    // yPred [2, 2, 1]: per-sample mse [[1, 0], [4, 1]]; weights [1, 3] → (1 + 0 + 12 + 3) / 4 = 4
    const out = new MeanSquaredError().compute(tensor([[[1], [0]], [[2], [1]]]), tensor([[[0], [0]], [[0], [0]]]), tensor([1, 3]));
    expectClose(values(out), [4]);
  });

  it('rejects weights that do not fit, naming the loss', () => {
    expect(() => new MeanSquaredError().compute(tensor(t), tensor(p), tensor([1, 2]))).toThrow(
      /^meanSquaredError: expected sampleWeight of shape \[3\] \(one weight per sample\) or \[3\] \(the shape of the per-sample values\), got \[2\]$/,
    );
  });

  it('every built-in class computes the mean of its function', () => {
    const pairs: [Loss, (a: Tensor, b: Tensor) => Tensor, Rows, Rows][] = [
      [new MeanSquaredError(), meanSquaredError, targets, logits],
      [new MeanAbsoluteError(), meanAbsoluteError, targets, logits],
      [new MeanAbsolutePercentageError(), meanAbsolutePercentageError, probs, targets],
      [new MeanSquaredLogarithmicError(), meanSquaredLogarithmicError, probs, targets],
      [new Huber({ delta: 0.5 }), (a, b) => huber(a, b, 0.5), targets, logits],
      [new LogCosh(), logCosh, targets, logits],
      [new Hinge(), hinge, binaryLabels, logits],
      [new SquaredHinge(), squaredHinge, binaryLabels, logits],
      [new CategoricalHinge(), categoricalHinge, hot, logits],
      [new BinaryCrossentropy({ labelSmoothing: 0.1 }), (a, b) => binaryCrossentropy(a, b, { labelSmoothing: 0.1 }), targets, probs],
      [new CategoricalCrossentropy({ fromLogits: true }), (a, b) => categoricalCrossentropy(a, b, { fromLogits: true }), hot, logits],
      [new KullbackLeiblerDivergence(), kullbackLeiblerDivergence, probs, targets],
      [new Poisson(), poisson, probs, targets],
      [new CosineSimilarity(), cosineSimilarity, targets, logits],
    ];
    for (const [loss, fn, a, b] of pairs) {
      const perSample = values(fn(tensor(a), tensor(b)));
      expectClose(values(loss.compute(tensor(a), tensor(b))), [mean(perSample)]);
      expectClose(values(loss.call(tensor(a), tensor(b))), perSample);
    }
    const scce = new SparseCategoricalCrossentropy({ fromLogits: true });
    expectClose(values(scce.compute(tensor(ids, [B], 'int32'), tensor(logits))), [mean(ref.cceLogits(hot, logits))]);
  });

  it('frees every intermediate tensor', () => {
    const yTrue = tensor(hot);
    const yPred = tensor(logits);
    const w = tensor([1, 2, 3, 4]);
    const labels = tensor(ids, [B], 'int32');
    const before = memory().numTensors;
    for (const loss of [new CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 }), new Hinge(), new CosineSimilarity()]) {
      loss.compute(yTrue, yPred).dispose();
      loss.compute(yTrue, yPred, w).dispose();
      loss.call(yTrue, yPred).dispose();
    }
    sparseCategoricalCrossentropy(labels, yPred).dispose();
    tidy(() => {
      sparseCategoricalCrossentropy(tensor(ids, [B], 'int32'), yPred);
    });
    expect(memory().numTensors).toBe(before);
  });

  it('works inside a gradient: d/dp of mean squared error is 2(p - t)/size', () => {
    const g = grad((x) => new MeanSquaredError().compute(tensor([[1, 2]]), x))(tensor([[0, 4]]));
    // size 2: 2·(0 - 1)/2 = -1, 2·(4 - 2)/2 = 2
    expectClose(values(g), [-1, 2]);
  });
});

describe('getLoss', () => {
  it('resolves camelCase, snake_case, class names and Keras aliases', () => {
    for (const id of ['mse', 'MSE', 'mean_squared_error', 'meanSquaredError', 'MeanSquaredError']) {
      const loss = getLoss(id);
      expect(loss).toBeInstanceOf(MeanSquaredError);
      expect(loss.name).toBe('meanSquaredError');
    }
    const expectations: [string, string][] = [
      ['mae', 'meanAbsoluteError'],
      ['mape', 'meanAbsolutePercentageError'],
      ['msle', 'meanSquaredLogarithmicError'],
      ['bce', 'binaryCrossentropy'],
      ['binary_crossentropy', 'binaryCrossentropy'],
      ['categorical_crossentropy', 'categoricalCrossentropy'],
      ['sparse_categorical_crossentropy', 'sparseCategoricalCrossentropy'],
      ['kld', 'kullbackLeiblerDivergence'],
      ['KLDivergence', 'kullbackLeiblerDivergence'],
      ['log_cosh', 'logCosh'],
      ['logcosh', 'logCosh'],
      ['huber', 'huber'],
      ['hinge', 'hinge'],
      ['squared_hinge', 'squaredHinge'],
      ['categorical_hinge', 'categoricalHinge'],
      ['poisson', 'poisson'],
      ['cosine_similarity', 'cosineSimilarity'],
    ];
    for (const [id, name] of expectations) {
      expect(getLoss(id).name).toBe(name);
      expect(canonicalLossName(id)).toBe(name);
    }
    expect(canonicalLossName('nope')).toBeUndefined();
    expect(getLoss('categorical_crossentropy').getConfig()).toEqual({ fromLogits: false, labelSmoothing: 0 });
  });

  it('returns a Loss as is and wraps a function, named after it', () => {
    const loss = new BinaryCrossentropy({ fromLogits: true });
    expect(getLoss(loss)).toBe(loss);
    function l1(yTrue: Tensor, yPred: Tensor): Tensor {
      return yTrue.sub(yPred).abs().sum(-1);
    }
    const wrapped = getLoss(l1);
    expect(wrapped).toBeInstanceOf(LossFunctionWrapper);
    expect(wrapped.name).toBe('l1');
    // per-sample |t - p| summed: [1 + 2, 0] → mean 1.5
    expectClose(values(wrapped.compute(tensor([[0, 0], [1, 1]]), tensor([[1, 2], [1, 1]]))), [1.5]);
    expect(getLoss((t: Tensor, p: Tensor) => t.sub(p)).name).toBe('customLoss');
  });

  it('a function that returns a scalar: compute returns it (times the mean weight)', () => {
    const scalarLoss = getLoss((t: Tensor, p: Tensor) => t.sub(p).square().sum());
    expectClose(values(scalarLoss.compute(tensor([[1, 2]]), tensor([[0, 0]]))), [5]);
    expectClose(values(scalarLoss.compute(tensor([[1, 2]]), tensor([[0, 0]]), tensor([1, 3]))), [10]);
  });

  it('an unknown name is a ValueError naming the owner, a suggestion and the known names', () => {
    expect(() => getLoss('mse2')).toThrow(ValueError);
    expect(() => getLoss('mse2')).toThrow(/^compile: unknown loss 'mse2' \(did you mean 'mse'\?\); known: meanSquaredError, mse, meanAbsoluteError, mae, /);
    expect(() => getLoss('categorical_crossentropi', 'model.compile')).toThrow(
      /^model\.compile: unknown loss 'categorical_crossentropi' \(did you mean 'categorical_crossentropy'\?\)/,
    );
    expect(() => getLoss(42 as unknown as string)).toThrow(/^compile: expected a loss name, a Loss or a function \(yTrue, yPred\) => Tensor, got number$/);
    expect(knownLossNames()).toContain('sparseCategoricalCrossentropy');
  });
});

describe('options and configs', () => {
  it('round-trip through getConfig and the constructor', () => {
    const made: Loss[] = [
      new BinaryCrossentropy({ fromLogits: true, labelSmoothing: 0.2 }),
      new CategoricalCrossentropy({ labelSmoothing: 0.1 }),
      new SparseCategoricalCrossentropy({ fromLogits: true }),
      new Huber({ delta: 2.5 }),
      new MeanSquaredError(),
      new KullbackLeiblerDivergence(),
    ];
    expect(made.map((l) => l.getConfig())).toEqual([
      { fromLogits: true, labelSmoothing: 0.2 },
      { fromLogits: false, labelSmoothing: 0.1 },
      { fromLogits: true },
      { delta: 2.5 },
      {},
      {},
    ]);
    for (const loss of made) {
      const Ctor = loss.constructor as new (o: unknown) => Loss;
      const again = new Ctor(JSON.parse(JSON.stringify(loss.getConfig())));
      expect(again.getConfig()).toEqual(loss.getConfig());
      expect(again.name).toBe(loss.name);
    }
  });

  it('invalid options are ValueErrors naming the loss and the option', () => {
    expect(() => new BinaryCrossentropy({ fromLogit: true } as never)).toThrow(
      "binaryCrossentropy: unknown option 'fromLogit' (did you mean 'fromLogits'?); known options: fromLogits, labelSmoothing",
    );
    expect(() => new CategoricalCrossentropy({ labelSmoothing: 1.5 })).toThrow(/^categoricalCrossentropy: option 'labelSmoothing': .*got 1\.5$/);
    expect(() => categoricalCrossentropy(tensor([[1]]), tensor([[1]]), { fromLogits: 'yes' as never })).toThrow(/^categoricalCrossentropy: option 'fromLogits'/);
    expect(() => new MeanSquaredError({ reduction: 'sum' } as never)).toThrow(/^meanSquaredError: unknown option 'reduction'/);
    expect(() => new SparseCategoricalCrossentropy({ labelSmoothing: 0.1 } as never)).toThrow(/^sparseCategoricalCrossentropy: unknown option 'labelSmoothing'/);
  });

  it('the losses namespace holds the functions, the classes and get', () => {
    expect(losses.get).toBe(getLoss);
    expect(losses.sparseCategoricalCrossentropy).toBe(sparseCategoricalCrossentropy);
    expect(new losses.BinaryCrossentropy()).toBeInstanceOf(BinaryCrossentropy);
    const fnNames = Object.keys(losses).filter((k) => /^[a-z]/.test(k) && k !== 'get');
    expect(fnNames.sort()).toEqual(knownLossNames().filter((n) => n.length > 4).sort());
  });
});

describe('inputs of other dtypes', () => {
  it('int32 predictions are treated as float32; float64 stays float64', () => {
    const out = meanSquaredError(tensor([[1, 2]]), tensor([[3, 2]], [1, 2], 'int32'));
    expect(out.dtype).toBe('float32');
    expectClose(values(out), [2]);
    const f64 = binaryCrossentropy(tensor([[1]]), tensor([[0.25]], [1, 1], 'float64'));
    expect(f64.dtype).toBe('float64');
    expectClose(values(f64), [-Math.log(0.25)], 1e-12);
  });

  it('signed random data keeps every loss finite', () => {
    const x = tensor(signedValues(12, 11) as NestedArray, [4, 3]);
    const y = oneHot(tensor([0, 1, 2, 0], [4], 'int32'), 3).cast('float32');
    for (const fn of [meanSquaredError, logCosh, hinge, categoricalHinge, cosineSimilarity]) {
      expect(values(fn(y, x)).every(Number.isFinite)).toBe(true);
    }
  });
});
