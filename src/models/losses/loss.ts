/**
 * The `Loss` base class: per-sample values from `call`, and `compute`, the
 * scalar the training loop differentiates (Keras' "sum over batch size"
 * reduction with optional sample weights).
 *
 * @module
 */
import { Tensor, ValueError, mean, mul, sum, tidy } from '../../engine/index.js';
import type { ConfigDict } from '../../layers/config.js';
import { alignWeights, assertLabelShapes, type LabelFormat } from './labels.js';

/**
 * A loss as a plain function: per-sample values (or a scalar) from labels and predictions.
 *
 * @example
 * ```ts
 * const l1: LossFn = (yTrue, yPred) => yTrue.sub(yPred).abs().sum(-1);
 * ```
 */
export type LossFn = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * Base class of losses. `call` returns per-sample values (the shape of
 * `yPred` without its last axis); `compute` reduces them to the scalar the
 * optimizer minimizes. Subclass it for a custom loss with state or options.
 *
 * @example
 * ```ts
 * class L1 extends Loss {
 *   constructor() { super('l1'); }
 *   call(yTrue: Tensor, yPred: Tensor) { return yTrue.sub(yPred).abs().sum(-1); }
 * }
 * const value = new L1().compute(yTrue, yPred); // scalar
 * ```
 */
export abstract class Loss {
  /** The name shown in logs and messages: the camelCase function name, e.g. `'categoricalCrossentropy'`. */
  readonly name: string;
  /** How `yTrue` must be shaped next to `yPred` (checked by {@link checkLabels}); `'any'` for custom losses. */
  readonly labelFormat: LabelFormat;

  /**
   * @param name The name shown in logs and messages.
   * @param labelFormat How labels must be shaped (default `'any'`: unchecked).
   */
  protected constructor(name: string, labelFormat: LabelFormat = 'any') {
    if (typeof name !== 'string' || name.length === 0) throw new ValueError(`Loss: expected a non-empty name, got ${String(name)}`);
    this.name = name;
    this.labelFormat = labelFormat;
  }

  /** Per-sample losses: `yPred`'s shape without its last axis. */
  abstract call(yTrue: Tensor, yPred: Tensor): Tensor;

  /**
   * The scalar loss: `sum(values · sampleWeight) / values.size` ("sum over
   * batch size", Keras' default reduction). `sampleWeight` has one weight
   * per sample (shape `[batch]`) or the shape of the per-sample values.
   */
  compute(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): Tensor {
    return tidy(() => reduceLoss(this.name, this.call(yTrue, yPred), sampleWeight));
  }

  /** The options that rebuild this loss (`new ItsClass(config)`). */
  getConfig(): ConfigDict {
    return {};
  }
}

/** Keras' "sum over batch size" reduction of per-sample values. @internal */
export function reduceLoss(owner: string, values: Tensor, sampleWeight?: Tensor): Tensor {
  if (!(values instanceof Tensor)) throw new ValueError(`${owner}: expected the per-sample losses to be a Tensor, got ${values === null ? 'null' : typeof values}`);
  if (sampleWeight === undefined) return mean(values);
  if (values.rank === 0) {
    // A loss that already reduced to a scalar: each sample carries that value.
    if (!(sampleWeight instanceof Tensor)) throw new ValueError(`${owner}: expected sampleWeight to be a Tensor, got ${typeof sampleWeight}`);
    return mul(values, mean(sampleWeight.dtype === values.dtype ? sampleWeight : sampleWeight.cast(values.dtype)));
  }
  const w = alignWeights(owner, sampleWeight, values);
  return sum(mul(values, w)).div(values.size);
}

/**
 * A loss from a plain function (see {@link getLoss}); its per-sample value is
 * whatever the function returns.
 *
 * @example
 * ```ts
 * const l1 = new LossFunctionWrapper(function l1(yTrue, yPred) { return yTrue.sub(yPred).abs().sum(-1); });
 * l1.name; // 'l1'
 * ```
 */
export class LossFunctionWrapper extends Loss {
  /** The wrapped function. */
  readonly fn: LossFn;

  /**
   * @param fn The per-sample loss function.
   * @param name The name (default `fn.name`, or `'customLoss'` for an anonymous function).
   */
  constructor(fn: LossFn, name?: string) {
    if (typeof fn !== 'function') throw new ValueError(`LossFunctionWrapper: expected a function (yTrue, yPred) => Tensor, got ${typeof fn}`);
    super(name ?? (fn.name || 'customLoss'));
    this.fn = fn;
  }

  /** The function's value. */
  call(yTrue: Tensor, yPred: Tensor): Tensor {
    return this.fn(yTrue, yPred);
  }
}

/**
 * Checks that labels of shape `yTrueShape` fit predictions of shape
 * `yPredShape` for `loss` (`null` marks an unknown dimension, e.g. the
 * batch); throws the same `ShapeError` the loss would throw on a batch. The
 * training loop calls it before the first step.
 *
 * @example
 * ```ts
 * checkLabels(new CategoricalCrossentropy(), [null], [null, 10]);
 * // ShapeError: categoricalCrossentropy: expected yTrue of shape [null,10] (one-hot, the shape of yPred), got [null];
 * //   for integer class labels use sparseCategoricalCrossentropy
 * ```
 */
export function checkLabels(loss: Loss, yTrueShape: readonly (number | null)[], yPredShape: readonly (number | null)[]): void {
  if (!(loss instanceof Loss)) throw new ValueError(`checkLabels: expected a Loss, got ${typeof loss}`);
  assertLabelShapes(loss.name, loss.labelFormat, yTrueShape, yPredShape);
}
