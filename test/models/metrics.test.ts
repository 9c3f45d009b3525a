/**
 * Metrics: hand examples (Keras' documented values), accumulation across
 * updates equal to one update on the concatenated batch, resetState, sample
 * weights, AUC and precision/recall arithmetic, the 'accuracy' resolution,
 * shape errors, configs, and no tensor leaks.
 */
import { describe, expect, it } from 'vitest';
import { ShapeError, Tensor, ValueError, concat, memory, tensor, tidy } from '../../src/engine/index.js';
import {
  AUC,
  BinaryAccuracy,
  CategoricalAccuracy,
  Mean,
  MeanAbsoluteError,
  MeanMetricWrapper,
  MeanSquaredError,
  Metric,
  Precision,
  Recall,
  SparseCategoricalAccuracy,
  TopKCategoricalAccuracy,
  binaryAccuracy,
  categoricalAccuracy,
  getMetric,
  metrics,
  sparseCategoricalAccuracy,
  topKCategoricalAccuracy,
} from '../../src/models/metrics.js';
import { rng } from '../helpers/rng.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

/** Reads a metric's result and frees it. */
function read(m: Metric): number {
  const r = m.result();
  expect(r.shape).toEqual([]);
  expect(r.dtype).toBe('float32');
  const v = r.dataSync()[0];
  r.dispose();
  return v;
}

function close(actual: number, expected: number, tol = 1e-6): void {
  if (Math.abs(actual - expected) > tol * (1 + Math.abs(expected))) throw new Error(`expected ${expected}, got ${actual}`);
}

const N = 12;
const C = 4;
const next = rng(21);
const classIds = Array.from({ length: N }, () => Math.floor(next() * C));
const scores = Array.from({ length: N }, () => Array.from({ length: C }, () => next()));
const oneHotRows = classIds.map((id) => Array.from({ length: C }, (_, j) => (j === id ? 1 : 0)));
const binaryTargets = Array.from({ length: N }, () => [next() < 0.5 ? 0 : 1]);
const binaryScores = Array.from({ length: N }, () => [next()]);
const weights = Array.from({ length: N }, () => Math.round(next() * 3));

describe('Mean', () => {
  it('is the weighted mean of values across updates (0 before any)', () => {
    const m = new Mean();
    expect(m.name).toBe('mean');
    expect(read(m)).toBe(0);
    m.updateValues(tensor([1, 3]));
    m.updateValues(tensor([5]), tensor([2]));
    // (1 + 3 + 2·5) / (1 + 1 + 2) = 3.5
    close(read(m), 3.5);
    m.updateState(tensor([10]), undefined, tensor([0]));
    close(read(m), 3.5);
    m.dispose();
  });

  it('averages each sample first, and a scalar counts as one sample (or carries its weight)', () => {
    const m = new Mean({ name: 'loss' });
    expect(m.name).toBe('loss');
    // rows average to 2 and 6; then (2 + 6) / 2 = 4
    m.updateValues(tensor([[1, 3], [5, 7]]));
    close(read(m), 4);
    m.updateValues(tensor(10));
    // (2 + 6 + 10) / 3 = 6
    close(read(m), 6);
    m.resetState();
    // a batch loss of 2 over 3 samples, then 5 over 1: (2·3 + 5·1) / 4
    m.updateValues(tensor(2), tensor(3));
    m.updateValues(tensor(5), tensor(1));
    close(read(m), 11 / 4);
    m.dispose();
  });

  it('rejects weights that do not fit, naming the metric, and keeps its state', () => {
    const m = new Mean({ name: 'loss' });
    m.updateValues(tensor([1, 2]));
    expect(() => m.updateValues(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(ShapeError);
    expect(() => m.updateValues(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/^loss: expected sampleWeight of shape \[3\] \(one weight per sample\)/);
    expect(() => m.updateValues([1, 2] as unknown as Tensor)).toThrow(/^loss: expected values to be a Tensor/);
    close(read(m), 1.5);
    m.dispose();
  });
});

describe('MeanMetricWrapper', () => {
  it('is named after its function and averages its per-sample values', () => {
    const m = new MeanMetricWrapper(function absError(t: Tensor, p: Tensor) {
      return t.sub(p).abs().mean(-1);
    });
    expect(m.name).toBe('absError');
    m.updateState(tensor([[0, 2], [1, 1]]), tensor([[1, 1], [1, 1]]));
    // rows: 1, 0 → 0.5
    close(read(m), 0.5);
    expect(new MeanMetricWrapper((t: Tensor) => t).name).toBe('meanMetricWrapper');
    expect(new MeanMetricWrapper((t: Tensor) => t, { name: 'x' }).name).toBe('x');
    m.dispose();
  });
});

describe('accuracy functions and classes (Keras documented values)', () => {
  it('binary accuracy: strictly above the threshold means 1; labels may omit a last axis of 1', () => {
    const t = tensor([[1], [1], [0], [0]]);
    const p = tensor([[0.98], [1], [0], [0.6]]);
    expect(values(binaryAccuracy(t, p))).toEqual([1, 1, 1, 0]);
    expect(values(binaryAccuracy(tensor([1, 1, 0, 0]), p))).toEqual([1, 1, 1, 0]);
    // 0.5 is not above 0.5
    expect(values(binaryAccuracy(tensor([[1]]), tensor([[0.5]])))).toEqual([0]);
    expect(values(binaryAccuracy(tensor([[1], [0]]), tensor([[0.2], [-0.2]]), 0))).toEqual([1, 1]);
    const m = new BinaryAccuracy();
    m.updateState(t, p);
    close(read(m), 0.75);
    m.resetState();
    m.updateState(t, p, tensor([1, 0, 0, 1]));
    close(read(m), 0.5);
    m.dispose();
  });

  it('categorical accuracy compares arg-maxes', () => {
    const t = tensor([[0, 0, 1], [0, 1, 0]]);
    const p = tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
    expect(values(categoricalAccuracy(t, p))).toEqual([0, 1]);
    const m = new CategoricalAccuracy();
    m.updateState(t, p);
    close(read(m), 0.5);
    m.resetState();
    m.updateState(t, p, tensor([0.7, 0.3]));
    close(read(m), 0.3);
    m.dispose();
  });

  it('sparse categorical accuracy takes int32 or float labels, with or without a last axis of 1', () => {
    const p = tensor([[0.1, 0.6, 0.3], [0.05, 0.95, 0]]);
    expect(values(sparseCategoricalAccuracy(tensor([2, 1], [2], 'int32'), p))).toEqual([0, 1]);
    expect(values(sparseCategoricalAccuracy(tensor([[2], [1]]), p))).toEqual([0, 1]);
    const m = new SparseCategoricalAccuracy();
    m.updateState(tensor([[2], [1]]), p, tensor([0.7, 0.3]));
    close(read(m), 0.3);
    m.dispose();
  });

  it('top-k categorical accuracy: k = 1 and 2, and ties count in favour of the label', () => {
    const t = tensor([[0, 0, 1], [0, 1, 0]]);
    const p = tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]);
    expect(values(topKCategoricalAccuracy(t, p, 1))).toEqual([0, 1]);
    expect(values(topKCategoricalAccuracy(t, p, 2))).toEqual([1, 1]);
    expect(values(topKCategoricalAccuracy(tensor([[0, 1, 0]]), tensor([[0.5, 0.5, 0.1]]), 1))).toEqual([1]);
    expect(values(topKCategoricalAccuracy(t, p))).toEqual([1, 1]);
    const m = new TopKCategoricalAccuracy({ k: 1 });
    m.updateState(t, p, tensor([0.7, 0.3]));
    close(read(m), 0.3);
    m.dispose();
    expect(() => topKCategoricalAccuracy(t, p, 0)).toThrow(/^topKCategoricalAccuracy: expected k to be a positive integer, got 0$/);
  });
});

describe('precision and recall', () => {
  it('hand examples with and without weights (Keras documented values)', () => {
    const t = tensor([0, 1, 1, 1]);
    const p = tensor([1, 0, 1, 1]);
    const precision = new Precision();
    const recall = new Recall();
    precision.updateState(t, p);
    recall.updateState(t, p);
    // tp = 2, fp = 1, fn = 1
    close(read(precision), 2 / 3);
    close(read(recall), 2 / 3);
    precision.resetState();
    recall.resetState();
    precision.updateState(t, p, tensor([0, 0, 1, 0]));
    recall.updateState(t, p, tensor([0, 0, 1, 0]));
    close(read(precision), 1);
    close(read(recall), 1);
    precision.dispose();
    recall.dispose();
  });

  it('thresholds move the decision; no positives gives 0, not NaN', () => {
    const t = tensor([[1], [0], [1], [0]]);
    const p = tensor([[0.9], [0.6], [0.4], [0.2]]);
    const strict = new Precision({ thresholds: 0.7 });
    strict.updateState(t, p);
    close(read(strict), 1); // only 0.9 is positive, and right
    const recall = new Recall({ thresholds: 0.3 });
    recall.updateState(t, p);
    close(read(recall), 1); // 0.9 and 0.4 are positive: both positives found
    const none = new Precision({ thresholds: 0.95 });
    none.updateState(t, p);
    expect(read(none)).toBe(0);
    for (const m of [strict, recall, none]) m.dispose();
  });
});

/** Exact ROC AUC (Mann-Whitney, ties count half) in float64. */
function exactAuc(labels: readonly number[], preds: readonly number[]): number {
  let pairs = 0;
  let wins = 0;
  labels.forEach((li, i) => {
    if (li !== 1) return;
    labels.forEach((lj, j) => {
      if (lj !== 0) return;
      pairs++;
      wins += preds[i] > preds[j] ? 1 : preds[i] === preds[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('AUC', () => {
  const t = tensor([0, 0, 1, 1]);
  const p = tensor([0, 0.5, 0.3, 0.9]);

  it('ROC with 3 thresholds: the Keras example (0.75) and its weighted form (1)', () => {
    // thresholds [-1e-7, 0.5, 1 + 1e-7]: tp = [2, 1, 0], fp = [2, 0, 0], fn = [0, 1, 2], tn = [0, 2, 2]
    // recall = [1, 0.5, 0], fpr = [1, 0, 0]: (1 - 0)·(1 + 0.5)/2 + 0 = 0.75
    const m = new AUC({ numThresholds: 3 });
    m.updateState(t, p);
    close(read(m), 0.75);
    m.resetState();
    m.updateState(t, p, tensor([1, 0, 0, 1]));
    close(read(m), 1);
    m.dispose();
  });

  it('minoring and majoring sums of the same example', () => {
    // heights min(1, 0.5) = 0.5 and max = 1 over the one interval of width 1
    const minoring = new AUC({ numThresholds: 3, summationMethod: 'minoring' });
    const majoring = new AUC({ numThresholds: 3, summationMethod: 'majoring' });
    minoring.updateState(t, p);
    majoring.updateState(t, p);
    close(read(minoring), 0.5);
    close(read(majoring), 1);
    minoring.dispose();
    majoring.dispose();
  });

  it('PR with interpolation: Davis & Goadrich by hand', () => {
    // p = tp + fp = [4, 1, 0]. Interval 1: dtp = 1, slope = 1/3, intercept = 1 - 1/3 = 2/3,
    //   (1/3)(1 + (2/3)·log 4) / (tp + fn = 2). Interval 2: slope 1, intercept 0, ratio 1: 1·1/2.
    const expected = ((1 / 3) * (1 + (2 / 3) * Math.log(4))) / 2 + 0.5;
    const m = new AUC({ numThresholds: 3, curve: 'PR' });
    m.updateState(t, p);
    close(read(m), expected, 1e-6);
    // PR with minoring: recall = [1, 0.5, 0], precision = [0.5, 1, 0]: (0.5)·min(0.5, 1) + 0.5·min(1, 0) = 0.25
    const minoring = new AUC({ numThresholds: 3, curve: 'PR', summationMethod: 'minoring' });
    minoring.updateState(t, p);
    close(read(minoring), 0.25);
    m.dispose();
    minoring.dispose();
  });

  it('perfectly separated data gives 1; reversed gives 0', () => {
    const m = new AUC();
    m.updateState(tensor([0, 0, 0, 1, 1]), tensor([0.1, 0.2, 0.3, 0.7, 0.8]));
    close(read(m), 1);
    const reversed = new AUC();
    reversed.updateState(tensor([1, 1, 0, 0]), tensor([0.1, 0.2, 0.7, 0.8]));
    close(read(reversed), 0);
    const pr = new AUC({ curve: 'PR' });
    pr.updateState(tensor([0, 0, 0, 1, 1]), tensor([0.1, 0.2, 0.3, 0.7, 0.8]));
    close(read(pr), 1, 1e-5);
    for (const x of [m, reversed, pr]) x.dispose();
  });

  it('with many thresholds it approaches the exact ROC AUC; fromLogits applies a sigmoid', () => {
    const labels = binaryTargets.map((r) => r[0]);
    const preds = binaryScores.map((r) => r[0]);
    const m = new AUC({ numThresholds: 2000 });
    m.updateState(tensor(labels), tensor(preds));
    close(read(m), exactAuc(labels, preds), 1e-2);
    const logits = preds.map((q) => Math.log(q / (1 - q)));
    const fromLogits = new AUC({ numThresholds: 2000, fromLogits: true });
    fromLogits.updateState(tensor(labels), tensor(logits));
    close(read(fromLogits), read(m), 1e-5);
    m.dispose();
    fromLogits.dispose();
  });
});

describe('every metric accumulates across updates like one update on the concatenated batch', () => {
  const half = N / 2;
  const cases: [string, () => Metric, number[][] | number[], number[][]][] = [
    ['BinaryAccuracy', () => new BinaryAccuracy(), binaryTargets, binaryScores],
    ['CategoricalAccuracy', () => new CategoricalAccuracy(), oneHotRows, scores],
    ['SparseCategoricalAccuracy', () => new SparseCategoricalAccuracy(), classIds, scores],
    ['TopKCategoricalAccuracy', () => new TopKCategoricalAccuracy({ k: 2 }), oneHotRows, scores],
    ['Precision', () => new Precision(), binaryTargets, binaryScores],
    ['Recall', () => new Recall({ thresholds: 0.4 }), binaryTargets, binaryScores],
    ['AUC ROC', () => new AUC({ numThresholds: 50 }), binaryTargets, binaryScores],
    ['AUC PR', () => new AUC({ numThresholds: 50, curve: 'PR' }), binaryTargets, binaryScores],
    ['MeanSquaredError', () => new MeanSquaredError(), oneHotRows, scores],
    ['MeanAbsoluteError', () => new MeanAbsoluteError(), oneHotRows, scores],
  ];
  for (const [name, make, labels, preds] of cases) {
    it(`${name}: with and without sample weights, then resetState`, () => {
      const all = make();
      all.updateState(tensor(labels), tensor(preds));
      const parts = make();
      parts.updateState(tensor(labels.slice(0, half)), tensor(preds.slice(0, half)));
      parts.updateState(tensor(labels.slice(half)), tensor(preds.slice(half)));
      const whole = read(all);
      close(read(parts), whole, 1e-5);

      all.resetState();
      parts.resetState();
      expect(read(parts)).toBe(0);
      all.updateState(tensor(labels), tensor(preds), tensor(weights));
      parts.updateState(tensor(labels.slice(0, half)), tensor(preds.slice(0, half)), tensor(weights.slice(0, half)));
      parts.updateState(tensor(labels.slice(half)), tensor(preds.slice(half)), tensor(weights.slice(half)));
      close(read(parts), read(all), 1e-5);

      // after a reset, the metric is as good as new
      parts.resetState();
      parts.updateState(tensor(labels), tensor(preds));
      close(read(parts), whole, 1e-5);
      all.dispose();
      parts.dispose();
    });
  }

  it('weights change the result as a weighted mean would (categorical accuracy by hand)', () => {
    const hits = classIds.map((id, i): number => (scores[i].indexOf(Math.max(...scores[i])) === id ? 1 : 0));
    const expected = hits.reduce((a, h, i) => a + h * weights[i], 0) / weights.reduce((a, w) => a + w, 0);
    const m = new CategoricalAccuracy();
    m.updateState(tensor(oneHotRows), tensor(scores), tensor(weights));
    close(read(m), expected);
    m.dispose();
  });
});

describe('getMetric', () => {
  it("'accuracy' and 'acc' pick the accuracy from the loss, then the output shape, and keep the given name", () => {
    const cases: [string, { lossName?: string; outputShape?: (number | null)[] }, new () => Metric][] = [
      ['accuracy', { lossName: 'binaryCrossentropy', outputShape: [null, 3] }, BinaryAccuracy],
      ['accuracy', { lossName: 'binary_crossentropy' }, BinaryAccuracy],
      ['acc', { lossName: 'sparseCategoricalCrossentropy', outputShape: [null, 10] }, SparseCategoricalAccuracy],
      ['accuracy', { lossName: 'sparse_categorical_crossentropy' }, SparseCategoricalAccuracy],
      ['accuracy', { lossName: 'categoricalCrossentropy', outputShape: [null, 10] }, CategoricalAccuracy],
      ['accuracy', { lossName: 'mse', outputShape: [null, 1] }, BinaryAccuracy],
      ['acc', { lossName: 'customLoss', outputShape: [null, 5] }, CategoricalAccuracy],
      ['accuracy', {}, CategoricalAccuracy],
    ];
    for (const [id, context, Cls] of cases) {
      const m = getMetric(id, context);
      expect(m).toBeInstanceOf(Cls);
      expect(m.name).toBe(id);
    }
  });

  it('resolves metric names in any case style, keeping the name given', () => {
    const cases: [string, new () => Metric][] = [
      ['binaryAccuracy', BinaryAccuracy],
      ['binary_accuracy', BinaryAccuracy],
      ['categorical_accuracy', CategoricalAccuracy],
      ['sparseCategoricalAccuracy', SparseCategoricalAccuracy],
      ['top_k_categorical_accuracy', TopKCategoricalAccuracy],
      ['precision', Precision],
      ['recall', Recall],
      ['auc', AUC],
      ['AUC', AUC],
      ['mse', MeanSquaredError],
      ['mean_squared_error', MeanSquaredError],
      ['mae', MeanAbsoluteError],
      ['meanAbsoluteError', MeanAbsoluteError],
    ];
    for (const [id, Cls] of cases) {
      const m = getMetric(id, {});
      expect(m).toBeInstanceOf(Cls);
      expect(m.name).toBe(id);
    }
  });

  it('any loss name becomes the mean of that loss; functions and Metric instances pass through', () => {
    const m = getMetric('binary_crossentropy', {});
    expect(m).toBeInstanceOf(MeanMetricWrapper);
    m.updateState(tensor([[1], [0]]), tensor([[0.8], [0.4]]));
    close(read(m), (-Math.log(0.8) - Math.log(0.6)) / 2, 1e-5);
    const mine = new Precision({ name: 'p' });
    expect(getMetric(mine, {})).toBe(mine);
    function maxError(t: Tensor, p: Tensor): Tensor {
      return t.sub(p).abs().max(-1);
    }
    expect(getMetric(maxError, {}).name).toBe('maxError');
    expect(getMetric((t: Tensor) => t, {}).name).toBe('customMetric');
    expect(metrics.get).toBe(getMetric);
  });

  it('an unknown name is a ValueError naming the owner, a suggestion and the known names', () => {
    expect(() => getMetric('accurracy', {})).toThrow(ValueError);
    expect(() => getMetric('accurracy', {})).toThrow(/^compile: unknown metric 'accurracy' \(did you mean 'accuracy'\?\); known: accuracy, acc, binaryAccuracy, /);
    expect(() => getMetric('presicion', {}, 'evaluate')).toThrow(/^evaluate: unknown metric 'presicion' \(did you mean 'precision'\?\)/);
    expect(() => getMetric(3 as unknown as string, {})).toThrow(/^compile: expected a metric name, a Metric or a function/);
  });
});

describe('shape errors name the metric, and a failed update changes nothing', () => {
  it('categorical and sparse accuracies point to each other', () => {
    const p = tensor(scores.slice(0, 8));
    expect(() => categoricalAccuracy(tensor(classIds.slice(0, 8)), p)).toThrow(
      'categoricalAccuracy: expected yTrue of shape [8,4] (one-hot, the shape of yPred), got [8]; for integer class labels use sparseCategoricalAccuracy',
    );
    expect(() => sparseCategoricalAccuracy(tensor(oneHotRows.slice(0, 8)), p)).toThrow(
      'sparseCategoricalAccuracy: expected yTrue of shape [8] or [8,1] (class indices), got [8,4]; for one-hot labels use categoricalAccuracy',
    );
  });

  it('AUC, precision and binary accuracy require labels of the shape of the predictions', () => {
    const m = new AUC({ name: 'val_auc' });
    m.updateState(tensor([0, 1]), tensor([0.2, 0.9]));
    const before = read(m);
    expect(() => m.updateState(tensor([0, 1, 1]), tensor([0.2, 0.9]))).toThrow(ShapeError);
    expect(() => m.updateState(tensor([0, 1, 1]), tensor([0.2, 0.9]))).toThrow(/^val_auc: expected yTrue of shape \[2\] \(the shape of yPred\), got \[3\]$/);
    expect(() => m.updateState(tensor([0, 1]), tensor([0.2, 0.9]), tensor([1, 2, 3]))).toThrow(/^val_auc: expected sampleWeight/);
    expect(read(m)).toBe(before);
    expect(() => new Precision().updateState(tensor([[1, 0]]), tensor([[0.5]]))).toThrow(/^precision: expected yTrue of shape \[1,1\] or \[1\]/);
    expect(() => new BinaryAccuracy().updateState(tensor([[1, 0]]), tensor([[0.5]]))).toThrow(/^binaryAccuracy: /);
    m.dispose();
  });
});

describe('options and configs', () => {
  it('round-trip through getConfig and the constructor', () => {
    const made: Metric[] = [
      new Mean({ name: 'loss' }),
      new BinaryAccuracy({ threshold: 0.3, name: 'acc' }),
      new CategoricalAccuracy(),
      new SparseCategoricalAccuracy(),
      new TopKCategoricalAccuracy({ k: 3 }),
      new Precision({ thresholds: 0.6 }),
      new Recall({ name: 'r' }),
      new AUC({ numThresholds: 10, curve: 'PR', summationMethod: 'majoring', fromLogits: true, name: 'pr' }),
      new MeanSquaredError(),
      new MeanAbsoluteError({ name: 'mae' }),
    ];
    expect(made.map((m) => m.getConfig())).toEqual([
      { name: 'loss' },
      { name: 'acc', threshold: 0.3 },
      { name: 'categoricalAccuracy' },
      { name: 'sparseCategoricalAccuracy' },
      { name: 'topKCategoricalAccuracy', k: 3 },
      { name: 'precision', thresholds: 0.6 },
      { name: 'r', thresholds: 0.5 },
      { name: 'pr', numThresholds: 10, curve: 'PR', summationMethod: 'majoring', fromLogits: true },
      { name: 'meanSquaredError' },
      { name: 'mae' },
    ]);
    for (const m of made) {
      const Ctor = m.constructor as new (o: unknown) => Metric;
      expect(new Ctor(JSON.parse(JSON.stringify(m.getConfig()))).getConfig()).toEqual(m.getConfig());
    }
  });

  it('invalid options are ValueErrors naming the metric and the option', () => {
    expect(() => new AUC({ curve: 'roc' as never })).toThrow(/^auc: option 'curve'/);
    expect(() => new AUC({ numThresholds: 1 })).toThrow(/^auc: option 'numThresholds'/);
    expect(() => new TopKCategoricalAccuracy({ k: 1.5 })).toThrow(/^topKCategoricalAccuracy: option 'k'/);
    expect(() => new Precision({ threshold: 0.5 } as never)).toThrow("precision: unknown option 'threshold' (did you mean 'thresholds'?); known options: name, thresholds");
    expect(() => new Mean({ name: '' })).toThrow(/^mean: option 'name'/);
  });

  it('the metrics namespace holds the functions, the classes and get', () => {
    expect(metrics.binaryAccuracy).toBe(binaryAccuracy);
    expect(new metrics.AUC()).toBeInstanceOf(AUC);
    expect(new metrics.MeanSquaredError().name).toBe('meanSquaredError');
  });
});

describe('memory', () => {
  it('updateState, result, resetState and dispose leak no tensors', () => {
    const labels = tensor(binaryTargets);
    const preds = tensor(binaryScores);
    const hot = tensor(oneHotRows);
    const sc = tensor(scores);
    const ids = tensor(classIds, [N], 'int32');
    const w = tensor(weights);
    const before = memory().numTensors;
    const made: [Metric, Tensor, Tensor][] = [
      [new BinaryAccuracy(), labels, preds],
      [new CategoricalAccuracy(), hot, sc],
      [new SparseCategoricalAccuracy(), ids, sc],
      [new TopKCategoricalAccuracy({ k: 2 }), hot, sc],
      [new Precision(), labels, preds],
      [new Recall(), labels, preds],
      [new AUC(), labels, preds],
      [new AUC({ curve: 'PR' }), labels, preds],
      [new MeanSquaredError(), hot, sc],
    ];
    // state is created on the first update and replaced, not grown, on later ones
    for (const [m, t, p] of made) m.updateState(t, p);
    const withState = memory().numTensors;
    for (const [m, t, p] of made) {
      m.updateState(t, p, w);
      m.result().dispose();
      tidy(() => {
        m.updateState(t, p);
        m.result();
      });
    }
    expect(memory().numTensors).toBe(withState);
    for (const [m] of made) m.resetState();
    expect(memory().numTensors).toBe(before);
    for (const [m, t, p] of made) {
      m.updateState(t, p);
      m.dispose();
    }
    expect(memory().numTensors).toBe(before);
  });

  it('state updated inside a tidy survives it', () => {
    const m = new Mean();
    tidy(() => m.updateValues(tensor([2, 4])));
    close(read(m), 3);
    m.dispose();
  });

  it('a failed update leaks nothing', () => {
    const m = new CategoricalAccuracy();
    const t = tensor([1, 2]);
    const p = tensor([[0.1, 0.9], [0.3, 0.7]]);
    const before = memory().numTensors;
    expect(() => m.updateState(t, p)).toThrow(ShapeError);
    expect(memory().numTensors).toBe(before);
  });

  it('updates work on concatenated inputs built inside the call', () => {
    const m = new Recall();
    m.updateState(concat([tensor([1]), tensor([1])]), concat([tensor([0.9]), tensor([0.1])]));
    close(read(m), 0.5);
    m.dispose();
  });
});
