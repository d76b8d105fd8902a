// The Tensor API a notebook user touches: construction forms, views, reading values, print options,
// and the errors that name the op and the shapes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as engine from '../../../kernel/engine';

engine.setBackend('reference');

describe('construction', () => {
  test('shapes as arguments or one array', () => {
    assert.deepEqual(engine.zeros(4, 6).shape, [4, 6]);
    assert.deepEqual(engine.zeros([4, 6]).shape, [4, 6]);
    assert.deepEqual(engine.ones(2, 3, { dtype: 'int32' }).dtype, 'int32');
    assert.deepEqual(engine.arange(12).reshape(2, -1).shape, [2, 6]);
    assert.deepEqual(engine.arange(12).reshape([3, -1]).shape, [3, 4]);
  });

  test('dtypes inferred from nested arrays and typed arrays', () => {
    assert.equal(
      engine.tensor([
        [true, false],
        [false, true],
      ]).dtype,
      'bool',
    );
    assert.equal(engine.tensor([1, 2, 3]).dtype, 'int32');
    assert.equal(engine.tensor([1, 2.5]).dtype, 'float32');
    assert.equal(engine.tensor(new Float32Array([1, 2])).dtype, 'float32');
    assert.equal(engine.tensor(new Int32Array([1, 2])).dtype, 'int32');
    const shaped = engine.tensor(new Float32Array(6), { shape: [2, 3] });
    assert.deepEqual(shaped.shape, [2, 3]);
    assert.equal(shaped.ndim, 2);
    assert.equal(shaped.numel(), 6);
  });

  test('ragged nested arrays are rejected as torch does', () => {
    assert.throws(() => engine.tensor([[1, 2], [3]]), /tensor: expected sequence of length 2 at dim 1 \(got 1\)/);
  });
});

describe('reading values', () => {
  test('data, dataSync, toArray and item agree', async () => {
    const t = engine.arange(6).reshape(2, 3).transpose(0, 1); // (3, 2), not contiguous
    assert.deepEqual(Array.from(await t.data()), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(Array.from(t.dataSync()), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(t.toArray(), [
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    assert.deepEqual(engine.tensor([true, false]).toArray(), [true, false]);
    assert.equal(engine.tensor([[2.5]]).item(), 2.5);
    assert.throws(() => t.item(), /item: a Tensor with 6 elements cannot be converted to Scalar/);
  });

  test('scalar operands are shared per value and dtype, with 0 and -0, 2 and 2.5, int and float kept apart', () => {
    const x = engine.tensor([1.5, -1.5]);
    const everywhere = engine.tensor([true, true]);
    assert.deepEqual(
      Array.from(x.maskedFill(everywhere, 0).dataSync()).map((v) => Object.is(v, -0)),
      [false, false],
    );
    assert.deepEqual(
      Array.from(x.maskedFill(everywhere, -0).dataSync()).map((v) => Object.is(v, -0)),
      [true, true],
    );
    assert.deepEqual(
      Array.from(x.mul(0).dataSync()).map((v) => Object.is(v, -0)),
      [false, true],
    );
    assert.deepEqual(Array.from(engine.tensor([5]).div(2).dataSync()), [2.5]);
    assert.deepEqual(Array.from(engine.tensor([5]).div(2.5).dataSync()), [2]);
    assert.equal(engine.tensor([5]).add(2).dtype, 'int32');
    assert.equal(engine.tensor([5]).add(2.5).dtype, 'float32');
  });

  test('all and any, whole tensor and per dim, as torch.all / torch.any', () => {
    const t = engine.tensor([
      [1, 0, 2],
      [3, 4, 5],
    ]); // (2, 3)
    assert.equal(t.all().item(), false);
    assert.equal(t.any().item(), true);
    assert.equal(engine.zeros(4).any().item(), false);
    assert.deepEqual(t.all(1).toArray(), [false, true]);
    assert.deepEqual(t.any(0, true).toArray(), [[true, true, true]]);
    assert.deepEqual(
      engine
        .tensor([
          [true, false],
          [true, true],
        ])
        .all(0)
        .toArray(),
      [true, false],
    );
    assert.equal(t.all(1).dtype, 'bool');
  });

  test('views share storage, reshape of a transposed view copies', () => {
    const x = engine.arange(6).reshape(2, 3);
    const t = x.transpose(0, 1);
    assert.equal(t.storage, x.storage);
    assert.equal(t.isContiguous(), false);
    assert.equal(x.narrow(1, 1, 2).storage, x.storage);
    assert.notEqual(t.reshape(6).storage, x.storage);
    assert.deepEqual(Array.from(t.reshape(6).dataSync()), [0, 3, 1, 4, 2, 5]);
  });

  test('indexing with Python syntax', () => {
    const x = engine.arange(24).reshape(2, 3, 4);
    assert.deepEqual(x.index('0, :, 1:3').toArray(), [
      [1, 2],
      [5, 6],
      [9, 10],
    ]);
    assert.deepEqual(x.index(1, ':', '::2').toArray(), [
      [12, 14],
      [16, 18],
      [20, 22],
    ]);
    assert.deepEqual(x.index('...', -1).shape, [2, 3]);
    assert.deepEqual(x.index(null, 0).shape, [1, 3, 4]);
    assert.throws(() => x.index(0, 0, 0, 0), /index: too many indices for tensor of dimension 3/);
    // torch's x[[0, 1.5]] silently reads rows 0 and 1; a list index holds integers or booleans
    assert.throws(() => x.index([0, 1.5]), /index: a list index picks entries .* got float; write a slice as a string/);
  });

  test('max with a dim returns values and indices, as a namedtuple', () => {
    const x = engine.tensor([
      [1, 5, 2],
      [7, 0, 7],
    ]);
    const { values, indices } = x.max(1);
    assert.deepEqual(values.toArray(), [5, 7]);
    assert.deepEqual(indices.toArray(), [1, 0]);
    const [v] = x.min(0, true);
    assert.deepEqual(v.toArray(), [[1, 0, 2]]);
  });

  test('add and sub take alpha as torch.add does', () => {
    const a = engine.tensor([1, 2]);
    assert.deepEqual(a.add(engine.tensor([10, 20]), 2).toArray(), [21, 42]);
    assert.deepEqual(a.sub(1, 3).toArray(), [-2, -1]);
  });

  test('an inspected tensor prints as its repr', async () => {
    const { inspect } = await import('node:util');
    assert.equal(inspect(engine.tensor([1.5, 2])), 'tensor([1.5000, 2.0000])');
  });
});

describe('print options', () => {
  test('setPrintOptions resets sciMode like torch.set_printoptions', () => {
    const x = engine.tensor([1e-5, 0.5]);
    try {
      engine.setPrintOptions({ precision: 3, sciMode: false });
      assert.equal(x.toString(), 'tensor([    0.000,     0.500])');
      engine.setPrintOptions({ precision: 2 });
      assert.equal(engine.getPrintOptions().sciMode, null);
      assert.equal(x.toString(), 'tensor([1.00e-05, 5.00e-01])');
    } finally {
      engine.setPrintOptions({ profile: 'default' });
    }
  });
});

describe('bad arguments', () => {
  test('errors name the op and the shapes', () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => engine.matmul(engine.zeros(4, 6), engine.zeros(5, 2)),
        /^matmul: mat1 and mat2 shapes cannot be multiplied \(4x6 and 5x2\)$/,
      ],
      [() => engine.zeros(12).reshape(2, 5), /^reshape: shape '\[2, 5\]' is invalid for input of size 12$/],
      [() => engine.zeros(12).view(-1, -1), /^view: only one dimension can be inferred$/],
      [() => engine.zeros(2, 3).permute(0), /^permute: number of dimensions/],
      [
        () => engine.zeros(2, 3).softmax(2),
        /^softmax: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)$/,
      ],
      [
        () => engine.matmul(engine.tensor(3), engine.zeros(3)),
        /^matmul: both arguments to matmul need to be at least 1D, but they are 0D and 1D$/,
      ],
      [() => engine.bmm(engine.zeros(2, 3), engine.zeros(2, 3, 4)), /^bmm: batch1 must be a 3D tensor$/],
      [
        () => engine.einsum('ij,jk->ik', engine.zeros(2, 3), engine.zeros(4, 5)),
        /^einsum: operands do not broadcast: subscript j has size 4/,
      ],
      [() => engine.einsum('ij->k', engine.zeros(2, 3)), /^einsum: einsum\(\): output subscript k does not appear/],
      [
        () => engine.zeros(2).amax(0).add(engine.zeros(0).amax()),
        /^amax: Expected reduction dim 0 to have non-zero size\.$/,
      ],
      [() => engine.zeros(-1, 2), /^zeros: Trying to create tensor with negative dimension -1/],
      [() => engine.randint(5, 5, [2]), /^randint: random_ expects 'from' to be less than 'to'/],
      [() => engine.setBackend('tpu' as engine.BackendName), /^setBackend: unknown backend 'tpu'/],
      [() => engine.zeros(3).chunk(0), /^chunk: chunk expects `chunks` to be greater than 0, got: 0$/],
      [() => engine.zeros(3).slice(0, 0, 2, -1), /^slice: slice step must be positive, got -1$/],
    ];
    for (const [run, message] of cases) assert.throws(run, (error: Error) => message.test(error.message));
  });
});
