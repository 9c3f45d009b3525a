/**
 * Variance scaling and its named presets (Glorot, He, LeCun): a
 * distribution whose variance is `scale / n`, where `n` is the weight's
 * fan-in, fan-out or their average.
 *
 * @module
 */
import { z } from 'zod';
import { randomNormal, randomUniform, truncatedNormal, type Tensor } from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../config.js';
import { Initializer, checkApplyArgs, computeFans, ownerOf, seedSchema, type InitializerDType } from './base.js';

/** Which fan divides the scale. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** Which distribution {@link VarianceScaling} draws from. */
export type VarianceDistribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform';

/**
 * Options of {@link VarianceScaling}. Keras' snake_case spellings
 * (`'fan_in'`, `'truncated_normal'`) are accepted too.
 *
 * @example
 * ```ts
 * const args: VarianceScalingArgs = { scale: 2, mode: 'fanIn', distribution: 'truncatedNormal' };
 * ```
 */
export interface VarianceScalingArgs {
  /** Positive scale (default 1). */
  scale?: number;
  /** `'fanIn'` (default), `'fanOut'` or `'fanAvg'`. */
  mode?: FanMode | 'fan_in' | 'fan_out' | 'fan_avg';
  /** `'truncatedNormal'` (default), `'untruncatedNormal'` or `'uniform'`. */
  distribution?: VarianceDistribution | 'truncated_normal' | 'untruncated_normal';
  /** A non-negative integer: the same values on every call. */
  seed?: number | null;
}

const modes = { fanIn: 'fanIn', fanOut: 'fanOut', fanAvg: 'fanAvg', fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' } as const;
const distributions = {
  truncatedNormal: 'truncatedNormal',
  untruncatedNormal: 'untruncatedNormal',
  uniform: 'uniform',
  truncated_normal: 'truncatedNormal',
  untruncated_normal: 'untruncatedNormal',
} as const;

const varianceSchema = z.strictObject({
  scale: z.number().positive().default(1),
  mode: z
    .enum(Object.keys(modes) as [keyof typeof modes, ...(keyof typeof modes)[]])
    .default('fanIn')
    .transform((m) => modes[m]),
  distribution: z
    .enum(Object.keys(distributions) as [keyof typeof distributions, ...(keyof typeof distributions)[]])
    .default('truncatedNormal')
    .transform((d) => distributions[d]),
  seed: seedSchema,
});

/** The standard deviation of a standard normal truncated to [-2, 2]: dividing by it restores the intended variance. */
const TRUNCATED_STDDEV = 0.87962566103423978;

/**
 * Draws with variance `scale / n`, `n` = max(1, fanIn, fanOut or their
 * average per `mode`) (see `computeFans`): a truncated normal with stddev
 * `sqrt(scale / n) / 0.8796` (the truncation's correction), an untruncated
 * normal with stddev `sqrt(scale / n)`, or uniform in `±sqrt(3 · scale / n)`.
 *
 * @example
 * ```ts
 * new VarianceScaling({ scale: 2, mode: 'fanIn', distribution: 'untruncatedNormal' }).apply([256, 128]);
 * ```
 */
export class VarianceScaling extends Initializer {
  /** `'VarianceScaling'`. */
  readonly className: string = 'VarianceScaling';
  /** The positive scale. */
  readonly scale: number;
  /** Which fan divides the scale. */
  readonly mode: FanMode;
  /** The distribution drawn from. */
  readonly distribution: VarianceDistribution;
  /** The seed, if any. */
  readonly seed: number | undefined;

  /** @param args `{scale, mode, distribution, seed}`. */
  constructor(args: VarianceScalingArgs = {}) {
    super();
    const o = parseOptions(varianceSchema, args, 'varianceScaling');
    this.scale = o.scale;
    this.mode = o.mode;
    this.distribution = o.distribution;
    this.seed = o.seed ?? undefined;
  }

  /** Draws the values (float32 or float64). */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    const d = checkApplyArgs(ownerOf(this), shape, dtype, false);
    const { fanIn, fanOut } = computeFans(shape);
    const n = Math.max(1, this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);
    const variance = this.scale / n;
    switch (this.distribution) {
      case 'truncatedNormal':
        return truncatedNormal(shape, 0, Math.sqrt(variance) / TRUNCATED_STDDEV, d, this.seed);
      case 'untruncatedNormal':
        return randomNormal(shape, 0, Math.sqrt(variance), d, this.seed);
      case 'uniform': {
        const limit = Math.sqrt(3 * variance);
        return randomUniform(shape, -limit, limit, d, this.seed);
      }
    }
  }

  /** `{scale, mode, distribution, seed}`. */
  getConfig(): ConfigDict {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed ?? null };
  }
}

/**
 * Options of the variance-scaling presets (Glorot, He, LeCun).
 *
 * @example
 * ```ts
 * const args: SeedArgs = { seed: 42 };
 * ```
 */
export interface SeedArgs {
  /** A non-negative integer: the same values on every call. */
  seed?: number | null;
}

const seedOnly = z.strictObject({ seed: seedSchema });

function presetSeed(args: SeedArgs, owner: string): number | null | undefined {
  return parseOptions(seedOnly, args, owner).seed;
}

/**
 * Glorot (Xavier) uniform: uniform in ±sqrt(6 / (fanIn + fanOut)), i.e.
 * variance scaling with scale 1, mode fanAvg. The default kernel
 * initializer of dense and convolution layers.
 *
 * @example
 * ```ts
 * new GlorotUniform({ seed: 1 }).apply([784, 128]);
 * ```
 */
export class GlorotUniform extends VarianceScaling {
  /** `'GlorotUniform'`. */
  override readonly className: string = 'GlorotUniform';
  /** @param args `{seed}`. */
  constructor(args: SeedArgs = {}) {
    super({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: presetSeed(args, 'glorotUniform') });
  }
  /** `{seed}`. */
  override getConfig(): ConfigDict {
    return { seed: this.seed ?? null };
  }
}

/**
 * Glorot (Xavier) normal: truncated normal with variance 2 / (fanIn + fanOut).
 *
 * @example
 * ```ts
 * new GlorotNormal().apply([128, 64]);
 * ```
 */
export class GlorotNormal extends VarianceScaling {
  /** `'GlorotNormal'`. */
  override readonly className: string = 'GlorotNormal';
  /** @param args `{seed}`. */
  constructor(args: SeedArgs = {}) {
    super({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: presetSeed(args, 'glorotNormal') });
  }
  /** `{seed}`. */
  override getConfig(): ConfigDict {
    return { seed: this.seed ?? null };
  }
}

/**
 * He normal: truncated normal with variance 2 / fanIn, for ReLU networks.
 *
 * @example
 * ```ts
 * new HeNormal({ seed: 0 }).apply([3, 3, 64, 64]);
 * ```
 */
export class HeNormal extends VarianceScaling {
  /** `'HeNormal'`. */
  override readonly className: string = 'HeNormal';
  /** @param args `{seed}`. */
  constructor(args: SeedArgs = {}) {
    super({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: presetSeed(args, 'heNormal') });
  }
  /** `{seed}`. */
  override getConfig(): ConfigDict {
    return { seed: this.seed ?? null };
  }
}

/**
 * He uniform: uniform in ±sqrt(6 / fanIn).
 *
 * @example
 * ```ts
 * new HeUniform().apply([256, 256]);
 * ```
 */
export class HeUniform extends VarianceScaling {
  /** `'HeUniform'`. */
  override readonly className: string = 'HeUniform';
  /** @param args `{seed}`. */
  constructor(args: SeedArgs = {}) {
    super({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed: presetSeed(args, 'heUniform') });
  }
  /** `{seed}`. */
  override getConfig(): ConfigDict {
    return { seed: this.seed ?? null };
  }
}

/**
 * LeCun normal: truncated normal with variance 1 / fanIn, for SELU networks.
 *
 * @example
 * ```ts
 * new LecunNormal().apply([64, 64]);
 * ```
 */
export class LecunNormal extends VarianceScaling {
  /** `'LecunNormal'`. */
  override readonly className: string = 'LecunNormal';
  /** @param args `{seed}`. */
  constructor(args: SeedArgs = {}) {
    super({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: presetSeed(args, 'lecunNormal') });
  }
  /** `{seed}`. */
  override getConfig(): ConfigDict {
    return { seed: this.seed ?? null };
  }
}

/**
 * LeCun uniform: uniform in ±sqrt(3 / fanIn).
 *
 * @example
 * ```ts
 * new LecunUniform().apply([64, 64]);
 * ```
 */
export class LecunUniform extends VarianceScaling {
  /** `'LecunUniform'`. */
  override readonly className: string = 'LecunUniform';
  /** @param args `{seed}`. */
  constructor(args: SeedArgs = {}) {
    super({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: presetSeed(args, 'lecunUniform') });
  }
  /** `{seed}`. */
  override getConfig(): ConfigDict {
    return { seed: this.seed ?? null };
  }
}
