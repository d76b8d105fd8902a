// The rearranging ops of issue 14 (flip, roll, diag, diagonal, triuIndices/trilIndices, unbind, movedim,
// swapaxes, broadcastTo/broadcastTensors/broadcastShapes, meshgrid) and F.pad, F.oneHot, F.embedding,
// F.normalize, F.dropout, F.softmax against PyTorch: golden values and errors from generateArrangeFixtures.py,
// then which results are views and which copies, as in PyTorch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('arrange.json');

testCasesOnEveryBackend(
  `arrange ops and F.pad/embedding/oneHot/normalize: PyTorch ${fixtures.torch} values`,
  fixtures.cases,
  { atol: 1e-5, rtol: 1e-5 },
  { alsoAssert: (actual, expected, label) => assert.equal(actual.toString(), expected.repr, `${label}: repr`) },
);

// Argument and range checks run before any values are written, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`arrange errors: ${fixture.name}`, () => {
    assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message);
  });
}

const { F } = engine;
const x = engine.arange(12).reshape(3, 4).float();

test('diagonal, unbind, movedim, swapaxes, broadcastTo and meshgrid are views; flip, roll, diag and pad copy', () => {
  const views = [
    x.diagonal(),
    ...x.unbind(1),
    x.movedim(0, 1),
    engine.swapaxes(x, 0, 1),
    x.swapdims(0, 1),
    x.broadcastTo([2, 3, 4]),
    ...engine.broadcastTensors(x, engine.zeros(2, 1, 1)).slice(0, 1),
  ];
  for (const view of views) assert.equal(view.storage, x.storage);
  const row = engine.tensor([1, 2, 3]);
  for (const grid of engine.meshgrid(row, row, { indexing: 'xy' })) assert.equal(grid.storage, row.storage);
  const copies = [x.flip(0), x.flip([]), x.roll(0), x.diag(), F.pad(x, [0, 0]), F.pad(x, [1, 1])];
  for (const copy of copies) {
    assert.notEqual(copy.storage, x.storage);
    assert.equal(copy.isContiguous(), true);
  }
});

test('int32 stays int32 (not int64) through flip, roll, diag and pad; embedding takes int32 indices', () => {
  const ints = engine
    .tensor([
      [1, 2],
      [3, 4],
    ])
    .int();
  for (const result of [ints.flip(0), ints.roll(1, 1), ints.diag(), engine.diag(ints.diag()), F.pad(ints, [1, 0])]) {
    assert.equal(result.torchDtype, 'int32');
  }
  const weight = engine
    .tensor([
      [0, 1],
      [2, 3],
      [4, 5],
    ])
    .float();
  assert.deepEqual(F.embedding(engine.tensor([2, 0]).int(), weight).toArray(), [
    [4, 5],
    [0, 1],
  ]);
});

test('a constant pad value that int32 storage cannot hold is an error, not a wrapped number', () => {
  assert.throws(
    () => F.pad(engine.tensor([1, 2]), [1, 1], { value: 1e10 }),
    /^RangeError: pad: value cannot be converted/,
  );
  assert.deepEqual(F.pad(engine.tensor([1, 2]), [1, 0], { value: -7.9 }).toArray(), [-7, 1, 2]);
});

test('embedding reads no row outside the weight, whatever the index', () => {
  const weight = engine.ones(3, 2);
  for (const index of [3, -1, 1000, -4]) {
    assertThrowsTorchMessage(() => F.embedding(engine.tensor([0, index]), weight), 'index out of range in self');
  }
});

test('method forms count positions from after self, as PyTorch does', () => {
  assert.throws(() => x.diag(0.5 as never), /diag: argument 'diagonal' \(position 1\) must be int, not float/);
  assert.throws(() => x.roll(1.5), /roll: argument 'shifts' \(position 1\)/);
  assert.throws(() => x.movedim(0.5, 1), /movedim: argument 'source' \(position 1\)/);
});

test('circular padding wider than the cropped dim is an error (PyTorch 1.13 reads memory outside the input there)', () => {
  const b = engine.arange(8).reshape(2, 1, 4).float();
  for (const amounts of [
    [-2, 3],
    [3, -3],
    [4, -1],
  ]) {
    assertThrowsTorchMessage(
      () => F.pad(b, amounts, { mode: 'circular' }),
      'Padding value causes wrapping around more than once.',
    );
  }
  assert.deepEqual(F.pad(b, [-1, 3], { mode: 'circular' }).toArray(), [[[1, 2, 3, 1, 2, 3]], [[5, 6, 7, 5, 6, 7]]]);
});

test('F.softmax and F.logSoftmax need a dim, by position or option; F.dropout refuses inplace', () => {
  assert.throws(() => (F.softmax as (input: engine.Tensor) => engine.Tensor)(x), /softmax\(\) missing 1 required/);
  assert.throws(() => F.logSoftmax(x, { dim: '1' as never }), /logSoftmax: argument 'dim' must be int, not str/);
  assert.deepEqual(F.softmax(x, -1).toArray(), F.softmax(x, { dim: -1 }).toArray());
  assert.throws(() => F.dropout(x, { p: 0.5, inplace: true }), /dropout: inplace=True is not supported/);
});
