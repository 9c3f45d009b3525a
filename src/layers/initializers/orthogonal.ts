/**
 * The orthogonal initializer and the QR decomposition it needs.
 *
 * @module
 */
import { z } from 'zod';
import { ValueError, randomNormal, tensor, withDevice, type Tensor } from '../../engine/index.js';
import { parseOptions, type ConfigDict } from '../config.js';
import { Initializer, checkApplyArgs, ownerOf, seedSchema, type InitializerDType } from './base.js';

/**
 * The Q factor of the reduced QR decomposition of a row-major `rows × cols`
 * matrix (`rows >= cols`), with the sign of each column chosen so that R's
 * diagonal is non-negative: the unique such Q, as Keras' orthogonal
 * initializer obtains by multiplying by sign(diag(R)). Householder
 * reflections in float64, which stay orthogonal to rounding error even for
 * ill-conditioned inputs (unlike Gram-Schmidt).
 *
 * @internal
 */
export function orthonormalColumns(a: Float64Array, rows: number, cols: number): Float64Array {
  if (rows < cols) throw new ValueError(`orthonormalColumns: expected rows >= cols, got ${rows} × ${cols}`);
  const r = Float64Array.from(a);
  const reflectors: Float64Array[] = [];
  const diagSign = new Float64Array(cols);
  for (let k = 0; k < cols; k++) {
    const v = new Float64Array(rows - k);
    let norm = 0;
    for (let i = k; i < rows; i++) norm += r[i * cols + k] ** 2;
    norm = Math.sqrt(norm);
    const x0 = r[k * cols + k];
    // Reflect x onto -sign(x0)·|x|·e1 so that v = x - alpha·e1 never cancels.
    const alpha = x0 >= 0 ? -norm : norm;
    for (let i = k; i < rows; i++) v[i - k] = r[i * cols + k];
    v[0] -= alpha;
    let vNorm = 0;
    for (let i = 0; i < v.length; i++) vNorm += v[i] * v[i];
    vNorm = Math.sqrt(vNorm);
    if (vNorm > 0) {
      for (let i = 0; i < v.length; i++) v[i] /= vNorm;
      applyReflector(r, cols, v, k, k);
    }
    reflectors.push(v);
    // A zero column (probability 0 for normal draws) counts as positive so Q stays orthogonal.
    diagSign[k] = r[k * cols + k] < 0 ? -1 : 1;
  }
  const q = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) q[j * cols + j] = 1;
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of I, accumulated backwards;
  // H_k leaves columns < k untouched, so each step only updates columns k..n-1.
  for (let k = cols - 1; k >= 0; k--) applyReflector(q, cols, reflectors[k], k, k);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) q[i * cols + j] *= diagSign[j];
  return q;
}

/** m[k:, c0:] -= 2 v (vᵀ m[k:, c0:]) for a row-major matrix with `cols` columns and a unit vector v. */
function applyReflector(m: Float64Array, cols: number, v: Float64Array, k: number, c0: number): void {
  const dots = new Float64Array(cols);
  for (let i = 0; i < v.length; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    const row = (k + i) * cols;
    for (let j = c0; j < cols; j++) dots[j] += vi * m[row + j];
  }
  for (let i = 0; i < v.length; i++) {
    const vi2 = 2 * v[i];
    if (vi2 === 0) continue;
    const row = (k + i) * cols;
    for (let j = c0; j < cols; j++) m[row + j] -= vi2 * dots[j];
  }
}

/**
 * Options of {@link Orthogonal}.
 *
 * @example
 * ```ts
 * const args: OrthogonalArgs = { gain: 1.4, seed: 2 };
 * ```
 */
export interface OrthogonalArgs {
  /** Multiplies the orthogonal matrix (default 1). */
  gain?: number;
  /** A non-negative integer: the same values on every call. */
  seed?: number | null;
}

const orthogonalSchema = z.strictObject({ gain: z.number().default(1), seed: seedSchema });

/**
 * A random orthogonal matrix times `gain` (Saxe et al. 2014), as Keras
 * builds it: the shape is flattened to `[prod(shape[:-1]), shape[-1]]`, a
 * normal matrix of that shape (transposed when it is wide) is
 * QR-decomposed, and Q, sign-corrected by diag(R), is reshaped back. Tall
 * shapes get orthonormal columns, wide ones orthonormal rows. Needs rank >= 2.
 *
 * @example
 * ```ts
 * const q = new Orthogonal({ seed: 1 }).apply([4, 4]); // qᵀq ≈ I
 * new Orthogonal({ gain: 2 }).apply([3, 3, 16, 32]);   // conv kernel: 144 × 32 flattened, orthonormal columns × 2
 * ```
 */
export class Orthogonal extends Initializer {
  /** `'Orthogonal'`. */
  readonly className: string = 'Orthogonal';
  /** The factor multiplying the orthogonal matrix. */
  readonly gain: number;
  /** The seed, if any. */
  readonly seed: number | undefined;

  /** @param args `{gain, seed}`. */
  constructor(args: OrthogonalArgs = {}) {
    super();
    const o = parseOptions(orthogonalSchema, args, 'orthogonal');
    this.gain = o.gain;
    this.seed = o.seed ?? undefined;
  }

  /** Draws the matrix (float32 or float64; rank >= 2). */
  apply(shape: readonly number[], dtype?: InitializerDType): Tensor {
    const owner = ownerOf(this);
    const d = checkApplyArgs(owner, shape, dtype, false);
    if (shape.length < 2) {
      throw new ValueError(`${owner}: the orthogonal initializer needs a shape of rank >= 2, got [${shape.join(', ')}]`);
    }
    let rows = 1;
    for (const s of shape.slice(0, -1)) rows *= s;
    const cols = shape[shape.length - 1];
    const tall = Math.max(rows, cols);
    const narrow = Math.min(rows, cols);
    // The QR runs here in JS, so the normal draws are made on the CPU; every backend yields the same stream for a key.
    const a = withDevice('cpu', () => {
      const t = randomNormal([tall, narrow], 0, 1, 'float64', this.seed);
      try {
        return Float64Array.from(t.dataSync());
      } finally {
        t.dispose();
      }
    });
    const q = narrow === 0 ? a : orthonormalColumns(a, tall, narrow);
    const out = new Float64Array(rows * cols);
    if (rows >= cols) {
      for (let i = 0; i < out.length; i++) out[i] = this.gain * q[i];
    } else {
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = this.gain * q[j * rows + i];
    }
    return tensor(d === 'float64' ? out : Float32Array.from(out), shape, d);
  }

  /** `{gain, seed}`. */
  getConfig(): ConfigDict {
    return { gain: this.gain, seed: this.seed ?? null };
  }
}
