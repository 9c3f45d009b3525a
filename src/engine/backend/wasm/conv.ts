/**
 * Float32 2-D convolution and its two gradients on the wasm heap (NHWC
 * input, HWIO filter, TensorFlow semantics, sizes from a
 * {@link Conv2DGeometry}).
 *
 * All three run as matrix products over im2col patches, with the GEMM of
 * `gemm.ts` (which threads itself):
 *
 * - forward: `out[M, CO] = col[M, K] · W[K, CO]`;
 * - input gradient: `dCol[M, K] = dy[M, CO] · Wᵀ`, then col2im adds each
 *   patch column back into `dx`;
 * - filter gradient: `dW[K, CO] = colᵀ · dy`, accumulated over chunks.
 *
 * Here `M = batch · outHeight · outWidth` output pixels and
 * `K = filterHeight · filterWidth · inChannels` patch columns (ordered
 * `(fy, fx, ci)`, the filter's row order). The batch is processed in chunks
 * of output rows so the column buffer stays near `convTuning.colChunkBytes`
 * (8 MiB).
 * A 1x1 convolution with stride 1 and no padding needs no patches at all:
 * `x` already is the column matrix.
 *
 * im2col and col2im are wasm task functions run over the thread pool, one
 * task per band of rows. im2col copies each filter row's run of taps as one
 * block when the column dilation is 1 (a run of `filterWidth · inChannels`
 * contiguous floats in NHWC), with SIMD copies and zero fill for padding.
 * col2im is written as a gather over `dx` rows (every `dx` cell sums the
 * patch entries that read it), so bands of rows never write the same cell
 * and need no atomics.
 *
 * @internal
 * @module
 */
import type { FunctionBuilder, ModuleBuilder } from './asm.js';
import type { BuildContext, WasmRuntime } from './runtime.js';
import { gemm } from './gemm.js';
import type { Conv2DGeometry } from '../../conv-geometry.js';
import { ShapeError } from '../../errors.js';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, conv2dKernel } from '../cpu/kernels/conv.js';

/** Task functions of this module (see `WasmRuntime.parallel`). @internal */
export const CONV_TASKS: readonly string[] = ['conv_im2col_task', 'conv_col2im_task'];

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
};

/**
 * The word layout of the argument block both task functions read
 * (`i32` words, byte addresses for pointers).
 */
const ARG = {
  /** x (im2col) or dx (col2im). */
  x: 0,
  /** The column buffer (the chunk's first row). */
  col: 1,
  H: 2, W: 3, C: 4, OH: 5, OW: 6, FH: 7, FW: 8,
  sh: 9, sw: 10, dh: 11, dw: 12, pt: 13, pl: 14,
  /** Floats per column row (K). */
  K: 15,
  /** The chunk's global output rows `[q0, q1)` (row = `b · OH + oy`). */
  q0: 16, q1: 17,
  /** Rows the tasks cover: output rows (im2col) or dx rows `b · H + iy` (col2im). */
  p0: 18, pEnd: 19,
  /** Rows per task. */
  rpt: 20,
} as const;
const N_ARGS = 21;

type F = FunctionBuilder;

/** `while (cond()) body()`; `cond` leaves one i32. */
function whileDo(f: F, cond: () => void, body: () => void): void {
  f.block().loop();
  cond();
  f.i32Eqz().brIf(1);
  body();
  f.br(0).end().end();
}

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
  whileDo(f, () => f.get(e).get(d).i32(64).i32Add().i32GeU(), () => {
    for (let o = 0; o < 64; o += 16) wide(o);
    f.get(d).i32(64).i32Add().set(d);
    advance(64);
  });
  whileDo(f, () => f.get(e).get(d).i32(16).i32Add().i32GeU(), () => {
    wide(0);
    f.get(d).i32(16).i32Add().set(d);
    advance(16);
  });
  whileDo(f, () => f.get(d).get(e).i32LtU(), () => {
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

/** @internal */
export function buildConv(mb: ModuleBuilder, _ctx: BuildContext): void {
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
}

// ---------------------------------------------------------------------------
// JS side

/** Thrown inside a kernel when the heap cannot hold a temporary: the caller falls back to TypeScript. */
class HeapFull extends Error {}

/**
 * Heap addresses of a call's arrays: arrays on the heap are used in place,
 * others are copied into temporary blocks (all allocated before any view is
 * made, since growing a non-shared memory detaches views). Temporaries are
 * freed by `release`, outputs copied back by `copyOut`.
 */
class Staging {
  private readonly temps: [number, number][] = [];
  private readonly outs: [Float32Array, number][] = [];
  constructor(private readonly rt: WasmRuntime) {}

  /** A temporary block of `bytes` bytes; throws {@link HeapFull}. */
  temp(bytes: number): number {
    const addr = this.rt.heap.alloc(bytes);
    if (addr < 0) throw new HeapFull();
    this.temps.push([addr, bytes]);
    return addr;
  }

  /** Addresses of `arrays`: in place when on the heap, else temporaries (inputs copied in, outputs copied out by `copyOut`). */
  place(arrays: readonly [Float32Array, 'in' | 'out'][]): number[] {
    const heap = this.rt.heap;
    const addrs = arrays.map(([arr]) => (heap.owns(arr) ? arr.byteOffset : this.temp(arr.byteLength)));
    arrays.forEach(([arr, kind], i) => {
      if (heap.owns(arr)) return;
      if (kind === 'in') heap.f32(addrs[i], arr.length).set(arr);
      else this.outs.push([arr, addrs[i]]);
    });
    return addrs;
  }

  /** Copies outputs that live off the heap back to their arrays. */
  copyOut(): void {
    for (const [arr, addr] of this.outs) arr.set(this.rt.heap.f32(addr, arr.length));
  }

  /** Frees the temporaries. */
  release(): void {
    for (const [addr, bytes] of this.temps) this.rt.heap.free(addr, bytes);
    this.temps.length = 0;
  }
}

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

/** Output rows per chunk so that a chunk's columns take about `convTuning.colChunkBytes`. */
function chunkRows(g: Conv2DGeometry, K: number): number {
  const rowBytes = g.outWidth * K * 4;
  return Math.max(1, Math.min(g.batch * g.outHeight, Math.floor(convTuning.colChunkBytes / rowBytes)));
}

/** Tasks for `rows` rows: one per row band, a few bands per thread so uneven bands even out. */
function bands(rt: WasmRuntime, rows: number): { nTasks: number; rpt: number } {
  const threads = rt.threads;
  const nTasks = threads <= 1 ? 1 : Math.min(rows, threads * 4);
  return { nTasks, rpt: Math.ceil(rows / nTasks) };
}

function argWords(g: Conv2DGeometry, x: number, col: number, K: number, q0: number, q1: number, p0: number, pEnd: number, rpt: number): number[] {
  const w = new Array<number>(N_ARGS);
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
  const { nTasks, rpt } = bands(rt, q1 - q0);
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
  const { nTasks, rpt } = bands(rt, pEnd - p0);
  const args = rt.heap.pushArgs(argWords(g, dx, dcol, K, q0, q1, p0, pEnd, rpt));
  try {
    rt.parallel('conv_col2im_task', nTasks, args);
  } finally {
    rt.heap.popArgs(args);
  }
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
    if (!(e instanceof HeapFull)) throw e;
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
    if (!(e instanceof HeapFull)) throw e;
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
    if (!(e instanceof HeapFull)) throw e;
    st.release();
    conv2dBackpropFilterKernel(x, dy, dw, g);
  } finally {
    st.release();
  }
}
