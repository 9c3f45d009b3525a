/**
 * `input()`: the start of a functional model, an `InputLayer` that produces
 * one symbolic tensor.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError, type DType, type Tensor } from '../engine/index.js';
import { parseOptions, type ConfigDict, type ConfigValue } from './config.js';
import { Layer, registerLayer, uniqueLayerName, type LayerShape } from './layer.js';
import { SymbolicTensor, type LayerNode } from './symbolic.js';

const inputSchema = z.strictObject({
  shape: z.array(z.number().int().positive().nullable()).optional(),
  batchShape: z.array(z.number().int().positive().nullable()).optional(),
  batchSize: z.number().int().positive().optional(),
  dtype: z.enum(['float32', 'float64', 'int32', 'bool']).optional(),
  name: z.string().min(1).optional(),
});

/**
 * Options of {@link input}: the shape without the batch axis (or
 * `batchShape` with it), the dtype (`'float32'` by default; `'int32'` for
 * token ids) and a name.
 *
 * @example
 * ```ts
 * const opts: InputArgs = { shape: [28, 28, 1] };
 * ```
 */
export interface InputArgs {
  /** The shape of one sample (no batch axis); `null` where it varies. */
  shape?: (number | null)[];
  /** The shape with the batch axis. */
  batchShape?: (number | null)[];
  /** A fixed batch size. */
  batchSize?: number;
  /** The dtype fed in. Default `'float32'`. */
  dtype?: DType;
  /** The input's name. Default `input_1`, `input_2`, ... */
  name?: string;
}

/**
 * The layer behind {@link input}: it has no weights and passes its input
 * through. Functional models feed it.
 *
 * @example
 * ```ts
 * const x = input({ shape: [4] });
 * x.node.layer instanceof InputLayer; // true
 * ```
 */
export class InputLayer extends Layer {
  static override readonly className: string = 'InputLayer';
  /** The shape with the batch axis. */
  readonly batchShape: LayerShape;
  /** The dtype fed in. */
  readonly inputDType: DType;
  /** The symbolic tensor this layer produces. */
  readonly output: SymbolicTensor;

  /** @param args Shape, dtype and name; see {@link input}. */
  constructor(args: InputArgs & { batchInputShape?: (number | null)[]; trainable?: boolean }) {
    const given = typeof args?.name === 'string' && args.name.length > 0 ? args.name : 'input';
    const { batchInputShape, trainable: _t, ...rest } = args ?? {};
    void _t;
    const o = parseOptions(inputSchema, batchInputShape ? { ...rest, batchShape: batchInputShape } : rest, given);
    if (o.shape === undefined && o.batchShape === undefined) {
      throw new ValueError(`${given}: expected a shape (the shape of one sample, e.g. [784]) or a batchShape, got neither`);
    }
    if (o.shape !== undefined && o.batchShape !== undefined) throw new ValueError(`${given}: give shape or batchShape, not both`);
    const batchShape = o.batchShape ?? [o.batchSize ?? null, ...(o.shape ?? [])];
    super({ name: o.name ?? uniqueLayerName('input'), batchInputShape: batchShape });
    this.batchShape = batchShape;
    this.inputDType = o.dtype ?? 'float32';
    this.built = true;
    const node: LayerNode = { layer: this, inputs: [], outputs: [], callArgs: {}, listInput: false };
    this.output = new SymbolicTensor(batchShape, this.inputDType, node, 0, this.name);
    node.outputs.push(this.output);
  }

  /** Passes the input through. */
  call(inputs: Tensor | Tensor[]): Tensor | Tensor[] {
    return inputs;
  }

  override getConfig(): ConfigDict {
    return { name: this.name, batchShape: [...this.batchShape] as ConfigValue[], dtype: this.inputDType };
  }
}
registerLayer(InputLayer);

/**
 * A symbolic input for the functional API (`tf.input` / `keras.Input`).
 * Apply layers to it, then make a model with `model({inputs, outputs})`.
 *
 * @example
 * ```ts
 * const x = input({ shape: [784] });
 * const h = layers.dense({ units: 64, activation: 'relu' }).apply(x);
 * const y = layers.dense({ units: 10, activation: 'softmax' }).apply(h);
 * const m = model({ inputs: x, outputs: y });
 * ```
 */
export function input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args).output;
}
