// The seeded random stream: the native module's C fills give the JS loops' values bit for bit (every seed,
// length, reseed and interleaving of draws), so a notebook gives the same numbers on every backend whether or
// not the module is loaded; and the values have the distributions they claim.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { loadNativeKernels, type NativeKernels } from '../../../kernel/engine/backends/native';
import {
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
