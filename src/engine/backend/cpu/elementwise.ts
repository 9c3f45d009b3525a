/**
 * Compiles IR expressions to JavaScript loops for the CPU backend. One
 * function is generated per (program, input dtypes, output dtype, loop
 * form) and cached; broadcasting is handled by strides passed at run time.
 *
 * @internal
 * @module
 */
import type { DType, TypedArray } from '../../dtype.js';
import { paramNames, type ElementwiseProgram, type Expr } from '../kernel-ir.js';
import { planLoop, type LoopPlan } from '../layout.js';

/** Round half to even, as NumPy and TensorFlow round. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** erf via Abramowitz–Stegun 7.1.26 refined: max error ~1.2e-7, below float32 resolution near 1. */
function erf(x: number): number {
  // W. J. Cody's rational approximations would be more exact; this form is also easy in WGSL.
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.5 * a);
  const y =
    1 -
    t *
      Math.exp(
        -a * a -
          1.26551223 +
          t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
      );
  return sign * y;
}

function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

function mod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

const HELPERS = { roundHalfEven, erf, sigmoid, mod };

function lit(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '(-Infinity)';
  return `(${v})`;
}

function gen(e: Expr, intMath: boolean): string {
  switch (e.kind) {
    case 'input':
      return `v${e.index}`;
    case 'const':
      return lit(e.value);
    case 'param':
      return `p_${e.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    case 'select':
      return `(${gen(e.cond, intMath)} ? ${gen(e.then, intMath)} : ${gen(e.otherwise, intMath)})`;
    case 'call': {
      const a = e.args.map((x) => gen(x, intMath));
      const [x, y] = a;
      switch (e.fn) {
        case 'neg': return `(-${x})`;
        case 'abs': return `Math.abs(${x})`;
        case 'sign': return `Math.sign(${x})`;
        case 'exp': return `Math.exp(${x})`;
        case 'expm1': return `Math.expm1(${x})`;
        case 'log': return `Math.log(${x})`;
        case 'log1p': return `Math.log1p(${x})`;
        case 'sqrt': return `Math.sqrt(${x})`;
        case 'rsqrt': return `(1 / Math.sqrt(${x}))`;
        case 'sin': return `Math.sin(${x})`;
        case 'cos': return `Math.cos(${x})`;
        case 'tan': return `Math.tan(${x})`;
        case 'tanh': return `Math.tanh(${x})`;
        case 'floor': return `Math.floor(${x})`;
        case 'ceil': return `Math.ceil(${x})`;
        case 'round': return `h.roundHalfEven(${x})`;
        case 'erf': return `h.erf(${x})`;
        case 'sigmoid': return `h.sigmoid(${x})`;
        case 'isnan': return `(${x} !== ${x} ? 1 : 0)`;
        case 'isfinite': return `(Number.isFinite(${x}) ? 1 : 0)`;
        case 'not': return `(${x} ? 0 : 1)`;
        case 'add': return `(${x} + ${y})`;
        case 'sub': return `(${x} - ${y})`;
        case 'mul': return intMath ? `Math.imul(${x}, ${y})` : `(${x} * ${y})`;
        case 'imul': return `Math.imul(${x}, ${y})`;
        case 'div': return `(${x} / ${y})`;
        case 'pow': return `Math.pow(${x}, ${y})`;
        case 'max': return `Math.max(${x}, ${y})`;
        case 'min': return `Math.min(${x}, ${y})`;
        case 'atan2': return `Math.atan2(${x}, ${y})`;
        case 'mod': return `h.mod(${x}, ${y})`;
        case 'floordiv': return `Math.floor(${x} / ${y})`;
        case 'eq': return `(${x} === ${y} ? 1 : 0)`;
        case 'ne': return `(${x} !== ${y} ? 1 : 0)`;
        case 'lt': return `(${x} < ${y} ? 1 : 0)`;
        case 'le': return `(${x} <= ${y} ? 1 : 0)`;
        case 'gt': return `(${x} > ${y} ? 1 : 0)`;
        case 'ge': return `(${x} >= ${y} ? 1 : 0)`;
        case 'and': return `((${x}) && (${y}) ? 1 : 0)`;
        case 'or': return `((${x}) || (${y}) ? 1 : 0)`;
      }
    }
  }
}

type Compiled = (ins: TypedArray[], out: TypedArray, n: number, p: Record<string, number>, loop: LoopPlan | null) => void;


const DTYPE_CODE: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };
// Per program, compiled variants keyed by a small integer: 2 bits per dtype, 1 bit per scalar flag, 1 for the mode.
const cache = new WeakMap<ElementwiseProgram, Map<number, Compiled>>();

function variantKey(inDTypes: readonly DType[], outDType: DType, mode: 'flat' | 'general', scalarMask: readonly boolean[]): number {
  let key = DTYPE_CODE[outDType] * 2 + (mode === 'flat' ? 1 : 0);
  for (let i = 0; i < inDTypes.length; i++) key = key * 8 + DTYPE_CODE[inDTypes[i]] * 2 + (scalarMask[i] ? 1 : 0);
  return key;
}

function compile(program: ElementwiseProgram, inDTypes: readonly DType[], outDType: DType, mode: 'flat' | 'general', scalarMask: readonly boolean[]): Compiled {
  let variants = cache.get(program);
  if (!variants) {
    variants = new Map();
    cache.set(program, variants);
  }
  const key = variantKey(inDTypes, outDType, mode, scalarMask);
  let fn = variants.get(key);
  if (fn) return fn;
  const intMath = outDType === 'int32' && inDTypes.every((d) => d === 'int32' || d === 'bool');
  let body = gen(program.expr, intMath);
  if (outDType === 'bool') body = `(${body} !== 0 ? 1 : 0)`;
  const params = paramNames(program.expr);
  const lines: string[] = [];
  for (const name of params) lines.push(`const p_${name.replace(/[^A-Za-z0-9_]/g, '_')} = p[${JSON.stringify(name)}];`);
  const n = program.arity;
  for (let i = 0; i < n; i++) lines.push(`const a${i} = ins[${i}];`);
  if (mode === 'flat') {
    for (let i = 0; i < n; i++) if (scalarMask[i]) lines.push(`const v${i} = a${i}[0];`);
    lines.push('for (let i = 0; i < n; i++) {');
    for (let i = 0; i < n; i++) if (!scalarMask[i]) lines.push(`  const v${i} = a${i}[i];`);
    lines.push(`  out[i] = ${body};`, '}');
  } else {
    // Odometer over the outer collapsed dims; the innermost dim is a plain loop.
    lines.push('const dims = loop.dims, rank = dims.length, inner = dims[rank - 1];');
    for (let i = 0; i < n; i++) lines.push(`const s${i} = loop.strides[${i}], is${i} = s${i}[rank - 1];`);
    lines.push('const outer = n / inner; let o = 0;');
    lines.push('for (let r = 0; r < outer; r++) {');
    lines.push('  let rem = r;');
    for (let i = 0; i < n; i++) lines.push(`  let b${i} = 0;`);
    lines.push('  for (let d = rank - 2; d >= 0; d--) { const size = dims[d]; const c = rem % size; rem = (rem - c) / size;');
    for (let i = 0; i < n; i++) lines.push(`    b${i} += c * s${i}[d];`);
    lines.push('  }');
    lines.push('  for (let j = 0; j < inner; j++) {');
    for (let i = 0; i < n; i++) lines.push(`    const v${i} = a${i}[b${i} + j * is${i}];`);
    lines.push(`    out[o++] = ${body};`, '  }', '}');
  }
  const factory = new Function('h', `return function ${program.name.replace(/[^A-Za-z0-9_]/g, '_')}_kernel(ins, out, n, p, loop) {\n${lines.join('\n')}\n};`);
  fn = factory(HELPERS) as Compiled;
  variants.set(key, fn);
  return fn;
}

/** Runs an elementwise program over CPU arrays with broadcasting. @internal */
export function runElementwise(
  program: ElementwiseProgram,
  ins: readonly { data: TypedArray; shape: readonly number[]; dtype: DType; size: number }[],
  params: Record<string, number>,
  out: TypedArray,
  outShape: readonly number[],
  outDType: DType,
): void {
  const n = out.length;
  if (n === 0) return;
  const flat = ins.every((x) => x.size === n || x.size === 1);
  const dtypes = ins.map((x) => x.dtype);
  if (flat) {
    const mask = ins.map((x) => x.size === 1 && n !== 1);
    compile(program, dtypes, outDType, 'flat', mask)(ins.map((x) => x.data), out, n, params, null);
  } else {
    const plan = planLoop(outShape, ins.map((x) => x.shape));
    compile(program, dtypes, outDType, 'general', ins.map(() => false))(ins.map((x) => x.data), out, n, params, plan);
  }
}
