// The seeded random stream: the native module's C fills give the JS loops' values bit for bit (every seed,
// length, reseed and interleaving of draws), so a notebook gives the same numbers on every backend whether or
// not the module is loaded; and the values have the distributions they claim.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { loadNativeKernels, type NativeKernels } from '../../../kernel/engine/backends/native';
import {
  fillIntegers,
  fillNormal,
  fillUniform,
  manualSeed,
  nextInt,
  nextUniform,
  useStreamKernels,
} from '../../../kernel/engine/random';
import { engineBackends } from '../../helpers/backends';

const native = engineBackends().find((b) => b.name === 'native')!;
const skip = native.available ? false : `native unavailable: ${native.reason}`;
const kernels = (): NativeKernels => loadNativeKernels();

/** Runs `draw` once with the JS loops and once with the C fills; the two outputs, as bits. */
function bothPaths(draw: () => number[]): { js: number[]; c: number[] } {
  try {
    useStreamKernels(undefined);
    const js = draw();
    useStreamKernels(kernels());
    const c = draw();
    return { js, c };
  } finally {
    useStreamKernels(undefined);
  }
}

const bitsOf = (values: Float32Array) => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));
const filled = (fill: (out: Float32Array) => void, length: number) => {
  const out = new Float32Array(length);
  fill(out);
  return bitsOf(out);
};

const seeds = [0, 1, 7, 42, 2 ** 31 - 1, 2 ** 32 + 5, 67280421310721, -3];
const lengths = [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 255, 1000, 1023, 1025, 4097];

describe('the C fills and the JS loops draw the same stream', { skip }, () => {
  test('uniforms and normals of every length, for many seeds, bit for bit', () => {
    for (const seed of seeds) {
      for (const fill of [fillUniform, fillNormal]) {
        const { js, c } = bothPaths(() => {
          manualSeed(seed);
          return lengths.flatMap((length) => filled(fill, length)).concat(filled(fillUniform, 3));
        });
        assert.equal(c.length, js.length);
        assert.deepEqual(c, js, `${fill.name} after manualSeed(${seed})`);
      }
    }
  });

  test('shifted and scaled fills (uniform_ bounds, normal_ mean and std) round once, the same in C and JS', () => {
    const parameters = [
      [-3, 5.5],
      [0.1, 0.2],
      [1e6, 1e6 + 1],
      [-1e-3, 1e-3],
    ];
    const { js, c } = bothPaths(() => {
      manualSeed(77);
      return parameters.flatMap(([low, high]) => [
        ...filled((out) => fillUniform(out, low, high), 1025),
        ...filled((out) => fillNormal(out, low, high - low), 1025),
        ...filled((out) => fillNormal(out, low, high - low), 40_001),
      ]);
    });
    assert.deepEqual(c, js);
    // low + (high - low) u computed in double and rounded to float32 once
    manualSeed(78);
    const unit = new Float32Array(5);
    fillUniform(unit);
    manualSeed(78);
    const scaled = new Float32Array(5);
    fillUniform(scaled, -3, 5.5);
    assert.deepEqual(
      Array.from(scaled),
      Array.from(unit, (u) => Math.fround(-3 + 8.5 * u)),
    );
  });

  test('integers into int32 storage (randint): the same in C and JS for every length and range', () => {
    const ranges = [
      [0, 2],
      [-4, 9],
      [0, 1000],
      [-(2 ** 31), 2 ** 31 - 1],
      [2 ** 30, 2 ** 30 + 3],
    ];
    const { js, c } = bothPaths(() => {
      manualSeed(55);
      return ranges.flatMap(([low, high]) =>
        [...lengths, 70_001].flatMap((length) => {
          const out = new Int32Array(length);
          fillIntegers(out, low, high);
          return Array.from(out);
        }),
      );
    });
    assert.deepEqual(c, js);
  });

  test('tensors large enough for the thread pool: the same bits as the one-threaded JS loop', () => {
    for (const seed of [3, 2 ** 33 + 1]) {
      for (const fill of [fillUniform, fillNormal]) {
        const { js, c } = bothPaths(() => {
          manualSeed(seed);
          return [...filled(fill, 100_003), ...filled(fill, 65_536), ...filled(fillUniform, 2)];
        });
        assert.deepEqual(c, js, `${fill.name} after manualSeed(${seed})`);
      }
    }
  });

  test('interleaved rand, randn, randint and scalar draws, reseeded mid-stream, continue the same stream', () => {
    const script = () => {
      manualSeed(2024);
      const out = [...filled(fillNormal, 3), ...filled(fillUniform, 5), nextInt(0, 1000), nextUniform()];
      out.push(...filled(fillNormal, 17), ...filled(fillUniform, 1));
      manualSeed(99);
      out.push(...filled(fillUniform, 2), ...filled(fillNormal, 1), ...filled(fillNormal, 8), nextInt(-5, 5));
      for (let round = 0; round < 20; round++) out.push(...filled(round % 2 ? fillNormal : fillUniform, round * 37));
      return out;
    };
    const { js, c } = bothPaths(script);
    assert.deepEqual(c, js);
    // the draws continue one stream: the same script twice from the same seed repeats it exactly
    assert.deepEqual(bothPaths(script).js, js);
  });

  test('draws spanning many blocks and both pool threads are written straight into native storage', () => {
    // randn(3, 70001): 52 blocks of 4096 words, and past the 2^14 pairs where the thread pool takes over;
    // normal_ and uniform_ of a (256, 257) parameter likewise. The native backend's values are the
    // one-threaded JS loop's, bit for bit, and none goes through upload (a host copy): the C fills write
    // the tensors' own memory.
    const draw = (weight: engine.Tensor) => {
      engine.manualSeed(2 ** 40 + 3);
      const drawn = [engine.randn(3, 70_001), engine.rand(5, 10_001), engine.normal(-1, 3, [100_001])];
      drawn.push(engine.randint(-5, 2 ** 30, [3, 70_001]));
      const filled = [weight.normal_(0.5, 0.02).clone(), weight.uniform_(-0.25, 0.75).clone()];
      return [...drawn, ...filled].map((t) => Array.from(t.dataSync()));
    };
    try {
      useStreamKernels(undefined);
      engine.setBackend('reference');
      const reference = draw(engine.zeros(256, 257));
      engine.setBackend('native');
      const weight = engine.zeros(256, 257);
      const { backend } = weight;
      const upload = backend.upload;
      let uploaded = 0;
      backend.upload = (values, dtype) => {
        uploaded += values.length;
        return upload(values, dtype);
      };
      try {
        const native = draw(weight);
        assert.equal(uploaded, 0, 'elements uploaded from the host');
        assert.deepEqual(native, reference);
      } finally {
        backend.upload = upload;
      }
    } finally {
      engine.setBackend('reference');
      useStreamKernels(undefined);
    }
  });

  test('engine ops give the same tensors on the reference and native backends', () => {
    const draw = (backend: 'reference' | 'native') => {
      engine.setBackend(backend);
      engine.manualSeed(31);
      const tensors = [
        engine.randn(3, 1029),
        engine.rand(17),
        engine.randint(-4, 9, [11]),
        engine.randn(1),
        engine.normal(2, 0.5, [9]),
        engine.randnLike(engine.zeros(5, 3)),
        engine.randLike(engine.zeros(4)),
      ];
      return tensors.map((t) => Array.from(t.dataSync()));
    };
    try {
      useStreamKernels(undefined);
      const reference = draw('reference');
      assert.deepEqual(draw('native'), reference);
      engine.setBackend('reference'); // the C fills stay in use once the native backend exists
      assert.deepEqual(draw('reference'), reference);
    } finally {
      engine.setBackend('reference');
      useStreamKernels(undefined);
    }
  });
});

describe('in-place fills continue the same stream as the tensor makers', () => {
  test("after a seed normal_ gives randn's values, uniform_ and bernoulli rand's, normal(m, s) normal_'s", () => {
    const afterSeed = (make: () => engine.Tensor) => {
      engine.manualSeed(123);
      return Array.from(make().dataSync());
    };
    assert.deepEqual(
      afterSeed(() => engine.zeros(7, 9).normal_()),
      afterSeed(() => engine.randn(7, 9)),
    );
    assert.deepEqual(
      afterSeed(() => engine.zeros(63).uniform_()),
      afterSeed(() => engine.rand(63)),
    );
    assert.deepEqual(
      afterSeed(() => engine.zeros(5, 5).normal_(3, 0.1)),
      afterSeed(() => engine.normal(3, 0.1, [5, 5])),
    );
    // bernoulli compares one uniform per element with its probability: rand's uniforms after the same seed
    const probabilities = engine.rand(1000);
    assert.deepEqual(
      afterSeed(() => engine.bernoulli(probabilities)),
      afterSeed(() => engine.rand(1000).lt(probabilities).float()),
    );
    assert.deepEqual(
      afterSeed(() => engine.bernoulli(engine.zeros(77), 0.3)),
      afterSeed(() => engine.rand(77).lt(0.3).float()),
    );
    // a strided target takes the values in its own element order, as a contiguous one does
    const strided = afterSeed(() => {
      const base = engine.zeros(4, 6);
      base.t().normal_();
      return base.t().contiguous();
    });
    assert.deepEqual(
      strided,
      afterSeed(() => engine.randn(6, 4)),
    );
  });
});

describe('the stream has the distributions it claims', () => {
  const count = 1_000_000;

  test('a million normals: mean 0, standard deviation 1, and the normal CDF at -2, -1, 0, 1, 2', () => {
    manualSeed(5);
    const values = new Float32Array(count);
    fillNormal(values);
    let [sum, squares] = [0, 0];
    for (const v of values) [sum, squares] = [sum + v, squares + v * v];
    const mean = sum / count;
    assert.ok(Math.abs(mean) < 0.005, `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(squares / count - mean * mean) - 1) < 0.005, 'standard deviation');
    const normalCdf = { '-2': 0.02275, '-1': 0.158655, '0': 0.5, '1': 0.841345, '2': 0.97725 };
    for (const [at, expected] of Object.entries(normalCdf)) {
      const below = values.reduce((n, v) => n + Number(v < Number(at)), 0) / count;
      assert.ok(Math.abs(below - expected) < 0.002, `P(z < ${at}) = ${below}, expected ${expected}`);
    }
  });

  test('a million uniforms lie in [0, 1) with mean 1/2 and variance 1/12', () => {
    manualSeed(6);
    const values = new Float32Array(count);
    fillUniform(values);
    let [sum, squares, lowest, highest] = [0, 0, 1, 0];
    for (const v of values)
      [sum, squares, lowest, highest] = [sum + v, squares + v * v, Math.min(lowest, v), Math.max(highest, v)];
    assert.ok(lowest >= 0 && highest < 1, `range [${lowest}, ${highest}]`);
    assert.ok(lowest < 1e-5 && highest > 1 - 1e-5);
    assert.ok(Math.abs(sum / count - 0.5) < 0.002);
    assert.ok(Math.abs(squares / count - (sum / count) ** 2 - 1 / 12) < 0.002);
  });

  test('randint stays within [low, high) and reaches both ends', () => {
    manualSeed(8);
    const values = engine.randint(-3, 4, [100_000]).dataSync();
    const seen = new Set(values);
    assert.deepEqual(
      [...seen].sort((a, b) => a - b),
      [-3, -2, -1, 0, 1, 2, 3],
    );
  });
});
