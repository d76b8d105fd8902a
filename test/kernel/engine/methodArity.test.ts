// Too many positional arguments to a Tensor method are a TypeError in PyTorch's words (issue 14), from one
// table (kernel/engine/methodArity.ts) instead of a check in every method body.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor, randn, tensor } from '../../../kernel/engine';
import { methodArity } from '../../../kernel/engine/methodArity';

const x = randn(2, 3);

test('extra positional arguments are a TypeError naming the method, as PyTorch says it', () => {
  assert.throws(() => (x.transpose as (...a: number[]) => Tensor)(0, 1, 2), {
    name: 'TypeError',
    message: 'transpose: transpose() takes 2 positional arguments but 3 were given',
  });
  assert.throws(() => (x.exp as (...a: number[]) => Tensor)(1), {
    name: 'TypeError',
    message: 'exp: exp() takes no arguments (1 given)',
  });
  assert.throws(() => (x.unsqueeze as (...a: number[]) => Tensor)(0, 1), {
    message: 'unsqueeze: unsqueeze() takes 1 positional argument but 2 were given',
  });
  assert.throws(() => (x.mul as (...a: unknown[]) => Tensor)(2, 3), /mul\(\) takes 1 positional argument but 2/);
  assert.throws(() => (x.slice as (...a: number[]) => Tensor)(1, 0, 2, 1, 7), /slice\(\) takes 4 positional/);
  // Methods taking `...args` check their count when binding them.
  assert.throws(() => (x.sum as (...a: unknown[]) => Tensor)(0, true, 5), /^TypeError: sum: takes at most 2/);
});

test('calls within the arity behave as before', () => {
  assert.deepEqual(x.transpose(0, 1).shape, [3, 2]);
  assert.deepEqual(x.slice(1, 0, 3, 2).shape, [2, 2]);
  assert.deepEqual(x.slice(1).shape, [2, 3]);
  assert.deepEqual(tensor([1, 2]).add(1, { alpha: 2 }).toArray(), [3, 4]);
  assert.deepEqual(
    tensor([1, 2])
      .sub(tensor([1, 1]), 3)
      .toArray(),
    [-2, -1],
  );
  assert.equal(x.size(-1), 3);
  assert.deepEqual(x.size(), [2, 3]);
  assert.equal(tensor([1]).type(), 'torch.LongTensor');
  assert.equal(`${tensor([1, 2])}`, 'tensor([1, 2])');
});

test('every Tensor method is in the arity table or takes ...args (which bind their count themselves)', () => {
  const prototype = Tensor.prototype as unknown as Record<string, unknown>;
  for (const name of Object.keys(methodArity)) {
    assert.equal(typeof prototype[name], 'function', `methodArity lists '${name}', which is not a Tensor method`);
  }
  const unlisted = Object.getOwnPropertyNames(Tensor.prototype).filter((name) => {
    const { value } = Object.getOwnPropertyDescriptor(Tensor.prototype, name)!;
    if (name === 'constructor' || typeof value !== 'function' || Object.hasOwn(methodArity, name)) return false;
    return !/^[^(]*\([^)]*\.\.\.\w+/.test(String(value)); // its parameter list has no rest parameter
  });
  assert.deepEqual(unlisted, [], `fixed-arity Tensor methods missing from methodArity: ${unlisted.join(', ')}`);
});
