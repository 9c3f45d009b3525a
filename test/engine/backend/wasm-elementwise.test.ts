/**
 * The wasm elementwise and reduction kernels against the TypeScript ones:
 * every handled case must give the same bits (NaN compared as NaN), for the
 * programs of the real ops and for synthetic programs that reach every IR
 * function the compiler handles, over odd lengths, every broadcast pattern,
 * NaN/Infinity/-0/subnormal inputs, inputs on and off the heap, with relaxed
 * SIMD on and off.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as lm from '../../../src/index.js';
import type { TensorInfo } from '../../../src/engine/backend/backend.js';
import { runElementwise } from '../../../src/engine/backend/cpu/elementwise.js';
import { reduceKernels } from '../../../src/engine/backend/cpu/kernels/reduce.js';
import { ir, type ElementwiseProgram, type Expr } from '../../../src/engine/backend/kernel-ir.js';
import { exactness } from '../../../src/engine/backend/wasm/ew-compile.js';
import {
  EW_MIN_ELEMENTS,
  EW_STAGED_MIN_ELEMENTS,
  RED_STAGED_MIN_ELEMENTS,
  wasmElementwise,
  reduceGeometry,
  releaseStaging,
  wasmMax,
  wasmReduce,
  wasmSum,
  type EwInput,
} from '../../../src/engine/backend/wasm/elementwise.js';
import { getRuntime, type WasmRuntime } from '../../../src/engine/backend/wasm/runtime.js';
import { rng } from '../../helpers/rng.js';

const maybeRt = getRuntime();
const wasmOn = maybeRt !== null && maybeRt.shared;
const rt = maybeRt as WasmRuntime;

const LENGTHS = [1, 3, 5, 7, 17, 1001];

const SPECIALS = [
  NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.4028234663852886e38, -3.4028234663852886e38,
  1.401298464324817e-45, -1.401298464324817e-45, 1e-40, -1e-40, 1.1754943508222875e-38, 16777216, 16777218, -16777218,
  8388607.5, -8388607.5, 0.49999997, 1e30, -1e30, 1e-30, 3, 7, 0.1, -0.3,
];

/** Values: specials mixed with random float32s of widely varying magnitude. */
function values(n: number, seed: number): number[] {
  const next = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const u = next();
    if (u < 0.25) return SPECIALS[Math.floor(next() * SPECIALS.length)];
    if (u < 0.3) return SPECIALS[i % SPECIALS.length];
    const mag = 2 ** Math.floor(next() * 60 - 30);
    return Math.fround((next() * 2 - 1) * mag);
  });
}

const allocated: [number, number][] = [];

/** A float32 array on the heap (or an ordinary one) holding `vals`. */
function f32(vals: readonly number[], onHeap = true): Float32Array {
  if (!onHeap) return Float32Array.from(vals);
  const bytes = Math.max(4, vals.length * 4);
  const addr = rt.heap.alloc(bytes);
  expect(addr).toBeGreaterThan(0);
  allocated.push([addr, bytes]);
  const a = rt.heap.f32(addr, vals.length);
  a.set(vals);
  return a;
}

function input(shape: readonly number[], seed: number, onHeap = true): EwInput {
  const size = shape.reduce((a, b) => a * b, 1);
  return { data: f32(values(size, seed), onHeap), shape, dtype: 'float32', size };
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>, label: string): void {
  expect(a.length, `${label} length`).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (!Object.is(x, y)) expect.fail(`${label} [${i}]: wasm ${y}, TypeScript ${x}`);
  }
}

function broadcastShape(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    let size = 1;
    for (const s of shapes) {
      const k = d - (rank - s.length);
      if (k >= 0 && s[k] !== 1) size = s[k];
    }
    out.push(size);
  }
  return out;
}

/**
 * Runs `program` both ways and compares the bits; returns whether wasm
 * handled it.
 */
function check(program: ElementwiseProgram, inputs: EwInput[], params: Record<string, number> = {}, label = program.name, outOnHeap = true): boolean {
  const outShape = broadcastShape(inputs.map((x) => x.shape));
  const n = outShape.reduce((a, b) => a * b, 1);
  const want = new Float32Array(n);
  runElementwise(program, inputs, params, want, outShape, 'float32');
  const got = f32(new Array<number>(n).fill(12345), outOnHeap);
  const handled = wasmElementwise(rt, program, inputs, params, got, outShape, 1);
  if (handled) sameBits(want, got, `${label} ${JSON.stringify(inputs.map((x) => x.shape))}`);
  else expect(Array.from(got).every((v) => v === 12345), `${label}: nothing written when not handled`).toBe(true);
  return handled;
}

/** The programs of the real ops, captured from the CPU backend as the ops run. */
function captureOpPrograms(): Map<string, ElementwiseProgram> {
  const cpu = lm.getBackend('cpu') as unknown as { elementwise: (p: ElementwiseProgram, ...rest: unknown[]) => unknown };
  const captured = new Map<string, ElementwiseProgram>();
  const original = cpu.elementwise;
  cpu.elementwise = function (this: unknown, p: ElementwiseProgram, ...rest: unknown[]) {
    captured.set(p.name, p);
    return original.call(this, p, ...rest);
  };
  try {
    lm.tidy(() => {
      const x = lm.tensor([0.5, -1, 2]);
      const y = lm.tensor([1, 2, 3]);
      for (const f of [lm.neg, lm.abs, lm.sign, lm.exp, lm.sqrt, lm.rsqrt, lm.square, lm.reciprocal, lm.tanh, lm.sigmoid, lm.relu, lm.relu6, lm.elu, lm.floor, lm.ceil, lm.round, lm.log]) f(x);
      lm.leakyRelu(x, 0.2);
      lm.clipByValue(x, -0.5, 1);
      for (const f of [lm.add, lm.sub, lm.mul, lm.div, lm.floorDiv, lm.mod, lm.pow, lm.maximum, lm.minimum, lm.squaredDifference, lm.atan2]) f(x, y);
    });
  } finally {
    cpu.elementwise = original;
  }
  return captured;
}

/** Ops whose float32 programs wasm must handle. */
const HANDLED_OPS = [
  'neg', 'abs', 'sign', 'sqrt', 'rsqrt', 'square', 'reciprocal', 'relu', 'relu6', 'floor', 'ceil', 'round', 'leakyRelu', 'clipByValue',
  'add', 'sub', 'mul', 'div', 'floorDiv', 'maximum', 'minimum', 'squaredDifference',
];
/** Ops with functions the compiler leaves to TypeScript. */
const UNHANDLED_OPS = ['exp', 'tanh', 'sigmoid', 'elu', 'log', 'mod', 'pow', 'atan2'];

const x = ir.input(0);
const y = ir.input(1);
const z = ir.input(2);
/** Synthetic programs reaching every function the compiler handles, and its edge cases. */
const SYNTHETIC: ElementwiseProgram[] = [
  { name: 't_cmp_values', arity: 2, expr: ir.add(ir.add(ir.mul(ir.eq(x, y), 2), ir.mul(ir.ne(x, y), 3)), ir.add(ir.mul(ir.lt(x, y), 5), ir.add(ir.mul(ir.le(x, y), 7), ir.add(ir.mul(ir.gt(x, y), 11), ir.mul(ir.ge(x, y), 13))))) },
  { name: 't_logic', arity: 2, expr: ir.add(ir.and(x, y), ir.add(ir.mul(ir.or(x, y), 2), ir.mul(ir.not(x), 4))) },
  { name: 't_nan_finite', arity: 1, expr: ir.add(ir.isnan(x), ir.mul(ir.isfinite(x), 2)) },
  { name: 't_select_value_cond', arity: 3, expr: ir.select(x, y, z) },
  { name: 't_select_cmp', arity: 3, expr: ir.select(ir.le(x, y), z, ir.neg(z)) },
  { name: 't_sign_rsqrt', arity: 1, expr: ir.add(ir.sign(x), ir.rsqrt(x)) },
  { name: 't_sign', arity: 1, expr: ir.sign(x) },
  { name: 't_floordiv', arity: 2, expr: ir.floordiv(x, y) },
  { name: 't_cse', arity: 2, expr: ir.div(ir.mul(ir.add(x, y), ir.add(x, y)), ir.sub(ir.mul(ir.add(x, y), ir.add(x, y)), 1)) },
  { name: 't_chain_f64', arity: 3, expr: ir.add(ir.mul(x, y), z) },
  { name: 't_consts', arity: 1, expr: ir.add(ir.max(x, NaN), ir.min(ir.add(x, -0), Infinity)) },
  { name: 't_inexact_const', arity: 1, expr: ir.mul(x, 0.1) },
  { name: 't_exact_const', arity: 1, expr: ir.mul(x, 0.375) },
  { name: 't_minmax_top', arity: 2, expr: ir.max(ir.neg(ir.abs(ir.div(x, y))), ir.min(x, ir.sqrt(y))) },
  { name: 't_select_top', arity: 3, expr: ir.select(ir.gt(z, 0), ir.mul(x, y), ir.sub(x, y)) },
  { name: 't_round_exact', arity: 1, expr: ir.add(ir.round(x), ir.mul(ir.floor(x), ir.ceil(x))) },
  { name: 't_param', arity: 1, expr: ir.mul(ir.add(x, ir.param('a')), ir.param('b')) },
  { name: 't_identity', arity: 1, expr: x },
  { name: 't_const_only', arity: 1, expr: ir.c(2.5) },
];

describe.skipIf(!wasmOn)('wasm elementwise', () => {
  let programs: Map<string, ElementwiseProgram>;
  beforeAll(() => {
    programs = captureOpPrograms();
  });
  afterEach(() => {
    for (const [addr, bytes] of allocated.splice(0)) rt.heap.free(addr, bytes);
  });
  afterAll(() => {
    lm.configureCpu({ relaxedSimd: 'auto' });
  });

  const program = (name: string): ElementwiseProgram => {
    const p = programs.get(name);
    expect(p, `program of ${name}`).toBeDefined();
    return p!;
  };
  const paramsOf = (name: string): Record<string, number> =>
    name === 'leakyRelu' ? { alpha: 0.2 } : name === 'clipByValue' ? { min: -0.5, max: 1 } : {};

  for (const relaxed of [true, false]) {
    describe(`relaxed SIMD ${relaxed ? 'on' : 'off'}`, () => {
      beforeAll(() => {
        lm.configureCpu({ relaxedSimd: relaxed });
      });

      it('handles the ops it should, bit-identical over odd lengths', () => {
        for (const name of HANDLED_OPS) {
          const p = program(name);
          for (const n of LENGTHS) {
            const ins = Array.from({ length: p.arity }, (_, i) => input([n], n * 31 + i));
            expect(check(p, ins, paramsOf(name)), `${name} n=${n} handled`).toBe(true);
          }
        }
      });

      it('leaves functions it lacks to TypeScript', () => {
        for (const name of UNHANDLED_OPS) {
          const p = program(name);
          const ins = Array.from({ length: p.arity }, (_, i) => input([17], i));
          expect(check(p, ins), name).toBe(false);
        }
      });

      it('synthetic programs over every handled function', () => {
        for (const p of SYNTHETIC) {
          for (const n of LENGTHS) {
            const ins = Array.from({ length: p.arity }, (_, i) => input([n], n * 7 + i + 100));
            expect(check(p, ins, { a: 0.1, b: 3 }), `${p.name} n=${n}`).toBe(true);
          }
        }
      });

      it('params: float32 values and values float32 cannot hold', () => {
        const leaky = program('leakyRelu');
        const clip = program('clipByValue');
        for (const n of LENGTHS) {
          for (const alpha of [0.2, 0.25, 0.01, 1 / 3, 0]) expect(check(leaky, [input([n], n + 1)], { alpha }, `leakyRelu alpha=${alpha}`)).toBe(true);
          for (const [min, max] of [[-0.5, 1], [-0.1, 0.3], [0, 6], [-Infinity, Infinity]]) expect(check(clip, [input([n], n + 2)], { min, max }, `clip ${min} ${max}`)).toBe(true);
        }
        const tp = SYNTHETIC.find((p) => p.name === 't_param')!;
        for (const [a, b] of [[0.5, 2], [0.1, 3], [NaN, 1], [-0, Infinity], [1e-45, 0.3]]) expect(check(tp, [input([1001], 5)], { a, b })).toBe(true);
      });

      it('scalar (size-1) inputs on either side, on or off the heap', () => {
        for (const name of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'squaredDifference', 'floorDiv']) {
          const p = program(name);
          for (const n of LENGTHS) {
            for (const shape of [[], [1]]) {
              for (const onHeap of [true, false]) {
                for (const seed of [1, 2, 3]) {
                  expect(check(p, [input([n], n), input(shape, seed, onHeap)]), `${name} [${n}] op scalar`).toBe(true);
                  expect(check(p, [input(shape, seed, onHeap), input([n], n)]), `${name} scalar op [${n}]`).toBe(true);
                }
              }
            }
          }
        }
      });

      it('broadcast patterns: row vector (bias), column, rank 3 and 4', () => {
        const patterns: [number[], number[]][] = [];
        for (const n of LENGTHS) {
          patterns.push([[3, n], [n]], [[n], [5, n]], [[4, n], [4, 1]], [[4, 1], [4, n]], [[2, 3, n], [3, 1]], [[2, 1, n], [2, 3, 1]]);
          patterns.push([[2, 3, 2, n], [3, 1, n]], [[3, 1, 2, n], [2, 1]]);
        }
        for (const name of ['add', 'sub', 'mul', 'div', 'maximum', 'squaredDifference']) {
          const p = program(name);
          for (const [a, b] of patterns) {
            expect(check(p, [input(a, a.length * 3 + 1), input(b, b.length * 5 + 2)]), `${name} ${JSON.stringify([a, b])}`).toBe(true);
          }
        }
        const sel = SYNTHETIC.find((q) => q.name === 't_select_cmp')!;
        expect(check(sel, [input([4, 7], 1), input([7], 2), input([4, 1], 3)])).toBe(true);
        expect(check(sel, [input([1, 1], 1), input([5, 9], 2), input([9], 3)])).toBe(true);
      });

      it('arrays off the heap are copied in and out, and the copies freed', () => {
        releaseStaging(rt.heap);
        const used = rt.heap.usedBytes;
        for (const name of ['add', 'squaredDifference', 'relu']) {
          const p = program(name);
          for (const n of LENGTHS) {
            for (const mask of [1, 2, 3, 4, 5, 6, 7]) {
              const ins = Array.from({ length: p.arity }, (_, i) => input([n], n + i, (mask & (1 << i)) === 0));
              expect(check(p, ins, {}, `${name} mask ${mask}`, (mask & 4) === 0), `${name} n=${n} mask=${mask}`).toBe(true);
            }
            // A broadcast input off the heap.
            if (p.arity === 2) expect(check(p, [input([3, n], 1, false), input([n], 2, false)], {}, name, false)).toBe(true);
          }
        }
        // A copy larger than the kept staging area is allocated for the call and freed.
        expect(check(program('add'), [input([300000], 1, false), input([300000], 2, false)], {}, 'large staged', false)).toBe(true);
        for (const [addr, bytes] of allocated.splice(0)) rt.heap.free(addr, bytes);
        // What stays is the staging area kept for the next call (at most 1 MiB).
        expect(rt.heap.usedBytes - used).toBeLessThanOrEqual(1 << 20);
        releaseStaging(rt.heap);
        expect(rt.heap.usedBytes).toBe(used);
      });

      it('declines when the heap cannot hold the copies, writing nothing', () => {
        const add = program('add');
        const out = new Float32Array(2000).fill(7);
        const ins = [input([2000], 1, false), input([2000], 2, false)];
        const sumOut = f32([0]);
        releaseStaging(rt.heap);
        const used = rt.heap.usedBytes;
        const alloc = rt.heap.alloc;
        rt.heap.alloc = () => -1;
        try {
          expect(wasmElementwise(rt, add, ins, {}, out, [2000])).toBe(false);
          expect(wasmSum(rt, new Float32Array(5000), sumOut, 1, 5000, 1)).toBe(false);
        } finally {
          rt.heap.alloc = alloc;
        }
        expect(out.every((v) => v === 7)).toBe(true);
        expect(rt.heap.usedBytes).toBe(used);
      });

      it('declines a rank-5 broadcast plan, other dtypes, and small outputs by default', () => {
        const add = program('add');
        expect(check(add, [input([2, 3, 2, 3, 2], 1), input([1, 3, 1, 3, 1], 2)])).toBe(false);
        // int32 input, float32 output.
        const ints: EwInput = { data: Int32Array.from([1, 2, 3]), shape: [3], dtype: 'int32', size: 3 };
        expect(wasmElementwise(rt, add, [ints, input([3], 1)], {}, f32([0, 0, 0]), [3], 1)).toBe(false);
        // Default size thresholds: on the heap, and with an array off it.
        expect(EW_MIN_ELEMENTS).toBeLessThan(EW_STAGED_MIN_ELEMENTS);
        const on = (n: number) => [input([n], 1), input([n], 2)];
        expect(wasmElementwise(rt, add, on(EW_MIN_ELEMENTS - 1), {}, f32(new Array(EW_MIN_ELEMENTS - 1).fill(0)), [EW_MIN_ELEMENTS - 1])).toBe(false);
        expect(wasmElementwise(rt, add, on(EW_MIN_ELEMENTS), {}, f32(new Array(EW_MIN_ELEMENTS).fill(0)), [EW_MIN_ELEMENTS])).toBe(true);
        const m = EW_STAGED_MIN_ELEMENTS;
        expect(wasmElementwise(rt, add, on(m - 1), {}, new Float32Array(m - 1), [m - 1])).toBe(false);
        expect(wasmElementwise(rt, add, on(m), {}, new Float32Array(m), [m])).toBe(true);
      });

      it('the float32 path is chosen only for programs where it is exact', () => {
        const p = (name: string) => program(name).expr;
        expect(exactness(p('add'), {})).toBe('top');
        expect(exactness(p('relu'), {})).toBe('exact');
        expect(exactness(p('square'), {})).toBe('top');
        expect(exactness(p('squaredDifference'), {})).toBe('no');
        expect(exactness(p('rsqrt'), {})).toBe('no');
        expect(exactness(p('floorDiv'), {})).toBe('no');
        expect(exactness(p('leakyRelu'), { alpha: 0.2 })).toBe('no');
        expect(exactness(p('leakyRelu'), { alpha: 0.25 })).toBe('top');
        expect(exactness(ir.gt(ir.mul(x, y), 0) as Expr, {})).toBe('no');
      });
    });
  }
});

/** The TypeScript reduction of `[outer, reduced, inner]` over axis 1. */
function tsReduce(op: 'sum' | 'max', x: Float32Array, outer: number, reduced: number, inner: number): Float32Array {
  const info: TensorInfo<Float32Array> = { data: x, shape: [outer, reduced, inner], dtype: 'float32', size: x.length };
  const kernel = reduceKernels[op] as unknown as (i: TensorInfo<Float32Array>[], p: { axes: number[] }, o: { shape: number[]; dtype: 'float32' }[]) => Float32Array[];
  return kernel([info], { axes: [1] }, [{ shape: [outer, inner], dtype: 'float32' }])[0];
}

function reductionValues(n: number, mode: string, seed: number): number[] {
  const next = rng(seed);
  switch (mode) {
    case 'random':
      return Array.from({ length: n }, () => Math.fround((next() - 0.5) * 2 ** Math.floor(next() * 40 - 20)));
    case 'special':
      return values(n, seed);
    case 'zeros':
      return Array.from({ length: n }, () => (next() < 0.5 ? -0 : 0));
    case 'order': {
      // Terms far apart in magnitude: float64 drops small ones depending on
      // when they are added, so any change of summation order shows.
      const pool = [2 ** 60, -(2 ** 60), 2 ** 55, -(2 ** 55), 2 ** 8, 1, -3, 0.75];
      return Array.from({ length: n }, () => pool[Math.floor(next() * pool.length)]);
    }
    case 'negative':
      return Array.from({ length: n }, () => (next() < 0.3 ? -0 : -1 - next()));
    default: // cancellation: float64 accumulation must keep the small terms
      return Array.from({ length: n }, (_, i) => (i % 2 ? 1e8 : -1e8) + (i % 3));
  }
}

describe.skipIf(!wasmOn)('wasm reductions', () => {
  afterEach(() => {
    for (const [addr, bytes] of allocated.splice(0)) rt.heap.free(addr, bytes);
  });
  afterAll(() => {
    lm.configureCpu({ relaxedSimd: 'auto' });
  });
  const GEOMETRIES: [number, number, number][] = [];
  for (const r of LENGTHS) {
    GEOMETRIES.push([1, r, 1], [3, r, 1], [1, r, 3], [1, r, 8], [1, r, 17], [2, r, 12], [2, r, 5]);
  }
  GEOMETRIES.push([1, 1, 1001], [5, 1, 3], [1, 2, 33], [1001, 3, 1]);
  const MODES = ['random', 'special', 'zeros', 'negative', 'cancel', 'order'];

  for (const relaxed of [true, false]) {
    describe(`relaxed SIMD ${relaxed ? 'on' : 'off'}`, () => {
      beforeAll(() => {
        lm.configureCpu({ relaxedSimd: relaxed });
      });

      it('sum over [outer, reduced, inner] is bit-identical to the TypeScript sum', () => {
        let seed = 1;
        for (const [o, r, i] of GEOMETRIES) {
          for (const mode of MODES) {
            const x = f32(reductionValues(o * r * i, mode, seed++));
            const out = f32(new Array<number>(o * i).fill(777));
            expect(wasmSum(rt, x, out, o, r, i, 1), `sum ${o},${r},${i}`).toBe(true);
            sameBits(tsReduce('sum', x, o, r, i), out, `sum ${mode} [${o},${r},${i}]`);
          }
        }
      });

      it('sum keeps the TypeScript order exactly (partial sums and their combination)', () => {
        // Short rows of terms far apart in magnitude: the four partial sums
        // differ wildly, so any other grouping rounds differently.
        const pool = [2 ** 60, -(2 ** 60), 2 ** 30, -(2 ** 29), 1, 0.75];
        for (const len of [4, 5, 6, 7, 8, 9, 12, 13]) {
          const rows = 300;
          const next = rng(len);
          const x = f32(Array.from({ length: rows * len }, () => pool[Math.floor(next() * pool.length)]));
          const out = f32(new Array<number>(rows).fill(0));
          expect(wasmSum(rt, x, out, rows, len, 1, 1)).toBe(true);
          sameBits(tsReduce('sum', x, rows, len, 1), out, `sum rows of ${len}`);
          // The same data as [len, rows], summed down its columns (leading axis).
          const cols = f32(new Array<number>(rows).fill(0));
          expect(wasmSum(rt, x, cols, 1, len, rows, 1)).toBe(true);
          sameBits(tsReduce('sum', x, 1, len, rows), cols, `sum columns of ${len}`);
        }
      });

      it('max over the last axis is bit-identical to the TypeScript max (NaN, the sign of a zero maximum)', () => {
        let seed = 1000;
        for (const [o, r, i] of GEOMETRIES) {
          if (i !== 1) continue;
          for (const mode of MODES) {
            const x = f32(reductionValues(o * r, mode, seed++));
            const out = f32(new Array<number>(o).fill(777));
            expect(wasmMax(rt, x, out, o, r, 1), `max ${o},${r}`).toBe(true);
            sameBits(tsReduce('max', x, o, r, 1), out, `max ${mode} [${o},${r}]`);
          }
        }
        // Zero maxima: the first zero decides the sign.
        for (const row of [[-0, 0, -1], [0, -0], [-1, -0, -2, 0, -3], [-5, -6, -7, -8, -0, 0, -1, -2, 0]]) {
          const x = f32(row);
          const out = f32([777]);
          wasmMax(rt, x, out, 1, row.length, 1);
          sameBits(tsReduce('max', x, 1, row.length, 1), out, `max ${JSON.stringify(row)}`);
        }
      });

      it('wasmReduce over axes matches the TypeScript sum and max for every collapsible pattern', () => {
        const cases: [number[], number[]][] = [
          [[1001], [0]], [[7, 5], [1]], [[7, 5], [0]], [[3, 4, 5], [1]], [[3, 4, 5], [0, 1]], [[3, 4, 5], [1, 2]],
          [[2, 3, 4, 5], [1, 2]], [[2, 1, 3], [0, 1]], [[4, 1, 6], [2]], [[64, 10], [1]], [[32, 3, 3, 8], [0, 1, 2]],
          [[3, 4, 5], [0, 2]], [[5, 3], []], [[5, 1], [1]], [[1], [0]],
        ];
        let seed = 77;
        for (const [shape, axes] of cases) {
          const size = shape.reduce((a, b) => a * b, 1);
          const keptSize = shape.filter((_, d) => !axes.includes(d)).reduce((a, b) => a * b, 1);
          const x = f32(reductionValues(size, 'special', seed++));
          const info: TensorInfo<Float32Array> = { data: x, shape, dtype: 'float32', size };
          const outMeta = [{ shape: shape.filter((_, d) => !axes.includes(d)), dtype: 'float32' as const }];
          for (const op of ['sum', 'max'] as const) {
            const out = f32(new Array<number>(keptSize).fill(777));
            const handled = wasmReduce(rt, op, x, shape, axes, out);
            const geometry = reduceGeometry(shape, axes);
            expect(handled, `${op} ${JSON.stringify([shape, axes])}`).toBe(geometry !== null && (op === 'sum' || geometry[2] === 1));
            if (!handled) {
              expect(out.every((v) => v === 777)).toBe(true);
              continue;
            }
            const kernel = reduceKernels[op] as unknown as (i: TensorInfo<Float32Array>[], p: { axes: number[] }, o: typeof outMeta) => Float32Array[];
            sameBits(kernel([info], { axes }, outMeta)[0], out, `${op} ${JSON.stringify([shape, axes])}`);
          }
        }
        expect(reduceGeometry([3, 4, 5], [0, 2])).toBeNull();
        expect(reduceGeometry([5, 3], [])).toBeNull();
        expect(reduceGeometry([32, 3, 3, 8], [0, 1, 2])).toEqual([1, 288, 8]);
      });

      it('reduces arrays off the heap through copies; declines mismatched sizes and empty reductions', () => {
        releaseStaging(rt.heap);
        const used = rt.heap.usedBytes;
        for (const [o, r, i] of [[2, 17, 1], [1, 33, 5], [3, 7, 1]]) {
          for (const [xOn, outOn] of [[false, false], [false, true], [true, false]]) {
            const x = f32(reductionValues(o * r * i, 'special', o + r + i), xOn);
            const out = f32(new Array<number>(o * i).fill(777), outOn);
            expect(wasmSum(rt, x, out, o, r, i, 1)).toBe(true);
            sameBits(tsReduce('sum', x, o, r, i), out, `staged sum [${o},${r},${i}]`);
            if (i === 1) {
              expect(wasmMax(rt, x, out, o, r, 1)).toBe(true);
              sameBits(tsReduce('max', x, o, r, 1), out, `staged max [${o},${r}]`);
            }
          }
        }
        for (const [addr, bytes] of allocated.splice(0)) rt.heap.free(addr, bytes);
        releaseStaging(rt.heap);
        expect(rt.heap.usedBytes).toBe(used);
        // Small reductions off the heap stay in TypeScript by default.
        expect(wasmSum(rt, new Float32Array(RED_STAGED_MIN_ELEMENTS - 1), f32([0]), 1, RED_STAGED_MIN_ELEMENTS - 1, 1)).toBe(false);
        expect(wasmSum(rt, new Float32Array(RED_STAGED_MIN_ELEMENTS), f32([0]), 1, RED_STAGED_MIN_ELEMENTS, 1)).toBe(true);
        const x = f32([1, 2, 3, 4]);
        const out = f32([0, 0]);
        expect(wasmSum(rt, x, out, 1, 3, 1, 1)).toBe(false);
        expect(wasmSum(rt, x, out, 2, 0, 1, 1)).toBe(false);
        expect(wasmSum(rt, Int32Array.from([1, 2, 3, 4]), out, 2, 2, 1, 1)).toBe(false);
        expect(wasmMax(rt, x, out, 4, 1, 1)).toBe(false);
        expect(Array.from(out)).toEqual([0, 0]);
      });
    });
  }
});
