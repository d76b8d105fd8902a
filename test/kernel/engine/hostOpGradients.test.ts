// The ops computed on the host (indexing, scans, order statistics, embedding): an input that requires grad
// gives a result with a gradFn or the op's "not implemented yet" error, never a result silently missing
// its gradient. Their gradients against torch's numbers are in gradients.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';

engine.setBackend('reference');

const { F, noGrad, tensor } = engine;

/** A float leaf that requires grad. */
function leaf(values: engine.NestedArray): engine.Tensor {
  return tensor(values, { dtype: 'float32', requiresGrad: true });
}

const long = (values: engine.NestedArray) => tensor(values, { dtype: 'int64' });

/** Each host-computed op on a matrix that requires grad, and its result's node name (null: not implemented yet). */
const hostOps: Record<string, [op: (x: engine.Tensor) => engine.Tensor, gradFn: string | null]> = {
  gather: [
    (x) =>
      x.gather(
        1,
        long([
          [0, 0],
          [1, 0],
        ]),
      ),
    'GatherBackward0',
  ],
  scatter: [(x) => x.scatter(1, long([[0], [1]]), 0), 'ScatterBackward1'],
  'scatter with reduce': [(x) => x.scatter(1, long([[0], [1]]), 2, { reduce: 'multiply' }), null],
  scatterAdd: [(x) => x.scatterAdd(1, long([[0], [1]]), x), 'ScatterAddBackward0'],
  indexSelect: [(x) => x.indexSelect(0, long([1, 0, 1])), 'IndexSelectBackward0'],
  indexAdd: [(x) => x.indexAdd(0, long([1]), tensor([[1, 2]], { dtype: 'float32' })), 'IndexAddBackward0'],
  maskedSelect: [
    (x) =>
      x.maskedSelect(
        tensor([
          [true, false],
          [false, true],
        ]),
      ),
    'MaskedSelectBackward0',
  ],
  take: [(x) => x.take(long([3, 0])), 'TakeBackward0'],
  'index by a long tensor': [(x) => x.index(long([1, 1])), 'IndexBackward0'],
  'index by a mask': [(x) => x.index(tensor([true, false])), 'IndexBackward0'],
  embedding: [(x) => F.embedding(long([1, 0, 1]), x), 'EmbeddingBackward0'],
  diag: [(x) => engine.diag(x.reshape([-1])), 'DiagBackward0'],
  prod: [(x) => x.prod(), 'ProdBackward0'],
  'prod(dim)': [(x) => x.prod(1), 'ProdBackward1'],
  cumsum: [(x) => x.cumsum(1), 'CumsumBackward0'],
  cumprod: [(x) => x.cumprod(1), 'CumprodBackward0'],
  cummax: [(x) => x.cummax(1).values, 'CummaxBackward0'],
  cummin: [(x) => x.cummin(1).values, 'CumminBackward0'],
  median: [(x) => x.median(), 'MedianBackward0'],
  'median(dim)': [(x) => x.median(1).values, 'MedianBackward1'],
  kthvalue: [(x) => x.kthvalue(1).values, 'KthvalueBackward0'],
  mode: [(x) => x.mode(1).values, 'ModeBackward0'],
  sort: [(x) => x.sort(1).values, 'SortBackward0'],
  topk: [(x) => x.topk(1).values, 'TopkBackward0'],
  unique: [(x) => engine.unique(x) as engine.Tensor, null],
  flip: [(x) => x.flip(0), 'FlipBackward0'],
  roll: [(x) => x.roll(1, 0), 'RollBackward0'],
};

for (const [name, [op, gradFn]] of Object.entries(hostOps)) {
  test(`${name}: an input that requires grad gives ${gradFn ?? "the op's not-implemented error"}`, () => {
    const x = leaf([
      [1, 2],
      [3, 4],
    ]);
    if (gradFn === null) {
      assert.throws(
        () => op(x),
        /^Error: \w+: the gradient of \w+ is not implemented yet; wrap the call in noGrad\(\.\.\.\) or detach\(\) the input$/,
      );
      return;
    }
    assert.equal(op(x).gradFn?.name(), gradFn);
  });

  test(`${name}: under noGrad or on a detached input it computes without a gradFn`, () => {
    const x = leaf([
      [1, 2],
      [3, 4],
    ]);
    for (const result of [noGrad(() => op(x)), op(x.detach())]) {
      assert.equal(result.gradFn, null);
    }
  });
}

test('the int64 indices of sort, topk, cummax and argsort never require grad', () => {
  const x = leaf([[3, 1, 2]]);
  for (const indices of [x.sort(1).indices, x.topk(2).indices, x.cummax(1).indices, x.argsort(1)]) {
    assert.equal(indices.requiresGrad, false);
  }
});

test("scatter's src larger than its index: the backward throws torch's error, never a wrong-shaped gradient", () => {
  const src = leaf([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const out = tensor(
    [
      [0, 0, 0],
      [0, 0, 0],
    ],
    { dtype: 'float32' },
  ).scatter(1, long([[0], [2]]), src);
  assert.throws(() => out.sum().backward(), {
    message:
      'backward: Function ScatterBackward0 returned an invalid gradient at index 1 - got [2, 1] but expected shape compatible with [2, 3]',
  });
});
