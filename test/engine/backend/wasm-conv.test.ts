/**
 * The wasm float32 convolutions against the TypeScript kernels run in
 * float64 on the same (float32-representable) data.
 *
 * Two comparisons:
 *
 * - Integer data (x, filter, dy in -3..3): every product and partial sum is
 *   an integer below 2^24, so float32 arithmetic is exact in any order and
 *   with or without fused multiply-add. The wasm results must then EQUAL the
 *   float64 reference: any indexing, padding, stride, dilation or chunking
 *   mistake shows up exactly, however long the reduction.
 * - Real data in [-1, 1): each result is a sum of n products. Rounding
 *   analysis of a dot product (Higham, Accuracy and Stability of Numerical
 *   Algorithms, §3.1) bounds the error of float32 summation in ANY order
 *   (blocked, split across chunks, fused or not) by γ_n · Σ|terms| with
 *   γ_n = n·u / (1 - n·u), u = 2^-24. Σ|terms| is the same convolution of
 *   |x| and |w| (computed in float64), so the bound is relative to the
 *   magnitude of the sum rather than to the (possibly cancelled) sum itself.
 *   n is the reduction length: K = fh·fw·cin for the forward pass, the taps
 *   times output channels for the input gradient, and the M = batch·oh·ow
 *   output pixels for the filter gradient.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { rng } from '../../helpers/rng.js';
import { conv2dGeometry, type Conv2DGeometry, type PaddingMode } from '../../../src/engine/conv-geometry.js';
import {
  conv2dBackpropFilterKernel,
  conv2dBackpropInputKernel,
  conv2dKernel,
} from '../../../src/engine/backend/cpu/kernels/conv.js';
import { configureCpu, getCpuInfo, getNumThreads, getRuntime, setNumThreads, type WasmRuntime } from '../../../src/engine/backend/wasm/runtime.js';
import {
  convTuning,
  wasmConv2d,
  wasmConv2dBackpropFilter,
  wasmConv2dBackpropInput,
} from '../../../src/engine/backend/wasm/conv.js';
import { ShapeError } from '../../../src/engine/errors.js';

const U = 2 ** -24;
const rt0 = getRuntime();
const initialThreads = getNumThreads();
const initialChunk = convTuning.colChunkBytes;

afterEach(() => {
  convTuning.colChunkBytes = initialChunk;
  convTuning.direct = 'auto';
  convTuning.dwTasks = 0;
  convTuning.dwSubBandRows = 0;
});
afterAll(() => {
  configureCpu({ relaxedSimd: 'auto' });
  setNumThreads(initialThreads);
});

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const xShape = (g: Conv2DGeometry): number[] => [g.batch, g.inHeight, g.inWidth, g.inChannels];
const yShape = (g: Conv2DGeometry): number[] => [g.batch, g.outHeight, g.outWidth, g.outChannels];
const wShape = (g: Conv2DGeometry): number[] => [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];

function data(n: number, seed: number, ints: boolean): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = ints ? Math.floor(r() * 7) - 3 : r() * 2 - 1;
  return a;
}
const f64 = (a: Float32Array): Float64Array => Float64Array.from(a);
const abs64 = (a: Float32Array): Float64Array => Float64Array.from(a, Math.abs);

type Op = 'forward' | 'input' | 'filter';
const OPS: Op[] = ['forward', 'input', 'filter'];

/** The op's two operands, its output size and reduction length. */
function operands(op: Op, g: Conv2DGeometry, seed: number, ints: boolean): { a: Float32Array; b: Float32Array; outLen: number; n: number } {
  const x = (): Float32Array => data(size(xShape(g)), seed, ints);
  const w = (): Float32Array => data(size(wShape(g)), seed + 1, ints);
  const dy = (): Float32Array => data(size(yShape(g)), seed + 2, ints);
  const taps = g.filterHeight * g.filterWidth;
  if (op === 'forward') return { a: x(), b: w(), outLen: size(yShape(g)), n: taps * g.inChannels };
  if (op === 'input') return { a: dy(), b: w(), outLen: size(xShape(g)), n: taps * g.outChannels };
  return { a: x(), b: dy(), outLen: size(wShape(g)), n: g.batch * g.outHeight * g.outWidth };
}

function tsKernel(op: Op): (a: Float64Array, b: Float64Array, out: Float64Array, g: Conv2DGeometry) => void {
  return op === 'forward' ? conv2dKernel : op === 'input' ? conv2dBackpropInputKernel : conv2dBackpropFilterKernel;
}
function wasmKernel(op: Op): (rt: WasmRuntime, a: Float32Array, b: Float32Array, out: Float32Array, g: Conv2DGeometry) => void {
  return op === 'forward' ? wasmConv2d : op === 'input' ? wasmConv2dBackpropInput : wasmConv2dBackpropFilter;
}

/** An array on the wasm heap holding `src` (or garbage); freed by the returned function. */
function onHeap(rt: WasmRuntime, src: Float32Array | number): [Float32Array, () => void] {
  const len = typeof src === 'number' ? src : src.length;
  const bytes = Math.max(4, len * 4);
  const addr = rt.heap.alloc(bytes);
  if (addr < 0) throw new Error('test heap allocation failed');
  const view = rt.heap.f32(addr, len);
  if (typeof src === 'number') view.fill(12345.5);
  else view.set(src);
  return [view, () => rt.heap.free(addr, bytes)];
}

interface Config {
  relaxed: boolean;
  threads: number;
  heap: boolean;
  chunkBytes?: number;
  /** The direct kernels (no patches): forced on or off, or chosen by shape (default). */
  direct?: boolean | 'auto';
  /** Filter gradient's direct kernel: tasks (partials) and rows per sub-band (0: by size). */
  dwTasks?: number;
  subBandRows?: number;
}

function configure(c: Config): WasmRuntime {
  configureCpu({ relaxedSimd: c.relaxed });
  setNumThreads(c.threads);
  convTuning.colChunkBytes = c.chunkBytes ?? initialChunk;
  convTuning.direct = c.direct ?? 'auto';
  convTuning.dwTasks = c.dwTasks ?? 0;
  convTuning.dwSubBandRows = c.subBandRows ?? 0;
  const rt = getRuntime()!;
  expect(rt.relaxed).toBe(c.relaxed);
  return rt;
}

/** The operands and the float64 reference (and Σ|terms| for real data), memoised: the W4 references take a while. */
const references = new Map<string, { a: Float32Array; b: Float32Array; outLen: number; n: number; want: Float64Array; mag: Float64Array | null }>();
function reference(op: Op, g: Conv2DGeometry, seed: number, ints: boolean) {
  const key = `${op} ${JSON.stringify(g)} ${seed} ${ints}`;
  let r = references.get(key);
  if (!r) {
    const { a, b, outLen, n } = operands(op, g, seed, ints);
    const want = new Float64Array(outLen);
    tsKernel(op)(f64(a), f64(b), want, g);
    let mag: Float64Array | null = null;
    if (!ints) {
      mag = new Float64Array(outLen);
      tsKernel(op)(abs64(a), abs64(b), mag, g);
    }
    r = { a, b, outLen, n, want, mag };
    if (references.size > 8) references.clear();
    references.set(key, r);
  }
  return r;
}

/** Runs `op` in wasm under `c` and checks it against the float64 TypeScript kernel. */
function check(op: Op, g: Conv2DGeometry, c: Config, ints: boolean, seed = 7): void {
  const rt = configure(c);
  const { a, b, outLen, n, want, mag } = reference(op, g, seed, ints);
  const frees: (() => void)[] = [];
  let got: Float32Array;
  try {
    if (c.heap) {
      const [ah, fa] = onHeap(rt, a);
      const [bh, fb] = onHeap(rt, b);
      const [oh, fo] = onHeap(rt, outLen);
      frees.push(fa, fb, fo);
      wasmKernel(op)(rt, ah, bh, oh, g);
      got = oh.slice();
    } else {
      got = new Float32Array(outLen).fill(12345.5);
      const used = rt.heap.usedBytes;
      wasmKernel(op)(rt, a, b, got, g);
      expect(rt.heap.usedBytes, 'temporaries freed').toBe(used);
    }
  } finally {
    for (const f of frees) f();
  }
  const label = `${op} ${JSON.stringify(c)} ints=${ints}`;
  if (ints) {
    for (let i = 0; i < outLen; i++) {
      if (got[i] !== want[i]) expect.fail(`${label}: element ${i} is ${got[i]}, want exactly ${want[i]}`);
    }
    return;
  }
  const gamma = (n * U) / (1 - n * U);
  for (let i = 0; i < outLen; i++) {
    const err = Math.abs(got[i] - want[i]);
    const tol = gamma * mag![i] + U * Math.abs(want[i]) + 1e-30;
    if (!(err <= tol)) expect.fail(`${label}: element ${i} is ${got[i]}, want ${want[i]} (err ${err} > tol ${tol}, Σ|terms| ${mag![i]})`);
  }
}

type Case = [string, number[], number[], number | [number, number], PaddingMode, number | [number, number]];
const CASES: Case[] = [
  ['3x3 valid, 1 channel', [1, 5, 5, 1], [3, 3, 1, 2], 1, 'valid', 1],
  ['3x3 same, 3 channels, batch 3', [3, 7, 6, 3], [3, 3, 3, 8], 1, 'same', 1],
  ['stride 2 same, 8 channels', [2, 9, 8, 8], [3, 3, 8, 5], 2, 'same', 1],
  ['stride [2,1] valid, 17 channels, odd sizes', [1, 10, 11, 17], [3, 2, 17, 6], [2, 1], 'valid', 1],
  ['explicit pad 1, stride 2, 17 channels, batch 3', [3, 6, 7, 17], [3, 3, 17, 9], 2, 1, 1],
  ['dilation 2 same', [2, 9, 9, 3], [3, 3, 3, 4], 1, 'same', 2],
  ['dilation [2,1], uneven explicit padding', [1, 8, 7, 8], [2, 3, 8, 3], 1, [[1, 2], [0, 3]], [2, 1]],
  ['dilation [1,3] valid', [3, 5, 11, 1], [2, 3, 1, 7], 1, 'valid', [1, 3]],
  ['1x1 pointwise, 17 channels', [3, 5, 4, 17], [1, 1, 17, 7], 1, 'valid', 1],
  ['1x1 stride 2', [2, 7, 7, 8], [1, 1, 8, 4], 2, 'valid', 1],
  ['1x1 padded', [1, 3, 3, 3], [1, 1, 3, 2], 1, 1, 1],
  ['rows of padding only', [1, 3, 5, 3], [3, 3, 3, 4], 1, [[4, 4], [0, 0]], 1],
  ['columns of padding only, stride 2', [2, 4, 3, 8], [2, 2, 8, 3], 2, [[0, 1], [5, 4]], 1],
  ['stride 3 > filter (gaps)', [2, 9, 10, 3], [2, 2, 3, 4], 3, 'valid', 1],
  ['wide filter, stride [1,2] same', [1, 1, 9, 5], [1, 4, 5, 3], [1, 2], 'same', 1],
  ['filter as large as the input', [2, 4, 5, 3], [4, 5, 3, 6], 1, 'valid', 1],
  ['5x5 same, 1 channel, 32 outputs', [3, 8, 8, 1], [5, 5, 1, 32], 1, 'same', 1],
];

const CONFIGS: Config[] = [];
for (const relaxed of [true, false]) {
  for (const threads of [1, 2]) {
    for (const heap of [true, false]) CONFIGS.push({ relaxed, threads, heap });
  }
}
/** Every op also runs with the direct kernels forced on and off. */
const configsFor = (_op: Op): Config[] => CONFIGS.flatMap((c) => [{ ...c, direct: true }, { ...c, direct: false }]);

describe.skipIf(rt0 === null)('wasm conv2d kernels', () => {
  it('runs with relaxed SIMD available (Node 20 flag)', () => {
    configureCpu({ relaxedSimd: 'auto' });
    expect(getCpuInfo().relaxedSimd).toBe(true);
  });

  for (const [name, xs, fs, strides, pad, dil] of CASES) {
    const g = conv2dGeometry('conv2d', xs, fs, strides, pad, dil, 'conv');
    for (const op of OPS) {
      it(`${op}: ${name}, exact on integers`, () => {
        for (const c of configsFor(op)) check(op, g, c, true);
        // Chunks (and filter-gradient bands and sub-bands) of one output
        // row, and of a few rows that straddle images.
        const rowBytes = g.outWidth * g.filterHeight * g.filterWidth * g.inChannels * 4;
        const few = Math.max(1, g.outHeight - 1);
        for (const direct of [true, false]) {
          check(op, g, { relaxed: true, threads: 2, heap: true, chunkBytes: 1, direct, dwTasks: g.batch * g.outHeight, subBandRows: 1 }, true);
          check(op, g, { relaxed: false, threads: 1, heap: false, chunkBytes: rowBytes * few, direct, dwTasks: 3, subBandRows: few }, true);
        }
      });
      it(`${op}: ${name}, real data within the float32 dot-product bound`, () => {
        for (const c of configsFor(op)) check(op, g, c, false, 11);
        check(op, g, { relaxed: true, threads: 2, heap: false, chunkBytes: 1, dwTasks: 3, subBandRows: 2 }, false, 11);
      });
    }
  }

  // The W4 benchmark model's convolutions (MNIST, batch 128). The second
  // one's columns (17.8 MB) take three chunks whose edges fall inside images.
  const W4: [string, Conv2DGeometry][] = [
    ['W4 conv1 28x28x1 -> 32', conv2dGeometry('conv2d', [128, 28, 28, 1], [3, 3, 1, 32], 1, 'valid', 1, 'conv')],
    ['W4 conv2 13x13x32 -> 64', conv2dGeometry('conv2d', [128, 13, 13, 32], [3, 3, 32, 64], 1, 'valid', 1, 'conv')],
  ];
  for (const [name, g] of W4) {
    for (const op of OPS) {
      it(`${op}: ${name}`, () => {
        check(op, g, { relaxed: true, threads: 2, heap: true }, true);
        check(op, g, { relaxed: false, threads: 1, heap: false }, false);
        check(op, g, { relaxed: false, threads: 2, heap: true, direct: true }, true);
        check(op, g, { relaxed: true, threads: 1, heap: true, direct: false }, false);
      });
    }
  }

  it('falls back to the TypeScript kernel when the heap is full', () => {
    const rt = configure({ relaxed: true, threads: 1, heap: false });
    const g = conv2dGeometry('conv2d', [2, 6, 6, 3], [3, 3, 3, 4], 1, 'same', 1, 'conv');
    const spy = vi.spyOn(rt.heap, 'alloc').mockReturnValue(-1);
    try {
      for (const op of OPS) {
        const { a, b, outLen } = operands(op, g, 3, true);
        const want = new Float64Array(outLen);
        tsKernel(op)(f64(a), f64(b), want, g);
        const got = new Float32Array(outLen).fill(12345.5);
        wasmKernel(op)(rt, a, b, got, g);
        expect(Array.from(got)).toEqual(Array.from(want));
      }
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('frees what it staged when only some blocks fit', () => {
    const rt = configure({ relaxed: true, threads: 1, heap: false });
    const g = conv2dGeometry('conv2d', [2, 6, 6, 3], [3, 3, 3, 4], 1, 'same', 1, 'conv');
    const real = rt.heap.alloc.bind(rt.heap);
    let calls = 0;
    const spy = vi.spyOn(rt.heap, 'alloc').mockImplementation((bytes: number) => (++calls === 3 ? -1 : real(bytes)));
    try {
      const used = rt.heap.usedBytes;
      const { a, b, outLen } = operands('forward', g, 3, true);
      const got = new Float32Array(outLen);
      wasmConv2d(rt, a, b, got, g);
      expect(rt.heap.usedBytes).toBe(used);
      const want = new Float64Array(outLen);
      conv2dKernel(f64(a), f64(b), want, g);
      expect(Array.from(got)).toEqual(Array.from(want));
    } finally {
      spy.mockRestore();
    }
  });

  it("falls back when the GEMM cannot get its scratch space, after staging succeeded", () => {
    const rt = configure({ relaxed: true, threads: 1, heap: false, direct: false });
    const g = conv2dGeometry('conv2d', [2, 6, 6, 3], [3, 3, 3, 4], 1, 'same', 1, 'conv');
    const real = rt.heap.alloc.bind(rt.heap);
    for (const op of OPS) {
      // Staging takes at most 4 blocks (columns + 3 arrays); the GEMM's come after.
      let calls = 0;
      const spy = vi.spyOn(rt.heap, 'alloc').mockImplementation((bytes: number) => (++calls > 4 ? -1 : real(bytes)));
      try {
        const used = rt.heap.usedBytes;
        const { a, b, outLen } = operands(op, g, 5, true);
        const want = new Float64Array(outLen);
        tsKernel(op)(f64(a), f64(b), want, g);
        const got = new Float32Array(outLen).fill(12345.5);
        wasmKernel(op)(rt, a, b, got, g);
        expect(calls, op).toBeGreaterThan(4);
        expect(rt.heap.usedBytes).toBe(used);
        expect(Array.from(got)).toEqual(Array.from(want));
      } finally {
        spy.mockRestore();
      }
    }
  });

  it('handles empty reductions and empty outputs like the TypeScript kernels', () => {
    const rt = configure({ relaxed: true, threads: 1, heap: false });
    const g0 = conv2dGeometry('conv2d', [2, 4, 4, 0], [3, 3, 0, 5], 1, 'same', 1, 'conv');
    const out = new Float32Array(2 * 4 * 4 * 5).fill(7);
    wasmConv2d(rt, new Float32Array(0), new Float32Array(0), out, g0);
    expect(out.every((v) => v === 0)).toBe(true);
    const g1 = conv2dGeometry('conv2d', [0, 4, 4, 2], [3, 3, 2, 5], 1, 'same', 1, 'conv');
    const dw = new Float32Array(3 * 3 * 2 * 5).fill(7);
    wasmConv2dBackpropFilter(rt, new Float32Array(0), new Float32Array(0), dw, g1);
    expect(dw.every((v) => v === 0)).toBe(true);
    const g2 = conv2dGeometry('conv2d', [1, 4, 4, 2], [3, 3, 2, 0], 1, 'same', 1, 'conv');
    const dx = new Float32Array(32).fill(7);
    wasmConv2dBackpropInput(rt, new Float32Array(0), new Float32Array(0), dx, g2);
    expect(dx.every((v) => v === 0)).toBe(true);
  });

  it('rejects arrays whose length does not match the geometry', () => {
    const rt = configure({ relaxed: true, threads: 1, heap: false });
    const g = conv2dGeometry('conv2d', [1, 4, 4, 2], [3, 3, 2, 3], 1, 'valid', 1, 'conv');
    expect(() => wasmConv2d(rt, new Float32Array(31), new Float32Array(54), new Float32Array(12), g)).toThrow(ShapeError);
    expect(() => wasmConv2d(rt, new Float32Array(31), new Float32Array(54), new Float32Array(12), g)).toThrow(/conv2d: expected x of 32 elements/);
    expect(() => wasmConv2dBackpropInput(rt, new Float32Array(12), new Float32Array(54), new Float32Array(33), g)).toThrow(ShapeError);
    expect(() => wasmConv2dBackpropFilter(rt, new Float32Array(32), new Float32Array(12), new Float32Array(53), g)).toThrow(ShapeError);
  });
});
