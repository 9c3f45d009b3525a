/**
 * The built-in losses as `Loss` objects, Keras 3 style: options are
 * validated when the loss is made, and `getConfig()` returns them so that
 * `new TheClass(loss.getConfig())` rebuilds it.
 *
 * @module
 */
import { z } from 'zod';
import type { Tensor } from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../../layers/config.js';
import {
  binaryCrossentropyImpl,
  categoricalCrossentropyImpl,
  crossentropySchema,
  sparseCategoricalCrossentropyImpl,
  sparseCrossentropySchema,
  type CrossentropyOptions,
  type SparseCrossentropyOptions,
} from './crossentropy.js';
import { categoricalHinge, hinge, squaredHinge } from './hinge.js';
import { Loss } from './loss.js';
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
} from './regression.js';

const noOptions = z.strictObject({});

/**
 * Options of a loss that takes none (an empty object, as `getConfig()` returns).
 *
 * @example
 * ```ts
 * new MeanSquaredError({});
 * ```
 */
export type NoLossOptions = Record<string, never>;

/**
 * Mean squared error as a `Loss` (see {@link meanSquaredError}).
 *
 * @example
 * ```ts
 * new MeanSquaredError().compute(tensor([[0, 1]]), tensor([[1, 1]])); // 0.5
 * ```
 */
export class MeanSquaredError extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('meanSquaredError', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample mean squared error. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return meanSquaredError(yTrue, yPred);
  }
}

/**
 * Mean absolute error as a `Loss` (see {@link meanAbsoluteError}).
 *
 * @example
 * ```ts
 * new MeanAbsoluteError().compute(tensor([[0, 1]]), tensor([[1, 1]])); // 0.5
 * ```
 */
export class MeanAbsoluteError extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('meanAbsoluteError', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample mean absolute error. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return meanAbsoluteError(yTrue, yPred);
  }
}

/**
 * Mean absolute percentage error as a `Loss` (see {@link meanAbsolutePercentageError}).
 *
 * @example
 * ```ts
 * new MeanAbsolutePercentageError().compute(tensor([[2, 4]]), tensor([[1, 5]])); // 37.5
 * ```
 */
export class MeanAbsolutePercentageError extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('meanAbsolutePercentageError', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample mean absolute percentage error. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return meanAbsolutePercentageError(yTrue, yPred);
  }
}

/**
 * Mean squared logarithmic error as a `Loss` (see {@link meanSquaredLogarithmicError}).
 *
 * @example
 * ```ts
 * new MeanSquaredLogarithmicError().compute(tensor([[0]]), tensor([[Math.E - 1]])); // 1
 * ```
 */
export class MeanSquaredLogarithmicError extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('meanSquaredLogarithmicError', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample mean squared logarithmic error. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return meanSquaredLogarithmicError(yTrue, yPred);
  }
}

/**
 * Options of {@link Huber}.
 *
 * @example
 * ```ts
 * const opts: HuberOptions = { delta: 0.5 };
 * ```
 */
export interface HuberOptions {
  /** Where the loss turns from quadratic to linear (default 1, > 0). */
  delta?: number;
}

const huberSchema = z.strictObject({ delta: z.number().positive().finite().default(1) });

/**
 * Huber loss as a `Loss` (see {@link huber}).
 *
 * @example
 * ```ts
 * new Huber({ delta: 2 }).compute(tensor([[0]]), tensor([[3]])); // 2·3 - 2 = 4
 * ```
 */
export class Huber extends Loss {
  /** Where the loss turns linear. */
  readonly delta: number;
  /** @param options `delta` (default 1). */
  constructor(options?: HuberOptions) {
    super('huber', 'same');
    this.delta = parseOptions(huberSchema, options, this.name).delta;
  }
  /** Per-sample Huber loss. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return huber(yTrue, yPred, this.delta);
  }
  /** `{delta}`. */
  override getConfig(): ConfigDict {
    return { delta: this.delta };
  }
}

/**
 * Log-cosh loss as a `Loss` (see {@link logCosh}).
 *
 * @example
 * ```ts
 * new LogCosh().compute(tensor([[0]]), tensor([[1]])); // ≈ 0.4338
 * ```
 */
export class LogCosh extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('logCosh', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample log-cosh loss. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return logCosh(yTrue, yPred);
  }
}

/**
 * Hinge loss as a `Loss` (see {@link hinge}).
 *
 * @example
 * ```ts
 * new Hinge().compute(tensor([[1, -1]]), tensor([[0.5, 0.5]])); // 1
 * ```
 */
export class Hinge extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('hinge', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample hinge loss. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return hinge(yTrue, yPred);
  }
}

/**
 * Squared hinge loss as a `Loss` (see {@link squaredHinge}).
 *
 * @example
 * ```ts
 * new SquaredHinge().compute(tensor([[1, -1]]), tensor([[0.5, 0.5]])); // 1.25
 * ```
 */
export class SquaredHinge extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('squaredHinge', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample squared hinge loss. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return squaredHinge(yTrue, yPred);
  }
}

/**
 * Categorical hinge loss as a `Loss` (see {@link categoricalHinge}).
 *
 * @example
 * ```ts
 * new CategoricalHinge().compute(tensor([[0, 1, 0]]), tensor([[0.3, 0.5, 0.2]])); // 0.8
 * ```
 */
export class CategoricalHinge extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('categoricalHinge', 'oneHot');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample categorical hinge loss. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return categoricalHinge(yTrue, yPred);
  }
}

/**
 * Binary crossentropy as a `Loss` (see {@link binaryCrossentropy}).
 *
 * @example
 * ```ts
 * const loss = new BinaryCrossentropy({ fromLogits: true });
 * loss.compute(tensor([[1], [0]]), tensor([[2], [-1]])); // mean(log(1 + e^-2), log(1 + e^-1))
 * ```
 */
export class BinaryCrossentropy extends Loss {
  /** Whether predictions are logits. */
  readonly fromLogits: boolean;
  /** Label smoothing in `[0, 1]`. */
  readonly labelSmoothing: number;
  /** @param options `fromLogits` (default false), `labelSmoothing` (default 0). */
  constructor(options?: CrossentropyOptions) {
    super('binaryCrossentropy', 'same');
    ({ fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing } = parseOptions(crossentropySchema, options, this.name));
  }
  /** Per-sample binary crossentropy. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return binaryCrossentropyImpl(yTrue, yPred, this);
  }
  /** `{fromLogits, labelSmoothing}`. */
  override getConfig(): ConfigDict {
    return { fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}

/**
 * Categorical crossentropy over one-hot labels as a `Loss` (see {@link categoricalCrossentropy}).
 *
 * @example
 * ```ts
 * const loss = new CategoricalCrossentropy({ fromLogits: true, labelSmoothing: 0.1 });
 * loss.compute(oneHot(labels, 10).cast('float32'), logits);
 * ```
 */
export class CategoricalCrossentropy extends Loss {
  /** Whether predictions are logits. */
  readonly fromLogits: boolean;
  /** Label smoothing in `[0, 1]`. */
  readonly labelSmoothing: number;
  /** @param options `fromLogits` (default false), `labelSmoothing` (default 0). */
  constructor(options?: CrossentropyOptions) {
    super('categoricalCrossentropy', 'oneHot');
    ({ fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing } = parseOptions(crossentropySchema, options, this.name));
  }
  /** Per-sample categorical crossentropy. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return categoricalCrossentropyImpl(yTrue, yPred, this);
  }
  /** `{fromLogits, labelSmoothing}`. */
  override getConfig(): ConfigDict {
    return { fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}

/**
 * Categorical crossentropy over integer class labels as a `Loss` (see {@link sparseCategoricalCrossentropy}).
 *
 * @example
 * ```ts
 * const loss = new SparseCategoricalCrossentropy({ fromLogits: true });
 * loss.compute(tensor([3, 1], [2], 'int32'), logits); // logits of shape [2, numClasses]
 * ```
 */
export class SparseCategoricalCrossentropy extends Loss {
  /** Whether predictions are logits. */
  readonly fromLogits: boolean;
  /** @param options `fromLogits` (default false). */
  constructor(options?: SparseCrossentropyOptions) {
    super('sparseCategoricalCrossentropy', 'sparse');
    this.fromLogits = parseOptions(sparseCrossentropySchema, options, this.name).fromLogits;
  }
  /** Per-sample sparse categorical crossentropy. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return sparseCategoricalCrossentropyImpl(yTrue, yPred, this);
  }
  /** `{fromLogits}`. */
  override getConfig(): ConfigDict {
    return { fromLogits: this.fromLogits };
  }
}

/**
 * Kullback-Leibler divergence as a `Loss` (see {@link kullbackLeiblerDivergence}).
 *
 * @example
 * ```ts
 * new KullbackLeiblerDivergence().compute(tensor([[0.5, 0.5]]), tensor([[0.25, 0.75]])); // ≈ 0.1438
 * ```
 */
export class KullbackLeiblerDivergence extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('kullbackLeiblerDivergence', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample KL divergence. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return kullbackLeiblerDivergence(yTrue, yPred);
  }
}

/**
 * Poisson loss as a `Loss` (see {@link poisson}).
 *
 * @example
 * ```ts
 * new Poisson().compute(tensor([[1]]), tensor([[Math.E]])); // e - 1
 * ```
 */
export class Poisson extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('poisson', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample Poisson loss. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return poisson(yTrue, yPred);
  }
}

/**
 * Negative cosine similarity as a `Loss` (see {@link cosineSimilarity}).
 *
 * @example
 * ```ts
 * new CosineSimilarity().compute(tensor([[1, 0]]), tensor([[2, 0]])); // -1
 * ```
 */
export class CosineSimilarity extends Loss {
  /** @param options None. */
  constructor(options?: NoLossOptions) {
    super('cosineSimilarity', 'same');
    parseOptions(noOptions, options, this.name);
  }
  /** Per-sample negative cosine similarity. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return cosineSimilarity(yTrue, yPred);
  }
}
