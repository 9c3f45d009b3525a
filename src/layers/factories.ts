/**
 * The layer factories, TensorFlow.js style: `layers.dense({units: 10})`
 * is `new Dense({units: 10})`. The classes are exported too, for
 * subclassing and `instanceof`.
 *
 * @module
 */
import { Dense, type DenseArgs } from './core/dense.js';
import { Activation, type ActivationArgs } from './core/activation.js';
import { Dropout, type DropoutArgs } from './core/dropout.js';
import { Flatten, type FlattenArgs, Permute, type PermuteArgs, RepeatVector, type RepeatVectorArgs, Reshape, type ReshapeArgs } from './core/reshaping.js';
import { Embedding, type EmbeddingArgs } from './core/embedding.js';
import { Conv1D, type Conv1DArgs, Conv2D, type Conv2DArgs, Conv2DTranspose, type Conv2DTransposeArgs } from './convolutional/conv.js';
import { DepthwiseConv2D, type DepthwiseConv2DArgs, SeparableConv2D, type SeparableConv2DArgs } from './convolutional/depthwise.js';
import { AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalMaxPooling1D, GlobalMaxPooling2D, type GlobalPoolingArgs, MaxPooling1D, MaxPooling2D, type Pooling1DArgs, type Pooling2DArgs } from './pooling.js';
import { BatchNormalization, type BatchNormalizationArgs, LayerNormalization, type LayerNormalizationArgs } from './normalization.js';
import { SimpleRNN, type SimpleRNNArgs } from './recurrent/simple-rnn.js';
import { LSTM, type LSTMArgs } from './recurrent/lstm.js';
import { GRU, type GRUArgs } from './recurrent/gru.js';
import { MultiHeadAttention, type MultiHeadAttentionArgs } from './attention.js';
import { Add, type AddArgs, Average, type AverageArgs, Concatenate, type ConcatenateArgs, Maximum, type MaximumArgs, Minimum, type MinimumArgs, Multiply, type MultiplyArgs, Subtract, type SubtractArgs } from './merge.js';

/**
 * A densely connected layer: `activation(x · kernel + bias)`. Creates a {@link Dense}.
 *
 * @example
 * ```ts
 * layers.dense({ units: 64, activation: 'relu', inputShape: [784] });
 * ```
 */
export function dense(args: DenseArgs): Dense {
  return new Dense(args);
}

/**
 * Applies an activation function. Creates a {@link Activation}.
 *
 * @example
 * ```ts
 * layers.activation({ activation: 'relu' });
 * ```
 */
export function activation(args: ActivationArgs): Activation {
  return new Activation(args);
}

/**
 * Zeroes a fraction `rate` of the inputs in training (scaling the rest). Creates a {@link Dropout}.
 *
 * @example
 * ```ts
 * layers.dropout({ rate: 0.2 });
 * ```
 */
export function dropout(args: DropoutArgs): Dropout {
  return new Dropout(args);
}

/**
 * Flattens each sample to one axis. Creates a {@link Flatten}.
 *
 * @example
 * ```ts
 * layers.flatten();
 * ```
 */
export function flatten(args: FlattenArgs = {}): Flatten {
  return new Flatten(args);
}

/**
 * Reshapes each sample to `targetShape`. Creates a {@link Reshape}.
 *
 * @example
 * ```ts
 * layers.reshape({ targetShape: [28, 28, 1] });
 * ```
 */
export function reshape(args: ReshapeArgs): Reshape {
  return new Reshape(args);
}

/**
 * Permutes the non-batch axes (1-based `dims`, as Keras). Creates a {@link Permute}.
 *
 * @example
 * ```ts
 * layers.permute({ dims: [2, 1] });
 * ```
 */
export function permute(args: PermuteArgs): Permute {
  return new Permute(args);
}

/**
 * Repeats a `[batch, features]` input `n` times: `[batch, n, features]`. Creates a {@link RepeatVector}.
 *
 * @example
 * ```ts
 * layers.repeatVector({ n: 3 });
 * ```
 */
export function repeatVector(args: RepeatVectorArgs): RepeatVector {
  return new RepeatVector(args);
}

/**
 * Maps integer ids to learned vectors. Creates a {@link Embedding}.
 *
 * @example
 * ```ts
 * layers.embedding({ inputDim: 1000, outputDim: 64 });
 * ```
 */
export function embedding(args: EmbeddingArgs): Embedding {
  return new Embedding(args);
}

/**
 * 1-D convolution over `[batch, steps, channels]`. Creates a {@link Conv1D}.
 *
 * @example
 * ```ts
 * layers.conv1d({ filters: 16, kernelSize: 3, padding: 'causal' });
 * ```
 */
export function conv1d(args: Conv1DArgs): Conv1D {
  return new Conv1D(args);
}

/**
 * 2-D convolution over `[batch, height, width, channels]`. Creates a {@link Conv2D}.
 *
 * @example
 * ```ts
 * layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] });
 * ```
 */
export function conv2d(args: Conv2DArgs): Conv2D {
  return new Conv2D(args);
}

/**
 * Transposed 2-D convolution (upsampling). Creates a {@link Conv2DTranspose}.
 *
 * @example
 * ```ts
 * layers.conv2dTranspose({ filters: 16, kernelSize: 3, strides: 2, padding: 'same' });
 * ```
 */
export function conv2dTranspose(args: Conv2DTransposeArgs): Conv2DTranspose {
  return new Conv2DTranspose(args);
}

/**
 * Depthwise 2-D convolution (one filter set per input channel). Creates a {@link DepthwiseConv2D}.
 *
 * @example
 * ```ts
 * layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 });
 * ```
 */
export function depthwiseConv2d(args: DepthwiseConv2DArgs): DepthwiseConv2D {
  return new DepthwiseConv2D(args);
}

/**
 * Depthwise then pointwise 2-D convolution. Creates a {@link SeparableConv2D}.
 *
 * @example
 * ```ts
 * layers.separableConv2d({ filters: 32, kernelSize: 3 });
 * ```
 */
export function separableConv2d(args: SeparableConv2DArgs): SeparableConv2D {
  return new SeparableConv2D(args);
}

/**
 * Max pooling over steps. Creates a {@link MaxPooling1D}.
 *
 * @example
 * ```ts
 * layers.maxPooling1d({ poolSize: 2 });
 * ```
 */
export function maxPooling1d(args: Pooling1DArgs = {}): MaxPooling1D {
  return new MaxPooling1D(args);
}

/**
 * Max pooling over height and width. Creates a {@link MaxPooling2D}.
 *
 * @example
 * ```ts
 * layers.maxPooling2d({ poolSize: 2 });
 * ```
 */
export function maxPooling2d(args: Pooling2DArgs = {}): MaxPooling2D {
  return new MaxPooling2D(args);
}

/**
 * Average pooling over steps. Creates a {@link AveragePooling1D}.
 *
 * @example
 * ```ts
 * layers.averagePooling1d({ poolSize: 2 });
 * ```
 */
export function averagePooling1d(args: Pooling1DArgs = {}): AveragePooling1D {
  return new AveragePooling1D(args);
}

/**
 * Average pooling over height and width. Creates a {@link AveragePooling2D}.
 *
 * @example
 * ```ts
 * layers.averagePooling2d({ poolSize: 2 });
 * ```
 */
export function averagePooling2d(args: Pooling2DArgs = {}): AveragePooling2D {
  return new AveragePooling2D(args);
}

/**
 * Mean over all steps. Creates a {@link GlobalAveragePooling1D}.
 *
 * @example
 * ```ts
 * layers.globalAveragePooling1d();
 * ```
 */
export function globalAveragePooling1d(args: GlobalPoolingArgs = {}): GlobalAveragePooling1D {
  return new GlobalAveragePooling1D(args);
}

/**
 * Mean over height and width. Creates a {@link GlobalAveragePooling2D}.
 *
 * @example
 * ```ts
 * layers.globalAveragePooling2d();
 * ```
 */
export function globalAveragePooling2d(args: GlobalPoolingArgs = {}): GlobalAveragePooling2D {
  return new GlobalAveragePooling2D(args);
}

/**
 * Max over all steps. Creates a {@link GlobalMaxPooling1D}.
 *
 * @example
 * ```ts
 * layers.globalMaxPooling1d();
 * ```
 */
export function globalMaxPooling1d(args: GlobalPoolingArgs = {}): GlobalMaxPooling1D {
  return new GlobalMaxPooling1D(args);
}

/**
 * Max over height and width. Creates a {@link GlobalMaxPooling2D}.
 *
 * @example
 * ```ts
 * layers.globalMaxPooling2d();
 * ```
 */
export function globalMaxPooling2d(args: GlobalPoolingArgs = {}): GlobalMaxPooling2D {
  return new GlobalMaxPooling2D(args);
}

/**
 * Batch normalization with moving statistics (batch statistics in training). Creates a {@link BatchNormalization}.
 *
 * @example
 * ```ts
 * layers.batchNormalization({ momentum: 0.99 });
 * ```
 */
export function batchNormalization(args: BatchNormalizationArgs = {}): BatchNormalization {
  return new BatchNormalization(args);
}

/**
 * Layer normalization over the last axis (or `axis`). Creates a {@link LayerNormalization}.
 *
 * @example
 * ```ts
 * layers.layerNormalization({ epsilon: 1e-6 });
 * ```
 */
export function layerNormalization(args: LayerNormalizationArgs = {}): LayerNormalization {
  return new LayerNormalization(args);
}

/**
 * A fully connected recurrent layer. Creates a {@link SimpleRNN}.
 *
 * @example
 * ```ts
 * layers.simpleRNN({ units: 32, returnSequences: true });
 * ```
 */
export function simpleRNN(args: SimpleRNNArgs): SimpleRNN {
  return new SimpleRNN(args);
}

/**
 * Long short-term memory. Creates a {@link LSTM}.
 *
 * @example
 * ```ts
 * layers.lstm({ units: 64, returnState: true });
 * ```
 */
export function lstm(args: LSTMArgs): LSTM {
  return new LSTM(args);
}

/**
 * Gated recurrent unit. Creates a {@link GRU}.
 *
 * @example
 * ```ts
 * layers.gru({ units: 64 });
 * ```
 */
export function gru(args: GRUArgs): GRU {
  return new GRU(args);
}

/**
 * Multi-head scaled dot-product attention; apply it to `[query, value]` or `[query, value, key]`. Creates a {@link MultiHeadAttention}.
 *
 * @example
 * ```ts
 * layers.multiHeadAttention({ numHeads: 4, keyDim: 16 });
 * ```
 */
export function multiHeadAttention(args: MultiHeadAttentionArgs): MultiHeadAttention {
  return new MultiHeadAttention(args);
}

/**
 * Sums a list of inputs. Creates a {@link Add}.
 *
 * @example
 * ```ts
 * layers.add().apply([a, b]);
 * ```
 */
export function add(args: AddArgs = {}): Add {
  return new Add(args);
}

/**
 * Subtracts the second input from the first. Creates a {@link Subtract}.
 *
 * @example
 * ```ts
 * layers.subtract().apply([a, b]);
 * ```
 */
export function subtract(args: SubtractArgs = {}): Subtract {
  return new Subtract(args);
}

/**
 * Multiplies a list of inputs elementwise. Creates a {@link Multiply}.
 *
 * @example
 * ```ts
 * layers.multiply().apply([a, b]);
 * ```
 */
export function multiply(args: MultiplyArgs = {}): Multiply {
  return new Multiply(args);
}

/**
 * Averages a list of inputs. Creates a {@link Average}.
 *
 * @example
 * ```ts
 * layers.average().apply([a, b]);
 * ```
 */
export function average(args: AverageArgs = {}): Average {
  return new Average(args);
}

/**
 * Elementwise maximum of a list of inputs. Creates a {@link Maximum}.
 *
 * @example
 * ```ts
 * layers.maximum().apply([a, b]);
 * ```
 */
export function maximum(args: MaximumArgs = {}): Maximum {
  return new Maximum(args);
}

/**
 * Elementwise minimum of a list of inputs. Creates a {@link Minimum}.
 *
 * @example
 * ```ts
 * layers.minimum().apply([a, b]);
 * ```
 */
export function minimum(args: MinimumArgs = {}): Minimum {
  return new Minimum(args);
}

/**
 * Concatenates a list of inputs along `axis` (default -1). Creates a {@link Concatenate}.
 *
 * @example
 * ```ts
 * layers.concatenate({ axis: -1 }).apply([a, b]);
 * ```
 */
export function concatenate(args: ConcatenateArgs = {}): Concatenate {
  return new Concatenate(args);
}
