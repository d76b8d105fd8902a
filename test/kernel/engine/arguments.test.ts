// The shared argument checks: PyTorch's "argument ... must be X, not Y" texts and strict options objects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  camelCase,
  checkOptions,
  checkRequired,
  isBool,
  isInt,
  isIntOrInts,
  isNumber,
  isOneOf,
  isOptional,
  isTensor,
  positionalOrOptions,
  typeName,
} from '../../../kernel/engine/arguments';
import { zeros } from '../../../kernel/engine';

test('typeName prints the Python type names PyTorch uses in its argument errors', () => {
  const cases: [unknown, string][] = [
    [undefined, 'NoneType'],
    [null, 'NoneType'],
    [3, 'int'],
    [3.5, 'float'],
    [true, 'bool'],
    ['a', 'str'],
    [[1], 'list'],
    [{ a: 1 }, 'dict'],
    [zeros(1), 'Tensor'],
    [new Float32Array(1), 'Float32Array'],
  ];
  for (const [value, name] of cases) assert.equal(typeName(value), name, String(value));
});

test('checks name the call, the argument and its position', () => {
  assert.throws(() => isInt(3.5, 'triu', 'diagonal', 2), {
    name: 'TypeError',
    message: "triu: argument 'diagonal' (position 2) must be int, not float",
  });
  assert.throws(() => isTensor(undefined, 'softmax', 'input', 1), {
    message: "softmax: argument 'input' (position 1) must be Tensor, not NoneType",
  });
  assert.throws(() => isIntOrInts([0, 1.5], 'sum', 'dim'), {
    message: "sum: argument 'dim' must be int or tuple of ints, not list",
  });
  assert.throws(() => isOneOf(['mean', 'sum'])('avg', 'F.mseLoss', 'reduction'), {
    message: "F.mseLoss: argument 'reduction' must be one of 'mean', 'sum', got 'avg'",
  });
  assert.equal(isOptional(isInt)(null, 'f', 'x'), undefined);
  assert.equal(isInt(-2, 'f', 'dim'), -2);
});

test('options objects: unknown keys are errors with the accepted keys and a did-you-mean for snake_case', () => {
  const spec = { batchFirst: isBool, kdim: isOptional(isInt) };
  assert.deepEqual(checkOptions('nn.MultiheadAttention', { batchFirst: true }, spec), { batchFirst: true });
  assert.deepEqual(checkOptions('nn.MultiheadAttention', undefined, spec), {});
  assert.throws(() => checkOptions('nn.MultiheadAttention', { batch_first: true }, spec), {
    name: 'TypeError',
    message:
      "nn.MultiheadAttention: unknown option 'batch_first'; did you mean 'batchFirst'? accepted options: batchFirst, kdim",
  });
  assert.throws(() => checkOptions('nn.MultiheadAttention', { heads: 2 }, spec), {
    message: "nn.MultiheadAttention: unknown option 'heads'; accepted options: batchFirst, kdim",
  });
  assert.throws(() => checkOptions('nn.MultiheadAttention', { batchFirst: 1 }, spec), {
    message: "nn.MultiheadAttention: argument 'batchFirst' must be bool, not int",
  });
  assert.throws(() => checkOptions('nn.Linear', false, { bias: isBool }), {
    message: 'nn.Linear: expected an options object as the last argument, not bool',
  });
  assert.throws(() => checkOptions('nn.Dropout', { p: 0.1 }, {}), {
    message: "nn.Dropout: unknown option 'p'; it takes no options",
  });
});

test('camelCase turns PyTorch names into the engine’s', () => {
  assert.equal(camelCase('key_padding_mask'), 'keyPaddingMask');
  assert.equal(camelCase('masked_fill_'), 'maskedFill_');
  assert.equal(camelCase('manual_seed'), 'manualSeed');
  assert.equal(camelCase('softmax'), 'softmax');
});

test('checkRequired words a missing argument as Python does', () => {
  assert.throws(() => checkRequired('MultiheadAttention.forward', { query: 1, key: undefined, value: undefined }), {
    name: 'TypeError',
    message: "MultiheadAttention.forward() missing 2 required positional arguments: 'key' and 'value'",
  });
  assert.throws(() => checkRequired('f', { a: undefined, b: undefined, c: undefined }, 'keyword-only'), {
    message: "f() missing 3 required keyword-only arguments: 'a', 'b', and 'c'",
  });
  assert.throws(() => checkRequired('f', { a: undefined }), {
    message: "f() missing 1 required positional argument: 'a'",
  });
  checkRequired('f', { a: null, b: 0 });
});

test('positionalOrOptions: keyword parameters by position or in a trailing options object', () => {
  const spec = { eps: isNumber, elementwiseAffine: isBool };
  assert.deepEqual(positionalOrOptions('LayerNorm', [], spec, 2), {});
  assert.deepEqual(positionalOrOptions('LayerNorm', [1e-6, false], spec, 2), { eps: 1e-6, elementwiseAffine: false });
  assert.deepEqual(positionalOrOptions('LayerNorm', [{ elementwiseAffine: false }], spec, 2), {
    elementwiseAffine: false,
  });
  assert.deepEqual(positionalOrOptions('LayerNorm', [1e-6, { elementwiseAffine: false }, undefined], spec, 2), {
    eps: 1e-6,
    elementwiseAffine: false,
  });
  assert.throws(() => positionalOrOptions('LayerNorm', [true], spec, 2), {
    message: "LayerNorm: argument 'eps' (position 2) must be float, not bool",
  });
  assert.throws(() => positionalOrOptions('LayerNorm', [1e-6, { eps: 1e-5 }], spec, 2), {
    message: "LayerNorm: got multiple values for argument 'eps'",
  });
  assert.throws(() => positionalOrOptions('LayerNorm', [1e-6, true, 3], spec, 2), {
    message: 'LayerNorm: takes from 1 to 3 positional arguments but 4 were given',
  });
  assert.throws(() => positionalOrOptions('LayerNorm', [{ elementwise_affine: true }], spec, 2), {
    message:
      "LayerNorm: unknown option 'elementwise_affine'; did you mean 'elementwiseAffine'? accepted options: eps, elementwiseAffine",
  });
});
