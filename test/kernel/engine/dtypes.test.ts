// The dtype rules and creation ops against PyTorch 1.13 (test/fixtures/dtype.json, made by
// generateDtypeFixtures.py) on every backend, and the engine's own rules where PyTorch has more
// dtypes: no value ever wraps, int64 is int32 storage with a range check, float64/float16 map to float32.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as engine from '../../../kernel/engine';
import type { DType, Tensor, TorchDType } from '../../../kernel/engine';
import { forEachBackend } from '../../helpers/backends';
import { assertClose } from '../../helpers/closeTo';
import { decodeValues, type FixtureValue } from '../../helpers/fixtureValues.mjs';
import { repoRoot } from '../../helpers/repoRoot';
import { assertThrowsTorchMessage } from '../../helpers/torchFixtures';

interface DtypeCase {
  name: string;
  python: string;
  expr: string;
  result: { shape: number[]; dtype: DType; torchDtype: TorchDType; values: FixtureValue[]; repr: string };
}

interface DtypeErrorCase {
  name: string;
  python: string;
  expr: string;
  torchMessage: string;
  message: string;
}

const fixtures: { torch: string; cases: DtypeCase[]; errors: DtypeErrorCase[] } = JSON.parse(
  readFileSync(join(repoRoot(), 'test/fixtures/dtype.json'), 'utf8'),
);

/** Evaluates a fixture's TypeScript expression with `torch` as the engine. */
function evaluate(expr: string): Tensor {
  return new Function('torch', `return (${expr});`)(engine) as Tensor;
}

forEachBackend(`dtypes and creation: PyTorch ${fixtures.torch} golden values`, (backend) => {
  for (const fixture of fixtures.cases) {
    test(fixture.name, () => {
      const actual = evaluate(fixture.expr);
      const expected = fixture.result;
      const label = `${fixture.name}: ${fixture.expr} (torch: ${fixture.python})`;
      assert.equal(actual.backend.name, backend, `${label}: ran on ${backend}`);
      assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
      assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
      assert.equal(actual.torchDtype, expected.torchDtype, `${label}: torchDtype`);
      assertClose(actual.dataSync(), decodeValues(expected), { atol: 0, rtol: 0 }, label);
      assert.equal(actual.toString(), expected.repr, `${label}: repr`);
    });
  }
});

describe('dtypes and creation: bad inputs give PyTorch’s message, prefixed by the op', () => {
  for (const fixture of fixtures.errors) {
    test(fixture.name, () => {
      assertThrowsTorchMessage(() => evaluate(fixture.expr), fixture.message);
    });
  }
});

describe('dtypes: where the engine differs from PyTorch, it says so rather than wrap', () => {
  engine.setBackend('reference');

  test('whole numbers outside int32 are float32 (PyTorch: int64), never wrapped', () => {
    for (const data of [[2 ** 31], [-(2 ** 31) - 1], [1, 3e9]]) assert.equal(engine.tensor(data).dtype, 'float32');
    assert.equal(engine.tensor([2 ** 31 - 1, -(2 ** 31)]).dtype, 'int32');
    assert.equal(engine.full([1], 2 ** 31).dtype, 'float32');
    assert.equal(engine.arange(0, 3e9, 1e9).dtype, 'float32');
  });

  test('int64 is int32 storage: a value past int32 is an error that says so', () => {
    assert.throws(() => engine.tensor([1e10], { dtype: 'int64' }), {
      message:
        /^tensor: value cannot be converted to type int64 without overflow: 10000000000 \(int64 is stored as int32 here/,
    });
    assert.throws(() => engine.tensor([1e10]).long(), { message: /^long: value cannot be converted to type int64/ });
    assert.throws(() => engine.arange(0, 4e9, 1e9, { dtype: 'long' }), {
      message: /^arange: value cannot be converted/,
    });
    assert.throws(() => engine.randint(0, 2 ** 32, [2]), { message: /^randint: value cannot be converted/ });
  });

  test('float to int casts of NaN, infinities and out-of-range values are errors (PyTorch: an arbitrary int)', () => {
    const cases: [Tensor, RegExp][] = [
      [engine.tensor([1, NaN]), /^int: value cannot be converted to type int32 without overflow: nan$/],
      [engine.tensor([Infinity]), /without overflow: inf$/],
      [engine.tensor([-1e10]), /without overflow: -10000000000$/],
    ];
    for (const [t, message] of cases) assert.throws(() => t.int(), { message });
    assert.throws(() => engine.tensor([NaN]).to('int64'), { message: /^to: value cannot be converted to type int64/ });
    assert.throws(() => engine.tensor([NaN]).type('long'), {
      message: /^type: value cannot be converted to type int64/,
    });
    assert.deepEqual(engine.tensor([NaN, -1e10]).bool().toArray(), [true, true]);
  });

  test('typed arrays of every width', () => {
    assert.equal(engine.tensor(new Float64Array([0.5])).dtype, 'float32');
    for (const data of [new Int8Array([-1]), new Uint16Array([7]), new Uint32Array([7])]) {
      assert.equal(engine.tensor(data).dtype, 'int32');
    }
    const big = engine.tensor(new BigInt64Array([1n, -2n]));
    assert.deepEqual([big.dtype, big.torchDtype, big.toArray()], ['int32', 'int64', [1, -2]]);
    assert.throws(() => engine.tensor(new Uint32Array([2 ** 32 - 1])), {
      message: /^tensor: value cannot be converted/,
    });
    assert.deepEqual(engine.tensor(new Float64Array([1.5, 300]), { dtype: 'int32' }).toArray(), [1, 300]);
  });

  test('the dtype option: unknown names list the accepted ones; unknown keys are errors', () => {
    assert.throws(() => engine.tensor([1], { dtype: 'float64' as never }), {
      message:
        /^tensor: argument 'dtype' must be one of 'float32', 'float', 'int64', 'long', 'int32', 'int', 'bool' .*got 'float64'$/,
    });
    assert.throws(() => engine.zeros(2, { dtype: 3 as never }), {
      message: /^zeros: argument 'dtype' must be one of .*got 3$/,
    });
    assert.throws(() => engine.ones(2, { dtpye: 'int32' } as never), {
      message: /^ones: unknown option 'dtpye'; accepted options: dtype, requiresGrad$/,
    });
    assert.throws(() => engine.tensor([1], { requires_grad: true } as never), {
      message: /^tensor: unknown option 'requires_grad'/,
    });
    for (const call of [
      () => engine.full([1], 0, { device: 'cpu' } as never),
      () => engine.arange(3, { step: 1 } as never),
      () => engine.linspace(0, 1, 2, { end: 1 } as never),
      () => engine.eye(2, { m: 2 } as never),
      () => engine.rand(2, { seed: 1 } as never),
      () => engine.randn(2, { seed: 1 } as never),
      () => engine.randint(3, [2], { low: 0 } as never),
      () => engine.zerosLike(engine.zeros(1), { shape: [2] } as never),
      () => engine.onesLike(engine.zeros(1), { shape: [2] } as never),
    ]) {
      assert.throws(call, { message: /: unknown option '\w+'; accepted options: dtype(, requiresGrad)?$/ });
    }
    // .to takes PyTorch's device and copy keywords as well (issue 14)
    assert.throws(() => engine.zeros(1).to({ non_blocking: true } as never), {
      message:
        /^to: unknown option 'non_blocking'; did you mean 'nonBlocking'\? accepted options: dtype, device, nonBlocking, copy$/,
    });
  });

  test('every creation op takes a dtype by engine or PyTorch name', () => {
    assert.equal(engine.rand(2, { dtype: 'torch.float32' }).torchDtype, 'float32');
    assert.equal(engine.randn([2, 2], { dtype: 'float' }).dtype, 'float32');
    const ints = engine.randint(3, 7, [50], { dtype: 'int32' });
    assert.equal(ints.torchDtype, 'int32');
    assert.ok((ints.toArray() as number[]).every((v) => v >= 3 && v < 7));
    assert.equal(engine.randint(2, [3]).torchDtype, 'int64');
    assert.equal(engine.randint(0, 2, [3], { dtype: 'bool' }).dtype, 'bool');
    assert.equal(engine.zerosLike(engine.arange(3), { dtype: 'torch.bool' }).dtype, 'bool');
  });

  test('too large a tensor names the op and the size', () => {
    assert.throws(() => engine.randn(1e5, 1e5), {
      message: /^randn: cannot allocate a tensor of 10000000000 elements \(40 GB\)$/,
    });
    assert.throws(() => engine.zeros([1e5, 1e5], { dtype: 'bool' }), {
      message: /^zeros: cannot allocate .* \(10 GB\)$/,
    });
    assert.throws(() => engine.arange(1e10), { message: /^arange: cannot allocate a tensor of 10000000000 elements/ });
  });

  test('conversions: .type(), .double() and .half() (float32 here), .to(device)', () => {
    assert.equal(engine.tensor([1.5]).type(), 'torch.FloatTensor');
    assert.equal(engine.tensor([1]).type(), 'torch.LongTensor');
    assert.equal(engine.tensor([1]).int().type(), 'torch.IntTensor');
    assert.equal(engine.tensor([true]).type(), 'torch.BoolTensor');
    assert.equal(engine.tensor([1, 2]).double().toString(), 'tensor([1., 2.])');
    assert.equal(engine.tensor([1, 2]).half().dtype, 'float32');
    const t = engine.tensor([1, 2]);
    const float = t.float();
    assert.equal(float.float(), float, 'a cast to its own dtype is the same tensor');
    assert.equal(t.to('cpu'), t, "'cpu' is the active backend");
    assert.equal(t.to('reference', { dtype: 'int32' }).torchDtype, 'int32');
    assert.throws(() => t.to('cuda' as never), { message: /^to: 'cuda' is neither a dtype .* nor a device/ });
    assert.equal(t.int().long().torchDtype, 'int64');
  });
});
