/**
 * `npm run bench`: speed and memory of the CPU backend, side by side with
 * TensorFlow.js's CPU backend when it is installed (a dev dependency), and
 * WebGPU rows on whatever adapter is present.
 * Prints one table. Figures are medians of several timed runs after warmup.
 *
 *   npm run bench                 # all workloads
 *   npm run bench -- --no-tfjs    # laminar only
 *   npm run bench -- --quick      # fewer repetitions
 *   npm run bench -- --no-webgpu  # skip the WebGPU rows
 */
import * as lm from '../src/index.js';
import { pipelineRows } from './pipeline.js';
import { webgpuRows } from './webgpu.js';
import { time } from './timing.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');

type TfModule = typeof import('@tensorflow/tfjs');
let tf: TfModule | null = null;
if (!args.has('--no-tfjs')) {
  try {
    // The CommonJS build: tfjs's ESM build uses directory imports Node cannot load.
    const { createRequire } = await import('node:module');
    tf = createRequire(import.meta.url)('@tensorflow/tfjs') as TfModule;
    await tf.setBackend('cpu');
    await tf.ready();
  } catch (e) {
    console.warn(`TensorFlow.js could not be loaded (${(e as Error).message}); laminar only`);
    tf = null;
  }
}

interface Row {
  workload: string;
  unit: string;
  laminar: number;
  tfjs?: number;
  /** true when bigger is better (GFLOP/s), false for times. */
  higherIsBetter: boolean;
}
const rows: Row[] = [];

// M: 1024³ float32 matmul.
{
  const n = 1024;
  const flops = 2 * n * n * n;
  lm.setSeed(1);
  const a = lm.randomNormal([n, n]);
  const b = lm.randomNormal([n, n]);
  const ms = await time(() => lm.tidy(() => { lm.matMul(a, b).dataSync(); }), quick ? 2 : 5, 1);
  let tfMs: number | undefined;
  if (tf) {
    const ta = tf.randomNormal([n, n]);
    const tb = tf.randomNormal([n, n]);
    tfMs = await time(() => tf!.tidy(() => tf!.matMul(ta, tb).dataSync()), quick ? 1 : 3, 1);
    tf.dispose([ta, tb]);
  }
  rows.push({ workload: 'matMul 1024x1024x1024 float32', unit: 'GFLOP/s', laminar: flops / ms / 1e6, tfjs: tfMs && flops / tfMs / 1e6, higherIsBetter: true });
  lm.dispose([a, b]);
}

// The seeds' two-layer ReLU net: one SGD step (forward, backward, update).
{
  const [N, D, H, O] = [64, 1000, 100, 10];
  const flops = 3 * 2 * (N * D * H + N * H * O);
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
  const ms = await time(step, quick ? 20 : 100, 10);
  let tfMs: number | undefined;
  if (tf) {
    const t = tf;
    const tx = t.randomNormal([N, D]);
    const ty = t.randomNormal([N, O]);
    const tw1 = t.variable(t.mul(t.randomNormal([D, H]), 0.01));
    const tw2 = t.variable(t.mul(t.randomNormal([H, O]), 0.01));
    const tstep = () =>
      t.tidy(() => {
        const { value, grads } = t.variableGrads(() => t.sum(t.square(t.sub(t.matMul(t.relu(t.matMul(tx, tw1)), tw2), ty))) as import('@tensorflow/tfjs').Scalar, [tw1, tw2]);
        tw1.assign(t.sub(tw1, t.mul(grads[tw1.name], 1e-6)));
        tw2.assign(t.sub(tw2, t.mul(grads[tw2.name], 1e-6)));
        return value.dataSync()[0];
      });
    tfMs = await time(tstep, quick ? 20 : 100, 10);
    t.dispose([tx, ty, tw1, tw2]);
  }
  rows.push({ workload: 'two-layer net step N=64 D=1000 H=100', unit: 'ms/step', laminar: ms, tfjs: tfMs, higherIsBetter: false });
  rows.push({ workload: '  same, effective', unit: 'GFLOP/s', laminar: flops / ms / 1e6, tfjs: tfMs && flops / tfMs / 1e6, higherIsBetter: true });
  lm.dispose([x, y, w1, w2]);
}

// Eager dispatch overhead: a 10-element add.
{
  const a = lm.ones([10]);
  const b = lm.ones([10]);
  const reps = 20000;
  const ms = await time(() => {
    for (let i = 0; i < reps; i++) lm.add(a, b).dispose();
  }, quick ? 3 : 7);
  let tfMs: number | undefined;
  if (tf) {
    const ta = tf.ones([10]);
    const tb = tf.ones([10]);
    tfMs = await time(() => {
      for (let i = 0; i < reps; i++) tf!.add(ta, tb).dispose();
    }, quick ? 3 : 7);
    tf.dispose([ta, tb]);
  }
  rows.push({ workload: 'add of 10 elements (dispatch overhead)', unit: 'ns/op', laminar: (ms * 1e6) / reps, tfjs: tfMs && (tfMs * 1e6) / reps, higherIsBetter: false });
  lm.dispose([a, b]);
}

// conv2d forward + both gradients, a small CNN layer.
{
  const xShape = [8, 28, 28, 32] as const;
  const fShape = [3, 3, 32, 64] as const;
  const flops = 2 * 8 * 28 * 28 * 64 * 3 * 3 * 32;
  lm.setSeed(3);
  const x = lm.randomNormal([...xShape]);
  const f = lm.randomNormal([...fShape]);
  const ms = await time(() => lm.tidy(() => { lm.conv2d(x, f, 1, 'same').dataSync(); }), quick ? 3 : 7);
  let tfMs: number | undefined;
  if (tf) {
    const tx = tf.randomNormal([...xShape]) as import('@tensorflow/tfjs').Tensor4D;
    const tfl = tf.randomNormal([...fShape]) as import('@tensorflow/tfjs').Tensor4D;
    tfMs = await time(() => tf!.tidy(() => tf!.conv2d(tx, tfl, 1, 'same').dataSync()), quick ? 2 : 5);
    tf.dispose([tx, tfl]);
  }
  rows.push({ workload: 'conv2d [8,28,28,32]*[3,3,32,64] same', unit: 'GFLOP/s', laminar: flops / ms / 1e6, tfjs: tfMs && flops / tfMs / 1e6, higherIsBetter: true });
  lm.dispose([x, f]);
}

// Keras level: one epoch of model.fit on the MNIST MLP (784-512-512-10, Adam, batch 64) over 1024 samples.
{
  const n = 1024;
  const batchSize = 64;
  const steps = n / batchSize;
  const epochs = quick ? 1 : 3;
  lm.setSeed(1);
  const x = lm.randomNormal([n, 784]);
  const y = lm.randomUniform([n], 0, 10, 'int32');
  const m = lm.sequential({
    layers: [
      lm.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }),
      lm.layers.dense({ units: 512, activation: 'relu' }),
      lm.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const ms = (await time(() => m.fit(x, y, { epochs: 1, batchSize, verbose: 0 }), epochs, 1)) / steps;
  m.dispose();
  lm.dispose([x, y]);
  let tfMs: number | undefined;
  if (tf) {
    const tx = tf.randomNormal([n, 784]);
    const ty = tf.oneHot(tf.randomUniform([n], 0, 10, 'int32') as import('@tensorflow/tfjs').Tensor1D, 10);
    const tm = tf.sequential({
      layers: [
        tf.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }),
        tf.layers.dense({ units: 512, activation: 'relu' }),
        tf.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    tm.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    tfMs = (await time(() => tm.fit(tx, ty, { epochs: 1, batchSize, verbose: 0 }), epochs, 1)) / steps;
    tm.dispose();
    tf.dispose([tx, ty]);
  }
  rows.push({ workload: 'model.fit MNIST MLP 784-512-512-10 Adam, batch 64', unit: 'ms/step', laminar: ms, tfjs: tfMs, higherIsBetter: false });
}

// Memory: a 200-step loop must end where it started.
{
  const w = lm.variable(lm.tidy(() => lm.randomNormal([100, 10])), { name: 'bench/mem' });
  const xs = lm.randomNormal([32, 100]);
  const before = lm.memory();
  for (let i = 0; i < 200; i++) {
    lm.tidy(() => {
      const { grads } = lm.variableGrads(() => xs.matMul(w).square().mean());
      w.assignSub(grads['bench/mem'].mul(0.01));
    });
  }
  const after = lm.memory();
  lm.dispose([w, xs]);
  rows.push({ workload: 'live tensors after 200 steps (delta)', unit: 'tensors', laminar: after.numTensors - before.numTensors, higherIsBetter: false });
}

// Input pipelines (tf.data-style) and whether they limit fit.
rows.push(...(await pipelineRows(tf, quick)));

// WebGPU, on whatever adapter is present (Mesa's llvmpipe runs it on the CPU).
if (!args.has('--no-webgpu')) rows.push(...(await webgpuRows(quick)));

const fmt = (v: number | undefined) => (v === undefined ? '-' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const header = ['workload', 'unit', 'laminar', tf ? 'tfjs-cpu' : '', tf ? 'laminar vs tfjs' : ''];
const table = rows.map((r) => {
  let ratio = '';
  if (r.tfjs !== undefined && r.tfjs > 0 && r.laminar > 0) {
    const x = r.higherIsBetter ? r.laminar / r.tfjs : r.tfjs / r.laminar;
    ratio = `${x.toFixed(2)}x ${x >= 1 ? 'faster' : 'slower'}`;
  }
  return [r.workload, r.unit, fmt(r.laminar), tf ? fmt(r.tfjs) : '', ratio];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`laminar bench (node ${process.version}, ${(await import('node:os')).cpus().length} cores)${tf ? '' : ' — TensorFlow.js not installed, laminar only'}`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of table) console.log(line(r));
