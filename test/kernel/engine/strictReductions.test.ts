// Reductions and elementwise ops take PyTorch's positional parameters or a trailing options object, and
// reject bad arguments with PyTorch's texts (issue 14): golden values and errors from generateReductionFixtures.py.
import { test } from 'node:test';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('reductions.json');
const tolerance = { atol: 1e-5, rtol: 1e-5 };

testCasesOnEveryBackend(
  `strict reduction and elementwise arguments: PyTorch ${fixtures.torch} values`,
  fixtures.cases,
  tolerance,
);

// Argument checks run before any backend is involved, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`bad arguments: ${fixture.name}`, () => {
    assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message);
  });
}
