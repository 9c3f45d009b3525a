/**
 * The wasm SIMD GEMM (`gemm.ts`) and the float32 matMul on top of it
 * (`wasm/matmul.ts`), against a float64 reference.
 *
 * Tolerance: every output is a float32 sum of k products (plus C when
 * accumulating). Recursive float32 summation errs by at most
 * γ_k·Σ|terms| with γ_k = k·u/(1-k·u), u = 2^-24, and each product adds at
 * most u·|term| (none when relaxed_madd fuses); the dot-product kernel's
 * 4-lane partial sums and pairwise lane sum only shorten the chains. So
 * `|got - exact| <= (k + 2)·2^-23·Σ|terms|` is a bound with a factor-2
 * margin, not a guess; an indexing bug (a wrong or missing term) shows up
 * as an error of the order of one whole term, far above it for these
 * [-1, 1) inputs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../helpers/rng.js';
import { configureCpu, getCpuInfo, getNumThreads, getRuntime, setNumThreads, type WasmRuntime } from '../../../src/engine/backend/wasm/runtime.js';
import { gemm, GEMM_CONFIG, GEMM_PARALLEL_MIN_WORK, GemmHeapFull, gemmTuning, type GemmSpec } from '../../../src/engine/backend/wasm/gemm.js';
import { wasmMatMul } from '../../../src/engine/backend/wasm/matmul.js';
import { matMulKernel, type MatMulArgs } from '../../../src/engine/backend/cpu/kernels/matmul.js';
import { ShapeError, ValueError } from '../../../src/engine/errors.js';

const rt0 = getRuntime();
const wasmOn = rt0 !== null;
const rt = (): WasmRuntime => getRuntime()!;
const TRANSPOSES: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

function random(size: number, seed: number): Float32Array {
  const next = rng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = next() * 2 - 1;
  return out;
}

/** A heap array with `values`, freed by `freeAll`. */
const live: [number, number][] = [];
function onHeap(values: Float32Array | number): Float32Array {
  const heap = rt().heap;
  const length = typeof values === 'number' ? values : values.length;
  const addr = heap.alloc(Math.max(1, length) * 4);
  if (addr < 0) throw new Error('test heap allocation failed');
  live.push([addr, Math.max(1, length) * 4]);
  const view = heap.f32(addr, length);
  if (typeof values !== 'number') view.set(values);
  return view;
}
function freeAll(): void {
  for (const [addr, bytes] of live) rt().heap.free(addr, bytes);
  live.length = 0;
}

/** Float64 reference of `matMulKernel`'s contract, with Σ|terms| per output (plus |C| when accumulating). */
function reference(a: Float32Array, b: Float32Array, args: MatMulArgs, c0?: Float32Array): { value: Float64Array; abs: Float64Array } {
  const { m, n, k, batch, transposeA, transposeB, aOffsets, bOffsets } = args;
  const value = new Float64Array(batch * m * n);
  const abs = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const o = (t * m + i) * n + j;
        let s = c0 ? c0[o] : 0;
        let sa = Math.abs(s);
        for (let p = 0; p < k; p++) {
          const x = transposeA ? a[aOffsets[t] + p * m + i] : a[aOffsets[t] + i * k + p];
          const y = transposeB ? b[bOffsets[t] + j * k + p] : b[bOffsets[t] + p * n + j];
          s += x * y;
          sa += Math.abs(x * y);
        }
        value[o] = s;
        abs[o] = sa;
      }
    }
  }
  return { value, abs };
}

function expectClose(got: Float32Array, ref: { value: Float64Array; abs: Float64Array }, k: number, what: string): void {
  let bad = -1;
  for (let o = 0; o < ref.value.length; o++) {
    const tol = (k + 2) * 2 ** -23 * ref.abs[o];
    if (!(Math.abs(got[o] - ref.value[o]) <= tol)) {
      bad = o;
      break;
    }
  }
  if (bad >= 0) {
    expect.fail(`${what}: element ${bad} is ${got[bad]}, expected ${ref.value[bad]} (Σ|terms| ${ref.abs[bad]})`);
  }
}

function args(m: number, n: number, k: number, transposeA: boolean, transposeB: boolean, batch = 1, aOffsets: number[] = [0], bOffsets: number[] = [0]): MatMulArgs {
  return { m, n, k, transposeA, transposeB, batch, aOffsets, bOffsets };
}

/** One product through `gemm` with dense heap operands, checked against the reference. */
function check(m: number, n: number, k: number, tA: boolean, tB: boolean, seed: number): void {
  const a = onHeap(random(m * k, seed));
  const b = onHeap(random(k * n, seed + 1));
  const out = onHeap(random(m * n, seed + 2)); // garbage that must be overwritten
  gemm(rt(), {
    m, n, k, a: a.byteOffset, lda: tA ? m : k, transA: tA, b: b.byteOffset, ldb: tB ? k : n, transB: tB,
    c: out.byteOffset, ldc: n, accumulate: false,
  });
  expectClose(out, reference(a, b, args(m, n, k, tA, tB)), k, `[${m}x${k}]${tA ? 'ᵀ' : ''}·[${k}x${n}]${tB ? 'ᵀ' : ''}`);
}

/** Waits (up to 5 s) for a worker thread, so the threaded tests really run on two threads where the platform has them. */
async function workersUp(): Promise<void> {
  setNumThreads(2);
  const r = rt();
  if (!r.shared) return;
  const big = onHeap(600 * 600);
  for (let i = 0; i < 100 && getCpuInfo().workersReady === 0; i++) {
    wasmMatMul(r, big, big, onHeap(600 * 600), args(600, 600, 600, false, false));
    await new Promise((done) => setTimeout(done, 50));
  }
  freeAll();
}

const SMALL = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 33, 70];

describe.skipIf(!wasmOn)('wasm gemm', () => {
  const threads0 = getNumThreads();
  afterAll(() => {
    configureCpu({ relaxedSimd: 'auto' });
    setNumThreads(threads0);
    freeAll();
  });

  for (const relaxed of [true, false]) {
    describe(relaxed ? 'relaxed SIMD (where supported)' : 'mul + add', () => {
      it('matches the reference for every small shape and transpose', () => {
        configureCpu({ relaxedSimd: relaxed });
        if (!relaxed) expect(rt().relaxed).toBe(false);
        let seed = 1;
        for (const [tA, tB] of TRANSPOSES) {
          for (const m of SMALL) {
            for (const n of SMALL) {
              for (const k of [1, 3, 8, 17]) check(m, n, k, tA, tB, seed++);
            }
          }
        }
        freeAll();
      });

      it('sends thin products through the packed path correctly too', () => {
        configureCpu({ relaxedSimd: relaxed });
        gemmTuning.smallPath = false;
        try {
          let seed = 50;
          for (const [tA, tB] of TRANSPOSES) {
            for (const m of [1, 2, 3, 5]) for (const n of [1, 2, 3, 9]) for (const k of [1, 7, 300]) check(m, n, k, tA, tB, seed++);
          }
        } finally {
          gemmTuning.smallPath = true;
        }
        freeAll();
      });

      it('handles depth blocks (k around KC, and k = 3000)', () => {
        configureCpu({ relaxedSimd: relaxed });
        const KC = GEMM_CONFIG.kc;
        let seed = 100;
        for (const [tA, tB] of TRANSPOSES) {
          for (const k of [KC - 1, KC, KC + 1, 2 * KC + 1]) {
            for (const [m, n] of [[1, 9], [3, 70], [4, 8], [9, 17], [33, 3], [70, 33]]) check(m, n, k, tA, tB, seed++);
          }
          for (const [m, n] of [[5, 9], [1, 17], [17, 1], [33, 20]]) check(m, n, 3000, tA, tB, seed++);
        }
        freeAll();
      });

      it('handles row blocks past MC and the seed nets’ shapes', () => {
        configureCpu({ relaxedSimd: relaxed });
        const MC = GEMM_CONFIG.mc;
        let seed = 200;
        for (const [tA, tB] of TRANSPOSES) {
          check(MC + 5, 70, 300, tA, tB, seed++);
          check(2 * MC + 3, 20, 40, tA, tB, seed++);
          check(64, 100, 1000, tA, tB, seed++);
        }
        check(128, 512, 784, false, false, seed++);
        freeAll();
      });
    });
  }

  it('accumulates into C, and batches with strides (gemm directly)', () => {
    configureCpu({ relaxedSimd: 'auto' });
    const heap = rt().heap;
    let seed = 300;
    for (const [tA, tB] of TRANSPOSES) {
      for (const [m, n, k] of [[1, 1, 1], [3, 20, 5], [9, 9, 9], [37, 21, 300], [70, 2, 30]]) {
        const batch = 3;
        const a = onHeap(random(batch * m * k, seed++));
        const b = onHeap(random(k * n, seed++)); // one B for all: strideB 0
        const c = onHeap(random(batch * m * n, seed++));
        const c0 = Float32Array.from(c);
        const spec: GemmSpec = {
          m, n, k, a: a.byteOffset, lda: tA ? m : k, transA: tA, b: b.byteOffset, ldb: tB ? k : n, transB: tB,
          c: c.byteOffset, ldc: n, accumulate: true, batch, strideA: m * k, strideB: 0, strideC: m * n,
        };
        gemm(rt(), spec);
        const x = args(m, n, k, tA, tB, batch, [0, m * k, 2 * m * k], [0, 0, 0]);
        expectClose(c, reference(a, b, x, c0), k + 1, `accumulate ${m}x${n}x${k} ${tA} ${tB}`);
        expect(heap.owns(c)).toBe(true);
      }
    }
    freeAll();
  });

  it('writes only C’s own rows and columns (leading dimensions larger than the matrix)', () => {
    // A 5x6 product written into the middle of a 9x11 matrix, operands inside wider ones too.
    for (const [tA, tB] of TRANSPOSES) {
      const [m, n, k] = [5, 6, 7];
      const lda = 13;
      const ldb = 12;
      const ldc = 11;
      const aFull = onHeap(random(20 * lda, 400));
      const bFull = onHeap(random(20 * ldb, 401));
      const cFull = onHeap(random(9 * ldc, 402));
      const before = Float32Array.from(cFull);
      const c0 = 2 * ldc + 3;
      gemm(rt(), {
        m, n, k, a: aFull.byteOffset + 4, lda, transA: tA, b: bFull.byteOffset + 8, ldb, transB: tB,
        c: cFull.byteOffset + 4 * c0, ldc, accumulate: false,
      });
      for (let r = 0; r < 9; r++) {
        for (let col = 0; col < ldc; col++) {
          const o = r * ldc + col;
          const i = r - 2;
          const j = col - 3;
          if (i >= 0 && i < m && j >= 0 && j < n) {
            let s = 0;
            for (let p = 0; p < k; p++) {
              const x = tA ? aFull[1 + p * lda + i] : aFull[1 + i * lda + p];
              const y = tB ? bFull[2 + j * ldb + p] : bFull[2 + p * ldb + j];
              s += x * y;
            }
            expect(Math.abs(cFull[o] - s)).toBeLessThan(1e-5);
          } else {
            expect(cFull[o]).toBe(before[o]);
          }
        }
      }
    }
    freeAll();
  });

  it('k = 0 writes zeros (or leaves C when accumulating); m or n = 0 writes nothing', () => {
    const out = onHeap(new Float32Array(12).fill(7));
    wasmMatMul(rt(), onHeap(0), onHeap(0), out, args(3, 4, 0, false, false));
    expect(Array.from(out)).toEqual(new Array(12).fill(0));
    out.fill(7);
    gemm(rt(), { m: 3, n: 4, k: 0, a: out.byteOffset, lda: 0, transA: false, b: out.byteOffset, ldb: 4, transB: false, c: out.byteOffset, ldc: 4, accumulate: true });
    expect(Array.from(out)).toEqual(new Array(12).fill(7));
    const a = onHeap(random(40, 1));
    wasmMatMul(rt(), a, a, out, args(0, 4, 5, false, false));
    wasmMatMul(rt(), a, a, out, args(3, 0, 5, false, false));
    wasmMatMul(rt(), a, a, out, args(3, 4, 5, false, false, 0, [], []));
    expect(Array.from(out)).toEqual(new Array(12).fill(7));
    freeAll();
  });

  it('batches with broadcast and uneven offsets', () => {
    let seed = 500;
    for (const [tA, tB] of TRANSPOSES) {
      const [m, n, k] = [6, 10, 9];
      const a = onHeap(random(4 * m * k, seed++));
      const b = onHeap(random(4 * k * n, seed++));
      const cases: [number[], number[]][] = [
        [[0, m * k, 2 * m * k, 3 * m * k], [0, 0, 0, 0]], // one B (folds into one tall product when A is not transposed)
        [[0, 0, 0, 0], [0, k * n, 2 * k * n, 3 * k * n]], // one A
        [[0, m * k, 0, m * k], [0, 0, k * n, k * n]], // [2,1] x [1,2] broadcast: uneven offsets
        [[5, 3, 0, 1], [2, 1, 0, 7]], // arbitrary element offsets
      ];
      for (const [ao, bo] of cases) {
        const out = onHeap(4 * m * n);
        const x = args(m, n, k, tA, tB, 4, ao, bo);
        wasmMatMul(rt(), a, b, out, x);
        expectClose(out, reference(a, b, x), k, `batch ${ao} ${bo} ${tA} ${tB}`);
      }
    }
    freeAll();
  });

  it('takes arrays that are not on the heap, and one array as both operands', () => {
    let seed = 600;
    for (const [tA, tB] of TRANSPOSES) {
      const [m, n, k] = [13, 21, 40];
      const aPlain = random(m * k + 3, seed++);
      const bPlain = random(k * n, seed++);
      const x = args(m, n, k, tA, tB, 1, [3], [0]);
      const ref = reference(aPlain, bPlain, x);
      for (const [a, b, outOnHeap] of [
        [aPlain, bPlain, false],
        [onHeap(aPlain), bPlain, false],
        [aPlain, onHeap(bPlain), true],
      ] as [Float32Array, Float32Array, boolean][]) {
        const out = outOnHeap ? onHeap(m * n) : new Float32Array(m * n + 5).fill(9);
        wasmMatMul(rt(), a, b, out, x);
        expectClose(out, ref, k, 'off-heap');
        if (!outOnHeap) expect(Array.from(out.subarray(m * n))).toEqual([9, 9, 9, 9, 9]);
      }
    }
    // x · xᵀ with x off the heap.
    const xs = random(7 * 11, seed++);
    const out = new Float32Array(49);
    const x = args(7, 7, 11, false, true);
    wasmMatMul(rt(), xs, xs, out, x);
    expectClose(out, reference(xs, xs, x), 11, 'x·xᵀ');
    freeAll();
  });

  it('gives bit-identical results with 1 and 2 threads', async () => {
    let seed = 700;
    for (const relaxed of [true, false]) {
      configureCpu({ relaxedSimd: relaxed });
      await workersUp();
      for (const [tA, tB] of TRANSPOSES) {
        // All above GEMM_PARALLEL_MIN_WORK, so two threads split them. Packed path (rows split, columns split), and the thin kernels (rows, dots 1x4 / 4x1 / 4x2, the transposed single column).
        for (const [m, n, k] of [[200, 300, 400], [16, 600, 300], [300, 40, 500], [1000, 9, 200], [1, 4000, 300], [3, 3000, 300], [4000, 1, 300], [3000, 2, 300], [2000, 3, 300]]) {
          expect(m * n * k).toBeGreaterThanOrEqual(GEMM_PARALLEL_MIN_WORK);
          const a = onHeap(random(m * k, seed++));
          const b = onHeap(random(k * n, seed++));
          const x = args(m, n, k, tA, tB);
          setNumThreads(1);
          const one = onHeap(m * n);
          wasmMatMul(rt(), a, b, one, x);
          setNumThreads(2);
          const two = onHeap(m * n);
          wasmMatMul(rt(), a, b, two, x);
          expect(Buffer.from(two.buffer, two.byteOffset, two.byteLength).equals(Buffer.from(one.buffer, one.byteOffset, one.byteLength))).toBe(true);
          expectClose(two, reference(a, b, x), k, `threads ${m}x${n}x${k}`);
          freeAll();
        }
      }
    }
    configureCpu({ relaxedSimd: 'auto' });
    setNumThreads(threads0);
  });

  it('gives bit-identical results with 1 and 2 threads for batches of small products', async () => {
    await workersUp();
    let seed = 750;
    for (const [tA, tB] of TRANSPOSES) {
      const [m, n, k, batch] = [20, 30, 40, 64];
      expect(batch * m * n * k).toBeGreaterThanOrEqual(GEMM_PARALLEL_MIN_WORK);
      const a = onHeap(random(batch * m * k, seed++));
      const b = onHeap(random(batch * k * n, seed++));
      for (const bOffsets of [Array.from({ length: batch }, (_, t) => t * k * n), new Array<number>(batch).fill(k * n)]) {
        const x = args(m, n, k, tA, tB, batch, Array.from({ length: batch }, (_, t) => t * m * k), bOffsets);
        setNumThreads(1);
        const one = onHeap(batch * m * n);
        wasmMatMul(rt(), a, b, one, x);
        setNumThreads(2);
        const two = onHeap(batch * m * n);
        wasmMatMul(rt(), a, b, two, x);
        expect(Array.from(two)).toEqual(Array.from(one));
        expectClose(two, reference(a, b, x), k, `batch threads ${tA} ${tB}`);
      }
      freeAll();
    }
    setNumThreads(threads0);
  });

  it('agrees with the TypeScript kernel', () => {
    let seed = 800;
    for (const [tA, tB] of TRANSPOSES) {
      const [m, n, k] = [31, 45, 67];
      const a = random(m * k, seed++);
      const b = random(k * n, seed++);
      const x = args(m, n, k, tA, tB);
      const want = new Float32Array(m * n);
      matMulKernel(a, b, want, x);
      const got = new Float32Array(m * n);
      wasmMatMul(rt(), a, b, got, x);
      const ref = reference(a, b, x);
      expectClose(got, ref, k, 'wasm');
      expectClose(want, ref, k, 'ts');
    }
  });

  it('reuses its scratch: no heap growth over many calls', () => {
    const heap = rt().heap;
    const a = onHeap(random(150 * 300, 1));
    const b = onHeap(random(300 * 150, 2));
    const out = onHeap(150 * 90);
    const plainOut = new Float32Array(150 * 90);
    const shapes: MatMulArgs[] = [args(150, 90, 300, false, false), args(2, 90, 300, false, false), args(150, 1, 300, true, false), args(90, 150, 300, true, true)];
    for (const x of shapes) wasmMatMul(rt(), a, b, out, x); // warm up
    const used = heap.usedBytes;
    const reserved = heap.reservedBytes;
    const blocks = heap.liveBlocks;
    for (let r = 0; r < 50; r++) {
      for (const x of shapes) {
        wasmMatMul(rt(), a, b, out, x);
        wasmMatMul(rt(), a, b, plainOut, x);
      }
    }
    expect(heap.usedBytes).toBe(used);
    expect(heap.liveBlocks).toBe(blocks);
    expect(heap.reservedBytes).toBe(reserved);
    freeAll();
  });

  it('falls back to the TypeScript kernel when the heap is full', () => {
    const real = rt();
    const fullHeap = Object.create(real.heap) as typeof real.heap;
    fullHeap.alloc = () => -1;
    const full = Object.create(real, { heap: { value: fullHeap } }) as WasmRuntime;
    for (const onHeapIn of [false, true]) {
      const [m, n, k] = [20, 30, 40];
      const a = onHeapIn ? onHeap(random(m * k, 1)) : random(m * k, 1);
      const b = onHeapIn ? onHeap(random(k * n, 2)) : random(k * n, 2);
      const out = new Float32Array(m * n);
      const x = args(m, n, k, false, true);
      wasmMatMul(full, a, b, out, x);
      expectClose(out, reference(a, b, x), k, 'fallback');
    }
    // gemm itself reports a full heap with GemmHeapFull (callers fall back), before writing anything.
    const c = onHeap(new Float32Array(20 * 30).fill(3));
    const a = onHeap(random(20 * 40, 3));
    expect(() => gemm(full, {
      m: 20, n: 30, k: 40, a: a.byteOffset, lda: 40, transA: false, b: a.byteOffset, ldb: 30, transB: false,
      c: c.byteOffset, ldc: 30, accumulate: false,
    })).toThrow(GemmHeapFull);
    expect(c.every((v) => v === 3)).toBe(true);
    freeAll();
  });

  it('throws the TypeScript kernel’s errors for invalid arguments', () => {
    const a = new Float32Array(6);
    expect(() => wasmMatMul(rt(), a, a, new Float32Array(4), args(2, 2, 4, false, false))).toThrow(ShapeError);
    expect(() => wasmMatMul(rt(), a, a, new Float32Array(4), args(2, 2, 1.5, false, false))).toThrow(ValueError);
    expect(() => wasmMatMul(rt(), a, a, new Float32Array(3), args(2, 2, 1, false, false))).toThrow(ShapeError);
  });
});
