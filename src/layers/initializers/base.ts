/**
 * The initializer base class and what every initializer shares: argument
 * checks for `apply` and Keras' fan computation.
 *
 * @module
 */
import { z } from 'zod';
import { DTypeError, ShapeError, type Tensor } from '../../engine/index.js';
import type { ConfigDict } from '../config.js';

/** The dtypes an initializer can produce. */
export type InitializerDType = 'float32' | 'float64' | 'int32';

/**
 * Creates the initial value of a weight. Subclass it (and register the
 * subclass in `initializerRegistry`) for a custom initializer that models
 * can save and load.
 *
 * @example
 * ```ts
 * class Halves extends Initializer {
 *   readonly className = 'Halves';
 *   apply(shape: readonly number[], dtype: InitializerDType = 'float32') { return fill(shape, 0.5, dtype); }
 *   getConfig() { return {}; }
 * }
 * initializerRegistry.register('Halves', () => new Halves());
 * ```
 */
export abstract class Initializer {
  /** Registered class name, Keras style: `'GlorotUniform'`, `'HeNormal'`, `'Zeros'`, ... */
  abstract readonly className: string;

  /**
   * A new tensor of `shape` and `dtype` (default `'float32'`; also
   * `'float64'`, and `'int32'` where it makes sense, e.g. zeros, ones,
   * constant). The caller owns it.
   */
  abstract apply(shape: readonly number[], dtype?: InitializerDType): Tensor;

  /** JSON config that rebuilds it (`seed: null` when it has no seed). */
  abstract getConfig(): ConfigDict;
}

/** zod schema of an optional seed (null in configs means "none"). @internal */
export const seedSchema = z.number().int().min(0).nullable().optional();

/** The name used in messages: the class name in lowerCamelCase (`GlorotUniform` → `glorotUniform`). @internal */
export function ownerOf(init: Initializer): string {
  return init.className.charAt(0).toLowerCase() + init.className.slice(1);
}

/**
 * Validates `apply`'s arguments; returns the dtype to use. A random
 * initializer passes `allowInt = false`: integer normals or uniforms in a
 * tiny range make no sense for a weight.
 *
 * @internal
 */
export function checkApplyArgs(owner: string, shape: unknown, dtype: unknown, allowInt: boolean): InitializerDType {
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(`${owner}: expected shape to be an array of non-negative integers, got ${describeShape(shape)}`);
  }
  const d = dtype ?? 'float32';
  if (d === 'float32' || d === 'float64') return d;
  if (d === 'int32') {
    if (allowInt) return d;
    throw new DTypeError(`${owner}: expected dtype 'float32' or 'float64', got 'int32'; random initial values are floats`);
  }
  throw new DTypeError(`${owner}: expected dtype ${allowInt ? "'float32', 'float64' or 'int32'" : "'float32' or 'float64'"}, got ${typeof d === 'string' ? `'${d}'` : String(d)}`);
}

function describeShape(shape: unknown): string {
  try {
    return JSON.stringify(shape) ?? String(shape);
  } catch {
    return String(shape);
  }
}

/**
 * The fan-in and fan-out of a weight shape.
 *
 * @example
 * ```ts
 * const { fanIn, fanOut }: Fans = computeFans([784, 10]);
 * ```
 */
export interface Fans {
  /** Inputs feeding each output unit (times the receptive field for convolutions). */
  fanIn: number;
  /** Output units each input feeds (times the receptive field for convolutions). */
  fanOut: number;
}

/**
 * The fan-in and fan-out of a weight of `shape`, as Keras computes them: a
 * dense kernel `[in, out]` has fanIn `in` and fanOut `out`; a convolution
 * kernel `[...receptiveField, in, out]` multiplies both by the product of
 * the receptive-field dims; a 1-D shape has both equal to its length, and a
 * scalar both 1.
 *
 * @example
 * ```ts
 * computeFans([3, 3, 16, 32]); // { fanIn: 144, fanOut: 288 }
 * computeFans([784, 10]);      // { fanIn: 784, fanOut: 10 }
 * ```
 */
export function computeFans(shape: readonly number[]): Fans {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  let receptiveField = 1;
  for (const d of shape.slice(0, -2)) receptiveField *= d;
  return { fanIn: shape[shape.length - 2] * receptiveField, fanOut: shape[shape.length - 1] * receptiveField };
}
