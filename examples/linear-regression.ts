/**
 * Linear regression with one dense unit: fit y = 3x + 2 + noise (seeded)
 * with SGD, then read back the learned kernel and bias (close to 3 and 2).
 *
 *   npx tsx examples/linear-regression.ts [--epochs 20] [--seed 0]
 */
import { parseArgs } from 'node:util';
import { layers, optimizers, randomNormal, randomUniform, sequential, setSeed, tensor, tidy } from '../src/index.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '0' },
  },
});
const epochs = Number(values.epochs);
if (!Number.isInteger(epochs) || epochs <= 0) throw new Error(`--epochs: expected a positive integer, got ${values.epochs}`);
setSeed(Number(values.seed));

// 1,000 points on [-1, 1) with Gaussian noise of standard deviation 0.1.
const n = 1000;
const x = randomUniform([n, 1], -1, 1);
const y = tidy(() => x.mul(3).add(2).add(randomNormal([n, 1], 0, 0.1)));

const model = sequential({ layers: [layers.dense({ units: 1, inputShape: [1] })] });
const optimizer = optimizers.sgd({ learningRate: 0.1 });
model.compile({ optimizer, loss: 'mse' });

const history = await model.fit(x, y, {
  epochs,
  batchSize: 32,
  verbose: 0,
  callbacks: {
    onEpochEnd: (epoch, logs) => {
      if (epoch === 0 || (epoch + 1) % 5 === 0) console.log(`epoch ${String(epoch + 1).padStart(2)}  loss ${(logs?.loss ?? Number.NaN).toFixed(5)}`);
    },
  },
});

const dense = model.getLayer(0);
const [kernel, bias] = dense.getWeights();
const w = (await kernel.data())[0];
const b = (await bias.data())[0];
console.log(`\nlearned: y = ${w.toFixed(4)}·x + ${b.toFixed(4)}   (true: y = 3·x + 2, noise std 0.1)`);
console.log(`weights: ${dense.weights.map((v) => `${v.name} [${v.shape.join(',')}]`).join(', ')}`);
console.log(`final loss ${history.history.loss[history.history.loss.length - 1].toFixed(5)} (the noise alone gives about 0.01)`);

const probe = tensor([[0], [1], [-0.5]]);
const pred = model.predict(probe);
console.log(`predict x = 0, 1, -0.5: [${Array.from(await pred.data(), (v) => v.toFixed(3)).join(', ')}]  (true 2, 5, 0.5)`);

[kernel, bias, probe, pred, x, y].forEach((t) => t.dispose());
model.dispose();
optimizer.dispose();
if (Math.abs(w - 3) > 0.05 || Math.abs(b - 2) > 0.05) {
  console.error('the fit is off: something is wrong');
  process.exit(1);
}
