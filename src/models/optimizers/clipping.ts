/**
 * Gradient clipping, as the Keras 3 base optimizer does it before every
 * update: per-gradient norm, global norm, or value.
 *
 * @module
 */
import { clipByValue, maximum, sqrt, type Tensor } from '../../engine/index.js';

/**
 * The clipping options an optimizer holds (at most one is set).
 *
 * @example
 * ```ts
 * const c: ClipOptions = { clipNorm: 1, globalClipNorm: null, clipValue: null };
 * ```
 */
export interface ClipOptions {
  /** Each gradient is scaled so its L2 norm is at most this. */
  clipNorm: number | null;
  /** All gradients are scaled together so their joint L2 norm is at most this. */
  globalClipNorm: number | null;
  /** Each element is clipped into [-clipValue, clipValue]. */
  clipValue: number | null;
}

/**
 * Scales `g` by `limit / max(norm, limit)`: unchanged when the norm is
 * within the limit. A NaN norm gives NaN gradients (as Keras), so a
 * diverged step is visible rather than silently zeroed.
 */
function scaleToNorm(g: Tensor, norm: Tensor, limit: number): Tensor {
  return g.mul(limit).div(maximum(norm, limit).cast(g.dtype));
}

/**
 * Applies the configured clipping to the gradients; call inside `tidy`.
 *
 * @example
 * ```ts
 * const [g] = clipGradients([tensor([3, 4])], { clipNorm: 1, globalClipNorm: null, clipValue: null }); // [0.6, 0.8]
 * ```
 * @internal
 */
export function clipGradients(grads: readonly Tensor[], options: ClipOptions): Tensor[] {
  const { clipNorm, globalClipNorm, clipValue } = options;
  if (clipNorm !== null) return grads.map((g) => scaleToNorm(g, sqrt(g.square().sum()), clipNorm));
  if (globalClipNorm !== null && grads.length > 0) {
    // Sum squares in the widest dtype present so mixed float32/float64 models get one norm.
    const dtype = grads.some((g) => g.dtype === 'float64') ? 'float64' : 'float32';
    let total = grads[0].square().sum().cast(dtype);
    for (let i = 1; i < grads.length; i++) total = total.add(grads[i].square().sum().cast(dtype));
    const norm = sqrt(total);
    return grads.map((g) => scaleToNorm(g, norm, globalClipNorm));
  }
  if (clipValue !== null) return grads.map((g) => clipByValue(g, -clipValue, clipValue));
  return [...grads];
}
