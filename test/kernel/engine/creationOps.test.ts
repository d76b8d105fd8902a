// Creation ops and conversions of issue 14 (arange/linspace/logspace, the *Like ops, typed arrays, .to, casts,
// .mT/.T/.H) against PyTorch: golden values, reprs and errors from generateCreationFixtures.py. Random ops draw
// from the engine's own seeded generator, not PyTorch's, so their tests check shapes, dtypes, determinism
// under manualSeed and the distributions, not PyTorch's numbers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as engine from '../../../kernel/engine';
import type { Tensor } from '../../../kernel/engine';
import { forEachBackend } from '../../helpers/backends';
import { assertThrowsTorchMessage, evaluate, loadFixtures, testCasesOnEveryBackend } from '../../helpers/torchFixtures';

const fixtures = loadFixtures('creation.json');

testCasesOnEveryBackend(
  `creation and conversions: PyTorch ${fixtures.torch} values`,
  fixtures.cases,
  { atol: 1e-6, rtol: 1e-6 },
  { alsoAssert: (actual, expected, label) => assert.equal(String(actual), expected.repr, `${label}: repr`) },
);

// Argument and range checks run before any values are read, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`creation errors: ${fixture.name}`, () => {
    assertThrowsTorchMessage(() => evaluate(fixture.expr, fixture.inputs), fixture.message);
  });
}

const mean = (values: ArrayLike<number>) => Array.from(values).reduce((a, b) => a + b, 0) / values.length;
const variance = (values: ArrayLike<number>) => {
  const center = mean(values);
  return mean(Array.from(values, (v) => (v - center) ** 2));
};

/** Runs `draw` twice from the same seed and once from another: same values, then different ones. */
function assertSeeded(draw: () => Tensor): Tensor {
  engine.manualSeed(7);
  const first = draw();
  engine.manualSeed(7);
  assert.deepEqual(draw().toArray(), first.toArray(), 'the same seed gives the same values');
  engine.manualSeed(8);
  if (first.numel() > 4) assert.notDeepEqual(draw().toArray(), first.toArray(), 'another seed other values');
  return first;
}

forEachBackend('random creation ops: shapes, dtypes, determinism', (backend) => {
  const cases: [string, () => Tensor, number[], string][] = [
    ['randLike', () => engine.randLike(engine.zeros(3, 4)), [3, 4], 'float32'],
    ['randnLike', () => engine.randnLike(engine.zeros(2, 5).t()), [5, 2], 'float32'],
    ['randintLike', () => engine.randintLike(engine.zeros(4, 3, { dtype: 'int32' }), 10), [4, 3], 'int32'],
    ['randintLike float', () => engine.randintLike(engine.zeros(6), 2, 5), [6], 'float32'],
    ['randperm', () => engine.randperm(12), [12], 'int64'],
    ['randperm float', () => engine.randperm(5, { dtype: 'float32' }), [5], 'float32'],
    ['multinomial 1-D', () => engine.multinomial(engine.tensor([0.1, 0.5, 0.4, 2.5]), 3), [3], 'int64'],
    ['multinomial 2-D', () => engine.multinomial(engine.rand(3, 5), 8, true), [3, 8], 'int64'],
    ['multinomial no rows', () => engine.multinomial(engine.zeros(0, 3), 2), [0, 2], 'int64'],
    ['bernoulli', () => engine.bernoulli(engine.full([2, 6], 0.5)), [2, 6], 'float32'],
    ['bernoulli p', () => engine.bernoulli(engine.zeros(8, { dtype: 'int32' }), 0.3), [8], 'int32'],
    ['normal tensors', () => engine.normal(engine.zeros(2, 1), engine.ones(3)), [2, 3], 'float32'],
    ['normal size', () => engine.normal(2, 3, [4, 2]), [4, 2], 'float32'],
    ['normal size option', () => engine.normal(0, 1, { size: [3] }), [3], 'float32'],
    ['normal empty', () => engine.normal(engine.zeros(0), 1), [0], 'float32'],
  ];
  for (const [name, draw, shape, torchDtype] of cases) {
    test(name, () => {
      const t = assertSeeded(draw);
      assert.equal(t.backend.name, backend);
      assert.deepEqual(t.shape, shape);
      assert.equal(t.torchDtype, torchDtype);
    });
  }
});

describe('random creation ops: distributions (engine generator, not PyTorch values)', () => {
  test('randperm is a permutation of 0..n-1, randperm(0) empty', () => {
    engine.manualSeed(1);
    const values = Array.from(engine.randperm(50).dataSync());
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      [...Array(50).keys()],
    );
    assert.deepEqual(engine.randperm(0).shape, [0]);
  });

  test('multinomial without replacement: distinct categories, zero weights only once the rest are drawn', () => {
    engine.manualSeed(2);
    for (let i = 0; i < 20; i++) {
      const draws = Array.from(engine.multinomial(engine.tensor([0, 0.5, 0, 1.5]), 4).dataSync());
      assert.equal(new Set(draws).size, 4);
      assert.deepEqual(draws.slice(0, 2).sort(), [1, 3], 'the two positive weights come first');
    }
    const rows = engine
      .multinomial(
        engine.tensor([
          [1, 0.5],
          [0, 1.5],
        ]),
        1,
      )
      .toArray();
    assert.deepEqual((rows as number[][])[1], [1]);
  });

  test('multinomial with replacement: frequencies follow the weights (non-contiguous input)', () => {
    engine.manualSeed(3);
    const weights = engine
      .tensor([
        [1, 6],
        [3, 0.5],
        [0, 1.5],
      ])
      .t(); // rows [1, 3, 0] and [6, 0.5, 1.5]
    const draws = engine.multinomial(weights, 20000, { replacement: true }).toArray() as number[][];
    const frequency = (row: number[], k: number) => row.filter((d) => d === k).length / row.length;
    [0.25, 0.75, 0].forEach((p, k) => assert.ok(Math.abs(frequency(draws[0], k) - p) < 0.015, `row 0 category ${k}`));
    [0.75, 0.0625, 0.1875].forEach((p, k) =>
      assert.ok(Math.abs(frequency(draws[1], k) - p) < 0.015, `row 1 category ${k}`),
    );
  });

  test('bernoulli: the mean follows p; p = 0 and p = 1 are certain', () => {
    engine.manualSeed(4);
    assert.ok(Math.abs(mean(engine.bernoulli(engine.full([20000], 0.3)).dataSync()) - 0.3) < 0.015);
    assert.ok(Math.abs(mean(engine.bernoulli(engine.zeros(20000), { p: 0.8 }).dataSync()) - 0.8) < 0.015);
    assert.deepEqual(engine.bernoulli(engine.tensor([0, 1, 0, 1]).float()).toArray(), [0, 1, 0, 1]);
  });

  test('normal: mean and std, broadcast tensors, std 0 gives the mean exactly', () => {
    engine.manualSeed(5);
    const draws = engine.normal(2, 3, [20000]).dataSync();
    assert.ok(Math.abs(mean(draws) - 2) < 0.1 && Math.abs(Math.sqrt(variance(draws)) - 3) < 0.1);
    const means = engine.tensor([[1], [-2]]);
    assert.deepEqual(engine.normal(means.float(), engine.zeros(3)).toArray(), [
      [1, 1, 1],
      [-2, -2, -2],
    ]);
    const rows = engine.normal(engine.tensor([[0], [10]]).float(), engine.full([1, 5000], 0.5)).toArray() as number[][];
    assert.ok(Math.abs(mean(rows[1]) - 10) < 0.05 && Math.abs(Math.sqrt(variance(rows[0])) - 0.5) < 0.05);
  });

  test('randLike, randnLike, randintLike ranges', () => {
    engine.manualSeed(6);
    const uniform = engine.randLike(engine.zeros(5000)).dataSync();
    assert.ok(uniform.every((u) => u >= 0 && u < 1) && Math.abs(mean(uniform) - 0.5) < 0.02);
    assert.ok(Math.abs(mean(engine.randnLike(engine.zeros(5000)).dataSync())) < 0.05);
    const ints = engine.randintLike(engine.zeros(5000, { dtype: 'int64' }), -3, 4).dataSync();
    assert.ok(ints.every((v) => v >= -3 && v < 4) && new Set(ints).size === 7);
  });
});

describe('creation: empty, the options objects, range checks', () => {
  test('empty and emptyLike: the shape and dtype (zeros; PyTorch leaves them uninitialised)', () => {
    const t = engine.empty(2, 3, { dtype: 'int32' });
    assert.deepEqual(
      [t.shape, t.torchDtype, t.toArray()],
      [
        [2, 3],
        'int32',
        [
          [0, 0, 0],
          [0, 0, 0],
        ],
      ],
    );
    assert.deepEqual(engine.empty([0, 2]).shape, [0, 2]);
    const like = engine.emptyLike(engine.tensor([true, false]));
    assert.deepEqual([like.shape, like.torchDtype], [[2], 'bool']);
    assert.equal(engine.emptyLike(engine.ones(2), { dtype: 'long' }).torchDtype, 'int64');
  });

  test('fullLike into int64 is range-checked (stored as int32), never wrapped', () => {
    assert.throws(() => engine.fullLike(engine.zeros(2, { dtype: 'int64' }), 1e10), {
      message: /^fullLike: value cannot be converted to type int64 without overflow: 10000000000/,
    });
    assert.throws(() => engine.arange(2e9, 3e9, 5e8, { dtype: 'int64' }), {
      message: /^arange: value cannot be converted to type int64 without overflow/,
    });
  });

  test('options objects: unknown keys, snake_case keys and wrong types name the call and the argument', () => {
    const x = engine.rand(2, 3);
    const cases: [() => unknown, RegExp][] = [
      [
        () => engine.randperm(3, { dtpye: 'int32' } as never),
        /^randperm: unknown option 'dtpye'; accepted options: dtype, requiresGrad$/,
      ],
      [
        () => engine.multinomial(x, 1, { with_replacement: true } as never),
        /^multinomial: unknown option 'with_replacement'; accepted options: replacement$/,
      ],
      [
        () => engine.multinomial(x, 1, 'yes' as never),
        /^multinomial: argument 'replacement' \(position 3\) must be bool, not str$/,
      ],
      [() => engine.multinomial(x, 1.5), /^multinomial: argument 'num_samples' \(position 2\) must be int, not float$/],
      [() => engine.logspace(0, 1, 3, { base: 'e' } as never), /^logspace: argument 'base' must be float, not str$/],
      [() => engine.logspace(0, 1, 3, 2, { base: 3 }), /^logspace: got multiple values for argument 'base'$/],
      [() => engine.bernoulli(x, { p: true } as never), /^bernoulli: argument 'p' must be float, not bool$/],
      [
        () => engine.bernoulli(x, { P: 0.5 } as never),
        /^bernoulli: unknown option 'P'; did you mean 'p'\? accepted options: p$/,
      ],
      [() => engine.normal(0, 1, [2], { dtype: 'float64' } as never), /^normal: argument 'dtype' must be one of/],
      [() => engine.normal(0, 1, [2], { size: [2] }), /^normal: got multiple values for argument 'size'$/],
      [
        () => engine.normal(0, 1, [2.5]),
        /^normal: argument 'size' \(position 3\) must be int or tuple of ints, not list$/,
      ],
      [() => engine.normal(engine.zeros(2), 1, [2]), /^normal: takes a size only with numbers for mean and std/],
      [
        () => engine.randintLike(x, 5, { low: 1 } as never),
        /^randintLike: unknown option 'low'; accepted options: dtype, requiresGrad$/,
      ],
      [
        () => engine.fullLike(x, 1, { device: 'cpu' } as never),
        /^fullLike: unknown option 'device'; accepted options: dtype, requiresGrad$/,
      ],
      [() => engine.emptyLike(x, { memory_format: 1 } as never), /^emptyLike: unknown option 'memory_format'/],
      [() => engine.randperm(2.5), /^randperm: argument 'n' \(position 1\) must be int, not float$/],
      [
        () => engine.asTensor([1], { device: 'cpu' } as never),
        /^asTensor: unknown option 'device'; accepted options: dtype$/,
      ],
      [() => x.to({ device: 3 } as never), /^to: argument 'device' must be str, not int$/],
      [() => x.to('cpu', { device: 'cpu' }), /^to: got multiple values for argument 'device'$/],
      [() => x.to('int32', 'cpu' as never), /^to: expected to\(device, dtype\) or to\(other\)/],
    ];
    for (const [call, message] of cases) assert.throws(call, { message });
  });

  test('asTensor returns a tensor of the right dtype itself, as torch.as_tensor does', () => {
    const x = engine.ones(2);
    assert.equal(engine.asTensor(x), x);
    assert.equal(engine.asTensor(x, { dtype: 'float32' }), x);
    assert.notEqual(engine.asTensor(x, { dtype: 'int64' }), x);
  });
});

forEachBackend('conversions and layout', (backend) => {
  test('.to(cpu), .cpu() and .to(dtype) return the tensor itself when nothing changes; copy: true copies', () => {
    const x = engine.tensor([
      [1.5, 2],
      [3, 4],
    ]);
    assert.equal(x.to('cpu'), x);
    assert.equal(x.cpu(), x);
    assert.equal(x.to('float32'), x);
    assert.equal(x.to({ device: 'cpu', dtype: 'float32', nonBlocking: true }), x);
    assert.equal(x.to(backend), x);
    const copied = x.to('cpu', { copy: true });
    assert.notEqual(copied, x);
    assert.deepEqual(copied.toArray(), x.toArray());
    const int32 = engine.tensor([1, 2], { dtype: 'int32' }).to({ copy: true });
    assert.equal(int32.torchDtype, 'int32', 'a copy keeps the dtype PyTorch sees');
    const cast = x.to({ device: 'cpu', dtype: 'long' });
    assert.deepEqual(
      [cast.backend.name, cast.torchDtype, cast.toArray()],
      [
        backend,
        'int64',
        [
          [1, 2],
          [3, 4],
        ],
      ],
    );
  });

  test('.to(other backend) moves the values; .to(other) takes its dtype and backend', () => {
    const x = engine.tensor([1.5, -2]);
    const moved = x.to('reference');
    assert.deepEqual([moved.backend.name, moved.toArray()], ['reference', [1.5, -2]]);
    const like = moved.to(engine.tensor([1], { dtype: 'int32' }));
    assert.deepEqual([like.backend.name, like.torchDtype, like.toArray()], [backend, 'int32', [1, -2]]);
  });

  test('.numpy() is a typed-array copy of the values in row-major order', () => {
    const x = engine.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'float32' },
    );
    const values = x.t().numpy();
    assert.ok(values instanceof Float32Array);
    assert.deepEqual(Array.from(values), [1, 4, 2, 5, 3, 6]);
    values[0] = 100;
    assert.equal(x.t().numpy()[0], 1, 'a copy: writing it leaves the tensor alone');
    assert.ok(engine.tensor([true]).numpy() instanceof Uint8Array);
    assert.ok(engine.tensor([1]).long().numpy() instanceof Int32Array);
  });

  test('.stride(), .storageOffset(), .isContiguous(), .elementSize() on contiguous, transposed and sliced tensors', () => {
    const x = engine.zeros(2, 3, 4);
    assert.deepEqual(x.stride(), [12, 4, 1]);
    assert.deepEqual([x.stride(0), x.stride(-1), x.stride(-3)], [12, 1, 12]);
    const transposed = x.transpose(0, 2);
    assert.deepEqual([transposed.stride(), transposed.isContiguous()], [[1, 4, 12], false]);
    assert.deepEqual(
      [x.mT.stride(), x.mT.shape],
      [
        [12, 1, 4],
        [2, 4, 3],
      ],
    );
    const sliced = x.select(0, 1).narrow(0, 1, 2);
    assert.deepEqual([sliced.storageOffset(), sliced.stride(), sliced.isContiguous()], [16, [4, 1], true]);
    assert.equal(x.storageOffset(), 0);
    assert.deepEqual(engine.tensor(1).stride(), []);
    const sizes = [engine.zeros(1), engine.zeros(1).long(), engine.zeros(1).int(), engine.zeros(1).bool()];
    assert.deepEqual(
      sizes.map((t) => t.elementSize()),
      [4, 8, 4, 1],
      'PyTorch element sizes (int64 is stored in 4 bytes)',
    );
    assert.deepEqual([x.half().elementSize(), x.double().dtype], [4, 'float32'], 'float16/float64 are float32 here');
  });
});

forEachBackend('integer exactness', (backend) => {
  const float32Backend = backend.startsWith('gpujs');
  test(
    float32Backend
      ? 'int32 values float32 cannot hold are errors naming the backend, never rounded'
      : 'int32 values beyond 2^24 are exact',
    () => {
      const cases: [() => Tensor, number[], RegExp][] = [
        [() => engine.tensor([2 ** 24 + 1]), [2 ** 24 + 1], /int32 value 16777217 is not exact here/],
        [() => engine.tensor([2 ** 24]).add(1), [2 ** 24 + 1], /int32 result 16777216 may have been rounded/],
        [() => engine.arange(2 ** 24 - 1, 2 ** 24 + 2), [2 ** 24 - 1, 2 ** 24, 2 ** 24 + 1], /int32 value 16777217/],
        [() => engine.tensor([[4096, 4097]]).mul(4097), [16781312, 16785409], /int32 result 16781312 may have been/],
      ];
      for (const [make, expected, message] of cases) {
        if (!float32Backend) {
          assert.deepEqual(Array.from(make().dataSync()), expected);
          continue;
        }
        assert.throws(
          () => make().dataSync(),
          (error: Error) => {
            assert.match(error.message, new RegExp(`^${backend}: `));
            assert.match(error.message, message);
            return true;
          },
        );
      }
    },
  );

  test('integers float32 holds exactly stay exact, moved or cast (no false alarm)', () => {
    const ends = engine.tensor([[2147483520, -2147483648]], { dtype: 'int32' });
    assert.deepEqual(Array.from(ends.t().contiguous().dataSync()), [2147483520, -2147483648]);
    assert.deepEqual(engine.tensor([3e7, -5.5]).int().toArray(), [30000000, -5]);
    assert.deepEqual(engine.tensor([1000, -3]).mul(1000).toArray(), [1000000, -3000]);
  });
});
