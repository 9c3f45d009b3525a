/**
 * Conformance rows of the nn family: conv2d, conv2dTranspose,
 * depthwiseConv2d, maxPool, avgPool, softmax, logSoftmax, dropout.
 *
 * Convolution and pooling expectations come from a direct float64 loop nest
 * (NHWC, TensorFlow's 'same' rule) written independently of the library's
 * kernels; small ones are also checkable by hand (see the comments).
 */
import * as lm from '../../../../src/index.js';
import { fillUniform, nextRandomKey } from '../../../../src/engine/random.js';
import type { DType, NestedArray, Tensor } from '../../../../src/index.js';
import { ex, type ErrorCase, type ForwardCase, type GradCase } from '../harness.js';

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A tensor of `shape` whose flat element i is fn(i). */
function seq(shape: readonly number[], fn: (i: number) => number = (i) => i + 1, dtype: DType = 'float32'): Tensor {
  return lm.tensor(Array.from({ length: sizeOf(shape) }, (_, i) => fn(i)), shape, dtype);
}

/** Nested arrays of `shape` whose flat element i is fn(i) (gradient rows take nested inputs). */
function nested(shape: readonly number[], fn: (i: number) => number): NestedArray {
  const flat = Array.from({ length: sizeOf(shape) }, (_, i) => fn(i));
  const build = (dim: number, offset: number): NestedArray => {
    if (dim === shape.length) return flat[offset];
    const stride = sizeOf(shape.slice(dim + 1));
    return Array.from({ length: shape[dim] }, (_, i) => build(dim + 1, offset + i * stride));
  };
  return build(0, 0);
}

/** Smooth, distinct, non-integer values in about [-1, 1]. */
const wave = (seed: number) => (i: number): number => Math.sin(1.7 * i + seed) * 0.9 + 0.05 * ((i * 7) % 5);

// -------------------------------------------------------------------- forward

const conv: ForwardCase[] = [
  {
    op: 'conv2d',
    name: 'valid, stride 1 (hand: [1,2,3,4,5,6,7,8,9] with the identity-diagonal 2x2 filter)',
    run: () => lm.conv2d(seq([1, 3, 3, 1]), lm.tensor([1, 0, 0, 1], [2, 2, 1, 1]), 1, 'valid'),
    expected: ex([6, 8, 12, 14], [1, 2, 2, 1]),
  },
  {
    op: 'conv2d',
    name: "stride 2, 'same' (pad bottom/right only), 2 in and 2 out channels",
    run: () => lm.conv2d(seq([1, 4, 4, 2]), seq([3, 3, 2, 2], (i) => (i % 5) - 2), 2, 'same'),
    expected: ex([27, -26, 20, -16, -44, 13, 41, -12], [1, 2, 2, 2]),
    tol: 0,
  },
  {
    op: 'conv2d',
    name: "batch 2, 'same', stride [1, 1], 2 -> 3 channels",
    run: () => lm.conv2d(seq([2, 3, 3, 2], (i) => (i % 7) - 3), seq([2, 2, 2, 3], (i) => ((i * 7) % 5) - 2), [1, 1], 'same'),
    expected: ex(
      [22, -11, 1, 2, 2, -8, -6, 2, 0, -3, -14, 30, 5, -1, -7, -3, 2, -3, -9, 1, 1, 8, -4, -1, 2, 0, -2, -11, 22, -10, -3, -14, 30, 3, 2, -9, -1, 5, -9, -14, -3, 3, 20, -5, -5, 4, -2, -3, -7, 14, -5, -3, -3, 12],
      [2, 3, 3, 3],
    ),
    tol: 0,
  },
  {
    op: 'conv2d',
    name: 'dilation 2 (hand: out[i,j] = x[i,j] + 2x[i,j+2] + 3x[i+2,j] + 4x[i+2,j+2] = 10x[i,j] + 82)',
    run: () => lm.conv2d(seq([1, 5, 5, 1]), seq([2, 2, 1, 1]), 1, 'valid', 'NHWC', [2, 2]),
    expected: ex([92, 102, 112, 142, 152, 162, 192, 202, 212], [1, 3, 3, 1]),
    tol: 0,
  },
  {
    op: 'conv2d',
    name: 'rank-3 input gives a rank-3 result',
    run: () => lm.conv2d(seq([3, 3, 1]), lm.tensor([1, 0, 0, 1], [2, 2, 1, 1]), 1, 'valid'),
    expected: ex([6, 8, 12, 14], [2, 2, 1]),
    tol: 0,
  },
  {
    op: 'conv2d',
    name: 'numeric padding 1 (hand: a full convolution of [[1,2],[3,4]] with ones)',
    run: () => lm.conv2d(seq([1, 2, 2, 1]), lm.ones([2, 2, 1, 1]), 1, 1),
    expected: ex([1, 3, 2, 4, 10, 6, 3, 7, 4], [1, 3, 3, 1]),
    tol: 0,
  },
  {
    op: 'conv2d',
    name: 'explicit padding [[0, 1], [1, 0]]',
    run: () => lm.conv2d(seq([1, 3, 3, 1]), seq([2, 2, 1, 1]), 1, [[0, 1], [1, 0]]),
    expected: ex([18, 37, 47, 36, 67, 77, 14, 23, 26], [1, 3, 3, 1]),
    tol: 0,
  },
  {
    op: 'conv2d',
    name: 'float64 in, float64 out',
    run: () => lm.conv2d(seq([1, 3, 3, 1], (i) => i + 1.5, 'float64'), lm.tensor([1, 0, 0, 1], [2, 2, 1, 1], 'float64'), 1, 'valid'),
    expected: ex([7, 9, 13, 15], [1, 2, 2, 1], 'float64'),
    tol: 0,
  },
  {
    op: 'conv2d',
    name: 'nested arrays as inputs',
    run: () => lm.conv2d([[[[1], [2]], [[3], [4]]]], [[[[1]], [[1]]], [[[1]], [[1]]]], 1, 'valid'),
    expected: ex([10], [1, 1, 1, 1]),
    tol: 0,
  },
  {
    op: 'conv2d',
    name: 'empty batch',
    run: () => lm.conv2d(lm.zeros([0, 3, 3, 2]), lm.ones([2, 2, 2, 4]), 1, 'valid'),
    expected: ex([], [0, 2, 2, 4]),
  },
  {
    op: 'conv2d',
    name: 'zero output channels',
    run: () => lm.conv2d(lm.ones([1, 2, 2, 1]), lm.ones([1, 1, 1, 0]), 1, 'same'),
    expected: ex([], [1, 2, 2, 0]),
  },
  {
    op: 'conv2dTranspose',
    name: "stride 2, 'same': each input cell spreads over a 2x2 block (hand)",
    run: () => lm.conv2dTranspose(seq([1, 2, 2, 1]), lm.ones([2, 2, 1, 1]), [1, 4, 4, 1], 2, 'same'),
    expected: ex([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], [1, 4, 4, 1]),
    tol: 0,
  },
  {
    op: 'conv2dTranspose',
    name: "stride 2, 'valid', overlapping 3x3 filter, 2 -> 1 channels",
    run: () => lm.conv2dTranspose(seq([1, 2, 2, 2]), seq([3, 3, 1, 2], (i) => (i % 4) - 1), [1, 5, 5, 1], 2, 'valid'),
    expected: ex([-1, 5, -4, 11, -3, 5, -1, 16, -3, 11, -6, 22, -16, 34, -10, 17, -5, 40, -7, 23, -5, 17, -12, 23, -7], [1, 5, 5, 1]),
    tol: 0,
  },
  {
    op: 'conv2dTranspose',
    name: 'rank-3 input and outputShape',
    run: () => lm.conv2dTranspose(seq([2, 2, 1]), lm.ones([2, 2, 1, 1]), [4, 4, 1], 2, 'same'),
    expected: ex([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], [4, 4, 1]),
    tol: 0,
  },
  {
    op: 'depthwiseConv2d',
    name: 'multiplier 2, valid (hand: channel 0, q 0 = 1*1 + 3*5 + 5*9 + 7*13 = 152)',
    run: () => lm.depthwiseConv2d(seq([1, 2, 2, 2]), seq([2, 2, 2, 2]), 1, 'valid'),
    expected: ex([152, 168, 220, 240], [1, 1, 1, 4]),
    tol: 0,
  },
  {
    op: 'depthwiseConv2d',
    name: "multiplier 2, stride 2, 'same'",
    run: () => lm.depthwiseConv2d(seq([1, 3, 3, 2]), seq([2, 2, 2, 2], (i) => (i % 3) - 1), 2, 'same'),
    expected: ex([-3, -4, 8, -4, 6, -11, 6, 6, -13, 15, -2, -14, -17, 0, 18, -18], [1, 2, 2, 4]),
    tol: 0,
  },
  {
    op: 'depthwiseConv2d',
    name: 'multiplier 1 on a rank-3 float64 input',
    run: () => lm.depthwiseConv2d(seq([1, 2, 2], (i) => i + 1, 'float64'), lm.tensor([3, 5], [1, 1, 2, 1], 'float64'), 1, 'valid'),
    expected: ex([3, 10, 9, 20], [1, 2, 2], 'float64'),
    tol: 0,
  },
];

// Channel 0 holds 1..9 on a 3x3 grid, channel 1 its negation (padding must never win a max).
const poolInput = (): Tensor => lm.tensor(Array.from({ length: 9 }, (_, i) => [i + 1, -(i + 1)]).flat(), [1, 3, 3, 2]);

const pool: ForwardCase[] = [
  {
    op: 'maxPool',
    name: "2x2, stride 2, 'same' (hand: windows [1,2,4,5] [3,6] [7,8] [9])",
    run: () => lm.maxPool(poolInput(), 2, 2, 'same'),
    expected: ex([5, -1, 6, -3, 8, -7, 9, -9], [1, 2, 2, 2]),
    tol: 0,
  },
  {
    op: 'maxPool',
    name: "3x3, stride 1, 'same' with padding on every side",
    run: () => lm.maxPool(seq([1, 3, 3, 1], (i) => (i * 5) % 9), 3, 1, 'same'),
    expected: ex([6, 7, 7, 8, 8, 8, 8, 8, 8], [1, 3, 3, 1]),
    tol: 0,
  },
  {
    op: 'maxPool',
    name: 'valid, rank 3, float64',
    run: () => lm.maxPool(seq([2, 2, 1], (i) => [1, 5, 3, 2][i], 'float64'), 2, 2, 'valid'),
    expected: ex([5], [1, 1, 1], 'float64'),
    tol: 0,
  },
  {
    op: 'maxPool',
    name: 'empty batch',
    run: () => lm.maxPool(lm.zeros([0, 4, 4, 3]), 2, 2, 'valid'),
    expected: ex([], [0, 2, 2, 3]),
  },
  {
    op: 'avgPool',
    name: "2x2, stride 2, 'same' averages only cells inside the input (hand: 12/4, 9/2, 15/2, 9/1)",
    run: () => lm.avgPool(poolInput(), 2, 2, 'same'),
    expected: ex([3, -3, 4.5, -4.5, 7.5, -7.5, 9, -9], [1, 2, 2, 2]),
    tol: 0,
  },
  {
    op: 'avgPool',
    name: '2x2, stride 1, valid',
    run: () => lm.avgPool(seq([1, 3, 3, 1]), 2, 1, 'valid'),
    expected: ex([3, 4, 6, 7], [1, 2, 2, 1]),
    tol: 0,
  },
  {
    op: 'avgPool',
    name: 'window [1, 3], strides [1, 2], batch 2',
    run: () => lm.avgPool(seq([2, 1, 3, 1]), [1, 3], [1, 2], 'valid'),
    expected: ex([2, 5], [2, 1, 1, 1]),
    tol: 0,
  },
];

const softmaxRows: ForwardCase[] = [
  {
    op: 'softmax',
    name: 'last axis of [1, 2, 3]',
    run: () => lm.softmax(lm.tensor([1, 2, 3])),
    expected: ex([0.09003057317038046, 0.24472847105479764, 0.6652409557748218], [3]),
  },
  {
    op: 'softmax',
    name: 'logits of 1000 do not overflow',
    run: () => lm.softmax(lm.tensor([[1000, 1000, 0], [-1000, -1000, -1000]])),
    expected: ex([[0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], [2, 3]),
  },
  {
    op: 'softmax',
    name: 'dim 0 of a matrix, float64',
    run: () => lm.softmax(lm.tensor([[1, 3], [2, 0], [4, -1]], undefined, 'float64'), 0),
    expected: ex([[0.04201006613406605, 0.9362395518765058], [0.11419519938459449, 0.0466126225779739], [0.8437947344813395, 0.01714782554552039]], [3, 2], 'float64'),
    tol: 1e-12,
  },
  {
    op: 'softmax',
    name: 'an axis of size 1 gives ones',
    run: () => lm.softmax(lm.tensor([[5], [-7]])),
    expected: ex([[1], [1]], [2, 1]),
    tol: 0,
  },
  {
    op: 'logSoftmax',
    name: 'last axis of [1, 2, 3]',
    run: () => lm.logSoftmax(lm.tensor([1, 2, 3])),
    expected: ex([-2.4076059644443806, -1.4076059644443804, -0.4076059644443803], [3]),
  },
  {
    op: 'logSoftmax',
    name: 'logits of 1000 do not overflow',
    run: () => lm.logSoftmax(lm.tensor([1000, 0])),
    expected: ex([0, -1000], [2]),
    tol: 0,
  },
  {
    op: 'logSoftmax',
    name: 'axis -2, float64',
    run: () => lm.logSoftmax(lm.tensor([[0, 1], [0, 1]], undefined, 'float64'), -2),
    expected: ex([[-Math.LN2, -Math.LN2], [-Math.LN2, -Math.LN2]], [2, 2], 'float64'),
    tol: 1e-15,
  },
];

/** The mask dropout must draw for `seed`: float32 uniforms from the explicit-seed key, kept where u >= rate. */
function expectedDropout(values: readonly number[], rate: number, seed: number): number[] {
  const u = new Float32Array(values.length);
  fillUniform(u, nextRandomKey(seed), 0, 1);
  return values.map((v, i) => (u[i] >= rate ? Math.fround(v / Math.fround(1 - rate)) : 0));
}

const dropoutValues = Array.from({ length: 24 }, (_, i) => i - 7.5);
const dropoutRows: ForwardCase[] = [
  {
    op: 'dropout',
    name: 'rate 0 returns the input unchanged',
    run: () => lm.dropout(lm.tensor([[1.5, -2], [3, 4]]), 0),
    expected: ex([[1.5, -2], [3, 4]], [2, 2]),
    tol: 0,
  },
  {
    op: 'dropout',
    name: 'seed 7, rate 0.25: the mask drawn from the Philox stream, kept values scaled by 1/(1-rate)',
    run: () => lm.dropout(lm.tensor(dropoutValues, [4, 6]), 0.25, undefined, 7),
    expected: ex(expectedDropout(dropoutValues, 0.25, 7), [4, 6]),
    tol: 0,
  },
  {
    op: 'dropout',
    name: 'every value is 0 or x/(1-rate), some of each, and the same seed gives the same mask',
    run: () => {
      const x = lm.tensor(dropoutValues, [4, 6]);
      const a = lm.dropout(x, 0.5, undefined, 11);
      const b = lm.dropout(x, 0.5, undefined, 11);
      const kept = lm.equal(a, lm.mul(x, 2));
      const dropped = lm.equal(a, 0);
      return [lm.all(lm.logicalOr(kept, dropped)), lm.any(kept), lm.any(dropped), lm.all(lm.equal(a, b))];
    },
    expected: [ex(true, [], 'bool'), ex(true, [], 'bool'), ex(true, [], 'bool'), ex(true, [], 'bool')],
  },
  {
    op: 'dropout',
    name: 'noiseShape [4, 1] drops whole rows',
    run: () => {
      const y = lm.dropout(lm.ones([4, 6]), 0.5, [4, 1], 3);
      // Each row is all zeros or all twos: its min equals its max.
      return lm.equal(lm.min(y, 1), lm.max(y, 1));
    },
    expected: ex([true, true, true, true], [4], 'bool'),
  },
  {
    op: 'dropout',
    name: 'noiseShape [null, 1] (null takes x\'s size) matches [4, 1]',
    run: () => lm.all(lm.equal(lm.dropout(lm.ones([4, 6]), 0.5, [null, 1], 3), lm.dropout(lm.ones([4, 6]), 0.5, [4, 1], 3))),
    expected: ex(true, [], 'bool'),
  },
  {
    op: 'dropout',
    name: 'float64 input keeps its dtype and gets the same mask as float32',
    run: () => {
      const a = lm.dropout(lm.tensor(dropoutValues, [4, 6], 'float64'), 0.25, undefined, 7);
      return lm.cast(lm.notEqual(a, 0), 'int32');
    },
    expected: ex(expectedDropout(dropoutValues, 0.25, 7).map((v) => (v !== 0 ? 1 : 0)), [4, 6], 'int32'),
  },
];

export const forward: ForwardCase[] = [...conv, ...pool, ...softmaxRows, ...dropoutRows];

// --------------------------------------------------------------------- errors

export const errors: ErrorCase[] = [
  {
    op: 'conv2d',
    name: 'channel mismatch',
    run: () => lm.conv2d(lm.zeros([1, 4, 4, 2]), lm.zeros([3, 3, 3, 1]), 1, 'same'),
    type: lm.ShapeError,
    message: /conv2d: input channels of x \(2\) must equal filter.shape\[2\] \(3\)/,
  },
  {
    op: 'conv2d',
    name: 'stride 0',
    run: () => lm.conv2d(lm.zeros([1, 4, 4, 1]), lm.zeros([3, 3, 1, 1]), 0, 'same'),
    type: lm.ValueError,
    message: /conv2d: strides must be a positive integer or a pair of positive integers .*got 0/,
  },
  {
    op: 'conv2d',
    name: 'strides and dilations both above 1',
    run: () => lm.conv2d(lm.zeros([1, 8, 8, 1]), lm.zeros([3, 3, 1, 1]), 2, 'same', 'NHWC', 2),
    type: lm.ValueError,
    message: /conv2d: strides and dilations cannot both be greater than 1/,
  },
  {
    op: 'conv2d',
    name: 'unknown padding mode',
    run: () => lm.conv2d(lm.zeros([1, 4, 4, 1]), lm.zeros([3, 3, 1, 1]), 1, 'full' as unknown as 'same'),
    type: lm.ValueError,
    message: /conv2d: padding must be 'same', 'valid', a non-negative integer or \[\[top, bottom\], \[left, right\]\].*got 'full'/,
  },
  {
    op: 'conv2d',
    name: 'filter larger than the input under valid padding',
    run: () => lm.conv2d(lm.zeros([1, 2, 2, 1]), lm.zeros([3, 3, 1, 1]), 1, 'valid'),
    type: lm.ShapeError,
    message: /conv2d: output height would be 0; expected at least 1/,
  },
  {
    op: 'conv2d',
    name: 'rank-2 input',
    run: () => lm.conv2d(lm.zeros([4, 4]), lm.zeros([3, 3, 1, 1]), 1, 'same'),
    type: lm.ShapeError,
    message: /conv2d: expected x of rank 4 or 3, .*got shape \[4,4\]/,
  },
  {
    op: 'conv2d',
    name: 'int32 input',
    run: () => lm.conv2d(lm.zeros([1, 4, 4, 1], 'int32'), lm.zeros([3, 3, 1, 1], 'int32'), 1, 'same'),
    type: lm.DTypeError,
    message: /conv2d: expected x of a float dtype \(float32, float64\), got int32/,
  },
  {
    op: 'conv2d',
    name: 'x and filter of different float dtypes',
    run: () => lm.conv2d(lm.zeros([1, 4, 4, 1]), lm.zeros([3, 3, 1, 1], 'float64'), 1, 'same'),
    type: lm.DTypeError,
    message: /conv2d: expected x and filter of the same dtype, got float32 and float64/,
  },
  {
    op: 'conv2d',
    name: "dataFormat 'NCHW'",
    run: () => lm.conv2d(lm.zeros([1, 1, 4, 4]), lm.zeros([3, 3, 1, 1]), 1, 'same', 'NCHW'),
    type: lm.ValueError,
    message: /conv2d: only dataFormat 'NHWC' is supported, got "NCHW"/,
  },
  {
    op: 'conv2dTranspose',
    name: 'x does not match outputShape',
    run: () => lm.conv2dTranspose(lm.zeros([1, 3, 3, 1]), lm.zeros([2, 2, 1, 1]), [1, 4, 4, 1], 2, 'same'),
    type: lm.ShapeError,
    message: /conv2dTranspose: expected x of shape \[1,2,2,1\] .*got shape \[1,3,3,1\]/,
  },
  {
    op: 'conv2dTranspose',
    name: 'outputShape channels do not match filter.shape[2]',
    run: () => lm.conv2dTranspose(lm.zeros([1, 2, 2, 1]), lm.zeros([2, 2, 1, 1]), [1, 4, 4, 3], 2, 'same'),
    type: lm.ShapeError,
    message: /conv2dTranspose: channels of outputShape \(3\) must equal filter.shape\[2\] \(1\)/,
  },
  {
    op: 'conv2dTranspose',
    name: 'int32 input',
    run: () => lm.conv2dTranspose(lm.zeros([1, 2, 2, 1], 'int32'), lm.zeros([2, 2, 1, 1], 'int32'), [1, 4, 4, 1], 2, 'same'),
    type: lm.DTypeError,
    message: /conv2dTranspose: expected x of a float dtype/,
  },
  {
    op: 'depthwiseConv2d',
    name: 'channel mismatch',
    run: () => lm.depthwiseConv2d(lm.zeros([1, 4, 4, 3]), lm.zeros([2, 2, 2, 2]), 1, 'same'),
    type: lm.ShapeError,
    message: /depthwiseConv2d: input channels of x \(3\) must equal filter.shape\[2\] \(2\)/,
  },
  {
    op: 'depthwiseConv2d',
    name: 'fractional stride',
    run: () => lm.depthwiseConv2d(lm.zeros([1, 4, 4, 2]), lm.zeros([2, 2, 2, 2]), [1, 1.5], 'same'),
    type: lm.ValueError,
    message: /depthwiseConv2d: strides must be a positive integer or a pair/,
  },
  {
    op: 'maxPool',
    name: 'explicit padding as large as the window',
    run: () => lm.maxPool(lm.zeros([1, 4, 4, 1]), 2, 1, 2),
    type: lm.ValueError,
    message: /maxPool: padding must be smaller than the pooling window \[2,2\]/,
  },
  {
    op: 'maxPool',
    name: 'int32 input',
    run: () => lm.maxPool(lm.zeros([1, 4, 4, 1], 'int32'), 2, 2, 'valid'),
    type: lm.DTypeError,
    message: /maxPool: expected x of a float dtype/,
  },
  {
    op: 'avgPool',
    name: 'window larger than the input',
    run: () => lm.avgPool(lm.zeros([1, 2, 2, 1]), 3, 1, 'valid'),
    type: lm.ShapeError,
    message: /avgPool: output height would be 0/,
  },
  {
    op: 'avgPool',
    name: 'rank-5 input',
    run: () => lm.avgPool(lm.zeros([1, 1, 2, 2, 1]), 1, 1, 'valid'),
    type: lm.ShapeError,
    message: /avgPool: expected x of rank 4 or 3/,
  },
  {
    op: 'maxPool',
    name: 'second-order gradients (not supported, rather than silently zero)',
    run: () => lm.grad((x) => lm.sum(lm.square(lm.grad((a) => lm.sum(lm.square(lm.maxPool(a, 2, 2, 'valid'))))(x))))(lm.tensor([1, 5, 3, 2], [1, 2, 2, 1])),
    type: lm.GradientError,
    message: /maxPoolGrad: second-order gradients through maxPool are not supported/,
  },
  {
    op: 'softmax',
    name: 'axis out of range',
    run: () => lm.softmax(lm.zeros([2, 3]), 2),
    type: lm.ShapeError,
    message: /axis 2 is out of range for a tensor of rank 2/,
  },
  {
    op: 'dropout',
    name: 'rate 1',
    run: () => lm.dropout(lm.ones([2]), 1),
    type: lm.ValueError,
    message: /dropout: expected rate in \[0, 1\), got 1/,
  },
  {
    op: 'dropout',
    name: 'negative rate',
    run: () => lm.dropout(lm.ones([2]), -0.1),
    type: lm.ValueError,
    message: /dropout: expected rate in \[0, 1\), got -0.1/,
  },
  {
    op: 'dropout',
    name: 'NaN rate',
    run: () => lm.dropout(lm.ones([2]), NaN),
    type: lm.ValueError,
    message: /dropout: expected rate in \[0, 1\), got NaN/,
  },
  {
    op: 'dropout',
    name: 'noiseShape that does not broadcast',
    run: () => lm.dropout(lm.ones([2, 3]), 0.5, [2, 2]),
    type: lm.ShapeError,
    message: /dropout: expected noiseShape of rank 2 with each entry equal to x's size, 1 or null, got \[2,2\] for x of shape \[2,3\]/,
  },
  {
    op: 'dropout',
    name: 'int32 input',
    run: () => lm.dropout(lm.ones([2], 'int32'), 0.5),
    type: lm.DTypeError,
    message: /dropout: expected x of a float dtype/,
  },
  {
    op: 'dropout',
    name: 'negative seed',
    run: () => lm.dropout(lm.ones([2]), 0.5, undefined, -1),
    type: lm.ValueError,
    message: /dropout: expected seed to be an integer in \[0, 2\^53 - 1\], got -1/,
  },
];

// ------------------------------------------------------------------ gradients

const g = lm.grad;

export const gradients: GradCase[] = [
  {
    op: 'conv2d',
    name: "x and filter, stride 2, 'same'",
    f: (x, w) => lm.conv2d(x, w, 2, 'same'),
    inputs: [nested([2, 5, 5, 2], wave(0)), nested([3, 3, 2, 3], wave(1))],
  },
  {
    op: 'conv2d',
    name: 'dilation 2, explicit asymmetric padding',
    f: (x, w) => lm.conv2d(x, w, 1, [[1, 0], [0, 2]], 'NHWC', 2),
    inputs: [nested([1, 4, 5, 2], wave(2)), nested([2, 2, 2, 2], wave(3))],
  },
  {
    op: 'conv2d',
    name: 'rank-3 input',
    f: (x, w) => lm.conv2d(x, w, 1, 'valid'),
    inputs: [nested([3, 4, 1], wave(4)), nested([2, 2, 1, 2], wave(5))],
  },
  {
    op: 'conv2d',
    name: 'second order: d/dx of sum(conv2d²) differentiated again (conv2dBackpropInput/Filter gradients)',
    f: (x, w) => g((a: Tensor) => lm.sum(lm.square(lm.conv2d(a, w, 2, 'same'))))(x),
    inputs: [nested([1, 4, 4, 2], wave(6)), nested([3, 3, 2, 2], wave(7))],
  },
  {
    op: 'conv2dTranspose',
    name: "x and filter, stride 2, 'same'",
    f: (x, w) => lm.conv2dTranspose(x, w, [1, 5, 5, 2], 2, 'same'),
    inputs: [nested([1, 3, 3, 3], wave(8)), nested([3, 3, 2, 3], wave(9))],
  },
  {
    op: 'conv2dTranspose',
    name: "stride 2, 'valid', batch 2",
    f: (x, w) => lm.conv2dTranspose(x, w, [2, 5, 5, 1], 2, 'valid'),
    inputs: [nested([2, 2, 2, 2], wave(10)), nested([3, 3, 1, 2], wave(11))],
  },
  {
    op: 'depthwiseConv2d',
    name: "x and filter, multiplier 2, stride 2, 'same'",
    f: (x, w) => lm.depthwiseConv2d(x, w, 2, 'same'),
    inputs: [nested([2, 5, 5, 2], wave(12)), nested([3, 3, 2, 2], wave(13))],
  },
  {
    op: 'depthwiseConv2d',
    name: 'second order (depthwise backprop-input/filter gradients)',
    f: (x, w) => g((a: Tensor) => lm.sum(lm.square(lm.depthwiseConv2d(a, w, 1, 'valid', 'NHWC', 2))))(x),
    inputs: [nested([1, 4, 4, 2], wave(14)), nested([2, 2, 2, 2], wave(15))],
  },
  {
    op: 'maxPool',
    name: "3x3, stride 2, 'same', distinct values (no ties)",
    f: (x) => lm.maxPool(x, 3, 2, 'same'),
    inputs: [nested([2, 5, 5, 2], (i) => ((i * 37) % 100) / 10 - 5)],
  },
  {
    op: 'maxPool',
    name: '2x2, stride 1, valid, rank 3',
    f: (x) => lm.maxPool(x, 2, 1, 'valid'),
    inputs: [nested([3, 4, 2], (i) => ((i * 7) % 24) * 0.3 - 3)],
  },
  {
    op: 'avgPool',
    name: "3x3, stride 2, 'same' (border windows average fewer cells)",
    f: (x) => lm.avgPool(x, 3, 2, 'same'),
    inputs: [nested([2, 5, 5, 2], wave(16))],
  },
  {
    op: 'avgPool',
    name: 'second order (avgPoolGrad gradient)',
    f: (x) => g((a: Tensor) => lm.sum(lm.square(lm.avgPool(a, 2, 1, 'same'))))(x),
    inputs: [nested([1, 3, 3, 2], wave(17))],
  },
  {
    op: 'softmax',
    name: 'last axis',
    f: (x) => lm.softmax(x),
    inputs: [nested([3, 4], wave(18))],
  },
  {
    op: 'softmax',
    name: 'axis 0, with a large logit',
    f: (x) => lm.softmax(x, 0),
    inputs: [[[30, 1], [29.5, 2], [0, 1.5]]],
  },
  {
    op: 'logSoftmax',
    name: 'last axis',
    f: (x) => lm.logSoftmax(x),
    inputs: [nested([3, 4], wave(19))],
  },
  {
    op: 'logSoftmax',
    name: 'axis 1 of a rank-3 tensor',
    f: (x) => lm.logSoftmax(x, 1),
    inputs: [nested([2, 3, 2], wave(20))],
  },
  {
    op: 'dropout',
    name: 'fixed seed: the mask is a constant',
    f: (x) => lm.dropout(x, 0.4, undefined, 5),
    inputs: [nested([3, 5], wave(21))],
  },
];
