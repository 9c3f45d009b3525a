/**
 * Depthwise and depthwise-separable 2-D convolutions over channels-last
 * inputs: {@link DepthwiseConv2D} convolves each channel with its own
 * `depthMultiplier` filters; {@link SeparableConv2D} follows that with a
 * 1x1 convolution that mixes the channels.
 *
 * @module
 */
import { z } from 'zod';
import { conv2d, depthwiseConv2d, tidy, type PaddingMode, type Tensor, type Variable } from '../../engine/index.js';
import type { ConfigDict } from '../config.js';
import { parseLayerOptions, registerLayer, type BaseLayerArgs, type LayerShape } from '../layer.js';
import { getInitializer, initializerOption, serializeInitializer, type Initializer } from '../initializers.js';
import { getRegularizer, regularizerOption, serializeRegularizer, type Regularizer } from '../regularizers.js';
import { BaseConv, convCommonFields, pair, pairOption, refineSpatialOptions } from './conv.js';

const spatialFields = {
  ...convCommonFields,
  kernelSize: pairOption,
  strides: pairOption.optional(),
  padding: z.enum(['valid', 'same']).optional(),
  dilationRate: pairOption.optional(),
  depthMultiplier: z.number().int().positive().optional(),
  depthwiseInitializer: initializerOption.optional(),
  depthwiseRegularizer: regularizerOption.nullable().optional(),
};

const depthwiseSchema = z.strictObject(spatialFields).superRefine(refineSpatialOptions);

const separableSchema = z
  .strictObject({
    ...spatialFields,
    filters: z.number().int().positive(),
    pointwiseInitializer: initializerOption.optional(),
    pointwiseRegularizer: regularizerOption.nullable().optional(),
  })
  .superRefine(refineSpatialOptions);

/**
 * Options of {@link DepthwiseConv2D} (Keras names and defaults:
 * `depthMultiplier` 1, `strides` 1, `padding` `'valid'`,
 * `depthwiseInitializer` `'glorotUniform'`, `useBias` true).
 *
 * @example
 * ```ts
 * const opts: DepthwiseConv2DArgs = { kernelSize: 3, depthMultiplier: 2, padding: 'same' };
 * ```
 */
export type DepthwiseConv2DArgs = z.input<typeof depthwiseSchema> & BaseLayerArgs;

/**
 * Options of {@link SeparableConv2D}: those of {@link DepthwiseConv2DArgs}
 * plus `filters` and the pointwise kernel's `pointwiseInitializer`
 * (`'glorotUniform'`) and `pointwiseRegularizer`.
 *
 * @example
 * ```ts
 * const opts: SeparableConv2DArgs = { filters: 32, kernelSize: 3, depthMultiplier: 1, activation: 'relu' };
 * ```
 */
export type SeparableConv2DArgs = z.input<typeof separableSchema> & BaseLayerArgs;

/**
 * Depthwise 2-D convolution: each input channel `c` is convolved with its
 * own `depthMultiplier` filters, giving output channel
 * `c * depthMultiplier + q`. The kernel (Keras 3 name `kernel`) is
 * `[kernelHeight, kernelWidth, inChannels, depthMultiplier]`.
 *
 * @example
 * ```ts
 * const dw = layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same' });
 * dw.apply(ones([1, 8, 8, 3])).shape; // [1, 8, 8, 6]
 * dw.kernel.shape;                    // [3, 3, 3, 2]
 * ```
 */
export class DepthwiseConv2D extends BaseConv {
  static override readonly className: string = 'DepthwiseConv2D';
  /** Output channels per input channel. */
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: Initializer;
  private readonly depthwiseRegularizer: Regularizer | undefined;
  /** `[kernelHeight, kernelWidth, inChannels, depthMultiplier]`, created by `build`. */
  kernel!: Variable;

  /** @param args Options; see {@link DepthwiseConv2DArgs}. */
  constructor(args: DepthwiseConv2DArgs) {
    const o = parseLayerOptions(depthwiseSchema, args, 'DepthwiseConv2D');
    super(o, 2, o);
    this.depthMultiplier = o.depthMultiplier ?? 1;
    this.depthwiseInitializer = getInitializer(o.depthwiseInitializer ?? 'glorotUniform', `${this.name}: depthwiseInitializer`);
    this.depthwiseRegularizer = getRegularizer(o.depthwiseRegularizer ?? null, `${this.name}: depthwiseRegularizer`);
  }

  /** Creates the weights for inputs of `inputShape`. */
  override build(inputShape: LayerShape | LayerShape[]): void {
    const channels = this.inputChannels(inputShape as LayerShape);
    this.kernel = this.addWeight('kernel', [...this.kernelSize, channels, this.depthMultiplier], {
      initializer: this.depthwiseInitializer,
      regularizer: this.depthwiseRegularizer,
    });
    this.buildBias(channels * this.depthMultiplier);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }

  /** Computes the outputs for concrete inputs. */
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.computeOutputShape(x.shape);
    return tidy(() => this.finish(depthwiseConv2d(x, this.kernel, pair(this.strides), this.padding as PaddingMode, 'NHWC', pair(this.dilationRate))));
  }

  /** The output shape for inputs of `inputShape` (`null` where unknown). */
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    const c = shape[shape.length - 1];
    return [shape[0], ...this.spatialOutput(shape), c === null || c === undefined ? null : c * this.depthMultiplier];
  }

  /** The config that rebuilds this layer (JSON). */
  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer),
      depthwiseRegularizer: this.depthwiseRegularizer ? serializeRegularizer(this.depthwiseRegularizer) : null,
    };
  }
}
registerLayer(DepthwiseConv2D);

/**
 * Depthwise-separable 2-D convolution: a depthwise convolution
 * (`depthwise_kernel` `[kernelHeight, kernelWidth, inChannels, depthMultiplier]`)
 * followed by a 1x1 convolution (`pointwise_kernel`
 * `[1, 1, inChannels * depthMultiplier, filters]`), then the bias and the
 * activation. Fewer weights than a `Conv2D` of the same reach.
 *
 * @example
 * ```ts
 * const sep = layers.separableConv2d({ filters: 16, kernelSize: 3, padding: 'same' });
 * sep.apply(ones([1, 8, 8, 4])).shape; // [1, 8, 8, 16]
 * sep.pointwiseKernel.shape;           // [1, 1, 4, 16]
 * ```
 */
export class SeparableConv2D extends BaseConv {
  static override readonly className: string = 'SeparableConv2D';
  /** Number of output channels. */
  readonly filters: number;
  /** Depthwise output channels per input channel. */
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: Initializer;
  private readonly depthwiseRegularizer: Regularizer | undefined;
  private readonly pointwiseInitializer: Initializer;
  private readonly pointwiseRegularizer: Regularizer | undefined;
  /** `[kernelHeight, kernelWidth, inChannels, depthMultiplier]`, created by `build`. */
  depthwiseKernel!: Variable;
  /** `[1, 1, inChannels * depthMultiplier, filters]`, created by `build`. */
  pointwiseKernel!: Variable;

  /** @param args Options; see {@link SeparableConv2DArgs}. */
  constructor(args: SeparableConv2DArgs) {
    const o = parseLayerOptions(separableSchema, args, 'SeparableConv2D');
    super(o, 2, o);
    this.filters = o.filters;
    this.depthMultiplier = o.depthMultiplier ?? 1;
    this.depthwiseInitializer = getInitializer(o.depthwiseInitializer ?? 'glorotUniform', `${this.name}: depthwiseInitializer`);
    this.depthwiseRegularizer = getRegularizer(o.depthwiseRegularizer ?? null, `${this.name}: depthwiseRegularizer`);
    this.pointwiseInitializer = getInitializer(o.pointwiseInitializer ?? 'glorotUniform', `${this.name}: pointwiseInitializer`);
    this.pointwiseRegularizer = getRegularizer(o.pointwiseRegularizer ?? null, `${this.name}: pointwiseRegularizer`);
  }

  /** Creates the weights for inputs of `inputShape`. */
  override build(inputShape: LayerShape | LayerShape[]): void {
    const channels = this.inputChannels(inputShape as LayerShape);
    this.depthwiseKernel = this.addWeight('depthwise_kernel', [...this.kernelSize, channels, this.depthMultiplier], {
      initializer: this.depthwiseInitializer,
      regularizer: this.depthwiseRegularizer,
    });
    this.pointwiseKernel = this.addWeight('pointwise_kernel', [1, 1, channels * this.depthMultiplier, this.filters], {
      initializer: this.pointwiseInitializer,
      regularizer: this.pointwiseRegularizer,
    });
    this.buildBias(this.filters);
    this.inputSpec = { ndim: 4, axes: { [-1]: channels } };
  }

  /** Computes the outputs for concrete inputs. */
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.computeOutputShape(x.shape);
    return tidy(() => {
      const depthwise = depthwiseConv2d(x, this.depthwiseKernel, pair(this.strides), this.padding as PaddingMode, 'NHWC', pair(this.dilationRate));
      return this.finish(conv2d(depthwise, this.pointwiseKernel, 1, 'valid'));
    });
  }

  /** The output shape for inputs of `inputShape` (`null` where unknown). */
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    return [shape[0], ...this.spatialOutput(shape), this.filters];
  }

  /** The config that rebuilds this layer (JSON). */
  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      depthMultiplier: this.depthMultiplier,
      depthwiseInitializer: serializeInitializer(this.depthwiseInitializer),
      pointwiseInitializer: serializeInitializer(this.pointwiseInitializer),
      depthwiseRegularizer: this.depthwiseRegularizer ? serializeRegularizer(this.depthwiseRegularizer) : null,
      pointwiseRegularizer: this.pointwiseRegularizer ? serializeRegularizer(this.pointwiseRegularizer) : null,
    };
  }
}
registerLayer(SeparableConv2D);
