// Every op against golden values from PyTorch 1.13, on every backend this machine has.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setPrintOptions } from '../../../kernel/engine';
import { forEachBackend } from '../../helpers/backends';
import {
  assertThrowsTorchMessage,
  enginePrintOptions,
  evaluate,
  loadFixtures,
  testCasesOnEveryBackend,
} from '../../helpers/torchFixtures';

const fixtures = loadFixtures('engine.json');
/** float32 kernels against float32 BLAS: a few ulps on sums of tens of terms. */
const tolerance = { atol: 1e-5, rtol: 1e-5 };

after(() => setPrintOptions({ profile: 'default' }));

testCasesOnEveryBackend(`PyTorch ${fixtures.torch} golden values`, fixtures.cases, tolerance, {
  around: (fixture, run) => {
    setPrintOptions(fixture.printOptions ? enginePrintOptions(fixture.printOptions) : { profile: 'default' });
    try {
      run();
    } finally {
      setPrintOptions({ profile: 'default' });
    }
  },
  alsoAssert: (actual, expected, label, fixture) => {
    if (fixture.name.startsWith('print_') || fixture.name.startsWith('head_split')) {
      assert.equal(actual.toString(), expected.repr, `${label}: repr`);
    }
  },
});

forEachBackend('bad inputs give PyTorch’s message, prefixed by the op', () => {
  for (const fixture of fixtures.errors) {
    test(fixture.name, () => {
      assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message);
    });
  }
});
