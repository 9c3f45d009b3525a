/**
 * Regression losses: per-sample values reduced over the last axis, Keras 3
 * formulas. `yTrue` has the shape of `yPred` (or omits a last axis of 1).
 *
 * @module
 */
import { abs, log, log1p, maximum, minimum, mul, neg, softplus, sqrt, square, sub, sum, tidy, where, ValueError, type Tensor } from '../../engine/index.js';
import { alignLabels } from './labels.js';

/** Keras' fuzz factor (`keras.backend.epsilon()`). @internal */
export const EPSILON = 1e-7;

/**
 * Mean squared error over the last axis: `mean((yTrue - yPred)², -1)`.
 *
 * @example
 * ```ts
 * meanSquaredError(tensor([[0, 1], [0, 0]]), tensor([[1, 1], [1, 0]])); // [0.5, 0.5]
 * ```
 */
export function meanSquaredError(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('meanSquaredError', 'same', yTrue, yPred);
    return square(sub(t, p)).mean(-1);
  });
}

/**
 * Mean absolute error over the last axis: `mean(|yTrue - yPred|, -1)`.
 *
 * @example
 * ```ts
 * meanAbsoluteError(tensor([[0, 1], [0, 0]]), tensor([[1, 1], [1, 0]])); // [0.5, 0.5]
 * ```
 */
export function meanAbsoluteError(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('meanAbsoluteError', 'same', yTrue, yPred);
    return abs(sub(t, p)).mean(-1);
  });
}

/**
 * Mean absolute percentage error: `100 · mean(|yTrue - yPred| / max(|yTrue|, 1e-7), -1)`.
 *
 * @example
 * ```ts
 * meanAbsolutePercentageError(tensor([[2, 4]]), tensor([[1, 5]])); // [37.5]
 * ```
 */
export function meanAbsolutePercentageError(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('meanAbsolutePercentageError', 'same', yTrue, yPred);
    return abs(sub(t, p)).div(maximum(abs(t), EPSILON)).mean(-1).mul(100);
  });
}

/**
 * Mean squared logarithmic error: `mean((log(1 + max(yPred, ε)) - log(1 + max(yTrue, ε)))², -1)`.
 *
 * @example
 * ```ts
 * meanSquaredLogarithmicError(tensor([[0]]), tensor([[Math.E - 1]])); // [1]
 * ```
 */
export function meanSquaredLogarithmicError(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('meanSquaredLogarithmicError', 'same', yTrue, yPred);
    return square(sub(log1p(maximum(p, EPSILON)), log1p(maximum(t, EPSILON)))).mean(-1);
  });
}

/**
 * Huber loss: quadratic for errors up to `delta`, linear beyond:
 * `mean(|e| <= δ ? e²/2 : δ·|e| - δ²/2, -1)` with `e = yPred - yTrue`.
 *
 * @param delta Where the loss turns linear (default 1, > 0).
 * @example
 * ```ts
 * huber(tensor([[0, 0]]), tensor([[0.5, 3]])); // [(0.125 + 2.5) / 2] = [1.3125]
 * ```
 */
export function huber(yTrue: Tensor, yPred: Tensor, delta = 1): Tensor {
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) {
    throw new ValueError(`huber: expected delta to be a finite number > 0, got ${String(delta)}`);
  }
  return tidy(() => {
    const [t, p] = alignLabels('huber', 'same', yTrue, yPred);
    const e = sub(p, t);
    const a = abs(e);
    return where(a.lessEqual(delta), square(e).mul(0.5), a.mul(delta).sub(0.5 * delta * delta)).mean(-1);
  });
}

/**
 * Log-cosh loss: `mean(log(cosh(yPred - yTrue)), -1)`, computed as
 * `x + softplus(-2x) - log 2` so large errors do not overflow.
 *
 * @example
 * ```ts
 * logCosh(tensor([[0]]), tensor([[1]])); // [log(cosh(1))] ≈ [0.4338]
 * ```
 */
export function logCosh(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('logCosh', 'same', yTrue, yPred);
    const x = sub(p, t);
    return x.add(softplus(x.mul(-2))).sub(Math.LN2).mean(-1);
  });
}

/** `x / max(‖x‖, ε)` along the last axis; the max keeps the gradient finite at 0. */
function l2Normalize(x: Tensor): Tensor {
  return x.div(sqrt(maximum(sum(square(x), -1, true), EPSILON * EPSILON)));
}

/**
 * Negative cosine similarity along the last axis, as Keras:
 * `-sum(l2normalize(yTrue) · l2normalize(yPred), -1)`; -1 when the vectors
 * point the same way, 0 when orthogonal, 0 for a zero vector.
 *
 * @example
 * ```ts
 * cosineSimilarity(tensor([[1, 0], [1, 1]]), tensor([[2, 0], [-1, -1]])); // [-1, 1]
 * ```
 */
export function cosineSimilarity(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('cosineSimilarity', 'same', yTrue, yPred);
    return neg(sum(mul(l2Normalize(t), l2Normalize(p)), -1));
  });
}

/** `min(max(x, lo), hi)`: clipping that keeps gradients inside the range. @internal */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  return minimum(maximum(x, lo), hi);
}

/**
 * Kullback-Leibler divergence: `sum(yTrue · log(yTrue / yPred), -1)`, both
 * clipped to `[1e-7, 1]`.
 *
 * @example
 * ```ts
 * kullbackLeiblerDivergence(tensor([[0.5, 0.5]]), tensor([[0.25, 0.75]])); // [0.5·log 2 + 0.5·log(2/3)] ≈ [0.1438]
 * ```
 */
export function kullbackLeiblerDivergence(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('kullbackLeiblerDivergence', 'same', yTrue, yPred);
    const tc = clip(t, EPSILON, 1);
    const pc = clip(p, EPSILON, 1);
    return sum(tc.mul(log(tc.div(pc))), -1);
  });
}

/**
 * Poisson loss: `mean(yPred - yTrue · log(yPred + 1e-7), -1)`.
 *
 * @example
 * ```ts
 * poisson(tensor([[1]]), tensor([[Math.E]])); // [e - 1] ≈ [1.7183]
 * ```
 */
export function poisson(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('poisson', 'same', yTrue, yPred);
    return sub(p, t.mul(log(p.add(EPSILON)))).mean(-1);
  });
}
