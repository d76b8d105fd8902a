/**
 * The "concat" attention of the PyTorch seq2seq tutorial (class Attn): a Linear over concat(q, k)
 * gives one score per value, softmax, bmm with V, then concat(q, applied) through a second Linear.
 * Shapes: Q (1, 1, querySize), K (1, 1, keySize), V (1, valueSize1, valueSize2).
 */
import { cat } from '../ops/movement';
import type { Tensor } from '../tensor';
import { Linear } from './layers';
import { tagAttentionWeights } from './attentionWeights';
import { Module } from './module';
import { recordStage } from './trace';

export class ConcatAttention extends Module {
  readonly attn: Linear;
  readonly attnCombine: Linear;

  constructor(
    readonly querySize: number,
    readonly keySize: number,
    readonly valueSize1: number,
    readonly valueSize2: number,
    readonly outputSize: number,
  ) {
    super();
    this.attn = this.registerModule('attn', new Linear(querySize + keySize, valueSize1));
    this.attnCombine = this.registerModule('attn_combine', new Linear(querySize + valueSize2, outputSize));
  }

  /** Returns [output (1, 1, outputSize), attnWeights (1, valueSize1)]. */
  forward(Q: Tensor, K: Tensor, V: Tensor): [Tensor, Tensor] {
    const m = 'ConcatAttention';
    const joined = cat([Q.select(0, 0), K.select(0, 0)], 1); // (1, querySize + keySize)
    const scores = recordStage(m, 'scores Linear(concat(q, k))', 'linear', [[joined, ['batch', 'model_dim']]], this.attn.forward(joined), ['batch', 'key']); // (1, valueSize1)
    const attnWeights = recordStage(m, 'softmax', 'softmax', [[scores, ['batch', 'key']]], scores.softmax(1), ['batch', 'key']); // (1, valueSize1)
    const applied = recordStage(m, 'weighted sum with V', 'bmm', [[attnWeights, ['batch', 'key']], [V, ['batch', 'key', 'value_dim']]], attnWeights.unsqueeze(0).bmm(V), ['batch', 'query', 'value_dim']); // (1, 1, valueSize2)
    const combined = cat([Q.select(0, 0), applied.select(0, 0)], 1); // (1, querySize + valueSize2)
    const output = recordStage(m, 'output projection Linear(concat(q, applied))', 'linear', [[combined, ['batch', 'model_dim']]], this.attnCombine.forward(combined).unsqueeze(0), ['batch', 'query', 'model_dim']); // (1, 1, outputSize)
    return [output, tagAttentionWeights(attnWeights, { axes: ['query', 'key'], module: 'ConcatAttention' })];
  }
}
