/**
 * Options and configs: the zod schemas that validate what users pass to a
 * layer (and what a saved model file says), with errors that name the layer
 * and the offending key; and the registry that turns a `{className, config}`
 * back into a layer without evaluating anything from the file.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError } from '../engine/index.js';

/** A JSON-compatible config value (what `getConfig()` returns). */
export type ConfigValue = string | number | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };

/** A config object: the options that rebuild a layer, initializer or other serializable. */
export type ConfigDict = { [key: string]: ConfigValue };

// A type alias (not an interface) so that it is a ConfigValue too and nests in configs without casts.
/**
 * A serialized object in the Keras format: its registered class name and its config.
 *
 * @example
 * ```ts
 * const s: Serialized = { className: 'Dense', config: { units: 4 } };
 * ```
 */
export type Serialized = {
  /** The registered class name, e.g. `'Dense'` or `'GlorotUniform'`. */
  className: string;
  /** The options that rebuild it. */
  config: ConfigDict;
};

/** zod schema of a {@link Serialized} object. @internal */
export const serializedSchema = z.strictObject({ className: z.string().min(1), config: z.record(z.string(), z.unknown()) });

function describeValue(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) {
    return `an instance of ${(v as object).constructor?.name ?? 'an unknown class'}`;
  }
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return bestScore <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/**
 * Suggests the closest known name, for "did you mean" hints in errors.
 *
 * @example
 * ```ts
 * didYouMean('glorotUnifrom', ['glorotUniform', 'heNormal']); // " (did you mean 'glorotUniform'?)"
 * ```
 */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const c = closest(name, candidates);
  return c === undefined ? '' : ` (did you mean '${c}'?)`;
}

/**
 * Validates `args` against a zod schema; on failure throws a `ValueError`
 * whose message starts with `owner` (a layer name like `dense_1`, or an op
 * such as `compile`) and names the offending key, what was expected and
 * what was given. Unknown keys of strict objects are reported with a
 * "did you mean" hint.
 *
 * @param schema The schema (use `z.strictObject` so unknown keys fail).
 * @param args What the user passed.
 * @param owner Who is asking, for the message.
 * @example
 * ```ts
 * const schema = z.strictObject({ units: z.number().int().positive() });
 * parseOptions(schema, { unit: 3 }, 'dense_1');
 * // ValueError: dense_1: unknown option 'unit' (did you mean 'units'?); known options: units
 * ```
 */
export function parseOptions<S extends z.ZodType>(schema: S, args: unknown, owner: string): z.output<S> {
  const r = schema.safeParse(args ?? {});
  if (r.success) return r.data;
  // An unknown key is the likelier mistake (a typo of a required option shows up as both).
  const issue = r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0];
  const path = issue.path.map(String);
  const where = path.length === 0 ? 'options' : `option '${path.join('.')}'`;
  if (issue.code === 'unrecognized_keys') {
    const container = valueAt(args, issue.path);
    const known = knownKeys(schema, issue.path);
    const key = issue.keys[0];
    const prefix = path.length === 0 ? '' : `${path.join('.')}.`;
    void container;
    throw new ValueError(
      `${owner}: unknown option '${prefix}${key}'${known ? didYouMean(key, known) : ''}${known ? `; known options: ${known.join(', ')}` : ''}`,
    );
  }
  const given = valueAt(args, issue.path);
  // A refinement that already names the value (unknown names with their suggestions) is reported as is.
  if (issue.code === 'custom' && (issue.params as { complete?: boolean } | undefined)?.complete) throw new ValueError(`${owner}: ${where}: ${issue.message}`);
  if (given === undefined && issue.code === 'invalid_type' && path.length > 0) {
    throw new ValueError(`${owner}: option '${path.join('.')}' is required (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`);
  }
  throw new ValueError(`${owner}: ${where}: ${issue.message.replace(/^Invalid input: /, '')}, got ${describeValue(given)}`);
}

function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let s: unknown = schema;
  for (const k of path) {
    const shape = shapeOf(s);
    if (!shape) return undefined;
    s = shape[String(k)];
  }
  const shape = shapeOf(s);
  return shape ? Object.keys(shape) : undefined;
}

function shapeOf(s: unknown): Record<string, unknown> | undefined {
  let cur = s as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined;
  for (let i = 0; i < 4 && cur; i++) {
    if (cur.shape && typeof cur.shape === 'object') return cur.shape;
    cur = typeof cur.unwrap === 'function' ? (cur.unwrap() as typeof cur) : undefined;
  }
  return undefined;
}

/**
 * A registry from class names to constructors-from-config. Saved files name
 * classes only through a registry, never by code from the file.
 *
 * @example
 * ```ts
 * const shapes = new Registry<{ area(): number }>('shape');
 * shapes.register('Square', (c) => ({ area: () => (c.side as number) ** 2 }));
 * shapes.create({ className: 'Square', config: { side: 3 } }).area(); // 9
 * ```
 */
export class Registry<T> {
  private readonly entries = new Map<string, (config: ConfigDict) => T>();

  /** @param kind What the registry holds (`'layer'`, `'initializer'`), for messages. */
  constructor(readonly kind: string) {}

  /** Registers `className`; registering the same name twice replaces the first. */
  register(className: string, fromConfig: (config: ConfigDict) => T): void {
    if (typeof className !== 'string' || className.length === 0) throw new ValueError(`register ${this.kind}: expected a non-empty class name, got ${describeValue(className)}`);
    this.entries.set(className, fromConfig);
  }

  /** Whether `className` is registered. */
  has(className: string): boolean {
    return this.entries.has(className);
  }

  /** The registered class names. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** Builds an object from its serialized form; unknown class names throw a `ValueError`. */
  create(serialized: unknown, owner = `deserialize ${this.kind}`): T {
    const s = parseOptions(serializedSchema, serialized, owner);
    const make = this.entries.get(s.className);
    if (!make) {
      throw new ValueError(
        `${owner}: unknown ${this.kind} class '${s.className}'${didYouMean(s.className, this.names())}; register custom classes first (known: ${this.names().join(', ')})`,
      );
    }
    return make(s.config as ConfigDict);
  }
}

/**
 * Converts a camelCase or PascalCase class name to snake_case, the prefix of
 * default layer names (`BatchNormalization` → `batch_normalization`,
 * `Conv2D` → `conv2d`).
 *
 * @example
 * ```ts
 * toSnakeCase('GlobalAveragePooling2D'); // 'global_average_pooling2d'
 * ```
 */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}
