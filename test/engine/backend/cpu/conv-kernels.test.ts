import { describe, expect, it } from 'vitest';
import { rng } from '../../../helpers/rng.js';
import {
  conv2dGeometry,
  conv2dTransposeGeometry,
  pool2dGeometry,
  type Conv2DGeometry,
  type PaddingMode,
} from '../../../../src/engine/conv-geometry.js';
import {
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  conv2dKernel,
  depthwiseConv2dBackpropFilterKernel,
  depthwiseConv2dBackpropInputKernel,
  depthwiseConv2dKernel,
  type FloatArray,
} from '../../../../src/engine/backend/cpu/kernels/conv.js';
import {
  avgPoolBackpropKernel,
  avgPoolKernel,
  maxPoolBackpropKernel,
  maxPoolKernel,
} from '../../../../src/engine/backend/cpu/kernels/pool.js';
import { ShapeError } from '../../../../src/engine/errors.js';

// ---------------------------------------------------------------------------
// Deterministic data and comparison helpers

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
const CTORS: [string, Ctor][] = [['float32', Float32Array], ['float64', Float64Array]];

function random(ctor: Ctor, n: number, seed: number): FloatArray {
  const r = rng(seed);
  const a = new ctor(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const xShape = (g: Conv2DGeometry): number[] => [g.batch, g.inHeight, g.inWidth, g.inChannels];
const yShape = (g: Conv2DGeometry): number[] => [g.batch, g.outHeight, g.outWidth, g.outChannels];

/** Garbage-filled output, to prove kernels overwrite every element. */
function garbage(ctor: Ctor, n: number): FloatArray {
  return new ctor(n).fill(12345.5);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** |got - want| <= tol * (1 + |want|) elementwise, reporting the first miss. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol * (1 + Math.abs(want[i])))) {
      expect.fail(`element ${i}: got ${got[i]}, want ${want[i]} (|err| ${err} > tol ${tol})`);
    }
  }
}

// ---------------------------------------------------------------------------
// Naive float64 references, written from the definitions

function refConv(x: ArrayLike<number>, w: ArrayLike<number>, g: Conv2DGeometry, depthwise: boolean): Float64Array {
  const out = new Float64Array(size(yShape(g)));
  const m = g.channelMultiplier;
  for (let b = 0; b < g.batch; b++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++)
        for (let co = 0; co < g.outChannels; co++) {
          let s = 0;
          for (let fy = 0; fy < g.filterHeight; fy++)
            for (let fx = 0; fx < g.filterWidth; fx++) {
              const iy = oy * g.strideHeight - g.padTop + fy * g.dilationHeight;
              const ix = ox * g.strideWidth - g.padLeft + fx * g.dilationWidth;
              if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) continue;
              const xi = (c: number): number => ((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c;
              if (depthwise) {
                const c = Math.floor(co / m);
                const q = co % m;
                s += x[xi(c)] * w[((fy * g.filterWidth + fx) * g.inChannels + c) * m + q];
              } else {
                for (let ci = 0; ci < g.inChannels; ci++) {
                  s += x[xi(ci)] * w[((fy * g.filterWidth + fx) * g.inChannels + ci) * g.outChannels + co];
                }
              }
            }
          out[((b * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + co] = s;
        }
  return out;
}

/** Both gradients by scattering every term of the forward sum. */
function refConvGrads(
  x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, g: Conv2DGeometry, depthwise: boolean,
): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(size(xShape(g)));
  const dw = new Float64Array(w.length);
  const m = g.channelMultiplier;
  for (let b = 0; b < g.batch; b++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++)
        for (let co = 0; co < g.outChannels; co++) {
          const d = dy[((b * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + co];
          for (let fy = 0; fy < g.filterHeight; fy++)
            for (let fx = 0; fx < g.filterWidth; fx++) {
              const iy = oy * g.strideHeight - g.padTop + fy * g.dilationHeight;
              const ix = ox * g.strideWidth - g.padLeft + fx * g.dilationWidth;
              if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) continue;
              const cis = depthwise ? [Math.floor(co / m)] : Array.from({ length: g.inChannels }, (_, i) => i);
              for (const ci of cis) {
                const xi = ((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + ci;
                const wi = depthwise
                  ? ((fy * g.filterWidth + fx) * g.inChannels + ci) * m + (co % m)
                  : ((fy * g.filterWidth + fx) * g.inChannels + ci) * g.outChannels + co;
                dx[xi] += d * w[wi];
                dw[wi] += d * x[xi];
              }
            }
        }
  return { dx, dw };
}

function refPool(x: ArrayLike<number>, g: Conv2DGeometry, kind: 'max' | 'avg'): Float64Array {
  const out = new Float64Array(size(yShape(g)));
  for (let b = 0; b < g.batch; b++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++)
        for (let c = 0; c < g.inChannels; c++) {
          let best = -Infinity;
          let sum = 0;
          let n = 0;
          for (let fy = 0; fy < g.filterHeight; fy++)
            for (let fx = 0; fx < g.filterWidth; fx++) {
              const iy = oy * g.strideHeight - g.padTop + fy;
              const ix = ox * g.strideWidth - g.padLeft + fx;
              if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) continue;
              const v = x[((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c];
              best = Math.max(best, v);
              sum += v;
              n++;
            }
          out[((b * g.outHeight + oy) * g.outWidth + ox) * g.inChannels + c] = kind === 'max' ? best : sum / n;
        }
  return out;
}

function refPoolGrad(x: ArrayLike<number>, dy: ArrayLike<number>, g: Conv2DGeometry, kind: 'max' | 'avg'): Float64Array {
  const dx = new Float64Array(size(xShape(g)));
  for (let b = 0; b < g.batch; b++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++)
        for (let c = 0; c < g.inChannels; c++) {
          const cells: number[] = [];
          for (let fy = 0; fy < g.filterHeight; fy++)
            for (let fx = 0; fx < g.filterWidth; fx++) {
              const iy = oy * g.strideHeight - g.padTop + fy;
              const ix = ox * g.strideWidth - g.padLeft + fx;
              if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) continue;
              cells.push(((b * g.inHeight + iy) * g.inWidth + ix) * g.inChannels + c);
            }
          const d = dy[((b * g.outHeight + oy) * g.outWidth + ox) * g.inChannels + c];
          if (kind === 'avg') {
            for (const i of cells) dx[i] += d / cells.length;
          } else {
            let arg = cells[0];
            for (const i of cells) if (x[i] > x[arg]) arg = i; // first maximum in scan order
            dx[arg] += d;
          }
        }
  return dx;
}

// ---------------------------------------------------------------------------
// Geometry sweep

interface Case {
  name: string;
  x: number[];
  f: number[];
  strides: number | [number, number];
  pad: PaddingMode;
  dilations: number | [number, number];
}

const PADS: PaddingMode[] = ['same', 'valid', 1, [[0, 2], [1, 0]]];

function sweep(depthwise: boolean): Case[] {
  const cases: Case[] = [];
  const shapes: [number[], number[]][] = depthwise
    ? [
        [[2, 7, 6, 3], [3, 3, 3, 1]],
        [[2, 7, 6, 3], [3, 2, 3, 2]],
        [[1, 5, 5, 4], [1, 1, 4, 2]],
        [[3, 6, 7, 5], [2, 3, 5, 1]],
      ]
    : [
        [[2, 7, 6, 3], [3, 3, 3, 5]],
        [[1, 9, 8, 4], [3, 2, 4, 8]],
        [[3, 5, 5, 2], [1, 1, 2, 3]],
        [[2, 6, 7, 1], [2, 3, 1, 6]],
      ];
  for (const [x, f] of shapes)
    for (const s of [1, 2, 3, [2, 1]] as (number | [number, number])[])
      for (const d of [1, 2, [1, 2]] as (number | [number, number])[])
        for (const pad of PADS) {
          const sBig = typeof s === 'number' ? s > 1 : s.some((v) => v > 1);
          const dBig = typeof d === 'number' ? d > 1 : d.some((v) => v > 1);
          if (sBig && dBig) continue;
          const name = `x${JSON.stringify(x)} f${JSON.stringify(f)} s${JSON.stringify(s)} d${JSON.stringify(d)} pad ${JSON.stringify(pad)}`;
          cases.push({ name, x, f, strides: s, pad, dilations: d });
        }
  return cases;
}

/**
 * Geometries that stress the kernels' blocking (reduction blocks of 512, column blocks of 64,
 * 4x4 tiles, 64-row chunks): K > 512 and > 1024, outC > 64 with a ragged panel, outC > 512
 * (the reduction of backprop input), rows not a multiple of 4.
 */
const BLOCKING_CASES: Case[] = [
  { name: 'K = 3*3*60 = 540 > 512', x: [2, 6, 5, 60], f: [3, 3, 60, 7], strides: 1, pad: 'same', dilations: 1 },
  { name: 'K = 5*5*45 = 1125 > 1024', x: [1, 5, 6, 45], f: [5, 5, 45, 5], strides: 1, pad: 'same', dilations: 1 },
  { name: 'outC 130 > 64, ragged panel', x: [1, 5, 5, 3], f: [2, 2, 3, 130], strides: 1, pad: 'valid', dilations: 1 },
  { name: 'outC 530 > 512', x: [1, 4, 3, 5], f: [3, 3, 5, 530], strides: 2, pad: 'same', dilations: 1 },
  { name: 'K 600 and outC 9, stride 2', x: [2, 7, 7, 150], f: [2, 2, 150, 9], strides: 2, pad: 'same', dilations: 1 },
  { name: 'single pixel', x: [1, 1, 1, 1], f: [1, 1, 1, 1], strides: 1, pad: 'valid', dilations: 1 },
  { name: 'filter larger than input with same padding', x: [2, 2, 3, 2], f: [5, 4, 2, 3], strides: 1, pad: 'same', dilations: 1 },
  { name: 'window entirely in padding', x: [1, 2, 2, 2], f: [1, 1, 2, 3], strides: 1, pad: 2, dilations: 1 },
  { name: 'M = 1*3*3 odd, stride 3 dilation 1', x: [1, 9, 9, 6], f: [3, 3, 6, 5], strides: 3, pad: 'valid', dilations: 1 },
];

function geometryOf(c: Case, depthwise: boolean): Conv2DGeometry {
  return conv2dGeometry('test', c.x, c.f, c.strides, c.pad, c.dilations, depthwise ? 'depthwise' : 'conv');
}

const TOL: Record<string, number> = { float32: 2e-5, float64: 1e-12 };

function checkConvFamily(c: Case, depthwise: boolean, seed: number): void {
  const g = geometryOf(c, depthwise);
  const fwd = depthwise ? depthwiseConv2dKernel : conv2dKernel;
  const bpInput = depthwise ? depthwiseConv2dBackpropInputKernel : conv2dBackpropInputKernel;
  const bpFilter = depthwise ? depthwiseConv2dBackpropFilterKernel : conv2dBackpropFilterKernel;
  for (const [dtype, ctor] of CTORS) {
    const x = random(ctor, size(xShape(g)), seed);
    const w = random(ctor, size(c.f), seed + 1);
    const dy = random(ctor, size(yShape(g)), seed + 2);
    const out = garbage(ctor, size(yShape(g)));
    const dx = garbage(ctor, x.length);
    const dw = garbage(ctor, w.length);
    fwd(x, w, out, g);
    bpInput(dy, w, dx, g);
    bpFilter(x, dy, dw, g);
    const ref = refConv(x, w, g, depthwise);
    const { dx: refDx, dw: refDw } = refConvGrads(x, w, dy, g, depthwise);
    const tol = TOL[dtype];
    expectClose(out, ref, tol);
    expectClose(dx, refDx, tol);
    expectClose(dw, refDw, tol);
    // Adjoint identity, in float64: <conv(x, w), dy> = <x, dL/dx> = <w, dL/dw>.
    const lhs = dot(out, dy);
    const scale = 1 + Math.abs(lhs) + Math.sqrt(dot(out, out) * dot(dy, dy));
    expect(Math.abs(dot(x, dx) - lhs) / scale).toBeLessThan(tol * 10);
    expect(Math.abs(dot(w, dw) - lhs) / scale).toBeLessThan(tol * 10);
  }
}

describe('conv2d kernels against the float64 reference', () => {
  it.each(sweep(false).map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    checkConvFamily(c, false, 100 + i * 7);
  });
  it.each(BLOCKING_CASES.map((c, i) => [c.name, c, i] as const))('blocking: %s', (_name, c, i) => {
    checkConvFamily(c, false, 5000 + i * 7);
  });
});

describe('depthwiseConv2d kernels against the float64 reference', () => {
  it.each(sweep(true).map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    checkConvFamily(c, true, 900 + i * 7);
  });
  it('wide channels and multiplier 3', () => {
    checkConvFamily({ name: '', x: [2, 6, 6, 37], f: [3, 3, 37, 3], strides: 2, pad: 'same', dilations: 1 }, true, 77);
  });
});

describe('conv2d kernels: hand-computed values', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9]; // 1x3x3x1
  const w = [1, 2, 3, 4]; // 2x2x1x1

  it.each(CTORS)('valid 2x2 filter on a 3x3 input (%s)', (_d, ctor) => {
    const g = conv2dGeometry('conv2d', [1, 3, 3, 1], [2, 2, 1, 1], 1, 'valid', 1, 'conv');
    const out = garbage(ctor, 4);
    conv2dKernel(ctor.from(x), ctor.from(w), out, g);
    // 1*1 + 2*2 + 4*3 + 5*4 = 37, ...
    expect(Array.from(out)).toEqual([37, 47, 67, 77]);
  });

  it('same padding puts the odd cell at the bottom/right', () => {
    const g = conv2dGeometry('conv2d', [1, 3, 3, 1], [2, 2, 1, 1], 1, 'same', 1, 'conv');
    const out = new Float64Array(9);
    conv2dKernel(Float64Array.from(x), Float64Array.from(w), out, g);
    expect(Array.from(out)).toEqual([37, 47, 21, 67, 77, 33, 23, 26, 9]);
  });

  it('backprop input and filter of the valid case with dy = 1', () => {
    const g = conv2dGeometry('conv2d', [1, 3, 3, 1], [2, 2, 1, 1], 1, 'valid', 1, 'conv');
    const dx = garbage(Float32Array, 9);
    conv2dBackpropInputKernel(Float32Array.of(1, 1, 1, 1), Float32Array.from(w), dx, g);
    expect(Array.from(dx)).toEqual([1, 3, 2, 4, 10, 6, 3, 7, 4]);
    const dw = garbage(Float32Array, 4);
    conv2dBackpropFilterKernel(Float32Array.from(x), Float32Array.of(1, 1, 1, 1), dw, g);
    expect(Array.from(dw)).toEqual([12, 16, 24, 28]);
  });

  it('two channels in, two out', () => {
    // x 1x1x2x2: pixels (1, 2) and (3, 4); filter 1x2x2x2
    const g = conv2dGeometry('conv2d', [1, 1, 2, 2], [1, 2, 2, 2], 1, 'valid', 1, 'conv');
    const out = new Float32Array(2);
    // w[0,0,:,:] = [[1,0],[0,1]] (identity), w[0,1,:,:] = [[1,1],[1,-1]]
    conv2dKernel(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 0, 0, 1, 1, 1, 1, -1), out, g);
    expect(Array.from(out)).toEqual([1 + 3 + 4, 2 + 3 - 4]);
  });

  it('dilation 2 skips every other input cell', () => {
    const g = conv2dGeometry('conv2d', [1, 1, 5, 1], [1, 2, 1, 1], 1, 'valid', 2, 'conv');
    const out = new Float64Array(3);
    conv2dKernel(Float64Array.of(1, 2, 3, 4, 5), Float64Array.of(10, 1), out, g);
    expect(Array.from(out)).toEqual([13, 24, 35]);
  });

  it('depthwise with multiplier 2, and its gradients', () => {
    const g = conv2dGeometry('depthwiseConv2d', [1, 1, 1, 2], [1, 1, 2, 2], 1, 'valid', 1, 'depthwise');
    const out = new Float32Array(4);
    depthwiseConv2dKernel(Float32Array.of(1, 10), Float32Array.of(1, 2, 3, 4), out, g);
    expect(Array.from(out)).toEqual([1, 2, 30, 40]);
    const dx = new Float32Array(2);
    depthwiseConv2dBackpropInputKernel(Float32Array.of(1, 1, 1, 1), Float32Array.of(1, 2, 3, 4), dx, g);
    expect(Array.from(dx)).toEqual([3, 7]);
    const dw = new Float32Array(4);
    depthwiseConv2dBackpropFilterKernel(Float32Array.of(1, 10), Float32Array.of(1, 2, 3, 4), dw, g);
    expect(Array.from(dw)).toEqual([1, 2, 30, 40]);
  });

  it('conv2dTranspose = backprop input of the forward geometry', () => {
    // x 1x2x2x1 [1,2,3,4] with a 2x2 ones filter and stride 2 spreads each value over a 2x2 block.
    const g = conv2dTransposeGeometry('conv2dTranspose', [1, 4, 4, 1], [2, 2, 1, 1], 2, 'valid');
    const result = new Float32Array(16);
    conv2dBackpropInputKernel(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 1, 1, 1), result, g);
    expect(Array.from(result)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    // 'same', stride 2, 3x3 result from a 2x2 x: out = ceil(3/2) = 2, total pad (2-1)*2+3-3 = 2 -> 1/1.
    const g2 = conv2dTransposeGeometry('conv2dTranspose', [1, 3, 3, 1], [3, 3, 1, 1], 2, 'same');
    const r2 = new Float64Array(9);
    // x = [[1, 2], [3, 4]], w = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    conv2dBackpropInputKernel(Float64Array.of(1, 2, 3, 4), Float64Array.from({ length: 9 }, (_, i) => i + 1), r2, g2);
    // result[iy, ix] = sum over (oy, ox) of x[oy, ox] * w[iy - 2oy + 1, ix - 2ox + 1], where in range
    expect(Array.from(r2)).toEqual([
      1 * 5, 1 * 6 + 2 * 4, 2 * 5,
      1 * 8 + 3 * 2, 1 * 9 + 2 * 7 + 3 * 3 + 4 * 1, 2 * 8 + 4 * 2,
      3 * 5, 3 * 6 + 4 * 4, 4 * 5,
    ]);
  });

  it('float32 results accumulate in float64 before rounding once', () => {
    // 1e8 + 1 - 1e8 in float32 steps would give 0; accumulated in float64 it gives 1.
    const g = conv2dGeometry('conv2d', [1, 1, 3, 1], [1, 3, 1, 1], 1, 'valid', 1, 'conv');
    const out = new Float32Array(1);
    conv2dKernel(Float32Array.of(1e8, 1, -1e8), Float32Array.of(1, 1, 1), out, g);
    expect(out[0]).toBe(1);
  });

  it('rejects buffers of the wrong size', () => {
    const g = conv2dGeometry('conv2d', [1, 3, 3, 1], [2, 2, 1, 1], 1, 'valid', 1, 'conv');
    expect(() => conv2dKernel(new Float32Array(9), new Float32Array(4), new Float32Array(5), g)).toThrow(ShapeError);
    expect(() => conv2dKernel(new Float32Array(9), new Float32Array(4), new Float32Array(5), g)).toThrow(
      'conv2dKernel: expected out of 4 elements (shape [1,2,2,1]), got 5',
    );
    expect(() => conv2dBackpropFilterKernel(new Float32Array(8), new Float32Array(4), new Float32Array(4), g)).toThrow(
      'conv2dBackpropFilterKernel: expected x of 9 elements (shape [1,3,3,1]), got 8',
    );
    const pg = pool2dGeometry('maxPool', [1, 2, 2, 1], 2, 2, 'valid');
    expect(() => maxPoolBackpropKernel(new Float32Array(1), new Float32Array(4), new Float32Array(3), pg)).toThrow(
      'maxPoolBackpropKernel: expected dx of 4 elements (shape [1,2,2,1]), got 3',
    );
  });

  it('handles an empty batch', () => {
    const g = conv2dGeometry('conv2d', [0, 3, 3, 2], [2, 2, 2, 3], 1, 'same', 1, 'conv');
    const dw = garbage(Float32Array, 24);
    conv2dKernel(new Float32Array(0), new Float32Array(24), new Float32Array(0), g);
    conv2dBackpropFilterKernel(new Float32Array(0), new Float32Array(0), dw, g);
    expect(Array.from(dw)).toEqual(new Array(24).fill(0));
  });
});

// ---------------------------------------------------------------------------
// Pooling

function poolCases(): PoolCase[] {
  const out: PoolCase[] = [];
  for (const x of [[2, 7, 6, 3], [1, 5, 5, 1], [3, 4, 9, 5]])
    for (const f of [1, 2, 3, [3, 2]] as (number | [number, number])[])
      for (const s of [1, 2, 3] as number[])
        for (const pad of ['same', 'valid', 1, [[0, 1], [1, 0]]] as PaddingMode[]) {
          out.push({ name: `x${JSON.stringify(x)} f${JSON.stringify(f)} s${s} pad ${JSON.stringify(pad)}`, x, f, s, pad });
        }
  // Drop the combinations pool2dGeometry rejects (padding not smaller than a 1-cell window).
  return out.filter((c) => poolGeometry(c) !== undefined);
}

interface PoolCase {
  name: string;
  x: number[];
  f: number | [number, number];
  s: number | [number, number];
  pad: PaddingMode;
}

function poolGeometry(c: PoolCase): Conv2DGeometry | undefined {
  try {
    return pool2dGeometry('pool', c.x, c.f, c.s, c.pad);
  } catch {
    return undefined; // padding not smaller than the window, or an empty output
  }
}

describe('pool kernels against the float64 reference', () => {
  it.each(poolCases().map((c, i) => [c.name, c, i] as const))('%s', (_name, c, i) => {
    const g = poolGeometry(c)!;
    for (const [dtype, ctor] of CTORS) {
      // Distinct values (a shuffled ramp) so the max is unique and finite differences are valid.
      const n = size(xShape(g));
      const r = rng(31 + i);
      const perm = Array.from({ length: n }, (_, k) => k);
      for (let k = n - 1; k > 0; k--) {
        const j = Math.floor(r() * (k + 1));
        [perm[k], perm[j]] = [perm[j], perm[k]];
      }
      const x = new ctor(n);
      for (let k = 0; k < n; k++) x[k] = (perm[k] - n / 2) / 8;
      const dy = random(ctor, size(yShape(g)), 71 + i);
      const tol = TOL[dtype];
      for (const kind of ['max', 'avg'] as const) {
        const out = garbage(ctor, dy.length);
        const dx = garbage(ctor, n);
        if (kind === 'max') {
          maxPoolKernel(x, out, g);
          maxPoolBackpropKernel(dy, x, dx, g);
        } else {
          avgPoolKernel(x, out, g);
          avgPoolBackpropKernel(dy, dx, g);
        }
        expectClose(out, refPool(x, g, kind), tol);
        expectClose(dx, refPoolGrad(x, dy, g, kind), tol);
      }
      // Finite differences of <maxPool(x), dy> along a random direction (float64; values are
      // 1/8 apart, so a 1e-4 step never changes which cell is the maximum).
      if (dtype === 'float64') {
        const v = random(Float64Array, n, 5 + i);
        const eps = 1e-4;
        const f = (t: number): number => {
          const xt = Float64Array.from(x, (xv, k) => xv + t * v[k]);
          const o = new Float64Array(dy.length);
          maxPoolKernel(xt, o, g);
          return dot(o, dy);
        };
        const dx = new Float64Array(n);
        maxPoolBackpropKernel(dy, x, dx, g);
        const fd = (f(eps) - f(-eps)) / (2 * eps);
        expect(Math.abs(fd - dot(dx, v))).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        // avgPool is linear: its backprop is its exact adjoint.
        const o = new Float64Array(dy.length);
        avgPoolKernel(x, o, g);
        avgPoolBackpropKernel(dy, dx, g);
        expect(Math.abs(dot(o, dy) - dot(x, dx))).toBeLessThan(1e-10 * (1 + Math.abs(dot(o, dy))));
      }
    }
  });
});

describe('pool kernels: hand-computed values', () => {
  it('maxPool gives the gradient of a tie to the first maximum in scan order', () => {
    const g = pool2dGeometry('maxPool', [1, 2, 2, 1], 2, 2, 'valid');
    const out = new Float32Array(1);
    maxPoolKernel(Float32Array.of(5, 1, 5, 2), out, g);
    expect(Array.from(out)).toEqual([5]);
    const dx = garbage(Float32Array, 4);
    maxPoolBackpropKernel(Float32Array.of(1), Float32Array.of(5, 1, 5, 2), dx, g);
    expect(Array.from(dx)).toEqual([1, 0, 0, 0]);
  });

  it('maxPool 3x3 stride 1 same on a 3x3 input with ties; overlapping windows sum', () => {
    // x = [[1, 9, 2], [9, 3, 4], [5, 6, 9]]
    const x = Float64Array.of(1, 9, 2, 9, 3, 4, 5, 6, 9);
    const g = pool2dGeometry('maxPool', [1, 3, 3, 1], 3, 1, 'same');
    const out = new Float64Array(9);
    maxPoolKernel(x, out, g);
    expect(Array.from(out)).toEqual([9, 9, 9, 9, 9, 9, 9, 9, 9]);
    const dx = new Float64Array(9);
    maxPoolBackpropKernel(new Float64Array(9).fill(1), x, dx, g);
    // Windows (row-major scan) whose first 9 is x[0,1]: those containing (0,1): all with oy <= 1 and any ox;
    // windows with oy = 2 (rows 1..2) scan (1,0) first when ox <= 1; window (2,2) covers rows 1..2, cols 1..2: first 9 is (2,2).
    expect(Array.from(dx)).toEqual([0, 6, 0, 2, 0, 0, 0, 0, 1]);
  });

  it('maxPool never picks padding, even when every value is negative', () => {
    const g = pool2dGeometry('maxPool', [1, 2, 2, 1], 2, 1, 'same');
    const out = new Float32Array(4);
    maxPoolKernel(Float32Array.of(-4, -3, -2, -1), out, g);
    expect(Array.from(out)).toEqual([-1, -1, -1, -1]);
  });

  it('maxPool propagates NaN and sends its gradient to the first NaN', () => {
    const g = pool2dGeometry('maxPool', [1, 1, 4, 1], [1, 4], 1, 'valid');
    const x = Float64Array.of(1, NaN, 7, NaN);
    const out = new Float64Array(1);
    maxPoolKernel(x, out, g);
    expect(out[0]).toBeNaN();
    const dx = new Float64Array(4);
    maxPoolBackpropKernel(Float64Array.of(1), x, dx, g);
    expect(Array.from(dx)).toEqual([0, 1, 0, 0]);
  });

  it('avgPool does not count padding', () => {
    const g = pool2dGeometry('avgPool', [1, 3, 3, 1], 3, 1, 'same');
    const out = new Float64Array(9);
    avgPoolKernel(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), out, g);
    expect(Array.from(out)).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
    const dx = new Float64Array(9);
    avgPoolBackpropKernel(Float64Array.of(4, 0, 0, 0, 0, 0, 0, 0, 0), dx, g);
    expect(Array.from(dx)).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0]);
  });

  it('pool kernels handle several channels independently', () => {
    const g = pool2dGeometry('maxPool', [1, 1, 2, 2], [1, 2], 1, 'valid');
    const out = new Float32Array(2);
    maxPoolKernel(Float32Array.of(1, 20, 3, 4), out, g);
    expect(Array.from(out)).toEqual([3, 20]);
    avgPoolKernel(Float32Array.of(1, 20, 3, 4), out, g);
    expect(Array.from(out)).toEqual([2, 12]);
  });
});

// ---------------------------------------------------------------------------
// Values recorded from TensorFlow 2.21 (tf.nn.conv2d / depthwise_conv2d / max_pool2d /
// avg_pool2d in float64, gradients from tf.GradientTape of sum(y * dy)).

describe('agreement with values recorded from TensorFlow', () => {
  it('conv2d, strides [2,1], explicit padding [[1,0],[0,1]]', () => {
    const x = [2, -1, 1, 1, 2, -1, -2, -1, 0, 0, -2, 2, -2, 2, -2, 1, 0, 1, 2, 2, -2, -2, -2, 1, -2, 0, -2, -1, 2, -1, 1, 1, -2, 1, -2, -1, -2, -2, 2, 2];
    const f = [-1, 1, 0, -1, 0, -1, -1, 0, -1, 0, 0, -1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 1, -1, -1, 0, 0, 0, -1, 1, 1, -1, -1, 0, -1];
    const dy = [2, 2, 2, -1, -1, 2, -1, 1, 1, 1, 2, 2, 2, 0, 1, 2, 2, 0, -1, -1, 2, 0, -1, 1, 1, 0, 1, 0, -1, 2];
    const g = conv2dGeometry('conv2d', [1, 4, 5, 2], [3, 2, 2, 3], [2, 1], [[1, 0], [0, 1]], 1, 'conv');
    expect(yShape(g)).toEqual([1, 2, 5, 3]);
    for (const [, ctor] of CTORS) {
      const y = new ctor(30);
      const dx = new ctor(40);
      const dw = new ctor(36);
      conv2dKernel(ctor.from(x), ctor.from(f), y, g);
      conv2dBackpropInputKernel(ctor.from(dy), ctor.from(f), dx, g);
      conv2dBackpropFilterKernel(ctor.from(x), ctor.from(dy), dw, g);
      expect(Array.from(y)).toEqual([-1, 3, 0, -2, 3, 0, 0, 2, -5, 0, 0, -5, -2, -2, -2, -1, -9, -3, 3, -6, -1, 2, -6, 0, -2, 4, -6, -6, 2, -4]);
      expect(Array.from(dx)).toEqual([2, 0, 3, 4, 2, 1, 4, 0, 4, 3, -4, -4, 2, -7, -6, -5, -6, -5, -4, -7, 2, 0, 1, 2, 0, 1, 0, 1, 0, 2, -4, 0, 6, -4, -3, -2, -3, -2, 1, -4]);
      expect(Array.from(dw)).toEqual([-2, -2, -2, 3, -1, 10, 0, -2, -2, 5, 2, 5, -5, -1, 0, -9, -10, -4, 2, -2, 0, 5, 5, -3, 6, 0, -12, 5, 5, 16, 0, 2, -8, 9, 13, 9]);
    }
  });

  it('depthwiseConv2d, multiplier 2, stride 2, same', () => {
    const x = [-1, 0, 2, 2, -1, -1, 0, -2, 2, 0, 2, -2, 0, 1, 0, 2, -1, 0, -1, -1, 2, -1, -2, 2, -1, 2, 1, 2, -1, 1, -2, -1];
    const f = [0, 0, 1, -1, -1, 0, -1, -1, 0, -1, 0, 1, 0, 1, 1, -1];
    const dy = [-1, 0, 2, 0, -1, 0, 2, 2, 0, 0, -1, -1, 2, 1, 0, 0];
    const g = conv2dGeometry('depthwiseConv2d', [1, 4, 4, 2], [2, 2, 2, 2], 2, 'same', 1, 'depthwise');
    expect(yShape(g)).toEqual([1, 2, 2, 4]);
    const y = new Float32Array(16);
    const dx = new Float32Array(32);
    const dw = new Float32Array(16);
    depthwiseConv2dKernel(Float32Array.from(x), Float32Array.from(f), y, g);
    depthwiseConv2dBackpropInputKernel(Float32Array.from(dy), Float32Array.from(f), dx, g);
    depthwiseConv2dBackpropFilterKernel(Float32Array.from(x), Float32Array.from(dy), dw, g);
    expect(Array.from(y)).toEqual([-2, 0, -4, 0, 0, 0, 3, 2, 1, 2, 3, 1, 2, -1, -4, 1]);
    expect(Array.from(dx)).toEqual([0, 2, 1, -2, 0, 0, 1, -4, 0, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 2, 0, 0, -2, 0, 0, -1, 0, 0, -1, 0, 1, 0]);
    expect(Array.from(dw)).toEqual([6, 2, -2, -2, -6, -2, 1, -3, -4, -1, 0, 0, -6, -2, -2, 2]);
  });

  it('maxPool [3,2] window, strides [2,1], same, with many ties', () => {
    const x = Float64Array.of(2, 0, 2, 0, 2, 2, 1, 1, 1, 1, 1, 2, 0, 0, 1, 1, 2, 1, 1, 2);
    const g = pool2dGeometry('maxPool', [1, 4, 5, 1], [3, 2], [2, 1], 'same');
    const y = new Float64Array(10);
    const dx = new Float64Array(20);
    maxPoolKernel(x, y, g);
    maxPoolBackpropKernel(Float64Array.of(1, 2, 3, 3, 3, 1, 3, 1, 1, 2), x, dx, g);
    expect(Array.from(y)).toEqual([2, 2, 2, 2, 2, 2, 2, 1, 2, 2]);
    expect(Array.from(dx)).toEqual([1, 0, 5, 0, 6, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 1, 0, 3]);
  });

  it('avgPool 3x3, stride 2, same (padding not counted)', () => {
    const x = Float64Array.of(1, -2, 1, 3, 0, 3, -1, 1, -2, -3, -1, 1, -3, -3, 1, -2, 3, -3, -1, -3);
    const g = pool2dGeometry('avgPool', [1, 5, 4, 1], 3, 2, 'same');
    const y = new Float64Array(6);
    const dx = new Float64Array(20);
    avgPoolKernel(x, y, g);
    avgPoolBackpropKernel(Float64Array.of(1, -2, -1, 1, 0, -2), dx, g);
    expectClose(y, [0.3333333333333333, 1.0, -1.0, -0.16666666666666666, -1.0, -1.25], 1e-15);
    expectClose(dx, [
      0.16666666666666666, 0.16666666666666666, -0.33333333333333337, -0.5, 0.05555555555555555, 0.05555555555555555,
      -0.2777777777777778, -0.33333333333333337, -0.1111111111111111, -0.1111111111111111, 0.05555555555555555,
      0.16666666666666666, -0.1111111111111111, -0.1111111111111111, -0.4444444444444444, -0.33333333333333337, 0, 0, -0.5, -0.5,
    ], 1e-15);
  });
});
