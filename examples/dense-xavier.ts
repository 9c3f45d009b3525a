/**
 * The `tf.layers.dense` + Xavier version of the two-layer net, at
 * N = D = H = 1000: dense(1000, relu) -> dense(1000), both with
 * `kernelInitializer: 'glorotNormal'` (Xavier), MSE, plain SGD, full-batch
 * steps on random data. Prints the loss at a few steps, the seconds per step
 * and the effective GFLOP/s.
 *
 *   npx tsx examples/dense-xavier.ts [--steps 100] [--lr 1] [--device cpu|webgpu] [--seed 0]
 *
 * A step is 12 GFLOP, a few seconds on a CPU; try `--steps 5` for a quick look.
 */
import { parseArgs } from 'node:util';
import { layers, memory, optimizers, randomNormal, ready, sequential, setDevice, setSeed } from '../src/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '100' },
    lr: { type: 'string', default: '1' },
    device: { type: 'string', default: 'cpu' },
    seed: { type: 'string', default: '0' },
  },
});
const steps = Number(values.steps);
const learningRate = Number(values.lr);
if (!Number.isInteger(steps) || steps <= 0) throw new Error(`--steps: expected a positive integer, got ${values.steps}`);
if (!(learningRate > 0)) throw new Error(`--lr: expected a positive number, got ${values.lr}`);

await ready(values.device);
setDevice(values.device);
setSeed(Number(values.seed));

const N = 1000;
const D = 1000;
const H = 1000;
const x = randomNormal([N, D]);
const y = randomNormal([N, H]);

const model = sequential({
  layers: [
    layers.dense({ units: H, activation: 'relu', kernelInitializer: 'glorotNormal', inputShape: [D] }),
    layers.dense({ units: H, kernelInitializer: 'glorotNormal' }),
  ],
});
const optimizer = optimizers.sgd({ learningRate });
model.compile({ optimizer, loss: 'mse' });

// Per step: 2 forward matmuls and 4 backward ones (dx and dW of each layer), each N·D·H multiply-adds.
const flopsPerStep = 6 * 2 * N * D * H;
console.log(`dense + Xavier: N=${N}, D=${D}, H=${H}, SGD lr=${learningRate}, ${steps} full-batch steps on ${values.device}`);
console.log(`about ${(flopsPerStep / 1e9).toFixed(0)} GFLOP per step (6 matmuls of 2·N·D·H)\n`);

const stepSeconds: number[] = [];
let stepStart = 0;
let first = Number.NaN;
let last = Number.NaN;
const report = new Set([0, 1, 2, 5, 10, 20, 50, steps - 1].filter((s) => s < steps));
for (let s = 100; s < steps; s += 100) report.add(s);
await model.fit(x, y, {
  epochs: steps,
  batchSize: N,
  shuffle: false,
  verbose: 0,
  callbacks: {
    onEpochBegin: () => {
      stepStart = performance.now();
    },
    onEpochEnd: (step, logs) => {
      // The loss is read back in the step, so the time includes the device finishing its work.
      stepSeconds.push((performance.now() - stepStart) / 1000);
      last = logs?.loss ?? Number.NaN;
      if (step === 0) first = last;
      if (report.has(step)) console.log(`step ${String(step).padStart(3)}  loss ${last.toFixed(5)}  (${stepSeconds[step].toFixed(3)} s)`);
    },
  },
});

// The first step also builds the layers and creates the optimizer's state; leave it out of the average when we can.
const timed = stepSeconds.length > 1 ? stepSeconds.slice(1) : stepSeconds;
const secondsPerStep = timed.reduce((a, b) => a + b, 0) / timed.length;
console.log(`\nloss ${first.toFixed(4)} -> ${last.toFixed(4)} in ${steps} steps`);
console.log(`${secondsPerStep.toFixed(3)} s/step (mean of ${timed.length}${timed === stepSeconds ? '' : ', first step excluded'}), ${(flopsPerStep / secondsPerStep / 1e9).toFixed(1)} GFLOP/s effective`);
model.dispose();
optimizer.dispose();
x.dispose();
y.dispose();
console.log(`live tensors at the end: ${memory().numTensors}`);
