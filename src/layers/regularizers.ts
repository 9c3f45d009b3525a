/**
 * Weight regularizers: penalties added to the loss, Keras definition
 * `l1·sum(|x|) + l2·sum(x²)` (no factor 1/2 on the L2 term).
 *
 * @module
 */
import { z } from 'zod';
import { DTypeError, ValueError, abs, add, mul, square, sum, tidy, zeros, type Tensor } from '../engine/index.js';
import { Registry, didYouMean, parseOptions, serializedSchema, type ConfigDict, type Serialized } from './config.js';

/**
 * A penalty on a weight, added to the training loss. Subclass it (and
 * register the subclass in `regularizerRegistry`) for a custom penalty that
 * models can save and load.
 *
 * @example
 * ```ts
 * const penalty = regularizers.l2({ l2: 1e-4 }).apply(kernel); // scalar
 * ```
 */
export abstract class Regularizer {
  /** Registered class name: `'L1'`, `'L2'`, `'L1L2'`, or a custom one. */
  abstract readonly className: string;
  /** The scalar penalty for `x`, in x's dtype; the caller owns it. */
  abstract apply(x: Tensor): Tensor;
  /** JSON config that rebuilds it. */
  abstract getConfig(): ConfigDict;
}

const factor = z.number().min(0);

function checkFloat(owner: string, x: Tensor): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(`${owner}: expected a float32 or float64 weight, got ${x.dtype}`);
  }
}

/** l1·sum(|x|) + l2·sum(x²), skipping a term whose factor is 0 (as Keras does). */
function penalty(x: Tensor, l1: number, l2: number): Tensor {
  return tidy(() => {
    const l1Term = l1 === 0 ? undefined : mul(sum(abs(x)), l1);
    const l2Term = l2 === 0 ? undefined : mul(sum(square(x)), l2);
    if (l1Term && l2Term) return add(l1Term, l2Term);
    return l1Term ?? l2Term ?? zeros([], x.dtype);
  });
}

/**
 * Options of {@link L1}.
 *
 * @example
 * ```ts
 * const args: L1Args = { l1: 1e-5 };
 * ```
 */
export interface L1Args {
  /** The factor, finite and >= 0 (default 0.01). */
  l1?: number;
}

/**
 * The penalty `l1 · sum(|x|)`.
 *
 * @example
 * ```ts
 * new L1({ l1: 0.1 }).apply(tensor([1, -2])); // 0.3
 * ```
 */
export class L1 extends Regularizer {
  /** `'L1'`. */
  readonly className: string = 'L1';
  /** The factor. */
  readonly l1: number;
  /** @param args `{l1}` (default 0.01). */
  constructor(args: L1Args = {}) {
    super();
    this.l1 = parseOptions(z.strictObject({ l1: factor.default(0.01) }), args, 'l1').l1;
  }
  /** `l1 · sum(|x|)`. */
  apply(x: Tensor): Tensor {
    checkFloat('l1', x);
    return penalty(x, this.l1, 0);
  }
  /** `{l1}`. */
  getConfig(): ConfigDict {
    return { l1: this.l1 };
  }
}

/**
 * Options of {@link L2}.
 *
 * @example
 * ```ts
 * const args: L2Args = { l2: 1e-4 };
 * ```
 */
export interface L2Args {
  /** The factor, finite and >= 0 (default 0.01). */
  l2?: number;
}

/**
 * The penalty `l2 · sum(x²)` (weight decay through the loss; no factor 1/2).
 *
 * @example
 * ```ts
 * new L2({ l2: 0.1 }).apply(tensor([1, -2])); // 0.5
 * ```
 */
export class L2 extends Regularizer {
  /** `'L2'`. */
  readonly className: string = 'L2';
  /** The factor. */
  readonly l2: number;
  /** @param args `{l2}` (default 0.01). */
  constructor(args: L2Args = {}) {
    super();
    this.l2 = parseOptions(z.strictObject({ l2: factor.default(0.01) }), args, 'l2').l2;
  }
  /** `l2 · sum(x²)`. */
  apply(x: Tensor): Tensor {
    checkFloat('l2', x);
    return penalty(x, 0, this.l2);
  }
  /** `{l2}`. */
  getConfig(): ConfigDict {
    return { l2: this.l2 };
  }
}

/**
 * Options of {@link L1L2}.
 *
 * @example
 * ```ts
 * const args: L1L2Args = { l1: 1e-5, l2: 1e-4 };
 * ```
 */
export interface L1L2Args {
  /** The L1 factor, finite and >= 0 (default 0.01). */
  l1?: number;
  /** The L2 factor, finite and >= 0 (default 0.01). */
  l2?: number;
}

/**
 * The penalty `l1 · sum(|x|) + l2 · sum(x²)`. Defaults follow TensorFlow.js
 * (0.01 each; Keras 3's class defaults to 0).
 *
 * @example
 * ```ts
 * new L1L2({ l1: 0.1, l2: 0.1 }).apply(tensor([1, -2])); // 0.3 + 0.5 = 0.8
 * ```
 */
export class L1L2 extends Regularizer {
  /** `'L1L2'`. */
  readonly className: string = 'L1L2';
  /** The L1 factor. */
  readonly l1: number;
  /** The L2 factor. */
  readonly l2: number;
  /** @param args `{l1, l2}` (default 0.01 each). */
  constructor(args: L1L2Args = {}) {
    super();
    const o = parseOptions(z.strictObject({ l1: factor.default(0.01), l2: factor.default(0.01) }), args, 'l1l2');
    this.l1 = o.l1;
    this.l2 = o.l2;
  }
  /** `l1 · sum(|x|) + l2 · sum(x²)`. */
  apply(x: Tensor): Tensor {
    checkFloat('l1l2', x);
    return penalty(x, this.l1, this.l2);
  }
  /** `{l1, l2}`. */
  getConfig(): ConfigDict {
    return { l1: this.l1, l2: this.l2 };
  }
}

/**
 * Factories for the built-in regularizers, TensorFlow.js style (factors
 * default to 0.01).
 *
 * @example
 * ```ts
 * layers.dense({ units: 64, kernelRegularizer: regularizers.l2({ l2: 1e-4 }) });
 * ```
 */
export const regularizers = {
  /** `l1 · sum(|x|)`. */
  l1: (args?: L1Args): L1 => new L1(args),
  /** `l2 · sum(x²)`. */
  l2: (args?: L2Args): L2 => new L2(args),
  /** `l1 · sum(|x|) + l2 · sum(x²)`. */
  l1l2: (args?: L1L2Args): L1L2 => new L1L2(args),
};

/**
 * Every regularizer class by its registered name; register custom
 * regularizers here so model loading can rebuild them.
 *
 * @example
 * ```ts
 * regularizerRegistry.create({ className: 'L2', config: { l2: 0.001 } });
 * ```
 */
export const regularizerRegistry = new Registry<Regularizer>('regularizer');
// Each constructor validates its config, so these casts only move the check there.
regularizerRegistry.register('L1', (c) => new L1(c as L1Args));
regularizerRegistry.register('L2', (c) => new L2(c as L2Args));
regularizerRegistry.register('L1L2', (c) => new L1L2(c as L1L2Args));

const names: Record<string, string> = { l1: 'L1', l2: 'L2', l1l2: 'L1L2', l1_l2: 'L1L2', L1: 'L1', L2: 'L2', L1L2: 'L1L2' };

function isSerialized(v: unknown): v is Serialized {
  return serializedSchema.safeParse(v).success;
}

/**
 * Resolves a layer's regularizer option: `'l1'`, `'l2'`, `'l1l2'` (or
 * `'l1_l2'`), a class name (`'L2'` or a registered custom class), a
 * `Regularizer` (returned as is) or a `{className, config}`. `null` and
 * `undefined` mean none.
 *
 * @param id What the user passed.
 * @param owner Who asks (the layer name), for error messages.
 * @example
 * ```ts
 * getRegularizer('l2', 'dense_1');                                  // L2 with l2 = 0.01
 * getRegularizer({ className: 'L1', config: { l1: 0.1 } }, 'dense_1');
 * getRegularizer(undefined, 'dense_1');                             // undefined
 * ```
 */
export function getRegularizer(id: 'l1' | 'l2' | 'l1l2' | string | Regularizer | Serialized | null | undefined, owner: string): Regularizer | undefined {
  if (id === undefined || id === null) return undefined;
  if (id instanceof Regularizer) return id;
  if (typeof id === 'string') {
    const className = names[id] ?? (regularizerRegistry.has(id) ? id : undefined);
    if (className !== undefined) return regularizerRegistry.create({ className, config: {} }, owner);
    const customNames = regularizerRegistry.names().filter((n) => !(n in names));
    throw new ValueError(
      `${owner}: unknown regularizer '${id}'${didYouMean(id, [...Object.keys(names), ...customNames])}; known: ${['l1', 'l2', 'l1l2', ...customNames].join(', ')}`,
    );
  }
  if (isSerialized(id)) return regularizerRegistry.create(id, owner);
  throw new ValueError(`${owner}: expected a regularizer name, a Regularizer, {className, config} or null, got ${typeof id === 'object' ? 'an object' : String(id)}`);
}

/**
 * The `{className, config}` that `getRegularizer` turns back into an equal
 * regularizer.
 *
 * @example
 * ```ts
 * serializeRegularizer(regularizers.l2({ l2: 0.001 })); // { className: 'L2', config: { l2: 0.001 } }
 * ```
 */
export function serializeRegularizer(r: Regularizer): Serialized {
  return { className: r.className, config: r.getConfig() };
}

/**
 * zod schema for layer options such as `kernelRegularizer`: a string, a
 * `Regularizer`, a `{className, config}` or null (the name is checked by
 * `getRegularizer`, with the layer as owner).
 *
 * @example
 * ```ts
 * const options = z.strictObject({ kernelRegularizer: regularizerOption.optional() });
 * ```
 */
export const regularizerOption: z.ZodType<string | Regularizer | Serialized | null> = z.custom<string | Regularizer | Serialized | null>(
  (v) => v === null || typeof v === 'string' || v instanceof Regularizer || isSerialized(v),
  "expected a regularizer name (e.g. 'l2'), a Regularizer, {className, config} or null",
).superRefine((v, ctx) => {
  // Resolve the name now, so a bad one fails with the options (before the layer takes its name).
  try {
    getRegularizer(v, 'option');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^option: /, ''), params: { complete: true } });
  }
});
