// Value → output conversion in the kernel: stats, the leading block of big tensors, attention
// layouts, and hand-made traces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arange, setBackend, tensor } from '../../kernel/engine/index';
import { leadingBlock, outputBundle, tensorStats, toBatchHeadLayout } from '../../kernel/outputBundle';
import { steps } from '../../kernel/steps';
import { mimeTypes } from '../../protocol/mimeTypes';
import type { StagesOutput, TensorOutput } from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';

describe('output bundles', () => {
  setBackend('reference');

  it('computes stats over finite values, counting NaN and Inf', () => {
    const stats = tensorStats([1, 2, 3, NaN, Infinity]);
    assert.deepEqual(stats, { min: 1, max: 3, mean: 2, std: 1, nanCount: 1, infCount: 1 });
  });

  it('keeps the leading block that fits the element budget', () => {
    assert.deepEqual(leadingBlock([8, 512, 512], 1 << 21), [8, 512, 512]);
    assert.deepEqual(leadingBlock([64, 512, 512], 1 << 21), [8, 512, 512]);
    assert.deepEqual(leadingBlock([1, 8192, 8192], 1 << 21), [1, 256, 8192]);
    assert.deepEqual(leadingBlock([10], 4), [4]);
  });

  it('ships a big tensor as its leading block with stats over every element', async () => {
    const big = arange(3 * (1 << 20)).reshape(3, 1 << 20);
    const bundle = await outputBundle(big);
    const payload = JSON.parse(bundle.items[0].data) as TensorOutput;
    assert.equal(bundle.items[0].mime, mimeTypes.tensor);
    assert.deepEqual(payload.shape, [3, 1 << 20]);
    assert.deepEqual(payload.data.shape, [2, 1 << 20]);
    assert.equal(payload.stats.max, 3 * (1 << 20) - 1);
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
        JSON.parse(
          (await outputBundle(d2l, { as: 'attention', axes: ['batch·head', 'query', 'key'], heads: 3 })).items[0].data,
        ).weights,
      ).shape,
      [2, 3, 2, 2],
    );
    assert.throws(
      () => toBatchHeadLayout(d2l, ['query', 'key']),
      /attention: 2 axis names \[query, key\] for weights of shape \[6, 2, 2\]/,
    );
    await assert.rejects(
      outputBundle(tensor([[0.5, 0.5]]), { queries: ['a', 'b'] }),
      /attention: 2 query labels for 1 query positions/,
    );
  });

  it('turns steps() into a stage payload with movement ops named', async () => {
    const x = arange(48).reshape(2, 4, 6);
    const traced = steps([
      ['arange(48).reshape(2, 4, 6)', x],
      ['transpose(1, 2)', x.transpose(1, 2)],
    ]);
    const payload = JSON.parse((await outputBundle(traced)).items[0].data) as StagesOutput;
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
