import { describe, expect, it } from 'vitest';
import {
  Functional,
  Sequential,
  ValueError,
  add,
  concat,
  deserializeLayer,
  input,
  layers,
  memory,
  model,
  sequential,
  setSeed,
  tensor,
  type ConfigDict,
  type Tensor,
} from '../../src/index.js';
import { rng, signedValues } from '../helpers/rng.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());
const matrix = (rows: number, cols: number, seed: number): Tensor => tensor(signedValues(rows * cols, seed), [rows, cols]);
const close = (a: number[], b: number[], digits = 5): void => {
  expect(a).toHaveLength(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
};

/** Two inputs (`<p>_a` [3], `<p>_b` [2]), a hidden layer on their concatenation, and two outputs (`<p>_reg` [1], `<p>_cls` [3] softmax). */
function twoInTwoOut(p: string) {
  const a = input({ shape: [3], name: `${p}_a` });
  const b = input({ shape: [2], name: `${p}_b` });
  const merge = layers.concatenate({ name: `${p}_merge` });
  const hidden = layers.dense({ units: 4, activation: 'tanh', name: `${p}_hidden` });
  const reg = layers.dense({ units: 1, name: `${p}_reg` });
  const cls = layers.dense({ units: 3, activation: 'softmax', name: `${p}_cls` });
  const h = hidden.apply(merge.apply([a, b]));
  const net = model({ inputs: [a, b], outputs: [reg.apply(h), cls.apply(h)], name: p });
  return { net, merge, hidden, reg, cls };
}

describe('Functional: two inputs and two outputs', () => {
  it('names inputs and outputs after their layers and computes the graph', () => {
    const { net, hidden, reg, cls } = twoInTwoOut('f1');
    expect(net).toBeInstanceOf(Functional);
    expect(net.inputNames).toEqual(['f1_a', 'f1_b']);
    expect(net.outputNames).toEqual(['f1_reg', 'f1_cls']);
    expect(net.inputShapes).toEqual([[null, 3], [null, 2]]);
    expect(net.outputShapes).toEqual([[null, 1], [null, 3]]);
    expect(net.layers.map((l) => l.name)).toEqual(['f1_a', 'f1_b', 'f1_merge', 'f1_hidden', 'f1_reg', 'f1_cls']);
    // hidden 5*4+4, reg 4*1+1, cls 4*3+3
    expect(net.countParams()).toBe(24 + 5 + 15);
    const xa = matrix(6, 3, 1);
    const xb = matrix(6, 2, 2);
    const [r, c] = net.predictMany([xa, xb]);
    expect(r.shape).toEqual([6, 1]);
    expect(c.shape).toEqual([6, 3]);
    // The same layers applied by hand.
    const joined = concat([xa, xb], 1);
    const h = hidden.apply(joined);
    const r2 = reg.apply(h);
    const c2 = cls.apply(h);
    expect(values(r)).toEqual(values(r2));
    expect(values(c)).toEqual(values(c2));
    // Record data keyed by input names gives the same outputs.
    const [r3, c3] = net.predictMany({ f1_b: xb, f1_a: xa });
    expect(values(r3)).toEqual(values(r));
    expect(values(c3)).toEqual(values(c));
    expect(() => net.predictMany({ f1_a: xa, f1_c: xb })).toThrow('predict: expected x keyed by [f1_a, f1_b], got keys [f1_a, f1_c]');
    expect(() => net.predictMany([xa])).toThrow('predict: the model has 2 inputs (f1_a, f1_b), got 1 tensors for x');
    expect(() => net.predict([xa, xb])).toThrow('predict: the model has 2 outputs (f1_reg, f1_cls); use predictMany()');
    [xa, xb, r, c, joined, h, r2, c2, r3, c3].forEach((t) => t.dispose());
  });

  it('fits with lists and with records keyed by name to the same weights', async () => {
    const n = 12;
    const xa = matrix(n, 3, 3);
    const xb = matrix(n, 2, 4);
    const yReg = matrix(n, 1, 5);
    const next = rng(6);
    const yCls = tensor(Array.from({ length: n }, () => Math.floor(next() * 3)), [n], 'int32');
    const runs: number[][][] = [];
    const histories: Record<string, number[]>[] = [];
    for (const form of ['list', 'record'] as const) {
      setSeed(11);
      const { net } = twoInTwoOut(`f2${form}`);
      const p = `f2${form}`;
      net.compile({ optimizer: 'sgd', loss: { [`${p}_reg`]: 'mse', [`${p}_cls`]: 'sparseCategoricalCrossentropy' } });
      const h =
        form === 'list'
          ? await net.fit([xa, xb], [yReg, yCls], { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 })
          : await net.fit({ [`${p}_a`]: xa, [`${p}_b`]: xb }, { [`${p}_cls`]: yCls, [`${p}_reg`]: yReg }, { epochs: 2, batchSize: 4, shuffle: false, verbose: 0 });
      runs.push(net.weights.map((w) => values(w)));
      histories.push(Object.fromEntries(Object.entries(h.history).map(([k, v]) => [k.replace(p, 'X'), v])));
      net.dispose();
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(histories[1]).toEqual(histories[0]);
    expect(Object.keys(histories[0]).sort()).toEqual(['X_cls_loss', 'X_reg_loss', 'loss']);
    [xa, xb, yReg, yCls].forEach((t) => t.dispose());
  });
});

describe('Functional: shared layers', () => {
  it('counts a layer applied to two inputs once and uses the same weights for both', async () => {
    const a = input({ shape: [3], name: 'f3_a' });
    const b = input({ shape: [3], name: 'f3_b' });
    const shared = layers.dense({ units: 2, name: 'f3_shared' });
    const out = layers.add({ name: 'f3_add' }).apply([shared.apply(a), shared.apply(b)]);
    const net = model({ inputs: [a, b], outputs: out });
    expect(net.weights).toHaveLength(2);
    expect(net.weights.map((w) => w.name)).toEqual([shared.kernel.name, shared.bias!.name]);
    expect(net.countParams()).toBe(3 * 2 + 2);
    expect(net.layers.filter((l) => l === shared)).toHaveLength(1);
    const xa = matrix(4, 3, 7);
    const xb = matrix(4, 3, 8);
    const y = net.predict([xa, xb]);
    const ya = shared.apply(xa);
    const yb = shared.apply(xb);
    const sum = add(ya, yb);
    close(values(y), values(sum), 6);
    // Training moves the one kernel with the gradients from both branches.
    net.compile({ optimizer: 'sgd', loss: 'mse' });
    const before = values(shared.kernel);
    const target = matrix(4, 2, 9);
    await net.fit([xa, xb], target, { epochs: 1, verbose: 0 });
    expect(values(shared.kernel)).not.toEqual(before);
    expect(net.weights).toHaveLength(2);
    [xa, xb, y, ya, yb, sum, target].forEach((t) => t.dispose());
    net.dispose();
  });
});

describe('Functional: graph checks', () => {
  it('names the missing input of a disconnected graph', () => {
    const a = input({ shape: [3] });
    const b = input({ shape: [2] });
    expect(b.name).toMatch(/^input_\d+$/);
    const out = layers.dense({ units: 1 }).apply(layers.concatenate().apply([a, b]));
    expect(() => model({ inputs: a, outputs: out })).toThrow(ValueError);
    expect(() => model({ inputs: a, outputs: out })).toThrow(
      `model: graph disconnected: output '${out.name}' depends on input '${b.name}', which is not among the model's inputs [${a.name}]; add it to inputs`,
    );
    expect(model({ inputs: [a, b], outputs: out }).inputNames).toEqual([a.name, b.name]);
  });

  it('refuses a layer output as a model input', () => {
    const a = input({ shape: [3] });
    const h = layers.dense({ units: 2, name: 'f4_h' }).apply(a);
    const out = layers.dense({ units: 1 }).apply(h);
    expect(() => model({ inputs: h, outputs: out })).toThrow(
      `model: inputs[0] ('${h.name}') is the output of layer 'f4_h', not an input(); model inputs must come from input()`,
    );
    expect(() => model({ inputs: [a, a], outputs: out })).toThrow(`model: input '${a.name}' is given twice`);
    expect(() => model({ inputs: [], outputs: out })).toThrow('model: expected at least one inputs, got an empty list');
    expect(() => model({ inputs: a, outputs: out, nmae: 'x' } as never)).toThrow("model: unknown option 'nmae'");
  });

  it('refuses two different layers with one name', () => {
    const a = input({ shape: [3] });
    const h = layers.dense({ units: 2, name: 'f5_same' }).apply(a);
    const out = layers.dense({ units: 1, name: 'f5_same' }).apply(h);
    expect(() => model({ inputs: a, outputs: out })).toThrow("model: two different layers are named 'f5_same'; layer names must be unique within a model");
  });
});

describe('Functional: config', () => {
  it('getConfig -> Functional.fromConfig gives the same graph and, with the same weights, the same predictions', () => {
    const { net } = twoInTwoOut('f6');
    const config = JSON.parse(JSON.stringify(net.getConfig())) as ConfigDict;
    expect(config.inputLayers).toEqual([
      ['f6_a', 0, 0],
      ['f6_b', 0, 0],
    ]);
    expect(config.outputLayers).toEqual([
      ['f6_reg', 0, 0],
      ['f6_cls', 0, 0],
    ]);
    const copy = Functional.fromConfig(config);
    expect(copy.inputNames).toEqual(net.inputNames);
    expect(copy.outputNames).toEqual(net.outputNames);
    expect(copy.layers.map((l) => l.className)).toEqual(['InputLayer', 'InputLayer', 'Concatenate', 'Dense', 'Dense', 'Dense']);
    const ws = net.getWeights();
    copy.setWeights(ws);
    ws.forEach((w) => w.dispose());
    const xa = matrix(5, 3, 10);
    const xb = matrix(5, 2, 11);
    const p1 = net.predictMany([xa, xb]);
    const p2 = copy.predictMany([xa, xb]);
    expect(p2.map(values)).toEqual(p1.map(values));
    [xa, xb, ...p1, ...p2].forEach((t) => t.dispose());
    copy.dispose();
    net.dispose();
  });

  it('round-trips a shared layer through the registry', () => {
    const a = input({ shape: [2], name: 'f7_a' });
    const b = input({ shape: [2], name: 'f7_b' });
    const shared = layers.dense({ units: 3, activation: 'relu', name: 'f7_shared' });
    const out = layers.dense({ units: 1, name: 'f7_out' }).apply(layers.subtract({ name: 'f7_sub' }).apply([shared.apply(a), shared.apply(b)]));
    const net = model({ inputs: [a, b], outputs: out, name: 'f7' });
    const config = JSON.parse(JSON.stringify(net.getConfig())) as ConfigDict;
    const sharedEntry = (config.layers as Array<{ name: string; inboundNodes: Array<{ inputs: unknown }> }>).find((l) => l.name === 'f7_shared');
    expect(sharedEntry?.inboundNodes.map((n) => n.inputs)).toEqual([[['f7_a', 0, 0]], [['f7_b', 0, 0]]]);
    const copy = deserializeLayer({ className: 'Functional', config }) as Functional;
    expect(copy).toBeInstanceOf(Functional);
    expect(copy.weights).toHaveLength(4);
    const ws = net.getWeights();
    copy.setWeights(ws);
    ws.forEach((w) => w.dispose());
    const xa = matrix(5, 2, 12);
    const xb = matrix(5, 2, 13);
    const y1 = net.predict([xa, xb]);
    const y2 = copy.predict([xa, xb]);
    expect(values(y2)).toEqual(values(y1));
    [xa, xb, y1, y2].forEach((t) => t.dispose());
    copy.dispose();
    net.dispose();
  });
});

describe('Functional: nested models', () => {
  it('uses a Sequential as a layer: its weights are the model’s, and it trains', async () => {
    const inner = sequential({
      name: 'f8_inner',
      layers: [layers.dense({ units: 4, inputShape: [3], activation: 'relu', name: 'f8_d1' }), layers.dense({ units: 2, name: 'f8_d2' })],
    });
    const x = input({ shape: [3], name: 'f8_x' });
    const head = layers.dense({ units: 1, name: 'f8_head' });
    const net = model({ inputs: x, outputs: head.apply(inner.apply(x)), name: 'f8' });
    expect(net.layers.map((l) => l.name)).toEqual(['f8_x', 'f8_inner', 'f8_head']);
    expect(net.weights).toHaveLength(6);
    expect(net.countParams()).toBe(16 + 10 + 3);
    expect(net.outputShapes).toEqual([[null, 1]]);
    const data = matrix(8, 3, 14);
    const y = net.predict(data);
    const viaInner = inner.predict(data);
    const expected = head.apply(viaInner);
    expect(values(y)).toEqual(values(expected));
    net.compile({ optimizer: 'sgd', loss: 'mse' });
    const innerBefore = values(inner.getLayer('f8_d1').weights[0]);
    const target = matrix(8, 1, 15);
    await net.fit(data, target, { epochs: 2, verbose: 0 });
    expect(values(inner.getLayer('f8_d1').weights[0])).not.toEqual(innerBefore);
    const summary = net.summary({ printFn: () => {} });
    expect(summary).toContain('f8_inner (Sequential)');
    // The inner model's row counts its 26 parameters.
    expect(summary.split('\n').find((l) => l.startsWith('f8_inner'))).toMatch(/\(None, 2\)\s+26\s+f8_x$/);
    [data, y, viaInner, expected, target].forEach((t) => t.dispose());
    net.dispose();
  });

  it('round-trips a nested Sequential through the config', () => {
    const inner = sequential({ name: 'f9_inner', layers: [layers.dense({ units: 2, inputShape: [3], name: 'f9_d1' })] });
    const x = input({ shape: [3], name: 'f9_x' });
    const net = model({ inputs: x, outputs: layers.dense({ units: 1, name: 'f9_head' }).apply(inner.apply(x)) });
    const copy = Functional.fromConfig(JSON.parse(JSON.stringify(net.getConfig())));
    expect(copy.layers.map((l) => l.className)).toEqual(['InputLayer', 'Sequential', 'Dense']);
    expect(copy.getLayer('f9_inner')).toBeInstanceOf(Sequential);
    const ws = net.getWeights();
    copy.setWeights(ws);
    ws.forEach((w) => w.dispose());
    const data = matrix(4, 3, 16);
    const y1 = net.predict(data);
    const y2 = copy.predict(data);
    expect(values(y2)).toEqual(values(y1));
    [data, y1, y2].forEach((t) => t.dispose());
    copy.dispose();
    net.dispose();
  });
});

describe('Functional: summary', () => {
  it("adds a 'Connected to' column listing each layer's inputs", () => {
    const a = input({ shape: [3], name: 'g_a' });
    const b = input({ shape: [2], name: 'g_b' });
    const merged = layers.concatenate({ name: 'g_cat' }).apply([a, b]);
    const out = layers.dense({ units: 2, name: 'g_out' }).apply(merged);
    const net = model({ inputs: [a, b], outputs: out, name: 'g' });
    const lines: string[] = [];
    net.summary({ printFn: (l) => lines.push(l) });
    // Widths for 98 columns: 32, 21, 12, rest.
    const row = (c1: string, c2: string, c3: string, c4: string): string => `${c1.padEnd(32)}${c2.padEnd(21)}${c3.padEnd(12)}${c4}`.trimEnd();
    const dash = '_'.repeat(98);
    const eq = '='.repeat(98);
    expect(lines).toEqual([
      'Model: "g"',
      dash,
      row('Layer (type)', 'Output Shape', 'Param #', 'Connected to'),
      eq,
      row('g_a (InputLayer)', '(None, 3)', '0', ''),
      dash,
      row('g_b (InputLayer)', '(None, 2)', '0', ''),
      dash,
      row('g_cat (Concatenate)', '(None, 5)', '0', 'g_a'),
      row('', '', '', 'g_b'),
      dash,
      row('g_out (Dense)', '(None, 2)', '12', 'g_cat'),
      eq,
      'Total params: 12 (48.00 B)',
      'Trainable params: 12 (48.00 B)',
      'Non-trainable params: 0 (0.00 B)',
      dash,
    ]);
    net.dispose();
  });
});

describe('Functional: memory', () => {
  it('predictMany leaves only its outputs', () => {
    const { net } = twoInTwoOut('f10');
    const xa = matrix(7, 3, 17);
    const xb = matrix(7, 2, 18);
    const before = memory().numTensors;
    const outs = net.predictMany([xa, xb], { batchSize: 3 });
    expect(memory().numTensors).toBe(before + 2);
    [xa, xb, ...outs].forEach((t) => t.dispose());
    net.dispose();
  });
});

describe('Functional: output names', () => {
  it('numbers the repeats when one layer makes two outputs', () => {
    const a = input({ shape: [2] });
    const sh = layers.dense({ units: 1, name: 'sh_out' });
    const h = layers.dense({ units: 2 }).apply(a);
    const m = model({ inputs: a, outputs: [sh.apply(a), sh.apply(h)] });
    expect(m.outputNames).toEqual(['sh_out_1', 'sh_out_2']);
    m.dispose();
  });
});
