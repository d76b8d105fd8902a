/** The `nn`, `F`, `d2l` and `labml` namespaces of the engine's public API. */
export { Module, type StateValue } from './module';
export {
  Dropout,
  LayerNorm,
  LazyLinear,
  Linear,
  NonDynamicallyQuantizableLinear,
  type DropoutOptions,
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
