/**
 * `npm run bench`: speed and memory of laminar side by side with its peers,
 * in one run and one table: TensorFlow.js on its `cpu` and `wasm`
 * backends, jax-js on its `wasm` device and NumPy (a child Python
 * process), each a column when it loads (bench/peers.ts); then the issue-7
 * targets checked from the same figures, and WebGPU rows on whatever
 * adapter is present. Figures are medians of several timed runs after warmup.
 *
 *   npm run bench                  # all workloads, all peers
 *   npm run bench -- --quick       # fewer repetitions, fewer batches (said in the row labels)
 *   npm run bench -- --no-tfjs     # laminar only (no peers at all)
 *   npm run bench -- --no-peers    # laminar and tfjs-cpu only (no tfjs-wasm, jax-js, numpy)
 *   npm run bench -- --no-webgpu   # skip the WebGPU rows
 *   npm run bench -- --issue7      # only the issue-7 rows (M, W1-W4) and the targets
 */
import { cpus } from 'node:os';
import * as lm from '../src/index.js';
import { LIBS, has, loadPeers } from './peers.js';
import { pipelineRows } from './pipeline.js';
import { webgpuRows } from './webgpu.js';
import { time } from './timing.js';
import { issue7Rows, speedup, targetLines, type BenchRow } from './workloads.js';

const args = new Set(process.argv.slice(2));
const known = ['--quick', '--no-tfjs', '--no-peers', '--no-webgpu', '--issue7'];
for (const a of args) if (!known.includes(a)) throw new Error(`bench/run.ts: unknown flag '${a}'; expected one of ${known.join(', ')}`);
const quick = args.has('--quick');
const started = performance.now();

const peers = await loadPeers({ tfjs: !args.has('--no-tfjs'), others: !args.has('--no-tfjs') && !args.has('--no-peers') });
const tf = peers.tf;

/** A laminar-vs-tfjs-cpu row (the rows below the issue-7 ones, pipeline.ts, webgpu.ts). */
interface Row {
  workload: string;
  unit: string;
  laminar: number;
  tfjs?: number;
  /** true when bigger is better (GFLOP/s), false for times. */
  higherIsBetter: boolean;
}
const legacy = (r: Row, ratio = true): BenchRow => ({
  workload: r.workload,
  unit: r.unit,
  higherIsBetter: r.higherIsBetter,
  values: r.tfjs === undefined ? { laminar: r.laminar } : { laminar: r.laminar, 'tfjs-cpu': r.tfjs },
  ratio,
});

// M (matmul), W1 (headline net), W2 (the seeds' two-layer net), W3 (MNIST MLP), W4 (MNIST CNN), every peer.
const table: BenchRow[] = await issue7Rows(peers, { quick });
// Eager dispatch overhead: a 10-element add, the issue-7 rows included.
{
  const a = lm.ones([10]);
  const b = lm.ones([10]);
  const reps = 20000;
  const ms = await time(() => {
    for (let i = 0; i < reps; i++) lm.add(a, b).dispose();
  }, quick ? 3 : 7);
  let tfMs: number | undefined;
  if (tf) {
    await tf.setBackend('cpu');
    const ta = tf.ones([10]);
    const tb = tf.ones([10]);
    tfMs = await time(() => {
      for (let i = 0; i < reps; i++) tf!.add(ta, tb).dispose();
    }, quick ? 3 : 7);
    tf.dispose([ta, tb]);
  }
  table.push(legacy({ workload: 'add of 10 elements (dispatch overhead)', unit: 'ns/op', laminar: (ms * 1e6) / reps, tfjs: tfMs && (tfMs * 1e6) / reps, higherIsBetter: false }));
  lm.dispose([a, b]);
}

if (!args.has('--issue7')) {
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
      // Not tf.tidy(() => ....dataSync()): tidy walks a returned typed array element by element.
      tfMs = await time(() => { const c = tf!.conv2d(tx, tfl, 1, 'same'); c.dataSync(); c.dispose(); }, quick ? 2 : 5);
      tf.dispose([tx, tfl]);
    }
    table.push(legacy({ workload: 'conv2d [8,28,28,32]*[3,3,32,64] same', unit: 'GFLOP/s', laminar: flops / ms / 1e6, tfjs: tfMs && flops / tfMs / 1e6, higherIsBetter: true }));
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
    table.push(legacy({ workload: 'model.fit MNIST MLP 784-512-512-10 Adam, batch 64 (random data)', unit: 'ms/step', laminar: ms, tfjs: tfMs, higherIsBetter: false }));
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
    table.push(legacy({ workload: 'live tensors after 200 steps (delta)', unit: 'tensors', laminar: after.numTensors - before.numTensors, higherIsBetter: false }, false));
  }

  // Input pipelines (tf.data-style) and whether they limit fit.
  table.push(...(await pipelineRows(tf, quick)).map((r) => legacy(r)));

  // WebGPU, on whatever adapter is present (Mesa's llvmpipe runs it on the CPU).
  if (!args.has('--no-webgpu')) table.push(...(await webgpuRows(quick)).map((r) => legacy(r)));
}

/** Figures to 3 significant digits or so; counts as integers. */
const fmt = (v: number | undefined) =>
  v === undefined ? '-' : Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2);
const libs = LIBS.filter((l) => has(peers, l));
const others = libs.filter((l) => l !== 'laminar');
const header = ['workload', 'unit', ...libs, ...others.map((l) => `vs ${l}`)];
const cells = table.map((r) => [
  r.workload,
  r.unit,
  ...libs.map((l) => fmt(r.values[l])),
  ...others.map((l) => {
    const x = r.ratio === false ? undefined : speedup(r, l);
    return x === undefined ? '' : `${x.toFixed(2)}x`;
  }),
]);
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
const line = (cs: string[]) => cs.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
const cpuInfo = typeof (lm as any).getCpuInfo === 'function' ? await (lm as any).getCpuInfo() : undefined;
console.log(`\nlaminar bench${quick ? ' --quick' : ''} (node ${process.version}, ${cpus().length} cores, ${cpus()[0]?.model.trim() ?? 'unknown CPU'})`);
console.log(`laminar cpu: ${cpuInfo === undefined ? 'lm.getCpuInfo() not available' : JSON.stringify(cpuInfo)}`);
for (const l of others) console.log(`${l.padEnd(9)}: ${peers.info[l] ?? ''}`);
if (!others.length) console.log('no peers loaded: laminar only');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of cells) console.log(line(r));
if (others.length) console.log(`vs X: how many times faster (or smaller) laminar is than X on that row; below 1, laminar is behind.`);
for (const r of table) {
  for (const [l, why] of Object.entries(r.errors ?? {})) console.log(`  ${(r.id ?? r.workload.trim()).padEnd(4)} ${l}: failed: ${why}`);
  for (const [l, why] of Object.entries(r.skipped ?? {})) console.log(`  ${(r.id ?? r.workload.trim()).padEnd(4)} ${l}: ${why}`);
}
console.log(`\ntargets (issue 7, from this run):`);
for (const t of targetLines(table)) console.log(`  ${t}`);
console.log(`\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s`);
// Worker threads and wasm pools of the libraries must not keep the process alive.
process.exit(0);
