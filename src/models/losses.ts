/**
 * Losses, Keras 3 semantics: per-sample functions (reduced over the last
 * axis), `Loss` objects with options and a scalar `compute`, and `getLoss`,
 * which resolves what `compile({loss})` was given.
 *
 * @module
 */
import {
  BinaryCrossentropy,
  CategoricalCrossentropy,
  CategoricalHinge,
  CosineSimilarity,
  Hinge,
  Huber,
  KullbackLeiblerDivergence,
  LogCosh,
  MeanAbsoluteError,
  MeanAbsolutePercentageError,
  MeanSquaredError,
  MeanSquaredLogarithmicError,
  Poisson,
  SparseCategoricalCrossentropy,
  SquaredHinge,
} from './losses/classes.js';
import { binaryCrossentropy, categoricalCrossentropy, sparseCategoricalCrossentropy } from './losses/crossentropy.js';
import { getLoss } from './losses/get-loss.js';
import { categoricalHinge, hinge, squaredHinge } from './losses/hinge.js';
import {
  cosineSimilarity,
  huber,
  kullbackLeiblerDivergence,
  logCosh,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  meanSquaredLogarithmicError,
  poisson,
} from './losses/regression.js';

export * from './losses/classes.js';
export {
  binaryCrossentropy,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  type CrossentropyOptions,
  type SparseCrossentropyOptions,
} from './losses/crossentropy.js';
export { canonicalLossName, getLoss, knownLossNames } from './losses/get-loss.js';
export { categoricalHinge, hinge, squaredHinge } from './losses/hinge.js';
export type { LabelFormat } from './losses/labels.js';
export { Loss, LossFunctionWrapper, checkLabels, type LossFn } from './losses/loss.js';
export {
  cosineSimilarity,
  huber,
  kullbackLeiblerDivergence,
  logCosh,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  meanSquaredLogarithmicError,
  poisson,
} from './losses/regression.js';

/**
 * The losses in one namespace, Keras style: per-sample functions
 * (`losses.meanSquaredError(yTrue, yPred)`), classes
 * (`new losses.BinaryCrossentropy({fromLogits: true})`), and `get`, which
 * resolves a name, a `Loss` or a function (see {@link getLoss}).
 *
 * @example
 * ```ts
 * const perSample = losses.categoricalCrossentropy(yTrue, logits, { fromLogits: true }); // shape [batch]
 * const loss = new losses.SparseCategoricalCrossentropy({ fromLogits: true });
 * const value = loss.compute(labels, logits); // scalar
 * losses.get('mse').name; // 'meanSquaredError'
 * ```
 */
export const losses = {
  /** Per-sample mean squared error. */
  meanSquaredError,
  /** Per-sample mean absolute error. */
  meanAbsoluteError,
  /** Per-sample mean absolute percentage error. */
  meanAbsolutePercentageError,
  /** Per-sample mean squared logarithmic error. */
  meanSquaredLogarithmicError,
  /** Per-sample Huber loss. */
  huber,
  /** Per-sample log-cosh loss. */
  logCosh,
  /** Per-sample hinge loss. */
  hinge,
  /** Per-sample squared hinge loss. */
  squaredHinge,
  /** Per-sample categorical hinge loss. */
  categoricalHinge,
  /** Per-sample binary crossentropy. */
  binaryCrossentropy,
  /** Per-sample categorical crossentropy (one-hot labels). */
  categoricalCrossentropy,
  /** Per-sample sparse categorical crossentropy (class index labels). */
  sparseCategoricalCrossentropy,
  /** Per-sample Kullback-Leibler divergence. */
  kullbackLeiblerDivergence,
  /** Per-sample Poisson loss. */
  poisson,
  /** Per-sample negative cosine similarity. */
  cosineSimilarity,
  /** Mean squared error loss class. */
  MeanSquaredError,
  /** Mean absolute error loss class. */
  MeanAbsoluteError,
  /** Mean absolute percentage error loss class. */
  MeanAbsolutePercentageError,
  /** Mean squared logarithmic error loss class. */
  MeanSquaredLogarithmicError,
  /** Huber loss class. */
  Huber,
  /** Log-cosh loss class. */
  LogCosh,
  /** Hinge loss class. */
  Hinge,
  /** Squared hinge loss class. */
  SquaredHinge,
  /** Categorical hinge loss class. */
  CategoricalHinge,
  /** Binary crossentropy loss class. */
  BinaryCrossentropy,
  /** Categorical crossentropy loss class. */
  CategoricalCrossentropy,
  /** Sparse categorical crossentropy loss class. */
  SparseCategoricalCrossentropy,
  /** Kullback-Leibler divergence loss class. */
  KullbackLeiblerDivergence,
  /** Poisson loss class. */
  Poisson,
  /** Negative cosine similarity loss class. */
  CosineSimilarity,
  /** Resolves a name, a `Loss` or a function into a `Loss`. */
  get: getLoss,
};
