/**
 * RMSprop (Hinton, lecture 6e), with optional momentum and centering, as Keras 3.
 *
 * @module
 */
import { z } from 'zod';
import type { Tensor } from '../../engine/index.js';
import type { ConfigDict } from '../../layers/config.js';
import { Optimizer, type SlotSpec, type UpdateInput, type UpdateResult } from './optimizer.js';
import { baseOptionsShape, parseOptimizerOptions, type OptimizerArgs } from './options.js';

const rmspropSchema = z.strictObject({
  ...baseOptionsShape(0.001),
  rho: z.number().min(0).max(1).default(0.9),
  momentum: z.number().min(0).max(1).default(0),
  epsilon: z.number().finite().nonnegative().default(1e-7),
  centered: z.boolean().default(false),
});

/**
 * Options of {@link RMSprop}.
 *
 * @example
 * ```ts
 * const args: RMSpropArgs = { learningRate: 0.001, rho: 0.9, centered: true };
 * ```
 */
export interface RMSpropArgs extends OptimizerArgs {
  /** Decay of the moving average of squared gradients; default 0.9. */
  rho?: number;
  /** Momentum in [0, 1]; default 0. */
  momentum?: number;
  /** Added to the average before the square root; default 1e-7. */
  epsilon?: number;
  /** Divide by the estimated variance (subtract the squared mean gradient); default false. */
  centered?: boolean;
}

/**
 * RMSprop, as Keras 3: `v = rho * v + (1 - rho) g^2`; centered:
 * `a = rho * a + (1 - rho) g` and the denominator is `sqrt(v - a^2 + epsilon)`,
 * else `sqrt(v + epsilon)`; `inc = lr * g / denominator`; with momentum
 * `mom = momentum * mom + inc; w -= mom`, else `w -= inc`.
 *
 * @example
 * ```ts
 * const opt = new RMSprop({ learningRate: 0.001, momentum: 0.9 });
 * ```
 */
export class RMSprop extends Optimizer {
  /** Decay of the squared-gradient average. */
  readonly rho: number;
  /** Momentum. */
  readonly momentum: number;
  /** Denominator stabilizer. */
  readonly epsilon: number;
  /** Whether the variance (not the second moment) is used. */
  readonly centered: boolean;

  /** @param args The options; see {@link RMSpropArgs}. */
  constructor(args: RMSpropArgs = {}) {
    const o = parseOptimizerOptions(rmspropSchema, args, 'rmsprop');
    super('rmsprop', o);
    this.rho = o.rho;
    this.momentum = o.momentum;
    this.epsilon = o.epsilon;
    this.centered = o.centered;
  }

  /** `'RMSprop'`. */
  get className(): string {
    return 'RMSprop';
  }

  protected slotSpecs(): SlotSpec[] {
    const slots: SlotSpec[] = [{ name: 'velocity', initialValue: 0 }];
    if (this.momentum > 0) slots.push({ name: 'momentum', initialValue: 0 });
    if (this.centered) slots.push({ name: 'average_gradient', initialValue: 0 });
    return slots;
  }

  protected updateStep({ grad, value, slots, lr }: UpdateInput): UpdateResult {
    const { rho, epsilon } = this;
    const [velocityOld, ...rest] = slots;
    const momentumOld = this.momentum > 0 ? rest.shift() : undefined;
    const averageOld = this.centered ? rest.shift() : undefined;
    const velocity = velocityOld.mul(rho).add(grad.square().mul(1 - rho));
    const average = averageOld?.mul(rho).add(grad.mul(1 - rho));
    const denominator = average ? velocity.sub(average.square()).add(epsilon) : velocity.add(epsilon);
    const increment = grad.mul(lr).div(denominator.sqrt());
    const delta = momentumOld ? momentumOld.mul(this.momentum).add(increment) : increment;
    const next: Tensor[] = [velocity];
    if (momentumOld) next.push(delta);
    if (average) next.push(average);
    return { value: value.sub(delta), slots: next };
  }

  protected hyperConfig(): ConfigDict {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
