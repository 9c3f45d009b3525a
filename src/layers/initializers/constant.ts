/**
 * Deterministic initializers: zeros, ones, a constant, the identity matrix.
 *
 * @module
 */
import { z } from 'zod';
import { DTypeError, ValueError, eye, fill, mul, ones, tidy, zeros, type Tensor } from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../config.js';
import { Initializer, checkApplyArgs, ownerOf, type InitializerDType } from './base.js';

/**
 * Fills with 0.
 *
 * @example
 * ```ts
 * new Zeros().apply([2, 3]); // [[0, 0, 0], [0, 0, 0]]
 * ```
 */
export class Zeros extends Initializer {
  /** `'Zeros'`. */
  readonly className: string = 'Zeros';

  /** @param args No options (accepts `{}` so configs round-trip). */
  constructor(args: Record<string, never> = {}) {
    super();
    parseOptions(z.strictObject({}), args, 'zeros');
  }

  /** A tensor of zeros; int32 allowed. */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    return zeros(shape, checkApplyArgs(ownerOf(this), shape, dtype, true));
  }

  /** `{}`. */
  getConfig(): ConfigDict {
    return {};
  }
}

/**
 * Fills with 1.
 *
 * @example
 * ```ts
 * new Ones().apply([3], 'int32'); // [1, 1, 1]
 * ```
 */
export class Ones extends Initializer {
  /** `'Ones'`. */
  readonly className: string = 'Ones';

  /** @param args No options (accepts `{}` so configs round-trip). */
  constructor(args: Record<string, never> = {}) {
    super();
    parseOptions(z.strictObject({}), args, 'ones');
  }

  /** A tensor of ones; int32 allowed. */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    return ones(shape, checkApplyArgs(ownerOf(this), shape, dtype, true));
  }

  /** `{}`. */
  getConfig(): ConfigDict {
    return {};
  }
}

/**
 * Options of {@link Constant}.
 *
 * @example
 * ```ts
 * const args: ConstantArgs = { value: 0.1 };
 * ```
 */
export interface ConstantArgs {
  /** The fill value (default 0, as Keras). */
  value?: number;
}

const constantSchema = z.strictObject({ value: z.number().default(0) });

/**
 * Fills with a constant value.
 *
 * @example
 * ```ts
 * new Constant({ value: 0.1 }).apply([2]); // [0.1, 0.1]
 * ```
 */
export class Constant extends Initializer {
  /** `'Constant'`. */
  readonly className: string = 'Constant';
  /** The fill value. */
  readonly value: number;

  /** @param args `{value}`, a finite number (default 0). */
  constructor(args: ConstantArgs = {}) {
    super();
    this.value = parseOptions(constantSchema, args, 'constant').value;
  }

  /** A tensor filled with `value`; int32 only when `value` is an integer. */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    const d = checkApplyArgs(ownerOf(this), shape, dtype, true);
    if (d === 'int32' && !Number.isInteger(this.value)) {
      throw new DTypeError(`${ownerOf(this)}: cannot fill an int32 tensor with ${this.value}; use a float dtype or an integer value`);
    }
    return fill(shape, this.value, d);
  }

  /** `{value}`. */
  getConfig(): ConfigDict {
    return { value: this.value };
  }
}

/**
 * Options of {@link Identity}.
 *
 * @example
 * ```ts
 * const args: IdentityArgs = { gain: 2 };
 * ```
 */
export interface IdentityArgs {
  /** Multiplies the identity matrix (default 1). */
  gain?: number;
}

const identitySchema = z.strictObject({ gain: z.number().default(1) });

/**
 * The identity matrix times `gain`. Only for 2-D shapes; a non-square
 * shape gets ones on the main diagonal, as Keras does.
 *
 * @example
 * ```ts
 * new Identity({ gain: 2 }).apply([2, 3]); // [[2, 0, 0], [0, 2, 0]]
 * ```
 */
export class Identity extends Initializer {
  /** `'Identity'`. */
  readonly className: string = 'Identity';
  /** The factor on the diagonal. */
  readonly gain: number;

  /** @param args `{gain}` (default 1). */
  constructor(args: IdentityArgs = {}) {
    super();
    this.gain = parseOptions(identitySchema, args, 'identity').gain;
  }

  /** `gain · eye(rows, cols)`; int32 only when `gain` is an integer. */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    const owner = ownerOf(this);
    const d = checkApplyArgs(owner, shape, dtype, true);
    if (shape.length !== 2) {
      throw new ValueError(`${owner}: the identity initializer needs a 2-D shape, got [${shape.join(', ')}]; use orthogonal for other shapes`);
    }
    if (d === 'int32' && !Number.isInteger(this.gain)) {
      throw new DTypeError(`${owner}: cannot make an int32 identity with gain ${this.gain}; use a float dtype or an integer gain`);
    }
    if (this.gain === 1) return eye(shape[0], shape[1], undefined, d);
    return tidy(() => mul(eye(shape[0], shape[1], undefined, d), fill([], this.gain, d)));
  }

  /** `{gain}`. */
  getConfig(): ConfigDict {
    return { gain: this.gain };
  }
}
