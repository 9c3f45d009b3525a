/**
 * Convolutions over channels-last inputs: {@link Conv1D} (on the engine's
 * 2-D convolution, through a height-1 axis), {@link Conv2D} and
 * {@link Conv2DTranspose}. The shared base {@link BaseConv} and the option
 * helpers live in `base.ts` (re-exported here).
 *
 * @module
 */
import { z } from 'zod';
import { ShapeError, add, conv2d, conv2dTranspose, expandDims, reshape, tidy, type PaddingMode, type Tensor, type Variable } from '../../engine/index.js';
import type { ConfigDict, ConfigValue } from '../config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type LayerShape } from '../layer.js';
import { activationOption, getActivation, serializeActivation, type ActivationFunction } from '../activations.js';
import { getInitializer, initializerOption, serializeInitializer, type Initializer } from '../initializers.js';
import { getRegularizer, regularizerOption, serializeRegularizer, type Regularizer } from '../regularizers.js';

export * from './base.js';
import { pairOption, singleOption, dataFormatOption, perAxis, refineSpatialOptions, convOutputLength, spatialLayout, spatialAxisNames, checkSpatialRank, configSize, convCommonFields, BaseConv, pair, type ConvPadding, type ConvCommonOptions, type ConvKernelOptions } from './base.js';

const positiveInt = z.number().int().positive();

const kernelFields = {
  filters: positiveInt,
  kernelInitializer: initializerOption.optional(),
  kernelRegularizer: regularizerOption.nullable().optional(),
};

const conv2dSchema = z
  .strictObject({
    ...convCommonFields,
    ...kernelFields,
    kernelSize: pairOption,
    strides: pairOption.optional(),
    padding: z.enum(['valid', 'same']).optional(),
    dilationRate: pairOption.optional(),
  })
  .superRefine(refineSpatialOptions);

const conv1dSchema = z
  .strictObject({
    ...convCommonFields,
    ...kernelFields,
    kernelSize: singleOption,
    strides: singleOption.optional(),
    padding: z.enum(['valid', 'same', 'causal']).optional(),
    dilationRate: singleOption.optional(),
  })
  .superRefine(refineSpatialOptions);

/**
 * Options of {@link Conv2D} (Keras / TensorFlow.js names and defaults:
 * `strides` 1, `padding` `'valid'`, `dilationRate` 1, `useBias` true,
 * `kernelInitializer` `'glorotUniform'`, `biasInitializer` `'zeros'`).
 *
 * @example
 * ```ts
 * const opts: Conv2DArgs = { filters: 32, kernelSize: [3, 3], padding: 'same', activation: 'relu' };
 * ```
 */
export type Conv2DArgs = z.input<typeof conv2dSchema> & BaseLayerArgs;

/**
 * Options of {@link Conv1D}: as {@link Conv2DArgs} with one number per
 * option, and `padding` may also be `'causal'`.
 *
 * @example
 * ```ts
 * const opts: Conv1DArgs = { filters: 16, kernelSize: 3, padding: 'causal', dilationRate: 2 };
 * ```
 */
export type Conv1DArgs = z.input<typeof conv1dSchema> & BaseLayerArgs;

/**
 * Base of {@link Conv1D}, {@link Conv2D} and {@link Conv2DTranspose}: a
 * kernel (`[...kernelSize, inChannels, filters]` unless a subclass says
 * otherwise) and `filters` output channels.
 *
 * @example
 * ```ts
 * const conv = layers.conv1d({ filters: 4, kernelSize: 3 });
 * conv instanceof Conv; // true
 * ```
 */
export abstract class Conv extends BaseConv {
  /** Number of output channels. */
  readonly filters: number;
  private readonly kernelInitializer: Initializer;
  private readonly kernelRegularizer: Regularizer | undefined;
  /** The kernel, created by `build`: `[...kernelSize, inChannels, filters]` (Conv2DTranspose: `[kh, kw, filters, inChannels]`). */
  kernel!: Variable;

  /**
   * @param o The validated options.
   * @param spatialRank 1 or 2.
   * @internal
   */
  protected constructor(o: ConvKernelOptions, spatialRank: number) {
    super(o, spatialRank, o);
    this.filters = o.filters;
    this.kernelInitializer = getInitializer(o.kernelInitializer ?? 'glorotUniform', `${this.name}: kernelInitializer`);
    this.kernelRegularizer = getRegularizer(o.kernelRegularizer ?? null, `${this.name}: kernelRegularizer`);
  }

  /** Creates the weights for inputs of `inputShape`. */
  override build(inputShape: LayerShape | LayerShape[]): void {
    const channels = this.inputChannels(inputShape as LayerShape);
    this.kernel = this.addWeight('kernel', this.kernelShape(channels), {
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
    });
    this.buildBias(this.filters);
    this.inputSpec = { ndim: this.spatialRank + 2, axes: { [-1]: channels } };
  }

  /** The kernel's shape for `inChannels` input channels. */
  protected kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, inChannels, this.filters];
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
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      kernelRegularizer: this.kernelRegularizer ? serializeRegularizer(this.kernelRegularizer) : null,
    };
  }
}

/**
 * 2-D convolution over `[batch, height, width, channels]` inputs:
 * `activation(conv2d(x, kernel) + bias)` with a kernel
 * `[kernelHeight, kernelWidth, inChannels, filters]`. `'same'` padding keeps
 * `ceil(size / stride)` cells, TensorFlow's rule.
 *
 * @example
 * ```ts
 * const conv = layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' });
 * conv.apply(ones([1, 28, 28, 1])).shape; // [1, 14, 14, 8]
 * conv.kernel.shape;                      // [3, 3, 1, 8]
 * ```
 */
export class Conv2D extends Conv {
  static override readonly className: string = 'Conv2D';

  /** @param args Options; see {@link Conv2DArgs}. */
  constructor(args: Conv2DArgs) {
    super(parseLayerOptions(conv2dSchema, args, 'Conv2D'), 2);
  }

  /** Computes the outputs for concrete inputs. */
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    this.computeOutputShape(x.shape);
    return tidy(() => this.finish(conv2d(x, this.kernel, pair(this.strides), this.padding as PaddingMode, 'NHWC', pair(this.dilationRate))));
  }
}
registerLayer(Conv2D);

/**
 * 1-D convolution over `[batch, steps, channels]` inputs with a kernel
 * `[kernelSize, inChannels, filters]`. `padding: 'causal'` left-pads by
 * `dilationRate * (kernelSize - 1)`, so no output step sees a later input
 * (as in WaveNet).
 *
 * @example
 * ```ts
 * const conv = layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal' });
 * conv.apply(ones([2, 10, 3])).shape; // [2, 10, 4]
 * ```
 */
export class Conv1D extends Conv {
  static override readonly className: string = 'Conv1D';

  /** @param args Options; see {@link Conv1DArgs}. */
  constructor(args: Conv1DArgs) {
    super(parseLayerOptions(conv1dSchema, args, 'Conv1D'), 1);
  }

  /** Computes the outputs for concrete inputs. */
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [, steps] = this.computeOutputShape(x.shape);
    const [k, s, d] = [this.kernelSize[0], this.strides[0], this.dilationRate[0]];
    const pad: PaddingMode = this.padding === 'causal' ? [[0, 0], [d * (k - 1), 0]] : this.padding;
    return tidy(() => {
      // The engine convolves in 2-D: the steps become the width of a height-1 image.
      const kernel = reshape(this.kernel, [1, ...this.kernel.shape]);
      const y = conv2d(expandDims(x, 1), kernel, [1, s], pad, 'NHWC', [1, d]);
      return this.finish(reshape(y, [x.shape[0], steps as number, this.filters]));
    });
  }
}
registerLayer(Conv1D);

const conv2dTransposeSchema = z
  .strictObject({
    ...convCommonFields,
    ...kernelFields,
    kernelSize: pairOption,
    strides: pairOption.optional(),
    padding: z.enum(['valid', 'same']).optional(),
    outputPadding: z.union([z.number().int().nonnegative(), z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])]).nullable().optional(),
    dilationRate: pairOption.optional(),
  })
  .superRefine((o, ctx) => {
    refineSpatialOptions(o, ctx);
    if (o.dilationRate !== undefined && perAxis(o.dilationRate, 2).some((d) => d !== 1)) {
      ctx.addIssue({ code: 'custom', path: ['dilationRate'], message: "must be 1: dilated transposed convolutions are not supported (the engine's conv2dTranspose has no dilations)" });
    }
    if (o.outputPadding !== undefined && o.outputPadding !== null) {
      const strides = perAxis(o.strides ?? 1, 2);
      if (perAxis(o.outputPadding, 2).some((p, i) => p >= strides[i])) {
        ctx.addIssue({ code: 'custom', path: ['outputPadding'], message: `must be smaller than strides ${JSON.stringify(strides)} on each axis` });
      }
    }
  });

/**
 * Options of {@link Conv2DTranspose}: those of {@link Conv2DArgs} plus
 * `outputPadding` (extra rows/columns at the bottom/right; smaller than the
 * stride). `dilationRate` must be 1.
 *
 * @example
 * ```ts
 * const opts: Conv2DTransposeArgs = { filters: 16, kernelSize: 3, strides: 2, padding: 'same' };
 * ```
 */
export type Conv2DTransposeArgs = z.input<typeof conv2dTransposeSchema> & BaseLayerArgs;

/**
 * Transposed 2-D convolution (the gradient of a `conv2d` with respect to
 * its input), used to upsample: the kernel is
 * `[kernelHeight, kernelWidth, filters, inChannels]` as in Keras, and each
 * output length is `in * stride` (`'same'`) or
 * `in * stride + max(kernel - stride, 0)` (`'valid'`); with `outputPadding`
 * it is `(in - 1) * stride + kernel - 2 * pad + outputPadding` where `pad`
 * is `floor(kernel / 2)` for `'same'`, else 0.
 *
 * @example
 * ```ts
 * const up = layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' });
 * up.apply(ones([1, 4, 4, 8])).shape; // [1, 8, 8, 3]
 * up.kernel.shape;                    // [3, 3, 3, 8]
 * ```
 */
export class Conv2DTranspose extends Conv {
  static override readonly className: string = 'Conv2DTranspose';
  /** Extra cells per spatial axis, or null for Keras's default lengths. */
  readonly outputPadding: readonly number[] | null;

  /** @param args Options; see {@link Conv2DTransposeArgs}. */
  constructor(args: Conv2DTransposeArgs) {
    const o = parseLayerOptions(conv2dTransposeSchema, args, 'Conv2DTranspose');
    super(o, 2);
    this.outputPadding = o.outputPadding === undefined || o.outputPadding === null ? null : perAxis(o.outputPadding, 2);
  }

  /** `[kernelHeight, kernelWidth, filters, inChannels]`, as in Keras. */
  protected override kernelShape(inChannels: number): number[] {
    return [...this.kernelSize, this.filters, inChannels];
  }

  protected override spatialOutput(shape: LayerShape): Array<number | null> {
    checkSpatialRank(this.name, shape, 2);
    return this.kernelSize.map((k, i) => {
      const size = shape[i + 1];
      if (size === null || size === undefined) return null;
      const s = this.strides[i];
      let out: number;
      if (this.outputPadding === null) out = this.padding === 'valid' ? size * s + Math.max(k - s, 0) : size * s;
      else out = (size - 1) * s + k - 2 * (this.padding === 'same' ? Math.floor(k / 2) : 0) + this.outputPadding[i];
      // The engine runs the transpose as the gradient of a forward conv from `out` back to `size`; they must agree.
      if (out < 1 || convOutputLength(out, k, s, 1, this.padding) !== size) {
        throw new ShapeError(
          `${this.name}: outputPadding ${fmtLayerShape(this.outputPadding ?? [])} gives output ${spatialAxisNames(2)[i]} ${out} for input ${size}, ` +
            `kernelSize ${k}, stride ${s} and padding '${this.padding}', which a forward convolution does not map back to ${size}; choose another outputPadding`,
        );
      }
      return out;
    });
  }

  /** Computes the outputs for concrete inputs. */
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const [, h, w] = this.computeOutputShape(x.shape) as number[];
    return tidy(() => this.finish(conv2dTranspose(x, this.kernel, [x.shape[0], h, w, this.filters], pair(this.strides), this.padding as PaddingMode)));
  }

  /** The config that rebuilds this layer (JSON). */
  override getConfig(): ConfigDict {
    return { ...super.getConfig(), outputPadding: this.outputPadding === null ? null : [...this.outputPadding] };
  }
}
registerLayer(Conv2DTranspose);
