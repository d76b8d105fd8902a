/**
 * labml's annotated multi-head attention (labml_nn/transformers/mha.py): sequence-first tensors
 * [seq, batch, d_model], the einsum formulation, softmax over keys (dim 1), mask [seq_q, seq_k,
 * batch] with nonzero/True = may attend, and `attn` kept after forward (post-dropout).
 */
import { einsum } from '../ops/linalg';
import type { Tensor } from '../tensor';
import { Dropout, Linear } from './layers';
import { tagAttentionWeights } from './attentionWeights';
import { Module } from './module';
import { recordStage, type AxisName } from './trace';

/** Linear(d_model, heads·d_k) then a view to [..., heads, d_k]. */
export class PrepareForMultiHeadAttention extends Module {
  readonly linear: Linear;
  constructor(
    dModel: number,
    readonly heads: number,
    readonly dK: number,
    bias: boolean,
  ) {
    super();
    this.linear = this.registerModule('linear', new Linear(dModel, heads * dK, bias));
  }
  forward(x: Tensor): Tensor {
    const headShape = x.shape.slice(0, -1);
    return this.linear.forward(x).view(...headShape, this.heads, this.dK); // (seq, batch, heads, d_k)
  }
}

export interface LabmlForwardArgs {
  query: Tensor;
  key: Tensor;
  value: Tensor;
  /** [seq_q | 1, seq_k, batch | 1]; nonzero / True = may attend. */
  mask?: Tensor | null;
}

export class MultiHeadAttention extends Module {
  readonly dK: number;
  readonly query: PrepareForMultiHeadAttention;
  readonly key: PrepareForMultiHeadAttention;
  readonly value: PrepareForMultiHeadAttention;
  readonly output: Linear;
  readonly dropout: Dropout;
  readonly scale: number;
  /** Attention after softmax and dropout, [seq_q, seq_k, batch, heads]. */
  attn: Tensor | null = null;

  constructor(
    readonly heads: number,
    dModel: number,
    dropoutProb = 0.1,
    bias = true,
  ) {
    super();
    this.dK = Math.floor(dModel / heads);
    this.query = this.registerModule('query', new PrepareForMultiHeadAttention(dModel, heads, this.dK, bias));
    this.key = this.registerModule('key', new PrepareForMultiHeadAttention(dModel, heads, this.dK, bias));
    this.value = this.registerModule('value', new PrepareForMultiHeadAttention(dModel, heads, this.dK, true));
    this.output = this.registerModule('output', new Linear(dModel, dModel));
    this.dropout = this.registerModule('dropout', new Dropout(dropoutProb));
    this.scale = 1 / Math.sqrt(this.dK);
  }
  override get moduleName(): string {
    return 'MultiHeadAttention';
  }

  /** [seq_q | 1, seq_k, batch | 1] → the same with a trailing heads axis of 1. */
  prepareMask(mask: Tensor, queryShape: number[], keyShape: number[]): Tensor {
    const ok = (mask.shape[0] === 1 || mask.shape[0] === queryShape[0]) && mask.shape[1] === keyShape[0] && (mask.shape[2] === 1 || mask.shape[2] === queryShape[1]);
    if (mask.ndim !== 3 || !ok) {
      throw new Error(
        `labml.MultiHeadAttention: mask of shape [${mask.shape.join(', ')}] must be [${queryShape[0]} or 1, ${keyShape[0]}, ${queryShape[1]} or 1] for query [${queryShape.join(', ')}] and key [${keyShape.join(', ')}]`,
      );
    }
    return mask.unsqueeze(-1); // (seq_q | 1, seq_k, batch | 1, 1)
  }

  forward({ query, key, value, mask = null }: LabmlForwardArgs): Tensor {
    const m = 'labml.MultiHeadAttention';
    const [seqLen, batchSize] = query.shape;
    const prepared = mask ? this.prepareMask(mask, query.shape, key.shape) : null;
    const lbh: AxisName[] = ['query', 'batch', 'head', 'head_dim'];
    const sbh: AxisName[] = ['key', 'batch', 'head', 'head_dim'];
    const ijbh: AxisName[] = ['query', 'key', 'batch', 'head'];
    const q = recordStage(m, 'q projection + split heads', 'linear+view', [[query, ['query', 'batch', 'model_dim']]], this.query.forward(query), lbh); // (L, B, H, d)
    const k = recordStage(m, 'k projection + split heads', 'linear+view', [[key, ['key', 'batch', 'model_dim']]], this.key.forward(key), sbh); // (S, B, H, d)
    const v = recordStage(m, 'v projection + split heads', 'linear+view', [[value, ['key', 'batch', 'model_dim']]], this.value.forward(value), sbh); // (S, B, H, d)
    const product = recordStage(m, "scores QKᵀ (einsum 'ibhd,jbhd->ijbh')", 'einsum', [[q, lbh], [k, sbh]], einsum('ibhd,jbhd->ijbh', q, k), ijbh); // (L, S, B, H)
    let scores = recordStage(m, 'scale 1/√d', 'mul', [[product, ijbh]], product.mul(this.scale), ijbh); // (L, S, B, H)
    if (prepared) {
      const blocked = prepared.dtype === 'bool' ? prepared.logicalNot() : prepared.eq(0);
      scores = recordStage(m, 'mask', 'maskedFill', [[scores, ijbh]], scores.maskedFill(blocked, -Infinity), ijbh);
    }
    let attn = recordStage(m, 'softmax (over keys, dim 1)', 'softmax', [[scores, ijbh]], scores.softmax(1), ijbh); // (L, S, B, H)
    if (this.training && this.dropout.p > 0) attn = recordStage(m, 'dropout', 'dropout', [[attn, ijbh]], this.dropout.forward(attn), ijbh);
    const x = recordStage(m, "weighted sum with V (einsum 'ijbh,jbhd->ibhd')", 'einsum', [[attn, ijbh], [v, sbh]], einsum('ijbh,jbhd->ibhd', attn, v), lbh); // (L, B, H, d)
    this.attn = tagAttentionWeights(attn, { axes: ['query', 'key', 'batch', 'head'], module: 'labml.MultiHeadAttention' });
    const concatenated = recordStage(m, 'concat heads (reshape)', 'reshape', [[x, lbh]], x.reshape(seqLen, batchSize, -1), ['query', 'batch', 'model_dim']); // (L, B, H·d)
    return recordStage(m, 'output projection', 'linear', [[concatenated, ['query', 'batch', 'model_dim']]], this.output.forward(concatenated), ['query', 'batch', 'model_dim']); // (L, B, d_model)
  }
}
