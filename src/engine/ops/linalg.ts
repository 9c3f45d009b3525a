/**
 * Linear algebra: matMul (a primitive with a kernel per backend), and dot
 * and outer, compositions of it.
 *
 * @module
 */
import type { TensorMeta } from '../backend/backend.js';
import { upcastType } from '../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { defineOp } from './define-op.js';
import { runOp1 } from './dispatch.js';
import { mul } from './elementwise.js';
import { unbroadcast } from './grad-util.js';
import { reshape } from './movement.js';

/**
 * The params a matMul kernel receives.
 *
 * @example
 * ```ts
 * // matMul(a, b, false, true) runs the kernel with:
 * const params: MatMulParams = { transposeA: false, transposeB: true };
 * ```
 */
export interface MatMulParams {
  /** Whether a's last two dimensions are read swapped. */
  transposeA: boolean;
  /** Whether b's last two dimensions are read swapped. */
  transposeB: boolean;
}

declare module './define-op.js' {
  interface OpRegistry {
    /** {@link matMul} */
    matMul: MatMulParams;
  }
}

function rejectBool(op: string, a: TensorMeta, b: TensorMeta): void {
  for (const [name, t] of [['a', a], ['b', b]] as const) {
    if (t.dtype === 'bool') throw new DTypeError(`${op}: expected ${name} of a numeric dtype (float32, int32, float64), got bool; cast it first, e.g. ${name}.cast('int32')`);
  }
}

/** The batch shape matMul's output has: a's and b's leading dims, broadcast. */
function batchShape(a: readonly number[], b: readonly number[]): number[] {
  const ba = a.slice(0, -2);
  const bb = b.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - ba.length ? 1 : ba[i - (rank - ba.length)];
    const db = i < rank - bb.length ? 1 : bb[i - (rank - bb.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`matMul: batch dimensions of a ${fmtShape(a)} and b ${fmtShape(b)} do not broadcast (${fmtShape(ba)} vs ${fmtShape(bb)}; each pair must be equal or 1)`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

const matMulOp = defineOp<MatMulParams>({
  name: 'matMul',
  inputNames: ['a', 'b'],
  infer([a, b], { transposeA, transposeB }) {
    if (a.shape.length < 2 || b.shape.length < 2) {
      throw new ShapeError(
        `matMul: expected a and b of rank >= 2, got a of shape ${fmtShape(a.shape)} and b of shape ${fmtShape(b.shape)}; use dot() for vectors, or expandDims to make them matrices`,
      );
    }
    rejectBool('matMul', a, b);
    const ra = a.shape.length;
    const rb = b.shape.length;
    const [m, ka] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : [a.shape[ra - 2], a.shape[ra - 1]];
    const [kb, n] = transposeB ? [b.shape[rb - 1], b.shape[rb - 2]] : [b.shape[rb - 2], b.shape[rb - 1]];
    if (ka !== kb) {
      throw new ShapeError(
        `matMul: inner dimensions do not match: a of shape ${fmtShape(a.shape)}${transposeA ? ' (transposed)' : ''} has ${ka} columns, b of shape ${fmtShape(b.shape)}${transposeB ? ' (transposed)' : ''} has ${kb} rows`,
      );
    }
    return [{ shape: [...batchShape(a.shape, b.shape), m, n], dtype: upcastType(a.dtype, b.dtype) }];
  },
  // With C = op(A)·op(B): dA = dC·op(B)ᵀ and dB = op(A)ᵀ·dC, transposed back
  // when the operand was stored transposed, then summed over the batch dims
  // the operand was broadcast along.
  grad([dy], { inputs: [a, b], params: { transposeA, transposeB } }) {
    let da: Tensor;
    let db: Tensor;
    if (!transposeA && !transposeB) {
      da = matMul(dy, b, false, true);
      db = matMul(a, dy, true, false);
    } else if (!transposeA && transposeB) {
      da = matMul(dy, b, false, false);
      db = matMul(dy, a, true, false);
    } else if (transposeA && !transposeB) {
      da = matMul(b, dy, false, true);
      db = matMul(a, dy, false, false);
    } else {
      da = matMul(b, dy, true, true);
      db = matMul(dy, a, true, true);
    }
    return [unbroadcast(da, a.shape), unbroadcast(db, b.shape)];
  },
});

/**
 * Matrix product of the last two dimensions of `a` and `b`; leading (batch)
 * dimensions broadcast like NumPy's `matmul`. `transposeA` / `transposeB`
 * read an operand's last two dimensions swapped, at no cost. Both operands
 * need rank >= 2, as in TensorFlow.js: use {@link dot} for vectors. The
 * result has the promoted dtype; int32 products wrap like int32 arithmetic.
 *
 * @example
 * ```ts
 * matMul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]]));        // [[17], [39]]
 * matMul(ones([8, 2, 3]), ones([3, 4])).shape;                 // [8, 2, 4]
 * matMul(ones([3, 2]), ones([3, 4]), true).shape;               // [2, 4]
 * ```
 */
export function matMul(a: TensorLike, b: TensorLike, transposeA = false, transposeB = false): Tensor {
  return runOp1(matMulOp, [a, b], { transposeA: Boolean(transposeA), transposeB: Boolean(transposeB) });
}

// dot and outer are compositions; they are declared as ops (no kernel, no
// gradient rule) so that their shape errors name them and dispatch converts
// their inputs.

const dotOp = defineOp<Record<string, never>>({
  name: 'dot',
  inputNames: ['a', 'b'],
  infer([a, b]) {
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (ra < 1 || ra > 2 || rb < 1 || rb > 2) {
      throw new ShapeError(`dot: expected a and b of rank 1 or 2, got a of shape ${fmtShape(a.shape)} and b of shape ${fmtShape(b.shape)}; use matMul for batches`);
    }
    rejectBool('dot', a, b);
    const ka = a.shape[ra - 1];
    const kb = b.shape[0];
    if (ka !== kb) {
      throw new ShapeError(`dot: inner dimensions do not match: a of shape ${fmtShape(a.shape)} ends in ${ka}, b of shape ${fmtShape(b.shape)} starts with ${kb}`);
    }
    const shape = [...(ra === 2 ? [a.shape[0]] : []), ...(rb === 2 ? [b.shape[1]] : [])];
    return [{ shape, dtype: upcastType(a.dtype, b.dtype) }];
  },
  decompose([a, b]) {
    const k = b.shape[0];
    const a2 = a.rank === 1 ? reshape(a, [1, k]) : a;
    const b2 = b.rank === 1 ? reshape(b, [k, 1]) : b;
    const y = matMul(a2, b2);
    if (a.rank === 2 && b.rank === 2) return [y];
    return [reshape(y, [...(a.rank === 2 ? [a.shape[0]] : []), ...(b.rank === 2 ? [b.shape[1]] : [])])];
  },
});

/**
 * Dot product, as TensorFlow.js's `dot`: vector·vector gives a scalar,
 * matrix·vector and vector·matrix a vector, matrix·matrix a matrix.
 *
 * @example
 * ```ts
 * dot(tensor([1, 2, 3]), tensor([4, 5, 6]));        // 32
 * dot(tensor([[1, 2], [3, 4]]), tensor([1, 1]));    // [3, 7]
 * ```
 */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  return runOp1(dotOp, [a, b], {});
}

const outerOp = defineOp<Record<string, never>>({
  name: 'outer',
  inputNames: ['a', 'b'],
  infer([a, b]) {
    if (a.shape.length !== 1 || b.shape.length !== 1) {
      throw new ShapeError(`outer: expected vectors (rank 1), got a of shape ${fmtShape(a.shape)} and b of shape ${fmtShape(b.shape)}; reshape them to [-1] first`);
    }
    rejectBool('outer', a, b);
    return [{ shape: [a.shape[0], b.shape[0]], dtype: upcastType(a.dtype, b.dtype) }];
  },
  decompose: ([a, b]) => [mul(reshape(a, [a.shape[0], 1]), reshape(b, [1, b.shape[0]]))],
});

/**
 * Outer product of two vectors: `out[i, j] = a[i] * b[j]` (TensorFlow.js's
 * `outerProduct`).
 *
 * @example
 * ```ts
 * outer(tensor([1, 2]), tensor([3, 4, 5])); // [[3, 4, 5], [6, 8, 10]]
 * ```
 */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  return runOp1(outerOp, [a, b], {});
}
