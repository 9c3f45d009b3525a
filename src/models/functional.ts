/**
 * Functional models: a graph of layers between `input()`s and outputs,
 * found by walking back from the outputs (`tf.model` / `keras.Model(inputs,
 * outputs)`). Several inputs and outputs, and shared layers, work.
 *
 * @module
 */
import { ValueError, type Tensor } from '../engine/index.js';
import type { ConfigDict, ConfigValue } from '../layers/config.js';
import { InputLayer } from '../layers/input-layer.js';
import { Layer, deserializeLayer, layerRegistry, type CallArgs, type LayerShape } from '../layers/layer.js';
import { SymbolicTensor, type LayerNode } from '../layers/symbolic.js';
import { Model } from './model.js';

/**
 * Options of {@link model}: the symbolic inputs (from `input()`) and
 * outputs (from `layer.apply`), and a name.
 *
 * @example
 * ```ts
 * const x = input({ shape: [8] });
 * const args: FunctionalArgs = { inputs: x, outputs: layers.dense({ units: 1 }).apply(x) };
 * ```
 */
export interface FunctionalArgs {
  /** One input or a list. */
  inputs: SymbolicTensor | SymbolicTensor[];
  /** One output or a list. */
  outputs: SymbolicTensor | SymbolicTensor[];
  /** The model's name. */
  name?: string;
}

const asList = (v: SymbolicTensor | SymbolicTensor[], what: string, owner: string): SymbolicTensor[] => {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) throw new ValueError(`${owner}: expected at least one ${what}, got an empty list`);
  list.forEach((t, i) => {
    if (!(t instanceof SymbolicTensor)) {
      throw new ValueError(`${owner}: expected ${what}${Array.isArray(v) ? `[${i}]` : ''} to be a SymbolicTensor (from input() or layer.apply on one), got ${t === null ? 'null' : typeof t === 'object' ? (t as object).constructor.name : typeof t}`);
    }
  });
  return list;
};

/**
 * A model defined by its graph (`model({inputs, outputs})`). The graph is
 * checked at construction: every output must be computable from the given
 * inputs alone.
 *
 * @example
 * ```ts
 * const image = input({ shape: [28, 28, 1] });
 * const h = layers.flatten().apply(image);
 * const digit = layers.dense({ units: 10, activation: 'softmax', name: 'digit' }).apply(h);
 * const parity = layers.dense({ units: 1, activation: 'sigmoid', name: 'parity' }).apply(h);
 * const net = model({ inputs: image, outputs: [digit, parity] });
 * net.outputNames; // ['digit', 'parity']
 * ```
 */
export class Functional extends Model {
  static override readonly className: string = 'Functional';
  /** The symbolic inputs. */
  readonly inputs: SymbolicTensor[];
  /** The symbolic outputs. */
  readonly outputs: SymbolicTensor[];
  /** Nodes in execution order (input layers excluded). */
  private readonly nodes: LayerNode[];
  private readonly layerList: Layer[];

  /** @param args Inputs, outputs and name. */
  constructor(args: FunctionalArgs) {
    if (args === null || typeof args !== 'object') throw new ValueError(`model: expected {inputs, outputs}, got ${String(args)}`);
    const extra = Object.keys(args).filter((k) => !['inputs', 'outputs', 'name'].includes(k));
    if (extra.length > 0) throw new ValueError(`model: unknown option '${extra[0]}'; known options: inputs, outputs, name`);
    const inputs = asList(args.inputs, 'inputs', 'model');
    const outputs = asList(args.outputs, 'outputs', 'model');
    inputs.forEach((t, i) => {
      if (!(t.node.layer instanceof InputLayer)) {
        throw new ValueError(`model: inputs[${i}] ('${t.name}') is the output of layer '${t.node.layer.name}', not an input(); model inputs must come from input()`);
      }
      if (inputs.indexOf(t) !== i) throw new ValueError(`model: input '${t.name}' is given twice`);
    });
    // Walk back from the outputs; every path must end at one of the inputs.
    const order: LayerNode[] = [];
    const done = new Set<LayerNode>();
    const visiting = new Set<LayerNode>();
    const visit = (t: SymbolicTensor, from: SymbolicTensor): void => {
      const node = t.node;
      if (node.layer instanceof InputLayer) {
        if (!inputs.includes(t)) {
          throw new ValueError(
            `model: graph disconnected: output '${from.name}' depends on input '${t.name}', which is not among the model's inputs [${inputs.map((i) => i.name).join(', ')}]; add it to inputs`,
          );
        }
        return;
      }
      if (done.has(node)) return;
      if (visiting.has(node)) throw new ValueError(`model: the graph has a cycle through layer '${node.layer.name}'`);
      visiting.add(node);
      for (const inp of node.inputs) visit(inp, from);
      visiting.delete(node);
      done.add(node);
      order.push(node);
    };
    for (const o of outputs) visit(o, o);
    const layerList: Layer[] = [];
    for (const t of inputs) layerList.push(t.node.layer);
    for (const n of order) if (!layerList.includes(n.layer)) layerList.push(n.layer);
    const seen = new Map<string, Layer>();
    for (const l of layerList) {
      const other = seen.get(l.name);
      if (other && other !== l) throw new ValueError(`model: two different layers are named '${l.name}'; layer names must be unique within a model`);
      seen.set(l.name, l);
    }
    super({ name: args.name });
    this.inputs = inputs;
    this.outputs = outputs;
    this.nodes = order;
    this.layerList = layerList;
    this.built = true;
  }

  override get layers(): Layer[] {
    return [...this.layerList];
  }

  protected override get sublayers(): Layer[] {
    return this.layerList;
  }

  /** @internal nodes in execution order, for summary() */
  get graphNodes(): readonly LayerNode[] {
    return this.nodes;
  }

  override get inputNames(): string[] {
    return this.inputs.map((t) => t.node.layer.name);
  }

  override get outputNames(): string[] {
    const names = this.outputs.map((t) => t.node.layer.name);
    // A layer applied twice (or one tensor given twice) needs distinct names: number the repeats.
    const seen = new Map<string, number>();
    return names.map((n) => {
      if (names.indexOf(n) === names.lastIndexOf(n)) return n;
      const k = (seen.get(n) ?? 0) + 1;
      seen.set(n, k);
      return `${n}_${k}`;
    });
  }

  override get inputShapes(): (LayerShape | undefined)[] {
    return this.inputs.map((t) => t.shape);
  }

  override get outputShapes(): (LayerShape | undefined)[] {
    return this.outputs.map((t) => t.shape);
  }

  call(inputs: Tensor | Tensor[], args: CallArgs): Tensor | Tensor[] {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== this.inputs.length) {
      throw new ValueError(`${this.name}: expected ${this.inputs.length} input${this.inputs.length > 1 ? 's' : ''} (${this.inputNames.join(', ')}), got ${list.length}`);
    }
    const values = new Map<number, Tensor>();
    this.inputs.forEach((s, i) => values.set(s.id, list[i]));
    for (const node of this.nodes) {
      const ins = node.inputs.map((s) => values.get(s.id) as Tensor);
      const outs = node.layer.applyMany(node.listInput ? ins : ins[0], { ...node.callArgs, training: args.training });
      node.outputs.forEach((s, i) => values.set(s.id, outs[i]));
    }
    const outs = this.outputs.map((s) => values.get(s.id) as Tensor);
    return outs.length === 1 ? outs[0] : outs;
  }

  override computeOutputShape(inputShape: LayerShape | LayerShape[]): LayerShape | LayerShape[] {
    const list = this.inputs.length === 1 ? [inputShape as LayerShape] : (inputShape as LayerShape[]);
    const shapes = new Map<number, LayerShape>();
    this.inputs.forEach((s, i) => shapes.set(s.id, list[i]));
    for (const node of this.nodes) {
      const ins = node.inputs.map((s) => shapes.get(s.id) as LayerShape);
      const out = node.layer.computeOutputShape(node.listInput ? ins : ins[0], node.callArgs);
      const outs = node.outputs.length === 1 ? [out as LayerShape] : (out as LayerShape[]);
      node.outputs.forEach((s, i) => shapes.set(s.id, outs[i]));
    }
    const outs = this.outputs.map((s) => shapes.get(s.id) as LayerShape);
    return outs.length === 1 ? outs[0] : outs;
  }

  /**
   * The graph as JSON (Keras layout): each layer's class and config with its
   * inbound connections `[layerName, nodeIndex, tensorIndex]`, and the
   * model's input and output connections.
   */
  override getConfig(): ConfigDict {
    const nodeIndex = new Map<LayerNode, number>();
    const counts = new Map<Layer, number>();
    const indexOf = (n: LayerNode): number => {
      let i = nodeIndex.get(n);
      if (i === undefined) {
        i = counts.get(n.layer) ?? 0;
        counts.set(n.layer, i + 1);
        nodeIndex.set(n, i);
      }
      return i;
    };
    for (const t of this.inputs) indexOf(t.node);
    for (const n of this.nodes) indexOf(n);
    const ref = (t: SymbolicTensor): ConfigValue => [t.node.layer.name, indexOf(t.node), t.outputIndex];
    const layers: ConfigValue[] = this.layerList.map((l) => ({
      className: l.className,
      name: l.name,
      config: l.getConfig(),
      inboundNodes: this.nodes.filter((n) => n.layer === l).map((n) => ({ inputs: n.inputs.map(ref), listInput: n.listInput })),
    }));
    return { name: this.name, layers, inputLayers: this.inputs.map(ref), outputLayers: this.outputs.map(ref) };
  }

  /**
   * Rebuilds a functional model from `getConfig()` output; classes resolve
   * only through the layer registry.
   *
   * @example
   * ```ts
   * const copy = Functional.fromConfig(net.getConfig());
   * ```
   */
  static fromConfig(config: ConfigDict): Functional {
    const owner = 'Functional.fromConfig';
    const layerConfigs = config.layers;
    if (!Array.isArray(layerConfigs)) throw new ValueError(`${owner}: expected config.layers to be a list`);
    const created = new Map<string, Layer>();
    const nodeOutputs = new Map<string, SymbolicTensor[][]>();
    const pending: Array<{ layer: Layer; inbound: Array<{ inputs: ConfigValue[]; listInput: boolean }> }> = [];
    for (const entry of layerConfigs) {
      const e = entry as { className?: unknown; name?: unknown; config?: unknown; inboundNodes?: unknown };
      if (typeof e.className !== 'string' || typeof e.name !== 'string' || e.config === null || typeof e.config !== 'object') {
        throw new ValueError(`${owner}: each layer needs className, name and config`);
      }
      const layer = deserializeLayer({ className: e.className, config: e.config as ConfigDict });
      created.set(e.name, layer);
      if (layer instanceof InputLayer) nodeOutputs.set(layer.name, [[layer.output]]);
      else pending.push({ layer, inbound: (Array.isArray(e.inboundNodes) ? e.inboundNodes : []) as Array<{ inputs: ConfigValue[]; listInput: boolean }> });
    }
    const resolve = (r: ConfigValue): SymbolicTensor | undefined => {
      if (!Array.isArray(r) || r.length !== 3) throw new ValueError(`${owner}: a connection must be [layerName, nodeIndex, tensorIndex], got ${JSON.stringify(r)}`);
      const [name, node, index] = r as [string, number, number];
      const layer = created.get(name);
      const local = layer instanceof InputLayer ? layer.name : name;
      return nodeOutputs.get(local)?.[node]?.[index];
    };
    // Apply nodes in dependency order: repeat passes until nothing more can be applied.
    const progress = pending.map(() => 0);
    for (let changed = true; changed; ) {
      changed = false;
      pending.forEach((p, i) => {
        while (progress[i] < p.inbound.length) {
          const nodeSpec = p.inbound[progress[i]];
          const ins = nodeSpec.inputs.map(resolve);
          if (ins.some((t) => t === undefined)) break;
          const outs = p.layer.applyMany(nodeSpec.listInput ? (ins as SymbolicTensor[]) : (ins[0] as SymbolicTensor));
          const list = nodeOutputs.get(p.layer.name) ?? [];
          list.push(outs);
          nodeOutputs.set(p.layer.name, list);
          progress[i]++;
          changed = true;
        }
      });
    }
    const refs = (v: ConfigValue | undefined, what: string): SymbolicTensor[] => {
      if (!Array.isArray(v)) throw new ValueError(`${owner}: expected config.${what} to be a list`);
      return v.map((r) => {
        const t = resolve(r);
        if (!t) throw new ValueError(`${owner}: ${what} refers to ${JSON.stringify(r)}, which the graph does not produce`);
        return t;
      });
    };
    return new Functional({
      inputs: refs(config.inputLayers, 'inputLayers'),
      outputs: refs(config.outputLayers, 'outputLayers'),
      name: typeof config.name === 'string' ? config.name : undefined,
    });
  }
}
layerRegistry.register('Functional', (config) => Functional.fromConfig(config));

/**
 * Creates a functional model from symbolic inputs and outputs
 * (`tf.model`). Throws a `ValueError` naming the missing input when an
 * output cannot be computed from the given inputs.
 *
 * @example
 * ```ts
 * const a = input({ shape: [4] });
 * const b = input({ shape: [4] });
 * const shared = layers.dense({ units: 8, activation: 'relu' });
 * const merged = layers.concatenate().apply([shared.apply(a), shared.apply(b)]);
 * const m = model({ inputs: [a, b], outputs: layers.dense({ units: 1 }).apply(merged) });
 * ```
 */
export function model(args: FunctionalArgs): Functional {
  return new Functional(args);
}
