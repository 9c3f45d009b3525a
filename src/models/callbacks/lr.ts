/**
 * Learning-rate callbacks (Keras 3 semantics): `ReduceLROnPlateau` divides
 * the rate when a monitored quantity stalls, `LearningRateScheduler` sets it
 * from a function of the epoch. Both log `learning_rate` at each epoch end.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError } from '../../engine/index.js';
import { parseOptions } from '../../layers/config.js';
import { Callback, type CallbackModel, type Logs } from './callback.js';
import { defaultLog, logOption, modeOption, monitorDirection, type MessageLog, type MonitorMode } from './early-stopping.js';

type Optimizer = NonNullable<CallbackModel['optimizer']>;

/**
 * The optimizer whose rate a callback sets; it must exist and hold a plain
 * number, because setting a number would silently drop a schedule (Keras 3
 * refuses to set the rate of an optimizer built on a schedule too).
 */
function settableOptimizer(owner: string, model: CallbackModel | undefined): Optimizer {
  const optimizer = model?.optimizer;
  if (optimizer === undefined) {
    throw new ValueError(`${owner}: the model '${model?.name ?? '(none)'}' has no optimizer; compile it before fit`);
  }
  const lr = optimizer.learningRate;
  if (typeof lr !== 'number') {
    throw new ValueError(
      `${owner}: the optimizer '${optimizer.name}' uses the learning rate schedule '${lr.className}'; this callback sets the rate each epoch and needs a number learningRate (use one or the other)`,
    );
  }
  return optimizer;
}

/**
 * Options of {@link ReduceLROnPlateau} (Keras 3 names in camelCase).
 *
 * @example
 * ```ts
 * const args: ReduceLROnPlateauArgs = { monitor: 'val_loss', factor: 0.5, patience: 3, minLr: 1e-5 };
 * ```
 */
export interface ReduceLROnPlateauArgs {
  /** The logged quantity to watch (default `'val_loss'`). */
  monitor?: string;
  /** The new rate is `rate * factor`; in [0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement before reducing (default 10). */
  patience?: number;
  /** 1 logs each reduction (default 0). */
  verbose?: 0 | 1;
  /** `'min'`, `'max'`, or `'auto'` to infer it from `monitor` (default). */
  mode?: MonitorMode;
  /** An improvement must beat the best by more than this (default 1e-4). */
  minDelta?: number;
  /** Epochs after a reduction during which nothing is counted (default 0). */
  cooldown?: number;
  /** The rate never goes below this (default 0). */
  minLr?: number;
  /** Where messages go (default `console.warn`). */
  log?: MessageLog;
}

const count = z.number().int().nonnegative();
const reduceSchema = z.strictObject({
  monitor: z.string().min(1).default('val_loss'),
  factor: z.number().finite().nonnegative().lt(1, 'expected a number < 1 (the new rate is rate * factor)').default(0.1),
  patience: count.default(10),
  verbose: z.union([z.literal(0), z.literal(1)]).default(0),
  mode: modeOption.default('auto'),
  minDelta: z.number().finite().nonnegative().default(1e-4),
  cooldown: count.default(0),
  minLr: z.number().finite().nonnegative().default(0),
  log: logOption.default(() => defaultLog),
});

/**
 * Multiplies the learning rate by `factor` when `monitor` has not improved
 * (by more than `minDelta`) for `patience` epochs, then waits `cooldown`
 * epochs before counting again; never below `minLr` (Keras 3
 * `ReduceLROnPlateau`). Adds `learning_rate` (the rate used during the
 * epoch) to each epoch's logs.
 *
 * @example
 * ```ts
 * const reduce = callbacks.reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2, minLr: 1e-4 });
 * const h = await model.fit(x, y, { epochs: 50, validationSplit: 0.2, callbacks: [reduce] });
 * h.history.learning_rate; // [0.01, 0.01, 0.01, 0.005, ...]
 * ```
 */
export class ReduceLROnPlateau extends Callback {
  /** The watched quantity. */
  readonly monitor: string;
  /** The resolved direction. */
  readonly mode: 'min' | 'max';
  /** The reduction factor. */
  readonly factor: number;
  /** Epochs without improvement before reducing. */
  readonly patience: number;
  /** The improvement threshold. */
  readonly minDelta: number;
  /** Epochs skipped after a reduction. */
  readonly cooldown: number;
  /** The lower bound of the rate. */
  readonly minLr: number;
  /** Epochs without improvement so far. */
  wait = 0;
  /** Cooldown epochs left. */
  cooldownCounter = 0;
  /** The best value seen in this run (±Infinity before the first). */
  best: number;
  private readonly verbose: 0 | 1;
  private readonly log: MessageLog;
  private warned = false;

  /** @param args The options (see {@link ReduceLROnPlateauArgs}). */
  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    const o = parseOptions(reduceSchema, args, 'reduceLROnPlateau');
    this.monitor = o.monitor;
    this.mode = monitorDirection(o.monitor, o.mode);
    this.factor = o.factor;
    this.patience = o.patience;
    this.minDelta = o.minDelta;
    this.cooldown = o.cooldown;
    this.minLr = o.minLr;
    this.verbose = o.verbose;
    this.log = o.log;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
  }

  /** Checks the optimizer and resets the state. */
  override onTrainBegin(_logs?: Logs): void {
    settableOptimizer('reduceLROnPlateau', this.model);
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
    this.warned = false;
  }

  /** Logs `learning_rate`, then counts the epoch and reduces the rate when patience runs out. */
  override onEpochEnd(epoch: number, logs: Logs): void {
    const optimizer = settableOptimizer('reduceLROnPlateau', this.model);
    const oldLr = optimizer.learningRate as number;
    logs.learning_rate = oldLr;
    const current = logs[this.monitor];
    if (current === undefined) {
      if (!this.warned) {
        this.warned = true;
        this.log(
          `reduceLROnPlateau: conditioned on metric '${this.monitor}' which is not available; available metrics are: ${Object.keys(logs).join(', ')}`,
        );
      }
      return;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (this.mode === 'min' ? current < this.best - this.minDelta : current > this.best + this.minDelta) {
      this.best = current;
      this.wait = 0;
      return;
    }
    if (this.cooldownCounter > 0) return;
    this.wait += 1;
    if (this.wait < this.patience || oldLr <= this.minLr) return;
    const newLr = Math.max(oldLr * this.factor, this.minLr);
    optimizer.learningRate = newLr;
    if (this.verbose > 0) this.log(`Epoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${newLr}.`);
    this.cooldownCounter = this.cooldown;
    this.wait = 0;
  }
}

/**
 * The function of a {@link LearningRateScheduler}: the rate for `epoch`
 * (0-based) given the current rate.
 *
 * @example
 * ```ts
 * const halveEvery10: ScheduleFunction = (epoch, lr) => (epoch > 0 && epoch % 10 === 0 ? lr / 2 : lr);
 * ```
 */
export type ScheduleFunction = (epoch: number, lr: number) => number;

/**
 * Sets the learning rate at the start of each epoch to `schedule(epoch, lr)`
 * (Keras 3 `LearningRateScheduler`), and logs `learning_rate` at each
 * epoch end.
 *
 * @example
 * ```ts
 * const warmup = callbacks.learningRateScheduler((epoch, lr) => (epoch < 5 ? 1e-3 * (epoch + 1) : lr));
 * await model.fit(x, y, { epochs: 20, callbacks: [warmup] });
 * ```
 */
export class LearningRateScheduler extends Callback {
  /** The schedule. */
  readonly schedule: ScheduleFunction;
  private readonly verbose: 0 | 1;
  private readonly log: MessageLog;

  /**
   * @param schedule `(epoch, lr) => newLr`; must return a finite number >= 0.
   * @param verbose 1 logs each change (default 0).
   * @param log Where messages go (default `console.warn`).
   */
  constructor(schedule: ScheduleFunction, verbose: 0 | 1 = 0, log: MessageLog = defaultLog) {
    super();
    if (typeof schedule !== 'function') {
      throw new ValueError(`learningRateScheduler: expected a schedule function (epoch, lr) => number, got ${schedule === null ? 'null' : typeof schedule}`);
    }
    if (verbose !== 0 && verbose !== 1) throw new ValueError(`learningRateScheduler: verbose must be 0 or 1, got ${String(verbose)}`);
    if (typeof log !== 'function') throw new ValueError(`learningRateScheduler: log must be a function (message: string) => void, got ${typeof log}`);
    this.schedule = schedule;
    this.verbose = verbose;
    this.log = log;
  }

  /** Checks the optimizer. */
  override onTrainBegin(_logs?: Logs): void {
    settableOptimizer('learningRateScheduler', this.model);
  }

  /** Sets the rate for this epoch. */
  override onEpochBegin(epoch: number, _logs?: Logs): void {
    const optimizer = settableOptimizer('learningRateScheduler', this.model);
    // Typed as a number, but user code (and plain JS) can return anything.
    const lr: unknown = this.schedule(epoch, optimizer.learningRate as number);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      const given = typeof lr === 'number' ? String(lr) : lr instanceof Promise ? 'a Promise (schedules must be synchronous)' : `${typeof lr} ${String(lr)}`;
      throw new ValueError(`learningRateScheduler: the schedule returned ${given} for epoch ${epoch}; expected a finite number >= 0`);
    }
    optimizer.learningRate = lr;
    if (this.verbose > 0) this.log(`Epoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${lr}.`);
  }

  /** Logs `learning_rate`. */
  override onEpochEnd(_epoch: number, logs: Logs): void {
    logs.learning_rate = settableOptimizer('learningRateScheduler', this.model).learningRate as number;
  }
}
