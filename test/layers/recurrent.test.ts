import { describe, expect, it } from 'vitest';
import { dropout, memory, ones, setSeed, tensor, tidy, variableGrads, zeros, type Tensor } from '../../src/engine/index.js';
import { input } from '../../src/layers/input-layer.js';
import type { RecurrentLayer } from '../../src/layers/recurrent/base.js';
import { GRU } from '../../src/layers/recurrent/gru.js';
import { LSTM } from '../../src/layers/recurrent/lstm.js';
import { SimpleRNN } from '../../src/layers/recurrent/simple-rnn.js';
import { signedValues } from '../helpers/rng.js';
import { runLayerTest } from './harness.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());

// ---------------------------------------------------------------------------
// Independent float64 references, written from the published equations (one sample at a time, plain JS).
// Masks (for the dropout tests) are per gate when more than one is given, as Keras' implementation 1.
// ---------------------------------------------------------------------------
type Vec = number[];
type Mat = number[][];
const B = 2;
const T = 3;
const F = 2;
const U = 3;

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const vadd = (...vs: Vec[]): Vec => vs[0].map((_, i) => vs.reduce((s, v) => s + v[i], 0));
const vmul = (a: Vec, b: Vec): Vec => a.map((v, i) => v * b[i]);
const matrix = (flat: number[], rows: number, cols: number): Mat => Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
/** v · m[:, g·u : (g+1)·u]. */
const project = (v: Vec, m: Mat, g: number, u: number): Vec => Array.from({ length: u }, (_, j) => v.reduce((s, vi, i) => s + vi * m[i][g * u + j], 0));
const part = (b: Vec | undefined, g: number, u: number): Vec => (b ? b.slice(g * u, (g + 1) * u) : new Array<number>(u).fill(0));

interface RefArgs {
  W: Mat;
  Uk: Mat;
  b?: Vec;
  /** GRU resetAfter: the recurrent bias row. */
  rb?: Vec;
  goBackwards?: boolean;
  initial?: Mat[];
  /** [count][batch][features] */
  inMasks?: Mat[];
  /** [count][batch][units] */
  recMasks?: Mat[];
}
type Cell = (x: Vec, states: Vec[], a: RefArgs, mi: (g: number) => Vec, mr: (g: number) => Vec) => Vec[];

/** Elman 1990 / Keras SimpleRNNCell: h_t = tanh(x_t W + h_{t-1} U + b). */
const simpleCell: Cell = (x, [h], a, mi, mr) => [vadd(project(vmul(x, mi(0)), a.W, 0, U), project(vmul(h, mr(0)), a.Uk, 0, U), part(a.b, 0, U)).map(Math.tanh)];

/**
 * Hochreiter & Schmidhuber 1997 with the forget gate of Gers et al. 2000, Keras gate order (i, f, c, o):
 * i = σ(x W_i + h U_i + b_i), f = σ(x W_f + h U_f + b_f), g = tanh(x W_c + h U_c + b_c), o = σ(x W_o + h U_o + b_o),
 * c_t = f c_{t-1} + i g, h_t = o tanh(c_t).
 */
const lstmCell: Cell = (x, [h, c], a, mi, mr) => {
  const pre = (g: number): Vec => vadd(project(vmul(x, mi(g)), a.W, g, U), project(vmul(h, mr(g)), a.Uk, g, U), part(a.b, g, U));
  const [i, f, o] = [pre(0).map(sigmoid), pre(1).map(sigmoid), pre(3).map(sigmoid)];
  const cNext = vadd(vmul(f, c), vmul(i, pre(2).map(Math.tanh)));
  return [vmul(o, cNext.map(Math.tanh)), cNext];
};

/**
 * Cho et al. 2014 (arXiv:1406.1078), Keras gate order (z, r, h):
 * z = σ(x W_z + b_z + h U_z + rb_z), r = σ(x W_r + b_r + h U_r + rb_r),
 * resetAfter: ĥ = tanh(x W_h + b_h + r ⊙ (h U_h + rb_h)); otherwise ĥ = tanh(x W_h + b_h + (r ⊙ h) U_h);
 * h_t = z ⊙ h_{t-1} + (1 − z) ⊙ ĥ.
 */
const gruCell =
  (resetAfter: boolean): Cell =>
  (x, [h], a, mi, mr) => {
    const xg = (g: number): Vec => vadd(project(vmul(x, mi(g)), a.W, g, U), part(a.b, g, U));
    const hg = (g: number): Vec => vmul(h, mr(g));
    const z = vadd(xg(0), project(hg(0), a.Uk, 0, U), part(a.rb, 0, U)).map(sigmoid);
    const r = vadd(xg(1), project(hg(1), a.Uk, 1, U), part(a.rb, 1, U)).map(sigmoid);
    const inner = resetAfter ? vmul(r, vadd(project(hg(2), a.Uk, 2, U), part(a.rb, 2, U))) : project(vmul(r, hg(2)), a.Uk, 2, U);
    const hh = vadd(xg(2), inner).map(Math.tanh);
    return [h.map((hi, j) => z[j] * hi + (1 - z[j]) * hh[j])];
  };

/** Runs a cell over x [B][T][F]; returns the outputs in processed order [B][T][U] and the final states [S][B][U]. */
function reference(cell: Cell, stateCount: number, x: number[][][], a: RefArgs): { seq: number[][][]; states: Mat[] } {
  const seq: number[][][] = [];
  const finals: Mat[] = Array.from({ length: stateCount }, () => []);
  x.forEach((sample, n) => {
    const ones = (len: number): Vec => new Array<number>(len).fill(1);
    const mi = (g: number): Vec => (a.inMasks ? a.inMasks[a.inMasks.length > 1 ? g : 0][n] : ones(F));
    const mr = (g: number): Vec => (a.recMasks ? a.recMasks[a.recMasks.length > 1 ? g : 0][n] : ones(U));
    let states = Array.from({ length: stateCount }, (_, s) => (a.initial ? a.initial[s][n] : new Array<number>(U).fill(0)));
    const order = a.goBackwards ? [...sample].reverse() : sample;
    seq.push(order.map((xt) => (states = cell(xt, states, a, mi, mr))[0]));
    states.forEach((s, i) => finals[i].push(s));
  });
  return { seq, states: finals };
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------
const xFlat = signedValues(B * T * F, 1);
const x3 = (): number[][][] => Array.from({ length: B }, (_, n) => matrix(xFlat.slice(n * T * F, (n + 1) * T * F), T, F));
const h0Flat = signedValues(B * U, 2);
const c0Flat = signedValues(B * U, 3);

/** Deterministic weights (scaled to keep the gates away from saturation), set on a built float64 layer. */
function setWeights(layer: RecurrentLayer, gates: number, biasShape: number[] | null): RefArgs {
  const w = signedValues(F * gates * U, 11).map((v) => v * 0.9);
  const uk = signedValues(U * gates * U, 12).map((v) => v * 0.7);
  const bSize = biasShape ? biasShape.reduce((p, d) => p * d, 1) : 0;
  const b = signedValues(bSize, 13).map((v) => v * 0.5);
  tidy(() => void layer.applyMany(tensor(xFlat, [B, T, F], 'float64')));
  const ws = [tensor(w, [F, gates * U], 'float64'), tensor(uk, [U, gates * U], 'float64')];
  if (biasShape) ws.push(tensor(b, biasShape, 'float64'));
  layer.setWeights(ws);
  ws.forEach((t) => t.dispose());
  const twoRows = biasShape?.length === 2;
  return {
    W: matrix(w, F, gates * U),
    Uk: matrix(uk, U, gates * U),
    b: biasShape ? (twoRows ? b.slice(0, gates * U) : b) : undefined,
    rb: twoRows ? b.slice(gates * U) : undefined,
  };
}

function expectClose(actual: Tensor, expected: unknown, tol = 1e-12): void {
  const e = (expected as unknown[]).flat(3) as number[];
  const a = values(actual);
  expect(a.length).toBe(e.length);
  a.forEach((v, i) => expect(Math.abs(v - e[i]), `element ${i}: ${v} vs ${e[i]}`).toBeLessThanOrEqual(tol));
}

const xT = (): Tensor => tensor(xFlat, [B, T, F], 'float64');
const h0T = (): Tensor => tensor(h0Flat, [B, U], 'float64');
const c0T = (): Tensor => tensor(c0Flat, [B, U], 'float64');
const h0 = (): Mat => matrix(h0Flat, B, U);
const c0 = (): Mat => matrix(c0Flat, B, U);

/**
 * Builds a layer by calling it once: the harness counts the tensors its first call creates, and weights made by a
 * lazy build would count as leaked outputs.
 */
function built<L extends RecurrentLayer>(layer: L, inputShapes: number[][]): L {
  tidy(() => void layer.applyMany(inputShapes.map((s) => ones(s, layer.dtype))));
  return layer;
}

// ---------------------------------------------------------------------------
// Harness: shapes, weights, config round trip, float64 finite-difference gradients through time, leaks.
// ---------------------------------------------------------------------------
describe('recurrent layers: generic harness', () => {
  const seqAndState = { returnSequences: true, returnState: true };
  type Kind = 'SimpleRNN' | 'LSTM' | 'GRU';
  type Options = { returnSequences?: boolean; returnState?: boolean; goBackwards?: boolean; activation?: string; resetAfter?: boolean };
  const cases: Array<[Kind, Options, number[] | number[][]]> = [
    ['SimpleRNN', {}, [2, 3]],
    ['SimpleRNN', seqAndState, [[2, 3, 3], [2, 3]]],
    ['SimpleRNN', { goBackwards: true, activation: 'relu' }, [2, 3]],
    ['LSTM', {}, [2, 3]],
    ['LSTM', seqAndState, [[2, 3, 3], [2, 3], [2, 3]]],
    ['LSTM', { returnState: true, goBackwards: true }, [[2, 3], [2, 3], [2, 3]]],
    ['GRU', {}, [2, 3]],
    ['GRU', { resetAfter: false, returnSequences: true }, [2, 3, 3]],
    ['GRU', { ...seqAndState, goBackwards: true }, [[2, 3, 3], [2, 3]]],
  ];
  it.each(cases)('%s %j', (kind, { resetAfter, ...options }, expectedOutputShape) => {
    const gates = { SimpleRNN: 1, LSTM: 4, GRU: 3 }[kind];
    const biasShape = kind === 'GRU' && resetAfter !== false ? [2, 9] : [3 * gates];
    runLayerTest({
      make: (dtype) => {
        const args = { units: 3, dtype, ...options };
        return built(kind === 'SimpleRNN' ? new SimpleRNN(args) : kind === 'LSTM' ? new LSTM(args) : new GRU({ ...args, resetAfter }), [[1, 3, 2]]);
      },
      inputShape: [2, 3, 2],
      expectedOutputShape,
      expectedWeights: [
        ['kernel', [2, 3 * gates]],
        ['recurrent_kernel', [3, 3 * gates]],
        ['bias', biasShape],
      ],
    });
  });

  it('takes initial states as extra inputs (gradients flow into them too)', () => {
    runLayerTest({
      make: (dtype) => built(new SimpleRNN({ units: 3, useBias: false, dtype }), [[1, 3, 2], [1, 3]]),
      inputShape: [[2, 3, 2], [2, 3]],
      expectedOutputShape: [2, 3],
      expectedWeights: [['kernel', [2, 3]], ['recurrent_kernel', [3, 3]]],
    });
    runLayerTest({
      make: (dtype) => built(new LSTM({ units: 3, returnSequences: true, dtype }), [[1, 3, 2], [1, 3], [1, 3]]),
      inputShape: [[2, 3, 2], [2, 3], [2, 3]],
      expectedOutputShape: [2, 3, 3],
    });
    runLayerTest({
      make: (dtype) => built(new GRU({ units: 3, resetAfter: false, returnState: true, dtype }), [[1, 3, 2], [1, 3]]),
      inputShape: [[2, 3, 2], [2, 3]],
      expectedOutputShape: [[2, 3], [2, 3]],
    });
  });
});

// ---------------------------------------------------------------------------
// Values against the references.
// ---------------------------------------------------------------------------
describe('recurrent layers: values', () => {
  it('SimpleRNN: last output, and goBackwards sequences in processed order', () => {
    const layer = new SimpleRNN({ units: 3, dtype: 'float64' });
    const ref = reference(simpleCell, 1, x3(), setWeights(layer, 1, [3]));
    expectClose(layer.apply(xT()), ref.seq.map((s) => s[T - 1]));

    const back = new SimpleRNN({ units: 3, dtype: 'float64', goBackwards: true, returnSequences: true });
    const refBack = reference(simpleCell, 1, x3(), { ...setWeights(back, 1, [3]), goBackwards: true });
    expectClose(back.apply(xT()), refBack.seq);
    // Processed order: the first output only saw the last timestep, so it differs from the forward run's first output.
    expect(refBack.seq[0][0]).not.toBeCloseTo(ref.seq[0][0][0], 3);
  });

  it('SimpleRNN: initial state, returnSequences + returnState; float32 agrees to 1e-6', () => {
    const layer = new SimpleRNN({ units: 3, dtype: 'float64', returnSequences: true, returnState: true });
    const ref = reference(simpleCell, 1, x3(), { ...setWeights(layer, 1, [3]), initial: [h0()] });
    const [seq, h] = layer.applyMany([xT(), h0T()]);
    expect([seq.shape, h.shape]).toEqual([[B, T, U], [B, U]]);
    expectClose(seq, ref.seq);
    expectClose(h, ref.states[0]);

    const l32 = built(new SimpleRNN({ units: 3, returnSequences: true, returnState: true }), [[1, 3, 2], [1, 3]]);
    l32.setWeights(layer.getWeights().map((w) => w.cast('float32')));
    const [seq32, h32] = l32.applyMany([tensor(xFlat, [B, T, F]), tensor(h0Flat, [B, U])]);
    expect([seq32.dtype, h32.dtype]).toEqual(['float32', 'float32']);
    expectClose(seq32, ref.seq, 1e-6);
    expectClose(h32, ref.states[0], 1e-6);
  });

  it('SimpleRNN: useBias false and activation null (linear)', () => {
    const layer = new SimpleRNN({ units: 3, dtype: 'float64', useBias: false, activation: null });
    const a = setWeights(layer, 1, null);
    const linear: Cell = (x, [h], args) => [vadd(project(x, args.W, 0, U), project(h, args.Uk, 0, U))];
    expectClose(layer.apply(xT()), reference(linear, 1, x3(), a).states[0]);
    expect(layer.getConfig().activation).toBe('linear');
  });

  it('LSTM: initial (h0, c0), returnSequences + returnState gives [sequence, h, c]', () => {
    const layer = new LSTM({ units: 3, dtype: 'float64', returnSequences: true, returnState: true });
    const ref = reference(lstmCell, 2, x3(), { ...setWeights(layer, 4, [12]), initial: [h0(), c0()] });
    const [seq, h, c] = layer.applyMany([xT(), h0T(), c0T()]);
    expect([seq.shape, h.shape, c.shape]).toEqual([[B, T, U], [B, U], [B, U]]);
    expectClose(seq, ref.seq);
    expectClose(h, ref.states[0]);
    expectClose(c, ref.states[1]);
    expect(values(c)).not.toEqual(values(h));
  });

  it('LSTM: goBackwards, zero initial states; returnState without sequences returns distinct output and h', () => {
    const layer = new LSTM({ units: 3, dtype: 'float64', goBackwards: true, returnSequences: true });
    const ref = reference(lstmCell, 2, x3(), { ...setWeights(layer, 4, [12]), goBackwards: true });
    expectClose(layer.apply(xT()), ref.seq);

    const last = new LSTM({ units: 3, dtype: 'float64', goBackwards: true, returnState: true });
    setWeights(last, 4, [12]);
    const [out, h, c] = last.applyMany(xT());
    expect(out).not.toBe(h);
    expectClose(out, ref.states[0]);
    expectClose(h, ref.states[0]);
    expectClose(c, ref.states[1]);
  });

  it.each([true, false])('GRU resetAfter=%s: initial state, sequences and state; goBackwards', (resetAfter) => {
    const biasShape = resetAfter ? [2, 9] : [9];
    const layer = new GRU({ units: 3, dtype: 'float64', resetAfter, returnSequences: true, returnState: true });
    const ref = reference(gruCell(resetAfter), 1, x3(), { ...setWeights(layer, 3, biasShape), initial: [h0()] });
    const [seq, h] = layer.applyMany([xT(), h0T()]);
    expectClose(seq, ref.seq);
    expectClose(h, ref.states[0]);

    const back = new GRU({ units: 3, dtype: 'float64', resetAfter, goBackwards: true });
    const refBack = reference(gruCell(resetAfter), 1, x3(), { ...setWeights(back, 3, biasShape), goBackwards: true });
    expectClose(back.apply(xT()), refBack.states[0]);
  });

  it('GRU: the two conventions differ (the test above cannot pass with one for the other)', () => {
    const a = reference(gruCell(true), 1, x3(), { W: matrix(signedValues(18, 4), 2, 9), Uk: matrix(signedValues(27, 5), 3, 9), initial: [h0()] });
    const b = reference(gruCell(false), 1, x3(), { W: matrix(signedValues(18, 4), 2, 9), Uk: matrix(signedValues(27, 5), 3, 9), initial: [h0()] });
    expect(Math.abs(a.states[0][0][0] - b.states[0][0][0])).toBeGreaterThan(1e-3);
  });

  it('LSTM unitForgetBias: the forget slice of the bias starts at ones (Keras), the rest from biasInitializer', () => {
    const bias = (args: ConstructorParameters<typeof LSTM>[0]): number[] => {
      const l = new LSTM(args);
      tidy(() => void l.apply(ones([1, 1, 2])));
      return values(l.bias as Tensor);
    };
    expect(bias({ units: 2 })).toEqual([0, 0, 1, 1, 0, 0, 0, 0]);
    expect(bias({ units: 2, unitForgetBias: false })).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(bias({ units: 2, biasInitializer: { className: 'Constant', config: { value: 0.5 } } })).toEqual([0.5, 0.5, 1, 1, 0.5, 0.5, 0.5, 0.5]);
  });
});

// ---------------------------------------------------------------------------
// Dropout: one mask per call, shared by every timestep; per gate when recurrentDropout > 0 (LSTM, GRU).
// ---------------------------------------------------------------------------
describe('recurrent layers: dropout', () => {
  /** The layer draws its masks first, input then recurrent, each as dropout(ones([batch, size]), rate); redraw them after the same setSeed. */
  function masksAfterSeed(seed: number, count: number, inRate: number, recRate: number): { inMasks?: Mat[]; recMasks?: Mat[] } {
    setSeed(seed);
    const draw = (size: number, rate: number): Mat[] =>
      Array.from({ length: count }, () => tidy(() => matrix(values(dropout(ones([B, size], 'float64'), rate)), B, size)));
    return { inMasks: inRate > 0 ? draw(F, inRate) : undefined, recMasks: recRate > 0 ? draw(U, recRate) : undefined };
  }

  it.each([
    ['SimpleRNN', 0.4, 0.3, 1, true],
    ['LSTM', 0.4, 0, 1, true],
    ['LSTM', 0.4, 0.3, 4, true],
    ['GRU', 0.4, 0, 1, true],
    ['GRU', 0.4, 0.3, 3, true],
    ['GRU', 0.4, 0.3, 3, false],
  ] as const)('%s dropout %s recurrentDropout %s: matches the reference with the same masks (%s per kind; GRU resetAfter %s)', (kind, d, rd, count, resetAfter) => {
    const args = { units: 3, dtype: 'float64' as const, dropout: d, recurrentDropout: rd, returnSequences: true };
    const layer = kind === 'SimpleRNN' ? new SimpleRNN(args) : kind === 'LSTM' ? new LSTM(args) : new GRU({ ...args, resetAfter });
    const gates = { SimpleRNN: 1, LSTM: 4, GRU: 3 }[kind];
    const w = setWeights(layer, gates, kind === 'GRU' && resetAfter ? [2, 9] : [3 * gates]);
    const cell = kind === 'SimpleRNN' ? simpleCell : kind === 'LSTM' ? lstmCell : gruCell(resetAfter);
    const masks = masksAfterSeed(7, count, d, rd);
    const ref = reference(cell, kind === 'LSTM' ? 2 : 1, x3(), { ...w, ...masks, initial: kind === 'LSTM' ? [h0(), c0()] : [h0()] });
    const initial = kind === 'LSTM' ? [h0T(), c0T()] : [h0T()];
    setSeed(7);
    expectClose(layer.apply([xT(), ...initial], { training: true }), ref.seq);
    // Inference ignores dropout.
    const plain = reference(cell, kind === 'LSTM' ? 2 : 1, x3(), { ...w, initial: kind === 'LSTM' ? [h0(), c0()] : [h0()] });
    expectClose(layer.apply([xT(), ...initial]), plain.seq);
  });

  it('input mask: drawn once per call and shared by all timesteps (0 or 1/(1-rate) per unit)', () => {
    // Linear cell, identity kernel, zero recurrence: output_t = x_t ⊙ mask, and x_t is the same at every t.
    const layer = new SimpleRNN({ units: 2, dtype: 'float64', activation: null, useBias: false, dropout: 0.5, seed: 3, returnSequences: true });
    tidy(() => void layer.apply(zeros([8, 4, 2], 'float64')));
    layer.setWeights([tensor([1, 0, 0, 1], [2, 2], 'float64'), zeros([2, 2], 'float64')]);
    const x = ones([8, 4, 2], 'float64');
    const out = layer.apply(x, { training: true }).arraySync() as number[][][];
    const flat = out.flat(2);
    expect(flat.every((v) => v === 0 || v === 2)).toBe(true);
    for (const sample of out) for (const step of sample) expect(step).toEqual(sample[0]);
    expect(flat.filter((v) => v === 0).length).toBeGreaterThan(0);
    expect(flat.filter((v) => v === 2).length).toBeGreaterThan(0);
    // A new call draws a new mask (seeded layers draw a reproducible sequence).
    const again = layer.apply(x, { training: true }).arraySync() as number[][][];
    expect(again.map((s) => s[0])).not.toEqual(out.map((s) => s[0]));
  });

  it('recurrent mask: shared by all timesteps, so h_t = h0 ⊙ m^t with a linear identity recurrence', () => {
    const layer = new SimpleRNN({ units: 4, dtype: 'float64', activation: null, useBias: false, recurrentDropout: 0.5, seed: 5, returnSequences: true });
    tidy(() => void layer.apply(zeros([4, 3, 1], 'float64')));
    layer.setWeights([zeros([1, 4], 'float64'), tensor([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [4, 4], 'float64')]);
    const out = layer.apply([zeros([4, 3, 1], 'float64'), ones([4, 4], 'float64')], { training: true }).arraySync() as number[][][];
    for (const sample of out) {
      for (let j = 0; j < 4; j++) expect([[0, 0, 0], [2, 4, 8]]).toContainEqual(sample.map((step) => step[j]));
    }
  });

  it('gradients through the per-gate dropout path match finite differences (masks fixed by setSeed)', () => {
    for (const layer of [
      new LSTM({ units: 3, dtype: 'float64', dropout: 0.3, recurrentDropout: 0.3 }),
      new GRU({ units: 3, dtype: 'float64', dropout: 0.3, recurrentDropout: 0.3, resetAfter: false }),
      new GRU({ units: 3, dtype: 'float64', dropout: 0.3, recurrentDropout: 0.3 }),
    ]) {
      tidy(() => void layer.apply(xT()));
      const wOut = tensor(signedValues(B * U, 9), [B, U], 'float64');
      const objective = (): Tensor =>
        tidy(() => {
          setSeed(21);
          return layer.apply(xT(), { training: true }).mul(wOut).sum();
        });
      const { grads } = variableGrads(objective, layer.trainableWeights);
      for (const v of layer.trainableWeights) {
        const base = values(v);
        const analytic = values(grads[v.name]);
        for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
          const at = (d: number): number => {
            v.assign(tensor(base.map((b, j) => (j === i ? b + d : b)), v.shape, 'float64'));
            return values(objective())[0];
          };
          const numeric = (at(1e-6) - at(-1e-6)) / 2e-6;
          v.assign(tensor(base, v.shape, 'float64'));
          expect(Math.abs(analytic[i] - numeric), `${v.name}[${i}]`).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('a training call leaks nothing but its outputs', () => {
    const layer = new GRU({ units: 3, dropout: 0.2, recurrentDropout: 0.2, returnState: true });
    const x = ones([2, 3, 2]);
    tidy(() => void layer.applyMany(x));
    const before = memory().numTensors;
    const outs = layer.applyMany(x, { training: true });
    expect(memory().numTensors).toBe(before + 2);
    outs.forEach((t) => t.dispose());
    expect(memory().numTensors).toBe(before);
  });
});

// ---------------------------------------------------------------------------
// Shapes, options, configs, errors.
// ---------------------------------------------------------------------------
describe('recurrent layers: shapes, options and errors', () => {
  it('symbolic inputs with unknown timesteps; returnState gives one shape per output', () => {
    const x = input({ shape: [null, 2] });
    expect(new LSTM({ units: 4, returnSequences: true }).apply(x).shape).toEqual([null, null, 4]);
    expect(new LSTM({ units: 4, returnState: true }).applyMany(x).map((s) => s.shape)).toEqual([[null, 4], [null, 4], [null, 4]]);
    expect(new GRU({ units: 4, returnState: true }).computeOutputShape([null, 5, 2])).toEqual([[null, 4], [null, 4]]);
    expect(new SimpleRNN({ units: 4 }).computeOutputShape([[null, 5, 2], [null, 4]])).toEqual([null, 4]);
  });

  it('configs: Keras defaults, stateful false, unroll kept (it has no effect)', () => {
    const c = new GRU({ units: 2, unroll: true, name: 'g' }).getConfig();
    expect(c).toMatchObject({ name: 'g', units: 2, activation: 'tanh', recurrentActivation: 'sigmoid', resetAfter: true, useBias: true, dropout: 0, recurrentDropout: 0, seed: null, returnSequences: false, returnState: false, goBackwards: false, stateful: false, unroll: true });
    expect(c.kernelInitializer).toMatchObject({ className: 'GlorotUniform' });
    expect(c.recurrentInitializer).toMatchObject({ className: 'Orthogonal' });
    expect(new LSTM({ units: 2 }).getConfig()).toMatchObject({ unitForgetBias: true, recurrentActivation: 'sigmoid' });
    expect(new SimpleRNN({ units: 2 }).getConfig()).not.toHaveProperty('recurrentActivation');
  });

  it('regularizers penalize their weights (Keras l2: 0.01·Σw²)', () => {
    const layer = new SimpleRNN({ units: 2, kernelRegularizer: 'l2', recurrentRegularizer: 'l2', dtype: 'float64' });
    tidy(() => void layer.apply(ones([1, 2, 2], 'float64')));
    const losses = layer.regularizationLosses();
    const sq = (t: Tensor): number => values(t).reduce((s, v) => s + v * v, 0);
    expect(losses.map((l) => values(l)[0])).toEqual([expect.closeTo(0.01 * sq(layer.kernel), 12), expect.closeTo(0.01 * sq(layer.recurrentKernel), 12)]);
  });

  // The first call checks the shapes in build, which sees the batch axis as null (Layer.apply passes it so), hence [(2|null),...].
  it('rejects inputs that are not [batch, timesteps, features], naming the layer; a failed first call builds nothing', () => {
    const layer = new LSTM({ units: 3, name: 'enc' });
    expect(() => layer.apply(ones([2, 3]))).toThrow(/^enc: expected input of rank 3 \(\[batch, timesteps, features\]\), got shape \[(?:2|null),3\]/);
    expect(layer.built).toBe(false);
    expect(layer.weights).toHaveLength(0);
    tidy(() => void layer.apply(ones([2, 3, 2])));
    expect(() => layer.apply(ones([2, 3, 2, 1]))).toThrow(/^enc: expected input of rank 3/);
    expect(() => layer.apply(ones([2, 3, 5]))).toThrow(/^enc: expected input of shape \[2,3,2\] \(\[batch, timesteps, features\]\), got shape \[2,3,5\]/);
    expect(() => layer.apply(ones([2, 0, 2]))).toThrow(/^enc: expected at least one timestep/);
    expect(() => new GRU({ units: 2, name: 'g' }).apply(input({ shape: [3, null] }))).toThrow(/^g: expected input with a known features axis/);
  });

  it('checks the initial states: count, rank, units and batch', () => {
    const lstm = new LSTM({ units: 3, name: 'l' });
    const x = ones([2, 4, 2]);
    expect(() => lstm.apply([x, zeros([2, 3])])).toThrow(/^l: expected the input alone or \[input, h0, c0\] \(2 initial states of shape \[batch, 3\]\), got 1 tensor after the input/);
    expect(() => lstm.apply([x, zeros([2, 3]), zeros([2, 4])])).toThrow(/^l: expected initial state c0 of shape \[(2|null),3\] \(\[batch, units\]\), got \[\1,4\]/);
    expect(lstm.built).toBe(false);
    const rnn = new SimpleRNN({ units: 3, name: 's' });
    expect(() => rnn.apply([x, zeros([3, 3])])).toThrow(/^s: expected initial state h0 of shape \[2,3\] \(\[batch, units\]\), got \[3,3\]/);
    expect(() => rnn.apply([x, zeros([2, 1, 3])])).toThrow(/^s: expected initial state h0 of shape \[2,3\]/);
    expect(() => new GRU({ units: 3, name: 'g' }).apply([input({ shape: [4, 2] }), input({ shape: [5] })])).toThrow(/^g: expected initial state h0 of shape \[null,3\]/);
  });

  it('returnState needs applyMany', () => {
    expect(() => new GRU({ units: 3, returnState: true, name: 'g' }).apply(ones([2, 3, 2]))).toThrow(/^g: this layer returns 2 outputs; use applyMany\(\)/);
  });

  it('rejects unknown options, bad values and stateful, naming the layer', () => {
    expect(() => new LSTM({ units: 3, returnSequence: true } as never)).toThrow(/^lstm_\d+: unknown option 'returnSequence' \(did you mean 'returnSequences'\?\)/);
    expect(() => new SimpleRNN({ units: 3, resetAfter: true } as never)).toThrow(/^simple_rnn_\d+: unknown option 'resetAfter'/);
    expect(() => new GRU({ units: 3, unitForgetBias: true } as never)).toThrow(/^gru_\d+: unknown option 'unitForgetBias'/);
    expect(() => new GRU({ units: 0 })).toThrow(/^gru_\d+: option 'units'.*got 0/);
    expect(() => new LSTM({ units: 3, dropout: 1 })).toThrow(/^lstm_\d+: option 'dropout'.*got 1/);
    expect(() => new LSTM({ units: 3, recurrentDropout: -0.1 })).toThrow(/^lstm_\d+: option 'recurrentDropout'.*got -0.1/);
    expect(() => new SimpleRNN({ units: 3, activation: 'tahn', name: 'r' })).toThrow(/^r: option 'activation': unknown activation 'tahn' \(did you mean 'tanh'\?\)/);
    expect(() => new GRU({ units: 3, stateful: true, name: 'g' })).toThrow(/^g: option 'stateful': stateful RNNs are not supported/);
    expect(new GRU({ units: 3, stateful: false }).getConfig().stateful).toBe(false);
  });
});
