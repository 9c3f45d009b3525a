/**
 * Crossentropy losses, Keras 3 semantics. From logits they use the stable
 * forms (log-softmax; `max(x, 0) - x·z + log1p(exp(-|x|))`), never the log of
 * a softmax; from probabilities they clip to `[1e-7, 1 - 1e-7]` as Keras does.
 *
 * @module
 */
import { z } from 'zod';
import {
  cast,
  exp,
  greaterEqual,
  less,
  log,
  log1p,
  logSoftmax,
  logicalAnd,
  mul,
  neg,
  oneHot,
  sub,
  sum,
  tidy,
  where,
  type Tensor,
} from '../../engine/index.js';
import { parseOptions } from '../../layers/config.js';
import { alignLabels, alignSparseLabels } from './labels.js';
import { EPSILON, clip } from './regression.js';

/**
 * Options of the binary and categorical crossentropies.
 *
 * @example
 * ```ts
 * const opts: CrossentropyOptions = { fromLogits: true, labelSmoothing: 0.1 };
 * ```
 */
export interface CrossentropyOptions {
  /** Whether `yPred` holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
  /** Label smoothing in `[0, 1]` (default 0), applied as Keras does. */
  labelSmoothing?: number;
}

/**
 * Options of the sparse categorical crossentropy.
 *
 * @example
 * ```ts
 * const opts: SparseCrossentropyOptions = { fromLogits: true };
 * ```
 */
export interface SparseCrossentropyOptions {
  /** Whether `yPred` holds logits rather than probabilities (default false). */
  fromLogits?: boolean;
}

/** zod schema of {@link CrossentropyOptions}. @internal */
export const crossentropySchema = z.strictObject({
  fromLogits: z.boolean().default(false),
  labelSmoothing: z.number().min(0).max(1).default(0),
});

/** zod schema of {@link SparseCrossentropyOptions}. @internal */
export const sparseCrossentropySchema = z.strictObject({ fromLogits: z.boolean().default(false) });

type Parsed = { fromLogits: boolean; labelSmoothing: number };

/** Per-sample binary crossentropy with already validated options. @internal */
export function binaryCrossentropyImpl(yTrue: Tensor, yPred: Tensor, { fromLogits, labelSmoothing }: Parsed): Tensor {
  return tidy(() => {
    const [t0, p] = alignLabels('binaryCrossentropy', 'same', yTrue, yPred);
    const t = labelSmoothing > 0 ? t0.mul(1 - labelSmoothing).add(0.5 * labelSmoothing) : t0;
    if (fromLogits) {
      // One comparison picks both branches, so the gradient at x = 0 is sigmoid(0) - z, not a subgradient mix.
      const pos = greaterEqual(p, 0);
      const relu = where(pos, p, 0);
      const negAbs = where(pos, neg(p), p);
      return relu.sub(mul(p, t)).add(log1p(exp(negAbs))).mean(-1);
    }
    const pc = clip(p, EPSILON, 1 - EPSILON);
    return neg(t.mul(log(pc)).add(sub(1, t).mul(log(sub(1, pc))))).mean(-1);
  });
}

/** Log-probabilities over the last axis: log-softmax of logits, or Keras' normalized and clipped log of probabilities. */
function logProbabilities(p: Tensor, fromLogits: boolean): Tensor {
  if (fromLogits) return logSoftmax(p, -1);
  return log(clip(p.div(sum(p, -1, true)), EPSILON, 1 - EPSILON));
}

/** Per-sample categorical crossentropy with already validated options. @internal */
export function categoricalCrossentropyImpl(yTrue: Tensor, yPred: Tensor, { fromLogits, labelSmoothing }: Parsed): Tensor {
  return tidy(() => {
    const [t0, p] = alignLabels('categoricalCrossentropy', 'oneHot', yTrue, yPred);
    const numClasses = p.shape[p.rank - 1];
    const t = labelSmoothing > 0 ? t0.mul(1 - labelSmoothing).add(labelSmoothing / numClasses) : t0;
    return neg(sum(mul(t, logProbabilities(p, fromLogits)), -1));
  });
}

/** Per-sample sparse categorical crossentropy with already validated options. @internal */
export function sparseCategoricalCrossentropyImpl(yTrue: Tensor, yPred: Tensor, { fromLogits }: { fromLogits: boolean }): Tensor {
  return tidy(() => {
    const [labels, p] = alignSparseLabels('sparseCategoricalCrossentropy', yTrue, yPred);
    const numClasses = p.shape[p.rank - 1];
    const ids = labels.dtype === 'int32' ? labels : cast(labels, 'int32');
    const picked = sum(mul(oneHot(ids, numClasses, 1, 0, p.dtype), logProbabilities(p, fromLogits)), -1);
    // Reading the labels to check their range would stall the device; a NaN loss makes a bad label visible instead.
    const inRange = logicalAnd(greaterEqual(ids, 0), less(ids, numClasses));
    return where(inRange, neg(picked), Number.NaN);
  });
}

/**
 * Binary crossentropy, averaged over the last axis. `yTrue` holds 0/1 (or
 * soft) labels of `yPred`'s shape; `yPred` holds probabilities, or logits
 * with `fromLogits: true`. Label smoothing maps `y` to `y·(1 - s) + s/2`.
 *
 * @example
 * ```ts
 * binaryCrossentropy(tensor([[1], [0]]), tensor([[0.8], [0.4]])); // [-log 0.8, -log 0.6] ≈ [0.2231, 0.5108]
 * binaryCrossentropy(tensor([[1]]), tensor([[2]]), { fromLogits: true }); // [log(1 + e^-2)] ≈ [0.1269]
 * ```
 */
export function binaryCrossentropy(yTrue: Tensor, yPred: Tensor, options?: CrossentropyOptions): Tensor {
  return binaryCrossentropyImpl(yTrue, yPred, parseOptions(crossentropySchema, options, 'binaryCrossentropy'));
}

/**
 * Categorical crossentropy over one-hot (or soft) labels on the last axis.
 * `yPred` holds probabilities (rescaled to sum to 1, as Keras does), or
 * logits with `fromLogits: true`. Label smoothing maps `y` to
 * `y·(1 - s) + s/numClasses`. For integer class labels use
 * {@link sparseCategoricalCrossentropy}.
 *
 * @example
 * ```ts
 * categoricalCrossentropy(tensor([[0, 1, 0]]), tensor([[0.2, 0.7, 0.1]])); // [-log 0.7] ≈ [0.3567]
 * categoricalCrossentropy(tensor([[0, 1]]), tensor([[0, 0]]), { fromLogits: true }); // [log 2]
 * ```
 */
export function categoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options?: CrossentropyOptions): Tensor {
  return categoricalCrossentropyImpl(yTrue, yPred, parseOptions(crossentropySchema, options, 'categoricalCrossentropy'));
}

/**
 * Categorical crossentropy with integer class labels: `yTrue` has `yPred`'s
 * shape without the class axis (or with a last axis of 1), int32 or float
 * with integer values. A class id outside `[0, numClasses)` gives a NaN loss.
 *
 * @example
 * ```ts
 * sparseCategoricalCrossentropy(tensor([1], [1], 'int32'), tensor([[0.2, 0.7, 0.1]])); // [-log 0.7]
 * sparseCategoricalCrossentropy(tensor([[1]]), tensor([[0, 0]]), { fromLogits: true }); // [log 2]
 * ```
 */
export function sparseCategoricalCrossentropy(yTrue: Tensor, yPred: Tensor, options?: SparseCrossentropyOptions): Tensor {
  return sparseCategoricalCrossentropyImpl(yTrue, yPred, parseOptions(sparseCrossentropySchema, options, 'sparseCategoricalCrossentropy'));
}
