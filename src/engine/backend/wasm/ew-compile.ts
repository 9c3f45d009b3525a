/**
 * Compiles elementwise IR programs ({@link ElementwiseProgram}) to wasm SIMD
 * loops, for float32 tensors on the wasm heap.
 *
 * One small module per (program, loop shape, precision) is generated and
 * instantiated on the heap's memory. The loop walks a broadcast plan (as
 * `planLoop` collapses it) of rank 1 to {@link MAX_RANK}: outer dimensions
 * are nested loops that advance each input by its byte stride, and the
 * innermost run is four floats per step. Each input is one of
 *
 * - `'v'`: contiguous along the run (stride 1),
 * - `'r'`: constant along the run (stride 0) but moving in an outer
 *   dimension - loaded and splat once per run (a column broadcast),
 * - `'s'`: one value for the whole op (a scalar, or a fully broadcast
 *   input) - passed by value, so it need not be on the heap.
 *
 * Results must be bit-identical to the TypeScript loops, which compute a
 * program in float64 (JavaScript numbers) and round once when they store
 * into the Float32Array. Two precisions do that:
 *
 * - `'f64'`: every value is widened to f64x2 and the program runs in
 *   float64 exactly as JavaScript runs it (IEEE add/sub/mul/div/sqrt, NaN-
 *   propagating min/max with max(-0, +0) = +0 like `Math.max`), then rounds
 *   once to float32: the same bits as the TypeScript loop, for any chain.
 * - `'f32'`: the program runs in f32x4, for programs where that provably
 *   gives the same bits: at most one rounding op (+ - * / sqrt) on any path,
 *   whose operands are exact float32 values, under only ops that commute
 *   with rounding to float32 (neg, abs, min, max - rounding is monotone and
 *   sign-symmetric - and selects whose condition reads exact values).
 *   A single IEEE op on float32 operands rounded to float32 equals the
 *   float64 result rounded to float32, since float64 has more than
 *   2·24 + 2 significand bits (no double-rounding error for + - * / sqrt).
 *
 * @internal
 * @module
 */
import { ValueError } from '../../errors.js';
import { ModuleBuilder, type FunctionBuilder } from './asm.js';
import { paramNames, type ElementwiseProgram, type Expr, type ScalarFn } from '../kernel-ir.js';

/** The highest broadcast-plan rank the generated loops handle. @internal */
export const MAX_RANK = 4;

/** How a kernel computes: in f32x4, or in f64x2 with one rounding at the store. @internal */
export type Precision = 'f32' | 'f64';

/** How an input moves along the loop (see the module comment). @internal */
export type InputKind = 'v' | 'r' | 's';

/** The loop a kernel is generated for. @internal */
export interface KernelSpec {
  /** Collapsed rank of the broadcast plan (1..MAX_RANK). */
  readonly rank: number;
  /** One kind per program input. */
  readonly kinds: readonly InputKind[];
  /** The arithmetic precision. */
  readonly precision: Precision;
}

/** The scalar functions the compiler handles (in float64 mode). */
const SUPPORTED = new Set<ScalarFn>([
  'neg', 'abs', 'sign', 'sqrt', 'rsqrt', 'floor', 'ceil', 'round', 'isnan', 'isfinite', 'not',
  'add', 'sub', 'mul', 'div', 'max', 'min', 'floordiv', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or',
]);

/** Whether every node of `e` is one the compiler handles. @internal */
export function isSupported(e: Expr): boolean {
  switch (e.kind) {
    case 'input':
    case 'const':
    case 'param':
      return true;
    case 'select':
      return isSupported(e.cond) && isSupported(e.then) && isSupported(e.otherwise);
    case 'call':
      return SUPPORTED.has(e.fn) && e.args.every(isSupported);
  }
}

/**
 * Exactness class for the float32 mode: `exact` values are float32 values
 * computed without rounding; `top` values are one rounding (of exact
 * operands) under ops that commute with rounding; `no` needs float64.
 */
export type Exactness = 'exact' | 'top' | 'no';

const isF32 = (v: number): boolean => Number.isNaN(v) || Math.fround(v) === v;

/**
 * The exactness class of `e` with its params bound to `params` (a param
 * whose value is not a float32 value is inexact, as is such a constant).
 * @internal
 */
export function exactness(e: Expr, params: Readonly<Record<string, number>>): Exactness {
  switch (e.kind) {
    case 'input':
      return 'exact';
    case 'const':
      return isF32(e.value) ? 'exact' : 'no';
    case 'param':
      return isF32(params[e.name]) ? 'exact' : 'no';
    case 'select': {
      if (exactness(e.cond, params) !== 'exact') return 'no';
      const a = exactness(e.then, params);
      const b = exactness(e.otherwise, params);
      if (a === 'no' || b === 'no') return 'no';
      return a === 'top' || b === 'top' ? 'top' : 'exact';
    }
    case 'call': {
      const cls = e.args.map((x) => exactness(x, params));
      if (cls.includes('no')) return 'no';
      const allExact = cls.every((c) => c === 'exact');
      switch (e.fn) {
        case 'neg':
        case 'abs':
        case 'max':
        case 'min':
          return allExact ? 'exact' : 'top';
        case 'add':
        case 'sub':
        case 'mul':
        case 'div':
        case 'sqrt':
          return allExact ? 'top' : 'no';
        case 'sign':
        case 'floor':
        case 'ceil':
        case 'round':
        case 'isnan':
        case 'isfinite':
        case 'not':
        case 'eq':
        case 'ne':
        case 'lt':
        case 'le':
        case 'gt':
        case 'ge':
        case 'and':
        case 'or':
          return allExact ? 'exact' : 'no';
        default:
          return 'no';
      }
    }
  }
}

/** A structural key of an expression (for common subexpressions). */
function keyOf(e: Expr, memo: Map<Expr, string>): string {
  let k = memo.get(e);
  if (k !== undefined) return k;
  switch (e.kind) {
    case 'input':
      k = `i${e.index}`;
      break;
    case 'const':
      k = `c${Object.is(e.value, -0) ? '-0' : String(e.value)}`;
      break;
    case 'param':
      k = `p${JSON.stringify(e.name)}`;
      break;
    case 'select':
      k = `?(${keyOf(e.cond, memo)},${keyOf(e.then, memo)},${keyOf(e.otherwise, memo)})`;
      break;
    case 'call':
      k = `${e.fn}(${e.args.map((a) => keyOf(a, memo)).join(',')})`;
      break;
  }
  memo.set(e, k);
  return k;
}

type Kind = 'val' | 'mask';

/** The per-precision SIMD instructions. */
interface VecOps {
  add(f: FunctionBuilder): void;
  sub(f: FunctionBuilder): void;
  mul(f: FunctionBuilder): void;
  div(f: FunctionBuilder): void;
  min(f: FunctionBuilder): void;
  max(f: FunctionBuilder): void;
  neg(f: FunctionBuilder): void;
  abs(f: FunctionBuilder): void;
  sqrt(f: FunctionBuilder): void;
  floor(f: FunctionBuilder): void;
  ceil(f: FunctionBuilder): void;
  nearest(f: FunctionBuilder): void;
  eq(f: FunctionBuilder): void;
  ne(f: FunctionBuilder): void;
  lt(f: FunctionBuilder): void;
  le(f: FunctionBuilder): void;
  gt(f: FunctionBuilder): void;
  ge(f: FunctionBuilder): void;
  /** A constant in every lane. */
  konst(f: FunctionBuilder, v: number): void;
  /** An f64 on the stack splat to every lane. */
  splatF64(f: FunctionBuilder): void;
}

const F32: VecOps = {
  add: (f) => f.f32x4Add(), sub: (f) => f.f32x4Sub(), mul: (f) => f.f32x4Mul(), div: (f) => f.f32x4Div(),
  min: (f) => f.f32x4Min(), max: (f) => f.f32x4Max(), neg: (f) => f.f32x4Neg(), abs: (f) => f.f32x4Abs(),
  sqrt: (f) => f.f32x4Sqrt(), floor: (f) => f.f32x4Floor(), ceil: (f) => f.f32x4Ceil(), nearest: (f) => f.f32x4Nearest(),
  eq: (f) => f.f32x4Eq(), ne: (f) => f.f32x4Ne(), lt: (f) => f.f32x4Lt(), le: (f) => f.f32x4Le(), gt: (f) => f.f32x4Gt(), ge: (f) => f.f32x4Ge(),
  konst: (f, v) => f.f32x4Const(v),
  splatF64: (f) => f.f32DemoteF64().f32x4Splat(),
};

const F64: VecOps = {
  add: (f) => f.f64x2Add(), sub: (f) => f.f64x2Sub(), mul: (f) => f.f64x2Mul(), div: (f) => f.f64x2Div(),
  min: (f) => f.f64x2Min(), max: (f) => f.f64x2Max(), neg: (f) => f.f64x2Neg(), abs: (f) => f.f64x2Abs(),
  sqrt: (f) => f.f64x2Sqrt(), floor: (f) => f.f64x2Floor(), ceil: (f) => f.f64x2Ceil(), nearest: (f) => f.f64x2Nearest(),
  eq: (f) => f.f64x2Eq(), ne: (f) => f.f64x2Ne(), lt: (f) => f.f64x2Lt(), le: (f) => f.f64x2Le(), gt: (f) => f.f64x2Gt(), ge: (f) => f.f64x2Ge(),
  konst: (f, v) => f.f64x2Const(v),
  splatF64: (f) => f.f64x2Splat(),
};

/** Byte lanes that move the high two floats of a v128 to the low half. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Byte lanes that join the low halves of two v128s. */
const JOIN_LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * Emits the vector code of one expression evaluation. Inputs and params
 * are read from locals; repeated subexpressions are computed once (every
 * node is evaluated unconditionally - selects blend both sides - and no op
 * traps, so the first evaluation dominates later uses).
 */
class ExprEmitter {
  private readonly memo = new Map<Expr, string>();
  private readonly counts = new Map<string, number>();
  private readonly cseLocals = new Map<string, number>();
  private cache = new Map<string, Kind>();
  /** Locals holding the current evaluation's input values, by input index. */
  inputs: number[] = [];

  constructor(
    private readonly f: FunctionBuilder,
    private readonly ops: VecOps,
    root: Expr,
    /** Locals holding each param splat, by name. */
    private readonly params: ReadonlyMap<string, number>,
  ) {
    this.count(root);
  }

  private count(e: Expr): void {
    const k = keyOf(e, this.memo);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    if (e.kind === 'call') for (const a of e.args) this.count(a);
    else if (e.kind === 'select') {
      this.count(e.cond);
      this.count(e.then);
      this.count(e.otherwise);
    }
  }

  /** Starts a new evaluation (forgets computed subexpressions). */
  reset(): void {
    this.cache = new Map();
  }

  /** Emits `e` as a value vector (masks become 0/1). */
  value(e: Expr): void {
    if (this.emit(e) === 'mask') this.maskToValue();
  }

  private maskToValue(): void {
    this.ops.konst(this.f, 1);
    this.f.v128And();
  }

  /** Emits `e` as a truth mask: nonzero and not NaN (JavaScript truthiness of a number). */
  private truthy(e: Expr): void {
    if (this.emit(e) === 'mask') return;
    const t = this.f.local('v128');
    const { f, ops } = this;
    f.set(t);
    f.get(t);
    ops.konst(f, 0);
    ops.lt(f);
    f.get(t);
    ops.konst(f, 0);
    ops.gt(f);
    f.v128Or();
  }

  private emit(e: Expr): Kind {
    const { f, ops } = this;
    if (e.kind === 'input') {
      f.get(this.inputs[e.index]);
      return 'val';
    }
    if (e.kind === 'const') {
      ops.konst(f, e.value);
      return 'val';
    }
    if (e.kind === 'param') {
      f.get(this.params.get(e.name)!);
      return 'val';
    }
    const key = keyOf(e, this.memo);
    const shared = (this.counts.get(key) ?? 0) > 1;
    if (shared) {
      const kind = this.cache.get(key);
      if (kind !== undefined) {
        f.get(this.cseLocals.get(key)!);
        return kind;
      }
    }
    const kind = this.emitNode(e);
    if (shared) {
      let l = this.cseLocals.get(key);
      if (l === undefined) {
        l = f.local('v128');
        this.cseLocals.set(key, l);
      }
      f.tee(l);
      this.cache.set(key, kind);
    }
    return kind;
  }

  private emitNode(e: Expr): Kind {
    const { f, ops } = this;
    if (e.kind === 'select') {
      this.value(e.then);
      this.value(e.otherwise);
      this.truthy(e.cond);
      f.v128Bitselect();
      return 'val';
    }
    if (e.kind !== 'call') throw new ValueError(`ew-compile: expected a call or select node, got '${e.kind}'`);
    const [a, b] = e.args;
    const bin = (op: (f: FunctionBuilder) => void): Kind => {
      this.value(a);
      this.value(b);
      op(f);
      return 'val';
    };
    const cmp = (op: (f: FunctionBuilder) => void): Kind => {
      this.value(a);
      this.value(b);
      op(f);
      return 'mask';
    };
    const un = (op: (f: FunctionBuilder) => void): Kind => {
      this.value(a);
      op(f);
      return 'val';
    };
    switch (e.fn) {
      case 'neg': return un(ops.neg);
      case 'abs': return un(ops.abs);
      case 'sqrt': return un(ops.sqrt);
      case 'floor': return un(ops.floor);
      case 'ceil': return un(ops.ceil);
      case 'round': return un(ops.nearest);
      case 'rsqrt':
        ops.konst(f, 1);
        this.value(a);
        ops.sqrt(f);
        ops.div(f);
        return 'val';
      case 'sign': {
        // Math.sign: 1 for x > 0, -1 for x < 0, else x itself (±0, NaN).
        const t = f.local('v128');
        this.value(a);
        f.set(t);
        ops.konst(f, 1);
        ops.konst(f, -1);
        f.get(t);
        f.get(t);
        ops.konst(f, 0);
        ops.lt(f);
        f.v128Bitselect();
        f.get(t);
        ops.konst(f, 0);
        ops.gt(f);
        f.v128Bitselect();
        return 'val';
      }
      case 'isnan': {
        const t = f.local('v128');
        this.value(a);
        f.tee(t);
        f.get(t);
        ops.ne(f);
        return 'mask';
      }
      case 'isfinite':
        this.value(a);
        ops.abs(f);
        ops.konst(f, Infinity);
        ops.lt(f);
        return 'mask';
      case 'not':
        this.truthy(a);
        f.v128Not();
        return 'mask';
      case 'and':
        this.truthy(a);
        this.truthy(b);
        f.v128And();
        return 'mask';
      case 'or':
        this.truthy(a);
        this.truthy(b);
        f.v128Or();
        return 'mask';
      case 'add': return bin(ops.add);
      case 'sub': return bin(ops.sub);
      case 'mul': return bin(ops.mul);
      case 'div': return bin(ops.div);
      case 'max': return bin(ops.max);
      case 'min': return bin(ops.min);
      case 'floordiv':
        bin(ops.div);
        ops.floor(f);
        return 'val';
      case 'eq': return cmp(ops.eq);
      case 'ne': return cmp(ops.ne);
      case 'lt': return cmp(ops.lt);
      case 'le': return cmp(ops.le);
      case 'gt': return cmp(ops.gt);
      case 'ge': return cmp(ops.ge);
      default:
        throw new ValueError(`ew-compile: expected a function the wasm compiler handles, got '${e.fn}'`);
    }
  }
}

/**
 * The wasm signature of a kernel for `spec`: `out` (byte address), the
 * plan's dims (outer to inner), then per input either its value (f64, for
 * a `'s'` input) or its byte address followed by its byte strides in the
 * `rank - 1` outer dims, then the program's params (f64, in
 * {@link paramNames} order).
 * @internal
 */
export function kernelParams(program: ElementwiseProgram, spec: KernelSpec): ('i32' | 'f64')[] {
  const p: ('i32' | 'f64')[] = ['i32'];
  for (let d = 0; d < spec.rank; d++) p.push('i32');
  for (const k of spec.kinds) {
    if (k === 's') p.push('f64');
    else {
      p.push('i32');
      for (let d = 0; d < spec.rank - 1; d++) p.push('i32');
    }
  }
  for (const _ of paramNames(program.expr)) p.push('f64');
  return p;
}

/**
 * Generates the module (one exported function `k`, see
 * {@link kernelParams}) for `program` over the loop `spec`. The module
 * imports `env.memory` with the given sharing.
 * @internal
 */
export function compileKernel(program: ElementwiseProgram, spec: KernelSpec, shared: boolean): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder({ initial: 1, maximum: 65536, shared });
  const params = kernelParams(program, spec);
  const { rank, kinds, precision } = spec;
  const ops = precision === 'f32' ? F32 : F64;
  mb.func('k', params, [], (f) => {
    // Parameter indices.
    let pi = 0;
    const outArg = pi++;
    const dims: number[] = [];
    for (let d = 0; d < rank; d++) dims.push(pi++);
    const addr: number[] = [];
    const strides: number[][] = [];
    const scalarArg: number[] = [];
    for (const k of kinds) {
      if (k === 's') {
        scalarArg.push(pi++);
        addr.push(-1);
        strides.push([]);
      } else {
        scalarArg.push(-1);
        addr.push(pi++);
        const s: number[] = [];
        for (let d = 0; d < rank - 1; d++) s.push(pi++);
        strides.push(s);
      }
    }
    const names = paramNames(program.expr);
    const paramArg = new Map<string, number>();
    for (const name of names) paramArg.set(name, pi++);

    // Splats computed once: scalar inputs and params.
    const scalarVec: number[] = kinds.map(() => -1);
    kinds.forEach((k, i) => {
      if (k !== 's') return;
      scalarVec[i] = f.local('v128');
      f.get(scalarArg[i]);
      ops.splatF64(f);
      f.set(scalarVec[i]);
    });
    const paramVec = new Map<string, number>();
    for (const name of names) {
      const l = f.local('v128');
      f.get(paramArg.get(name)!);
      ops.splatF64(f);
      f.set(l);
      paramVec.set(name, l);
    }

    const em = new ExprEmitter(f, ops, program.expr, paramVec);
    const o = f.local('i32');
    f.get(outArg).set(o);

    // Per-level base pointers; level rank-2 feeds the inner run.
    const base: number[][] = [];
    const counters: number[] = [];
    for (let k = 0; k < rank - 1; k++) {
      base.push(kinds.map((kd) => (kd === 's' ? -1 : f.local('i32'))));
      counters.push(f.local('i32'));
    }
    // Inner-run locals.
    const q = kinds.map((kd) => (kd === 'v' ? f.local('i32') : -1));
    const rowVec = kinds.map((kd) => (kd === 'r' ? f.local('v128') : -1));
    const x = kinds.map(() => f.local('v128'));
    const lo = precision === 'f64' ? kinds.map(() => f.local('v128')) : [];
    const hi = precision === 'f64' ? kinds.map(() => f.local('v128')) : [];
    const j = f.local('i32');
    const end4 = f.local('i32');
    const rem = f.local('i32');
    const res = f.local('v128');
    const resHi = f.local('v128');

    /** Computes the program on the four floats in `x` (row and scalar inputs from their splats) into `res` as f32x4. */
    const compute = (): void => {
      if (precision === 'f32') {
        em.reset();
        em.inputs = kinds.map((kd, i) => (kd === 's' ? scalarVec[i] : kd === 'r' ? rowVec[i] : x[i]));
        em.value(program.expr);
        f.set(res);
        return;
      }
      kinds.forEach((kd, i) => {
        if (kd !== 'v') return;
        f.get(x[i]).f64x2PromoteLowF32x4().set(lo[i]);
        f.get(x[i]).get(x[i]).i8x16Shuffle(HIGH_HALF).f64x2PromoteLowF32x4().set(hi[i]);
      });
      const pick = (half: number[]) => kinds.map((kd, i) => (kd === 's' ? scalarVec[i] : kd === 'r' ? rowVec[i] : half[i]));
      em.reset();
      em.inputs = pick(lo);
      em.value(program.expr);
      f.f32x4DemoteF64x2Zero().set(res);
      em.reset();
      em.inputs = pick(hi);
      em.value(program.expr);
      f.f32x4DemoteF64x2Zero().set(resHi);
      f.get(res).get(resHi).i8x16Shuffle(JOIN_LOW).set(res);
    };

    const inner = (ptrs: number[]): void => {
      const L = dims[rank - 1];
      kinds.forEach((kd, i) => {
        if (kd === 'v') f.get(ptrs[i]).set(q[i]);
        else if (kd === 'r') {
          f.get(ptrs[i]).v128Load32Splat();
          if (precision === 'f64') f.f64x2PromoteLowF32x4();
          f.set(rowVec[i]);
        }
      });
      f.get(L).i32(-4).i32And().set(end4);
      f.for_(j, () => f.i32(0), () => f.get(end4), 4, () => {
        kinds.forEach((kd, i) => {
          if (kd === 'v') f.get(q[i]).v128Load().set(x[i]);
        });
        compute();
        f.get(o).get(res).v128Store();
        kinds.forEach((kd, i) => {
          if (kd === 'v') f.get(q[i]).i32(16).i32Add().set(q[i]);
        });
        f.get(o).i32(16).i32Add().set(o);
      });
      // Tail of 1..3 floats: lanes loaded and stored one by one.
      f.get(L).get(end4).i32Sub().tee(rem).if_();
      kinds.forEach((kd, i) => {
        if (kd !== 'v') return;
        f.f32x4Const(0).get(q[i]).f32Load(0).f32x4ReplaceLane(0).set(x[i]);
        f.get(rem).i32(1).i32GtS().if_().get(x[i]).get(q[i]).f32Load(4).f32x4ReplaceLane(1).set(x[i]).end();
        f.get(rem).i32(2).i32GtS().if_().get(x[i]).get(q[i]).f32Load(8).f32x4ReplaceLane(2).set(x[i]).end();
      });
      compute();
      f.get(o).get(res).f32x4ExtractLane(0).f32Store(0);
      f.get(rem).i32(1).i32GtS().if_().get(o).get(res).f32x4ExtractLane(1).f32Store(4).end();
      f.get(rem).i32(2).i32GtS().if_().get(o).get(res).f32x4ExtractLane(2).f32Store(8).end();
      f.get(o).get(rem).i32(2).i32Shl().i32Add().set(o);
      f.end();
    };

    const level = (k: number, parent: number[]): void => {
      if (k === rank - 1) {
        inner(parent);
        return;
      }
      kinds.forEach((kd, i) => {
        if (kd !== 's') f.get(parent[i]).set(base[k][i]);
      });
      f.for_(counters[k], () => f.i32(0), () => f.get(dims[k]), 1, () => {
        level(k + 1, base[k]);
        kinds.forEach((kd, i) => {
          if (kd !== 's') f.get(base[k][i]).get(strides[i][k]).i32Add().set(base[k][i]);
        });
      });
    };
    level(0, addr);
  });
  return mb.toBytes();
}
