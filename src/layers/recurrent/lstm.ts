/**
 * LSTM: long short-term memory (Hochreiter & Schmidhuber 1997, with the
 * forget gate of Gers et al. 2000), Keras 3 gate order i, f, c, o.
 *
 * @module
 */
import { z } from 'zod';
import { add, concat, matMul, mul, ones, split, tidy, type Tensor } from '../../engine/index.js';
import type { ConfigDict } from '../config.js';
import { parseLayerOptions, registerLayer, type BaseLayerArgs } from '../layer.js';
import { activationOption, getActivation, serializeActivation, type Activation } from '../activations.js';
import { Initializer, type InitializerDType } from '../initializers.js';
import { RecurrentLayer, recurrentOptions, type CellStep } from './base.js';

const lstmSchema = z.strictObject({
  ...recurrentOptions,
  recurrentActivation: activationOption.optional(),
  unitForgetBias: z.boolean().optional(),
});

/**
 * Options of {@link LSTM}: those of `SimpleRNNArgs`, plus
 * `recurrentActivation` (of the gates, `'sigmoid'`) and `unitForgetBias`
 * (true: the forget gate's bias starts at 1, Jozefowicz et al. 2015).
 *
 * @example
 * ```ts
 * const opts: LSTMArgs = { units: 32, returnSequences: true, recurrentDropout: 0.2 };
 * ```
 */
export type LSTMArgs = z.input<typeof lstmSchema> & BaseLayerArgs;

/** Keras' unit-forget-bias fill: the bias initializer for the i, c and o slices, ones for f. */
class ForgetGateOnes extends Initializer {
  readonly className = 'LSTMForgetGateOnes';

  constructor(
    private readonly inner: Initializer,
    private readonly units: number,
  ) {
    super();
  }

  apply(shape: readonly number[], dtype: InitializerDType = 'float32'): Tensor {
    void shape;
    const u = this.units;
    return tidy(() => concat([this.inner.apply([u], dtype), ones([u], dtype), this.inner.apply([2 * u], dtype)], 0));
  }

  getConfig(): ConfigDict {
    return {};
  }
}

/**
 * Long short-term memory over inputs `[batch, timesteps, features]`. With
 * `z = x_t·kernel + h_{t-1}·recurrentKernel + bias` split into four slices
 * in the order i, f, c, o: `i = σ(z_i)`, `f = σ(z_f)`, `o = σ(z_o)`,
 * `c_t = f·c_{t-1} + i·tanh(z_c)`, `h_t = o·tanh(c_t)` (σ is
 * `recurrentActivation`, tanh is `activation`). The kernel is
 * `[features, 4·units]`, the recurrent kernel `[units, 4·units]`, the bias
 * `[4·units]`. Returns the last `h`, or every `h` with `returnSequences`;
 * with `returnState`, `[output, h, c]` (use `applyMany`). Initial states go
 * in as extra inputs: `apply([x, h0, c0])`.
 *
 * @example
 * ```ts
 * const lstm = layers.lstm({ units: 8 });
 * lstm.apply(ones([2, 5, 3])).shape;                         // [2, 8]
 * const [out, h, c] = layers.lstm({ units: 8, returnState: true }).applyMany(ones([2, 5, 3]));
 * ```
 */
export class LSTM extends RecurrentLayer {
  static override readonly className: string = 'LSTM';
  /** The gates' activation. */
  readonly recurrentActivation: Activation;
  /** Whether the forget gate's bias starts at 1. */
  readonly unitForgetBias: boolean;

  /** @param args Options; see {@link LSTMArgs}. */
  constructor(args: LSTMArgs) {
    const o = parseLayerOptions(lstmSchema, args, 'LSTM');
    super(o, { gates: 4, stateNames: ['h', 'c'] });
    this.recurrentActivation = getActivation(o.recurrentActivation === undefined ? 'sigmoid' : o.recurrentActivation, this.name);
    this.unitForgetBias = o.unitForgetBias ?? true;
  }

  protected override biasFill(): Initializer {
    return this.unitForgetBias ? new ForgetGateOnes(this.biasInitializer, this.units) : this.biasInitializer;
  }

  protected makeStep(recurrentMasks: readonly Tensor[] | undefined): CellStep {
    const kernels = recurrentMasks ? split(this.recurrentKernel, 4, 1) : undefined;
    const sigma = (t: Tensor): Tensor => this.recurrentActivation.apply(t);
    return (projected, [h, c]) => {
      const [zi, zf, zc, zo] =
        recurrentMasks && kernels
          ? split(projected, 4, 1).map((xg, g) => add(xg, matMul(mul(h, recurrentMasks[g]), kernels[g])))
          : split(add(projected, matMul(h, this.recurrentKernel)), 4, 1);
      const cNext = add(mul(sigma(zf), c), mul(sigma(zi), this.activation.apply(zc)));
      return [mul(sigma(zo), this.activation.apply(cNext)), cNext];
    };
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation, this.name),
      unitForgetBias: this.unitForgetBias,
    };
  }
}
registerLayer(LSTM);
