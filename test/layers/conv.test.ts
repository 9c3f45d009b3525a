import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError, memory, ones, tensor, zeros, type Tensor } from '../../src/engine/index.js';
import type { Layer } from '../../src/layers/layer.js';
import { Conv1D, Conv2D, Conv2DTranspose } from '../../src/layers/convolutional/conv.js';
import { DepthwiseConv2D, SeparableConv2D } from '../../src/layers/convolutional/depthwise.js';
import { input } from '../../src/layers/input-layer.js';
import { runLayerTest } from './harness.js';
import { signedValues } from '../helpers/rng.js';

// ---------------------------------------------------------------- float64 references (plain JS, NHWC)

type Shape4 = [number, number, number, number];
const sizeOf = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Output length and leading pad along one axis, by TensorFlow's rules. */
function axisGeometry(size: number, k: number, s: number, d: number, padding: 'same' | 'valid'): { out: number; before: number } {
  const eff = (k - 1) * d + 1;
  if (padding === 'valid') return { out: Math.floor((size - eff) / s) + 1, before: 0 };
  const out = Math.ceil(size / s);
  return { out, before: Math.floor(Math.max((out - 1) * s + eff - size, 0) / 2) };
}

/**
 * Naive depthwise-or-regular convolution. `tap(c, fy, fx)` lists the
 * (outChannel, weight) pairs input channel c feeds through filter cell (fy, fx).
 */
function refConv(
  x: number[], [n, h, w, c]: Shape4, kh: number, kw: number, outC: number,
  tap: (ci: number, fy: number, fx: number) => Array<[number, number]>,
  strides: [number, number], dil: [number, number], padding: 'same' | 'valid',
): { data: number[]; shape: Shape4 } {
  const gy = axisGeometry(h, kh, strides[0], dil[0], padding);
  const gx = axisGeometry(w, kw, strides[1], dil[1], padding);
  const data = new Array<number>(n * gy.out * gx.out * outC).fill(0);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < gy.out; oy++)
      for (let ox = 0; ox < gx.out; ox++)
        for (let fy = 0; fy < kh; fy++)
          for (let fx = 0; fx < kw; fx++) {
            const iy = oy * strides[0] - gy.before + fy * dil[0];
            const ix = ox * strides[1] - gx.before + fx * dil[1];
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const v = x[((b * h + iy) * w + ix) * c + ci];
              for (const [co, wt] of tap(ci, fy, fx)) data[((b * gy.out + oy) * gx.out + ox) * outC + co] += v * wt;
            }
          }
  return { data, shape: [n, gy.out, gx.out, outC] };
}

/** Regular convolution with kernel [kh, kw, c, f]. */
function refConv2d(x: number[], xs: Shape4, k: number[], ks: Shape4, strides: [number, number], dil: [number, number], padding: 'same' | 'valid') {
  const [kh, kw, c, f] = ks;
  const tap = (ci: number, fy: number, fx: number): Array<[number, number]> =>
    Array.from({ length: f }, (_, co) => [co, k[((fy * kw + fx) * c + ci) * f + co]] as [number, number]);
  return refConv(x, xs, kh, kw, f, tap, strides, dil, padding);
}

/** Depthwise convolution with kernel [kh, kw, c, m]: output channel ci * m + q. */
function refDepthwise(x: number[], xs: Shape4, k: number[], ks: Shape4, strides: [number, number], dil: [number, number], padding: 'same' | 'valid') {
  const [kh, kw, c, m] = ks;
  const tap = (ci: number, fy: number, fx: number): Array<[number, number]> =>
    Array.from({ length: m }, (_, q) => [ci * m + q, k[((fy * kw + fx) * c + ci) * m + q]] as [number, number]);
  return refConv(x, xs, kh, kw, c * m, tap, strides, dil, padding);
}

/** Transposed convolution by scattering each input cell through the kernel [kh, kw, f, c]. */
function refConvTranspose(x: number[], [n, h, w, c]: Shape4, k: number[], [kh, kw, f]: Shape4, s: number, outH: number, outW: number, padding: 'same' | 'valid') {
  // The pads of the forward convolution from [outH, outW] back to [h, w].
  const padTop = padding === 'same' ? Math.floor(Math.max((h - 1) * s + kh - outH, 0) / 2) : 0;
  const padLeft = padding === 'same' ? Math.floor(Math.max((w - 1) * s + kw - outW, 0) / 2) : 0;
  const data = new Array<number>(n * outH * outW * f).fill(0);
  for (let b = 0; b < n; b++)
    for (let iy = 0; iy < h; iy++)
      for (let ix = 0; ix < w; ix++)
        for (let fy = 0; fy < kh; fy++)
          for (let fx = 0; fx < kw; fx++) {
            const oy = iy * s + fy - padTop;
            const ox = ix * s + fx - padLeft;
            if (oy < 0 || oy >= outH || ox < 0 || ox >= outW) continue;
            for (let ci = 0; ci < c; ci++)
              for (let co = 0; co < f; co++)
                data[((b * outH + oy) * outW + ox) * f + co] += x[((b * h + iy) * w + ix) * c + ci] * k[((fy * kw + fx) * f + co) * c + ci];
          }
  return data;
}

/** 1-D convolution [n, steps, c] with kernel [k, c, f]; causal pads d*(k-1) on the left. */
function refConv1d(x: number[], [n, steps, c]: number[], k: number[], [kk, , f]: number[], s: number, d: number, padding: 'same' | 'valid' | 'causal') {
  let out: number;
  let before: number;
  if (padding === 'causal') {
    before = d * (kk - 1);
    out = Math.floor((steps + before - ((kk - 1) * d + 1)) / s) + 1;
  } else ({ out, before } = axisGeometry(steps, kk, s, d, padding));
  const data = new Array<number>(n * out * f).fill(0);
  for (let b = 0; b < n; b++)
    for (let t = 0; t < out; t++)
      for (let j = 0; j < kk; j++) {
        const i = t * s - before + j * d;
        if (i < 0 || i >= steps) continue;
        for (let ci = 0; ci < c; ci++)
          for (let co = 0; co < f; co++) data[(b * out + t) * f + co] += x[(b * steps + i) * c + ci] * k[(j * c + ci) * f + co];
      }
  return { data, shape: [n, out, f] };
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-10): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i] - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
      expect(actual[i], `index ${i}`).toBeCloseTo(expected[i], 9);
    }
  }
}

/**
 * Builds `layer` by calling it once: the harness counts the tensors its first
 * call creates, and weights made by a lazy build would count as leaked outputs.
 */
function prebuilt<L extends Layer>(layer: L, shape: number[]): L {
  const x = zeros(shape);
  layer.apply(x).dispose();
  x.dispose();
  return layer;
}

const t64 = (values: number[], shape: number[]): Tensor => tensor(values, shape, 'float64');
const values = (shape: readonly number[], seed: number): number[] => signedValues(sizeOf(shape), seed);

// ---------------------------------------------------------------- Conv2D

describe('Conv2D', () => {
  it('passes the layer harness (valid, default options)', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv2D({ filters: 3, kernelSize: 3, dtype }), [2, 5, 5, 2]),
      inputShape: [2, 5, 5, 2],
      expectedOutputShape: [2, 3, 3, 3],
      expectedWeights: [['kernel', [3, 3, 2, 3]], ['bias', [3]]],
    });
  });

  it('passes the harness with same padding, strides 2 and a non-square kernel', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv2D({ filters: 2, kernelSize: [3, 2], strides: 2, padding: 'same', biasInitializer: 'ones', dtype }), [2, 5, 4, 2]),
      inputShape: [2, 5, 4, 2],
      // ceil(5 / 2) = 3, ceil(4 / 2) = 2
      expectedOutputShape: [2, 3, 2, 2],
      expectedWeights: [['kernel', [3, 2, 2, 2]], ['bias', [2]]],
    });
  });

  it('passes the harness with dilation 2, no bias and tanh', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv2D({ filters: 2, kernelSize: 2, dilationRate: [2, 1], useBias: false, activation: 'tanh', dtype }), [1, 5, 4, 2]),
      inputShape: [1, 5, 4, 2],
      // valid: 5 - ((2 - 1) * 2 + 1) + 1 = 3 rows, 4 - 2 + 1 = 3 columns
      expectedOutputShape: [1, 3, 3, 2],
      expectedWeights: [['kernel', [2, 2, 2, 2]]],
    });
  });

  it('matches a naive float64 convolution: same padding, strides 2, with bias and relu', () => {
    const xs: Shape4 = [2, 5, 6, 2];
    const ks: Shape4 = [3, 3, 2, 3];
    const x = values(xs, 1);
    const k = values(ks, 2);
    const bias = [0.1, -0.2, 0.3];
    const layer = new Conv2D({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', dtype: 'float64', inputShape: [5, 6, 2] });
    prebuilt(layer, xs);
    layer.setWeights([t64(k, ks), t64(bias, [3])]);
    const y = layer.apply(t64(x, xs));
    const ref = refConv2d(x, xs, k, ks, [2, 2], [1, 1], 'same');
    expect(y.shape).toEqual(ref.shape);
    expect(y.shape).toEqual([2, 3, 3, 3]);
    expectClose(y.dataSync(), ref.data.map((v, i) => Math.max(0, v + bias[i % 3])));
    y.dispose();
    layer.dispose();
  });

  it('matches a naive float64 convolution: same padding with dilation [2, 3]', () => {
    const xs: Shape4 = [1, 6, 7, 2];
    const ks: Shape4 = [2, 3, 2, 2];
    const x = values(xs, 3);
    const k = values(ks, 4);
    const layer = new Conv2D({ filters: 2, kernelSize: [2, 3], padding: 'same', dilationRate: [2, 3], useBias: false, dtype: 'float64' });
    const xt = t64(x, xs);
    layer.apply(xt).dispose();
    layer.setWeights([t64(k, ks)]);
    const y = layer.apply(xt);
    const ref = refConv2d(x, xs, k, ks, [1, 1], [2, 3], 'same');
    expect(y.shape).toEqual([1, 6, 7, 2]);
    expectClose(y.dataSync(), ref.data);
  });

  it('computes in float32 too, close to the float64 reference', () => {
    const xs: Shape4 = [1, 4, 4, 1];
    const x = values(xs, 5);
    const layer = new Conv2D({ filters: 1, kernelSize: 2, kernelInitializer: 'ones' });
    const y = layer.apply(tensor(x, xs));
    expect(y.dtype).toBe('float32');
    // Each output is the sum of its 2x2 window.
    expectClose(y.dataSync(), refConv2d(x, xs, [1, 1, 1, 1], [2, 2, 1, 1], [1, 1], [1, 1], 'valid').data, 1e-6);
  });

  it('uses glorotUniform with receptive-field fans by default', () => {
    const layer = new Conv2D({ filters: 8, kernelSize: 3, inputShape: [6, 6, 4] });
    layer.apply(ones([1, 6, 6, 4])).dispose();
    // fanIn = 3*3*4 = 36, fanOut = 3*3*8 = 72; limit = sqrt(6 / 108)
    const limit = Math.sqrt(6 / 108);
    const k = Array.from(layer.kernel.dataSync());
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    expect(Array.from(layer.bias!.dataSync())).toEqual(new Array(8).fill(0));
  });

  it('reports symbolic shapes with unknown spatial axes', () => {
    const layer = new Conv2D({ filters: 4, kernelSize: 3, strides: 2 });
    expect(layer.apply(input({ shape: [null, 9, 3] })).shape).toEqual([null, null, 4, 4]);
    expect(layer.computeOutputShape([null, 8, null, 3])).toEqual([null, 3, null, 4]);
  });

  it('stores normalized options in its config', () => {
    const c = new Conv2D({ name: 'c', filters: 4, kernelSize: [3, 1], strides: 2, padding: 'same', kernelRegularizer: 'l2' }).getConfig();
    expect(c).toMatchObject({ filters: 4, kernelSize: [3, 1], strides: [2, 2], padding: 'same', dataFormat: 'channelsLast', dilationRate: [1, 1], useBias: true, activation: 'linear' });
    expect(c.kernelRegularizer).toMatchObject({ className: 'L2' });
    expect(c.biasRegularizer).toBeNull();
  });

  it('rejects bad options, naming the layer and the option', () => {
    expect(() => new Conv2D({ name: 'c2', filters: 3, kernelSize: 3, stride: 2 } as never)).toThrow(/^c2: unknown option 'stride' \(did you mean 'strides'\?\)/);
    expect(() => new Conv2D({ name: 'c2', filters: 0, kernelSize: 3 })).toThrow(/c2: option 'filters'.*got 0/);
    expect(() => new Conv2D({ name: 'c2', filters: 2, kernelSize: [3, 0] as never })).toThrow(ValueError);
    expect(() => new Conv2D({ name: 'c2', filters: 2, kernelSize: 3, padding: 'causal' as never })).toThrow(/c2: option 'padding'/);
    expect(() => new Conv2D({ name: 'c2', filters: 2, kernelSize: 3, dataFormat: 'channelsFirst' })).toThrow(/c2: option 'dataFormat': only 'channelsLast' is supported/);
    expect(() => new Conv2D({ name: 'c2', filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/c2: option 'dilationRate': cannot exceed 1 together with strides 2/);
    expect(() => new Conv2D({ name: 'c2', filters: 2, kernelSize: 3, activation: 'rleu' })).toThrow(/c2: option 'activation': unknown activation 'rleu'/);
  });

  it('rejects inputs of the wrong rank, channels or size with the layer name', () => {
    const layer = new Conv2D({ name: 'conv2d_x', filters: 2, kernelSize: 3 });
    expect(() => layer.apply(input({ shape: [28, 28] }))).toThrow(ShapeError);
    expect(() => layer.apply(input({ shape: [28, 28] }))).toThrow('conv2d_x: expected input of rank 4 ([batch, height, width, channels]), got shape [null,28,28]');
    expect(layer.built).toBe(false);
    expect(() => layer.apply(input({ shape: [5, 5, null] }))).toThrow(/conv2d_x: expected input with a known channels axis/);
    layer.apply(input({ shape: [5, 5, 3] }));
    expect(() => layer.apply(ones([1, 5, 5, 2]))).toThrow(/conv2d_x: expected input with axis -1 of size 3 .*got shape \[1,5,5,2\]/);
    expect(() => layer.apply(ones([5, 5, 3]))).toThrow('conv2d_x: expected input of rank 4 ([batch, height, width, channels]), got shape [5,5,3]');
    const small = ones([1, 2, 5, 3]);
    const before = memory().numTensors;
    expect(() => layer.apply(small)).toThrow(/conv2d_x: input height 2 is too small for kernelSize \[3,3\]/);
    expect(memory().numTensors).toBe(before);
  });

  it('leaks nothing outside tidy beyond its output', () => {
    const layer = new Conv2D({ filters: 2, kernelSize: 2, activation: 'relu' });
    const x = ones([1, 3, 3, 1]);
    layer.apply(x).dispose();
    const before = memory().numTensors;
    const y = layer.apply(x);
    expect(memory().numTensors).toBe(before + 1);
    y.dispose();
  });
});

// ---------------------------------------------------------------- Conv1D

describe('Conv1D', () => {
  it('passes the layer harness (valid)', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv1D({ filters: 3, kernelSize: 3, dtype }), [2, 6, 2]),
      inputShape: [2, 6, 2],
      expectedOutputShape: [2, 4, 3],
      expectedWeights: [['kernel', [3, 2, 3]], ['bias', [3]]],
    });
  });

  it('passes the harness with same padding and strides 2', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv1D({ filters: 2, kernelSize: [2], strides: 2, padding: 'same', dtype }), [2, 7, 2]),
      inputShape: [2, 7, 2],
      expectedOutputShape: [2, 4, 2],
      expectedWeights: [['kernel', [2, 2, 2]], ['bias', [2]]],
    });
  });

  it('passes the harness with causal padding and dilation 2', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv1D({ filters: 2, kernelSize: 3, padding: 'causal', dilationRate: 2, activation: 'tanh', dtype }), [2, 6, 2]),
      inputShape: [2, 6, 2],
      expectedOutputShape: [2, 6, 2],
      expectedWeights: [['kernel', [3, 2, 2]], ['bias', [2]]],
    });
  });

  it('matches a naive float64 causal convolution with dilation 2', () => {
    const xs = [2, 7, 3];
    const ks = [3, 3, 2];
    const x = values(xs, 11);
    const k = values(ks, 12);
    const layer = new Conv1D({ filters: 2, kernelSize: 3, padding: 'causal', dilationRate: 2, useBias: false, dtype: 'float64', inputShape: [7, 3] });
    prebuilt(layer, xs);
    layer.setWeights([t64(k, ks)]);
    const y = layer.apply(t64(x, xs));
    const ref = refConv1d(x, xs, k, ks, 1, 2, 'causal');
    expect(y.shape).toEqual([2, 7, 2]);
    expectClose(y.dataSync(), ref.data);
    // Causality: output step 0 sees only input step 0 (the rest of its window is padding).
    expectClose([y.dataSync()[0]], [x[0] * k[(2 * 3 + 0) * 2] + x[1] * k[(2 * 3 + 1) * 2] + x[2] * k[(2 * 3 + 2) * 2]]);
  });

  it('matches a naive float64 convolution with same padding and strides 2', () => {
    const xs = [1, 8, 2];
    const ks = [4, 2, 3];
    const x = values(xs, 13);
    const k = values(ks, 14);
    const layer = new Conv1D({ filters: 3, kernelSize: 4, strides: 2, padding: 'same', biasInitializer: 'ones', dtype: 'float64', inputShape: [8, 2] });
    prebuilt(layer, xs);
    layer.setWeights([t64(k, ks), t64([1, 1, 1], [3])]);
    const y = layer.apply(t64(x, xs));
    const ref = refConv1d(x, xs, k, ks, 2, 1, 'same');
    expect(y.shape).toEqual(ref.shape);
    expectClose(y.dataSync(), ref.data.map((v) => v + 1));
  });

  it('reports symbolic shapes, with unknown steps', () => {
    expect(new Conv1D({ filters: 4, kernelSize: 3, padding: 'causal' }).apply(input({ shape: [null, 5] })).shape).toEqual([null, null, 4]);
    expect(new Conv1D({ filters: 4, kernelSize: 3, strides: 2 }).computeOutputShape([null, 10, 5])).toEqual([null, 4, 4]);
    expect(new Conv1D({ name: 'c', filters: 4, kernelSize: [5], dilationRate: 2 }).getConfig()).toMatchObject({ kernelSize: 5, strides: 1, dilationRate: 2, padding: 'valid' });
  });

  it('rejects bad options and inputs', () => {
    expect(() => new Conv1D({ name: 'c1', filters: 2, kernelSize: [3, 3] as never })).toThrow(/c1: option 'kernelSize'/);
    expect(() => new Conv1D({ name: 'c1', filters: 2, kernelSize: 3, strides: 2, dilationRate: 2, padding: 'causal' })).toThrow(/c1: option 'dilationRate'/);
    const layer = new Conv1D({ name: 'c1', filters: 2, kernelSize: 3 });
    expect(() => layer.apply(ones([2, 6, 2, 1]))).toThrow('c1: expected input of rank 3 ([batch, steps, channels]), got shape [null,6,2,1]');
    expect(() => layer.apply(ones([2, 2, 3]))).toThrow(/c1: input steps 2 is too small/);
  });
});

// ---------------------------------------------------------------- Conv2DTranspose

describe('Conv2DTranspose', () => {
  it('passes the layer harness (valid, strides 2)', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, dtype }), [2, 3, 2, 2]),
      inputShape: [2, 3, 2, 2],
      // 3 * 2 + max(3 - 2, 0) = 7, 2 * 2 + 1 = 5
      expectedOutputShape: [2, 7, 5, 3],
      expectedWeights: [['kernel', [3, 3, 3, 2]], ['bias', [3]]],
    });
  });

  it('passes the harness with same padding, strides 2 and an even kernel', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv2DTranspose({ filters: 2, kernelSize: [2, 3], strides: 2, padding: 'same', dtype }), [2, 3, 3, 2]),
      inputShape: [2, 3, 3, 2],
      expectedOutputShape: [2, 6, 6, 2],
      expectedWeights: [['kernel', [2, 3, 2, 2]], ['bias', [2]]],
    });
  });

  it('passes the harness with outputPadding', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new Conv2DTranspose({ filters: 2, kernelSize: 3, strides: [2, 3], padding: 'same', outputPadding: [1, 2], dtype }), [1, 2, 2, 2]),
      inputShape: [1, 2, 2, 2],
      // (2 - 1) * 2 + 3 - 2 * 1 + 1 = 4 rows; (2 - 1) * 3 + 3 - 2 + 2 = 6 columns
      expectedOutputShape: [1, 4, 6, 2],
      expectedWeights: [['kernel', [3, 3, 2, 2]], ['bias', [2]]],
    });
  });

  for (const padding of ['same', 'valid'] as const) {
    it(`matches a naive float64 scatter with strides 2, ${padding} padding`, () => {
      const xs: Shape4 = [2, 3, 2, 2];
      const ks: Shape4 = [3, 3, 3, 2];
      const x = values(xs, 21);
      const k = values(ks, 22);
      const layer = new Conv2DTranspose({ filters: 3, kernelSize: 3, strides: 2, padding, useBias: false, dtype: 'float64', inputShape: [3, 2, 2] });
      prebuilt(layer, xs);
    layer.setWeights([t64(k, ks)]);
      const y = layer.apply(t64(x, xs));
      const [outH, outW] = padding === 'same' ? [6, 4] : [7, 5];
      expect(y.shape).toEqual([2, outH, outW, 3]);
      expectClose(y.dataSync(), refConvTranspose(x, xs, k, ks, 2, outH, outW, padding));
    });
  }

  it('matches the scatter with outputPadding on valid padding', () => {
    const xs: Shape4 = [1, 2, 2, 1];
    const ks: Shape4 = [2, 2, 1, 1];
    const x = [1, 2, 3, 4];
    const k = [1, 10, 100, 1000];
    const layer = new Conv2DTranspose({ filters: 1, kernelSize: 2, strides: 3, outputPadding: 1, useBias: false, dtype: 'float64', inputShape: [2, 2, 1] });
    prebuilt(layer, xs);
    layer.setWeights([t64(k, ks)]);
    const y = layer.apply(t64(x, xs));
    // (2 - 1) * 3 + 2 + 1 = 6: each input cell stamps x * k at (3 iy, 3 ix); row/column 2 and 5 stay 0.
    expect(y.shape).toEqual([1, 6, 6, 1]);
    expectClose(y.dataSync(), refConvTranspose(x, xs, k, ks, 3, 6, 6, 'valid'));
    expect(Array.from(y.dataSync()).slice(0, 6)).toEqual([1, 10, 0, 2, 20, 0]);
  });

  it('reports symbolic shapes with unknown spatial axes', () => {
    const layer = new Conv2DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' });
    expect(layer.apply(input({ shape: [null, 5, 3] })).shape).toEqual([null, null, 10, 4]);
    expect(layer.getConfig()).toMatchObject({ filters: 4, kernelSize: [3, 3], strides: [2, 2], outputPadding: null, dilationRate: [1, 1] });
  });

  it('rejects dilations, large outputPadding and inconsistent output sizes', () => {
    expect(() => new Conv2DTranspose({ name: 'ct', filters: 2, kernelSize: 3, dilationRate: 2 })).toThrow(
      /ct: option 'dilationRate': must be 1: dilated transposed convolutions are not supported/,
    );
    expect(() => new Conv2DTranspose({ name: 'ct', filters: 2, kernelSize: 3, strides: 2, outputPadding: 2 })).toThrow(/ct: option 'outputPadding': must be smaller than strides \[2,2\]/);
    // An even kernel with 'same' and outputPadding 0: (3 - 1) * 2 + 2 - 2 = 4 rows, which a strided conv maps to 2, not 3.
    const even = new Conv2DTranspose({ name: 'ct', filters: 2, kernelSize: 2, strides: 2, padding: 'same', outputPadding: 0 });
    expect(() => even.apply(ones([1, 3, 3, 1]))).toThrow(/ct: outputPadding \[0,0\] gives output height 4 for input 3/);
    const layer = new Conv2DTranspose({ name: 'ct2', filters: 2, kernelSize: 3 });
    expect(() => layer.apply(ones([3, 3, 1]))).toThrow('ct2: expected input of rank 4 ([batch, height, width, channels]), got shape [null,3,1]');
  });
});

// ---------------------------------------------------------------- DepthwiseConv2D and SeparableConv2D

describe('DepthwiseConv2D', () => {
  it('passes the layer harness with depthMultiplier 2', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same', dtype }), [2, 4, 4, 2]),
      inputShape: [2, 4, 4, 2],
      expectedOutputShape: [2, 4, 4, 4],
      expectedWeights: [['kernel', [3, 3, 2, 2]], ['bias', [4]]],
    });
  });

  it('passes the harness with strides 2 and no bias', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new DepthwiseConv2D({ kernelSize: [2, 3], strides: 2, useBias: false, dtype }), [2, 5, 5, 3]),
      inputShape: [2, 5, 5, 3],
      // valid: ceil((5 - 2 + 1) / 2) = 2, ceil((5 - 3 + 1) / 2) = 2
      expectedOutputShape: [2, 2, 2, 3],
      expectedWeights: [['kernel', [2, 3, 3, 1]]],
    });
  });

  it('matches a naive float64 depthwise convolution (multiplier 2, same, strides 2)', () => {
    const xs: Shape4 = [2, 5, 5, 2];
    const ks: Shape4 = [3, 3, 2, 2];
    const x = values(xs, 31);
    const k = values(ks, 32);
    const bias = [1, 2, 3, 4];
    const layer = new DepthwiseConv2D({ kernelSize: 3, strides: 2, depthMultiplier: 2, padding: 'same', dtype: 'float64', inputShape: [5, 5, 2] });
    prebuilt(layer, xs);
    layer.setWeights([t64(k, ks), t64(bias, [4])]);
    const y = layer.apply(t64(x, xs));
    const ref = refDepthwise(x, xs, k, ks, [2, 2], [1, 1], 'same');
    expect(y.shape).toEqual([2, 3, 3, 4]);
    expectClose(y.dataSync(), ref.data.map((v, i) => v + bias[i % 4]));
  });

  it('reports shapes, config and errors', () => {
    const layer = new DepthwiseConv2D({ name: 'dw', kernelSize: 3, depthMultiplier: 3, dilationRate: 2 });
    expect(layer.computeOutputShape([null, null, 9, 2])).toEqual([null, null, 5, 6]);
    expect(layer.getConfig()).toMatchObject({ depthMultiplier: 3, kernelSize: [3, 3], dilationRate: [2, 2], depthwiseRegularizer: null });
    expect(() => new DepthwiseConv2D({ name: 'dw', kernelSize: 3, depthMultiplier: 0 })).toThrow(/dw: option 'depthMultiplier'/);
    expect(() => new DepthwiseConv2D({ name: 'dw', kernelSize: 3, filters: 2 } as never)).toThrow(/dw: unknown option 'filters'/);
    expect(() => layer.apply(ones([1, 9, 9]))).toThrow('dw: expected input of rank 4 ([batch, height, width, channels]), got shape [null,9,9]');
  });
});

describe('SeparableConv2D', () => {
  it('passes the layer harness', () => {
    runLayerTest({
      make: (dtype) => prebuilt(new SeparableConv2D({ filters: 3, kernelSize: 3, depthMultiplier: 2, padding: 'same', dtype }), [2, 4, 4, 2]),
      inputShape: [2, 4, 4, 2],
      expectedOutputShape: [2, 4, 4, 3],
      expectedWeights: [['depthwise_kernel', [3, 3, 2, 2]], ['pointwise_kernel', [1, 1, 4, 3]], ['bias', [3]]],
    });
  });

  it('matches a naive float64 depthwise-then-pointwise reference', () => {
    const xs: Shape4 = [1, 5, 6, 2];
    const dks: Shape4 = [2, 3, 2, 2];
    const pks: Shape4 = [1, 1, 4, 3];
    const x = values(xs, 41);
    const dk = values(dks, 42);
    const pk = values(pks, 43);
    const bias = [0.5, -0.5, 0.25];
    const layer = new SeparableConv2D({ filters: 3, kernelSize: [2, 3], depthMultiplier: 2, strides: [1, 2], activation: 'tanh', dtype: 'float64', inputShape: [5, 6, 2] });
    prebuilt(layer, xs);
    layer.setWeights([t64(dk, dks), t64(pk, pks), t64(bias, [3])]);
    const y = layer.apply(t64(x, xs));
    const depth = refDepthwise(x, xs, dk, dks, [1, 2], [1, 1], 'valid');
    const point = refConv2d(depth.data, depth.shape, pk, pks, [1, 1], [1, 1], 'valid');
    // valid: 5 - 2 + 1 = 4 rows; ceil((6 - 3 + 1) / 2) = 2 columns
    expect(y.shape).toEqual([1, 4, 2, 3]);
    expectClose(y.dataSync(), point.data.map((v, i) => Math.tanh(v + bias[i % 3])));
  });

  it('reports its config and rejects bad options', () => {
    const layer = new SeparableConv2D({ name: 'sep', filters: 4, kernelSize: 3, pointwiseInitializer: 'ones' });
    expect(layer.getConfig()).toMatchObject({ filters: 4, depthMultiplier: 1, pointwiseInitializer: { className: 'Ones' } });
    expect(() => new SeparableConv2D({ name: 'sep', kernelSize: 3 } as never)).toThrow(/sep: option 'filters'/);
    expect(() => new SeparableConv2D({ name: 'sep', filters: 2, kernelSize: 3, pointwiseInitializer: 'onez' })).toThrow(/sep: option 'pointwiseInitializer': unknown initializer 'onez'/);
  });
});
