/**
 * Normalization layers: BatchNormalization (per-feature statistics over the
 * batch, with moving averages for inference) and LayerNormalization
 * (per-example statistics over the feature axes). Keras 3 semantics.
 *
 * @module
 */
import { z } from 'zod';
import {
  ShapeError,
  ValueError,
  add,
  cast,
  mean,
  moments,
  mul,
  noGrad,
  reshape,
  rsqrt,
  square,
  sub,
  tidy,
  type Tensor,
  type Variable,
} from '../engine/index.js';
import type { ConfigDict } from './config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type CallArgs, type LayerShape } from './layer.js';
import { getInitializer, initializerOption, serializeInitializer, type Initializer } from './initializers.js';
import { getRegularizer, regularizerOption, serializeRegularizer, type Regularizer } from './regularizers.js';

const affineOptions = {
  epsilon: z.number().positive().optional(),
  center: z.boolean().optional(),
  scale: z.boolean().optional(),
  betaInitializer: initializerOption.optional(),
  gammaInitializer: initializerOption.optional(),
  betaRegularizer: regularizerOption.nullable().optional(),
  gammaRegularizer: regularizerOption.nullable().optional(),
};

const batchNormSchema = z.strictObject({
  ...baseLayerOptions,
  ...affineOptions,
  axis: z.number().int().optional(),
  momentum: z.number().min(0).max(1).optional(),
  movingMeanInitializer: initializerOption.optional(),
  movingVarianceInitializer: initializerOption.optional(),
});

const layerNormSchema = z.strictObject({
  ...baseLayerOptions,
  ...affineOptions,
  axis: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional(),
  rmsScaling: z.boolean().optional(),
});

/**
 * Options of {@link BatchNormalization} (Keras 3 names and defaults).
 *
 * @example
 * ```ts
 * const opts: BatchNormalizationArgs = { axis: -1, momentum: 0.9, epsilon: 1e-5 };
 * ```
 */
export type BatchNormalizationArgs = z.input<typeof batchNormSchema> & BaseLayerArgs;

/**
 * Options of {@link LayerNormalization} (Keras 3 names and defaults).
 *
 * @example
 * ```ts
 * const opts: LayerNormalizationArgs = { axis: [-2, -1], epsilon: 1e-6 };
 * ```
 */
export type LayerNormalizationArgs = z.input<typeof layerNormSchema> & BaseLayerArgs;

/** The shared state of both layers: the optional affine transform `gamma * x̂ + beta`. */
interface Affine {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly betaInitializer: Initializer;
  readonly gammaInitializer: Initializer;
  readonly betaRegularizer: Regularizer | undefined;
  readonly gammaRegularizer: Regularizer | undefined;
}

function parseAffine(o: z.output<z.ZodObject<typeof affineOptions>>, owner: string): Affine {
  return {
    epsilon: o.epsilon ?? 1e-3,
    center: o.center ?? true,
    scale: o.scale ?? true,
    betaInitializer: getInitializer(o.betaInitializer ?? 'zeros', `${owner}: betaInitializer`),
    gammaInitializer: getInitializer(o.gammaInitializer ?? 'ones', `${owner}: gammaInitializer`),
    betaRegularizer: getRegularizer(o.betaRegularizer ?? null, `${owner}: betaRegularizer`),
    gammaRegularizer: getRegularizer(o.gammaRegularizer ?? null, `${owner}: gammaRegularizer`),
  };
}

function affineConfig(a: Affine): ConfigDict {
  return {
    epsilon: a.epsilon,
    center: a.center,
    scale: a.scale,
    betaInitializer: serializeInitializer(a.betaInitializer),
    gammaInitializer: serializeInitializer(a.gammaInitializer),
    betaRegularizer: a.betaRegularizer ? serializeRegularizer(a.betaRegularizer) : null,
    gammaRegularizer: a.gammaRegularizer ? serializeRegularizer(a.gammaRegularizer) : null,
  };
}

function singleShape(layer: Layer, inputShape: LayerShape | LayerShape[]): LayerShape {
  if (inputShape.length > 0 && Array.isArray(inputShape[0])) {
    throw new ValueError(`${layer.name}: expected a single input, got a list of ${inputShape.length}`);
  }
  return inputShape as LayerShape;
}

function singleInput(layer: Layer, inputs: Tensor | Tensor[]): Tensor {
  if (Array.isArray(inputs)) throw new ValueError(`${layer.name}: expected a single input, got a list of ${inputs.length}`);
  return inputs;
}

/** `axis` as a non-negative index into `shape`, or a ValueError naming the layer. */
function resolveAxis(layer: Layer, axis: number, shape: LayerShape): number {
  const a = axis < 0 ? shape.length + axis : axis;
  if (a < 0 || a >= shape.length) {
    throw new ValueError(`${layer.name}: axis ${axis} is out of range for an input of rank ${shape.length} (shape ${fmtLayerShape(shape)})`);
  }
  return a;
}

function knownSize(layer: Layer, axis: number, given: number, shape: LayerShape): number {
  const size = shape[axis];
  if (size === null || size === undefined) {
    throw new ShapeError(`${layer.name}: expected axis ${given} of the input to have a known size (its weights have one entry per index), got shape ${fmtLayerShape(shape)}`);
  }
  return size;
}

/** `[1, ..., size, ..., 1]`: the parameters' shape broadcast against the input. */
function broadcastShape(rank: number, axes: readonly number[], sizes: readonly number[]): number[] {
  const s = new Array<number>(rank).fill(1);
  axes.forEach((a, i) => (s[a] = sizes[i]));
  return s;
}

/** `x * inv + (-mean * inv) + beta` with `inv = gamma / sqrt(variance + epsilon)`: Keras's order of operations. */
function normalize(x: Tensor, m: Tensor, variance: Tensor, epsilon: number, gamma: Tensor | undefined, beta: Tensor | undefined): Tensor {
  let inv = rsqrt(add(variance, epsilon));
  if (gamma) inv = mul(inv, gamma);
  let out = sub(mul(x, inv), mul(m, inv));
  if (beta) out = add(out, beta);
  return out;
}

/**
 * Batch normalization (Ioffe & Szegedy, 2015): normalizes each feature
 * (each index of `axis`, the channels) to zero mean and unit variance, then
 * scales by `gamma` and shifts by `beta`.
 *
 * In training (`training: true`, and the layer trainable) it uses the
 * batch's mean and biased variance over every axis but `axis`, and updates
 * the moving statistics `moving = moving * momentum + batch * (1 - momentum)`
 * (applied after a training step succeeds, or at once outside one). In
 * inference, and when the layer is frozen (`trainable = false`, as Keras
 * does for fine-tuning), it uses the moving statistics.
 *
 * Weights: `gamma` (if `scale`), `beta` (if `center`), then the
 * non-trainable `moving_mean` and `moving_variance`, all of shape `[size of axis]`.
 *
 * @example
 * ```ts
 * const bn = layers.batchNormalization({ momentum: 0.9 });
 * bn.apply(x, { training: true }); // batch statistics; moving averages move
 * bn.apply(x);                     // moving statistics
 * ```
 */
export class BatchNormalization extends Layer {
  static override readonly className: string = 'BatchNormalization';
  /** The feature axis (negative counts from the end). */
  readonly axis: number;
  /** Weight of the old value in the moving averages. */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** Whether `beta` is added. */
  readonly center: boolean;
  /** Whether the result is multiplied by `gamma`. */
  readonly scale: boolean;
  private readonly affine: Affine;
  private readonly movingMeanInitializer: Initializer;
  private readonly movingVarianceInitializer: Initializer;
  private paramShape: number[] = [];
  private reductionAxes: number[] = [];
  /** Scale, `[size]`, when `scale`. */
  gamma: Variable | undefined;
  /** Offset, `[size]`, when `center`. */
  beta: Variable | undefined;
  /** Moving mean (non-trainable), `[size]`. */
  movingMean!: Variable;
  /** Moving variance (non-trainable), `[size]`. */
  movingVariance!: Variable;

  /** @param args Options; see {@link BatchNormalizationArgs}. */
  constructor(args: BatchNormalizationArgs = {}) {
    const o = parseLayerOptions(batchNormSchema, args, 'BatchNormalization');
    const { axis, momentum, movingMeanInitializer, movingVarianceInitializer, ...rest } = o;
    const { epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, ...base } = rest;
    super(base);
    this.affine = parseAffine({ epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer }, this.name);
    this.axis = axis ?? -1;
    this.momentum = momentum ?? 0.99;
    this.epsilon = this.affine.epsilon;
    this.center = this.affine.center;
    this.scale = this.affine.scale;
    this.movingMeanInitializer = getInitializer(movingMeanInitializer ?? 'zeros', `${this.name}: movingMeanInitializer`);
    this.movingVarianceInitializer = getInitializer(movingVarianceInitializer ?? 'ones', `${this.name}: movingVarianceInitializer`);
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    const axis = resolveAxis(this, this.axis, shape);
    const size = knownSize(this, axis, this.axis, shape);
    const a = this.affine;
    if (a.scale) this.gamma = this.addWeight('gamma', [size], { initializer: a.gammaInitializer, regularizer: a.gammaRegularizer });
    if (a.center) this.beta = this.addWeight('beta', [size], { initializer: a.betaInitializer, regularizer: a.betaRegularizer });
    this.movingMean = this.addWeight('moving_mean', [size], { initializer: this.movingMeanInitializer, trainable: false });
    this.movingVariance = this.addWeight('moving_variance', [size], { initializer: this.movingVarianceInitializer, trainable: false });
    this.paramShape = broadcastShape(shape.length, [axis], [size]);
    this.reductionAxes = shape.map((_, i) => i).filter((i) => i !== axis);
    this.inputSpec = { ndim: shape.length, axes: { [axis]: size } };
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const given = singleInput(this, inputs);
    const useBatchStats = args.training === true && this.trainable;
    return tidy(() => {
      const x = given.dtype === this.dtype ? given : cast(given, this.dtype);
      const p = (v: Variable | undefined): Tensor | undefined => (v ? reshape(v, this.paramShape) : undefined);
      if (!useBatchStats) {
        return normalize(x, p(this.movingMean) as Tensor, p(this.movingVariance) as Tensor, this.epsilon, p(this.gamma), p(this.beta));
      }
      const { mean: m, variance } = moments(x, this.reductionAxes, true);
      this.requestMovingUpdates(m, variance);
      return normalize(x, m, variance, this.epsilon, p(this.gamma), p(this.beta));
    });
  }

  /** The moving averages' new values are constants to autograd: they are state, not part of the loss. */
  private requestMovingUpdates(batchMean: Tensor, batchVariance: Tensor): void {
    noGrad(() =>
      tidy(() => {
        const size = this.movingMean.shape;
        const next = (moving: Variable, batch: Tensor): Tensor => add(mul(moving, this.momentum), mul(reshape(batch, size), 1 - this.momentum));
        const newMean = next(this.movingMean, batchMean);
        const newVariance = next(this.movingVariance, batchVariance);
        this.addUpdate(this.movingMean, newMean);
        this.addUpdate(this.movingVariance, newVariance);
      }),
    );
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return singleShape(this, inputShape);
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      axis: this.axis,
      momentum: this.momentum,
      ...affineConfig(this.affine),
      movingMeanInitializer: serializeInitializer(this.movingMeanInitializer),
      movingVarianceInitializer: serializeInitializer(this.movingVarianceInitializer),
    };
  }
}
registerLayer(BatchNormalization);

/**
 * Layer normalization (Ba et al., 2016): normalizes each example over the
 * feature axes `axis` (the last by default; a list for several) to zero
 * mean and unit variance, then scales by `gamma` and shifts by `beta`. The
 * same in training and inference. With `rmsScaling` it divides by the root
 * mean square instead (no centering, no `beta`), as RMSNorm.
 *
 * Weights: `gamma` (if `scale` or `rmsScaling`) and `beta` (if `center` and
 * not `rmsScaling`), of the normalized axes' sizes in axis order.
 *
 * @example
 * ```ts
 * const ln = layers.layerNormalization({ epsilon: 1e-6 });
 * ln.apply(ones([2, 10, 64])).shape; // [2, 10, 64]
 * ```
 */
export class LayerNormalization extends Layer {
  static override readonly className: string = 'LayerNormalization';
  /** The normalized axis or axes, as given (negative counts from the end). */
  readonly axis: number | readonly number[];
  /** Added to the variance before the square root. */
  readonly epsilon: number;
  /** Whether `beta` is added. */
  readonly center: boolean;
  /** Whether the result is multiplied by `gamma`. */
  readonly scale: boolean;
  /** Whether to divide by the root mean square (RMSNorm) instead of centering and dividing by the standard deviation. */
  readonly rmsScaling: boolean;
  private readonly affine: Affine;
  private paramSizes: number[] = [];
  /** Scale, of the normalized axes' sizes. */
  gamma: Variable | undefined;
  /** Offset, of the normalized axes' sizes. */
  beta: Variable | undefined;

  /** @param args Options; see {@link LayerNormalizationArgs}. */
  constructor(args: LayerNormalizationArgs = {}) {
    const o = parseLayerOptions(layerNormSchema, args, 'LayerNormalization');
    const { axis, rmsScaling, ...rest } = o;
    const { epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer, ...base } = rest;
    super(base);
    this.affine = parseAffine({ epsilon, center, scale, betaInitializer, gammaInitializer, betaRegularizer, gammaRegularizer }, this.name);
    this.axis = Array.isArray(axis) ? [...axis] : (axis ?? -1);
    this.epsilon = this.affine.epsilon;
    this.center = this.affine.center;
    this.scale = this.affine.scale;
    this.rmsScaling = rmsScaling ?? false;
  }

  private axisList(): readonly number[] {
    return typeof this.axis === 'number' ? [this.axis] : this.axis;
  }

  /** The normalized axes as sorted non-negative indices for an input of `shape`. */
  private resolveAxes(shape: LayerShape): number[] {
    const axes = this.axisList().map((a) => resolveAxis(this, a, shape));
    const sorted = [...axes].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) throw new ValueError(`${this.name}: axis lists axis ${sorted[i]} twice (axis ${JSON.stringify(this.axis)}, input of rank ${shape.length})`);
    }
    return sorted;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    const shape = singleShape(this, inputShape);
    const axes = this.resolveAxes(shape);
    const sizes = axes.map((a) => knownSize(this, a, a, shape));
    const a = this.affine;
    if (a.scale || this.rmsScaling) this.gamma = this.addWeight('gamma', sizes, { initializer: a.gammaInitializer, regularizer: a.gammaRegularizer });
    if (a.center && !this.rmsScaling) this.beta = this.addWeight('beta', sizes, { initializer: a.betaInitializer, regularizer: a.betaRegularizer });
    this.paramSizes = sizes;
    // Axes counted from the end keep working for inputs of another rank (a [batch, features] layer on [batch, time, features]).
    const fromEnd = this.axisList().every((ax) => ax < 0);
    const specAxes: Record<number, number> = {};
    axes.forEach((ax, i) => (specAxes[fromEnd ? ax - shape.length : ax] = sizes[i]));
    this.inputSpec = fromEnd ? { minNdim: Math.max(...this.axisList().map((ax) => -ax)), axes: specAxes } : { ndim: shape.length, axes: specAxes };
  }

  call(inputs: Tensor | Tensor[]): Tensor {
    const given = singleInput(this, inputs);
    return tidy(() => {
      const x = given.dtype === this.dtype ? given : cast(given, this.dtype);
      const axes = this.resolveAxes(x.shape);
      const bshape = broadcastShape(x.rank, axes, this.paramSizes);
      const gamma = this.gamma ? reshape(this.gamma, bshape) : undefined;
      if (this.rmsScaling) {
        const inv = rsqrt(add(mean(square(x), axes, true), this.epsilon));
        return gamma ? mul(mul(x, inv), gamma) : mul(x, inv);
      }
      const { mean: m, variance } = moments(x, axes, true);
      return normalize(x, m, variance, this.epsilon, gamma, this.beta ? reshape(this.beta, bshape) : undefined);
    });
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape {
    return singleShape(this, inputShape);
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      axis: typeof this.axis === 'number' ? this.axis : [...this.axis],
      ...affineConfig(this.affine),
      rmsScaling: this.rmsScaling,
    };
  }
}
registerLayer(LayerNormalization);
