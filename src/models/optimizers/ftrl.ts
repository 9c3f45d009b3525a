/**
 * FTRL-Proximal (McMahan et al., 2013), as Keras 3.
 *
 * @module
 */
import { z } from 'zod';
import { clipByValue, pow } from '../../engine/index.js';
import type { ConfigDict } from '../../layers/config.js';
import { Optimizer, type SlotSpec, type UpdateInput, type UpdateResult } from './optimizer.js';
import { baseOptionsShape, parseOptimizerOptions, type OptimizerArgs } from './options.js';

const nonnegative = (d: number) => z.number().finite().nonnegative().default(d);
const ftrlSchema = z.strictObject({
  ...baseOptionsShape(0.001),
  learningRatePower: z.number().finite().max(0).default(-0.5),
  initialAccumulatorValue: nonnegative(0.1),
  l1RegularizationStrength: nonnegative(0),
  l2RegularizationStrength: nonnegative(0),
  l2ShrinkageRegularizationStrength: nonnegative(0),
  beta: nonnegative(0),
});

/**
 * Options of {@link Ftrl}.
 *
 * @example
 * ```ts
 * const args: FtrlArgs = { learningRate: 0.1, l1RegularizationStrength: 0.01 };
 * ```
 */
export interface FtrlArgs extends OptimizerArgs {
  /** How the per-coordinate rate falls as squared gradients accumulate, <= 0; default -0.5. */
  learningRatePower?: number;
  /** The accumulators' starting value, >= 0; default 0.1. */
  initialAccumulatorValue?: number;
  /** L1 regularization (gives exact zeros), >= 0; default 0. */
  l1RegularizationStrength?: number;
  /** L2 regularization, >= 0; default 0. */
  l2RegularizationStrength?: number;
  /** L2 shrinkage added to the gradient (`g + 2 * s * w`), >= 0; default 0. */
  l2ShrinkageRegularizationStrength?: number;
  /** The paper's beta, added to L2 as `beta / (2 lr)`; default 0. */
  beta?: number;
}

/**
 * FTRL, as Keras 3, with `p = -learningRatePower`:
 * `n' = n + g^2`, `z += (g + 2 s w) - (n'^p - n^p) / lr * w`,
 * `w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 (l2 + beta / (2 lr)))`.
 *
 * @example
 * ```ts
 * const opt = new Ftrl({ learningRate: 0.1, l1RegularizationStrength: 0.001 });
 * ```
 */
export class Ftrl extends Optimizer {
  /** The learning-rate power (<= 0). */
  readonly learningRatePower: number;
  /** The accumulators' starting value. */
  readonly initialAccumulatorValue: number;
  /** L1 strength. */
  readonly l1RegularizationStrength: number;
  /** L2 strength. */
  readonly l2RegularizationStrength: number;
  /** L2 shrinkage strength. */
  readonly l2ShrinkageRegularizationStrength: number;
  /** The paper's beta. */
  readonly beta: number;

  /** @param args The options; see {@link FtrlArgs}. */
  constructor(args: FtrlArgs = {}) {
    const o = parseOptimizerOptions(ftrlSchema, args, 'ftrl');
    super('ftrl', o);
    this.learningRatePower = o.learningRatePower;
    this.initialAccumulatorValue = o.initialAccumulatorValue;
    this.l1RegularizationStrength = o.l1RegularizationStrength;
    this.l2RegularizationStrength = o.l2RegularizationStrength;
    this.l2ShrinkageRegularizationStrength = o.l2ShrinkageRegularizationStrength;
    this.beta = o.beta;
  }

  /** `'Ftrl'`. */
  get className(): string {
    return 'Ftrl';
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'accumulator', initialValue: this.initialAccumulatorValue },
      { name: 'linear', initialValue: 0 },
    ];
  }

  protected updateStep({ grad, value, slots, lr }: UpdateInput): UpdateResult {
    const [accumulator, linearOld] = slots;
    const p = -this.learningRatePower;
    const l1 = this.l1RegularizationStrength;
    const l2 = this.l2RegularizationStrength + this.beta / (2 * lr);
    const gradToUse = grad.add(value.mul(2 * this.l2ShrinkageRegularizationStrength));
    const newAccumulator = accumulator.add(grad.square());
    const newPower = pow(newAccumulator, p);
    const sigma = newPower.sub(pow(accumulator, p)).div(lr);
    const linear = linearOld.add(gradToUse.sub(sigma.mul(value)));
    const quadratic = newPower.div(lr).add(2 * l2);
    const next = clipByValue(linear, -l1, l1).sub(linear).div(quadratic);
    return { value: next, slots: [newAccumulator, linear] };
  }

  protected hyperConfig(): ConfigDict {
    return {
      learningRatePower: this.learningRatePower,
      initialAccumulatorValue: this.initialAccumulatorValue,
      l1RegularizationStrength: this.l1RegularizationStrength,
      l2RegularizationStrength: this.l2RegularizationStrength,
      l2ShrinkageRegularizationStrength: this.l2ShrinkageRegularizationStrength,
      beta: this.beta,
    };
  }
}
