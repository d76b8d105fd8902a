// The indexing ops of issue 14 (gather, scatter, scatterAdd, indexSelect, indexAdd, maskedSelect, take,
// nonzero, one-argument where), `x.index(...)` with long tensors, bool masks, steps, None and '...', and
// `x.indexPut_(...)` (x[...] = v) against PyTorch: golden values and errors from generateIndexingFixtures.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('indexing.json');

testCasesOnEveryBackend(`indexing: PyTorch ${fixtures.torch} values`, fixtures.cases, { atol: 1e-5, rtol: 1e-5 });

// Index checks run before any value is read, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`indexing errors: ${fixture.name}`, () => {
    const run = () => evaluate(fixture.expr, fixture.inputs);
    if (!fixture.expr.includes('.indexPut_(')) {
      assertThrowsTorchMessage(run, fixture.message);
      return;
    }
    // assertThrowsTorchMessage's check of the op's name takes letters only, not indexPut_'s underscore
    assert.throws(run, (error: Error) => {
      assert.ok(error.message.startsWith('indexPut_: '), `"${error.message}" names the op`);
      assert.ok(error.message.includes(fixture.message), `"${error.message}" should contain "${fixture.message}"`);
      return true;
    });
  });
}

test("indexPut_ writes into the tensor's own storage: views see it and the version counter moves", () => {
  const x = engine.zeros(3, 4);
  const row = x.index(1);
  const before = x.version;
  assert.equal(x.indexPut_([1, engine.tensor([0, 3])], 2), x, 'returns the tensor it wrote into');
  assert.deepEqual(row.toArray(), [2, 0, 0, 2]);
  assert.equal(x.version, before + 1);
  x.indexPut_(':, 0::2', 5);
  assert.equal(row.version, before + 2, 'the counter is shared by every view');
});

test('index with tensors or a mask copies; index without them is a view', () => {
  const x = engine.arange(6).reshape(2, 3);
  assert.equal(x.index(':, 1::2').storage, x.storage);
  assert.notEqual(x.index(engine.tensor([1])).storage, x.storage);
  assert.notEqual(x.index(x.gt(2)).storage, x.storage);
});

test("an array passed to indexPut_ is several indices (Python's x[0, 1] = v), not a slice", () => {
  const x = engine.zeros(3, 4);
  x.indexPut_([0, 1], 7);
  assert.deepEqual(x.sum().item(), 7);
  assert.equal(x.index(0, 1).item(), 7);
});
