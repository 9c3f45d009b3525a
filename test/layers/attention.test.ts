import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, grads, memory, setSeed, tensor, tidy, zeros, type Tensor } from '../../src/engine/index.js';
import { MultiHeadAttention } from '../../src/layers/attention.js';
import type { Layer } from '../../src/layers/layer.js';
import { input } from '../../src/layers/input-layer.js';
import { runLayerTest } from './harness.js';
import { signedValues } from '../helpers/rng.js';

type Arr3 = number[][][];
type Arr4 = number[][][][];

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `index ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i])));
  }
}

/** Builds `layer` with one call on zeros (the harness counts tensors created by its first call, weights included, as outputs). */
function prebuilt<L extends Layer>(layer: L, shapes: number[][]): L {
  tidy(() => void layer.apply(shapes.map((s) => zeros(s, layer.dtype))));
  return layer;
}

function nest3(flat: readonly number[], [a, b, c]: readonly number[]): Arr3 {
  return Array.from({ length: a }, (_, i) => Array.from({ length: b }, (_, j) => Array.from({ length: c }, (_, k) => flat[(i * b + j) * c + k])));
}

interface Weights {
  wq: Arr3;
  bq: number[][];
  wk: Arr3;
  bk: number[][];
  wv: Arr3;
  bv: number[][];
  wo: Arr3;
  bo: number[];
}

/** Plain-JS float64 multi-head attention, loops only. */
function referenceMHA(q: Arr3, v: Arr3, k: Arr3, w: Weights, mask?: boolean[][][]): { out: Arr3; scores: Arr4 } {
  const heads = w.wq[0].length;
  const keyDim = w.wq[0][0].length;
  const valueDim = w.wv[0][0].length;
  const outDim = w.bo.length;
  const proj = (x: number[][], kernel: Arr3, bias: number[][], size: number): Arr3 =>
    x.map((row) => Array.from({ length: heads }, (_, h) => Array.from({ length: size }, (_, j) => row.reduce((s, xc, c) => s + xc * kernel[c][h][j], bias[h][j]))));
  const out: Arr3 = [];
  const scores: Arr4 = [];
  for (let b = 0; b < q.length; b++) {
    const Q = proj(q[b], w.wq, w.bq, keyDim); // [Tq][H][kd]
    const K = proj(k[b], w.wk, w.bk, keyDim); // [Tk][H][kd]
    const V = proj(v[b], w.wv, w.bv, valueDim); // [Tk][H][vd]
    const P = Array.from({ length: heads }, (_, h) =>
      Q.map((qi, i) => {
        const logits = K.map((ks, s) => (mask && !mask[b][i][s] ? -1e9 : qi[h].reduce((acc, qv, j) => acc + qv * ks[h][j], 0) / Math.sqrt(keyDim)));
        const m = Math.max(...logits);
        const e = logits.map((l) => Math.exp(l - m));
        const z = e.reduce((a, c) => a + c, 0);
        return e.map((x) => x / z);
      }),
    );
    scores.push(P);
    out.push(
      Q.map((_, i) =>
        Array.from({ length: outDim }, (_, o) => {
          let acc = w.bo[o];
          for (let h = 0; h < heads; h++) {
            for (let e = 0; e < valueDim; e++) {
              const attended = V.reduce((s, vs, t) => s + P[h][i][t] * vs[h][e], 0);
              acc += attended * w.wo[h][e][o];
            }
          }
          return acc;
        }),
      ),
    );
  }
  return { out, scores };
}

/** Random weights set on `layer` (biases too), returned as nested arrays for the reference. */
function randomWeights(layer: MultiHeadAttention, seed: number): Weights {
  const ws = layer.weights;
  const vals = ws.map((w, i) => tensor(signedValues(w.size, seed + i), w.shape, w.dtype));
  layer.setWeights(vals);
  const arrays = vals.map((t) => t.arraySync());
  vals.forEach((t) => t.dispose());
  const [wq, bq, wk, bk, wv, bv, wo, bo] = arrays as [Arr3, number[][], Arr3, number[][], Arr3, number[][], Arr3, number[]];
  return { wq, bq, wk, bk, wv, bv, wo, bo };
}

const B = 2;
const TQ = 3;
const TK = 4;
const qFlat = signedValues(B * TQ * 4, 1).map((x) => 2 * x);
const vFlat = signedValues(B * TK * 5, 2).map((x) => 2 * x);
const kFlat = signedValues(B * TK * 6, 3).map((x) => 2 * x);
// Batch 0: a causal-like pattern; batch 1: position 2 of the query sees nothing (Keras gives it uniform weights).
const maskArr: boolean[][][] = [
  [
    [true, false, false, false],
    [true, true, false, false],
    [true, true, true, false],
  ],
  [
    [false, true, true, true],
    [true, false, true, false],
    [false, false, false, false],
  ],
];

function setup(dtype: 'float32' | 'float64', withKey: boolean, extra: Partial<ConstructorParameters<typeof MultiHeadAttention>[0]> = {}) {
  const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 2, dtype, ...extra });
  const q = tensor(qFlat, [B, TQ, 4], dtype);
  const v = tensor(vFlat, [B, TK, 5], dtype);
  const k = tensor(kFlat, [B, TK, 6], dtype);
  const inputs = withKey ? [q, v, k] : [q, v];
  tidy(() => void layer.applyMany(inputs));
  const w = randomWeights(layer, 40);
  const ref = (mask?: boolean[][][]) => referenceMHA(nest3(qFlat, [B, TQ, 4]), nest3(vFlat, [B, TK, 5]), withKey ? nest3(kFlat, [B, TK, 6]) : nest3(vFlat, [B, TK, 5]), w, mask);
  const cleanup = () => [q, v, k].forEach((t) => t.dispose());
  return { layer, inputs, ref, cleanup, q, v, k };
}

const flat = (a: unknown[]): number[] => a.flat(3) as number[];

describe('MultiHeadAttention: harness', () => {
  it('[query, value]', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new MultiHeadAttention({ numHeads: 2, keyDim: 2, dtype, biasInitializer: 'randomUniform' }), [[2, 3, 4], [2, 4, 5]]),
      inputShape: [
        [2, 3, 4],
        [2, 4, 5],
      ],
      expectedOutputShape: [2, 3, 4],
      expectedWeights: [
        ['query/kernel', [4, 2, 2]],
        ['query/bias', [2, 2]],
        ['key/kernel', [5, 2, 2]],
        ['key/bias', [2, 2]],
        ['value/kernel', [5, 2, 2]],
        ['value/bias', [2, 2]],
        ['attention_output/kernel', [2, 2, 4]],
        ['attention_output/bias', [4]],
      ],
      gradTol: 1e-5,
    });
  });

  it('[query, value, key] with valueDim, outputShape and no biases', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new MultiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 3, outputShape: 6, useBias: false, dtype }), [[2, 3, 4], [2, 4, 5], [2, 4, 6]]),
      inputShape: [
        [2, 3, 4],
        [2, 4, 5],
        [2, 4, 6],
      ],
      expectedOutputShape: [2, 3, 6],
      expectedWeights: [
        ['query/kernel', [4, 3, 2]],
        ['key/kernel', [6, 3, 2]],
        ['value/kernel', [5, 3, 3]],
        ['attention_output/kernel', [3, 3, 6]],
      ],
      gradTol: 1e-5,
    });
  });
});

describe('MultiHeadAttention: values against a float64 reference', () => {
  it('[query, value], no mask (float64)', () => {
    const { layer, inputs, ref, cleanup } = setup('float64', false);
    const [out, scores] = layer.applyMany(inputs, { returnAttentionScores: true });
    const r = ref();
    expect(out.shape).toEqual([2, 3, 4]);
    expect(scores.shape).toEqual([2, 2, 3, 4]);
    expectClose(out.dataSync(), flat(r.out), 1e-12);
    expectClose(scores.dataSync(), flat(r.scores), 1e-12);
    const y = layer.apply(inputs);
    expectClose(y.dataSync(), flat(r.out), 1e-12);
    [out, scores, y].forEach((t) => t.dispose());
    cleanup();
  });

  it('[query, value, key] with a mask (float64); masked scores are 0, a fully masked row is uniform', () => {
    const { layer, inputs, ref, cleanup } = setup('float64', true);
    const mask = tensor(maskArr, undefined, 'bool');
    const [out, scores] = layer.applyMany(inputs, { attentionMask: mask, returnAttentionScores: true });
    const r = ref(maskArr);
    expectClose(out.dataSync(), flat(r.out), 1e-12);
    expectClose(scores.dataSync(), flat(r.scores), 1e-12);
    const s = scores.arraySync() as Arr4;
    expect(s[0][1][0]).toEqual([1, 0, 0, 0]);
    expectClose(s[1][0][2], [0.25, 0.25, 0.25, 0.25], 1e-12);
    // the unmasked result differs: the mask matters
    const unmasked = layer.apply(inputs);
    expect(Math.abs(unmasked.dataSync()[0] - out.dataSync()[0])).toBeGreaterThan(1e-6);
    [out, scores, mask, unmasked].forEach((t) => t.dispose());
    cleanup();
  });

  it('float32 with a 0/1 float mask matches the reference', () => {
    const { layer, inputs, ref, cleanup } = setup('float32', true);
    const mask = tensor(maskArr.map((b) => b.map((r) => r.map((m) => (m ? 1 : 0)))));
    const y = layer.apply(inputs, { attentionMask: mask });
    expect(y.dtype).toBe('float32');
    expectClose(y.dataSync(), flat(ref(maskArr).out), 1e-5);
    [y, mask].forEach((t) => t.dispose());
    cleanup();
  });

  it('a [Tq, Tk] mask broadcasts over the batch', () => {
    const { layer, inputs, ref, cleanup } = setup('float64', false);
    const mask = tensor(maskArr[0], undefined, 'bool');
    const y = layer.apply(inputs, { attentionMask: mask });
    expectClose(y.dataSync(), flat(ref([maskArr[0], maskArr[0]]).out), 1e-12);
    [y, mask].forEach((t) => t.dispose());
    cleanup();
  });

  it('self-attention: apply([x, x])', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 2, dtype: 'float64' });
    const xFlat = signedValues(B * TQ * 4, 9);
    const x = tensor(xFlat, [B, TQ, 4], 'float64');
    tidy(() => void layer.apply([x, x]));
    const w = randomWeights(layer, 70);
    const x3 = nest3(xFlat, [B, TQ, 4]);
    const y = layer.apply([x, x]);
    expect(y.shape).toEqual([2, 3, 4]);
    expectClose(y.dataSync(), flat(referenceMHA(x3, x3, x3, w).out), 1e-12);
    [x, y].forEach((t) => t.dispose());
  });

  it('leaks nothing, with a mask and scores', () => {
    const { layer, inputs, cleanup } = setup('float32', true);
    const mask = tensor(maskArr, undefined, 'bool');
    const before = memory().numTensors;
    const outs = layer.applyMany(inputs, { attentionMask: mask, returnAttentionScores: true, training: true });
    expect(memory().numTensors).toBe(before + 2);
    outs.forEach((t) => t.dispose());
    expect(memory().numTensors).toBe(before);
    mask.dispose();
    cleanup();
  });

  it('gradients through the mask match central differences', () => {
    const { layer, q, v, k, cleanup } = setup('float64', true);
    const mask = tensor(maskArr, undefined, 'bool');
    const wOut = tensor(signedValues(B * TQ * 4, 33), [B, TQ, 4], 'float64');
    const f = (a: Tensor, b: Tensor, c: Tensor): Tensor => tidy(() => layer.apply([a, b, c], { attentionMask: mask }).mul(wOut).sum());
    const analytic = grads(f)([q, v, k]).map((g) => Array.from(g.dataSync()));
    const inputs = [q, v, k];
    inputs.forEach((x, which) => {
      const base = Array.from(x.dataSync());
      for (let i = 0; i < base.length; i += 5) {
        const at = (d: number): number => {
          const moved = base.slice();
          moved[i] += d;
          const t = tensor(moved, x.shape, 'float64');
          const args = inputs.map((u, j) => (j === which ? t : u)) as [Tensor, Tensor, Tensor];
          const r = f(...args);
          const value = r.dataSync()[0];
          [r, t].forEach((u) => u.dispose());
          return value;
        };
        const numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
        expect(Math.abs(analytic[which][i] - numeric), `input ${which}[${i}]`).toBeLessThan(1e-6);
      }
    });
    [mask, wOut].forEach((t) => t.dispose());
    cleanup();
  });
});

describe('MultiHeadAttention: dropout', () => {
  it('drops attention weights in training only; scores are returned before dropout', () => {
    setSeed(3);
    const { layer, inputs, cleanup } = setup('float64', false, { dropout: 0.5 });
    const [inferOut, inferScores] = layer.applyMany(inputs, { returnAttentionScores: true });
    const [trainOut, trainScores] = layer.applyMany(inputs, { returnAttentionScores: true, training: true });
    expectClose(trainScores.dataSync(), inferScores.dataSync(), 1e-15);
    const diff = Array.from(trainOut.dataSync()).some((x, i) => Math.abs(x - inferOut.dataSync()[i]) > 1e-6);
    expect(diff).toBe(true);
    [inferOut, inferScores, trainOut, trainScores].forEach((t) => t.dispose());
    cleanup();
  });

  it('a seeded layer replays its masks; rate 0 in training equals inference', () => {
    const run = (seed: number): number[][] => {
      const { layer, inputs, cleanup } = setup('float64', false, { dropout: 0.5, seed });
      const outs = [0, 1].map(() => {
        const y = layer.apply(inputs, { training: true });
        const r = Array.from(y.dataSync());
        y.dispose();
        return r;
      });
      cleanup();
      return outs;
    };
    const a = run(7);
    const b = run(7);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(a[1]);
    const { layer, inputs, cleanup } = setup('float64', false);
    const t = layer.apply(inputs, { training: true });
    const i = layer.apply(inputs);
    expect(Array.from(t.dataSync())).toEqual(Array.from(i.dataSync()));
    [t, i].forEach((x) => x.dispose());
    cleanup();
  });
});

describe('MultiHeadAttention: symbolic inputs and config', () => {
  it('computes the output shape, and the scores shape with returnAttentionScores', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 3, outputShape: 7, name: 'mha_sym' });
    const q = input({ shape: [5, 4] });
    const v = input({ shape: [6, 8] });
    expect(layer.apply([q, v]).shape).toEqual([null, 5, 7]);
    expect(layer.applyMany([q, v], { returnAttentionScores: true }).map((t) => t.shape)).toEqual([
      [null, 5, 7],
      [null, 2, 5, 6],
    ]);
    expect(() => layer.apply([q, v], { returnAttentionScores: true })).toThrow(/^mha_sym: this layer returns 2 outputs; use applyMany/);
  });

  it('apply refuses two outputs', () => {
    const { layer, inputs, cleanup } = setup('float32', false, { name: 'mha_two' });
    const before = memory().numTensors;
    expect(() => layer.apply(inputs, { returnAttentionScores: true })).toThrow(/^mha_two: this layer returns 2 outputs; use applyMany/);
    expect(memory().numTensors).toBe(before);
    cleanup();
  });

  it('config has Keras defaults', () => {
    const layer = new MultiHeadAttention({ numHeads: 4, keyDim: 8 });
    expect(layer.getConfig()).toMatchObject({ numHeads: 4, keyDim: 8, valueDim: 8, dropout: 0, useBias: true, outputShape: null, seed: null, kernelRegularizer: null });
    expect(layer.getConfig().kernelInitializer).toMatchObject({ className: 'GlorotUniform' });
  });
});

describe('MultiHeadAttention: errors', () => {
  it('rejects unknown, missing and bad options', () => {
    expect(() => new MultiHeadAttention({ numHeads: 2, numHead: 2, keyDim: 2 } as never)).toThrow(/unknown option 'numHead' \(did you mean 'numHeads'\?\)/);
    expect(() => new MultiHeadAttention({ keyDim: 2 } as never)).toThrow(/option 'numHeads'/);
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 0 })).toThrow(/option 'keyDim'/);
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, dropout: 1 })).toThrow(/option 'dropout'/);
    expect(() => new MultiHeadAttention({ numHeads: 2, keyDim: 2, kernelInitializer: 'glorotUniforn' })).toThrow(/kernelInitializer/);
  });

  it('rejects bad inputs on the first call without building', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, keyDim: 2, name: 'mha_in' });
    const q = tensor(signedValues(24, 1), [2, 3, 4]);
    const v = tensor(signedValues(40, 2), [2, 4, 5]);
    const flat2 = tensor(signedValues(8, 3), [2, 4]);
    const shortKey = tensor(signedValues(30, 4), [2, 3, 5]);
    const otherBatch = tensor(signedValues(60, 5), [3, 4, 5]);
    expect(() => layer.apply(q)).toThrow(/^mha_in: expected a list \[query, value\] or \[query, value, key\] of \[batch, seq, features\] inputs, got a single input of shape \[null,3,4\]/);
    expect(() => layer.apply([q])).toThrow(/got a list of 1/);
    expect(() => layer.apply([q, v, v, v])).toThrow(/got a list of 4/);
    expect(() => layer.apply([flat2, v])).toThrow(ShapeError);
    expect(() => layer.apply([flat2, v])).toThrow(/^mha_in: expected query of rank 3 \(\[batch, seq, features\]\), got shape \[null,4\]/);
    expect(() => layer.apply([q, v, shortKey])).toThrow(/^mha_in: expected key and value of the same length \(axis 1\)/);
    expect(layer.built).toBe(false);
    expect(layer.weights.length).toBe(0);
    tidy(() => void layer.apply([q, v]));
    expect(() => layer.apply([q, otherBatch])).toThrow(/^mha_in: expected query, value and key of the same batch size, got query \[2,3,4\], value \[3,4,5\]/);
    expect(() => layer.apply([v, v])).toThrow(/^mha_in: expected input 0 with axis -1 of size 4/);
    [q, v, flat2, shortKey, otherBatch].forEach((t) => t.dispose());
  });

  it('rejects a mask of the wrong shape', () => {
    const { layer, inputs, cleanup } = setup('float32', false, { name: 'mha_mask' });
    const bad = tensor(signedValues(12, 1), [2, 3, 2]);
    const rank1 = tensor([1, 0, 1, 1]);
    expect(() => layer.apply(inputs, { attentionMask: bad })).toThrow(/^mha_mask: expected attentionMask of shape \[2,3,4\] \(\[batch, Tq, Tk\], or broadcastable to it\), got \[2,3,2\]/);
    expect(() => layer.apply(inputs, { attentionMask: rank1 })).toThrow(ShapeError);
    [bad, rank1].forEach((t) => t.dispose());
    cleanup();
  });
});
