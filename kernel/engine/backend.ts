/**
 * The primitive list: everything a backend must implement. Every op of the engine (movement,
 * elementwise, reductions, softmax, matmul, einsum, attention) is written once over these.
 * Movement ops never reach a backend: they are stride bookkeeping on the Tensor.
 */
import type { BackendName } from './backends/registry';
import type { DType, TypedArray } from './dtype';
import type { Shape } from './shape';

export type { BackendName };

/** Backend-owned memory; `length` counts elements. */
export interface Storage {
  readonly length: number;
}

/** A strided window onto a storage: element i of the view sits at offset + Σ index_d · strides[d]. */
export interface View {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

export const unaryOps = [
  'neg',
  'exp',
  'log',
  'sqrt',
  'tanh',
  'sigmoid',
  'relu',
  'gelu',
  'abs',
  'logicalNot',
  'sin',
  'cos',
  'tan',
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'expm1',
  'log1p',
  'floor',
  'ceil',
  'round',
  'trunc',
] as const;
export type UnaryOp = (typeof unaryOps)[number];

export const binaryOps = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'fmod',
  'atan2',
  'bitwiseAnd',
  'bitwiseOr',
  'bitwiseXor',
] as const;
export type BinaryOp = (typeof binaryOps)[number];

export const reduceOps = ['sum', 'max', 'min', 'argmax', 'argmin'] as const;
export type ReduceOp = (typeof reduceOps)[number];

/** One engine backend: the primitives every op is written over. Its name is a row of the backend table. */
export interface Backend {
  readonly name: BackendName;

  upload(values: TypedArray, dtype: DType): Storage;
  /**
   * Optional: new contiguous storage of `length` elements of `dtype`, every one written by `write` straight
   * into the backend's own memory (the seeded stream's fills). Without it they are written on the host and uploaded.
   */
  writtenStorage?(dtype: DType, length: number, write: (out: TypedArray) => void): Storage;
  /** The storage's values, converted to `dtype`. */
  read(storage: Storage, dtype: DType): TypedArray;

  /** Gathers a strided view into new contiguous storage, casting to `dtype` on the way. */
  copy(a: View, dtype: DType): Storage;
  /**
   * Writes `values` (of the target's dtype, already broadcast to target's shape) into target.storage at
   * target's strided positions, in place: every view of that storage sees the write. `values` may share
   * the target's storage; it is read whole before anything is written.
   */
  assign(target: View, values: View): void;
  unary(op: UnaryOp, a: View, dtype: DType): Storage;
  /** `a` and `b` are already broadcast to one shape (stride 0 on broadcast dims). */
  binary(op: BinaryOp, a: View, b: View, dtype: DType): Storage;
  where(condition: View, a: View, b: View, dtype: DType): Storage;
  /** Reduces the last dim of `a`; the result is contiguous with shape a.shape[:-1]. */
  reduce(op: ReduceOp, a: View, dtype: DType): Storage;
  /** Joins contiguous copies of `parts` along `dim` (the parts agree on every other dim). */
  concat(parts: readonly View[], dim: number, dtype: DType): Storage;
  /** a (B, M, K) @ b (B, K, N) → contiguous (B, M, N); batch stride 0 broadcasts a matrix. */
  matmul(a: View, b: View): Storage;
  /**
   * True when matmul repacks its operands itself, so every layout is read at the same speed. Otherwise
   * the op first makes both operands contiguous along K, the axis the backend's loops walk.
   */
  readonly matmulPacksOperands?: boolean;
  /**
   * Optional fused addmm: matmul(a, b) with the float32 vector `bias` (N) added to every row, in the same
   * pass (each element the float add a separate binary add would make). Without it linear runs matmul
   * and binary add.
   */
  matmulAddBias?(a: View, b: View, bias: View): Storage;
  /**
   * Optional fused kernel: softmax along the last dim of a float32 view, contiguous out. Without it
   * softmax is composed from reduce, binary and unary (five passes, four intermediates).
   */
  softmax?(a: View): Storage;
  /**
   * Optional fused backward of relu: from the float32 output y and its gradient g (views of one shape),
   * g where y > 0, else 0, contiguous. Without it the derivative is a comparison and a where.
   */
  reluBackward?(grad: View, out: View): Storage;
  /**
   * Optional fused backward of softmax along the last dim: from the float32 output y and its gradient g
   * (views of one shape), the input's gradient y·(g - Σ g·y) per row, contiguous. Without it the
   * derivative is composed from four primitives (mul, reduce, sub, mul).
   */
  softmaxBackward?(grad: View, out: View): Storage;
  /**
   * Optional fused layer normalisation over the last dim of a float32 view: (x - mean)·rstd·weight + bias
   * with rstd = 1/√(biased variance + eps), weight and bias (n) optional. Returns the output (contiguous,
   * x's shape) and each row's mean and rstd (x.shape[:-1]) for layerNormBackward. Without it layerNorm is
   * composed from reductions and elementwise primitives (and its backward from their derivatives).
   */
  layerNorm?(x: View, weight: View | null, bias: View | null, eps: number): LayerNormResult;
  /**
   * The gradients of layerNorm from the output's gradient, the input and the forward's mean and rstd:
   * the input's always, the weight's and bias's where asked for (Σ over rows of g·x̂ and of g).
   */
  layerNormBackward?(
    grad: View,
    x: View,
    mean: View,
    rstd: View,
    weight: View | null,
    wanted: { weight: boolean; bias: boolean },
  ): LayerNormGradients;
  /**
   * Optional fused Adam/AdamW update of one float32 parameter, in place: one pass over contiguous views of
   * one length writes the parameter and its moment estimates from the grad, in torch 1.13's order of
   * operations (adam.ts). Without it the optimizers compose the update from elementwise in-place ops.
   */
  adamStep?(tensors: AdamStepViews, scalars: AdamStepScalars): void;
}

/** The views adamStep reads (grad) and writes (the others), contiguous float32 of one length each. */
export interface AdamStepViews {
  param: View;
  grad: View;
  expAvg: View;
  expAvgSq: View;
  /** AMSGrad's running maximum of expAvgSq; null without AMSGrad. */
  maxExpAvgSq: View | null;
}

/** One Adam step's numbers for adamStep, computed from the group's options and the step count. */
export interface AdamStepScalars {
  beta1: number;
  beta2: number;
  eps: number;
  /** Adam's L2 penalty, added to the grad as weightDecay·param (0 in AdamW). */
  weightDecay: number;
  /** AdamW's decoupled decay: the parameter is first multiplied by this, 1 - lr·weightDecay (1 in Adam). */
  paramScale: number;
  /** lr / (1 - beta1^step). */
  stepSize: number;
  /** √(1 - beta2^step). */
  biasCorrection2Sqrt: number;
  /** Ascends: the grad's sign is flipped first. */
  maximize: boolean;
}

/** What the fused layerNorm primitive returns: the output, and per row the mean and 1/√(variance + eps). */
export interface LayerNormResult {
  out: Storage;
  mean: Storage;
  rstd: Storage;
}

/** The fused layerNorm backward's gradients; weight and bias are null where not asked for. */
export interface LayerNormGradients {
  input: Storage;
  weight: Storage | null;
  bias: Storage | null;
}
