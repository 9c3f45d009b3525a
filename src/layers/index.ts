/**
 * The layers floor: the `Layer` base, every layer class, the `layers`
 * factories, `input()`, initializers, activations and regularizers.
 *
 * @module
 */
export * as layers from './factories.js';
export {
  Layer,
  registerLayer,
  deserializeLayer,
  layerRegistry,
  parseLayerOptions,
  type LayerShape,
  type InputSpec,
  type CallArgs,
  type BaseLayerArgs,
  type AddWeightOptions,
} from './layer.js';
export { SymbolicTensor, type LayerNode } from './symbolic.js';
export { input, InputLayer, type InputArgs } from './input-layer.js';
export { Registry, parseOptions, didYouMean, type ConfigDict, type ConfigValue, type Serialized } from './config.js';
export { Dense, type DenseArgs } from './core/dense.js';
export { Activation, type ActivationArgs } from './core/activation.js';
export { Dropout, type DropoutArgs } from './core/dropout.js';
export { Flatten, Reshape, Permute, RepeatVector, type FlattenArgs, type ReshapeArgs, type PermuteArgs, type RepeatVectorArgs } from './core/reshaping.js';
export { Embedding, type EmbeddingArgs } from './core/embedding.js';
export { BaseConv, Conv, Conv1D, Conv2D, Conv2DTranspose, type Conv1DArgs, type Conv2DArgs, type Conv2DTransposeArgs, type ConvPadding } from './convolutional/conv.js';
export { DepthwiseConv2D, SeparableConv2D, type DepthwiseConv2DArgs, type SeparableConv2DArgs } from './convolutional/depthwise.js';
export {
  BasePooling,
  BaseGlobalPooling,
  MaxPooling1D,
  MaxPooling2D,
  AveragePooling1D,
  AveragePooling2D,
  GlobalAveragePooling1D,
  GlobalAveragePooling2D,
  GlobalMaxPooling1D,
  GlobalMaxPooling2D,
  type Pooling1DArgs,
  type Pooling2DArgs,
  type GlobalPoolingArgs,
} from './pooling.js';
export { BatchNormalization, LayerNormalization, type BatchNormalizationArgs, type LayerNormalizationArgs } from './normalization.js';
export { RecurrentLayer, type CellStep } from './recurrent/base.js';
export { SimpleRNN, type SimpleRNNArgs } from './recurrent/simple-rnn.js';
export { LSTM, type LSTMArgs } from './recurrent/lstm.js';
export { GRU, type GRUArgs } from './recurrent/gru.js';
export { MultiHeadAttention, type MultiHeadAttentionArgs } from './attention.js';
export {
  Merge,
  Add,
  Subtract,
  Multiply,
  Average,
  Maximum,
  Minimum,
  Concatenate,
  type MergeArgs,
  type AddArgs,
  type SubtractArgs,
  type MultiplyArgs,
  type AverageArgs,
  type MaximumArgs,
  type MinimumArgs,
  type ConcatenateArgs,
} from './merge.js';
export * from './initializers.js';
export {
  activations,
  getActivation,
  registerActivation,
  serializeActivation,
  activationOption,
  type ActivationFunction,
  type ActivationIdentifier,
} from './activations.js';
export * from './regularizers.js';
