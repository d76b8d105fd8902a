// The optional fused primitives of training (backend.ts: reluBackward, softmaxBackward, layerNorm, layerNormBackward,
// adamStep) on every backend that has them, against their plain oracle in reference.ts: contiguous and strided
// views, rows not a multiple of the vector width, inputs large enough for the thread pool, weight and bias
// absent. And the C comparisons against the reference loops, NaN and infinities included.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as engine from '../../../kernel/engine';
import type { Tensor } from '../../../kernel/engine';
import type { AdamStepScalars, Backend, LayerNormGradients, Storage, View } from '../../../kernel/engine/backend';
import { referenceFusedKernels, valuesOf } from '../../../kernel/engine/backends/reference';
import { engineBackends } from '../../helpers/backends';
import { assertClose } from '../../helpers/closeTo';

const tolerance = { atol: 2e-6, rtol: 2e-5 };
// Adam moves each parameter by about lr (1e-2) a step, by m/√v where m = β1·m + (1-β1)·g can cancel to a few
// ulps of g: 1e-6 is 1e-4 of a step. The moments themselves are checked to 1e-6 relative.
const adamTolerance = { atol: 1e-6, rtol: 1e-6 };
const values = (storage: Storage | null) => Array.from(valuesOf(storage!));

/** (rows, n) inputs: a small odd one, a transposed (strided) one, and one past the threaded kernels' threshold. */
function rowsCases(): [string, Tensor][] {
  engine.manualSeed(3);
  return [
    ['(3, 5)', engine.randn(3, 5).mul(3)],
    ['(2, 7, 9) transposed', engine.randn(2, 9, 7).transpose(1, 2)],
    ['(300, 301)', engine.randn(300, 301)],
  ];
}

const fusedBackends = engineBackends().filter((b) => b.available);
for (const { name } of fusedBackends) {
  engine.setBackend(name);
  const backend: Backend = engine.zeros(1).backend;
  const has = backend.softmaxBackward && backend.layerNorm && backend.layerNormBackward;
  describe(`fused training kernels [${name}]`, () => {
    const skip = has ? false : `${name} composes softmax's and layerNorm's backward from primitives`;
    const fused = () => {
      engine.setBackend(name);
      return engine.zeros(1).backend as Required<Backend>;
    };

    test('softmaxBackward is y·(g - Σ g·y) per row', { skip }, () => {
      for (const [label, x] of rowsCases()) {
        const y = x.softmax(-1);
        const g = engine.randnLike(x);
        const expected = referenceFusedKernels.softmaxBackward(g.toView(), y.toView());
        assertClose(values(fused().softmaxBackward(g.toView(), y.toView())), values(expected), tolerance, label);
      }
    });

    const skipRelu = backend.reluBackward ? false : `${name} composes relu's backward from gt and where`;
    test(
      'reluBackward passes g where y > 0 and gives 0 elsewhere (zeros, negatives and NaN)',
      { skip: skipRelu },
      () => {
        const special = engine.tensor([0, -0, -1, 2, NaN, Infinity, -Infinity, 1e-30, -1e-30], { dtype: 'float32' });
        const cases: [string, Tensor][] = [
          ...rowsCases(),
          ['specials', special],
          ['(600, 500)', engine.randn(600, 500)],
        ];
        for (const [label, x] of cases) {
          const y = x.relu();
          const g = engine.randnLike(x);
          const expected = engine.where(y.gt(0), g, 0).toView().storage;
          assert.deepEqual(values(fused().reluBackward(g.toView(), y.toView())), values(expected), label);
        }
      },
    );

    test('layerNorm and its backward, with and without weight and bias', { skip }, () => {
      for (const [label, x] of rowsCases()) {
        const n = x.shape[x.ndim - 1];
        const [weight, bias, g] = [engine.randn(n), engine.randn(n), engine.randnLike(x)];
        for (const affine of [true, false]) {
          const [w, b]: [View | null, View | null] = affine ? [weight.toView(), bias.toView()] : [null, null];
          const actual = fused().layerNorm(x.toView(), w, b, 1e-5);
          const expected = referenceFusedKernels.layerNorm(x.toView(), w, b, 1e-5);
          for (const part of ['out', 'mean', 'rstd'] as const)
            assertClose(values(actual[part]), values(expected[part]), tolerance, `${label} ${part}`);
          const rowShape = x.shape.slice(0, -1); // (rows...)
          const rows = (storage: Storage): View => ({
            storage,
            shape: rowShape,
            strides: rowShape.map((_, d) => rowShape.slice(d + 1).reduce((p, s) => p * s, 1)),
            offset: 0,
          });
          const wanted = { weight: affine, bias: affine };
          const backward = (kernels: Pick<Backend, 'layerNormBackward'>): LayerNormGradients =>
            kernels.layerNormBackward!(g.toView(), x.toView(), rows(expected.mean), rows(expected.rstd), w, wanted);
          const [mine, oracle] = [backward(fused()), backward(referenceFusedKernels)];
          assertClose(values(mine.input), values(oracle.input), tolerance, `${label} input gradient`);
          if (!affine) assert.deepEqual([mine.weight, mine.bias], [null, null], 'no weight or bias gradient asked for');
          else {
            assertClose(values(mine.weight), values(oracle.weight), { atol: 1e-4, rtol: 1e-4 }, `${label} dweight`);
            assertClose(values(mine.bias), values(oracle.bias), { atol: 1e-4, rtol: 1e-4 }, `${label} dbias`);
          }
        }
      }
    });

    test('F.layerNorm through the fused kernels has the composed gradients and torch node name', { skip }, () => {
      engine.setBackend(name);
      engine.manualSeed(5);
      const x = engine.randn(4, 6, 10).requiresGrad_();
      const [weight, bias] = [engine.randn(10).requiresGrad_(), engine.randn(10).requiresGrad_()];
      const g = engine.randn(4, 6, 10);
      const out = engine.F.layerNorm(x, [10], weight, bias);
      assert.equal(out.gradFn?.name(), 'NativeLayerNormBackward0');
      out.backward(g);
      const fusedGrads = [x, weight, bias].map((t) => Array.from(t.grad!.dataSync()));
      engine.setBackend('reference');
      const on = (t: Tensor) => engine.tensor(t.detach().dataSync() as Float32Array, { shape: t.shape });
      const [rx, rw, rb] = [on(x), on(weight), on(bias)].map((t) => t.requiresGrad_());
      engine.F.layerNorm(rx, [10], rw, rb).backward(on(g));
      [rx, rw, rb].forEach((t, i) =>
        assertClose(fusedGrads[i], t.grad!.dataSync(), { atol: 1e-5, rtol: 1e-4 }, `gradient ${i}`),
      );
    });

    const skipAdam = backend.adamStep ? false : `${name} composes Adam's step from elementwise ops`;
    const adamScalars = (step: number, options: Partial<AdamStepScalars>): AdamStepScalars => ({
      ...{ beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, paramScale: 1, maximize: false },
      stepSize: 1e-2 / (1 - 0.9 ** step),
      biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** step),
      ...options,
    });
    const adamCases: [string, Partial<AdamStepScalars>, boolean][] = [
      ['Adam', {}, false],
      ['Adam, weight decay, maximize', { weightDecay: 0.1, maximize: true }, false],
      ['AdamW', { paramScale: 1 - 1e-2 * 0.05 }, false],
      ['Adam, AMSGrad', { eps: 1e-3 }, true],
    ];

    test('adamStep updates the parameter and its moments in place as the oracle does', { skip: skipAdam }, () => {
      for (const [label, options, amsgrad] of adamCases) {
        // Strided grads are gathered; strided state (a transposed view) is written through the view.
        for (const [shape, strided] of [
          [[5], ''],
          [[13, 7], 'grad'],
          [[13, 7], 'state'],
          [[300, 301], ''],
        ] as const) {
          engine.manualSeed(9);
          const start = [0, 1, 2, 3].map(() => engine.randn(...shape)); // param, expAvg, expAvgSq, maxExpAvgSq
          [2, 3].forEach((i) => (start[i] = start[i].abs().mul(1e-3))); // as small as the grads' share of them
          const transposed = (t: Tensor) => t.T.contiguous().T; // the same values in a strided view
          const grads = [1, 2, 3]
            .map(() => engine.randn(...shape))
            .map((g) => (strided === 'grad' ? transposed(g) : g));
          const run = (kernels: Pick<Backend, 'adamStep'>) => {
            const [param, m, v, vMax] = start.map((t) => (strided === 'state' ? transposed(t) : t.clone()));
            grads.forEach((grad, i) => {
              const views = { param: param.toView(), grad: grad.toView(), expAvg: m.toView(), expAvgSq: v.toView() };
              kernels.adamStep!({ ...views, maxExpAvgSq: amsgrad ? vMax.toView() : null }, adamScalars(i + 1, options));
            });
            return [param, m, v, vMax].map((t) => Array.from(t.dataSync()));
          };
          const [mine, oracle] = [run(fused()), run(referenceFusedKernels)];
          ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'].forEach((part, i) =>
            assertClose(mine[i], oracle[i], adamTolerance, `${label} ${shape} ${strided} ${part}`),
          );
          assert.notDeepEqual(mine[0], Array.from(start[0].dataSync()), `${label}: the parameter moved`);
        }
      }
    });

    test(
      'optim.Adam and AdamW take adamStep: the state is updated in place, versions bumped',
      { skip: skipAdam },
      () => {
        for (const Optimizer of [engine.optim.Adam, engine.optim.AdamW]) {
          const trained = (backendName: typeof name | 'reference') => {
            engine.setBackend(backendName);
            engine.manualSeed(4);
            const param = new engine.nn.Parameter(engine.randn(6, 5));
            const optimizer = new Optimizer([param], { lr: 0.05, weightDecay: 0.1, amsgrad: true });
            const versions: number[] = [];
            for (let step = 0; step < 3; step++) {
              optimizer.zeroGrad();
              param.mul(param).sum().backward();
              optimizer.step();
              versions.push(param.version);
            }
            const state = optimizer.state.get(param)!;
            return { param, versions, state: ['expAvg', 'expAvgSq', 'maxExpAvgSq'].map((k) => state[k] as Tensor) };
          };
          const [mine, composed] = [trained(name), trained('reference')];
          assert.deepEqual(mine.versions, composed.versions, `${Optimizer.name}: as many version bumps as the ops'`);
          assert.ok(mine.versions[2] >= 3, `${Optimizer.name}: versions ${mine.versions}`);
          assertClose(mine.param.dataSync(), composed.param.dataSync(), { atol: 1e-6, rtol: 1e-5 }, Optimizer.name);
          mine.state.forEach((t, i) =>
            assertClose(t.dataSync(), composed.state[i].dataSync(), { atol: 1e-6, rtol: 1e-5 }, `state ${i}`),
          );
        }
      },
    );
  });
}

describe('comparisons on the native backend', () => {
  const native = engineBackends().find((b) => b.name === 'native')!;
  const skip = native.available ? false : `native unavailable: ${native.reason}`;
  const specials = [0, -0, 1, -1, 2.5, NaN, Infinity, -Infinity, 1e-40];

  test('eq, ne, lt, le, gt, ge agree with the reference loops, NaN and infinities included', { skip }, () => {
    const outcomes = (backend: 'native' | 'reference') => {
      engine.setBackend(backend);
      const a = engine.tensor(specials.flatMap((x) => specials.map(() => x))); // every pair (a, b)
      const b = engine.tensor(specials.flatMap(() => specials));
      const strided = engine.tensor(specials).reshape(3, 3).T; // a transposed view against a scalar
      return [a.eq(b), a.ne(b), a.lt(b), a.le(b), a.gt(b), a.ge(b), strided.gt(0), strided.le(engine.tensor(1))].map(
        (t) => [t.dtype, Array.from(t.dataSync())],
      );
    };
    assert.deepEqual(outcomes('native'), outcomes('reference'));
  });

  test('int32 operands beyond 2^24, which float32 rounds, still compare exactly', { skip }, () => {
    engine.setBackend('native');
    const big = engine.tensor([16777217, 16777216, -16777217], { dtype: 'int32' });
    assert.deepEqual(Array.from(big.eq(16777216).dataSync()), [0, 1, 0]);
    assert.deepEqual(Array.from(big.gt(engine.tensor(16777216, { dtype: 'int32' })).dataSync()), [1, 0, 0]);
  });
});
