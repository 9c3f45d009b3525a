import { describe, expect, it } from 'vitest';
import { Dense, Model, ValueError, layers, memory, optimizers, setSeed, tensor, type Layer, type Tensor } from '../../src/index.js';
import { rng } from '../helpers/rng.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

/** The PyTorch-style model: layers as properties, the forward pass in `call`. */
class TwoLayerNet extends Model {
  fc1 = layers.dense({ units: 8, activation: 'relu' });
  fc2 = layers.dense({ units: 1 });

  call(x: Tensor | Tensor[]): Tensor {
    return this.fc2.apply(this.fc1.apply(x as Tensor));
  }
}

/** Layers held in an array property. */
class Stack extends Model {
  blocks: Layer[] = [layers.dense({ units: 4, activation: 'tanh' }), layers.dense({ units: 2 })];

  call(x: Tensor | Tensor[]): Tensor {
    let h = x as Tensor;
    for (const b of this.blocks) {
      const next = b.apply(h);
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }
}

/** y = x0 - 2·x1 + 0.5 (a linear target the net can fit), 64 samples. */
function regressionData(seed: number): { x: Tensor; y: Tensor } {
  const next = rng(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 64; i++) {
    const a = next() * 2 - 1;
    const b = next() * 2 - 1;
    xs.push(a, b);
    ys.push(a - 2 * b + 0.5);
  }
  return { x: tensor(xs, [64, 2]), y: tensor(ys, [64, 1]) };
}

describe('Subclassed models', () => {
  it('find their weights through properties, once built by the first call', () => {
    const net = new TwoLayerNet({ name: 'sub_net' });
    expect(net.name).toBe('sub_net');
    expect(net.weights).toEqual([]);
    expect(net.layers).toEqual([net.fc1, net.fc2]);
    const x = tensor([[1, 2, 3]]);
    const y = net.predict(x);
    expect(y.shape).toEqual([1, 1]);
    expect(net.weights.map((w) => w.name)).toEqual([`${net.fc1.name}/kernel`, `${net.fc1.name}/bias`, `${net.fc2.name}/kernel`, `${net.fc2.name}/bias`]);
    expect(net.weights.map((w) => w.shape)).toEqual([[3, 8], [8], [8, 1], [1]]);
    expect(net.countParams()).toBe(24 + 8 + 8 + 1);
    expect(net.getLayer(1)).toBe(net.fc2);
    // predict is the forward pass.
    const direct = net.fc2.apply(net.fc1.apply(x));
    expect(values(y)).toEqual(values(direct));
    [x, y, direct].forEach((t) => t.dispose());
    net.dispose();
  });

  it('find their weights through array properties', () => {
    const net = new Stack();
    const x = tensor([[1, 2, 3, 4, 5]]);
    const y = net.predict(x);
    expect(y.shape).toEqual([1, 2]);
    expect(net.weights.map((w) => w.shape)).toEqual([[5, 4], [4], [4, 2], [2]]);
    expect(net.layers.every((l) => l instanceof Dense)).toBe(true);
    [x, y].forEach((t) => t.dispose());
    net.dispose();
  });

  it('train with fit: the loss falls', async () => {
    setSeed(5);
    const net = new TwoLayerNet();
    net.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'mse' });
    const { x, y } = regressionData(1);
    const h = await net.fit(x, y, { epochs: 20, batchSize: 16, verbose: 0 });
    expect(h.history.loss).toHaveLength(20);
    // The first epoch starts from random weights; twenty epochs of Adam cut the loss tenfold.
    expect(h.history.loss[19]).toBeLessThan(h.history.loss[0] * 0.1);
    expect(h.history.loss[1]).toBeLessThan(h.history.loss[0]);
    const { loss } = await net.evaluate(x, y);
    expect(loss).toBeLessThan(h.history.loss[0] * 0.1);
    [x, y].forEach((t) => t.dispose());
    net.dispose();
  });

  it('trainable = false on a sublayer freezes it during fit', async () => {
    setSeed(6);
    const net = new TwoLayerNet();
    const { x, y } = regressionData(2);
    net.predict(x).dispose();
    net.fc1.trainable = false;
    expect(net.trainableWeights.map((w) => w.name)).toEqual([net.fc2.kernel.name, net.fc2.bias!.name]);
    expect(net.nonTrainableWeights.map((w) => w.name)).toEqual([net.fc1.kernel.name, net.fc1.bias!.name]);
    const fc1Before = net.fc1.weights.map(values);
    const fc2Before = net.fc2.weights.map(values);
    net.compile({ optimizer: 'sgd', loss: 'mse' });
    await net.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(net.fc1.weights.map(values)).toEqual(fc1Before);
    expect(net.fc2.weights.map(values)).not.toEqual(fc2Before);
    expect(net.fc2.kernel.trainable).toBe(true);
    expect(net.fc1.kernel.trainable).toBe(false);
    // Unfreezing makes fit move it again.
    net.fc1.trainable = true;
    await net.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 });
    expect(net.fc1.weights.map(values)).not.toEqual(fc1Before);
    [x, y].forEach((t) => t.dispose());
    net.dispose();
  });

  it('a frozen model trains nothing, and fit still reports the loss', async () => {
    setSeed(8);
    const net = new TwoLayerNet();
    const { x, y } = regressionData(4);
    net.predict(x).dispose();
    net.trainable = false;
    expect(net.trainableWeights).toEqual([]);
    expect(net.fc2.trainable).toBe(true);
    const before = net.weights.map(values);
    net.compile({ optimizer: 'sgd', loss: 'mse' });
    const h = await net.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(net.weights.map(values)).toEqual(before);
    expect(h.history.loss[1]).toBeCloseTo(h.history.loss[0], 6);
    [x, y].forEach((t) => t.dispose());
    net.dispose();
  });

  it('build on the first fit, outside the gradient tape, without leaking', async () => {
    setSeed(7);
    const net = new TwoLayerNet();
    net.compile({ optimizer: 'sgd', loss: 'mse' });
    const { x, y } = regressionData(3);
    await net.fit(x, y, { epochs: 1, batchSize: 64, verbose: 0 });
    expect(net.weights).toHaveLength(4);
    const before = memory().numTensors;
    await net.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    expect(memory().numTensors).toBe(before);
    [x, y].forEach((t) => t.dispose());
    net.dispose();
  });

  it('validate the constructor options', () => {
    expect(() => new TwoLayerNet({ name: '' })).toThrow(ValueError);
    expect(() => new TwoLayerNet({ name: '' })).toThrow(/model: option 'name'/);
  });
});
