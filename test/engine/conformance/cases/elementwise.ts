/**
 * Elementwise ops: exact forward values (from float64 `Math` in this file,
 * rounded to the output dtype), special values, int32 wrap-around, dtype
 * promotion, broadcasting, error messages and gradients (first and second
 * order).
 */
import {
  DTypeError,
  ShapeError,
  ValueError,
  abs,
  add,
  atan2,
  cast,
  ceil,
  clipByValue,
  cos,
  div,
  elu,
  equal,
  erf,
  exp,
  expm1,
  floor,
  floorDiv,
  gelu,
  grad,
  grads,
  greater,
  greaterEqual,
  isFinite,
  isNaN,
  leakyRelu,
  less,
  lessEqual,
  log,
  log1p,
  logicalAnd,
  logicalNot,
  logicalOr,
  maximum,
  minimum,
  mod,
  mul,
  neg,
  notEqual,
  pow,
  reciprocal,
  relu,
  relu6,
  round,
  rsqrt,
  selu,
  sigmoid,
  sign,
  sin,
  softplus,
  sqrt,
  square,
  squaredDifference,
  sub,
  tan,
  tanh,
  tensor,
  where,
  type DType,
  type Tensor,
} from '../../../../src/index.js';
import { ex, type ErrorCase, type ForwardCase, type GradCase } from '../harness.js';

// ------------------------------------------------------------ reference math

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;

/** erf from its Maclaurin series; exact to ~1e-14 for |x| <= 3 (the inputs used here). */
function erfRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (!Number.isFinite(x)) return Math.sign(x);
  if (Math.abs(x) > 3) throw new Error('erfRef: only |x| <= 3 is accurate');
  let term = x;
  let total = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    total += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}

const geluRef = (x: number): number => 0.5 * x * (1 + erfRef(x / Math.SQRT2));
const geluTanhRef = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
/** log(1 + e^x), switching to x where e^x overflows. */
const softplusRef = (x: number): number => (x > 50 ? x : Math.log(1 + Math.exp(x)));
const sigmoidRef = (x: number): number => 1 / (1 + Math.exp(-x));
/** Python's %: the remainder takes the divisor's sign. */
const pyMod = (a: number, b: number): number => a - b * Math.floor(a / b);

/** The int32 product modulo 2^32, computed exactly with BigInt. */
const wrapMul = (a: number, b: number): number => Number(BigInt.asIntN(32, BigInt(a) * BigInt(b)));

type Num = 'float32' | 'float64' | 'int32';

/** Stores a float64 result the way a tensor of `dtype` does. */
function store(v: number, dtype: DType): number {
  if (dtype === 'float32') return Math.fround(v);
  if (dtype === 'int32') return v | 0;
  if (dtype === 'bool') return v ? 1 : 0;
  return v;
}

/** The value a JS number has once stored as `dtype` (the op's actual input). */
const input = (v: number, dtype: Num): number => store(v, dtype);

interface RowOpts {
  inDType?: Num;
  outDType?: DType;
  tol?: number;
}

/** A unary row whose expected values are `f` applied in float64 to the stored inputs. */
function unary(op: string, name: string, run: (x: Tensor) => Tensor, xs: number[], f: (x: number) => number, opts: RowOpts = {}): ForwardCase {
  const inDType = opts.inDType ?? 'float32';
  const outDType = opts.outDType ?? (inDType === 'int32' ? 'float32' : inDType);
  return {
    op,
    name,
    run: () => run(tensor(xs, [xs.length], inDType)),
    expected: ex(xs.map((x) => store(f(input(x, inDType)), outDType)), [xs.length], outDType),
    tol: opts.tol,
  };
}

/** A same-shape binary row whose expected values are `f` in float64 on the stored inputs. */
function binary(
  op: string,
  name: string,
  run: (a: Tensor, b: Tensor) => Tensor,
  as: number[],
  bs: number[],
  f: (a: number, b: number) => number,
  opts: RowOpts = {},
): ForwardCase {
  const inDType = opts.inDType ?? 'float32';
  const outDType = opts.outDType ?? inDType;
  return {
    op,
    name,
    run: () => run(tensor(as, [as.length], inDType), tensor(bs, [bs.length], inDType)),
    expected: ex(as.map((a, i) => store(f(input(a, inDType), input(bs[i], inDType)), outDType)), [as.length], outDType),
    tol: opts.tol,
  };
}

const INT_MAX = 2 ** 31 - 1;
const INT_MIN = -(2 ** 31);
const SPECIAL = [NaN, Infinity, -Infinity];

// --------------------------------------------------------------- forward rows

const unaryRows: ForwardCase[] = [
  unary('neg', 'float32 values and specials', neg, [1, -2.5, 0, ...SPECIAL], (x) => -x, { tol: 0 }),
  unary('neg', 'float64', neg, [0.1, -1e300], (x) => -x, { inDType: 'float64', tol: 0 }),
  unary('neg', 'int32, -(-2^31) wraps to -2^31', neg, [1, -2, INT_MAX, INT_MIN], (x) => -x, { inDType: 'int32', outDType: 'int32' }),
  unary('abs', 'float32 with -0 and specials', abs, [-1.5, 2, -0, ...SPECIAL], Math.abs, { tol: 0 }),
  unary('abs', 'int32 (abs(-2^31) wraps, as in C)', abs, [-3, 4, 0, INT_MIN], Math.abs, { inDType: 'int32', outDType: 'int32' }),
  unary('sign', 'float32', sign, [-3, 0, 2.5, ...SPECIAL], Math.sign),
  unary('sign', 'int32', sign, [-5, 0, 7], Math.sign, { inDType: 'int32', outDType: 'int32' }),
  unary('exp', 'float32', exp, [0, 1, -1, 2.5, -0.3, ...SPECIAL], Math.exp),
  unary('exp', 'float32 overflows to Infinity, underflows to 0', exp, [100, -200], Math.exp),
  unary('exp', 'float64 keeps float64 and its range', exp, [1, 100, -0.5], Math.exp, { inDType: 'float64', tol: 0 }),
  unary('exp', 'int32 input gives float32', exp, [0, 1, 2], Math.exp, { inDType: 'int32' }),
  unary('expm1', 'float32', expm1, [0, 1, -1, 0.25, ...SPECIAL], Math.expm1),
  unary('expm1', 'float64 is accurate near 0', expm1, [1e-10, -1e-12, 1e-300], Math.expm1, { inDType: 'float64', tol: 0 }),
  unary('log', 'float32 with 0, negatives and specials', log, [1, Math.E, 0.5, 10, 0, -1, ...SPECIAL], Math.log),
  unary('log', 'int32 input gives float32', log, [1, 2, 100], Math.log, { inDType: 'int32' }),
  unary('log1p', 'float32', log1p, [0, 1, -0.5, -1, -2, ...SPECIAL], Math.log1p),
  unary('log1p', 'float64 is accurate near 0', log1p, [1e-10, -1e-15], Math.log1p, { inDType: 'float64', tol: 0 }),
  unary('sqrt', 'float32', sqrt, [4, 9, 2, 0, -1, ...SPECIAL], Math.sqrt),
  unary('sqrt', 'int32 input gives float32', sqrt, [4, 9, 2], Math.sqrt, { inDType: 'int32' }),
  unary('rsqrt', 'float32', rsqrt, [4, 0.25, 2, 0, -1, Infinity, NaN], (x) => 1 / Math.sqrt(x)),
  unary('square', 'float32 (1e20 squared overflows float32)', square, [3, -2.5, 0, 1e20, ...SPECIAL], (x) => x * x),
  unary('square', 'int32 stays int32 and wraps: 65536^2 = 0', square, [3, -4, 65536, 46341, INT_MAX, 987654321], (x) => wrapMul(x, x), {
    inDType: 'int32',
    outDType: 'int32',
  }),
  unary('reciprocal', 'float32 with signed zeros', reciprocal, [4, -0.5, 3, 0, -0, ...SPECIAL], (x) => 1 / x, { tol: 0 }),
  unary('reciprocal', 'int32 input gives float32', reciprocal, [2, 4, -8], (x) => 1 / x, { inDType: 'int32' }),
  unary('sin', 'float32', sin, [0, 0.5, -1, 3, 100, ...SPECIAL], Math.sin),
  unary('sin', 'float64', sin, [0.5, -2, 1e5], Math.sin, { inDType: 'float64', tol: 0 }),
  unary('cos', 'float32', cos, [0, 0.5, -1, 3, ...SPECIAL], Math.cos),
  unary('tan', 'float32', tan, [0, 0.5, -1, 1.4, ...SPECIAL], Math.tan),
  unary('tanh', 'float32 saturates', tanh, [0, 0.5, -3, 20, -20, ...SPECIAL], Math.tanh),
  unary('sigmoid', 'float32', sigmoid, [0, 1, -2, 5, 88, -88, NaN], sigmoidRef),
  unary('sigmoid', 'extreme inputs give 0 and 1, no NaN', sigmoid, [1000, -1000, Infinity, -Infinity], sigmoidRef, { tol: 0 }),
  unary('sigmoid', 'float64', sigmoid, [0.3, -40, 40], sigmoidRef, { inDType: 'float64', tol: 1e-15 }),
  unary('sigmoid', 'int32 input gives float32', sigmoid, [0, 2], sigmoidRef, { inDType: 'int32' }),
  unary('softplus', 'float32', softplus, [0, 1, -1, 3, -20, 30, NaN], softplusRef),
  unary('softplus', 'extreme inputs without overflow', softplus, [1000, -1000, Infinity, -Infinity], softplusRef, { tol: 0 }),
  unary('softplus', 'float64', softplus, [0.5, -30, 60], softplusRef, { inDType: 'float64', tol: 1e-14 }),
  unary('relu', 'float32 (NaN propagates)', relu, [-1, 0, 2.5, -0.1, ...SPECIAL], (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0))),
  unary('relu', 'int32 stays int32', relu, [-3, 0, 5], (x) => Math.max(x, 0), { inDType: 'int32', outDType: 'int32' }),
  unary('relu6', 'float32', relu6, [-1, 0, 3, 6, 7.5, ...SPECIAL], (x) => Math.min(Math.max(x, 0), 6)),
  unary('relu6', 'int32 stays int32', relu6, [-2, 3, 9], (x) => Math.min(Math.max(x, 0), 6), { inDType: 'int32', outDType: 'int32' }),
  unary('leakyRelu', 'default alpha 0.2', (x) => leakyRelu(x), [-1, 2, 0, -2.5, ...SPECIAL], (x) => (x > 0 ? x : 0.2 * x)),
  unary('leakyRelu', 'alpha 0.1', (x) => leakyRelu(x, 0.1), [-1, 3, -0.5], (x) => (x > 0 ? x : 0.1 * x)),
  unary('leakyRelu', 'float64 keeps float64', (x) => leakyRelu(x, 0.01), [-3, 4], (x) => (x > 0 ? x : 0.01 * x), { inDType: 'float64', tol: 0 }),
  unary('elu', 'float32', elu, [-1, 0, 2, -0.5, ...SPECIAL], (x) => (x > 0 ? x : Math.expm1(x))),
  unary('elu', 'int32 input gives float32', elu, [-1, 3], (x) => (x > 0 ? x : Math.expm1(x)), { inDType: 'int32' }),
  unary('selu', 'float32', selu, [1, -1, 0, 2.5, -3], (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x))),
  unary('gelu', 'exact form (erf)', (x) => gelu(x), [-3, -1, -0.5, 0, 0.5, 1, 2, 3, Infinity], (x) => (x === Infinity ? Infinity : geluRef(x))),
  unary('gelu', 'exact form in float64', (x) => gelu(x, false), [-2, 0.7, 1.5], geluRef, { inDType: 'float64', tol: 1e-6 }),
  unary('gelu', 'tanh approximation', (x) => gelu(x, true), [-3, -1, -0.5, 0, 0.5, 1, 2, 3], geluTanhRef),
  unary('erf', 'float32', erf, [0, 0.5, -1, 2, -3, 0.1, ...SPECIAL], erfRef),
  unary('erf', 'float64 (approximation within 2e-7)', erf, [0.3, -0.8, 1.7], erfRef, { inDType: 'float64', tol: 2e-7 }),
  unary('floor', 'float32', floor, [1.7, -1.2, -0.5, 2, 0.5, ...SPECIAL], Math.floor, { tol: 0 }),
  unary('floor', 'int32 stays int32', floor, [3, -4], Math.floor, { inDType: 'int32', outDType: 'int32' }),
  unary('ceil', 'float32 (ceil(-0.5) is -0)', ceil, [1.2, -1.7, -0.5, 2, ...SPECIAL], Math.ceil, { tol: 0 }),
  unary('ceil', 'int32 stays int32', ceil, [3, -4], Math.ceil, { inDType: 'int32', outDType: 'int32' }),
  {
    op: 'round',
    name: 'half to even, -0.5 gives -0',
    run: () => round(tensor([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 0.4, 2.6, -2.6, NaN, Infinity])),
    expected: ex([0, 2, 2, 4, -0, -2, -2, 0, 3, -3, NaN, Infinity], [12]),
    tol: 0,
  },
  {
    op: 'round',
    name: 'float64 half to even, beyond float32 precision',
    run: () => round(tensor([0.5, 1.5, 2.5, -3.5, 1e15 + 0.5, 1e15 + 1.5], [6], 'float64')),
    expected: ex([0, 2, 2, -4, 1e15, 1e15 + 2], [6], 'float64'),
    tol: 0,
  },
  unary('round', 'int32 stays int32', round, [3, -4], (x) => x, { inDType: 'int32', outDType: 'int32' }),
  unary('clipByValue', 'float32 into [0, 1], NaN stays NaN', (x) => clipByValue(x, 0, 1), [-2, 0.5, 3, 0, 1, ...SPECIAL], (x) =>
    Number.isNaN(x) ? NaN : Math.min(Math.max(x, 0), 1),
  ),
  unary('clipByValue', 'int32 stays int32', (x) => clipByValue(x, 0, 5), [-5, 3, 10], (x) => Math.min(Math.max(x, 0), 5), {
    inDType: 'int32',
    outDType: 'int32',
  }),
  unary('clipByValue', 'min equal to max', (x) => clipByValue(x, 2, 2), [-1, 5], () => 2),
  unary('isNaN', 'float32', isNaN, [NaN, 1, Infinity, -Infinity, 0], (x) => (Number.isNaN(x) ? 1 : 0), { outDType: 'bool' }),
  unary('isNaN', 'int32 is never NaN', isNaN, [0, -1], () => 0, { inDType: 'int32', outDType: 'bool' }),
  unary('isFinite', 'float32', isFinite, [Infinity, -Infinity, NaN, 1, 0, -3.5], (x) => (Number.isFinite(x) ? 1 : 0), { outDType: 'bool' }),
  unary('isFinite', 'float64', isFinite, [1e308, Infinity], (x) => (Number.isFinite(x) ? 1 : 0), { inDType: 'float64', outDType: 'bool' }),
  unary('isFinite', 'int32 is always finite', isFinite, [INT_MAX, INT_MIN], () => 1, { inDType: 'int32', outDType: 'bool' }),
  { op: 'logicalNot', name: 'bool', run: () => logicalNot(tensor([true, false, true])), expected: ex([false, true, false], [3], 'bool') },
  { op: 'logicalNot', name: 'scalar', run: () => logicalNot(tensor(false)), expected: ex(true, [], 'bool') },
  // cast
  { op: 'cast', name: 'float32 to int32 truncates toward 0', run: () => cast(tensor([1.7, -1.7, 0.5, -0.5, 2]), 'int32'), expected: ex([1, -1, 0, 0, 2], [5], 'int32') },
  { op: 'cast', name: 'float32 to bool is x != 0 (NaN is true)', run: () => cast(tensor([0, 2, -0.5, NaN, -0]), 'bool'), expected: ex([0, 1, 1, 1, 0], [5], 'bool') },
  { op: 'cast', name: 'int32 to float32 rounds past 2^24', run: () => cast(tensor([1, -3, 16777217], [3], 'int32'), 'float32'), expected: ex([1, -3, 16777216], [3]) },
  { op: 'cast', name: 'int32 to bool', run: () => cast(tensor([0, 5, -1], [3], 'int32'), 'bool'), expected: ex([false, true, true], [3], 'bool') },
  { op: 'cast', name: 'bool to float32 and int32', run: () => [cast(tensor([true, false]), 'float32'), cast(tensor([true, false]), 'int32')], expected: [ex([1, 0], [2]), ex([1, 0], [2], 'int32')] },
  { op: 'cast', name: 'float64 to float32 rounds', run: () => cast(tensor([0.1, 1 / 3], [2], 'float64'), 'float32'), expected: ex([Math.fround(0.1), Math.fround(1 / 3)], [2]), tol: 0 },
  { op: 'cast', name: 'float32 to float64 is exact', run: () => cast(tensor([0.1, 3]), 'float64'), expected: ex([Math.fround(0.1), 3], [2], 'float64'), tol: 0 },
  { op: 'cast', name: 'same dtype keeps values and shape', run: () => cast(tensor([[1.5, 2]]), 'float32'), expected: ex([[1.5, 2]], [1, 2]) },
];

// [2,1,3] + [4,1] -> [2,4,3]: out[i][j][k] = a[i][0][k] + b[j][0]
const A213 = [[[1, 2, 3]], [[4, 5, 6]]];
const B41 = [[10], [20], [30], [40]];
const broadcast213 = (f: (a: number, b: number) => number): number[][][] =>
  A213.map((ai) => B41.map((bj) => ai[0].map((aik) => f(aik, bj[0]))));

const binaryRows: ForwardCase[] = [
  // add
  binary('add', 'float32 with specials', add, [1, 2.5, Infinity, Infinity, NaN, -0], [10, -0.5, -Infinity, 1, 1, -0], (a, b) => a + b, { tol: 0 }),
  binary('add', 'float64', add, [0.1, 1e300], [0.2, 1e300], (a, b) => a + b, { inDType: 'float64', tol: 0 }),
  binary('add', 'int32 wraps: 2^31-1 + 1 = -2^31', add, [INT_MAX, INT_MIN, 5], [1, -1, -7], (a, b) => a + b, { inDType: 'int32' }),
  { op: 'add', name: 'broadcast [2,1,3] + [4,1] -> [2,4,3]', run: () => add(tensor(A213), tensor(B41)), expected: ex(broadcast213((a, b) => a + b), [2, 4, 3]) },
  { op: 'add', name: 'scalar tensor + matrix', run: () => add(tensor(5), tensor([[1, 2], [3, 4]])), expected: ex([[6, 7], [8, 9]], [2, 2]) },
  { op: 'add', name: 'matrix + JS number', run: () => add(tensor([[1, 2], [3, 4]]), 0.5), expected: ex([[1.5, 2.5], [3.5, 4.5]], [2, 2]) },
  { op: 'add', name: 'row + column -> matrix', run: () => add(tensor([1, 2, 3]), tensor([[10], [20]])), expected: ex([[11, 12, 13], [21, 22, 23]], [2, 3]) },
  { op: 'add', name: 'empty broadcast with [3] gives [0,3]', run: () => add(tensor([], [0, 3]), tensor([1, 2, 3])), expected: ex([], [0, 3]) },
  { op: 'add', name: 'int32 + float32 -> float32', run: () => add(tensor([1, 2], [2], 'int32'), tensor([0.5, 0.25])), expected: ex([1.5, 2.25], [2]) },
  { op: 'add', name: 'float32 + float64 -> float64', run: () => add(tensor([0.5]), tensor([0.1], [1], 'float64')), expected: ex([0.5 + 0.1], [1], 'float64'), tol: 0 },
  { op: 'add', name: 'weak scalar: int32 tensor + 2 stays int32', run: () => add(tensor([1, 2], [2], 'int32'), 2), expected: ex([3, 4], [2], 'int32') },
  { op: 'add', name: 'weak scalar: int32 tensor + 0.5 -> float32', run: () => add(tensor([1, 2], [2], 'int32'), 0.5), expected: ex([1.5, 2.5], [2]) },
  { op: 'add', name: 'weak scalar: 2 + int32 tensor stays int32', run: () => add(2, tensor([1, 2], [2], 'int32')), expected: ex([3, 4], [2], 'int32') },
  { op: 'add', name: 'weak array: int32 tensor + [1, 2] stays int32', run: () => add(tensor([1, 2], [2], 'int32'), [10, 20]), expected: ex([11, 22], [2], 'int32') },
  { op: 'add', name: 'weak scalar: float64 tensor + 0.1 stays float64', run: () => add(tensor([1], [1], 'float64'), 0.1), expected: ex([1 + 0.1], [1], 'float64'), tol: 0 },
  { op: 'add', name: 'weak scalar: float32 tensor + 1 stays float32', run: () => add(tensor([1.5]), 1), expected: ex([2.5], [1]) },
  { op: 'add', name: 'two JS numbers give a float32 scalar', run: () => add(1, 2), expected: ex(3, []) },
  // sub
  binary('sub', 'float32', sub, [5, 3, Infinity, 0], [2, 7.5, Infinity, 0], (a, b) => a - b),
  binary('sub', 'int32 wraps: -2^31 - 1 = 2^31-1', sub, [INT_MIN, 3], [1, 10], (a, b) => a - b, { inDType: 'int32' }),
  { op: 'sub', name: 'broadcast [3,1] - [2]', run: () => sub(tensor([[1], [2], [3]]), tensor([10, 20])), expected: ex([[-9, -19], [-8, -18], [-7, -17]], [3, 2]) },
  { op: 'sub', name: 'JS number - tensor', run: () => sub(1, tensor([0.25, 3])), expected: ex([0.75, -2], [2]) },
  // mul
  binary('mul', 'float32 with specials', mul, [2, -1.5, 0, Infinity, NaN], [3, 4, Infinity, -2, 0], (a, b) => a * b),
  // Products beyond 2^53 must wrap exactly (a float multiply would lose the low bits).
  binary('mul', 'int32 wraps: 65536 * 65536 = 0', mul, [65536, INT_MAX, -3, 46341, INT_MAX, 123456789, INT_MIN], [65536, 2, 7, 46341, INT_MAX, 987654321, -1], wrapMul, {
    inDType: 'int32',
  }),
  { op: 'mul', name: 'broadcast [2,1,3] * [4,1] -> [2,4,3]', run: () => mul(tensor(A213), tensor(B41)), expected: ex(broadcast213((a, b) => a * b), [2, 4, 3]) },
  { op: 'mul', name: 'scalar * matrix', run: () => mul(tensor([[1, -2], [3, 4]]), tensor(-2)), expected: ex([[-2, 4], [-6, -8]], [2, 2]) },
  { op: 'mul', name: 'float64', run: () => mul(tensor([0.1], [1], 'float64'), tensor([3], [1], 'float64')), expected: ex([0.1 * 3], [1], 'float64'), tol: 0 },
  // div
  binary('div', 'float32 with zeros and specials', div, [1, 3, 1, -1, 0, Infinity, 1], [2, -4, 0, 0, 0, Infinity, -0], (a, b) => a / b),
  binary('div', 'float64', div, [1, 2], [3, 7], (a, b) => a / b, { inDType: 'float64', tol: 0 }),
  binary('div', 'int32 / int32 gives float32', div, [7, -7, 1], [2, 2, 3], (a, b) => a / b, { inDType: 'int32', outDType: 'float32' }),
  { op: 'div', name: 'broadcast [2,2] / [2,1]', run: () => div(tensor([[1, 2], [3, 4]]), tensor([[2], [4]])), expected: ex([[0.5, 1], [0.75, 1]], [2, 2]) },
  // floorDiv
  binary('floorDiv', 'float32 floors toward -Infinity', floorDiv, [7, -7, 7.5, -0.5, 1], [2, 2, 2, 3, 0], (a, b) => Math.floor(a / b)),
  binary('floorDiv', 'int32 stays int32', floorDiv, [7, -7, 9, -9], [2, 2, -4, -4], (a, b) => Math.floor(a / b), { inDType: 'int32' }),
  { op: 'floorDiv', name: 'int32 tensor by weak scalar', run: () => floorDiv(tensor([7, -7], [2], 'int32'), 2), expected: ex([3, -4], [2], 'int32') },
  // mod
  binary('mod', 'float32 takes the divisor sign', mod, [-1, 5, 5.5, -5.5, 5, -5], [3, 3, 3, 3, -3, -3], pyMod),
  binary('mod', 'int32 takes the divisor sign', mod, [-7, 7, 7, -7, 6], [3, 3, -3, -3, 3], pyMod, { inDType: 'int32' }),
  { op: 'mod', name: 'broadcast [2,2] % scalar', run: () => mod(tensor([[4, -4], [9, 2.5]]), 3), expected: ex([[1, 2], [0, 2.5]], [2, 2]) },
  // pow
  binary('pow', 'float32', pow, [2, 3, 2, 4, 0, -8, -2, 0], [2, 0.5, -1, 0.5, 0, 1 / 3, 3, -1], Math.pow),
  binary('pow', 'float64', pow, [2, 1.5], [0.5, 10], Math.pow, { inDType: 'float64', tol: 0 }),
  binary('pow', 'int32 stays int32', pow, [2, 3, -2, 5], [3, 2, 3, 0], Math.pow, { inDType: 'int32' }),
  { op: 'pow', name: 'int32 tensor ** weak 2 stays int32', run: () => pow(tensor([3, -4], [2], 'int32'), 2), expected: ex([9, 16], [2], 'int32') },
  { op: 'pow', name: 'int32 tensor ** weak 0.5 gives float32', run: () => pow(tensor([4, 2], [2], 'int32'), 0.5), expected: ex([2, Math.SQRT2], [2]) },
  { op: 'pow', name: 'broadcast [2,1] ** [3]', run: () => pow(tensor([[2], [3]]), tensor([0, 1, 2])), expected: ex([[1, 2, 4], [1, 3, 9]], [2, 3]) },
  // maximum / minimum
  binary('maximum', 'float32, NaN propagates from either side', maximum, [1, 5, NaN, 2, -0, -Infinity], [3, 3, 1, NaN, -1, 0], (a, b) =>
    Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b),
  ),
  binary('maximum', 'int32', maximum, [1, -5, INT_MIN], [3, -7, INT_MAX], Math.max, { inDType: 'int32' }),
  { op: 'maximum', name: 'broadcast [2,1,3] with [4,1]', run: () => maximum(tensor(A213), tensor([[2], [4], [5], [0]])), expected: ex(A213.map((ai) => [2, 4, 5, 0].map((b) => ai[0].map((a) => Math.max(a, b)))), [2, 4, 3]) },
  binary('minimum', 'float32, NaN propagates from either side', minimum, [1, 5, NaN, 2, Infinity], [3, 3, 1, NaN, 0], (a, b) =>
    Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b),
  ),
  binary('minimum', 'int32', minimum, [1, -5, INT_MIN], [3, -7, INT_MAX], Math.min, { inDType: 'int32' }),
  { op: 'minimum', name: 'matrix with JS number', run: () => minimum(tensor([[1, 5], [-2, 9]]), 3), expected: ex([[1, 3], [-2, 3]], [2, 2]) },
  // squaredDifference
  binary('squaredDifference', 'float32', squaredDifference, [3, -1, 0.5, Infinity], [1, 2, 0.5, 1], (a, b) => (a - b) ** 2),
  binary('squaredDifference', 'int32 stays int32', squaredDifference, [3, -1], [1, 4], (a, b) => (a - b) ** 2, { inDType: 'int32' }),
  { op: 'squaredDifference', name: 'broadcast [2,1] and [2]', run: () => squaredDifference(tensor([[1], [4]]), tensor([0, 2])), expected: ex([[1, 1], [16, 4]], [2, 2]) },
  // atan2
  binary('atan2', 'float32 in all four quadrants and on the axes', atan2, [1, 1, -1, -1, 0, 0, 1, -0], [1, -1, 1, -1, -1, 0, 0, -1], Math.atan2),
  binary('atan2', 'float64', atan2, [0.3, -2], [0.7, 5], Math.atan2, { inDType: 'float64', tol: 0 }),
  binary('atan2', 'int32 gives float32', atan2, [1, -2], [2, 2], Math.atan2, { inDType: 'int32', outDType: 'float32' }),
  // comparisons
  binary('equal', 'float32 (NaN equals nothing)', equal, [1, 2, NaN, 0, Infinity], [1, 3, NaN, -0, Infinity], (a, b) => (a === b ? 1 : 0), { outDType: 'bool' }),
  binary('equal', 'int32', equal, [INT_MAX, 5], [INT_MAX, 4], (a, b) => (a === b ? 1 : 0), { inDType: 'int32', outDType: 'bool' }),
  { op: 'equal', name: 'int32 vs float32 compares values', run: () => equal(tensor([1, 2], [2], 'int32'), tensor([1, 2.5])), expected: ex([true, false], [2], 'bool') },
  { op: 'equal', name: 'bool vs bool', run: () => equal(tensor([true, false, true]), tensor([true, true, false])), expected: ex([true, false, false], [3], 'bool') },
  { op: 'equal', name: 'broadcast [2,1] vs [3]', run: () => equal(tensor([[1], [2]]), tensor([1, 2, 1])), expected: ex([[true, false, true], [false, true, false]], [2, 3], 'bool') },
  { op: 'equal', name: 'tensor vs JS number', run: () => equal(tensor([1, 2], [2], 'int32'), 2), expected: ex([false, true], [2], 'bool') },
  binary('notEqual', 'float32 (NaN differs from itself)', notEqual, [1, 2, NaN, 0], [1, 3, NaN, -0], (a, b) => (a !== b ? 1 : 0), { outDType: 'bool' }),
  { op: 'notEqual', name: 'bool with broadcasting', run: () => notEqual(tensor([[true], [false]]), tensor([true, false])), expected: ex([[false, true], [true, false]], [2, 2], 'bool') },
  binary('less', 'float32 with NaN and Infinity', less, [1, 2, NaN, -Infinity, 3], [2, 2, 1, 0, NaN], (a, b) => (a < b ? 1 : 0), { outDType: 'bool' }),
  binary('less', 'int32', less, [INT_MIN, 3], [INT_MAX, 3], (a, b) => (a < b ? 1 : 0), { inDType: 'int32', outDType: 'bool' }),
  binary('lessEqual', 'float32 with NaN', lessEqual, [1, 2, 3, NaN], [2, 2, 2, NaN], (a, b) => (a <= b ? 1 : 0), { outDType: 'bool' }),
  { op: 'lessEqual', name: 'broadcast with a scalar', run: () => lessEqual(tensor([[1, 2], [3, 4]]), tensor(2)), expected: ex([[true, true], [false, false]], [2, 2], 'bool') },
  binary('greater', 'float32 with NaN and Infinity', greater, [3, 2, NaN, Infinity], [2, 2, 1, 1e38], (a, b) => (a > b ? 1 : 0), { outDType: 'bool' }),
  { op: 'greater', name: 'int32 vs weak 0', run: () => greater(tensor([-1, 0, 1], [3], 'int32'), 0), expected: ex([false, false, true], [3], 'bool') },
  binary('greaterEqual', 'float32 with NaN', greaterEqual, [3, 2, 1, NaN], [2, 2, 2, 0], (a, b) => (a >= b ? 1 : 0), { outDType: 'bool' }),
  { op: 'greaterEqual', name: 'float64', run: () => greaterEqual(tensor([0.1, 0.3], [2], 'float64'), tensor([0.1, 0.1 + 0.2], [2], 'float64')), expected: ex([true, false], [2], 'bool') },
  // logic
  { op: 'logicalAnd', name: 'truth table', run: () => logicalAnd(tensor([true, true, false, false]), tensor([true, false, true, false])), expected: ex([true, false, false, false], [4], 'bool') },
  { op: 'logicalAnd', name: 'broadcast [2,1] and [2]', run: () => logicalAnd(tensor([[true], [false]]), tensor([true, false])), expected: ex([[true, false], [false, false]], [2, 2], 'bool') },
  { op: 'logicalOr', name: 'truth table', run: () => logicalOr(tensor([true, true, false, false]), tensor([true, false, true, false])), expected: ex([true, true, true, false], [4], 'bool') },
  { op: 'logicalOr', name: 'with a JS boolean', run: () => logicalOr(tensor([false, true]), false), expected: ex([false, true], [2], 'bool') },
  // where
  { op: 'where', name: 'same shapes', run: () => where(tensor([true, false, true]), tensor([1, 2, 3]), tensor([10, 20, 30])), expected: ex([1, 20, 3], [3]) },
  {
    op: 'where',
    name: 'three broadcast shapes [2,1,1], [3,1], [4] -> [2,3,4]',
    run: () => where(tensor([[[true]], [[false]]]), tensor([[1], [2], [3]]), tensor([10, 20, 30, 40])),
    expected: ex([[[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], [[10, 20, 30, 40], [10, 20, 30, 40], [10, 20, 30, 40]]], [2, 3, 4]),
  },
  { op: 'where', name: 'JS numbers for both branches', run: () => where(tensor([true, false]), 1, 0), expected: ex([1, 0], [2], 'int32') },
  { op: 'where', name: 'int32 and float32 branches -> float32', run: () => where(tensor([true, false]), tensor([1, 2], [2], 'int32'), tensor([0.5, 0.25])), expected: ex([1, 0.25], [2]) },
  { op: 'where', name: 'bool and int32 branches -> int32', run: () => where(tensor([true, false]), tensor([true, true]), tensor([7, 8], [2], 'int32')), expected: ex([1, 8], [2], 'int32') },
  { op: 'where', name: 'bool branches stay bool', run: () => where(tensor([true, false]), tensor([false, false]), tensor([true, true])), expected: ex([false, true], [2], 'bool') },
  { op: 'where', name: 'NaN in the branch not taken does not leak', run: () => where(tensor([true, false]), tensor([1, NaN]), tensor([NaN, 2])), expected: ex([1, 2], [2]) },
];

export const forward: ForwardCase[] = [...unaryRows, ...binaryRows];

// ----------------------------------------------------------------- error rows

export const errors: ErrorCase[] = [
  { op: 'logicalAnd', name: 'float inputs', run: () => logicalAnd(tensor([1, 0]), tensor([1, 1])), type: DTypeError, message: /^logicalAnd: expected a of bool, got float32/ },
  { op: 'logicalAnd', name: 'float second input', run: () => logicalAnd(tensor([true]), tensor([1])), type: DTypeError, message: /^logicalAnd: expected b of bool, got float32/ },
  { op: 'logicalOr', name: 'int32 inputs', run: () => logicalOr(tensor([1], [1], 'int32'), tensor([true])), type: DTypeError, message: /^logicalOr: .*bool, got int32/ },
  { op: 'logicalNot', name: 'float input', run: () => logicalNot(tensor([1])), type: DTypeError, message: /^logicalNot: expected x of bool, got float32/ },
  { op: 'add', name: 'shapes that do not broadcast', run: () => add(tensor([[1, 2, 3], [4, 5, 6]]), tensor([1, 2, 3, 4])), type: ShapeError, message: /^add: shapes \[2,3\] and \[4\] do not broadcast/ },
  { op: 'mul', name: 'shapes that do not broadcast (rank 3)', run: () => mul(tensor([], [2, 3, 0]), tensor([], [4, 1, 0])), type: ShapeError, message: /mul: shapes \[2,3,0\] and \[4,1,0\]/ },
  { op: 'add', name: 'bool operands', run: () => add(tensor([true]), tensor([1], [1], 'int32')), type: DTypeError, message: /^add: expected a of a numeric dtype.*got bool/ },
  { op: 'exp', name: 'bool input', run: () => exp(tensor([true])), type: DTypeError, message: /^exp: .*got bool/ },
  { op: 'where', name: 'shapes that do not broadcast', run: () => where(tensor([true, false, true]), tensor([1, 2]), 0), type: ShapeError, message: /^where: shapes \[3\] and \[2\]/ },
  { op: 'where', name: 'float condition', run: () => where(tensor([1, 0]), tensor([1, 2]), tensor([3, 4])), type: DTypeError, message: /^where: expected condition of bool, got float32/ },
  { op: 'where', name: 'int32 condition', run: () => where(tensor([1, 0], [2], 'int32'), 1, 2), type: DTypeError, message: /^where: expected condition of bool, got int32/ },
  { op: 'cast', name: 'unknown dtype', run: () => cast(tensor([1]), 'float16' as DType), type: DTypeError, message: /^cast: expected dtype 'float32', 'int32', 'bool' or 'float64', got "float16"/ },
  { op: 'clipByValue', name: 'min > max', run: () => clipByValue(tensor([1]), 2, 1), type: ValueError, message: /^clipByValue: expected clipValueMin <= clipValueMax, got 2 > 1/ },
  { op: 'clipByValue', name: 'NaN bound', run: () => clipByValue(tensor([1]), NaN, 1), type: ValueError, message: /^clipByValue: expected numeric clipValueMin and clipValueMax, got NaN and 1/ },
  { op: 'leakyRelu', name: 'NaN alpha', run: () => leakyRelu(tensor([1]), NaN), type: ValueError, message: /^leakyRelu: expected alpha to be a finite number, got NaN/ },
  { op: 'add', name: 'ragged JS operand', run: () => add(tensor([1, 2]), [[1], [2, 3]]), type: ValueError, message: /^add \(argument b\): ragged nested array/ },
  { op: 'add', name: 'non-numeric JS operand', run: () => add(tensor([1]), 'x' as unknown as number), type: ValueError, message: /^add \(argument b\): expected a number/ },
];

// -------------------------------------------------------------- gradient rows

/** Second-order helper: the gradient of sum(inner(x)), as a function of x. */
const d = (inner: (x: Tensor) => Tensor) => (x: Tensor) => grad((t) => inner(t).sum())(x);

const M = [[0.4, -1.3, 2.1], [-0.7, 0.9, 1.6]];
const POS = [[0.4, 1.3, 2.1], [0.7, 0.9, 3.6]];

export const gradients: GradCase[] = [
  // unary
  { op: 'neg', name: 'matrix', f: (x) => neg(x), inputs: [M] },
  { op: 'abs', name: 'away from 0', f: (x) => abs(x), inputs: [M] },
  { op: 'sign', name: 'zero almost everywhere', f: (x) => sign(x).add(x), inputs: [M] },
  { op: 'exp', name: 'matrix', f: (x) => exp(x), inputs: [M] },
  { op: 'expm1', name: 'matrix', f: (x) => expm1(x), inputs: [M] },
  { op: 'log', name: 'positive', f: (x) => log(x), inputs: [POS] },
  { op: 'log1p', name: 'above -1', f: (x) => log1p(x), inputs: [[-0.5, 0.3, 2]] },
  { op: 'sqrt', name: 'positive', f: (x) => sqrt(x), inputs: [POS] },
  { op: 'rsqrt', name: 'positive', f: (x) => rsqrt(x), inputs: [POS] },
  { op: 'square', name: 'matrix', f: (x) => square(x), inputs: [M] },
  { op: 'reciprocal', name: 'away from 0', f: (x) => reciprocal(x), inputs: [M] },
  { op: 'sin', name: 'matrix', f: (x) => sin(x), inputs: [M] },
  { op: 'cos', name: 'matrix', f: (x) => cos(x), inputs: [M] },
  { op: 'tan', name: 'inside (-pi/2, pi/2)', f: (x) => tan(x), inputs: [[-1.2, 0.3, 1.1]] },
  { op: 'tanh', name: 'matrix', f: (x) => tanh(x), inputs: [M] },
  { op: 'sigmoid', name: 'matrix', f: (x) => sigmoid(x), inputs: [[-4, -0.5, 0, 0.7, 3]] },
  { op: 'softplus', name: 'both tails', f: (x) => softplus(x), inputs: [[-30, -2, 0.3, 4, 40]] },
  { op: 'relu', name: 'away from 0', f: (x) => relu(x), inputs: [M] },
  { op: 'relu6', name: 'away from 0 and 6', f: (x) => relu6(x), inputs: [[-1, 0.5, 3, 6.5, 8]] },
  { op: 'leakyRelu', name: 'alpha 0.1', f: (x) => leakyRelu(x, 0.1), inputs: [M] },
  { op: 'elu', name: 'both sides', f: (x) => elu(x), inputs: [M] },
  { op: 'selu', name: 'both sides', f: (x) => selu(x), inputs: [M] },
  { op: 'gelu', name: 'exact form (erf approximation: tol 1e-5)', f: (x) => gelu(x), inputs: [[-2.5, -0.6, 0.2, 1.4, 3]], tol: 1e-5 },
  { op: 'gelu', name: 'tanh form', f: (x) => gelu(x, true), inputs: [[-2.5, -0.6, 0.2, 1.4, 3]] },
  { op: 'erf', name: 'erf approximation: tol 1e-5', f: (x) => erf(x), inputs: [[-2, -0.5, 0.1, 0.9, 2.2]], tol: 1e-5 },
  { op: 'floor', name: 'zero between integers', f: (x) => floor(x).add(x.mul(2)), inputs: [[0.3, 1.7, -2.2]] },
  { op: 'ceil', name: 'zero between integers', f: (x) => ceil(x).add(x.mul(2)), inputs: [[0.3, 1.7, -2.2]] },
  { op: 'round', name: 'zero between half-integers', f: (x) => round(x).add(x.mul(2)), inputs: [[0.3, 1.7, -2.2]] },
  { op: 'clipByValue', name: 'inside and outside [0, 1]', f: (x) => clipByValue(x, 0, 1), inputs: [[-2, 0.3, 0.7, 3]] },
  { op: 'cast', name: 'float cast passes the gradient', f: (x) => cast(x, 'float64').mul(x), inputs: [[0.5, -2, 4]] },
  { op: 'cast', name: 'cast to int32 stops the gradient', f: (x) => cast(x, 'int32').cast('float64').add(x.mul(3)), inputs: [[0.5, -2.3, 4.1]] },
  // binary, with broadcasting summed back to the smaller operand
  { op: 'add', name: 'broadcast [2,1,3] + [4,1]', f: (a, b) => add(a, b), inputs: [[[[1, 2, 3]], [[4, 5, 6]]], [[1], [2], [3], [4]]] },
  { op: 'add', name: 'same operand twice', f: (a) => add(a, a).mul(a), inputs: [M] },
  { op: 'sub', name: 'scalar - matrix', f: (a, b) => sub(a, b), inputs: [2.5, M] },
  { op: 'mul', name: 'broadcast [2,3] * [3]', f: (a, b) => mul(a, b), inputs: [M, [0.5, -1.5, 2]] },
  { op: 'mul', name: 'broadcast [3,1] * [1,2]', f: (a, b) => mul(a, b), inputs: [[[1], [-2], [0.5]], [[3, -0.25]]] },
  { op: 'div', name: 'broadcast [2,3] / [2,1]', f: (a, b) => div(a, b), inputs: [M, [[1.5], [-0.8]]] },
  { op: 'mod', name: 'away from jumps', f: (a, b) => mod(a, b), inputs: [[5.5, -3.2, 7.1], [3, 2.5, -2]] },
  { op: 'floorDiv', name: 'zero away from jumps', f: (a, b) => floorDiv(a, b).add(a.mul(b)), inputs: [[5.5, -3.2, 7.1], [3, 2.5, -2]] },
  { op: 'pow', name: 'positive base, both operands', f: (a, b) => pow(a, b), inputs: [POS, [[1.5, -0.5, 2], [0.3, 3, -1.2]]] },
  { op: 'pow', name: 'broadcast scalar exponent', f: (a, b) => pow(a, b), inputs: [POS, 2.5] },
  { op: 'maximum', name: 'no ties, broadcast [2,3] with [3]', f: (a, b) => maximum(a, b), inputs: [M, [0.1, -0.2, 1.8]] },
  { op: 'minimum', name: 'no ties, broadcast [2,3] with [2,1]', f: (a, b) => minimum(a, b), inputs: [M, [[0.5], [-0.1]]] },
  { op: 'squaredDifference', name: 'broadcast [2,3] with [3]', f: (a, b) => squaredDifference(a, b), inputs: [M, [1, -1, 0.5]] },
  { op: 'atan2', name: 'all quadrants', f: (a, b) => atan2(a, b), inputs: [[1, 1, -1, -1.5], [1, -2, 0.5, -1]] },
  {
    op: 'where',
    name: 'both branches, broadcast [2,3] with [3]',
    f: (a, b) => where(tensor([[true, false, true], [false, false, true]]), a, b),
    inputs: [M, [7, 8, 9]],
  },
  { op: 'where', name: 'scalar branch', f: (a, b) => where(tensor([true, false, true]), a, b), inputs: [[1, 2, 3], 5] },
  // second order: the gradient function itself is differentiated
  { op: 'tanh', name: 'second order: d/dx of grad(tanh(x)·x)', f: d((x) => tanh(x).mul(x)), inputs: [[-1.5, -0.2, 0.4, 2]] },
  { op: 'mul', name: 'second order: d/dx of grad(x·x·x)', f: d((x) => x.mul(x).mul(x)), inputs: [[-1.5, 0.2, 2]] },
  { op: 'exp', name: 'second order: d/dx of grad(exp(2x))', f: d((x) => exp(x.mul(2))), inputs: [[-1, 0.3, 1.2]] },
  { op: 'sigmoid', name: 'second order', f: d((x) => sigmoid(x)), inputs: [[-3, -0.4, 0.5, 2]] },
  { op: 'sin', name: 'second order: d/dx of grad(sin(x)·x)', f: d((x) => sin(x).mul(x)), inputs: [[-2, 0.3, 1.1]] },
  { op: 'div', name: 'second order: d/dx of grad(x / (x + 3))', f: d((x) => div(x, x.add(3))), inputs: [[0.5, 1, 4]] },
  { op: 'div', name: 'second order w.r.t. the denominator', f: d((x) => div(2, x)), inputs: [[0.5, -1.5, 3]] },
  {
    op: 'mul',
    name: 'second order mixed partials via grads',
    f: (a, b) => {
      const [ga, gb] = grads((p, q) => p.mul(q).mul(p).sum())([a, b]);
      return ga.add(gb.mul(3));
    },
    inputs: [[0.5, -1, 2], [1.5, 0.3, -0.7]],
  },
  {
    op: 'tanh',
    name: 'third order of tanh',
    f: d(d((x) => tanh(x))),
    inputs: [[-0.8, 0.1, 1.3]],
    tol: 1e-5,
  },
];
