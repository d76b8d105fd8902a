// Scans, order statistics and the other reductions of issue 14 (prod, cumsum, norm, median, topk, sort,
// unique, ...) against PyTorch: golden values and errors from generateScanFixtures.py.
import { test } from 'node:test';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('scans.json');

testCasesOnEveryBackend(`scans and order statistics: PyTorch ${fixtures.torch} values`, fixtures.cases, {
  atol: 1e-5,
  rtol: 1e-5,
});

// Argument and range checks run before any values are read, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`scan errors: ${fixture.name}`, () => {
    assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message);
  });
}
