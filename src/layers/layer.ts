/**
 * The `Layer` base: the Keras lifecycle. A layer creates its weights in
 * `build(inputShape)` (lazily, from the first input it sees, or eagerly from
 * an `inputShape` option), computes in `call(inputs, {training})`, reports
 * `computeOutputShape` (which is how symbolic inputs flow through it in the
 * functional API), and round-trips through `getConfig()` and the layer
 * registry.
 *
 * @module
 */
import { z } from 'zod';
import { Tensor, ShapeError, ValueError, cast, clone, keep, type DType, type Variable, variable } from '../engine/index.js';
import { nameTaken } from '../engine/tensor.js';
import { Registry, parseOptions, toSnakeCase, type ConfigDict, type ConfigValue } from './config.js';
import { getInitializer, type Initializer, type InitializerIdentifier } from './initializers.js';
import { getRegularizer, type Regularizer } from './regularizers.js';
import type { Serialized } from './config.js';
import { SymbolicTensor, type LayerNode } from './symbolic.js';

/**
 * A shape as layers see it: `null` where the size is unknown (always the
 * batch axis in `build`'s and `computeOutputShape`'s arguments for symbolic
 * inputs).
 *
 * @example
 * ```ts
 * const s: LayerShape = [null, 28, 28, 1];
 * ```
 */
export type LayerShape = readonly (number | null)[];

/**
 * What a layer accepts, checked on every call after it is built: the rank
 * (`ndim`, `minNdim`, `maxNdim`) and the sizes of some axes (negative axes
 * count from the end).
 *
 * @example
 * ```ts
 * const spec: InputSpec = { minNdim: 2, axes: { [-1]: 784 } };
 * ```
 */
export interface InputSpec {
  /** Exact rank. */
  ndim?: number;
  /** Smallest rank. */
  minNdim?: number;
  /** Largest rank. */
  maxNdim?: number;
  /** Required sizes by axis. */
  axes?: Readonly<Record<number, number>>;
}

/**
 * Arguments to `call` besides the inputs. `training` switches layers such
 * as dropout and batch normalization between their training and inference
 * behaviour; it is `false` unless `fit` (or the caller) says otherwise.
 *
 * @example
 * ```ts
 * layer.apply(x, { training: true });
 * ```
 */
export interface CallArgs {
  /** Training mode (dropout active, batch statistics used and moving averages updated). */
  training?: boolean;
  /** A boolean mask for attention layers (`true` = attend). */
  attentionMask?: Tensor;
  /** Whether an attention layer also returns its attention scores. */
  returnAttentionScores?: boolean;
}

/** A nested-array shape option: sizes or null. */
const shapeOption = z.array(z.number().int().positive().nullable());

/**
 * The options every layer accepts (Keras and TensorFlow.js names):
 * `name`, `trainable`, `inputShape` (without the batch axis; lets a first
 * layer build at once), `batchInputShape`, `batchSize`, and `dtype` (of the
 * weights and the computation, `'float32'` by default).
 *
 * @example
 * ```ts
 * const opts: BaseLayerArgs = { name: 'hidden', inputShape: [784], dtype: 'float32' };
 * ```
 */
export interface BaseLayerArgs {
  /** The layer's name; weights are named `<name>/<weight>`. Default: snake-case class name and a counter (`dense_1`). */
  name?: string;
  /** Whether training updates its weights. Default true. */
  trainable?: boolean;
  /** The input shape without the batch axis. */
  inputShape?: (number | null)[];
  /** The input shape with the batch axis. */
  batchInputShape?: (number | null)[];
  /** The batch size, with `inputShape`. */
  batchSize?: number;
  /** Weight and computation dtype. Default `'float32'`. */
  dtype?: 'float32' | 'float64';
}

/**
 * The zod shape of {@link BaseLayerArgs}; spread it into each layer's
 * `z.strictObject({...baseLayerOptions, units: ...})`.
 *
 * @example
 * ```ts
 * const denseSchema = z.strictObject({ ...baseLayerOptions, units: z.number().int().positive() });
 * ```
 */
export const baseLayerOptions = {
  /** See {@link BaseLayerArgs.name}. */
  name: z.string().min(1).optional(),
  /** See {@link BaseLayerArgs.trainable}. */
  trainable: z.boolean().optional(),
  /** See {@link BaseLayerArgs.inputShape}. */
  inputShape: shapeOption.optional(),
  /** See {@link BaseLayerArgs.batchInputShape}. */
  batchInputShape: shapeOption.optional(),
  /** See {@link BaseLayerArgs.batchSize}. */
  batchSize: z.number().int().positive().optional(),
  /** See {@link BaseLayerArgs.dtype}. */
  dtype: z.enum(['float32', 'float64']).optional(),
};

const nameCounters = new Map<string, number>();

function defaultName(className: string, consume: boolean): string {
  const prefix = toSnakeCase(className);
  const n = (nameCounters.get(prefix) ?? 0) + 1;
  if (consume) nameCounters.set(prefix, n);
  return `${prefix}_${n}`;
}

/** A fresh layer name `<prefix>_<n>` from the shared counters. @internal */
export function uniqueLayerName(prefix: string): string {
  const n = (nameCounters.get(prefix) ?? 0) + 1;
  nameCounters.set(prefix, n);
  return `${prefix}_${n}`;
}

/**
 * Validates a layer's options with its zod schema, naming the layer in any
 * error: its `name` option if given, else the name it would get
 * (`dense_3`). Call it first thing in a layer's constructor.
 *
 * @param schema The layer's options schema (a `z.strictObject`).
 * @param args What the user passed.
 * @param className The layer's class name (for the default name).
 * @example
 * ```ts
 * const o = parseLayerOptions(denseSchema, args, 'Dense');
 * ```
 */
export function parseLayerOptions<S extends z.ZodType>(schema: S, args: unknown, className: string): z.output<S> {
  const given = args !== null && typeof args === 'object' ? (args as { name?: unknown }).name : undefined;
  const owner = typeof given === 'string' && given.length > 0 ? given : defaultName(className, false);
  return parseOptions(schema, args, owner);
}

/** Formats a layer shape as `[null,28,28,1]`. @internal */
export function fmtLayerShape(shape: LayerShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : d)).join(',')}]`;
}

interface WeightEntry {
  readonly variable: Variable;
  readonly trainable: boolean;
  readonly regularizer: Regularizer | undefined;
}

/**
 * Options for {@link Layer.addWeight}.
 *
 * @example
 * ```ts
 * const opts: AddWeightOptions = { initializer: 'glorotUniform', regularizer: regularizers.l2() };
 * ```
 */
export interface AddWeightOptions {
  /** How to fill it. Default `'zeros'`. */
  initializer?: InitializerIdentifier | string | Initializer | Serialized;
  /** A penalty added to the training loss. */
  regularizer?: Regularizer | string | Serialized | null;
  /** Whether training updates it (moving statistics are not trainable). Default true. */
  trainable?: boolean;
  /** Default: the layer's dtype. */
  dtype?: 'float32' | 'float64' | 'int32';
}

const updateCollectors: Array<Array<[Variable, Tensor]>> = [];

/**
 * Runs `fn` and returns the state updates (moving statistics) layers asked
 * for instead of applying them, so a training step can apply them only
 * after everything else succeeded. The update tensors are kept; the caller
 * assigns and disposes them.
 *
 * @internal
 */
export function collectStateUpdates<R>(fn: () => R): { result: R; updates: Array<[Variable, Tensor]> } {
  const updates: Array<[Variable, Tensor]> = [];
  updateCollectors.push(updates);
  try {
    return { result: fn(), updates };
  } catch (e) {
    for (const [, t] of updates) t.dispose();
    throw e;
  } finally {
    updateCollectors.pop();
  }
}

/** A layer class as the registry sees it. */
type LayerClass = (abstract new (...args: never[]) => Layer) & { readonly className: string };

/**
 * Every layer class, by class name. Saved configs name layers only through
 * this registry; register custom layers with {@link registerLayer}.
 *
 * @example
 * ```ts
 * layerRegistry.names().includes('Dense'); // true
 * ```
 */
export const layerRegistry = new Registry<Layer>('layer');

/**
 * Registers a layer class so `deserializeLayer` (and model loading) can
 * rebuild it from `{className, config}`; its constructor receives the config.
 *
 * @example
 * ```ts
 * class Scale extends Layer {
 *   static override readonly className = 'Scale';
 *   call(x: Tensor) { return x.mul(2); }
 * }
 * registerLayer(Scale);
 * ```
 */
export function registerLayer(cls: { readonly className: string; new (config: never): Layer }): void {
  // The config is validated by the layer's own constructor (its zod schema), as user options are.
  layerRegistry.register(cls.className, (config) => new cls(config as never));
}

/**
 * Rebuilds a layer from its serialized form (`{className, config}`), through
 * the layer registry only.
 *
 * @example
 * ```ts
 * const copy = deserializeLayer({ className: 'Dense', config: dense.getConfig() });
 * ```
 */
export function deserializeLayer(serialized: Serialized | { className: string; config: ConfigDict }): Layer {
  return layerRegistry.create(serialized);
}

/**
 * Base class of every layer (and of models, which are layers too).
 * Subclasses create weights in `build` with `addWeight`, compute in `call`,
 * and describe themselves in `computeOutputShape` and `getConfig`.
 *
 * @example
 * ```ts
 * class Scale extends Layer {
 *   static override readonly className = 'Scale';
 *   private factor!: Variable;
 *   override build(shape: LayerShape) {
 *     this.factor = this.addWeight('factor', [shape[shape.length - 1] as number], { initializer: 'ones' });
 *   }
 *   call(x: Tensor) { return x.mul(this.factor); }
 * }
 * const y = new Scale().apply(ones([2, 3])); // builds, then calls
 * ```
 */
export abstract class Layer {
  /** The registered class name; subclasses override it. */
  static readonly className: string = 'Layer';

  /** The layer's name, the prefix of its weights' names. */
  readonly name: string;
  /** Weight and computation dtype. */
  readonly dtype: 'float32' | 'float64';
  /** The input shape (with batch axis) from the `inputShape`/`batchInputShape` options, if given. */
  readonly batchInputShape: LayerShape | undefined;
  /** Whether `build` has run. */
  built = false;
  /** The input shape `build` received. */
  protected builtInputShape: LayerShape | LayerShape[] | undefined;
  /** Checked on each call once built. */
  protected inputSpec: InputSpec | InputSpec[] | undefined;
  /** Whether float inputs are cast to the layer's dtype before `call` (off for layers that take integer ids). */
  protected autoCast = true;
  private trainableFlag: boolean;
  private readonly ownWeights: WeightEntry[] = [];

  /**
   * @param args The base options (already validated by the subclass with {@link parseLayerOptions}).
   */
  constructor(args: BaseLayerArgs = {}) {
    const o = parseOptions(z.object(baseLayerOptions), args, typeof args?.name === 'string' ? args.name : defaultName(this.className, false));
    this.name = o.name ?? defaultName(this.className, true);
    this.trainableFlag = o.trainable ?? true;
    this.dtype = o.dtype ?? 'float32';
    if (o.batchInputShape) this.batchInputShape = o.batchInputShape;
    else if (o.inputShape) this.batchInputShape = [o.batchSize ?? null, ...o.inputShape];
  }

  /** The registered class name of this layer. */
  get className(): string {
    return (this.constructor as LayerClass).className;
  }

  /** Whether training updates this layer's weights. Setting it applies to every sublayer. */
  get trainable(): boolean {
    return this.trainableFlag;
  }

  /** Freezes (false) or unfreezes the layer and every sublayer. */
  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw new ValueError(`${this.name}: expected trainable to be a boolean, got ${String(value)}`);
    this.trainableFlag = value;
    const live = new Set(this.trainableWeights);
    for (const v of this.weights) v.trainable = live.has(v);
  }

  /**
   * Layers this layer owns (their weights count as its weights): by default
   * every `Layer` held in an own property or an array property, as Keras
   * tracks attributes. Models override it with their layer list.
   */
  protected get sublayers(): Layer[] {
    const found: Layer[] = [];
    for (const value of Object.values(this)) {
      if (value instanceof Layer && value !== this) found.push(value);
      else if (Array.isArray(value)) for (const item of value) if (item instanceof Layer && item !== this) found.push(item);
    }
    return found;
  }

  private collectWeights(pick: (e: WeightEntry, trainableContext: boolean) => boolean, trainableContext: boolean, seen: Set<Layer>, out: Variable[]): void {
    if (seen.has(this)) return;
    seen.add(this);
    const ctx = trainableContext && this.trainableFlag;
    for (const e of this.ownWeights) if (pick(e, ctx) && !out.includes(e.variable)) out.push(e.variable);
    for (const l of this.sublayers) l.collectWeights(pick, ctx, seen, out);
  }

  /** Every weight, trainable first within each layer's creation order. */
  get weights(): Variable[] {
    return [...this.trainableWeights, ...this.nonTrainableWeights];
  }

  /** The weights training updates (none when `trainable` is false). */
  get trainableWeights(): Variable[] {
    const out: Variable[] = [];
    this.collectWeights((e, ctx) => ctx && e.trainable, true, new Set(), out);
    return out;
  }

  /** The weights training leaves alone (moving statistics, and everything of a frozen layer). */
  get nonTrainableWeights(): Variable[] {
    const out: Variable[] = [];
    this.collectWeights((e, ctx) => !(ctx && e.trainable), true, new Set(), out);
    return out;
  }

  /**
   * The number of weight values. Throws if the layer is not built yet.
   */
  countParams(): number {
    if (!this.built) {
      throw new ValueError(`${this.name}: the layer is not built yet, so it has no weights; call it on an input or give it an inputShape`);
    }
    return this.weights.reduce((n, v) => n + v.size, 0);
  }

  /**
   * Creates a weight named `<layer name>/<name>` (a suffix `_1`, `_2` is
   * added while another live variable has that name).
   *
   * @param name The weight's short name (`kernel`, `bias`).
   * @param shape Its shape.
   * @param options Initializer, regularizer, trainable, dtype.
   */
  addWeight(name: string, shape: readonly number[], options: AddWeightOptions = {}): Variable {
    const owner = `${this.name}: weight '${name}'`;
    const init = getInitializer(options.initializer ?? 'zeros', owner);
    const regularizer = getRegularizer(options.regularizer ?? null, owner);
    let full = `${this.name}/${name}`;
    for (let i = 1; nameTaken(full); i++) full = `${this.name}/${name}_${i}`;
    const value = init.apply(shape, options.dtype ?? this.dtype);
    try {
      const v = variable(value, { name: full, trainable: (options.trainable ?? true) && this.trainableFlag });
      this.ownWeights.push({ variable: v, trainable: options.trainable ?? true, regularizer });
      return v;
    } finally {
      value.dispose();
    }
  }

  /**
   * The regularization penalties of this layer's (and its sublayers')
   * trainable weights, as new scalar tensors the caller owns.
   */
  regularizationLosses(): Tensor[] {
    const out: Tensor[] = [];
    const seen = new Set<Layer>();
    const visit = (l: Layer, ctx: boolean): void => {
      if (seen.has(l)) return;
      seen.add(l);
      const c = ctx && l.trainableFlag;
      for (const e of l.ownWeights) if (c && e.trainable && e.regularizer) out.push(e.regularizer.apply(e.variable));
      for (const s of l.sublayers) visit(s, c);
    };
    visit(this, true);
    return out;
  }

  /**
   * Asks for `variable` to take `value` (moving statistics). Inside a
   * training step the update is applied after the step succeeds; outside,
   * at once.
   */
  protected addUpdate(target: Variable, value: Tensor): void {
    const collector = updateCollectors[updateCollectors.length - 1];
    if (collector) collector.push([target, keep(value)]);
    else target.assign(value);
  }

  /**
   * Creates the weights for inputs of `inputShape` (with the batch axis,
   * `null` where unknown). The base marks the layer built; override it to
   * call `addWeight`, and set `inputSpec` to what later calls must match.
   */
  build(inputShape: LayerShape | LayerShape[]): void {
    void inputShape;
  }

  /** Computes the outputs for concrete inputs. */
  abstract call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[];

  /**
   * The output shape for inputs of `inputShape` (and the call arguments,
   * for layers whose outputs depend on them). The base returns the input shape.
   */
  computeOutputShape(inputShape: LayerShape | LayerShape[], args?: CallArgs): LayerShape | LayerShape[] {
    void args;
    return inputShape;
  }

  /** The output dtype(s) for symbolic inputs. The base gives float outputs in the layer's dtype. */
  computeOutputDType(inputDTypes: DType[]): DType {
    void inputDTypes;
    return this.dtype;
  }

  /**
   * Builds the layer if needed, checks the inputs against its input spec,
   * and calls it: on tensors it computes; on symbolic tensors (from
   * `input()`) it records a node of the functional graph and returns
   * symbolic outputs. Throws if the layer has several outputs (use
   * {@link Layer#applyMany}).
   *
   * @example
   * ```ts
   * const y = layers.dense({ units: 3 }).apply(ones([2, 4])); // shape [2, 3]
   * ```
   */
  apply(inputs: Tensor | readonly Tensor[], args?: CallArgs): Tensor;
  /** The symbolic form: records a graph node. */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[], args?: CallArgs): SymbolicTensor;
  apply(inputs: Tensor | SymbolicTensor | readonly Tensor[] | readonly SymbolicTensor[], args: CallArgs = {}): Tensor | SymbolicTensor {
    const { outputs, single } = this.applyInternal(inputs, args);
    if (!single) {
      if (outputs.length === 1) return outputs[0];
      for (const t of outputs) if (t instanceof Tensor) t.dispose();
      throw new ValueError(`${this.name}: this layer returns ${outputs.length} outputs; use applyMany() to get them all`);
    }
    return outputs[0];
  }

  /**
   * Like {@link Layer#apply}, but always returns the list of outputs (for
   * layers with several, such as an LSTM with `returnState`).
   *
   * @example
   * ```ts
   * const [out, h, c] = layers.lstm({ units: 8, returnState: true }).applyMany(x);
   * ```
   */
  applyMany(inputs: Tensor | readonly Tensor[], args?: CallArgs): Tensor[];
  /** The symbolic form. */
  applyMany(inputs: SymbolicTensor | readonly SymbolicTensor[], args?: CallArgs): SymbolicTensor[];
  applyMany(inputs: Tensor | SymbolicTensor | readonly Tensor[] | readonly SymbolicTensor[], args: CallArgs = {}): Tensor[] | SymbolicTensor[] {
    return this.applyInternal(inputs, args).outputs as Tensor[] | SymbolicTensor[];
  }

  private applyInternal(
    inputs: Tensor | SymbolicTensor | readonly Tensor[] | readonly SymbolicTensor[],
    args: CallArgs,
  ): { outputs: Array<Tensor | SymbolicTensor>; single: boolean } {
    const list: Array<Tensor | SymbolicTensor> = Array.isArray(inputs) ? [...(inputs as readonly (Tensor | SymbolicTensor)[])] : [inputs as Tensor | SymbolicTensor];
    if (list.length === 0) throw new ValueError(`${this.name}: expected at least one input, got an empty list`);
    const symbolic = list[0] instanceof SymbolicTensor;
    list.forEach((t, i) => {
      if (!(t instanceof Tensor) && !(t instanceof SymbolicTensor)) {
        throw new ValueError(`${this.name}: expected input ${i} to be a Tensor or a SymbolicTensor (from input()), got ${describe(t)}`);
      }
      if (t instanceof SymbolicTensor !== symbolic) throw new ValueError(`${this.name}: inputs mix Tensors and SymbolicTensors; pass all of one kind`);
    });
    const isList = Array.isArray(inputs);
    const shapes: LayerShape[] = list.map((t) => t.shape);
    const shapeArg = isList ? shapes : shapes[0];
    if (!this.built) {
      this.build(symbolic ? shapeArg : this.batchShapes(shapes, isList));
      this.builtInputShape = symbolic ? shapeArg : this.batchShapes(shapes, isList);
      this.built = true;
    }
    this.checkInputSpec(shapes);
    if (symbolic) {
      const out = this.computeOutputShape(shapeArg, args);
      const outShapes = isShapeList(out) ? out : [out];
      const dtype = this.computeOutputDType(list.map((t) => t.dtype));
      const { training: _training, ...callArgs } = args;
      void _training;
      const node: LayerNode = { layer: this, inputs: list as SymbolicTensor[], outputs: [], callArgs, listInput: isList };
      outShapes.forEach((s, i) => node.outputs.push(new SymbolicTensor(s, dtype, node, i, outShapes.length === 1 ? `${this.name}/output` : `${this.name}/output_${i}`)));
      return { outputs: node.outputs, single: !isShapeList(out) };
    }
    const casted = (list as Tensor[]).map((t) => (this.autoCast && (t.dtype === 'float32' || t.dtype === 'float64') && t.dtype !== this.dtype ? cast(t, this.dtype) : t));
    try {
      const out = this.call(isList ? casted : casted[0], { training: false, ...args });
      return { outputs: Array.isArray(out) ? out : [out], single: !Array.isArray(out) };
    } finally {
      casted.forEach((t, i) => t !== list[i] && t.dispose());
    }
  }

  /** Concrete shapes as `build` receives them: the batch axis as null, like symbolic ones, so weights never depend on a batch size. */
  private batchShapes(shapes: LayerShape[], isList: boolean): LayerShape | LayerShape[] {
    const withNull = shapes.map((s) => (s.length === 0 ? s : [null, ...s.slice(1)]));
    return isList ? withNull : withNull[0];
  }

  /** Throws a ShapeError naming the layer when inputs do not match `inputSpec`. */
  protected checkInputSpec(shapes: LayerShape[]): void {
    const spec = this.inputSpec;
    if (!spec) return;
    const specs = Array.isArray(spec) ? spec : shapes.map(() => spec);
    shapes.forEach((shape, i) => {
      const s = specs[i];
      if (!s) return;
      const which = shapes.length > 1 ? `input ${i}` : 'input';
      const rank = shape.length;
      if (s.ndim !== undefined && rank !== s.ndim) throw new ShapeError(`${this.name}: expected ${which} of rank ${s.ndim}, got shape ${fmtLayerShape(shape)}`);
      if (s.minNdim !== undefined && rank < s.minNdim) throw new ShapeError(`${this.name}: expected ${which} of rank >= ${s.minNdim}, got shape ${fmtLayerShape(shape)}`);
      if (s.maxNdim !== undefined && rank > s.maxNdim) throw new ShapeError(`${this.name}: expected ${which} of rank <= ${s.maxNdim}, got shape ${fmtLayerShape(shape)}`);
      for (const [key, size] of Object.entries(s.axes ?? {})) {
        const axis = Number(key);
        const a = axis < 0 ? rank + axis : axis;
        const got = shape[a];
        if (got !== null && got !== undefined && got !== size) {
          const expected = [...shape].map((d, j) => (j === a ? size : j === 0 ? null : d));
          throw new ShapeError(
            `${this.name}: expected ${which} with axis ${axis} of size ${size} (shape ${fmtLayerShape(expected)}), got shape ${fmtLayerShape(shape)}`,
          );
        }
      }
    });
  }

  /** The config that rebuilds this layer (JSON). Subclasses add their options. */
  getConfig(): ConfigDict {
    const c: ConfigDict = { name: this.name, trainable: this.trainableFlag, dtype: this.dtype };
    if (this.batchInputShape) c.batchInputShape = [...this.batchInputShape] as ConfigValue[];
    return c;
  }

  /** Copies of the weights' values, in `weights` order; the caller owns them. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => clone(v));
  }

  /**
   * Sets every weight, in `weights` order. All shapes and dtypes are checked
   * before any weight changes.
   */
  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (!Array.isArray(values) || values.length !== ws.length) {
      throw new ValueError(`${this.name}: setWeights expected ${ws.length} tensors (${ws.map((w) => w.name).join(', ')}), got ${Array.isArray(values) ? values.length : describe(values)}`);
    }
    ws.forEach((w, i) => {
      const v = values[i];
      if (!(v instanceof Tensor)) throw new ValueError(`${this.name}: setWeights: value ${i} for '${w.name}' is not a Tensor`);
      if (v.shape.length !== w.shape.length || v.shape.some((d, j) => d !== w.shape[j])) {
        throw new ShapeError(`${this.name}: setWeights: '${w.name}' has shape ${fmtLayerShape(w.shape)}, got ${fmtLayerShape(v.shape)}`);
      }
      if (v.dtype !== w.dtype) throw new ValueError(`${this.name}: setWeights: '${w.name}' has dtype ${w.dtype}, got ${v.dtype}`);
    });
    ws.forEach((w, i) => w.assign(values[i]));
  }

  /** Frees every weight of this layer and its sublayers. */
  dispose(): void {
    for (const v of this.weights) v.dispose();
  }

  /** `Dense(dense_1)`. */
  toString(): string {
    return `${this.className}(${this.name})`;
  }
}

function isShapeList(s: LayerShape | LayerShape[]): s is LayerShape[] {
  return s.length > 0 && Array.isArray(s[0]);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an instance of ${(v as object).constructor?.name ?? 'Object'}`;
  return typeof v;
}
