import { describe, expect, it } from 'vitest';
import {
  Dense,
  DisposedError,
  Sequential,
  ShapeError,
  ValueError,
  input,
  layers,
  memory,
  sequential,
  setSeed,
  tensor,
  zeros,
  type Tensor,
} from '../../src/index.js';
import { signedValues } from '../helpers/rng.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

/** `[rows, cols]` of deterministic values in [-1, 1). */
const matrix = (rows: number, cols: number, seed: number): Tensor => tensor(signedValues(rows * cols, seed), [rows, cols]);

describe('Sequential: layers', () => {
  it('adds layers in order and finds them by name and index', () => {
    const d1 = layers.dense({ units: 4, inputShape: [3], name: 'seq_a_d1' });
    const d2 = layers.dense({ units: 2, name: 'seq_a_d2' });
    const m = sequential({ name: 'seq_a', layers: [d1] });
    m.add(d2);
    expect(m.layers.map((l) => l.name)).toEqual(['seq_a_d1', 'seq_a_d2']);
    expect(m.getLayer('seq_a_d2')).toBe(d2);
    expect(m.getLayer(0)).toBe(d1);
    expect(m.getLayer(1)).toBe(d2);
    // `layers` is a copy: changing it does not change the model.
    m.layers.pop();
    expect(m.layers).toHaveLength(2);
    expect(m.outputNames).toEqual(['seq_a_d2']);
  });

  it('getLayer errors name the model, the index range and the known layers', () => {
    const m = sequential({ name: 'seq_b', layers: [layers.dense({ units: 4, inputShape: [3], name: 'seq_b_d1' }), layers.dense({ units: 2, name: 'seq_b_d2' })] });
    expect(() => m.getLayer('nope')).toThrow(ValueError);
    expect(() => m.getLayer('nope')).toThrow("seq_b: no layer named 'nope'; layers: seq_b_d1, seq_b_d2");
    expect(() => m.getLayer(2)).toThrow('seq_b: getLayer expected an index in [0, 2), got 2');
    expect(() => m.getLayer(-1)).toThrow('seq_b: getLayer expected an index in [0, 2), got -1');
    expect(() => m.getLayer(0.5)).toThrow('seq_b: getLayer expected an index in [0, 2), got 0.5');
  });

  it('pop removes the last layer and recomputes the output shape', () => {
    const m = sequential({ name: 'seq_c', layers: [layers.dense({ units: 4, inputShape: [3], name: 'seq_c_d1' }), layers.dense({ units: 2, name: 'seq_c_d2' })] });
    expect(m.outputShapes).toEqual([[null, 2]]);
    m.pop();
    expect(m.layers.map((l) => l.name)).toEqual(['seq_c_d1']);
    expect(m.outputShapes).toEqual([[null, 4]]);
    expect(m.outputNames).toEqual(['seq_c_d1']);
    const x = zeros([5, 3]);
    const y = m.predict(x);
    expect(y.shape).toEqual([5, 4]);
    m.pop();
    expect(m.layers).toEqual([]);
    expect(() => m.pop()).toThrow('seq_c: pop() on a model with no layers');
    expect(() => m.predict(x)).toThrow('seq_c: the model has no layers; add() some first');
    [x, y].forEach((t) => t.dispose());
  });

  it('refuses a layer twice, and two layers with one name', () => {
    const d1 = layers.dense({ units: 4, inputShape: [3], name: 'seq_d_d1' });
    const m = sequential({ name: 'seq_d', layers: [d1] });
    expect(() => m.add(d1)).toThrow("seq_d: layer 'seq_d_d1' is already in the model");
    expect(() => m.add(layers.dense({ units: 2, name: 'seq_d_d1' }))).toThrow(
      "seq_d: a layer named 'seq_d_d1' is already in the model; layer names must be unique within a model",
    );
    expect(m.layers).toHaveLength(1);
  });
});

describe('Sequential: building', () => {
  it('builds each layer at add() when the first layer has an inputShape', () => {
    const d1 = layers.dense({ units: 4, inputShape: [3] });
    const d2 = layers.dense({ units: 2 });
    const m = sequential();
    m.add(d1);
    expect(d1.built).toBe(true);
    expect(d1.kernel.shape).toEqual([3, 4]);
    expect(m.built).toBe(true);
    expect(d2.built).toBe(false);
    m.add(d2);
    expect(d2.built).toBe(true);
    expect(d2.kernel.shape).toEqual([4, 2]);
    expect(m.inputShapes).toEqual([[null, 3]]);
    expect(m.outputShapes).toEqual([[null, 2]]);
    expect(m.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2);
  });

  it('an incompatible layer throws at add() and is not added', () => {
    const m = sequential({ name: 'seq_e', layers: [layers.dense({ units: 4, inputShape: [3], name: 'seq_e_d1' })] });
    // A dense already built for 5 features cannot follow a 4-unit layer.
    const prebuilt = layers.dense({ units: 2, name: 'seq_e_pre' });
    prebuilt.apply(zeros([1, 5])).dispose();
    expect(() => m.add(prebuilt)).toThrow(ShapeError);
    expect(() => m.add(prebuilt)).toThrow('seq_e_pre: expected input with axis -1 of size 5 (shape [null,5]), got shape [null,4]');
    // A conv needs rank-4 inputs.
    expect(() => m.add(layers.conv2d({ filters: 2, kernelSize: 1, name: 'seq_e_conv' }))).toThrow(/seq_e_conv: expected input of rank 4.*got shape \[null,4\]/);
    expect(m.layers.map((l) => l.name)).toEqual(['seq_e_d1']);
    expect(m.outputShapes).toEqual([[null, 4]]);
    // The model still works with what it has.
    const x = zeros([2, 3]);
    const y = m.predict(x);
    expect(y.shape).toEqual([2, 4]);
    [x, y].forEach((t) => t.dispose());
  });

  it('builds lazily from the first data when no layer has an inputShape', async () => {
    const d1 = layers.dense({ units: 3, activation: 'relu' });
    const d2 = layers.dense({ units: 1 });
    const m = sequential({ layers: [d1, d2] });
    expect(m.built).toBe(false);
    expect(d1.built).toBe(false);
    expect(m.weights).toEqual([]);
    expect(m.inputShapes).toEqual([undefined]);
    const x = matrix(5, 2, 1);
    const y = m.predict(x);
    expect(y.shape).toEqual([5, 1]);
    expect(m.built).toBe(true);
    expect(d1.kernel.shape).toEqual([2, 3]);
    expect(d2.kernel.shape).toEqual([3, 1]);
    expect(m.inputShapes).toEqual([[null, 2]]);
    expect(m.outputShapes).toEqual([[null, 1]]);
    expect(m.weights).toHaveLength(4);
    // Once built, the feature size is fixed.
    const wrong = zeros([5, 3]);
    expect(() => m.predict(wrong)).toThrow(ShapeError);
    [x, y, wrong].forEach((t) => t.dispose());
  });

  it('a lazily built model trains with fit', async () => {
    setSeed(3);
    const m = sequential({ layers: [layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = matrix(16, 2, 2);
    const yTrue = tensor(signedValues(16, 3), [16, 1]);
    const h = await m.fit(x, yTrue, { epochs: 3, verbose: 0, batchSize: 8 });
    expect(m.weights.map((w) => w.shape)).toEqual([[2, 1], [1]]);
    expect(h.history.loss).toHaveLength(3);
    expect(h.history.loss[2]).toBeLessThan(h.history.loss[0]);
    [x, yTrue].forEach((t) => t.dispose());
  });

  it('takes an input() as its first element', () => {
    const m = sequential({ name: 'seq_f' });
    m.add(input({ shape: [3], name: 'seq_f_features' }));
    const d = layers.dense({ units: 2 });
    m.add(d);
    expect(d.built).toBe(true);
    expect(m.inputNames).toEqual(['seq_f_features']);
    expect(m.inputShapes).toEqual([[null, 3]]);
    expect(m.outputShapes).toEqual([[null, 2]]);
    expect(() => m.add(input({ shape: [2] }))).toThrow('seq_f: an input() can only be the first element of a sequential model');
    // Record data is keyed by the input's name.
    const x = matrix(4, 3, 4);
    const a = m.predict(x);
    const b = m.predict({ seq_f_features: x });
    expect(values(b)).toEqual(values(a));
    expect(() => m.predict({ features: x })).toThrow('predict: expected x keyed by [seq_f_features], got keys [features]');
    [x, a, b].forEach((t) => t.dispose());
  });
});

describe('Sequential: summary', () => {
  it('prints the Keras table with shapes, parameter counts and totals', () => {
    const m = sequential({ name: 'tiny', layers: [layers.dense({ units: 4, inputShape: [6], name: 'tiny_d1' }), layers.dense({ units: 1, name: 'tiny_d2' })] });
    const printed: string[] = [];
    const text = m.summary({ printFn: (line) => printed.push(line) });
    // tiny_d1: 6*4 + 4 = 28; tiny_d2: 4*1 + 1 = 5; 33 float32 values = 132 bytes.
    const expected = [
      'Model: "tiny"',
      '_________________________________________________________________',
      'Layer (type)                 Output Shape              Param #',
      '=================================================================',
      'tiny_d1 (Dense)              (None, 4)                 28',
      '_________________________________________________________________',
      'tiny_d2 (Dense)              (None, 1)                 5',
      '=================================================================',
      'Total params: 33 (132.00 B)',
      'Trainable params: 33 (132.00 B)',
      'Non-trainable params: 0 (0.00 B)',
      '_________________________________________________________________',
    ];
    expect(printed).toEqual(expected);
    expect(text).toBe(expected.join('\n'));
  });

  it('counts frozen layers as non-trainable', () => {
    const d1 = layers.dense({ units: 4, inputShape: [6], name: 'frozen_d1' });
    const m = sequential({ name: 'frozen', layers: [d1, layers.dense({ units: 1, name: 'frozen_d2' })] });
    d1.trainable = false;
    const lines = m.summary({ printFn: () => {} }).split('\n');
    expect(lines.slice(-4, -1)).toEqual(['Total params: 33 (132.00 B)', 'Trainable params: 5 (20.00 B)', 'Non-trainable params: 28 (112.00 B)']);
  });

  it('shows unknown shapes and unbuilt layers before a lazy model is built', () => {
    const m = sequential({ name: 'lazy', layers: [layers.dense({ units: 4, name: 'lazy_d1' })] });
    const lines = m.summary({ printFn: () => {} }).split('\n');
    expect(lines[4]).toBe('lazy_d1 (Dense)              ?                         0 (unbuilt)');
    expect(lines).toContain('Total params: 0 (0.00 B)');
  });
});

describe('Sequential: config', () => {
  it('getConfig -> fromConfig rebuilds the model; same weights give the same predictions', () => {
    const m = sequential({
      name: 'seq_cfg',
      layers: [layers.dense({ units: 5, inputShape: [3], activation: 'tanh', name: 'seq_cfg_d1' }), layers.dense({ units: 2, activation: 'softmax', name: 'seq_cfg_d2' })],
    });
    const config = JSON.parse(JSON.stringify(m.getConfig())) as ReturnType<Sequential['getConfig']>;
    expect(config.name).toBe('seq_cfg');
    const layerConfigs = config.layers as Array<{ className: string; config: { units: number; activation: string } }>;
    expect(layerConfigs.map((l) => [l.className, l.config.units, l.config.activation])).toEqual([
      ['Dense', 5, 'tanh'],
      ['Dense', 2, 'softmax'],
    ]);
    const copy = Sequential.fromConfig(config);
    expect(copy).toBeInstanceOf(Sequential);
    expect(copy.name).toBe('seq_cfg');
    expect(copy.layers.map((l) => l.name)).toEqual(['seq_cfg_d1', 'seq_cfg_d2']);
    expect(copy.weights.map((w) => w.shape)).toEqual(m.weights.map((w) => w.shape));
    const ws = m.getWeights();
    copy.setWeights(ws);
    ws.forEach((w) => w.dispose());
    const x = matrix(7, 3, 5);
    const a = m.predict(x);
    const b = copy.predict(x);
    expect(values(b)).toEqual(values(a));
    [x, a, b].forEach((t) => t.dispose());
    copy.dispose();
  });

  it('keeps an input() first element through the config', () => {
    const m = sequential({ name: 'seq_cfg2' });
    m.add(input({ shape: [4] }));
    m.add(layers.dense({ units: 2, name: 'seq_cfg2_d' }));
    const copy = Sequential.fromConfig(JSON.parse(JSON.stringify(m.getConfig())));
    expect(copy.inputShapes).toEqual([[null, 4]]);
    expect(copy.built).toBe(true);
    expect(copy.weights.map((w) => w.shape)).toEqual([[4, 2], [2]]);
    copy.dispose();
  });

  it('fromConfig rejects a config without a layer list', () => {
    expect(() => Sequential.fromConfig({ name: 'x' })).toThrow('Sequential.fromConfig: expected config.layers to be a list, got undefined');
  });
});

describe('Sequential: predict', () => {
  it('gives the same values in batches of 3 as in one batch, with no leaks', () => {
    const m = sequential({ layers: [layers.dense({ units: 4, inputShape: [3], activation: 'relu' }), layers.dense({ units: 2 })] });
    const x = matrix(10, 3, 6);
    const whole = m.predict(x);
    const before = memory().numTensors;
    const batched = m.predict(x, { batchSize: 3 });
    expect(memory().numTensors).toBe(before + 1);
    expect(batched.shape).toEqual([10, 2]);
    expect(batched.dtype).toBe('float32');
    expect(values(batched)).toEqual(values(whole));
    // A direct call on the whole batch agrees too.
    const direct = m.apply(x);
    expect(values(direct)).toEqual(values(whole));
    [x, whole, batched, direct].forEach((t) => t.dispose());
  });

  it('predict equals the single element of predictMany', () => {
    const m = sequential({ layers: [layers.dense({ units: 3, inputShape: [2] })] });
    const x = matrix(4, 2, 7);
    const one = m.predict(x);
    const many = m.predictMany(x, { batchSize: 3 });
    expect(many).toHaveLength(1);
    expect(many[0].shape).toEqual([4, 3]);
    expect(values(many[0])).toEqual(values(one));
    [x, one, ...many].forEach((t) => t.dispose());
  });

  it('checks its options and the data', () => {
    const m = sequential({ layers: [layers.dense({ units: 3, inputShape: [2] })] });
    const x = zeros([4, 2]);
    expect(() => m.predict(x, { batchSize: 0 })).toThrow(/predict: option 'batchSize'/);
    expect(() => m.predict(x, { batchSze: 2 } as never)).toThrow(/predict: unknown option 'batchSze' \(did you mean 'batchSize'\?\)/);
    const empty = zeros([0, 2]);
    expect(() => m.predict(empty)).toThrow('predict: x has no samples');
    const before = memory().numTensors;
    expect(() => m.predict([[1, 2, 3]])).toThrow(ShapeError);
    // The tensor made from the nested array is freed after the throw.
    expect(memory().numTensors).toBe(before);
    [x, empty].forEach((t) => t.dispose());
  });
});

describe('Sequential: dispose', () => {
  it('frees the weights, the optimizer and the metric state', async () => {
    const before = memory().numTensors;
    const m = sequential({ layers: [layers.dense({ units: 4, inputShape: [3] }), layers.dense({ units: 2, activation: 'softmax' })] });
    expect(memory().numTensors).toBe(before + 4);
    const ws = m.weights;
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = matrix(6, 3, 8);
    const y = tensor([0, 1, 1, 0, 1, 0], [6], 'int32');
    await m.fit(x, y, { epochs: 1, verbose: 0 });
    const p = m.predict(x);
    p.dispose();
    x.dispose();
    y.dispose();
    expect(memory().numTensors).toBeGreaterThan(before + 4);
    m.dispose();
    expect(ws.every((w) => w.isDisposed)).toBe(true);
    expect(memory().numTensors).toBe(before);
    const again = zeros([1, 3]);
    expect(() => m.predict(again)).toThrow(DisposedError);
    again.dispose();
  });

  it('exposes the layer classes through the factories', () => {
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [1] })] });
    expect(m.getLayer(0)).toBeInstanceOf(Dense);
    expect(m.className).toBe('Sequential');
    m.dispose();
  });
});

describe('Sequential: input names and recompiling', () => {
  it('keeps the same input name before and after a lazy build', async () => {
    const m = sequential({ layers: [layers.dense({ units: 1 })] });
    const name = m.inputNames[0];
    expect(name).toBe(`${m.name}_input`);
    const x = tensor([[1, 2]]);
    const p1 = m.predict({ [name]: x });
    expect(m.inputNames).toEqual([name]);
    const p2 = m.predict({ [name]: x });
    expect(p2.arraySync()).toEqual(p1.arraySync());
    [x, p1, p2].forEach((t) => t.dispose());
    m.dispose();
  });

  it('frees an optimizer it made from a name when recompiled, and leaves a passed one alone', async () => {
    const m = sequential({ layers: [layers.dense({ units: 1, inputShape: [2] })] });
    const x = tensor([[1, 2]]);
    const y = tensor([[1]]);
    m.compile({ optimizer: 'adam', loss: 'mse' });
    await m.trainOnBatch(x, y);
    const first = m.optimizer!;
    expect(first.variables.length).toBeGreaterThan(1);
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    expect(first.variables.every((v) => v.isDisposed)).toBe(true);
    const mine = (await import('../../src/index.js')).optimizers.sgd();
    m.compile({ optimizer: mine, loss: 'mse' });
    await m.trainOnBatch(x, y);
    m.dispose();
    expect(mine.variables.some((v) => !v.isDisposed)).toBe(true);
    mine.dispose();
    [x, y].forEach((t) => t.dispose());
  });
});
