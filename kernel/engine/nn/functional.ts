/**
 * torch.nn.functional: linear, softmax, logSoftmax, dropout, layerNorm, gelu/relu, and 2.x's
 * scaled_dot_product_attention, pad, embedding, oneHot and normalize. Parameters PyTorch takes by position or keyword are accepted both ways:
 * `softmax(x, -1)` and `softmax(x, { dim: -1 })`; every options object is checked.
 */
import {
  checkOptions,
  checkRequired,
  isBool,
  isInt,
  isIntOrInts,
  isNumber,
  isOneOf,
  isOptional,
  isTensor,
  optionalArguments,
  type PositionalOrOptions,
} from '../arguments';
import { rand, tensor } from '../ops/creation';
import {
  clamp,
  exp,
  expm1,
  gelu as geluOp,
  gt,
  log1p,
  mul,
  neg,
  relu as reluOp,
  sigmoid,
  tanh,
  where,
  floatingOnly,
} from '../ops/elementwise';
import { addmm, matmul } from '../ops/linalg';
import { norm } from '../ops/scan';
import { fusedLayerNorm, renameGradFn } from '../autograd/derivatives';
import { logSoftmax as logSoftmaxOp, mean, softmax as softmaxOp } from '../ops/reduction';
import { formatShape } from '../shape';
import type { Tensor } from '../tensor';
import { isNotInplace, isProbability } from './module';

/** F.linear's keyword arguments. */
export interface LinearOptions {
  /** (out_features) or null (PyTorch: bias). */
  bias?: Tensor | null;
}

/** linear's optional bias and the softmax-like calls' dim, checks built once (these run in every forward). */
const linearSpec = { bias: isOptional(isTensor) };
const dimSpec = { dim: isInt };

/** y = x Wᵀ + b: linear(x, w, b) or linear(x, w, { bias }), with torch's message when the features do not fit. */
export function linear(
  input: Tensor,
  weight: Tensor,
  ...args: PositionalOrOptions<[bias: Tensor | null], LinearOptions>
): Tensor {
  isTensor(input, 'linear', 'input', 1);
  isTensor(weight, 'linear', 'weight', 2);
  const { bias } = optionalArguments('linear', args, linearSpec, 3);
  const inFeatures = weight.shape[1];
  const features = input.shape[input.ndim - 1];
  if (features !== inFeatures) {
    const rows = input.numel() / Math.max(features, 1);
    throw new Error(
      `linear: mat1 and mat2 shapes cannot be multiplied (${rows}x${features} and ${inFeatures}x${weight.shape[0]})`,
    );
  }
  if (bias && runsAsAddmm(input, weight, bias)) {
    // torch computes a matrix input, and a contiguous 3-D one viewed as rows, with a bias as one addmm
    const rows = input.ndim === 2 ? input : input.view(-1, features); // (M, in_features)
    const out = addmm(bias, rows, weight.t()); // (M, out_features)
    return input.ndim === 2 ? out : out.view(input.shape[0], input.shape[1], weight.shape[0]); // (N, L, out_features)
  }
  const out = matmul(input, weight.t()); // (..., out_features)
  return bias ? out.add(bias) : out;
}

/** Whether linear runs as torch's addmm: float32 on one backend, a (out_features) bias, a matrix or contiguous 3-D input. */
function runsAsAddmm(input: Tensor, weight: Tensor, bias: Tensor): boolean {
  const float = [input, weight, bias].every((t) => t.dtype === 'float32' && t.backend === input.backend);
  const rows = input.ndim === 2 || (input.ndim === 3 && input.isContiguous());
  return float && rows && weight.ndim === 2 && bias.ndim === 1 && bias.shape[0] === weight.shape[0];
}

/** The options of F.softmax and F.logSoftmax. */
export interface SoftmaxOptions {
  /** The dim the probabilities sum over (PyTorch: dim); required, as PyTorch's implicit choice is deprecated. */
  dim?: number;
}

/** The input and dim of softmax-like calls, checked: `(x, dim)` or `(x, { dim })`. */
function inputAndDim(call: string, input: Tensor, args: readonly unknown[]): [Tensor, number] {
  isTensor(input, call, 'input', 1);
  const { dim } = optionalArguments(call, args, dimSpec, 2);
  checkRequired(call, { dim });
  return [input, dim!];
}

/** F.softmax over `dim`: softmax(x, -1) or softmax(x, { dim: -1 }). */
export function softmax(input: Tensor, ...args: PositionalOrOptions<[dim: number], SoftmaxOptions>): Tensor {
  return softmaxOp(...inputAndDim('softmax', input, args));
}

/** F.log_softmax over `dim`: logSoftmax(x, -1) or logSoftmax(x, { dim: -1 }). */
export function logSoftmax(input: Tensor, ...args: PositionalOrOptions<[dim: number], SoftmaxOptions>): Tensor {
  return logSoftmaxOp(...inputAndDim('logSoftmax', input, args));
}

/** F.gelu's keyword arguments. */
export interface GeluOptions {
  /** 'none' (exact, with erf) or 'tanh' (PyTorch: approximate). */
  approximate?: 'none' | 'tanh';
}

/** F.gelu: x·Φ(x), or with `{ approximate: 'tanh' }` 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function gelu(input: Tensor, options?: GeluOptions): Tensor {
  isTensor(input, 'gelu', 'input', 1);
  const { approximate = 'none' } = checkOptions('gelu', options, { approximate: isOneOf(['none', 'tanh']) });
  if (approximate === 'none') return geluOp(input);
  const inner = input.add(input.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return input.mul(0.5).mul(inner.tanh().add(1));
}

/** F.relu's keyword arguments. */
export interface ReluOptions {
  /** Only false: tensors are not modified in place (PyTorch: inplace). */
  inplace?: boolean;
}

/** F.relu: max(x, 0). */
export function relu(input: Tensor, ...args: PositionalOrOptions<[inplace: boolean], ReluOptions>): Tensor {
  isTensor(input, 'relu', 'input', 1);
  optionalArguments('relu', args, { inplace: isNotInplace }, 2);
  return reluOp(input);
}

/** F.dropout's keyword arguments. */
export interface DropoutOptions {
  /** The probability of zeroing an element (PyTorch: p). */
  p?: number;
  /** Identity when false (PyTorch: training). */
  training?: boolean;
  /** Only false: tensors are not modified in place (PyTorch: inplace). */
  inplace?: boolean;
}

const dropoutSpec = { p: isProbability, training: isBool, inplace: isNotInplace };

/**
 * F.dropout: zeroes each element with probability p and scales the rest by 1/(1-p); the identity when not
 * training. dropout(x, 0.1, true) or dropout(x, { p: 0.1, training: true }).
 */
export function dropout(
  input: Tensor,
  ...args: PositionalOrOptions<[p: number, training: boolean, inplace: boolean], DropoutOptions>
): Tensor {
  isTensor(input, 'dropout', 'input', 1);
  const { p = 0.5, training = true } = optionalArguments('dropout', args, dropoutSpec, 2);
  if (!training || p === 0) return input;
  if (p === 1) return input.mul(0);
  const keep = rand(input.shape).to(input.backend.name).ge(p);
  return renameGradFn(where(keep, input.div(1 - p), 0), 'MulBackward0'); // torch's dropout is a mask multiply
}

/** F.normalize's keyword arguments. */
export interface NormalizeOptions {
  /** The order of the norm, 2 by default (PyTorch: p). */
  p?: number;
  /** The dim whose vectors are normalised, 1 by default (PyTorch: dim). */
  dim?: number;
  /** The smallest divisor, 1e-12 by default, so zero vectors stay zero (PyTorch: eps). */
  eps?: number;
}

const normalizeSpec = { p: isNumber, dim: isInt, eps: isNumber };

/**
 * F.normalize: x / max(‖x‖_p, eps) over `dim`: normalize(x), normalize(x, 2, -1) or
 * normalize(x, { p: 1, dim: -1, eps: 1e-6 }).
 */
export function normalize(
  input: Tensor,
  ...args: PositionalOrOptions<[p: number, dim: number, eps: number], NormalizeOptions>
): Tensor {
  isTensor(input, 'normalize', 'input', 1);
  const { p = 2, dim = 1, eps = 1e-12 } = optionalArguments('normalize', args, normalizeSpec, 2);
  return input.div(clamp(norm(input, p, dim, true), eps)); // the norms (..., 1, ...) broadcast over dim
}

export { embedding, oneHot, pad } from '../ops/arrange';
export { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, nllLoss } from './loss';

/** F.layer_norm's keyword arguments. */
export interface LayerNormOptions {
  /** Multiplies the normalised values (PyTorch: weight). */
  weight?: Tensor | null;
  /** Added after the weight (PyTorch: bias). */
  bias?: Tensor | null;
  /** Added to the variance (PyTorch: eps). */
  eps?: number;
}

const layerNormSpec = { weight: isOptional(isTensor), bias: isOptional(isTensor), eps: isNumber };

/**
 * F.layer_norm over the trailing `normalizedShape` dims (biased variance), then weight and bias:
 * layerNorm(x, [4], w, b, 1e-5) or layerNorm(x, [4], { weight, bias, eps }).
 */
export function layerNorm(
  input: Tensor,
  normalizedShape: number | number[],
  ...args: PositionalOrOptions<[weight: Tensor | null, bias: Tensor | null, eps: number], LayerNormOptions>
): Tensor {
  isTensor(input, 'layerNorm', 'input', 1);
  const shape = isIntOrInts(normalizedShape, 'layerNorm', 'normalizedShape', 2);
  const { weight, bias, eps = 1e-5 } = optionalArguments('layerNorm', args, layerNormSpec, 3);
  const trailingShape = typeof shape === 'number' ? [shape] : shape;
  const dims = trailingShape.map((_, i) => i - trailingShape.length);
  const trailing = input.shape.slice(-trailingShape.length);
  if (trailing.join() !== trailingShape.join()) {
    throw new Error(
      `layerNorm: Given normalized_shape=${formatShape(trailingShape)}, ` +
        `expected input with shape [*, ${trailingShape.join(', ')}], ` +
        `but got input of size${formatShape(input.shape)}`,
    );
  }
  const fused =
    trailingShape.length === 1 && fusedLayerNorm(input, trailingShape[0], weight ?? null, bias ?? null, eps);
  if (fused) return fused;
  const centered = input.sub(mean(input, dims, true));
  // The biased variance from the centered values already at hand: fewer ops, forward and backward.
  const biasedVariance = mean(centered.mul(centered), dims, true);
  let out = centered.div(biasedVariance.add(eps).sqrt());
  if (weight) out = out.mul(weight);
  if (bias) out = out.add(bias);
  return renameGradFn(out, 'NativeLayerNormBackward0');
}

/** Options of scaledDotProductAttention, as F.scaled_dot_product_attention's keyword arguments. */
export interface ScaledDotProductAttentionOptions {
  /** bool: True = take part (2.x SDPA convention); float: added to the scores (PyTorch: attn_mask). */
  attnMask?: Tensor | null;
  /** Dropout probability of the weights (PyTorch: dropout_p). */
  dropoutP?: number;
  /** Top-left causal mask: query i sees keys 0..i (PyTorch: is_causal). */
  isCausal?: boolean;
  /** Multiplies the scores; defaults to 1/√E (PyTorch: scale). */
  scale?: number | null;
}

const scaledDotProductAttentionSpec = {
  attnMask: isOptional(isTensor),
  dropoutP: isProbability,
  isCausal: isBool,
  scale: isOptional(isNumber),
};

/**
 * PyTorch 2.x's scaled_dot_product_attention reference math: softmax(q kᵀ · scale + bias) v over
 * (..., L, E) × (..., S, E) × (..., S, Ev) → (..., L, Ev). Fully masked rows are NaN (the 2.0–2.4
 * semantics, which nn.MultiheadAttention shares). Dropout applies whenever dropoutP > 0, as in torch.
 * attnMask, dropoutP and isCausal may also be given by position, as in torch.
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  ...args: PositionalOrOptions<
    [attnMask: Tensor | null, dropoutP: number, isCausal: boolean],
    ScaledDotProductAttentionOptions
  >
): Tensor {
  const call = 'scaledDotProductAttention';
  [query, key, value].forEach((t, i) => isTensor(t, call, ['query', 'key', 'value'][i], i + 1));
  const options = optionalArguments(call, args, scaledDotProductAttentionSpec, 4);
  const { attnMask = null, dropoutP = 0, isCausal = false } = options;
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) {
    throw new Error(
      'scaledDotProductAttention: expected query, key and value to have at least 2 dims, ' +
        `got ${query.ndim}, ${key.ndim} and ${value.ndim}`,
    );
  }
  const [L, E] = query.shape.slice(-2);
  const S = key.shape[key.ndim - 2];
  if (key.shape[key.ndim - 1] !== E) {
    throw new Error(
      'scaledDotProductAttention: query and key must share the last dim, ' +
        `got query ${formatShape(query.shape)} and key ${formatShape(key.shape)}`,
    );
  }
  if (value.shape[value.ndim - 2] !== S) {
    throw new Error(
      'scaledDotProductAttention: key and value must have the same length, ' +
        `got key ${formatShape(key.shape)} and value ${formatShape(value.shape)}`,
    );
  }
  if (isCausal && attnMask) {
    throw new Error(
      'scaledDotProductAttention: _scaled_dot_product_attention: ' +
        'Explicit attn_mask should not be set when is_causal=True',
    );
  }
  const scale = options.scale ?? 1 / Math.sqrt(E);
  let scores = matmul(query, key.transpose(-2, -1)).mul(scale); // (..., L, S)
  if (isCausal) {
    const above = Array.from({ length: L }, (_, i) => Array.from({ length: S }, (__, j) => j > i));
    scores = scores.maskedFill(tensor(above).to(query.backend.name), -Infinity); // (..., L, S)
  }
  if (attnMask) {
    scores = attnMask.dtype === 'bool' ? scores.maskedFill(attnMask.logicalNot(), -Infinity) : scores.add(attnMask);
  }
  const weights = dropout(softmaxOp(scores, -1), dropoutP, dropoutP > 0); // (..., L, S)
  return matmul(weights, value); // (..., L, Ev)
}

// Activations (issue 14) ---------------------------------------------------------------------

/** F.softplus's keyword arguments. */
export interface SoftplusOptions {
  /** The slope factor, 1 by default (PyTorch: beta). */
  beta?: number;
  /** Above beta·x > threshold the result is x itself, 20 by default (PyTorch: threshold). */
  threshold?: number;
}
/** F.softplus: log(1 + exp(beta·x)) / beta, x itself where beta·x > threshold. */
export function softplus(
  input: Tensor,
  ...args: PositionalOrOptions<[beta: number, threshold: number], SoftplusOptions>
): Tensor {
  floatingOnly('softplus', 'softplus_cpu', input);
  const { beta = 1, threshold = 20 } = optionalArguments('softplus', args, { beta: isNumber, threshold: isNumber }, 2);
  const scaled = mul(input, beta);
  return where(gt(scaled, threshold), input, mul(log1p(exp(scaled)), 1 / beta));
}

/** F.silu (swish): x·sigmoid(x). */
export function silu(input: Tensor, ...args: PositionalOrOptions<[inplace: boolean], ReluOptions>): Tensor {
  floatingOnly('silu', 'silu_cpu', input);
  optionalArguments('silu', args, { inplace: isNotInplace }, 2);
  return mul(input, sigmoid(input));
}

/** F.mish: x·tanh(softplus(x)). */
export function mish(input: Tensor, ...args: PositionalOrOptions<[inplace: boolean], ReluOptions>): Tensor {
  floatingOnly('mish', 'mish_cpu', input);
  optionalArguments('mish', args, { inplace: isNotInplace }, 2);
  return mul(input, tanh(softplus(input)));
}

/** F.elu's keyword arguments. */
export interface EluOptions extends ReluOptions {
  /** The scale of the negative side, 1 by default (PyTorch: alpha). */
  alpha?: number;
}
/** F.elu: x where x > 0, alpha·(exp(x) - 1) elsewhere. */
export function elu(
  input: Tensor,
  ...args: PositionalOrOptions<[alpha: number, inplace: boolean], EluOptions>
): Tensor {
  floatingOnly('elu', 'elu_cpu', input);
  const { alpha = 1 } = optionalArguments('elu', args, { alpha: isNumber, inplace: isNotInplace }, 2);
  return where(gt(input, 0), input, mul(expm1(input), alpha));
}

/** F.leaky_relu's keyword arguments. */
export interface LeakyReluOptions extends ReluOptions {
  /** The slope where x < 0, 0.01 by default (PyTorch: negative_slope). */
  negativeSlope?: number;
}
/** F.leaky_relu: x where x > 0, negativeSlope·x elsewhere. */
export function leakyRelu(
  input: Tensor,
  ...args: PositionalOrOptions<[negativeSlope: number, inplace: boolean], LeakyReluOptions>
): Tensor {
  floatingOnly('leakyRelu', 'leaky_relu_cpu', input);
  const spec = { negativeSlope: isNumber, inplace: isNotInplace };
  const { negativeSlope = 0.01 } = optionalArguments('leakyRelu', args, spec, 2);
  return where(gt(input, 0), input, mul(input, negativeSlope));
}

/** F.hardtanh's keyword arguments. */
export interface HardtanhOptions extends ReluOptions {
  /** The lower bound, -1 by default (PyTorch: min_val). */
  minVal?: number;
  /** The upper bound, 1 by default (PyTorch: max_val). */
  maxVal?: number;
}
/** F.hardtanh: x clamped to [minVal, maxVal]. */
export function hardtanh(
  input: Tensor,
  ...args: PositionalOrOptions<[minVal: number, maxVal: number, inplace: boolean], HardtanhOptions>
): Tensor {
  if (isTensor(input, 'hardtanh', 'input', 1).dtype === 'bool') {
    throw new TypeError('hardtanh: Bool inputs not supported for hardtanh');
  }
  const spec = { minVal: isNumber, maxVal: isNumber, inplace: isNotInplace };
  const { minVal = -1, maxVal = 1 } = optionalArguments('hardtanh', args, spec, 2);
  return clamp(input, minVal, maxVal);
}

/** F.logsigmoid: log(sigmoid(x)) = -softplus(-x), stable for large |x|. */
export function logsigmoid(input: Tensor): Tensor {
  return neg(softplus(neg(floatingOnly('logsigmoid', 'log_sigmoid_cpu', input))));
}
