// The shared argument checks: PyTorch's "argument ... must be X, not Y" texts and strict options objects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bindArguments,
  camelCase,
  checkOptions,
  checkRequired,
  isBool,
  isInt,
  isNumber,
  isIntOrInts,
  isOneOf,
  isOperand,
  isOptional,
  isOptionsObject,
  isScalarNumber,
  isTensor,
  typeName,
} from '../../../kernel/engine/arguments';
import * as arguments_ from '../../../kernel/engine/arguments';
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

test('bindArguments takes PyTorch parameters positionally or from a trailing options object, never both', () => {
  const spec = { dim: isOptional(isIntOrInts), keepdim: isBool };
  const bind = (...args: unknown[]) => bindArguments('sum', args, ['dim', 'keepdim'], spec);
  assert.deepEqual(bind(), {});
  assert.deepEqual(bind(-1, true), { dim: -1, keepdim: true });
  assert.deepEqual(bind(-1, { keepdim: true }), { dim: -1, keepdim: true });
  assert.deepEqual(bind({ dim: [0, 1] }), { dim: [0, 1] });
  assert.deepEqual(bind(undefined, true), { keepdim: true });
  assert.throws(() => bind(1.5), { message: "sum: argument 'dim' must be int or tuple of ints, not float" });
  assert.throws(() => bind(0, true, { keepdim: false }), {
    message: "sum: got multiple values for argument 'keepdim'",
  });
  assert.throws(() => bind(0, { keepDim: true }), { message: /unknown option 'keepDim'; did you mean 'keepdim'\?/ });
  assert.throws(() => bind(0, true, false), {
    message: /takes at most 2 positional arguments \(dim, keepdim\), 3 given/,
  });
  assert.throws(() => bind(0, new Map()), { message: "sum: argument 'keepdim' must be bool, not Map" });
});

test('isOperand and isScalarNumber use the type names of PyTorch’s binary-op errors', () => {
  assert.equal(isOperand(2, 'add', 'other', 2), 2);
  assert.throws(() => isOperand(null, 'add', 'other', 2), {
    message: "add: argument 'other' (position 2) must be Tensor, not NoneType",
  });
  assert.throws(() => isScalarNumber('a', 'add', 'alpha'), {
    message: "add: argument 'alpha' must be Number, not str",
  });
  assert.equal(isOptionsObject({ a: 1 }), true);
  assert.equal(isOptionsObject(zeros(1)), false);
  assert.equal(isOptionsObject([1]), false);
});

test('intsFromArgs takes a size list as separate ints or one array, with PyTorch’s texts', () => {
  const { intsFromArgs } = arguments_;
  assert.deepEqual(intsFromArgs('view', 'size', [2, -1], 2), [2, -1]);
  assert.deepEqual(intsFromArgs('view', 'size', [[2, 3]], 2), [2, 3]);
  assert.throws(() => intsFromArgs('view', 'size', [2, 2.5], 2, 'tuple of SymInts'), {
    name: 'TypeError',
    message: "view: argument 'size' (position 2) must be tuple of SymInts, not float",
  });
  assert.throws(() => intsFromArgs('view', 'size', [[2, NaN]], 2, 'tuple of SymInts'), {
    message: "view: argument 'size' must be tuple of SymInts, but found element of type float at pos 2",
  });
  assert.throws(() => intsFromArgs('permute', 'dims', [], 2), {
    message: 'permute: missing 1 required positional arguments: "dims"',
  });
});

test('optionalArguments reads trailing parameters positionally or from a last options object', () => {
  const { optionalArguments } = arguments_;
  const spec = { startDim: isInt, endDim: isInt };
  assert.deepEqual(optionalArguments('flatten', [1], spec, 2), { startDim: 1 });
  assert.deepEqual(optionalArguments('flatten', [{ endDim: 2 }], spec, 2), { endDim: 2 });
  assert.deepEqual(optionalArguments('flatten', [1, { endDim: 2 }], spec, 2), { startDim: 1, endDim: 2 });
  assert.deepEqual(optionalArguments('flatten', [undefined, undefined], spec, 2), {});
  assert.throws(() => optionalArguments('flatten', [1.5], spec, 2), {
    message: "flatten: argument 'startDim' (position 2) must be int, not float",
  });
  assert.throws(() => optionalArguments('flatten', [1, { startDim: 0 }], spec, 2), {
    message: "flatten: got multiple values for argument 'startDim'",
  });
  assert.throws(() => optionalArguments('flatten', [{ start_dim: 0 }], spec, 2), {
    message: "flatten: unknown option 'start_dim'; did you mean 'startDim'? accepted options: startDim, endDim",
  });
  assert.throws(() => optionalArguments('flatten', [0, 1, 2], spec, 2), {
    message: 'flatten: takes from 1 to 3 positional arguments but 4 were given',
  });
});

test('asMethod counts positions from after self, as PyTorch’s method errors do', () => {
  const { asMethod } = arguments_;
  assert.throws(() => asMethod(() => isTensor(1, 'matmul', 'other', 2)), {
    name: 'TypeError',
    message: "matmul: argument 'other' (position 1) must be Tensor, not int",
  });
  assert.throws(
    () =>
      asMethod(() => {
        throw new RangeError('kept (position 2)');
      }),
    { message: 'kept (position 2)' },
  );
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

test('arguments_.optionalArguments: keyword parameters by position or in a trailing options object', () => {
  const spec = { eps: isNumber, elementwiseAffine: isBool };
  assert.deepEqual(arguments_.optionalArguments('LayerNorm', [], spec, 2), {});
  assert.deepEqual(arguments_.optionalArguments('LayerNorm', [1e-6, false], spec, 2), {
    eps: 1e-6,
    elementwiseAffine: false,
  });
  assert.deepEqual(arguments_.optionalArguments('LayerNorm', [{ elementwiseAffine: false }], spec, 2), {
    elementwiseAffine: false,
  });
  assert.deepEqual(
    arguments_.optionalArguments('LayerNorm', [1e-6, { elementwiseAffine: false }, undefined], spec, 2),
    {
      eps: 1e-6,
      elementwiseAffine: false,
    },
  );
  assert.throws(() => arguments_.optionalArguments('LayerNorm', [true], spec, 2), {
    message: "LayerNorm: argument 'eps' (position 2) must be float, not bool",
  });
  assert.throws(() => arguments_.optionalArguments('LayerNorm', [1e-6, { eps: 1e-5 }], spec, 2), {
    message: "LayerNorm: got multiple values for argument 'eps'",
  });
  assert.throws(() => arguments_.optionalArguments('LayerNorm', [1e-6, true, 3], spec, 2), {
    message: 'LayerNorm: takes from 1 to 3 positional arguments but 4 were given',
  });
  assert.throws(() => arguments_.optionalArguments('LayerNorm', [{ elementwise_affine: true }], spec, 2), {
    message:
      "LayerNorm: unknown option 'elementwise_affine'; did you mean 'elementwiseAffine'? accepted options: eps, elementwiseAffine",
  });
});
