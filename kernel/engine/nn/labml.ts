/**
 * labml's annotated multi-head attention (labml_nn/transformers/mha.py): sequence-first tensors
 * [seq, batch, d_model], the einsum formulation, softmax over keys (dim 1), mask [seq_q, seq_k,
 * batch] with nonzero/True = may attend, and `attn` kept after forward (post-dropout).
 */
import {
  checkOptions,
  checkRequired,
  isBool,
  isOptional,
  isTensor,
  optionalArguments,
  type PositionalOrOptions,
} from '../arguments';
import { einsum } from '../ops/linalg';
import { formatShape, type Shape } from '../shape';
import { Tensor } from '../tensor';
import { Dropout, Linear } from './layers';
import { tagAttentionWeights } from './attentionWeights';
import { isProbability, isSize, Module } from './module';
import { stageRecorder, type AxisName } from './trace';

const multiHeadAttention = 'labml.MultiHeadAttention';
const recordStage = stageRecorder(multiHeadAttention);
/** Axis names of the traced layouts, after the einsum subscripts (L = seq_q, S = seq_k). */
const lbh: AxisName[] = ['query', 'batch', 'head', 'head_dim']; // (L, B, H, d)
const sbh: AxisName[] = ['key', 'batch', 'head', 'head_dim']; // (S, B, H, d)
const ijbh: AxisName[] = ['query', 'key', 'batch', 'head']; // (L, S, B, H)
const queryRows: AxisName[] = ['query', 'batch', 'model_dim']; // (L, B, d_model)
const keyRows: AxisName[] = ['key', 'batch', 'model_dim']; // (S, B, d_model)

/** Linear(d_model, heads·d_k) then a view to [..., heads, d_k]. */
export class PrepareForMultiHeadAttention extends Module {
  /** Linear(dModel, heads·dK): (..., dModel) → (..., heads·dK) before the view to (..., heads, dK). */
  readonly linear: Linear;
  /** `new labml.PrepareForMultiHeadAttention(dModel, heads, dK, bias)`: (..., dModel) → (..., heads, dK). */
  constructor(
    dModel: number,
    /** The number of heads the projection splits into (labml: heads). */
    readonly heads: number,
    /** Features per head (labml: d_k). */
    readonly dK: number,
    bias: boolean,
  ) {
    super();
    const call = 'labml.PrepareForMultiHeadAttention';
    checkRequired(call, { dModel, heads, dK, bias });
    isSize(dModel, call, 'dModel', 1);
    isSize(heads, call, 'heads', 2);
    isSize(dK, call, 'dK', 3);
    isBool(bias, call, 'bias', 4);
    this.linear = this.registerModule('linear', new Linear(dModel, heads * dK, bias));
  }
  forward(x: Tensor): Tensor {
    checkRequired('labml.PrepareForMultiHeadAttention.forward', { x });
    const headShape = x.shape.slice(0, -1);
    return this.linear.forward(x).view(...headShape, this.heads, this.dK); // (seq, batch, heads, d_k)
  }
}

/** labml's forward(*, query, key, value, mask) keyword arguments. */
export interface LabmlForwardArgs {
  /** The queries, (seq_q, batch, dModel). */
  query: Tensor;
  /** The keys, (seq_k, batch, dModel). */
  key: Tensor;
  /** The values, (seq_k, batch, dModel). */
  value: Tensor;
  /** [seq_q | 1, seq_k, batch | 1]; nonzero / True = may attend. */
  mask?: Tensor | null;
}

/** forward's keyword-only arguments, each with its check (presence is checked apart, as Python words it). */
const forwardSpec = {
  query: isOptional(isTensor),
  key: isOptional(isTensor),
  value: isOptional(isTensor),
  mask: isOptional(isTensor),
};

/** einsum of two operands, recorded as the stage `label (einsum 'equation')`; each operand comes with its axes. */
function tracedEinsum(
  label: string,
  equation: string,
  [a, aAxes]: [Tensor, AxisName[]],
  [b, bAxes]: [Tensor, AxisName[]],
  axes: AxisName[],
): Tensor {
  const result = einsum(equation, a, b);
  return recordStage(`${label} (einsum '${equation}')`, result, {
    op: 'einsum',
    inputs: [a, b],
    inputAxes: [aAxes, bAxes],
    axes,
  });
}

/** labml's MultiHeadAttention: projections that split heads, einsum scores, softmax over keys, output Linear. */
export class MultiHeadAttention extends Module {
  /** Features per head: dModel / heads (labml: d_k). */
  readonly dK: number;
  /** Projects and splits the query: (L, B, dModel) → (L, B, heads, dK). */
  readonly query: PrepareForMultiHeadAttention;
  /** Projects and splits the key: (S, B, dModel) → (S, B, heads, dK). */
  readonly key: PrepareForMultiHeadAttention;
  /** Projects and splits the value: (S, B, dModel) → (S, B, heads, dK), with bias. */
  readonly value: PrepareForMultiHeadAttention;
  /** The output Linear(dModel, dModel) over the joined heads. */
  readonly output: Linear;
  /** Dropout on the attention while training. */
  readonly dropout: Dropout;
  /** 1 / sqrt(dK), the scores' scale. */
  readonly scale: number;
  /** Attention after softmax and dropout, [seq_q, seq_k, batch, heads]. */
  attn: Tensor | null = null;

  /** `new labml.MultiHeadAttention(heads, dModel, 0.1, true)` or `(heads, dModel, { dropoutProb, bias })`. */
  constructor(
    /** The number of heads; dModel must divide by it (labml: heads). */
    readonly heads: number,
    dModel: number,
    ...args: PositionalOrOptions<
      [dropoutProb: number, bias: boolean],
      {
        /** Dropout probability on the attention while training; default 0.1 (labml: dropout_prob). */
        dropoutProb?: number;
        /** Biases in the q, k and v projections; default true (labml: bias). */
        bias?: boolean;
      }
    >
  ) {
    super();
    checkRequired(multiHeadAttention, { heads, dModel });
    isSize(heads, multiHeadAttention, 'heads', 1);
    isSize(dModel, multiHeadAttention, 'dModel', 2);
    const options = optionalArguments(multiHeadAttention, args, { dropoutProb: isProbability, bias: isBool }, 3);
    const { dropoutProb = 0.1, bias = true } = options;
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

  /** [seq_q | 1, seq_k, batch | 1] → the same with a trailing heads axis of 1. (labml: prepare_mask) */
  prepareMask(mask: Tensor, queryShape: Shape, keyShape: Shape): Tensor {
    const fitsQueries = mask.shape[0] === 1 || mask.shape[0] === queryShape[0];
    const fitsBatch = mask.shape[2] === 1 || mask.shape[2] === queryShape[1];
    if (mask.ndim !== 3 || !fitsQueries || mask.shape[1] !== keyShape[0] || !fitsBatch) {
      const expected = `[${queryShape[0]} or 1, ${keyShape[0]}, ${queryShape[1]} or 1]`;
      throw new Error(
        `${multiHeadAttention}: mask of shape ${formatShape(mask.shape)} must be ${expected} ` +
          `for query ${formatShape(queryShape)} and key ${formatShape(keyShape)}`,
      );
    }
    return mask.unsqueeze(-1); // (seq_q | 1, seq_k, batch | 1, 1)
  }

  forward(args: LabmlForwardArgs): Tensor {
    const call = `${multiHeadAttention}.forward`;
    if (args instanceof Tensor) {
      throw new TypeError(`${call}: query, key, value and mask are keyword-only: forward({ query, key, value, mask })`);
    }
    const checked = checkOptions(call, args, forwardSpec);
    checkRequired(call, { query: checked.query, key: checked.key, value: checked.value }, 'keyword-only');
    const [query, key, value, mask] = [checked.query!, checked.key!, checked.value!, checked.mask ?? null];
    const [seqLen, batchSize] = query.shape;
    const prepared = mask ? this.prepareMask(mask, query.shape, key.shape) : null;
    const q = this.query.forward(query); // (L, B, H, d)
    recordStage('q projection + split heads', q, {
      op: 'linear+view',
      inputs: [query],
      inputAxes: [queryRows],
      axes: lbh,
    });
    const k = this.key.forward(key); // (S, B, H, d)
    recordStage('k projection + split heads', k, { op: 'linear+view', inputs: [key], inputAxes: [keyRows], axes: sbh });
    const v = this.value.forward(value); // (S, B, H, d)
    recordStage('v projection + split heads', v, {
      op: 'linear+view',
      inputs: [value],
      inputAxes: [keyRows],
      axes: sbh,
    });
    const product = tracedEinsum('scores QKᵀ', 'ibhd,jbhd->ijbh', [q, lbh], [k, sbh], ijbh); // (L, S, B, H)
    let scores = product.mul(this.scale); // (L, S, B, H)
    recordStage('scale 1/√d', scores, { op: 'mul', inputs: [product], inputAxes: [ijbh], axes: ijbh });
    if (prepared) {
      const blocked = prepared.dtype === 'bool' ? prepared.logicalNot() : prepared.eq(0); // (L | 1, S, B | 1, 1)
      const masked = scores.maskedFill(blocked, -Infinity); // (L, S, B, H)
      scores = recordStage('mask', masked, { op: 'maskedFill', inputs: [scores], inputAxes: [ijbh], axes: ijbh });
    }
    let attn = scores.softmax(1); // (L, S, B, H)
    recordStage('softmax (over keys, dim 1)', attn, { op: 'softmax', inputs: [scores], inputAxes: [ijbh], axes: ijbh });
    if (this.training && this.dropout.p > 0) {
      const dropped = this.dropout.forward(attn); // (L, S, B, H)
      attn = recordStage('dropout', dropped, { op: 'dropout', inputs: [attn], inputAxes: [ijbh], axes: ijbh });
    }
    const x = tracedEinsum('weighted sum with V', 'ijbh,jbhd->ibhd', [attn, ijbh], [v, sbh], lbh); // (L, B, H, d)
    this.attn = tagAttentionWeights(attn, {
      axes: ['query', 'key', 'batch', 'head'],
      module: multiHeadAttention,
    });
    const concatenated = x.reshape(seqLen, batchSize, -1); // (L, B, H·d)
    recordStage('concat heads (reshape)', concatenated, {
      op: 'reshape',
      inputs: [x],
      inputAxes: [lbh],
      axes: queryRows,
    });
    const output = this.output.forward(concatenated); // (L, B, d_model)
    recordStage('output projection', output, {
      op: 'linear',
      inputs: [concatenated],
      inputAxes: [queryRows],
      axes: queryRows,
    });
    return output;
  }
}
