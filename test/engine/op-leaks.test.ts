/**
 * Every op called outside any scope leaves behind exactly its outputs:
 * composite ops free their intermediates, and converted JS arguments are
 * freed after the call.
 */
import { describe, expect, it } from 'vitest';
import * as lm from '../../src/index.js';

lm.setSeed(5);
const x = lm.randomNormal([4, 5]);
const v5 = lm.ones([5]);
const f = lm.randomNormal([3, 3, 5, 2]);
const img = lm.randomNormal([1, 6, 6, 5]);
const dyImg = lm.ones([1, 6, 6, 2]);
const positive = lm.greater(x, 0);
const a3 = lm.ones([2, 3, 4]);
const b2 = lm.ones([4, 5]);
const w = lm.variable(lm.tidy(() => lm.ones([5, 2])), { name: 'op-leaks/w' });

type Out = lm.Tensor | lm.Tensor[] | { mean: lm.Tensor; variance: lm.Tensor } | { value: lm.Tensor; grads: Record<string, lm.Tensor> };
const cases: Record<string, () => Out> = {
  'mean': () => lm.mean(x),
  'logSumExp': () => lm.logSumExp(x, 1),
  'moments': () => lm.moments(x, 0),
  'dot': () => lm.dot(x, v5),
  'outer with JS arrays': () => lm.outer([1, 2], [3, 4]),
  'softmax': () => lm.softmax(x),
  'logSoftmax': () => lm.logSoftmax(x),
  'dropout': () => lm.dropout(x, 0.5, undefined, 1),
  'stack': () => lm.stack([x, x]),
  'unstack': () => lm.unstack(x),
  'split': () => lm.split(x, 2, 0),
  'oneHot with JS indices': () => lm.oneHot([1, 2], 3),
  'conv2d': () => lm.conv2d(img, f, 1, 'same'),
  'conv2dTranspose': () => lm.conv2dTranspose(dyImg, f, [1, 6, 6, 5], 1, 'same'),
  'maxPool': () => lm.maxPool(img, 2, 2, 'valid'),
  'gather with JS indices': () => lm.gather(x, [0, 1]),
  'stridedSlice': () => lm.stridedSlice(x, [0], [2]),
  'gelu': () => lm.gelu(x),
  'where with a JS scalar': () => lm.where(positive, x, 0),
  'batched matMul': () => lm.matMul(a3, b2),
  'add with a JS array': () => lm.add(x, [1, 2, 3, 4, 5]),
  'grad through softmax': () => lm.grad((t) => lm.softmax(t).square().sum())(x),
  'second-order grad': () => lm.grad((t) => lm.grad((u) => u.mul(u).mul(u).sum())(t))(x),
  'variableGrads': () => lm.variableGrads(() => x.matMul(w).square().mean()),
};

function outputsOf(out: Out): lm.Tensor[] {
  if (out instanceof lm.Tensor) return [out];
  if (Array.isArray(out)) return out;
  if ('grads' in out) return [out.value, ...Object.values(out.grads)];
  return [out.mean, out.variance];
}

describe('ops leave only their outputs', () => {
  for (const [name, run] of Object.entries(cases)) {
    it(name, () => {
      const before = lm.memory();
      const outputs = outputsOf(run());
      expect(lm.memory().numTensors - before.numTensors).toBe(outputs.length);
      lm.dispose(outputs);
      expect(lm.memory().numTensors).toBe(before.numTensors);
      expect(lm.memory().numBytes).toBe(before.numBytes);
    });
  }
});
