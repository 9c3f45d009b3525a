/**
 * The float32 matMul kernel on the wasm GEMM: the contract of the
 * TypeScript `matMulKernel` (batched, per-output matrix offsets, either
 * operand transposed), for arrays on the wasm heap or not.
 *
 * @internal
 * @module
 */
import { matMulKernel, type MatMulArgs } from '../cpu/kernels/matmul.js';
import { gemm, GemmHeapFull } from './gemm.js';
import type { WasmHeap } from './heap.js';
import type { WasmRuntime } from './runtime.js';

/**
 * Products of fewer multiply-adds than this run on the TypeScript kernel:
 * a wasm GEMM call costs about a microsecond of fixed overhead (argument
 * blocks, scratch, two calls), which is what the TypeScript kernel takes for
 * about 500 multiply-adds (measured: 8x8x8 takes 1 us either way).
 */
const TINY_WORK = 512;

/**
 * Whether `args` describe a valid product for these arrays (the TypeScript
 * kernel, which throws the descriptive error, gets the invalid ones).
 */
function valid(a: Float32Array, b: Float32Array, out: Float32Array, args: MatMulArgs): boolean {
  const { m, n, k, batch, aOffsets, bOffsets } = args;
  const count = (x: number): boolean => Number.isInteger(x) && x >= 0;
  if (!count(m) || !count(n) || !count(k) || !count(batch)) return false;
  if (aOffsets.length < batch || bOffsets.length < batch || out.length < batch * m * n) return false;
  for (let i = 0; i < batch; i++) {
    const ao = aOffsets[i];
    const bo = bOffsets[i];
    if (!count(ao) || !count(bo) || ao + m * k > a.length || bo + k * n > b.length) return false;
  }
  return true;
}

/**
 * The common stride of `offsets[0..batch)` when they form an arithmetic
 * sequence (0 when all equal: a broadcast operand), else -1.
 */
function evenStride(offsets: ArrayLike<number>, batch: number): number {
  if (batch < 2) return 0;
  const s = offsets[1] - offsets[0];
  if (s < 0) return -1;
  for (let i = 2; i < batch; i++) if (offsets[i] - offsets[i - 1] !== s) return -1;
  return s;
}

/**
 * `out[t] = op(A_t) · op(B_t)` for `t < args.batch`, float32, on the wasm
 * GEMM; the same contract and results (to rounding) as `matMulKernel`.
 * Arrays on the heap are used in place; others are copied into temporary
 * heap blocks (and `out` copied back). When the heap cannot hold the
 * temporaries or the GEMM's scratch, the TypeScript kernel runs instead.
 *
 * @param rt The wasm runtime.
 * @param a Storage holding every A matrix, at `args.aOffsets`.
 * @param b Storage holding every B matrix, at `args.bOffsets`.
 * @param out Destination, row-major `[batch, m, n]`, fully overwritten.
 * @param args Shapes, transposes and per-output offsets.
 * @throws {ValueError} When a size or offset is not a non-negative integer (from `matMulKernel`).
 * @throws {ShapeError} When a matrix or the output does not fit its array (from `matMulKernel`).
 * @internal
 */
export function wasmMatMul(rt: WasmRuntime, a: Float32Array, b: Float32Array, out: Float32Array, args: MatMulArgs): void {
  if (!valid(a, b, out, args)) {
    matMulKernel(a, b, out, args); // throws the descriptive error
    return;
  }
  const { m, n, k, batch, transposeA, transposeB, aOffsets, bOffsets } = args;
  const total = batch * m * n;
  if (total === 0) return;
  if (k === 0) {
    out.fill(0, 0, total);
    return;
  }
  if (m * n * k < TINY_WORK) {
    matMulKernel(a, b, out, args);
    return;
  }
  const heap = rt.heap;
  const temps: number[] = []; // [address, bytes] pairs
  try {
    // Only the part of each input the offsets reach is copied.
    let aEnd = 0;
    let bEnd = 0;
    for (let t = 0; t < batch; t++) {
      aEnd = Math.max(aEnd, aOffsets[t] + m * k);
      bEnd = Math.max(bEnd, bOffsets[t] + k * n);
    }
    // One array as both operands (x · xᵀ) is copied once.
    const aAddr = place(heap, temps, a, true, b === a ? Math.max(aEnd, bEnd) : aEnd);
    const bAddr = b === a ? aAddr : place(heap, temps, b, true, bEnd);
    const outOnHeap = heap.owns(out);
    const cAddr = place(heap, temps, out, false, total);
    // Specs are built whole, never by spreading a base object: an object
    // spread that adds keys the base lacks made each call several
    // microseconds slower in V8 (measured 5-20 us against 1.4 us for 16^3).
    const lda = transposeA ? m : k;
    const ldb = transposeB ? k : n;
    const sA = evenStride(aOffsets, batch);
    const sB = evenStride(bOffsets, batch);
    if (sA >= 0 && sB >= 0) {
      gemm(rt, {
        m, n, k, a: aAddr + 4 * aOffsets[0], lda, transA: transposeA, b: bAddr + 4 * bOffsets[0], ldb, transB: transposeB,
        c: cAddr, ldc: n, accumulate: false, batch, strideA: sA, strideB: sB, strideC: m * n,
      });
    } else {
      for (let t = 0; t < batch; t++) {
        gemm(rt, {
          m, n, k, a: aAddr + 4 * aOffsets[t], lda, transA: transposeA, b: bAddr + 4 * bOffsets[t], ldb, transB: transposeB,
          c: cAddr + 4 * t * m * n, ldc: n, accumulate: false, batch: 1, strideA: 0, strideB: 0, strideC: 0,
        });
      }
    }
    if (!outOnHeap) out.set(heap.f32(cAddr, total));
  } catch (e) {
    if (!(e instanceof GemmHeapFull)) throw e;
    release(heap, temps);
    matMulKernel(a, b, out, args);
  } finally {
    release(heap, temps);
  }
}

/**
 * The heap address of `arr`'s first `length` elements: in place when it is
 * on the heap, else a temporary block (recorded in `temps`; inputs copied
 * in).
 * @throws {GemmHeapFull} When the heap cannot hold the temporary.
 */
function place(heap: WasmHeap, temps: number[], arr: Float32Array, copyIn: boolean, length: number): number {
  if (heap.owns(arr)) return arr.byteOffset;
  const addr = heap.alloc(length * 4);
  if (addr < 0) throw new GemmHeapFull(length * 4);
  temps.push(addr, length * 4);
  if (copyIn) heap.f32(addr, length).set(length === arr.length ? arr : arr.subarray(0, length));
  return addr;
}

/** Frees the temporaries recorded by {@link place}. */
function release(heap: WasmHeap, temps: number[]): void {
  for (let i = 0; i < temps.length; i += 2) heap.free(temps[i], temps[i + 1]);
  temps.length = 0;
}
