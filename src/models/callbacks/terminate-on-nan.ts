/**
 * `TerminateOnNaN` (Keras 3 semantics): stop `fit` as soon as a batch's loss
 * is NaN or infinite.
 *
 * @module
 */
import { z } from 'zod';
import { parseOptions } from '../../layers/config.js';
import { Callback, type Logs } from './callback.js';
import { defaultLog, logOption, type MessageLog } from './early-stopping.js';

/**
 * Options of {@link TerminateOnNaN}.
 *
 * @example
 * ```ts
 * const args: TerminateOnNaNArgs = { log: (m) => myLogger.error(m) };
 * ```
 */
export interface TerminateOnNaNArgs {
  /** Where the message goes (default `console.warn`). */
  log?: MessageLog;
}

const terminateSchema = z.strictObject({ log: logOption.default(() => defaultLog) });

/**
 * Sets `model.stopTraining` when a batch ends with a NaN or infinite `loss`,
 * so `fit` ends after that batch (Keras 3 `TerminateOnNaN`); logs
 * `Batch N: Invalid loss, terminating training`.
 *
 * @example
 * ```ts
 * const guard = callbacks.terminateOnNaN();
 * await model.fit(x, y, { epochs: 10, callbacks: [guard] });
 * if (guard.terminatedBatch !== null) console.log(guard.message); // "Batch 17: Invalid loss, terminating training"
 * ```
 */
export class TerminateOnNaN extends Callback {
  /** The epoch in which training was terminated, or null. */
  terminatedEpoch: number | null = null;
  /** The batch (0-based, within its epoch) whose loss was invalid, or null. */
  terminatedBatch: number | null = null;
  /** The message logged, or null. */
  message: string | null = null;
  private readonly log: MessageLog;
  private epoch: number | null = null;

  /** @param args The options (see {@link TerminateOnNaNArgs}). */
  constructor(args: TerminateOnNaNArgs = {}) {
    super();
    this.log = parseOptions(terminateSchema, args, 'terminateOnNaN').log;
  }

  /** Resets the record so one instance can serve several `fit` calls. */
  override onTrainBegin(_logs?: Logs): void {
    this.terminatedEpoch = null;
    this.terminatedBatch = null;
    this.message = null;
    this.epoch = null;
  }

  /** Remembers the epoch, for {@link TerminateOnNaN.terminatedEpoch}. */
  override onEpochBegin(epoch: number, _logs?: Logs): void {
    this.epoch = epoch;
  }

  /** Stops training when the batch's loss is not finite. */
  override onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss === undefined || Number.isFinite(loss)) return;
    this.terminatedEpoch = this.epoch;
    this.terminatedBatch = batch;
    this.message = `Batch ${batch}: Invalid loss, terminating training`;
    this.model.stopTraining = true;
    this.log(this.message);
  }
}
