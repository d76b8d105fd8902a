// `t.shape` and `t.size()` as torch.Size: negative indices read from the end, it prints as
// `torch.Size([2, 3])` (also in a cell's text output), and it is still an array everywhere else.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import * as engine from '../../../kernel/engine';
import { outputsForResult } from '../../../kernel/outputBundle';

engine.setBackend('reference');

describe('torch.Size', () => {
  test('negative indices read from the end, as in Python', () => {
    const k = engine.randn(2, 4, 16);
    assert.equal(k.shape[-1], 16);
    assert.equal(k.shape[-2], 4);
    assert.equal(k.shape[-3], 2);
    assert.equal(k.shape[-4], undefined);
    assert.equal(Math.sqrt(k.shape[-1]), 4);
    assert.equal(k.transpose(-2, -1).shape[-1], 4);
    const big = engine.zeros(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    assert.equal(big.shape[-10], 1);
    assert.equal(big.shape[-1], 10);
  });

  test('scores scaled by shape[-1] are numbers, not NaN', () => {
    const q = engine.randn(3, 8);
    const scores = q.matmul(q.T).div(Math.sqrt(q.shape[-1]));
    assert.ok(Array.from(scores.dataSync()).every(Number.isFinite));
  });

  test('prints as torch.Size', () => {
    const shape = engine.zeros(2, 3).shape;
    assert.equal(String(shape), 'torch.Size([2, 3])');
    assert.equal(`${shape}`, 'torch.Size([2, 3])');
    assert.equal(inspect(shape), 'torch.Size([2, 3])');
    assert.equal(inspect({ shape }), '{ shape: torch.Size([2, 3]) }');
    assert.equal(String(engine.tensor(1.5).shape), 'torch.Size([])');
    assert.equal(String(engine.zeros(5).shape), 'torch.Size([5])');
  });

  test("a cell's text output of a shape is torch.Size([...])", async () => {
    const [bundle] = outputsForResult(engine.zeros(2, 3).shape);
    assert.deepEqual(bundle.items, [{ mime: 'text/plain', data: 'torch.Size([2, 3])' }]);
  });

  test('is still an array: length, iteration, spread, JSON, deep equality, keys', () => {
    const shape = engine.zeros(2, 3).shape;
    assert.ok(Array.isArray(shape));
    assert.equal(shape.length, 2);
    assert.deepEqual([...shape], [2, 3]);
    assert.deepEqual(shape, [2, 3]);
    assert.deepEqual({ shape }, { shape: [2, 3] });
    assert.equal(JSON.stringify(shape), '[2,3]');
    assert.deepEqual(Object.keys(shape), ['0', '1']);
    assert.deepEqual(structuredClone(shape), [2, 3]);
    assert.deepEqual(
      shape.map((d) => d * 2),
      [4, 6],
    );
    assert.equal(shape.join('x'), '2x3');
    const [rows, cols] = shape;
    assert.deepEqual([rows, cols], [2, 3]);
  });

  test('size() is the same Size; size(dim) takes negative dims', () => {
    const x = engine.zeros(2, 3);
    assert.equal(x.size(), x.shape);
    assert.equal(x.size()[-1], 3);
    assert.equal(x.size(-1), 3);
    assert.equal(x.size(-2), 2);
    assert.equal(x.size(1), 3);
  });

  test("size(dim) out of range or not an int gives PyTorch's message", () => {
    const x = engine.zeros(2, 3);
    assert.throws(() => x.size(2), {
      message: 'size: Dimension out of range (expected to be in range of [-2, 1], but got 2)',
    });
    assert.throws(() => x.size(-3), {
      message: 'size: Dimension out of range (expected to be in range of [-2, 1], but got -3)',
    });
    assert.throws(() => engine.tensor(1).size(0), {
      message: 'size: Dimension specified as 0 but tensor has no dimensions',
    });
    assert.throws(() => x.size(1.5), {
      name: 'TypeError',
      message: "size: argument 'dim' (position 1) must be int, not float",
    });
  });

  test('tensors of the same shape share one Size, so reading shapes costs no copy', () => {
    const a = engine.zeros(4, 5);
    const b = engine.ones([4, 5]);
    assert.equal(a.shape, b.shape);
    assert.notEqual(a.shape, engine.zeros(5, 4).shape);
  });
});
