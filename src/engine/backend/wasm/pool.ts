/**
 * Float32 2-D max and average pooling and their gradients on the wasm heap
 * (NHWC, TensorFlow semantics, sizes from a {@link Conv2DGeometry}), with
 * exactly the results of the TypeScript kernels in `cpu/kernels/pool.ts`:
 *
 * - `maxPool`: the first in-bounds tap, then each later tap `v` replaces the
 *   running `best` when `v > best || v !== v` (compare + bitselect, so ties,
 *   `-0`/`+0` and NaN pick the same element, bit for bit); a window with no
 *   in-bounds tap gives `-Infinity`.
 * - `maxPoolGrad`: the argmax is tracked per lane as a tap counter with the
 *   TypeScript rule (`v > best`, or `v` is the first NaN); a second sweep
 *   over the taps adds `dy & (arg == tap)` into `dx`. Adding `+0` leaves a
 *   `dx` cell unchanged (cells start at `+0` and a sum of floats that starts
 *   at `+0` is never `-0`), so each cell receives the same additions, in the
 *   same (output pixel) order, as `dx[arg] += dy`.
 * - `avgPool`: a float64 sum of the taps in scan order, times `1 / count` in
 *   float64, rounded once to float32 (f64x2 lanes: the TypeScript kernel sums
 *   in a `Float64Array`).
 * - `avgPoolGrad`: `dx = f32(f64(dx) + f64(dy) · (1 / count))` per tap, the
 *   TypeScript kernel's `dx[i] += share[i]` with a float64 `share`.
 *
 * Channels are innermost (NHWC): each window tap is 4 vectors (16 channels)
 * at a time, then single vectors, then a scalar tail. The forward kernels
 * split the output rows (`b · outHeight + oy`) into bands, one task each.
 * The gradients split the rows of `dx` (`b · inHeight + iy`): a task zeroes
 * its band, walks every output row whose windows reach it, and writes only
 * the cells inside it, so tasks never write the same cell and every cell
 * sums its contributions in the same order whatever the thread count.
 *
 * Arrays on the heap are used in place; others are copied into temporary
 * blocks, and when the heap cannot hold them the TypeScript kernel runs.
 *
 * @internal
 * @module
 */
import type { FunctionBuilder, ModuleBuilder } from './asm.js';
import type { BuildContext, WasmRuntime } from './runtime.js';
import type { Conv2DGeometry } from '../../conv-geometry.js';
import { ShapeError } from '../../errors.js';
import { avgPoolBackpropKernel, avgPoolKernel, maxPoolBackpropKernel, maxPoolKernel } from '../cpu/kernels/pool.js';
import { HeapFull, Staging } from './staging.js';

/** Task functions of this module (see `WasmRuntime.parallel`). @internal */
export const POOL_TASKS: readonly string[] = ['pool_max_task', 'pool_max_grad_task', 'pool_avg_task', 'pool_avg_grad_task'];

/**
 * Tuning knobs of the wasm pooling kernels (tests force the band count to
 * exercise band edges).
 * @internal
 */
export const poolTuning = {
  /** Tasks (row bands) per call: 0 chooses by work and threads, n forces n (at most one per row). */
  tasks: 0,
};

/** The word layout of the argument block the task functions read (`i32` words, byte addresses for pointers). */
const ARG = {
  /** x (0 for the average-pool gradient, which has none: addresses are then offsets). */
  x: 0,
  /** The output (forward) or dy (gradients). */
  y: 1,
  /** dx (gradients). */
  dx: 2,
  H: 3, W: 4, C: 5, OH: 6, OW: 7, FH: 8, FW: 9,
  sh: 10, sw: 11, dh: 12, dw: 13, pt: 14, pl: 15,
  /** The rows the tasks cover, `[p0, pEnd)`: output rows (forward) or dx rows (gradients). */
  p0: 16, pEnd: 17,
  /** Rows per task. */
  rpt: 18,
  /** 1 when no two windows share a cell (max-pool gradient: dx is stored, not accumulated). */
  disjoint: 19,
} as const;
const N_ARGS = 20;

type F = FunctionBuilder;
type Args = Record<keyof typeof ARG, number>;

/** Loads the argument block into fresh locals, named as in {@link ARG}. */
function loadArgs(f: F, args: number): Args {
  const out = {} as Args;
  for (const [k, idx] of Object.entries(ARG) as [keyof typeof ARG, number][]) {
    const l = f.local('i32');
    f.get(args).i32Load(idx * 4).set(l);
    out[k] = l;
  }
  return out;
}

/** `for (i = 0; i < n; i++) body()` (`n` a local). */
function forN(f: F, i: number, n: number, body: () => void): void {
  f.for_(i, () => f.i32(0), () => f.get(n), 1, body);
}

/**
 * The valid taps `[lo, hi)` of a window starting at `i0` (may be negative)
 * with taps `d` apart over an axis of `size` cells and `fn` taps:
 * `0 <= i0 + t·d < size`.
 */
function emitTapRange(f: F, i0: number, d: number, size: number, fn: number, lo: number, hi: number): void {
  f.get(d).i32(1).i32Eq().if_();
  {
    f.i32(0).get(i0).i32Sub().i32(0).get(i0).i32(0).i32LtS().select().set(lo);
    f.get(size).get(i0).i32Sub().set(hi);
  }
  f.else_();
  {
    f.i32(0).get(i0).i32Sub().get(d).i32Add().i32(1).i32Sub().get(d).i32DivS()
      .i32(0).get(i0).i32(0).i32LtS().select().set(lo);
    f.get(size).get(i0).i32Sub().get(d).i32Add().i32(1).i32Sub().get(d).i32DivS()
      .i32(0).get(size).get(i0).i32GtS().select().set(hi);
  }
  f.end();
  // lo = min(lo, fn); hi = min(hi, fn); hi = max(hi, lo)
  f.get(lo).get(fn).get(lo).get(fn).i32LtS().select().set(lo);
  f.get(hi).get(fn).get(hi).get(fn).i32LtS().select().set(hi);
  f.get(hi).get(lo).get(hi).get(lo).i32GtS().select().set(hi);
}

/** Byte sizes every kernel needs. */
interface Sizes {
  /** Bytes of a pixel's channels (`C · 4`). */
  cB: number;
  /** Bytes of an input row (`W · C · 4`). */
  rowB: number;
  /** Bytes between taps of a window column (`dh` input rows). */
  rowStep: number;
  /** Bytes between taps of a window row (`dw` pixels). */
  colStep: number;
}

function emitSizes(f: F, a: Args): Sizes {
  const s: Sizes = { cB: f.local('i32'), rowB: f.local('i32'), rowStep: f.local('i32'), colStep: f.local('i32') };
  f.get(a.C).i32(2).i32Shl().set(s.cB);
  f.get(a.W).get(s.cB).i32Mul().set(s.rowB);
  f.get(a.dh).get(s.rowB).i32Mul().set(s.rowStep);
  f.get(a.dw).get(s.cB).i32Mul().set(s.colStep);
  return s;
}

/** What {@link emitPixels} sets for each output pixel. */
interface Pixel {
  /** Output row `b · OH + oy`. */
  q: number;
  /** The first valid tap's address (channel 0) in x. */
  base: number;
  /** The pixel's address in y (output or dy). */
  yp: number;
  /** Valid window rows and columns. */
  nRows: number;
  nCols: number;
}

/** Loops over output rows `[qLo, qHi)` and their pixels, calling `body` per pixel. */
function emitPixels(f: F, a: Args, s: Sizes, qLo: number, qHi: number, body: (p: Pixel) => void): void {
  const L = (): number => f.local('i32');
  const p: Pixel = { q: L(), base: L(), yp: L(), nRows: L(), nCols: L() };
  const b = L(), oy = L(), ox = L(), iy0 = L(), ix0 = L(), fyA = L(), fyB = L(), fxA = L(), fxB = L(), rowBase = L(), yRow = L();
  f.for_(p.q, () => f.get(qLo), () => f.get(qHi), 1, () => {
    f.get(p.q).get(a.OH).i32DivU().set(b);
    f.get(p.q).get(b).get(a.OH).i32Mul().i32Sub().set(oy);
    f.get(oy).get(a.sh).i32Mul().get(a.pt).i32Sub().set(iy0);
    emitTapRange(f, iy0, a.dh, a.H, a.FH, fyA, fyB);
    f.get(fyB).get(fyA).i32Sub().set(p.nRows);
    // rowBase = x + (b·H + iy0 + fyA·dh) · rowB
    f.get(a.x).get(b).get(a.H).i32Mul().get(iy0).i32Add().get(fyA).get(a.dh).i32Mul().i32Add().get(s.rowB).i32Mul().i32Add().set(rowBase);
    f.get(a.y).get(p.q).get(a.OW).i32Mul().get(s.cB).i32Mul().i32Add().set(yRow);
    f.for_(ox, () => f.i32(0), () => f.get(a.OW), 1, () => {
      f.get(ox).get(a.sw).i32Mul().get(a.pl).i32Sub().set(ix0);
      emitTapRange(f, ix0, a.dw, a.W, a.FW, fxA, fxB);
      f.get(fxB).get(fxA).i32Sub().set(p.nCols);
      f.get(rowBase).get(ix0).get(fxA).get(a.dw).i32Mul().i32Add().get(s.cB).i32Mul().i32Add().set(p.base);
      f.get(yRow).get(ox).get(s.cB).i32Mul().i32Add().set(p.yp);
      body(p);
    });
  });
}

/**
 * Loops over the channels at byte offset `c`: blocks of 4 vectors, then
 * single vectors, then single floats. `vec(u)` emits the code for `u`
 * vectors at `c`, `scalar()` for one float.
 */
function emitChannels(f: F, s: Sizes, c: number, vec: (u: number) => void, scalar: () => void): void {
  f.i32(0).set(c);
  f.while_(() => f.get(c).i32(64).i32Add().get(s.cB).i32LeS(), () => {
    vec(4);
    f.get(c).i32(64).i32Add().set(c);
  });
  f.while_(() => f.get(c).i32(16).i32Add().get(s.cB).i32LeS(), () => {
    vec(1);
    f.get(c).i32(16).i32Add().set(c);
  });
  f.while_(() => f.get(c).get(s.cB).i32LtS(), () => {
    scalar();
    f.get(c).i32(4).i32Add().set(c);
  });
}

/**
 * Loops over a window's valid taps in scan order (rows, then columns):
 * `ptr` walks from `start` by `colStep` along a row and `rowStep` down;
 * `k` counts taps. `rowGuard`, when given, leaves an i32 per row: false
 * skips the row (its taps still count).
 */
function emitTaps(
  f: F, s: Sizes, px: Pixel, start: () => void,
  loc: { r: number; cc: number; rp: number; ptr: number; k: number },
  tap: () => void, rowGuard?: () => void,
): void {
  start();
  f.set(loc.rp);
  f.i32(0).set(loc.k);
  forN(f, loc.r, px.nRows, () => {
    if (rowGuard) {
      rowGuard();
      f.if_();
    }
    f.get(loc.rp).set(loc.ptr);
    forN(f, loc.cc, px.nCols, () => {
      tap();
      f.get(loc.ptr).get(s.colStep).i32Add().set(loc.ptr);
      f.get(loc.k).i32(1).i32Add().set(loc.k);
    });
    if (rowGuard) {
      f.else_();
      f.get(loc.k).get(px.nCols).i32Add().set(loc.k);
      f.end();
    }
    f.get(loc.rp).get(s.rowStep).i32Add().set(loc.rp);
  });
}

/** `[lo, hi)` = the task's band of rows: `p0 + task·rpt`, at most `rpt` rows, clipped at `pEnd`. */
function emitBand(f: F, task: number, a: Args, lo: number, hi: number): void {
  f.get(a.p0).get(task).get(a.rpt).i32Mul().i32Add().tee(lo).get(a.rpt).i32Add().set(hi);
  f.get(hi).get(a.pEnd).get(hi).get(a.pEnd).i32LtS().select().set(hi);
}

/** What a gradient task works on: its dx band (bytes `[bandLo, bandHi)`) and the output rows `[qLo, qHi)` whose windows reach it. */
interface GradBand {
  bandLo: number;
  bandHi: number;
  qLo: number;
  qHi: number;
  /** `dx - x`: a tap's x address plus this is its dx address. */
  dxOff: number;
}

/** Sets up a gradient task: its band of dx rows, zeroed, and the output rows reaching it. Returns early when the band is empty. */
function emitGradBand(f: F, task: number, a: Args, s: Sizes): GradBand {
  const L = (): number => f.local('i32');
  const lo = L(), hi = L(), bb = L(), iy = L(), oyv = L(), d = L();
  const g: GradBand = { bandLo: L(), bandHi: L(), qLo: L(), qHi: L(), dxOff: L() };
  const z = f.local('v128');
  emitBand(f, task, a, lo, hi);
  f.get(hi).get(lo).i32LeS().if_().ret().end();
  f.get(a.dx).get(lo).get(s.rowB).i32Mul().i32Add().set(g.bandLo);
  f.get(a.dx).get(hi).get(s.rowB).i32Mul().i32Add().set(g.bandHi);
  f.get(a.dx).get(a.x).i32Sub().set(g.dxOff);
  // Zero the band.
  f.i32(0).i32x4Splat().set(z);
  f.get(g.bandLo).set(d);
  f.while_(() => f.get(g.bandHi).get(d).i32(16).i32Add().i32GeU(), () => {
    f.get(d).get(z).v128Store();
    f.get(d).i32(16).i32Add().set(d);
  });
  f.while_(() => f.get(d).get(g.bandHi).i32LtU(), () => {
    f.get(d).f32(0).f32Store();
    f.get(d).i32(4).i32Add().set(d);
  });
  // First output row reaching dx row lo: oy·sh - pt + (FH-1)·dh >= iy.
  f.get(lo).get(a.H).i32DivU().set(bb);
  f.get(lo).get(bb).get(a.H).i32Mul().i32Sub().set(iy);
  f.get(iy).get(a.pt).i32Add().get(a.FH).i32(1).i32Sub().get(a.dh).i32Mul().i32Sub().set(oyv);
  f.i32(0).get(oyv).get(a.sh).i32Add().i32(1).i32Sub().get(a.sh).i32DivS().get(oyv).i32(0).i32LeS().select().set(oyv);
  f.get(oyv).get(a.OH).get(oyv).get(a.OH).i32LtS().select().set(oyv);
  f.get(bb).get(a.OH).i32Mul().get(oyv).i32Add().set(g.qLo);
  // Last output row reaching dx row hi - 1: oy·sh - pt <= iy.
  f.get(hi).i32(1).i32Sub().get(a.H).i32DivU().set(bb);
  f.get(hi).i32(1).i32Sub().get(bb).get(a.H).i32Mul().i32Sub().set(iy);
  f.get(iy).get(a.pt).i32Add().get(a.sh).i32DivS().set(oyv);
  f.get(oyv).get(a.OH).i32(1).i32Sub().get(oyv).get(a.OH).i32(1).i32Sub().i32LtS().select().set(oyv);
  f.get(bb).get(a.OH).i32Mul().get(oyv).i32Add().i32(1).i32Add().set(g.qHi);
  return g;
}

/** Leaves whether byte address `p` lies in `[lo, hi)` (unsigned). */
function inBand(f: F, p: () => void, g: GradBand): void {
  p();
  f.get(g.bandLo).i32GeU();
  p();
  f.get(g.bandHi).i32LtU();
  f.i32And();
}

/** `i8x16.shuffle` lanes joining the low halves of two vectors. */
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * Adds the pooling functions (`pool_*` tasks) to the kernel module.
 * @internal
 */
export function buildPool(mb: ModuleBuilder, _ctx: BuildContext): void {
  // pool_max_task(task, thread, args): max pooling of output rows p0 + task·rpt ...
  mb.func('pool_max_task', ['i32', 'i32', 'i32'], [], (f) => {
    const a = loadArgs(f, 2);
    const s = emitSizes(f, a);
    const lo = f.local('i32'), hi = f.local('i32'), c = f.local('i32'), fb = f.local('f32'), fv = f.local('f32');
    const loc = { r: f.local('i32'), cc: f.local('i32'), rp: f.local('i32'), ptr: f.local('i32'), k: f.local('i32') };
    const best = [0, 1, 2, 3].map(() => f.local('v128'));
    const v = f.local('v128');
    emitBand(f, 0, a, lo, hi);
    emitPixels(f, a, s, lo, hi, (px) => {
      // A window without valid taps (only from a hand-made geometry) is -Infinity.
      f.get(px.nRows).get(px.nCols).i32Mul().i32Eqz().if_();
      {
        f.get(px.yp).set(loc.ptr);
        f.get(px.yp).get(s.cB).i32Add().set(loc.rp);
        f.while_(() => f.get(loc.ptr).get(loc.rp).i32LtU(), () => {
          f.get(loc.ptr).f32(-Infinity).f32Store();
          f.get(loc.ptr).i32(4).i32Add().set(loc.ptr);
        });
      }
      f.else_();
      emitChannels(
        f, s, c,
        (u) => {
          for (let j = 0; j < u; j++) f.get(px.base).get(c).i32Add().v128Load(16 * j).set(best[j]);
          emitTaps(f, s, px, () => f.get(px.base).get(c).i32Add(), loc, () => {
            for (let j = 0; j < u; j++) {
              // best = (v > best || v !== v) ? v : best
              f.get(loc.ptr).v128Load(16 * j).set(v);
              f.get(v).get(best[j]).get(v).get(best[j]).f32x4Gt().get(v).get(v).f32x4Ne().v128Or().v128Bitselect().set(best[j]);
            }
          });
          for (let j = 0; j < u; j++) f.get(px.yp).get(c).i32Add().get(best[j]).v128Store(16 * j);
        },
        () => {
          f.get(px.base).get(c).i32Add().f32Load().set(fb);
          emitTaps(f, s, px, () => f.get(px.base).get(c).i32Add(), loc, () => {
            f.get(loc.ptr).f32Load().set(fv);
            f.get(fv).get(fb).get(fv).get(fb).f32Gt().get(fv).get(fv).f32Ne().i32Or().select().set(fb);
          });
          f.get(px.yp).get(c).i32Add().get(fb).f32Store();
        },
      );
      f.end();
    });
  });

  // pool_max_grad_task(task, thread, args): dx rows p0 + task·rpt ... of the max-pool gradient.
  mb.func('pool_max_grad_task', ['i32', 'i32', 'i32'], [], (f) => {
    const a = loadArgs(f, 2);
    const s = emitSizes(f, a);
    const c = f.local('i32'), argp = f.local('i32'), fb = f.local('f32'), fv = f.local('f32'), cond = f.local('i32');
    const loc = { r: f.local('i32'), cc: f.local('i32'), rp: f.local('i32'), ptr: f.local('i32'), k: f.local('i32') };
    const best = [0, 1, 2, 3].map(() => f.local('v128'));
    const arg = [0, 1, 2, 3].map(() => f.local('v128'));
    const dyv = [0, 1, 2, 3].map(() => f.local('v128'));
    const v = f.local('v128'), m = f.local('v128'), kv = f.local('v128'), zero = f.local('v128');
    const g = emitGradBand(f, 0, a, s);
    f.i32(0).i32x4Splat().set(zero);
    emitPixels(f, a, s, g.qLo, g.qHi, (px) => {
      f.get(px.nRows).get(px.nCols).i32Mul().if_();
      emitChannels(
        f, s, c,
        (u) => {
          for (let j = 0; j < u; j++) {
            f.get(px.base).get(c).i32Add().v128Load(16 * j).set(best[j]);
            f.i32(0).i32x4Splat().set(arg[j]);
          }
          // Pass 1: the argmax tap per lane (first maximum, or first NaN).
          emitTaps(f, s, px, () => f.get(px.base).get(c).i32Add(), loc, () => {
            f.get(loc.k).i32x4Splat().set(kv);
            for (let j = 0; j < u; j++) {
              f.get(loc.ptr).v128Load(16 * j).set(v);
              // m = v > best || (v !== v && best === best)
              f.get(v).get(best[j]).f32x4Gt().get(v).get(v).f32x4Ne().get(best[j]).get(best[j]).f32x4Eq().v128And().v128Or().set(m);
              f.get(v).get(best[j]).get(m).v128Bitselect().set(best[j]);
              f.get(kv).get(arg[j]).get(m).v128Bitselect().set(arg[j]);
            }
          });
          for (let j = 0; j < u; j++) f.get(px.yp).get(c).i32Add().v128Load(16 * j).set(dyv[j]);
          // Pass 2: dx[tap] += dy where the tap is the argmax (+0 elsewhere), rows in the band only.
          // Disjoint windows: each cell gets one term, 0 + term, so store term + 0 (which is +0 for -0, as in TypeScript).
          const dxTaps = (update: (j: number) => void): void =>
            emitTaps(
              f, s, px, () => f.get(px.base).get(c).i32Add().get(g.dxOff).i32Add(), loc,
              () => {
                f.get(loc.k).i32x4Splat().set(kv);
                for (let j = 0; j < u; j++) update(j);
              },
              () => inBand(f, () => f.get(loc.rp), g),
            );
          f.get(a.disjoint).if_();
          dxTaps((j) => void f.get(loc.ptr).get(dyv[j]).get(arg[j]).get(kv).i32x4Eq().v128And().get(zero).f32x4Add().v128Store(16 * j));
          f.else_();
          dxTaps((j) => void f.get(loc.ptr).get(loc.ptr).v128Load(16 * j).get(dyv[j]).get(arg[j]).get(kv).i32x4Eq().v128And().f32x4Add().v128Store(16 * j));
          f.end();
        },
        () => {
          f.get(px.base).get(c).i32Add().tee(argp).f32Load().set(fb);
          emitTaps(f, s, px, () => f.get(px.base).get(c).i32Add(), loc, () => {
            f.get(loc.ptr).f32Load().set(fv);
            f.get(fv).get(fb).f32Gt().get(fv).get(fv).f32Ne().get(fb).get(fb).f32Eq().i32And().i32Or().set(cond);
            f.get(fv).get(fb).get(cond).select().set(fb);
            f.get(loc.ptr).get(argp).get(cond).select().set(argp);
          });
          f.get(argp).get(g.dxOff).i32Add().set(argp);
          inBand(f, () => f.get(argp), g);
          f.if_();
          f.get(argp).get(argp).f32Load().get(px.yp).get(c).i32Add().f32Load().f32Add().f32Store();
          f.end();
        },
      );
      f.end();
    });
  });

  // pool_avg_task(task, thread, args): average pooling of output rows p0 + task·rpt ...
  mb.func('pool_avg_task', ['i32', 'i32', 'i32'], [], (f) => {
    const a = loadArgs(f, 2);
    const s = emitSizes(f, a);
    const lo = f.local('i32'), hi = f.local('i32'), c = f.local('i32');
    const loc = { r: f.local('i32'), cc: f.local('i32'), rp: f.local('i32'), ptr: f.local('i32'), k: f.local('i32') };
    const inv = f.local('f64'), acc = f.local('f64');
    const invv = f.local('v128');
    const acc0 = [0, 1, 2, 3].map(() => f.local('v128'));
    const acc1 = [0, 1, 2, 3].map(() => f.local('v128'));
    emitBand(f, 0, a, lo, hi);
    emitPixels(f, a, s, lo, hi, (px) => {
      // inv = 1 / count in float64 (Infinity for an empty window: 0 · Infinity = NaN, as in TypeScript).
      f.f64(1).get(px.nRows).get(px.nCols).i32Mul().f64ConvertI32S().f64Div().tee(inv).f64x2Splat().set(invv);
      emitChannels(
        f, s, c,
        (u) => {
          for (let j = 0; j < u; j++) {
            f.f64x2Const(0).tee(acc0[j]).set(acc1[j]);
          }
          emitTaps(f, s, px, () => f.get(px.base).get(c).i32Add(), loc, () => {
            for (let j = 0; j < u; j++) {
              f.get(acc0[j]).get(loc.ptr).v128Load64Zero(16 * j).f64x2PromoteLowF32x4().f64x2Add().set(acc0[j]);
              f.get(acc1[j]).get(loc.ptr).v128Load64Zero(16 * j + 8).f64x2PromoteLowF32x4().f64x2Add().set(acc1[j]);
            }
          });
          for (let j = 0; j < u; j++) {
            f.get(px.yp).get(c).i32Add();
            f.get(acc0[j]).get(invv).f64x2Mul().f32x4DemoteF64x2Zero();
            f.get(acc1[j]).get(invv).f64x2Mul().f32x4DemoteF64x2Zero();
            f.i8x16Shuffle(LOW_HALVES).v128Store(16 * j);
          }
        },
        () => {
          f.f64(0).set(acc);
          emitTaps(f, s, px, () => f.get(px.base).get(c).i32Add(), loc, () => {
            f.get(acc).get(loc.ptr).f32Load().f64PromoteF32().f64Add().set(acc);
          });
          f.get(px.yp).get(c).i32Add().get(acc).get(inv).f64Mul().f32DemoteF64().f32Store();
        },
      );
    });
  });

  // pool_avg_grad_task(task, thread, args): dx rows p0 + task·rpt ... of the average-pool gradient.
  mb.func('pool_avg_grad_task', ['i32', 'i32', 'i32'], [], (f) => {
    const a = loadArgs(f, 2);
    const s = emitSizes(f, a);
    const c = f.local('i32');
    const loc = { r: f.local('i32'), cc: f.local('i32'), rp: f.local('i32'), ptr: f.local('i32'), k: f.local('i32') };
    const inv = f.local('f64'), share = f.local('f64');
    const invv = f.local('v128');
    const d0 = [0, 1, 2, 3].map(() => f.local('v128'));
    const d1 = [0, 1, 2, 3].map(() => f.local('v128'));
    const g = emitGradBand(f, 0, a, s);
    emitPixels(f, a, s, g.qLo, g.qHi, (px) => {
      f.get(px.nRows).get(px.nCols).i32Mul().if_();
      f.f64(1).get(px.nRows).get(px.nCols).i32Mul().f64ConvertI32S().f64Div().tee(inv).f64x2Splat().set(invv);
      emitChannels(
        f, s, c,
        (u) => {
          for (let j = 0; j < u; j++) {
            f.get(px.yp).get(c).i32Add().v128Load64Zero(16 * j).f64x2PromoteLowF32x4().get(invv).f64x2Mul().set(d0[j]);
            f.get(px.yp).get(c).i32Add().v128Load64Zero(16 * j + 8).f64x2PromoteLowF32x4().get(invv).f64x2Mul().set(d1[j]);
          }
          emitTaps(
            f, s, px, () => f.get(px.base).get(c).i32Add().get(g.dxOff).i32Add(), loc,
            () => {
              for (let j = 0; j < u; j++) {
                f.get(loc.ptr);
                f.get(loc.ptr).v128Load64Zero(16 * j).f64x2PromoteLowF32x4().get(d0[j]).f64x2Add().f32x4DemoteF64x2Zero();
                f.get(loc.ptr).v128Load64Zero(16 * j + 8).f64x2PromoteLowF32x4().get(d1[j]).f64x2Add().f32x4DemoteF64x2Zero();
                f.i8x16Shuffle(LOW_HALVES).v128Store(16 * j);
              }
            },
            () => inBand(f, () => f.get(loc.rp), g),
          );
        },
        () => {
          f.get(px.yp).get(c).i32Add().f32Load().f64PromoteF32().get(inv).f64Mul().set(share);
          emitTaps(
            f, s, px, () => f.get(px.base).get(c).i32Add().get(g.dxOff).i32Add(), loc,
            () => void f.get(loc.ptr).get(loc.ptr).f32Load().f64PromoteF32().get(share).f64Add().f32DemoteF64().f32Store(),
            () => inBand(f, () => f.get(loc.rp), g),
          );
        },
      );
      f.end();
    });
  });
}

// ---------------------------------------------------------------------------
// JS side


/**
 * Below this much work (window taps times output elements) a pooling
 * kernel runs as one task on the calling thread: waking the workers costs
 * tens of microseconds, about what the kernels take for this much work.
 * @internal
 */
export const POOL_PARALLEL_MIN_WORK = 1 << 18;

function check(op: string, g: Conv2DGeometry, items: [string, Float32Array, 'in' | 'out'][]): void {
  if (g.outChannels !== g.inChannels) {
    throw new ShapeError(`${op}: pooling keeps the channel count, got a geometry with inChannels ${g.inChannels} and outChannels ${g.outChannels}`);
  }
  for (const [name, arr, side] of items) {
    const shape = side === 'in' ? [g.batch, g.inHeight, g.inWidth, g.inChannels] : [g.batch, g.outHeight, g.outWidth, g.outChannels];
    const n = shape[0] * shape[1] * shape[2] * shape[3];
    if (arr.length !== n) throw new ShapeError(`${op}: expected ${name} of ${n} elements (shape [${shape.join(',')}]), got ${arr.length}`);
  }
}

/** Runs `task` over `rows` rows (output rows, or dx rows for the gradients), split into bands when the work is large. */
function run(rt: WasmRuntime, task: string, g: Conv2DGeometry, rows: number, x: number, y: number, dx: number): void {
  const work = g.batch * g.outHeight * g.outWidth * g.inChannels * g.filterHeight * g.filterWidth;
  const threads = rt.threads;
  const want =
    poolTuning.tasks > 0 ? Math.min(rows, poolTuning.tasks)
    : threads <= 1 || work < rt.minParallelWork(POOL_PARALLEL_MIN_WORK) ? 1
    : Math.min(rows, threads * 4);
  const rpt = Math.ceil(rows / want);
  const nTasks = Math.ceil(rows / rpt);
  const w = new Array<number>(N_ARGS).fill(0);
  w[ARG.x] = x; w[ARG.y] = y; w[ARG.dx] = dx;
  w[ARG.H] = g.inHeight; w[ARG.W] = g.inWidth; w[ARG.C] = g.inChannels;
  w[ARG.OH] = g.outHeight; w[ARG.OW] = g.outWidth; w[ARG.FH] = g.filterHeight; w[ARG.FW] = g.filterWidth;
  w[ARG.sh] = g.strideHeight; w[ARG.sw] = g.strideWidth; w[ARG.dh] = g.dilationHeight; w[ARG.dw] = g.dilationWidth;
  w[ARG.pt] = g.padTop; w[ARG.pl] = g.padLeft;
  w[ARG.p0] = 0; w[ARG.pEnd] = rows; w[ARG.rpt] = rpt;
  const reachH = (g.filterHeight - 1) * g.dilationHeight + 1;
  const reachW = (g.filterWidth - 1) * g.dilationWidth + 1;
  w[ARG.disjoint] = g.strideHeight >= reachH && g.strideWidth >= reachW ? 1 : 0;
  const args = rt.heap.pushArgs(w);
  try {
    rt.parallel(task, nTasks, args);
  } finally {
    rt.heap.popArgs(args);
  }
}

/** Stages the arrays, runs `body` on their addresses and copies outputs back; on a full heap runs `fallback`. */
function staged(rt: WasmRuntime, arrays: [Float32Array, 'in' | 'out'][], body: (addrs: number[]) => void, fallback: () => void): void {
  const st = new Staging(rt);
  try {
    body(st.place(arrays));
    st.copyOut();
  } catch (e) {
    if (!(e instanceof HeapFull)) throw e;
    st.release();
    fallback();
  } finally {
    st.release();
  }
}

/**
 * Float32 max pooling on the wasm heap, bit for bit the TypeScript
 * `maxPoolKernel` (ties, `-0` and NaN included).
 *
 * @param rt The wasm runtime.
 * @param x Input `[batch, inHeight, inWidth, channels]`.
 * @param out Output `[batch, outHeight, outWidth, channels]`; fully overwritten.
 * @param g Geometry from `pool2dGeometry`.
 * @throws {ShapeError} When an array's length does not match the geometry.
 * @internal
 */
export function wasmMaxPool(rt: WasmRuntime, x: Float32Array, out: Float32Array, g: Conv2DGeometry): void {
  check('maxPool', g, [['x', x, 'in'], ['out', out, 'out']]);
  if (out.length === 0) return;
  staged(rt, [[x, 'in'], [out, 'out']], ([xa, oa]) => run(rt, 'pool_max_task', g, g.batch * g.outHeight, xa, oa, 0), () => maxPoolKernel(x, out, g));
}

/**
 * Float32 gradient of max pooling on the wasm heap, bit for bit the
 * TypeScript `maxPoolBackpropKernel`: each `dy` goes to its window's first
 * maximum (or first NaN), cells in several windows sum in output order.
 *
 * @param rt The wasm runtime.
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, channels]`.
 * @param x The forward input `[batch, inHeight, inWidth, channels]`.
 * @param dx Result `[batch, inHeight, inWidth, channels]`; fully overwritten.
 * @param g The forward pool's geometry.
 * @throws {ShapeError} When an array's length does not match the geometry.
 * @internal
 */
export function wasmMaxPoolGrad(rt: WasmRuntime, dy: Float32Array, x: Float32Array, dx: Float32Array, g: Conv2DGeometry): void {
  check('maxPoolGrad', g, [['dy', dy, 'out'], ['x', x, 'in'], ['dx', dx, 'in']]);
  if (dx.length === 0) return;
  if (dy.length === 0) {
    dx.fill(0);
    return;
  }
  staged(
    rt, [[dy, 'in'], [x, 'in'], [dx, 'out']],
    ([dya, xa, dxa]) => run(rt, 'pool_max_grad_task', g, g.batch * g.inHeight, xa, dya, dxa),
    () => maxPoolBackpropKernel(dy, x, dx, g),
  );
}

/**
 * Float32 average pooling on the wasm heap, bit for bit the TypeScript
 * `avgPoolKernel` (float64 sums, one rounding).
 *
 * @param rt The wasm runtime.
 * @param x Input `[batch, inHeight, inWidth, channels]`.
 * @param out Output `[batch, outHeight, outWidth, channels]`; fully overwritten.
 * @param g Geometry from `pool2dGeometry`.
 * @throws {ShapeError} When an array's length does not match the geometry.
 * @internal
 */
export function wasmAvgPool(rt: WasmRuntime, x: Float32Array, out: Float32Array, g: Conv2DGeometry): void {
  check('avgPool', g, [['x', x, 'in'], ['out', out, 'out']]);
  if (out.length === 0) return;
  staged(rt, [[x, 'in'], [out, 'out']], ([xa, oa]) => run(rt, 'pool_avg_task', g, g.batch * g.outHeight, xa, oa, 0), () => avgPoolKernel(x, out, g));
}

/**
 * Float32 gradient of average pooling on the wasm heap, bit for bit the
 * TypeScript `avgPoolBackpropKernel`.
 *
 * @param rt The wasm runtime.
 * @param dy Gradient of the output, `[batch, outHeight, outWidth, channels]`.
 * @param dx Result `[batch, inHeight, inWidth, channels]`; fully overwritten.
 * @param g The forward pool's geometry.
 * @throws {ShapeError} When an array's length does not match the geometry.
 * @internal
 */
export function wasmAvgPoolGrad(rt: WasmRuntime, dy: Float32Array, dx: Float32Array, g: Conv2DGeometry): void {
  check('avgPoolGrad', g, [['dy', dy, 'out'], ['dx', dx, 'in']]);
  if (dx.length === 0) return;
  if (dy.length === 0) {
    dx.fill(0);
    return;
  }
  // No x: tap addresses are offsets from 0, and dx - 0 turns them into dx addresses.
  staged(
    rt, [[dy, 'in'], [dx, 'out']],
    ([dya, dxa]) => run(rt, 'pool_avg_grad_task', g, g.batch * g.inHeight, 0, dya, dxa),
    () => avgPoolBackpropKernel(dy, dx, g),
  );
}
