/**
 * NumPy-style printing of tensor values.
 *
 * @internal
 * @module
 */
import type { DType, TypedArray } from './dtype.js';
import { fmtShape } from './errors.js';

const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;

function formatNumber(v: number, dtype: DType): string {
  if (dtype === 'bool') return v ? 'true' : 'false';
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e8)) return v.toExponential(4).replace(/\.?0+e/, 'e');
  return String(Number(v.toFixed(dtype === 'float64' ? 8 : 4)));
}

/** Formats values (or only metadata when `values` is undefined) like NumPy's repr. @internal */
export function formatTensor(values: TypedArray | undefined, shape: readonly number[], dtype: DType, device: string): string {
  const meta = `shape=${fmtShape(shape)}, dtype=${dtype}${device === 'cpu' ? '' : `, device=${device}`}`;
  if (!values) return `tensor(<on ${device}; read with await t.array()>, ${meta})`;
  const size = values.length;
  const summarise = size > SUMMARY_THRESHOLD;
  const strides: number[] = [];
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  const indicesOf = (n: number): (number | null)[] => {
    if (!summarise || n <= 2 * EDGE_ITEMS) return Array.from({ length: n }, (_, i) => i);
    const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
    const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i);
    return [...head, null, ...tail];
  };
  // Width of the widest printed element, so columns align as in NumPy.
  let width = 1;
  const visit = (dim: number, offset: number): void => {
    if (dim === shape.length) {
      width = Math.max(width, formatNumber(values[offset], dtype).length);
      return;
    }
    for (const i of indicesOf(shape[dim])) if (i !== null) visit(dim + 1, offset + i * strides[dim]);
  };
  visit(0, 0);
  const prefix = 'tensor(';
  const render = (dim: number, offset: number, indent: number): string => {
    if (dim === shape.length) return formatNumber(values[offset], dtype).padStart(width);
    const parts = indicesOf(shape[dim]).map((i) => (i === null ? '...' : render(dim + 1, offset + i * strides[dim], indent + 1)));
    const sep = dim === shape.length - 1 ? ', ' : ',' + '\n'.repeat(shape.length - 1 - dim) + ' '.repeat(indent + 1);
    return '[' + parts.join(sep) + ']';
  };
  return `${prefix}${render(0, 0, prefix.length)}, ${meta})`;
}
