/**
 * Optimizers and learning-rate schedules: the classes, the `optimizers`
 * factories, and `getOptimizer` (names, instances and saved configs).
 *
 * @module
 */
import { ValueError } from '../../engine/index.js';
import { didYouMean, Registry, type ConfigDict, type Serialized } from '../../layers/config.js';
import { Adadelta, type AdadeltaArgs } from './adadelta.js';
import { Adagrad, type AdagradArgs } from './adagrad.js';
import { Adam, Adamax, AdamW, Nadam, type AdamArgs, type AdamaxArgs } from './adam.js';
import { Ftrl, type FtrlArgs } from './ftrl.js';
import { Optimizer } from './optimizer.js';
import { configToArgs } from './options.js';
import { RMSprop, type RMSpropArgs } from './rmsprop.js';
import { SGD, type SGDArgs } from './sgd.js';

export { Optimizer, type SlotSpec, type UpdateInput, type UpdateResult } from './optimizer.js';
export { baseOptionsShape, parseOptimizerOptions, configToArgs, type BaseOptions, type OptimizerArgs } from './options.js';
export type { ClipOptions } from './clipping.js';
export { SGD, type SGDArgs } from './sgd.js';
export { Adam, AdamW, Adamax, Nadam, type AdamArgs, type AdamaxArgs } from './adam.js';
export { RMSprop, type RMSpropArgs } from './rmsprop.js';
export { Adagrad, type AdagradArgs } from './adagrad.js';
export { Adadelta, type AdadeltaArgs } from './adadelta.js';
export { Ftrl, type FtrlArgs } from './ftrl.js';
export {
  LearningRateSchedule,
  ExponentialDecay,
  PiecewiseConstantDecay,
  CosineDecay,
  schedules,
  scheduleRegistry,
  serializeSchedule,
  type ExponentialDecayArgs,
  type PiecewiseConstantDecayArgs,
  type CosineDecayArgs,
} from './schedules.js';

/**
 * The optimizer classes saved configs may name (Keras class names); register
 * custom optimizers here to load models compiled with them.
 *
 * @example
 * ```ts
 * const opt = optimizerRegistry.create({ className: 'Adam', config: { learningRate: 0.01 } });
 * ```
 */
export const optimizerRegistry = new Registry<Optimizer>('optimizer');

const builtins: ReadonlyArray<[string, string, (config: ConfigDict) => Optimizer]> = [
  ['sgd', 'SGD', (c) => new SGD(c as SGDArgs)],
  ['adam', 'Adam', (c) => new Adam(c as AdamArgs)],
  ['adamw', 'AdamW', (c) => new AdamW(c as AdamArgs)],
  ['adamax', 'Adamax', (c) => new Adamax(c as AdamaxArgs)],
  ['nadam', 'Nadam', (c) => new Nadam(c as AdamaxArgs)],
  ['rmsprop', 'RMSprop', (c) => new RMSprop(c as RMSpropArgs)],
  ['adagrad', 'Adagrad', (c) => new Adagrad(c as AdagradArgs)],
  ['adadelta', 'Adadelta', (c) => new Adadelta(c as AdadeltaArgs)],
  ['ftrl', 'Ftrl', (c) => new Ftrl(c as FtrlArgs)],
];
const byName = new Map(builtins.map(([name, , make]) => [name, () => make({})]));
for (const [name, className, make] of builtins) {
  optimizerRegistry.register(className, (config) => make(configToArgs(config, name) as ConfigDict));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an instance of ${(v as object).constructor?.name ?? 'an unknown class'}`;
  return typeof v === 'string' ? JSON.stringify(v) : typeof v;
}

/**
 * Resolves an optimizer: a name (`'sgd'`, `'adam'`, `'adamw'`, `'adamax'`,
 * `'nadam'`, `'rmsprop'`, `'adagrad'`, `'adadelta'`, `'ftrl'`; any case, with
 * default options), an `Optimizer` (returned as is) or a saved
 * `{className, config}`.
 *
 * @param id What to resolve.
 * @param owner Who is asking, for error messages (`compile` by default).
 * @example
 * ```ts
 * getOptimizer('adam').learningRate; // 0.001
 * getOptimizer({ className: 'SGD', config: { learningRate: 0.1, momentum: 0.9 } });
 * getOptimizer('adma'); // ValueError: compile: unknown optimizer 'adma' (did you mean 'adam'?); known: sgd, adam, ...
 * ```
 */
export function getOptimizer(id: string | Optimizer | Serialized, owner = 'compile'): Optimizer {
  if (id instanceof Optimizer) return id;
  if (typeof id === 'string') {
    const make = byName.get(id.toLowerCase());
    if (make) return make();
    const known = [...byName.keys()];
    throw new ValueError(`${owner}: unknown optimizer '${id}'${didYouMean(id, known)}; known: ${known.join(', ')}`);
  }
  if (id !== null && typeof id === 'object' && !Array.isArray(id) && 'className' in id) return optimizerRegistry.create(id, owner);
  throw new ValueError(`${owner}: expected an optimizer name, an Optimizer or {className, config}, got ${describe(id)}`);
}

/**
 * The optimizer factories (TensorFlow.js style front door) and `get`
 * ({@link getOptimizer}).
 *
 * @example
 * ```ts
 * const opt = optimizers.adam({ learningRate: 0.01, clipNorm: 1 });
 * const same = optimizers.get('adam');
 * ```
 */
export const optimizers = {
  /** {@link SGD}. */
  sgd: (args?: SGDArgs): SGD => new SGD(args),
  /** {@link Adam}. */
  adam: (args?: AdamArgs): Adam => new Adam(args),
  /** {@link AdamW}. */
  adamw: (args?: AdamArgs): AdamW => new AdamW(args),
  /** {@link Adamax}. */
  adamax: (args?: AdamaxArgs): Adamax => new Adamax(args),
  /** {@link Nadam}. */
  nadam: (args?: AdamaxArgs): Nadam => new Nadam(args),
  /** {@link RMSprop}. */
  rmsprop: (args?: RMSpropArgs): RMSprop => new RMSprop(args),
  /** {@link Adagrad}. */
  adagrad: (args?: AdagradArgs): Adagrad => new Adagrad(args),
  /** {@link Adadelta}. */
  adadelta: (args?: AdadeltaArgs): Adadelta => new Adadelta(args),
  /** {@link Ftrl}. */
  ftrl: (args?: FtrlArgs): Ftrl => new Ftrl(args),
  /** {@link getOptimizer}. */
  get: getOptimizer,
};
