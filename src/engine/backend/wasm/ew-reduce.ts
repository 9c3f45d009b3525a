/**
 * Float32 sum and max reductions in the main wasm module, bit-identical to
 * the TypeScript reducers in `cpu/kernels/reduce.ts`:
 *
 * - `ew_sum_last(x, out, rows, len)`: `out[r] = Σ x[r, 0..len)`, with the
 *   TypeScript `floatSum.run` order: four float64 partial sums (element i
 *   into sum i mod 4, the tail into sum 0), combined as
 *   `(s0 + s1) + (s2 + s3)`, added to 0 and rounded once to float32. Here
 *   the four sums are two f64x2 lanes pairs, so the order is the same.
 * - `ew_sum_cols(x, out, outer, rows, len)`: `out[o, j] = Σ_r x[o, r, j]`
 *   with the `floatSum.rowsInto` order: a float64 accumulator per column
 *   that starts at 0 and adds `(x0 + x1) + (x2 + x3)` per four rows, then
 *   the remaining rows one by one. Columns are independent, so they go
 *   across SIMD lanes in blocks of 8 and 4 (the block's accumulators stay in
 *   registers while it walks down the rows), the last 0..3 columns scalar.
 * - `ew_max_last(x, out, rows, len)`: `out[r] = max x[r, 0..len)`, NaN if
 *   any element is NaN (as `maxReducer`), and for a maximum of zero the
 *   sign of the first zero (the TypeScript loop keeps the first of equal
 *   values, and -0 == +0).
 *
 * Addresses are byte addresses on the heap; `rows`, `len` and `outer` are
 * at least 1.
 *
 * @internal
 * @module
 */
import type { FunctionBuilder, ModuleBuilder } from './asm.js';
import type { BuildContext } from './runtime.js';

const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const JOIN_LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** Pushes the low two floats of local `v` as f64x2. */
function lowF64(f: FunctionBuilder, v: number): void {
  f.get(v).f64x2PromoteLowF32x4();
}
/** Pushes the high two floats of local `v` as f64x2. */
function highF64(f: FunctionBuilder, v: number): void {
  f.get(v).get(v).i8x16Shuffle(HIGH_HALF).f64x2PromoteLowF32x4();
}

function buildSumLast(mb: ModuleBuilder): void {
  mb.func('ew_sum_last', ['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, out, rows, len] = [0, 1, 2, 3];
    const r = f.local('i32');
    const i = f.local('i32');
    const end4 = f.local('i32');
    const p = f.local('i32');
    const a01 = f.local('v128');
    const a23 = f.local('v128');
    const v = f.local('v128');
    const s0 = f.local('f64');
    f.get(x).set(p);
    f.get(len).i32(-4).i32And().set(end4);
    f.for_(r, () => f.i32(0), () => f.get(rows), 1, () => {
      f.f64x2Const(0).tee(a01).set(a23);
      f.for_(i, () => f.i32(0), () => f.get(end4), 4, () => {
        f.get(p).v128Load().set(v);
        f.get(a01);
        lowF64(f, v);
        f.f64x2Add().set(a01);
        f.get(a23);
        highF64(f, v);
        f.f64x2Add().set(a23);
        f.get(p).i32(16).i32Add().set(p);
      });
      f.get(a01).f64x2ExtractLane(0).set(s0);
      f.for_(i, () => f.get(end4), () => f.get(len), 1, () => {
        f.get(s0).get(p).f32Load().f64PromoteF32().f64Add().set(s0);
        f.get(p).i32(4).i32Add().set(p);
      });
      // 0 + ((s0 + s1) + (s2 + s3)), rounded once.
      f.get(out).get(r).i32(2).i32Shl().i32Add();
      f.f64(0);
      f.get(s0).get(a01).f64x2ExtractLane(1).f64Add();
      f.get(a23).f64x2ExtractLane(0).get(a23).f64x2ExtractLane(1).f64Add();
      f.f64Add().f64Add().f32DemoteF64().f32Store();
    });
  });
}

function buildSumCols(mb: ModuleBuilder): void {
  mb.func('ew_sum_cols', ['i32', 'i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, out, outer, rows, len] = [0, 1, 2, 3, 4];
    const o = f.local('i32');
    const xo = f.local('i32'); // x of this outer block
    const oo = f.local('i32'); // out of this outer block
    const jb = f.local('i32');
    const r = f.local('i32');
    const rs = f.local('i32'); // row stride in bytes
    const p0 = f.local('i32');
    const p1 = f.local('i32');
    const p2 = f.local('i32');
    const p3 = f.local('i32');
    const end4 = f.local('i32');
    const acc = Array.from({ length: 4 }, () => f.local('v128'));
    const v = Array.from({ length: 4 }, () => f.local('v128'));
    const s = f.local('f64');
    f.get(len).i32(2).i32Shl().set(rs);
    f.get(rows).i32(-4).i32And().set(end4);
    f.get(x).set(xo);
    f.get(out).set(oo);

    /** Sums columns [jb, jb + width) (width 8 or 4) of this outer block; advances jb. */
    const block = (width: number): void => {
      const nv = width / 4; // v128 loads per row
      f.block().loop();
      f.get(jb).i32(width).i32Add().get(len).i32GtS().brIf(1);
      for (let a = 0; a < 2 * nv; a++) f.f64x2Const(0).set(acc[a]);
      f.get(xo).get(jb).i32(2).i32Shl().i32Add().set(p0);
      f.for_(r, () => f.i32(0), () => f.get(end4), 4, () => {
        f.get(p0).get(rs).i32Add().set(p1);
        f.get(p1).get(rs).i32Add().set(p2);
        f.get(p2).get(rs).i32Add().set(p3);
        for (let k = 0; k < nv; k++) {
          const off = 16 * k;
          [p0, p1, p2, p3].forEach((pp, q) => f.get(pp).v128Load(off).set(v[q]));
          for (const half of [lowF64, highF64]) {
            const a = acc[2 * k + (half === lowF64 ? 0 : 1)];
            // acc + ((x0 + x1) + (x2 + x3))
            f.get(a);
            half(f, v[0]);
            half(f, v[1]);
            f.f64x2Add();
            half(f, v[2]);
            half(f, v[3]);
            f.f64x2Add().f64x2Add();
            f.f64x2Add().set(a);
          }
        }
        f.get(p3).get(rs).i32Add().set(p0);
      });
      f.for_(r, () => f.get(end4), () => f.get(rows), 1, () => {
        for (let k = 0; k < nv; k++) {
          f.get(p0).v128Load(16 * k).set(v[0]);
          f.get(acc[2 * k]);
          lowF64(f, v[0]);
          f.f64x2Add().set(acc[2 * k]);
          f.get(acc[2 * k + 1]);
          highF64(f, v[0]);
          f.f64x2Add().set(acc[2 * k + 1]);
        }
        f.get(p0).get(rs).i32Add().set(p0);
      });
      for (let k = 0; k < nv; k++) {
        f.get(oo).get(jb).i32(2).i32Shl().i32Add();
        f.get(acc[2 * k]).f32x4DemoteF64x2Zero().get(acc[2 * k + 1]).f32x4DemoteF64x2Zero().i8x16Shuffle(JOIN_LOW);
        f.v128Store(16 * k);
      }
      f.get(jb).i32(width).i32Add().set(jb);
      f.br(0).end().end();
    };

    f.for_(o, () => f.i32(0), () => f.get(outer), 1, () => {
      f.i32(0).set(jb);
      block(8);
      block(4);
      // The last 0..3 columns, one at a time.
      f.block().loop();
      f.get(jb).get(len).i32GeS().brIf(1);
      f.f64(0).set(s);
      f.get(xo).get(jb).i32(2).i32Shl().i32Add().set(p0);
      f.for_(r, () => f.i32(0), () => f.get(end4), 4, () => {
        f.get(p0).get(rs).i32Add().set(p1);
        f.get(p1).get(rs).i32Add().set(p2);
        f.get(p2).get(rs).i32Add().set(p3);
        f.get(s);
        f.get(p0).f32Load().f64PromoteF32().get(p1).f32Load().f64PromoteF32().f64Add();
        f.get(p2).f32Load().f64PromoteF32().get(p3).f32Load().f64PromoteF32().f64Add();
        f.f64Add().f64Add().set(s);
        f.get(p3).get(rs).i32Add().set(p0);
      });
      f.for_(r, () => f.get(end4), () => f.get(rows), 1, () => {
        f.get(s).get(p0).f32Load().f64PromoteF32().f64Add().set(s);
        f.get(p0).get(rs).i32Add().set(p0);
      });
      f.get(oo).get(jb).i32(2).i32Shl().i32Add().get(s).f32DemoteF64().f32Store();
      f.get(jb).i32(1).i32Add().set(jb);
      f.br(0).end().end();
      f.get(xo).get(rows).get(rs).i32Mul().i32Add().set(xo);
      f.get(oo).get(rs).i32Add().set(oo);
    });
  });
}

function buildMaxLast(mb: ModuleBuilder): void {
  mb.func('ew_max_last', ['i32', 'i32', 'i32', 'i32'], [], (f) => {
    const [x, out, rows, len] = [0, 1, 2, 3];
    const r = f.local('i32');
    const i = f.local('i32');
    const end4 = f.local('i32');
    const row = f.local('i32');
    const p = f.local('i32');
    const m = f.local('v128');
    const nan = f.local('v128');
    const v = f.local('v128');
    const sm = f.local('f32');
    const sv = f.local('f32');
    const anyNan = f.local('i32');
    f.get(len).i32(-4).i32And().set(end4);
    f.get(x).set(row);
    f.for_(r, () => f.i32(0), () => f.get(rows), 1, () => {
      f.get(row).set(p);
      f.i32(0).set(anyNan);
      f.get(end4).if_();
      {
        // pmax (a < b ? b : a) keeps the running maximum; NaNs are tracked apart.
        f.get(p).v128Load().tee(m).get(m).f32x4Ne().set(nan);
        f.get(p).i32(16).i32Add().set(p);
        f.for_(i, () => f.i32(4), () => f.get(end4), 4, () => {
          f.get(p).v128Load().set(v);
          f.get(nan).get(v).get(v).f32x4Ne().v128Or().set(nan);
          f.get(m).get(v).f32x4Pmax().set(m);
          f.get(p).i32(16).i32Add().set(p);
        });
        f.get(nan).v128AnyTrue().set(anyNan);
        // Horizontal: lanes (0,2),(1,3) then (0,1).
        f.get(m).get(m).get(m).i8x16Shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).f32x4Pmax().set(m);
        f.get(m).get(m).get(m).i8x16Shuffle([4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3]).f32x4Pmax().f32x4ExtractLane(0).set(sm);
      }
      f.else_();
      f.get(p).f32Load().set(sm);
      f.get(sm).get(sm).f32Ne().set(anyNan);
      f.get(p).i32(4).i32Add().set(p);
      f.end();
      // Remaining elements (all of them for len < 4, after the first).
      f.for_(i, () => f.get(end4).get(end4).i32Eqz().i32Add(), () => f.get(len), 1, () => {
        f.get(p).f32Load().set(sv);
        f.get(anyNan).get(sv).get(sv).f32Ne().i32Or().set(anyNan);
        f.get(sv).get(sm).get(sv).get(sm).f32Gt().select().set(sm);
        f.get(p).i32(4).i32Add().set(p);
      });
      f.get(anyNan).if_();
      f.f32(NaN).set(sm);
      f.else_();
      // A zero maximum takes the sign of the first zero in the row.
      f.get(sm).f32(0).f32Eq().if_();
      f.get(row).set(p);
      f.block().loop();
      f.get(p).f32Load().tee(sv).f32(0).f32Eq().brIf(1);
      f.get(p).i32(4).i32Add().set(p);
      f.br(0).end().end();
      f.get(sv).set(sm);
      f.end();
      f.end();
      f.get(out).get(r).i32(2).i32Shl().i32Add().get(sm).f32Store();
      f.get(row).get(len).i32(2).i32Shl().i32Add().set(row);
    });
  });
}

/** Adds `ew_sum_last`, `ew_sum_cols` and `ew_max_last` to the main module. @internal */
export function buildReductions(mb: ModuleBuilder, _ctx: BuildContext): void {
  buildSumLast(mb);
  buildSumCols(mb);
  buildMaxLast(mb);
}
