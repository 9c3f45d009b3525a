/**
 * Learning-rate schedules: functions from the optimizer's step count to the
 * learning rate, with the formulas of Keras 3 (`keras.optimizers.schedules`).
 * They are evaluated in plain JS numbers: the rate is one scalar per step.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError } from '../../engine/index.js';
import { parseOptions, Registry, type ConfigDict, type Serialized } from '../../layers/config.js';

/**
 * The base class of learning-rate schedules. An optimizer given a schedule
 * uses `schedule.call(optimizer.iterations)` as the rate of each step (the
 * step count before the step, so the first step uses `call(0)`).
 *
 * Subclass it for a custom schedule; register it in {@link scheduleRegistry}
 * to make optimizers that use it loadable from their config.
 *
 * @example
 * ```ts
 * class InverseTime extends LearningRateSchedule {
 *   readonly className = 'InverseTime';
 *   call(step: number): number { return 0.1 / (1 + step); }
 *   getConfig(): ConfigDict { return {}; }
 * }
 * const opt = optimizers.sgd({ learningRate: new InverseTime() });
 * ```
 */
export abstract class LearningRateSchedule {
  /** The registered class name, e.g. `'ExponentialDecay'`. */
  abstract readonly className: string;
  /** The learning rate at `step` (0 for the first optimizer step). */
  abstract call(step: number): number;
  /** The options that rebuild the schedule through {@link scheduleRegistry}. */
  abstract getConfig(): ConfigDict;
}

const finite = z.number().finite();

const exponentialSchema = z.strictObject({
  initialLearningRate: finite.nonnegative(),
  decaySteps: z.number().finite().positive(),
  decayRate: finite.nonnegative(),
  staircase: z.boolean().default(false),
});

/**
 * Options of {@link ExponentialDecay} (Keras names in camelCase).
 *
 * @example
 * ```ts
 * const args: ExponentialDecayArgs = { initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.96 };
 * ```
 */
export interface ExponentialDecayArgs {
  /** The rate at step 0. */
  initialLearningRate: number;
  /** Steps over which the rate is multiplied by `decayRate`; > 0. */
  decaySteps: number;
  /** The factor per `decaySteps` steps. */
  decayRate: number;
  /** Decay in whole periods (`floor(step / decaySteps)`); default false. */
  staircase?: boolean;
}

/**
 * `initialLearningRate * decayRate ^ (step / decaySteps)`, with the exponent
 * floored when `staircase` is set.
 *
 * @example
 * ```ts
 * const s = new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
 * s.call(10); // 0.05
 * ```
 */
export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  /** The validated options. */
  readonly options: Readonly<Required<ExponentialDecayArgs>>;

  /** @param args The options; see {@link ExponentialDecayArgs}. */
  constructor(args: ExponentialDecayArgs) {
    super();
    this.options = Object.freeze(parseOptions(exponentialSchema, args, 'exponentialDecay'));
  }

  /** The rate at `step`. */
  call(step: number): number {
    const { initialLearningRate, decaySteps, decayRate, staircase } = this.options;
    const p = step / decaySteps;
    return initialLearningRate * decayRate ** (staircase ? Math.floor(p) : p);
  }

  /** The options, for serialization. */
  getConfig(): ConfigDict {
    return { ...this.options };
  }
}

const piecewiseSchema = z
  .strictObject({
    boundaries: z.array(finite),
    values: z.array(finite.nonnegative()).min(1),
  })
  .superRefine((o, ctx) => {
    if (o.values.length !== o.boundaries.length + 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `expected ${o.boundaries.length + 1} values (one more than the ${o.boundaries.length} boundaries)`,
      });
    }
    for (let i = 1; i < o.boundaries.length; i++) {
      if (!(o.boundaries[i] > o.boundaries[i - 1])) {
        ctx.addIssue({ code: 'custom', path: ['boundaries'], message: `expected strictly increasing boundaries (index ${i})` });
        return;
      }
    }
  });

/**
 * Options of {@link PiecewiseConstantDecay}.
 *
 * @example
 * ```ts
 * const args: PiecewiseConstantDecayArgs = { boundaries: [100, 200], values: [0.1, 0.01, 0.001] };
 * ```
 */
export interface PiecewiseConstantDecayArgs {
  /** Strictly increasing step boundaries. */
  boundaries: number[];
  /** The rates: one more than `boundaries`. */
  values: number[];
}

/**
 * `values[0]` while `step <= boundaries[0]`, `values[i]` while
 * `boundaries[i-1] < step <= boundaries[i]`, and the last value after the
 * last boundary (as Keras).
 *
 * @example
 * ```ts
 * const s = new PiecewiseConstantDecay({ boundaries: [10], values: [0.1, 0.01] });
 * [s.call(10), s.call(11)]; // [0.1, 0.01]
 * ```
 */
export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  /** The validated options. */
  readonly options: Readonly<PiecewiseConstantDecayArgs>;

  /** @param args The options; see {@link PiecewiseConstantDecayArgs}. */
  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    const o = parseOptions(piecewiseSchema, args, 'piecewiseConstant');
    this.options = Object.freeze({ boundaries: [...o.boundaries], values: [...o.values] });
  }

  /** The rate at `step`. */
  call(step: number): number {
    const { boundaries, values } = this.options;
    for (let i = 0; i < boundaries.length; i++) if (step <= boundaries[i]) return values[i];
    return values[values.length - 1];
  }

  /** The options, for serialization. */
  getConfig(): ConfigDict {
    return { boundaries: [...this.options.boundaries], values: [...this.options.values] };
  }
}

const cosineSchema = z.strictObject({
  initialLearningRate: finite.nonnegative(),
  decaySteps: z.number().finite().positive(),
  alpha: finite.min(0).max(1).default(0),
  warmupTarget: finite.nonnegative().nullable().default(null),
  warmupSteps: z.number().int().nonnegative().default(0),
});

/**
 * Options of {@link CosineDecay}.
 *
 * @example
 * ```ts
 * const args: CosineDecayArgs = { initialLearningRate: 0, decaySteps: 1000, warmupTarget: 0.1, warmupSteps: 100 };
 * ```
 */
export interface CosineDecayArgs {
  /** The rate at step 0 (the start of the warmup when `warmupTarget` is set). */
  initialLearningRate: number;
  /** Steps of the cosine decay (after the warmup); > 0. */
  decaySteps: number;
  /** The final rate as a fraction of the decay's starting rate; default 0. */
  alpha?: number;
  /** When set, the rate rises linearly from `initialLearningRate` to this over `warmupSteps`, then decays from it. */
  warmupTarget?: number | null;
  /** Steps of the linear warmup; default 0. */
  warmupSteps?: number;
}

/**
 * Cosine decay with optional linear warmup (Loshchilov & Hutter, SGDR), as
 * Keras 3: after the warmup, `from * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decaySteps)) + alpha)`
 * with `s` clamped to `decaySteps`.
 *
 * @example
 * ```ts
 * const s = new CosineDecay({ initialLearningRate: 1, decaySteps: 10 });
 * s.call(5); // 0.5
 * ```
 */
export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  /** The validated options. */
  readonly options: Readonly<Required<CosineDecayArgs>>;

  /** @param args The options; see {@link CosineDecayArgs}. */
  constructor(args: CosineDecayArgs) {
    super();
    this.options = Object.freeze(parseOptions(cosineSchema, args, 'cosineDecay'));
  }

  /** The rate at `step`. */
  call(step: number): number {
    const { initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps } = this.options;
    const decay = (s: number, from: number): number => from * ((1 - alpha) * 0.5 * (1 + Math.cos(Math.PI * (s / decaySteps))) + alpha);
    if (warmupTarget === null) return decay(Math.min(step, decaySteps), initialLearningRate);
    const s = Math.min(step, decaySteps + warmupSteps);
    if (s < warmupSteps) return (warmupTarget - initialLearningRate) * (s / warmupSteps) + initialLearningRate;
    return decay(s - warmupSteps, warmupTarget);
  }

  /** The options, for serialization. */
  getConfig(): ConfigDict {
    return { ...this.options };
  }
}

/**
 * The schedules that optimizer configs may name; register custom schedules
 * here to load optimizers that use them.
 *
 * @example
 * ```ts
 * scheduleRegistry.create({ className: 'ExponentialDecay', config: { initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 } });
 * ```
 */
export const scheduleRegistry = new Registry<LearningRateSchedule>('learning rate schedule');
scheduleRegistry.register('ExponentialDecay', (c) => new ExponentialDecay(c as unknown as ExponentialDecayArgs));
scheduleRegistry.register('PiecewiseConstantDecay', (c) => new PiecewiseConstantDecay(c as unknown as PiecewiseConstantDecayArgs));
scheduleRegistry.register('CosineDecay', (c) => new CosineDecay(c as unknown as CosineDecayArgs));

/**
 * A schedule in the `{className, config}` form.
 *
 * @example
 * ```ts
 * serializeSchedule(schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 100 }));
 * // { className: 'CosineDecay', config: { initialLearningRate: 0.1, ... } }
 * ```
 */
export function serializeSchedule(schedule: LearningRateSchedule): Serialized {
  return { className: schedule.className, config: schedule.getConfig() };
}

/**
 * The factories of the built-in schedules (TensorFlow.js style front door).
 *
 * @example
 * ```ts
 * const lr = schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 1000, decayRate: 0.9 });
 * const opt = optimizers.adam({ learningRate: lr });
 * ```
 */
export const schedules = {
  /** {@link ExponentialDecay}. */
  exponentialDecay(args: ExponentialDecayArgs): ExponentialDecay {
    return new ExponentialDecay(args);
  },
  /** {@link PiecewiseConstantDecay}. */
  piecewiseConstant(args: PiecewiseConstantDecayArgs): PiecewiseConstantDecay {
    return new PiecewiseConstantDecay(args);
  },
  /** {@link CosineDecay}. */
  cosineDecay(args: CosineDecayArgs): CosineDecay {
    return new CosineDecay(args);
  },
};

/** Checks a schedule's output, so a bad custom schedule is reported by name. @internal */
export function checkRate(owner: string, rate: unknown, step: number, schedule: LearningRateSchedule): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
    throw new ValueError(`${owner}: learning rate schedule '${schedule.className}' returned ${String(rate)} at step ${step}; expected a finite number >= 0`);
  }
  return rate;
}
