/** Time per training step of the MNIST MLP (784-512-512-10, Adam) through model.fit, by batch size. */
import { layers, randomNormal, randomUniform, sequential, setSeed, memory } from '../src/index.js';

setSeed(1);
const n = 2048;
const x = randomNormal([n, 784]);
const y = randomUniform([n], 0, 10, 'int32');
for (const batchSize of [64, 128]) {
  const m = sequential({
    layers: [layers.dense({ units: 512, activation: 'relu', inputShape: [784] }), layers.dense({ units: 512, activation: 'relu' }), layers.dense({ units: 10, activation: 'softmax' })],
  });
  m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  await m.fit(x, y, { epochs: 1, batchSize, verbose: 0 });
  const t0 = performance.now();
  await m.fit(x, y, { epochs: 1, batchSize, verbose: 0 });
  const ms = (performance.now() - t0) / Math.ceil(n / batchSize);
  const flops = 6 * batchSize * (784 * 512 + 512 * 512 + 512 * 10);
  console.log(`batch ${batchSize}: ${ms.toFixed(1)} ms/step, ${(flops / ms / 1e6).toFixed(2)} GFLOP/s, live tensors ${memory().numTensors}`);
  m.dispose();
}
