/**
 * Layers that only move values: Flatten, Reshape, Permute and RepeatVector.
 * None has weights; the batch axis is never touched.
 *
 * @module
 */
import { z } from 'zod';
import { ShapeError, ValueError, expandDims, reshape, tile, transpose, type Tensor } from '../../engine/index.js';
import type { ConfigDict } from '../config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type LayerShape } from '../layer.js';

/** The product of known sizes, or null if any is unknown. */
function knownProduct(dims: LayerShape): number | null {
  let n = 1;
  for (const d of dims) {
    if (d === null) return null;
    n *= d;
  }
  return n;
}

const flattenSchema = z.strictObject({
  ...baseLayerOptions,
  dataFormat: z.enum(['channelsLast', 'channelsFirst']).optional(),
});

/**
 * Options of {@link Flatten}: the base options, and `dataFormat`
 * (`'channelsLast'` only: the engine is NHWC).
 *
 * @example
 * ```ts
 * const opts: FlattenArgs = { name: 'flat' };
 * ```
 */
export type FlattenArgs = z.input<typeof flattenSchema> & BaseLayerArgs;

/**
 * Flattens each sample: `[batch, d1, d2, ...]` becomes `[batch, d1 * d2 *
 * ...]` (a rank-1 input becomes `[batch, 1]`, as in Keras 3). The flattened
 * size is `null` in symbolic shapes when a sample size is unknown.
 *
 * @example
 * ```ts
 * layers.flatten().apply(ones([2, 3, 4])).shape; // [2, 12]
 * ```
 */
export class Flatten extends Layer {
  static override readonly className: string = 'Flatten';

  /** @param args Options; see {@link FlattenArgs}. */
  constructor(args: FlattenArgs = {}) {
    const o = parseLayerOptions(flattenSchema, args, 'Flatten');
    const { dataFormat, ...base } = o;
    super(base);
    if (dataFormat === 'channelsFirst') {
      throw new ValueError(`${this.name}: dataFormat 'channelsFirst' is not supported (the engine is channels-last, NHWC); use 'channelsLast'`);
    }
    this.inputSpec = { minNdim: 1 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return reshape(x, [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)]);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    return [shape[0], knownProduct(shape.slice(1))];
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), dataFormat: 'channelsLast' };
  }
}
registerLayer(Flatten);

const reshapeSchema = z.strictObject({
  ...baseLayerOptions,
  targetShape: z.array(z.number().int().refine((d) => d > 0 || d === -1, 'expected each size to be a positive integer or -1')),
});

/**
 * Options of {@link Reshape}: `targetShape`, the shape of one sample
 * (without the batch axis); one entry may be -1, inferred from the size.
 *
 * @example
 * ```ts
 * const opts: ReshapeArgs = { targetShape: [-1, 3] };
 * ```
 */
export type ReshapeArgs = z.input<typeof reshapeSchema> & BaseLayerArgs;

/**
 * Reshapes each sample to `targetShape` (the batch axis is kept). One entry
 * may be -1: it takes whatever size makes the element counts agree.
 *
 * @example
 * ```ts
 * layers.reshape({ targetShape: [3, 2] }).apply(ones([4, 6])).shape;  // [4, 3, 2]
 * layers.reshape({ targetShape: [-1, 2] }).apply(ones([4, 6])).shape; // [4, 3, 2]
 * ```
 */
export class Reshape extends Layer {
  static override readonly className: string = 'Reshape';
  /** The shape of one output sample; may hold one -1. */
  readonly targetShape: readonly number[];

  /** @param args Options; see {@link ReshapeArgs}. */
  constructor(args: ReshapeArgs) {
    const o = parseLayerOptions(reshapeSchema, args, 'Reshape');
    const { targetShape, ...base } = o;
    super(base);
    if (targetShape.filter((d) => d === -1).length > 1) {
      throw new ValueError(`${this.name}: option 'targetShape': at most one entry may be -1, got [${targetShape.join(',')}]`);
    }
    this.targetShape = targetShape;
  }

  /** The target shape with -1 resolved for samples of `sampleShape`, or with null where it cannot be known. */
  private resolve(sampleShape: LayerShape): (number | null)[] {
    const size = knownProduct(sampleShape);
    const known = this.targetShape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const free = this.targetShape.indexOf(-1);
    if (size === null) return this.targetShape.map((d) => (d === -1 ? null : d));
    const mismatch = (): ShapeError =>
      new ShapeError(
        `${this.name}: cannot reshape samples of shape ${fmtLayerShape(sampleShape)} (${size} values) to targetShape [${this.targetShape.join(',')}]` +
          (free === -1 ? ` (${known} values)` : ` (a multiple of ${known} values)`),
      );
    if (free === -1) {
      if (known !== size) throw mismatch();
      return [...this.targetShape];
    }
    if (size % known !== 0) throw mismatch();
    return this.targetShape.map((d) => (d === -1 ? size / known : d));
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    this.resolve((inputShape as LayerShape).slice(1));
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const x = inputs as Tensor;
    return reshape(x, [x.shape[0], ...(this.resolve(x.shape.slice(1)) as number[])]);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    return [shape[0], ...this.resolve(shape.slice(1))];
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}
registerLayer(Reshape);

const permuteSchema = z.strictObject({
  ...baseLayerOptions,
  dims: z.array(z.number().int()).min(1),
});

/**
 * Options of {@link Permute}: `dims`, the new order of the sample axes,
 * numbered from 1 (the batch axis, 0, stays first), as in Keras.
 *
 * @example
 * ```ts
 * const opts: PermuteArgs = { dims: [2, 1] };
 * ```
 */
export type PermuteArgs = z.input<typeof permuteSchema> & BaseLayerArgs;

/**
 * Permutes the axes of each sample: `dims` is a permutation of `1..rank-1`
 * (1-based, the batch axis is not counted), so `dims: [2, 1]` swaps the two
 * axes of a `[batch, a, b]` input.
 *
 * @example
 * ```ts
 * layers.permute({ dims: [2, 1] }).apply(ones([8, 3, 5])).shape; // [8, 5, 3]
 * ```
 */
export class Permute extends Layer {
  static override readonly className: string = 'Permute';
  /** The new order of the sample axes (1-based). */
  readonly dims: readonly number[];

  /** @param args Options; see {@link PermuteArgs}. */
  constructor(args: PermuteArgs) {
    const o = parseLayerOptions(permuteSchema, args, 'Permute');
    const { dims, ...base } = o;
    super(base);
    const sorted = [...dims].sort((a, b) => a - b);
    if (sorted.some((d, i) => d !== i + 1)) {
      throw new ValueError(
        `${this.name}: option 'dims': expected a permutation of 1..${dims.length} (sample axes are numbered from 1; the batch axis is not included), got [${dims.join(',')}]`,
      );
    }
    this.dims = dims;
    this.inputSpec = { ndim: dims.length + 1 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return transpose(inputs as Tensor, [0, ...this.dims]);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    return [shape[0], ...this.dims.map((d) => shape[d])];
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}
registerLayer(Permute);

const repeatVectorSchema = z.strictObject({
  ...baseLayerOptions,
  n: z.number().int().positive(),
});

/**
 * Options of {@link RepeatVector}: `n`, how many times to repeat.
 *
 * @example
 * ```ts
 * const opts: RepeatVectorArgs = { n: 3 };
 * ```
 */
export type RepeatVectorArgs = z.input<typeof repeatVectorSchema> & BaseLayerArgs;

/**
 * Repeats each sample vector `n` times: `[batch, features]` becomes
 * `[batch, n, features]`.
 *
 * @example
 * ```ts
 * layers.repeatVector({ n: 3 }).apply(ones([2, 4])).shape; // [2, 3, 4]
 * ```
 */
export class RepeatVector extends Layer {
  static override readonly className: string = 'RepeatVector';
  /** How many copies. */
  readonly n: number;

  /** @param args Options; see {@link RepeatVectorArgs}. */
  constructor(args: RepeatVectorArgs) {
    const o = parseLayerOptions(repeatVectorSchema, args, 'RepeatVector');
    const { n, ...base } = o;
    super(base);
    this.n = n;
    this.inputSpec = { ndim: 2 };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    return tile(expandDims(inputs as Tensor, 1), [1, this.n, 1]);
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    const shape = inputShape as LayerShape;
    return [shape[0], this.n, shape[1]];
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), n: this.n };
  }
}
registerLayer(RepeatVector);
