/**
 * Initializers that draw from a fixed distribution: uniform, normal,
 * truncated normal.
 *
 * Seeding follows Keras 3: an initializer built with a seed returns the same
 * values on every call; without one it draws from the engine's global
 * generator, which `setSeed` makes reproducible.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError, randomNormal, randomUniform, truncatedNormal, type Tensor } from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../config.js';
import { Initializer, checkApplyArgs, ownerOf, seedSchema, type InitializerDType } from './base.js';

/**
 * Options of {@link RandomUniform}.
 *
 * @example
 * ```ts
 * const args: RandomUniformArgs = { minval: -0.1, maxval: 0.1, seed: 1 };
 * ```
 */
export interface RandomUniformArgs {
  /** Inclusive lower bound (default -0.05). */
  minval?: number;
  /** Exclusive upper bound (default 0.05). */
  maxval?: number;
  /** A non-negative integer: the same values on every call. */
  seed?: number | null;
}

const uniformSchema = z.strictObject({ minval: z.number().default(-0.05), maxval: z.number().default(0.05), seed: seedSchema });

/**
 * Uniform values in `[minval, maxval)` (Keras defaults -0.05 and 0.05).
 *
 * @example
 * ```ts
 * new RandomUniform({ minval: -1, maxval: 1, seed: 3 }).apply([2, 2]);
 * ```
 */
export class RandomUniform extends Initializer {
  /** `'RandomUniform'`. */
  readonly className: string = 'RandomUniform';
  /** Inclusive lower bound. */
  readonly minval: number;
  /** Exclusive upper bound. */
  readonly maxval: number;
  /** The seed, if any. */
  readonly seed: number | undefined;

  /** @param args `{minval, maxval, seed}`; `minval < maxval`. */
  constructor(args: RandomUniformArgs = {}) {
    super();
    const o = parseOptions(uniformSchema, args, 'randomUniform');
    if (!(o.minval < o.maxval)) throw new ValueError(`randomUniform: expected minval < maxval, got minval ${o.minval} and maxval ${o.maxval}`);
    this.minval = o.minval;
    this.maxval = o.maxval;
    this.seed = o.seed ?? undefined;
  }

  /** Draws the values (float32 or float64). */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    const d = checkApplyArgs(ownerOf(this), shape, dtype, false);
    return randomUniform(shape, this.minval, this.maxval, d, this.seed);
  }

  /** `{minval, maxval, seed}`. */
  getConfig(): ConfigDict {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed ?? null };
  }
}

/**
 * Options of {@link RandomNormal} and {@link TruncatedNormal}.
 *
 * @example
 * ```ts
 * const args: RandomNormalArgs = { mean: 0, stddev: 0.02, seed: 1 };
 * ```
 */
export interface RandomNormalArgs {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation, >= 0 (default 0.05). */
  stddev?: number;
  /** A non-negative integer: the same values on every call. */
  seed?: number | null;
}

const normalSchema = z.strictObject({ mean: z.number().default(0), stddev: z.number().min(0).default(0.05), seed: seedSchema });

/**
 * Normally distributed values (Keras defaults: mean 0, stddev 0.05).
 *
 * @example
 * ```ts
 * new RandomNormal({ stddev: 0.02 }).apply([768, 768]);
 * ```
 */
export class RandomNormal extends Initializer {
  /** `'RandomNormal'`. */
  readonly className: string = 'RandomNormal';
  /** Mean. */
  readonly mean: number;
  /** Standard deviation. */
  readonly stddev: number;
  /** The seed, if any. */
  readonly seed: number | undefined;

  /** @param args `{mean, stddev, seed}`. */
  constructor(args: RandomNormalArgs = {}) {
    super();
    const o = parseOptions(normalSchema, args, 'randomNormal');
    this.mean = o.mean;
    this.stddev = o.stddev;
    this.seed = o.seed ?? undefined;
  }

  /** Draws the values (float32 or float64). */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    const d = checkApplyArgs(ownerOf(this), shape, dtype, false);
    return randomNormal(shape, this.mean, this.stddev, d, this.seed);
  }

  /** `{mean, stddev, seed}`. */
  getConfig(): ConfigDict {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}

/**
 * Normal values redrawn until they lie within two standard deviations of
 * the mean (Keras defaults: mean 0, stddev 0.05). `stddev` is that of the
 * normal before truncation, so the values' actual standard deviation is
 * about 0.88·stddev.
 *
 * @example
 * ```ts
 * new TruncatedNormal({ stddev: 0.02, seed: 7 }).apply([512, 512]); // all within ±0.04
 * ```
 */
export class TruncatedNormal extends Initializer {
  /** `'TruncatedNormal'`. */
  readonly className: string = 'TruncatedNormal';
  /** Mean. */
  readonly mean: number;
  /** Standard deviation of the normal before truncation. */
  readonly stddev: number;
  /** The seed, if any. */
  readonly seed: number | undefined;

  /** @param args `{mean, stddev, seed}`. */
  constructor(args: RandomNormalArgs = {}) {
    super();
    const o = parseOptions(normalSchema, args, 'truncatedNormal');
    this.mean = o.mean;
    this.stddev = o.stddev;
    this.seed = o.seed ?? undefined;
  }

  /** Draws the values (float32 or float64). */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    const d = checkApplyArgs(ownerOf(this), shape, dtype, false);
    return truncatedNormal(shape, this.mean, this.stddev, d, this.seed);
  }

  /** `{mean, stddev, seed}`. */
  getConfig(): ConfigDict {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}
