/**
 * Adadelta (Zeiler, 2012), as Keras 3.
 *
 * @module
 */
import { z } from 'zod';
import type { ConfigDict } from '../../layers/config.js';
import { Optimizer, type SlotSpec, type UpdateInput, type UpdateResult } from './optimizer.js';
import { baseOptionsShape, parseOptimizerOptions, type OptimizerArgs } from './options.js';

const adadeltaSchema = z.strictObject({
  ...baseOptionsShape(0.001),
  rho: z.number().min(0).max(1).default(0.95),
  epsilon: z.number().finite().nonnegative().default(1e-7),
});

/**
 * Options of {@link Adadelta}.
 *
 * @example
 * ```ts
 * const args: AdadeltaArgs = { learningRate: 1, rho: 0.95 };
 * ```
 */
export interface AdadeltaArgs extends OptimizerArgs {
  /** Decay of the running averages; default 0.95. */
  rho?: number;
  /** Added inside the square roots; default 1e-7. */
  epsilon?: number;
}

/**
 * Adadelta, as Keras 3: `accGrad = rho * accGrad + (1 - rho) g^2`,
 * `delta = -sqrt(accDelta + epsilon) * g / sqrt(accGrad + epsilon)`,
 * `accDelta = rho * accDelta + (1 - rho) delta^2`, `w += lr * delta`.
 *
 * @example
 * ```ts
 * const opt = new Adadelta({ learningRate: 1 });
 * ```
 */
export class Adadelta extends Optimizer {
  /** Decay of the running averages. */
  readonly rho: number;
  /** Stabilizer inside the square roots. */
  readonly epsilon: number;

  /** @param args The options; see {@link AdadeltaArgs}. */
  constructor(args: AdadeltaArgs = {}) {
    const o = parseOptimizerOptions(adadeltaSchema, args, 'adadelta');
    super('adadelta', o);
    this.rho = o.rho;
    this.epsilon = o.epsilon;
  }

  /** `'Adadelta'`. */
  get className(): string {
    return 'Adadelta';
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'accumulated_grad', initialValue: 0 },
      { name: 'accumulated_delta_var', initialValue: 0 },
    ];
  }

  protected updateStep({ grad, value, slots, lr }: UpdateInput): UpdateResult {
    const { rho, epsilon } = this;
    const accumulatedGrad = slots[0].mul(rho).add(grad.square().mul(1 - rho));
    const delta = slots[1].add(epsilon).sqrt().mul(grad).div(accumulatedGrad.add(epsilon).sqrt()).neg();
    const accumulatedDelta = slots[1].mul(rho).add(delta.square().mul(1 - rho));
    return { value: value.add(delta.mul(lr)), slots: [accumulatedGrad, accumulatedDelta] };
  }

  protected hyperConfig(): ConfigDict {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}
