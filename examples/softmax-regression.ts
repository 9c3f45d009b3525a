/**
 * Softmax (multinomial logistic) regression on the MNIST digits of
 * examples/data/mnist.ts: flatten -> dense(10, softmax), sparse categorical
 * crossentropy, Adam. A linear model, so expect about 88-91% test accuracy.
 *
 *   npx tsx examples/softmax-regression.ts [--epochs 5] [--batch-size 64] [--lr 0.001] [--seed 1]
 */
import { parseArgs } from 'node:util';
import { layers, optimizers, sequential, setSeed, tidy } from '../src/index.js';
import { loadMnist } from './data/mnist.js';

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    'batch-size': { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.001' },
    seed: { type: 'string', default: '1' },
  },
});
const epochs = Number(values.epochs);
const batchSize = Number(values['batch-size']);
const learningRate = Number(values.lr);
for (const [name, v] of [['--epochs', epochs], ['--batch-size', batchSize]] as const) {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: expected a positive integer, got ${v}`);
}
if (!(learningRate > 0)) throw new Error(`--lr: expected a positive number, got ${values.lr}`);
setSeed(Number(values.seed));

const { xTrain, yTrain, xTest, yTest } = loadMnist();
const model = sequential({
  layers: [layers.flatten({ inputShape: [28, 28, 1] }), layers.dense({ units: 10, activation: 'softmax' })],
});
model.summary();
const optimizer = optimizers.adam({ learningRate });
model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });

console.log(`\nTraining on ${xTrain.shape[0]} digits, validating on the last 10%:`);
const started = performance.now();
await model.fit(xTrain, yTrain, { epochs, batchSize, validationSplit: 0.1, verbose: 2 });
const seconds = (performance.now() - started) / 1000;

const { loss, accuracy } = await model.evaluate(xTest, yTest, { batchSize: 500 });
console.log(`\nTest accuracy: ${(accuracy * 100).toFixed(2)}% (loss ${loss.toFixed(4)}) on ${xTest.shape[0]} held-out digits`);
console.log(`Training time: ${seconds.toFixed(1)} s (${(seconds / epochs).toFixed(2)} s/epoch)`);

// predict returns a tensor the caller owns; tidy frees it, the slices and the argMax.
const [predicted, labels] = tidy(() => {
  const probs = model.predict(xTest.slice([0, 0, 0, 0], [10, 28, 28, 1]));
  return [Array.from(probs.argMax(-1).dataSync()), Array.from(yTest.slice([0], [10]).dataSync())];
});
console.log(`first 10 test digits: predicted [${predicted.join(' ')}], true [${labels.join(' ')}]`);

model.dispose();
optimizer.dispose();
[xTrain, yTrain, xTest, yTest].forEach((t) => t.dispose());
