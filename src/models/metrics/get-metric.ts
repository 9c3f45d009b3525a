/**
 * Metric lookup for `compile({metrics})`: names (with Keras' `'accuracy'`
 * resolution from the loss and output shape), metric objects, and plain
 * per-sample functions.
 *
 * @module
 */
import { ValueError } from '../../engine/index.js';
import { didYouMean, toSnakeCase } from '../../layers/config.js';
import { canonicalLossName, getLoss, knownLossNames } from '../losses/get-loss.js';
import { BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy } from './accuracy.js';
import { AUC, Precision, Recall } from './confusion.js';
import { MeanMetricWrapper, Metric, type MetricFn } from './metric.js';
import { MeanAbsoluteError, MeanSquaredError } from './regression.js';

/**
 * What `getMetric` knows about the model output a metric will watch.
 *
 * @example
 * ```ts
 * const ctx: MetricContext = { lossName: 'sparseCategoricalCrossentropy', outputShape: [null, 10] };
 * ```
 */
export interface MetricContext {
  /** The loss's name (any spelling `getLoss` accepts, or a custom loss's name). */
  lossName?: string;
  /** The output's shape, `null` for unknown dimensions (the batch). */
  outputShape?: readonly (number | null)[];
}

const FACTORIES: Readonly<Record<string, (name: string) => Metric>> = {
  binaryAccuracy: (name) => new BinaryAccuracy({ name }),
  categoricalAccuracy: (name) => new CategoricalAccuracy({ name }),
  sparseCategoricalAccuracy: (name) => new SparseCategoricalAccuracy({ name }),
  topKCategoricalAccuracy: (name) => new TopKCategoricalAccuracy({ name }),
  precision: (name) => new Precision({ name }),
  recall: (name) => new Recall({ name }),
  auc: (name) => new AUC({ name }),
  meanSquaredError: (name) => new MeanSquaredError({ name }),
  mse: (name) => new MeanSquaredError({ name }),
  meanAbsoluteError: (name) => new MeanAbsoluteError({ name }),
  mae: (name) => new MeanAbsoluteError({ name }),
};

function normalize(name: string): string {
  return name.replace(/_/g, '').toLowerCase();
}

const BY_KEY = new Map(Object.entries(FACTORIES).map(([k, f]) => [normalize(k), f]));

/** Every metric spelling, for "did you mean" hints. */
function spellings(): string[] {
  const names = ['accuracy', 'acc', ...Object.keys(FACTORIES), ...knownLossNames()];
  return [...names, ...names.map(toSnakeCase)];
}

/** Keras' choice of accuracy for `'accuracy'`: from the loss first, then from the output's last axis. */
function accuracyFor(name: string, context: MetricContext): Metric {
  const loss = context.lossName === undefined ? undefined : (canonicalLossName(context.lossName) ?? context.lossName);
  if (loss === 'binaryCrossentropy') return new BinaryAccuracy({ name });
  if (loss === 'sparseCategoricalCrossentropy') return new SparseCategoricalAccuracy({ name });
  const shape = context.outputShape;
  if (shape && shape.length > 0 && shape[shape.length - 1] === 1) return new BinaryAccuracy({ name });
  return new CategoricalAccuracy({ name });
}

/**
 * Resolves what `compile({metrics})` was given into a `Metric`:
 * - `'accuracy'` or `'acc'`: binary accuracy with binary crossentropy,
 *   sparse categorical accuracy with sparse categorical crossentropy;
 *   otherwise binary accuracy when the output's last axis is 1, else
 *   categorical accuracy (Keras' rule). The metric keeps the name given.
 * - Another name, in camelCase or snake_case: `'binaryAccuracy'`,
 *   `'categoricalAccuracy'`, `'sparseCategoricalAccuracy'`,
 *   `'topKCategoricalAccuracy'`, `'precision'`, `'recall'`, `'auc'`,
 *   `'mse'`, `'mae'`, `'meanSquaredError'`, `'meanAbsoluteError'`, or any
 *   loss name `getLoss` knows (the mean of its per-sample values). The metric
 *   is named as given.
 * - A `Metric`: returned as is.
 * - A function `(yTrue, yPred) => per-sample Tensor`: the mean of its values,
 *   named after the function (`'customMetric'` when anonymous).
 *
 * @param id The metric.
 * @param context The loss and output the metric will watch.
 * @param owner Who is asking, for messages (default `'compile'`).
 * @example
 * ```ts
 * getMetric('accuracy', { lossName: 'sparseCategoricalCrossentropy' }); // SparseCategoricalAccuracy named 'accuracy'
 * getMetric('acc', { outputShape: [null, 1] }); // BinaryAccuracy named 'acc'
 * getMetric('auc', {}).name; // 'auc'
 * ```
 */
export function getMetric(id: string | Metric | MetricFn, context: MetricContext = {}, owner = 'compile'): Metric {
  if (id instanceof Metric) return id;
  if (typeof id === 'function') return new MeanMetricWrapper(id, { name: id.name || 'customMetric' });
  if (typeof id !== 'string') {
    const got = id === null ? 'null' : typeof id === 'object' ? `an instance of ${(id as object).constructor?.name ?? 'an unknown class'}` : typeof id;
    throw new ValueError(`${owner}: expected a metric name, a Metric or a function (yTrue, yPred) => Tensor, got ${got}`);
  }
  if (id.length === 0) throw new ValueError(`${owner}: expected a metric name, got an empty string`);
  const key = normalize(id);
  if (key === 'accuracy' || key === 'acc') return accuracyFor(id, context ?? {});
  const make = BY_KEY.get(key);
  if (make) return make(id);
  if (canonicalLossName(id) !== undefined) {
    const loss = getLoss(id, owner);
    return new MeanMetricWrapper((yTrue, yPred) => loss.call(yTrue, yPred), { name: id });
  }
  const known = ['accuracy', 'acc', ...Object.keys(FACTORIES), ...knownLossNames().filter((n) => !(n in FACTORIES))];
  throw new ValueError(`${owner}: unknown metric '${id}'${didYouMean(id, spellings())}; known: ${known.join(', ')}`);
}
