/**
 * SimpleRNN: the fully connected (Elman) recurrent layer,
 * `h_t = activation(x_t·kernel + h_{t-1}·recurrentKernel + bias)`.
 *
 * @module
 */
import { z } from 'zod';
import { add, matMul, mul, type Tensor } from '../../engine/index.js';
import { parseLayerOptions, registerLayer, type BaseLayerArgs } from '../layer.js';
import { RecurrentLayer, recurrentOptions, type CellStep } from './base.js';

const simpleRNNSchema = z.strictObject(recurrentOptions);

/**
 * Options of {@link SimpleRNN} (Keras 3 names and defaults): `units`,
 * `activation` (`'tanh'`; `null` for none), `useBias` (true),
 * `kernelInitializer` (`'glorotUniform'`), `recurrentInitializer`
 * (`'orthogonal'`), `biasInitializer` (`'zeros'`), the three regularizers,
 * `dropout` and `recurrentDropout` (0), `seed`, `returnSequences`,
 * `returnState`, `goBackwards` (false), `stateful` (only false) and `unroll`
 * (accepted, no effect).
 *
 * @example
 * ```ts
 * const opts: SimpleRNNArgs = { units: 16, returnSequences: true, dropout: 0.1 };
 * ```
 */
export type SimpleRNNArgs = z.input<typeof simpleRNNSchema> & BaseLayerArgs;

/**
 * A fully connected recurrent layer whose output is fed back as the next
 * step's state: `h_t = activation(x_t·kernel + h_{t-1}·recurrentKernel +
 * bias)`, over inputs `[batch, timesteps, features]`. Returns the last
 * output `[batch, units]`, or all of them `[batch, timesteps, units]` with
 * `returnSequences`; with `returnState`, `[output, h]` (use `applyMany`).
 * An initial state goes in as a second input: `apply([x, h0])`.
 *
 * @example
 * ```ts
 * const rnn = layers.simpleRNN({ units: 4 });
 * rnn.apply(ones([2, 10, 3])).shape;                     // [2, 4]
 * const [seq, h] = layers.simpleRNN({ units: 4, returnSequences: true, returnState: true })
 *   .applyMany([ones([2, 10, 3]), zeros([2, 4])]);       // [2, 10, 4] and [2, 4]
 * ```
 */
export class SimpleRNN extends RecurrentLayer {
  static override readonly className: string = 'SimpleRNN';

  /** @param args Options; see {@link SimpleRNNArgs}. */
  constructor(args: SimpleRNNArgs) {
    super(parseLayerOptions(simpleRNNSchema, args, 'SimpleRNN'), { gates: 1, stateNames: ['h'] });
  }

  protected makeStep(recurrentMasks: readonly Tensor[] | undefined): CellStep {
    const mask = recurrentMasks?.[0];
    return (projected, [h]) => [this.activation.apply(add(projected, matMul(mask ? mul(h, mask) : h, this.recurrentKernel)))];
  }
}
registerLayer(SimpleRNN);
