/**
 * Compiles IR expressions to WGSL compute shaders. One shader per
 * (program, input dtypes, output dtype, compute type, scalar mask, loop
 * plan); broadcasting walks the inputs by strides baked into the shader.
 *
 * Semantics follow the CPU backend: arithmetic on int32/bool inputs with an
 * integer result runs in i32 (wrapping like `Math.imul` and ToInt32);
 * everything else runs in f32 and is stored with the CPU's conversions
 * (truncation and wrap for int32, `!= 0` for bool, NaN counting as true).
 *
 * @internal
 * @module
 */
import type { DType } from '../../dtype.js';
import { sizeOf } from '../../shape.js';
import type { TensorInfo, TensorMeta } from '../backend.js';
import { paramNames, type ElementwiseProgram, type Expr, type ScalarFn } from '../kernel-ir.js';
import { planLoop } from '../layout.js';
import { Uniforms, type GpuData, type WebGPUBackend } from './backend.js';
import { grid1d, literal, storageType, WG, WGSL_MATH } from './wgsl.js';

type T = 'f32' | 'i32';

const INT_SAFE = new Set<ScalarFn>([
  'neg', 'abs', 'sign', 'add', 'sub', 'mul', 'imul', 'max', 'min', 'mod', 'floordiv',
  'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'not', 'floor', 'ceil', 'round', 'isnan', 'isfinite',
]);

function intSafe(e: Expr): boolean {
  switch (e.kind) {
    case 'input':
    case 'param':
      return true;
    case 'const':
      return Number.isInteger(e.value) && Math.abs(e.value) <= 2147483647;
    case 'select':
      return intSafe(e.cond) && intSafe(e.then) && intSafe(e.otherwise);
    case 'call':
      return INT_SAFE.has(e.fn) && e.args.every(intSafe);
  }
}

const b2 = (t: T, cond: string) => (t === 'i32' ? `select(0, 1, ${cond})` : `select(0.0, 1.0, ${cond})`);
const truthy = (t: T, x: string) => (t === 'i32' ? `(${x} != 0)` : `!(${x} == 0.0 || f_isnan(${x}))`);

function gen(e: Expr, t: T, params: string[]): string {
  switch (e.kind) {
    case 'input':
      return `v${e.index}`;
    case 'const':
      return literal(e.value, t);
    case 'param':
      return `u.p${params.indexOf(e.name)}`;
    case 'select':
      return `select(${gen(e.otherwise, t, params)}, ${gen(e.then, t, params)}, ${truthy(t, gen(e.cond, t, params))})`;
    case 'call': {
      const a = e.args.map((x) => gen(x, t, params));
      const [x, y] = a;
      if (t === 'i32') {
        switch (e.fn) {
          case 'neg': return `(-${x})`;
          case 'abs': return `i_abs(${x})`;
          case 'sign': return `i_sign(${x})`;
          case 'add': return `(${x} + ${y})`;
          case 'sub': return `(${x} - ${y})`;
          case 'mul': case 'imul': return `(${x} * ${y})`;
          case 'max': return `max(${x}, ${y})`;
          case 'min': return `min(${x}, ${y})`;
          case 'mod': return `i_mod(${x}, ${y})`;
          case 'floordiv': return `i_floordiv(${x}, ${y})`;
          case 'eq': return b2(t, `${x} == ${y}`);
          case 'ne': return b2(t, `${x} != ${y}`);
          case 'lt': return b2(t, `${x} < ${y}`);
          case 'le': return b2(t, `${x} <= ${y}`);
          case 'gt': return b2(t, `${x} > ${y}`);
          case 'ge': return b2(t, `${x} >= ${y}`);
          case 'and': return b2(t, `${x} != 0 && ${y} != 0`);
          case 'or': return b2(t, `${x} != 0 || ${y} != 0`);
          case 'not': return b2(t, `${x} == 0`);
          case 'floor': case 'ceil': case 'round': return x;
          case 'isnan': return '0';
          case 'isfinite': return '1';
          default: throw new Error(`webgpu elementwise: ${e.fn} has no integer form (a bug in laminar)`);
        }
      }
      switch (e.fn) {
        case 'neg': return `(-${x})`;
        case 'abs': return `abs(${x})`;
        case 'sign': return `select(sign(${x}), ${x}, f_isnan(${x}))`;
        case 'exp': return `exp(${x})`;
        case 'expm1': return `f_expm1(${x})`;
        case 'log': return `log(${x})`;
        case 'log1p': return `f_log1p(${x})`;
        case 'sqrt': return `sqrt(${x})`;
        case 'rsqrt': return `(1.0 / sqrt(${x}))`;
        case 'sin': return `sin(${x})`;
        case 'cos': return `cos(${x})`;
        case 'tan': return `tan(${x})`;
        case 'tanh': return `f_tanh(${x})`;
        case 'floor': return `floor(${x})`;
        case 'ceil': return `ceil(${x})`;
        case 'round': return `round(${x})`;
        case 'erf': return `f_erf(${x})`;
        case 'sigmoid': return `f_sigmoid(${x})`;
        case 'isnan': return b2(t, `f_isnan(${x})`);
        case 'isfinite': return b2(t, `f_isfinite(${x})`);
        case 'not': return b2(t, `!${truthy(t, x)}`);
        case 'add': return `(${x} + ${y})`;
        case 'sub': return `(${x} - ${y})`;
        case 'mul': return `(${x} * ${y})`;
        case 'imul': return `f32(f_to_i32(${x}) * f_to_i32(${y}))`;
        case 'div': return `(${x} / ${y})`;
        case 'pow': return `f_pow(${x}, ${y})`;
        case 'max': return `f_max(${x}, ${y})`;
        case 'min': return `f_min(${x}, ${y})`;
        case 'atan2': return `f_atan2(${x}, ${y})`;
        case 'mod': return `f_mod(${x}, ${y})`;
        case 'floordiv': return `floor(${x} / ${y})`;
        case 'eq': return b2(t, `${x} == ${y}`);
        case 'ne': return b2(t, `${x} != ${y}`);
        case 'lt': return b2(t, `${x} < ${y}`);
        case 'le': return b2(t, `${x} <= ${y}`);
        case 'gt': return b2(t, `${x} > ${y}`);
        case 'ge': return b2(t, `${x} >= ${y}`);
        case 'and': return b2(t, `${truthy(t, x)} && ${truthy(t, y)}`);
        case 'or': return b2(t, `${truthy(t, x)} || ${truthy(t, y)}`);
      }
    }
  }
}

function load(dtype: DType, t: T, ref: string): string {
  const s = storageType(dtype);
  if (s === t) return ref;
  return `${t}(${ref})`;
}

function store(out: DType, t: T, v: string): string {
  if (out === 'float32') return t === 'f32' ? v : `f32(${v})`;
  if (out === 'int32') return t === 'i32' ? v : `f_to_i32(${v})`;
  return t === 'i32' ? `select(0u, 1u, ${v} != 0)` : `select(0u, 1u, ${v} != 0.0 || f_isnan(${v}))`;
}

/** Runs an elementwise program on the GPU. @internal */
export function runElementwiseGpu(
  backend: WebGPUBackend,
  program: ElementwiseProgram,
  inputs: readonly TensorInfo<GpuData>[],
  params: Readonly<Record<string, number>>,
  output: TensorMeta,
): GpuData {
  const n = sizeOf(output.shape);
  const out = backend.alloc(n, program.name);
  if (n === 0) return out;
  const names = paramNames(program.expr);
  const values = names.map((k) => params[k]);
  const allInt = inputs.every((x) => x.dtype === 'int32' || x.dtype === 'bool');
  const t: T = allInt && output.dtype !== 'float32' && intSafe(program.expr) && values.every((v) => Number.isInteger(v) && Math.abs(v) <= 2147483647) ? 'i32' : 'f32';
  const flat = inputs.every((x) => x.size === n || x.size === 1);
  const scalar = inputs.map((x) => x.size === 1 && n !== 1);
  const plan = flat ? null : planLoop(output.shape, inputs.map((x) => x.shape));
  const key = `ew:${program.name}:${inputs.map((x, i) => `${x.dtype}${scalar[i] ? 's' : ''}`).join(',')}>${output.dtype}:${t}:${plan ? `${plan.dims.join('x')}/${plan.strides.map((s) => s.join('.')).join('|')}` : 'flat'}`;
  const source = () => {
    const lines: string[] = [WGSL_MATH];
    inputs.forEach((x, i) => lines.push(`@group(0) @binding(${i}) var<storage, read> in${i}: array<${storageType(x.dtype)}>;`));
    lines.push(`@group(0) @binding(${inputs.length}) var<storage, read_write> out: array<${storageType(output.dtype)}>;`);
    lines.push(`struct U { n: u32, row: u32, ${names.map((_, i) => `p${i}: ${t},`).join(' ')} }`);
    lines.push(`@group(0) @binding(${inputs.length + 1}) var<uniform> u: U;`);
    lines.push(`@compute @workgroup_size(${WG}) fn main(@builtin(global_invocation_id) g: vec3<u32>) {`);
    lines.push('  let i = g.x + g.y * u.row;', '  if (i >= u.n) { return; }');
    if (plan) {
      const rank = plan.dims.length;
      lines.push('  var rem = i;');
      inputs.forEach((_, k) => lines.push(`  var o${k} = 0u;`));
      for (let d = rank - 1; d >= 0; d--) {
        lines.push(`  { let c = rem % ${plan.dims[d]}u; rem = rem / ${plan.dims[d]}u;`);
        inputs.forEach((_, k) => {
          if (plan.strides[k][d] !== 0) lines.push(`    o${k} = o${k} + c * ${plan.strides[k][d]}u;`);
        });
        lines.push('  }');
      }
      inputs.forEach((x, k) => lines.push(`  let v${k} = ${load(x.dtype, t, `in${k}[o${k}]`)};`));
    } else {
      inputs.forEach((x, k) => lines.push(`  let v${k} = ${load(x.dtype, t, `in${k}[${scalar[k] ? '0' : 'i'}]`)};`));
    }
    lines.push(`  let r = ${gen(program.expr, t, names)};`);
    lines.push(`  out[i] = ${store(output.dtype, t, 'r')};`, '}');
    return lines.join('\n');
  };
  const grid = grid1d(n);
  const u = new Uniforms().u32(n, grid.rowStride);
  for (const v of values) (t === 'i32' ? u.i32(v) : u.f32(v));
  backend.dispatch({ key, source, inputs: inputs.map((x) => x.data), outputs: [out], uniforms: u, workgroups: grid.workgroups });
  return out;
}
