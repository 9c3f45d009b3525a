/**
 * Dense: `activation(x · kernel + bias)` over the last axis.
 *
 * @module
 */
import { z } from 'zod';
import { matMul, reshape, add, type Tensor, type Variable } from '../../engine/index.js';
import type { ConfigDict } from '../config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type LayerShape } from '../layer.js';
import { activationOption, getActivation, serializeActivation, type ActivationFunction as Activation } from '../activations.js';
import { getInitializer, initializerOption, serializeInitializer, type Initializer } from '../initializers.js';
import { getRegularizer, regularizerOption, serializeRegularizer, type Regularizer } from '../regularizers.js';
import { ShapeError } from '../../engine/index.js';

const denseSchema = z.strictObject({
  ...baseLayerOptions,
  units: z.number().int().positive(),
  activation: activationOption.optional(),
  useBias: z.boolean().optional(),
  kernelInitializer: initializerOption.optional(),
  biasInitializer: initializerOption.optional(),
  kernelRegularizer: regularizerOption.nullable().optional(),
  biasRegularizer: regularizerOption.nullable().optional(),
  inputDim: z.number().int().positive().optional(),
});

/**
 * Options of {@link Dense} (Keras / TensorFlow.js names and defaults).
 *
 * @example
 * ```ts
 * const opts: DenseArgs = { units: 64, activation: 'relu', kernelInitializer: 'heNormal' };
 * ```
 */
export type DenseArgs = z.input<typeof denseSchema> & BaseLayerArgs;

/**
 * A densely connected layer: `activation(x · kernel + bias)`, applied over
 * the last axis of inputs of any rank >= 2. The kernel has shape
 * `[inputSize, units]`.
 *
 * @example
 * ```ts
 * const d = layers.dense({ units: 3, activation: 'relu', inputShape: [4] });
 * d.apply(ones([2, 4])).shape; // [2, 3]
 * d.kernel.name;               // 'dense_1/kernel'
 * ```
 */
export class Dense extends Layer {
  static override readonly className: string = 'Dense';
  /** Output size. */
  readonly units: number;
  /** Applied to the output. */
  readonly activation: Activation;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | undefined;
  private readonly biasRegularizer: Regularizer | undefined;
  /** `[inputSize, units]`, created by `build`. */
  kernel!: Variable;
  /** `[units]`, when `useBias`. */
  bias: Variable | undefined;

  /** @param args Options; see {@link DenseArgs}. */
  constructor(args: DenseArgs) {
    const o = parseLayerOptions(denseSchema, args, 'Dense');
    const { inputDim, ...base } = o;
    super(inputDim !== undefined && base.inputShape === undefined && base.batchInputShape === undefined ? { ...base, inputShape: [inputDim] } : base);
    this.units = o.units;
    this.activation = getActivation(o.activation, this.name);
    this.useBias = o.useBias ?? true;
    this.kernelInitializer = getInitializer(o.kernelInitializer ?? 'glorotUniform', `${this.name}: kernelInitializer`);
    this.biasInitializer = getInitializer(o.biasInitializer ?? 'zeros', `${this.name}: biasInitializer`);
    this.kernelRegularizer = getRegularizer(o.kernelRegularizer ?? null, `${this.name}: kernelRegularizer`);
    this.biasRegularizer = getRegularizer(o.biasRegularizer ?? null, `${this.name}: biasRegularizer`);
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const shape = inputShape as LayerShape;
    const inputSize = shape[shape.length - 1];
    if (shape.length < 2 || inputSize === null || inputSize === undefined) {
      throw new ShapeError(`${this.name}: expected an input of rank >= 2 with a known last axis (e.g. [null, 784]), got ${fmtLayerShape(shape)}`);
    }
    this.kernel = this.addWeight('kernel', [inputSize, this.units], { initializer: this.kernelInitializer, regularizer: this.kernelRegularizer });
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], { initializer: this.biasInitializer, regularizer: this.biasRegularizer });
    this.inputSpec = { minNdim: 2, axes: { [-1]: inputSize } };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const flat = x.rank === 2 ? x : reshape(x, [-1, x.shape[x.rank - 1]]);
    let y = matMul(flat, this.kernel);
    if (this.bias) y = add(y, this.bias);
    if (x.rank !== 2) y = reshape(y, [...x.shape.slice(0, -1), this.units]);
    return this.activation.apply(y);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    return [...shape.slice(0, -1), this.units];
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: serializeActivation(this.activation, this.name),
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : null,
    };
  }
}
registerLayer(Dense);
