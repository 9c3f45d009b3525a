/**
 * `EarlyStopping` (Keras 3 semantics): stop `fit` when a monitored quantity
 * stops improving, optionally restoring the weights of the best epoch; and
 * the monitor helpers that `ReduceLROnPlateau` shares.
 *
 * @module
 */
import { z } from 'zod';
import { dispose, keep, type Tensor } from '../../engine/index.js';
import { parseOptions } from '../../layers/config.js';
import { Callback, type Logs } from './callback.js';

/**
 * Which way a monitored quantity should go: `'auto'` infers it from the
 * name (accuracy-like, AUC, precision, recall, ... up; everything else down).
 *
 * @example
 * ```ts
 * const mode: MonitorMode = 'max';
 * ```
 */
export type MonitorMode = 'auto' | 'min' | 'max';

/**
 * Where a callback's messages go (warnings, and notes when `verbose`).
 *
 * @example
 * ```ts
 * const lines: string[] = [];
 * const log: MessageLog = (m) => lines.push(m);
 * ```
 */
export type MessageLog = (message: string) => void;

/** The default {@link MessageLog}: stderr, so messages never mix into piped stdout. @internal */
export const defaultLog: MessageLog = (message) => console.warn(message);

/** zod schema of a {@link MessageLog} option. @internal */
export const logOption: z.ZodType<MessageLog> = z.custom<MessageLog>((v) => typeof v === 'function', 'expected a function (message: string) => void');

/** zod schema of a {@link MonitorMode} option. @internal */
export const modeOption = z.enum(['auto', 'min', 'max']);

// Keras metrics whose `_direction` is "up"; Keras asks the compiled metric, callbacks here only see its name.
const MAXIMIZED =
  /(^|_)(acc|accuracy|auc|precision|recall|sensitivity|specificity|f1_score|fbeta_score|r2_score|iou|cosine_similarity|true_positives|true_negatives)$/;

/**
 * Resolves `'auto'` from the monitored name: `'max'` for accuracy-like
 * quantities, `'min'` otherwise (loss, errors, unknown names). @internal
 *
 * @example
 * ```ts
 * monitorDirection('val_accuracy', 'auto'); // 'max'
 * monitorDirection('val_loss', 'auto');     // 'min'
 * ```
 */
export function monitorDirection(monitor: string, mode: MonitorMode): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  const name = monitor.replace(/^val_/, '').replace(/_\d+$/, '');
  return MAXIMIZED.test(name) ? 'max' : 'min';
}

/**
 * Options of {@link EarlyStopping} (Keras 3 names in camelCase).
 *
 * @example
 * ```ts
 * const args: EarlyStoppingArgs = { monitor: 'val_loss', patience: 3, restoreBestWeights: true };
 * ```
 */
export interface EarlyStoppingArgs {
  /** The logged quantity to watch (default `'val_loss'`). */
  monitor?: string;
  /** A change smaller than this (in absolute value) is no improvement (default 0). */
  minDelta?: number;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** 1 logs when training stops and when weights are restored (default 0). */
  verbose?: 0 | 1;
  /** `'min'`, `'max'`, or `'auto'` to infer it from `monitor` (default). */
  mode?: MonitorMode;
  /** Training stops unless the quantity beats this within `patience` epochs (default none). */
  baseline?: number | null;
  /** At the end of training, restore the weights of the best epoch (default false). */
  restoreBestWeights?: boolean;
  /** Epochs to wait before monitoring starts, as a warm-up (default 0). */
  startFromEpoch?: number;
  /** Where messages go (default `console.warn`). */
  log?: MessageLog;
}

const count = z.number().int().nonnegative();
const earlyStoppingSchema = z.strictObject({
  monitor: z.string().min(1).default('val_loss'),
  minDelta: z.number().finite().default(0),
  patience: count.default(0),
  verbose: z.union([z.literal(0), z.literal(1)]).default(0),
  mode: modeOption.default('auto'),
  baseline: z.number().finite().nullable().default(null),
  restoreBestWeights: z.boolean().default(false),
  startFromEpoch: count.default(0),
  log: logOption.default(() => defaultLog),
});

/**
 * Stops training when `monitor` has not improved for `patience` epochs
 * (Keras 3 `EarlyStopping`). An improvement is a change by more than
 * `minDelta` in the direction of `mode`; with a `baseline`, only epochs that
 * also beat the baseline reset the patience. With `restoreBestWeights`, the
 * weights of the best epoch are copied when it ends and set back at the end
 * of training (which `fit` reaches right after the stop), as Keras 3 does.
 *
 * @example
 * ```ts
 * const stop = callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
 * await model.fit(x, y, { epochs: 100, validationSplit: 0.2, callbacks: [stop] });
 * stop.stoppedEpoch; // e.g. 7 (0 when training was not stopped)
 * stop.bestEpoch;    // e.g. 5
 * ```
 */
export class EarlyStopping extends Callback {
  /** The watched quantity. */
  readonly monitor: string;
  /** The resolved direction. */
  readonly mode: 'min' | 'max';
  /** The minimum change that counts, signed in the direction of `mode`. */
  readonly minDelta: number;
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** The baseline, or null. */
  readonly baseline: number | null;
  /** Whether the best epoch's weights are restored at the end. */
  readonly restoreBestWeights: boolean;
  /** The first epoch monitored. */
  readonly startFromEpoch: number;
  /** Epochs since the last improvement (that also beat the baseline). */
  wait = 0;
  /** The epoch at which training was stopped, or 0 if it was not. */
  stoppedEpoch = 0;
  /** The best value seen in this run, or null before the first monitored epoch. */
  best: number | null = null;
  /** The epoch of {@link EarlyStopping.best}. */
  bestEpoch = 0;
  private readonly verbose: 0 | 1;
  private readonly log: MessageLog;
  private bestWeights: Tensor[] | null = null;
  private warned = false;

  /** @param args The options (see {@link EarlyStoppingArgs}). */
  constructor(args: EarlyStoppingArgs = {}) {
    super();
    const o = parseOptions(earlyStoppingSchema, args, 'earlyStopping');
    this.monitor = o.monitor;
    this.mode = monitorDirection(o.monitor, o.mode);
    this.minDelta = this.mode === 'min' ? -Math.abs(o.minDelta) : Math.abs(o.minDelta);
    this.patience = o.patience;
    this.verbose = o.verbose;
    this.baseline = o.baseline;
    this.restoreBestWeights = o.restoreBestWeights;
    this.startFromEpoch = o.startFromEpoch;
    this.log = o.log;
  }

  /** Resets the state so one instance can serve several `fit` calls. */
  override onTrainBegin(_logs?: Logs): void {
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = null;
    this.bestEpoch = 0;
    this.warned = false;
    this.replaceBestWeights(null);
  }

  /** Compares the epoch's value with the best so far; may set `model.stopTraining`. */
  override onEpochEnd(epoch: number, logs: Logs): void {
    const current = this.monitorValue(logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    // The first monitored epoch always improves on `best = null`, so the best weights are known from then on.
    this.wait += 1;
    if (this.isImprovement(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.replaceBestWeights(this.model.getWeights());
      if (this.baseline === null || this.isImprovement(current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  /** Restores the best weights (when asked to) and frees the stored copies. */
  override onTrainEnd(_logs?: Logs): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) this.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    const best = this.bestWeights;
    if (!this.restoreBestWeights || best === null) return;
    try {
      if (this.verbose > 0) this.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      this.model.setWeights(best);
    } finally {
      this.replaceBestWeights(null);
    }
  }

  private isImprovement(value: number, reference: number | null): boolean {
    if (reference === null) return true;
    return this.mode === 'min' ? value - this.minDelta < reference : value - this.minDelta > reference;
  }

  private monitorValue(logs: Logs): number | undefined {
    const v = logs[this.monitor];
    if (v === undefined && !this.warned) {
      this.warned = true;
      this.log(
        `earlyStopping: conditioned on metric '${this.monitor}' which is not available; available metrics are: ${Object.keys(logs).join(', ') || '(none)'}`,
      );
    }
    return v;
  }

  private replaceBestWeights(weights: Tensor[] | null): void {
    if (this.bestWeights !== null) dispose(this.bestWeights);
    // The loop may call hooks inside a tidy scope; the copies must outlive it.
    this.bestWeights = weights === null ? null : weights.map((w) => keep(w));
  }
}
