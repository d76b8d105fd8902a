// Issue 14's missing elementwise ops and activations: golden values and error texts from
// generateElementwiseFixtures.py, on every backend.
import { test } from 'node:test';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('elementwise.json');
const tolerance = { atol: 1e-5, rtol: 1e-5 };

testCasesOnEveryBackend(`elementwise ops: PyTorch ${fixtures.torch} values`, fixtures.cases, tolerance);

// Argument checks run before any backend is involved, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`bad arguments: ${fixture.name}`, () => {
    assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message);
  });
}
