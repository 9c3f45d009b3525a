/**
 * The `Metric` base class and the mean metrics. State lives in tensors on
 * the device, replaced (never read) on each update, so a training loop reads
 * a metric once per batch at most, through `result()`.
 *
 * @module
 */
import { z } from 'zod';
import { ShapeError, Tensor, ValueError, cast, clone, dispose, equal, keep, mean, noGrad, scalar, sum, tidy, where } from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../../layers/config.js';
import { fmtPartialShape } from '../losses/labels.js';

/**
 * Base class of metrics: accumulate with `updateState` batch after batch,
 * read with `result()`, start over with `resetState()`, free with
 * `dispose()`. Updates never read device data.
 *
 * @example
 * ```ts
 * const acc = new BinaryAccuracy();
 * acc.updateState(yTrue, yPred);
 * const r = acc.result();
 * console.log(await r.data()); // Float32Array [0.75]
 * r.dispose();
 * acc.dispose();
 * ```
 */
export abstract class Metric {
  /** The name shown in logs (the `name` option, or the metric's default). */
  readonly name: string;
  private state: Tensor[] | undefined;

  /** @param name The name shown in logs. */
  protected constructor(name: string) {
    if (typeof name !== 'string' || name.length === 0) throw new ValueError(`Metric: expected a non-empty name, got ${String(name)}`);
    this.name = name;
  }

  /** Adds a batch: labels, predictions and optional per-sample weights. */
  abstract updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void;

  /** The metric so far: a new float32 scalar the caller owns (0 before any update). */
  abstract result(): Tensor;

  /** Forgets every update (frees the state tensors). */
  resetState(): void {
    const old = this.state;
    this.state = undefined;
    if (old) dispose(old);
  }

  /** Frees the state tensors; the metric may still be used (it starts over). */
  dispose(): void {
    this.resetState();
  }

  /** The options that rebuild this metric (`new ItsClass(config)`). */
  getConfig(): ConfigDict {
    return { name: this.name };
  }

  /**
   * The current state tensors, or `undefined` before the first update (and
   * after `resetState`). Subclasses read them inside `result()`.
   */
  protected get stateTensors(): readonly Tensor[] | undefined {
    return this.state;
  }

  /**
   * Replaces the state with `next(previous)`, computed without gradient
   * recording inside a scope; the previous tensors are freed only after
   * `next` succeeded, so an update that throws changes nothing.
   */
  protected updateStateTensors(next: (previous: readonly Tensor[] | undefined) => Tensor[]): void {
    const fresh = noGrad(() =>
      tidy(() =>
        // clone: a fresh handle even when `next` hands back a previous state tensor or an input (it shares storage, no copy).
        next(this.state).map((t) => keep(clone(t.dtype === 'float32' ? t : cast(t, 'float32')))),
      ),
    );
    const old = this.state;
    this.state = fresh;
    if (old) dispose(old);
  }
}

/** `a / b`, or 0 where `b` is 0 (Keras' `divide_no_nan`). @internal */
export function divideNoNan(a: Tensor, b: Tensor): Tensor {
  return where(equal(b, 0), 0, a.div(b));
}

/**
 * Options shared by metrics: the name shown in logs.
 *
 * @example
 * ```ts
 * new Mean({ name: 'loss' });
 * ```
 */
export interface MetricOptions {
  /** The name shown in logs. */
  name?: string;
}

/** zod schema of {@link MetricOptions}. @internal */
export const nameSchema = z.string().min(1);

/**
 * The (weighted) mean of values across updates, as Keras' `Mean`: each
 * update first averages every sample's values to one number; then
 * `result = sum(w · value) / sum(w)` over samples (`w` = 1 without weights).
 *
 * @example
 * ```ts
 * const m = new Mean({ name: 'loss' });
 * m.updateValues(tensor([1, 3]));
 * m.updateValues(tensor([5]), tensor([2]));
 * m.result(); // (1 + 3 + 2·5) / (1 + 1 + 2) = 3.5
 * ```
 */
export class Mean extends Metric {
  /** @param options `name` (default `'mean'`). */
  constructor(options?: MetricOptions) {
    super(parseOptions(z.strictObject({ name: nameSchema.default('mean') }), options, 'mean').name);
  }

  /** Adds `values` (any shape; a scalar counts as one sample) with optional per-sample weights. */
  updateValues(values: Tensor, sampleWeight?: Tensor): void {
    this.updateStateTensors((previous) => accumulate(previous, samplewiseSums(this.name, values, sampleWeight)));
  }

  /** The same as {@link Mean.updateValues}: `yPred` is ignored. */
  updateState(values: Tensor, yPred?: Tensor, sampleWeight?: Tensor): void {
    void yPred;
    this.updateValues(values, sampleWeight);
  }

  /** `total / count`, 0 before any update. */
  result(): Tensor {
    return tidy(() => {
      const s = this.stateTensors;
      return s ? divideNoNan(s[0], s[1]) : scalar(0, 'float32');
    });
  }
}

/**
 * A metric as a plain function: per-sample values from labels and predictions.
 *
 * @example
 * ```ts
 * const absError: MetricFn = (yTrue, yPred) => yTrue.sub(yPred).abs().mean(-1);
 * ```
 */
export type MetricFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * The mean of a per-sample function over every sample seen, as Keras'
 * `MeanMetricWrapper`; the accuracy metrics are built on it.
 *
 * @example
 * ```ts
 * const m = new MeanMetricWrapper(function absError(yTrue, yPred) { return yTrue.sub(yPred).abs().mean(-1); });
 * m.name; // 'absError'
 * m.updateState(yTrue, yPred);
 * ```
 */
export class MeanMetricWrapper extends Mean {
  /** The per-sample function. */
  readonly fn: MetricFn;

  /**
   * @param fn The per-sample function.
   * @param options `name` (default `fn.name`, or `'meanMetricWrapper'` for an anonymous function).
   */
  constructor(fn: MetricFn, options?: MetricOptions) {
    if (typeof fn !== 'function') throw new ValueError(`MeanMetricWrapper: expected a function (yTrue, yPred) => Tensor, got ${typeof fn}`);
    const defaultName = fn.name || 'meanMetricWrapper';
    super({ name: parseOptions(z.strictObject({ name: nameSchema.default(defaultName) }), options, defaultName).name });
    this.fn = fn;
  }

  /** Adds the mean of `fn(yTrue, yPred)`, weighted per sample. */
  override updateState(yTrue: Tensor, yPred?: Tensor, sampleWeight?: Tensor): void {
    if (!(yPred instanceof Tensor)) throw new ValueError(`${this.name}: expected yPred to be a Tensor, got ${yPred === null ? 'null' : typeof yPred}`);
    this.updateStateTensors((previous) => accumulate(previous, samplewiseSums(this.name, this.fn(yTrue, yPred), sampleWeight)));
  }
}

function accumulate(previous: readonly Tensor[] | undefined, [total, count]: [Tensor, Tensor]): Tensor[] {
  return previous ? [previous[0].add(total), previous[1].add(count)] : [total, count];
}

/** Axes `from .. rank-1`. */
function trailingAxes(from: number, rank: number): number[] {
  return Array.from({ length: Math.max(0, rank - from) }, (_, i) => from + i);
}

/**
 * The weighted sum of per-sample means and the sum of weights, as Keras'
 * `reduce_to_samplewise_values`: values are averaged down to the weights'
 * rank, weights of rank > 1 are averaged to one per sample.
 */
function samplewiseSums(owner: string, values: Tensor, sampleWeight: Tensor | undefined): [Tensor, Tensor] {
  if (!(values instanceof Tensor)) throw new ValueError(`${owner}: expected values to be a Tensor, got ${values === null ? 'null' : typeof values}`);
  let v = values.dtype === 'float32' ? values : cast(values, 'float32');
  if (sampleWeight === undefined) {
    const count = v.rank === 0 ? 1 : v.shape[0];
    return [sum(v.rank > 1 ? mean(v, trailingAxes(1, v.rank)) : v), scalar(count, 'float32')];
  }
  if (!(sampleWeight instanceof Tensor)) throw new ValueError(`${owner}: expected sampleWeight to be a Tensor, got ${sampleWeight === null ? 'null' : typeof sampleWeight}`);
  let w = sampleWeight.dtype === 'float32' ? sampleWeight : cast(sampleWeight, 'float32');
  // Keras' squeeze_or_expand_to_same_rank for a trailing axis of 1 on either side.
  if (v.rank === w.rank + 1 && v.shape[v.rank - 1] === 1) {
    if (w.rank === 1) w = w.expandDims(-1);
    else v = v.squeeze(-1);
  } else if (w.rank === v.rank + 1 && w.shape[w.rank - 1] === 1) {
    if (v.rank === 1) v = v.expandDims(-1);
    else w = w.squeeze(-1);
  }
  // A single value for the batch (e.g. a batch loss): every sample carries it.
  if (v.rank === 0) v = v.broadcastTo(w.shape);
  if (v.rank > w.rank) v = mean(v, trailingAxes(w.rank, v.rank));
  if (w.rank > v.rank || !w.shape.every((d, i) => d === 1 || d === v.shape[i])) {
    throw new ShapeError(
      `${owner}: expected sampleWeight of shape ${fmtPartialShape(values.shape.slice(0, 1))} (one weight per sample) or a shape that broadcasts to ${fmtPartialShape(values.shape)}, got ${fmtPartialShape(sampleWeight.shape)}`,
    );
  }
  w = w.broadcastTo(v.shape);
  const perSampleWeight = w.rank > 1 ? mean(w, trailingAxes(1, w.rank)) : w;
  return [sum(v.mul(w)), sum(perSampleWeight)];
}
