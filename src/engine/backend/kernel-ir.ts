/**
 * The scalar expression IR elementwise kernels are generated from. An
 * elementwise op is written once as an expression over its inputs
 * (`ir.mul(ir.input(0), ir.input(1))`); each backend compiles the expression
 * to its own code (JavaScript loops on the CPU, WGSL on WebGPU).
 *
 * Values are numbers; booleans are 0/1. Comparison and logic functions yield
 * 0/1. Integer semantics come from the output dtype: backends store results
 * with the conversion of a cast (truncation for int32, `!= 0` for bool).
 *
 * @module
 */

/**
 * The scalar functions the IR knows. Unary: `neg abs sign exp expm1 log
 * log1p sqrt rsqrt sin cos tan tanh floor ceil round erf isnan isfinite
 * not sigmoid`. Binary: `add sub mul imul div pow max min atan2 mod floordiv
 * eq ne lt le gt ge and or`.
 *
 * @example
 * ```ts
 * const f: ScalarFn = 'exp';
 * ```
 */
export type ScalarFn =
  | 'neg' | 'abs' | 'sign' | 'exp' | 'expm1' | 'log' | 'log1p' | 'sqrt' | 'rsqrt'
  | 'sin' | 'cos' | 'tan' | 'tanh' | 'floor' | 'ceil' | 'round' | 'erf'
  | 'isnan' | 'isfinite' | 'not' | 'sigmoid'
  | 'add' | 'sub' | 'mul' | 'imul' | 'div' | 'pow' | 'max' | 'min' | 'atan2' | 'mod' | 'floordiv'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or';

/**
 * A node of the scalar expression tree.
 *
 * @example
 * ```ts
 * const e: Expr = { kind: 'call', fn: 'add', args: [{ kind: 'input', index: 0 }, { kind: 'const', value: 1 }] };
 * ```
 */
export type Expr =
  | {
      /** The `index`-th input's element. */
      readonly kind: 'input';
      /** Which input. */
      readonly index: number;
    }
  | {
      /** A constant. */
      readonly kind: 'const';
      /** Its value. */
      readonly value: number;
    }
  | {
      /** A named scalar param of the op. */
      readonly kind: 'param';
      /** The param's name. */
      readonly name: string;
    }
  | {
      /** A scalar function applied to arguments. */
      readonly kind: 'call';
      /** The function. */
      readonly fn: ScalarFn;
      /** Its arguments. */
      readonly args: readonly Expr[];
    }
  | {
      /** `cond != 0 ? then : otherwise`. */
      readonly kind: 'select';
      /** The condition. */
      readonly cond: Expr;
      /** The value where the condition holds. */
      readonly then: Expr;
      /** The value elsewhere. */
      readonly otherwise: Expr;
    };

/**
 * An elementwise op as backends see it: a name (for caches), its arity and
 * its expression.
 *
 * @example
 * ```ts
 * const p: ElementwiseProgram = { name: 'square', arity: 1, expr: ir.mul(ir.input(0), ir.input(0)) };
 * ```
 */
export interface ElementwiseProgram {
  /** Unique name, used as a cache key by backends. */
  readonly name: string;
  /** Number of tensor inputs. */
  readonly arity: number;
  /** The scalar expression computing one output element. */
  readonly expr: Expr;
}

type E = Expr;
const call = (fn: ScalarFn, ...args: E[]): E => ({ kind: 'call', fn, args });
const asExpr = (x: E | number): E => (typeof x === 'number' ? { kind: 'const', value: x } : x);

/**
 * Builders for IR expressions; numbers are lifted to constants.
 *
 * @example
 * ```ts
 * const x = ir.input(0);
 * const relu = ir.max(x, 0);
 * ```
 */
export const ir = {
  /** The `index`-th input's element. */
  input: (index: number): E => ({ kind: 'input', index }),
  /** A numeric constant. */
  c: (value: number): E => ({ kind: 'const', value }),
  /** A named scalar parameter of the op (e.g. `alpha` of leakyRelu). */
  param: (name: string): E => ({ kind: 'param', name }),
  /** `cond != 0 ? then : otherwise`. */
  select: (cond: E, then: E | number, otherwise: E | number): E => ({ kind: 'select', cond, then: asExpr(then), otherwise: asExpr(otherwise) }),
  /** `neg(x)` (see {@link ScalarFn}). */
  neg: (x: E): E => call('neg', x),
  /** `abs(x)` (see {@link ScalarFn}). */
  abs: (x: E): E => call('abs', x),
  /** `sign(x)` (see {@link ScalarFn}). */
  sign: (x: E): E => call('sign', x),
  /** `exp(x)` (see {@link ScalarFn}). */
  exp: (x: E): E => call('exp', x),
  /** `expm1(x)` (see {@link ScalarFn}). */
  expm1: (x: E): E => call('expm1', x),
  /** `log(x)` (see {@link ScalarFn}). */
  log: (x: E): E => call('log', x),
  /** `log1p(x)` (see {@link ScalarFn}). */
  log1p: (x: E): E => call('log1p', x),
  /** `sqrt(x)` (see {@link ScalarFn}). */
  sqrt: (x: E): E => call('sqrt', x),
  /** `rsqrt(x)` (see {@link ScalarFn}). */
  rsqrt: (x: E): E => call('rsqrt', x),
  /** `sin(x)` (see {@link ScalarFn}). */
  sin: (x: E): E => call('sin', x),
  /** `cos(x)` (see {@link ScalarFn}). */
  cos: (x: E): E => call('cos', x),
  /** `tan(x)` (see {@link ScalarFn}). */
  tan: (x: E): E => call('tan', x),
  /** `tanh(x)` (see {@link ScalarFn}). */
  tanh: (x: E): E => call('tanh', x),
  /** `floor(x)` (see {@link ScalarFn}). */
  floor: (x: E): E => call('floor', x),
  /** `ceil(x)` (see {@link ScalarFn}). */
  ceil: (x: E): E => call('ceil', x),
  /** `round(x)` (see {@link ScalarFn}). */
  round: (x: E): E => call('round', x),
  /** `erf(x)` (see {@link ScalarFn}). */
  erf: (x: E): E => call('erf', x),
  /** `isnan(x)` (see {@link ScalarFn}). */
  isnan: (x: E): E => call('isnan', x),
  /** `isfinite(x)` (see {@link ScalarFn}). */
  isfinite: (x: E): E => call('isfinite', x),
  /** `not(x)` (see {@link ScalarFn}). */
  not: (x: E): E => call('not', x),
  /** `sigmoid(x)` (see {@link ScalarFn}). */
  sigmoid: (x: E): E => call('sigmoid', x),
  /** `add(a, b)` (see {@link ScalarFn}); numbers become constants. */
  add: (a: E | number, b: E | number): E => call('add', asExpr(a), asExpr(b)),
  /** `sub(a, b)` (see {@link ScalarFn}); numbers become constants. */
  sub: (a: E | number, b: E | number): E => call('sub', asExpr(a), asExpr(b)),
  /** `mul(a, b)` (see {@link ScalarFn}); numbers become constants. */
  mul: (a: E | number, b: E | number): E => call('mul', asExpr(a), asExpr(b)),
  /** `imul(a, b)` (see {@link ScalarFn}); numbers become constants. */
  imul: (a: E | number, b: E | number): E => call('imul', asExpr(a), asExpr(b)),
  /** `div(a, b)` (see {@link ScalarFn}); numbers become constants. */
  div: (a: E | number, b: E | number): E => call('div', asExpr(a), asExpr(b)),
  /** `pow(a, b)` (see {@link ScalarFn}); numbers become constants. */
  pow: (a: E | number, b: E | number): E => call('pow', asExpr(a), asExpr(b)),
  /** `max(a, b)` (see {@link ScalarFn}); numbers become constants. */
  max: (a: E | number, b: E | number): E => call('max', asExpr(a), asExpr(b)),
  /** `min(a, b)` (see {@link ScalarFn}); numbers become constants. */
  min: (a: E | number, b: E | number): E => call('min', asExpr(a), asExpr(b)),
  /** `atan2(a, b)` (see {@link ScalarFn}); numbers become constants. */
  atan2: (a: E | number, b: E | number): E => call('atan2', asExpr(a), asExpr(b)),
  /** `mod(a, b)` (see {@link ScalarFn}); numbers become constants. */
  mod: (a: E | number, b: E | number): E => call('mod', asExpr(a), asExpr(b)),
  /** `floordiv(a, b)` (see {@link ScalarFn}); numbers become constants. */
  floordiv: (a: E | number, b: E | number): E => call('floordiv', asExpr(a), asExpr(b)),
  /** `eq(a, b)` (see {@link ScalarFn}); numbers become constants. */
  eq: (a: E | number, b: E | number): E => call('eq', asExpr(a), asExpr(b)),
  /** `ne(a, b)` (see {@link ScalarFn}); numbers become constants. */
  ne: (a: E | number, b: E | number): E => call('ne', asExpr(a), asExpr(b)),
  /** `lt(a, b)` (see {@link ScalarFn}); numbers become constants. */
  lt: (a: E | number, b: E | number): E => call('lt', asExpr(a), asExpr(b)),
  /** `le(a, b)` (see {@link ScalarFn}); numbers become constants. */
  le: (a: E | number, b: E | number): E => call('le', asExpr(a), asExpr(b)),
  /** `gt(a, b)` (see {@link ScalarFn}); numbers become constants. */
  gt: (a: E | number, b: E | number): E => call('gt', asExpr(a), asExpr(b)),
  /** `ge(a, b)` (see {@link ScalarFn}); numbers become constants. */
  ge: (a: E | number, b: E | number): E => call('ge', asExpr(a), asExpr(b)),
  /** `and(a, b)` (see {@link ScalarFn}); numbers become constants. */
  and: (a: E | number, b: E | number): E => call('and', asExpr(a), asExpr(b)),
  /** `or(a, b)` (see {@link ScalarFn}); numbers become constants. */
  or: (a: E | number, b: E | number): E => call('or', asExpr(a), asExpr(b)),
};

/**
 * The names of the params an expression reads, in order of first use
 * (backends bind them in this order).
 *
 * @example
 * ```ts
 * paramNames(ir.mul(ir.input(0), ir.param('alpha'))); // ['alpha']
 * ```
 */
export function paramNames(e: Expr, out: string[] = []): string[] {
  if (e.kind === 'param') {
    if (!out.includes(e.name)) out.push(e.name);
  } else if (e.kind === 'call') for (const a of e.args) paramNames(a, out);
  else if (e.kind === 'select') {
    paramNames(e.cond, out);
    paramNames(e.then, out);
    paramNames(e.otherwise, out);
  }
  return out;
}
