/**
 * Elementwise ops. Each is one row: a scalar expression (from which every
 * backend generates its kernel), a dtype rule and a gradient written with
 * ops. Binary and ternary ops broadcast like NumPy.
 *
 * @module
 */
import type { TensorMeta } from '../backend/backend.js';
import { ir, type Expr } from '../backend/kernel-ir.js';
import { assertDType, floatTypeOf, isFloat, upcastType, type DType } from '../dtype.js';
import { DTypeError, ValueError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { defineOp, type GradFn, type OpDef } from './define-op.js';
import { runOp1 } from './dispatch.js';
import { unbroadcast } from './grad-util.js';
import { zerosLike } from './creation.js';

type OutRule = 'same' | 'float' | 'bool';
type Accepts = 'any' | 'numeric' | 'float' | 'bool';

function checkAccepts(op: string, accepts: Accepts, dtype: DType, what: string): void {
  const ok =
    accepts === 'any' ||
    (accepts === 'numeric' && dtype !== 'bool') ||
    (accepts === 'float' && isFloat(dtype)) ||
    (accepts === 'bool' && dtype === 'bool');
  if (!ok) {
    const expected = { numeric: 'a numeric dtype (float32, int32, float64)', float: 'a float dtype (float32, float64)', bool: 'bool', any: 'any dtype' }[accepts];
    const hint = accepts === 'bool' ? '; compare or cast first' : "; cast it first, e.g. x.cast('float32')";
    throw new DTypeError(`${op}: expected ${what} of ${expected}, got ${dtype}${hint}`);
  }
}

function outDType(rule: OutRule, dtype: DType): DType {
  return rule === 'same' ? dtype : rule === 'bool' ? 'bool' : floatTypeOf(dtype === 'bool' ? 'float32' : dtype);
}

interface UnarySpec<P> {
  expr: (x: Expr) => Expr;
  out: OutRule;
  accepts: Accepts;
  grad?: (dy: Tensor, x: Tensor, y: Tensor, params: P) => Tensor;
}

/** Declares a unary elementwise op from its row. */
function unaryOp<P extends object = Record<string, never>>(name: string, spec: UnarySpec<P>): OpDef<P> {
  const grad: GradFn<P> | undefined = spec.grad
    ? ([dy], { inputs: [x], outputs: [y], params }) => [spec.grad!(dy, x, y, params)]
    : undefined;
  return defineOp<P>({
    name,
    inputNames: ['x'],
    program: { name, arity: 1, expr: spec.expr(ir.input(0)) },
    infer([x]): TensorMeta[] {
      checkAccepts(name, spec.accepts, x.dtype, 'x');
      return [{ shape: x.shape, dtype: outDType(spec.out, x.dtype) }];
    },
    grad,
  });
}

type BinaryOut = 'promote' | 'float' | 'bool';

interface BinarySpec {
  expr: (a: Expr, b: Expr) => Expr;
  out: BinaryOut;
  accepts: Accepts;
  grad?: (dy: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null];
}

/** Declares a binary elementwise op from its row. */
function binaryOp(name: string, spec: BinarySpec): OpDef<Record<string, never>> {
  return defineOp<Record<string, never>>({
    name,
    inputNames: ['a', 'b'],
    program: { name, arity: 2, expr: spec.expr(ir.input(0), ir.input(1)) },
    infer([a, b]): TensorMeta[] {
      checkAccepts(name, spec.accepts, a.dtype, 'a');
      checkAccepts(name, spec.accepts, b.dtype, 'b');
      const shape = broadcastShapes(name, a.shape, b.shape);
      const promoted = upcastType(a.dtype, b.dtype);
      const dtype = spec.out === 'bool' ? 'bool' : spec.out === 'float' ? outDType('float', promoted) : promoted;
      return [{ shape, dtype }];
    },
    grad: spec.grad
      ? ([dy], { inputs: [a, b], outputs: [y] }) => {
          const [ga, gb] = spec.grad!(dy, a, b, y);
          return [ga && unbroadcast(ga, a.shape), gb && unbroadcast(gb, b.shape)];
        }
      : undefined,
  });
}

const x0 = (x: Tensor): Tensor => zerosLike(x);
/** 1 where `cond` holds, else 0, in `like`'s float dtype: the derivative of a piecewise op. */
const step = (cond: Tensor, like: Tensor): Tensor => cast(cond, like.dtype);

// ---------------------------------------------------------------- unary rows

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const GELU_C = Math.sqrt(2 / Math.PI);

const unary = {
  neg: unaryOp('neg', { expr: (x) => ir.neg(x), out: 'same', accepts: 'numeric', grad: (dy) => neg(dy) }),
  abs: unaryOp('abs', { expr: (x) => ir.abs(x), out: 'same', accepts: 'numeric', grad: (dy, x) => mul(dy, sign(x)) }),
  sign: unaryOp('sign', { expr: (x) => ir.sign(x), out: 'same', accepts: 'numeric', grad: (_dy, x) => x0(x) }),
  exp: unaryOp('exp', { expr: (x) => ir.exp(x), out: 'float', accepts: 'numeric', grad: (dy, _x, y) => mul(dy, y) }),
  expm1: unaryOp('expm1', { expr: (x) => ir.expm1(x), out: 'float', accepts: 'numeric', grad: (dy, x) => mul(dy, exp(x)) }),
  log: unaryOp('log', { expr: (x) => ir.log(x), out: 'float', accepts: 'numeric', grad: (dy, x) => div(dy, x) }),
  log1p: unaryOp('log1p', { expr: (x) => ir.log1p(x), out: 'float', accepts: 'numeric', grad: (dy, x) => div(dy, add(x, 1)) }),
  sqrt: unaryOp('sqrt', { expr: (x) => ir.sqrt(x), out: 'float', accepts: 'numeric', grad: (dy, _x, y) => div(dy, mul(y, 2)) }),
  rsqrt: unaryOp('rsqrt', { expr: (x) => ir.rsqrt(x), out: 'float', accepts: 'numeric', grad: (dy, _x, y) => mul(dy, mul(pow(y, 3), -0.5)) }),
  square: unaryOp('square', { expr: (x) => ir.mul(x, x), out: 'same', accepts: 'numeric', grad: (dy, x) => mul(dy, mul(x, 2)) }),
  reciprocal: unaryOp('reciprocal', { expr: (x) => ir.div(1, x), out: 'float', accepts: 'numeric', grad: (dy, _x, y) => neg(mul(dy, square(y))) }),
  sin: unaryOp('sin', { expr: (x) => ir.sin(x), out: 'float', accepts: 'numeric', grad: (dy, x) => mul(dy, cos(x)) }),
  cos: unaryOp('cos', { expr: (x) => ir.cos(x), out: 'float', accepts: 'numeric', grad: (dy, x) => neg(mul(dy, sin(x))) }),
  tan: unaryOp('tan', { expr: (x) => ir.tan(x), out: 'float', accepts: 'numeric', grad: (dy, _x, y) => mul(dy, add(square(y), 1)) }),
  tanh: unaryOp('tanh', { expr: (x) => ir.tanh(x), out: 'float', accepts: 'numeric', grad: (dy, _x, y) => mul(dy, sub(1, square(y))) }),
  sigmoid: unaryOp('sigmoid', { expr: (x) => ir.sigmoid(x), out: 'float', accepts: 'numeric', grad: (dy, _x, y) => mul(dy, mul(y, sub(1, y))) }),
  // log(1 + e^x) without overflow: max(x, 0) + log1p(e^-|x|).
  softplus: unaryOp('softplus', { expr: (x) => ir.add(ir.max(x, 0), ir.log1p(ir.exp(ir.neg(ir.abs(x))))), out: 'float', accepts: 'numeric', grad: (dy, x) => mul(dy, sigmoid(x)) }),
  // max/min propagate NaN, as in NumPy, TensorFlow and PyTorch; a select on x > 0 would turn NaN into 0.
  relu: unaryOp('relu', { expr: (x) => ir.max(x, 0), out: 'same', accepts: 'numeric', grad: (dy, x) => reluGrad(dy, x) }),
  relu6: unaryOp('relu6', { expr: (x) => ir.min(ir.max(x, 0), 6), out: 'same', accepts: 'numeric', grad: (dy, x) => mul(dy, step(logicalAnd(greater(x, 0), less(x, 6)), dy)) }),
  leakyRelu: unaryOp<{ alpha: number }>('leakyRelu', {
    expr: (x) => ir.select(ir.gt(x, 0), x, ir.mul(x, ir.param('alpha'))),
    out: 'same',
    accepts: 'numeric',
    grad: (dy, x, _y, { alpha }) => mul(dy, where(greater(x, 0), 1, alpha)),
  }),
  elu: unaryOp('elu', { expr: (x) => ir.select(ir.gt(x, 0), x, ir.expm1(x)), out: 'float', accepts: 'numeric', grad: (dy, x) => mul(dy, where(greater(x, 0), 1, exp(x))) }),
  selu: unaryOp('selu', {
    expr: (x) => ir.mul(SELU_SCALE, ir.select(ir.gt(x, 0), x, ir.mul(SELU_ALPHA, ir.expm1(x)))),
    out: 'float',
    accepts: 'numeric',
    grad: (dy, x) => mul(dy, where(greater(x, 0), SELU_SCALE, mul(exp(x), SELU_SCALE * SELU_ALPHA))),
  }),
  gelu: unaryOp('gelu', {
    expr: (x) => ir.mul(ir.mul(x, 0.5), ir.add(1, ir.erf(ir.mul(x, SQRT1_2)))),
    out: 'float',
    accepts: 'numeric',
    // d/dx x·Φ(x) = Φ(x) + x·φ(x)
    grad: (dy, x) => mul(dy, add(mul(add(erf(mul(x, SQRT1_2)), 1), 0.5), mul(x, mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI)))),
  }),
  geluTanh: unaryOp('geluTanh', {
    expr: (x) => ir.mul(ir.mul(x, 0.5), ir.add(1, ir.tanh(ir.mul(GELU_C, ir.add(x, ir.mul(0.044715, ir.mul(x, ir.mul(x, x)))))))),
    out: 'float',
    accepts: 'numeric',
    grad: (dy, x) => {
      const t = tanh(mul(add(x, mul(pow(x, 3), 0.044715)), GELU_C));
      const dInner = mul(add(mul(square(x), 3 * 0.044715), 1), GELU_C);
      return mul(dy, add(mul(add(t, 1), 0.5), mul(mul(x, 0.5), mul(sub(1, square(t)), dInner))));
    },
  }),
  erf: unaryOp('erf', { expr: (x) => ir.erf(x), out: 'float', accepts: 'numeric', grad: (dy, x) => mul(dy, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI)) }),
  floor: unaryOp('floor', { expr: (x) => ir.floor(x), out: 'same', accepts: 'numeric', grad: (_dy, x) => x0(x) }),
  ceil: unaryOp('ceil', { expr: (x) => ir.ceil(x), out: 'same', accepts: 'numeric', grad: (_dy, x) => x0(x) }),
  round: unaryOp('round', { expr: (x) => ir.round(x), out: 'same', accepts: 'numeric', grad: (_dy, x) => x0(x) }),
  clipByValue: unaryOp<{ min: number; max: number }>('clipByValue', {
    expr: (x) => ir.min(ir.max(x, ir.param('min')), ir.param('max')),
    out: 'same',
    accepts: 'numeric',
    grad: (dy, x, _y, { min, max }) => mul(dy, step(logicalAnd(greaterEqual(x, min), lessEqual(x, max)), dy)),
  }),
  isNaN: unaryOp('isNaN', { expr: (x) => ir.isnan(x), out: 'bool', accepts: 'any' }),
  isFinite: unaryOp('isFinite', { expr: (x) => ir.isfinite(x), out: 'bool', accepts: 'any' }),
  logicalNot: unaryOp('logicalNot', { expr: (x) => ir.not(x), out: 'bool', accepts: 'bool' }),
};

const castOp = defineOp<{ dtype: DType }>({
  name: 'cast',
  inputNames: ['x'],
  program: { name: 'cast', arity: 1, expr: ir.input(0) },
  infer: ([x], { dtype }) => [{ shape: x.shape, dtype }],
  grad: ([dy], { inputs: [x] }) => [isFloat(x.dtype) ? cast(dy, x.dtype) : null],
});

// --------------------------------------------------------------- binary rows

const binary = {
  // relu's gradient as one program: dy where x > 0, else dy * 0, which keeps NaN and signed zeros exactly as mul(dy, cast(greater(x, 0))) did,
  // in one pass instead of three (and one the wasm kernels run, since no bool array is made).
  reluGrad: binaryOp('reluGrad', {
    expr: (dy, x) => ir.select(ir.gt(x, 0), dy, ir.mul(dy, 0)),
    out: 'promote',
    accepts: 'numeric',
    grad: (g, _dy, x) => [reluGrad(g, x), x0(x)],
  }),
  add: binaryOp('add', { expr: (a, b) => ir.add(a, b), out: 'promote', accepts: 'numeric', grad: (dy) => [dy, dy] }),
  sub: binaryOp('sub', { expr: (a, b) => ir.sub(a, b), out: 'promote', accepts: 'numeric', grad: (dy) => [dy, neg(dy)] }),
  mul: binaryOp('mul', { expr: (a, b) => ir.mul(a, b), out: 'promote', accepts: 'numeric', grad: (dy, a, b) => [mul(dy, b), mul(dy, a)] }),
  div: binaryOp('div', { expr: (a, b) => ir.div(a, b), out: 'float', accepts: 'numeric', grad: (dy, a, b) => [div(dy, b), neg(div(mul(dy, a), square(b)))] }),
  floorDiv: binaryOp('floorDiv', { expr: (a, b) => ir.floordiv(a, b), out: 'promote', accepts: 'numeric', grad: (_dy, a, b) => [x0(a), x0(b)] }),
  mod: binaryOp('mod', { expr: (a, b) => ir.mod(a, b), out: 'promote', accepts: 'numeric', grad: (dy, a, b) => [dy, neg(mul(dy, floor(div(a, b))))] }),
  pow: binaryOp('pow', {
    expr: (a, b) => ir.pow(a, b),
    out: 'promote',
    accepts: 'numeric',
    grad: (dy, a, b, y) => [
      mul(dy, mul(b, pow(a, sub(b, 1)))),
      // d/db a^b = a^b ln a, taken as 0 where a <= 0 (as TensorFlow does).
      mul(dy, where(greater(a, 0), mul(y, log(where(greater(a, 0), a, 1))), 0)),
    ],
  }),
  maximum: binaryOp('maximum', {
    expr: (a, b) => ir.max(a, b),
    out: 'promote',
    accepts: 'numeric',
    grad: (dy, a, b) => [mul(dy, step(greaterEqual(a, b), dy)), mul(dy, step(less(a, b), dy))],
  }),
  minimum: binaryOp('minimum', {
    expr: (a, b) => ir.min(a, b),
    out: 'promote',
    accepts: 'numeric',
    grad: (dy, a, b) => [mul(dy, step(lessEqual(a, b), dy)), mul(dy, step(greater(a, b), dy))],
  }),
  squaredDifference: binaryOp('squaredDifference', {
    expr: (a, b) => ir.mul(ir.sub(a, b), ir.sub(a, b)),
    out: 'promote',
    accepts: 'numeric',
    grad: (dy, a, b) => {
      const g = mul(dy, mul(sub(a, b), 2));
      return [g, neg(g)];
    },
  }),
  atan2: binaryOp('atan2', {
    expr: (a, b) => ir.atan2(a, b),
    out: 'float',
    accepts: 'numeric',
    grad: (dy, a, b) => {
      const d = add(square(a), square(b));
      return [mul(dy, div(b, d)), neg(mul(dy, div(a, d)))];
    },
  }),
  equal: binaryOp('equal', { expr: (a, b) => ir.eq(a, b), out: 'bool', accepts: 'any' }),
  notEqual: binaryOp('notEqual', { expr: (a, b) => ir.ne(a, b), out: 'bool', accepts: 'any' }),
  less: binaryOp('less', { expr: (a, b) => ir.lt(a, b), out: 'bool', accepts: 'any' }),
  lessEqual: binaryOp('lessEqual', { expr: (a, b) => ir.le(a, b), out: 'bool', accepts: 'any' }),
  greater: binaryOp('greater', { expr: (a, b) => ir.gt(a, b), out: 'bool', accepts: 'any' }),
  greaterEqual: binaryOp('greaterEqual', { expr: (a, b) => ir.ge(a, b), out: 'bool', accepts: 'any' }),
  logicalAnd: binaryOp('logicalAnd', { expr: (a, b) => ir.and(a, b), out: 'bool', accepts: 'bool' }),
  logicalOr: binaryOp('logicalOr', { expr: (a, b) => ir.or(a, b), out: 'bool', accepts: 'bool' }),
};

const whereOp = defineOp<Record<string, never>>({
  name: 'where',
  inputNames: ['condition', 'a', 'b'],
  program: { name: 'where', arity: 3, expr: ir.select(ir.input(0), ir.input(1), ir.input(2)) },
  infer([c, a, b]) {
    checkAccepts('where', 'bool', c.dtype, 'condition');
    const shape = broadcastShapes('where', broadcastShapes('where', c.shape, a.shape), b.shape);
    return [{ shape, dtype: upcastType(a.dtype, b.dtype) }];
  },
  grad: ([dy], { inputs: [c, a, b] }) => {
    const zero = zerosLike(dy);
    return [null, unbroadcast(where(c, dy, zero), a.shape), unbroadcast(where(c, zero, dy), b.shape)];
  },
});

// ------------------------------------------------------------ public functions

/** Negation, `-x`. @example `neg(tensor([1, -2]))` → [-1, 2] */
export function neg(x: TensorLike): Tensor { return runOp1(unary.neg, [x], {}); }
/** Absolute value. @example `abs(tensor([-1, 2]))` → [1, 2] */
export function abs(x: TensorLike): Tensor { return runOp1(unary.abs, [x], {}); }
/** Sign: -1, 0 or 1 (NaN stays NaN). @example `sign(tensor([-3, 0, 2]))` → [-1, 0, 1] */
export function sign(x: TensorLike): Tensor { return runOp1(unary.sign, [x], {}); }
/** e^x. @example `exp(tensor([0, 1]))` → [1, 2.7183] */
export function exp(x: TensorLike): Tensor { return runOp1(unary.exp, [x], {}); }
/** e^x - 1, accurate near 0. @example `expm1(tensor([1e-10]))` → [1e-10] */
export function expm1(x: TensorLike): Tensor { return runOp1(unary.expm1, [x], {}); }
/** Natural logarithm. @example `log(tensor([1, Math.E]))` → [0, 1] */
export function log(x: TensorLike): Tensor { return runOp1(unary.log, [x], {}); }
/** ln(1 + x), accurate near 0. @example `log1p(tensor([0]))` → [0] */
export function log1p(x: TensorLike): Tensor { return runOp1(unary.log1p, [x], {}); }
/** Square root. @example `sqrt(tensor([4, 9]))` → [2, 3] */
export function sqrt(x: TensorLike): Tensor { return runOp1(unary.sqrt, [x], {}); }
/** 1 / sqrt(x). @example `rsqrt(tensor([4]))` → [0.5] */
export function rsqrt(x: TensorLike): Tensor { return runOp1(unary.rsqrt, [x], {}); }
/** x². @example `square(tensor([3]))` → [9] */
export function square(x: TensorLike): Tensor { return runOp1(unary.square, [x], {}); }
/** 1 / x. @example `reciprocal(tensor([4]))` → [0.25] */
export function reciprocal(x: TensorLike): Tensor { return runOp1(unary.reciprocal, [x], {}); }
/** Sine (radians). @example `sin(tensor([0]))` → [0] */
export function sin(x: TensorLike): Tensor { return runOp1(unary.sin, [x], {}); }
/** Cosine (radians). @example `cos(tensor([0]))` → [1] */
export function cos(x: TensorLike): Tensor { return runOp1(unary.cos, [x], {}); }
/** Tangent (radians). @example `tan(tensor([0]))` → [0] */
export function tan(x: TensorLike): Tensor { return runOp1(unary.tan, [x], {}); }
/** Hyperbolic tangent. @example `tanh(tensor([0]))` → [0] */
export function tanh(x: TensorLike): Tensor { return runOp1(unary.tanh, [x], {}); }
/** Logistic sigmoid 1 / (1 + e^-x), computed without overflow. @example `sigmoid(tensor([0]))` → [0.5] */
export function sigmoid(x: TensorLike): Tensor { return runOp1(unary.sigmoid, [x], {}); }
/** ln(1 + e^x), computed without overflow. @example `softplus(tensor([0]))` → [0.6931] */
export function softplus(x: TensorLike): Tensor { return runOp1(unary.softplus, [x], {}); }
/** max(x, 0). @example `relu(tensor([-1, 2]))` → [0, 2] */
export function relu(x: TensorLike): Tensor { return runOp1(unary.relu, [x], {}); }
/** min(max(x, 0), 6). @example `relu6(tensor([-1, 7]))` → [0, 6] */
export function relu6(x: TensorLike): Tensor { return runOp1(unary.relu6, [x], {}); }
/** x for x > 0, alpha·x otherwise (TensorFlow.js default alpha 0.2). @example `leakyRelu(tensor([-1, 2]), 0.1)` → [-0.1, 2] */
export function leakyRelu(x: TensorLike, alpha = 0.2): Tensor {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new ValueError(`leakyRelu: expected alpha to be a finite number, got ${String(alpha)}`);
  return runOp1(unary.leakyRelu, [x], { alpha });
}
/** Exponential linear unit: x for x > 0, e^x - 1 otherwise. @example `elu(tensor([-1, 1]))` → [-0.6321, 1] */
export function elu(x: TensorLike): Tensor { return runOp1(unary.elu, [x], {}); }
/** Scaled ELU (Klambauer et al. 2017). @example `selu(tensor([1]))` → [1.0507] */
export function selu(x: TensorLike): Tensor { return runOp1(unary.selu, [x], {}); }
/**
 * Gaussian error linear unit x·Φ(x); with `approximate` the tanh form of
 * Hendrycks & Gimpel (Keras's `approximate=True`).
 * @example `gelu(tensor([1]))` → [0.8413]
 */
export function gelu(x: TensorLike, approximate = false): Tensor {
  return runOp1(approximate ? unary.geluTanh : unary.gelu, [x], {});
}
/** The Gauss error function. @example `erf(tensor([0, 1]))` → [0, 0.8427] */
export function erf(x: TensorLike): Tensor { return runOp1(unary.erf, [x], {}); }
/** Round down. @example `floor(tensor([1.7, -1.2]))` → [1, -2] */
export function floor(x: TensorLike): Tensor { return runOp1(unary.floor, [x], {}); }
/** Round up. @example `ceil(tensor([1.2]))` → [2] */
export function ceil(x: TensorLike): Tensor { return runOp1(unary.ceil, [x], {}); }
/** Round half to even, as NumPy and TensorFlow. @example `round(tensor([0.5, 1.5, 2.5]))` → [0, 2, 2] */
export function round(x: TensorLike): Tensor { return runOp1(unary.round, [x], {}); }
/** Clamps into [min, max]. @example `clipByValue(tensor([-2, 0.5, 3]), 0, 1)` → [0, 0.5, 1] */
export function clipByValue(x: TensorLike, clipValueMin: number, clipValueMax: number): Tensor {
  if (typeof clipValueMin !== 'number' || typeof clipValueMax !== 'number' || Number.isNaN(clipValueMin) || Number.isNaN(clipValueMax)) {
    throw new ValueError(`clipByValue: expected numeric clipValueMin and clipValueMax, got ${String(clipValueMin)} and ${String(clipValueMax)}`);
  }
  if (clipValueMin > clipValueMax) {
    throw new ValueError(`clipByValue: expected clipValueMin <= clipValueMax, got ${clipValueMin} > ${clipValueMax}`);
  }
  return runOp1(unary.clipByValue, [x], { min: clipValueMin, max: clipValueMax });
}
/** Whether each element is NaN (bool). @example `isNaN(tensor([NaN, 1]))` → [true, false] */
export function isNaN(x: TensorLike): Tensor { return runOp1(unary.isNaN, [x], {}); }
/** Whether each element is finite (bool). @example `isFinite(tensor([Infinity, 1]))` → [false, true] */
export function isFinite(x: TensorLike): Tensor { return runOp1(unary.isFinite, [x], {}); }
/** Logical not of a bool tensor. @example `logicalNot(tensor([true, false]))` → [false, true] */
export function logicalNot(x: TensorLike): Tensor { return runOp1(unary.logicalNot, [x], {}); }
/**
 * Converts to `dtype`: floats to int32 truncate toward zero, anything to
 * bool is `x != 0`.
 * @example `cast(tensor([1.7, -1.7]), 'int32')` → [1, -1]
 */
export function cast(x: TensorLike, dtype: DType): Tensor {
  return runOp1(castOp, [x], { dtype: assertDType('cast', dtype) });
}

/** relu's gradient: `dy` where `x > 0`, else `dy * 0`. @internal */
function reluGrad(dy: Tensor, x: Tensor): Tensor { return runOp1(binary.reluGrad, [dy, x], {}); }
/** a + b, broadcasting. @example `add(tensor([1, 2]), 10)` → [11, 12] */
export function add(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.add, [a, b], {}); }
/** a - b, broadcasting. @example `sub(tensor([5]), tensor([2]))` → [3] */
export function sub(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.sub, [a, b], {}); }
/** a · b elementwise, broadcasting. @example `mul(tensor([2, 3]), 2)` → [4, 6] */
export function mul(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.mul, [a, b], {}); }
/**
 * a / b, broadcasting; always a float result (int32 / int32 gives float32,
 * as in NumPy and PyTorch; use `floorDiv` for integer division).
 * @example `div(tensor([1, 3]), 2)` → [0.5, 1.5]
 */
export function div(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.div, [a, b], {}); }
/** floor(a / b), broadcasting. @example `floorDiv(tensor([7, -7], [2], 'int32'), 2)` → [3, -4] */
export function floorDiv(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.floorDiv, [a, b], {}); }
/** Remainder with the sign of the divisor (Python's %). @example `mod(tensor([-1, 5]), 3)` → [2, 2] */
export function mod(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.mod, [a, b], {}); }
/** a^b, broadcasting. @example `pow(tensor([2, 3]), 2)` → [4, 9] */
export function pow(base: TensorLike, exponent: TensorLike): Tensor { return runOp1(binary.pow, [base, exponent], {}); }
/** Elementwise maximum. @example `maximum(tensor([1, 5]), 3)` → [3, 5] */
export function maximum(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.maximum, [a, b], {}); }
/** Elementwise minimum. @example `minimum(tensor([1, 5]), 3)` → [1, 3] */
export function minimum(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.minimum, [a, b], {}); }
/** (a - b)². @example `squaredDifference(tensor([3]), tensor([1]))` → [4] */
export function squaredDifference(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.squaredDifference, [a, b], {}); }
/** The angle of (b, a): atan(a / b) in the right quadrant. @example `atan2(tensor([1]), tensor([1]))` → [0.7854] */
export function atan2(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.atan2, [a, b], {}); }
/** a == b (bool). @example `equal(tensor([1, 2]), 2)` → [false, true] */
export function equal(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.equal, [a, b], {}); }
/** a != b (bool). @example `notEqual(tensor([1, 2]), 2)` → [true, false] */
export function notEqual(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.notEqual, [a, b], {}); }
/** a < b (bool). @example `less(tensor([1, 2]), 2)` → [true, false] */
export function less(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.less, [a, b], {}); }
/** a <= b (bool). @example `lessEqual(tensor([1, 2]), 2)` → [true, true] */
export function lessEqual(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.lessEqual, [a, b], {}); }
/** a > b (bool). @example `greater(tensor([1, 3]), 2)` → [false, true] */
export function greater(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.greater, [a, b], {}); }
/** a >= b (bool). @example `greaterEqual(tensor([1, 2]), 2)` → [false, true] */
export function greaterEqual(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.greaterEqual, [a, b], {}); }
/** a AND b for bool tensors. @example `logicalAnd(tensor([true, true]), tensor([true, false]))` → [true, false] */
export function logicalAnd(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.logicalAnd, [a, b], {}); }
/** a OR b for bool tensors. @example `logicalOr(tensor([false, true]), false)` → [false, true] */
export function logicalOr(a: TensorLike, b: TensorLike): Tensor { return runOp1(binary.logicalOr, [a, b], {}); }
/**
 * Picks from `a` where `condition` is true, else from `b`; all three
 * broadcast.
 * @example `where(tensor([true, false]), tensor([1, 2]), 0)` → [1, 0]
 */
export function where(condition: TensorLike, a: TensorLike, b: TensorLike): Tensor { return runOp1(whereOp, [condition, a, b], {}); }
