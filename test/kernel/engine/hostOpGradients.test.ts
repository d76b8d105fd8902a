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

/** Each host-computed op on a matrix that requires grad. */
const hostOps: Record<string, (x: engine.Tensor) => engine.Tensor> = {
  gather: (x) =>
    x.gather(
      1,
      long([
        [0, 0],
        [1, 0],
      ]),
    ),
  scatter: (x) => x.scatter(1, long([[0], [1]]), 0),
  scatterAdd: (x) => x.scatterAdd(1, long([[0], [1]]), x),
  indexSelect: (x) => x.indexSelect(0, long([1, 0, 1])),
  indexAdd: (x) => x.indexAdd(0, long([1]), tensor([[1, 2]], { dtype: 'float32' })),
  maskedSelect: (x) =>
    x.maskedSelect(
      tensor([
        [true, false],
        [false, true],
      ]),
    ),
  take: (x) => x.take(long([3, 0])),
  'index by a long tensor': (x) => x.index(long([1, 1])),
  'index by a mask': (x) => x.index(tensor([true, false])),
  indexPut_: (x) => x.mul(1).indexPut_([long([0])], 5),
  embedding: (x) => F.embedding(long([1, 0, 1]), x),
  diag: (x) => engine.diag(x.reshape([-1])),
  prod: (x) => x.prod(),
  cumsum: (x) => x.cumsum(1),
  cumprod: (x) => x.cumprod(1),
  cummax: (x) => x.cummax(1).values,
  cummin: (x) => x.cummin(1).values,
  median: (x) => x.median(),
  'median(dim)': (x) => x.median(1).values,
  kthvalue: (x) => x.kthvalue(1).values,
  mode: (x) => x.mode(1).values,
  sort: (x) => x.sort(1).values,
  topk: (x) => x.topk(1).values,
  unique: (x) => engine.unique(x) as engine.Tensor,
  flip: (x) => x.flip(0),
  roll: (x) => x.roll(1, 0),
};

for (const [name, op] of Object.entries(hostOps)) {
  test(`${name}: an input that requires grad gives a gradFn or the op's not-implemented error`, () => {
    let result: engine.Tensor;
    try {
      result = op(
        leaf([
          [1, 2],
          [3, 4],
        ]),
      );
    } catch (error) {
      assert.match(
        (error as Error).message,
        /^\w+_?: the gradient of \w+_? is not implemented yet; wrap the call in noGrad\(\.\.\.\) or detach\(\) the input$/,
      );
      return;
    }
    assert.ok(result.gradFn !== null, `${name}'s result has a gradFn`);
    assert.ok(result.requiresGrad);
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
