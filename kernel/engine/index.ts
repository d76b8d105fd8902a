/**
 * The engine's public API: what `require('./dist/engine.js')` gives plain Node and what notebook
 * cells get from `import ... from 'attention-lab'`. PyTorch names in camelCase.
 */
export { Tensor } from './tensor';
import './methodArity'; // too many arguments to a Tensor method are a TypeError (installed once)
export type { NestedArray, Scalar, TensorLike } from './tensor';
export type { DType, TypedArray } from './dtype';
export type { DTypeName, TorchDType } from './dtype';
export type { BackendName } from './backend';
export type { BackendCandidate, BackendReport } from './backends/registry';
export type { PrintOptions } from './format';
export type { IndexSpec } from './ops/movement';
export type { DiagonalOptions, DimOptions, FlattenOptions } from './ops/movement';
export type { GatherOptions, IndexAddOptions, IndexPutOptions, NonzeroOptions, ScatterOptions } from './ops/indexing';
export type { Shape, Size } from './shape';
export type { TensorOptions } from './ops/creation';
export type { AlphaOptions } from './ops/elementwise';
export type { NormalInPlaceOptions, UniformInPlaceOptions } from './ops/inplace';
export type { DimKeepdimOptions, ReduceOptions, VarianceOptions } from './ops/reduction';
export type { SoftmaxOptions, SumOptions } from './ops/reduction';
export type { CumulativeOptions, ProdOptions } from './ops/scan';
export type { DTypeOptions, NumericArray, ToOptions } from './ops/creation';

export { getBackend, setBackend } from './backends/registry';
export { getPrintOptions, setPrintOptions } from './format';
export { manualSeed } from './random';
export {
  arange,
  eye,
  full,
  linspace,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  tensor,
  zeros,
  zerosLike,
} from './ops/creation';
export { asTensor, empty, emptyLike, fullLike, logspace, randLike, randnLike, randintLike } from './ops/creation';
export { bernoulli, multinomial, normal, randperm } from './ops/creation';
export type { BernoulliOptions, LogspaceOptions, MultinomialOptions, NormalOptions, ToArgs } from './ops/creation';
export {
  cat,
  chunk,
  clone,
  contiguous,
  expand,
  flatten,
  index,
  narrow,
  permute,
  repeat,
  repeatInterleave,
  reshape,
  select,
  slice,
  split,
  squeeze,
  stack,
  transpose,
  tril,
  triu,
  unsqueeze,
  view,
} from './ops/movement';
export {
  gather,
  indexAdd,
  indexPut_,
  indexSelect,
  maskedSelect,
  nonzero,
  scatter,
  scatterAdd,
  take,
} from './ops/indexing';
export {
  abs,
  add,
  cast,
  div,
  eq,
  exp,
  ge,
  gelu,
  gt,
  le,
  log,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  maskedFill,
  maximum,
  minimum,
  mul,
  ne,
  neg,
  pow,
  relu,
  sigmoid,
  sqrt,
  sub,
  tanh,
  where,
} from './ops/elementwise';
export {
  acos,
  allclose,
  asin,
  atan,
  atan2,
  ceil,
  clamp,
  clip,
  cos,
  cosh,
  equal,
  exp2,
  expm1,
  floor,
  frac,
  isclose,
  isfinite,
  isinf,
  isnan,
  log10,
  log1p,
  log2,
  logicalXor,
  nanToNum,
  reciprocal,
  round,
  rsqrt,
  sign,
  sin,
  sinh,
  square,
  tan,
  trunc,
  type ClampOptions,
  type IsCloseOptions,
  type NanToNumOptions,
} from './ops/elementwise';
export {
  bitwiseAnd,
  bitwiseNot,
  bitwiseOr,
  bitwiseXor,
  floorDivide,
  fmod,
  lerp,
  remainder,
  type DivOptions,
} from './ops/elementwise';
export {
  all,
  amax,
  amin,
  any,
  argmax,
  argmin,
  logSoftmax,
  logsumexp,
  max,
  mean,
  min,
  softmax,
  std,
  sum,
  ValuesIndices,
  variance as var,
} from './ops/reduction';
export {
  aminmax,
  argsort,
  countNonzero,
  cummax,
  cummin,
  cumprod,
  cumsum,
  kthvalue,
  median,
  MinMax,
  mode,
  nanmean,
  nansum,
  norm,
  prod,
  sort,
  topk,
  unique,
} from './ops/scan';
export type { NormOptions, SortOptions, TopkOptions, UniqueOptions } from './ops/scan';
export { bmm, einsum, matmul, mm } from './ops/linalg';
export {
  broadcastShapes,
  broadcastTensors,
  broadcastTo,
  diag,
  diagonal,
  flip,
  meshgrid,
  moveaxis,
  movedim,
  roll,
  swapaxes,
  swapdims,
  trilIndices,
  triuIndices,
  unbind,
} from './ops/arrange';
export type {
  DiagOptions,
  DiagonalViewOptions,
  EmbeddingOptions,
  MeshgridOptions,
  OneHotOptions,
  PadMode,
  PadOptions,
  RollOptions,
  TriangleIndicesOptions,
  UnbindOptions,
} from './ops/arrange';

export * as nn from './nn/index';
export * as F from './nn/functional';
export * as d2l from './nn/d2l';
export * as labml from './nn/labml';
// The seq2seq tutorial's attention is not torch.nn's, so it is also importable by itself.
export { ConcatAttention } from './nn/index';
export { attentionWeightsInfo, tagAttentionWeights, type AttentionWeightsInfo } from './nn/attentionWeights';
export { trace, type Stage, type StageShape, type Trace, type AxisName } from './nn/trace';
export { enableGrad, isGradEnabled, noGrad } from './autograd/gradMode';
export * as autograd from './autograd/autograd';
export * as optim from './optim/index';
export { AccumulateGrad, GradFn } from './autograd/gradFn';
export type { BackwardOptions, GradOptions } from './autograd/backward';
