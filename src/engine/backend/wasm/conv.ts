/**
 * Float32 2-D convolution and its two gradients on the wasm heap (NHWC
 * input, HWIO filter, TensorFlow semantics, sizes from a
 * {@link Conv2DGeometry}). `M = batch · outHeight · outWidth` output pixels,
 * `K = filterHeight · filterWidth · inChannels` patch columns (ordered
 * `(fy, fx, ci)`, the filter's row order).
 *
 * Two families of kernels, chosen per call:
 *
 * - Direct kernels (no patches), used when the filter fits
 *   {@link DIRECT_MAX_FILTER_BYTES} (an L2 cache) and the stride, channel
 *   counts suit them:
 *   - forward (`conv_direct_task`): register tiles of 2 neighbouring output
 *     pixels x 16 output channels; per tap and input channel two broadcast
 *     inputs and four filter vectors feed 8 multiply-adds. The filter is
 *     read in place (HWIO rows are output channels), inputs straight from
 *     NHWC, so there is no im2col and no packing. Measured 1.2x (3x3, 32 ->
 *     64 channels) to 2x (3x3, 1 -> 32) faster than im2col + GEMM.
 *   - input gradient, stride 1: the same kernel on dy, with the filter
 *     flipped in space and its channel axes swapped (`dx` is a convolution
 *     of `dy`).
 *   - filter gradient (`conv_dw_task`): tiles of 2 filter rows x 16 output
 *     channels reduced over the output pixels of a row band, each band
 *     into its own partial, the partials summed in order by `conv_sum`
 *     (results do not depend on the thread count).
 * - im2col + the GEMM of `gemm.ts` (which threads itself) otherwise:
 *   - forward: `out[M, CO] = col[M, K] · W[K, CO]`;
 *   - input gradient: `dCol[M, K] = dy[M, CO] · Wᵀ`, then col2im adds each
 *     patch column back into `dx`;
 *   - filter gradient: `dW[K, CO] = colᵀ · dy`, accumulated over chunks.
 *
 *   The batch is processed in chunks of output rows so the column buffer
 *   stays near `convTuning.colChunkBytes` (8 MiB). A 1x1 convolution with
 *   stride 1 and no padding needs no patches: `x` is the column matrix. im2col
 *   copies each filter row's run of taps as one block when the column
 *   dilation is 1 (`filterWidth · inChannels` contiguous floats in NHWC),
 *   with SIMD copies and zero fill for padding; col2im is a gather over `dx`
 *   rows (each `dx` cell sums the patch entries that read it), so row bands
 *   never write the same cell.
 *
 * Every kernel is a task function over bands of rows, run by
 * `WasmRuntime.parallel` (one task below {@link CONV_PARALLEL_MIN_WORK}).
 * Arrays on the heap are used in place; others are copied into temporary
 * blocks. When the heap cannot hold a temporary (or the GEMM its scratch),
 * the TypeScript kernel runs instead.
 *
 * @internal
 * @module
 */
import type { FunctionBuilder, ModuleBuilder } from './asm.js';
import type { BuildContext, WasmRuntime } from './runtime.js';
import { gemm, GemmHeapFull } from './gemm.js';
import { HeapFull, Staging } from './staging.js';
import type { Conv2DGeometry } from '../../conv-geometry.js';
import { ShapeError } from '../../errors.js';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, conv2dKernel } from '../cpu/kernels/conv.js';

/** Task functions of this module (see `WasmRuntime.parallel`). @internal */
export const CONV_TASKS: readonly string[] = ['conv_im2col_task', 'conv_col2im_task', 'conv_direct_task', 'conv_dw_task'];

/**
 * Tuning knobs of the wasm convolutions (tests shrink the chunk to exercise
 * chunk boundaries).
 * @internal
 */
export const convTuning = {
  /**
   * Target size of one chunk's column buffer: big enough that the GEMM sees
   * thousands of rows, small enough to stay out of the way of the tensors.
   */
  colChunkBytes: 8 << 20,
  /**
   * The direct kernel (no patches) for the forward pass and the stride-1
   * input gradient: `'auto'` (filters up to {@link DIRECT_MAX_FILTER_BYTES}),
   * or forced on or off.
   */
  direct: 'auto' as 'auto' | boolean,
  /** Filter-gradient partition: 0 chooses by work, n forces n tasks (tests). */
  dwTasks: 0,
  /** Filter-gradient rows per sub-band: 0 chooses by size, n forces n (tests). */
  dwSubBandRows: 0,
};

/**
 * The direct kernel re-reads the filter for every row of output; up to
 * this size (the L2 cache) that beats im2col + GEMM, measured from 3x3x1x32
 * (2x faster) to 3x3x128x128 (10%); at 3x3x256x256 (2.4 MB) the GEMM's
 * cache blocking wins by 30%.
 * @internal
 */
export const DIRECT_MAX_FILTER_BYTES = 1 << 20;

/**
 * The word layout of the argument block every task function reads
 * (`i32` words, byte addresses for pointers); each uses the words it needs.
 */
const ARG = {
  /** x (im2col, direct kernels) or dx (col2im). */
  x: 0,
  /** The column buffer at the chunk's first row (im2col, col2im); the filter (direct); dy (filter gradient). */
  col: 1,
  H: 2, W: 3, C: 4, OH: 5, OW: 6, FH: 7, FW: 8,
  sh: 9, sw: 10, dh: 11, dw: 12, pt: 13, pl: 14,
  /** Floats per column row, or filter rows (K). */
  K: 15,
  /** The chunk's global output rows `[q0, q1)` (row = `b · OH + oy`). */
  q0: 16, q1: 17,
  /** Rows the tasks cover: output rows (im2col, direct kernels) or dx rows `b · H + iy` (col2im). */
  p0: 18, pEnd: 19,
  /** Rows per task. */
  rpt: 20,
  /** The output (direct kernel) or the first partial (filter gradient). */
  out: 21,
  /** Output channels (direct kernels). */
  CO: 22,
  /** Floats between filter rows (direct kernel): CO, or CO rounded up to 4 in a padded copy. */
  ldw: 23,
  /** Output rows per sub-band (filter-gradient kernel). */
  sbr: 24,
} as const;
const N_ARGS = 25;

type F = FunctionBuilder;

/**
 * `for (i = from; i < to; i++)` whose body sits in a block: from the body's
 * top level `br 0` continues and `br 2` breaks.
 */
function forC(f: F, i: number, from: () => void, to: () => void, body: () => void): void {
  f.for_(i, from, to, 1, () => {
    f.block();
    body();
    f.end();
  });
}

/**
 * Streams floats over the byte range `[d, e)`: 64 bytes per step, then 16,
 * then 4. `wide(n)` handles one v128 at byte offset `n`, `narrow()` one
 * float at offset 0; `advance(bytes)` moves every pointer but `d`.
 */
function emitStream(f: F, d: number, e: number, wide: (off: number) => void, narrow: () => void, advance: (bytes: number) => void): void {
  f.while_(() => f.get(e).get(d).i32(64).i32Add().i32GeU(), () => {
    for (let o = 0; o < 64; o += 16) wide(o);
    f.get(d).i32(64).i32Add().set(d);
    advance(64);
  });
  f.while_(() => f.get(e).get(d).i32(16).i32Add().i32GeU(), () => {
    wide(0);
    f.get(d).i32(16).i32Add().set(d);
    advance(16);
  });
  f.while_(() => f.get(d).get(e).i32LtU(), () => {
    narrow();
    f.get(d).i32(4).i32Add().set(d);
    advance(4);
  });
}

/** Zeroes bytes `[d, e)` (float-aligned); `d` ends at `e`. `z` is a zero v128. */
function emitZero(f: F, d: number, e: number, z: number): void {
  emitStream(
    f, d, e,
    (o) => void f.get(d).get(z).v128Store(o),
    () => void f.get(d).f32(0).f32Store(),
    () => {},
  );
}

/** Copies `s` to `[d, e)`; both pointers advance. */
function emitCopy(f: F, d: number, s: number, e: number): void {
  emitStream(
    f, d, e,
    (o) => void f.get(d).get(s).v128Load(o).v128Store(o),
    () => void f.get(d).get(s).f32Load().f32Store(),
    (n) => void f.get(s).i32(n).i32Add().set(s),
  );
}

/** Adds `s` into `[d, e)`; both pointers advance. */
function emitAddInto(f: F, d: number, s: number, e: number): void {
  emitStream(
    f, d, e,
    (o) => void f.get(d).get(d).v128Load(o).get(s).v128Load(o).f32x4Add().v128Store(o),
    () => void f.get(d).get(d).f32Load().get(s).f32Load().f32Add().f32Store(),
    (n) => void f.get(s).i32(n).i32Add().set(s),
  );
}

/** Loads the argument block into fresh locals, named as in {@link ARG}. */
function loadArgs(f: F, args: number): Record<keyof typeof ARG, number> {
  const out = {} as Record<keyof typeof ARG, number>;
  for (const [k, idx] of Object.entries(ARG) as [keyof typeof ARG, number][]) {
    const l = f.local('i32');
    f.get(args).i32Load(idx * 4).set(l);
    out[k] = l;
  }
  return out;
}

/** `[lo, hi)` = the task's band of rows: `p0 + task·rpt`, at most `rpt` rows, clipped at `pEnd`. */
function emitBand(f: F, task: number, a: Record<keyof typeof ARG, number>, lo: number, hi: number): void {
  f.get(a.p0).get(task).get(a.rpt).i32Mul().i32Add().tee(lo).get(a.rpt).i32Add().set(hi);
  f.get(hi).get(a.pEnd).get(hi).get(a.pEnd).i32LtS().select().set(hi);
}

/**
 * Adds the convolution functions (`conv_*`) to the kernel module: the
 * im2col and col2im tasks, the direct forward and filter-gradient tasks,
 * and `conv_sum`.
 * @internal
 */
export function buildConv(mb: ModuleBuilder, ctx: BuildContext, cfg: ConvConfig = CONV_CONFIG): void {
  // conv_im2col_task(task, thread, args): column rows of output rows
  // [p0 + task·rpt, ...) into col + (q - q0)·OW·K floats.
  mb.func('conv_im2col_task', ['i32', 'i32', 'i32'], [], (f) => {
    const task = 0;
    const a = loadArgs(f, 2);
    const L = (): number => f.local('i32');
    const q = L(), qEnd = L(), b = L(), oy = L(), ox = L(), fy = L(), fx = L();
    const iy0 = L(), ix0 = L(), iy = L(), fxA = L(), fxB = L();
    const d = L(), e = L(), s = L(), xImg = L(), cB = L(), tapB = L(), gapB = L();
    const z = f.local('v128');
    f.i32(0).i32x4Splat().set(z);
    f.get(a.C).i32(2).i32Shl().set(cB);
    f.get(a.FW).get(cB).i32Mul().set(tapB);
    f.get(a.dw).i32(1).i32Sub().get(cB).i32Mul().set(gapB); // skipped bytes between dilated taps
    emitBand(f, task, a, q, qEnd);
    // d = col + (q - q0)·OW·K·4
    f.get(a.col).get(q).get(a.q0).i32Sub().get(a.OW).i32Mul().get(a.K).i32Mul().i32(2).i32Shl().i32Add().set(d);
    f.for_(q, () => f.get(q), () => f.get(qEnd), 1, () => {
      f.get(q).get(a.OH).i32DivU().set(b);
      f.get(q).get(b).get(a.OH).i32Mul().i32Sub().set(oy);
      f.get(a.x).get(b).get(a.H).i32Mul().get(a.W).i32Mul().get(cB).i32Mul().i32Add().set(xImg);
      f.get(oy).get(a.sh).i32Mul().get(a.pt).i32Sub().set(iy0);
      f.for_(ox, () => f.i32(0), () => f.get(a.OW), 1, () => {
        f.get(ox).get(a.sw).i32Mul().get(a.pl).i32Sub().set(ix0);
        // Valid taps fx in [fxA, fxB): 0 <= ix0 + fx·dw < W.
        f.get(a.dw).i32(1).i32Eq().if_();
        {
          f.i32(0).get(ix0).i32Sub().i32(0).get(ix0).i32(0).i32LtS().select().set(fxA);
          f.get(a.W).get(ix0).i32Sub().set(fxB);
        }
        f.else_();
        {
          f.i32(0).get(ix0).i32Sub().get(a.dw).i32Add().i32(1).i32Sub().get(a.dw).i32DivS()
            .i32(0).get(ix0).i32(0).i32LtS().select().set(fxA);
          f.get(a.W).get(ix0).i32Sub().get(a.dw).i32Add().i32(1).i32Sub().get(a.dw).i32DivS()
            .i32(0).get(a.W).get(ix0).i32GtS().select().set(fxB);
        }
        f.end();
        // fxA = min(fxA, FW); fxB = min(fxB, FW); fxB = max(fxB, fxA)
        f.get(fxA).get(a.FW).get(fxA).get(a.FW).i32LtS().select().set(fxA);
        f.get(fxB).get(a.FW).get(fxB).get(a.FW).i32LtS().select().set(fxB);
        f.get(fxB).get(fxA).get(fxB).get(fxA).i32GtS().select().set(fxB);
        f.for_(fy, () => f.i32(0), () => f.get(a.FH), 1, () => {
          f.get(iy0).get(fy).get(a.dh).i32Mul().i32Add().tee(iy).get(a.H).i32GeU().if_();
          {
            // The whole filter row reads padding.
            f.get(d).get(tapB).i32Add().set(e);
            emitZero(f, d, e, z);
          }
          f.else_();
          {
            f.get(d).get(fxA).get(cB).i32Mul().i32Add().set(e);
            emitZero(f, d, e, z);
            // s = xImg + (iy·W + ix0 + fxA·dw)·C·4
            f.get(xImg).get(iy).get(a.W).i32Mul().get(ix0).i32Add().get(fxA).get(a.dw).i32Mul().i32Add().get(cB).i32Mul().i32Add().set(s);
            f.get(a.dw).i32(1).i32Eq().if_();
            {
              // One contiguous run of (fxB - fxA)·C floats.
              f.get(d).get(fxB).get(fxA).i32Sub().get(cB).i32Mul().i32Add().set(e);
              emitCopy(f, d, s, e);
            }
            f.else_();
            f.for_(fx, () => f.get(fxA), () => f.get(fxB), 1, () => {
              f.get(d).get(cB).i32Add().set(e);
              emitCopy(f, d, s, e);
              f.get(s).get(gapB).i32Add().set(s);
            });
            f.end();
            f.get(d).get(a.FW).get(fxB).i32Sub().get(cB).i32Mul().i32Add().set(e);
            emitZero(f, d, e, z);
          }
          f.end();
        });
      });
    });
  });

  // conv_col2im_task(task, thread, args): for dx rows p (= b·H + iy) in the
  // task's band, adds every patch entry of output rows [q0, q1) that reads
  // the row. Rows of dx belong to one task, so tasks never collide.
  mb.func('conv_col2im_task', ['i32', 'i32', 'i32'], [], (f) => {
    const task = 0;
    const a = loadArgs(f, 2);
    const L = (): number => f.local('i32');
    const p = L(), pE = L(), b = L(), iy = L(), fy = L(), fx = L(), ix = L();
    const t = L(), oy = L(), ox = L(), qq = L(), u = L();
    const dxRow = L(), rowBase = L(), dpix = L(), d = L(), e = L(), s = L(), cB = L();
    f.get(a.C).i32(2).i32Shl().set(cB);
    emitBand(f, task, a, p, pE);
    f.for_(p, () => f.get(p), () => f.get(pE), 1, () => {
      f.get(p).get(a.H).i32DivU().set(b);
      f.get(p).get(b).get(a.H).i32Mul().i32Sub().set(iy);
      f.get(a.x).get(p).get(a.W).i32Mul().get(cB).i32Mul().i32Add().set(dxRow);
      forC(f, fy, () => f.i32(0), () => f.get(a.FH), () => {
        // t = iy + pt - fy·dh = oy·sh; stop once negative (t falls with fy).
        f.get(iy).get(a.pt).i32Add().get(fy).get(a.dh).i32Mul().i32Sub().tee(t).i32(0).i32LtS().brIf(2);
        f.get(a.sh).i32(1).i32Eq().if_();
        f.get(t).set(oy);
        f.else_();
        f.get(t).get(a.sh).i32RemS().brIf(1); // continue: not on the stride grid
        f.get(t).get(a.sh).i32DivS().set(oy);
        f.end();
        f.get(oy).get(a.OH).i32GeS().brIf(0);
        f.get(b).get(a.OH).i32Mul().get(oy).i32Add().tee(qq).get(a.q0).i32LtS().brIf(0);
        f.get(qq).get(a.q1).i32GeS().brIf(0);
        // rowBase = dcol + ((qq - q0)·OW·K + fy·FW·C)·4
        f.get(a.col).get(qq).get(a.q0).i32Sub().get(a.OW).i32Mul().get(a.K).i32Mul()
          .get(fy).get(a.FW).i32Mul().get(a.C).i32Mul().i32Add().i32(2).i32Shl().i32Add().set(rowBase);
        f.for_(ix, () => f.i32(0), () => f.get(a.W), 1, () => {
          f.get(dxRow).get(ix).get(cB).i32Mul().i32Add().set(dpix);
          forC(f, fx, () => f.i32(0), () => f.get(a.FW), () => {
            f.get(ix).get(a.pl).i32Add().get(fx).get(a.dw).i32Mul().i32Sub().tee(u).i32(0).i32LtS().brIf(2);
            f.get(a.sw).i32(1).i32Eq().if_();
            f.get(u).set(ox);
            f.else_();
            f.get(u).get(a.sw).i32RemS().brIf(1);
            f.get(u).get(a.sw).i32DivS().set(ox);
            f.end();
            f.get(ox).get(a.OW).i32GeS().brIf(0);
            // s = rowBase + (ox·K + fx·C)·4
            f.get(rowBase).get(ox).get(a.K).i32Mul().get(fx).get(a.C).i32Mul().i32Add().i32(2).i32Shl().i32Add().set(s);
            f.get(dpix).tee(d).get(cB).i32Add().set(e);
            emitAddInto(f, d, s, e);
          });
        });
      });
    });
  });

  buildDirect(mb, ctx.relaxed, cfg);
  buildFilterGrad(mb, ctx.relaxed);
  buildSum(mb);
}

/**
 * Code-generation options of the convolution kernels (benchmarks build
 * variants).
 * @internal
 */
export interface ConvConfig {
  /** v128 accumulators (4 output channels each) per pixel in a pass of the direct kernel. */
  directVectors: number;
  /** The direct kernel computes two neighbouring output pixels at once where their windows are alike. */
  directPairs: boolean;
}

/**
 * The configuration the runtime's module is built with: pairs of pixels x
 * 4 vectors is 8 accumulators + 4 filter vectors + 2 broadcasts, 14 of the
 * 15 xmm registers V8 allocates. On the 3x3, 1 -> 32 channel W4 layer
 * (batch 128) it ran in 2.2 ms against 4.1 (pairs x 8 vectors, spilling),
 * 4.3 (single pixels x 4) and 5.3 (single x 8).
 * @internal
 */
export const CONV_CONFIG: ConvConfig = { directVectors: 4, directPairs: true };

/**
 * conv_direct_task(task, thread, args): the forward convolution without
 * patches, for few input channels (a first layer). Per output pixel (or
 * pair of neighbouring pixels whose windows clip alike) and block of
 * `4·nv` output channels, nv v128 accumulators per pixel take one
 * broadcast input value times a filter row slice per tap and input channel.
 * With column dilation 1 the taps of one filter row are one contiguous run
 * of `x` and of the filter, walked by one loop.
 */
function buildDirect(mb: ModuleBuilder, relaxed: boolean, cfg: ConvConfig): void {
  const maxVectors = cfg.directVectors;
  mb.func('conv_direct_task', ['i32', 'i32', 'i32'], [], (f) => {
    const task = 0;
    const a = loadArgs(f, 2);
    const L = (): number => f.local('i32');
    const q = L(), qEnd = L(), b = L(), oy = L(), ox = L(), fy = L(), fx = L(), ci = L(), co = L(), rem = L(), ldwB = L();
    const iy0 = L(), ix0 = L(), fyA = L(), fyB = L(), fxA = L(), fxB = L(), fxA2 = L(), fxB2 = L(), ix1 = L();
    const xImg = L(), xp = L(), xe = L(), wp = L(), oPix = L(), cB = L(), coB = L(), gapB = L(), pixB = L(), xo = L();
    const s0 = f.local('v128');
    const s1 = f.local('v128');
    const acc0 = Array.from({ length: maxVectors }, () => f.local('v128'));
    const acc1 = Array.from({ length: maxVectors }, () => f.local('v128'));
    const wv = Array.from({ length: maxVectors }, () => f.local('v128'));
    f.get(a.C).i32(2).i32Shl().set(cB);
    f.get(a.CO).i32(2).i32Shl().set(coB);
    f.get(a.ldw).i32(2).i32Shl().set(ldwB);
    f.get(a.dw).i32(1).i32Sub().get(cB).i32Mul().set(gapB);
    f.get(a.sw).get(cB).i32Mul().set(pixB); // bytes between the inputs of neighbouring output pixels
    emitBand(f, task, a, q, qEnd);
    /** [lo, hi) of taps t with 0 <= base + t·dil < size, clipped to [0, n). */
    const validRange = (base: number, dil: number, size: number, n: number, lo: number, hi: number): void => {
      f.i32(0).get(base).i32Sub().get(dil).i32Add().i32(1).i32Sub().get(dil).i32DivS()
        .i32(0).get(base).i32(0).i32LtS().select().set(lo);
      f.get(size).get(base).i32Sub().get(dil).i32Add().i32(1).i32Sub().get(dil).i32DivS()
        .i32(0).get(size).get(base).i32GtS().select().set(hi);
      f.get(lo).get(n).get(lo).get(n).i32LtS().select().set(lo);
      f.get(hi).get(n).get(hi).get(n).i32LtS().select().set(hi);
      f.get(hi).get(lo).get(hi).get(lo).i32GtS().select().set(hi);
    };
    /** Runs `body` once per valid (fy, fx, ci) tap with xp at the (first) pixel's input value and wp at the filter row + co. */
    const taps = (body: () => void): void => {
      f.for_(fy, () => f.get(fyA), () => f.get(fyB), 1, () => {
        // xp = xImg + ((iy0 + fy·dh)·W + ix0 + fxA·dw)·C·4 + xo
        f.get(xImg).get(iy0).get(fy).get(a.dh).i32Mul().i32Add().get(a.W).i32Mul()
          .get(ix0).i32Add().get(fxA).get(a.dw).i32Mul().i32Add().get(cB).i32Mul().i32Add().get(xo).i32Add().set(xp);
        // wp = w + ((fy·FW + fxA)·C·ldw + co)·4
        f.get(a.col).get(fy).get(a.FW).i32Mul().get(fxA).i32Add().get(a.C).i32Mul().get(a.ldw).i32Mul()
          .get(co).i32Add().i32(2).i32Shl().i32Add().set(wp);
        f.get(a.dw).i32(1).i32Eq().if_();
        {
          // One run of (fxB - fxA)·C values.
          f.get(xp).get(fxB).get(fxA).i32Sub().get(cB).i32Mul().i32Add().set(xe);
          f.while_(() => f.get(xp).get(xe).i32LtU(), () => {
            body();
            f.get(xp).i32(4).i32Add().set(xp);
            f.get(wp).get(ldwB).i32Add().set(wp);
          });
        }
        f.else_();
        f.for_(fx, () => f.get(fxA), () => f.get(fxB), 1, () => {
          f.for_(ci, () => f.i32(0), () => f.get(a.C), 1, () => {
            body();
            f.get(xp).i32(4).i32Add().set(xp);
            f.get(wp).get(ldwB).i32Add().set(wp);
          });
          f.get(xp).get(gapB).i32Add().set(xp);
        });
        f.end();
      });
    };
    const madd = (sv: number, w: number, acc: number): void => {
      if (relaxed) f.get(sv).get(w).get(acc).f32x4RelaxedMadd().set(acc);
      else f.get(sv).get(w).f32x4Mul().get(acc).f32x4Add().set(acc);
    };
    /**
     * Output channels [co, co + 4·nv) of one pixel or a pair (the second
     * `pixB` further in x and `coB` further in out); `partial`: one vector
     * of which only `rem` lanes are stored (the filter copy is padded).
     */
    const block = (nv: number, pair: boolean, partial = false): void => {
      for (let v = 0; v < nv; v++) {
        f.i32(0).i32x4Splat().set(acc0[v]);
        if (pair) f.i32(0).i32x4Splat().set(acc1[v]);
      }
      taps(() => {
        f.get(xp).v128Load32Splat().set(s0);
        if (pair) f.get(xp).get(pixB).i32Add().v128Load32Splat().set(s1);
        for (let v = 0; v < nv; v++) f.get(wp).v128Load(16 * v).set(wv[v]);
        for (let v = 0; v < nv; v++) {
          madd(s0, wv[v], acc0[v]);
          if (pair) madd(s1, wv[v], acc1[v]);
        }
      });
      if (partial) {
        for (let l = 0; l < 3; l++) {
          f.get(rem).i32(l).i32GtS().if_();
          f.get(oPix).get(co).i32(2).i32Shl().i32Add().get(acc0[0]).f32x4ExtractLane(l).f32Store(4 * l);
          if (pair) f.get(oPix).get(co).i32(2).i32Shl().i32Add().get(coB).i32Add().get(acc1[0]).f32x4ExtractLane(l).f32Store(4 * l);
          f.end();
        }
        return;
      }
      for (let v = 0; v < nv; v++) {
        f.get(oPix).get(co).i32(2).i32Shl().i32Add().get(acc0[v]).v128Store(16 * v);
        if (pair) f.get(oPix).get(co).i32(2).i32Shl().i32Add().get(coB).i32Add().get(acc1[v]).v128Store(16 * v);
      }
    };
    /** Runs `body(pair)` over the row's output pixels, two at a time where their windows clip alike. */
    const pixels = (body: (pair: boolean) => void): void => {
      f.i32(0).set(ox);
      f.while_(() => f.get(ox).get(a.OW).i32LtS(), () => {
        f.get(ox).get(a.sw).i32Mul().get(a.pl).i32Sub().set(ix0);
        validRange(ix0, a.dw, a.W, a.FW, fxA, fxB);
        f.get(a.out).get(q).get(a.OW).i32Mul().get(ox).i32Add().get(coB).i32Mul().i32Add().set(oPix);
        if (cfg.directPairs) {
          f.get(ix0).get(a.sw).i32Add().set(ix1);
          validRange(ix1, a.dw, a.W, a.FW, fxA2, fxB2);
          f.get(ox).i32(1).i32Add().get(a.OW).i32LtS()
            .get(fxA2).get(fxA).i32Eq().i32And()
            .get(fxB2).get(fxB).i32Eq().i32And()
            .if_();
          body(true);
          f.get(ox).i32(2).i32Add().set(ox);
          f.else_();
          body(false);
          f.get(ox).i32(1).i32Add().set(ox);
          f.end();
        } else {
          body(false);
          f.get(ox).i32(1).i32Add().set(ox);
        }
      });
    };
    f.i32(0).set(xo);
    f.for_(q, () => f.get(q), () => f.get(qEnd), 1, () => {
      f.get(q).get(a.OH).i32DivU().set(b);
      f.get(q).get(b).get(a.OH).i32Mul().i32Sub().set(oy);
      f.get(a.x).get(b).get(a.H).i32Mul().get(a.W).i32Mul().get(cB).i32Mul().i32Add().set(xImg);
      f.get(oy).get(a.sh).i32Mul().get(a.pt).i32Sub().set(iy0);
      validRange(iy0, a.dh, a.H, a.FH, fyA, fyB);
      // Channel blocks outermost: one block's filter columns (K·16·nv bytes) stay in L1 across the row.
      f.i32(0).set(co);
      for (let nv = maxVectors; nv >= 1; nv >>= 1) {
        f.while_(() => f.get(a.CO).get(co).i32(4 * nv).i32Add().i32GeS(), () => {
          pixels((pair) => block(nv, pair));
          f.get(co).i32(4 * nv).i32Add().set(co);
        });
      }
      // The last 1-3 channels: one vector over the padded filter, stored lane by lane.
      f.get(a.CO).get(co).i32Sub().tee(rem).i32(0).i32GtS().if_();
      pixels((pair) => block(1, pair, true));
      f.end();
    });
  });
}

/**
 * conv_dw_task(task, thread, args): the filter gradient of output rows
 * `[p0 + task·rpt, ...)` without patches, written to the task's own partial
 * `out + task·K·CO·4` (tasks never share one; `conv_sum` adds them up in
 * task order, so the result does not depend on which thread ran what).
 *
 * A tile is two filter rows (input channels ci, ci+1 of one tap) by
 * `4·nv` output channels: 2·nv accumulators, and per output pixel two
 * broadcast inputs and nv vectors of dy. The rows are walked in sub-bands
 * of `sbr` rows, all tiles per sub-band, so the sub-band's dy and x stay in
 * cache while every tile passes over them. Output channels must be a
 * multiple of 4.
 */
function buildFilterGrad(mb: ModuleBuilder, relaxed: boolean): void {
  const NV = 4;
  mb.func('conv_dw_task', ['i32', 'i32', 'i32'], [], (f) => {
    const task = 0;
    const a = loadArgs(f, 2);
    const L = (): number => f.local('i32');
    const q = L(), qEnd = L(), sb = L(), sbEnd = L(), b0 = L(), oy0 = L(), b = L(), oy = L(), qq = L();
    const fy = L(), fx = L(), ci = L(), co = L(), xoff = L(), oxA = L(), oxB = L(), iy = L();
    const P = L(), xp = L(), dp = L(), de = L(), d = L(), e = L(), cB = L(), coB = L(), pixB = L(), kRow = L();
    const z = f.local('v128');
    const s0 = f.local('v128');
    const s1 = f.local('v128');
    const acc0 = Array.from({ length: NV }, () => f.local('v128'));
    const acc1 = Array.from({ length: NV }, () => f.local('v128'));
    const dv = Array.from({ length: NV }, () => f.local('v128'));
    f.i32(0).i32x4Splat().set(z);
    f.get(a.C).i32(2).i32Shl().set(cB);
    f.get(a.CO).i32(2).i32Shl().set(coB);
    f.get(a.sw).get(cB).i32Mul().set(pixB);
    emitBand(f, task, a, q, qEnd);
    // P = out + task·K·CO·4, zeroed.
    f.get(a.out).get(task).get(a.K).i32Mul().get(coB).i32Mul().i32Add().tee(P).tee(d).get(a.K).get(coB).i32Mul().i32Add().set(e);
    emitZero(f, d, e, z);
    const madd = (sv: number, w: number, acc: number): void => {
      if (relaxed) f.get(sv).get(w).get(acc).f32x4RelaxedMadd().set(acc);
      else f.get(sv).get(w).f32x4Mul().get(acc).f32x4Add().set(acc);
    };
    /** Filter rows kRow (and kRow + 1 when `pair`) by channels [co, co + 4·nv), over the sub-band; added into P. */
    const tile = (nv: number, pair: boolean): void => {
      for (let v = 0; v < nv; v++) {
        f.get(z).set(acc0[v]);
        if (pair) f.get(z).set(acc1[v]);
      }
      f.get(b0).set(b);
      f.get(oy0).set(oy);
      f.for_(qq, () => f.get(sb), () => f.get(sbEnd), 1, () => {
        f.get(oy).get(a.sh).i32Mul().get(a.pt).i32Sub().get(fy).get(a.dh).i32Mul().i32Add().tee(iy).get(a.H).i32LtU().if_();
        {
          // xp = x + (((b·H + iy)·W + oxA·sw + xoff)·C + ci)·4
          f.get(a.x).get(b).get(a.H).i32Mul().get(iy).i32Add().get(a.W).i32Mul()
            .get(oxA).get(a.sw).i32Mul().i32Add().get(xoff).i32Add().get(a.C).i32Mul().get(ci).i32Add().i32(2).i32Shl().i32Add().set(xp);
          // dp = dy + ((qq·OW + oxA)·CO + co)·4
          f.get(a.col).get(qq).get(a.OW).i32Mul().get(oxA).i32Add().get(a.CO).i32Mul().get(co).i32Add().i32(2).i32Shl().i32Add().tee(dp);
          f.get(oxB).get(oxA).i32Sub().get(coB).i32Mul().i32Add().set(de);
          f.while_(() => f.get(dp).get(de).i32LtU(), () => {
            f.get(xp).v128Load32Splat().set(s0);
            if (pair) f.get(xp).v128Load32Splat(4).set(s1);
            for (let v = 0; v < nv; v++) f.get(dp).v128Load(16 * v).set(dv[v]);
            for (let v = 0; v < nv; v++) {
              madd(s0, dv[v], acc0[v]);
              if (pair) madd(s1, dv[v], acc1[v]);
            }
            f.get(xp).get(pixB).i32Add().set(xp);
            f.get(dp).get(coB).i32Add().set(dp);
          });
        }
        f.end();
        // Next output row: oy + 1, wrapping into the next image.
        f.get(oy).i32(1).i32Add().tee(oy).get(a.OH).i32Eq().if_();
        f.i32(0).set(oy);
        f.get(b).i32(1).i32Add().set(b);
        f.end();
      });
      // P[kRow·CO + co] += acc0, P[(kRow + 1)·CO + co] += acc1
      f.get(P).get(kRow).get(a.CO).i32Mul().get(co).i32Add().i32(2).i32Shl().i32Add().set(d);
      for (let v = 0; v < nv; v++) f.get(d).get(d).v128Load(16 * v).get(acc0[v]).f32x4Add().v128Store(16 * v);
      if (pair) {
        f.get(d).get(coB).i32Add().set(d);
        for (let v = 0; v < nv; v++) f.get(d).get(d).v128Load(16 * v).get(acc1[v]).f32x4Add().v128Store(16 * v);
      }
    };
    const channelTiles = (pair: boolean): void => {
      f.i32(0).set(co);
      for (let nv = NV; nv >= 1; nv >>= 1) {
        f.while_(() => f.get(a.CO).get(co).i32(4 * nv).i32Add().i32GeS(), () => {
          tile(nv, pair);
          f.get(co).i32(4 * nv).i32Add().set(co);
        });
      }
    };
    f.get(q).set(sb);
    f.while_(() => f.get(sb).get(qEnd).i32LtS(), () => {
      f.get(sb).get(a.sbr).i32Add().set(sbEnd);
      f.get(sbEnd).get(qEnd).get(sbEnd).get(qEnd).i32LtS().select().set(sbEnd);
      f.get(sb).get(a.OH).i32DivU().tee(b0).get(a.OH).i32Mul().set(oy0);
      f.get(sb).get(oy0).i32Sub().set(oy0);
      f.for_(fy, () => f.i32(0), () => f.get(a.FH), 1, () => {
        f.for_(fx, () => f.i32(0), () => f.get(a.FW), 1, () => {
          // ix = ox·sw + xoff is in [0, W) for ox in [oxA, oxB).
          f.get(fx).get(a.dw).i32Mul().get(a.pl).i32Sub().set(xoff);
          f.i32(0).get(xoff).i32Sub().get(a.sw).i32Add().i32(1).i32Sub().get(a.sw).i32DivS()
            .i32(0).get(xoff).i32(0).i32LtS().select().set(oxA);
          f.get(a.W).get(xoff).i32Sub().get(a.sw).i32Add().i32(1).i32Sub().get(a.sw).i32DivS()
            .i32(0).get(a.W).get(xoff).i32GtS().select().set(oxB);
          f.get(oxA).get(a.OW).get(oxA).get(a.OW).i32LtS().select().set(oxA);
          f.get(oxB).get(a.OW).get(oxB).get(a.OW).i32LtS().select().set(oxB);
          f.get(oxB).get(oxA).get(oxB).get(oxA).i32GtS().select().set(oxB);
          f.get(fy).get(a.FW).i32Mul().get(fx).i32Add().get(a.C).i32Mul().set(kRow);
          f.i32(0).set(ci);
          f.while_(() => f.get(ci).i32(2).i32Add().get(a.C).i32LeS(), () => {
            channelTiles(true);
            f.get(ci).i32(2).i32Add().set(ci);
            f.get(kRow).i32(2).i32Add().set(kRow);
          });
          f.get(ci).get(a.C).i32LtS().if_();
          channelTiles(false);
          f.end();
        });
      });
      f.get(sbEnd).set(sb);
    });
  });
}

/**
 * conv_sum(dst, src, n, count, strideBytes): `dst[i] = Σ_t src[t·stride + i]`
 * over t = 0..count-1 in order (the filter gradient's partials).
 */
function buildSum(mb: ModuleBuilder): void {
  mb.func('conv_sum', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [dst, src, n, count, stride] = [0, 1, 2, 3, 4];
    const d = f.local('i32'), e = f.local('i32'), s = f.local('i32'), t = f.local('i32'), off = f.local('i32');
    const acc = f.local('v128');
    const sAcc = f.local('f32');
    f.get(dst).tee(d).get(n).i32(2).i32Shl().i32Add().set(e);
    f.while_(() => f.get(e).get(d).i32(16).i32Add().i32GeU(), () => {
      f.get(d).get(dst).i32Sub().set(off);
      f.get(src).get(off).i32Add().tee(s).v128Load().set(acc);
      f.for_(t, () => f.i32(1), () => f.get(count), 1, () => {
        f.get(s).get(stride).i32Add().tee(s).v128Load().get(acc).f32x4Add().set(acc);
      });
      f.get(d).get(acc).v128Store();
      f.get(d).i32(16).i32Add().set(d);
    });
    f.while_(() => f.get(d).get(e).i32LtU(), () => {
      f.get(d).get(dst).i32Sub().set(off);
      f.get(src).get(off).i32Add().tee(s).f32Load().set(sAcc);
      f.for_(t, () => f.i32(1), () => f.get(count), 1, () => {
        f.get(s).get(stride).i32Add().tee(s).f32Load().get(sAcc).f32Add().set(sAcc);
      });
      f.get(d).get(sAcc).f32Store();
      f.get(d).i32(4).i32Add().set(d);
    });
  });
}

// ---------------------------------------------------------------------------
// JS side


function checkLengths(op: string, items: [string, Float32Array, number[]][]): void {
  for (const [name, arr, shape] of items) {
    const n = shape.reduce((x, y) => x * y, 1);
    if (arr.length !== n) {
      throw new ShapeError(`${op}: expected ${name} of ${n} elements (shape [${shape.join(',')}]), got ${arr.length}`);
    }
  }
}

const xShapeOf = (g: Conv2DGeometry): number[] => [g.batch, g.inHeight, g.inWidth, g.inChannels];
const yShapeOf = (g: Conv2DGeometry): number[] => [g.batch, g.outHeight, g.outWidth, g.outChannels];
const wShapeOf = (g: Conv2DGeometry): number[] => [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];

/** A 1x1 convolution with stride 1 and no padding: `x` is its own column matrix. */
function isPointwise(g: Conv2DGeometry): boolean {
  return (
    g.filterHeight === 1 && g.filterWidth === 1 && g.strideHeight === 1 && g.strideWidth === 1 &&
    g.padTop === 0 && g.padLeft === 0 && g.outHeight === g.inHeight && g.outWidth === g.inWidth
  );
}

/**
 * Whether the direct kernels run instead of im2col + GEMM, for the
 * convolution `g` they would compute (the forward one, or for the input
 * gradient the {@link transposedGeometry}).
 */
function useDirect(g: Conv2DGeometry): boolean {
  if (isPointwise(g)) return false;
  if (convTuning.direct !== 'auto') return convTuning.direct;
  // Fewer than 4 output channels leave most SIMD lanes idle (a 1-channel input gradient ran 3x slower than im2col + GEMM).
  return g.outChannels >= 4 && g.filterHeight * g.filterWidth * g.inChannels * g.outChannels * 4 <= DIRECT_MAX_FILTER_BYTES;
}

/**
 * The stride-1 input gradient as a forward convolution of dy: with the
 * filter flipped in space and its channel axes swapped, `dx[iy] = Σ dy[iy +
 * padTop - fy·dh] · W[fy]` is a convolution whose padding is the filter's
 * reach minus the forward padding (negative when the forward padding passed
 * it: the direct kernel handles any offset).
 */
function transposedGeometry(g: Conv2DGeometry): Conv2DGeometry {
  return {
    ...g,
    inHeight: g.outHeight, inWidth: g.outWidth, inChannels: g.outChannels,
    outHeight: g.inHeight, outWidth: g.inWidth, outChannels: g.inChannels,
    padTop: (g.filterHeight - 1) * g.dilationHeight - g.padTop,
    padLeft: (g.filterWidth - 1) * g.dilationWidth - g.padLeft,
    padBottom: 0, padRight: 0,
  };
}

/**
 * `wt[FH-1-fy, FW-1-fx, co, ci] = w[fy, fx, ci, co]`: the filter of
 * {@link transposedGeometry}, rows `ldw` floats apart (padding zeroed).
 */
function flipFilter(w: Float32Array, wt: Float32Array, ldw: number, g: Conv2DGeometry): void {
  const { filterHeight: FH, filterWidth: FW, inChannels: C, outChannels: CO } = g;
  if (ldw > C) wt.fill(0);
  for (let fy = 0; fy < FH; fy++) {
    for (let fx = 0; fx < FW; fx++) {
      const src = (fy * FW + fx) * C * CO;
      const dst = ((FH - 1 - fy) * FW + (FW - 1 - fx)) * CO * ldw;
      for (let ci = 0; ci < C; ci++) {
        for (let co = 0; co < CO; co++) wt[dst + co * ldw + ci] = w[src + ci * CO + co];
      }
    }
  }
}

/** `dst` = the `rows x cols` matrix `src` with rows `ldw` floats apart, padding zeroed. */
function padColumns(src: Float32Array, dst: Float32Array, rows: number, cols: number, ldw: number): void {
  dst.fill(0);
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * cols, (r + 1) * cols), r * ldw);
}

const roundUp4 = (n: number): number => (n + 3) & ~3;

/** Runs the direct kernel: `out = conv(x, w)` under `g`, all on the heap; filter rows `ldw` floats apart (a multiple of 4 unless it is `outChannels`). */
function direct(rt: WasmRuntime, g: Conv2DGeometry, x: number, w: number, ldw: number, out: number): void {
  const rows = g.batch * g.outHeight;
  const work = rows * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
  const { nTasks, rpt } = bands(rt, rows, work);
  const words = argWords(g, x, w, 0, 0, rows, 0, rows, rpt);
  words[ARG.out] = out;
  words[ARG.CO] = g.outChannels;
  words[ARG.ldw] = ldw;
  const args = rt.heap.pushArgs(words);
  try {
    rt.parallel('conv_direct_task', nTasks, args);
  } finally {
    rt.heap.popArgs(args);
  }
}

/** Output rows per chunk so that a chunk's columns take about `convTuning.colChunkBytes`. */
function chunkRows(g: Conv2DGeometry, K: number): number {
  const rowBytes = g.outWidth * K * 4;
  return Math.max(1, Math.min(g.batch * g.outHeight, Math.floor(convTuning.colChunkBytes / rowBytes)));
}

/**
 * Below this much work (multiply-adds, or floats moved) a convolution
 * kernel runs as one task on the calling thread: waking the workers costs
 * tens of microseconds (the GEMM's threshold, for the same reason).
 * @internal
 */
export const CONV_PARALLEL_MIN_WORK = 1 << 19;

/** Tasks for `rows` rows of `work` in all: one per row band, a few bands per thread so uneven bands even out. */
function bands(rt: WasmRuntime, rows: number, work: number): { nTasks: number; rpt: number } {
  const threads = rt.threads;
  const nTasks = threads <= 1 || work < rt.minParallelWork(CONV_PARALLEL_MIN_WORK) ? 1 : Math.min(rows, threads * 4);
  return { nTasks, rpt: Math.ceil(rows / nTasks) };
}

function argWords(g: Conv2DGeometry, x: number, col: number, K: number, q0: number, q1: number, p0: number, pEnd: number, rpt: number): number[] {
  const w = new Array<number>(N_ARGS).fill(0);
  w[ARG.x] = x; w[ARG.col] = col;
  w[ARG.H] = g.inHeight; w[ARG.W] = g.inWidth; w[ARG.C] = g.inChannels;
  w[ARG.OH] = g.outHeight; w[ARG.OW] = g.outWidth; w[ARG.FH] = g.filterHeight; w[ARG.FW] = g.filterWidth;
  w[ARG.sh] = g.strideHeight; w[ARG.sw] = g.strideWidth; w[ARG.dh] = g.dilationHeight; w[ARG.dw] = g.dilationWidth;
  w[ARG.pt] = g.padTop; w[ARG.pl] = g.padLeft; w[ARG.K] = K;
  w[ARG.q0] = q0; w[ARG.q1] = q1; w[ARG.p0] = p0; w[ARG.pEnd] = pEnd; w[ARG.rpt] = rpt;
  return w;
}

/** Writes the column rows of output rows `[q0, q1)` to `col`. */
function im2col(rt: WasmRuntime, g: Conv2DGeometry, x: number, col: number, K: number, q0: number, q1: number): void {
  const { nTasks, rpt } = bands(rt, q1 - q0, (q1 - q0) * g.outWidth * K);
  const args = rt.heap.pushArgs(argWords(g, x, col, K, q0, q1, q0, q1, rpt));
  try {
    rt.parallel('conv_im2col_task', nTasks, args);
  } finally {
    rt.heap.popArgs(args);
  }
}

/** Adds the column gradients of output rows `[q0, q1)` (in `dcol`) into `dx`. */
function col2im(rt: WasmRuntime, g: Conv2DGeometry, dcol: number, dx: number, K: number, q0: number, q1: number): void {
  const { inHeight: H, outHeight: OH } = g;
  // dx rows the chunk reaches: from its first output row's top tap to its last row's bottom tap.
  const b0 = Math.floor(q0 / OH);
  const b1 = Math.floor((q1 - 1) / OH);
  const iyLo = (q0 - b0 * OH) * g.strideHeight - g.padTop;
  const iyHi = (q1 - 1 - b1 * OH) * g.strideHeight - g.padTop + (g.filterHeight - 1) * g.dilationHeight;
  const p0 = b0 * H + Math.min(Math.max(iyLo, 0), H);
  const pEnd = b1 * H + Math.max(Math.min(iyHi + 1, H), 0);
  if (pEnd <= p0) return;
  const { nTasks, rpt } = bands(rt, pEnd - p0, (q1 - q0) * g.outWidth * K);
  const args = rt.heap.pushArgs(argWords(g, dx, dcol, K, q0, q1, p0, pEnd, rpt));
  try {
    rt.parallel('conv_col2im_task', nTasks, args);
  } finally {
    rt.heap.popArgs(args);
  }
}

/**
 * Below this many multiply-adds the filter gradient runs as one task (and
 * one partial): as for the GEMM, waking workers costs tens of microseconds.
 * @internal
 */
export const DW_PARALLEL_MIN_WORK = 1 << 19;
/** The most partials (tasks) of a filter gradient: enough for 16 threads. */
const DW_MAX_TASKS = 16;
/** Partials take at most this many bytes. */
const DW_PARTIAL_BYTES = 16 << 20;
/** A sub-band's dy rows take about this many bytes (L1 with room for x). */
const DW_SUBBAND_BYTES = 16 << 10;

/** The filter gradient by {@link buildFilterGrad}'s kernel: partials per row band, summed in order. */
function directFilterGrad(rt: WasmRuntime, st: Staging, g: Conv2DGeometry, x: Float32Array, dy: Float32Array, dw: Float32Array): void {
  const CO = g.outChannels;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const rows = g.batch * g.outHeight;
  const filterBytes = K * CO * 4;
  let tasks = convTuning.dwTasks;
  if (tasks <= 0) {
    const work = rows * g.outWidth * K * CO;
    tasks = work < rt.minParallelWork(DW_PARALLEL_MIN_WORK) ? 1 : Math.min(DW_MAX_TASKS, Math.max(1, Math.floor(DW_PARTIAL_BYTES / filterBytes)));
  }
  const rpt = Math.ceil(rows / Math.min(tasks, rows));
  tasks = Math.ceil(rows / rpt);
  const sbr = convTuning.dwSubBandRows > 0 ? convTuning.dwSubBandRows : Math.max(1, Math.floor(DW_SUBBAND_BYTES / (g.outWidth * CO * 4)));
  // One task writes dw itself; several write partials that conv_sum adds up.
  const partials = tasks > 1 ? st.temp(tasks * filterBytes) : 0;
  const [xa, dya, dwa] = st.place([[x, 'in'], [dy, 'in'], [dw, 'out']]);
  const words = argWords(g, xa, dya, K, 0, rows, 0, rows, rpt);
  words[ARG.out] = tasks > 1 ? partials : dwa;
  words[ARG.CO] = CO;
  words[ARG.sbr] = sbr;
  const args = rt.heap.pushArgs(words);
  try {
    rt.parallel('conv_dw_task', tasks, args);
  } finally {
    rt.heap.popArgs(args);
  }
  if (tasks > 1) rt.exports.conv_sum(dwa, partials, K * CO, tasks, filterBytes);
}

/**
 * Float32 2-D convolution on the wasm heap, with the meaning of the
 * TypeScript `conv2dKernel`: `out[b, oy, ox, co] = Σ x[b, iy, ix, ci] ·
 * filter[fy, fx, ci, co]` over the taps of the output cell. Arrays on the
 * heap are used in place, others are staged through temporary blocks; when
 * the heap cannot hold the temporaries the TypeScript kernel runs instead.
 *
 * @param rt The wasm runtime.
 * @param x Input `[batch, inHeight, inWidth, inChannels]`.
 * @param filter Filter `[filterHeight, filterWidth, inChannels, outChannels]`.
 * @param out Output `[batch, outHeight, outWidth, outChannels]`; fully overwritten.
 * @param g Geometry from `conv2dGeometry(..., 'conv')`.
 * @throws {ShapeError} When an array's length does not match the geometry.
 * @internal
 */
export function wasmConv2d(rt: WasmRuntime, x: Float32Array, filter: Float32Array, out: Float32Array, g: Conv2DGeometry): void {
  checkLengths('conv2d', [['x', x, xShapeOf(g)], ['filter', filter, wShapeOf(g)], ['out', out, yShapeOf(g)]]);
  const CO = g.outChannels;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const rows = g.batch * g.outHeight;
  const M = rows * g.outWidth;
  if (M === 0 || CO === 0) return;
  if (K === 0) {
    out.fill(0);
    return;
  }
  const st = new Staging(rt);
  try {
    const pointwise = isPointwise(g);
    if (useDirect(g)) {
      if (CO % 4 === 0) {
        const [xa, wa, oa] = st.place([[x, 'in'], [filter, 'in'], [out, 'out']]);
        direct(rt, g, xa, wa, CO, oa);
      } else {
        // The last vector of channels reads a copy of the filter padded to whole vectors.
        const ldw = roundUp4(CO);
        const wp = st.temp(K * ldw * 4);
        const [xa, oa] = st.place([[x, 'in'], [out, 'out']]);
        padColumns(filter, rt.heap.f32(wp, K * ldw), K, CO, ldw);
        direct(rt, g, xa, wp, ldw, oa);
      }
      st.copyOut();
      return;
    }
    const rpc = pointwise ? 0 : chunkRows(g, K);
    const col = pointwise ? 0 : st.temp(rpc * g.outWidth * K * 4);
    const [xa, wa, oa] = st.place([[x, 'in'], [filter, 'in'], [out, 'out']]);
    const spec = { n: CO, k: K, lda: K, transA: false, b: wa, ldb: CO, transB: false, ldc: CO, accumulate: false };
    if (pointwise) {
      gemm(rt, { ...spec, m: M, a: xa, c: oa });
    } else {
      for (let q0 = 0; q0 < rows; q0 += rpc) {
        const q1 = Math.min(rows, q0 + rpc);
        im2col(rt, g, xa, col, K, q0, q1);
        gemm(rt, { ...spec, m: (q1 - q0) * g.outWidth, a: col, c: oa + q0 * g.outWidth * CO * 4 });
      }
    }
    st.copyOut();
  } catch (e) {
    if (!(e instanceof HeapFull || e instanceof GemmHeapFull)) throw e;
    st.release();
    conv2dKernel(x, filter, out, g);
  } finally {
    st.release();
  }
}

/**
 * Float32 gradient of {@link wasmConv2d} with respect to `x` (also the
 * transposed convolution, with a geometry from `conv2dTransposeGeometry`),
 * with the meaning of the TypeScript `conv2dBackpropInputKernel`.
 *
 * @param rt The wasm runtime.
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, outChannels]`.
 * @param filter Filter `[filterHeight, filterWidth, inChannels, outChannels]`.
 * @param dx Result `[batch, inHeight, inWidth, inChannels]`; fully overwritten.
 * @param g The forward convolution's geometry.
 * @throws {ShapeError} When an array's length does not match the geometry.
 * @internal
 */
export function wasmConv2dBackpropInput(rt: WasmRuntime, dy: Float32Array, filter: Float32Array, dx: Float32Array, g: Conv2DGeometry): void {
  checkLengths('conv2dBackpropInput', [['dy', dy, yShapeOf(g)], ['filter', filter, wShapeOf(g)], ['dx', dx, xShapeOf(g)]]);
  const CO = g.outChannels;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const rows = g.batch * g.outHeight;
  const M = rows * g.outWidth;
  if (dx.length === 0) return;
  if (M === 0 || CO === 0) {
    dx.fill(0);
    return;
  }
  const st = new Staging(rt);
  try {
    const pointwise = isPointwise(g);
    const gt = transposedGeometry(g);
    if (g.strideHeight === 1 && g.strideWidth === 1 && useDirect(gt)) {
      const ldw = roundUp4(g.inChannels);
      const rowsT = g.filterHeight * g.filterWidth * CO;
      const wt = st.temp(rowsT * ldw * 4);
      const [dya, dxa] = st.place([[dy, 'in'], [dx, 'out']]);
      flipFilter(filter, rt.heap.f32(wt, rowsT * ldw), ldw, g);
      direct(rt, gt, dya, wt, ldw, dxa);
      st.copyOut();
      return;
    }
    const rpc = pointwise ? 0 : chunkRows(g, K);
    const dcol = pointwise ? 0 : st.temp(rpc * g.outWidth * K * 4);
    const [dya, wa, dxa] = st.place([[dy, 'in'], [filter, 'in'], [dx, 'out']]);
    // dCol = dy · Wᵀ: W is stored [K, CO], read transposed.
    const spec = { n: K, k: CO, lda: CO, transA: false, b: wa, ldb: CO, transB: true, ldc: K, accumulate: false };
    if (pointwise) {
      gemm(rt, { ...spec, m: M, a: dya, c: dxa });
    } else {
      rt.heap.f32(dxa, dx.length).fill(0);
      for (let q0 = 0; q0 < rows; q0 += rpc) {
        const q1 = Math.min(rows, q0 + rpc);
        gemm(rt, { ...spec, m: (q1 - q0) * g.outWidth, a: dya + q0 * g.outWidth * CO * 4, c: dcol });
        col2im(rt, g, dcol, dxa, K, q0, q1);
      }
    }
    st.copyOut();
  } catch (e) {
    if (!(e instanceof HeapFull || e instanceof GemmHeapFull)) throw e;
    st.release();
    conv2dBackpropInputKernel(dy, filter, dx, g);
  } finally {
    st.release();
  }
}

/**
 * Float32 gradient of {@link wasmConv2d} with respect to the filter, with
 * the meaning of the TypeScript `conv2dBackpropFilterKernel`:
 * `dw[fy, fx, ci, co] = Σ over b, oy, ox of x[b, iy, ix, ci] · dy[b, oy, ox, co]`.
 *
 * @param rt The wasm runtime.
 * @param x Input `[batch, inHeight, inWidth, inChannels]`.
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, outChannels]`.
 * @param dw Result `[filterHeight, filterWidth, inChannels, outChannels]`; fully overwritten.
 * @param g The forward convolution's geometry.
 * @throws {ShapeError} When an array's length does not match the geometry.
 * @internal
 */
export function wasmConv2dBackpropFilter(rt: WasmRuntime, x: Float32Array, dy: Float32Array, dw: Float32Array, g: Conv2DGeometry): void {
  checkLengths('conv2dBackpropFilter', [['x', x, xShapeOf(g)], ['dy', dy, yShapeOf(g)], ['dw', dw, wShapeOf(g)]]);
  const CO = g.outChannels;
  const K = g.filterHeight * g.filterWidth * g.inChannels;
  const rows = g.batch * g.outHeight;
  const M = rows * g.outWidth;
  if (dw.length === 0) return;
  if (M === 0) {
    dw.fill(0);
    return;
  }
  const st = new Staging(rt);
  try {
    const pointwise = isPointwise(g);
    if (CO % 4 === 0 && useDirect(g)) {
      directFilterGrad(rt, st, g, x, dy, dw);
      st.copyOut();
      return;
    }
    const rpc = pointwise ? 0 : chunkRows(g, K);
    const col = pointwise ? 0 : st.temp(rpc * g.outWidth * K * 4);
    const [xa, dya, dwa] = st.place([[x, 'in'], [dy, 'in'], [dw, 'out']]);
    // dW = colᵀ · dy: col is stored [rows, K], read transposed.
    const spec = { m: K, n: CO, lda: K, transA: true, ldb: CO, transB: false, c: dwa, ldc: CO };
    if (pointwise) {
      gemm(rt, { ...spec, k: M, a: xa, b: dya, accumulate: false });
    } else {
      for (let q0 = 0; q0 < rows; q0 += rpc) {
        const q1 = Math.min(rows, q0 + rpc);
        im2col(rt, g, xa, col, K, q0, q1);
        gemm(rt, { ...spec, k: (q1 - q0) * g.outWidth, a: col, b: dya + q0 * g.outWidth * CO * 4, accumulate: q0 > 0 });
      }
    }
    st.copyOut();
  } catch (e) {
    if (!(e instanceof HeapFull || e instanceof GemmHeapFull)) throw e;
    st.release();
    conv2dBackpropFilterKernel(x, dy, dw, g);
  } finally {
    st.release();
  }
}
