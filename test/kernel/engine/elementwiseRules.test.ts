// The remaining elementwise ops and PyTorch's dtype rules (issue 14): fmod, remainder, floorDivide, div's
// roundingMode, lerp, the bitwise ops, atan2's edge cases, reductions' dtype option, int32/int64 promotion
// (the repr's dtype=), integer-only errors, against PyTorch: goldens from generateDtypeRulesFixtures.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('dtypeRules.json');

/** The `dtype=torch.X` a repr prints, or undefined where it prints none. */
const printedDtype = (repr: string) => /dtype=torch\.(\w+)/.exec(repr)?.[1];

testCasesOnEveryBackend(
  `elementwise and dtype rules: PyTorch ${fixtures.torch} values`,
  fixtures.cases,
  {
    atol: 1e-5,
    rtol: 1e-5,
  },
  {
    alsoAssert(actual, expected, label) {
      assert.equal(printedDtype(String(actual)), printedDtype(expected.repr), `${label}: the repr's dtype=`);
    },
  },
);

// Argument and dtype checks run before any values are read, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`elementwise and dtype rule errors: ${fixture.name}`, () => {
    assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message);
  });
}

// PyTorch's int64 holds these results; the engine's int32 storage refuses them instead of wrapping around.
test('an integer result outside int32 storage is an error naming the op, never a wrap-around', () => {
  const big = engine.tensor([2 ** 20]);
  const overflow = /integer overflow: .* is outside the int32 storage/;
  assert.throws(
    () => big.mul(big),
    (e: Error) => e.message.startsWith('mul: ') && overflow.test(e.message),
  );
  assert.throws(() => engine.tensor([2 ** 30, 2 ** 30]).sum(), /^RangeError: sum: integer overflow: 2147483648/);
  assert.throws(() => engine.tensor([2 ** 30, 2 ** 30]).cumsum(0), /^RangeError: cumsum: integer overflow/);
  assert.throws(() => engine.tensor([2 ** 16, 2 ** 16]).prod(), /^RangeError: prod: integer overflow/);
  assert.throws(() => engine.tensor([-(2 ** 31)]).neg(), /^RangeError: neg: integer overflow/);
  assert.throws(() => engine.tensor([2 ** 31 - 1]).add(1), /^RangeError: add: integer overflow/);
  assert.deepEqual(
    engine
      .tensor([2 ** 31 - 2])
      .add(1)
      .toArray(),
    [2 ** 31 - 1],
  );
});

test('topk and unique with sorted: false return the sorted order (torch leaves the order unspecified)', () => {
  const x = engine.tensor([3, 1, 4, 1, 5, 9, 2, 6]);
  assert.deepEqual(x.topk(3, { sorted: false }).values.toArray(), [9, 6, 5]);
  assert.deepEqual(x.topk(3, -1, false, false).values.toArray(), [1, 1, 2]);
  assert.deepEqual((x.unique({ sorted: false }) as engine.Tensor).toArray(), [1, 2, 3, 4, 5, 6, 9]);
});
