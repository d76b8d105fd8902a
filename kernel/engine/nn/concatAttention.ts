/**
 * The "concat" attention of the PyTorch seq2seq tutorial (class Attn): a Linear over concat(q, k)
 * gives one score per value, softmax, bmm with V, then concat(q, applied) through a second Linear.
 * Shapes: Q (1, 1, querySize), K (1, 1, keySize), V (1, valueSize1, valueSize2).
 */
import { checkRequired, isTensor } from '../arguments';
import { cat } from '../ops/movement';
import type { Tensor } from '../tensor';
import { Linear } from './layers';
import { tagAttentionWeights } from './attentionWeights';
import { isSize, Module } from './module';
import { stageRecorder, type AxisName } from './trace';

const concatAttention = 'ConcatAttention';
const recordStage = stageRecorder(concatAttention);
/** A row of concatenated features, and a row of one score per value. */
const row: AxisName[] = ['batch', 'model_dim'];
const keys: AxisName[] = ['batch', 'key'];

/** PyTorch's seq2seq tutorial attention (class Attn): Linear scores over concat(q, k). */
export class ConcatAttention extends Module {
  /** One score per value from concat(query, key): Linear(querySize + keySize, valueSize1). */
  readonly attn: Linear;
  /** Mixes the query with the attended values: Linear(querySize + valueSize2, outputSize). */
  readonly attnCombine: Linear;

  /** `new ConcatAttention(querySize, keySize, valueSize1, valueSize2, outputSize)`, the tutorial's Attn. */
  constructor(
    /** The query's features: Q is (1, 1, querySize). */
    readonly querySize: number,
    /** The key's features: K is (1, 1, keySize). */
    readonly keySize: number,
    /** How many values attention weighs: one score per value (the tutorial's max_length). */
    readonly valueSize1: number,
    /** Each value's features: V is (1, valueSize1, valueSize2). */
    readonly valueSize2: number,
    /** The output's features: the output is (1, 1, outputSize). */
    readonly outputSize: number,
  ) {
    super();
    const sizes = { querySize, keySize, valueSize1, valueSize2, outputSize };
    checkRequired(concatAttention, sizes);
    Object.entries(sizes).forEach(([name, size], i) => isSize(size, concatAttention, name, i + 1));
    this.attn = this.registerModule('attn', new Linear(querySize + keySize, valueSize1));
    this.attnCombine = this.registerModule('attn_combine', new Linear(querySize + valueSize2, outputSize));
  }

  /** Returns [output (1, 1, outputSize), attnWeights (1, valueSize1)]. */
  forward(Q: Tensor, K: Tensor, V: Tensor): [Tensor, Tensor] {
    const call = `${concatAttention}.forward`;
    checkRequired(call, { Q, K, V });
    [Q, K, V].forEach((t, i) => isTensor(t, call, ['Q', 'K', 'V'][i], i + 1));
    const joined = cat([Q.select(0, 0), K.select(0, 0)], 1); // (1, querySize + keySize)
    const scores = this.attn.forward(joined); // (1, valueSize1)
    recordStage('scores Linear(concat(q, k))', scores, {
      op: 'linear',
      inputs: [joined],
      inputAxes: [row],
      axes: keys,
    });
    const attnWeights = scores.softmax(1); // (1, valueSize1)
    recordStage('softmax', attnWeights, { op: 'softmax', inputs: [scores], inputAxes: [keys], axes: keys });
    const applied = attnWeights.unsqueeze(0).bmm(V); // (1, 1, valueSize2)
    recordStage('weighted sum with V', applied, {
      op: 'bmm',
      inputs: [attnWeights, V],
      inputAxes: [keys, ['batch', 'key', 'value_dim']],
      axes: ['batch', 'query', 'value_dim'],
    });
    const combined = cat([Q.select(0, 0), applied.select(0, 0)], 1); // (1, querySize + valueSize2)
    const output = this.attnCombine.forward(combined).unsqueeze(0); // (1, 1, outputSize)
    recordStage('output projection Linear(concat(q, applied))', output, {
      op: 'linear',
      inputs: [combined],
      inputAxes: [row],
      axes: ['batch', 'query', 'model_dim'],
    });
    return [output, tagAttentionWeights(attnWeights, { axes: ['query', 'key'], module: concatAttention })];
  }
}
