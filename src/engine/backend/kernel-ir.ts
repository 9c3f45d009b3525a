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
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'const'; readonly value: number }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'call'; readonly fn: ScalarFn; readonly args: readonly Expr[] }
  | { readonly kind: 'select'; readonly cond: Expr; readonly then: Expr; readonly otherwise: Expr };

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
  neg: (x: E) => call('neg', x), abs: (x: E) => call('abs', x), sign: (x: E) => call('sign', x),
  exp: (x: E) => call('exp', x), expm1: (x: E) => call('expm1', x), log: (x: E) => call('log', x),
  log1p: (x: E) => call('log1p', x), sqrt: (x: E) => call('sqrt', x), rsqrt: (x: E) => call('rsqrt', x),
  sin: (x: E) => call('sin', x), cos: (x: E) => call('cos', x), tan: (x: E) => call('tan', x),
  tanh: (x: E) => call('tanh', x), floor: (x: E) => call('floor', x), ceil: (x: E) => call('ceil', x),
  round: (x: E) => call('round', x), erf: (x: E) => call('erf', x), isnan: (x: E) => call('isnan', x),
  isfinite: (x: E) => call('isfinite', x), not: (x: E) => call('not', x), sigmoid: (x: E) => call('sigmoid', x),
  add: (a: E | number, b: E | number) => call('add', asExpr(a), asExpr(b)),
  sub: (a: E | number, b: E | number) => call('sub', asExpr(a), asExpr(b)),
  mul: (a: E | number, b: E | number) => call('mul', asExpr(a), asExpr(b)),
  imul: (a: E | number, b: E | number) => call('imul', asExpr(a), asExpr(b)),
  div: (a: E | number, b: E | number) => call('div', asExpr(a), asExpr(b)),
  pow: (a: E | number, b: E | number) => call('pow', asExpr(a), asExpr(b)),
  max: (a: E | number, b: E | number) => call('max', asExpr(a), asExpr(b)),
  min: (a: E | number, b: E | number) => call('min', asExpr(a), asExpr(b)),
  atan2: (a: E | number, b: E | number) => call('atan2', asExpr(a), asExpr(b)),
  mod: (a: E | number, b: E | number) => call('mod', asExpr(a), asExpr(b)),
  floordiv: (a: E | number, b: E | number) => call('floordiv', asExpr(a), asExpr(b)),
  eq: (a: E | number, b: E | number) => call('eq', asExpr(a), asExpr(b)),
  ne: (a: E | number, b: E | number) => call('ne', asExpr(a), asExpr(b)),
  lt: (a: E | number, b: E | number) => call('lt', asExpr(a), asExpr(b)),
  le: (a: E | number, b: E | number) => call('le', asExpr(a), asExpr(b)),
  gt: (a: E | number, b: E | number) => call('gt', asExpr(a), asExpr(b)),
  ge: (a: E | number, b: E | number) => call('ge', asExpr(a), asExpr(b)),
  and: (a: E | number, b: E | number) => call('and', asExpr(a), asExpr(b)),
  or: (a: E | number, b: E | number) => call('or', asExpr(a), asExpr(b)),
};
