/**
 * Accuracy metrics, Keras 3 semantics: per-sample functions (1 for a hit, 0
 * for a miss) and the `MeanMetricWrapper` classes that average them.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError, argMax, cast, equal, greater, isFinite, less, logicalAnd, max, oneHot, sum, tidy, where, type Tensor } from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../../layers/config.js';
import { alignLabels, alignSparseLabels } from '../losses/labels.js';
import { MeanMetricWrapper, nameSchema, type MetricOptions } from './metric.js';

function assertFiniteNumber(owner: string, what: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${owner}: expected ${what} to be a finite number, got ${String(v)}`);
}

function assertPositiveInt(owner: string, what: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ValueError(`${owner}: expected ${what} to be a positive integer, got ${String(v)}`);
}

/**
 * Binary accuracy, averaged over the last axis: a prediction above
 * `threshold` means 1, and it is a hit when it equals the label. `yTrue` has
 * `yPred`'s shape (or omits a last axis of 1).
 *
 * @param threshold The decision threshold (default 0.5; use 0 for logits).
 * @example
 * ```ts
 * binaryAccuracy(tensor([[1], [1], [0], [0]]), tensor([[0.98], [1], [0], [0.6]])); // [1, 1, 1, 0]
 * ```
 */
export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  assertFiniteNumber('binaryAccuracy', 'threshold', threshold);
  return tidy(() => {
    const [t, p] = alignLabels('binaryAccuracy', 'same', yTrue, yPred);
    return cast(equal(t, cast(greater(p, threshold), t.dtype)), 'float32').mean(-1);
  });
}

/**
 * Categorical accuracy per sample: 1 where the arg-max of the one-hot label
 * equals the arg-max of the prediction (probabilities or logits).
 *
 * @example
 * ```ts
 * categoricalAccuracy(tensor([[0, 0, 1], [0, 1, 0]]), tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]])); // [0, 1]
 * ```
 */
export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('categoricalAccuracy', 'oneHot', yTrue, yPred);
    return cast(equal(argMax(t, t.rank - 1), argMax(p, p.rank - 1)), 'float32');
  });
}

/**
 * Sparse categorical accuracy per sample: 1 where the integer class label
 * equals the arg-max of the prediction. `yTrue` has `yPred`'s shape without
 * the class axis (or with a last axis of 1), int32 or float.
 *
 * @example
 * ```ts
 * sparseCategoricalAccuracy(tensor([2, 1], [2], 'int32'), tensor([[0.1, 0.6, 0.3], [0.05, 0.95, 0]])); // [0, 1]
 * ```
 */
export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [labels, p] = alignSparseLabels('sparseCategoricalAccuracy', yTrue, yPred);
    const predicted = cast(argMax(p, p.rank - 1), 'float32');
    return cast(equal(cast(labels, 'float32'), predicted), 'float32');
  });
}

/**
 * Top-k categorical accuracy per sample: 1 where the labelled class (the
 * arg-max of the one-hot label) is among the `k` highest predictions. As in
 * TensorFlow's `in_top_k`, classes tied with the labelled class count in its
 * favour, and a non-finite prediction for it is a miss.
 *
 * @param k How many top predictions count (default 5).
 * @example
 * ```ts
 * topKCategoricalAccuracy(tensor([[0, 0, 1], [0, 1, 0]]), tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]), 1); // [0, 1]
 * ```
 */
export function topKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  assertPositiveInt('topKCategoricalAccuracy', 'k', k);
  return tidy(() => {
    const [t, p] = alignLabels('topKCategoricalAccuracy', 'oneHot', yTrue, yPred);
    const numClasses = p.shape[p.rank - 1];
    const isTarget = cast(oneHot(argMax(t, t.rank - 1), numClasses), 'bool');
    const targetScore = max(where(isTarget, p, Number.NEGATIVE_INFINITY), -1, true);
    const better = sum(cast(greater(p, targetScore), 'float32'), -1);
    return cast(logicalAnd(less(better, k), isFinite(targetScore.squeeze(-1))), 'float32');
  });
}

const nameOnly = (defaultName: string) => z.strictObject({ name: nameSchema.default(defaultName) });

/**
 * Options of {@link BinaryAccuracy}.
 *
 * @example
 * ```ts
 * const opts: BinaryAccuracyOptions = { threshold: 0, name: 'acc' }; // predictions are logits
 * ```
 */
export interface BinaryAccuracyOptions extends MetricOptions {
  /** The decision threshold (default 0.5). */
  threshold?: number;
}

/**
 * The mean of {@link binaryAccuracy} over every sample seen.
 *
 * @example
 * ```ts
 * const m = new BinaryAccuracy();
 * m.updateState(tensor([[1], [1], [0], [0]]), tensor([[0.98], [1], [0], [0.6]]));
 * m.result(); // 0.75
 * ```
 */
export class BinaryAccuracy extends MeanMetricWrapper {
  /** The decision threshold. */
  readonly threshold: number;
  /** @param options `threshold` (default 0.5), `name` (default `'binaryAccuracy'`). */
  constructor(options?: BinaryAccuracyOptions) {
    const o = parseOptions(z.strictObject({ name: nameSchema.default('binaryAccuracy'), threshold: z.number().finite().default(0.5) }), options, 'binaryAccuracy');
    super((yTrue, yPred) => binaryAccuracy(yTrue, yPred, o.threshold), { name: o.name });
    this.threshold = o.threshold;
  }
  /** `{name, threshold}`. */
  override getConfig(): ConfigDict {
    return { name: this.name, threshold: this.threshold };
  }
}

/**
 * The mean of {@link categoricalAccuracy} over every sample seen.
 *
 * @example
 * ```ts
 * const m = new CategoricalAccuracy();
 * m.updateState(tensor([[0, 0, 1], [0, 1, 0]]), tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]));
 * m.result(); // 0.5
 * ```
 */
export class CategoricalAccuracy extends MeanMetricWrapper {
  /** @param options `name` (default `'categoricalAccuracy'`). */
  constructor(options?: MetricOptions) {
    super(categoricalAccuracy, { name: parseOptions(nameOnly('categoricalAccuracy'), options, 'categoricalAccuracy').name });
  }
}

/**
 * The mean of {@link sparseCategoricalAccuracy} over every sample seen.
 *
 * @example
 * ```ts
 * const m = new SparseCategoricalAccuracy();
 * m.updateState(tensor([2, 1], [2], 'int32'), tensor([[0.1, 0.6, 0.3], [0.05, 0.95, 0]]));
 * m.result(); // 0.5
 * ```
 */
export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  /** @param options `name` (default `'sparseCategoricalAccuracy'`). */
  constructor(options?: MetricOptions) {
    super(sparseCategoricalAccuracy, { name: parseOptions(nameOnly('sparseCategoricalAccuracy'), options, 'sparseCategoricalAccuracy').name });
  }
}

/**
 * Options of {@link TopKCategoricalAccuracy}.
 *
 * @example
 * ```ts
 * const opts: TopKCategoricalAccuracyOptions = { k: 3, name: 'top3' };
 * ```
 */
export interface TopKCategoricalAccuracyOptions extends MetricOptions {
  /** How many top predictions count (default 5). */
  k?: number;
}

/**
 * The mean of {@link topKCategoricalAccuracy} over every sample seen.
 *
 * @example
 * ```ts
 * const m = new TopKCategoricalAccuracy({ k: 1 });
 * m.updateState(tensor([[0, 0, 1], [0, 1, 0]]), tensor([[0.1, 0.9, 0.8], [0.05, 0.95, 0]]));
 * m.result(); // 0.5
 * ```
 */
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  /** How many top predictions count. */
  readonly k: number;
  /** @param options `k` (default 5), `name` (default `'topKCategoricalAccuracy'`). */
  constructor(options?: TopKCategoricalAccuracyOptions) {
    const o = parseOptions(
      z.strictObject({ name: nameSchema.default('topKCategoricalAccuracy'), k: z.number().int().positive().default(5) }),
      options,
      'topKCategoricalAccuracy',
    );
    super((yTrue, yPred) => topKCategoricalAccuracy(yTrue, yPred, o.k), { name: o.name });
    this.k = o.k;
  }
  /** `{name, k}`. */
  override getConfig(): ConfigDict {
    return { name: this.name, k: this.k };
  }
}
