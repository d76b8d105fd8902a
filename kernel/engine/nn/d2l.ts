/**
 * d2l's ("Dive into Deep Learning", PyTorch tab) attention: sequenceMask, maskedSoftmax with valid
 * lengths and a -1e6 fill (so rows are never NaN), DotProductAttention (scaled after QKᵀ),
 * AdditiveAttention and MultiHeadAttention in the (B·h, T, d) layout. Modules keep attentionWeights.
 */
import {
  checkRequired,
  isBool,
  isInt,
  isNumber,
  isTensor,
  optionalArguments,
  type ArgumentCheck,
  type PositionalOrOptions,
} from '../arguments';
import { arange, tensor } from '../ops/creation';
import { where } from '../ops/elementwise';
import { repeatInterleave } from '../ops/movement';
import { formatShape } from '../shape';
import { Tensor } from '../tensor';
import { Dropout, LazyLinear } from './layers';
import { tagAttentionWeights } from './attentionWeights';
import { isProbability, isSize, Module } from './module';
import { stageRecorder, type AxisName, type RecordStage } from './trace';

/** Valid lengths: one per batch entry (B), one per query (B, Q), or null for no masking. */
export type ValidLens = Tensor | number[] | null;

/** The module names of the traced stages and the attention weights. */
const dotProductAttention = 'd2l.DotProductAttention';
const additiveAttention = 'd2l.AdditiveAttention';
const multiHeadAttention = 'd2l.MultiHeadAttention';

/** Valid lengths (d2l: valid_lens): a tensor, a list of numbers, or null. */
const isValidLens: ArgumentCheck<ValidLens> = (value, call, argument, position) => {
  if (value === null || value instanceof Tensor || Array.isArray(value)) return value as ValidLens;
  return isTensor(value, call, argument, position);
};

/** The valid lengths after queries, keys and values; `required` as in d2l's forward (else null by default). */
function forwardArguments(
  call: string,
  tensors: unknown[],
  validLens: ValidLensArgument | undefined,
  required: boolean,
) {
  const [queries, keys, values] = tensors;
  const lens = optionalArguments(call, [validLens], { validLens: isValidLens }, 4).validLens;
  checkRequired(call, required ? { queries, keys, values, validLens: lens } : { queries, keys, values });
  tensors.forEach((t, i) => isTensor(t, call, ['queries', 'keys', 'values'][i], i + 1));
  return lens ?? null;
}

/** d2l's valid_lens by position, or as `{ validLens }`. */
export type ValidLensArgument =
  | ValidLens
  | {
      /** Per batch (or per query) row, how many keys count; null: all (d2l: valid_lens). */
      validLens?: ValidLens;
    };

function lensTensor(validLens: Tensor | number[], like: Tensor): Tensor {
  return (validLens instanceof Tensor ? validLens : tensor(validLens)).to(like.backend.name);
}

/**
 * Sets X[b, t, ...] to `value` where t ≥ validLen[b] (masks along axis 1, whole trailing rows).
 * d2l mutates X in place; tensors here are immutable, so the masked copy is returned. (d2l: sequence_mask)
 */
export function sequenceMask(
  X: Tensor,
  validLen: Tensor | number[],
  ...args: PositionalOrOptions<
    [value: number],
    {
      /** What masked positions are set to; default 0 (d2l: value). */
      value?: number;
    }
  >
): Tensor {
  checkRequired('sequenceMask', { X, validLen });
  isTensor(X, 'sequenceMask', 'X', 1);
  isValidLens(validLen, 'sequenceMask', 'validLen', 2);
  const { value = 0 } = optionalArguments('sequenceMask', args, { value: isNumber }, 3);
  const lens = lensTensor(validLen, X).float(); // (B)
  const maxlen = X.shape[1];
  if (lens.ndim !== 1 || lens.shape[0] !== X.shape[0]) {
    throw new Error(
      `sequenceMask: expected one valid length per row of X ${formatShape(X.shape)}, ` +
        `got valid_len of shape ${formatShape(lens.shape)}`,
    );
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
    throw new Error(
      `maskedSoftmax: valid_lens of shape ${formatShape(lens.shape)} ` +
        `does not fit scores of shape ${formatShape(X.shape)}`,
    );
  }
  return sequenceMask(X.reshape(-1, K), perQuery, -1e6).reshape(B, Q, K); // (B, Q, K)
}

/**
 * Softmax over the last axis of X (B, Q, K) with keys beyond each valid length filled with -1e6.
 * (d2l: masked_softmax)
 */
export function maskedSoftmax(X: Tensor, validLens: ValidLens): Tensor {
  checkRequired('maskedSoftmax', { X, validLens });
  isTensor(X, 'maskedSoftmax', 'X', 1);
  isValidLens(validLens, 'maskedSoftmax', 'validLens', 2);
  return (validLens === null ? X : maskScores(X, validLens)).softmax(-1);
}

/** maskedSoftmax inside a module's forward: records the mask (when there are valid lengths) and the softmax. */
function traceMaskedSoftmax(
  scores: Tensor,
  validLens: Tensor | number[] | null,
  axes: AxisName[],
  recordStage: RecordStage,
): Tensor {
  let masked = scores;
  if (validLens !== null) {
    masked = maskScores(scores, validLens); // (B, Q, K)
    recordStage('mask (valid lengths, fill -1e6)', masked, {
      op: 'sequenceMask',
      inputs: [scores],
      inputAxes: [axes],
      axes,
    });
  }
  const weights = masked.softmax(-1); // (B, Q, K)
  return recordStage('softmax', weights, { op: 'softmax', inputs: [masked], inputAxes: [axes], axes });
}

/** (B, T, h) → (B·H, T, h/H): d2l's transpose_qkv (head h of batch b is row b·H + h). */
export function transposeQkv(
  X: Tensor,
  numHeads: number,
  module = 'd2l.transposeQkv',
  seq: AxisName = 'query',
): Tensor {
  checkRequired('transposeQkv', { X, numHeads });
  isTensor(X, 'transposeQkv', 'X', 1);
  isInt(numHeads, 'transposeQkv', 'numHeads', 2);
  const recordStage = stageRecorder(module);
  const [B, T] = X.shape;
  const inputAxes: AxisName[] = ['batch', seq, 'model_dim'];
  const splitAxes: AxisName[] = ['batch', seq, 'head', 'head_dim'];
  const movedAxes: AxisName[] = ['batch', 'head', seq, 'head_dim'];
  const split = X.reshape(B, T, numHeads, -1); // (B, T, H, d)
  recordStage('split heads (reshape)', split, { op: 'reshape', inputs: [X], inputAxes: [inputAxes], axes: splitAxes });
  const moved = split.permute(0, 2, 1, 3); // (B, H, T, d)
  recordStage('move heads forward (permute)', moved, {
    op: 'permute',
    inputs: [split],
    inputAxes: [splitAxes],
    axes: movedAxes,
  });
  const merged = moved.reshape(-1, T, moved.shape[3]); // (B·H, T, d)
  return recordStage('merge batch and heads (reshape)', merged, {
    op: 'reshape',
    inputs: [moved],
    inputAxes: [movedAxes],
    axes: ['batch·head', seq, 'head_dim'],
  });
}

/** (B·H, Q, d) → (B, Q, H·d): d2l's transpose_output, the inverse of transposeQkv. */
export function transposeOutput(X: Tensor, numHeads: number, module = 'd2l.transposeOutput'): Tensor {
  checkRequired('transposeOutput', { X, numHeads });
  isTensor(X, 'transposeOutput', 'X', 1);
  isInt(numHeads, 'transposeOutput', 'numHeads', 2);
  const recordStage = stageRecorder(module);
  const [, Q, d] = X.shape;
  const splitAxes: AxisName[] = ['batch', 'head', 'query', 'head_dim'];
  const movedAxes: AxisName[] = ['batch', 'query', 'head', 'head_dim'];
  const split = X.reshape(-1, numHeads, Q, d); // (B, H, Q, d)
  recordStage('split batch and heads (reshape)', split, {
    op: 'reshape',
    inputs: [X],
    inputAxes: [['batch·head', 'query', 'head_dim']],
    axes: splitAxes,
  });
  const moved = split.permute(0, 2, 1, 3); // (B, Q, H, d)
  recordStage('move heads back (permute)', moved, {
    op: 'permute',
    inputs: [split],
    inputAxes: [splitAxes],
    axes: movedAxes,
  });
  const concatenated = moved.reshape(moved.shape[0], Q, -1); // (B, Q, H·d)
  return recordStage('concat heads (reshape)', concatenated, {
    op: 'reshape',
    inputs: [moved],
    inputAxes: [movedAxes],
    axes: ['batch', 'query', 'model_dim'],
  });
}

/** Scaled dot-product attention over (B, Q, d) × (B, K, d) × (B, K, v); weights kept before dropout. */
export class DotProductAttention extends Module {
  /** The last forward's attention weights, (B, Q, K) before dropout; null before the first forward. */
  attentionWeights: Tensor | null = null;
  /** Dropout on the attention weights while training. */
  readonly dropout: Dropout;
  /** The name of the leading axis in traces: 'batch', or 'batch·head' inside MultiHeadAttention. */
  leadAxis: AxisName = 'batch';
  /** Heads per batch entry when the leading axis is 'batch·head'. */
  heads = 1;

  /** `new d2l.DotProductAttention(0.5)` or `({ dropout: 0.5 })`. */
  constructor(
    ...args: PositionalOrOptions<
      [dropout: number],
      {
        /** Dropout probability on the attention weights while training (d2l: dropout). */
        dropout?: number;
      }
    >
  ) {
    super();
    const { dropout } = optionalArguments(dotProductAttention, args, { dropout: isProbability }, 1);
    checkRequired(dotProductAttention, { dropout });
    this.dropout = this.registerModule('dropout', new Dropout(dropout!));
  }
  override get moduleName(): string {
    return 'DotProductAttention';
  }

  forward(queries: Tensor, keys: Tensor, values: Tensor, validLensArgument: ValidLensArgument = null): Tensor {
    const call = `${dotProductAttention}.forward`;
    const validLens = forwardArguments(call, [queries, keys, values], validLensArgument, false);
    const recordStage = stageRecorder(dotProductAttention);
    const d = queries.shape[queries.ndim - 1];
    const bq: AxisName[] = [this.leadAxis, 'query', 'head_dim'];
    const bk: AxisName[] = [this.leadAxis, 'key', 'head_dim'];
    const bs: AxisName[] = [this.leadAxis, 'query', 'key'];
    const product = queries.bmm(keys.transpose(1, 2)); // (B, Q, K)
    recordStage('scores QKᵀ', product, { op: 'bmm', inputs: [queries, keys], inputAxes: [bq, bk], axes: bs });
    const scores = product.div(Math.sqrt(d)); // (B, Q, K)
    recordStage('scale 1/√d', scores, { op: 'div', inputs: [product], inputAxes: [bs], axes: bs });
    const weights = traceMaskedSoftmax(scores, validLens, bs, recordStage); // (B, Q, K)
    const weightsModule = this.leadAxis === 'batch' ? dotProductAttention : multiHeadAttention;
    this.attentionWeights = tagAttentionWeights(weights, { axes: bs, heads: this.heads, module: weightsModule });
    let dropped = this.attentionWeights;
    if (this.training && this.dropout.p > 0) {
      dropped = this.dropout.forward(this.attentionWeights); // (B, Q, K)
      recordStage('dropout', dropped, { op: 'dropout', inputs: [weights], inputAxes: [bs], axes: bs });
    }
    const output = dropped.bmm(values); // (B, Q, v)
    return recordStage('weighted sum with V', output, {
      op: 'bmm',
      inputs: [dropped, values],
      inputAxes: [bs, bk],
      axes: bq,
    });
  }
}

/** a(q, k) = w_vᵀ tanh(W_q q + W_k k): Bahdanau's additive attention, no scaling. */
export class AdditiveAttention extends Module {
  /** The last forward's attention weights, (B, Q, K) before dropout; null before the first forward. */
  attentionWeights: Tensor | null = null;
  /** Projects keys to numHiddens features, no bias: (B, K, dk) → (B, K, h). */
  readonly W_k: LazyLinear;
  /** Projects queries to numHiddens features, no bias: (B, Q, dq) → (B, Q, h). */
  readonly W_q: LazyLinear;
  /** Reduces each tanh(W_q q + W_k k) to one score, no bias: (..., h) → (..., 1). */
  readonly w_v: LazyLinear;
  /** Dropout on the attention weights while training. */
  readonly dropout: Dropout;

  /** `new d2l.AdditiveAttention(numHiddens, 0.1)` or `(numHiddens, { dropout: 0.1 })`. */
  constructor(
    numHiddens: number,
    ...args: PositionalOrOptions<
      [dropout: number],
      {
        /** Dropout probability on the attention weights while training (d2l: dropout). */
        dropout?: number;
      }
    >
  ) {
    super();
    const { dropout } = optionalArguments(additiveAttention, args, { dropout: isProbability }, 2);
    checkRequired(additiveAttention, { numHiddens, dropout });
    isSize(numHiddens, additiveAttention, 'numHiddens', 1);
    this.W_k = this.registerModule('W_k', new LazyLinear(numHiddens, false));
    this.W_q = this.registerModule('W_q', new LazyLinear(numHiddens, false));
    this.w_v = this.registerModule('w_v', new LazyLinear(1, false));
    this.dropout = this.registerModule('dropout', new Dropout(dropout!));
  }
  override get moduleName(): string {
    return 'AdditiveAttention';
  }

  forward(queries: Tensor, keys: Tensor, values: Tensor, validLensArgument: ValidLensArgument): Tensor {
    const validLens = forwardArguments(
      `${additiveAttention}.forward`,
      [queries, keys, values],
      validLensArgument,
      true,
    );
    const recordStage = stageRecorder(additiveAttention);
    const bqh: AxisName[] = ['batch', 'query', 'hidden'];
    const bkh: AxisName[] = ['batch', 'key', 'hidden'];
    const bqkh: AxisName[] = ['batch', 'query', 'key', 'hidden'];
    const bqk: AxisName[] = ['batch', 'query', 'key'];
    const q = this.W_q.forward(queries); // (B, Q, h)
    recordStage('q projection', q, {
      op: 'linear',
      inputs: [queries],
      inputAxes: [['batch', 'query', 'model_dim']],
      axes: bqh,
    });
    const k = this.W_k.forward(keys); // (B, K, h)
    recordStage('k projection', k, {
      op: 'linear',
      inputs: [keys],
      inputAxes: [['batch', 'key', 'model_dim']],
      axes: bkh,
    });
    const summed = q.unsqueeze(2).add(k.unsqueeze(1)); // (B, Q, K, h)
    const features = summed.tanh(); // (B, Q, K, h)
    recordStage('features tanh(W_q q + W_k k)', features, {
      op: 'tanh',
      inputs: [q, k],
      inputAxes: [bqh, bkh],
      axes: bqkh,
    });
    const scores = this.w_v.forward(features).squeeze(-1); // (B, Q, K)
    recordStage('scores w_vᵀ features', scores, { op: 'linear', inputs: [features], inputAxes: [bqkh], axes: bqk });
    const weights = traceMaskedSoftmax(scores, validLens, bqk, recordStage); // (B, Q, K)
    this.attentionWeights = tagAttentionWeights(weights, { axes: bqk, module: additiveAttention });
    const dropped = this.dropout.forward(this.attentionWeights); // (B, Q, K)
    const output = dropped.bmm(values); // (B, Q, v)
    return recordStage('weighted sum with V', output, {
      op: 'bmm',
      inputs: [dropped, values],
      inputAxes: [bqk, ['batch', 'key', 'value_dim']],
      axes: ['batch', 'query', 'value_dim'],
    });
  }
}

/** d2l's MultiHeadAttention: four LazyLinear projections (no bias by default) around DotProductAttention. */
export class MultiHeadAttention extends Module {
  /** The scaled dot-product attention each head runs, in the (B·h, T, d) layout. */
  readonly attention: DotProductAttention;
  /** Projects queries to numHiddens features: (B, Q, dq) → (B, Q, numHiddens). */
  readonly W_q: LazyLinear;
  /** Projects keys to numHiddens features: (B, K, dk) → (B, K, numHiddens). */
  readonly W_k: LazyLinear;
  /** Projects values to numHiddens features: (B, K, dv) → (B, K, numHiddens). */
  readonly W_v: LazyLinear;
  /** The output projection: (B, Q, numHiddens) → (B, Q, numHiddens). */
  readonly W_o: LazyLinear;

  /** `new d2l.MultiHeadAttention(numHiddens, numHeads, 0.5, false)` or `(numHiddens, numHeads, { dropout, bias })`. */
  constructor(
    /** Features after each projection, split evenly among the heads (d2l: num_hiddens). */
    readonly numHiddens: number,
    /** The number of heads; numHiddens must divide by it (d2l: num_heads). */
    readonly numHeads: number,
    ...args: PositionalOrOptions<
      [dropout: number, bias: boolean],
      {
        /** Dropout probability on the attention weights while training (d2l: dropout). */
        dropout?: number;
        /** Biases in the four projections; default false (d2l: bias). */
        bias?: boolean;
      }
    >
  ) {
    super();
    const options = optionalArguments(multiHeadAttention, args, { dropout: isProbability, bias: isBool }, 3);
    const { dropout, bias = false } = options;
    checkRequired(multiHeadAttention, { numHiddens, numHeads, dropout });
    isSize(numHiddens, multiHeadAttention, 'numHiddens', 1);
    isSize(numHeads, multiHeadAttention, 'numHeads', 2);
    this.attention = this.registerModule('attention', new DotProductAttention(dropout!));
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

  forward(queries: Tensor, keys: Tensor, values: Tensor, validLensArgument: ValidLensArgument): Tensor {
    const validLens = forwardArguments(
      `${multiHeadAttention}.forward`,
      [queries, keys, values],
      validLensArgument,
      true,
    );
    const recordStage = stageRecorder(multiHeadAttention);
    const project = (x: Tensor, layer: LazyLinear, label: string, seq: AxisName) => {
      const axes: AxisName[] = ['batch', seq, 'model_dim'];
      const projected = layer.forward(x); // (B, T, h)
      recordStage(`${label} projection`, projected, { op: 'linear', inputs: [x], inputAxes: [axes], axes });
      return transposeQkv(projected, this.numHeads, multiHeadAttention, seq); // (B·H, T, d)
    };
    const q = project(queries, this.W_q, 'q', 'query'); // (B·H, Q, d)
    const k = project(keys, this.W_k, 'k', 'key'); // (B·H, K, d)
    const v = project(values, this.W_v, 'v', 'key'); // (B·H, K, d)
    const lens = validLens === null ? null : repeatInterleave(lensTensor(validLens, queries), this.numHeads, 0);
    const output = this.attention.forward(q, k, v, lens); // lens (B·H) or (B·H, Q); output (B·H, Q, d)
    const concatenated = transposeOutput(output, this.numHeads, multiHeadAttention); // (B, Q, h)
    const bqh: AxisName[] = ['batch', 'query', 'model_dim'];
    const projected = this.W_o.forward(concatenated); // (B, Q, h)
    return recordStage('output projection', projected, {
      op: 'linear',
      inputs: [concatenated],
      inputAxes: [bqh],
      axes: bqh,
    });
  }
}
