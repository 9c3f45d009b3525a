/**
 * Metrics from confusion counts at thresholds: precision, recall, and the
 * area under the ROC or precision-recall curve, Keras 3 semantics. Labels
 * are 0/1 (a soft label counts fractionally as positive and negative);
 * predictions are probabilities, and a prediction counts as positive when it
 * is strictly above a threshold.
 *
 * @module
 */
import { z } from 'zod';
import {
  add,
  cast,
  greater,
  log,
  logicalAnd,
  matMul,
  maximum,
  minimum,
  ones,
  scalar,
  sigmoid,
  sub,
  sum,
  tensor,
  tidy,
  where,
  type Tensor,
} from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../../layers/config.js';
import { alignLabels, alignWeights } from '../losses/labels.js';
import { EPSILON } from '../losses/regression.js';
import { Metric, divideNoNan, nameSchema, type MetricOptions } from './metric.js';

/** Labels, predictions and weights as flat float32 vectors of one length. */
function flatInputs(owner: string, yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | undefined): [Tensor, Tensor, Tensor] {
  const [t0, p0] = alignLabels(owner, 'same', yTrue, yPred);
  const [t, p] = [cast(t0, 'float32'), cast(p0, 'float32')];
  const w = sampleWeight === undefined ? ones(p.shape) : alignWeights(owner, sampleWeight, p).broadcastTo(p.shape);
  return [t.reshape([-1]), p.reshape([-1]), w.reshape([-1])];
}

/**
 * Options of {@link Precision} and {@link Recall}.
 *
 * @example
 * ```ts
 * const opts: ThresholdOptions = { thresholds: 0.7, name: 'precision_at_0.7' };
 * ```
 */
export interface ThresholdOptions extends MetricOptions {
  /** A prediction above this counts as positive (default 0.5). */
  thresholds?: number;
}

const thresholdSchema = (defaultName: string) =>
  z.strictObject({ name: nameSchema.default(defaultName), thresholds: z.number().finite().default(0.5) });

/** Weighted counts of predicted positives among positive and among negative labels. */
function positiveCounts(owner: string, threshold: number, yTrue: Tensor, yPred: Tensor, sampleWeight: Tensor | undefined) {
  const [t, p, w] = flatInputs(owner, yTrue, yPred, sampleWeight);
  const predictedPositive = cast(greater(p, threshold), 'float32');
  const positiveWeight = t.mul(w);
  const negativeWeight = sub(1, t).mul(w);
  return {
    truePositives: sum(predictedPositive.mul(positiveWeight)),
    falsePositives: sum(predictedPositive.mul(negativeWeight)),
    falseNegatives: sum(sub(1, predictedPositive).mul(positiveWeight)),
  };
}

/**
 * What {@link Precision} and {@link Recall} share: a threshold, and two
 * running counts, true positives and the other kind of error, whose ratio
 * `tp / (tp + other)` is the result.
 *
 * @example
 * ```ts
 * const m: PositiveRate = new Precision({ thresholds: 0.3 });
 * ```
 */
export abstract class PositiveRate extends Metric {
  /** The decision threshold. */
  readonly thresholds: number;
  /** Which count sits beside the true positives. */
  protected abstract readonly other: 'falsePositives' | 'falseNegatives';

  /** @param kind `'precision'` or `'recall'` (default name and error owner). */
  protected constructor(kind: 'precision' | 'recall', options?: ThresholdOptions) {
    const o = parseOptions(thresholdSchema(kind), options, kind);
    super(o.name);
    this.thresholds = o.thresholds;
  }
  /** Adds a batch's true positives and the other count. */
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    this.updateStateTensors((previous) => {
      const c = positiveCounts(this.name, this.thresholds, yTrue, yPred, sampleWeight);
      const next = [c.truePositives, c[this.other]];
      return previous ? next.map((t, i) => t.add(previous[i])) : next;
    });
  }
  /** `tp / (tp + other)`, 0 before any count. */
  result(): Tensor {
    return tidy(() => {
      const s = this.stateTensors;
      return s ? divideNoNan(s[0], add(s[0], s[1])) : scalar(0, 'float32');
    });
  }
  /** `{name, thresholds}`. */
  override getConfig(): ConfigDict {
    return { name: this.name, thresholds: this.thresholds };
  }
}

/**
 * Precision, `tp / (tp + fp)`: the fraction of positive predictions that are
 * right (0 before any positive prediction).
 *
 * @example
 * ```ts
 * const m = new Precision();
 * m.updateState(tensor([0, 1, 1, 1]), tensor([1, 0, 1, 1]));
 * m.result(); // 2/3
 * ```
 */
export class Precision extends PositiveRate {
  protected readonly other = 'falsePositives';
  /** @param options `thresholds` (default 0.5), `name` (default `'precision'`). */
  constructor(options?: ThresholdOptions) {
    super('precision', options);
  }
}

/**
 * Recall, `tp / (tp + fn)`: the fraction of positive labels predicted
 * positive (0 before any positive label).
 *
 * @example
 * ```ts
 * const m = new Recall();
 * m.updateState(tensor([0, 1, 1, 1]), tensor([1, 0, 1, 1]));
 * m.result(); // 2/3
 * ```
 */
export class Recall extends PositiveRate {
  protected readonly other = 'falseNegatives';
  /** @param options `thresholds` (default 0.5), `name` (default `'recall'`). */
  constructor(options?: ThresholdOptions) {
    super('recall', options);
  }
}

/**
 * Options of {@link AUC}.
 *
 * @example
 * ```ts
 * const opts: AUCOptions = { curve: 'PR', numThresholds: 500 };
 * ```
 */
export interface AUCOptions extends MetricOptions {
  /** How many thresholds split `[0, 1]` (default 200, at least 2). */
  numThresholds?: number;
  /** `'ROC'` (default) or `'PR'` (precision-recall). */
  curve?: 'ROC' | 'PR';
  /**
   * How each interval between thresholds is summed: `'interpolation'`
   * (default: trapezoids for ROC, Davis & Goadrich interpolation for PR),
   * `'minoring'` or `'majoring'` (lower or upper Riemann sums).
   */
  summationMethod?: 'interpolation' | 'minoring' | 'majoring';
  /** Whether predictions are logits (a sigmoid is applied first; default false). */
  fromLogits?: boolean;
}

const aucSchema = z.strictObject({
  name: nameSchema.default('auc'),
  numThresholds: z.number().int().min(2).default(200),
  curve: z.enum(['ROC', 'PR']).default('ROC'),
  summationMethod: z.enum(['interpolation', 'minoring', 'majoring']).default('interpolation'),
  fromLogits: z.boolean().default(false),
});

/**
 * Area under the ROC or precision-recall curve, approximated as Keras does:
 * confusion counts at `numThresholds` thresholds evenly spaced in `[0, 1]`
 * (the end ones just outside), then a Riemann sum over the curve.
 *
 * @example
 * ```ts
 * const m = new AUC({ numThresholds: 3 });
 * m.updateState(tensor([0, 0, 1, 1]), tensor([0, 0.5, 0.3, 0.9]));
 * m.result(); // 0.75
 * ```
 */
export class AUC extends Metric {
  /** How many thresholds. */
  readonly numThresholds: number;
  /** Which curve. */
  readonly curve: 'ROC' | 'PR';
  /** How intervals are summed. */
  readonly summationMethod: 'interpolation' | 'minoring' | 'majoring';
  /** Whether predictions are logits. */
  readonly fromLogits: boolean;
  /** The thresholds, ascending: `-ε, 1/(n-1), ..., (n-2)/(n-1), 1+ε`. */
  readonly thresholds: readonly number[];

  /** @param options `numThresholds`, `curve`, `summationMethod`, `fromLogits`, `name` (default `'auc'`). */
  constructor(options?: AUCOptions) {
    const o = parseOptions(aucSchema, options, 'auc');
    super(o.name);
    this.numThresholds = o.numThresholds;
    this.curve = o.curve;
    this.summationMethod = o.summationMethod;
    this.fromLogits = o.fromLogits;
    const n = o.numThresholds;
    this.thresholds = [-EPSILON, ...Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1)), 1 + EPSILON];
  }

  /** Adds a batch's confusion counts at every threshold. */
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    this.updateStateTensors((previous) => {
      const [t, p0, w] = flatInputs(this.name, yTrue, yPred, sampleWeight);
      const p = this.fromLogits ? sigmoid(p0) : p0;
      const above = cast(greater(p.reshape([-1, 1]), tensor(this.thresholds, [1, this.numThresholds])), 'float32');
      const positiveWeight = t.mul(w).reshape([1, -1]);
      const negativeWeight = sub(1, t).mul(w).reshape([1, -1]);
      const tp = matMul(positiveWeight, above).reshape([-1]);
      const fp = matMul(negativeWeight, above).reshape([-1]);
      const next = [tp, fp, sub(sum(negativeWeight), fp), sub(sum(positiveWeight), tp)];
      return previous ? next.map((s, i) => s.add(previous[i])) : next;
    });
  }

  /** The area under the curve (0 before any update). */
  result(): Tensor {
    return tidy(() => {
      const s = this.stateTensors;
      if (!s) return scalar(0, 'float32');
      const [tp, fp, tn, fn] = s;
      if (this.curve === 'PR' && this.summationMethod === 'interpolation') return this.interpolatePrAuc(tp, fp, fn);
      const recall = divideNoNan(tp, add(tp, fn));
      const [x, y] = this.curve === 'ROC' ? [divideNoNan(fp, add(fp, tn)), recall] : [recall, divideNoNan(tp, add(tp, fp))];
      const [yLeft, yRight] = [this.head(y), this.tail(y)];
      const heights =
        this.summationMethod === 'interpolation'
          ? add(yLeft, yRight).div(2)
          : this.summationMethod === 'minoring'
            ? minimum(yLeft, yRight)
            : maximum(yLeft, yRight);
      return sum(sub(this.head(x), this.tail(x)).mul(heights));
    });
  }

  /** `{name, numThresholds, curve, summationMethod, fromLogits}`. */
  override getConfig(): ConfigDict {
    return { name: this.name, numThresholds: this.numThresholds, curve: this.curve, summationMethod: this.summationMethod, fromLogits: this.fromLogits };
  }

  private head(v: Tensor): Tensor {
    return v.slice([0], [this.numThresholds - 1]);
  }

  private tail(v: Tensor): Tensor {
    return v.slice([1], [this.numThresholds - 1]);
  }

  /**
   * Keras' closed form of Davis & Goadrich's interpolation: within each
   * interval tp and p = tp + fp vary linearly, and precision·d(recall) is
   * integrated exactly.
   */
  private interpolatePrAuc(tp: Tensor, fp: Tensor, fn: Tensor): Tensor {
    const dtp = sub(this.head(tp), this.tail(tp));
    const p = add(tp, fp);
    const [pLeft, pRight] = [this.head(p), this.tail(p)];
    const slope = divideNoNan(dtp, maximum(sub(pLeft, pRight), 0));
    const intercept = sub(this.tail(tp), slope.mul(pRight));
    const safeRatio = where(logicalAnd(greater(pLeft, 0), greater(pRight, 0)), divideNoNan(pLeft, maximum(pRight, 0)), 1);
    const increment = divideNoNan(slope.mul(add(dtp, intercept.mul(log(safeRatio)))), maximum(add(this.tail(tp), this.tail(fn)), 0));
    return sum(increment);
  }
}
