/**
 * nn.MultiheadAttention exactly as PyTorch 1.13's slow path computes it (F.multi_head_attention_forward):
 * packed or separate in-projections, bias_k/bias_v, add_zero_attn, bool and float masks merged as
 * 1.13 merges them, q scaled before QKᵀ, post-dropout weights averaged as sum/H. Every stage is traced.
 */
import { full, zeros } from '../ops/creation';
import { cat } from '../ops/movement';
import type { Tensor } from '../tensor';
import { dropout, linear } from './functional';
import { xavierNormal, xavierUniform } from './init';
import { NonDynamicallyQuantizableLinear } from './layers';
import { tagAttentionWeights } from './attentionWeights';
import { Module } from './module';
import { recordStage, type AxisName } from './trace';

export interface MultiheadAttentionOptions {
  dropout?: number;
  bias?: boolean;
  addBiasKv?: boolean;
  addZeroAttn?: boolean;
  kdim?: number;
  vdim?: number;
  batchFirst?: boolean;
}

export interface MultiheadAttentionForwardOptions {
  /** (N, S) or (S): bool True = ignore that key; float = added to the scores. */
  keyPaddingMask?: Tensor | null;
  needWeights?: boolean;
  /** (L, S) or (N·H, L, S) indexed b·H + h: bool True = not allowed; float = added to the scores. */
  attnMask?: Tensor | null;
  averageAttnWeights?: boolean;
  /** PyTorch 2.x's hint that attnMask is causal; like 2.x it needs the mask itself. */
  isCausal?: boolean;
}

const torchSize = (shape: readonly number[]) => `torch.Size([${shape.join(', ')}])`;
const name = 'MultiheadAttention';

function fail(message: string): never {
  throw new Error(`${name}: ${message}`);
}

/** Appends one column of `fill` along the last dim (F.pad(mask, (0, 1))). */
function padLastColumn(mask: Tensor): Tensor {
  const column = full([...mask.shape.slice(0, -1), 1], 0, { dtype: mask.dtype }).to(mask.backend.name);
  return cat([mask, column], -1);
}

/** Float (S, S) mask with -inf above the diagonal (nn.Transformer.generate_square_subsequent_mask). */
export function generateSquareSubsequentMask(size: number): Tensor {
  return full([size, size], -Infinity, { dtype: 'float32' }).triu(1);
}

/**
 * softmax(q kᵀ + mask) v computed over blocks of query rows, with at most `maxScoreElements` scores
 * alive at once. q (N·H, L, hd); k, v (N·H, S, hd); mask (1 or N·H, 1 or L, S) or null.
 */
function attendByQueryBlocks(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, dropoutP: number, maxScoreElements: number): Tensor {
  const [batchHeads, L] = q.shape;
  const S = k.shape[1];
  const rows = Math.max(1, Math.floor(maxScoreElements / (batchHeads * S)));
  // Laid out once for every block: matmul wants its right operand contiguous along the summed axis
  // (hd for kᵀ, which the transposed view already is; S for v, which is stored hd-innermost).
  const keysT = k.transpose(-2, -1); // (N·H, hd, S)
  const values = v.transpose(-2, -1).contiguous().transpose(-2, -1); // (N·H, S, hd), S-contiguous
  const blocks: Tensor[] = [];
  for (let start = 0; start < L; start += rows) {
    const length = Math.min(rows, L - start);
    let scores = q.narrow(1, start, length).bmm(keysT); // (N·H, rows, S)
    if (mask) scores = (mask.shape[1] === 1 ? mask : mask.narrow(1, start, length)).add(scores); // (N·H, rows, S)
    let weights = scores.softmax(-1); // (N·H, rows, S)
    if (dropoutP > 0) weights = dropout(weights, dropoutP, true);
    blocks.push(weights.bmm(values)); // (N·H, rows, hd)
  }
  return blocks.length === 1 ? blocks[0] : cat(blocks, 1); // (N·H, L, hd)
}

export class MultiheadAttention extends Module {
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  readonly outProj: NonDynamicallyQuantizableLinear;
  private readonly qkvSameEmbedDim: boolean;
  /**
   * With `needWeights: false`, attention scores larger than this many elements are computed one block
   * of queries at a time (each block's softmax over all keys, exactly as unblocked), so long sequences
   * run in bounded memory: 2^24 elements is 64 MiB of float32 scores at once.
   */
  maxScoreElements = 2 ** 24;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiheadAttentionOptions = {},
  ) {
    super();
    const { bias = true, addBiasKv = false } = options;
    this.headDim = Math.floor(embedDim / numHeads);
    if (this.headDim * numHeads !== embedDim) fail('embed_dim must be divisible by num_heads');
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? false;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    const E = embedDim;
    if (this.qkvSameEmbedDim) {
      this.registerParameter('in_proj_weight', xavierUniform([3 * E, E])); // rows: W_q, W_k, W_v
    } else {
      this.registerParameter('q_proj_weight', xavierUniform([E, E]));
      this.registerParameter('k_proj_weight', xavierUniform([E, this.kdim]));
      this.registerParameter('v_proj_weight', xavierUniform([E, this.vdim]));
    }
    this.registerParameter('in_proj_bias', bias ? zeros(3 * E) : null);
    this.registerParameter('bias_k', addBiasKv ? xavierNormal([1, 1, E]) : null);
    this.registerParameter('bias_v', addBiasKv ? xavierNormal([1, 1, E]) : null);
    this.outProj = this.registerModule('out_proj', new NonDynamicallyQuantizableLinear(E, E, bias));
    if (bias) this.outProj.loadStateDict({ weight: this.outProj.weight, bias: zeros(E) });
  }

  get inProjWeight(): Tensor | null {
    return this.parameter('in_proj_weight');
  }
  get inProjBias(): Tensor | null {
    return this.parameter('in_proj_bias');
  }
  get biasK(): Tensor | null {
    return this.parameter('bias_k');
  }
  get biasV(): Tensor | null {
    return this.parameter('bias_v');
  }

  /** The three (E, ·) projection weights, from the packed matrix or the separate ones. */
  private projectionWeights(): [Tensor, Tensor, Tensor] {
    const packed = this.inProjWeight;
    if (packed) return packed.chunk(3, 0) as [Tensor, Tensor, Tensor];
    return [this.requiredParameter('q_proj_weight'), this.requiredParameter('k_proj_weight'), this.requiredParameter('v_proj_weight')];
  }

  private checkShapes(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor | null, attnMask: Tensor | null): boolean {
    if (query.ndim === 3) {
      if (key.ndim !== 3 || value.ndim !== 3) {
        fail(`For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
      }
      if (keyPaddingMask && keyPaddingMask.ndim !== 2) {
        fail(`For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${keyPaddingMask.ndim}-D tensor instead`);
      }
      if (attnMask && attnMask.ndim !== 2 && attnMask.ndim !== 3) {
        fail(`For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
      }
      return true;
    }
    if (query.ndim === 2) {
      if (key.ndim !== 2 || value.ndim !== 2) {
        fail(`For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`);
      }
      if (keyPaddingMask && keyPaddingMask.ndim !== 1) {
        fail(`For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${keyPaddingMask.ndim}-D tensor instead`);
      }
      if (attnMask) {
        if (attnMask.ndim !== 2 && attnMask.ndim !== 3) {
          fail(`For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
        }
        const expected = [this.numHeads, query.shape[0], key.shape[0]];
        if (attnMask.ndim === 3 && attnMask.shape.join() !== expected.join()) {
          fail(`Expected \`attn_mask\` shape to be (${expected.join(', ')}) but got ${torchSize(attnMask.shape)}`);
        }
      }
      return false;
    }
    return fail(`query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
  }

  /**
   * Returns [attnOutput, attnWeights | null]. Shapes: query (L, N, E) or (N, L, E) with batchFirst
   * or (L, E) unbatched; weights (N, L, S), or (N, H, L, S) without averaging, always batch-major.
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const { needWeights = true, averageAttnWeights = true, isCausal = false } = options;
    let keyPaddingMask = options.keyPaddingMask ?? null;
    let attnMask = options.attnMask ?? null;
    if (isCausal && !attnMask) {
      fail('Need attn_mask if specifying the is_causal hint. You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.');
    }
    if (keyPaddingMask && keyPaddingMask.dtype === 'int32') fail('only bool and floating types of key_padding_mask are supported');
    const isBatched = this.checkShapes(query, key, value, keyPaddingMask, attnMask);
    const E = this.embedDim;
    const H = this.numHeads;
    const hd = this.headDim;

    let [q, k, v] = [query, key, value];
    if (this.batchFirst && isBatched) [q, k, v] = [q.transpose(1, 0), k.transpose(1, 0), v.transpose(1, 0)]; // (L, N, E)
    if (!isBatched) {
      [q, k, v] = [q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)]; // (L, 1, E)
      keyPaddingMask = keyPaddingMask?.unsqueeze(0) ?? null; // (1, S)
    }
    const [L, N, queryEmbed] = q.shape;
    if (queryEmbed !== E) fail(`was expecting embedding dimension of ${E}, but got ${queryEmbed}`);
    if (this.qkvSameEmbedDim && k.shape.join() !== v.shape.join()) {
      fail(`key shape ${torchSize(k.shape)} does not match value shape ${torchSize(v.shape)}`);
    }
    if (!this.qkvSameEmbedDim && (k.shape[0] !== v.shape[0] || k.shape[1] !== v.shape[1])) {
      fail(`key's sequence and batch dims ${torchSize(k.shape.slice(0, 2))} do not match value's ${torchSize(v.shape.slice(0, 2))}`);
    }

    // In-projection: three F.linear calls over the row blocks of in_proj_weight (or the separate weights).
    const [wq, wk, wv] = this.projectionWeights();
    if (!this.qkvSameEmbedDim) {
      ([['query', wq, q], ['key', wk, k], ['value', wv, v]] as const).forEach(([role, w, x]) => {
        if (w.shape[1] !== x.shape[2]) fail(`expecting ${role} weights shape of (${E}, ${x.shape[2]}), but got ${torchSize(w.shape)}`);
      });
    }
    const [bq, bk, bv] = this.inProjBias ? (this.inProjBias.chunk(3) as [Tensor, Tensor, Tensor]) : [null, null, null];
    const lne: AxisName[] = ['query', 'batch', 'model_dim'];
    const sne: AxisName[] = ['key', 'batch', 'model_dim'];
    q = recordStage(name, 'q projection', 'linear', [[q, lne]], linear(q, wq, bq), lne); // (L, N, E)
    k = recordStage(name, 'k projection', 'linear', [[k, sne]], linear(k, wk, bk), sne); // (S, N, E)
    v = recordStage(name, 'v projection', 'linear', [[v, sne]], linear(v, wv, bv), sne); // (S, N, E)

    // attn_mask: dtype check, then (L, S) → (1, L, S), or (N·H, L, S) as it is.
    if (attnMask) {
      if (attnMask.dtype === 'int32') fail('Only float, byte, and bool types are supported for attn_mask, not torch.int64');
      const S = k.shape[0];
      if (attnMask.ndim === 2) {
        if (attnMask.shape[0] !== L || attnMask.shape[1] !== S) {
          fail(`The shape of the 2D attn_mask is ${torchSize(attnMask.shape)}, but should be (${L}, ${S}).`);
        }
        attnMask = attnMask.unsqueeze(0); // (1, L, S)
      } else if (attnMask.ndim === 3) {
        if (attnMask.shape[0] !== N * H || attnMask.shape[1] !== L || attnMask.shape[2] !== S) {
          fail(`The shape of the 3D attn_mask is ${torchSize(attnMask.shape)}, but should be (${N * H}, ${L}, ${S}).`);
        }
      } else {
        fail(`attn_mask's dimension ${attnMask.ndim} is not supported`);
      }
    }

    // add_bias_kv: one learned key and value appended at the end of the sequence, never masked.
    if (this.biasK && this.biasV) {
      k = recordStage(name, 'append bias_k', 'cat', [[k, sne]], cat([k, this.biasK.repeat(1, N, 1)]), sne); // (S+1, N, E)
      v = recordStage(name, 'append bias_v', 'cat', [[v, sne]], cat([v, this.biasV.repeat(1, N, 1)]), sne); // (S+1, N, E)
      attnMask = attnMask && padLastColumn(attnMask);
      keyPaddingMask = keyPaddingMask && padLastColumn(keyPaddingMask);
    }

    // Split heads: head h of batch b is row b·H + h and owns features [h·hd, (h+1)·hd).
    const split = (x: Tensor, label: 'q' | 'k' | 'v', seq: AxisName): Tensor => {
      const axesIn: AxisName[] = [seq, 'batch', 'model_dim'];
      const viewed = recordStage(name, `${label}: split heads, merge batch and heads (reshape)`, 'view', [[x, axesIn]], x.contiguous().view(x.shape[0], N * H, hd), [seq, 'batch·head', 'head_dim']); // (L, N·H, hd)
      return recordStage(name, `${label}: move heads forward (transpose)`, 'transpose', [[viewed, [seq, 'batch·head', 'head_dim']]], viewed.transpose(0, 1), ['batch·head', seq, 'head_dim']); // (N·H, L, hd)
    };
    q = split(q, 'q', 'query'); // (N·H, L, hd)
    k = split(k, 'k', 'key'); // (N·H, S, hd)
    v = split(v, 'v', 'key'); // (N·H, S, hd)
    const bsh: AxisName[] = ['batch·head', 'key', 'head_dim'];

    if (this.addZeroAttn) {
      const zero = zeros(N * H, 1, hd).to(k.backend.name); // (N·H, 1, hd)
      k = recordStage(name, 'append zero attention key', 'cat', [[k, bsh]], cat([k, zero], 1), bsh); // (N·H, S+1, hd)
      v = recordStage(name, 'append zero attention value', 'cat', [[v, bsh]], cat([v, zero], 1), bsh); // (N·H, S+1, hd)
      attnMask = attnMask && padLastColumn(attnMask);
      keyPaddingMask = keyPaddingMask && padLastColumn(keyPaddingMask);
    }
    const S = k.shape[1];

    // key_padding_mask (N, S) → (N·H, 1, S), merged with attn_mask as 1.13 merges them.
    if (keyPaddingMask) {
      if (keyPaddingMask.shape[0] !== N || keyPaddingMask.shape[1] !== S) {
        fail(`expecting key_padding_mask shape of (${N}, ${S}), but got ${torchSize(keyPaddingMask.shape)}`);
      }
      const perHead = keyPaddingMask.view(N, 1, 1, S).expand(-1, H, -1, -1).reshape(N * H, 1, S); // (N·H, 1, S)
      if (!attnMask) attnMask = perHead;
      else if (attnMask.dtype === 'bool') attnMask = attnMask.logicalOr(perHead.bool());
      else attnMask = attnMask.maskedFill(perHead.bool(), -Infinity);
    }
    if (attnMask && attnMask.dtype === 'bool') attnMask = zeros(attnMask.shape).to(attnMask.backend.name).maskedFill(attnMask, -Infinity);

    const dropoutP = this.training ? this.dropout : 0;
    const blh: AxisName[] = ['batch·head', 'query', 'head_dim'];
    const bls: AxisName[] = ['batch·head', 'query', 'key'];
    const qScaled = recordStage(name, 'scale 1/√d', 'div', [[q, blh]], q.div(Math.sqrt(hd)), blh); // (N·H, L, hd)
    let weights: Tensor | null = null;
    let heads: Tensor;
    if (!needWeights && N * H * L * S > this.maxScoreElements) {
      // The weights are not returned, so the (N·H, L, S) scores never need to exist at once.
      heads = recordStage(name, 'attention over blocks of queries', 'bmm+softmax+bmm', [[qScaled, blh], [k, bsh], [v, bsh]], attendByQueryBlocks(qScaled, k, v, attnMask, dropoutP, this.maxScoreElements), blh); // (N·H, L, hd)
    } else {
      let scores = recordStage(name, 'scores QKᵀ', 'bmm', [[qScaled, blh], [k, bsh]], qScaled.bmm(k.transpose(-2, -1)), bls); // (N·H, L, S)
      if (attnMask) scores = recordStage(name, 'mask', 'add', [[scores, bls]], attnMask.add(scores), bls); // (N·H, L, S)
      weights = recordStage(name, 'softmax', 'softmax', [[scores, bls]], scores.softmax(-1), bls); // (N·H, L, S)
      if (dropoutP > 0) weights = recordStage(name, 'dropout', 'dropout', [[weights, bls]], dropout(weights, dropoutP, true), bls);
      heads = recordStage(name, 'weighted sum with V', 'bmm', [[weights, bls], [v, bsh]], weights.bmm(v), blh); // (N·H, L, hd)
    }
    const concatenated = recordStage(name, 'concat heads', 'transpose+view', [[heads, blh]], heads.transpose(0, 1).contiguous().view(L * N, E), ['query·batch', 'model_dim']); // (L·N, E)
    const projected = this.outProj.forward(concatenated).view(L, N, E); // (L, N, E)
    let output = recordStage(name, 'output projection', 'linear', [[concatenated, ['query·batch', 'model_dim']]], projected, lne);

    let returned: Tensor | null = null;
    if (needWeights && weights) {
      returned = weights.view(N, H, L, S); // (N, H, L, S)
      if (averageAttnWeights) {
        returned = recordStage(name, 'average heads', 'sum/H', [[returned, ['batch', 'head', 'query', 'key']]], returned.sum(1).div(H), ['batch', 'query', 'key']); // (N, L, S)
      }
      if (!isBatched) returned = returned.squeeze(0); // (L, S) or (H, L, S)
      const axes: AxisName[] = [...(isBatched ? (['batch'] as const) : []), ...(averageAttnWeights ? [] : (['head'] as const)), 'query', 'key'];
      tagAttentionWeights(returned, { axes, averagedHeads: averageAttnWeights ? H : undefined, module: 'MultiheadAttention' });
    }
    if (!isBatched) output = output.squeeze(1); // (L, E)
    else if (this.batchFirst) output = output.transpose(1, 0); // (N, L, E)
    return [output, returned];
  }
}
