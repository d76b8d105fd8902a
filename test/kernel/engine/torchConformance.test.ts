// Every op against golden values from PyTorch 1.13, on every backend this machine has.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setPrintOptions } from '../../../kernel/engine';
import { forEachBackend } from '../../helpers/backends';
import { assertClose } from '../../helpers/closeTo';
import { decodeValues, enginePrintOptions, evaluate, loadFixtures } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('engine.json');
/** float32 kernels against float32 BLAS: a few ulps on sums of tens of terms. */
const tolerance = { atol: 1e-5, rtol: 1e-5 };

after(() => setPrintOptions({ profile: 'default' }));

forEachBackend(`PyTorch ${fixtures.torch} golden values`, (backend) => {
  for (const fixture of fixtures.cases) {
    test(fixture.name, () => {
      setPrintOptions(fixture.printOptions ? enginePrintOptions(fixture.printOptions) : { profile: 'default' });
      try {
        const results = evaluate(fixture.expr, fixture.inputs);
        assert.equal(results.length, fixture.results.length, 'number of results');
        results.forEach((actual, i) => {
          const expected = fixture.results[i];
          const label = `${fixture.name}[${i}] = ${fixture.expr}`;
          assert.equal(actual.backend.name, backend, `${label}: ran on ${backend}`);
          assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
          assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
          assertClose(actual.dataSync(), decodeValues(expected), tolerance, label);
          if (fixture.name.startsWith('print_') || fixture.name.startsWith('head_split')) {
            assert.equal(actual.toString(), expected.repr, `${label}: repr`);
          }
        });
      } finally {
        setPrintOptions({ profile: 'default' });
      }
    });
  }
});

forEachBackend('bad inputs give PyTorch’s message, prefixed by the op', () => {
  for (const fixture of fixtures.errors) {
    test(fixture.name, () => {
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
});
