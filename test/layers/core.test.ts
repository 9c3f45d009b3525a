import { describe, expect, it } from 'vitest';
import { memory, ones, setSeed, tensor, valueAndGrad, variableGrads, zeros, type Tensor } from '../../src/engine/index.js';
import { Activation } from '../../src/layers/core/activation.js';
import { Dropout } from '../../src/layers/core/dropout.js';
import { Embedding } from '../../src/layers/core/embedding.js';
import { Flatten, Permute, RepeatVector, Reshape } from '../../src/layers/core/reshaping.js';
import { input } from '../../src/layers/input-layer.js';
import type { Layer } from '../../src/layers/layer.js';
import { L2 } from '../../src/layers/regularizers.js';
import { signedValues } from '../helpers/rng.js';
import { runLayerTest } from './harness.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

/**
 * Builds `layer` by calling it once on zero ids: the harness counts the
 * tensors its first call creates, and weights made by a lazy build would be
 * counted as if they were leaked outputs.
 */
function prebuilt<L extends Layer>(layer: L, shape: number[]): L {
  const ids = zeros(shape, 'int32');
  layer.apply(ids).dispose();
  ids.dispose();
  return layer;
}

describe('Activation', () => {
  it.each(['relu', 'tanh', 'sigmoid', 'linear'])('passes the harness with %s', (activation) => {
    runLayerTest({ make: (dtype) => new Activation({ activation, dtype }), inputShape: [2, 3, 4], expectedOutputShape: [2, 3, 4], expectedWeights: [] });
  });

  it('applies the function elementwise', () => {
    const x = tensor([-1, 0.5, 2], [1, 3]);
    // relu: [max(0,-1), 0.5, 2]; tanh(0.5) = 0.46211715726
    expect(values(new Activation({ activation: 'relu' }).apply(x))).toEqual([0, 0.5, 2]);
    expect(new Activation({ activation: 'tanh' }).apply(x).dataSync()[1]).toBeCloseTo(0.46211715726, 6);
  });

  it('returns a new tensor for linear, so disposing the output leaves the input alive', () => {
    const x = tensor([1, 2], [1, 2]);
    const y = new Activation({ activation: 'linear' }).apply(x);
    expect(y).not.toBe(x);
    y.dispose();
    expect(values(x)).toEqual([1, 2]);
  });

  it('names the layer in option errors', () => {
    expect(() => new Activation({ activation: 'rleu', name: 'act' })).toThrow(/^act: option 'activation': unknown activation 'rleu' \(did you mean 'relu'\?\)/);
    expect(() => new Activation({} as never)).toThrow(/activation_\d+: option 'activation'/);
    expect(() => new Activation({ activation: 'relu', rate: 1 } as never)).toThrow(/activation_\d+: unknown option 'rate'/);
  });
});

describe('Dropout', () => {
  it('passes the harness (inference mode) with and without noiseShape', () => {
    runLayerTest({ make: (dtype) => new Dropout({ rate: 0.5, dtype }), inputShape: [3, 4], expectedOutputShape: [3, 4], expectedWeights: [] });
    runLayerTest({
      make: (dtype) => new Dropout({ rate: 0.3, noiseShape: [null, 1, 4], seed: 3, dtype }),
      inputShape: [2, 3, 4],
      expectedOutputShape: [2, 3, 4],
    });
  });

  it('is the identity at inference and for rate 0', () => {
    const x = tensor(signedValues(12, 1), [3, 4]);
    expect(values(new Dropout({ rate: 0.9 }).apply(x))).toEqual(values(x));
    expect(values(new Dropout({ rate: 0 }).apply(x, { training: true }))).toEqual(values(x));
  });

  it('drops about rate of the entries in training and scales the rest by 1 / (1 - rate)', () => {
    const out = new Dropout({ rate: 0.25 }).apply(ones([100, 100]), { training: true });
    const v = values(out);
    const zerosFraction = v.filter((e) => e === 0).length / v.length;
    // Binomial(10000, 0.25): standard deviation of the fraction sqrt(0.25 * 0.75 / 10000) = 0.0043; 0.02 is 4.6 sigma.
    expect(Math.abs(zerosFraction - 0.25)).toBeLessThan(0.02);
    // Kept entries are 1 / 0.75 = 1.3333 (in float32).
    expect(new Set(v.filter((e) => e !== 0))).toEqual(new Set([Math.fround(1 / 0.75)]));
  });

  it('shares the mask along noiseShape axes of size 1', () => {
    const out = new Dropout({ rate: 0.5, noiseShape: [null, 1] }).apply(ones([40, 6]), { training: true });
    const rows = out.arraySync() as number[][];
    for (const row of rows) expect(new Set(row).size).toBe(1);
    const dropped = rows.filter((r) => r[0] === 0).length;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(40);
  });

  it('with a seed: fresh masks on each training call, the same sequence for a new layer with that seed', () => {
    const x = ones([8, 8]);
    const a = new Dropout({ rate: 0.5, seed: 42 });
    const b = new Dropout({ rate: 0.5, seed: 42 });
    const a1 = values(a.apply(x, { training: true }));
    const a2 = values(a.apply(x, { training: true }));
    expect(a2).not.toEqual(a1);
    expect(values(b.apply(x, { training: true }))).toEqual(a1);
    expect(values(b.apply(x, { training: true }))).toEqual(a2);
    // Inference calls do not advance the sequence.
    const c = new Dropout({ rate: 0.5, seed: 42 });
    c.apply(x);
    expect(values(c.apply(x, { training: true }))).toEqual(a1);
    expect(values(new Dropout({ rate: 0.5, seed: 43 }).apply(x, { training: true }))).not.toEqual(a1);
  });

  it('without a seed, setSeed makes the masks reproducible', () => {
    const x = ones([8, 8]);
    const layer = new Dropout({ rate: 0.5 });
    setSeed(7);
    const first = values(layer.apply(x, { training: true }));
    const second = values(layer.apply(x, { training: true }));
    setSeed(7);
    expect(values(layer.apply(x, { training: true }))).toEqual(first);
    expect(values(layer.apply(x, { training: true }))).toEqual(second);
    expect(second).not.toEqual(first);
  });

  it('has the gradient mask / (1 - rate) in training (value and gradient from the same call)', () => {
    const layer = new Dropout({ rate: 0.4, seed: 1, dtype: 'float64' });
    const x = tensor(signedValues(30, 2), [5, 6], 'float64');
    const w = tensor(signedValues(30, 3), [5, 6], 'float64');
    let y: number[] = [];
    const { value, grad } = valueAndGrad((t: Tensor) => {
      const out = layer.apply(t, { training: true });
      y = values(out);
      return out.mul(w).sum();
    })(x);
    const xs = values(x);
    const ws = values(w);
    // Kept entries are x / 0.6; the gradient there is w / 0.6, elsewhere 0.
    const expected = y.map((v, i) => (v === 0 ? 0 : ws[i] / 0.6));
    y.forEach((v, i) => v !== 0 && expect(v).toBeCloseTo(xs[i] / 0.6, 12));
    values(grad).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 12));
    expect(value.dataSync()[0]).toBeCloseTo(y.reduce((s, v, i) => s + v * ws[i], 0), 12);
  });

  it('leaks nothing in training mode', () => {
    const layer = new Dropout({ rate: 0.5, seed: 2 });
    const x = ones([4, 4]);
    layer.apply(x, { training: true }).dispose();
    const before = memory().numTensors;
    layer.apply(x, { training: true }).dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('round-trips rate, noiseShape and seed in its config', () => {
    expect(new Dropout({ rate: 0.2, noiseShape: [null, 1], seed: 9, name: 'd' }).getConfig()).toEqual({
      name: 'd',
      trainable: true,
      dtype: 'float32',
      rate: 0.2,
      noiseShape: [null, 1],
      seed: 9,
    });
  });

  it('names the layer in errors', () => {
    expect(() => new Dropout({ rate: 1, name: 'drop' })).toThrow(/^drop: option 'rate': .*<1/);
    expect(() => new Dropout({ rate: -0.1, name: 'drop' })).toThrow(/^drop: option 'rate'/);
    expect(() => new Dropout({ rate: 0.5, seed: 1.5, name: 'drop' })).toThrow(/^drop: option 'seed'/);
    expect(() => new Dropout({ rate: 0.5, rat: 0.5 } as never)).toThrow(/unknown option 'rat' \(did you mean 'rate'\?\)/);
    const layer = new Dropout({ rate: 0.5, noiseShape: [null, 2], name: 'drop' });
    expect(() => layer.apply(ones([3, 4]))).toThrow(/^drop: expected noiseShape of rank 2 with each entry equal to the input's size, 1 or null, got \[null,2\] for input of shape \[null,4\]/);
    const built = new Dropout({ rate: 0.5, noiseShape: [4, 1], name: 'drop2' });
    built.apply(ones([4, 3])).dispose();
    expect(() => built.apply(ones([2, 3]), { training: true })).toThrow(/^drop2: expected noiseShape .* got \[4,1\] for input of shape \[2,3\]/);
  });
});

describe('Flatten', () => {
  it.each([
    [[2, 3, 4], [2, 12]],
    [[2, 5], [2, 5]],
    [[2, 2, 3, 2], [2, 12]],
    [[3], [3, 1]],
  ])('passes the harness for %j', (inputShape, expectedOutputShape) => {
    runLayerTest({ make: (dtype) => new Flatten({ dtype }), inputShape, expectedOutputShape, expectedWeights: [] });
  });

  it('keeps row-major order', () => {
    const x = tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    expect(new Flatten().apply(x).arraySync()).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
  });

  it('has an unknown flattened size when a sample size is unknown', () => {
    expect(new Flatten().apply(input({ shape: [null, 3] })).shape).toEqual([null, null]);
    expect(new Flatten().apply(input({ shape: [4, 3] })).shape).toEqual([null, 12]);
  });

  it('rejects channelsFirst and scalars', () => {
    expect(() => new Flatten({ dataFormat: 'channelsFirst', name: 'f' })).toThrow(/^f: dataFormat 'channelsFirst' is not supported/);
    expect(() => new Flatten({ name: 'f2' }).apply(tensor(3))).toThrow(/^f2: expected input of rank >= 1, got shape \[\]/);
  });
});

describe('Reshape', () => {
  it.each([
    [[2, 6], [3, 2], [2, 3, 2]],
    [[2, 6], [-1, 2], [2, 3, 2]],
    [[2, 3, 4], [4, -1], [2, 4, 3]],
    [[2, 3, 4], [12], [2, 12]],
  ])('passes the harness for %j to %j', (inputShape, targetShape, expectedOutputShape) => {
    runLayerTest({ make: (dtype) => new Reshape({ targetShape, dtype }), inputShape, expectedOutputShape, expectedWeights: [] });
  });

  it('keeps row-major order', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [1, 6]);
    expect(new Reshape({ targetShape: [3, 2] }).apply(x).arraySync()).toEqual([[[1, 2], [3, 4], [5, 6]]]);
  });

  it('infers -1 symbolically only when the sample size is known', () => {
    expect(new Reshape({ targetShape: [-1, 2] }).apply(input({ shape: [3, 4] })).shape).toEqual([null, 6, 2]);
    expect(new Reshape({ targetShape: [-1, 2] }).apply(input({ shape: [null, 4] })).shape).toEqual([null, null, 2]);
  });

  it('names the layer and the shapes when sizes disagree', () => {
    expect(() => new Reshape({ targetShape: [4], name: 'r' }).apply(ones([2, 6]))).toThrow(
      /^r: cannot reshape samples of shape \[6\] \(6 values\) to targetShape \[4\] \(4 values\)/,
    );
    expect(() => new Reshape({ targetShape: [-1, 4], name: 'r2' }).apply(ones([2, 6]))).toThrow(/^r2: cannot reshape .* \(a multiple of 4 values\)/);
    // Unknown sizes at build time: the check happens on the concrete call.
    const late = new Reshape({ targetShape: [5], name: 'r3' });
    late.apply(input({ shape: [null] }));
    expect(() => late.apply(ones([2, 6]))).toThrow(/^r3: cannot reshape samples of shape \[6\]/);
  });

  it('rejects bad target shapes', () => {
    expect(() => new Reshape({ targetShape: [-1, -1], name: 'r' })).toThrow(/^r: option 'targetShape': at most one entry may be -1, got \[-1,-1\]/);
    expect(() => new Reshape({ targetShape: [0, 2], name: 'r' })).toThrow(/^r: option 'targetShape.*positive integer or -1/);
    expect(() => new Reshape({ targetShape: [2], targetShap: [2] } as never)).toThrow(/did you mean 'targetShape'/);
  });
});

describe('Permute', () => {
  it.each([
    [[2, 1], [2, 3, 4], [2, 4, 3]],
    [[3, 1, 2], [2, 3, 4, 5], [2, 5, 3, 4]],
    [[1, 2], [2, 3, 4], [2, 3, 4]],
  ])('passes the harness for dims %j on %j', (dims, inputShape, expectedOutputShape) => {
    runLayerTest({ make: (dtype) => new Permute({ dims, dtype }), inputShape, expectedOutputShape, expectedWeights: [] });
  });

  it('moves values like a transpose of the sample axes', () => {
    // x[b][i][j] = 100b + 10i + j, shape [2, 2, 3]; out[b][j][i] = x[b][i][j].
    const data: number[] = [];
    for (let b = 0; b < 2; b++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) data.push(100 * b + 10 * i + j);
    const out = new Permute({ dims: [2, 1] }).apply(tensor(data, [2, 2, 3])).arraySync() as number[][][];
    for (let b = 0; b < 2; b++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(out[b][j][i]).toBe(100 * b + 10 * i + j);
  });

  it('rejects dims that are not a permutation of 1..n, and inputs of the wrong rank', () => {
    expect(() => new Permute({ dims: [0, 1], name: 'p' })).toThrow(/^p: option 'dims': expected a permutation of 1\.\.2 .* got \[0,1\]/);
    expect(() => new Permute({ dims: [1, 1], name: 'p' })).toThrow(/^p: option 'dims': expected a permutation of 1\.\.2/);
    expect(() => new Permute({ dims: [2, 1], name: 'p2' }).apply(ones([2, 3]))).toThrow(/^p2: expected input of rank 3, got shape \[2,3\]/);
  });
});

describe('RepeatVector', () => {
  it('passes the harness', () => {
    runLayerTest({ make: (dtype) => new RepeatVector({ n: 3, dtype }), inputShape: [2, 4], expectedOutputShape: [2, 3, 4], expectedWeights: [] });
  });

  it('repeats each sample n times', () => {
    expect(new RepeatVector({ n: 2 }).apply(tensor([1, 2, 3, 4], [2, 2])).arraySync()).toEqual([
      [
        [1, 2],
        [1, 2],
      ],
      [
        [3, 4],
        [3, 4],
      ],
    ]);
  });

  it('names the layer in errors', () => {
    expect(() => new RepeatVector({ n: 0, name: 'rv' })).toThrow(/^rv: option 'n'/);
    expect(() => new RepeatVector({ n: 2, name: 'rv2' }).apply(ones([2, 3, 4]))).toThrow(/^rv2: expected input of rank 2, got shape \[2,3,4\]/);
  });
});

describe('Embedding', () => {
  it('passes the harness for rank-2 and rank-1 ids', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Embedding({ inputDim: 5, outputDim: 3, dtype }), [1, 4]),
      inputShape: [2, 4],
      inputDType: 'int32',
      intRange: 5,
      expectedOutputShape: [2, 4, 3],
      expectedWeights: [['embeddings', [5, 3]]],
    });
    runLayerTest({
      make: (dtype) => prebuilt(new Embedding({ inputDim: 3, outputDim: 2, embeddingsRegularizer: 'l2', dtype }), [6]),
      inputShape: [6],
      inputDType: 'int32',
      intRange: 3,
      expectedOutputShape: [6, 2],
      expectedWeights: [['embeddings', [3, 2]]],
    });
  });

  it('gathers rows of the table, from int32 or integral float ids', () => {
    const layer = new Embedding({ inputDim: 3, outputDim: 2 });
    layer.apply(zeros([1, 1], 'int32')).dispose();
    layer.setWeights([tensor([0, 1, 10, 11, 20, 21], [3, 2])]);
    const expected = [[[20, 21], [0, 1], [20, 21]]];
    expect(layer.apply(tensor([[2, 0, 2]], [1, 3], 'int32')).arraySync()).toEqual(expected);
    const fromFloat = layer.apply(tensor([[2, 0, 2]], [1, 3], 'float32'));
    expect(fromFloat.dtype).toBe('float32');
    expect(fromFloat.arraySync()).toEqual(expected);
  });

  it('accumulates the gradient of repeated ids', () => {
    const layer = new Embedding({ inputDim: 3, outputDim: 2, embeddingsInitializer: 'ones' });
    const ids = tensor([0, 2, 2, 2], [4], 'int32');
    layer.apply(ids).dispose();
    // d sum(out) / d table[row] = how often row appears: [1, 0, 3].
    const { value, grads } = variableGrads(() => layer.apply(ids).sum(), [layer.embeddings]);
    value.dispose();
    expect(values(grads[layer.embeddings.name])).toEqual([1, 1, 0, 0, 3, 3]);
  });

  it('defaults to uniform weights in [-0.05, 0.05] and has the regularizer loss', () => {
    const layer = new Embedding({ inputDim: 50, outputDim: 4, embeddingsRegularizer: new L2({ l2: 0.5 }) });
    layer.apply(zeros([1], 'int32')).dispose();
    const w = values(layer.embeddings);
    expect(w.every((v) => v >= -0.05 && v <= 0.05)).toBe(true);
    expect(new Set(w).size).toBeGreaterThan(150);
    const [loss] = layer.regularizationLosses();
    // 0.5 * sum(w^2)
    expect(loss.dataSync()[0]).toBeCloseTo(0.5 * w.reduce((s, v) => s + v * v, 0), 6);
  });

  it('uses inputLength for symbolic shapes only where the input leaves sizes unknown', () => {
    expect(new Embedding({ inputDim: 4, outputDim: 2, inputLength: 7 }).apply(input({ shape: [null], dtype: 'int32' })).shape).toEqual([null, 7, 2]);
    expect(new Embedding({ inputDim: 4, outputDim: 2 }).apply(input({ shape: [null], dtype: 'int32' })).shape).toEqual([null, null, 2]);
    expect(() => new Embedding({ inputDim: 4, outputDim: 2, inputLength: 7, name: 'e' }).apply(input({ shape: [5], dtype: 'int32' }))).toThrow(
      /^e: inputLength is \[7\], but the input has shape \[null,5\]/,
    );
  });

  it('keeps maskZero and inputLength in its config', () => {
    const c = new Embedding({ inputDim: 4, outputDim: 2, maskZero: true, inputLength: [3], name: 'e' }).getConfig();
    expect(c).toMatchObject({ inputDim: 4, outputDim: 2, maskZero: true, inputLength: [3], embeddingsRegularizer: null });
    expect(c.embeddingsInitializer).toEqual({ className: 'RandomUniform', config: expect.objectContaining({ minval: -0.05, maxval: 0.05 }) });
  });

  it('names the layer, the id and the range for bad ids, and changes nothing', () => {
    const layer = new Embedding({ inputDim: 4, outputDim: 2, name: 'emb' });
    expect(() => layer.apply(tensor([[1, 4]], [1, 2], 'int32'))).toThrow(
      /^emb: id 4 at flat position 1 of the input \(shape \[1,2\]\) is out of range; expected ids in \[0, 4\) \(inputDim 4\)/,
    );
    expect(() => layer.apply(tensor([-1], [1], 'int32'))).toThrow(/^emb: id -1 at flat position 0 .* expected ids in \[0, 4\)/);
    expect(() => layer.apply(tensor([1.5], [1]))).toThrow(/^emb: expected integer ids, got 1.5 at flat position 0/);
    expect(() => layer.apply(tensor([true], [1], 'bool'))).toThrow(/^emb: expected integer ids .* got dtype bool/);
    const bad = tensor([9], [1], 'int32');
    const before = memory().numTensors;
    expect(() => layer.apply(bad)).toThrow(/out of range/);
    expect(memory().numTensors).toBe(before);
    bad.dispose();
  });

  it('names the layer in option errors', () => {
    expect(() => new Embedding({ inputDim: 0, outputDim: 2, name: 'e' })).toThrow(/^e: option 'inputDim'/);
    expect(() => new Embedding({ inputDim: 3, outputDim: 2, outputDims: 2 } as never)).toThrow(/unknown option 'outputDims' \(did you mean 'outputDim'\?\)/);
    expect(() => new Embedding({ inputDim: 3, outputDim: 2, embeddingsInitializer: 'unifrm', name: 'e' })).toThrow(/^e: option 'embeddingsInitializer': unknown initializer 'unifrm'/);
  });
});
