/**
 * The issue-7 rows of `npm run bench`: laminar side by side with
 * tfjs-cpu, tfjs-wasm, jax-js (wasm) and NumPy in one run, and the
 * targets checked from the same figures.
 *
 * - M: 1024³ float32 matmul, GFLOP/s.
 * - W1: the headline net, x [1000,1000] -> Dense 1000 relu -> Dense 1000,
 *   MSE, SGD, full batch 1000 (`model.trainOnBatch` for laminar and tfjs),
 *   each library in a process of its own (bench/w1-rss.ts) for its time per
 *   step, peak RSS and live tensors.
 * - W2: the seeds' two-layer net N=64 D=1000 H=100 D_out=10 (no biases,
 *   sum of squares, plain SGD at 1e-6), per step.
 * - W3: the MNIST MLP 784-512-512-10, Adam, batch 128, `model.fit` one epoch
 *   of the 8,000 training digits, shuffled.
 * - W4: a small CNN (conv 32 3x3 relu, max pool 2, conv 64 3x3 relu, max
 *   pool 2, flatten, dense 128 relu, dense 10 softmax) on the same digits.
 *
 *   npx tsx bench/run.ts --issue7 [--quick]   # these rows alone
 *
 * @internal
 * @module
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lm from '../src/index.js';
import { loadMnist } from '../examples/data/mnist.js';
import { has, jaxNet, onTfBackend, runNumpy, seededNormal, type Lib, type Peers, type TfModule } from './peers.js';
import { time } from './timing.js';

/** @internal One row of the bench table: a figure per library that was measured. */
export interface BenchRow {
  /** The workload's name in the targets section (M, W1, ...), when it has one. */
  id?: string;
  workload: string;
  unit: string;
  /** true when bigger is better (GFLOP/s), false for times and sizes. */
  higherIsBetter: boolean;
  values: Partial<Record<Lib, number>>;
  /** false for rows whose ratios mean nothing (tensor counts, steps run). */
  ratio?: boolean;
  /** Why a library's cell is empty, when it failed. */
  errors?: Partial<Record<Lib, string>>;
  /** Why a library was not measured on this row, when it was skipped on purpose. */
  skipped?: Partial<Record<Lib, string>>;
}

/** @internal How long to run. */
export interface WorkloadOptions {
  quick: boolean;
}

const here = dirname(fileURLToPath(import.meta.url));
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** Runs one measurement; a failure prints one warning line and leaves the cell empty. */
async function cell(row: BenchRow, lib: Lib, fn: () => Promise<number | undefined>): Promise<void> {
  try {
    const v = await fn();
    if (v !== undefined && Number.isFinite(v)) row.values[lib] = v;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    (row.errors ??= {})[lib] = msg;
    console.warn(`${row.id ?? row.workload}: ${lib} failed (${msg}); its cell shows '-'`);
  }
}

/** The issue-7 rows, in table order. */
export async function issue7Rows(peers: Peers, o: WorkloadOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  rows.push(await matmulRow(peers, o));
  rows.push(...(await w1Rows(peers, o)));
  rows.push(...(await w2Rows(peers, o)));
  rows.push(await w3Row(peers, o));
  rows.push(await w4Row(peers, o));
  return rows;
}

// ---------------------------------------------------------------- M

async function matmulRow(peers: Peers, o: WorkloadOptions): Promise<BenchRow> {
  progress('M: 1024^3 matmul');
  const n = 1024;
  const flops = 2 * n * n * n;
  const gflops = (ms: number) => flops / ms / 1e6;
  const row: BenchRow = { id: 'M', workload: 'M  matMul 1024x1024x1024 float32', unit: 'GFLOP/s', higherIsBetter: true, values: {} };
  await cell(row, 'laminar', async () => {
    lm.setSeed(1);
    const a = lm.randomNormal([n, n]);
    const b = lm.randomNormal([n, n]);
    const ms = await time(() => lm.tidy(() => { lm.matMul(a, b).dataSync(); }), o.quick ? 3 : 7, 1);
    lm.dispose([a, b]);
    return gflops(ms);
  });
  const tfMatmul = async (tf: TfModule, reps: number) => {
    const a = tf.randomNormal([n, n]);
    const b = tf.randomNormal([n, n]);
    try {
      // Not tf.tidy(() => ....dataSync()): tidy walks a returned typed array element by element (a second per call on tfjs-wasm).
      return gflops(await time(() => { const c = tf.matMul(a, b); c.dataSync(); c.dispose(); }, reps, 1));
    } finally {
      tf.dispose([a, b]);
    }
  };
  const tf = peers.tf;
  // tfjs-cpu takes seconds per product: fewer repetitions.
  if (tf && has(peers, 'tfjs-cpu')) await cell(row, 'tfjs-cpu', () => tfMatmul(tf, o.quick ? 1 : 3));
  if (tf && has(peers, 'tfjs-wasm')) await cell(row, 'tfjs-wasm', () => onTfBackend(tf, 'wasm', () => tfMatmul(tf, o.quick ? 3 : 7)));
  const jax = peers.jax;
  if (jax) {
    await cell(row, 'jax-js', async () => {
      const np = jax.numpy;
      const a = np.array(seededNormal(n * n, 1)).reshape([n, n]);
      const b = np.array(seededNormal(n * n, 2)).reshape([n, n]);
      // data() realises the lazy product and reads it back (as dataSync does for the others), then frees it.
      const ms = await time(async () => { await np.matmul(a.ref, b.ref).data(); }, o.quick ? 3 : 7, 1);
      a.dispose();
      b.dispose();
      return gflops(ms);
    });
  }
  if (peers.python) await cell(row, 'numpy', async () => gflops((runNumpy({ task: 'M', reps: o.quick ? 5 : 15 }, 120_000, peers.python!) as { ms: number }).ms));
  return row;
}

// ---------------------------------------------------------------- W1

interface W1Result {
  steps: number;
  ms: number;
  peakRssMB: number;
  loadedRssMB?: number;
  tensorsBefore?: number | null;
  tensorsAfter?: number | null;
}

/** Spawns bench/w1-rss.ts for `lib` and parses its JSON line. */
function w1Child(lib: Lib, args: string[], timeoutMs: number): Promise<W1Result> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(here, 'w1-rss.ts'), lib, ...args], { cwd: join(here, '..'), timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        // Node ends an uncaught error's report with its version: show the error line instead.
        const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('at ') && !l.startsWith('Node.js v'));
        const why = lines.find((l) => /Error\b/.test(l)) ?? lines.pop() ?? (err.killed ? `killed after ${timeoutMs / 1000} s` : `exit code ${err.code}`);
        return reject(new Error(`bench/w1-rss.ts ${lib}: ${why}`));
      }
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (!line) return reject(new Error(`no JSON line from bench/w1-rss.ts ${lib}`));
      resolve(JSON.parse(line) as W1Result);
    });
  });
}

async function w1Rows(peers: Peers, o: WorkloadOptions): Promise<BenchRow[]> {
  // Each library trains in a process of its own: up to `steps` steps, stopping after `budget` seconds once `minSteps` ran
  // (tfjs-cpu takes ~15 s a step here, tfjs-wasm ~3.5 s: its transposed matmuls miss XNNPACK). The first step is untimed;
  // the figure is the median of the rest. Peak RSS is reached in the first steps; the live-tensor rows show any leak.
  const steps = o.quick ? 10 : 100;
  const budgetS = o.quick ? 15 : 60;
  const minSteps = o.quick ? 2 : 3;
  // Effective GFLOP/s counts 6 matmuls of 2*1000^3 per step = 12 GFLOP: forward x@W1 and h@W2, backward dW2, dh, dW1
  // and the input gradient dx (which no library needs to compute, so a library that skips it does 5).
  const flops = 6 * 2 * 1000 ** 3;
  const time_: BenchRow = { id: 'W1', workload: 'W1 net 1000-1000(relu)-1000 MSE SGD, trainOnBatch, batch 1000', unit: 's/step', higherIsBetter: false, values: {} };
  const eff: BenchRow = { workload: '   same, effective (6 matmuls = 12 GFLOP/step)', unit: 'GFLOP/s', higherIsBetter: true, values: {} };
  const peak: BenchRow = { id: 'W1 RSS', workload: `   peak RSS, own process, up to ${steps} steps or ${budgetS} s`, unit: 'MB', higherIsBetter: false, values: {} };
  const loaded: BenchRow = { workload: '   RSS with the library loaded, before the data', unit: 'MB', higherIsBetter: false, values: {} };
  const ran: BenchRow = { workload: '   steps run in that process', unit: 'steps', higherIsBetter: true, values: {}, ratio: false };
  const before: BenchRow = { workload: '   live tensors before the first step', unit: 'tensors', higherIsBetter: false, values: {}, ratio: false };
  const after: BenchRow = { workload: '   live tensors after the last step', unit: 'tensors', higherIsBetter: false, values: {}, ratio: false };
  const record = (lib: Lib, r: W1Result) => {
    time_.values[lib] = r.ms / 1000;
    eff.values[lib] = flops / r.ms / 1e6;
    peak.values[lib] = r.peakRssMB;
    if (r.loadedRssMB !== undefined) loaded.values[lib] = r.loadedRssMB;
    ran.values[lib] = r.steps;
    if (typeof r.tensorsBefore === 'number') before.values[lib] = r.tensorsBefore;
    if (typeof r.tensorsAfter === 'number') after.values[lib] = r.tensorsAfter;
  };
  const args = ['--steps', String(steps), '--budget-s', String(budgetS), '--min-steps', String(minSteps)];
  // Generous: a slow library's minimum steps may run past the budget.
  const timeoutMs = (budgetS + 300) * 1000;
  for (const lib of ['laminar', 'tfjs-cpu', 'tfjs-wasm', 'jax-js'] as const) {
    if (!has(peers, lib)) continue;
    progress(`W1: ${lib} in its own process`);
    await cell(time_, lib, async () => {
      const r = await w1Child(lib, args, timeoutMs);
      record(lib, r);
      return r.ms / 1000;
    });
  }
  if (peers.python) {
    progress('W1: numpy in its own process');
    await cell(time_, 'numpy', async () => {
      const r = runNumpy({ task: 'W1', steps, budget_s: budgetS, min_steps: minSteps }, timeoutMs, peers.python!) as W1Result;
      record('numpy', r);
      return r.ms / 1000;
    });
  }
  return [time_, eff, peak, loaded, ran, before, after];
}

// ---------------------------------------------------------------- W2

async function w2Rows(peers: Peers, o: WorkloadOptions): Promise<BenchRow[]> {
  progress('W2: two-layer net N=64 D=1000 H=100');
  // The seeds' net (examples/two-layer-net.ts): no biases, sum of squares, w -= 1e-6 * grad.
  const [N, D, H, O] = [64, 1000, 100, 10];
  const flops = 3 * 2 * (N * D * H + N * H * O);
  const reps = o.quick ? 20 : 100;
  const row: BenchRow = { id: 'W2', workload: 'W2 two-layer net step N=64 D=1000 H=100 D_out=10', unit: 'ms/step', higherIsBetter: false, values: {} };
  await cell(row, 'laminar', async () => {
    lm.setSeed(2);
    const x = lm.randomNormal([N, D]);
    const y = lm.randomNormal([N, O]);
    const w1 = lm.variable(lm.randomNormal([D, H]).mul(0.01), { name: 'bench/w1' });
    const w2 = lm.variable(lm.randomNormal([H, O]).mul(0.01), { name: 'bench/w2' });
    const step = () =>
      lm.tidy(() => {
        const { value, grads } = lm.variableGrads(() => x.matMul(w1).relu().matMul(w2).sub(y).square().sum());
        w1.assignSub(grads['bench/w1'].mul(1e-6));
        w2.assignSub(grads['bench/w2'].mul(1e-6));
        return value.dataSync()[0];
      });
    const ms = await time(step, reps, 10);
    lm.dispose([x, y, w1, w2]);
    return ms;
  });
  const tfStep = async (t: TfModule) => {
    const tx = t.randomNormal([N, D]);
    const ty = t.randomNormal([N, O]);
    const tw1 = t.variable(t.mul(t.randomNormal([D, H]), 0.01));
    const tw2 = t.variable(t.mul(t.randomNormal([H, O]), 0.01));
    const step = () =>
      t.tidy(() => {
        const { value, grads } = t.variableGrads(() => t.sum(t.square(t.sub(t.matMul(t.relu(t.matMul(tx, tw1)), tw2), ty))) as import('@tensorflow/tfjs').Scalar, [tw1, tw2]);
        tw1.assign(t.sub(tw1, t.mul(grads[tw1.name], 1e-6)));
        tw2.assign(t.sub(tw2, t.mul(grads[tw2.name], 1e-6)));
        return value.dataSync()[0];
      });
    try {
      return await time(step, reps, 10);
    } finally {
      t.dispose([tx, ty, tw1, tw2]);
    }
  };
  const tf = peers.tf;
  if (tf && has(peers, 'tfjs-cpu')) await cell(row, 'tfjs-cpu', () => tfStep(tf));
  if (tf && has(peers, 'tfjs-wasm')) await cell(row, 'tfjs-wasm', () => onTfBackend(tf, 'wasm', () => tfStep(tf)));
  const jax = peers.jax;
  if (jax) {
    await cell(row, 'jax-js', async () => {
      const net = jaxNet(jax, { N, D, H, O, bias: false, loss: 'sum', lr: 1e-6, initScale: 0.01 }, 2);
      try {
        return await time(() => net.step(), reps, 10);
      } finally {
        net.dispose();
      }
    });
  }
  if (peers.python) await cell(row, 'numpy', async () => (runNumpy({ task: 'W2', reps, warmup: 10 }, 120_000, peers.python!) as { ms: number }).ms);
  const eff: BenchRow = { workload: '   same, effective', unit: 'GFLOP/s', higherIsBetter: true, values: {} };
  for (const [lib, ms] of Object.entries(row.values) as [Lib, number][]) eff.values[lib] = flops / ms / 1e6;
  return [row, eff];
}

// ---------------------------------------------------------------- W3, W4

const BATCH = 128;

interface Digits {
  /** [8000, 28, 28, 1] in [0, 1], float32. */
  pixels: Float32Array;
  /** Class ids. */
  labels: Int32Array;
  n: number;
}

let digits: Digits | undefined;
/** The 8,000 training digits of examples/data/mnist.ts, as plain arrays every library can take. */
function trainingDigits(): Digits {
  if (!digits) {
    const { xTrain, yTrain, xTest, yTest } = loadMnist();
    digits = { pixels: xTrain.dataSync() as Float32Array, labels: Int32Array.from(yTrain.dataSync()), n: xTrain.shape[0] };
    lm.dispose([xTrain, yTrain, xTest, yTest]);
  }
  return digits;
}

type Arch = 'mlp' | 'cnn';

/** A model and data ready to fit one epoch on the first `n` digits. */
interface Fitter {
  fit(): Promise<void>;
  dispose(): void;
}

function laminarFitter(arch: Arch, n: number): Fitter {
  const d = trainingDigits();
  lm.setSeed(1);
  const x = lm.tensor(d.pixels.slice(0, n * 784), arch === 'mlp' ? [n, 784] : [n, 28, 28, 1]);
  const y = lm.tensor(d.labels.slice(0, n), [n], 'int32');
  const L = lm.layers;
  const m =
    arch === 'mlp'
      ? lm.sequential({ layers: [L.dense({ units: 512, activation: 'relu', inputShape: [784] }), L.dense({ units: 512, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })] })
      : lm.sequential({
          layers: [
            L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
            L.maxPooling2d({ poolSize: 2 }),
            L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
            L.maxPooling2d({ poolSize: 2 }),
            L.flatten(),
            L.dense({ units: 128, activation: 'relu' }),
            L.dense({ units: 10, activation: 'softmax' }),
          ],
        });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return {
    fit: async () => { await m.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 }); },
    dispose: () => {
      m.dispose();
      lm.dispose([x, y]);
    },
  };
}

function tfFitter(tf: TfModule, arch: Arch, n: number): Fitter {
  const d = trainingDigits();
  const x = arch === 'mlp' ? tf.tensor2d(d.pixels.slice(0, n * 784), [n, 784]) : tf.tensor4d(d.pixels.slice(0, n * 784), [n, 28, 28, 1]);
  const y = tf.tensor1d(Float32Array.from(d.labels.subarray(0, n)));
  const L = tf.layers;
  const m =
    arch === 'mlp'
      ? tf.sequential({ layers: [L.dense({ units: 512, activation: 'relu', inputShape: [784] }), L.dense({ units: 512, activation: 'relu' }), L.dense({ units: 10, activation: 'softmax' })] })
      : tf.sequential({
          layers: [
            L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
            L.maxPooling2d({ poolSize: 2 }),
            L.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
            L.maxPooling2d({ poolSize: 2 }),
            L.flatten(),
            L.dense({ units: 128, activation: 'relu' }),
            L.dense({ units: 10, activation: 'softmax' }),
          ],
        });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return {
    fit: async () => { await m.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 }); },
    dispose: () => {
      m.dispose();
      tf.dispose([x, y]);
    },
  };
}

/**
 * Seconds per epoch of 8,000 digits: one warm-up fit on `warmup` samples
 * (a fresh model), then `reps` timed fits on `batches` batches (all of them
 * when 'all'), scaled to the epoch by sample count.
 */
async function epochSeconds(make: (n: number) => Fitter, batches: number | 'all', reps: number, warmup: number): Promise<number> {
  const total = trainingDigits().n;
  const warm = make(warmup);
  try {
    await warm.fit();
  } finally {
    warm.dispose();
  }
  const n = batches === 'all' ? total : Math.min(total, batches * BATCH);
  const f = make(n);
  try {
    return ((await time(() => f.fit(), reps, 0)) / 1000) * (total / n);
  } finally {
    f.dispose();
  }
}

/** How many batches each library fits in W3/W4 ('all': the whole epoch; a string: skipped, with the reason), and how often. */
interface EpochPlan {
  batches: Record<'laminar' | 'tfjs-cpu' | 'tfjs-wasm', number | 'all' | { skip: string }>;
  /** Samples of the warm-up fit per library (default 2 batches). */
  warmup?: Partial<Record<Lib, number>>;
  reps: number;
  label: string;
}

async function fitRow(peers: Peers, id: string, workload: string, arch: Arch, plan: EpochPlan): Promise<BenchRow> {
  const row: BenchRow = { id, workload: `${workload}${plan.label}`, unit: 's/epoch', higherIsBetter: false, values: {} };
  const tf = peers.tf;
  const measure = async (lib: 'laminar' | 'tfjs-cpu' | 'tfjs-wasm', make: (n: number) => Fitter) => {
    const b = plan.batches[lib];
    if (typeof b === 'object') {
      (row.skipped ??= {})[lib] = b.skip;
      return;
    }
    progress(`${id}: ${lib}`);
    await cell(row, lib, () => epochSeconds(make, b, plan.reps, plan.warmup?.[lib] ?? 2 * BATCH));
  };
  await measure('laminar', (n) => laminarFitter(arch, n));
  if (tf && has(peers, 'tfjs-cpu')) await measure('tfjs-cpu', (n) => tfFitter(tf, arch, n));
  if (tf && has(peers, 'tfjs-wasm')) await onTfBackend(tf, 'wasm', () => measure('tfjs-wasm', (n) => tfFitter(tf, arch, n)));
  return row;
}

async function w3Row(peers: Peers, o: WorkloadOptions): Promise<BenchRow> {
  // tfjs-cpu takes ~1.6 s a batch here: 16 batches scaled to the epoch; under --quick everyone fits 8.
  const plan: EpochPlan = o.quick
    ? { batches: { laminar: 8, 'tfjs-cpu': 8, 'tfjs-wasm': 8 }, reps: 1, label: ' (8 batches scaled)' }
    : { batches: { laminar: 'all', 'tfjs-cpu': 16, 'tfjs-wasm': 'all' }, reps: 3, label: ' (tfjs-cpu: 16 batches scaled)' };
  return fitRow(peers, 'W3', 'W3 MNIST MLP 784-512-512-10 Adam b128, fit 8000', 'mlp', plan);
}

async function w4Row(peers: Peers, o: WorkloadOptions): Promise<BenchRow> {
  // tfjs-cpu's convolution gradients take ~100 s a batch here: it fits 1 batch after a 16-sample warm-up, scaled to the
  // epoch, and only without --quick; under --quick the others fit 3 batches. (tfjs-wasm has no Conv2DBackpropFilter
  // kernel in 4.22, so it cannot train this model: its cell shows '-' with the reason.)
  const cpu = { skip: 'skipped under --quick (about 100 s a batch)' };
  const plan: EpochPlan = o.quick
    ? { batches: { laminar: 3, 'tfjs-cpu': cpu, 'tfjs-wasm': 3 }, reps: 1, label: ' (3 batches scaled; tfjs-cpu skipped)' }
    : { batches: { laminar: 'all', 'tfjs-cpu': 1, 'tfjs-wasm': 'all' }, warmup: { 'tfjs-cpu': 16 }, reps: 1, label: ' (tfjs-cpu: 1 batch scaled)' };
  return fitRow(peers, 'W4', 'W4 MNIST CNN c32-p-c64-p-d128 Adam b128, fit 8000', 'cnn', plan);
}

// ---------------------------------------------------------------- targets

/** @internal A target: laminar at least `factor` times as fast as `peer` on row `id`. */
export interface Target {
  id: string;
  peer: Lib;
  factor: number;
}

/** @internal The issue-7 targets. */
export const TARGETS: Target[] = [
  { id: 'M', peer: 'jax-js', factor: 1.5 },
  { id: 'M', peer: 'tfjs-wasm', factor: 3 },
  { id: 'W1', peer: 'tfjs-wasm', factor: 15 },
  { id: 'W1', peer: 'tfjs-cpu', factor: 50 },
  { id: 'W3', peer: 'tfjs-wasm', factor: 5 },
  { id: 'W4', peer: 'tfjs-wasm', factor: 5 },
];

/** @internal How many times better laminar is than `lib` on `row` (>1: laminar wins), or undefined. */
export function speedup(row: BenchRow, lib: Lib): number | undefined {
  const a = row.values.laminar;
  const b = row.values[lib];
  if (a === undefined || b === undefined || !(a > 0) || !(b > 0)) return undefined;
  return row.higherIsBetter ? a / b : b / a;
}

/** @internal One line per target: PASS/MISS with the ratio measured in this run. */
export function targetLines(rows: BenchRow[]): string[] {
  return TARGETS.map((t) => {
    const row = rows.find((r) => r.id === t.id);
    const name = `${t.id.padEnd(3)} laminar >= ${String(t.factor).padStart(4)}x ${t.peer}`.padEnd(34);
    const x = row && speedup(row, t.peer);
    if (x === undefined) {
      const why = row?.errors?.laminar ?? row?.errors?.[t.peer] ?? row?.skipped?.[t.peer];
      const who = row?.errors?.laminar ? 'laminar' : t.peer;
      return `${name} n/a (${why ? `${who}: ${why}` : 'not measured in this run'})`;
    }
    return `${name} ${x >= t.factor ? 'PASS' : 'MISS'} ${x.toFixed(2)}x`;
  });
}
