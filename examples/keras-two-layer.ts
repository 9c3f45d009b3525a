/**
 * The seeds' two-layer ReLU net (N=64, D_in=1000, H=100, D_out=10, random
 * data), Keras style: a `sequential()` of two dense layers, compiled with
 * MSE and SGD, trained full-batch with `fit`. A callback prints the loss
 * every 100 steps; the run ends with the time per step and the live tensor
 * count (flat: `fit` frees everything it makes).
 *
 *   npx tsx examples/keras-two-layer.ts [--steps 500] [--lr 0.01] [--seed 0]
 *
 * examples/two-layer-net.ts is the same network written against the engine
 * (variables, `variableGrads`, a hand-written update).
 */
import { parseArgs } from 'node:util';
import { layers, memory, optimizers, randomNormal, sequential, setSeed } from '../src/index.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '500' },
    lr: { type: 'string', default: '0.01' },
    seed: { type: 'string', default: '0' },
  },
});
const steps = Number(values.steps);
const learningRate = Number(values.lr);
if (!Number.isInteger(steps) || steps <= 0) throw new Error(`--steps: expected a positive integer, got ${values.steps}`);
if (!(learningRate > 0)) throw new Error(`--lr: expected a positive number, got ${values.lr}`);

setSeed(Number(values.seed));
const atStart = memory().numTensors;
const [N, D_in, H, D_out] = [64, 1000, 100, 10];
const x = randomNormal([N, D_in]);
const y = randomNormal([N, D_out]);

const model = sequential({
  layers: [layers.dense({ units: H, activation: 'relu', inputShape: [D_in] }), layers.dense({ units: D_out })],
});
model.summary();
// Keras' MSE is a mean over samples and outputs (the engine example sums), so the rate is larger than its 1e-6.
const optimizer = optimizers.sgd({ learningRate });
model.compile({ optimizer, loss: 'mse' });

console.log(`\ntwo-layer ReLU net: N=${N}, D_in=${D_in}, H=${H}, D_out=${D_out}, SGD lr=${learningRate}, ${steps} full-batch steps`);
const tensorsBefore = memory().numTensors;
const losses: number[] = [];
const start = performance.now();
// One epoch of one full batch = one step, so `epochs` counts steps; the epoch-end loss is that step's loss.
await model.fit(x, y, {
  epochs: steps,
  batchSize: N,
  shuffle: false,
  verbose: 0,
  callbacks: {
    onEpochEnd: (epoch, logs) => {
      const loss = logs?.loss ?? Number.NaN;
      losses.push(loss);
      if (epoch % 100 === 0 || epoch === steps - 1) console.log(`step ${String(epoch).padStart(3)}  loss ${loss.toFixed(6)}`);
    },
  },
});
const msPerStep = (performance.now() - start) / steps;
const [first, last] = [losses[0], losses[losses.length - 1]];
console.log(`\nloss ${first.toFixed(4)} -> ${last.toFixed(6)} in ${steps} steps, ${msPerStep.toFixed(2)} ms/step`);
const afterFit = memory().numTensors;
model.dispose();
optimizer.dispose(); // an optimizer object passed to compile stays ours
x.dispose();
y.dispose();
// fit keeps only the loss tracker's two state variables, which model.dispose() frees with the weights.
console.log(`live tensors: ${tensorsBefore} before fit, ${afterFit} after; ${atStart} at start, ${memory().numTensors} after disposing the model and data`);
if (steps >= 100 && !(last < first / 10)) {
  console.error('the loss did not fall: something is wrong');
  process.exit(1);
}
