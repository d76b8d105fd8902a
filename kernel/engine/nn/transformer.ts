/**
 * nn.TransformerEncoderLayer and nn.TransformerEncoder as PyTorch 1.13 computes them: post-norm (or pre-norm
 * with normFirst) self-attention and feed-forward blocks, with 1.13's parameters, init and state_dict keys.
 * In eval mode, 1.13's encoder runs batch-first inputs with a key padding mask as nested tensors: the padded
 * positions of its output are 0 (before the final norm), and the output has only as many positions as the
 * longest sequence. That is reproduced here under the same conditions, so the numbers are torch's.
 * Shapes: S positions, N batch entries, E = dModel features.
 */
import { isGradEnabled } from '../autograd/gradMode';
import {
  checkOptions,
  checkRequired,
  isBool,
  isInt,
  isNumber,
  isOptional,
  isTensor,
  type ArgumentCheck,
} from '../arguments';
import type { Tensor } from '../tensor';
import { gelu, relu } from './functional';
import { Dropout, LayerNorm, Linear } from './layers';
import { deepCopyModule, isProbability, isSize, Module } from './module';
import { generateSquareSubsequentMask, MultiheadAttention } from './multiheadAttention';

/** The feed-forward activation: 'relu', 'gelu' or a function of a tensor. */
export type Activation = 'relu' | 'gelu' | ((input: Tensor) => Tensor);

/** nn.TransformerEncoderLayer's keyword arguments. */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block (PyTorch: dim_feedforward); default 2048. */
  dimFeedforward?: number;
  /** Dropout probability everywhere in the layer (PyTorch: dropout); default 0.1. */
  dropout?: number;
  /** The feed-forward activation (PyTorch: activation); default 'relu'. */
  activation?: Activation;
  /** The layer norms' eps (PyTorch: layer_norm_eps); default 1e-5. */
  layerNormEps?: number;
  /** Inputs and output are (N, S, E) instead of (S, N, E) (PyTorch: batch_first); default false. */
  batchFirst?: boolean;
  /** Layer norm before each block instead of after the residual sum (PyTorch: norm_first); default false. */
  normFirst?: boolean;
}

const isActivation: ArgumentCheck<Activation> = (value, call) => {
  if (value === 'relu' || value === 'gelu' || typeof value === 'function') return value as Activation;
  throw new Error(`${call}: activation should be relu/gelu, not ${String(value)}`);
};

const layerSpec = {
  dimFeedforward: isSize,
  dropout: isProbability,
  activation: isActivation,
  layerNormEps: isNumber,
  batchFirst: isBool,
  normFirst: isBool,
};

/** nn.TransformerEncoderLayer.forward's keyword arguments. */
export interface TransformerEncoderLayerForwardOptions {
  /** (S, S) or (N·nhead, S, S): bool True = not allowed, float = added (PyTorch: src_mask). */
  srcMask?: Tensor | null;
  /** (N, S): bool True = a padding position that no query attends to (PyTorch: src_key_padding_mask). */
  srcKeyPaddingMask?: Tensor | null;
  /** PyTorch 2.x's hint that the mask is causal; without srcMask a causal mask is made (PyTorch: is_causal). */
  isCausal?: boolean;
}

const layerForwardSpec = { srcMask: isOptional(isTensor), srcKeyPaddingMask: isOptional(isTensor), isCausal: isBool };

/** Calling the module calls forward: `transformerEncoderLayer(...)` is `.forward(...)`. */
export interface TransformerEncoderLayer {
  (src: Tensor, options?: TransformerEncoderLayerForwardOptions): Tensor;
}

/**
 * nn.TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout, activation, layerNormEps, batchFirst,
 * normFirst }): self-attention then a feed-forward block, each with a residual connection and a layer norm.
 */
export class TransformerEncoderLayer extends Module {
  /** Layer norm before each block (pre-norm) instead of after it (PyTorch: norm_first). */
  readonly normFirst: boolean;
  /** The feed-forward block's activation, 'relu' or 'gelu' (PyTorch: activation). */
  readonly activation: Activation;
  /** `new nn.TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout, batchFirst, normFirst, ... })`. */
  constructor(
    /** The model width E of inputs and outputs (PyTorch: d_model). */
    readonly dModel: number,
    /** The number of attention heads; dModel must divide by it (PyTorch: nhead). */
    readonly nhead: number,
    options?: TransformerEncoderLayerOptions,
  ) {
    super();
    checkRequired('TransformerEncoderLayer', { dModel, nhead });
    isSize(dModel, 'TransformerEncoderLayer', 'dModel', 1);
    isSize(nhead, 'TransformerEncoderLayer', 'nhead', 2);
    const checked = checkOptions('TransformerEncoderLayer', options, layerSpec);
    const { dimFeedforward = 2048, dropout = 0.1, layerNormEps = 1e-5, batchFirst = false } = checked;
    this.normFirst = checked.normFirst ?? false;
    this.activation = checked.activation ?? 'relu';
    this.registerModule('self_attn', new MultiheadAttention(dModel, nhead, { dropout, batchFirst }));
    this.registerModule('linear1', new Linear(dModel, dimFeedforward));
    this.registerModule('dropout', new Dropout(dropout));
    this.registerModule('linear2', new Linear(dimFeedforward, dModel));
    this.registerModule('norm1', new LayerNorm(dModel, { eps: layerNormEps }));
    this.registerModule('norm2', new LayerNorm(dModel, { eps: layerNormEps }));
    this.registerModule('dropout1', new Dropout(dropout));
    this.registerModule('dropout2', new Dropout(dropout));
  }
  /** The self-attention block, an nn.MultiheadAttention(dModel, nhead) (PyTorch: self_attn). */
  get selfAttn(): MultiheadAttention {
    return this.submodule('self_attn');
  }
  /** The feed-forward block's first Linear: (..., dModel) → (..., dimFeedforward). */
  get linear1(): Linear {
    return this.submodule('linear1');
  }
  /** The feed-forward block's second Linear: (..., dimFeedforward) → (..., dModel). */
  get linear2(): Linear {
    return this.submodule('linear2');
  }
  /** The LayerNorm(dModel) of the self-attention block. */
  get norm1(): LayerNorm {
    return this.submodule('norm1');
  }
  /** The LayerNorm(dModel) of the feed-forward block. */
  get norm2(): LayerNorm {
    return this.submodule('norm2');
  }

  /** `layer(src, { srcMask, srcKeyPaddingMask })`: src (S, N, E), or (N, S, E) with batchFirst. */
  forward(src: Tensor, options?: TransformerEncoderLayerForwardOptions): Tensor {
    checkRequired('TransformerEncoderLayer.forward', { src });
    const {
      srcMask = null,
      srcKeyPaddingMask = null,
      isCausal = false,
    } = checkOptions('TransformerEncoderLayer.forward', options, layerForwardSpec);
    const mask = srcMask ?? (isCausal ? generateSquareSubsequentMask(src.shape[src.ndim === 3 ? 1 : 0]) : null);
    const attention = (x: Tensor) => this.selfAttentionBlock(x, mask, srcKeyPaddingMask);
    if (this.normFirst) {
      const x = src.add(attention(this.norm1(src)));
      return x.add(this.feedForwardBlock(this.norm2(x)));
    }
    const x = this.norm1(src.add(attention(src)));
    return this.norm2(x.add(this.feedForwardBlock(x)));
  }

  private selfAttentionBlock(x: Tensor, attnMask: Tensor | null, keyPaddingMask: Tensor | null): Tensor {
    const [attended] = this.selfAttn(x, x, x, { attnMask, keyPaddingMask, needWeights: false });
    return this.submodule<Dropout>('dropout1')(attended);
  }

  private feedForwardBlock(x: Tensor): Tensor {
    const hidden = this.applyActivation(this.linear1(x));
    return this.submodule<Dropout>('dropout2')(this.linear2(this.submodule<Dropout>('dropout')(hidden)));
  }

  private applyActivation(x: Tensor): Tensor {
    if (this.activation === 'relu') return relu(x);
    if (this.activation === 'gelu') return gelu(x);
    return this.activation(x);
  }
}

/** nn.TransformerEncoder's keyword arguments. */
export interface TransformerEncoderOptions {
  /** A final layer norm (PyTorch: norm); default none. */
  norm?: Module | null;
  /** Run padded batches as nested tensors in eval mode, as 1.13 does (PyTorch: enable_nested_tensor); true. */
  enableNestedTensor?: boolean;
}

/** nn.TransformerEncoder.forward's keyword arguments. */
export interface TransformerEncoderForwardOptions {
  /** The attention mask of every layer (PyTorch: mask). */
  mask?: Tensor | null;
  /** (N, S): bool True = padding (PyTorch: src_key_padding_mask). */
  srcKeyPaddingMask?: Tensor | null;
}

/** Calling the module calls forward: `transformerEncoder(...)` is `.forward(...)`. */
export interface TransformerEncoder {
  (src: Tensor, options?: TransformerEncoderForwardOptions): Tensor;
}

/**
 * nn.TransformerEncoder(encoderLayer, numLayers, { norm, enableNestedTensor }): numLayers deep copies of
 * the layer (state_dict keys `layers.0.self_attn.in_proj_weight`, ...), applied in turn, then `norm`.
 */
export class TransformerEncoder extends Module {
  /** Accepted for PyTorch code; the engine has no nested tensors (PyTorch: enable_nested_tensor). */
  readonly enableNestedTensor: boolean;
  /** `new nn.TransformerEncoder(layer, numLayers, { norm })`: numLayers deep copies of `layer`. */
  constructor(
    encoderLayer: TransformerEncoderLayer,
    /** How many copies of the encoder layer run in turn (PyTorch: num_layers). */
    readonly numLayers: number,
    options?: TransformerEncoderOptions,
  ) {
    super();
    checkRequired('TransformerEncoder', { encoderLayer, numLayers });
    if (!(encoderLayer instanceof Module)) throw new Error('TransformerEncoder: encoderLayer must be a Module');
    isInt(numLayers, 'TransformerEncoder', 'numLayers', 2);
    const isModule: ArgumentCheck<Module> = (value, call, argument) => {
      if (value instanceof Module) return value;
      throw new Error(`${call}: argument '${argument}' must be a Module`);
    };
    const { norm, enableNestedTensor = true } = checkOptions('TransformerEncoder', options, {
      norm: isOptional(isModule),
      enableNestedTensor: isBool,
    });
    this.enableNestedTensor = enableNestedTensor;
    const layers = Array.from({ length: numLayers }, () => deepCopyModule(encoderLayer));
    this.registerModule('layers', new LayerList(layers));
    if (norm) this.registerModule('norm', norm);
  }
  /** The layers, in order. */
  get layers(): TransformerEncoderLayer[] {
    return this.submodule<Module>('layers').children() as TransformerEncoderLayer[];
  }
  /** The final norm, or null. */
  get norm(): Module | null {
    return this.namedChildren().find(([name]) => name === 'norm')?.[1] ?? null;
  }

  /** `encoder(src, { mask, srcKeyPaddingMask })`: src (S, N, E), or (N, S, E) with batchFirst. */
  forward(src: Tensor, options?: TransformerEncoderForwardOptions): Tensor {
    checkRequired('TransformerEncoder.forward', { src });
    const { mask = null, srcKeyPaddingMask = null } = checkOptions('TransformerEncoder.forward', options, {
      mask: isOptional(isTensor),
      srcKeyPaddingMask: isOptional(isTensor),
    });
    let output = src;
    for (const layer of this.layers) output = layer(output, { srcMask: mask, srcKeyPaddingMask });
    if (srcKeyPaddingMask && mask === null && this.runsNested(src, srcKeyPaddingMask)) {
      output = zeroPadded(output, srcKeyPaddingMask);
    }
    const norm = this.norm;
    return norm ? (norm(output) as Tensor) : output;
  }

  /** 1.13's conditions for its nested-tensor path (the "sparsity fast path"), grad aside. */
  private runsNested(src: Tensor, keyPaddingMask: Tensor): boolean {
    const first = this.layers[0];
    return (
      first instanceof TransformerEncoderLayer &&
      !first.normFirst &&
      !first.training &&
      first.selfAttn.batchFirst &&
      first.selfAttn.kdim === first.dModel &&
      first.selfAttn.vdim === first.dModel &&
      (first.activation === 'relu' || first.activation === 'gelu') &&
      first.norm1.eps === first.norm2.eps &&
      src.ndim === 3 &&
      this.enableNestedTensor &&
      first.nhead % 2 === 0 &&
      keyPaddingMask.dtype === 'bool' &&
      isLeftAligned(keyPaddingMask) &&
      !tracksGrad(first.parameters())
    );
  }
}

/** The encoder's ModuleList of layers. */
class LayerList extends Module {
  constructor(layers: readonly Module[]) {
    super();
    layers.forEach((layer, index) => this.registerModule(String(index), layer));
  }
  override get moduleName(): string {
    return 'ModuleList';
  }
  forward(): never {
    throw new Error('ModuleList: Module [ModuleList] is missing the required "forward" function');
  }
}

/** True when every row of the (N, S) padding mask is some kept positions followed by padding only. */
function isLeftAligned(keyPaddingMask: Tensor): boolean {
  const [rows, length] = keyPaddingMask.shape;
  const values = keyPaddingMask.dataSync();
  for (let row = 0; row < rows; row++) {
    for (let s = 1; s < length; s++) if (values[row * length + s - 1] && !values[row * length + s]) return false;
  }
  return true;
}

/** Whether ops on the tensors record gradients now (1.13 leaves the nested path then; under noGrad it takes it). */
function tracksGrad(tensors: Tensor[]): boolean {
  return isGradEnabled() && tensors.some((t) => t.requiresGrad);
}

/**
 * What 1.13's nested path returns: the output (N, S, E) with padded positions 0, cut to the longest
 * sequence (to_padded_tensor pads to the longest, not to S).
 */
function zeroPadded(output: Tensor, keyPaddingMask: Tensor): Tensor {
  const [rows, length] = keyPaddingMask.shape;
  const values = keyPaddingMask.dataSync();
  let longest = 0;
  for (let row = 0; row < rows; row++) {
    let kept = 0;
    while (kept < length && !values[row * length + kept]) kept++;
    longest = Math.max(longest, kept);
  }
  const padded = keyPaddingMask.to(output.backend.name).unsqueeze(-1); // (N, S, 1)
  return output.maskedFill(padded, 0).narrow(1, 0, longest); // (N, longest, E)
}
