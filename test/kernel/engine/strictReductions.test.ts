// Reductions and elementwise ops take PyTorch's positional parameters or a trailing options object, and
// reject bad arguments with PyTorch's texts (issue 14): golden values and errors from generateReductionFixtures.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachBackend } from '../../helpers/backends';
import { assertClose } from '../../helpers/closeTo';
import { decodeValues, evaluate, loadFixtures } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('reductions.json');
const tolerance = { atol: 1e-5, rtol: 1e-5 };

forEachBackend(`strict reduction and elementwise arguments: PyTorch ${fixtures.torch} values`, (backend) => {
  for (const fixture of fixtures.cases) {
    test(fixture.name, () => {
      const results = evaluate(fixture.expr, fixture.inputs);
      assert.equal(results.length, fixture.results.length, 'number of results');
      results.forEach((actual, i) => {
        const expected = fixture.results[i];
        const label = `${fixture.name}[${i}] = ${fixture.expr}`;
        assert.equal(actual.backend.name, backend, `${label}: ran on ${backend}`);
        assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
        assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
        assertClose(actual.dataSync(), decodeValues(expected), tolerance, label);
      });
    });
  }
});

// Argument checks run before any backend is involved, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`bad arguments: ${fixture.name}`, () => {
    assert.throws(
      () => evaluate(fixture.expr, fixture.inputs),
      (error: Error) => {
        assert.ok(error.message.includes(fixture.message), `"${error.message}" should contain "${fixture.message}"`);
        assert.match(error.message, /^[a-zA-Z]+: /, 'names the op');
        return true;
      },
    );
  });
}
