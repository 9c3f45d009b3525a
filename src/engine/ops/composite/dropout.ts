/**
 * dropout, composed from randomUniform and elementwise ops. It is declared
 * as an op (with a decomposition and no kernel) only so that dispatch
 * converts `x` and its shape can be checked against `noiseShape` before any
 * random number is drawn; the ops of the decomposition are recorded on the
 * gradient tape as usual, so the gradient comes free (the mask is constant).
 *
 * @module
 */
import { isFloat } from '../../dtype.js';
import { DTypeError, ShapeError, ValueError, fmtShape } from '../../errors.js';
import type { Tensor, TensorLike } from '../../tensor.js';
import { defineOp } from '../define-op.js';
import { runOp1 } from '../dispatch.js';
import { div, greaterEqual, where } from '../elementwise.js';
import { reshape } from '../movement.js';
import { randomUniform } from '../random.js';

interface DropoutArgs {
  readonly rate: number;
  readonly noiseShape: readonly (number | null)[] | undefined;
  readonly seed: number | undefined;
}

interface DropoutParams {
  readonly rate: number;
  readonly noiseShape: readonly number[];
  readonly seed: number | undefined;
}

/** tfjs semantics: `null` entries take x's size; every entry must equal x's size or be 1, so the mask broadcasts. */
function resolveNoiseShape(shape: readonly number[], noiseShape: readonly (number | null)[] | undefined): number[] {
  if (noiseShape === undefined || noiseShape === null) return shape.slice();
  const bad = (): ShapeError =>
    new ShapeError(
      `dropout: expected noiseShape of rank ${shape.length} with each entry equal to x's size, 1 or null, got ${Array.isArray(noiseShape) ? `[${noiseShape.join(',')}]` : String(noiseShape)} for x of shape ${fmtShape(shape)}`,
    );
  if (!Array.isArray(noiseShape) || noiseShape.length !== shape.length) throw bad();
  return noiseShape.map((d, i) => {
    if (d === null) return shape[i];
    if (d !== shape[i] && d !== 1) throw bad();
    return d;
  });
}

const dropoutOp = defineOp<DropoutParams, DropoutArgs>({
  name: 'dropout',
  inputNames: ['x'],
  prepare: ([x], { rate, noiseShape, seed }) => ({ rate, noiseShape: resolveNoiseShape(x.shape, noiseShape), seed }),
  infer([x]) {
    if (!isFloat(x.dtype)) throw new DTypeError(`dropout: expected x of a float dtype (float32, float64), got ${x.dtype}; cast it first, e.g. x.cast('float32')`);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  decompose: ([x], { rate, noiseShape, seed }) => {
    // Tensors are immutable, so a view is as good as a copy (and a Variable's later assign swaps its storage, not ours).
    if (rate === 0) return [reshape(x, x.shape)];
    // The mask is always drawn in float32, so a seed gives the same mask for float32 and float64 inputs.
    const keep = greaterEqual(randomUniform(noiseShape, 0, 1, 'float32', seed), rate);
    return [where(keep, div(x, 1 - rate), 0)];
  },
});

/**
 * Randomly zeroes elements of `x` with probability `rate` and scales the
 * others by `1 / (1 - rate)`, so the expected value is unchanged
 * (TensorFlow.js's `dropout`). `noiseShape` shares one mask entry across
 * the axes where it is 1 (for example `[batch, 1, 1, channels]` drops whole
 * feature maps); `null` entries take x's size. A `rate` of 0 returns `x`
 * unchanged. With a `seed` the mask is reproducible; without it the global
 * generator is used (see `setSeed`).
 *
 * @param x A float tensor.
 * @param rate Probability of dropping each element, in [0, 1).
 * @param noiseShape Shape of the mask; broadcasts against `x`.
 * @param seed A non-negative integer seed.
 * @example
 * ```ts
 * dropout(ones([2, 4]), 0.5, undefined, 42); // zeros and twos, the same every time
 * dropout(images, 0.2, [32, 1, 1, 16]);      // drops whole channels
 * ```
 */
export function dropout(x: TensorLike, rate: number, noiseShape?: readonly (number | null)[], seed?: number): Tensor {
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new ValueError(`dropout: expected rate in [0, 1), got ${String(rate)}`);
  }
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)) {
    throw new ValueError(`dropout: expected seed to be an integer in [0, 2^53 - 1], got ${String(seed)}`);
  }
  return runOp1(dropoutOp, [x], { rate, noiseShape, seed });
}
