/**
 * What every convolution layer shares: option schemas and geometry helpers,
 * and `BaseConv` (bias, activation, regularizers, rank checks).
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
      biasInitializer: serializeInitializer(this.biasInitializer),
      biasRegularizer: this.biasRegularizer ? serializeRegularizer(this.biasRegularizer) : null,
    };
  }
}

/** The 2-D pair an engine op takes. @internal */
export function pair(v: readonly number[]): [number, number] {
  return [v[0], v[1]];
}

