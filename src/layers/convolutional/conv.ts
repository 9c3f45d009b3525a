/**
 * Convolutions over channels-last inputs: {@link Conv1D} (on the engine's
 * 2-D convolution, through a height-1 axis), {@link Conv2D} and
 * {@link Conv2DTranspose}, with their shared base {@link BaseConv} and the
 * option helpers the depthwise and pooling layers reuse.
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

const positiveInt = z.number().int().positive();
/** A size, stride or dilation of a 2-D layer: one number for both axes, or `[height, width]`. @internal */
export const pairOption = z.union([positiveInt, z.tuple([positiveInt, positiveInt])]);
/** A size, stride or dilation of a 1-D layer: a number or a one-element tuple (Keras accepts both). @internal */
export const singleOption = z.union([positiveInt, z.tuple([positiveInt])]);
/** The `dataFormat` option; `'channelsFirst'` is rejected by {@link refineSpatialOptions}. @internal */
export const dataFormatOption = z.enum(['channelsLast', 'channelsFirst']);

/**
 * Padding of convolution layers (Keras names): `'causal'` (Conv1D only)
 * pads only the start, so output step `t` sees inputs up to `t`.
 *
 * @example
 * ```ts
 * const p: ConvPadding = 'same';
 * ```
 */
export type ConvPadding = 'valid' | 'same' | 'causal';

/** `v` as one entry per spatial axis. @internal */
export function perAxis(v: number | readonly number[], rank: number): number[] {
  return typeof v === 'number' ? Array.from({ length: rank }, () => v) : [...v];
}

interface SpatialOptions {
  dataFormat?: 'channelsLast' | 'channelsFirst';
  strides?: number | readonly number[] | null;
  dilationRate?: number | readonly number[];
}

/**
 * Cross-option checks for zod's `superRefine`, so errors name the layer and
 * the option before anything is created: NHWC only, and (as in Keras)
 * strides and dilations may not both exceed 1.
 *
 * @internal
 */
export function refineSpatialOptions(o: SpatialOptions, ctx: z.RefinementCtx): void {
  if (o.dataFormat === 'channelsFirst') {
    ctx.addIssue({
      code: 'custom',
      path: ['dataFormat'],
      message: "only 'channelsLast' is supported (the engine computes in NHWC); transpose inputs to [batch, ..., channels]",
    });
  }
  const big = (v: number | readonly number[] | null | undefined): boolean => v !== undefined && v !== null && perAxis(v, 1).some((d) => d > 1);
  if (big(o.strides) && big(o.dilationRate)) {
    ctx.addIssue({ code: 'custom', path: ['dilationRate'], message: `cannot exceed 1 together with strides ${JSON.stringify(o.strides)} (Keras rejects it too)` });
  }
}

/**
 * The output length of a convolution or pooling window along one axis
 * (TensorFlow's rules; `'causal'` keeps the length like `'same'`), or null
 * when the input length is unknown. May be < 1 for inputs that are too small.
 *
 * @internal
 */
export function convOutputLength(size: number | null | undefined, kernel: number, stride: number, dilation: number, padding: ConvPadding): number | null {
  if (size === null || size === undefined) return null;
  const effective = (kernel - 1) * dilation + 1;
  return padding === 'valid' ? Math.ceil((size - effective + 1) / stride) : Math.ceil(size / stride);
}

/** `[batch, height, width, channels]` and the like, for messages. @internal */
export function spatialLayout(spatialRank: number): string {
  return spatialRank === 1 ? '[batch, steps, channels]' : '[batch, height, width, channels]';
}

/** Names of the spatial axes, for messages. @internal */
export function spatialAxisNames(spatialRank: number): string[] {
  return spatialRank === 1 ? ['steps'] : ['height', 'width'];
}

/** Throws the layer-named ShapeError for an input of the wrong rank. @internal */
export function checkSpatialRank(owner: string, shape: LayerShape, spatialRank: number): void {
  if (shape.length !== spatialRank + 2) {
    throw new ShapeError(`${owner}: expected input of rank ${spatialRank + 2} (${spatialLayout(spatialRank)}), got shape ${fmtLayerShape(shape)}`);
  }
}

/** A per-axis value as configs store it: a number for 1-D layers, a list for 2-D ones. @internal */
export function configSize(v: readonly number[]): ConfigValue {
  return v.length === 1 ? v[0] : [...v];
}

/** The options every convolution shares, after validation. @internal */
export interface ConvCommonOptions {
  kernelSize: number | readonly number[];
  strides?: number | readonly number[];
  padding?: ConvPadding;
  dilationRate?: number | readonly number[];
  activation?: Parameters<typeof getActivation>[0];
  useBias?: boolean;
  biasInitializer?: Parameters<typeof getInitializer>[0];
  biasRegularizer?: Parameters<typeof getRegularizer>[0];
}

/** {@link ConvCommonOptions} plus the kernel's, after validation. @internal */
export interface ConvKernelOptions extends ConvCommonOptions, BaseLayerArgs {
  filters: number;
  kernelInitializer?: Parameters<typeof getInitializer>[0];
  kernelRegularizer?: Parameters<typeof getRegularizer>[0];
}

/** zod fields shared by the convolution schemas (besides the size options). @internal */
export const convCommonFields = {
  ...baseLayerOptions,
  dataFormat: dataFormatOption.optional(),
  activation: activationOption.optional(),
  useBias: z.boolean().optional(),
  biasInitializer: initializerOption.optional(),
  biasRegularizer: regularizerOption.nullable().optional(),
};

/**
 * Base of the convolution layers: kernel geometry, bias, activation, the
 * rank check with a layout hint, and output lengths. Subclasses create
 * their kernels in `build` and compute in `call`.
 *
 * @example
 * ```ts
 * const conv = layers.conv2d({ filters: 8, kernelSize: 3 });
 * conv instanceof BaseConv; // true
 * conv.kernelSize;          // [3, 3]
 * ```
 */
export abstract class BaseConv extends Layer {
  /** Number of spatial axes (1 for Conv1D, 2 for the 2-D layers). */
  readonly spatialRank: number;
  /** Window size per spatial axis. */
  readonly kernelSize: readonly number[];
  /** Stride per spatial axis. */
  readonly strides: readonly number[];
  /** Padding mode. */
  readonly padding: ConvPadding;
  /** Dilation per spatial axis. */
  readonly dilationRate: readonly number[];
  /** Applied to the output. */
  readonly activation: ActivationFunction;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** Fills the bias. */
  protected readonly biasInitializer: Initializer;
  /** Penalty on the bias. */
  protected readonly biasRegularizer: Regularizer | undefined;
  /** `[outChannels]`, when `useBias`, created by `build`. */
  bias: Variable | undefined;

  /**
   * @param base The base layer options.
   * @param spatialRank 1 or 2.
   * @param o The validated convolution options.
   * @internal
   */
  protected constructor(base: BaseLayerArgs, spatialRank: number, o: ConvCommonOptions) {
    super(base);
    this.spatialRank = spatialRank;
    this.kernelSize = perAxis(o.kernelSize, spatialRank);
    this.strides = perAxis(o.strides ?? 1, spatialRank);
    this.padding = o.padding ?? 'valid';
    this.dilationRate = perAxis(o.dilationRate ?? 1, spatialRank);
    this.activation = getActivation(o.activation, this.name);
    this.useBias = o.useBias ?? true;
    this.biasInitializer = getInitializer(o.biasInitializer ?? 'zeros', `${this.name}: biasInitializer`);
    this.biasRegularizer = getRegularizer(o.biasRegularizer ?? null, `${this.name}: biasRegularizer`);
  }

  /** The input's channel count, after checking its rank; throws if it is unknown. */
  protected inputChannels(shape: LayerShape): number {
    checkSpatialRank(this.name, shape, this.spatialRank);
    const c = shape[shape.length - 1];
    if (c === null || c === undefined) {
      throw new ShapeError(`${this.name}: expected input with a known channels axis ${spatialLayout(this.spatialRank)}, got shape ${fmtLayerShape(shape)}`);
    }
    return c;
  }

  /** Checks the rank (with a layout hint), then the input spec. */
  protected override checkInputSpec(shapes: LayerShape[]): void {
    for (const s of shapes) checkSpatialRank(this.name, s, this.spatialRank);
    super.checkInputSpec(shapes);
  }

  /** The output's spatial lengths (null where the input's are unknown); throws when an input is too small. */
  protected spatialOutput(shape: LayerShape): Array<number | null> {
    checkSpatialRank(this.name, shape, this.spatialRank);
    return this.kernelSize.map((k, i) => {
      const out = convOutputLength(shape[i + 1], k, this.strides[i], this.dilationRate[i], this.padding);
      if (out !== null && out < 1) {
        throw new ShapeError(
          `${this.name}: input ${spatialAxisNames(this.spatialRank)[i]} ${String(shape[i + 1])} is too small for kernelSize ${fmtLayerShape(this.kernelSize)} ` +
            `with dilationRate ${fmtLayerShape(this.dilationRate)} and padding '${this.padding}' (output would be ${Math.max(out, 0)}); got shape ${fmtLayerShape(shape)}`,
        );
      }
      return out;
    });
  }

  /** Adds the bias and applies the activation. */
  protected finish(y: Tensor): Tensor {
    return this.activation.apply(this.bias ? add(y, this.bias) : y);
  }

  /** Creates the bias of `size` channels if `useBias`. */
  protected buildBias(size: number): void {
    if (this.useBias) this.bias = this.addWeight('bias', [size], { initializer: this.biasInitializer, regularizer: this.biasRegularizer });
  }

  /** The config that rebuilds this layer (JSON). */
  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      kernelSize: configSize(this.kernelSize),
      strides: configSize(this.strides),
      padding: this.padding,
      dataFormat: 'channelsLast',
      dilationRate: configSize(this.dilationRate),
      activation: serializeActivation(this.activation, this.name),
      useBias: this.useBias,
      biasInitializer: serializeInitializer(this.biasInitializer) as unknown as ConfigDict,
      biasRegularizer: this.biasRegularizer ? (serializeRegularizer(this.biasRegularizer) as unknown as ConfigDict) : null,
    };
  }
}

/** The 2-D pair an engine op takes. @internal */
export function pair(v: readonly number[]): [number, number] {
  return [v[0], v[1]];
}

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
      kernelInitializer: serializeInitializer(this.kernelInitializer) as unknown as ConfigDict,
      kernelRegularizer: this.kernelRegularizer ? (serializeRegularizer(this.kernelRegularizer) as unknown as ConfigDict) : null,
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
