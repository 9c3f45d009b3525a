/**
 * The W1 net (x [1000,1000] -> Dense 1000 relu -> Dense 1000, MSE, SGD,
 * full batch 1000) trained for up to `--steps` steps in a process of its
 * own, so that its peak RSS is not polluted by other bench rows. Prints one
 * JSON line: median ms per step (the first step untimed), steps run, peak
 * RSS (`process.resourceUsage().maxRSS`, the whole process including worker
 * threads and wasm memories), RSS once the library is loaded, and live
 * tensors before the first step and after the last.
 *
 *   node --import tsx bench/w1-rss.ts laminar|tfjs-cpu|tfjs-wasm|jax-js [--steps 100] [--budget-s 600] [--min-steps 3]
 *
 * `--budget-s` stops early (after at least `--min-steps`) so that a slow
 * library does not hold the bench for many minutes; `steps` says how many ran.
 * Spawned once per library by bench/workloads.ts.
 *
 * @internal
 * @module
 */
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';
import { jaxNet, seededNormal, type JaxModule, type TfModule } from './peers.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    steps: { type: 'string', default: '100' },
    'budget-s': { type: 'string', default: '600' },
    'min-steps': { type: 'string', default: '3' },
  },
});
const lib = positionals[0];
const maxSteps = Number(values.steps);
const budgetMs = Number(values['budget-s']) * 1000;
const minSteps = Number(values['min-steps']);

const [N, D, H, O] = [1000, 1000, 1000, 1000];
const SEED = 7;
const mb = (bytes: number) => bytes / (1024 * 1024);

interface Trainer {
  step(): Promise<number>;
  numTensors(): number | null;
  dispose(): void;
}

async function build(): Promise<{ trainer: Trainer; loadedRss: number }> {
  if (lib === 'laminar') {
    const lm = await import('../src/index.js');
    const loadedRss = process.memoryUsage.rss();
    lm.setSeed(SEED);
    const x = lm.tensor(seededNormal(N * D, SEED), [N, D]);
    const y = lm.tensor(seededNormal(N * O, SEED + 1), [N, O]);
    const m = lm.sequential({ layers: [lm.layers.dense({ units: H, activation: 'relu', inputShape: [D] }), lm.layers.dense({ units: O })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return {
      loadedRss,
      trainer: {
        step: async () => (await m.trainOnBatch(x, y)).loss,
        numTensors: () => lm.memory().numTensors,
        dispose: () => {
          m.dispose();
          lm.dispose([x, y]);
        },
      },
    };
  }
  if (lib === 'tfjs-cpu' || lib === 'tfjs-wasm') {
    const require = createRequire(import.meta.url);
    const tf = require('@tensorflow/tfjs') as TfModule;
    if (lib === 'tfjs-wasm') require('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend(lib === 'tfjs-cpu' ? 'cpu' : 'wasm'))) throw new Error(`tf.setBackend failed for ${lib}`);
    await tf.ready();
    const loadedRss = process.memoryUsage.rss();
    const x = tf.tensor2d(seededNormal(N * D, SEED), [N, D]);
    const y = tf.tensor2d(seededNormal(N * O, SEED + 1), [N, O]);
    const m = tf.sequential({ layers: [tf.layers.dense({ units: H, activation: 'relu', inputShape: [D] }), tf.layers.dense({ units: O })] });
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return {
      loadedRss,
      trainer: {
        step: async () => {
          const r = await m.trainOnBatch(x, y);
          return Array.isArray(r) ? r[0] : r;
        },
        numTensors: () => tf.memory().numTensors,
        dispose: () => {
          m.dispose();
          tf.dispose([x, y]);
        },
      },
    };
  }
  if (lib === 'jax-js') {
    const jax = (await import('@jax-js/jax')) as JaxModule;
    await jax.init('wasm');
    jax.defaultDevice('wasm');
    const loadedRss = process.memoryUsage.rss();
    const net = jaxNet(jax, { N, D, H, O, bias: true, loss: 'mean', lr: 0.01, initScale: 0 }, SEED);
    return { loadedRss, trainer: { step: () => net.step(), numTensors: () => null, dispose: () => net.dispose() } };
  }
  throw new Error(`bench/w1-rss.ts: expected a library laminar|tfjs-cpu|tfjs-wasm|jax-js, got '${lib}'`);
}

const { trainer, loadedRss } = await build();
const tensorsBefore = trainer.numTensors();
const times: number[] = [];
const losses: number[] = [];
const started = performance.now();
while (times.length < maxSteps && (times.length < minSteps || performance.now() - started < budgetMs)) {
  const t0 = performance.now();
  losses.push(await trainer.step());
  times.push(performance.now() - t0);
}
const tensorsAfter = trainer.numTensors();
const timed = (times.length > 1 ? times.slice(1) : times).sort((a, b) => a - b);
console.log(
  JSON.stringify({
    lib,
    steps: times.length,
    ms: timed[Math.floor(timed.length / 2)],
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    loadedRssMB: mb(loadedRss),
    tensorsBefore,
    tensorsAfter,
    firstLoss: losses[0],
    lastLoss: losses[losses.length - 1],
  }),
);
trainer.dispose();
// laminar's worker threads (when it has them) would keep the process alive.
process.exit(0);
