/**
 * Weight initializers, Keras 3 semantics: the classes, TensorFlow.js-style
 * factories (`initializers.glorotUniform({seed})`), name resolution for
 * layer options (`kernelInitializer: 'heNormal'`), and the registry that
 * rebuilds an initializer from its `{className, config}`.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError } from '../engine/index.js';
import { Registry, didYouMean, serializedSchema, toSnakeCase, type ConfigDict, type Serialized } from './config.js';
import { Initializer } from './initializers/base.js';
import { Constant, Identity, Ones, Zeros, type ConstantArgs, type IdentityArgs } from './initializers/constant.js';
import { Orthogonal, type OrthogonalArgs } from './initializers/orthogonal.js';
import { RandomNormal, RandomUniform, TruncatedNormal, type RandomNormalArgs, type RandomUniformArgs } from './initializers/random.js';
import {
  GlorotNormal,
  GlorotUniform,
  HeNormal,
  HeUniform,
  LecunNormal,
  LecunUniform,
  VarianceScaling,
  type SeedArgs,
  type VarianceScalingArgs,
} from './initializers/variance-scaling.js';

export { Initializer, computeFans, type Fans, type InitializerDType } from './initializers/base.js';
export { Constant, Identity, Ones, Zeros, type ConstantArgs, type IdentityArgs } from './initializers/constant.js';
export { Orthogonal, type OrthogonalArgs } from './initializers/orthogonal.js';
export { RandomNormal, RandomUniform, TruncatedNormal, type RandomNormalArgs, type RandomUniformArgs } from './initializers/random.js';
export {
  GlorotNormal,
  GlorotUniform,
  HeNormal,
  HeUniform,
  LecunNormal,
  LecunUniform,
  VarianceScaling,
  type FanMode,
  type SeedArgs,
  type VarianceDistribution,
  type VarianceScalingArgs,
} from './initializers/variance-scaling.js';

/** The built-in initializer names, camelCase as in TensorFlow.js. */
export type InitializerIdentifier =
  | 'zeros'
  | 'ones'
  | 'constant'
  | 'randomUniform'
  | 'randomNormal'
  | 'truncatedNormal'
  | 'varianceScaling'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heNormal'
  | 'heUniform'
  | 'lecunNormal'
  | 'lecunUniform'
  | 'orthogonal'
  | 'identity';

/**
 * Factories for the built-in initializers, TensorFlow.js style. Option
 * names and defaults follow Keras 3.
 *
 * @example
 * ```ts
 * const kernel = initializers.heNormal({ seed: 42 }).apply([784, 256]);
 * layers.dense({ units: 10, kernelInitializer: initializers.randomNormal({ stddev: 0.01 }) });
 * ```
 */
export const initializers = {
  /** All zeros. */
  zeros: (): Zeros => new Zeros(),
  /** All ones. */
  ones: (): Ones => new Ones(),
  /** A constant `value`. */
  constant: (args: ConstantArgs): Constant => new Constant(args),
  /** Uniform in `[minval, maxval)` (default ±0.05). */
  randomUniform: (args?: RandomUniformArgs): RandomUniform => new RandomUniform(args),
  /** Normal (default mean 0, stddev 0.05). */
  randomNormal: (args?: RandomNormalArgs): RandomNormal => new RandomNormal(args),
  /** Normal truncated at two standard deviations (default mean 0, stddev 0.05). */
  truncatedNormal: (args?: RandomNormalArgs): TruncatedNormal => new TruncatedNormal(args),
  /** Variance `scale / fan` (default scale 1, fanIn, truncated normal). */
  varianceScaling: (args?: VarianceScalingArgs): VarianceScaling => new VarianceScaling(args),
  /** Glorot (Xavier) uniform: scale 1, fanAvg, uniform. */
  glorotUniform: (args?: SeedArgs): GlorotUniform => new GlorotUniform(args),
  /** Glorot (Xavier) normal: scale 1, fanAvg, truncated normal. */
  glorotNormal: (args?: SeedArgs): GlorotNormal => new GlorotNormal(args),
  /** He normal: scale 2, fanIn, truncated normal. */
  heNormal: (args?: SeedArgs): HeNormal => new HeNormal(args),
  /** He uniform: scale 2, fanIn, uniform. */
  heUniform: (args?: SeedArgs): HeUniform => new HeUniform(args),
  /** LeCun normal: scale 1, fanIn, truncated normal. */
  lecunNormal: (args?: SeedArgs): LecunNormal => new LecunNormal(args),
  /** LeCun uniform: scale 1, fanIn, uniform. */
  lecunUniform: (args?: SeedArgs): LecunUniform => new LecunUniform(args),
  /** A random orthogonal matrix times `gain`. */
  orthogonal: (args?: OrthogonalArgs): Orthogonal => new Orthogonal(args),
  /** The identity matrix times `gain` (2-D only). */
  identity: (args?: IdentityArgs): Identity => new Identity(args),
};

/**
 * Every initializer class by its registered name; register a custom
 * initializer here so `getInitializer` and model loading can rebuild it.
 *
 * @example
 * ```ts
 * initializerRegistry.register('Halves', () => new Halves());
 * getInitializer({ className: 'Halves', config: {} }, 'dense_1');
 * ```
 */
export const initializerRegistry = new Registry<Initializer>('initializer');

// Config values are validated by each constructor's schema, so these casts only move the check there.
const builtins: Record<InitializerIdentifier, { className: string; fromConfig: (c: ConfigDict) => Initializer }> = {
  zeros: { className: 'Zeros', fromConfig: (c) => new Zeros(c as Record<string, never>) },
  ones: { className: 'Ones', fromConfig: (c) => new Ones(c as Record<string, never>) },
  constant: { className: 'Constant', fromConfig: (c) => new Constant(c as ConstantArgs) },
  randomUniform: { className: 'RandomUniform', fromConfig: (c) => new RandomUniform(c as RandomUniformArgs) },
  randomNormal: { className: 'RandomNormal', fromConfig: (c) => new RandomNormal(c as RandomNormalArgs) },
  truncatedNormal: { className: 'TruncatedNormal', fromConfig: (c) => new TruncatedNormal(c as RandomNormalArgs) },
  varianceScaling: { className: 'VarianceScaling', fromConfig: (c) => new VarianceScaling(c as VarianceScalingArgs) },
  glorotUniform: { className: 'GlorotUniform', fromConfig: (c) => new GlorotUniform(c as SeedArgs) },
  glorotNormal: { className: 'GlorotNormal', fromConfig: (c) => new GlorotNormal(c as SeedArgs) },
  heNormal: { className: 'HeNormal', fromConfig: (c) => new HeNormal(c as SeedArgs) },
  heUniform: { className: 'HeUniform', fromConfig: (c) => new HeUniform(c as SeedArgs) },
  lecunNormal: { className: 'LecunNormal', fromConfig: (c) => new LecunNormal(c as SeedArgs) },
  lecunUniform: { className: 'LecunUniform', fromConfig: (c) => new LecunUniform(c as SeedArgs) },
  orthogonal: { className: 'Orthogonal', fromConfig: (c) => new Orthogonal(c as OrthogonalArgs) },
  identity: { className: 'Identity', fromConfig: (c) => new Identity(c as IdentityArgs) },
};

/** Every accepted spelling → canonical identifier. */
const names = new Map<string, InitializerIdentifier>();
for (const [id, { className, fromConfig }] of Object.entries(builtins) as [InitializerIdentifier, (typeof builtins)[InitializerIdentifier]][]) {
  initializerRegistry.register(className, fromConfig);
  names.set(id, id);
  names.set(toSnakeCase(id), id);
  names.set(className, id);
}
// Keras 3 saves these two under their Python class names.
initializerRegistry.register('OrthogonalInitializer', builtins.orthogonal.fromConfig);
initializerRegistry.register('IdentityInitializer', builtins.identity.fromConfig);
for (const [alias, id] of [
  ['xavierUniform', 'glorotUniform'],
  ['xavier_uniform', 'glorotUniform'],
  ['xavierNormal', 'glorotNormal'],
  ['xavier_normal', 'glorotNormal'],
  ['OrthogonalInitializer', 'orthogonal'],
  ['IdentityInitializer', 'identity'],
] as const) {
  names.set(alias, id);
}

function isSerialized(v: unknown): v is Serialized {
  return serializedSchema.safeParse(v).success;
}

function describe(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (v === null) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? 'an array' : `an object with keys [${Object.keys(v).join(', ')}]`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/**
 * Resolves what a layer option names to an initializer: a camelCase
 * identifier (`'glorotUniform'`), Keras' snake_case (`'glorot_uniform'`),
 * the aliases `'xavierUniform'`/`'xavier_uniform'`/`'xavierNormal'`, a class
 * name (`'GlorotUniform'` or a registered custom class), an `Initializer`
 * (returned as is) or a serialized `{className, config}`.
 *
 * @param id What the user passed.
 * @param owner Who asks (the layer name), for error messages.
 * @example
 * ```ts
 * getInitializer('he_normal', 'dense_1');                                   // HeNormal
 * getInitializer({ className: 'Constant', config: { value: 2 } }, 'bias');  // Constant(2)
 * getInitializer('glorotUnifrom', 'dense_1');
 * // ValueError: dense_1: unknown initializer 'glorotUnifrom' (did you mean 'glorotUniform'?); known: zeros, ones, ...
 * ```
 */
export function getInitializer(id: InitializerIdentifier | string | Initializer | Serialized, owner: string): Initializer {
  if (id instanceof Initializer) return id;
  if (typeof id === 'string') {
    const canonical = names.get(id);
    if (canonical !== undefined) return builtins[canonical].fromConfig({});
    if (initializerRegistry.has(id)) return initializerRegistry.create({ className: id, config: {} }, owner);
    const custom = initializerRegistry.names().filter((n) => !names.has(n));
    const known = [...Object.keys(builtins), ...custom];
    throw new ValueError(`${owner}: unknown initializer '${id}'${didYouMean(id, [...names.keys(), ...custom])}; known: ${known.join(', ')}`);
  }
  if (isSerialized(id)) return initializerRegistry.create(id, owner);
  throw new ValueError(`${owner}: expected an initializer name, an Initializer or {className, config}, got ${describe(id)}`);
}

/**
 * The `{className, config}` that `getInitializer` (and model loading)
 * turns back into an equal initializer.
 *
 * @example
 * ```ts
 * serializeInitializer(initializers.heNormal({ seed: 1 })); // { className: 'HeNormal', config: { seed: 1 } }
 * ```
 */
export function serializeInitializer(init: Initializer): Serialized {
  return { className: init.className, config: init.getConfig() };
}

/**
 * zod schema for layer options such as `kernelInitializer`: accepts a
 * string, an `Initializer` or a `{className, config}`. It checks the shape
 * only; `getInitializer` checks the name, with the layer as owner.
 *
 * @example
 * ```ts
 * const denseOptions = z.strictObject({ units: z.number(), kernelInitializer: initializerOption.optional() });
 * ```
 */
export const initializerOption: z.ZodType<string | Initializer | Serialized> = z.custom<string | Initializer | Serialized>(
  (v) => typeof v === 'string' || v instanceof Initializer || isSerialized(v),
  'expected an initializer name (e.g. \'glorotUniform\'), an Initializer or {className, config}',
).superRefine((v, ctx) => {
  // Resolve the name now, so a bad one fails with the options (before the layer takes its name).
  try {
    getInitializer(v, 'option');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message.replace(/^option: /, ''), params: { complete: true } });
  }
});
