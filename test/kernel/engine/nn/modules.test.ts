// Module behaviour PyTorch users rely on: parameter names, shapes and init; state dicts; train/eval
// and dropout; d2l's worked example and helpers; equivalences between the three MHA formulations.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as engine from '../../../../kernel/engine';
import { assertClose } from '../../../helpers/closeTo';

const { nn, d2l, labml } = engine;
engine.setBackend('reference');

const shapes = (m: engine.nn.Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k, v.shape]));
const maxAbs = (t: engine.Tensor) => t.abs().amax().item() as number;

describe('nn.MultiheadAttention parameters', () => {
  test('packed, separate, bias=False and addBiasKv layouts have PyTorch keys in PyTorch order', () => {
    assert.deepEqual(shapes(new nn.MultiheadAttention(8, 2)), {
      in_proj_weight: [24, 8],
      in_proj_bias: [24],
      'out_proj.weight': [8, 8],
      'out_proj.bias': [8],
    });
    assert.deepEqual(Object.keys(new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 4 }).stateDict()), [
      'q_proj_weight',
      'k_proj_weight',
      'v_proj_weight',
      'in_proj_bias',
      'out_proj.weight',
      'out_proj.bias',
    ]);
    assert.deepEqual(shapes(new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 4 })).k_proj_weight, [8, 6]);
    assert.deepEqual(Object.keys(new nn.MultiheadAttention(8, 2, { bias: false }).stateDict()), [
      'in_proj_weight',
      'out_proj.weight',
    ]);
    assert.deepEqual(Object.keys(new nn.MultiheadAttention(8, 2, { addBiasKv: true }).stateDict()), [
      'in_proj_weight',
      'in_proj_bias',
      'bias_k',
      'bias_v',
      'out_proj.weight',
      'out_proj.bias',
    ]);
    assert.equal(new nn.MultiheadAttention(8, 2).headDim, 4);
    assert.throws(
      () => new nn.MultiheadAttention(10, 3),
      /MultiheadAttention: embed_dim must be divisible by num_heads/,
    );
  });

  test('initialised as 1.13 does: zero biases, xavier-bounded in_proj, 1/√E-bounded out_proj', () => {
    engine.manualSeed(5);
    const mha = new nn.MultiheadAttention(512, 8, { addBiasKv: true });
    const state = mha.stateDict();
    assert.equal(maxAbs(state.in_proj_bias), 0);
    assert.equal(maxAbs(state['out_proj.bias']), 0);
    const xavier = Math.sqrt(6 / (4 * 512));
    assert.ok(maxAbs(state.in_proj_weight) <= xavier && maxAbs(state.in_proj_weight) > 0.95 * xavier);
    assert.ok(
      maxAbs(state['out_proj.weight']) <= 1 / Math.sqrt(512) &&
        maxAbs(state['out_proj.weight']) > 0.95 / Math.sqrt(512),
    );
    assert.ok((state.bias_k.std().item() as number) > 0);
  });

  test('loadStateDict reports missing, unexpected and mis-shaped keys as PyTorch does', () => {
    const mha = new nn.MultiheadAttention(8, 2);
    assert.throws(
      () => mha.loadStateDict({ in_proj_weight: engine.zeros(24, 8) }),
      /Missing key\(s\) in state_dict: "in_proj_bias", "out_proj.weight", "out_proj.bias"/,
    );
    const full = mha.stateDict();
    assert.throws(
      () => mha.loadStateDict({ ...full, extra: engine.zeros(1) }),
      /Unexpected key\(s\) in state_dict: "extra"/,
    );
    assert.throws(
      () => mha.loadStateDict({ ...full, in_proj_weight: engine.zeros(24, 4) }),
      /size mismatch for in_proj_weight: copying a param with shape torch.Size\(\[24, 4\]\) from checkpoint, the shape in current model is torch.Size\(\[24, 8\]\)/,
    );
    const flat = new Float32Array(24 * 8).fill(0.5);
    mha.loadStateDict({ ...full, in_proj_weight: flat, 'out_proj.bias': [1, 2, 3, 4, 5, 6, 7, 8] });
    assert.deepEqual(mha.stateDict().in_proj_weight.shape, [24, 8]);
    assert.deepEqual(Array.from(mha.stateDict()['out_proj.bias'].dataSync()), [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('dropout and training', () => {
  test('eval() turns dropout off; in training the returned weights are post-dropout', () => {
    engine.manualSeed(1);
    const mha = new nn.MultiheadAttention(8, 2, { dropout: 0.5 });
    const x = engine.randn(4, 2, 8);
    const [, trained] = mha.forward(x, x, x, { averageAttnWeights: false });
    const values = Array.from(trained!.dataSync());
    assert.ok(
      values.some((w) => w === 0),
      'some weights are dropped',
    );
    const sums = Array.from(trained!.sum(-1).dataSync());
    assert.ok(
      sums.some((s) => Math.abs(s - 1) > 1e-3),
      'rows no longer sum to 1',
    );
    const [, again] = mha.forward(x, x, x, { averageAttnWeights: false });
    assert.notDeepEqual(Array.from(again!.dataSync()), values, 'two training calls differ');
    mha.eval();
    const [, evaluated] = mha.forward(x, x, x);
    assertClose(evaluated!.sum(-1).dataSync(), new Array(8).fill(1), { atol: 1e-6, rtol: 0 }, 'eval rows sum to 1');
    const drop = new nn.Dropout(0.25);
    const inputs = x.dataSync();
    const dropped = Array.from(drop.forward(x).dataSync());
    assert.ok(dropped.some((v) => v === 0) && dropped.some((v) => v !== 0), 'training drops some elements, not all');
    dropped.forEach((v, i) => {
      const kept = inputs[i] / (1 - drop.p);
      assert.ok(v === 0 || Math.abs(v - kept) <= 1e-6 * Math.abs(kept), `element ${i} is ${v}: 0 or x/(1-p) = ${kept}`);
    });
    drop.eval();
    assert.equal(drop.forward(x), x);
  });
});

describe('d2l', () => {
  test('sequenceMask and maskedSoftmax give the chapter’s values', () => {
    assert.deepEqual(
      d2l
        .sequenceMask(
          engine.tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          [1, 2],
        )
        .toArray(),
      [
        [1, 0, 0],
        [4, 5, 0],
      ],
    );
    assert.deepEqual(d2l.sequenceMask(engine.ones(2, 3, 2), [1, 2], -1).toArray(), [
      [
        [1, 1],
        [-1, -1],
        [-1, -1],
      ],
      [
        [1, 1],
        [1, 1],
        [-1, -1],
      ],
    ]);
    const weights = d2l.maskedSoftmax(engine.zeros(2, 2, 4), engine.tensor([2, 3])).toArray();
    assertClose(
      (weights as number[][][]).flat(2),
      [0.5, 0.5, 0, 0, 0.5, 0.5, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0, 1 / 3, 1 / 3, 1 / 3, 0],
      { atol: 1e-7, rtol: 0 },
      '1-D lens',
    );
    const perQuery = d2l
      .maskedSoftmax(
        engine.zeros(2, 2, 4),
        engine.tensor([
          [1, 3],
          [2, 4],
        ]),
      )
      .toArray();
    assertClose(
      (perQuery as number[][][]).flat(2),
      [1, 0, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0, 0.5, 0.5, 0, 0, 0.25, 0.25, 0.25, 0.25],
      { atol: 1e-7, rtol: 0 },
      '2-D lens',
    );
    assertClose(
      d2l.maskedSoftmax(engine.zeros(1, 1, 4), [0]).dataSync(),
      [0.25, 0.25, 0.25, 0.25],
      { atol: 1e-7, rtol: 0 },
      'valid length 0 is uniform, never NaN',
    );
  });

  test('the worked example: 100 hiddens, 5 heads, lens [3, 2]', () => {
    const attention = new d2l.MultiHeadAttention(100, 5, 0.5).eval();
    const X = engine.ones(2, 4, 100);
    const Y = engine.ones(2, 6, 100);
    assert.deepEqual(attention.forward(X, Y, Y, engine.tensor([3, 2])).shape, [2, 4, 100]);
    const weights = attention.attention.attentionWeights!;
    assert.deepEqual(weights.shape, [10, 4, 6]);
    const rows = weights.toArray() as number[][][];
    for (let i = 0; i < 10; i++) {
      const expected = i < 5 ? [1 / 3, 1 / 3, 1 / 3, 0, 0, 0] : [0.5, 0.5, 0, 0, 0, 0];
      rows[i].forEach((row) => assertClose(row, expected, { atol: 1e-7, rtol: 0 }, `head row ${i}`));
    }
    assert.deepEqual(attention.W_q.weight!.shape, [100, 100]);
    assert.equal(attention.W_q.bias, null);
  });

  test('a lazy layer takes any shape until it is materialised, then PyTorch’s shape check applies', () => {
    const layer = new engine.nn.LazyLinear(3);
    layer.loadStateDict({ weight: engine.zeros(3, 5), bias: engine.zeros(3) });
    assert.deepEqual(layer.weight!.shape, [3, 5]);
    assert.throws(
      () => layer.loadStateDict({ weight: engine.zeros(3, 4), bias: engine.zeros(3) }),
      /size mismatch for weight: copying a param with shape torch.Size\(\[3, 4\]\)/,
    );
  });

  test('transposeOutput undoes transposeQkv', () => {
    const X = engine.randn(2, 6, 100);
    const heads = d2l.transposeQkv(X, 5);
    assert.deepEqual(heads.shape, [10, 6, 20]);
    assert.deepEqual(Array.from(d2l.transposeOutput(heads, 5).dataSync()), Array.from(X.dataSync()));
  });
});

describe('the three formulations agree given the same weights', () => {
  const E = 12;
  const H = 3;
  engine.manualSeed(11);
  const torchMha = new nn.MultiheadAttention(E, H, { batchFirst: true, bias: false }).eval();
  const [wq, wk, wv] = torchMha.inProjWeight!.chunk(3);
  const wo = torchMha.outProj.weight;

  test('d2l.MultiHeadAttention equals nn.MultiheadAttention with a key padding mask from the valid lengths', () => {
    const ours = new d2l.MultiHeadAttention(E, H, 0).eval();
    ours.loadStateDict({ 'W_q.weight': wq, 'W_k.weight': wk, 'W_v.weight': wv, 'W_o.weight': wo });
    const q = engine.randn(2, 4, E);
    const kv = engine.randn(2, 6, E);
    const lens = engine.tensor([3, 5]);
    const padding = engine.arange(6).unsqueeze(0).ge(lens.unsqueeze(1)); // (B, K): True beyond the length
    const [expected, weights] = torchMha.forward(q, kv, kv, { keyPaddingMask: padding, averageAttnWeights: false });
    assertClose(ours.forward(q, kv, kv, lens).dataSync(), expected.dataSync(), { atol: 1e-6, rtol: 0 }, 'output');
    assertClose(
      ours.attention.attentionWeights!.dataSync(),
      weights!.dataSync(),
      { atol: 1e-6, rtol: 0 },
      'weights (B·H, Q, K) = (B, H, Q, K)',
    );
  });

  test('labml.MultiHeadAttention equals nn.MultiheadAttention; attn[i, j, b, h] = w[b, h, i, j]', () => {
    const seqFirst = new nn.MultiheadAttention(E, H).eval();
    const ours = new labml.MultiHeadAttention(H, E, 0).eval();
    const [bq, bk, bv] = seqFirst.inProjBias!.add(engine.randn(3 * E)).chunk(3);
    const [pq, pk, pv] = seqFirst.inProjWeight!.chunk(3);
    const outBias = engine.randn(E);
    seqFirst.loadStateDict({
      ...seqFirst.stateDict(),
      in_proj_bias: engine.cat([bq, bk, bv]),
      'out_proj.bias': outBias,
    });
    ours.loadStateDict({
      'query.linear.weight': pq,
      'query.linear.bias': bq,
      'key.linear.weight': pk,
      'key.linear.bias': bk,
      'value.linear.weight': pv,
      'value.linear.bias': bv,
      'output.weight': seqFirst.outProj.weight,
      'output.bias': outBias,
    });
    const q = engine.randn(5, 2, E);
    const kv = engine.randn(7, 2, E);
    const mask = engine.rand(5, 7, 2).gt(0.3).logicalOr(engine.eye(5, 7).bool().unsqueeze(-1)); // (L, S, B), True = attend
    const torchMask = mask.logicalNot().permute(2, 0, 1).repeatInterleave(H, 0); // (B·H, L, S), True = blocked
    const [expected, weights] = seqFirst.forward(q, kv, kv, { attnMask: torchMask, averageAttnWeights: false });
    assertClose(
      ours.forward({ query: q, key: kv, value: kv, mask }).dataSync(),
      expected.dataSync(),
      { atol: 1e-6, rtol: 0 },
      'output',
    );
    assertClose(
      ours.attn!.permute(2, 3, 0, 1).contiguous().dataSync(),
      weights!.dataSync(),
      { atol: 1e-6, rtol: 0 },
      'attn',
    );
  });

  test('average equals the mean over heads; a bool mask equals a float -inf mask', () => {
    const q = engine.randn(2, 3, E);
    const mask = engine.tensor([
      [false, true, false],
      [false, false, true],
      [true, false, false],
    ]);
    const [, perHead] = torchMha.forward(q, q, q, { attnMask: mask, averageAttnWeights: false });
    const [, averaged] = torchMha.forward(q, q, q, { attnMask: engine.zeros(3, 3).maskedFill(mask, -Infinity) });
    assertClose(averaged!.dataSync(), perHead!.mean(1).dataSync(), { atol: 1e-7, rtol: 0 }, 'average');
  });

  test('isCausal is a hint that needs the mask, as in PyTorch 2.x', () => {
    const q = engine.randn(2, 3, E);
    assert.throws(
      () => torchMha.forward(q, q, q, { isCausal: true }),
      /Need attn_mask if specifying the is_causal hint/,
    );
    const causal = nn.generateSquareSubsequentMask(3);
    const [withHint] = torchMha.forward(q, q, q, { isCausal: true, attnMask: causal });
    const [without] = torchMha.forward(q, q, q, { attnMask: causal });
    assert.deepEqual(Array.from(withHint.dataSync()), Array.from(without.dataSync()));
  });
});

describe('layers', () => {
  test('Linear, LayerNorm and their reprs', () => {
    const linear = new nn.Linear(4, 3);
    assert.equal(linear.toString(), 'Linear(in_features=4, out_features=3, bias=True)');
    assert.ok(maxAbs(linear.weight) <= 0.5);
    const norm = new nn.LayerNorm(4);
    assert.equal(norm.toString(), 'LayerNorm((4,), eps=1e-05, elementwise_affine=True)');
    const y = norm.forward(
      engine
        .tensor([
          [1, 2, 3, 4],
          [2, 2, 2, 6],
        ])
        .float(),
    );
    assertClose(y.mean(-1).dataSync(), [0, 0], { atol: 1e-6, rtol: 0 }, 'mean 0');
    assertClose(y.var(-1, false).dataSync(), [1 - 1e-5 / 1.25, 1 - 1e-5 / 3], { atol: 1e-5, rtol: 0 }, 'variance ≈ 1');
    assert.throws(
      () => linear.forward(engine.zeros(2, 5)),
      /linear: mat1 and mat2 shapes cannot be multiplied \(2x5 and 4x3\)/,
    );
  });

  test("d2l and labml modules print their own class names, not the bundle's renamed ones", () => {
    assert.match(
      new engine.labml.MultiHeadAttention(2, 4).toString(),
      /^MultiHeadAttention\(\n  \(query\): PrepareForMultiHeadAttention\(/,
    );
    assert.match(
      new engine.d2l.MultiHeadAttention(4, 2, 0).toString(),
      /^MultiHeadAttention\(\n  \(attention\): DotProductAttention\(/,
    );
  });
});
