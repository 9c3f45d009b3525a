/**
 * Adagrad (Duchi et al., 2011), as Keras 3.
 *
 * @module
 */
import { z } from 'zod';
import type { ConfigDict } from '../../layers/config.js';
import { Optimizer, type SlotSpec, type UpdateInput, type UpdateResult } from './optimizer.js';
import { baseOptionsShape, parseOptimizerOptions, type OptimizerArgs } from './options.js';

const adagradSchema = z.strictObject({
  ...baseOptionsShape(0.001),
  initialAccumulatorValue: z.number().finite().nonnegative().default(0.1),
  epsilon: z.number().finite().nonnegative().default(1e-7),
});

/**
 * Options of {@link Adagrad}.
 *
 * @example
 * ```ts
 * const args: AdagradArgs = { learningRate: 0.01, initialAccumulatorValue: 0.1 };
 * ```
 */
export interface AdagradArgs extends OptimizerArgs {
  /** The accumulators' starting value, >= 0; default 0.1. */
  initialAccumulatorValue?: number;
  /** Added to the accumulator before the square root; default 1e-7. */
  epsilon?: number;
}

/**
 * Adagrad, as Keras 3: `acc += g^2`, `w -= lr * g / sqrt(acc + epsilon)`.
 *
 * @example
 * ```ts
 * const opt = new Adagrad({ learningRate: 0.01 });
 * ```
 */
export class Adagrad extends Optimizer {
  /** The accumulators' starting value. */
  readonly initialAccumulatorValue: number;
  /** Denominator stabilizer. */
  readonly epsilon: number;

  /** @param args The options; see {@link AdagradArgs}. */
  constructor(args: AdagradArgs = {}) {
    const o = parseOptimizerOptions(adagradSchema, args, 'adagrad');
    super('adagrad', o);
    this.initialAccumulatorValue = o.initialAccumulatorValue;
    this.epsilon = o.epsilon;
  }

  /** `'Adagrad'`. */
  get className(): string {
    return 'Adagrad';
  }

  protected slotSpecs(): SlotSpec[] {
    return [{ name: 'accumulator', initialValue: this.initialAccumulatorValue }];
  }

  protected updateStep({ grad, value, slots, lr }: UpdateInput): UpdateResult {
    const accumulator = slots[0].add(grad.square());
    return { value: value.sub(grad.mul(lr).div(accumulator.add(this.epsilon).sqrt())), slots: [accumulator] };
  }

  protected hyperConfig(): ConfigDict {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
