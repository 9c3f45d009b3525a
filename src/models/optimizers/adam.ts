/**
 * The Adam family, as Keras 3: Adam (with AMSGrad), AdamW (Adam with
 * decoupled weight decay), Adamax (infinity norm) and Nadam (Nesterov
 * momentum with the momentum-decay schedule). Bias corrections are scalars
 * computed in JS numbers.
 *
 * @module
 */
import { z } from 'zod';
import { maximum, type Tensor } from '../../engine/index.js';
import type { ConfigDict } from '../../layers/config.js';
import { Optimizer, type SlotSpec, type UpdateInput, type UpdateResult } from './optimizer.js';
import { baseOptionsShape, parseOptimizerOptions, type OptimizerArgs } from './options.js';

const beta = (d: number) => z.number().min(0).lt(1).default(d);
const epsilon = z.number().finite().nonnegative().default(1e-7);
const adamShape = { beta1: beta(0.9), beta2: beta(0.999), epsilon, amsgrad: z.boolean().default(false) };
const adamSchema = z.strictObject({ ...baseOptionsShape(0.001), ...adamShape });
// The same output type as adamSchema (weightDecay stays nullable) so AdamW can share Adam's constructor.
const adamwSchema = z.strictObject({ ...baseOptionsShape(0.001), ...adamShape, weightDecay: z.number().finite().nonnegative().nullable().default(0.004) });
const adamaxSchema = z.strictObject({ ...baseOptionsShape(0.001), beta1: beta(0.9), beta2: beta(0.999), epsilon });
const nadamSchema = adamaxSchema;

/**
 * Options of {@link Adamax} and {@link Nadam}.
 *
 * @example
 * ```ts
 * const args: AdamaxArgs = { learningRate: 0.002, beta1: 0.9 };
 * ```
 */
export interface AdamaxArgs extends OptimizerArgs {
  /** Decay of the first moment, in [0, 1); default 0.9. */
  beta1?: number;
  /** Decay of the second moment (Adamax: of the infinity norm), in [0, 1); default 0.999. */
  beta2?: number;
  /** Added to the denominator for numerical stability; default 1e-7. */
  epsilon?: number;
}

/**
 * Options of {@link Adam} and {@link AdamW}.
 *
 * @example
 * ```ts
 * const args: AdamArgs = { learningRate: 0.001, amsgrad: true };
 * ```
 */
export interface AdamArgs extends AdamaxArgs {
  /** Use the AMSGrad variant (the maximum of past second moments); default false. */
  amsgrad?: boolean;
}

/**
 * Adam (Kingma & Ba, 2014), as Keras 3:
 * `m += (g - m)(1 - beta1)`, `v += (g^2 - v)(1 - beta2)`,
 * `w -= lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + epsilon)`;
 * with `amsgrad`, `vHat = max(vHat, v)` replaces `v` in the denominator.
 *
 * @example
 * ```ts
 * const opt = new Adam({ learningRate: 0.001 });
 * ```
 */
export class Adam extends Optimizer {
  /** The base name and option schema; {@link AdamW} overrides them (as Keras, AdamW is an Adam). @internal */
  protected static readonly spec: { baseName: string; schema: typeof adamSchema } = { baseName: 'adam', schema: adamSchema };
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the second moment. */
  readonly beta2: number;
  /** Denominator stabilizer. */
  readonly epsilon: number;
  /** Whether AMSGrad is used. */
  readonly amsgrad: boolean;

  /** @param args The options; see {@link AdamArgs}. */
  constructor(args: AdamArgs = {}) {
    const { baseName, schema } = new.target.spec;
    const o = parseOptimizerOptions(schema, args, baseName);
    super(baseName, o);
    this.beta1 = o.beta1;
    this.beta2 = o.beta2;
    this.epsilon = o.epsilon;
    this.amsgrad = o.amsgrad;
  }

  /** `'Adam'`. */
  get className(): string {
    return 'Adam';
  }

  protected slotSpecs(): SlotSpec[] {
    const slots = [
      { name: 'momentum', initialValue: 0 },
      { name: 'velocity', initialValue: 0 },
    ];
    return this.amsgrad ? [...slots, { name: 'velocity_hat', initialValue: 0 }] : slots;
  }

  protected updateStep({ grad, value, slots, lr, step }: UpdateInput): UpdateResult {
    const alpha = (lr * Math.sqrt(1 - this.beta2 ** step)) / (1 - this.beta1 ** step);
    const m = slots[0].add(grad.sub(slots[0]).mul(1 - this.beta1));
    const v = slots[1].add(grad.square().sub(slots[1]).mul(1 - this.beta2));
    const vHat = this.amsgrad ? maximum(slots[2], v) : v;
    const next = value.sub(m.mul(alpha).div(vHat.sqrt().add(this.epsilon)));
    return { value: next, slots: this.amsgrad ? [m, v, vHat] : [m, v] };
  }

  protected hyperConfig(): ConfigDict {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/**
 * AdamW (Loshchilov & Hutter, 2017): Adam with decoupled weight decay
 * (`w -= lr * weightDecay * w` before the Adam step), weightDecay default 0.004.
 *
 * @example
 * ```ts
 * const opt = new AdamW({ learningRate: 0.001, weightDecay: 0.01 });
 * ```
 */
export class AdamW extends Adam {
  /** AdamW's base name and option schema (weightDecay defaults to 0.004). @internal */
  protected static override readonly spec = { baseName: 'adamw', schema: adamwSchema };

  /** `'AdamW'`. */
  override get className(): string {
    return 'AdamW';
  }
}

/**
 * Adamax (Kingma & Ba, section 7), as Keras 3: `m += (g - m)(1 - beta1)`,
 * `u = max(beta2 * u, |g|)`, `w -= lr * m / ((1 - beta1^t)(u + epsilon))`.
 *
 * @example
 * ```ts
 * const opt = new Adamax({ learningRate: 0.002 });
 * ```
 */
export class Adamax extends Optimizer {
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the infinity norm. */
  readonly beta2: number;
  /** Denominator stabilizer. */
  readonly epsilon: number;

  /** @param args The options; see {@link AdamaxArgs}. */
  constructor(args: AdamaxArgs = {}) {
    const o = parseOptimizerOptions(adamaxSchema, args, 'adamax');
    super('adamax', o);
    this.beta1 = o.beta1;
    this.beta2 = o.beta2;
    this.epsilon = o.epsilon;
  }

  /** `'Adamax'`. */
  get className(): string {
    return 'Adamax';
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'momentum', initialValue: 0 },
      { name: 'norm', initialValue: 0 },
    ];
  }

  protected updateStep({ grad, value, slots, lr, step }: UpdateInput): UpdateResult {
    const m = slots[0].add(grad.sub(slots[0]).mul(1 - this.beta1));
    const u = maximum(slots[1].mul(this.beta2), grad.abs());
    const next = value.sub(m.mul(lr / (1 - this.beta1 ** step)).div(u.add(this.epsilon)));
    return { value: next, slots: [m, u] };
  }

  protected hyperConfig(): ConfigDict {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/**
 * Nadam (Dozat, 2015), as Keras 3, with the momentum schedule
 * `mu_t = beta1 (1 - 0.5 * 0.96^t)` and `P_t = mu_1 ... mu_t`:
 * `m += (g - m)(1 - beta1)`, `v += (g^2 - v)(1 - beta2)`,
 * `mHat = mu_{t+1} m / (1 - P_{t+1}) + (1 - mu_t) g / (1 - P_t)`,
 * `w -= lr * mHat / (sqrt(v / (1 - beta2^t)) + epsilon)`.
 * `P_t` depends only on the step, so it is recomputed rather than stored.
 *
 * @example
 * ```ts
 * const opt = new Nadam({ learningRate: 0.001 });
 * ```
 */
export class Nadam extends Optimizer {
  /** Decay of the first moment. */
  readonly beta1: number;
  /** Decay of the second moment. */
  readonly beta2: number;
  /** Denominator stabilizer. */
  readonly epsilon: number;
  private productCache: [number, number] | undefined;

  /** @param args The options; see {@link AdamaxArgs}. */
  constructor(args: AdamaxArgs = {}) {
    const o = parseOptimizerOptions(nadamSchema, args, 'nadam');
    super('nadam', o);
    this.beta1 = o.beta1;
    this.beta2 = o.beta2;
    this.epsilon = o.epsilon;
  }

  /** `'Nadam'`. */
  get className(): string {
    return 'Nadam';
  }

  private mu(t: number): number {
    return this.beta1 * (1 - 0.5 * 0.96 ** t);
  }

  /** `mu_1 * ... * mu_t`, extended from the last step's product (steps usually come one at a time). */
  private muProduct(t: number): number {
    let [k, p] = this.productCache !== undefined && this.productCache[0] <= t ? this.productCache : [0, 1];
    while (k < t) p *= this.mu(++k);
    this.productCache = [t, p];
    return p;
  }

  protected slotSpecs(): SlotSpec[] {
    return [
      { name: 'momentum', initialValue: 0 },
      { name: 'velocity', initialValue: 0 },
    ];
  }

  protected updateStep({ grad, value, slots, lr, step }: UpdateInput): UpdateResult {
    const muT = this.mu(step);
    const muNext = this.mu(step + 1);
    const productT = this.muProduct(step);
    const productNext = productT * muNext;
    const m = slots[0].add(grad.sub(slots[0]).mul(1 - this.beta1));
    const v = slots[1].add(grad.square().sub(slots[1]).mul(1 - this.beta2));
    const mHat: Tensor = m.mul(muNext / (1 - productNext)).add(grad.mul((1 - muT) / (1 - productT)));
    const vHat = v.div(1 - this.beta2 ** step);
    const next = value.sub(mHat.mul(lr).div(vHat.sqrt().add(this.epsilon)));
    return { value: next, slots: [m, v] };
  }

  protected hyperConfig(): ConfigDict {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
