import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Callback,
  ShapeError,
  ValueError,
  callbacks,
  input,
  layers,
  memory,
  model,
  optimizers,
  regularizers,
  sequential,
  setSeed,
  tensor,
  type DenseArgs,
  type Logs,
  type Model,
  type Sequential,
  type Tensor,
} from '../../src/index.js';
import { rng, signedValues } from '../helpers/rng.js';

const values = (t: Tensor): number[] => Array.from(t.dataSync());
const weightValues = (m: Model): number[][] => m.weights.map(values);
const close = (a: number[], b: number[], digits = 5): void => {
  expect(a).toHaveLength(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i], digits));
};
const live: Tensor[] = [];
/** A tensor freed after the test. */
const t = (v: number[] | number[][], shape?: number[], dtype?: 'float32' | 'int32'): Tensor => {
  const x = tensor(v, shape, dtype);
  live.push(x);
  return x;
};
afterEach(() => {
  live.splice(0).forEach((x) => x.dispose());
  vi.restoreAllMocks();
});

/** Sets weights from plain arrays (in `weights` order). */
function setWeights(m: Model, ws: Array<number[] | number[][]>): void {
  const ts = ws.map((w) => tensor(w));
  m.setWeights(ts);
  ts.forEach((x) => x.dispose());
}

/** `dense(units)` on `features` inputs, with the given weights. */
function linear(kernel: number[][], bias: number[] | null, extra: Partial<DenseArgs> = {}): Sequential {
  const units = kernel[0].length;
  const m = sequential({ layers: [layers.dense({ units, inputShape: [kernel.length], useBias: bias !== null, ...extra })] });
  setWeights(m, bias === null ? [kernel] : [kernel, bias]);
  return m;
}

// The hand-computed problem: kernel [[1],[2]], bias [0.5].
// predictions 1.5, 2.5, 3.5, 0.5; residuals r = pred - y = 0.5, 2.5, 1.5, -0.5;
// squared 0.25, 6.25, 2.25, 0.25 (mse 9/4 = 2.25); absolute 0.5, 2.5, 1.5, 0.5 (mae 5/4 = 1.25).
const X = [[1, 0], [0, 1], [1, 1], [2, -1]];
const Y = [[1], [0], [2], [1]];
const handModel = (extra: Partial<DenseArgs> = {}): Sequential => linear([[1], [2]], [0.5], extra);

/** Two Gaussian blobs (centres ±1.2, sd 0.7), `n` samples with labels 0/1, from the test generator. */
function blobs(n: number, seed: number): { x: Tensor; y: Tensor } {
  const next = rng(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const c = label === 1 ? 1.2 : -1.2;
    xs.push(c + 0.7 * gauss(), c + 0.7 * gauss());
    ys.push(label);
  }
  return { x: t(xs, [n, 2]), y: t(ys, [n, 1]) };
}

function classifier(): Sequential {
  const m = sequential({ layers: [layers.dense({ units: 4, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 1, activation: 'sigmoid' })] });
  m.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('fit on a separable problem', () => {
  it('reaches 95% accuracy, and two seeded runs are bit-identical', async () => {
    const { x, y } = blobs(200, 1);
    const runs: Array<{ weights: number[][]; history: Record<string, number[]>; epochs: number[] }> = [];
    for (let run = 0; run < 2; run++) {
      setSeed(1);
      const m = classifier();
      const h = await m.fit(x, y, { epochs: 8, batchSize: 32, verbose: 0 });
      runs.push({ weights: weightValues(m), history: h.history, epochs: h.epoch });
      const { accuracy } = await m.evaluate(x, y);
      expect(accuracy).toBeGreaterThanOrEqual(0.95);
      m.dispose();
    }
    expect(runs[0].history.accuracy[7]).toBeGreaterThanOrEqual(0.95);
    expect(runs[0].history.loss[7]).toBeLessThan(runs[0].history.loss[0]);
    expect(runs[1].weights).toEqual(runs[0].weights);
    expect(runs[1].history).toEqual(runs[0].history);
    expect(runs[0].epochs).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // Another seed gives other initial weights and another shuffle.
    setSeed(2);
    const other = classifier();
    await other.fit(x, y, { epochs: 8, batchSize: 32, verbose: 0 });
    expect(weightValues(other)).not.toEqual(runs[0].weights);
    other.dispose();
  });
});

describe('History and fit options', () => {
  it('counts epochs from initialEpoch', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const seen: number[] = [];
    const h = await m.fit(t(X), t(Y), { epochs: 5, initialEpoch: 2, verbose: 0, callbacks: { onEpochBegin: (e) => void seen.push(e) } });
    expect(h.epoch).toEqual([2, 3, 4]);
    expect(seen).toEqual([2, 3, 4]);
    expect(h.history.loss).toHaveLength(3);
    expect(Object.keys(h.history)).toEqual(['loss']);
    expect(m.history).toBe(h);
    // The first epoch's loss is the loss at the given weights (one batch of 4).
    expect(h.history.loss[0]).toBeCloseTo(2.25, 5);
  });

  it('with learning rate 0, the epoch loss is the sample-weighted mean over uneven batches', async () => {
    const x = t(signedValues(20, 3), [10, 2]);
    const y = t(signedValues(10, 4), [10, 1]);
    const m = linear([[0.3], [-0.7]], [0.1]);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
    const sizes: number[] = [];
    const batchLosses: number[] = [];
    const h = await m.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false, verbose: 0, callbacks: { onBatchEnd: (_b, logs) => void sizes.push(logs!.size) } });
    expect(sizes).toEqual([4, 4, 2]);
    // Reference in float64: per-sample squared errors.
    const xs = values(x);
    const ys = values(y);
    const sq = ys.map((yi, i) => (0.3 * xs[2 * i] - 0.7 * xs[2 * i + 1] + 0.1 - yi) ** 2);
    const mean = sq.reduce((a, b) => a + b) / 10;
    expect(h.history.loss[0]).toBeCloseTo(mean, 5);
    for (const [s, e] of [[0, 4], [4, 8], [8, 10]]) batchLosses.push(sq.slice(s, e).reduce((a, b) => a + b) / (e - s));
    // The data make the unweighted mean of batch means differ, so the check above can fail.
    expect(Math.abs(batchLosses.reduce((a, b) => a + b) / 3 - mean)).toBeGreaterThan(1e-3);
    expect(weightValues(m)).toEqual([[0.30000001192092896, -0.699999988079071], [0.10000000149011612]]);
  });

  it('validationSplit holds out the last fraction, before shuffling', async () => {
    const x = t(signedValues(20, 5), [10, 2]);
    const y = t(signedValues(10, 6), [10, 1]);
    setSeed(4);
    const m = linear([[0.5], [0.5]], [0]);
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    let samples = -1;
    const probe = new (class extends Callback {
      override onTrainBegin(): void {
        samples = this.params.samples ?? -1;
      }
    })();
    const h = await m.fit(x, y, { epochs: 3, batchSize: 4, validationSplit: 0.3, verbose: 0, callbacks: [probe] });
    expect(samples).toBe(7);
    expect(Object.keys(h.history).sort()).toEqual(['loss', 'mae', 'val_loss', 'val_mae']);
    expect(h.history.val_loss).toHaveLength(3);
    const xv = x.slice([7, 0], [3, 2]);
    const yv = y.slice([7, 0], [3, 1]);
    const last = await m.evaluate(xv, yv);
    expect(h.history.val_loss[2]).toBeCloseTo(last.loss, 6);
    expect(h.history.val_mae[2]).toBeCloseTo(last.mae, 6);
    // The first samples would give another value.
    const xf = x.slice([0, 0], [3, 2]);
    const yf = y.slice([0, 0], [3, 1]);
    const first = await m.evaluate(xf, yf);
    expect(Math.abs(first.loss - last.loss)).toBeGreaterThan(1e-3);
    [xv, yv, xf, yf].forEach((v) => v.dispose());
    // floor(10 * (1 - 0.95)) = 0 training samples.
    await expect(m.fit(x, y, { validationSplit: 0.95, verbose: 0 })).rejects.toThrow('fit: validationSplit 0.95 of 10 samples leaves no training samples');
  });

  it('validationData is evaluated after each epoch', async () => {
    const m = handModel();
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.05 }), loss: 'mse' });
    const xv = t([[1, 1], [0, 2]]);
    const yv = t([[0], [1]]);
    const h = await m.fit(t(X), t(Y), { epochs: 2, verbose: 0, validationData: [xv, yv] });
    expect(Object.keys(h.history)).toEqual(['loss', 'val_loss']);
    const { loss } = await m.evaluate(xv, yv);
    expect(h.history.val_loss[1]).toBeCloseTo(loss, 6);
    expect(h.history.val_loss[0]).not.toBeCloseTo(loss, 3);
    await expect(m.fit(t(X), t(Y), { verbose: 0, validationData: [t([[1, 2, 3], [4, 5, 6]]), yv] })).rejects.toThrow(/fit \(validationData\): expected x of shape \[null,2\]/);
  });

  it('shuffle: false is deterministic; shuffling changes the result', async () => {
    const x = t(signedValues(24, 7), [12, 2]);
    const y = t(signedValues(12, 8), [12, 1]);
    const run = async (shuffle: boolean, seed: number): Promise<number[][]> => {
      setSeed(seed);
      const m = linear([[0.2], [-0.1]], [0]);
      m.compile({ optimizer: optimizers.sgd({ learningRate: 0.3 }), loss: 'mse' });
      await m.fit(x, y, { epochs: 2, batchSize: 3, shuffle, verbose: 0 });
      const w = weightValues(m);
      m.dispose();
      return w;
    };
    const plain = await run(false, 1);
    expect(await run(false, 2)).toEqual(plain);
    const shuffled = await run(true, 1);
    expect(shuffled).not.toEqual(plain);
    expect(await run(true, 1)).toEqual(shuffled);
    expect(await run(true, 3)).not.toEqual(shuffled);
  });
});

describe('multi-output losses', () => {
  /** One input [2]; outputs 'mo_a' (kernel [1,2], bias 0.5) and 'mo_b' (kernel [-1,1], bias 0). */
  function twoHeads(prefix: string): Model {
    const x = input({ shape: [2] });
    const a = layers.dense({ units: 1, name: `${prefix}_a` }).apply(x);
    const b = layers.dense({ units: 1, name: `${prefix}_b` }).apply(x);
    const m = model({ inputs: x, outputs: [a, b] });
    setWeights(m, [[[1], [2]], [0.5], [[-1], [1]], [0]]);
    return m;
  }
  // Head a: predictions 1.5, 2.5, 3.5, 0.5 against Y: mse 2.25, mae 1.25.
  // Head b: predictions -1, 1, 0, -3 against YB = 0, 0, 0, 0: mse (1+1+0+9)/4 = 2.75, mae (1+1+0+3)/4 = 1.25.
  const YB = [[0], [0], [0], [0]];

  it('weights each output loss and logs per-output losses and metrics', async () => {
    const m = twoHeads('mo');
    m.compile({ optimizer: 'sgd', loss: { mo_a: 'mse', mo_b: 'mae' }, lossWeights: { mo_a: 2, mo_b: 0.5 }, metrics: { mo_a: ['mae'], mo_b: ['mse'] } });
    const logs = await m.testOnBatch(t(X), [t(Y), t(YB)]);
    expect(Object.keys(logs)).toEqual(['loss', 'mo_a_loss', 'mo_b_loss', 'mo_a_mae', 'mo_b_mse']);
    // loss = 2 * 2.25 + 0.5 * 1.25 = 5.125
    close([logs.loss, logs.mo_a_loss, logs.mo_b_loss, logs.mo_a_mae, logs.mo_b_mse], [5.125, 2.25, 1.25, 1.25, 2.75]);
    const h = await m.fit(t(X), { mo_b: t(YB), mo_a: t(Y) }, { epochs: 1, verbose: 0 });
    expect(Object.keys(h.history)).toEqual(['loss', 'mo_a_loss', 'mo_b_loss', 'mo_a_mae', 'mo_b_mse']);
    expect(h.history.loss[0]).toBeCloseTo(5.125, 5);
  });

  it('takes losses and loss weights as lists, in output order', async () => {
    const m = twoHeads('ml');
    m.compile({ optimizer: 'sgd', loss: ['mae', 'mse'], lossWeights: [1, 3] });
    const logs = await m.testOnBatch(t(X), [t(Y), t(YB)]);
    // 1 * mae_a 1.25 + 3 * mse_b 2.75 = 9.5
    close([logs.loss, logs.ml_a_loss, logs.ml_b_loss], [9.5, 1.25, 2.75]);
    expect(() => m.compile({ optimizer: 'sgd', loss: ['mae'] })).toThrow('compile: expected loss as a list of 2 (one per output: ml_a, ml_b), got 1');
    expect(() => m.compile({ optimizer: 'sgd', loss: { ml_a: 'mse', ml_c: 'mse' } })).toThrow("compile: loss names unknown output 'ml_c'; outputs: ml_a, ml_b");
    expect(() => m.compile({ optimizer: 'sgd', loss: { ml_a: 'mse' } })).toThrow("compile: expected loss for output 'ml_b', got nothing");
  });
});

describe('hand-computed steps', () => {
  it('evaluate returns the loss and metrics', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    const logs = await m.evaluate(t(X), t(Y), { batchSize: 3 });
    expect(Object.keys(logs)).toEqual(['loss', 'mae']);
    close([logs.loss, logs.mae], [2.25, 1.25]);
  });

  it('sample weights: sum(w * loss) / n', async () => {
    const m = handModel();
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0 }), loss: 'mse' });
    const sw = t([1, 0, 2, 4]);
    // (1*0.25 + 0*6.25 + 2*2.25 + 4*0.25) / 4 = 5.75 / 4
    expect((await m.testOnBatch(t(X), t(Y), { sampleWeight: sw })).loss).toBeCloseTo(1.4375, 6);
    expect((await m.evaluate(t(X), t(Y), { sampleWeight: sw, batchSize: 2 })).loss).toBeCloseTo(1.4375, 6);
    const h = await m.fit(t(X), t(Y), { sampleWeight: sw, batchSize: 2, shuffle: false, verbose: 0 });
    expect(h.history.loss[0]).toBeCloseTo(1.4375, 6);
    await expect(m.fit(t(X), t(Y), { sampleWeight: t([1, 2]), verbose: 0 })).rejects.toThrow('fit: expected sampleWeight of shape [4] (one weight per sample), got [2]');
  });

  it('class weights weight each sample by its label', async () => {
    const m = handModel();
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    const y01 = t([[1], [0], [1], [0]]);
    // squared errors 0.25, 6.25, 6.25, 0.25; class 0 weighs 3: (0.25 + 18.75 + 6.25 + 0.75) / 4 = 6.5
    const logs = await m.trainOnBatch(t(X), y01, { classWeight: { 0: 3, 1: 1 } });
    expect(logs.loss).toBeCloseTo(6.5, 5);
    const m2 = handModel();
    m2.compile({ optimizer: 'sgd', loss: 'mse' });
    // With sample weights too, the weights multiply: [1*2, 3*1, 1*1, 3*0] -> (0.5 + 18.75 + 6.25 + 0) / 4 = 6.375
    const logs2 = await m2.trainOnBatch(t(X), y01, { classWeight: { 0: 3, 1: 1 }, sampleWeight: t([2, 1, 1, 0]) });
    expect(logs2.loss).toBeCloseTo(6.375, 5);
    await expect(m2.fit(t(X), y01, { classWeight: { a: 1 } as never, verbose: 0 })).rejects.toThrow("fit: classWeight keys must be class indices (0, 1, ...), got 'a'");
  });

  it('trainOnBatch takes exactly one SGD step; testOnBatch changes nothing', async () => {
    const m = handModel();
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    const before = await m.testOnBatch(t(X), t(Y));
    expect(before.loss).toBeCloseTo(2.25, 6);
    expect(weightValues(m)).toEqual([[1, 2], [0.5]]);
    const logs = await m.trainOnBatch(t(X), t(Y));
    // The logged loss is the one the step started from.
    expect(logs.loss).toBeCloseTo(2.25, 6);
    // dL/dW = 2/n X^T r = 0.5 * [1*0.5 + 1*1.5 + 2*(-0.5), 2.5 + 1.5 + 0.5] = [0.5, 2.25]; dL/db = 0.5 * 4 = 2
    const [w, b] = weightValues(m);
    close(w, [1 - 0.1 * 0.5, 2 - 0.1 * 2.25], 6);
    close(b, [0.5 - 0.1 * 2], 6);
    expect(m.optimizer!.iterations).toBe(1);
  });

  it('a kernel regularizer adds l2 * sum(w^2) to the loss and its gradient to the step', async () => {
    const m = handModel({ kernelRegularizer: regularizers.l2({ l2: 0.01 }) });
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    // 2.25 + 0.01 * (1 + 4)
    expect((await m.evaluate(t(X), t(Y))).loss).toBeCloseTo(2.3, 5);
    expect((await m.testOnBatch(t(X), t(Y))).loss).toBeCloseTo(2.3, 5);
    await m.trainOnBatch(t(X), t(Y));
    // gradient of the penalty: 2 * 0.01 * w = [0.02, 0.04]
    close(weightValues(m)[0], [1 - 0.1 * 0.52, 2 - 0.1 * 2.29], 6);
  });

  it('batch normalization updates its moving statistics in fit only', async () => {
    const bn = layers.batchNormalization({ inputShape: [2], momentum: 0.5 });
    const m = sequential({ layers: [bn, layers.dense({ units: 1 })] });
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    // Columns [1, 0, 1, 2] and [0, 1, 1, -1]: means 1 and 0.25, biased variances 0.5 and 0.6875.
    await m.fit(t(X), t(Y), { epochs: 1, batchSize: 4, verbose: 0 });
    close(values(bn.movingMean), [0.5 * 0 + 0.5 * 1, 0.5 * 0.25]);
    close(values(bn.movingVariance), [0.5 * 1 + 0.5 * 0.5, 0.5 * 1 + 0.5 * 0.6875]);
    const mean = values(bn.movingMean);
    const variance = values(bn.movingVariance);
    await m.evaluate(t(X), t(Y));
    m.predict(t(X)).dispose();
    await m.testOnBatch(t(X), t(Y));
    expect(values(bn.movingMean)).toEqual(mean);
    expect(values(bn.movingVariance)).toEqual(variance);
    // Validation inside fit runs in inference mode: a second epoch with validation moves them once more, by the training batch only.
    await m.fit(t(X), t(Y), { epochs: 1, batchSize: 4, verbose: 0, validationData: [t([[100, 100]]), t([[0]])] });
    close(values(bn.movingMean), [0.5 * mean[0] + 0.5 * 1, 0.5 * mean[1] + 0.5 * 0.25]);
  });
});

describe('callbacks', () => {
  it('calls the hooks in order, with logs', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const calls: string[] = [];
    const epochLogs: Logs[] = [];
    const seen = new (class extends Callback {})();
    await m.fit(t([...X, [1, 2], [0, 0]]), t([...Y, [1], [0]]), {
      epochs: 2,
      batchSize: 4,
      verbose: 0,
      callbacks: [seen, {
        onTrainBegin: () => void calls.push('trainBegin'),
        onEpochBegin: (e) => void calls.push(`epochBegin ${e}`),
        onBatchBegin: (b) => void calls.push(`batchBegin ${b}`),
        onBatchEnd: (b) => void calls.push(`batchEnd ${b}`),
        onEpochEnd: (e, logs) => {
          calls.push(`epochEnd ${e}`);
          epochLogs.push({ ...logs });
        },
        onTrainEnd: () => void calls.push('trainEnd'),
      }],
    });
    expect(seen.model).toBe(m);
    expect(seen.params).toEqual({ epochs: 2, steps: 2, samples: 6, verbose: 0, metrics: ['loss'], initialEpoch: 0, doValidation: false });
    const epoch = (e: number): string[] => [`epochBegin ${e}`, 'batchBegin 0', 'batchEnd 0', 'batchBegin 1', 'batchEnd 1', `epochEnd ${e}`];
    expect(calls).toEqual(['trainBegin', ...epoch(0), ...epoch(1), 'trainEnd']);
    expect(epochLogs).toHaveLength(2);
    expect(Object.keys(epochLogs[0])).toContain('loss');
    expect(Number.isFinite(epochLogs[0].loss)).toBe(true);
    await expect(m.fit(t(X), t(Y), { verbose: 0, callbacks: { onEpochEnd: 3 } as never })).rejects.toThrow(
      "fit: callbacks[0] has 'onEpochEnd', which is not a hook function; hooks: onTrainBegin, onTrainEnd, onEpochBegin, onEpochEnd, onBatchBegin, onBatchEnd",
    );
  });

  it('stopTraining set by a callback ends fit after the current batch', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    let ended = false;
    const h = await m.fit(t(X), t(Y), {
      epochs: 5,
      batchSize: 1,
      verbose: 0,
      callbacks: {
        onBatchEnd: (b) => {
          if (b === 1) m.stopTraining = true;
        },
        onTrainEnd: () => void (ended = true),
      },
    });
    expect(m.optimizer!.iterations).toBe(2);
    expect(h.epoch).toEqual([0]);
    expect(ended).toBe(true);
  });

  it('terminateOnNaN skips the step whose loss is not finite and stops', async () => {
    const m = handModel();
    // A huge rate: the first step is finite, the next loss overflows float32.
    m.compile({ optimizer: optimizers.sgd({ learningRate: 1e30 }), loss: 'mse' });
    const messages: string[] = [];
    const guard = callbacks.terminateOnNaN({ log: (msg) => void messages.push(msg) });
    const h = await m.fit(t(X), t(Y), { epochs: 5, batchSize: 4, verbose: 0, callbacks: [guard] });
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history.loss[0]).toBeCloseTo(2.25, 5);
    expect(h.history.loss[1]).toBeNaN();
    expect([guard.terminatedEpoch, guard.terminatedBatch]).toEqual([1, 0]);
    expect(messages).toEqual(['Batch 0: Invalid loss, terminating training']);
    expect(m.optimizer!.iterations).toBe(1);
    // Only the first step was applied: w = [1, 2] - 1e30 * [0.5, 2.25], b = 0.5 - 1e30 * 2.
    const [w, b] = weightValues(m);
    expect(w[0] / -0.5e30).toBeCloseTo(1, 5);
    expect(w[1] / -2.25e30).toBeCloseTo(1, 5);
    expect(b[0] / -2e30).toBeCloseTo(1, 5);
  });

  /** Trains toward y = 2x from a zero kernel while validating on y = -2x: val_loss rises every epoch. */
  async function divergingFit(cbs: Callback[], epochs: number, record?: number[][][]) {
    const m = linear([[0]], null);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'mse' });
    const x = t([[1], [2], [-1], [0.5]]);
    const hooks = record ? [callbacks.lambda({ onEpochEnd: () => void record.push(weightValues(m)) })] : [];
    const h = await m.fit(x, t([[2], [4], [-2], [1]]), { epochs, verbose: 0, validationData: [x, t([[-2], [-4], [2], [-1]])], callbacks: [...hooks, ...cbs] });
    return { m, h };
  }

  it('earlyStopping restores the best weights through a real fit', async () => {
    const record: number[][][] = [];
    const stop = callbacks.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true });
    const { m, h } = await divergingFit([stop], 20, record);
    expect(h.epoch).toEqual([0, 1, 2]);
    for (let i = 1; i < 3; i++) expect(h.history.val_loss[i]).toBeGreaterThan(h.history.val_loss[i - 1]);
    expect(stop.stoppedEpoch).toBe(2);
    expect(stop.bestEpoch).toBe(0);
    expect(record).toHaveLength(3);
    expect(weightValues(m)).toEqual(record[0]);
    expect(weightValues(m)).not.toEqual(record[2]);
  });

  it('reduceLROnPlateau lowers the learning rate during fit', async () => {
    const reduce = callbacks.reduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 1 });
    const { m, h } = await divergingFit([reduce], 3);
    // Epoch 0 sets the best; epochs 1 and 2 are worse, each halving the rate used by the next epoch.
    expect(h.history.learning_rate).toEqual([0.1, 0.1, 0.05]);
    expect(m.optimizer!.learningRate).toBe(0.025);
  });

  it('verbose 0 prints nothing; verbose 2 prints one line per epoch', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      written.push(String(s));
      return true;
    });
    await m.fit(t(X), t(Y), { epochs: 3, batchSize: 2, verbose: 0 });
    expect(written).toEqual([]);
    await m.fit(t(X), t(Y), { epochs: 3, batchSize: 2, verbose: 2 });
    vi.restoreAllMocks();
    expect(written).toHaveLength(3);
    written.forEach((line, i) => expect(line).toMatch(new RegExp(`^Epoch ${i + 1}/3 - \\d+s \\d+(ms|us|s)/step - loss: \\d+\\.\\d{4}\\n$`)));
  });
});

describe('bad input changes nothing', () => {
  /** Runs `f`, which must reject with `message`, and checks the weights are as before. */
  async function rejectsUnchanged(m: Model, f: () => Promise<unknown>, message: RegExp | string, type: typeof ValueError | typeof ShapeError = ValueError): Promise<void> {
    const before = weightValues(m);
    const iterations = m.optimizer?.iterations;
    const err = await f().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(type);
    if (typeof message === 'string') expect((err as Error).message).toBe(message);
    else expect((err as Error).message).toMatch(message);
    expect(weightValues(m)).toEqual(before);
    expect(m.optimizer?.iterations).toBe(iterations);
  }

  it('fit before compile', async () => {
    const m = sequential({ name: 'bad_uncompiled', layers: [layers.dense({ units: 1, inputShape: [2] })] });
    await rejectsUnchanged(m, () => m.fit(t(X), t(Y), { verbose: 0 }), "fit: the model 'bad_uncompiled' is not compiled; call model.compile({ optimizer, loss }) first");
    await rejectsUnchanged(m, () => m.evaluate(t(X), t(Y)), /^evaluate: the model 'bad_uncompiled' is not compiled; call model.compile/);
  });

  it('a wrong input shape names the expected shape', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await rejectsUnchanged(m, () => m.fit(t([[1, 2, 3]]), t([[1]]), { verbose: 0 }), /^fit: expected x of shape \[null,2\] \(the model's input 'sequential_\d+_input'\), got \[1,3\]$/, ShapeError);
    await rejectsUnchanged(m, () => m.trainOnBatch(t([[1, 2, 3]]), t([[1]])), /^trainOnBatch: expected x of shape \[null,2\]/, ShapeError);
    await rejectsUnchanged(m, () => m.trainOnBatch(t([1, 2]), t([1, 2])), /^trainOnBatch: expected x of shape \[null,2\] .*got \[2\]$/, ShapeError);
  });

  it('labels that do not fit the loss suggest the right loss', async () => {
    const m = sequential({ layers: [layers.dense({ units: 3, inputShape: [2], activation: 'softmax' })] });
    m.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    await rejectsUnchanged(m, () => m.fit(t(X), t([0, 2, 1, 1], [4], 'int32'), { verbose: 0 }), /^categoricalCrossentropy: expected yTrue .*got \[4\]; for integer class labels use sparseCategoricalCrossentropy$/, ShapeError);
  });

  it('unknown names get a did-you-mean', () => {
    const m = handModel();
    expect(() => m.compile({ optimizer: 'adma', loss: 'mse' })).toThrow(/^compile: unknown optimizer 'adma' \(did you mean 'adam'\?\); known: sgd, adam/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'meanSquaredEror' })).toThrow(/^compile: unknown loss 'meanSquaredEror' \(did you mean 'meanSquaredError'\?\)/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['acuracy'] })).toThrow(/^compile: unknown metric 'acuracy' \(did you mean 'accuracy'\?\)/);
    expect(() => m.compile({ optimizer: 'sgd', loss: 'mse', metric: ['mae'] } as never)).toThrow("compile: unknown option 'metric'; known options: optimizer, loss, metrics, lossWeights");
    expect(() => layers.dense({ units: 2, activation: 'rleu' as never, name: 'bad_act' })).toThrow(/^bad_act: option 'activation': unknown activation 'rleu' \(did you mean 'relu'\?\)/);
    expect(m.optimizer).toBeUndefined();
  });

  it('a failed compile keeps the earlier compile', async () => {
    const m = handModel();
    const sgd = optimizers.sgd({ learningRate: 0.1 });
    m.compile({ optimizer: sgd, loss: 'mse', metrics: ['mae'] });
    expect(() => m.compile({ optimizer: 'adam', loss: 'mae', metrics: ['acuracy'] })).toThrow(ValueError);
    expect(() => m.compile({ optimizer: 'adma', loss: 'mae' })).toThrow(ValueError);
    expect(() => m.compile({ optimizer: 'adam', loss: 'mae', lossWeights: [Number.NaN] })).toThrow(`compile: expected lossWeights for '${m.outputNames[0]}' to be a finite number, got NaN`);
    expect(m.optimizer).toBe(sgd);
    const logs = await m.evaluate(t(X), t(Y));
    expect(Object.keys(logs)).toEqual(['loss', 'mae']);
    close([logs.loss, logs.mae], [2.25, 1.25]);
  });

  it('mismatched sample counts', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await rejectsUnchanged(m, () => m.fit(t(X), t([[1], [2]]), { verbose: 0 }), 'fit: x has 4 samples but y has 2; every input and target needs the same number of samples (the first axis)');
  });

  it('NaN in x with terminateOnNaN names x and the sample', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = t([[1, 0], [0, 1], [1, Number.NaN], [2, -1]]);
    await rejectsUnchanged(
      m,
      () => m.fit(x, t(Y), { verbose: 0, callbacks: [callbacks.terminateOnNaN({ log: () => {} })] }),
      'fit: expected finite values in x (terminateOnNaN is set), got NaN at sample 2 (flat index 5)',
    );
    await rejectsUnchanged(m, () => m.fit(t(X), t([[1], [Infinity], [0], [0]]), { verbose: 0, callbacks: [callbacks.terminateOnNaN({ log: () => {} })] }), /^fit: expected finite values in y .*got Infinity at sample 1/);
  });

  it('an unknown fit option', async () => {
    const m = handModel();
    m.compile({ optimizer: 'sgd', loss: 'mse' });
    await rejectsUnchanged(m, () => m.fit(t(X), t(Y), { epoch: 3 } as never), /^fit: unknown option 'epoch' \(did you mean 'epochs'\?\)/);
    await rejectsUnchanged(m, () => m.fit(t(X), t(Y), { batchSize: 0 }), /^fit: option 'batchSize'/);
  });
});

describe('memory', () => {
  it('fit, evaluate and predict leak nothing; dispose frees the rest', async () => {
    const start = memory().numTensors;
    setSeed(9);
    const { x, y } = blobs(60, 2);
    const m = sequential({ layers: [layers.dense({ units: 4, inputShape: [2], activation: 'tanh' }), layers.dense({ units: 1, activation: 'sigmoid' })] });
    m.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    await m.fit(x, y, { epochs: 2, batchSize: 16, validationSplit: 0.25, verbose: 0 });
    const afterFirst = memory().numTensors;
    // Held now: the data (2), the weights (4), Adam's iterations and two slots per weight (9), and the loss/accuracy means' state.
    expect(m.optimizer!.variables).toHaveLength(9);
    // Each mean keeps two state tensors (total and count).
    expect(afterFirst - start).toBe(2 + m.weights.length + m.optimizer!.variables.length + 2 * 2);
    await m.fit(x, y, { epochs: 2, batchSize: 16, validationSplit: 0.25, verbose: 0 });
    await m.evaluate(x, y, { batchSize: 7 });
    m.predict(x, { batchSize: 7 }).dispose();
    await m.trainOnBatch(x, y);
    await m.testOnBatch(x, y);
    expect(memory().numTensors).toBe(afterFirst);
    m.dispose();
    live.splice(0).forEach((v) => v.dispose());
    expect(memory().numTensors).toBe(start);
  });
});
