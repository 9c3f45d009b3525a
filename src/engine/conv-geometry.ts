/**
 * Shape logic of 2-D convolution and pooling in NHWC layout, with
 * TensorFlow's rules for output sizes and `'same'` padding. Op definitions
 * use it for shape inference and every backend uses the same
 * {@link Conv2DGeometry}, so a kernel never recomputes (and never disagrees
 * about) sizes or pads.
 *
 * @module
 */
import { ShapeError, ValueError, fmtShape } from './errors.js';

/**
 * How a convolution or pooling window is padded.
 *
 * - `'same'`: TensorFlow's rule: the output has `ceil(in / stride)` cells and
 *   the missing input is split as evenly as possible, the odd cell going to
 *   the bottom/right.
 * - `'valid'`: no padding; only windows that fit entirely inside the input.
 * - a number `p`: `p` cells on every side.
 * - `[[top, bottom], [left, right]]`: explicit padding per side.
 *
 * @example
 * ```ts
 * const a: PaddingMode = 'same';
 * const b: PaddingMode = 1;
 * const c: PaddingMode = [[0, 1], [1, 1]];
 * ```
 */
export type PaddingMode =
  | 'same'
  | 'valid'
  | number
  | readonly [readonly [number, number], readonly [number, number]];

/**
 * Every size a 2-D convolution or pooling kernel needs, resolved once.
 * The input `x` is `[batch, inHeight, inWidth, inChannels]` and the output
 * `[batch, outHeight, outWidth, outChannels]`; output cell `(oy, ox)` reads
 * input rows `oy * strideHeight - padTop + fy * dilationHeight` for
 * `fy < filterHeight` (and likewise for columns); rows outside the input are
 * padding.
 *
 * @example
 * ```ts
 * const g = conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 8], 2, 'same', 1, 'conv');
 * [g.outHeight, g.outWidth, g.padTop, g.padBottom]; // [3, 3, 1, 1]
 * ```
 */
export interface Conv2DGeometry {
  /** Batch size `N`. */
  batch: number;
  /** Input rows. */
  inHeight: number;
  /** Input columns. */
  inWidth: number;
  /** Input channels. */
  inChannels: number;
  /** Output rows. */
  outHeight: number;
  /** Output columns. */
  outWidth: number;
  /** Output channels (`inChannels * channelMultiplier` for depthwise, `inChannels` for pooling). */
  outChannels: number;
  /** Filter (window) rows. */
  filterHeight: number;
  /** Filter (window) columns. */
  filterWidth: number;
  /** Row stride. */
  strideHeight: number;
  /** Column stride. */
  strideWidth: number;
  /** Row dilation (1 = dense filter). */
  dilationHeight: number;
  /** Column dilation (1 = dense filter). */
  dilationWidth: number;
  /** Padding rows above the input. */
  padTop: number;
  /** Padding rows below the input (kernels never need it: windows past the input are skipped). */
  padBottom: number;
  /** Padding columns left of the input. */
  padLeft: number;
  /** Padding columns right of the input. */
  padRight: number;
  /** Depthwise: output channels per input channel. 1 for every other kind. */
  channelMultiplier: number;
}

/**
 * The geometry of a 2-D convolution of `x` `[N, H, W, C]` with `filter`.
 * A `'conv'` filter is `[filterHeight, filterWidth, inChannels, outChannels]`;
 * a `'depthwise'` filter is `[filterHeight, filterWidth, inChannels,
 * channelMultiplier]` and produces `inChannels * channelMultiplier` channels.
 *
 * Throws a `ShapeError` for wrong ranks, mismatched channels or an empty
 * output, and a `ValueError` for bad strides, dilations or padding
 * (including strides and dilations both above 1, which TensorFlow rejects).
 *
 * @param op Name of the calling op, used in error messages.
 * @param xShape Shape of the input.
 * @param filterShape Shape of the filter.
 * @param strides One stride for both dimensions, or `[strideHeight, strideWidth]`.
 * @param pad Padding mode.
 * @param dilations One dilation for both dimensions, or `[dilationHeight, dilationWidth]`.
 * @param kind `'conv'` or `'depthwise'`.
 * @example
 * ```ts
 * const g = conv2dGeometry('conv2d', [8, 28, 28, 32], [3, 3, 32, 64], 1, 'same', 1, 'conv');
 * [g.outHeight, g.outWidth, g.outChannels]; // [28, 28, 64]
 * ```
 */
export function conv2dGeometry(
  op: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | readonly [number, number],
  pad: PaddingMode,
  dilations: number | readonly [number, number],
  kind: 'conv' | 'depthwise',
): Conv2DGeometry {
  if (kind !== 'conv' && kind !== 'depthwise') {
    throw new ValueError(`${op}: kind must be 'conv' or 'depthwise', got ${fmtValue(kind)}`);
  }
  checkShape4(op, 'x', xShape, '[batch, height, width, channels]');
  const filterLayout =
    kind === 'conv'
      ? '[filterHeight, filterWidth, inChannels, outChannels]'
      : '[filterHeight, filterWidth, inChannels, channelMultiplier]';
  checkShape4(op, 'filter', filterShape, filterLayout);
  return convLike(op, xShape, filterShape, strides, pad, dilations, kind, 'x', 'input channels of x');
}

/**
 * The geometry of a 2-D max or average pool of `x` `[N, H, W, C]`; the output
 * keeps the `C` channels. Explicit padding must be smaller than the window
 * on every side, so that no window lies entirely in padding (an average over
 * no cells is undefined).
 *
 * @param op Name of the calling op, used in error messages.
 * @param xShape Shape of the input.
 * @param filterSize Window size, one for both dimensions or `[height, width]`.
 * @param strides One stride for both dimensions, or `[strideHeight, strideWidth]`.
 * @param pad Padding mode.
 * @example
 * ```ts
 * const g = pool2dGeometry('maxPool', [1, 4, 4, 2], 2, 2, 'valid');
 * [g.outHeight, g.outWidth, g.outChannels]; // [2, 2, 2]
 * ```
 */
export function pool2dGeometry(
  op: string,
  xShape: readonly number[],
  filterSize: number | readonly [number, number],
  strides: number | readonly [number, number],
  pad: PaddingMode,
): Conv2DGeometry {
  checkShape4(op, 'x', xShape, '[batch, height, width, channels]');
  const [fh, fw] = positivePair(op, 'filterSize', filterSize, '[filterHeight, filterWidth]');
  const [sh, sw] = positivePair(op, 'strides', strides, '[strideHeight, strideWidth]');
  const [n, h, w, c] = xShape;
  const rows = resolveDim(op, 'height', h, fh, sh, 1, pad, 0);
  const cols = resolveDim(op, 'width', w, fw, sw, 1, pad, 1);
  if (rows.before >= fh || rows.after >= fh || cols.before >= fw || cols.after >= fw) {
    throw new ValueError(
      `${op}: padding must be smaller than the pooling window [${fh},${fw}] on every side, ` +
        `got padding ${fmtPad(pad)}`,
    );
  }
  return {
    batch: n, inHeight: h, inWidth: w, inChannels: c,
    outHeight: rows.out, outWidth: cols.out, outChannels: c,
    filterHeight: fh, filterWidth: fw,
    strideHeight: sh, strideWidth: sw, dilationHeight: 1, dilationWidth: 1,
    padTop: rows.before, padBottom: rows.after, padLeft: cols.before, padRight: cols.after,
    channelMultiplier: 1,
  };
}

/**
 * The geometry of a 2-D transposed convolution, expressed as the forward
 * convolution whose input gradient it is: `inHeight`/`inWidth`/`inChannels`
 * describe the transpose's *result* (`outputShape`), and
 * `outHeight`/`outWidth`/`outChannels` describe its input `x`. Run it with
 * `conv2dBackpropInputKernel(x, filter, result, g)`.
 *
 * The filter is `[filterHeight, filterWidth, resultChannels, xChannels]`, as
 * in TensorFlow.js `conv2dTranspose`. With strides above 1 several result
 * sizes give the same `x` size, which is why `outputShape` is explicit; check
 * `x` against the geometry with {@link checkConv2dTransposeInput}.
 *
 * @param op Name of the calling op, used in error messages.
 * @param outputShape Shape `[N, H, W, C]` of the result.
 * @param filterShape Shape of the filter.
 * @param strides One stride for both dimensions, or `[strideHeight, strideWidth]`.
 * @param pad Padding mode of the forward convolution.
 * @param dilations One dilation for both dimensions, or a pair; default 1.
 * @example
 * ```ts
 * const g = conv2dTransposeGeometry('conv2dTranspose', [1, 8, 8, 3], [3, 3, 3, 16], 2, 'same');
 * [g.outHeight, g.outWidth, g.outChannels]; // [4, 4, 16]: the shape x must have
 * ```
 */
export function conv2dTransposeGeometry(
  op: string,
  outputShape: readonly number[],
  filterShape: readonly number[],
  strides: number | readonly [number, number],
  pad: PaddingMode,
  dilations: number | readonly [number, number] = 1,
): Conv2DGeometry {
  checkShape4(op, 'outputShape', outputShape, '[batch, height, width, channels]');
  checkShape4(op, 'filter', filterShape, '[filterHeight, filterWidth, outChannels, inChannels]');
  return convLike(op, outputShape, filterShape, strides, pad, dilations, 'conv', 'outputShape', 'channels of outputShape');
}

/**
 * Checks that `x`, the input of a transposed convolution, has the shape the
 * forward convolution described by `g` (from {@link conv2dTransposeGeometry})
 * produces: `[batch, outHeight, outWidth, outChannels]`. Throws a
 * `ShapeError` otherwise.
 *
 * @param op Name of the calling op, used in error messages.
 * @param xShape Shape of the transpose's input.
 * @param g Geometry from {@link conv2dTransposeGeometry}.
 * @example
 * ```ts
 * const g = conv2dTransposeGeometry('conv2dTranspose', [1, 8, 8, 3], [3, 3, 3, 16], 2, 'same');
 * checkConv2dTransposeInput('conv2dTranspose', [1, 4, 4, 16], g); // ok
 * checkConv2dTransposeInput('conv2dTranspose', [1, 5, 5, 16], g); // throws ShapeError
 * ```
 */
export function checkConv2dTransposeInput(op: string, xShape: readonly number[], g: Conv2DGeometry): void {
  const want = conv2dOutputShape(g);
  if (xShape.length !== 4 || want.some((d, i) => xShape[i] !== d)) {
    throw new ShapeError(
      `${op}: expected x of shape ${fmtShape(want)} for outputShape ` +
        `${fmtShape([g.batch, g.inHeight, g.inWidth, g.inChannels])} with filter ` +
        `[${g.filterHeight},${g.filterWidth},${g.inChannels},${g.outChannels}], strides ` +
        `[${g.strideHeight},${g.strideWidth}] and the given padding, got shape ${fmtShape(xShape)}`,
    );
  }
}

/**
 * The output shape `[batch, outHeight, outWidth, outChannels]` of a geometry.
 *
 * @param g A geometry.
 * @example
 * ```ts
 * conv2dOutputShape(pool2dGeometry('avgPool', [2, 5, 5, 3], 3, 2, 'same')); // [2, 3, 3, 3]
 * ```
 */
export function conv2dOutputShape(g: Conv2DGeometry): [number, number, number, number] {
  return [g.batch, g.outHeight, g.outWidth, g.outChannels];
}

function convLike(
  op: string,
  xShape: readonly number[],
  filterShape: readonly number[],
  strides: number | readonly [number, number],
  pad: PaddingMode,
  dilations: number | readonly [number, number],
  kind: 'conv' | 'depthwise',
  xName: string,
  channelsLabel: string,
): Conv2DGeometry {
  const [n, h, w, c] = xShape;
  const [fh, fw, fc, fo] = filterShape;
  if (fh < 1 || fw < 1) {
    throw new ShapeError(
      `${op}: filter height and width must be at least 1, got filter shape ${fmtShape(filterShape)}`,
    );
  }
  if (c !== fc) {
    throw new ShapeError(`${op}: ${channelsLabel} (${c}) must equal filter.shape[2] (${fc}); ${xName} has shape ${fmtShape(xShape)}, filter has shape ${fmtShape(filterShape)}`);
  }
  const [sh, sw] = positivePair(op, 'strides', strides, '[strideHeight, strideWidth]');
  const [dh, dw] = positivePair(op, 'dilations', dilations, '[dilationHeight, dilationWidth]');
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) {
    throw new ValueError(
      `${op}: strides and dilations cannot both be greater than 1 (TensorFlow requires one of them to be 1), ` +
        `got strides [${sh},${sw}] and dilations [${dh},${dw}]`,
    );
  }
  const rows = resolveDim(op, 'height', h, fh, sh, dh, pad, 0);
  const cols = resolveDim(op, 'width', w, fw, sw, dw, pad, 1);
  const multiplier = kind === 'depthwise' ? fo : 1;
  return {
    batch: n, inHeight: h, inWidth: w, inChannels: c,
    outHeight: rows.out, outWidth: cols.out, outChannels: kind === 'depthwise' ? c * fo : fo,
    filterHeight: fh, filterWidth: fw,
    strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw,
    padTop: rows.before, padBottom: rows.after, padLeft: cols.before, padRight: cols.after,
    channelMultiplier: multiplier,
  };
}

interface DimResolution {
  out: number;
  before: number;
  after: number;
}

/** Output size and pads along one spatial dimension (TensorFlow's GetWindowedOutputSize). */
function resolveDim(
  op: string,
  dimName: 'height' | 'width',
  size: number,
  filter: number,
  stride: number,
  dilation: number,
  pad: PaddingMode,
  axis: 0 | 1,
): DimResolution {
  const effective = (filter - 1) * dilation + 1;
  let out: number;
  let before: number;
  let after: number;
  if (pad === 'same') {
    out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + effective - size, 0);
    before = Math.floor(total / 2);
    after = total - before;
  } else if (pad === 'valid') {
    out = Math.ceil((size - effective + 1) / stride);
    // Trailing input that no window reaches is simply not read, as in TF.
    before = 0;
    after = 0;
  } else {
    [before, after] = explicitPads(op, pad, axis);
    out = Math.floor((size + before + after - effective) / stride) + 1;
  }
  if (!(out >= 1)) {
    throw new ShapeError(
      `${op}: output ${dimName} would be ${Math.max(out, 0)}; expected at least 1 ` +
        `(input ${dimName} ${size}, effective filter ${dimName} ${effective}, stride ${stride}, padding ${fmtPad(pad)})`,
    );
  }
  return { out, before, after };
}

function explicitPads(op: string, pad: PaddingMode, axis: 0 | 1): [number, number] {
  if (typeof pad === 'number') {
    if (Number.isInteger(pad) && pad >= 0) return [pad, pad];
  } else if (
    Array.isArray(pad) &&
    pad.length === 2 &&
    pad.every((p: unknown) => Array.isArray(p) && p.length === 2 && p.every((v: unknown) => Number.isInteger(v) && (v as number) >= 0))
  ) {
    const side = pad[axis];
    return [side[0], side[1]];
  }
  throw new ValueError(
    `${op}: padding must be 'same', 'valid', a non-negative integer or [[top, bottom], [left, right]] ` +
      `of non-negative integers, got ${fmtPad(pad)}`,
  );
}

function positivePair(
  op: string,
  name: string,
  value: number | readonly [number, number],
  layout: string,
): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (
    Array.isArray(pair) &&
    pair.length === 2 &&
    pair.every((v: unknown) => Number.isInteger(v) && (v as number) >= 1)
  ) {
    return [pair[0], pair[1]];
  }
  throw new ValueError(
    `${op}: ${name} must be a positive integer or a pair of positive integers ${layout}, got ${fmtValue(value)}`,
  );
}

function checkShape4(op: string, name: string, shape: readonly number[], layout: string): void {
  if (!Array.isArray(shape) || shape.length !== 4) {
    throw new ShapeError(`${op}: expected ${name} of rank 4 ${layout}, got shape ${fmtValue(shape)}`);
  }
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(
      `${op}: expected ${name} shape ${layout} of non-negative integers, got shape ${fmtValue(shape)}`,
    );
  }
}

function fmtPad(pad: unknown): string {
  return typeof pad === 'string' ? `'${pad}'` : fmtValue(pad);
}

function fmtValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(',')}]`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}
