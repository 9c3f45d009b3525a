/**
 * Dropout: zeroes random inputs during training (and scales the rest by
 * `1 / (1 - rate)`); the identity at inference.
 *
 * @module
 */
import { z } from 'zod';
import { ShapeError, clone, dropout, type Tensor } from '../../engine/index.js';
import type { ConfigDict, ConfigValue } from '../config.js';
import { Layer, baseLayerOptions, fmtLayerShape, parseLayerOptions, registerLayer, type BaseLayerArgs, type CallArgs, type LayerShape } from '../layer.js';

const dropoutSchema = z.strictObject({
  ...baseLayerOptions,
  rate: z.number().min(0).lt(1),
  noiseShape: z.array(z.number().int().positive().nullable()).nullable().optional(),
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
});

/**
 * Options of {@link Dropout} (Keras / TensorFlow.js names): `rate` in
 * [0, 1), an optional `noiseShape` (with the batch axis; `null` entries take
 * the input's size, 1 shares a mask entry along that axis) and an optional
 * `seed`.
 *
 * @example
 * ```ts
 * const opts: DropoutArgs = { rate: 0.5, noiseShape: [null, 1, 64], seed: 7 };
 * ```
 */
export type DropoutArgs = z.input<typeof dropoutSchema> & BaseLayerArgs;

/** Mixes two 32-bit words (murmur3's finalizer over a combination). */
function mix32(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The seed of the `step`-th training call of a layer seeded with `seed`: a
 * hash of both, so masks differ between steps (as Keras 3's advancing
 * SeedGenerator does) while a fresh layer with the same seed replays the
 * same sequence. A 53-bit hash makes collisions between (seed, step) pairs
 * negligible, unlike `seed + step`.
 */
function stepSeed(seed: number, step: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 0x100000000) >>> 0;
  const stepLo = step >>> 0;
  const stepHi = Math.floor(step / 0x100000000) >>> 0;
  const a = mix32(lo ^ mix32(stepLo, 0x6a09e667), hi ^ stepHi);
  const b = mix32(hi ^ mix32(stepHi, 0xbb67ae85), lo ^ stepLo ^ a);
  return (b & 0x1fffff) * 0x100000000 + a;
}

/**
 * Randomly sets a fraction `rate` of its inputs to 0 during training and
 * scales the others by `1 / (1 - rate)`, so the expected sum is unchanged.
 * At inference (`training` false, the default outside `fit`) it passes the
 * input through. With a `seed`, each training call draws a fresh mask from
 * a sequence that the seed fixes (a new layer with the same seed replays
 * it); without one, masks come from the global generator (`setSeed`).
 *
 * @example
 * ```ts
 * const drop = layers.dropout({ rate: 0.5 });
 * drop.apply(ones([2, 4]));                     // ones: inference is the identity
 * drop.apply(ones([2, 4]), { training: true }); // zeros and twos
 * ```
 */
export class Dropout extends Layer {
  static override readonly className: string = 'Dropout';
  /** The probability of dropping each entry. */
  readonly rate: number;
  /** The mask's shape (with the batch axis), if not the input's. */
  readonly noiseShape: readonly (number | null)[] | undefined;
  /** The seed of the mask sequence, if any. */
  readonly seed: number | undefined;
  private trainingCalls = 0;

  /** @param args Options; see {@link DropoutArgs}. */
  constructor(args: DropoutArgs) {
    const o = parseLayerOptions(dropoutSchema, args, 'Dropout');
    const { rate, noiseShape, seed, ...base } = o;
    super(base);
    this.rate = rate;
    this.noiseShape = noiseShape ?? undefined;
    this.seed = seed ?? undefined;
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor {
    const x = inputs as Tensor;
    // A new tensor even for the identity: the caller owns (and may dispose) what a layer returns.
    if (!args.training || this.rate === 0) return clone(x);
    const noiseShape = this.resolveNoiseShape(x.shape);
    const seed = this.seed === undefined ? undefined : stepSeed(this.seed, this.trainingCalls);
    const y = dropout(x, this.rate, noiseShape, seed);
    this.trainingCalls++;
    return y;
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    this.checkNoiseShape(inputShape as LayerShape);
  }

  /** Checks the noise shape against the input here (unknown sizes match anything), so the error names the layer. */
  private checkNoiseShape(shape: LayerShape): void {
    const ns = this.noiseShape;
    if (ns === undefined) return;
    const ok = ns.length === shape.length && ns.every((d, i) => d === null || d === 1 || shape[i] === null || d === shape[i]);
    if (!ok) {
      throw new ShapeError(
        `${this.name}: expected noiseShape of rank ${shape.length} with each entry equal to the input's size, 1 or null, got ${fmtLayerShape(ns)} for input of shape ${fmtLayerShape(shape)}`,
      );
    }
  }

  private resolveNoiseShape(shape: readonly number[]): number[] | undefined {
    this.checkNoiseShape(shape);
    return this.noiseShape?.map((d, i) => (d === null ? shape[i] : d));
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      rate: this.rate,
      noiseShape: this.noiseShape ? ([...this.noiseShape] as ConfigValue[]) : null,
      seed: this.seed ?? null,
    };
  }
}
registerLayer(Dropout);
