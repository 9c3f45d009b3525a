/**
 * Stochastic gradient descent with optional (Nesterov) momentum, as Keras 3.
 *
 * @module
 */
import { z } from 'zod';
import type { ConfigDict } from '../../layers/config.js';
import { Optimizer, type SlotSpec, type UpdateInput, type UpdateResult } from './optimizer.js';
import { baseOptionsShape, parseOptimizerOptions, type OptimizerArgs } from './options.js';

const sgdSchema = z.strictObject({
  ...baseOptionsShape(0.01),
  momentum: z.number().min(0).max(1).default(0),
  nesterov: z.boolean().default(false),
});

/**
 * Options of {@link SGD}.
 *
 * @example
 * ```ts
 * const args: SGDArgs = { learningRate: 0.1, momentum: 0.9, nesterov: true };
 * ```
 */
export interface SGDArgs extends OptimizerArgs {
  /** Momentum in [0, 1]; 0 (the default) is plain gradient descent. */
  momentum?: number;
  /** Use Nesterov momentum; default false. */
  nesterov?: boolean;
}

/**
 * Gradient descent. With momentum `mu` (Keras 3):
 * `m = mu * m - lr * g`, then `w += m` (or `w += mu * m - lr * g` with Nesterov);
 * without: `w -= lr * g`. Learning rate default 0.01.
 *
 * @example
 * ```ts
 * const opt = new SGD({ learningRate: 0.1, momentum: 0.9 });
 * ```
 */
export class SGD extends Optimizer {
  /** The momentum. */
  readonly momentum: number;
  /** Whether Nesterov momentum is used. */
  readonly nesterov: boolean;

  /** @param args The options; see {@link SGDArgs}. */
  constructor(args: SGDArgs = {}) {
    const o = parseOptimizerOptions(sgdSchema, args, 'sgd');
    super('sgd', o);
    this.momentum = o.momentum;
    this.nesterov = o.nesterov;
  }

  /** `'SGD'`. */
  get className(): string {
    return 'SGD';
  }

  protected slotSpecs(): SlotSpec[] {
    return this.momentum !== 0 ? [{ name: 'momentum', initialValue: 0 }] : [];
  }

  protected updateStep({ grad, value, slots, lr }: UpdateInput): UpdateResult {
    if (this.momentum === 0) return { value: value.sub(grad.mul(lr)), slots: [] };
    const m = slots[0].mul(this.momentum).sub(grad.mul(lr));
    const delta = this.nesterov ? m.mul(this.momentum).sub(grad.mul(lr)) : m;
    return { value: value.add(delta), slots: [m] };
  }

  protected hyperConfig(): ConfigDict {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}
