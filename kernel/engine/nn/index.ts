/** The `nn`, `F`, `d2l` and `labml` namespaces of the engine's public API. */
export { Module, type StateValue } from './module';
export { Parameter } from './parameter';
export { ModuleDict, ModuleList, Sequential } from './containers';
export { GELU, Identity, ReLU, Softmax, Tanh } from './activations';
export {
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  MSELoss,
  type BinaryCrossEntropyWithLogitsOptions,
  type CrossEntropyOptions,
  type NllLossOptions,
  type Reduction,
  type ReductionOptions,
} from './loss';
export {
  TransformerEncoder,
  TransformerEncoderLayer,
  type Activation,
  type TransformerEncoderForwardOptions,
  type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderLayerOptions,
  type TransformerEncoderOptions,
} from './transformer';
export {
  Dropout,
  Embedding,
  LayerNorm,
  LazyLinear,
  Linear,
  NonDynamicallyQuantizableLinear,
  type DropoutOptions,
  type EmbeddingOptions,
  type LayerNormOptions,
  type LinearOptions,
} from './layers';
export {
  generateSquareSubsequentMask,
  MultiheadAttention,
  type MultiheadAttentionForwardOptions,
  type MultiheadAttentionOptions,
} from './multiheadAttention';
export { ConcatAttention } from './concatAttention';
export * as init from './initInPlace';
export * as utils from './utils';
