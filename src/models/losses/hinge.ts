/**
 * Hinge losses for maximum-margin classifiers, Keras 3 formulas.
 *
 * @module
 */
import { all, equal, logicalOr, maximum, mul, sub, sum, tidy, where, type Tensor } from '../../engine/index.js';
import { alignLabels } from './labels.js';

/**
 * Keras' label conversion for hinge losses: labels that are all 0 or 1 become
 * -1 or 1; anything else is used as given. Decided on the device, no read.
 */
function toSignedLabels(t: Tensor): Tensor {
  const isBinary = all(logicalOr(equal(t, 0), equal(t, 1)));
  return where(isBinary, t.mul(2).sub(1), t);
}

/**
 * Hinge loss: `mean(max(1 - yTrue · yPred, 0), -1)`. Labels should be -1 or
 * 1; labels that are all 0 or 1 are converted to -1 or 1 first, as Keras does.
 *
 * @example
 * ```ts
 * hinge(tensor([[1, 0]]), tensor([[0.5, 0.5]])); // labels → [1, -1]: [(0.5 + 1.5) / 2] = [1]
 * ```
 */
export function hinge(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('hinge', 'same', yTrue, yPred);
    return maximum(sub(1, mul(toSignedLabels(t), p)), 0).mean(-1);
  });
}

/**
 * Squared hinge loss: `mean(max(1 - yTrue · yPred, 0)², -1)`, with the same
 * 0/1 → -1/1 label conversion as {@link hinge}.
 *
 * @example
 * ```ts
 * squaredHinge(tensor([[1, 0]]), tensor([[0.5, 0.5]])); // [(0.25 + 2.25) / 2] = [1.25]
 * ```
 */
export function squaredHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('squaredHinge', 'same', yTrue, yPred);
    return maximum(sub(1, mul(toSignedLabels(t), p)), 0).square().mean(-1);
  });
}

/**
 * Categorical hinge loss over one-hot labels:
 * `max(max((1 - yTrue) · yPred, -1) - sum(yTrue · yPred, -1) + 1, 0)`.
 *
 * @example
 * ```ts
 * categoricalHinge(tensor([[0, 1, 0]]), tensor([[0.3, 0.5, 0.2]])); // [max(0.3 - 0.5 + 1, 0)] = [0.8]
 * ```
 */
export function categoricalHinge(yTrue: Tensor, yPred: Tensor): Tensor {
  return tidy(() => {
    const [t, p] = alignLabels('categoricalHinge', 'oneHot', yTrue, yPred);
    const pos = sum(mul(t, p), -1);
    const neg = mul(sub(1, t), p).max(-1);
    return maximum(neg.sub(pos).add(1), 0);
  });
}
