/**
 * `Sequential`: a plain stack of layers, each feeding the next.
 *
 * @module
 */
import { ValueError, type Tensor } from '../engine/index.js';
import type { ConfigDict, ConfigValue } from '../layers/config.js';
import { input, InputLayer } from '../layers/input-layer.js';
import { Layer, deserializeLayer, layerRegistry, type CallArgs, type LayerShape } from '../layers/layer.js';
import { SymbolicTensor } from '../layers/symbolic.js';
import { Model, type ModelArgs } from './model.js';

/**
 * Options of {@link sequential}: the layers (added in order) and a name.
 *
 * @example
 * ```ts
 * const args: SequentialArgs = { layers: [layers.dense({ units: 4, inputShape: [2] })] };
 * ```
 */
export interface SequentialArgs extends ModelArgs {
  /** Layers to add, in order. */
  layers?: Layer[];
}

/**
 * A linear stack of layers (`tf.sequential` / `keras.Sequential`). When the
 * first layer has an `inputShape` (or the first element is an `input()`),
 * each layer is built as it is added, so shape errors show up at `add` and
 * `summary()` knows every output shape; otherwise it builds on first use.
 *
 * @example
 * ```ts
 * const m = sequential();
 * m.add(layers.dense({ units: 32, activation: 'relu', inputShape: [784] }));
 * m.add(layers.dense({ units: 10, activation: 'softmax' }));
 * m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
 * ```
 */
export class Sequential extends Model {
  static override readonly className: string = 'Sequential';
  private readonly stack: Layer[] = [];
  private inputSymbol: SymbolicTensor | undefined;
  private outputSymbol: SymbolicTensor | undefined;

  /** @param args Layers and name. */
  constructor(args: SequentialArgs = {}) {
    const { layers, ...rest } = args ?? {};
    super(rest);
    if (layers !== undefined) {
      if (!Array.isArray(layers)) throw new ValueError(`${this.name}: expected layers to be an array of layers, got ${typeof layers}`);
      for (const l of layers) this.add(l);
    }
  }

  override get layers(): Layer[] {
    return [...this.stack];
  }

  protected override get sublayers(): Layer[] {
    return this.stack;
  }

  override get inputNames(): string[] {
    return [this.inputSymbol?.name ?? this.defaultInputName];
  }

  /** The name a lazily created input gets, so record-keyed data works before and after the build. */
  private get defaultInputName(): string {
    return `${this.name}_input`;
  }

  override get outputNames(): string[] {
    const last = this.stack[this.stack.length - 1];
    return [last ? last.name : 'output'];
  }

  override get inputShapes(): (LayerShape | undefined)[] {
    return [this.inputSymbol?.shape];
  }

  override get outputShapes(): (LayerShape | undefined)[] {
    return [this.outputSymbol?.shape ?? this.observedOutputShapes?.[0]];
  }

  /**
   * Appends a layer (or sets the input with an `input()` as the first
   * element). With a known input shape the layer is built at once, so an
   * incompatible layer throws here and is not added.
   *
   * @example
   * ```ts
   * model.add(layers.dropout({ rate: 0.2 }));
   * ```
   */
  add(layer: Layer | SymbolicTensor): void {
    if (layer instanceof SymbolicTensor) {
      if (this.stack.length > 0 || this.inputSymbol) throw new ValueError(`${this.name}: an input() can only be the first element of a sequential model`);
      if (!(layer.node.layer instanceof InputLayer)) throw new ValueError(`${this.name}: add() takes layers or an input(); got the output of layer '${layer.node.layer.name}'`);
      this.inputSymbol = layer;
      this.outputSymbol = layer;
      return;
    }
    if (!(layer instanceof Layer)) throw new ValueError(`${this.name}: add() expected a Layer, got ${layer === null ? 'null' : typeof layer}`);
    if (layer instanceof InputLayer) {
      this.add(layer.output);
      return;
    }
    if (this.stack.includes(layer)) throw new ValueError(`${this.name}: layer '${layer.name}' is already in the model`);
    if (this.stack.some((l) => l.name === layer.name)) throw new ValueError(`${this.name}: a layer named '${layer.name}' is already in the model; layer names must be unique within a model`);
    if (!this.outputSymbol && this.stack.length === 0 && layer.batchInputShape) {
      this.inputSymbol = input({ batchShape: [...layer.batchInputShape], name: this.defaultInputName });
      this.outputSymbol = this.inputSymbol;
    }
    if (this.outputSymbol) {
      // Apply symbolically: builds the layer and checks it fits; on a throw the layer is not added.
      this.outputSymbol = layer.apply(this.outputSymbol);
      this.built = true;
    }
    this.stack.push(layer);
    this.observedOutputShapes = undefined;
  }

  /**
   * Removes the last layer.
   *
   * @example
   * ```ts
   * model.pop();
   * ```
   */
  pop(): void {
    if (this.stack.length === 0) throw new ValueError(`${this.name}: pop() on a model with no layers`);
    this.stack.pop();
    this.observedOutputShapes = undefined;
    if (this.inputSymbol) {
      let s: SymbolicTensor = this.inputSymbol;
      for (const l of this.stack) s = l.apply(s);
      this.outputSymbol = s;
    }
  }

  override build(inputShape: LayerShape | LayerShape[]): void {
    if (this.inputSymbol) return;
    const shape = inputShape as LayerShape;
    const sym = input({ batchShape: [null, ...shape.slice(1)], name: this.defaultInputName });
    let s = sym;
    for (const l of this.stack) s = l.apply(s);
    this.inputSymbol = sym;
    this.outputSymbol = s;
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
    let shape = inputShape;
    for (const l of this.stack) shape = l.computeOutputShape(shape);
    return shape;
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    if (this.stack.length === 0) throw new ValueError(`${this.name}: the model has no layers; add() some first`);
    let x: Tensor | Tensor[] = inputs;
    for (const l of this.stack) {
      const out = l.applyMany(x as Tensor, args);
      x = out.length === 1 ? out[0] : out;
    }
    return x;
  }

  override getConfig(): ConfigDict {
    const layers: ConfigValue[] = this.stack.map((l) => ({ className: l.className, config: l.getConfig() }));
    const c: ConfigDict = { name: this.name, layers };
    if (this.inputSymbol && !this.stack[0]?.batchInputShape) c.batchInputShape = [...this.inputSymbol.shape] as ConfigValue[];
    return c;
  }

  /**
   * Rebuilds a sequential model from `getConfig()` output, through the layer registry.
   *
   * @example
   * ```ts
   * const copy = Sequential.fromConfig(model.getConfig());
   * ```
   */
  static fromConfig(config: ConfigDict): Sequential {
    const layers = config.layers;
    if (!Array.isArray(layers)) throw new ValueError(`Sequential.fromConfig: expected config.layers to be a list, got ${typeof layers}`);
    const m = new Sequential({ name: typeof config.name === 'string' ? config.name : undefined });
    if (Array.isArray(config.batchInputShape)) m.add(input({ batchShape: config.batchInputShape as (number | null)[] }));
    for (const l of layers) m.add(deserializeLayer(l as { className: string; config: ConfigDict }));
    return m;
  }
}
layerRegistry.register('Sequential', (config) => Sequential.fromConfig(config));

/**
 * Creates a {@link Sequential} model (`tf.sequential`).
 *
 * @example
 * ```ts
 * const m = sequential({ layers: [layers.dense({ units: 10, inputShape: [784], activation: 'softmax' })] });
 * ```
 */
export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
