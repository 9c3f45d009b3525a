/**
 * The options every optimizer takes (learning rate, clipping, weight
 * decay): types, zod shapes and the config-to-options conversion.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError } from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../../layers/config.js';
import type { ClipOptions } from './clipping.js';
import { LearningRateSchedule, scheduleRegistry } from './schedules.js';

/**
 * Options every optimizer takes (Keras 3 names in camelCase).
 *
 * @example
 * ```ts
 * const args: OptimizerArgs = { learningRate: 0.01, globalClipNorm: 1 };
 * ```
 */
export interface OptimizerArgs {
  /** A rate >= 0, or a {@link LearningRateSchedule}. The default depends on the optimizer. */
  learningRate?: number | LearningRateSchedule;
  /** Clip each gradient to this L2 norm. At most one of the three clip options may be set. */
  clipNorm?: number | null;
  /** Clip all gradients together to this global L2 norm. */
  globalClipNorm?: number | null;
  /** Clip each gradient element into [-clipValue, clipValue]. */
  clipValue?: number | null;
  /** Decoupled weight decay: `variable -= learningRate * weightDecay * variable` before each update. */
  weightDecay?: number | null;
}

/** The validated base options. @internal */
export interface BaseOptions extends ClipOptions {
  /** The rate or schedule. */
  learningRate: number | LearningRateSchedule;
  /** Decoupled weight decay, or null. */
  weightDecay: number | null;
}

/** Whether `v` is a valid learning rate (a finite number >= 0 or a schedule). @internal */
export function isLearningRate(v: unknown): v is number | LearningRateSchedule {
  return v instanceof LearningRateSchedule || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
}

const optionalPositive = z.number().finite().positive().nullable().default(null);

/**
 * The zod shape of {@link OptimizerArgs}, to spread into an optimizer's schema.
 *
 * @example
 * ```ts
 * const schema = z.strictObject({ ...baseOptionsShape(0.01), momentum: z.number().default(0) });
 * ```
 * @internal
 */
export function baseOptionsShape(defaultLearningRate: number) {
  return {
    learningRate: z
      .custom<number | LearningRateSchedule>(isLearningRate, { error: 'expected a finite number >= 0 or a LearningRateSchedule' })
      .default(defaultLearningRate),
    clipNorm: optionalPositive,
    globalClipNorm: optionalPositive,
    clipValue: optionalPositive,
    weightDecay: z.number().finite().nonnegative().nullable().default(null),
  };
}

/**
 * Validates optimizer options with `parseOptions` and the Keras rule that at
 * most one clip option is set.
 *
 * @example
 * ```ts
 * const o = parseOptimizerOptions(schema, { clipNorm: 1 }, 'sgd');
 * ```
 * @internal
 */
export function parseOptimizerOptions<S extends z.ZodType<BaseOptions>>(schema: S, args: unknown, owner: string): z.output<S> {
  const o = parseOptions(schema, args, owner);
  const set = (['clipNorm', 'globalClipNorm', 'clipValue'] as const).filter((k) => o[k] !== null);
  if (set.length > 1) {
    throw new ValueError(`${owner}: only one of clipNorm, globalClipNorm and clipValue can be set, got ${set.map((k) => `${k}=${o[k]}`).join(', ')}`);
  }
  return o;
}

/**
 * Turns a config (whose learning rate may be a serialized schedule) back
 * into optimizer options.
 *
 * @example
 * ```ts
 * configToArgs({ learningRate: { className: 'CosineDecay', config: { initialLearningRate: 0.1, decaySteps: 10 } } }, 'adam');
 * ```
 * @internal
 */
export function configToArgs(config: ConfigDict, owner: string): Record<string, unknown> {
  const lr = config.learningRate;
  if (lr !== null && typeof lr === 'object' && !Array.isArray(lr)) return { ...config, learningRate: scheduleRegistry.create(lr, owner) };
  return { ...config };
}
