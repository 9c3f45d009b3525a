/**
 * GRU: the gated recurrent unit (Cho et al. 2014, arXiv:1406.1078), Keras 3
 * gate order z, r, h, in both of Keras' conventions (`resetAfter`).
 *
 * @module
 */
import { z } from 'zod';
import { add, matMul, mul, reshape, slice, split, sub, type Tensor } from '../../engine/index.js';
import type { ConfigDict } from '../config.js';
import { parseLayerOptions, registerLayer, type BaseLayerArgs } from '../layer.js';
import { activationOption, getActivation, serializeActivation, type Activation } from '../activations.js';
import { RecurrentLayer, recurrentOptions, type CellStep } from './base.js';

const gruSchema = z.strictObject({
  ...recurrentOptions,
  recurrentActivation: activationOption.optional(),
  resetAfter: z.boolean().optional(),
});

/**
 * Options of {@link GRU}: those of `SimpleRNNArgs`, plus
 * `recurrentActivation` (of the gates, `'sigmoid'`) and `resetAfter` (true,
 * the Keras 3 and cuDNN convention: the reset gate multiplies the recurrent
 * projection, and the bias is `[2, 3·units]`, input and recurrent rows).
 *
 * @example
 * ```ts
 * const opts: GRUArgs = { units: 32, resetAfter: false, goBackwards: true };
 * ```
 */
export type GRUArgs = z.input<typeof gruSchema> & BaseLayerArgs;

/**
 * A gated recurrent unit over inputs `[batch, timesteps, features]`. With
 * the input projection `x_t·kernel + b_in` split into `x_z, x_r, x_h` and σ
 * the `recurrentActivation`: `z = σ(x_z + h·U_z + b_rz)`,
 * `r = σ(x_r + h·U_r + b_rr)`, then with `resetAfter` (the default)
 * `ĥ = tanh(x_h + r ⊙ (h·U_h + b_rh))`, else `ĥ = tanh(x_h + (r ⊙ h)·U_h)`
 * (and no recurrent bias), and `h_t = z ⊙ h_{t-1} + (1 − z) ⊙ ĥ`. The
 * kernel is `[features, 3·units]`, the recurrent kernel `[units, 3·units]`,
 * the bias `[2, 3·units]` (`resetAfter`) or `[3·units]`. Returns the last
 * `h`, or every `h` with `returnSequences`; with `returnState`,
 * `[output, h]` (use `applyMany`). An initial state goes in as a second
 * input: `apply([x, h0])`.
 *
 * @example
 * ```ts
 * const gru = layers.gru({ units: 8, returnSequences: true });
 * gru.apply(ones([2, 5, 3])).shape; // [2, 5, 8]
 * gru.bias?.shape;                  // [2, 24]
 * ```
 */
export class GRU extends RecurrentLayer {
  static override readonly className: string = 'GRU';
  /** The gates' activation. */
  readonly recurrentActivation: Activation;
  /** Whether the reset gate is applied after the recurrent matMul (and the bias has a recurrent row). */
  readonly resetAfter: boolean;

  /** @param args Options; see {@link GRUArgs}. */
  constructor(args: GRUArgs) {
    const o = parseLayerOptions(gruSchema, args, 'GRU');
    super(o, { gates: 3, stateNames: ['h'] });
    this.recurrentActivation = getActivation(o.recurrentActivation === undefined ? 'sigmoid' : o.recurrentActivation, this.name);
    this.resetAfter = o.resetAfter ?? true;
  }

  protected override biasShape(): number[] {
    return this.resetAfter ? [2, 3 * this.units] : [3 * this.units];
  }

  protected override inputBias(): Tensor | undefined {
    return this.bias && this.resetAfter ? this.biasRow(0) : this.bias;
  }

  private biasRow(row: number): Tensor {
    return reshape(slice(this.bias as Tensor, [row, 0], [1, 3 * this.units]), [3 * this.units]);
  }

  protected makeStep(recurrentMasks: readonly Tensor[] | undefined): CellStep {
    const u = this.units;
    const kernel = this.recurrentKernel;
    const [kz, kr, kh] = recurrentMasks || !this.resetAfter ? split(kernel, 3, 1) : [];
    const kzr = this.resetAfter || recurrentMasks ? undefined : slice(kernel, [0, 0], [u, 2 * u]);
    const bias = this.bias && this.resetAfter ? this.biasRow(1) : undefined;
    const [bz, br, bh] = bias && recurrentMasks ? split(bias, 3, 0) : [];
    const sigma = (t: Tensor): Tensor => this.recurrentActivation.apply(t);
    const withBias = (t: Tensor, b: Tensor | undefined): Tensor => (b ? add(t, b) : t);
    return (projected, [h]) => {
      const [xz, xr, xh] = split(projected, 3, 1);
      // Each gate's view of the previous state (per-gate recurrent dropout masks in training, as Keras' implementation 1).
      const hz = recurrentMasks ? mul(h, recurrentMasks[0]) : h;
      const hr = recurrentMasks ? mul(h, recurrentMasks[1]) : h;
      const hh = recurrentMasks ? mul(h, recurrentMasks[2]) : h;
      let rz: Tensor;
      let rr: Tensor;
      let rh: Tensor | undefined;
      if (recurrentMasks) {
        rz = withBias(matMul(hz, kz), bz);
        rr = withBias(matMul(hr, kr), br);
        if (this.resetAfter) rh = withBias(matMul(hh, kh), bh);
      } else if (this.resetAfter) {
        [rz, rr, rh] = split(withBias(matMul(h, kernel), bias), 3, 1);
      } else {
        [rz, rr] = split(matMul(h, kzr as Tensor), 2, 1);
      }
      const zGate = sigma(add(xz, rz));
      const rGate = sigma(add(xr, rr));
      const candidate = this.activation.apply(add(xh, rh ? mul(rGate, rh) : matMul(mul(rGate, hh), kh)));
      // z·h + (1 − z)·ĥ, written as ĥ + z·(h − ĥ); the unmasked h, as Keras.
      return [add(candidate, mul(zGate, sub(h, candidate)))];
    };
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      recurrentActivation: serializeActivation(this.recurrentActivation, this.name),
      resetAfter: this.resetAfter,
    };
  }
}
registerLayer(GRU);
