/**
 * nn.Linear (and the lazy variant d2l builds on), nn.Dropout and nn.LayerNorm, initialised as PyTorch does.
 * Their keyword parameters are accepted by position or in an options object, as in PyTorch:
 * `new nn.Linear(4, 2, false)` and `new nn.Linear(4, 2, { bias: false })`.
 */
import {
  checkOptions,
  checkRequired,
  isBool,
  isInt,
  isIntOrInts,
  isNumber,
  isOptional,
  optionalArguments,
  type PositionalOrOptions,
} from '../arguments';
import { arange, full, randn } from '../ops/creation';
import { formatTuple } from '../shape';
import type { Tensor } from '../tensor';
import { dropout, embedding, layerNorm, linear } from './functional';
import { kaimingUniformLinear, uniform } from './init';
import { isNotInplace, isProbability, isSize, Module, pyBool } from './module';

/** nn.Linear's and nn.LazyLinear's keyword arguments. */
export interface LinearOptions {
  /** Learn an additive bias (PyTorch: bias); default true. */
  bias?: boolean;
}

/** The bias init of nn.Linear: U(±1/√in_features), or zeros when there are no input features. */
function linearBias(outFeatures: number, inFeatures: number): Tensor {
  return uniform([outFeatures], inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0);
}

/** Calling the module calls forward: `linear(...)` is `.forward(...)`. */
export interface Linear {
  (input: Tensor): Tensor;
}

/** nn.Linear: y = x Wᵀ + b, with PyTorch's Kaiming-uniform initialisation. */
export class Linear extends Module {
  /** `new nn.Linear(inFeatures, outFeatures)`, bias by default: (..., inFeatures) → (..., outFeatures). */
  constructor(
    /** The size of each input's last dim (PyTorch: in_features). */
    readonly inFeatures: number,
    /** The size of each output's last dim (PyTorch: out_features). */
    readonly outFeatures: number,
    ...args: PositionalOrOptions<[bias: boolean], LinearOptions>
  ) {
    super();
    const call = this.moduleName;
    checkRequired(call, { inFeatures, outFeatures });
    isSize(inFeatures, call, 'inFeatures', 1);
    isSize(outFeatures, call, 'outFeatures', 2);
    const { bias = true } = optionalArguments(call, args, { bias: isBool }, 3);
    this.registerParameter('weight', kaimingUniformLinear([outFeatures, inFeatures]));
    this.registerParameter('bias', bias ? linearBias(outFeatures, inFeatures) : null);
  }
  /** The weight W, (outFeatures, inFeatures): y = x Wᵀ + b. */
  get weight(): Tensor {
    return this.requiredParameter('weight');
  }
  /** The bias b, (outFeatures), or null when built with bias false. */
  get bias(): Tensor | null {
    return this.parameter('bias');
  }
  forward(input: Tensor): Tensor {
    // Only a missing input needs the name (building the text on every forward cost a tenth of Linear's time).
    if (input === undefined) checkRequired(`${this.moduleName}.forward`, { input });
    return linear(input, this.weight, this.bias);
  }
  protected override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** The Linear inside nn.MultiheadAttention; only its name differs, as in PyTorch's repr. */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** Calling the module calls forward: `lazyLinear(...)` is `.forward(...)`. */
export interface LazyLinear {
  (input: Tensor): Tensor;
}

/**
 * nn.LazyLinear: in_features is taken from the first input (or from loadStateDict), as d2l's
 * attention modules expect. `new nn.LazyLinear(3, false)` or `new nn.LazyLinear(3, { bias: false })`.
 */
export class LazyLinear extends Module {
  private readonly hasBias: boolean;
  /** `new nn.LazyLinear(outFeatures)`: inFeatures comes from the first input, (..., in) → (..., outFeatures). */
  constructor(
    /** The size of each output's last dim (PyTorch: out_features). */
    readonly outFeatures: number,
    ...args: PositionalOrOptions<[bias: boolean], LinearOptions>
  ) {
    super();
    checkRequired('LazyLinear', { outFeatures });
    isSize(outFeatures, 'LazyLinear', 'outFeatures', 1);
    this.hasBias = optionalArguments('LazyLinear', args, { bias: isBool }, 2).bias ?? true;
    this.registerParameter('weight', null);
    this.registerParameter('bias', null);
  }
  /** Any shape is accepted until the first forward (or load) sets the weight; then PyTorch's shape check applies. */
  protected override isLazy(name: string): boolean {
    return this.weight === null && (name === 'weight' || (name === 'bias' && this.hasBias));
  }
  /** The weight, (outFeatures, inFeatures) once the first input set inFeatures; null before. */
  get weight(): Tensor | null {
    return this.parameter('weight');
  }
  /** The bias, (outFeatures) once the first input came; null before, or when built with bias false. */
  get bias(): Tensor | null {
    return this.parameter('bias');
  }
  forward(input: Tensor): Tensor {
    checkRequired(`${this.moduleName}.forward`, { input });
    if (!this.weight) {
      const inFeatures = input.shape[input.ndim - 1];
      this.assignParameter('weight', kaimingUniformLinear([this.outFeatures, inFeatures]));
      if (this.hasBias) this.assignParameter('bias', linearBias(this.outFeatures, inFeatures));
    }
    return linear(input, this.weight!, this.bias);
  }
  override get moduleName(): string {
    return this.weight ? 'Linear' : 'LazyLinear';
  }
  protected override extraRepr(): string {
    const inFeatures = this.weight ? this.weight.shape[1] : 0;
    return `in_features=${inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.hasBias)}`;
  }
}

/** nn.Dropout's keyword arguments. */
export interface DropoutOptions {
  /** The probability of zeroing an element (PyTorch: p); default 0.5. */
  p?: number;
  /** Only false: tensors are not modified in place (PyTorch: inplace). */
  inplace?: boolean;
}

/** Calling the module calls forward: `dropout(...)` is `.forward(...)`. */
export interface Dropout {
  (input: Tensor): Tensor;
}

/** nn.Dropout: F.dropout while training, the identity in eval mode. `new nn.Dropout(0.1)` or `({ p: 0.1 })`. */
export class Dropout extends Module {
  /** The probability of zeroing each element while training (PyTorch: p). */
  readonly p: number;
  /** `new nn.Dropout(0.1)` or `new nn.Dropout({ p: 0.1 })`, p = 0.5 by default; any shape in and out. */
  constructor(...args: PositionalOrOptions<[p: number, inplace: boolean], DropoutOptions>) {
    super();
    this.p = optionalArguments('Dropout', args, { p: isProbability, inplace: isNotInplace }, 1).p ?? 0.5;
  }
  forward(input: Tensor): Tensor {
    checkRequired('Dropout.forward', { input });
    return dropout(input, this.p, this.training);
  }
  protected override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}

/** nn.LayerNorm's keyword arguments. */
export interface LayerNormOptions {
  /** Added to the variance (PyTorch: eps); default 1e-5. */
  eps?: number;
  /** Learn a weight and a bias (PyTorch: elementwise_affine); default true. */
  elementwiseAffine?: boolean;
}

/** Calling the module calls forward: `layerNorm(...)` is `.forward(...)`. */
export interface LayerNorm {
  (input: Tensor): Tensor;
}

/**
 * nn.LayerNorm over the trailing `normalizedShape` dims, weight 1 and bias 0 at first:
 * `new nn.LayerNorm(8, 1e-6, false)` or `new nn.LayerNorm(8, { eps: 1e-6, elementwiseAffine: false })`.
 */
export class LayerNorm extends Module {
  /** The trailing dims normalized over, e.g. [E] (PyTorch: normalized_shape). */
  readonly normalizedShape: number[];
  /** Added to the variance before the square root (PyTorch: eps). */
  readonly eps: number;
  /**
   * `new nn.LayerNorm(E)` or `(shape, { eps, elementwiseAffine })`: normalizes the trailing dims; shape in = shape
   * out.
   */
  constructor(
    normalizedShape: number | number[],
    ...args: PositionalOrOptions<[eps: number, elementwiseAffine: boolean], LayerNormOptions>
  ) {
    super();
    checkRequired('LayerNorm', { normalizedShape });
    const shape = isIntOrInts(normalizedShape, 'LayerNorm', 'normalizedShape', 1);
    const options = optionalArguments('LayerNorm', args, { eps: isNumber, elementwiseAffine: isBool }, 2);
    const elementwiseAffine = options.elementwiseAffine ?? true;
    this.eps = options.eps ?? 1e-5;
    this.normalizedShape = typeof shape === 'number' ? [shape] : shape;
    this.registerParameter('weight', elementwiseAffine ? full(this.normalizedShape, 1, { dtype: 'float32' }) : null);
    this.registerParameter('bias', elementwiseAffine ? full(this.normalizedShape, 0, { dtype: 'float32' }) : null);
  }
  forward(input: Tensor): Tensor {
    checkRequired('LayerNorm.forward', { input });
    return layerNorm(input, this.normalizedShape, this.parameter('weight'), this.parameter('bias'), this.eps);
  }
  protected override extraRepr(): string {
    const eps = this.eps.toExponential().replace('e-', 'e-0');
    const affine = pyBool(this.parameter('weight') !== null);
    return `${formatTuple(this.normalizedShape)}, eps=${eps}, elementwise_affine=${affine}`;
  }
}

/** nn.Embedding's keyword arguments. */
export interface EmbeddingOptions {
  /** The row whose vector is zero at init and gets no gradient (PyTorch: padding_idx); negative counts from the end. */
  paddingIdx?: number | null;
  /** Rows looked up are rescaled to at most this norm (PyTorch: max_norm). */
  maxNorm?: number | null;
}

/** Calling the module calls forward: `embedding(...)` is `.forward(...)`. */
export interface Embedding {
  (input: Tensor): Tensor;
}

/**
 * nn.Embedding: a lookup table of `numEmbeddings` vectors of `embeddingDim` features, N(0, 1) at init
 * with the padding row zero: `new nn.Embedding(10, 3, { paddingIdx: 0 })`; `emb(ids)` is (...ids, 3).
 */
export class Embedding extends Module {
  /** The row whose vector stays zero and gets no gradient, or null (PyTorch: padding_idx). */
  readonly paddingIdx: number | null;
  /** Looked-up rows are renormalized to at most this norm, or null (PyTorch: max_norm). */
  readonly maxNorm: number | null;
  /**
   * `new nn.Embedding(numEmbeddings, embeddingDim, { paddingIdx, maxNorm })`: ids (...) → vectors (...,
   * embeddingDim).
   */
  constructor(
    /** The number of rows: ids go from 0 to numEmbeddings - 1 (PyTorch: num_embeddings). */
    readonly numEmbeddings: number,
    /** The size of each vector (PyTorch: embedding_dim). */
    readonly embeddingDim: number,
    options?: EmbeddingOptions,
  ) {
    super();
    checkRequired('Embedding', { numEmbeddings, embeddingDim });
    isSize(numEmbeddings, 'Embedding', 'numEmbeddings', 1);
    isSize(embeddingDim, 'Embedding', 'embeddingDim', 2);
    const { paddingIdx, maxNorm } = checkOptions('Embedding', options, {
      paddingIdx: isOptional(isInt),
      maxNorm: isOptional(isNumber),
    });
    if (paddingIdx !== undefined && (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings)) {
      throw new Error('Embedding: Padding_idx must be within num_embeddings');
    }
    this.paddingIdx = paddingIdx === undefined ? null : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
    this.maxNorm = maxNorm ?? null;
    const weight = randn([numEmbeddings, embeddingDim]);
    const paddingRow = arange(numEmbeddings)
      .eq(this.paddingIdx ?? -1)
      .unsqueeze(1); // (V, 1)
    this.registerParameter('weight', weight.maskedFill(paddingRow, 0));
  }
  /** The table, (numEmbeddings, embeddingDim), N(0, 1) at first with the padding row zero. */
  get weight(): Tensor {
    return this.requiredParameter('weight');
  }
  forward(input: Tensor): Tensor {
    checkRequired('Embedding.forward', { input });
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm });
  }
  protected override extraRepr(): string {
    const padding = this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`;
    const maxNorm = this.maxNorm === null ? '' : `, max_norm=${this.maxNorm}`;
    return `${this.numEmbeddings}, ${this.embeddingDim}${padding}${maxNorm}`;
  }
}
