/**
 * The conformance suite: every row of every family, on every available
 * backend; gradient rows on the CPU in float64 against finite differences,
 * and in float32 on every device against those float64 gradients.
 *
 * CI runs this file again under each CPU kernel mode: LAMINAR_WASM=0 (the
 * TypeScript kernels), LAMINAR_RELAXED_SIMD=0|1 and LAMINAR_THREADS=1|2 with
 * LAMINAR_PARALLEL_MIN_WORK=0 (so even the small rows here are split across
 * threads). The mode in force is printed as the first row's name.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import * as lm from '../../../src/index.js';
import { checkGradient, checkGradientOnDevice, expectTensor, float64Refusal, type ErrorCase, type ForwardCase, type GradCase } from './harness.js';
import * as creation from './cases/creation.js';
import * as elementwise from './cases/elementwise.js';
import * as linalg from './cases/linalg.js';
import * as movement from './cases/movement.js';
import * as nn from './cases/nn.js';
import * as random from './cases/random.js';
import * as reduce from './cases/reduce.js';

const families = { creation, elementwise, reduce, linalg, movement, nn, random };
const forward: ForwardCase[] = Object.values(families).flatMap((f) => f.forward);
const errors: ErrorCase[] = Object.values(families).flatMap((f) => f.errors);
const gradients: GradCase[] = Object.values(families).flatMap((f) => f.gradients);

async function availableDevices(): Promise<string[]> {
  const out: string[] = [];
  for (const d of lm.listDevices()) {
    // WebGPU runs where the global setup found an adapter (it printed how to enable it otherwise).
    if (d === 'webgpu' && !inject('webgpu')) continue;
    await lm.ready(d);
    out.push(d);
  }
  return out;
}

const devices = await availableDevices();

describe(`CPU kernels: ${JSON.stringify((({ wasm, relaxedSimd, threads }) => ({ wasm, relaxedSimd, threads }))(lm.getCpuInfo()))}`, () => {
  it('match the mode the environment asks for', () => {
    const info = lm.getCpuInfo();
    const env = process.env;
    if (env.LAMINAR_WASM === '0') expect(info.wasm).toBe(false);
    if (env.LAMINAR_RELAXED_SIMD === '0') expect(info.relaxedSimd).toBe(false);
    if (env.LAMINAR_RELAXED_SIMD === '1') expect(info.relaxedSimd).toBe(info.wasm);
    if (env.LAMINAR_THREADS) expect(info.threads).toBe(info.wasm ? Number(env.LAMINAR_THREADS) : 1);
  });
});

for (const device of devices) {
  describe(`conformance on ${device}`, () => {
    const before = lm.memory().numTensors;
    for (const c of forward) {
      if (c.skipOn?.includes(device)) continue;
      it(`${c.op}: ${c.name}`, async () => {
        let outs: lm.Tensor | lm.Tensor[];
        try {
          outs = lm.withDevice(device, () => lm.tidy(() => c.run()));
        } catch (e) {
          // float64 is CPU only: elsewhere the row must be refused with a DTypeError naming the device.
          if (float64Refusal(device, e)) return;
          throw e;
        }
        const list = Array.isArray(outs) ? outs : [outs];
        const expected = Array.isArray(c.expected) ? c.expected : [c.expected];
        expect(list.length).toBe(expected.length);
        for (let i = 0; i < list.length; i++) {
          expect(list[i].device).toBe(device);
          await expectTensor(list[i], expected[i], c.tolOn?.[device] ?? c.tol ?? 1e-5, `${c.op} ${c.name} output ${i}`);
        }
        lm.dispose(list);
      });
    }
    for (const c of errors) {
      it(`${c.op} rejects: ${c.name}`, async () => {
        const before = lm.memory().numTensors;
        let thrown: unknown;
        let outs: unknown;
        try {
          outs = lm.withDevice(device, () => lm.tidy(() => c.run() as lm.TensorContainer));
        } catch (e) {
          thrown = e;
        }
        if (thrown === undefined && c.deferredOn?.includes(device)) {
          // A check that needs the data runs on the device; the next read reports it.
          const list = (Array.isArray(outs) ? outs : [outs]).filter((t): t is lm.Tensor => t instanceof lm.Tensor);
          try {
            for (const t of list) await t.data();
          } catch (e) {
            thrown = e;
          }
          lm.dispose(list);
        } else lm.dispose(outs as lm.TensorContainer);
        // A row that needs float64 inputs is refused earlier, where float64 does not exist.
        if (!(thrown instanceof c.type && c.message.test((thrown as Error).message)) && float64Refusal(device, thrown)) return;
        expect(thrown, `${c.op}: ${c.name} did not throw`).toBeInstanceOf(c.type);
        expect((thrown as Error).message).toMatch(c.message);
        expect(lm.memory().numTensors, 'a call that throws leaves no tensors behind').toBe(before);
      });
    }
    afterAll(() => {
      expect(lm.memory().numTensors).toBe(before);
    });
  });
}

describe('gradients (float64, central differences, CPU)', () => {
  for (const c of gradients) {
    it(`${c.op}: ${c.name}`, () => {
      lm.withDevice('cpu', () => lm.tidy(() => { checkGradient(c); }));
    });
  }
});

// Float32 gradients on every device, the CPU included: there they run the wasm SIMD kernels (when on), which the float64 rows above never reach.
for (const device of devices) {
  describe(`gradients on ${device} (float32, against the CPU's float64 gradients)`, () => {
    for (const c of gradients) {
      it(`${c.op}: ${c.name}`, async () => {
        await checkGradientOnDevice(c, device);
      });
    }
  });
}

describe('conformance table coverage', () => {
  const opFunctions = Object.entries(lm)
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k);
  const covered = new Set(forward.map((c) => c.op));
  // Every op function in the public API has at least one exact-value row.
  const OPS = [
    // creation
    'tensor', 'scalar', 'zeros', 'ones', 'zerosLike', 'onesLike', 'fill', 'eye', 'range', 'linspace', 'oneHot',
    'randomNormal', 'randomUniform', 'truncatedNormal',
    // elementwise unary
    'neg', 'abs', 'sign', 'exp', 'expm1', 'log', 'log1p', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'sin', 'cos', 'tan',
    'tanh', 'sigmoid', 'softplus', 'relu', 'relu6', 'leakyRelu', 'elu', 'selu', 'gelu', 'erf', 'floor', 'ceil', 'round',
    'clipByValue', 'isNaN', 'isFinite', 'logicalNot', 'cast',
    // binary
    'add', 'sub', 'mul', 'div', 'floorDiv', 'mod', 'pow', 'maximum', 'minimum', 'squaredDifference', 'atan2', 'equal',
    'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'where',
    // reductions
    'sum', 'mean', 'prod', 'max', 'min', 'argMax', 'argMin', 'logSumExp', 'all', 'any', 'moments',
    // linear algebra
    'matMul', 'dot', 'outer',
    // movement
    'reshape', 'transpose', 'expandDims', 'squeeze', 'slice', 'stridedSlice', 'concat', 'stack', 'unstack', 'split',
    'tile', 'pad', 'gather', 'reverse', 'broadcastTo', 'clone',
    // nn
    'softmax', 'logSoftmax', 'conv2d', 'conv2dTranspose', 'depthwiseConv2d', 'maxPool', 'avgPool', 'dropout',
  ];
  it('every listed op is exported', () => {
    expect(OPS.filter((op) => !opFunctions.includes(op))).toEqual([]);
  });
  it('every listed op has conformance rows', () => {
    expect(OPS.filter((op) => !covered.has(op))).toEqual([]);
  });
  it('every differentiable op has a gradient row', () => {
    const NOT_DIFFERENTIABLE = new Set([
      'tensor', 'scalar', 'zeros', 'ones', 'zerosLike', 'onesLike', 'fill', 'eye', 'range', 'linspace', 'oneHot',
      'randomNormal', 'randomUniform', 'truncatedNormal', 'isNaN', 'isFinite', 'logicalNot', 'equal', 'notEqual', 'less',
      'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'argMax', 'argMin', 'all', 'any',
      'floorDiv', 'sign', 'floor', 'ceil', 'round', 'dropout',
    ]);
    const withGrad = new Set(gradients.map((c) => c.op));
    expect(OPS.filter((op) => !NOT_DIFFERENTIABLE.has(op) && !withGrad.has(op))).toEqual([]);
  });
});
