/**
 * The progress display of `fit` (`verbose: 1` and `2`), in the Keras style:
 * a live bar redrawn with `\r` on a terminal, one line per epoch otherwise.
 *
 * @module
 */
import { z } from 'zod';
import { parseOptions } from '../../layers/config.js';
import { Callback, type Logs } from './callback.js';

const BAR_WIDTH = 30;
const REDRAW_INTERVAL_MS = 50;
const HIDDEN_KEYS = new Set(['batch', 'size']);

/**
 * Options of {@link ProgressBar}; the defaults suit a terminal, the
 * overrides suit tests and custom sinks.
 *
 * @example
 * ```ts
 * let out = '';
 * const args: ProgressBarArgs = { write: (s) => { out += s; }, isTTY: false };
 * ```
 */
export interface ProgressBarArgs {
  /** Receives the text, newlines and `\r` included (default `process.stdout.write`, or `console.log` per line outside Node). */
  write?: (text: string) => void;
  /** Whether to draw a live bar (default `process.stdout.isTTY`; false outside Node). */
  isTTY?: boolean;
  /** The clock, in milliseconds (default `performance.now`). */
  now?: () => number;
}

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', `expected a function ${what}`);
const progressSchema = z.strictObject({
  write: fn<(text: string) => void>('(text: string) => void').optional(),
  isTTY: z.boolean().optional(),
  now: fn<() => number>('() => number (milliseconds)').optional(),
});

interface Stdout {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** The host's stdout, looked up lazily so the module loads in browsers. */
function hostStdout(): Stdout | undefined {
  return (globalThis as { process?: { stdout?: Stdout } }).process?.stdout;
}

/**
 * A logged number as Keras shows it: 4 decimals, or exponent form for
 * tiny non-zero values. @internal
 *
 * @example
 * ```ts
 * formatLogValue(0.31204); // '0.3120'
 * formatLogValue(1.23456e-5); // '1.2346e-5'
 * ```
 */
export function formatLogValue(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(4) : v.toFixed(4);
}

/** `3s`, `1:02`, `1:00:05`. */
function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  if (s >= 3600) return `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  if (s >= 60) return `${Math.floor(s / 60)}:${two(s % 60)}`;
  return `${s}s`;
}

/** `2s/step`, `16ms/step`, `850us/step`. */
function formatStepTime(seconds: number): string {
  if (seconds >= 1 || seconds === 0) return `${Math.round(seconds)}s/step`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms/step`;
  return `${Math.round(seconds * 1e6)}us/step`;
}

function formatLogs(logs: Logs): string {
  let s = '';
  for (const [k, v] of Object.entries(logs)) if (!HIDDEN_KEYS.has(k)) s += ` - ${k}: ${formatLogValue(v)}`;
  return s;
}

/** `120/250 [=============>................]` */
function bar(current: number, target: number): string {
  const done = target > 0 ? Math.min(1, current / target) : 1;
  const width = Math.floor(BAR_WIDTH * done);
  const head = width > 0 ? '='.repeat(width - 1) + (current < target ? '>' : '=') : '';
  return `${String(current).padStart(String(target).length)}/${target} [${head}${'.'.repeat(BAR_WIDTH - width)}]`;
}

/**
 * The progress display `fit` adds for `verbose: 1` (a live Keras-style bar
 * on a terminal, redrawn at most every 50 ms and on the last batch) and
 * `verbose: 2` (or `1` when stdout is not a terminal: one line per epoch):
 *
 * ```text
 * Epoch 3/10
 * 120/250 [=============>................] - ETA: 2s - loss: 0.3120 - accuracy: 0.9105
 * 250/250 [==============================] - 4s 16ms/step - loss: 0.3001 - accuracy: 0.9120 - val_loss: 0.3300
 * ```
 *
 * or `Epoch 3/10 - 4s 16ms/step - loss: 0.3001 - accuracy: 0.9120 - val_loss: 0.3300`.
 * The time per step leaves out the first step (which includes warm-up).
 *
 * @example
 * ```ts
 * // fit adds a ProgressBar by itself for verbose 1 and 2; pass one to send the output elsewhere.
 * const lines: string[] = [];
 * const bar = callbacks.progressBar({ write: (s) => lines.push(s), isTTY: false });
 * await model.fit(x, y, { epochs: 3, verbose: 2, callbacks: [bar] });
 * lines[0]; // 'Epoch 1/3 - 0s 2ms/step - loss: 0.6931\n'
 * ```
 */
export class ProgressBar extends Callback {
  private readonly write: (text: string) => void;
  private readonly isTTY: boolean;
  private readonly now: () => number;
  private epochStart = 0;
  private firstStepEnd = 0;
  private lastStepEnd = 0;
  private seen = 0;
  private lastDraw = -Infinity;
  private drawnWidth = 0;

  /** @param args The options (see {@link ProgressBarArgs}). */
  constructor(args: ProgressBarArgs = {}) {
    super();
    const o = parseOptions(progressSchema, args, 'progressBar');
    const stdout = hostStdout();
    this.write = o.write ?? (stdout ? (text) => void stdout.write(text) : (text) => console.log(text.replace(/\n$/, '')));
    this.isTTY = o.isTTY ?? stdout?.isTTY === true;
    this.now = o.now ?? (() => performance.now());
  }

  private get verbose(): 0 | 1 | 2 {
    return this.params.verbose;
  }

  private get live(): boolean {
    return this.verbose === 1 && this.isTTY;
  }

  /** Starts the epoch's clock; on a terminal, prints `Epoch i/n`. */
  override onEpochBegin(epoch: number, _logs?: Logs): void {
    if (this.verbose === 0) return;
    this.epochStart = this.now();
    this.seen = 0;
    this.lastDraw = -Infinity;
    this.drawnWidth = 0;
    if (this.live) this.write(`Epoch ${epoch + 1}/${this.params.epochs}\n`);
  }

  /** Counts the batch; on a terminal, redraws the bar when due. */
  override onBatchEnd(batch: number, logs: Logs): void {
    if (this.verbose === 0) return;
    const t = this.now();
    this.seen = batch + 1;
    this.lastStepEnd = t;
    if (this.seen === 1) this.firstStepEnd = t;
    if (!this.live) return;
    const steps = this.params.steps;
    const isLast = steps !== null && this.seen >= steps;
    if (!isLast && t - this.lastDraw < REDRAW_INTERVAL_MS) return;
    this.lastDraw = t;
    const stepTime = this.stepTime();
    const line =
      steps === null
        ? `${String(this.seen).padStart(7)}/Unknown - ${Math.round((t - this.epochStart) / 1000)}s ${formatStepTime(stepTime)}`
        : `${bar(this.seen, steps)} - ETA: ${formatEta(stepTime * Math.max(0, steps - this.seen))}`;
    this.draw(line + formatLogs(logs), false);
  }

  /** Prints the epoch's final line: time, time per step and every logged value. */
  override onEpochEnd(epoch: number, logs: Logs): void {
    if (this.verbose === 0) return;
    const timing = ` - ${Math.round((this.now() - this.epochStart) / 1000)}s ${formatStepTime(this.stepTime())}`;
    if (this.live) this.draw(bar(this.seen, this.params.steps ?? this.seen) + timing + formatLogs(logs), true);
    else this.write(`Epoch ${epoch + 1}/${this.params.epochs}${timing}${formatLogs(logs)}\n`);
  }

  /** Seconds per step, leaving out the first step when there are others. */
  private stepTime(): number {
    if (this.seen === 0) return 0;
    if (this.seen === 1) return (this.lastStepEnd - this.epochStart) / 1000;
    return (this.lastStepEnd - this.firstStepEnd) / (this.seen - 1) / 1000;
  }

  private draw(line: string, final: boolean): void {
    // Blank out what is left of a longer previous line.
    const pad = ' '.repeat(Math.max(0, this.drawnWidth - line.length));
    this.write(`\r${line}${pad}${final ? '\n' : ''}`);
    this.drawnWidth = final ? 0 : line.length;
  }
}
