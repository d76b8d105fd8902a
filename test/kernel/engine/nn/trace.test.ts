// trace(): the stages each module records, in order, with axis-named shapes and real tensors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../../kernel/engine';

engine.setBackend('reference');
const summary = (stages: engine.Stage[]) =>
  stages.map((s) => `${s.name} ${JSON.stringify(s.output.shape)} ${s.output.axes.join(',')}`);

test('nn.MultiheadAttention: the PyTorch layout, (N·H, L, hd), stage by stage', () => {
  const mha = new engine.nn.MultiheadAttention(6, 3, { batchFirst: true }).eval();
  const x = engine.randn(2, 4, 6);
  const { result, stages } = engine.trace(() => mha.forward(x, x, x, { attnMask: engine.ones(4, 4).triu(1).bool() }));
  assert.deepEqual(result[0].shape, [2, 4, 6]);
  assert.deepEqual(summary(stages), [
    'q projection [4,2,6] query,batch,model_dim',
    'k projection [4,2,6] key,batch,model_dim',
    'v projection [4,2,6] key,batch,model_dim',
    'q: split heads, merge batch and heads (reshape) [4,6,2] query,batch·head,head_dim',
    'q: move heads forward (transpose) [6,4,2] batch·head,query,head_dim',
    'k: split heads, merge batch and heads (reshape) [4,6,2] key,batch·head,head_dim',
    'k: move heads forward (transpose) [6,4,2] batch·head,key,head_dim',
    'v: split heads, merge batch and heads (reshape) [4,6,2] key,batch·head,head_dim',
    'v: move heads forward (transpose) [6,4,2] batch·head,key,head_dim',
    'scale 1/√d [6,4,2] batch·head,query,head_dim',
    'scores QKᵀ [6,4,4] batch·head,query,key',
    'mask [6,4,4] batch·head,query,key',
    'softmax [6,4,4] batch·head,query,key',
    'weighted sum with V [6,4,2] batch·head,query,head_dim',
    'concat heads [8,6] query·batch,model_dim',
    'output projection [4,2,6] query,batch,model_dim',
    'average heads [2,4,4] batch,query,key',
  ]);
  const softmax = stages.find((s) => s.name === 'softmax')!;
  assert.deepEqual(softmax.inputs[0].shape, [6, 4, 4]);
  assert.equal(softmax.op, 'softmax');
  assert.equal(softmax.module, 'MultiheadAttention');
  assert.equal(softmax.tensor.index(0, 0, 1).item(), 0, 'the causal mask shows in the stage tensor');
  assert.deepEqual(Array.from(stages[stages.length - 1].tensor.dataSync()), Array.from(result[1]!.dataSync()));
});

test('d2l.MultiHeadAttention: its own (B·H, T, d) layout via transposeQkv and transposeOutput', () => {
  const attention = new engine.d2l.MultiHeadAttention(100, 5, 0.5).eval();
  const X = engine.ones(2, 4, 100);
  const Y = engine.ones(2, 6, 100);
  const { stages } = engine.trace(() => attention.forward(X, Y, Y, engine.tensor([3, 2])));
  assert.deepEqual(summary(stages).slice(0, 4), [
    'q projection [2,4,100] batch,query,model_dim',
    'split heads (reshape) [2,4,5,20] batch,query,head,head_dim',
    'move heads forward (permute) [2,5,4,20] batch,head,query,head_dim',
    'merge batch and heads (reshape) [10,4,20] batch·head,query,head_dim',
  ]);
  assert.deepEqual(summary(stages).slice(12), [
    'scores QKᵀ [10,4,6] batch·head,query,key',
    'scale 1/√d [10,4,6] batch·head,query,key',
    'mask (valid lengths, fill -1e6) [10,4,6] batch·head,query,key',
    'softmax [10,4,6] batch·head,query,key',
    'weighted sum with V [10,4,20] batch·head,query,head_dim',
    'split batch and heads (reshape) [2,5,4,20] batch,head,query,head_dim',
    'move heads back (permute) [2,4,5,20] batch,query,head,head_dim',
    'concat heads (reshape) [2,4,100] batch,query,model_dim',
    'output projection [2,4,100] batch,query,model_dim',
  ]);
  assert.equal(stages[14].tensor.index(0, 0, 5).item(), -1e6, 'd2l fills -1e6, not -inf');
});

test('labml.MultiHeadAttention: the einsum formulation, sequence-first', () => {
  const mha = new engine.labml.MultiHeadAttention(4, 16, 0.1).eval();
  const q = engine.randn(5, 3, 16);
  const kv = engine.randn(7, 3, 16);
  const { stages } = engine.trace(() => mha.forward({ query: q, key: kv, value: kv }));
  assert.deepEqual(summary(stages), [
    'q projection + split heads [5,3,4,4] query,batch,head,head_dim',
    'k projection + split heads [7,3,4,4] key,batch,head,head_dim',
    'v projection + split heads [7,3,4,4] key,batch,head,head_dim',
    "scores QKᵀ (einsum 'ibhd,jbhd->ijbh') [5,7,3,4] query,key,batch,head",
    'scale 1/√d [5,7,3,4] query,key,batch,head',
    'softmax (over keys, dim 1) [5,7,3,4] query,key,batch,head',
    "weighted sum with V (einsum 'ijbh,jbhd->ibhd') [5,3,4,4] query,batch,head,head_dim",
    'concat heads (reshape) [5,3,16] query,batch,model_dim',
    'output projection [5,3,16] query,batch,model_dim',
  ]);
});

test('ConcatAttention and d2l.AdditiveAttention record their stages', () => {
  const concat = new engine.ConcatAttention(32, 32, 32, 64, 64);
  const { result, stages } = engine.trace(() =>
    concat.forward(engine.randn(1, 1, 32), engine.randn(1, 1, 32), engine.randn(1, 32, 64)),
  );
  assert.deepEqual(result[0].shape, [1, 1, 64]);
  assert.deepEqual(result[1].shape, [1, 32]);
  assert.deepEqual(
    stages.map((s) => s.name),
    ['scores Linear(concat(q, k))', 'softmax', 'weighted sum with V', 'output projection Linear(concat(q, applied))'],
  );
  const additive = new engine.d2l.AdditiveAttention(8, 0.1).eval();
  const traced = engine.trace(() =>
    additive.forward(engine.randn(2, 1, 20), engine.randn(2, 10, 2), engine.randn(2, 10, 4), [2, 6]),
  );
  assert.deepEqual(traced.result.shape, [2, 1, 4]);
  assert.deepEqual(
    traced.stages.map((s) => s.output.shape),
    [
      [2, 1, 8],
      [2, 10, 8],
      [2, 1, 10, 8],
      [2, 1, 10],
      [2, 1, 10],
      [2, 1, 10],
      [2, 1, 4],
    ],
  );
});

test('nothing is recorded outside trace(), and nested traces keep their own stages', () => {
  const mha = new engine.nn.MultiheadAttention(4, 2).eval();
  const x = engine.randn(3, 1, 4);
  const outer = engine.trace(() => {
    mha.forward(x, x, x);
    return engine.trace(() => mha.forward(x, x, x, { needWeights: false }));
  });
  assert.equal(outer.stages.length, 16, 'the outer forward: 15 stages and the head average');
  assert.equal(outer.result.stages.length, 15, 'no averaging stage without weights');
  assert.equal(engine.trace(() => engine.randn(2).add(1)).stages.length, 0);
});
