/**
 * Autograd and training run unchanged on WebGPU: the seeds' two-layer net
 * follows the CPU's loss curve and leaks no buffers over 200 steps, and a
 * Keras-style model fits on WebGPU to the same History as on the CPU.
 */
import { describe, expect, inject, it } from 'vitest';
import * as lm from '../../../src/index.js';
import type { WebGPUBackend } from '../../../src/engine/backend/webgpu/backend.js';

const on = inject('webgpu');
if (on) await lm.ready('webgpu');

/** The seeds' net (N=64, D_in=1000, H=100, D_out=10, SGD 1e-6) on `device`; returns the losses and memory figures. */
async function seedsNet(device: string, steps: number) {
  return lm.withDevice(device, async () => {
    lm.setSeed(0);
    const x = lm.randomNormal([64, 1000]);
    const y = lm.randomNormal([64, 10]);
    // variable() shares the initial tensor's storage; dispose the initial handle so the variable owns it alone.
    const weight = (shape: number[], name: string) => {
      const init = lm.randomNormal(shape);
      const w = lm.variable(init, { name });
      init.dispose();
      return w;
    };
    const w1 = weight([1000, 100], `${device}/seeds/w1`);
    const w2 = weight([100, 10], `${device}/seeds/w2`);
    const losses: number[] = [];
    const start = lm.memory();
    let buffersAfterWarmup = 0;
    const backend = lm.getBackend(device) as Partial<WebGPUBackend>;
    for (let step = 0; step < steps; step++) {
      const value = lm.tidy(() => {
        const { value, grads } = lm.variableGrads(() => x.matMul(w1).relu().matMul(w2).sub(y).square().sum());
        w1.assignSub(grads[`${device}/seeds/w1`].mul(1e-6));
        w2.assignSub(grads[`${device}/seeds/w2`].mul(1e-6));
        return value;
      });
      losses.push((await value.data())[0]);
      value.dispose();
      if (step === 1) buffersAfterWarmup = backend.memory?.().buffersCreated ?? 0;
    }
    const end = lm.memory();
    const created = backend.memory?.().buffersCreated ?? 0;
    lm.dispose([x, y, w1, w2]);
    return { losses, start, end, buffersAfterWarmup, created };
  });
}

describe.skipIf(!on)('training on webgpu', () => {
  it('the seeds\' two-layer net follows the CPU loss curve and leaks no buffers over 200 steps', async () => {
    const cpu = await seedsNet('cpu', 200);
    const gpu = await seedsNet('webgpu', 200);
    expect(gpu.losses[199]).toBeLessThan(gpu.losses[0] / 100);
    for (let i = 0; i < 200; i++) {
      const rel = Math.abs(gpu.losses[i] - cpu.losses[i]) / Math.abs(cpu.losses[i]);
      expect(rel, `step ${i}: webgpu ${gpu.losses[i]} vs cpu ${cpu.losses[i]}`).toBeLessThan(1e-3);
    }
    expect(gpu.end.byDevice.webgpu.numTensors).toBe(gpu.start.byDevice.webgpu.numTensors);
    expect(gpu.end.byDevice.webgpu.numBytes).toBe(gpu.start.byDevice.webgpu.numBytes);
    expect(gpu.end.byDevice.webgpu.numDataBuffers).toBe(gpu.start.byDevice.webgpu.numDataBuffers);
    // The pool serves every step after the first two: no buffer is created in the other 198.
    expect(gpu.created).toBe(gpu.buffersAfterWarmup);
  });

  it('model.fit on webgpu gives the CPU\'s History to float32 tolerance', async () => {
    const run = (device: string) =>
      lm.withDevice(device, async () => {
        lm.setSeed(7);
        const x = lm.randomNormal([96, 12]);
        const labels = lm.tensor(Array.from({ length: 96 }, (_, i) => i % 3), [96], 'int32');
        const model = lm.sequential({ name: `fit_${device.replace('-', '_')}` });
        model.add(lm.layers.dense({ units: 16, activation: 'relu', inputShape: [12] }));
        model.add(lm.layers.dense({ units: 3, activation: 'softmax' }));
        model.compile({ optimizer: new lm.Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
        const history = await model.fit(x, labels, { epochs: 3, batchSize: 32, shuffle: false, verbose: 0 });
        const w = await model.getWeights()[0].data();
        expect(model.getWeights()[0].device).toBe(device);
        lm.dispose([x, labels]);
        model.dispose();
        return { history: history.history, w: Array.from(w) };
      });
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    for (const key of ['loss', 'accuracy']) {
      const a = gpu.history[key];
      const b = cpu.history[key];
      expect(a.length).toBe(3);
      a.forEach((v, i) => expect(Math.abs(v - b[i]), `${key}[${i}]`).toBeLessThan(1e-4));
    }
    gpu.w.forEach((v, i) => expect(Math.abs(v - cpu.w[i])).toBeLessThan(1e-4));
  });
});
