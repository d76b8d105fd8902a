// The indexing ops of issue 14 (gather, scatter, scatterAdd, indexSelect, indexAdd, maskedSelect, take,
// nonzero, one-argument where) and `x.index(...)` with long tensors, bool masks, steps, None and '...'
// against PyTorch: golden values and errors from generateIndexingFixtures.py.
import { test } from 'node:test';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('indexing.json');

testCasesOnEveryBackend(`indexing: PyTorch ${fixtures.torch} values`, fixtures.cases, { atol: 1e-5, rtol: 1e-5 });

// Index checks run before any value is read, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`indexing errors: ${fixture.name}`, () => {
    assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message);
  });
}
