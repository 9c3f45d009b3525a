/**
 * Pooling over channels-last inputs: windowed max and average pooling in 1-D
 * (on the engine's 2-D pools, through a width-1 axis) and 2-D, and global
 * pooling over every spatial axis.
 *
 * @module
 */
import { z } from 'zod';
import { ShapeError, avgPool, expandDims, max, maxPool, mean, reshape, tidy, type Tensor } from '../engine/index.js';
import type { ConfigDict } from './config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type LayerShape } from './layer.js';
import {
  checkSpatialRank,
  configSize,
  convOutputLength,
  dataFormatOption,
  pair,
  pairOption,
  perAxis,
  refineSpatialOptions,
  singleOption,
  spatialAxisNames,
} from './convolutional/conv.js';

const poolFields = {
  ...baseLayerOptions,
  padding: z.enum(['valid', 'same']).optional(),
  dataFormat: dataFormatOption.optional(),
};

const pool1dSchema = z
  .strictObject({ ...poolFields, poolSize: singleOption.optional(), strides: singleOption.nullable().optional() })
  .superRefine(refineSpatialOptions);

const pool2dSchema = z
  .strictObject({ ...poolFields, poolSize: pairOption.optional(), strides: pairOption.nullable().optional() })
  .superRefine(refineSpatialOptions);

/**
 * Options of the 1-D pooling layers (Keras defaults: `poolSize` 2,
 * `strides` = `poolSize`, `padding` `'valid'`).
 *
 * @example
 * ```ts
 * const opts: Pooling1DArgs = { poolSize: 3, strides: 2, padding: 'same' };
 * ```
 */
export type Pooling1DArgs = z.input<typeof pool1dSchema> & BaseLayerArgs;

/**
 * Options of the 2-D pooling layers (Keras defaults: `poolSize` `[2, 2]`,
 * `strides` = `poolSize`, `padding` `'valid'`).
 *
 * @example
 * ```ts
 * const opts: Pooling2DArgs = { poolSize: [2, 2], strides: 2 };
 * ```
 */
export type Pooling2DArgs = z.input<typeof pool2dSchema> & BaseLayerArgs;

type PoolOptions = z.output<typeof pool1dSchema> | z.output<typeof pool2dSchema>;

/**
 * Base of the windowed pooling layers: each output cell is the max or the
 * mean of a `poolSize` window of its channel. With `'same'` padding, max
 * pooling ignores the padding and average pooling averages only the cells
 * inside the input, as in TensorFlow.
 *
 * @example
 * ```ts
 * const pool = layers.maxPooling2d({ poolSize: 2 });
 * pool instanceof BasePooling; // true
 * pool.strides;                // [2, 2]
 * ```
 */
export abstract class BasePooling extends Layer {
  /** Number of spatial axes. */
  readonly spatialRank: number;
  /** Window size per spatial axis. */
  readonly poolSize: readonly number[];
  /** Stride per spatial axis (the window size unless given). */
  readonly strides: readonly number[];
  /** Padding mode. */
  readonly padding: 'valid' | 'same';
  /** Which reduction each window applies. */
  protected abstract readonly reduction: 'max' | 'avg';

  /**
   * @param o The validated options.
   * @param spatialRank 1 or 2.
   * @internal
   */
  protected constructor(o: PoolOptions, spatialRank: number) {
    super(o);
    this.spatialRank = spatialRank;
    this.poolSize = perAxis(o.poolSize ?? 2, spatialRank);
    this.strides = o.strides === undefined || o.strides === null ? [...this.poolSize] : perAxis(o.strides, spatialRank);
    this.padding = o.padding ?? 'valid';
  }

  /** Checks the rank (with a layout hint), then the input spec. */
  protected override checkInputSpec(shapes: LayerShape[]): void {
    for (const s of shapes) checkSpatialRank(this.name, s, this.spatialRank);
    super.checkInputSpec(shapes);
  }

  /** Computes the outputs for concrete inputs. */
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    const outShape = this.computeOutputShape(x.shape) as number[];
    const pool = this.reduction === 'max' ? maxPool : avgPool;
    if (this.spatialRank === 2) return pool(x, pair(this.poolSize), pair(this.strides), this.padding);
    // The engine pools in 2-D: the steps become the height of a width-1 image.
    return tidy(() => reshape(pool(expandDims(x, 2), [this.poolSize[0], 1], [this.strides[0], 1], this.padding), outShape));
  }

  /** The output shape for inputs of `inputShape` (`null` where unknown). */
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    checkSpatialRank(this.name, shape, this.spatialRank);
    const spatial = this.poolSize.map((p, i) => {
      const out = convOutputLength(shape[i + 1], p, this.strides[i], 1, this.padding);
      if (out !== null && out < 1) {
        throw new ShapeError(
          `${this.name}: input ${spatialAxisNames(this.spatialRank)[i]} ${String(shape[i + 1])} is smaller than poolSize ${fmtLayerShape(this.poolSize)} ` +
            `with padding 'valid'; got shape ${fmtLayerShape(shape)}; use padding 'same' or a smaller poolSize`,
        );
      }
      return out;
    });
    return [shape[0], ...spatial, shape[shape.length - 1]];
  }

  /** The config that rebuilds this layer (JSON). */
  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      poolSize: configSize(this.poolSize),
      strides: configSize(this.strides),
      padding: this.padding,
      dataFormat: 'channelsLast',
    };
  }
}

/**
 * Max pooling over windows of `poolSize` steps of `[batch, steps, channels]` inputs.
 *
 * @example
 * ```ts
 * layers.maxPooling1d({ poolSize: 2 }).apply(ones([1, 6, 3])).shape; // [1, 3, 3]
 * ```
 */
export class MaxPooling1D extends BasePooling {
  static override readonly className: string = 'MaxPooling1D';
  protected readonly reduction = 'max';
  /** @param args Options; see {@link Pooling1DArgs}. */
  constructor(args: Pooling1DArgs = {}) {
    super(parseLayerOptions(pool1dSchema, args, 'MaxPooling1D'), 1);
  }
}
registerLayer(MaxPooling1D);

/**
 * Average pooling over windows of `poolSize` steps of `[batch, steps, channels]` inputs.
 *
 * @example
 * ```ts
 * layers.averagePooling1d({ poolSize: 3, strides: 1 }).apply(ones([1, 6, 3])).shape; // [1, 4, 3]
 * ```
 */
export class AveragePooling1D extends BasePooling {
  static override readonly className: string = 'AveragePooling1D';
  protected readonly reduction = 'avg';
  /** @param args Options; see {@link Pooling1DArgs}. */
  constructor(args: Pooling1DArgs = {}) {
    super(parseLayerOptions(pool1dSchema, args, 'AveragePooling1D'), 1);
  }
}
registerLayer(AveragePooling1D);

/**
 * Max pooling over `poolSize` windows of `[batch, height, width, channels]` inputs.
 *
 * @example
 * ```ts
 * layers.maxPooling2d({ poolSize: 2 }).apply(ones([1, 28, 28, 8])).shape; // [1, 14, 14, 8]
 * ```
 */
export class MaxPooling2D extends BasePooling {
  static override readonly className: string = 'MaxPooling2D';
  protected readonly reduction = 'max';
  /** @param args Options; see {@link Pooling2DArgs}. */
  constructor(args: Pooling2DArgs = {}) {
    super(parseLayerOptions(pool2dSchema, args, 'MaxPooling2D'), 2);
  }
}
registerLayer(MaxPooling2D);

/**
 * Average pooling over `poolSize` windows of `[batch, height, width, channels]` inputs.
 *
 * @example
 * ```ts
 * layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(ones([1, 5, 5, 2])).shape; // [1, 3, 3, 2]
 * ```
 */
export class AveragePooling2D extends BasePooling {
  static override readonly className: string = 'AveragePooling2D';
  protected readonly reduction = 'avg';
  /** @param args Options; see {@link Pooling2DArgs}. */
  constructor(args: Pooling2DArgs = {}) {
    super(parseLayerOptions(pool2dSchema, args, 'AveragePooling2D'), 2);
  }
}
registerLayer(AveragePooling2D);

const globalSchema = z
  .strictObject({ ...baseLayerOptions, dataFormat: dataFormatOption.optional(), keepDims: z.boolean().optional() })
  .superRefine(refineSpatialOptions);

/**
 * Options of the global pooling layers: `keepDims` (default false) keeps
 * the spatial axes with size 1.
 *
 * @example
 * ```ts
 * const opts: GlobalPoolingArgs = { keepDims: true };
 * ```
 */
export type GlobalPoolingArgs = z.input<typeof globalSchema> & BaseLayerArgs;

/**
 * Base of the global pooling layers: the max or mean of each channel over
 * every spatial axis, `[batch, ..., channels]` to `[batch, channels]`
 * (or `[batch, 1, ..., 1, channels]` with `keepDims`).
 *
 * @example
 * ```ts
 * const pool = layers.globalAveragePooling2d();
 * pool instanceof BaseGlobalPooling; // true
 * ```
 */
export abstract class BaseGlobalPooling extends Layer {
  /** Number of spatial axes. */
  readonly spatialRank: number;
  /** Whether the spatial axes stay, with size 1. */
  readonly keepDims: boolean;
  /** Which reduction is applied. */
  protected abstract readonly reduction: 'max' | 'avg';

  /**
   * @param args The user's options.
   * @param className The subclass's class name (for the default name in errors).
   * @param spatialRank 1 or 2.
   */
  protected constructor(args: GlobalPoolingArgs, className: string, spatialRank: number) {
    const o = parseLayerOptions(globalSchema, args, className);
    super(o);
    this.spatialRank = spatialRank;
    this.keepDims = o.keepDims ?? false;
  }

  /** Checks the rank (with a layout hint), then the input spec. */
  protected override checkInputSpec(shapes: LayerShape[]): void {
    for (const s of shapes) checkSpatialRank(this.name, s, this.spatialRank);
    super.checkInputSpec(shapes);
  }

  /** Computes the outputs for concrete inputs. */
  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    checkSpatialRank(this.name, x.shape, this.spatialRank);
    const axes = this.spatialRank === 1 ? [1] : [1, 2];
    return this.reduction === 'max' ? max(x, axes, this.keepDims) : mean(x, axes, this.keepDims);
  }

  /** The output shape for inputs of `inputShape` (`null` where unknown). */
  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    checkSpatialRank(this.name, shape, this.spatialRank);
    const ones = this.keepDims ? Array.from({ length: this.spatialRank }, () => 1) : [];
    return [shape[0], ...ones, shape[shape.length - 1]];
  }

  /** The config that rebuilds this layer (JSON). */
  override getConfig(): ConfigDict {
    return { ...super.getConfig(), dataFormat: 'channelsLast', keepDims: this.keepDims };
  }
}

/**
 * The mean of each channel over all steps: `[batch, steps, channels]` to `[batch, channels]`.
 *
 * @example
 * ```ts
 * layers.globalAveragePooling1d().apply(ones([2, 10, 4])).shape; // [2, 4]
 * ```
 */
export class GlobalAveragePooling1D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling1D';
  protected readonly reduction = 'avg';
  /** @param args Options; see {@link GlobalPoolingArgs}. */
  constructor(args: GlobalPoolingArgs = {}) {
    super(args, 'GlobalAveragePooling1D', 1);
  }
}
registerLayer(GlobalAveragePooling1D);

/**
 * The max of each channel over all steps: `[batch, steps, channels]` to `[batch, channels]`.
 *
 * @example
 * ```ts
 * layers.globalMaxPooling1d({ keepDims: true }).apply(ones([2, 10, 4])).shape; // [2, 1, 4]
 * ```
 */
export class GlobalMaxPooling1D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling1D';
  protected readonly reduction = 'max';
  /** @param args Options; see {@link GlobalPoolingArgs}. */
  constructor(args: GlobalPoolingArgs = {}) {
    super(args, 'GlobalMaxPooling1D', 1);
  }
}
registerLayer(GlobalMaxPooling1D);

/**
 * The mean of each channel over height and width: `[batch, h, w, channels]` to `[batch, channels]`.
 *
 * @example
 * ```ts
 * layers.globalAveragePooling2d().apply(ones([2, 7, 7, 64])).shape; // [2, 64]
 * ```
 */
export class GlobalAveragePooling2D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalAveragePooling2D';
  protected readonly reduction = 'avg';
  /** @param args Options; see {@link GlobalPoolingArgs}. */
  constructor(args: GlobalPoolingArgs = {}) {
    super(args, 'GlobalAveragePooling2D', 2);
  }
}
registerLayer(GlobalAveragePooling2D);

/**
 * The max of each channel over height and width: `[batch, h, w, channels]` to `[batch, channels]`.
 *
 * @example
 * ```ts
 * layers.globalMaxPooling2d({ keepDims: true }).apply(ones([2, 7, 7, 64])).shape; // [2, 1, 1, 64]
 * ```
 */
export class GlobalMaxPooling2D extends BaseGlobalPooling {
  static override readonly className: string = 'GlobalMaxPooling2D';
  protected readonly reduction = 'max';
  /** @param args Options; see {@link GlobalPoolingArgs}. */
  constructor(args: GlobalPoolingArgs = {}) {
    super(args, 'GlobalMaxPooling2D', 2);
  }
}
registerLayer(GlobalMaxPooling2D);
