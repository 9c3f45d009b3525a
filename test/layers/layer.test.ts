/**
 * The Layer base: a custom layer built lazily and from an input shape,
 * weight naming, trainable flags, setWeights' all-or-nothing check, state
 * updates deferred inside a step, the registry, and symbolic application.
 */
import { describe, expect, it } from 'vitest';
import { Tensor, ValueError, ShapeError, memory, ones, tensor, tidy, type Variable } from '../../src/engine/index.js';
import { Layer, collectStateUpdates, deserializeLayer, registerLayer, type LayerShape } from '../../src/layers/layer.js';
import { input } from '../../src/layers/input-layer.js';
import { Dense } from '../../src/layers/core/dense.js';
import type { ConfigDict } from '../../src/layers/config.js';

class Scale extends Layer {
  static override readonly className = 'TestScale';
  factor!: Variable;
  counter!: Variable;
  constructor(args: ConfigDict = {}) {
    super(args);
  }
  override build(shape: LayerShape | LayerShape[]): void {
    const s = shape as LayerShape;
    this.factor = this.addWeight('factor', [s[s.length - 1] as number], { initializer: 'ones' });
    this.counter = this.addWeight('counter', [], { initializer: 'zeros', trainable: false });
    this.inputSpec = { minNdim: 2, axes: { [-1]: s[s.length - 1] as number } };
  }
  call(x: Tensor | Tensor[]): Tensor {
    this.addUpdate(this.counter, this.counter.add(1));
    return (x as Tensor).mul(this.factor);
  }
}
registerLayer(Scale);

describe('Layer base', () => {
  it('builds lazily from the first input, names weights <layer>/<weight>, and counts them', () => {
    const l = new Scale({ name: 'scale_a' });
    expect(l.built).toBe(false);
    expect(() => l.countParams()).toThrow(/^scale_a: the layer is not built yet/);
    const y = l.apply(tensor([[1, 2, 3]]));
    expect(y.arraySync()).toEqual([[1, 2, 3]]);
    expect(l.weights.map((w) => w.name)).toEqual(['scale_a/factor', 'scale_a/counter']);
    expect(l.trainableWeights.map((w) => w.name)).toEqual(['scale_a/factor']);
    expect(l.nonTrainableWeights.map((w) => w.name)).toEqual(['scale_a/counter']);
    expect(l.countParams()).toBe(4);
    expect(l.counter.arraySync()).toBe(1);
    l.dispose();
  });

  it('adds a suffix while another live variable has the name, and frees names on dispose', () => {
    const a = new Scale({ name: 'twin' });
    const b = new Scale({ name: 'twin' });
    a.apply(ones([1, 2]));
    b.apply(ones([1, 2]));
    expect(b.weights.map((w) => w.name)).toEqual(['twin/factor_1', 'twin/counter_1']);
    a.dispose();
    b.dispose();
    const c = new Scale({ name: 'twin' });
    c.apply(ones([1, 2]));
    expect(c.weights[0].name).toBe('twin/factor');
    c.dispose();
  });

  it('checks the input spec after build, naming the layer', () => {
    const l = new Scale({ name: 'spec' });
    l.apply(ones([2, 3]));
    expect(() => l.apply(ones([2, 4]))).toThrow(ShapeError);
    expect(() => l.apply(ones([2, 4]))).toThrow(/^spec: expected input with axis -1 of size 3 \(shape \[null,3\]\), got shape \[2,4\]/);
    expect(() => l.apply(ones([3]))).toThrow(/^spec: expected input of rank >= 2, got shape \[3\]/);
    l.dispose();
  });

  it('trainable=false moves every weight to nonTrainableWeights and back', () => {
    const l = new Scale({ name: 'frozen' });
    l.apply(ones([1, 2]));
    l.trainable = false;
    expect(l.trainableWeights).toEqual([]);
    expect(l.factor.trainable).toBe(false);
    l.trainable = true;
    expect(l.trainableWeights.map((w) => w.name)).toEqual(['frozen/factor']);
    expect(() => {
      (l as unknown as { trainable: unknown }).trainable = 'yes';
    }).toThrow(/^frozen: expected trainable to be a boolean, got yes/);
    l.dispose();
  });

  it('setWeights checks every value before changing any', () => {
    const l = new Scale({ name: 'setw' });
    l.apply(ones([1, 2]));
    expect(() => l.setWeights([tensor([5, 6]), tensor([1, 2])])).toThrow(/^setw: setWeights: 'setw\/counter' has shape \[\], got \[2\]/);
    expect(l.factor.arraySync()).toEqual([1, 1]);
    expect(() => l.setWeights([tensor([5, 6])])).toThrow(/^setw: setWeights expected 2 tensors \(setw\/factor, setw\/counter\), got 1/);
    l.setWeights([tensor([5, 6]), tensor(3)]);
    expect(l.factor.arraySync()).toEqual([5, 6]);
    const copies = l.getWeights();
    l.setWeights([tensor([0, 0]), tensor(0)]);
    expect(copies[0].arraySync()).toEqual([5, 6]);
    l.dispose();
  });

  it('defers state updates inside collectStateUpdates, and discards them when the step throws', () => {
    const l = new Scale({ name: 'upd' });
    l.apply(ones([1, 2]));
    const { updates } = collectStateUpdates(() => tidy(() => void l.apply(ones([1, 2]))));
    expect(l.counter.arraySync()).toBe(1);
    expect(updates.length).toBe(1);
    for (const [v, t] of updates) {
      v.assign(t);
      t.dispose();
    }
    expect(l.counter.arraySync()).toBe(2);
    const before = memory().numTensors;
    expect(() =>
      collectStateUpdates(() =>
        tidy(() => {
          l.apply(ones([1, 2]));
          throw new ValueError('boom');
        }),
      ),
    ).toThrow('boom');
    expect(l.counter.arraySync()).toBe(2);
    expect(memory().numTensors).toBe(before);
    l.dispose();
  });

  it('round-trips a registered custom layer through the registry', () => {
    const l = new Scale({ name: 'reg' });
    const copy = deserializeLayer({ className: 'TestScale', config: l.getConfig() });
    expect(copy).toBeInstanceOf(Scale);
    expect(copy.name).toBe('reg');
    expect(() => deserializeLayer({ className: 'TestScael', config: {} })).toThrow(/unknown layer class 'TestScael' \(did you mean 'TestScale'\?\)/);
  });

  it('applies to symbolic inputs: builds from the shape and records a node', () => {
    const x = input({ shape: [4] });
    const d = new Dense({ units: 3, name: 'sym_dense' });
    const y = d.apply(x);
    expect(y.shape).toEqual([null, 3]);
    expect(y.node.layer).toBe(d);
    expect(y.node.inputs).toEqual([x]);
    expect(d.kernel.shape).toEqual([4, 3]);
    expect(() => d.apply([x, tensor([1]) as unknown as typeof x])).toThrow(/^sym_dense: inputs mix Tensors and SymbolicTensors/);
    d.dispose();
  });

  it('input() validates its options', () => {
    expect(() => input({} as never)).toThrow(/^input: expected a shape .* got neither/);
    expect(() => input({ shape: [0] })).toThrow(/option 'shape\.0'/);
    expect(input({ shape: [2, null], batchSize: 8 }).shape).toEqual([8, 2, null]);
  });
});

describe('layer names', () => {
  it('a constructor that throws on a bad option name does not use up a default name', () => {
    const a = new Dense({ units: 1 });
    expect(() => new Dense({ units: 1, activation: 'rleu' })).toThrow(/^dense_\d+: option 'activation': unknown activation 'rleu' \(did you mean 'relu'\?\)/);
    expect(() => new Dense({ units: 1, kernelInitializer: 'glorotUnifrom' })).toThrow(/option 'kernelInitializer': unknown initializer/);
    const b = new Dense({ units: 1 });
    const n = (s: string) => Number(s.split('_').pop());
    expect(n(b.name)).toBe(n(a.name) + 1);
  });
});
