/**
 * Activation: applies an activation function elementwise, as a layer of its own.
 *
 * @module
 */
import { z } from 'zod';
import { clone, type Tensor } from '../../engine/index.js';
import type { ConfigDict } from '../config.js';
import { Layer, baseLayerOptions, parseLayerOptions, registerLayer, type BaseLayerArgs } from '../layer.js';
import { activationOption, getActivation, serializeActivation, type Activation as ActivationFn } from '../activations.js';

const activationSchema = z.strictObject({
  ...baseLayerOptions,
  activation: activationOption,
});

/**
 * Options of {@link Activation}: the function to apply (a name such as
 * `'relu'`, or an activation object).
 *
 * @example
 * ```ts
 * const opts: ActivationArgs = { activation: 'relu' };
 * ```
 */
export type ActivationArgs = z.input<typeof activationSchema> & BaseLayerArgs;

/**
 * Applies an activation function to its input; the output has the input's
 * shape. It has no weights.
 *
 * @example
 * ```ts
 * const act = layers.activation({ activation: 'relu' });
 * act.apply(tensor([-1, 2])); // [0, 2]
 * ```
 */
export class Activation extends Layer {
  static override readonly className: string = 'Activation';
  /** The function applied. */
  readonly activation: ActivationFn;

  /** @param args Options; see {@link ActivationArgs}. */
  constructor(args: ActivationArgs) {
    const o = parseLayerOptions(activationSchema, args, 'Activation');
    const { activation, ...base } = o;
    super(base);
    this.activation = getActivation(activation, this.name);
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const y = this.activation.apply(x);
    // 'linear' may hand back its input; the caller owns what a layer returns, so it must be a new tensor.
    return y === x ? clone(x) : y;
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), activation: serializeActivation(this.activation, this.name) };
  }
}
registerLayer(Activation);
