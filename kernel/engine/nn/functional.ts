/** torch.nn.functional: linear, softmax, dropout, layerNorm, gelu/relu, and 2.x's scaled_dot_product_attention. */
import { rand, tensor } from '../ops/creation';
import { where } from '../ops/elementwise';
import { matmul } from '../ops/linalg';
import { mean, softmax as softmaxOp, variance } from '../ops/reduction';
import type { SoftmaxArgs } from '../ops/reduction';
import { formatShape } from '../shape';
import type { Tensor } from '../tensor';

export { gelu, relu } from '../ops/elementwise';
export { logSoftmax } from '../ops/reduction';

/** y = x Wᵀ + b, with torch's message when the features do not fit. */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const inFeatures = weight.shape[1];
  const features = input.shape[input.ndim - 1];
  if (features !== inFeatures) {
    const rows = input.numel() / Math.max(features, 1);
    throw new Error(
      `linear: mat1 and mat2 shapes cannot be multiplied (${rows}x${features} and ${inFeatures}x${weight.shape[0]})`,
    );
  }
  const out = matmul(input, weight.t()); // (..., out_features)
  return bias ? out.add(bias) : out;
}

/** F.softmax over `dim`: `softmax(x, dim)` or `softmax(x, { dim })`. */
export function softmax(input: Tensor, ...args: SoftmaxArgs): Tensor {
  return softmaxOp(input, ...args);
}

/** Zeroes each element with probability p and scales the rest by 1/(1-p); identity when not training. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (p < 0 || p > 1) throw new Error(`dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return input;
  if (p === 1) return input.mul(0);
  const keep = rand(input.shape).to(input.backend.name).ge(p);
  return where(keep, input.div(1 - p), 0);
}

/** F.layer_norm over the trailing `normalizedShape` dims (biased variance), then weight and bias. */
export function layerNorm(
  input: Tensor,
  normalizedShape: number[],
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  eps = 1e-5,
): Tensor {
  const dims = normalizedShape.map((_, i) => i - normalizedShape.length);
  const trailing = input.shape.slice(-normalizedShape.length);
  if (trailing.join() !== normalizedShape.join()) {
    throw new Error(
      `layerNorm: Given normalized_shape=${formatShape(normalizedShape)}, ` +
        `expected input with shape [*, ${normalizedShape.join(', ')}], ` +
        `but got input of size${formatShape(input.shape)}`,
    );
  }
  const centered = input.sub(mean(input, dims, true));
  let out = centered.div(variance(input, dims, false, true).add(eps).sqrt());
  if (weight) out = out.mul(weight);
  if (bias) out = out.add(bias);
  return out;
}

/** Options of scaledDotProductAttention, as F.scaled_dot_product_attention's keyword arguments. */
export interface ScaledDotProductAttentionOptions {
  /** bool: True = take part (2.x SDPA convention); float: added to the scores. */
  attnMask?: Tensor | null;
  dropoutP?: number;
  /** Top-left causal mask: query i sees keys 0..i. */
  isCausal?: boolean;
  /** Defaults to 1/√E. */
  scale?: number | null;
}

/**
 * PyTorch 2.x's scaled_dot_product_attention reference math: softmax(q kᵀ · scale + bias) v over
 * (..., L, E) × (..., S, E) × (..., S, Ev) → (..., L, Ev). Fully masked rows are NaN (the 2.0–2.4
 * semantics, which nn.MultiheadAttention shares). Dropout applies whenever dropoutP > 0, as in torch.
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
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
