/**
 * Metrics, Keras 3 style: stateful `Metric` objects whose state stays on the
 * device (updates never read it back), per-sample metric functions, and
 * `getMetric`, which resolves what `compile({metrics})` was given.
 *
 * @module
 */
import {
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  TopKCategoricalAccuracy,
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  topKCategoricalAccuracy,
} from './metrics/accuracy.js';
import { AUC, Precision, Recall } from './metrics/confusion.js';
import { getMetric } from './metrics/get-metric.js';
import { Mean, MeanMetricWrapper } from './metrics/metric.js';
import { MeanAbsoluteError, MeanSquaredError } from './metrics/regression.js';

export {
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  TopKCategoricalAccuracy,
  binaryAccuracy,
  categoricalAccuracy,
  sparseCategoricalAccuracy,
  topKCategoricalAccuracy,
  type BinaryAccuracyOptions,
  type TopKCategoricalAccuracyOptions,
} from './metrics/accuracy.js';
export { AUC, PositiveRate, Precision, Recall, type AUCOptions, type ThresholdOptions } from './metrics/confusion.js';
export { getMetric, type MetricContext } from './metrics/get-metric.js';
export { Mean, MeanMetricWrapper, Metric, type MetricFn, type MetricOptions } from './metrics/metric.js';
export { MeanAbsoluteError, MeanSquaredError } from './metrics/regression.js';

/**
 * The metrics in one namespace, Keras style: per-sample functions, classes,
 * and `get`, which resolves a name, a `Metric` or a function (see
 * {@link getMetric}).
 *
 * @example
 * ```ts
 * const hits = metrics.sparseCategoricalAccuracy(labels, logits); // shape [batch], 1 or 0
 * const auc = new metrics.AUC({ curve: 'PR' });
 * const acc = metrics.get('accuracy', { lossName: 'binaryCrossentropy' });
 * ```
 */
export const metrics = {
  /** Per-sample binary accuracy. */
  binaryAccuracy,
  /** Per-sample categorical accuracy (one-hot labels). */
  categoricalAccuracy,
  /** Per-sample sparse categorical accuracy (class index labels). */
  sparseCategoricalAccuracy,
  /** Per-sample top-k categorical accuracy. */
  topKCategoricalAccuracy,
  /** Weighted mean of values. */
  Mean,
  /** Mean of a per-sample function. */
  MeanMetricWrapper,
  /** Binary accuracy metric class. */
  BinaryAccuracy,
  /** Categorical accuracy metric class. */
  CategoricalAccuracy,
  /** Sparse categorical accuracy metric class. */
  SparseCategoricalAccuracy,
  /** Top-k categorical accuracy metric class. */
  TopKCategoricalAccuracy,
  /** Precision metric class. */
  Precision,
  /** Recall metric class. */
  Recall,
  /** Area under the ROC or PR curve metric class. */
  AUC,
  /** Mean squared error metric class. */
  MeanSquaredError,
  /** Mean absolute error metric class. */
  MeanAbsoluteError,
  /** Resolves a name, a `Metric` or a function into a `Metric`. */
  get: getMetric,
};
