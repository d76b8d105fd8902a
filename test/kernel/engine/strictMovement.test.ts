// Movement and linear-algebra ops take PyTorch's arguments strictly (issue 14): keyword parameters as
// options objects, negative dims, and PyTorch's errors for a float, NaN, missing or wrongly typed argument.
// Golden values and texts from PyTorch 1.13 (test/fixtures/generateMovementFixtures.py).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('movement.json');

/** A function as plain JavaScript calls it, without its TypeScript signature: to pass what the types forbid. */
const untyped = (f: (...args: never[]) => unknown) => f as (...args: unknown[]) => unknown;

testCasesOnEveryBackend(`movement keyword forms and negative dims match PyTorch ${fixtures.torch}`, fixtures.cases, {
  atol: 1e-5,
  rtol: 1e-5,
});

test('bad arguments give PyTorch’s text, prefixed by the op (argument checks run before any backend work)', () => {
  for (const fixture of fixtures.errors) {
    assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message, fixture.name);
  }
});

test('options objects are checked: unknown keys, snake_case spellings, a value given twice, too many arguments', () => {
  const x = engine.zeros(2, 3, 4);
  const cases: [() => unknown, string][] = [
    [() => engine.cat([x, x], { axis: 1 } as never), "cat: unknown option 'axis'; accepted options: dim"],
    [
      () => x.flatten({ start_dim: 1 } as never),
      "flatten: unknown option 'start_dim'; did you mean 'startDim'? accepted options: startDim, endDim",
    ],
    [() => untyped(engine.stack)([x, x], 0, { dim: 1 }), "stack: got multiple values for argument 'dim'"],
    [() => untyped(x.triu).call(x, 1, 2), 'triu: takes from 1 to 2 positional arguments but 3 were given'],
    [() => x.split(2, { dim: 1.5 }), "split: argument 'dim' must be int, not float"],
    [() => x.squeeze({ dim: '1' } as never), "squeeze: argument 'dim' must be int, not str"],
    [() => x.repeatInterleave(2, { dim: 0, outputSize: 4 } as never), "repeatInterleave: unknown option 'outputSize'"],
    [() => engine.triu(undefined as never), "triu: argument 'input' (position 1) must be Tensor, not NoneType"],
    [() => engine.view(x, 4, undefined as never), "view: argument 'size' (position 2) must be tuple of SymInts"],
    [() => x.expandAs([2, 3, 4] as never), "expandAs: argument 'other' (position 1) must be Tensor, not list"],
    [() => engine.einsum('ij,jk', [x, 1] as never), 'einsum: expected Tensor as element 1 in argument 1'],
    [() => x.slice(0, 0.5), "slice: argument 'start' (position 2) must be int, not float"],
  ];
  for (const [run, message] of cases) {
    assert.throws(run, (error: Error) => error.message.startsWith(message), message);
  }
});

test('triu(t, { diagonal }) and triu(t, diagonal) agree (the options object was read as 0 before)', () => {
  const x = engine.randn(4, 5);
  for (const diagonal of [-2, 0, 1, 3]) {
    assert.deepEqual(engine.triu(x, { diagonal }).toArray(), engine.triu(x, diagonal).toArray());
    assert.deepEqual(x.tril({ diagonal }).toArray(), x.tril(diagonal).toArray());
  }
});

test('errors from methods count positions from after self, from functions from the input', () => {
  const a = engine.zeros(2, 2);
  assert.throws(() => a.matmul(2.5 as never), {
    message: "matmul: argument 'other' (position 1) must be Tensor, not float",
  });
  assert.throws(() => engine.matmul(a, 2.5 as never), {
    message: "matmul: argument 'other' (position 2) must be Tensor, not float",
  });
  assert.throws(() => a.unsqueeze(NaN), { message: "unsqueeze: argument 'dim' (position 1) must be int, not float" });
  assert.throws(() => engine.unsqueeze(a, NaN), {
    message: "unsqueeze: argument 'dim' (position 2) must be int, not float",
  });
});
