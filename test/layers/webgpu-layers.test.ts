/**
 * Every layer on WebGPU gives the CPU's outputs and input gradients (to
 * float32 tolerance) from the same seed: the layers floor runs unchanged on
 * the GPU. Skips without an adapter.
 */
import { describe, expect, inject, it } from 'vitest';
import * as lm from '../../src/index.js';

const on = inject('webgpu');
if (on) await lm.ready('webgpu');

interface LayerCase {
  name: string;
  make: () => lm.Layer;
  inputs: number[][];
  /** Integer ids in [0, ids) instead of normal values. */
  ids?: number;
  training?: boolean;
}

const L = lm.layers;
const cases: LayerCase[] = [
  { name: 'dense relu', make: () => L.dense({ units: 7, activation: 'relu' }), inputs: [[5, 9]] },
  { name: 'dense softmax, no bias', make: () => L.dense({ units: 4, activation: 'softmax', useBias: false }), inputs: [[3, 2, 6]] },
  { name: 'activation gelu', make: () => L.activation({ activation: 'gelu' }), inputs: [[4, 5]] },
  { name: 'dropout in training', make: () => L.dropout({ rate: 0.3, seed: 5 }), inputs: [[6, 10]], training: true },
  { name: 'flatten', make: () => L.flatten(), inputs: [[2, 3, 4]] },
  { name: 'reshape', make: () => L.reshape({ targetShape: [4, 3] }), inputs: [[2, 12]] },
  { name: 'permute', make: () => L.permute({ dims: [2, 1] }), inputs: [[2, 3, 4]] },
  { name: 'repeatVector', make: () => L.repeatVector({ n: 3 }), inputs: [[2, 5]] },
  { name: 'embedding', make: () => L.embedding({ inputDim: 11, outputDim: 4 }), inputs: [[3, 5]], ids: 11 },
  { name: 'conv1d causal dilated', make: () => L.conv1d({ filters: 4, kernelSize: 3, padding: 'causal', dilationRate: 2 }), inputs: [[2, 9, 3]] },
  { name: 'conv2d strided same', make: () => L.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), inputs: [[2, 9, 7, 3]] },
  { name: 'conv2dTranspose', make: () => L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same' }), inputs: [[2, 4, 5, 2]] },
  { name: 'depthwiseConv2d', make: () => L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid' }), inputs: [[2, 7, 6, 3]] },
  { name: 'separableConv2d', make: () => L.separableConv2d({ filters: 4, kernelSize: 3, padding: 'same' }), inputs: [[1, 6, 6, 3]] },
  { name: 'maxPooling1d', make: () => L.maxPooling1d({ poolSize: 2 }), inputs: [[2, 8, 3]] },
  { name: 'maxPooling2d', make: () => L.maxPooling2d({ poolSize: 2, strides: 2 }), inputs: [[2, 6, 7, 3]] },
  { name: 'averagePooling2d same', make: () => L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }), inputs: [[2, 7, 7, 2]] },
  { name: 'globalAveragePooling2d', make: () => L.globalAveragePooling2d(), inputs: [[2, 5, 4, 3]] },
  { name: 'globalMaxPooling1d', make: () => L.globalMaxPooling1d(), inputs: [[2, 6, 3]] },
  { name: 'batchNormalization in training', make: () => L.batchNormalization(), inputs: [[8, 5]], training: true },
  { name: 'layerNormalization', make: () => L.layerNormalization(), inputs: [[4, 6]] },
  { name: 'simpleRNN', make: () => L.simpleRNN({ units: 5, returnSequences: true }), inputs: [[2, 4, 3]] },
  { name: 'lstm', make: () => L.lstm({ units: 4 }), inputs: [[2, 5, 3]] },
  { name: 'gru', make: () => L.gru({ units: 4, returnSequences: true }), inputs: [[2, 5, 3]] },
  { name: 'multiHeadAttention', make: () => L.multiHeadAttention({ numHeads: 2, keyDim: 3 }), inputs: [[2, 4, 6], [2, 5, 6]] },
  { name: 'add', make: () => L.add(), inputs: [[3, 4], [3, 4]] },
  { name: 'concatenate', make: () => L.concatenate({ axis: -1 }), inputs: [[3, 4], [3, 2]] },
  { name: 'maximum', make: () => L.maximum(), inputs: [[3, 4], [3, 4]] },
];

/** Output and d(sum(output * w))/d(inputs) of a fresh layer on `device`, from seed 11. */
async function run(c: LayerCase, device: string): Promise<{ out: number[]; shape: number[]; grads: number[][] }> {
  return lm.withDevice(device, async () => {
    lm.setSeed(11);
    const layer = c.make();
    const xs = c.inputs.map((s) => (c.ids ? lm.randomUniform(s, 0, c.ids, 'int32') : lm.randomNormal(s)));
    const call = (...ts: lm.Tensor[]) => {
      const y = layer.apply(ts.length === 1 ? ts[0] : ts, { training: c.training }) as lm.Tensor;
      return y;
    };
    const y = call(...xs);
    const w = lm.randomNormal(y.shape);
    const differentiable = !c.ids;
    const grads = differentiable ? lm.grads((...ts: lm.Tensor[]) => call(...ts).mul(w).sum())(xs) : [];
    const result = { out: Array.from(await y.data()), shape: [...y.shape], grads: await Promise.all(grads.map(async (g) => Array.from(await g.data()))) };
    expect(y.device).toBe(device);
    lm.dispose([y, w, ...xs, ...grads]);
    layer.dispose?.();
    return result;
  });
}

describe.skipIf(!on)('layers on webgpu match the CPU', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const cpu = await run(c, 'cpu');
      const gpu = await run(c, 'webgpu');
      expect(gpu.shape).toEqual(cpu.shape);
      const close = (a: number[], b: number[], what: string) => {
        expect(a.length).toBe(b.length);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${a[i]} vs ${b[i]}`).toBeLessThan(1e-4);
      };
      close(gpu.out, cpu.out, 'output');
      gpu.grads.forEach((g, k) => close(g, cpu.grads[k], `d/dx${k}`));
    });
  }
});
