/**
 * The wasm float32 pooling kernels against the TypeScript kernels on the
 * same float32 arrays: the results must be identical, bit for bit (`-0`
 * against `+0` included; NaN against NaN, payloads aside), with ties, NaN,
 * ±Infinity and signed zeros in the data, under every kernel configuration
 * (relaxed SIMD on/off, 1 or 2 threads, forced band splitting, arrays on or
 * off the heap).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rng } from '../../helpers/rng.js';
import { pool2dGeometry, type Conv2DGeometry, type PaddingMode } from '../../../src/engine/conv-geometry.js';
import {
  avgPoolBackpropKernel,
  avgPoolKernel,
  maxPoolBackpropKernel,
  maxPoolKernel,
} from '../../../src/engine/backend/cpu/kernels/pool.js';
import { configureCpu, getNumThreads, getRuntime, setNumThreads, type WasmRuntime } from '../../../src/engine/backend/wasm/runtime.js';
import { poolTuning, wasmAvgPool, wasmAvgPoolGrad, wasmMaxPool, wasmMaxPoolGrad } from '../../../src/engine/backend/wasm/pool.js';
import { ShapeError } from '../../../src/engine/errors.js';

const rt0 = getRuntime();
const initialThreads = getNumThreads();

afterEach(() => {
  poolTuning.tasks = 0;
  vi.restoreAllMocks();
});
afterAll(() => {
  configureCpu({ relaxedSimd: 'auto' });
  setNumThreads(initialThreads);
});

type Op = 'maxPool' | 'maxPoolGrad' | 'avgPool' | 'avgPoolGrad';
const OPS: Op[] = ['maxPool', 'maxPoolGrad', 'avgPool', 'avgPoolGrad'];
type Data = 'ties' | 'special' | 'real';
const DATA: Data[] = ['ties', 'special', 'real'];

const xLen = (g: Conv2DGeometry): number => g.batch * g.inHeight * g.inWidth * g.inChannels;
const yLen = (g: Conv2DGeometry): number => g.batch * g.outHeight * g.outWidth * g.outChannels;

/**
 * Test data: `ties` are small integers and signed zeros (many equal maxima),
 * `special` mixes in NaN and ±Infinity, `real` is uniform in [-1, 1) (for
 * the rounding of averages).
 */
function data(n: number, seed: number, kind: Data): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    if (kind === 'real') a[i] = u * 2 - 1;
    else if (kind === 'special' && u < 0.06) a[i] = NaN;
    else if (kind === 'special' && u < 0.1) a[i] = -Infinity;
    else if (kind === 'special' && u < 0.12) a[i] = Infinity;
    else if (u < 0.3) a[i] = r() < 0.5 ? -0 : 0;
    else a[i] = Math.floor(r() * 5) - 2;
  }
  return a;
}

/** The op's inputs (x, or dy then x, or dy) and its output length. */
function inputs(op: Op, g: Conv2DGeometry, kind: Data, seed: number): { ins: Float32Array[]; outLen: number } {
  const x = data(xLen(g), seed, kind);
  const dy = data(yLen(g), seed + 1, kind);
  if (op === 'maxPool' || op === 'avgPool') return { ins: [x], outLen: yLen(g) };
  if (op === 'maxPoolGrad') return { ins: [dy, x], outLen: xLen(g) };
  return { ins: [dy], outLen: xLen(g) };
}

function runTs(op: Op, ins: Float32Array[], out: Float32Array, g: Conv2DGeometry): void {
  if (op === 'maxPool') maxPoolKernel(ins[0], out, g);
  else if (op === 'avgPool') avgPoolKernel(ins[0], out, g);
  else if (op === 'maxPoolGrad') maxPoolBackpropKernel(ins[0], ins[1], out, g);
  else avgPoolBackpropKernel(ins[0], out, g);
}

function runWasm(rt: WasmRuntime, op: Op, ins: Float32Array[], out: Float32Array, g: Conv2DGeometry): void {
  if (op === 'maxPool') wasmMaxPool(rt, ins[0], out, g);
  else if (op === 'avgPool') wasmAvgPool(rt, ins[0], out, g);
  else if (op === 'maxPoolGrad') wasmMaxPoolGrad(rt, ins[0], ins[1], out, g);
  else wasmAvgPoolGrad(rt, ins[0], out, g);
}

/** Inputs and the TypeScript result, memoised per case. */
const refs = new Map<string, { ins: Float32Array[]; want: Float32Array }>();
function reference(op: Op, g: Conv2DGeometry, kind: Data, seed: number): { ins: Float32Array[]; want: Float32Array } {
  const key = `${op} ${JSON.stringify(g)} ${kind} ${seed}`;
  let r = refs.get(key);
  if (!r) {
    const { ins, outLen } = inputs(op, g, kind, seed);
    const want = new Float32Array(outLen).fill(777);
    runTs(op, ins, want, g);
    r = { ins, want };
    if (refs.size > 16) refs.clear();
    refs.set(key, r);
  }
  return r;
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

/** Same bits, except that any NaN matches any NaN. */
function sameValue(a: number, b: number): boolean {
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
}

interface Config {
  threads: number;
  heap: boolean;
  /** Split into bands even below the work threshold (minParallelWork 0). */
  split: boolean;
  /** Force this many bands (poolTuning.tasks). */
  tasks?: number;
}

const CONFIGS: Config[] = [];
for (const threads of [1, 2]) {
  for (const heap of [true, false]) {
    for (const split of [false, true]) CONFIGS.push({ threads, heap, split });
  }
}

function check(rt: WasmRuntime, op: Op, g: Conv2DGeometry, c: Config, kind: Data, seed = 5): void {
  setNumThreads(c.threads);
  poolTuning.tasks = c.tasks ?? 0;
  const spy = c.split ? vi.spyOn(rt, 'minParallelWork').mockReturnValue(0) : null;
  const { ins, want } = reference(op, g, kind, seed);
  const frees: (() => void)[] = [];
  let got: Float32Array;
  try {
    if (c.heap) {
      const hins = ins.map((a) => {
        const [h, free] = onHeap(rt, a);
        frees.push(free);
        return h;
      });
      const [out, free] = onHeap(rt, want.length);
      frees.push(free);
      runWasm(rt, op, hins, out, g);
      got = out.slice();
    } else {
      got = new Float32Array(want.length).fill(12345.5);
      const used = rt.heap.usedBytes;
      runWasm(rt, op, ins, got, g);
      expect(rt.heap.usedBytes, 'temporaries freed').toBe(used);
    }
  } finally {
    for (const free of frees) free();
    spy?.mockRestore();
    poolTuning.tasks = 0;
  }
  for (let i = 0; i < want.length; i++) {
    if (!sameValue(got[i], want[i])) {
      expect.fail(`${op} ${kind} ${JSON.stringify(c)} relaxed=${rt.relaxed}: element ${i} is ${Object.is(got[i], -0) ? '-0' : got[i]}, want ${Object.is(want[i], -0) ? '-0' : want[i]}`);
    }
  }
}

type Case = [string, number[], number | [number, number], number | [number, number], PaddingMode];
const CASES: Case[] = [
  ['pool 2 stride 2 valid, 1 channel', [1, 5, 5, 1], 2, 2, 'valid'],
  ['pool 3 stride 1 same, 3 channels, batch 3', [3, 7, 6, 3], 3, 1, 'same'],
  ['pool 3 stride 2 same, 4 channels', [1, 9, 8, 4], 3, 2, 'same'],
  ['pool 2 stride 3 valid (gaps), 5 channels, batch 3', [3, 10, 11, 5], 2, 3, 'valid'],
  ['pool 3 stride 3 same, 32 channels', [1, 6, 7, 32], 3, 3, 'same'],
  ['pool [3,2] stride [1,2] same, 5 channels, batch 3', [3, 8, 9, 5], [3, 2], [1, 2], 'same'],
  ['pool 2 stride 1 valid (overlap), 32 channels', [1, 7, 7, 32], 2, 1, 'valid'],
  ['pool 3 stride 2, uneven explicit padding, 36 channels, batch 3', [3, 5, 6, 36], 3, 2, [[1, 2], [2, 0]]],
  ['pool [2,3] stride [2,1] pad 1, 7 channels', [1, 4, 5, 7], [2, 3], [2, 1], 1],
  ['window larger than the input, same', [2, 1, 2, 3], 3, 1, 'same'],
  ['pool 2 stride 2 same, odd sizes, 20 channels', [3, 7, 9, 20], 2, 2, 'same'],
];

/** Geometries pool2dGeometry does not make: dilated windows, and windows entirely in padding (-Infinity / NaN / no gradient). */
const HAND_MADE: [string, Conv2DGeometry][] = [
  ['dilation 2, 5 channels', {
    ...pool2dGeometry('p', [2, 9, 9, 5], 3, 1, 'valid'),
    dilationHeight: 2, dilationWidth: 2, padTop: 2, padBottom: 2, padLeft: 2, padRight: 2, outHeight: 9, outWidth: 9,
  }],
  ['dilation [2,3] stride 2, 6 channels', {
    ...pool2dGeometry('p', [1, 11, 12, 6], 2, 2, 'valid'),
    dilationHeight: 2, dilationWidth: 3, padTop: 1, padBottom: 0, padLeft: 0, padRight: 0, outHeight: 5, outWidth: 5,
  }],
  ['windows entirely in padding, 5 channels', {
    ...pool2dGeometry('p', [2, 4, 4, 5], 2, 1, 'valid'),
    padTop: 3, padBottom: 0, padLeft: 2, padRight: 3, outHeight: 6, outWidth: 8,
  }],
];

const GEOMETRIES: [string, Conv2DGeometry][] = [
  ...CASES.map(([name, xs, k, s, pad]): [string, Conv2DGeometry] => [name, pool2dGeometry('p', xs, k, s, pad)]),
  ...HAND_MADE,
];

describe.runIf(rt0 !== null)('wasm pooling kernels', () => {
  for (const relaxed of [true, false]) {
    describe(`relaxed SIMD ${relaxed ? 'on' : 'off'}`, () => {
      beforeAll(() => {
        configureCpu({ relaxedSimd: relaxed });
      });

      for (const [name, g] of GEOMETRIES) {
        it(`${name}: identical to TypeScript`, () => {
          const rt = getRuntime()!;
          expect(rt.relaxed).toBe(relaxed);
          for (const op of OPS) {
            for (const kind of DATA) {
              for (const c of CONFIGS) check(rt, op, g, c, kind);
              // One band per row (dx rows for the gradients), and bands of a few rows.
              const rows = g.batch * (op.endsWith('Grad') ? g.inHeight : g.outHeight);
              check(rt, op, g, { threads: 2, heap: true, split: true, tasks: rows }, kind);
              check(rt, op, g, { threads: 1, heap: false, split: true, tasks: 3 }, kind);
            }
          }
        });
      }
    });
  }

  // The W4 benchmark model's pools (MNIST CNN, batch 128).
  const W4: [string, Conv2DGeometry][] = [
    ['W4 pool1 [128,26,26,32]', pool2dGeometry('maxPool', [128, 26, 26, 32], 2, 2, 'valid')],
    ['W4 pool2 [128,11,11,64]', pool2dGeometry('maxPool', [128, 11, 11, 64], 2, 2, 'valid')],
  ];
  for (const [name, g] of W4) {
    it(`${name}: identical to TypeScript`, () => {
      configureCpu({ relaxedSimd: 'auto' });
      const rt = getRuntime()!;
      for (const op of OPS) {
        check(rt, op, g, { threads: 2, heap: true, split: false }, 'special');
        check(rt, op, g, { threads: 1, heap: false, split: false }, 'ties');
        check(rt, op, g, { threads: 2, heap: false, split: true, tasks: 7 }, 'real');
      }
    });
  }

  it('falls back to the TypeScript kernels when the heap is full', () => {
    const rt = getRuntime()!;
    setNumThreads(1);
    const g = pool2dGeometry('p', [2, 6, 6, 5], 3, 2, 'same');
    const spy = vi.spyOn(rt.heap, 'alloc').mockReturnValue(-1);
    try {
      for (const op of OPS) {
        const { ins, want } = reference(op, g, 'special', 9);
        const got = new Float32Array(want.length).fill(12345.5);
        runWasm(rt, op, ins, got, g);
        for (let i = 0; i < want.length; i++) expect(sameValue(got[i], want[i]), `${op} element ${i}`).toBe(true);
      }
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('frees what it staged when only some blocks fit', () => {
    const rt = getRuntime()!;
    setNumThreads(1);
    const g = pool2dGeometry('p', [2, 6, 6, 5], 2, 2, 'valid');
    const real = rt.heap.alloc.bind(rt.heap);
    for (const op of OPS) {
      let calls = 0;
      // The last array's block fails.
      const blocks = op === 'maxPoolGrad' ? 3 : 2;
      const spy = vi.spyOn(rt.heap, 'alloc').mockImplementation((bytes: number) => (++calls === blocks ? -1 : real(bytes)));
      try {
        const used = rt.heap.usedBytes;
        const { ins, want } = reference(op, g, 'ties', 3);
        const got = new Float32Array(want.length).fill(12345.5);
        runWasm(rt, op, ins, got, g);
        expect(rt.heap.usedBytes, op).toBe(used);
        for (let i = 0; i < want.length; i++) expect(sameValue(got[i], want[i]), `${op} element ${i}`).toBe(true);
      } finally {
        spy.mockRestore();
      }
    }
  });

  it('handles empty arrays like the TypeScript kernels', () => {
    const rt = getRuntime()!;
    const g0 = pool2dGeometry('p', [2, 4, 4, 0], 2, 2, 'valid');
    wasmMaxPool(rt, new Float32Array(0), new Float32Array(0), g0);
    wasmAvgPool(rt, new Float32Array(0), new Float32Array(0), g0);
    wasmMaxPoolGrad(rt, new Float32Array(0), new Float32Array(0), new Float32Array(0), g0);
    wasmAvgPoolGrad(rt, new Float32Array(0), new Float32Array(0), g0);
    // No output cells (a hand-made geometry; pool2dGeometry refuses it): dx is all zeros.
    const g1: Conv2DGeometry = { ...pool2dGeometry('p', [1, 1, 3, 2], 1, 2, 'valid'), outHeight: 0 };
    const dx = new Float32Array(6).fill(7);
    wasmMaxPoolGrad(rt, new Float32Array(0), new Float32Array(6), dx, g1);
    expect(Array.from(dx)).toEqual([0, 0, 0, 0, 0, 0]);
    dx.fill(7);
    wasmAvgPoolGrad(rt, new Float32Array(0), dx, g1);
    expect(Array.from(dx)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('rejects arrays whose length does not match the geometry', () => {
    const rt = getRuntime()!;
    const g = pool2dGeometry('p', [1, 4, 4, 2], 2, 2, 'valid');
    expect(() => wasmMaxPool(rt, new Float32Array(31), new Float32Array(8), g)).toThrow(ShapeError);
    expect(() => wasmMaxPool(rt, new Float32Array(31), new Float32Array(8), g)).toThrow(/maxPool: expected x of 32 elements/);
    expect(() => wasmAvgPool(rt, new Float32Array(32), new Float32Array(9), g)).toThrow(/avgPool: expected out of 8 elements/);
    expect(() => wasmMaxPoolGrad(rt, new Float32Array(8), new Float32Array(32), new Float32Array(31), g)).toThrow(/maxPoolGrad: expected dx of 32/);
    expect(() => wasmAvgPoolGrad(rt, new Float32Array(7), new Float32Array(32), g)).toThrow(/avgPoolGrad: expected dy of 8/);
  });
});
