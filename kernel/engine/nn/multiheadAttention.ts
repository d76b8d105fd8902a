/**
 * nn.MultiheadAttention exactly as PyTorch 1.13's slow path computes it (F.multi_head_attention_forward):
 * packed or separate in-projections, bias_k/bias_v, add_zero_attn, bool and float masks merged as
 * 1.13 merges them, q scaled before QKᵀ, post-dropout weights averaged as sum/H. Every stage is traced.
 * Shapes: L queries, S keys, N batch entries, E = H heads · hd features.
 */
import {
  checkRequired,
  isBool,
  isInt,
  isOptional,
  isTensor,
  optionalArguments,
  type PositionalOrOptions,
} from '../arguments';
import { full, zeros } from '../ops/creation';
import { cat } from '../ops/movement';
import { formatTuple, torchSize } from '../shape';
import type { Tensor } from '../tensor';
import { dropout, linear } from './functional';
import { xavierNormal, xavierUniform } from './init';
import { NonDynamicallyQuantizableLinear } from './layers';
import { tagAttentionWeights } from './attentionWeights';
import { isProbability, isSize, Module } from './module';
import { stageRecorder, type AxisName } from './trace';

/** nn.MultiheadAttention's constructor keyword arguments (dropout, bias, add_bias_kv, ...). */
export interface MultiheadAttentionOptions {
  /** Dropout probability of the attention weights while training (PyTorch: dropout); default 0. */
  dropout?: number;
  /** Biases in the in- and out-projections (PyTorch: bias); default true. */
  bias?: boolean;
  /** A learned key and value appended to the sequence (PyTorch: add_bias_kv); default false. */
  addBiasKv?: boolean;
  /** A key and a value of zeros appended after the head split (PyTorch: add_zero_attn); default false. */
  addZeroAttn?: boolean;
  /** Features of the key, default embedDim (PyTorch: kdim). */
  kdim?: number | null;
  /** Features of the value, default embedDim (PyTorch: vdim). */
  vdim?: number | null;
  /** Inputs and output are (N, L, E) instead of (L, N, E) (PyTorch: batch_first); default false. */
  batchFirst?: boolean;
}

/** The constructor's keyword parameters in PyTorch's order, each with its check. */
const constructorSpec = {
  dropout: isProbability,
  bias: isBool,
  addBiasKv: isBool,
  addZeroAttn: isBool,
  kdim: isOptional(isSize),
  vdim: isOptional(isSize),
  batchFirst: isBool,
};

/** nn.MultiheadAttention.forward's keyword arguments. */
export interface MultiheadAttentionForwardOptions {
  /** (N, S) or (S): bool True = ignore that key; float = added to the scores (PyTorch: key_padding_mask). */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (PyTorch: need_weights); default true. */
  needWeights?: boolean;
  /** (L, S) or (N·H, L, S) indexed b·H + h: bool True = not allowed; float = added (PyTorch: attn_mask). */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (PyTorch: average_attn_weights); default true. */
  averageAttnWeights?: boolean;
  /** PyTorch 2.x's hint that attnMask is causal; like 2.x it needs the mask itself (PyTorch: is_causal). */
  isCausal?: boolean;
}

/** forward's keyword parameters in PyTorch's order, each with its check. */
const forwardSpec = {
  keyPaddingMask: isOptional(isTensor),
  needWeights: isBool,
  attnMask: isOptional(isTensor),
  averageAttnWeights: isBool,
  isCausal: isBool,
};

/** The module name in error messages and trace stages. */
const mha = 'MultiheadAttention';
const recordStage = stageRecorder(mha);
/** forward's name in its argument errors. */
const forwardCall = `${mha}.forward`;

/** Axis names of the traced layouts, named after their shapes' letters (b = N·H, d = hd). */
const lne: AxisName[] = ['query', 'batch', 'model_dim']; // (L, N, E)
const sne: AxisName[] = ['key', 'batch', 'model_dim']; // (S, N, E)
const bld: AxisName[] = ['batch·head', 'query', 'head_dim']; // (N·H, L, hd)
const bsd: AxisName[] = ['batch·head', 'key', 'head_dim']; // (N·H, S, hd)
const bls: AxisName[] = ['batch·head', 'query', 'key']; // (N·H, L, S)
const mergedRows: AxisName[] = ['query·batch', 'model_dim']; // (L·N, E)

function fail(message: string): never {
  throw new Error(`${mha}: ${message}`);
}

/** key_padding_mask and attn_mask on their way to the one additive mask of the scores. */
interface Masks {
  /** (1 or N·H, L, S), or null. */
  attnMask: Tensor | null;
  /** (N, S), or null. */
  keyPaddingMask: Tensor | null;
}

/** Appends one column of zeros along the last dim (F.pad(mask, (0, 1))). */
function padLastColumn(mask: Tensor): Tensor {
  const column = full([...mask.shape.slice(0, -1), 1], 0, { dtype: mask.dtype }).to(mask.backend.name); // (..., 1)
  return cat([mask, column], -1); // (..., S+1)
}

/** Both masks with one more key that nothing masks, for a key appended to the sequence. */
function padMasks({ attnMask, keyPaddingMask }: Masks): Masks {
  return {
    attnMask: attnMask && padLastColumn(attnMask), // (1 or N·H, L, S+1)
    keyPaddingMask: keyPaddingMask && padLastColumn(keyPaddingMask), // (N, S+1)
  };
}

/** Float (S, S) mask with -inf above the diagonal (nn.Transformer.generate_square_subsequent_mask). */
export function generateSquareSubsequentMask(size: number): Tensor {
  return full([size, size], -Infinity, { dtype: 'float32' }).triu(1);
}

/**
 * softmax(q kᵀ + mask) v computed over blocks of query rows, with at most `maxScoreElements` scores
 * alive at once. q (N·H, L, hd); k, v (N·H, S, hd); mask (1 or N·H, 1 or L, S) or null.
 */
function attendByQueryBlocks(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  mask: Tensor | null,
  dropoutP: number,
  maxScoreElements: number,
): Tensor {
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

/** What the attention step gives: the heads' outputs (N·H, L, hd) and the weights (N·H, L, S), if kept. */
interface AttentionHeads {
  heads: Tensor;
  weights: Tensor | null;
}

/** Calling the module calls forward: `multiheadAttention(...)` is `.forward(...)`. */
export interface MultiheadAttention {
  (
    query: Tensor,
    key: Tensor,
    value: Tensor,
    ...args: PositionalOrOptions<
      [keyPaddingMask: Tensor | null, needWeights: boolean, attnMask: Tensor | null, averageAttnWeights: boolean],
      MultiheadAttentionForwardOptions
    >
  ): [Tensor, Tensor | null];
}

/** nn.MultiheadAttention: PyTorch 1.13's parameters, state_dict keys, masks and error messages. */
export class MultiheadAttention extends Module {
  /** embedDim / numHeads: the features of each head (PyTorch: head_dim). */
  readonly headDim: number;
  /** The key's features, embedDim unless given (PyTorch: kdim). */
  readonly kdim: number;
  /** The value's features, embedDim unless given (PyTorch: vdim). */
  readonly vdim: number;
  /** Dropout probability on the attention weights while training (PyTorch: dropout). */
  readonly dropout: number;
  /** Inputs and outputs are (N, L, E) instead of (L, N, E) (PyTorch: batch_first). */
  readonly batchFirst: boolean;
  /** A zero key and value are appended after the projections (PyTorch: add_zero_attn). */
  readonly addZeroAttn: boolean;
  /** The output projection, a Linear(embedDim, embedDim) (PyTorch: out_proj). */
  readonly outProj: NonDynamicallyQuantizableLinear;
  private readonly qkvSameEmbedDim: boolean;
  /**
   * With `needWeights: false`, attention scores larger than this many elements are computed one block
   * of queries at a time (each block's softmax over all keys, exactly as unblocked), so long sequences
   * run in bounded memory: 2^24 elements is 64 MiB of float32 scores at once.
   */
  maxScoreElements = 2 ** 24;

  /**
   * `new nn.MultiheadAttention(embedDim, numHeads, { batchFirst: true, ... })`, or the keyword parameters by
   * position in PyTorch's order (dropout, bias, addBiasKv, addZeroAttn, kdim, vdim, batchFirst).
   */
  constructor(
    /** The model width E of query and output (PyTorch: embed_dim). */
    readonly embedDim: number,
    /** Parallel heads; embedDim must divide by it (PyTorch: num_heads). */
    readonly numHeads: number,
    ...args: PositionalOrOptions<
      [
        dropout: number,
        bias: boolean,
        addBiasKv: boolean,
        addZeroAttn: boolean,
        kdim: number | null,
        vdim: number | null,
        batchFirst: boolean,
      ],
      MultiheadAttentionOptions
    >
  ) {
    super();
    checkRequired(mha, { embedDim, numHeads });
    isInt(embedDim, mha, 'embedDim', 1);
    isInt(numHeads, mha, 'numHeads', 2);
    if (embedDim <= 0 || numHeads <= 0) {
      fail(
        'embed_dim and num_heads must be greater than 0, ' +
          `got embed_dim=${embedDim} and num_heads=${numHeads} instead`,
      );
    }
    const options = optionalArguments(mha, args, constructorSpec, 3);
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

  /** The stacked q, k, v projection weights, (3·E, E) (PyTorch: in_proj_weight); null with kdim or vdim ≠ E. */
  get inProjWeight(): Tensor | null {
    return this.parameter('in_proj_weight');
  }
  /** The stacked q, k, v projection biases, (3·E) (PyTorch: in_proj_bias); null without bias. */
  get inProjBias(): Tensor | null {
    return this.parameter('in_proj_bias');
  }
  /** The learned key appended to the keys, (1, 1, E), with addBiasKv; else null (PyTorch: bias_k). */
  get biasK(): Tensor | null {
    return this.parameter('bias_k');
  }
  /** The learned value appended to the values, (1, 1, E), with addBiasKv; else null (PyTorch: bias_v). */
  get biasV(): Tensor | null {
    return this.parameter('bias_v');
  }

  /**
   * Returns [attnOutput, attnWeights | null]. Shapes: query (L, N, E) or (N, L, E) with batchFirst
   * or (L, E) unbatched; weights (N, L, S), or (N, H, L, S) without averaging, always batch-major.
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    ...args: PositionalOrOptions<
      [keyPaddingMask: Tensor | null, needWeights: boolean, attnMask: Tensor | null, averageAttnWeights: boolean],
      MultiheadAttentionForwardOptions
    >
  ): [Tensor, Tensor | null] {
    const call = forwardCall;
    checkRequired(call, { query, key, value });
    isTensor(query, call, 'query', 1);
    isTensor(key, call, 'key', 2);
    isTensor(value, call, 'value', 3);
    const options = optionalArguments(call, args, forwardSpec, 4);
    const { needWeights = true, averageAttnWeights = true } = options;
    const isBatched = this.checkArguments(query, key, value, options);
    const inputs = this.toSequenceFirst(query, key, value, options.keyPaddingMask ?? null, isBatched);
    const [L, N] = inputs.query.shape;
    let [q, k, v] = this.projectIn(inputs.query, inputs.key, inputs.value); // (L, N, E), (S, N, E), (S, N, E)
    let masks: Masks = {
      attnMask: this.prepareAttnMask(options.attnMask ?? null, L, k.shape[0], N), // (1 or N·H, L, S)
      keyPaddingMask: inputs.keyPaddingMask, // (N, S)
    };
    if (this.biasK && this.biasV) [k, v, masks] = this.appendBiasKv(k, v, masks, N); // (S+1, N, E)
    q = this.splitHeads(q, 'q', 'query', N); // (N·H, L, hd)
    k = this.splitHeads(k, 'k', 'key', N); // (N·H, S, hd)
    v = this.splitHeads(v, 'v', 'key', N); // (N·H, S, hd)
    if (this.addZeroAttn) [k, v, masks] = this.appendZeroAttention(k, v, masks, N); // (N·H, S+1, hd)
    const mask = this.mergeMasks(masks, N, k.shape[1]); // (1 or N·H, 1 or L, S), float, or null
    const { heads, weights } = this.attend(q, k, v, mask, needWeights); // (N·H, L, hd), (N·H, L, S) or null
    const output = this.mergeHeadsAndProjectOut(heads, L, N); // (L, N, E)
    const returned = needWeights && weights ? this.returnedWeights(weights, N, isBatched, averageAttnWeights) : null;
    if (!isBatched) return [output.squeeze(1), returned]; // (L, E)
    return [this.batchFirst ? output.transpose(1, 0) : output, returned]; // (N, L, E) or (L, N, E)
  }

  /** The argument checks torch makes before any computation; returns whether the query is batched. */
  private checkArguments(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    { keyPaddingMask, attnMask, isCausal }: MultiheadAttentionForwardOptions,
  ): boolean {
    if (isCausal && !attnMask) {
      fail(
        'Need attn_mask if specifying the is_causal hint. ' +
          'You may use the Transformer module method `generate_square_subsequent_mask` to create this mask.',
      );
    }
    if (keyPaddingMask && keyPaddingMask.dtype === 'int32') {
      fail('only bool and floating types of key_padding_mask are supported');
    }
    return this.checkShapes(query, key, value, keyPaddingMask ?? null, attnMask ?? null);
  }

  /** The ranks of the inputs and masks, for a batched (3-D) or unbatched (2-D) query. */
  private checkShapes(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    keyPaddingMask: Tensor | null,
    attnMask: Tensor | null,
  ): boolean {
    if (query.ndim !== 3 && query.ndim !== 2) {
      fail(`query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor`);
    }
    const rank = query.ndim;
    const forQuery = `For ${rank === 3 ? 'batched (3-D)' : 'unbatched (2-D)'} \`query\`, expected`;
    if (key.ndim !== rank || value.ndim !== rank) {
      fail(
        `${forQuery} \`key\` and \`value\` to be ${rank}-D ` +
          `but found ${key.ndim}-D and ${value.ndim}-D tensors respectively`,
      );
    }
    if (keyPaddingMask && keyPaddingMask.ndim !== rank - 1) {
      fail(
        `${forQuery} \`key_padding_mask\` to be \`None\` or ${rank - 1}-D ` +
          `but found ${keyPaddingMask.ndim}-D tensor instead`,
      );
    }
    if (attnMask && attnMask.ndim !== 2 && attnMask.ndim !== 3) {
      fail(`${forQuery} \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${attnMask.ndim}-D tensor instead`);
    }
    if (rank === 2 && attnMask?.ndim === 3) {
      const expected = [this.numHeads, query.shape[0], key.shape[0]]; // (H, L, S)
      if (attnMask.shape.join() !== expected.join()) {
        fail(`Expected \`attn_mask\` shape to be ${formatTuple(expected)} but got ${torchSize(attnMask.shape)}`);
      }
    }
    return rank === 3;
  }

  /**
   * The inputs as batched and sequence-first: query (L, N, E), key and value (S, N, ·), with
   * key_padding_mask (N, S); checks their embedding dims and that key and value agree.
   */
  private toSequenceFirst(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    keyPaddingMask: Tensor | null,
    isBatched: boolean,
  ): { query: Tensor; key: Tensor; value: Tensor; keyPaddingMask: Tensor | null } {
    let [q, k, v] = [query, key, value];
    if (this.batchFirst && isBatched) {
      // As torch does, one input passed as query, key and value is transposed once (projectIn copies it once).
      const transposed = new Map<Tensor, Tensor>();
      [q, k, v] = [q, k, v].map((x) => transposed.get(x) ?? transposed.set(x, x.transpose(1, 0)).get(x)!); // (L, N, E)
    }
    if (!isBatched) {
      [q, k, v] = [q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)]; // (L, 1, E)
      keyPaddingMask = keyPaddingMask?.unsqueeze(0) ?? null; // (1, S)
    }
    const E = this.embedDim;
    const queryEmbed = q.shape[2];
    if (queryEmbed !== E) fail(`was expecting embedding dimension of ${E}, but got ${queryEmbed}`);
    if (this.qkvSameEmbedDim && k.shape.join() !== v.shape.join()) {
      fail(`key shape ${torchSize(k.shape)} does not match value shape ${torchSize(v.shape)}`);
    }
    if (!this.qkvSameEmbedDim && (k.shape[0] !== v.shape[0] || k.shape[1] !== v.shape[1])) {
      const [keyDims, valueDims] = [torchSize(k.shape.slice(0, 2)), torchSize(v.shape.slice(0, 2))];
      fail(`key's sequence and batch dims ${keyDims} do not match value's ${valueDims}`);
    }
    return { query: q, key: k, value: v, keyPaddingMask };
  }

  /** The three (E, ·) projection weights, from the packed matrix or the separate ones. */
  private projectionWeights(): [Tensor, Tensor, Tensor] {
    const packed = this.inProjWeight;
    if (packed) return packed.chunk(3, 0) as [Tensor, Tensor, Tensor]; // 3 × (E, E)
    const names = ['q_proj_weight', 'k_proj_weight', 'v_proj_weight'];
    return names.map((name) => this.requiredParameter(name)) as [Tensor, Tensor, Tensor];
  }

  /**
   * In-projection: three F.linear calls over the row blocks of in_proj_weight (or the separate weights);
   * self-attention (one input as query, key and value) with in_proj_weight is one F.linear over the whole
   * matrix, chunked into q, k and v, as torch's _in_projection_packed computes it.
   */
  private projectIn(q: Tensor, k: Tensor, v: Tensor): [Tensor, Tensor, Tensor] {
    const packed = this.inProjWeight;
    if (packed && q === k && k === v) return this.projectPacked(q, packed);
    const [wq, wk, wv] = this.projectionWeights();
    if (!this.qkvSameEmbedDim) {
      const roles = ['query', 'key', 'value'];
      [q, k, v].forEach((x, i) => {
        const w = [wq, wk, wv][i];
        if (w.shape[1] !== x.shape[2]) {
          const expected = `(${this.embedDim}, ${x.shape[2]})`;
          fail(`expecting ${roles[i]} weights shape of ${expected}, but got ${torchSize(w.shape)}`);
        }
      });
    }
    const bias = this.inProjBias;
    const [bq, bk, bv] = bias ? (bias.chunk(3) as [Tensor, Tensor, Tensor]) : [null, null, null]; // 3 × (E)
    // linear folds (L, N, E) into (L·N, E) rows, a copy when the input is a transposed (batchFirst) view: in
    // self-attention the one input is copied once for the three projections, not once for each.
    const rowsOf = new Map<Tensor, Tensor>();
    const rows = (x: Tensor) => rowsOf.get(x) ?? rowsOf.set(x, x.contiguous()).get(x)!; // (L, N, E)
    const project = (label: string, x: Tensor, w: Tensor, b: Tensor | null, axes: AxisName[]) =>
      recordStage(`${label} projection`, linear(rows(x), w, b), { op: 'linear', inputs: [x], inputAxes: [axes], axes });
    return [project('q', q, wq, bq, lne), project('k', k, wk, bk, sne), project('v', v, wv, bv, sne)];
  }

  /** q, k and v of one input (L, N, E) from one product with in_proj_weight (3·E, E). */
  private projectPacked(x: Tensor, weight: Tensor): [Tensor, Tensor, Tensor] {
    const rows = x.contiguous(); // (L, N, E)
    const [pq, pk, pv] = linear(rows, weight, this.inProjBias).chunk(3, -1) as [Tensor, Tensor, Tensor]; // 3 × (L, N, E)
    const stage = (label: string, projected: Tensor, axes: AxisName[]) =>
      recordStage(`${label} projection`, projected, { op: 'linear', inputs: [x], inputAxes: [axes], axes });
    return [stage('q', pq, lne), stage('k', pk, sne), stage('v', pv, sne)];
  }

  /** attn_mask checked against (L, S) or (N·H, L, S) and returned as (1, L, S) or (N·H, L, S). */
  private prepareAttnMask(attnMask: Tensor | null, L: number, S: number, N: number): Tensor | null {
    if (!attnMask) return null;
    if (attnMask.dtype === 'int32') {
      fail('Only float, byte, and bool types are supported for attn_mask, not torch.int64');
    }
    const H = this.numHeads;
    if (attnMask.ndim === 2) {
      if (attnMask.shape[0] !== L || attnMask.shape[1] !== S) {
        fail(`The shape of the 2D attn_mask is ${torchSize(attnMask.shape)}, but should be (${L}, ${S}).`);
      }
      return attnMask.unsqueeze(0); // (1, L, S)
    }
    if (attnMask.ndim === 3) {
      if (attnMask.shape[0] !== N * H || attnMask.shape[1] !== L || attnMask.shape[2] !== S) {
        fail(`The shape of the 3D attn_mask is ${torchSize(attnMask.shape)}, but should be (${N * H}, ${L}, ${S}).`);
      }
      return attnMask; // (N·H, L, S)
    }
    return fail(`attn_mask's dimension ${attnMask.ndim} is not supported`);
  }

  /** add_bias_kv: one learned key and value appended at the end of the sequence, never masked. */
  private appendBiasKv(k: Tensor, v: Tensor, masks: Masks, N: number): [Tensor, Tensor, Masks] {
    const withBiasK = cat([k, this.requiredParameter('bias_k').repeat(1, N, 1)]); // (S+1, N, E)
    const withBiasV = cat([v, this.requiredParameter('bias_v').repeat(1, N, 1)]); // (S+1, N, E)
    return [
      recordStage('append bias_k', withBiasK, { op: 'cat', inputs: [k], inputAxes: [sne], axes: sne }),
      recordStage('append bias_v', withBiasV, { op: 'cat', inputs: [v], inputAxes: [sne], axes: sne }),
      padMasks(masks),
    ];
  }

  /** (S, N, E) → (N·H, S, hd): head h of batch b becomes row b·H + h and owns features [h·hd, (h+1)·hd). */
  private splitHeads(x: Tensor, label: 'q' | 'k' | 'v', seq: AxisName, N: number): Tensor {
    const inputAxes: AxisName[] = [seq, 'batch', 'model_dim'];
    const viewedAxes: AxisName[] = [seq, 'batch·head', 'head_dim'];
    const viewed = x.contiguous().view(x.shape[0], N * this.numHeads, this.headDim); // (S, N·H, hd)
    recordStage(`${label}: split heads, merge batch and heads (reshape)`, viewed, {
      op: 'view',
      inputs: [x],
      inputAxes: [inputAxes],
      axes: viewedAxes,
    });
    const moved = viewed.transpose(0, 1); // (N·H, S, hd)
    return recordStage(`${label}: move heads forward (transpose)`, moved, {
      op: 'transpose',
      inputs: [viewed],
      inputAxes: [viewedAxes],
      axes: ['batch·head', seq, 'head_dim'],
    });
  }

  /** add_zero_attn: a key and a value of zeros appended after the head split, never masked. */
  private appendZeroAttention(k: Tensor, v: Tensor, masks: Masks, N: number): [Tensor, Tensor, Masks] {
    const zero = zeros(N * this.numHeads, 1, this.headDim).to(k.backend.name); // (N·H, 1, hd)
    const withZeroK = cat([k, zero], 1); // (N·H, S+1, hd)
    const withZeroV = cat([v, zero], 1); // (N·H, S+1, hd)
    return [
      recordStage('append zero attention key', withZeroK, { op: 'cat', inputs: [k], inputAxes: [bsd], axes: bsd }),
      recordStage('append zero attention value', withZeroV, { op: 'cat', inputs: [v], inputAxes: [bsd], axes: bsd }),
      padMasks(masks),
    ];
  }

  /**
   * key_padding_mask (N, S) → (N·H, 1, S), merged with attn_mask as 1.13 merges them, and a bool result
   * turned into an additive float mask (-inf where not allowed): (1 or N·H, 1 or L, S), or null.
   */
  private mergeMasks({ attnMask, keyPaddingMask }: Masks, N: number, S: number): Tensor | null {
    const H = this.numHeads;
    if (keyPaddingMask) {
      if (keyPaddingMask.shape[0] !== N || keyPaddingMask.shape[1] !== S) {
        fail(`expecting key_padding_mask shape of (${N}, ${S}), but got ${torchSize(keyPaddingMask.shape)}`);
      }
      const perHead = keyPaddingMask
        .view(N, 1, 1, S)
        .expand(-1, H, -1, -1)
        .reshape(N * H, 1, S); // (N·H, 1, S)
      if (!attnMask) attnMask = perHead;
      else if (attnMask.dtype === 'bool') attnMask = attnMask.logicalOr(perHead.bool());
      else attnMask = attnMask.maskedFill(perHead.bool(), -Infinity);
    }
    if (attnMask?.dtype !== 'bool') return attnMask;
    return zeros(attnMask.shape).to(attnMask.backend.name).maskedFill(attnMask, -Infinity);
  }

  /**
   * Scaled dot-product attention per head: q scaled by 1/√hd, softmax(q kᵀ + mask), dropout in training,
   * times v. Returns heads (N·H, L, hd) and the weights (N·H, L, S), or no weights when they are not
   * needed and the scores exceed `maxScoreElements`: then it runs over blocks of queries.
   */
  private attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, needWeights: boolean): AttentionHeads {
    const dropoutP = this.training ? this.dropout : 0;
    const scaled = q.div(Math.sqrt(this.headDim)); // (N·H, L, hd)
    recordStage('scale 1/√d', scaled, { op: 'div', inputs: [q], inputAxes: [bld], axes: bld });
    const [batchHeads, L] = q.shape;
    if (!needWeights && batchHeads * L * k.shape[1] > this.maxScoreElements) {
      // The weights are not returned, so the (N·H, L, S) scores never need to exist at once.
      const heads = attendByQueryBlocks(scaled, k, v, mask, dropoutP, this.maxScoreElements); // (N·H, L, hd)
      recordStage('attention over blocks of queries', heads, {
        op: 'bmm+softmax+bmm',
        inputs: [scaled, k, v],
        inputAxes: [bld, bsd, bsd],
        axes: bld,
      });
      return { heads, weights: null };
    }
    let scores = scaled.bmm(k.transpose(-2, -1)); // (N·H, L, S)
    recordStage('scores QKᵀ', scores, { op: 'bmm', inputs: [scaled, k], inputAxes: [bld, bsd], axes: bls });
    if (mask) {
      const masked = mask.add(scores); // (N·H, L, S)
      scores = recordStage('mask', masked, { op: 'add', inputs: [scores], inputAxes: [bls], axes: bls });
    }
    let weights = scores.softmax(-1); // (N·H, L, S)
    recordStage('softmax', weights, { op: 'softmax', inputs: [scores], inputAxes: [bls], axes: bls });
    if (dropoutP > 0) {
      const dropped = dropout(weights, dropoutP, true); // (N·H, L, S)
      weights = recordStage('dropout', dropped, { op: 'dropout', inputs: [weights], inputAxes: [bls], axes: bls });
    }
    const heads = weights.bmm(v); // (N·H, L, hd)
    recordStage('weighted sum with V', heads, { op: 'bmm', inputs: [weights, v], inputAxes: [bls, bsd], axes: bld });
    return { heads, weights };
  }

  /** Concatenates the heads back into rows of E features and applies out_proj: (N·H, L, hd) → (L, N, E). */
  private mergeHeadsAndProjectOut(heads: Tensor, L: number, N: number): Tensor {
    const E = this.embedDim;
    const merged = heads
      .transpose(0, 1)
      .contiguous()
      .view(L * N, E); // (L·N, E)
    recordStage('concat heads', merged, { op: 'transpose+view', inputs: [heads], inputAxes: [bld], axes: mergedRows });
    const projected = this.outProj.forward(merged).view(L, N, E); // (L, N, E)
    recordStage('output projection', projected, { op: 'linear', inputs: [merged], inputAxes: [mergedRows], axes: lne });
    return projected;
  }

  /**
   * The weights forward returns, batch-major and tagged: (N, H, L, S), or (N, L, S) averaged as sum/H;
   * without the N axis for an unbatched query.
   */
  private returnedWeights(weights: Tensor, N: number, isBatched: boolean, average: boolean): Tensor {
    const H = this.numHeads;
    const [, L, S] = weights.shape;
    let returned = weights.view(N, H, L, S); // (N, H, L, S)
    if (average) {
      const averaged = returned.sum(1).div(H); // (N, L, S)
      returned = recordStage('average heads', averaged, {
        op: 'sum/H',
        inputs: [returned],
        inputAxes: [['batch', 'head', 'query', 'key']],
        axes: ['batch', 'query', 'key'],
      });
    }
    if (!isBatched) returned = returned.squeeze(0); // (L, S) or (H, L, S)
    const leading: AxisName[] = [...(isBatched ? ['batch' as const] : []), ...(average ? [] : ['head' as const])];
    const axes: AxisName[] = [...leading, 'query', 'key'];
    return tagAttentionWeights(returned, { axes, averagedHeads: average ? H : undefined, module: mha });
  }
}
