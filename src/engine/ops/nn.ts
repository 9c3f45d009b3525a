/**
 * Neural-network ops: 2-D convolutions (regular, transposed, depthwise) and
 * pooling in NHWC layout with TensorFlow semantics, plus the composites
 * softmax, logSoftmax and dropout (in `composite/`).
 *
 * Every structured op here resolves its sizes once, in `prepare`, into a
 * {@link Conv2DGeometry}; kernels on every backend and the gradient rules
 * receive that geometry and never recompute it. A rank-3 input
 * `[height, width, channels]` is treated as a batch of one, and the result
 * keeps the input's rank.
 *
 * @module
 */
import type { TensorMeta } from '../backend/backend.js';
import {
  checkConv2dTransposeInput,
  conv2dGeometry,
  conv2dTransposeGeometry,
  pool2dGeometry,
  type Conv2DGeometry,
  type PaddingMode,
} from '../conv-geometry.js';
import { isFloat } from '../dtype.js';
import { DTypeError, GradientError, ShapeError, ValueError, fmtShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { defineOp } from './define-op.js';
import { runOp1 } from './dispatch.js';

export type { Conv2DGeometry, PaddingMode } from '../conv-geometry.js';
export { softmax, logSoftmax } from './composite/softmax.js';
export { dropout } from './composite/dropout.js';

declare module './define-op.js' {
  interface OpRegistry {
    /** `conv2d(x, filter)`: the geometry resolved from strides, padding and dilations. */
    conv2d: Conv2DGeometry;
    /** `conv2dBackpropInput(dy, filter)`, also `conv2dTranspose`: the forward convolution's geometry. */
    conv2dBackpropInput: Conv2DGeometry;
    /** `conv2dBackpropFilter(x, dy)`: the forward convolution's geometry. */
    conv2dBackpropFilter: Conv2DGeometry;
    /** `depthwiseConv2d(x, filter)`: the geometry, with `channelMultiplier`. */
    depthwiseConv2d: Conv2DGeometry;
    /** `depthwiseConv2dBackpropInput(dy, filter)`: the forward geometry. */
    depthwiseConv2dBackpropInput: Conv2DGeometry;
    /** `depthwiseConv2dBackpropFilter(x, dy)`: the forward geometry. */
    depthwiseConv2dBackpropFilter: Conv2DGeometry;
    /** `maxPool(x)`: the window geometry. */
    maxPool: Conv2DGeometry;
    /** `maxPoolGrad(dy, x)`: the forward pool's geometry. */
    maxPoolGrad: Conv2DGeometry;
    /** `avgPool(x)`: the window geometry. */
    avgPool: Conv2DGeometry;
    /** `avgPoolGrad(dy)`: the forward pool's geometry. */
    avgPoolGrad: Conv2DGeometry;
  }
}

/** A stride, dilation or window size: one value for both dimensions, or `[height, width]`. */
type Pair = number | readonly [number, number];

/** Gradient rules call the ops with the forward op's geometry, already resolved. */
interface Resolved {
  readonly geometry: Conv2DGeometry;
}

interface ConvArgs {
  readonly strides: Pair;
  readonly pad: PaddingMode;
  readonly dilations: Pair;
}

interface TransposeArgs {
  readonly outputShape: readonly number[];
  readonly strides: Pair;
  readonly pad: PaddingMode;
}

interface PoolArgs {
  readonly filterSize: Pair;
  readonly strides: Pair;
  readonly pad: PaddingMode;
}

// ------------------------------------------------------------------ helpers

const LAYOUT = '[batch, height, width, channels] (or [height, width, channels])';

/** The rank-4 view of a rank-3 or rank-4 image shape. */
function batched(op: string, name: string, shape: readonly number[]): readonly number[] {
  if (Array.isArray(shape) && shape.length === 4) return shape;
  if (Array.isArray(shape) && shape.length === 3) return [1, ...shape];
  throw new ShapeError(`${op}: expected ${name} of rank 4 or 3, ${LAYOUT}, got shape ${Array.isArray(shape) ? fmtShape(shape) : String(shape)}`);
}

/** `shape` (rank 4) given the rank of the input it follows. */
function withRank(shape: readonly number[], rank: number): number[] {
  return rank === 3 ? shape.slice(1) : shape.slice();
}

const inShape = (g: Conv2DGeometry): number[] => [g.batch, g.inHeight, g.inWidth, g.inChannels];
const outShape = (g: Conv2DGeometry): number[] => [g.batch, g.outHeight, g.outWidth, g.outChannels];
const convFilterShape = (g: Conv2DGeometry): number[] => [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
const depthwiseFilterShape = (g: Conv2DGeometry): number[] => [g.filterHeight, g.filterWidth, g.inChannels, g.channelMultiplier];

function expectShape(op: string, name: string, shape: readonly number[], want: readonly number[], rank4Only = false): void {
  const got = rank4Only ? shape : batched(op, name, shape);
  if (!shapesEqual(got, want)) {
    throw new ShapeError(`${op}: expected ${name} of shape ${fmtShape(want)} for this convolution geometry, got ${fmtShape(shape)}`);
  }
}

/** Convolution kernels compute in float: int32 images must be cast by the caller, as in TensorFlow. */
function checkFloat(op: string, inputs: readonly TensorMeta[], names: readonly string[]): void {
  for (let i = 0; i < inputs.length; i++) {
    if (!isFloat(inputs[i].dtype)) {
      throw new DTypeError(`${op}: expected ${names[i]} of a float dtype (float32, float64), got ${inputs[i].dtype}; cast it first, e.g. ${names[i]}.cast('float32')`);
    }
    if (inputs[i].dtype !== inputs[0].dtype) {
      throw new DTypeError(`${op}: expected ${names[0]} and ${names[i]} of the same dtype, got ${inputs[0].dtype} and ${inputs[i].dtype}; cast one of them`);
    }
  }
}

function checkDataFormat(op: string, dataFormat: string): void {
  if (dataFormat !== 'NHWC') {
    throw new ValueError(`${op}: only dataFormat 'NHWC' is supported, got ${JSON.stringify(dataFormat)}; transpose the input to [batch, height, width, channels]`);
  }
}

// ----------------------------------------------------------- convolution ops

const conv2dOp = defineOp<Conv2DGeometry, ConvArgs | Resolved>({
  name: 'conv2d',
  inputNames: ['x', 'filter'],
  prepare: ([x, filter], raw) =>
    'geometry' in raw ? raw.geometry : conv2dGeometry('conv2d', batched('conv2d', 'x', x.shape), filter.shape, raw.strides, raw.pad, raw.dilations, 'conv'),
  infer([x, filter], g) {
    checkFloat('conv2d', [x, filter], ['x', 'filter']);
    expectShape('conv2d', 'x', x.shape, inShape(g));
    expectShape('conv2d', 'filter', filter.shape, convFilterShape(g), true);
    return [{ shape: withRank(outShape(g), x.shape.length), dtype: x.dtype }];
  },
  grad: ([dy], { inputs: [x, filter], params: g }) => [conv2dBackpropInput(dy, filter, g), conv2dBackpropFilter(x, dy, g)],
});

const conv2dBackpropInputOp = defineOp<Conv2DGeometry, TransposeArgs | Resolved>({
  name: 'conv2dBackpropInput',
  inputNames: ['dy', 'filter'],
  prepare([dy, filter], raw) {
    if ('geometry' in raw) return raw.geometry;
    // The public face of this op is conv2dTranspose: check and name things as its caller sees them.
    const op = 'conv2dTranspose';
    const x4 = batched(op, 'x', dy.shape);
    checkFloat(op, [dy, filter], ['x', 'filter']);
    const g = conv2dTransposeGeometry(op, batched(op, 'outputShape', raw.outputShape), filter.shape, raw.strides, raw.pad, 1);
    checkConv2dTransposeInput(op, x4, g);
    return g;
  },
  infer([dy, filter], g) {
    checkFloat('conv2dBackpropInput', [dy, filter], ['dy', 'filter']);
    expectShape('conv2dBackpropInput', 'dy', dy.shape, outShape(g));
    expectShape('conv2dBackpropInput', 'filter', filter.shape, convFilterShape(g), true);
    return [{ shape: withRank(inShape(g), dy.shape.length), dtype: dy.dtype }];
  },
  // dx is linear in dy and in filter: its adjoints are the forward conv and the filter gradient.
  grad: ([ddx], { inputs: [dy, filter], params: g }) => [conv2dResolved(ddx, filter, g), conv2dBackpropFilter(ddx, dy, g)],
});

const conv2dBackpropFilterOp = defineOp<Conv2DGeometry, Resolved>({
  name: 'conv2dBackpropFilter',
  inputNames: ['x', 'dy'],
  prepare: (_inputs, { geometry }) => geometry,
  infer([x, dy], g) {
    checkFloat('conv2dBackpropFilter', [x, dy], ['x', 'dy']);
    expectShape('conv2dBackpropFilter', 'x', x.shape, inShape(g));
    expectShape('conv2dBackpropFilter', 'dy', dy.shape, outShape(g));
    return [{ shape: convFilterShape(g), dtype: x.dtype }];
  },
  grad: ([ddw], { inputs: [x, dy], params: g }) => [conv2dBackpropInput(dy, ddw, g), conv2dResolved(x, ddw, g)],
});

const depthwiseConv2dOp = defineOp<Conv2DGeometry, ConvArgs | Resolved>({
  name: 'depthwiseConv2d',
  inputNames: ['x', 'filter'],
  prepare: ([x, filter], raw) =>
    'geometry' in raw
      ? raw.geometry
      : conv2dGeometry('depthwiseConv2d', batched('depthwiseConv2d', 'x', x.shape), filter.shape, raw.strides, raw.pad, raw.dilations, 'depthwise'),
  infer([x, filter], g) {
    checkFloat('depthwiseConv2d', [x, filter], ['x', 'filter']);
    expectShape('depthwiseConv2d', 'x', x.shape, inShape(g));
    expectShape('depthwiseConv2d', 'filter', filter.shape, depthwiseFilterShape(g), true);
    return [{ shape: withRank(outShape(g), x.shape.length), dtype: x.dtype }];
  },
  grad: ([dy], { inputs: [x, filter], params: g }) => [depthwiseBackpropInput(dy, filter, g), depthwiseBackpropFilter(x, dy, g)],
});

const depthwiseBackpropInputOp = defineOp<Conv2DGeometry, Resolved>({
  name: 'depthwiseConv2dBackpropInput',
  inputNames: ['dy', 'filter'],
  prepare: (_inputs, { geometry }) => geometry,
  infer([dy, filter], g) {
    checkFloat('depthwiseConv2dBackpropInput', [dy, filter], ['dy', 'filter']);
    expectShape('depthwiseConv2dBackpropInput', 'dy', dy.shape, outShape(g));
    expectShape('depthwiseConv2dBackpropInput', 'filter', filter.shape, depthwiseFilterShape(g), true);
    return [{ shape: withRank(inShape(g), dy.shape.length), dtype: dy.dtype }];
  },
  grad: ([ddx], { inputs: [dy, filter], params: g }) => [depthwiseResolved(ddx, filter, g), depthwiseBackpropFilter(ddx, dy, g)],
});

const depthwiseBackpropFilterOp = defineOp<Conv2DGeometry, Resolved>({
  name: 'depthwiseConv2dBackpropFilter',
  inputNames: ['x', 'dy'],
  prepare: (_inputs, { geometry }) => geometry,
  infer([x, dy], g) {
    checkFloat('depthwiseConv2dBackpropFilter', [x, dy], ['x', 'dy']);
    expectShape('depthwiseConv2dBackpropFilter', 'x', x.shape, inShape(g));
    expectShape('depthwiseConv2dBackpropFilter', 'dy', dy.shape, outShape(g));
    return [{ shape: depthwiseFilterShape(g), dtype: x.dtype }];
  },
  grad: ([ddw], { inputs: [x, dy], params: g }) => [depthwiseBackpropInput(dy, ddw, g), depthwiseResolved(x, ddw, g)],
});

// ---------------------------------------------------------------- pooling ops

function preparePool(op: string) {
  return ([x]: readonly TensorMeta[], raw: PoolArgs | Resolved): Conv2DGeometry =>
    'geometry' in raw ? raw.geometry : pool2dGeometry(op, batched(op, 'x', x.shape), raw.filterSize, raw.strides, raw.pad);
}

function inferPool(op: string) {
  return ([x]: readonly TensorMeta[], g: Conv2DGeometry): TensorMeta[] => {
    checkFloat(op, [x], ['x']);
    expectShape(op, 'x', x.shape, inShape(g));
    return [{ shape: withRank(outShape(g), x.shape.length), dtype: x.dtype }];
  };
}

const maxPoolOp = defineOp<Conv2DGeometry, PoolArgs | Resolved>({
  name: 'maxPool',
  inputNames: ['x'],
  prepare: preparePool('maxPool'),
  infer: inferPool('maxPool'),
  grad: ([dy], { inputs: [x], params: g }) => [maxPoolGrad(dy, x, g)],
});

const maxPoolGradOp = defineOp<Conv2DGeometry, Resolved>({
  name: 'maxPoolGrad',
  inputNames: ['dy', 'x'],
  prepare: (_inputs, { geometry }) => geometry,
  infer([dy, x], g) {
    checkFloat('maxPoolGrad', [dy, x], ['dy', 'x']);
    expectShape('maxPoolGrad', 'dy', dy.shape, outShape(g));
    expectShape('maxPoolGrad', 'x', x.shape, inShape(g));
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  // The adjoint of "route dy to each window's argmax" is "gather at each argmax", which no op
  // expresses yet; failing loudly beats a silently zero second derivative.
  grad: () => {
    throw new GradientError('maxPoolGrad: second-order gradients through maxPool are not supported; use avgPool or a strided conv2d where they are needed');
  },
});

const avgPoolOp = defineOp<Conv2DGeometry, PoolArgs | Resolved>({
  name: 'avgPool',
  inputNames: ['x'],
  prepare: preparePool('avgPool'),
  infer: inferPool('avgPool'),
  grad: ([dy], { params: g }) => [avgPoolGrad(dy, g)],
});

const avgPoolGradOp = defineOp<Conv2DGeometry, Resolved>({
  name: 'avgPoolGrad',
  inputNames: ['dy'],
  prepare: (_inputs, { geometry }) => geometry,
  infer([dy], g) {
    checkFloat('avgPoolGrad', [dy], ['dy']);
    expectShape('avgPoolGrad', 'dy', dy.shape, outShape(g));
    return [{ shape: withRank(inShape(g), dy.shape.length), dtype: dy.dtype }];
  },
  // avgPoolGrad is the transpose of the linear map avgPool, so its own adjoint is avgPool.
  grad: ([ddx], { params: g }) => [runOp1(avgPoolOp, [ddx], { geometry: g })],
});

// The gradient ops take a resolved geometry; they are not public API.
function conv2dResolved(x: Tensor, filter: Tensor, geometry: Conv2DGeometry): Tensor {
  return runOp1(conv2dOp, [x, filter], { geometry });
}
function conv2dBackpropInput(dy: Tensor, filter: Tensor, geometry: Conv2DGeometry): Tensor {
  return runOp1(conv2dBackpropInputOp, [dy, filter], { geometry });
}
function conv2dBackpropFilter(x: Tensor, dy: Tensor, geometry: Conv2DGeometry): Tensor {
  return runOp1(conv2dBackpropFilterOp, [x, dy], { geometry });
}
function depthwiseResolved(x: Tensor, filter: Tensor, geometry: Conv2DGeometry): Tensor {
  return runOp1(depthwiseConv2dOp, [x, filter], { geometry });
}
function depthwiseBackpropInput(dy: Tensor, filter: Tensor, geometry: Conv2DGeometry): Tensor {
  return runOp1(depthwiseBackpropInputOp, [dy, filter], { geometry });
}
function depthwiseBackpropFilter(x: Tensor, dy: Tensor, geometry: Conv2DGeometry): Tensor {
  return runOp1(depthwiseBackpropFilterOp, [x, dy], { geometry });
}
function maxPoolGrad(dy: Tensor, x: Tensor, geometry: Conv2DGeometry): Tensor {
  return runOp1(maxPoolGradOp, [dy, x], { geometry });
}
function avgPoolGrad(dy: Tensor, geometry: Conv2DGeometry): Tensor {
  return runOp1(avgPoolGradOp, [dy], { geometry });
}

// ------------------------------------------------------------ public functions

/**
 * 2-D convolution of `x` `[batch, height, width, inChannels]` (or rank 3
 * without the batch) with `filter` `[filterHeight, filterWidth, inChannels,
 * outChannels]`, as TensorFlow's `conv2d`: `'same'` padding gives
 * `ceil(size / stride)` outputs with the odd padding cell at the bottom/right.
 * Float inputs only. Strides and dilations cannot both exceed 1.
 *
 * @param x Input images, NHWC.
 * @param filter Filter `[fh, fw, inChannels, outChannels]`.
 * @param strides One stride, or `[strideHeight, strideWidth]`.
 * @param pad `'same'`, `'valid'`, a number of cells on every side, or `[[top, bottom], [left, right]]`.
 * @param dataFormat Only `'NHWC'` is supported.
 * @param dilations One dilation, or `[dilationHeight, dilationWidth]`.
 * @example
 * ```ts
 * const x = tensor([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
 * const w = tensor([1, 0, 0, 1], [2, 2, 1, 1]);
 * conv2d(x, w, 1, 'valid'); // [[[[6], [8]], [[12], [14]]]]
 * ```
 */
export function conv2d(
  x: TensorLike,
  filter: TensorLike,
  strides: number | readonly [number, number],
  pad: PaddingMode,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  dilations: number | readonly [number, number] = [1, 1],
): Tensor {
  checkDataFormat('conv2d', dataFormat);
  return runOp1(conv2dOp, [x, filter], { strides, pad, dilations });
}

/**
 * Transposed 2-D convolution (the gradient of `conv2d` with respect to its
 * input), as TensorFlow.js's `conv2dTranspose`: `filter` is
 * `[filterHeight, filterWidth, outChannels, inChannels]` and `outputShape`
 * `[batch, height, width, outChannels]` (or rank 3) says which of the sizes
 * a strided forward convolution maps onto `x` to produce.
 *
 * @param x Input `[batch, height, width, inChannels]` (or rank 3).
 * @param filter Filter `[fh, fw, outChannels, inChannels]`.
 * @param outputShape Shape of the result.
 * @param strides Strides of the forward convolution.
 * @param pad Padding of the forward convolution.
 * @example
 * ```ts
 * const x = tensor([1, 2, 3, 4], [1, 2, 2, 1]);
 * conv2dTranspose(x, ones([2, 2, 1, 1]), [1, 4, 4, 1], 2, 'same').shape; // [1, 4, 4, 1]
 * ```
 */
export function conv2dTranspose(x: TensorLike, filter: TensorLike, outputShape: readonly number[], strides: number | readonly [number, number], pad: PaddingMode): Tensor {
  return runOp1(conv2dBackpropInputOp, [x, filter], { outputShape, strides, pad });
}

/**
 * Depthwise 2-D convolution: each input channel `c` is convolved with its
 * own `channelMultiplier` filters `filter[:, :, c, :]`, giving output
 * channel `c * channelMultiplier + q` (TensorFlow's `depthwiseConv2d`).
 *
 * @param x Input `[batch, height, width, inChannels]` (or rank 3).
 * @param filter Filter `[fh, fw, inChannels, channelMultiplier]`.
 * @param strides One stride, or `[strideHeight, strideWidth]`.
 * @param pad `'same'`, `'valid'`, a number, or `[[top, bottom], [left, right]]`.
 * @param dataFormat Only `'NHWC'` is supported.
 * @param dilations One dilation, or `[dilationHeight, dilationWidth]`.
 * @example
 * ```ts
 * const x = tensor([1, 10], [1, 1, 1, 2]);
 * depthwiseConv2d(x, tensor([1, 2, 3, 4], [1, 1, 2, 2]), 1, 'valid'); // [[[[1, 2, 30, 40]]]]
 * ```
 */
export function depthwiseConv2d(
  x: TensorLike,
  filter: TensorLike,
  strides: number | readonly [number, number],
  pad: PaddingMode,
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
  dilations: number | readonly [number, number] = [1, 1],
): Tensor {
  checkDataFormat('depthwiseConv2d', dataFormat);
  return runOp1(depthwiseConv2dOp, [x, filter], { strides, pad, dilations });
}

/**
 * 2-D max pooling over windows of `filterSize`; padding never wins (it acts
 * as -Infinity). The gradient goes to the first maximum of each window.
 *
 * @param x Input `[batch, height, width, channels]` (or rank 3).
 * @param filterSize Window size, or `[height, width]`.
 * @param strides One stride, or `[strideHeight, strideWidth]`.
 * @param pad `'same'`, `'valid'`, a number, or `[[top, bottom], [left, right]]`.
 * @example
 * ```ts
 * maxPool(tensor([1, 5, 3, 2], [1, 2, 2, 1]), 2, 2, 'valid'); // [[[[5]]]]
 * ```
 */
export function maxPool(x: TensorLike, filterSize: number | readonly [number, number], strides: number | readonly [number, number], pad: PaddingMode): Tensor {
  return runOp1(maxPoolOp, [x], { filterSize, strides, pad });
}

/**
 * 2-D average pooling; as in TensorFlow, a window that overlaps padding
 * averages only the cells inside the input.
 *
 * @param x Input `[batch, height, width, channels]` (or rank 3).
 * @param filterSize Window size, or `[height, width]`.
 * @param strides One stride, or `[strideHeight, strideWidth]`.
 * @param pad `'same'`, `'valid'`, a number, or `[[top, bottom], [left, right]]`.
 * @example
 * ```ts
 * avgPool(tensor([1, 2, 3, 6], [1, 2, 2, 1]), 2, 2, 'valid'); // [[[[3]]]]
 * ```
 */
export function avgPool(x: TensorLike, filterSize: number | readonly [number, number], strides: number | readonly [number, number], pad: PaddingMode): Tensor {
  return runOp1(avgPoolOp, [x], { filterSize, strides, pad });
}
