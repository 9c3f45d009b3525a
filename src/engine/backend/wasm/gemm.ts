/**
 * Float32 GEMM on the wasm heap (STUB: a scalar reference loop; the packed,
 * register-blocked SIMD version replaces the internals, keeping `gemm` and
 * `GemmSpec`).
 *
 * @internal
 * @module
 */
import type { ModuleBuilder } from './asm.js';
import type { BuildContext, WasmRuntime } from './runtime.js';

/**
 * One float32 matrix product on heap addresses:
 * `C[i, j] (+)= Σ_p op(A)[i, p] · op(B)[p, j]`, for `batch` matrices.
 * Leading dimensions and batch strides are in elements; a batch stride of 0
 * broadcasts that operand.
 * @internal
 */
export interface GemmSpec {
  /** Rows of op(A) and C. */
  m: number;
  /** Columns of op(B) and C. */
  n: number;
  /** The contracted dimension. */
  k: number;
  /** Byte address of A. */
  a: number;
  /** Elements between rows of A as stored (k when not transposed, m when transposed, for a dense matrix). */
  lda: number;
  /** A is stored `[k, m]` and read transposed. */
  transA: boolean;
  /** Byte address of B. */
  b: number;
  /** Elements between rows of B as stored. */
  ldb: number;
  /** B is stored `[n, k]` and read transposed. */
  transB: boolean;
  /** Byte address of C (row-major). */
  c: number;
  /** Elements between rows of C. */
  ldc: number;
  /** Add to C instead of overwriting it. */
  accumulate: boolean;
  /** Number of products (default 1). */
  batch?: number;
  /** Elements between consecutive A matrices (0 broadcasts one A). */
  strideA?: number;
  /** Elements between consecutive B matrices (0 broadcasts one B). */
  strideB?: number;
  /** Elements between consecutive C matrices. */
  strideC?: number;
}

/** @internal */
export const GEMM_TASKS: readonly string[] = [];

/** @internal */
export function buildGemm(mb: ModuleBuilder, _ctx: BuildContext): void {
  // gemm_ref(args): args = [m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate]
  mb.func('gemm_ref', ['i32'], [], (f) => {
    const args = 0;
    const [m, n, k, a, lda, ta, b, ldb, tb, c, ldc, acc] = Array.from({ length: 12 }, () => f.local('i32'));
    [m, n, k, a, lda, ta, b, ldb, tb, c, ldc, acc].forEach((l, i) => f.get(args).i32Load(i * 4).set(l));
    const i = f.local('i32');
    const j = f.local('i32');
    const p = f.local('i32');
    const s = f.local('f32');
    const sa = f.local('i32'); // A stride along p, along i
    const si = f.local('i32');
    const sb = f.local('i32');
    const sj = f.local('i32');
    // A element (i, p) at a + 4*(i*si + p*sa)
    f.get(ta).if_().i32(1).set(si).get(lda).set(sa).else_().get(lda).set(si).i32(1).set(sa).end();
    f.get(tb).if_().get(ldb).set(sj).i32(1).set(sb).else_().i32(1).set(sj).get(ldb).set(sb).end();
    f.for_(i, () => f.i32(0), () => f.get(m), 1, () => {
      f.for_(j, () => f.i32(0), () => f.get(n), 1, () => {
        f.f32(0).set(s);
        f.for_(p, () => f.i32(0), () => f.get(k), 1, () => {
          f.get(a).get(i).get(si).i32Mul().get(p).get(sa).i32Mul().i32Add().i32(2).i32Shl().i32Add().f32Load();
          f.get(b).get(p).get(sb).i32Mul().get(j).get(sj).i32Mul().i32Add().i32(2).i32Shl().i32Add().f32Load();
          f.f32Mul().get(s).f32Add().set(s);
        });
        const addr = () => f.get(c).get(i).get(ldc).i32Mul().get(j).i32Add().i32(2).i32Shl().i32Add();
        addr();
        f.get(acc).if_();
        addr();
        f.f32Load().get(s).f32Add().set(s).end();
        f.get(s).f32Store();
      });
    });
  });
}

/**
 * Runs a GEMM on the heap (all addresses must be on `rt.heap`).
 * @internal
 */
export function gemm(rt: WasmRuntime, spec: GemmSpec): void {
  const batch = spec.batch ?? 1;
  for (let t = 0; t < batch; t++) {
    const args = rt.heap.pushArgs([
      spec.m, spec.n, spec.k,
      spec.a + 4 * t * (spec.strideA ?? 0), spec.lda, spec.transA ? 1 : 0,
      spec.b + 4 * t * (spec.strideB ?? 0), spec.ldb, spec.transB ? 1 : 0,
      spec.c + 4 * t * (spec.strideC ?? 0), spec.ldc, spec.accumulate ? 1 : 0,
    ]);
    try {
      rt.exports.gemm_ref(args);
    } finally {
      rt.heap.popArgs(args);
    }
  }
}
