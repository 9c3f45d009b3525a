/**
 * Activation functions, Keras 3 semantics, by name for layer options
 * (`activation: 'relu'`) and as direct functions (`activations.gelu(x)`).
 * Each is composed from engine ops, so gradients come with it.
 *
 * @module
 */
import { z } from 'zod';
import {
  ValueError,
  abs,
  add,
  clipByValue,
  div,
  elu,
  exp,
  gelu,
  leakyRelu,
  logSoftmax,
  mul,
  relu,
  relu6,
  selu,
  sigmoid,
  softmax,
  softplus,
  tanh,
  tidy,
  type Tensor,
} from '../engine/index.js';
import { didYouMean, toSnakeCase } from './config.js';

/**
 * A named activation function. Only activations that `getActivation` can
 * find by name (built-in or registered with `registerActivation`) can be
 * saved in a model config.
 *
 * @example
 * ```ts
 * const act: ActivationFunction = { name: 'relu', apply: (x) => relu(x) };
 * ```
 */
export interface ActivationFunction {
  /** The name a config stores, e.g. `'relu'`. */
  readonly name: string;
  /** Applies the function; the caller owns the result (for `linear`, that is `x` itself). */
  apply(x: Tensor): Tensor;
}

/** The built-in activation names (camelCase; snake_case spellings are accepted too). */
export type ActivationIdentifier =
  | 'relu'
  | 'relu6'
  | 'elu'
  | 'selu'
  | 'gelu'
  | 'sigmoid'
  | 'hardSigmoid'
  | 'tanh'
  | 'softmax'
  | 'softplus'
  | 'softsign'
  | 'swish'
  | 'linear'
  | 'leakyRelu'
  | 'logSoftmax'
  | 'exponential'
  | 'mish'
  | 'silu';

/**
 * The built-in activations as plain functions.
 *
 * @example
 * ```ts
 * activations.gelu(tensor([1]));          // [0.8413]
 * activations.hardSigmoid(tensor([-3, 0, 1])); // [0, 0.5, 0.7]
 * ```
 */
export const activations: Record<ActivationIdentifier, (x: Tensor) => Tensor> = {
  /** max(x, 0). */
  relu: (x) => relu(x),
  /** min(max(x, 0), 6). */
  relu6: (x) => relu6(x),
  /** x for x > 0, exp(x) - 1 otherwise (alpha 1). */
  elu: (x) => elu(x),
  /** Scaled ELU (Klambauer et al. 2017). */
  selu: (x) => selu(x),
  /** Exact GELU, x·Φ(x) with the Gauss error function (Keras' default `approximate=false`). */
  gelu: (x) => gelu(x),
  /** 1 / (1 + exp(-x)). */
  sigmoid: (x) => sigmoid(x),
  /**
   * clip(0.2·x + 0.5, 0, 1): the TensorFlow.js and tf.keras 2 definition.
   * (Keras 3 uses relu6(x + 3) / 6, i.e. slope 1/6; weights trained with one
   * do not transfer exactly to the other.)
   */
  hardSigmoid: (x) => tidy(() => clipByValue(add(mul(x, 0.2), 0.5), 0, 1)),
  /** Hyperbolic tangent. */
  tanh: (x) => tanh(x),
  /** Softmax over the last axis. */
  softmax: (x) => softmax(x, -1),
  /** log(1 + exp(x)). */
  softplus: (x) => softplus(x),
  /** x / (1 + |x|). */
  softsign: (x) => tidy(() => div(x, add(abs(x), 1))),
  /** x·sigmoid(x) (the same function as `silu`). */
  swish: (x) => tidy(() => mul(x, sigmoid(x))),
  /** The identity: returns `x` itself. */
  linear: (x) => x,
  /** x for x > 0, 0.2·x otherwise (Keras' default negative slope). */
  leakyRelu: (x) => leakyRelu(x, 0.2),
  /** log(softmax(x)) over the last axis, computed stably. */
  logSoftmax: (x) => logSoftmax(x, -1),
  /** exp(x). */
  exponential: (x) => exp(x),
  /** x·tanh(softplus(x)) (Misra 2019). */
  mish: (x) => tidy(() => mul(x, tanh(softplus(x)))),
  /** x·sigmoid(x) (the same function as `swish`). */
  silu: (x) => tidy(() => mul(x, sigmoid(x))),
};

const builtinIds = Object.keys(activations) as ActivationIdentifier[];
const builtinObjects = new Map<string, ActivationFunction>(builtinIds.map((id) => [id, Object.freeze({ name: id, apply: activations[id] })]));
/** Every accepted spelling of a built-in → its activation. */
const builtinNames = new Map<string, ActivationFunction>();
for (const [id, act] of builtinObjects) {
  builtinNames.set(id, act);
  builtinNames.set(toSnakeCase(id), act);
}
const custom = new Map<string, ActivationFunction>();

function lookupFunction(fn: (x: Tensor) => Tensor): ActivationFunction | undefined {
  for (const act of builtinObjects.values()) if (act.apply === fn) return act;
  for (const act of custom.values()) if (act.apply === fn) return act;
  return undefined;
}

function isActivation(v: unknown): v is ActivationFunction {
  return typeof v === 'object' && v !== null && typeof (v as ActivationFunction).name === 'string' && typeof (v as ActivationFunction).apply === 'function';
}

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : `an object with keys [${Object.keys(v).join(', ')}]`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/**
 * Registers a custom activation under `name`, so `getActivation(name)` finds
 * it and configs that name it can be saved and loaded. Registering a name
 * again replaces the function; built-in names cannot be taken.
 *
 * @example
 * ```ts
 * registerActivation('squareplus', (x) => tidy(() => x.add(x.square().add(4).sqrt()).div(2)));
 * layers.dense({ units: 8, activation: 'squareplus' });
 * ```
 */
export function registerActivation(name: string, fn: (x: Tensor) => Tensor): void {
  if (typeof name !== 'string' || name.length === 0) throw new ValueError(`registerActivation: expected a non-empty name, got ${describe(name)}`);
  if (builtinNames.has(name)) throw new ValueError(`registerActivation: '${name}' is a built-in activation; choose another name`);
  if (typeof fn !== 'function') throw new ValueError(`registerActivation: expected a function (x: Tensor) => Tensor for '${name}', got ${describe(fn)}`);
  custom.set(name, Object.freeze({ name, apply: fn }));
}

/**
 * Resolves a layer's `activation` option: a camelCase name, a snake_case
 * alias (`'hard_sigmoid'`, `'leaky_relu'`, `'log_softmax'`), a registered
 * custom name, an `ActivationFunction`, or a plain function (named after the
 * function, or `'custom'` when anonymous). `undefined`, `null` and
 * `'linear'` give the identity.
 *
 * @param id What the user passed.
 * @param owner Who asks (the layer name), for error messages.
 * @example
 * ```ts
 * getActivation('leaky_relu', 'dense_1').name; // 'leakyRelu'
 * getActivation(undefined, 'dense_1').name;    // 'linear'
 * getActivation('rleu', 'dense_1');
 * // ValueError: dense_1: unknown activation 'rleu' (did you mean 'relu'?); known: relu, relu6, ...
 * ```
 */
export function getActivation(id: ActivationIdentifier | string | ActivationFunction | ((x: Tensor) => Tensor) | null | undefined, owner: string): ActivationFunction {
  if (id === undefined || id === null) return builtinObjects.get('linear') as ActivationFunction;
  if (typeof id === 'string') {
    const found = builtinNames.get(id) ?? custom.get(id);
    if (found) return found;
    const customNames = [...custom.keys()];
    throw new ValueError(
      `${owner}: unknown activation '${id}'${didYouMean(id, [...builtinNames.keys(), ...customNames])}; known: ${[...builtinIds, ...customNames].join(', ')}`,
    );
  }
  if (typeof id === 'function') return lookupFunction(id) ?? Object.freeze({ name: id.name || 'custom', apply: id });
  if (isActivation(id)) return id;
  throw new ValueError(`${owner}: expected an activation name, an activation object or a function (x: Tensor) => Tensor, got ${describe(id)}`);
}

/**
 * The name a config stores for `a`. Only built-in and registered
 * activations have one; anything else throws a `ValueError` naming `owner`.
 *
 * @example
 * ```ts
 * serializeActivation(getActivation('hard_sigmoid', 'dense_1'), 'dense_1'); // 'hardSigmoid'
 * serializeActivation(getActivation((x) => x.mul(2), 'dense_1'), 'dense_1'); // throws: register it first
 * ```
 */
export function serializeActivation(a: ActivationFunction, owner: string): string {
  const known = builtinObjects.get(a.name) ?? custom.get(a.name);
  if (known !== undefined && (known === a || known.apply === a.apply)) return known.name;
  throw new ValueError(
    `${owner}: cannot serialize the custom activation '${a.name}'; register it with registerActivation('${a.name === 'custom' ? 'myActivation' : a.name}', fn) and pass that name or function`,
  );
}

/**
 * zod schema for a layer's `activation` option: a string, an `ActivationFunction`,
 * a function or null (the name is checked by `getActivation`, with the
 * layer as owner).
 *
 * @example
 * ```ts
 * const options = z.strictObject({ units: z.number(), activation: activationOption.optional() });
 * ```
 */
export const activationOption: z.ZodType<string | ActivationFunction | ((x: Tensor) => Tensor) | null> = z.custom<string | ActivationFunction | ((x: Tensor) => Tensor) | null>(
  (v) => v === null || typeof v === 'string' || typeof v === 'function' || isActivation(v),
  "expected an activation name (e.g. 'relu'), an activation object, a function (x: Tensor) => Tensor or null",
).superRefine((v, ctx) => {
  // Resolve the name now, so a bad one fails with the options (before the layer takes its name).
  try {
    getActivation(v, 'option');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^option: /, ''), params: { complete: true } });
  }
});

/**
 * Former name of {@link ActivationFunction}, kept for the layer files that
 * import it; not exported from the package (the `Activation` layer class
 * owns that name).
 *
 * @internal
 */
export type Activation = ActivationFunction;
