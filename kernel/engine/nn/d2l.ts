/**
 * d2l's ("Dive into Deep Learning", PyTorch tab) attention: sequenceMask, maskedSoftmax with valid
 * lengths and a -1e6 fill (so rows are never NaN), DotProductAttention (scaled after QKᵀ),
 * AdditiveAttention and MultiHeadAttention in the (B·h, T, d) layout. Modules keep attentionWeights.
 */
import { arange, tensor } from '../ops/creation';
import { where } from '../ops/elementwise';
import { repeatInterleave } from '../ops/movement';
import { Tensor } from '../tensor';
import { Dropout, LazyLinear } from './layers';
import { tagAttentionWeights } from './attentionWeights';
import { Module } from './module';
import { recordStage, type AxisName } from './trace';

export type ValidLens = Tensor | number[] | null;

function lensTensor(validLens: Tensor | number[], like: Tensor): Tensor {
  return (validLens instanceof Tensor ? validLens : tensor(validLens)).to(like.backend.name);
}

/**
 * Sets X[b, t, ...] to `value` where t ≥ validLen[b] (masks along axis 1, whole trailing rows).
 * d2l mutates X in place; tensors here are immutable, so the masked copy is returned.
 */
export function sequenceMask(X: Tensor, validLen: Tensor | number[], value = 0): Tensor {
  const lens = lensTensor(validLen, X).float(); // (B)
  const maxlen = X.shape[1];
  if (lens.ndim !== 1 || lens.shape[0] !== X.shape[0]) {
    throw new Error(`sequenceMask: expected one valid length per row of X [${X.shape.join(', ')}], got valid_len of shape [${lens.shape.join(', ')}]`);
  }
  const keep = arange(maxlen).to(X.backend.name).float().unsqueeze(0).lt(lens.unsqueeze(1)); // (B, T)
  const trailing = X.shape.slice(2).map(() => 1);
  return where(keep.reshape(X.shape[0], maxlen, ...trailing), X, value); // (B, T, ...)
}

/** Fills the scores X (B, Q, K) beyond each valid length with -1e6 (1-D lens per batch, 2-D per query). */
function maskScores(X: Tensor, validLens: Tensor | number[]): Tensor {
  const [B, Q, K] = X.shape;
  const lens = lensTensor(validLens, X);
  const perQuery = lens.ndim === 1 ? repeatInterleave(lens, Q) : lens.reshape(-1); // (B·Q)
  if (perQuery.shape[0] !== B * Q) {
    throw new Error(`maskedSoftmax: valid_lens of shape [${lens.shape.join(', ')}] does not fit scores of shape [${X.shape.join(', ')}]`);
  }
  return sequenceMask(X.reshape(-1, K), perQuery, -1e6).reshape(B, Q, K); // (B, Q, K)
}

/** Softmax over the last axis of X (B, Q, K) with keys beyond each valid length filled with -1e6. */
export function maskedSoftmax(X: Tensor, validLens: ValidLens): Tensor {
  return (validLens === null ? X : maskScores(X, validLens)).softmax(-1);
}

/** (B, T, h) → (B·H, T, h/H): d2l's transpose_qkv (head h of batch b is row b·H + h). */
export function transposeQkv(X: Tensor, numHeads: number, module = 'd2l.transposeQkv', seq: AxisName = 'query'): Tensor {
  const [B, T] = X.shape;
  const split = recordStage(module, 'split heads (reshape)', 'reshape', [[X, ['batch', seq, 'model_dim']]], X.reshape(B, T, numHeads, -1), ['batch', seq, 'head', 'head_dim']); // (B, T, H, d)
  const moved = recordStage(module, 'move heads forward (permute)', 'permute', [[split, ['batch', seq, 'head', 'head_dim']]], split.permute(0, 2, 1, 3), ['batch', 'head', seq, 'head_dim']); // (B, H, T, d)
  return recordStage(module, 'merge batch and heads (reshape)', 'reshape', [[moved, ['batch', 'head', seq, 'head_dim']]], moved.reshape(-1, T, moved.shape[3]), ['batch·head', seq, 'head_dim']); // (B·H, T, d)
}

/** (B·H, Q, d) → (B, Q, H·d): d2l's transpose_output, the inverse of transposeQkv. */
export function transposeOutput(X: Tensor, numHeads: number, module = 'd2l.transposeOutput'): Tensor {
  const [, Q, d] = X.shape;
  const split = recordStage(module, 'split batch and heads (reshape)', 'reshape', [[X, ['batch·head', 'query', 'head_dim']]], X.reshape(-1, numHeads, Q, d), ['batch', 'head', 'query', 'head_dim']); // (B, H, Q, d)
  const moved = recordStage(module, 'move heads back (permute)', 'permute', [[split, ['batch', 'head', 'query', 'head_dim']]], split.permute(0, 2, 1, 3), ['batch', 'query', 'head', 'head_dim']); // (B, Q, H, d)
  return recordStage(module, 'concat heads (reshape)', 'reshape', [[moved, ['batch', 'query', 'head', 'head_dim']]], moved.reshape(moved.shape[0], Q, -1), ['batch', 'query', 'model_dim']); // (B, Q, H·d)
}

/** Scaled dot-product attention over (B, Q, d) × (B, K, d) × (B, K, v); weights kept before dropout. */
export class DotProductAttention extends Module {
  attentionWeights: Tensor | null = null;
  readonly dropout: Dropout;
  /** The name of the leading axis in traces: 'batch', or 'batch·head' inside MultiHeadAttention. */
  leadAxis: AxisName = 'batch';
  /** Heads per batch entry when the leading axis is 'batch·head'. */
  heads = 1;

  constructor(dropout: number) {
    super();
    this.dropout = this.registerModule('dropout', new Dropout(dropout));
  }
  override get moduleName(): string {
    return 'DotProductAttention';
  }

  forward(queries: Tensor, keys: Tensor, values: Tensor, validLens: ValidLens = null): Tensor {
    const m = 'd2l.DotProductAttention';
    const d = queries.shape[queries.ndim - 1];
    const [bq, bk, bs]: AxisName[][] = [[this.leadAxis, 'query', 'head_dim'], [this.leadAxis, 'key', 'head_dim'], [this.leadAxis, 'query', 'key']];
    const product = recordStage(m, 'scores QKᵀ', 'bmm', [[queries, bq], [keys, bk]], queries.bmm(keys.transpose(1, 2)), bs); // (B, Q, K)
    const scores = recordStage(m, 'scale 1/√d', 'div', [[product, bs]], product.div(Math.sqrt(d)), bs); // (B, Q, K)
    const masked = validLens === null ? scores : recordStage(m, 'mask (valid lengths, fill -1e6)', 'sequenceMask', [[scores, bs]], maskScores(scores, validLens), bs);
    const weights = recordStage(m, 'softmax', 'softmax', [[masked, bs]], masked.softmax(-1), bs); // (B, Q, K)
    this.attentionWeights = tagAttentionWeights(weights, { axes: bs, heads: this.heads, module: this.leadAxis === 'batch' ? m : 'd2l.MultiHeadAttention' });
    const dropped = this.training && this.dropout.p > 0 ? recordStage(m, 'dropout', 'dropout', [[this.attentionWeights, bs]], this.dropout.forward(this.attentionWeights), bs) : this.attentionWeights;
    return recordStage(m, 'weighted sum with V', 'bmm', [[dropped, bs], [values, bk]], dropped.bmm(values), bq); // (B, Q, v)
  }
}

/** a(q, k) = w_vᵀ tanh(W_q q + W_k k): Bahdanau's additive attention, no scaling. */
export class AdditiveAttention extends Module {
  attentionWeights: Tensor | null = null;
  readonly W_k: LazyLinear;
  readonly W_q: LazyLinear;
  readonly w_v: LazyLinear;
  readonly dropout: Dropout;

  constructor(numHiddens: number, dropout: number) {
    super();
    this.W_k = this.registerModule('W_k', new LazyLinear(numHiddens, false));
    this.W_q = this.registerModule('W_q', new LazyLinear(numHiddens, false));
    this.w_v = this.registerModule('w_v', new LazyLinear(1, false));
    this.dropout = this.registerModule('dropout', new Dropout(dropout));
  }
  override get moduleName(): string {
    return 'AdditiveAttention';
  }

  forward(queries: Tensor, keys: Tensor, values: Tensor, validLens: ValidLens): Tensor {
    const m = 'd2l.AdditiveAttention';
    const bqk: AxisName[] = ['batch', 'query', 'key'];
    const q = recordStage(m, 'q projection', 'linear', [[queries, ['batch', 'query', 'model_dim']]], this.W_q.forward(queries), ['batch', 'query', 'hidden']); // (B, Q, h)
    const k = recordStage(m, 'k projection', 'linear', [[keys, ['batch', 'key', 'model_dim']]], this.W_k.forward(keys), ['batch', 'key', 'hidden']); // (B, K, h)
    const summed = q.unsqueeze(2).add(k.unsqueeze(1)); // (B, Q, K, h)
    const features = recordStage(m, 'features tanh(W_q q + W_k k)', 'tanh', [[q, ['batch', 'query', 'hidden']], [k, ['batch', 'key', 'hidden']]], summed.tanh(), ['batch', 'query', 'key', 'hidden']); // (B, Q, K, h)
    const scores = recordStage(m, 'scores w_vᵀ features', 'linear', [[features, ['batch', 'query', 'key', 'hidden']]], this.w_v.forward(features).squeeze(-1), bqk); // (B, Q, K)
    const masked = validLens === null ? scores : recordStage(m, 'mask (valid lengths, fill -1e6)', 'sequenceMask', [[scores, bqk]], maskScores(scores, validLens), bqk);
    this.attentionWeights = tagAttentionWeights(recordStage(m, 'softmax', 'softmax', [[masked, bqk]], masked.softmax(-1), bqk), { axes: bqk, module: m }); // (B, Q, K)
    const dropped = this.dropout.forward(this.attentionWeights);
    return recordStage(m, 'weighted sum with V', 'bmm', [[dropped, bqk], [values, ['batch', 'key', 'value_dim']]], dropped.bmm(values), ['batch', 'query', 'value_dim']); // (B, Q, v)
  }
}

/** d2l's MultiHeadAttention: four LazyLinear projections (no bias by default) around DotProductAttention. */
export class MultiHeadAttention extends Module {
  readonly attention: DotProductAttention;
  readonly W_q: LazyLinear;
  readonly W_k: LazyLinear;
  readonly W_v: LazyLinear;
  readonly W_o: LazyLinear;

  constructor(
    readonly numHiddens: number,
    readonly numHeads: number,
    dropout: number,
    bias = false,
  ) {
    super();
    this.attention = this.registerModule('attention', new DotProductAttention(dropout));
    this.attention.leadAxis = 'batch·head';
    this.attention.heads = numHeads;
    this.W_q = this.registerModule('W_q', new LazyLinear(numHiddens, bias));
    this.W_k = this.registerModule('W_k', new LazyLinear(numHiddens, bias));
    this.W_v = this.registerModule('W_v', new LazyLinear(numHiddens, bias));
    this.W_o = this.registerModule('W_o', new LazyLinear(numHiddens, bias));
  }
  override get moduleName(): string {
    return 'MultiHeadAttention';
  }

  forward(queries: Tensor, keys: Tensor, values: Tensor, validLens: ValidLens): Tensor {
    const m = 'd2l.MultiHeadAttention';
    const project = (x: Tensor, layer: LazyLinear, label: string, seq: AxisName) =>
      transposeQkv(recordStage(m, `${label} projection`, 'linear', [[x, ['batch', seq, 'model_dim']]], layer.forward(x), ['batch', seq, 'model_dim']), this.numHeads, m, seq);
    const q = project(queries, this.W_q, 'q', 'query'); // (B·H, Q, d)
    const k = project(keys, this.W_k, 'k', 'key'); // (B·H, K, d)
    const v = project(values, this.W_v, 'v', 'key'); // (B·H, K, d)
    const lens = validLens === null ? null : repeatInterleave(lensTensor(validLens, queries), this.numHeads, 0); // (B·H) or (B·H, Q)
    const output = this.attention.forward(q, k, v, lens); // (B·H, Q, d)
    const concatenated = transposeOutput(output, this.numHeads, m); // (B, Q, h)
    return recordStage(m, 'output projection', 'linear', [[concatenated, ['batch', 'query', 'model_dim']]], this.W_o.forward(concatenated), ['batch', 'query', 'model_dim']); // (B, Q, h)
  }
}
