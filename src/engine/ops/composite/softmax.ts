/**
 * softmax and logSoftmax, composed from reductions and elementwise ops: no
 * kernels and no gradient code of their own.
 *
 * Both subtract the maximum along the axis first, so exp never overflows
 * (logits of 1000 are fine). The maximum goes through `stopGradient`: the
 * result does not depend on it mathematically, and treating it as a constant
 * keeps max's tie-breaking out of the gradient.
 *
 * @module
 */
import { stopGradient } from '../../autograd/gradients.js';
import { tidy } from '../../memory/scope.js';
import type { Tensor, TensorLike } from '../../tensor.js';
import { div, exp, log, sub } from '../elementwise.js';
import { max, sum } from '../reduce.js';

/**
 * Softmax along `dim` (the last axis by default): `exp(x) / sum(exp(x))`,
 * computed without overflow.
 *
 * @param logits Unnormalised log-probabilities.
 * @param dim The axis to normalise; negative counts from the end.
 * @example
 * ```ts
 * softmax(tensor([1, 2, 3]));       // [0.0900, 0.2447, 0.6652]
 * softmax(tensor([[1000, 1000]]));  // [[0.5, 0.5]]
 * ```
 */
export function softmax(logits: TensorLike, dim = -1): Tensor {
  return tidy(() => {
    const e = exp(sub(logits, stopGradient(max(logits, dim, true))));
    return div(e, sum(e, dim, true));
  });
}

/**
 * Log of the softmax along `axis` (the last by default):
 * `x - logSumExp(x)`, computed without overflow; more accurate than
 * `log(softmax(x))` for very negative results.
 *
 * @param logits Unnormalised log-probabilities.
 * @param axis The axis to normalise; negative counts from the end.
 * @example
 * ```ts
 * logSoftmax(tensor([0, 0]));     // [-0.6931, -0.6931]
 * logSoftmax(tensor([1000, 0]));  // [0, -1000]
 * ```
 */
export function logSoftmax(logits: TensorLike, axis = -1): Tensor {
  return tidy(() => {
    const shifted = sub(logits, stopGradient(max(logits, axis, true)));
    return sub(shifted, log(sum(exp(shifted), axis, true)));
  });
}
