// Strict arguments of nn modules, F and the d2l/labml modules: options objects honoured (golden values
// from PyTorch 1.13, on every backend) or rejected with the accepted keys; PyTorch's texts for bad calls.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as engine from '../../../../kernel/engine';
import { ConcatAttention, d2l, F, labml, nn, randn, tensor, type Tensor } from '../../../../kernel/engine';
import { forEachBackend } from '../../../helpers/backends';
import { assertClose } from '../../../helpers/closeTo';
import { decodeValues, fixtureTensor, loadFixtures, type FixtureTensor } from '../../../helpers/torchFixtures';

const fixtures = loadFixtures('modules-strict.json');

/** Evaluates a fixture's TypeScript expression with `F`, `nn` and its inputs in scope. */
function evaluate(expr: string, inputs: Record<string, FixtureTensor>): unknown {
  const names = Object.keys(inputs);
  const run = new Function('F', 'nn', ...names, `return (${expr});`);
  return run(engine.F, engine.nn, ...names.map((name) => fixtureTensor(inputs[name])));
}

/** PyTorch's "linear(): ..." and "Linear.__init__() ..." as the engine prefixes its messages: "linear: ...". */
const enginePrefixed = (message: string) =>
  message.replace(/^(\w+)\(\): /, '$1: ').replace(/^(\w+)\.__init__\(\) /, '$1: ');

forEachBackend(`options objects give PyTorch ${fixtures.torch}'s values`, (backend) => {
  for (const fixture of fixtures.cases) {
    test(fixture.name, () => {
      const value = evaluate(fixture.expr, fixture.inputs);
      const results = (Array.isArray(value) ? value : [value]) as Tensor[];
      assert.equal(results.length, fixture.results.length, 'number of results');
      results.forEach((actual, i) => {
        const expected = fixture.results[i];
        assert.equal(actual.backend.name, backend);
        assert.deepEqual(actual.shape, expected.shape, `${fixture.expr}: shape`);
        assertClose(actual.dataSync(), decodeValues(expected), { atol: 1e-5, rtol: 1e-5 }, fixture.expr);
      });
    });
  }
});

describe('bad calls give PyTorch’s message', () => {
  for (const fixture of fixtures.errors) {
    test(fixture.name, () => {
      const expected = enginePrefixed(fixture.message);
      assert.throws(
        () => evaluate(fixture.expr, fixture.inputs),
        (error: Error) => error.message.includes(expected),
        `${fixture.expr} should throw "${expected}"`,
      );
    });
  }
});

describe('module constructors', () => {
  test('an unknown option is an error with the accepted keys and a did-you-mean for snake_case', () => {
    assert.throws(() => new nn.MultiheadAttention(8, 2, { batch_first: true } as never), {
      name: 'TypeError',
      message:
        "MultiheadAttention: unknown option 'batch_first'; did you mean 'batchFirst'? " +
        'accepted options: dropout, bias, addBiasKv, addZeroAttn, kdim, vdim, batchFirst',
    });
    assert.throws(() => new nn.LayerNorm(4, { elementwise_affine: false } as never), {
      message:
        "LayerNorm: unknown option 'elementwise_affine'; did you mean 'elementwiseAffine'? accepted options: eps, elementwiseAffine",
    });
    assert.throws(() => new nn.Linear(4, 2, { bias: false, dtype: 'float32' } as never), {
      message: "Linear: unknown option 'dtype'; accepted options: bias",
    });
  });

  test('each option and size is typed, and the error names it', () => {
    assert.throws(() => new nn.MultiheadAttention(8, 2, { batchFirst: 1 } as never), {
      message: "MultiheadAttention: argument 'batchFirst' must be bool, not int",
    });
    assert.throws(() => new nn.MultiheadAttention(8, 2, { kdim: 2.5 }), {
      message: "MultiheadAttention: argument 'kdim' must be int, not float",
    });
    assert.throws(() => new nn.MultiheadAttention(8.5, 2), {
      message: "MultiheadAttention: argument 'embedDim' (position 1) must be int, not float",
    });
    assert.throws(() => new nn.MultiheadAttention(-8, 2), {
      message:
        'MultiheadAttention: embed_dim and num_heads must be greater than 0, got embed_dim=-8 and num_heads=2 instead',
    });
    assert.throws(() => new nn.MultiheadAttention(8, 2, { dropout: 2 }), {
      message: 'MultiheadAttention: dropout probability has to be between 0 and 1, but got 2',
    });
    assert.throws(() => new nn.Linear(4, 2, 1 as never), {
      message: "Linear: argument 'bias' (position 3) must be bool, not int",
    });
    assert.throws(() => new nn.Linear(4, -2), {
      message: "Linear: argument 'outFeatures' must not be negative, got -2",
    });
    assert.throws(() => new (nn.Linear as never as new () => nn.Linear)(), {
      message: "Linear() missing 2 required positional arguments: 'inFeatures' and 'outFeatures'",
    });
    assert.throws(() => new nn.LayerNorm([4, 2.5]), {
      message: "LayerNorm: argument 'normalizedShape' (position 1) must be int or tuple of ints, not list",
    });
    assert.throws(() => new ConcatAttention(4, 4, 3.5, 4, 4), {
      message: "ConcatAttention: argument 'valueSize1' (position 3) must be int, not float",
    });
  });

  test('keyword parameters by position or in the options object, as PyTorch allows', () => {
    assert.equal(new nn.Linear(4, 2, { bias: false }).bias, null);
    assert.equal(new nn.Linear(4, 2, false).bias, null);
    assert.deepEqual(new nn.Linear(4, 2, { bias: true }).bias?.shape, [2]);
    assert.equal(
      new nn.LazyLinear(3, { bias: false }).toString(),
      'LazyLinear(in_features=0, out_features=3, bias=False)',
    );
    assert.equal(new nn.Dropout({ p: 0.1 }).p, 0.1);
    assert.equal(new nn.Dropout().p, 0.5);
    assert.equal(
      new nn.LayerNorm(4, 1e-6, { elementwiseAffine: false }).toString(),
      'LayerNorm((4,), eps=1e-06, elementwise_affine=False)',
    );
    const mha = new nn.MultiheadAttention(8, 2, 0.25, false, true, false, 6, 4, true);
    assert.deepEqual([mha.dropout, mha.kdim, mha.vdim, mha.batchFirst, mha.inProjBias], [0.25, 6, 4, true, null]);
    assert.throws(() => new nn.MultiheadAttention(8, 2, 0.1, { dropout: 0.2 }), {
      message: "MultiheadAttention: got multiple values for argument 'dropout'",
    });
    assert.throws(() => new nn.Dropout(0.1, false, 3 as never), {
      message: 'Dropout: takes from 0 to 2 positional arguments but 3 were given',
    });
    assert.throws(() => new nn.Dropout(0.1, true), {
      message: 'Dropout: inplace=True is not supported (tensors are not modified in place); use the result',
    });
  });
});

// Tensors are made inside the tests: the suites above leave another backend active than at load time.
describe('forward arguments', () => {
  test('options of forward are checked like the constructor’s', () => {
    const x = randn(3, 1, 8);
    const mha = new nn.MultiheadAttention(8, 2);
    assert.throws(() => mha.forward(x, x, x, { need_weights: false } as never), {
      message:
        "MultiheadAttention.forward: unknown option 'need_weights'; did you mean 'needWeights'? " +
        'accepted options: keyPaddingMask, needWeights, attnMask, averageAttnWeights, isCausal',
    });
    assert.throws(() => mha.forward(x, x, x, { attnMask: [[0]] } as never), {
      message: "MultiheadAttention.forward: argument 'attnMask' must be Tensor, not list",
    });
    assert.throws(() => mha.forward(x, x, 'v' as never), {
      message: "MultiheadAttention.forward: argument 'value' (position 3) must be Tensor, not str",
    });
    const [, byOptions] = mha.forward(x, x, x, { needWeights: false });
    const [, byPosition] = mha.forward(x, x, x, null, false);
    assert.deepEqual([byOptions, byPosition], [null, null]);
  });

  test('the other modules name their missing arguments as Python does', () => {
    const x = randn(3, 1, 8);
    const linear = new nn.Linear(8, 2);
    assert.throws(() => (linear.forward.bind(linear) as () => Tensor)(), {
      message: "Linear.forward() missing 1 required positional argument: 'input'",
    });
    const concat = new ConcatAttention(2, 2, 2, 2, 2);
    assert.throws(() => (concat.forward.bind(concat) as never as (q: Tensor) => Tensor)(x), {
      message: "ConcatAttention.forward() missing 2 required positional arguments: 'K' and 'V'",
    });
  });
});

describe('F', () => {
  test('softmax needs its dim, by position or keyword', () => {
    const x = randn(2, 3);
    assert.throws(() => (F.softmax as (input: Tensor) => Tensor)(x), {
      message: "softmax() missing 1 required positional argument: 'dim'",
    });
    assert.throws(() => F.softmax(x, 1.5), { message: "softmax: argument 'dim' (position 2) must be int, not float" });
    assert.throws(() => F.softmax(x, { axis: 1 } as never), {
      message: "softmax: unknown option 'axis'; accepted options: dim",
    });
    assert.throws(() => F.softmax([1, 2] as never, 0), {
      message: "softmax: argument 'input' (position 1) must be Tensor, not list",
    });
  });

  test('gelu, relu, dropout and scaledDotProductAttention check their options', () => {
    const x = randn(2, 3);
    assert.throws(() => F.gelu(x, { approximate: 'fast' } as never), {
      message: "gelu: argument 'approximate' must be one of 'none', 'tanh', got 'fast'",
    });
    assert.throws(() => F.relu(x, true), { message: /relu: inplace=True is not supported/ });
    assert.throws(() => F.dropout(x, { p: 0.1, train: false } as never), {
      message: "dropout: unknown option 'train'; accepted options: p, training, inplace",
    });
    const [q, k, v] = [randn(2, 4, 8), randn(2, 5, 8), randn(2, 5, 8)];
    assert.throws(() => F.scaledDotProductAttention(q, k, v, { is_causal: true } as never), {
      message: /scaledDotProductAttention: unknown option 'is_causal'; did you mean 'isCausal'\?/,
    });
    const mask = tensor([[true, true, false, false, true]]);
    assert.deepEqual(
      F.scaledDotProductAttention(q, k, v, mask, 0).toArray(),
      F.scaledDotProductAttention(q, k, v, { attnMask: mask }).toArray(),
    );
  });
});

describe('d2l and labml', () => {
  test('d2l: the book’s parameters, by position or keyword; valid_lens required where d2l requires it', () => {
    const [queries, keys] = [randn(2, 1, 8), randn(2, 4, 8)];
    const attention = new d2l.DotProductAttention({ dropout: 0 }).eval();
    assert.deepEqual(
      attention.forward(queries, keys, keys, { validLens: [2, 3] }).toArray(),
      attention.forward(queries, keys, keys, [2, 3]).toArray(),
    );
    assert.throws(() => new (d2l.MultiHeadAttention as never as new (h: number, n: number) => unknown)(8, 2), {
      message: "d2l.MultiHeadAttention() missing 1 required positional argument: 'dropout'",
    });
    const withBias = new d2l.MultiHeadAttention(8, 2, { dropout: 0, bias: true }).eval();
    withBias.forward(queries, keys, keys, null);
    assert.deepEqual(Object.keys(withBias.stateDict()), [
      'W_q.weight',
      'W_q.bias',
      'W_k.weight',
      'W_k.bias',
      'W_v.weight',
      'W_v.bias',
      'W_o.weight',
      'W_o.bias',
    ]);
    const forward = withBias.forward.bind(withBias) as (q: Tensor, k: Tensor, v: Tensor) => Tensor;
    assert.throws(() => forward(queries, keys, keys), {
      message: "d2l.MultiHeadAttention.forward() missing 1 required positional argument: 'validLens'",
    });
    assert.throws(() => attention.forward(queries, keys, keys, { valid_lens: [1, 1] } as never), {
      message: /unknown option 'valid_lens'; did you mean 'validLens'\?/,
    });
  });

  test('labml: query, key and value are keyword-only and required; the options are checked', () => {
    const mha = new labml.MultiHeadAttention(2, 8, { dropoutProb: 0 });
    const x = randn(3, 1, 8);
    assert.throws(() => mha.forward({ query: x } as never), {
      message: "labml.MultiHeadAttention.forward() missing 2 required keyword-only arguments: 'key' and 'value'",
    });
    assert.throws(() => (mha.forward.bind(mha) as never as (...a: Tensor[]) => Tensor)(x, x, x), {
      message: /labml.MultiHeadAttention.forward: query, key, value and mask are keyword-only/,
    });
    assert.throws(() => mha.forward({ query: x, key: x, value: x, attnMask: x } as never), {
      message: "labml.MultiHeadAttention.forward: unknown option 'attnMask'; accepted options: query, key, value, mask",
    });
    assert.throws(() => new labml.MultiHeadAttention(2, 8, { dropout: 0.1 } as never), {
      message: "labml.MultiHeadAttention: unknown option 'dropout'; accepted options: dropoutProb, bias",
    });
  });
});
