import { describe, expect, it } from 'vitest';
import {
  checkConv2dTransposeInput,
  conv2dGeometry,
  conv2dOutputShape,
  conv2dTransposeGeometry,
  pool2dGeometry,
  type Conv2DGeometry,
} from '../../src/engine/conv-geometry.js';
import { ShapeError, ValueError } from '../../src/engine/errors.js';

/** [out, padBefore, padAfter] along the height axis of a square problem. */
function heightOf(g: Conv2DGeometry): [number, number, number] {
  return [g.outHeight, g.padTop, g.padBottom];
}

function expectError(fn: () => unknown, cls: typeof ShapeError | typeof ValueError, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).message).toBe(message);
}

describe('conv2dGeometry: TensorFlow output sizes and pads', () => {
  // [in, filter, stride, dilation, padding, out, padBefore, padAfter], values from tf.nn.conv2d /
  // TensorFlow's GetWindowedOutputSizeVerbose.
  const cases: [number, number, number, number, 'same' | 'valid', number, number, number][] = [
    [5, 3, 2, 1, 'same', 3, 1, 1],
    [4, 3, 2, 1, 'same', 2, 0, 1],
    [28, 5, 1, 1, 'same', 28, 2, 2],
    [7, 2, 2, 1, 'same', 4, 0, 1],
    [224, 7, 2, 1, 'same', 112, 2, 3], // ResNet stem
    [6, 3, 1, 2, 'same', 6, 2, 2], // effective filter 5
    [5, 1, 2, 1, 'same', 3, 0, 0],
    [2, 5, 1, 1, 'same', 2, 2, 2],
    [5, 3, 2, 1, 'valid', 2, 0, 0],
    [28, 5, 1, 1, 'valid', 24, 0, 0],
    [6, 3, 1, 2, 'valid', 2, 0, 0],
    [7, 3, 3, 1, 'valid', 2, 0, 0],
    [3, 3, 1, 1, 'valid', 1, 0, 0],
  ];
  it.each(cases)('in %i filter %i stride %i dilation %i %s -> out %i pads %i/%i', (n, f, s, d, pad, out, top, bottom) => {
    const g = conv2dGeometry('conv2d', [1, n, n, 2], [f, f, 2, 3], s, pad, d, 'conv');
    expect(heightOf(g)).toEqual([out, top, bottom]);
    expect([g.outWidth, g.padLeft, g.padRight]).toEqual([out, top, bottom]);
  });

  it('returns every field, with separate height and width parameters', () => {
    const g = conv2dGeometry('conv2d', [2, 9, 6, 3], [3, 2, 3, 8], [2, 1], 'same', 1, 'conv');
    expect(g).toEqual({
      batch: 2, inHeight: 9, inWidth: 6, inChannels: 3,
      outHeight: 5, outWidth: 6, outChannels: 8,
      filterHeight: 3, filterWidth: 2,
      strideHeight: 2, strideWidth: 1, dilationHeight: 1, dilationWidth: 1,
      padTop: 1, padBottom: 1, padLeft: 0, padRight: 1,
      channelMultiplier: 1,
    });
    expect(conv2dOutputShape(g)).toEqual([2, 5, 6, 8]);
  });

  it('supports dilations per dimension', () => {
    const g = conv2dGeometry('conv2d', [1, 10, 10, 1], [3, 3, 1, 1], 1, 'valid', [1, 3], 'conv');
    expect([g.outHeight, g.outWidth, g.dilationHeight, g.dilationWidth]).toEqual([8, 4, 1, 3]);
  });

  it('takes a number as symmetric explicit padding', () => {
    const g = conv2dGeometry('conv2d', [1, 5, 5, 1], [3, 3, 1, 1], 2, 1, 1, 'conv');
    expect(heightOf(g)).toEqual([3, 1, 1]);
    const g2 = conv2dGeometry('conv2d', [1, 5, 5, 1], [3, 3, 1, 1], 1, 0, 1, 'conv');
    expect(heightOf(g2)).toEqual([3, 0, 0]);
  });

  it('takes [[top, bottom], [left, right]] explicit padding', () => {
    const g = conv2dGeometry('conv2d', [1, 5, 5, 1], [3, 3, 1, 1], 1, [[1, 2], [0, 0]], 1, 'conv');
    expect([g.outHeight, g.outWidth, g.padTop, g.padBottom, g.padLeft, g.padRight]).toEqual([6, 3, 1, 2, 0, 0]);
    // floor((in + top + bottom - effective) / stride) + 1, as TensorFlow's EXPLICIT padding
    const g2 = conv2dGeometry('conv2d', [1, 6, 6, 1], [3, 3, 1, 1], 2, [[0, 1], [2, 0]], 1, 'conv');
    expect([g2.outHeight, g2.outWidth]).toEqual([3, 3]);
  });

  it('depthwise: outChannels = inChannels * multiplier', () => {
    const g = conv2dGeometry('depthwiseConv2d', [2, 7, 7, 3], [3, 3, 3, 2], 2, 'same', 1, 'depthwise');
    expect([g.outHeight, g.outWidth, g.outChannels, g.channelMultiplier]).toEqual([4, 4, 6, 2]);
  });
});

describe('conv2dGeometry: validation', () => {
  it('rejects x of the wrong rank', () => {
    expectError(
      () => conv2dGeometry('conv2d', [2, 3], [3, 3, 3, 4], 1, 'same', 1, 'conv'),
      ShapeError,
      'conv2d: expected x of rank 4 [batch, height, width, channels], got shape [2,3]',
    );
  });

  it('rejects a filter of the wrong rank, naming the layout of the kind', () => {
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3], 1, 'same', 1, 'conv'),
      ShapeError,
      'conv2d: expected filter of rank 4 [filterHeight, filterWidth, inChannels, outChannels], got shape [3,3,3]',
    );
    expectError(
      () => conv2dGeometry('depthwiseConv2d', [1, 5, 5, 3], [3, 3, 3, 1, 1], 1, 'same', 1, 'depthwise'),
      ShapeError,
      'depthwiseConv2d: expected filter of rank 4 [filterHeight, filterWidth, inChannels, channelMultiplier], got shape [3,3,3,1,1]',
    );
  });

  it('rejects non-integer or negative dimensions', () => {
    expectError(
      () => conv2dGeometry('conv2d', [1, 5.5, 5, 3], [3, 3, 3, 4], 1, 'same', 1, 'conv'),
      ShapeError,
      'conv2d: expected x shape [batch, height, width, channels] of non-negative integers, got shape [1,5.5,5,3]',
    );
  });

  it('rejects an empty filter window', () => {
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [0, 3, 3, 4], 1, 'same', 1, 'conv'),
      ShapeError,
      'conv2d: filter height and width must be at least 1, got filter shape [0,3,3,4]',
    );
  });

  it('rejects mismatched channels', () => {
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 4, 8], 1, 'same', 1, 'conv'),
      ShapeError,
      'conv2d: input channels of x (3) must equal filter.shape[2] (4); x has shape [1,5,5,3], filter has shape [3,3,4,8]',
    );
    expect(() => conv2dGeometry('depthwiseConv2d', [1, 5, 5, 3], [3, 3, 2, 1], 1, 'same', 1, 'depthwise')).toThrow(
      /^depthwiseConv2d: input channels of x \(3\) must equal filter.shape\[2\] \(2\)/,
    );
  });

  it('rejects strides and dilations that are not positive integers', () => {
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 0, 'same', 1, 'conv'),
      ValueError,
      'conv2d: strides must be a positive integer or a pair of positive integers [strideHeight, strideWidth], got 0',
    );
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], [1, 1.5], 'same', 1, 'conv'),
      ValueError,
      'conv2d: strides must be a positive integer or a pair of positive integers [strideHeight, strideWidth], got [1,1.5]',
    );
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 1, 'same', [1, 1, 1] as unknown as [number, number], 'conv'),
      ValueError,
      'conv2d: dilations must be a positive integer or a pair of positive integers [dilationHeight, dilationWidth], got [1,1,1]',
    );
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 1, 'same', -2, 'conv'),
      ValueError,
      'conv2d: dilations must be a positive integer or a pair of positive integers [dilationHeight, dilationWidth], got -2',
    );
  });

  it('rejects strides > 1 together with dilations > 1 (TensorFlow rule)', () => {
    expectError(
      () => conv2dGeometry('conv2d', [1, 9, 9, 3], [3, 3, 3, 4], [2, 1], 'same', [1, 2], 'conv'),
      ValueError,
      'conv2d: strides and dilations cannot both be greater than 1 (TensorFlow requires one of them to be 1), got strides [2,1] and dilations [1,2]',
    );
  });

  it('rejects bad padding', () => {
    const msg = (got: string): string =>
      `conv2d: padding must be 'same', 'valid', a non-negative integer or [[top, bottom], [left, right]] of non-negative integers, got ${got}`;
    expectError(() => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 1, 'full' as 'same', 1, 'conv'), ValueError, msg("'full'"));
    expectError(() => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 1, -1, 1, 'conv'), ValueError, msg('-1'));
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 1, [[1, 1]] as unknown as [[number, number], [number, number]], 1, 'conv'),
      ValueError,
      msg('[[1,1]]'),
    );
    expectError(() => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 1, [[1, 1], [0, -1]], 1, 'conv'), ValueError, msg('[[1,1],[0,-1]]'));
  });

  it('rejects an empty output', () => {
    expectError(
      () => conv2dGeometry('conv2d', [1, 2, 5, 3], [3, 3, 3, 4], 1, 'valid', 1, 'conv'),
      ShapeError,
      "conv2d: output height would be 0; expected at least 1 (input height 2, effective filter height 3, stride 1, padding 'valid')",
    );
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 1, 'valid', [1, 3], 'conv'),
      ShapeError,
      "conv2d: output width would be 0; expected at least 1 (input width 5, effective filter width 7, stride 1, padding 'valid')",
    );
  });

  it('rejects an unknown kind', () => {
    expectError(
      () => conv2dGeometry('conv2d', [1, 5, 5, 3], [3, 3, 3, 4], 1, 'same', 1, 'separable' as 'conv'),
      ValueError,
      "conv2d: kind must be 'conv' or 'depthwise', got 'separable'",
    );
  });
});

describe('pool2dGeometry', () => {
  it('computes TensorFlow pool shapes', () => {
    const g = pool2dGeometry('maxPool', [2, 5, 5, 3], 3, 2, 'same');
    expect([g.outHeight, g.outWidth, g.outChannels, g.padTop, g.padBottom]).toEqual([3, 3, 3, 1, 1]);
    expect(conv2dOutputShape(pool2dGeometry('maxPool', [1, 4, 4, 2], 2, 2, 'valid'))).toEqual([1, 2, 2, 2]);
    const g2 = pool2dGeometry('avgPool', [1, 7, 8, 1], [3, 2], [2, 3], 'valid');
    expect([g2.outHeight, g2.outWidth, g2.filterHeight, g2.filterWidth, g2.dilationHeight, g2.channelMultiplier]).toEqual([3, 3, 3, 2, 1, 1]);
    const g3 = pool2dGeometry('maxPool', [1, 4, 4, 1], 3, 2, 'same');
    expect([g3.outHeight, g3.padTop, g3.padBottom]).toEqual([2, 0, 1]);
  });

  it('validates its arguments', () => {
    expectError(() => pool2dGeometry('maxPool', [4, 4, 1], 2, 2, 'valid'), ShapeError, 'maxPool: expected x of rank 4 [batch, height, width, channels], got shape [4,4,1]');
    expectError(
      () => pool2dGeometry('maxPool', [1, 4, 4, 1], [2, 0], 2, 'valid'),
      ValueError,
      'maxPool: filterSize must be a positive integer or a pair of positive integers [filterHeight, filterWidth], got [2,0]',
    );
    expectError(
      () => pool2dGeometry('avgPool', [1, 4, 4, 1], 2, 2, [[2, 0], [0, 0]]),
      ValueError,
      'avgPool: padding must be smaller than the pooling window [2,2] on every side, got padding [[2,0],[0,0]]',
    );
    expectError(
      () => pool2dGeometry('maxPool', [1, 2, 2, 1], 3, 1, 'valid'),
      ShapeError,
      "maxPool: output height would be 0; expected at least 1 (input height 2, effective filter height 3, stride 1, padding 'valid')",
    );
  });
});

describe('conv2dTransposeGeometry', () => {
  it('is the forward convolution of the result shape', () => {
    const g = conv2dTransposeGeometry('conv2dTranspose', [1, 8, 8, 3], [3, 3, 3, 16], 2, 'same');
    expect(conv2dOutputShape(g)).toEqual([1, 4, 4, 16]);
    expect([g.inHeight, g.inWidth, g.inChannels, g.padTop, g.padBottom]).toEqual([8, 8, 3, 0, 1]);
    const g2 = conv2dTransposeGeometry('conv2dTranspose', [2, 7, 7, 3], [3, 3, 3, 5], 2, 'same', 1);
    expect(conv2dOutputShape(g2)).toEqual([2, 4, 4, 5]);
    const g3 = conv2dTransposeGeometry('conv2dTranspose', [1, 9, 9, 1], [3, 3, 1, 2], 1, 'valid', 2);
    expect(conv2dOutputShape(g3)).toEqual([1, 5, 5, 2]);
  });

  it('checks the channels of outputShape against the filter', () => {
    expectError(
      () => conv2dTransposeGeometry('conv2dTranspose', [1, 8, 8, 4], [3, 3, 3, 16], 2, 'same'),
      ShapeError,
      'conv2dTranspose: channels of outputShape (4) must equal filter.shape[2] (3); outputShape has shape [1,8,8,4], filter has shape [3,3,3,16]',
    );
    expectError(
      () => conv2dTransposeGeometry('conv2dTranspose', [8, 8, 4], [3, 3, 3, 16], 2, 'same'),
      ShapeError,
      'conv2dTranspose: expected outputShape of rank 4 [batch, height, width, channels], got shape [8,8,4]',
    );
  });

  it('checkConv2dTransposeInput accepts the matching x and names the expected shape otherwise', () => {
    const g = conv2dTransposeGeometry('conv2dTranspose', [1, 8, 8, 3], [3, 3, 3, 16], 2, 'same');
    expect(() => checkConv2dTransposeInput('conv2dTranspose', [1, 4, 4, 16], g)).not.toThrow();
    expectError(
      () => checkConv2dTransposeInput('conv2dTranspose', [1, 5, 5, 16], g),
      ShapeError,
      'conv2dTranspose: expected x of shape [1,4,4,16] for outputShape [1,8,8,3] with filter [3,3,3,16], strides [2,2] and the given padding, got shape [1,5,5,16]',
    );
    expect(() => checkConv2dTransposeInput('conv2dTranspose', [1, 4, 4, 15], g)).toThrow(ShapeError);
    expect(() => checkConv2dTransposeInput('conv2dTranspose', [4, 4, 16], g)).toThrow(ShapeError);
  });
});
