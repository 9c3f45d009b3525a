/**
 * Float32 GEMM on the wasm heap, generated as WebAssembly SIMD.
 *
 * The structure is BLIS/GotoBLAS's:
 *
 * - op(B) is packed, once per product (or per column chunk), into panels
 *   of {@link GemmConfig.nr} columns stored k-major (`[kc][NR]` per depth
 *   block of {@link GemmConfig.kc}), zero-padded to whole panels. Packing is
 *   itself a parallel task, and the packed B is shared by every thread.
 * - op(A) is packed by each task, one `MC x KC` block at a time, into
 *   panels of {@link GemmConfig.mr} rows stored k-major (`[kc][MR]`), so
 *   the block sits in L2 while the B panels stream past it.
 * - A micro-kernel keeps an `MR x NR` tile of C in v128 locals (V8 maps
 *   them to xmm registers) and, per step of k, loads `NR/4` vectors of B,
 *   broadcasts `MR` scalars of A and does `MR·NR/4` multiply-adds
 *   (`f32x4.relaxed_madd` when the module is built relaxed, else
 *   `f32x4.mul` + `f32x4.add`).
 *
 * Both transposes are handled by the packers (4x4 SIMD transposes where
 * the source runs the other way), so there is one micro-kernel. Edge tiles
 * run the same micro-kernel on a small per-thread buffer and copy the valid
 * corner, so every element of C, wherever it sits, is the same sequence of
 * multiply-adds over k (in `KC` blocks): results do not depend on the
 * number of threads or on how C is split into tasks.
 *
 * Why 4x8 with no unrolling (measured on a Zen 4 core with Node 20): V8's
 * TurboFan keeps wasm loads in program order but floats the arithmetic down
 * to its uses, so every load of a step is issued first and stays live. A
 * 4x8 tile needs 8 accumulators + 2 B vectors + 4 broadcasts = 14 of the 15
 * allocatable xmm registers: it runs at 51 GFLOP/s (relaxed) and 38
 * (mul + add) with data in L1. 6x8, 8x8, 4x12 and any unrolled body spill
 * and measured 26-38 (relaxed).
 *
 * Threads: `gemm_packb_task` packs B in column slices, then `gemm_task`
 * runs blocks of C (rows first, columns too when m is small); k is never
 * split. A batch of products each too small to split runs as
 * `gemm_batch_task`, whole products per task, in one call. Thin products
 * (m or n below the tile) skip packing: `gemm_rows_task` and
 * `gemm_dots{r}x{c}_task` read A and B in place.
 *
 * @internal
 * @module
 */
import type { FunctionBuilder, ModuleBuilder } from './asm.js';
import type { BuildContext, WasmRuntime } from './runtime.js';
import { DeviceError } from '../../errors.js';

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

/**
 * Blocking parameters of the generated GEMM. The module is built from
 * {@link GEMM_CONFIG}; benchmarks build variants.
 * @internal
 */
export interface GemmConfig {
  /** Rows of the register tile (a multiple of 4). */
  mr: number;
  /** Columns of the register tile (a multiple of 4). */
  nr: number;
  /** Depth of one pass over packed panels. */
  kc: number;
  /** Rows of A packed at a time (a multiple of `mr`). */
  mc: number;
  /** How the micro-kernel broadcasts A: `v128.load32_splat`, or `f32.load` + `f32x4.splat`. */
  splat: 'load' | 'splat';
}

/**
 * The configuration the runtime's module is built with (see the module
 * comment for why 4x8). KC = 256: a 256x8 B panel (8 KiB) and a 4x256 A
 * panel (4 KiB) stay in the 32 KiB L1 while a tile runs. MC = 128: the
 * packed A block (128 KiB) stays in L2.
 * @internal
 */
export const GEMM_CONFIG: GemmConfig = { mr: 4, nr: 8, kc: 256, mc: 128, splat: 'load' };

/** Task functions of this module (see `WasmRuntime.parallel`). @internal */
export const GEMM_TASKS: readonly string[] = ['gemm_task', 'gemm_packb_task', 'gemm_batch_task', 'gemm_rows_task', 'gemm_dots1x4_task', 'gemm_dots4x1_task', 'gemm_dots4x2_task'];

/**
 * Word layout of the `gemm_task` argument block (i32 words; addresses and
 * strides in bytes).
 */
const T = {
  m: 0, n: 1, k: 2,
  a: 3, aRow: 4, aDepth: 5,
  pb: 6, c: 7, ldc: 8, acc: 9,
  scratch: 10, scratchStride: 11,
  rowsPerTask: 12, colsPerTask: 13, colTasks: 14, ncPad: 15,
  words: 16,
} as const;

/** Word layout of the `gemm_packb_task` argument block. */
const P = { b: 0, bDepth: 1, bCol: 2, k: 3, n: 4, pb: 5, ncPad: 6, colsPerTask: 7, words: 8 } as const;

/**
 * Word layout of the `gemm_batch_task` argument block: a `gemm_task` block
 * and a `gemm_packb_task` block for product 0, then byte strides between
 * products, products per task, the batch size, and the per-thread packed-B
 * buffers.
 */
const B = {
  t: 0, p: T.words,
  sA: T.words + P.words, sB: T.words + P.words + 1, sC: T.words + P.words + 2,
  perTask: T.words + P.words + 3, batch: T.words + P.words + 4,
  pbBase: T.words + P.words + 5, pbStride: T.words + P.words + 6,
  words: T.words + P.words + 7,
} as const;

/** Word layout of the argument block of the unpacked thin-product tasks. */
const S = { m: 0, n: 1, k: 2, a: 3, aRow: 4, aDepth: 5, b: 6, bDepth: 7, bCol: 8, c: 9, ldc: 10, acc: 11, colsPerTask: 12, rowsPerTask: 13, colTasks: 14, words: 15 } as const;

/** Lane indices (f32) of `i8x16.shuffle(x, y)`: 0-3 pick from x, 4-7 from y. */
function lanes(l: readonly number[]): number[] {
  const out: number[] = [];
  for (const x of l) for (let b = 0; b < 4; b++) out.push(x * 4 + b);
  return out;
}
const UNPACK_LO = lanes([0, 4, 1, 5]);
const UNPACK_HI = lanes([2, 6, 3, 7]);
const MOVE_LH = lanes([0, 1, 4, 5]);
const MOVE_HL = lanes([2, 3, 6, 7]);

/**
 * Emits a 4x4 transpose: `rows[r]` (v128 locals) hold 4 consecutive values
 * of source row r; afterwards `out[q]` holds element q of each row.
 */
function transpose4(f: FunctionBuilder, rows: readonly number[], tmp: readonly number[], out: readonly number[]): void {
  f.get(rows[0]).get(rows[1]).i8x16Shuffle(UNPACK_LO).set(tmp[0]);
  f.get(rows[0]).get(rows[1]).i8x16Shuffle(UNPACK_HI).set(tmp[1]);
  f.get(rows[2]).get(rows[3]).i8x16Shuffle(UNPACK_LO).set(tmp[2]);
  f.get(rows[2]).get(rows[3]).i8x16Shuffle(UNPACK_HI).set(tmp[3]);
  f.get(tmp[0]).get(tmp[2]).i8x16Shuffle(MOVE_LH).set(out[0]);
  f.get(tmp[0]).get(tmp[2]).i8x16Shuffle(MOVE_HL).set(out[1]);
  f.get(tmp[1]).get(tmp[3]).i8x16Shuffle(MOVE_LH).set(out[2]);
  f.get(tmp[1]).get(tmp[3]).i8x16Shuffle(MOVE_HL).set(out[3]);
}

/** `dst = min(x, y)` for i32 locals (signed). */
function minInto(f: FunctionBuilder, dst: number, x: () => void, y: () => void): void {
  x();
  y();
  x();
  y();
  f.i32LtS().select().set(dst);
}

/** Emits `acc = a·b + acc` for v128 locals: relaxed madd, or mul then add. */
function madd(f: FunctionBuilder, relaxed: boolean, a: number, b: number, acc: number): void {
  if (relaxed) f.get(a).get(b).get(acc).f32x4RelaxedMadd().set(acc);
  else f.get(acc).get(a).get(b).f32x4Mul().f32x4Add().set(acc);
}

/**
 * Emits a packer of an `rows x depth` block of a strided matrix into
 * panels of `w` rows stored `[depth][w]` (zero-padded to whole panels).
 * Element (r, p) is at `src + r*rs + p*ps` (bytes). Used for A (rows of
 * op(A), w = MR) and B (columns of op(B), w = NR).
 * Signature: (src, rs, ps, rows, depth, dst).
 */
function buildPacker(mb: ModuleBuilder, name: string, w: number): number {
  return mb.func(name, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [src, rs, ps, rows, depth, dst] = [0, 1, 2, 3, 4, 5];
    const r0 = f.local('i32');
    const h = f.local('i32');
    const p = f.local('i32');
    const s = f.local('i32');
    const d = f.local('i32');
    const q = f.local('i32');
    const ptr = Array.from({ length: 4 }, () => f.local('i32'));
    const v = Array.from({ length: 4 }, () => f.local('v128'));
    const t = Array.from({ length: 4 }, () => f.local('v128'));
    const o = Array.from({ length: 4 }, () => f.local('v128'));
    const panelBytes = f.local('i32'); // depth * w * 4
    f.get(depth).i32(w * 4).i32Mul().set(panelBytes);
    f.for_(r0, () => f.i32(0), () => f.get(rows), w, () => {
      // h = rows - r0 (valid rows of this panel, maybe more than w)
      f.get(rows).get(r0).i32Sub().set(h);
      f.get(h).i32(w).i32GeS().if_();
      {
        f.get(rs).i32(4).i32Eq().if_();
        {
          // The w values at each depth are contiguous: straight SIMD copies.
          f.get(src).get(r0).i32(2).i32Shl().i32Add().set(s);
          f.get(dst).set(d);
          f.for_(p, () => f.i32(0), () => f.get(depth), 1, () => {
            for (let g = 0; g < w / 4; g++) f.get(d).get(s).v128Load(16 * g).v128Store(16 * g);
            f.get(s).get(ps).i32Add().set(s);
            f.get(d).i32(w * 4).i32Add().set(d);
          });
        }
        f.else_();
        f.get(ps).i32(4).i32Eq().if_();
        {
          // Each row is contiguous along depth: 4x4 transposes.
          for (let g = 0; g < w / 4; g++) {
            for (let r = 0; r < 4; r++) f.get(src).get(r0).i32(4 * g + r).i32Add().get(rs).i32Mul().i32Add().set(ptr[r]);
            f.get(dst).i32(16 * g).i32Add().set(d);
            f.i32(0).set(p);
            f.block().loop();
            f.get(p).i32(4).i32Add().get(depth).i32GtS().brIf(1);
            for (let r = 0; r < 4; r++) f.get(ptr[r]).v128Load().set(v[r]);
            transpose4(f, v, t, o);
            for (let r = 0; r < 4; r++) f.get(d).get(o[r]).v128Store(r * w * 4);
            for (let r = 0; r < 4; r++) f.get(ptr[r]).i32(16).i32Add().set(ptr[r]);
            f.get(d).i32(4 * w * 4).i32Add().set(d);
            f.get(p).i32(4).i32Add().set(p);
            f.br(0).end().end();
            // The depth remainder, one value at a time.
            f.block().loop();
            f.get(p).get(depth).i32GeS().brIf(1);
            for (let r = 0; r < 4; r++) f.get(d).get(ptr[r]).f32Load().f32Store(4 * r);
            for (let r = 0; r < 4; r++) f.get(ptr[r]).i32(4).i32Add().set(ptr[r]);
            f.get(d).i32(w * 4).i32Add().set(d);
            f.get(p).i32(1).i32Add().set(p);
            f.br(0).end().end();
          }
        }
        f.else_();
        {
          // General strides: scalar.
          for (let r = 0; r < w; r++) {
            f.get(src).get(r0).i32(r).i32Add().get(rs).i32Mul().i32Add().set(s);
            f.get(dst).i32(4 * r).i32Add().set(d);
            f.for_(p, () => f.i32(0), () => f.get(depth), 1, () => {
              f.get(d).get(s).f32Load().f32Store();
              f.get(s).get(ps).i32Add().set(s);
              f.get(d).i32(w * 4).i32Add().set(d);
            });
          }
        }
        f.end().end();
      }
      f.else_();
      {
        // The last, partial panel: valid rows, then zeros.
        f.for_(q, () => f.i32(0), () => f.i32(w), 1, () => {
          f.get(dst).get(q).i32(2).i32Shl().i32Add().set(d);
          f.get(q).get(h).i32LtS().if_();
          f.get(src).get(r0).get(q).i32Add().get(rs).i32Mul().i32Add().set(s);
          f.for_(p, () => f.i32(0), () => f.get(depth), 1, () => {
            f.get(d).get(s).f32Load().f32Store();
            f.get(s).get(ps).i32Add().set(s);
            f.get(d).i32(w * 4).i32Add().set(d);
          });
          f.else_();
          f.for_(p, () => f.i32(0), () => f.get(depth), 1, () => {
            f.get(d).f32(0).f32Store();
            f.get(d).i32(w * 4).i32Add().set(d);
          });
          f.end();
        });
      }
      f.end();
      f.get(dst).get(panelBytes).i32Add().set(dst);
    });
  }, false);
}

/**
 * The micro-kernel: `C[0:MR, 0:NR] = (load ? C : 0) + Apanel · Bpanel` over
 * `kc` steps. Signature: (kc, pa, pb, c, ldcBytes, load).
 */
function buildMicroKernel(mb: ModuleBuilder, cfg: GemmConfig, relaxed: boolean): number {
  const { mr, nr } = cfg;
  const nv = nr / 4;
  return mb.func('gemm_ukr', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [kc, pa, pb, c, ldc, load] = [0, 1, 2, 3, 4, 5];
    const acc: number[][] = [];
    for (let r = 0; r < mr; r++) acc.push(Array.from({ length: nv }, () => f.local('v128')));
    const bv = Array.from({ length: nv }, () => f.local('v128'));
    const av = f.local('v128');
    const row = f.local('i32');
    f.get(load).if_();
    f.get(c).set(row);
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < nv; v++) f.get(row).v128Load(16 * v).set(acc[r][v]);
      if (r < mr - 1) f.get(row).get(ldc).i32Add().set(row);
    }
    f.else_();
    f.f32(0).f32x4Splat().set(acc[0][0]);
    for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) if (r + v > 0) f.get(acc[0][0]).set(acc[r][v]);
    f.end();
    f.block().loop();
    f.get(kc).i32Eqz().brIf(1);
    for (let v = 0; v < nv; v++) f.get(pb).v128Load(16 * v).set(bv[v]);
    for (let r = 0; r < mr; r++) {
      if (cfg.splat === 'load') f.get(pa).v128Load32Splat(4 * r).set(av);
      else f.get(pa).f32Load(4 * r).f32x4Splat().set(av);
      for (let v = 0; v < nv; v++) madd(f, relaxed, av, bv[v], acc[r][v]);
    }
    f.get(pa).i32(mr * 4).i32Add().set(pa);
    f.get(pb).i32(nr * 4).i32Add().set(pb);
    f.get(kc).i32(1).i32Sub().set(kc);
    f.br(0).end().end();
    f.get(c).set(row);
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < nv; v++) f.get(row).get(acc[r][v]).v128Store(16 * v);
      if (r < mr - 1) f.get(row).get(ldc).i32Add().set(row);
    }
  }, false);
}

/**
 * A partial tile: the micro-kernel on a per-thread `MR x NR` buffer, with
 * the valid `mr x nr` corner of C copied in (when accumulating) and out.
 * Signature: (kc, pa, pb, c, ldcBytes, load, mr, nr, buf).
 */
function buildEdgeTile(mb: ModuleBuilder, cfg: GemmConfig, ukr: number): number {
  return mb.func('gemm_edge', ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [kc, pa, pb, c, ldc, load, mr, nr, buf] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const i = f.local('i32');
    const j = f.local('i32');
    const copy = (toBuf: boolean): void => {
      f.for_(i, () => f.i32(0), () => f.get(mr), 1, () => {
        f.for_(j, () => f.i32(0), () => f.get(nr), 1, () => {
          const cAddr = (): void => void f.get(c).get(i).get(ldc).i32Mul().i32Add().get(j).i32(2).i32Shl().i32Add();
          const bAddr = (): void => void f.get(buf).get(i).i32(cfg.nr * 4).i32Mul().i32Add().get(j).i32(2).i32Shl().i32Add();
          if (toBuf) {
            bAddr();
            cAddr();
          } else {
            cAddr();
            bAddr();
          }
          f.f32Load().f32Store();
        });
      });
    };
    f.get(load).if_();
    copy(true);
    f.end();
    f.get(kc).get(pa).get(pb).get(buf).i32(cfg.nr * 4).get(load).call(ukr);
    copy(false);
  }, false);
}

/**
 * `gemm_packb_task(task, thread, args)`: packs the columns
 * `[task·colsPerTask, …)` of op(B) for every depth block into the shared
 * packed buffer: block `pc` at float offset `pc·ncPad`, its panel at
 * column `j` at `j·kc` within the block.
 */
function buildPackBTask(mb: ModuleBuilder, cfg: GemmConfig, packB: number): number {
  // gemm_packb(task, b, bDepth, bCol, k, n, pb, ncPad, colsPerTask): the body, callable from other tasks.
  const fn = mb.func('gemm_packb', Array(9).fill('i32'), [], (f) => {
    const [task, b, bDepth, bCol, k, n, pb, ncPad, cpt] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const j0 = f.local('i32');
    const j1 = f.local('i32');
    const pc = f.local('i32');
    const kc = f.local('i32');
    f.get(task).get(cpt).i32Mul().set(j0);
    minInto(f, j1, () => f.get(n), () => f.get(j0).get(cpt).i32Add());
    f.get(j0).get(j1).i32GeS().if_().ret().end();
    f.for_(pc, () => f.i32(0), () => f.get(k), cfg.kc, () => {
      minInto(f, kc, () => f.i32(cfg.kc), () => f.get(k).get(pc).i32Sub());
      // src = b + pc*bDepth + j0*bCol
      f.get(b).get(pc).get(bDepth).i32Mul().i32Add().get(j0).get(bCol).i32Mul().i32Add();
      f.get(bCol).get(bDepth).get(j1).get(j0).i32Sub().get(kc);
      // dst = pb + 4*(pc*ncPad + j0*kc)
      f.get(pb).get(pc).get(ncPad).i32Mul().get(j0).get(kc).i32Mul().i32Add().i32(2).i32Shl().i32Add();
      f.call(packB);
    });
  }, false);
  mb.func('gemm_packb_task', ['i32', 'i32', 'i32'], [], (f) => {
    const [task, , args] = [0, 1, 2];
    f.get(task);
    for (let i = 0; i < P.words; i++) f.get(args).i32Load(i * 4);
    f.call(fn);
  });
  return fn;
}

/**
 * `gemm_task(task, thread, args)`: one block of C (rows
 * `[ti·rowsPerTask, …)`, columns `[tj·colsPerTask, …)` of the chunk) against
 * the packed B: for each MC row block and KC depth block, pack A into this
 * thread's scratch and sweep the B panels.
 */
function buildTask(mb: ModuleBuilder, cfg: GemmConfig, packA: number, ukr: number, edge: number): number {
  const { mr, nr, kc: KC, mc: MC } = cfg;
  // gemm_block(task, thread, ...the T words): the body, callable from other tasks.
  const fn = mb.func('gemm_block', Array(2 + T.words).fill('i32'), [], (f) => {
    const [task, thread] = [0, 1];
    const L = (): number => f.local('i32');
    const [m, n, k, a, aRow, aDepth, pb, c, ldc, acc, scratch, stride, rpt, cpt, colTasks, ncPad] = Array.from({ length: T.words }, (_, i) => 2 + i);
    const [r0, r1, c0, c1, ic, mc, pc, kc, jr, nrv, ir, mrv, pa, buf, loadC, bptr] = Array.from({ length: 16 }, L);
    // Task -> (row block, column block).
    f.get(task).get(colTasks).i32DivU().get(rpt).i32Mul().set(r0);
    f.get(task).get(colTasks).i32RemU().get(cpt).i32Mul().set(c0);
    minInto(f, r1, () => f.get(m), () => f.get(r0).get(rpt).i32Add());
    minInto(f, c1, () => f.get(n), () => f.get(c0).get(cpt).i32Add());
    f.get(r0).get(r1).i32GeS().get(c0).get(c1).i32GeS().i32Or().if_().ret().end();
    // This thread's scratch: the edge-tile buffer, then the packed A block.
    f.get(scratch).get(thread).get(stride).i32Mul().i32Add().set(buf);
    f.get(buf).i32(EDGE_BYTES(cfg)).i32Add().set(pa);
    f.for_(ic, () => f.get(r0), () => f.get(r1), MC, () => {
      minInto(f, mc, () => f.i32(MC), () => f.get(r1).get(ic).i32Sub());
      f.for_(pc, () => f.i32(0), () => f.get(k), KC, () => {
        minInto(f, kc, () => f.i32(KC), () => f.get(k).get(pc).i32Sub());
        // pack A rows [ic, ic+mc), depth [pc, pc+kc)
        f.get(a).get(ic).get(aRow).i32Mul().i32Add().get(pc).get(aDepth).i32Mul().i32Add();
        f.get(aRow).get(aDepth).get(mc).get(kc).get(pa).call(packA);
        f.get(acc).get(pc).i32(0).i32GtS().i32Or().set(loadC);
        f.for_(jr, () => f.get(c0), () => f.get(c1), nr, () => {
          minInto(f, nrv, () => f.i32(nr), () => f.get(c1).get(jr).i32Sub());
          f.get(pb).get(pc).get(ncPad).i32Mul().get(jr).get(kc).i32Mul().i32Add().i32(2).i32Shl().i32Add().set(bptr);
          f.for_(ir, () => f.i32(0), () => f.get(mc), mr, () => {
            minInto(f, mrv, () => f.i32(mr), () => f.get(mc).get(ir).i32Sub());
            const operands = (): void => {
              f.get(kc);
              f.get(pa).get(ir).get(kc).i32Mul().i32(2).i32Shl().i32Add();
              f.get(bptr);
              f.get(c).get(ic).get(ir).i32Add().get(ldc).i32Mul().i32Add().get(jr).i32(2).i32Shl().i32Add();
              f.get(ldc).get(loadC);
            };
            f.get(mrv).i32(mr).i32Eq().get(nrv).i32(nr).i32Eq().i32And().if_();
            operands();
            f.call(ukr);
            f.else_();
            operands();
            f.get(mrv).get(nrv).get(buf).call(edge);
            f.end();
          });
        });
      });
    });
  }, false);
  mb.func('gemm_task', ['i32', 'i32', 'i32'], [], (f) => {
    const [task, thread, args] = [0, 1, 2];
    f.get(task).get(thread);
    for (let i = 0; i < T.words; i++) f.get(args).i32Load(i * 4);
    f.call(fn);
  });
  return fn;
}

/**
 * `gemm_batch_task(task, thread, args)`: whole products of a batch, one
 * thread each, for batches of products too small to split: task t runs
 * products `[t·perTask, …)`, packing B into this thread's own buffer
 * (once per task when B is shared) and running `gemm_block` over all of C.
 * Each element gets the same operations as in the split path.
 */
function buildBatchTask(mb: ModuleBuilder, packb: number, block: number): void {
  mb.func('gemm_batch_task', ['i32', 'i32', 'i32'], [], (f) => {
    const [task, thread, args] = [0, 1, 2];
    const L = (): number => f.local('i32');
    const w = Array.from({ length: B.words }, L);
    for (let i = 0; i < B.words; i++) f.get(args).i32Load(i * 4).set(w[i]);
    const [t, t0, t1, pbT] = [L(), L(), L(), L()];
    f.get(task).get(w[B.perTask]).i32Mul().set(t0);
    minInto(f, t1, () => f.get(w[B.batch]), () => f.get(t0).get(w[B.perTask]).i32Add());
    f.get(w[B.pbBase]).get(thread).get(w[B.pbStride]).i32Mul().i32Add().set(pbT);
    f.for_(t, () => f.get(t0), () => f.get(t1), 1, () => {
      f.get(w[B.sB]).get(t).get(t0).i32Eq().i32Or().if_(); // pack when B changes, or for the first product
      f.i32(0);
      for (let i = 0; i < P.words; i++) {
        if (i === P.b) f.get(w[B.p + i]).get(t).get(w[B.sB]).i32Mul().i32Add();
        else if (i === P.pb) f.get(pbT);
        else f.get(w[B.p + i]);
      }
      f.call(packb);
      f.end();
      f.i32(0).get(thread);
      for (let i = 0; i < T.words; i++) {
        if (i === T.a) f.get(w[B.t + i]).get(t).get(w[B.sA]).i32Mul().i32Add();
        else if (i === T.c) f.get(w[B.t + i]).get(t).get(w[B.sC]).i32Mul().i32Add();
        else if (i === T.pb) f.get(pbT);
        else f.get(w[B.t + i]);
      }
      f.call(block);
    });
  });
}

/**
 * Loads the `S` argument block into fresh i32 locals, in word order.
 */
function loadSmallArgs(f: FunctionBuilder, args: number): number[] {
  const w: number[] = [];
  for (let i = 0; i < S.words; i++) w.push(f.local('i32'));
  for (let i = 0; i < S.words; i++) f.get(args).i32Load(i * 4).set(w[i]);
  return w;
}

/**
 * `gemm_rows_task(task, thread, args)`, for a few rows of C against B read
 * row by row (`op(B)[p, j..]` contiguous, i.e. B not transposed), without
 * packing: for each row i, 16, then 4, then 1 columns at a time,
 * `acc += A[i,p] · B[p, j:j+w]` over p. Task t takes the columns
 * `[t·colsPerTask, …)`; `colsPerTask` is a multiple of 16, so a column's
 * code path (SIMD or the scalar tail) and hence its rounding never depend
 * on how many tasks there are.
 */
function buildRowsTask(mb: ModuleBuilder, relaxed: boolean): void {
  mb.func('gemm_rows_task', ['i32', 'i32', 'i32'], [], (f) => {
    const [task, , args] = [0, 1, 2];
    const [m, n, k, a, aRow, aDepth, b, bDepth, , c, ldc, acc, cpt] = loadSmallArgs(f, args);
    const [i, j, j1, p, ap, bp, cp] = Array.from({ length: 7 }, () => f.local('i32'));
    const x = f.local('v128');
    const s = Array.from({ length: 4 }, () => f.local('v128'));
    const sx = f.local('f32');
    minInto(f, j1, () => f.get(n), () => f.get(task).i32(1).i32Add().get(cpt).i32Mul());
    f.for_(i, () => f.i32(0), () => f.get(m), 1, () => {
      f.get(task).get(cpt).i32Mul().set(j);
      f.get(c).get(i).get(ldc).i32Mul().i32Add().get(j).i32(2).i32Shl().i32Add().set(cp);
      for (const width of [16, 4]) {
        const nv = width / 4;
        f.block().loop();
        f.get(j).i32(width).i32Add().get(j1).i32GtS().brIf(1);
        f.get(acc).if_();
        for (let v = 0; v < nv; v++) f.get(cp).v128Load(16 * v).set(s[v]);
        f.else_();
        f.f32(0).f32x4Splat().set(s[0]);
        for (let v = 1; v < nv; v++) f.get(s[0]).set(s[v]);
        f.end();
        f.get(a).get(i).get(aRow).i32Mul().i32Add().set(ap);
        f.get(b).get(j).i32(2).i32Shl().i32Add().set(bp);
        f.for_(p, () => f.i32(0), () => f.get(k), 1, () => {
          f.get(ap).v128Load32Splat().set(x);
          for (let v = 0; v < nv; v++) {
            if (relaxed) f.get(x).get(bp).v128Load(16 * v).get(s[v]).f32x4RelaxedMadd().set(s[v]);
            else f.get(s[v]).get(x).get(bp).v128Load(16 * v).f32x4Mul().f32x4Add().set(s[v]);
          }
          f.get(ap).get(aDepth).i32Add().set(ap);
          f.get(bp).get(bDepth).i32Add().set(bp);
        });
        for (let v = 0; v < nv; v++) f.get(cp).get(s[v]).v128Store(16 * v);
        f.get(cp).i32(width * 4).i32Add().set(cp);
        f.get(j).i32(width).i32Add().set(j);
        f.br(0).end().end();
      }
      // The last columns one at a time (scalar, same order over p).
      f.block().loop();
      f.get(j).get(j1).i32GeS().brIf(1);
      f.get(acc).if_();
      f.get(cp).f32Load().set(sx);
      f.else_();
      f.f32(0).set(sx);
      f.end();
      f.get(a).get(i).get(aRow).i32Mul().i32Add().set(ap);
      f.get(b).get(j).i32(2).i32Shl().i32Add().set(bp);
      f.for_(p, () => f.i32(0), () => f.get(k), 1, () => {
        f.get(ap).f32Load().get(bp).f32Load().f32Mul().get(sx).f32Add().set(sx);
        f.get(ap).get(aDepth).i32Add().set(ap);
        f.get(bp).get(bDepth).i32Add().set(bp);
      });
      f.get(cp).get(sx).f32Store();
      f.get(cp).i32(4).i32Add().set(cp);
      f.get(j).i32(1).i32Add().set(j);
      f.br(0).end().end();
    });
  });
}

/**
 * `gemm_dots{rt}x{ct}_task(task, thread, args)`, for A and B both
 * contiguous along the depth (A not transposed, B transposed, or a single
 * column): every C element is a dot product, computed `rt x ct` at a time
 * (each loaded vector of A serves `ct` columns, each of B `rt` rows), with
 * 4-lane partial sums over `k & ~3`, the lanes added as
 * `(l0 + l1) + (l2 + l3)`, then the depth remainder, then C when
 * accumulating: the same order for every element whatever the tile. Tiles
 * at the edges repeat the last row or column and store only the valid
 * ones. Task t takes rows `[ti·rowsPerTask, …)` and columns
 * `[tj·colsPerTask, …)` with `(ti, tj) = divmod(t, colTasks)`.
 */
function buildDotsTask(mb: ModuleBuilder, relaxed: boolean, rt: number, ct: number): void {
  mb.func(`gemm_dots${rt}x${ct}_task`, ['i32', 'i32', 'i32'], [], (f) => {
    const [task, , args] = [0, 1, 2];
    const [m, n, k, a, aRow, , b, , bCol, c, ldc, acc, cpt, rpt, colTasks] = loadSmallArgs(f, args);
    const [i, j, i0, i1, j0, j1, p, k4, last] = Array.from({ length: 9 }, () => f.local('i32'));
    const ap = Array.from({ length: rt }, () => f.local('i32'));
    const bp = Array.from({ length: ct }, () => f.local('i32'));
    const av = Array.from({ length: rt }, () => f.local('v128'));
    const bv = Array.from({ length: ct }, () => f.local('v128'));
    const s: number[][] = [];
    const sx: number[][] = [];
    for (let r = 0; r < rt; r++) {
      s.push(Array.from({ length: ct }, () => f.local('v128')));
      sx.push(Array.from({ length: ct }, () => f.local('f32')));
    }
    f.get(task).get(colTasks).i32DivU().get(rpt).i32Mul().set(i0);
    f.get(task).get(colTasks).i32RemU().get(cpt).i32Mul().set(j0);
    minInto(f, i1, () => f.get(m), () => f.get(i0).get(rpt).i32Add());
    minInto(f, j1, () => f.get(n), () => f.get(j0).get(cpt).i32Add());
    f.get(k).i32(-4).i32And().set(k4);
    f.for_(i, () => f.get(i0), () => f.get(i1), rt, () => {
      f.for_(j, () => f.get(j0), () => f.get(j1), ct, () => {
        // Row and column pointers, clamped to the last valid one.
        for (let r = 0; r < rt; r++) {
          minInto(f, last, () => f.get(i).i32(r).i32Add(), () => f.get(i1).i32(1).i32Sub());
          f.get(a).get(last).get(aRow).i32Mul().i32Add().set(ap[r]);
        }
        for (let q = 0; q < ct; q++) {
          minInto(f, last, () => f.get(j).i32(q).i32Add(), () => f.get(j1).i32(1).i32Sub());
          f.get(b).get(last).get(bCol).i32Mul().i32Add().set(bp[q]);
        }
        f.f32(0).f32x4Splat().set(s[0][0]);
        for (let r = 0; r < rt; r++) for (let q = 0; q < ct; q++) if (r + q > 0) f.get(s[0][0]).set(s[r][q]);
        f.i32(0).set(p);
        f.block().loop();
        f.get(p).get(k4).i32GeS().brIf(1);
        for (let r = 0; r < rt; r++) f.get(ap[r]).get(p).i32(2).i32Shl().i32Add().v128Load().set(av[r]);
        for (let q = 0; q < ct; q++) f.get(bp[q]).get(p).i32(2).i32Shl().i32Add().v128Load().set(bv[q]);
        for (let r = 0; r < rt; r++) for (let q = 0; q < ct; q++) madd(f, relaxed, av[r], bv[q], s[r][q]);
        f.get(p).i32(4).i32Add().set(p);
        f.br(0).end().end();
        for (let r = 0; r < rt; r++) {
          for (let q = 0; q < ct; q++) {
            const v = s[r][q];
            f.get(v).f32x4ExtractLane(0).get(v).f32x4ExtractLane(1).f32Add();
            f.get(v).f32x4ExtractLane(2).get(v).f32x4ExtractLane(3).f32Add();
            f.f32Add().set(sx[r][q]);
          }
        }
        // Depth remainder, scalar.
        f.block().loop();
        f.get(p).get(k).i32GeS().brIf(1);
        for (let r = 0; r < rt; r++) {
          for (let q = 0; q < ct; q++) {
            f.get(ap[r]).get(p).i32(2).i32Shl().i32Add().f32Load();
            f.get(bp[q]).get(p).i32(2).i32Shl().i32Add().f32Load();
            f.f32Mul().get(sx[r][q]).f32Add().set(sx[r][q]);
          }
        }
        f.get(p).i32(1).i32Add().set(p);
        f.br(0).end().end();
        // Store the valid elements: C[i+r, j+q] at c + (i+r)·ldc + 4(j+q).
        for (let r = 0; r < rt; r++) {
          for (let q = 0; q < ct; q++) {
            const cell = (): void => void f.get(c).get(i).i32(r).i32Add().get(ldc).i32Mul().i32Add().get(j).i32(q).i32Add().i32(2).i32Shl().i32Add();
            f.get(i).i32(r).i32Add().get(i1).i32LtS().get(j).i32(q).i32Add().get(j1).i32LtS().i32And().if_();
            f.get(acc).if_();
            cell();
            f.f32Load().get(sx[r][q]).f32Add().set(sx[r][q]);
            f.end();
            cell();
            f.get(sx[r][q]).f32Store();
            f.end();
          }
        }
      });
    });
  });
}

/** Register tiles of the dot-product kernels: `[rows, columns]`. */
const DOT_TILES: readonly [number, number][] = [[1, 4], [4, 1], [4, 2]];

/**
 * Adds the GEMM functions to the module: the packers, micro-kernel, edge
 * tile, the two task functions and the thin-product kernels.
 * @internal
 */
export function buildGemm(mb: ModuleBuilder, ctx: BuildContext, cfg: GemmConfig = GEMM_CONFIG): void {
  const packA = buildPacker(mb, 'gemm_pack_a', cfg.mr);
  const packB = buildPacker(mb, 'gemm_pack_b', cfg.nr);
  const ukr = buildMicroKernel(mb, cfg, ctx.relaxed);
  const edge = buildEdgeTile(mb, cfg, ukr);
  const packb = buildPackBTask(mb, cfg, packB);
  const block = buildTask(mb, cfg, packA, ukr, edge);
  buildBatchTask(mb, packb, block);
  buildRowsTask(mb, ctx.relaxed);
  for (const [rt, ct] of DOT_TILES) buildDotsTask(mb, ctx.relaxed, rt, ct);
}

// ---------------------------------------------------------------------------
// The driver.

/**
 * Below this many multiply-adds a GEMM runs as one task on the calling
 * thread. Measured with 2 threads (Node 20, 2-core VM, workers started):
 * 96^3 (0.9M multiply-adds) is the break-even (31.9 GFLOP/s on one thread,
 * 30.9 on two), 128^3 (2.1M) already runs 1.2-2x faster on two, 64^3 runs
 * no faster. A sleeping worker takes tens of microseconds to wake, about
 * what one core needs for 10^6 multiply-adds at 40 GFLOP/s.
 * @internal
 */
export const GEMM_PARALLEL_MIN_WORK = 1 << 20;
/**
 * Switches for tests and benchmarks: `smallPath` false sends thin products
 * through the packed path too.
 * @internal
 */
export const gemmTuning = { smallPath: true };
/** Tasks per thread in a parallel GEMM: more than one, so a thread slowed by other work does not hold up the rest. */
const TASKS_PER_THREAD = 4;
/** Packed B is kept whole when it fits this many bytes, else n is processed in column chunks. */
const PACKED_B_BUDGET = 8 << 20;

/**
 * The wasm heap could not provide a GEMM's scratch space (packed panels)
 * or a temporary copy of an operand. Callers catch it and run the
 * TypeScript kernel instead; nothing has been written to C when it is
 * thrown.
 * @internal
 */
export class GemmHeapFull extends DeviceError {
  constructor(bytes: number) {
    super(`gemm: expected ${bytes} bytes of wasm heap for scratch space, but the heap is at its limit`);
  }
}

const roundUp = (x: number, step: number): number => Math.ceil(x / step) * step;
/** Bytes of a thread's edge-tile buffer (one MR x NR tile, cache-line aligned). */
const EDGE_BYTES = (cfg: GemmConfig): number => roundUp(cfg.mr * cfg.nr * 4, 64);

/**
 * Runs a GEMM on the heap: `C_t (+)= op(A_t) · op(B_t)` for each product t
 * of the batch (all addresses on `rt.heap`; see {@link GemmSpec}). With
 * `k = 0`, C is zeroed (or left alone when accumulating). Threads split C,
 * never k, so the result is bit-identical for any thread count; it depends
 * only on the shapes, layouts and whether the module is relaxed.
 *
 * A batch of evenly spaced A against one B folds into one taller product;
 * a batch of products each below {@link GEMM_PARALLEL_MIN_WORK} runs whole
 * products per task in one call; thin products (m or n below the register
 * tile, when the layout allows) use the unpacked kernels.
 *
 * @throws {GemmHeapFull} When the heap cannot provide the packed-panel
 *   scratch space (nothing has been written to C then).
 * @internal
 */
export function gemm(rt: WasmRuntime, spec: GemmSpec): void {
  const cfg = GEMM_CONFIG;
  const { n, k, transA, transB, accumulate } = spec;
  let { m, batch = 1 } = spec;
  const sA = spec.strideA ?? 0;
  const sB = spec.strideB ?? 0;
  const sC = spec.strideC ?? 0;
  if (m === 0 || n === 0 || batch === 0) return;
  const heap = rt.heap;
  if (k === 0) {
    if (accumulate) return;
    for (let t = 0; t < batch; t++) {
      for (let i = 0; i < m; i++) heap.f32(spec.c + 4 * (t * sC + i * spec.ldc), n).fill(0);
    }
    return;
  }
  // Byte strides of op(A)[i, p] and op(B)[p, j].
  const aRow = transA ? 4 : 4 * spec.lda;
  const aDepth = transA ? 4 * spec.lda : 4;
  const bDepth = transB ? 4 : 4 * spec.ldb;
  const bCol = transB ? 4 * spec.ldb : 4;
  const ldc = 4 * spec.ldc;
  // A batch of evenly spaced A against one B, writing evenly spaced C, is one taller product.
  if (batch > 1 && sB === 0 && 4 * sA === m * aRow && 4 * sC === m * ldc) {
    m *= batch;
    batch = 1;
  }

  if (gemmTuning.smallPath && smallPath(rt, spec, m, batch, aRow, aDepth, bDepth, bCol, ldc)) return;

  const { mr, nr, kc: KC, mc: MC } = cfg;
  const chunk = k * roundUp(n, nr) * 4 <= PACKED_B_BUDGET ? n : Math.max(nr, Math.floor(PACKED_B_BUDGET / (4 * k * nr)) * nr);
  const threads = rt.threads;
  const minWork = rt.minParallelWork(GEMM_PARALLEL_MIN_WORK);
  const work = m * n * k;
  // A batch of products each too small to split runs whole products per task (one wasm call for the batch).
  const byProduct = batch > 1 && chunk >= n && work < minWork;
  const parallel = threads > 1 && (byProduct ? batch * work : work) >= minWork;
  const want = parallel ? threads * TASKS_PER_THREAD : 1;
  // The task grid: rows first (the packed B is shared, so row blocks cost nothing extra); columns only when m is too small.
  let rpt = roundUp(m, mr);
  let cpt = roundUp(chunk, nr);
  let colTasks = 1;
  let packTasks = 1;
  if (parallel && !byProduct) {
    const rowBlocks = Math.ceil(m / mr);
    rpt = roundUp(Math.ceil(m / Math.min(want, rowBlocks)), mr);
    const rowTasks = Math.ceil(m / rpt);
    if (rowTasks < want) {
      cpt = roundUp(Math.ceil(chunk / Math.ceil(want / rowTasks)), nr);
      colTasks = Math.ceil(chunk / cpt);
    }
    packTasks = Math.min(want, Math.ceil(chunk / nr));
  }
  const tasks = Math.ceil(m / rpt) * colTasks;
  const packCpt = roundUp(Math.ceil(chunk / packTasks), nr);
  packTasks = Math.ceil(chunk / packCpt);

  const slots = parallel ? threads : 1;
  const stride = EDGE_BYTES(cfg) + roundUp(Math.min(roundUp(rpt, mr), MC) * Math.min(k, KC) * 4, 64);
  const scratchBytes = slots * stride;
  // Packed B: one shared buffer, or one per thread when threads run whole products.
  const pbStride = roundUp(k * roundUp(chunk, nr) * 4, 64);
  const pbBytes = (byProduct ? slots : 1) * pbStride;
  const scratch = heap.alloc(scratchBytes);
  if (scratch < 0) throw new GemmHeapFull(scratchBytes);
  const pb = heap.alloc(pbBytes);
  if (pb < 0) {
    heap.free(scratch, scratchBytes);
    throw new GemmHeapFull(pbBytes);
  }
  const w = new Int32Array(byProduct ? B.words : T.words);
  const run = (name: string, n: number): void => {
    const ptr = heap.pushArgs(w);
    try {
      rt.parallel(name, n, ptr);
    } finally {
      heap.popArgs(ptr);
    }
  };
  const setPack = (o: number, b: number, nc: number, ncPad: number, cols: number): void => {
    w[o + P.b] = b;
    w[o + P.bDepth] = bDepth;
    w[o + P.bCol] = bCol;
    w[o + P.k] = k;
    w[o + P.n] = nc;
    w[o + P.pb] = pb;
    w[o + P.ncPad] = ncPad;
    w[o + P.colsPerTask] = cols;
  };
  const setTask = (o: number, a: number, c: number, nc: number, ncPad: number): void => {
    w[o + T.m] = m;
    w[o + T.n] = nc;
    w[o + T.k] = k;
    w[o + T.a] = a;
    w[o + T.aRow] = aRow;
    w[o + T.aDepth] = aDepth;
    w[o + T.pb] = pb;
    w[o + T.c] = c;
    w[o + T.ldc] = ldc;
    w[o + T.acc] = accumulate ? 1 : 0;
    w[o + T.scratch] = scratch;
    w[o + T.scratchStride] = stride;
    w[o + T.rowsPerTask] = rpt;
    w[o + T.colsPerTask] = cpt;
    w[o + T.colTasks] = colTasks;
    w[o + T.ncPad] = ncPad;
  };
  try {
    if (byProduct) {
      const ncPad = roundUp(n, nr);
      const perTask = Math.ceil(batch / want);
      setTask(B.t, spec.a, spec.c, n, ncPad);
      setPack(B.p, spec.b, n, ncPad, ncPad);
      w[B.sA] = 4 * sA;
      w[B.sB] = 4 * sB;
      w[B.sC] = 4 * sC;
      w[B.perTask] = perTask;
      w[B.batch] = batch;
      w[B.pbBase] = pb;
      w[B.pbStride] = pbStride;
      run('gemm_batch_task', Math.ceil(batch / perTask));
      return;
    }
    // Packed B can serve every product of a batch that shares one B, when it holds all of n.
    const reuseB = sB === 0 && chunk >= n;
    for (let t = 0; t < batch; t++) {
      for (let jc = 0; jc < n; jc += chunk) {
        const nc = Math.min(chunk, n - jc);
        const ncPad = roundUp(nc, nr);
        if (t === 0 || !reuseB) {
          setPack(0, spec.b + 4 * t * sB + jc * bCol, nc, ncPad, packCpt);
          run('gemm_packb_task', Math.min(packTasks, Math.ceil(nc / packCpt)));
        }
        setTask(0, spec.a + 4 * t * sA, spec.c + 4 * t * sC + 4 * jc, nc, ncPad);
        run('gemm_task', tasks);
      }
    }
  } finally {
    heap.free(pb, pbBytes);
    heap.free(scratch, scratchBytes);
  }
}

/**
 * Thin products (fewer rows or columns than a register tile) go to the
 * unpacked kernels when the layout suits one; returns whether it ran.
 * Which kernel and tile run depends only on the shapes and layouts, never
 * on the thread count.
 */
function smallPath(
  rt: WasmRuntime, spec: GemmSpec, m: number, batch: number,
  aRow: number, aDepth: number, bDepth: number, bCol: number, ldc: number,
): boolean {
  const { mr } = GEMM_CONFIG;
  const { n, k } = spec;
  let sA = 4 * (spec.strideA ?? 0);
  let sB = 4 * (spec.strideB ?? 0);
  const sC = 4 * (spec.strideC ?? 0);
  // [m, n, k, a, aRow, aDepth, b, bDepth, bCol, c, ldc, acc, colsPerTask, rowsPerTask, colTasks]
  const w = [m, n, k, spec.a, aRow, aDepth, spec.b, bDepth, bCol, spec.c, ldc, spec.accumulate ? 1 : 0, 0, 0, 1];
  let rows: boolean;
  let tile: readonly [number, number] = [1, 4];
  if (m < mr && bCol === 4) {
    // A few rows against B read row by row.
    rows = true;
  } else if ((m < mr || n < SMALL_N) && aDepth === 4 && bDepth === 4) {
    // Dot products of contiguous rows of A and columns of B.
    rows = false;
    tile = m < mr ? [1, 4] : n === 1 ? [4, 1] : [4, 2];
  } else if (n === 1 && aRow === 4 && ldc === 4) {
    // One column with A transposed: Cᵀ = op(B)ᵀ · op(A)ᵀ is one row against Aᵀ ([k, m], read by rows).
    rows = true;
    w.splice(0, 11, 1, m, k, spec.b, 0, bDepth, spec.a, aDepth, 4, spec.c, 4 * m);
    [sA, sB] = [sB, sA];
  } else {
    return false;
  }
  const [M, N] = [w[S.m], w[S.n]];
  const parallel = rt.threads > 1 && M * N * k >= rt.minParallelWork(SMALL_PARALLEL_MIN_WORK);
  const want = parallel ? rt.threads * TASKS_PER_THREAD : 1;
  let tasks: number;
  let name: string;
  if (rows) {
    name = 'gemm_rows_task';
    w[S.colsPerTask] = roundUp(Math.ceil(N / want), 16);
    tasks = Math.ceil(N / w[S.colsPerTask]);
  } else {
    const [tr, tc] = tile;
    name = `gemm_dots${tr}x${tc}_task`;
    if (M / tr >= N / tc) {
      w[S.rowsPerTask] = roundUp(Math.ceil(M / want), tr);
      w[S.colsPerTask] = roundUp(N, tc);
    } else {
      w[S.rowsPerTask] = roundUp(M, tr);
      w[S.colsPerTask] = roundUp(Math.ceil(N / want), tc);
    }
    w[S.colTasks] = Math.ceil(N / w[S.colsPerTask]);
    tasks = Math.ceil(M / w[S.rowsPerTask]) * w[S.colTasks];
  }
  const a0 = w[S.a];
  const b0 = w[S.b];
  const c0 = w[S.c];
  for (let t = 0; t < batch; t++) {
    w[S.a] = a0 + t * sA;
    w[S.b] = b0 + t * sB;
    w[S.c] = c0 + t * sC;
    const ptr = rt.heap.pushArgs(w);
    try {
      rt.parallel(name, tasks, ptr);
    } finally {
      rt.heap.popArgs(ptr);
    }
  }
  return true;
}

/**
 * Below this many multiply-adds a thin product runs as one task (as for
 * the packed path: the same wake-up cost against similar per-core speed).
 */
const SMALL_PARALLEL_MIN_WORK = 1 << 20;

/** Products with fewer columns than this use the dot-product kernel when A's rows and B's columns are contiguous. */
const SMALL_N = 4;
