// Value → output conversion in the kernel: NaN-aware stats, the size cap (exact leading block and
// block means of every element), attention layouts, and hand-made traces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arange, full, randn, setBackend, tensor } from '../../kernel/engine/index';
import { leadingBlock, outputBundle, tensorStats, toBatchHeadLayout } from '../../kernel/outputBundle';
import { steps } from '../../kernel/steps';
import { blockMeans, overviewBlocks } from '../../kernel/tensorOverview';
import { mimeTypes } from '../../protocol/mimeTypes';
import {
  defaultMaxOutputBytes,
  type AttentionOutput,
  type StagesOutput,
  type TensorOutput,
  type TensorStats,
} from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';

describe('output bundles', () => {
  setBackend('reference');

  it('computes stats over finite values, counting NaN, +Inf and -Inf apart', () => {
    const stats = tensorStats([1, 2, 3, NaN, Infinity, -Infinity, -Infinity]);
    assert.deepEqual(stats, {
      min: 1,
      max: 3,
      mean: 2,
      std: 1,
      finiteCount: 3,
      nanCount: 1,
      posInfCount: 1,
      negInfCount: 2,
    });
  });

  it('says an all-NaN tensor has no finite values instead of zeros', async () => {
    const nan = full([4, 10], NaN);
    const payload = JSON.parse(outputBundle(nan).items[0].data) as TensorOutput;
    assert.deepEqual(payload.stats, {
      min: null,
      max: null,
      mean: null,
      std: null,
      finiteCount: 0,
      nanCount: 40,
      posInfCount: 0,
      negInfCount: 0,
    });
    assert.deepEqual(tensorStats([5]), { ...tensorStats([5]), min: 5, max: 5, mean: 5, std: null });
  });

  it('chooses overview blocks that keep heatmap sides drawable and leading axes whole as long as it can', () => {
    assert.deepEqual(overviewBlocks([2000, 2000], 90_000), [7, 7]); // 286×286
    assert.deepEqual(overviewBlocks([3, 1 << 20], 90_000), [1, 2048]); // 3×512: rows are never pooled needlessly
    assert.deepEqual(overviewBlocks([1e8], 90_000), [Math.ceil(1e8 / 512)]);
    assert.deepEqual(overviewBlocks([64, 256, 256], 90_000), [1, 7, 7]); // 64 maps of 37×37
    assert.deepEqual(overviewBlocks([100_000, 4, 4], 1000), [1613, 1, 1]); // then the leading axis: 62 × 4 × 4
    for (const [shape, budget] of [
      [[4096, 4096], 98_000],
      [[7, 9, 11, 13], 50],
      [[5], 1],
    ] as const) {
      const blocks = overviewBlocks(shape, budget);
      const count = shape.reduce((n, d, i) => n * Math.ceil(d / blocks[i]), 1);
      assert.ok(count <= budget, `${shape}: ${count} cells for a budget of ${budget}`);
    }
  });

  it('takes block means over short edge blocks and carries NaN and infinities through', () => {
    const values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, NaN, 12, Infinity, 14, 15, -Infinity, Infinity, 18];
    // (3, 6) in blocks of 2×4: rows {0,1}, {2}; columns {0..3}, {4,5}.
    const means = blockMeans(values, [3, 6], [2, 4]);
    assert.deepEqual(Array.from(means), [(1 + 2 + 3 + 4 + 7 + 8 + 9 + 10) / 8, NaN, NaN, Infinity]);
  });

  it('keeps the leading block that fits the element budget', () => {
    assert.deepEqual(leadingBlock([8, 512, 512], 1 << 21), [8, 512, 512]);
    assert.deepEqual(leadingBlock([64, 512, 512], 1 << 21), [8, 512, 512]);
    assert.deepEqual(leadingBlock([1, 8192, 8192], 1 << 21), [1, 256, 8192]);
    assert.deepEqual(leadingBlock([10], 4), [4]);
  });

  it('keeps a 4096×4096 result under the cap: stats over every element, block means of all of it, the exact leading block', async () => {
    const big = tensor(
      Float32Array.from({ length: 4096 * 4096 }, (_, i) => i % 1000),
      { shape: [4096, 4096] },
    );
    const bundle = outputBundle(big);
    const json = bundle.items[0].data;
    assert.equal(bundle.items[0].mime, mimeTypes.tensor);
    assert.ok(json.length <= defaultMaxOutputBytes, `${json.length} bytes`);
    const payload = JSON.parse(json) as TensorOutput;
    assert.deepEqual(payload.shape, [4096, 4096]);
    const stats = payload.stats as TensorStats;
    assert.deepEqual([stats.min, stats.max, stats.finiteCount], [0, 999, 4096 * 4096]);
    // The overview covers every element, in blocks of b×b (the last row and column of blocks short).
    const overview = payload.overview!;
    const means = decodeTensor(overview.data);
    assert.deepEqual(overview.shape, [4096, 4096]);
    assert.deepEqual(
      means.shape,
      overview.block.map((b) => Math.ceil(4096 / b)),
    );
    assert.ok(means.shape[0] >= 128, `overview ${means.shape}`);
    // Block (0, 1) holds rows 0..b-1 and columns b..2b-1: its mean is the mean of (r·4096 + c) mod 1000.
    const [b] = overview.block;
    let sum = 0;
    for (let r = 0; r < b; r++) for (let c = b; c < 2 * b; c++) sum += (r * 4096 + c) % 1000;
    assert.ok(Math.abs(means.values[1] - sum / (b * b)) < 1e-3);
    const exact = decodeTensor(payload.data);
    assert.equal(exact.shape[1], 4096);
    assert.ok(exact.shape[0] >= 16, `leading block ${exact.shape}`);
    assert.equal(exact.values[4096 + 5], (4096 + 5) % 1000);
    assert.deepEqual(payload.cut, {
      maxBytes: defaultMaxOutputBytes,
      fullValueBytes: Math.ceil((4096 * 4096 * 16) / 3),
    });
    assert.equal(bundle.items[1].data, big.toString(), 'the text fallback stays the summarised repr');
  });

  it('honours a per-call cap and rejects a bad one', async () => {
    const x = arange(200 * 300)
      .reshape(200, 300)
      .float();
    const whole = JSON.parse(outputBundle(x).items[0].data) as TensorOutput;
    assert.equal(whole.overview, undefined);
    assert.deepEqual(whole.data.shape, [200, 300]);
    const small = outputBundle(x, { maxBytes: 32768 });
    assert.ok(small.items[0].data.length <= 32768, `${small.items[0].data.length} bytes`);
    const payload = JSON.parse(small.items[0].data) as TensorOutput;
    assert.deepEqual(payload.overview?.shape, [200, 300]);
    assert.throws(
      () => outputBundle(x, { maxBytes: 100 }),
      /display: maxBytes must be a whole number of bytes, at least 16384; got 100/,
    );
    assert.throws(() => outputBundle(x, { maxBytes: '1MB' as never }), /got string/);
  });

  it('keeps a 3-D tensor, attention weights and a trace under the cap', async () => {
    const cube = randn(64, 256, 256);
    const cubeJson = outputBundle(cube).items[0].data;
    assert.ok(cubeJson.length <= defaultMaxOutputBytes);
    const cubePayload = JSON.parse(cubeJson) as TensorOutput;
    assert.equal(cubePayload.overview?.data.shape[0], 64, 'every slice of the leading axis keeps its own map');
    const weights = randn(1, 8, 512, 512).softmax(-1);
    const attentionJson = outputBundle(weights, { as: 'attention', maxBytes: 1 << 20 }).items[0].data;
    assert.ok(attentionJson.length <= 1 << 20, `${attentionJson.length} bytes`);
    const attention = JSON.parse(attentionJson) as AttentionOutput;
    assert.deepEqual(attention.overview?.data.shape.slice(0, 2), [1, 8], 'every head is drawn');
    const traced = steps([
      ['x', cube],
      ['x + 1', cube.add(1)],
      ['x * 2', cube.mul(2)],
    ]);
    const stagesJson = outputBundle(traced).items[0].data;
    assert.ok(stagesJson.length <= defaultMaxOutputBytes, `${stagesJson.length} bytes`);
  });

  it('rearranges named attention axes into (batch, heads, queries, keys)', async () => {
    const labml = arange(4 * 5 * 2 * 3).reshape(4, 5, 2, 3); // (L, S, B, H)
    const arranged = toBatchHeadLayout(labml, ['query', 'key', 'batch', 'head']);
    assert.deepEqual(arranged.shape, [2, 3, 4, 5]);
    assert.equal(arranged.index(1, 2, 3, 4).item(), labml.index(3, 4, 1, 2).item());
    const d2l = arange(6 * 2 * 2).reshape(6, 2, 2); // (B·H, Q, K) with H = 3
    const split = toBatchHeadLayout(d2l, ['batch·head', 'query', 'key'], 3);
    assert.deepEqual(split.shape, [2, 3, 2, 2]);
    assert.deepEqual(
      decodeTensor(
        JSON.parse(outputBundle(d2l, { as: 'attention', axes: ['batch·head', 'query', 'key'], heads: 3 }).items[0].data)
          .weights,
      ).shape,
      [2, 3, 2, 2],
    );
    assert.throws(
      () => toBatchHeadLayout(d2l, ['query', 'key']),
      /attention: 2 axis names \[query, key\] for weights of shape \[6, 2, 2\]/,
    );
    assert.throws(
      () => outputBundle(tensor([[0.5, 0.5]]), { queries: ['a', 'b'] }),
      /attention: 2 query labels for 1 query positions/,
    );
  });

  it('turns steps() into a stage payload with movement ops named', async () => {
    const x = arange(48).reshape(2, 4, 6);
    const traced = steps([
      ['arange(48).reshape(2, 4, 6)', x],
      ['transpose(1, 2)', x.transpose(1, 2)],
    ]);
    const payload = JSON.parse(outputBundle(traced).items[0].data) as StagesOutput;
    assert.deepEqual(
      payload.stages.map((s) => [s.op, s.output.shape]),
      [
        ['arange', [2, 4, 6]],
        ['transpose', [2, 6, 4]],
      ],
    );
    assert.deepEqual(payload.stages[1].inputs, [{ shape: [2, 4, 6], axes: ['dim 0', 'dim 1', 'dim 2'] }]);
    assert.throws(() => steps([['bad', x, ['a']]]), /steps: entry 0 \('bad'\) names 1 axes for shape \[2, 4, 6\]/);
  });
});
