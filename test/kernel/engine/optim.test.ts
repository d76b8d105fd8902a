// optim against PyTorch 1.13 (test/fixtures/optim.json, made by generateOptimFixtures.py): the parameters of a
// small model after each of 5 steps of SGD, Adam and AdamW configs (groups, schedulers, clipGradNorm_ included)
// on every backend, the schedulers' lr sequences, the error texts; plus stateDict, zeroGrad and step's closure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as engine from '../../../kernel/engine';
import type { Tensor } from '../../../kernel/engine';
import { forEachBackend } from '../../helpers/backends';
import { assertClose } from '../../helpers/closeTo';
import { assertThrowsTorchMessage, fixtureTensor, type FixtureTensor } from '../../helpers/torchFixtures';
import { decodeValues } from '../../helpers/fixtureValues.mjs';
import { repoRoot } from '../../helpers/repoRoot';

const { F, nn, noGrad, optim, tensor } = engine;

type Options = Record<string, unknown>;
interface SchedulerSpec {
  name: 'StepLR' | 'CosineAnnealingLR' | 'LambdaLR';
  args: (number | string)[];
  options?: Options;
}
interface TrainingCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW';
  options: Options;
  groups: ({ params: string[] } & Options)[] | null;
  scheduler: SchedulerSpec | null;
  clip: { maxNorm: number; options?: Options } | null;
  loss: 'mse' | 'crossEntropy';
  steps: { loss: number; totalNorm: number | null; lr: number[]; params: Record<string, FixtureTensor> }[];
}
interface Fixtures {
  initial: Record<string, FixtureTensor>;
  x: FixtureTensor;
  y: FixtureTensor;
  labels: FixtureTensor;
  lambdas: Record<string, string>;
  cases: TrainingCase[];
  schedules: { name: string; scheduler: SchedulerSpec; lrs: number[]; sequence: number[][] }[];
  errors: { name: string; expr: string; message: string }[];
}

/** A float32 tensor, and a float32 leaf that requires grad. */
const floats = (values: number[]) => tensor(values, { dtype: 'float32' });
const leaf = (values: number[]) => tensor(values, { dtype: 'float32', requiresGrad: true });

const fixtures: Fixtures = JSON.parse(readFileSync(join(repoRoot(), 'test/fixtures/optim.json'), 'utf8'));
const tolerance = { atol: 1e-6, rtol: 1e-5 };

/** JSON's 'inf' as a number; other option values as they are. */
const engineOptions = (options: Options = {}) =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v === 'inf' ? Infinity : v]));

function makeScheduler(optimizer: engine.optim.Optimizer, spec: SchedulerSpec) {
  const { StepLR, CosineAnnealingLR, LambdaLR } = optim.lrScheduler;
  const options = engineOptions(spec.options);
  if (spec.name === 'LambdaLR') {
    const lambda = new Function(`return ${fixtures.lambdas[spec.args[0]]};`)() as (epoch: number) => number;
    return new LambdaLR(optimizer, lambda, options);
  }
  const Scheduler = spec.name === 'StepLR' ? StepLR : CosineAnnealingLR;
  return new Scheduler(optimizer, spec.args[0] as number, options);
}

/** The fixture's model, Linear(4, 3) -> tanh -> Linear(3, 2), with torch's initial weights. */
function fixtureModel() {
  const model = new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh(), new nn.Linear(3, 2));
  const weights = Object.fromEntries(Object.entries(fixtures.initial).map(([k, t]) => [k, fixtureTensor(t)]));
  model.loadStateDict(weights);
  return model;
}

function makeOptimizer(c: TrainingCase, model: engine.nn.Sequential) {
  const named = Object.fromEntries(model.namedParameters());
  const params = c.groups
    ? c.groups.map(({ params: keys, ...options }) => ({ params: keys.map((k) => named[k]), ...options }))
    : model.parameters();
  return new optim[c.optimizer](params as Tensor[], engineOptions(c.options) as { lr: number });
}

forEachBackend('optimizers match torch 1.13 step by step', () => {
  for (const c of fixtures.cases) {
    test(c.name, () => {
      const model = fixtureModel();
      const optimizer = makeOptimizer(c, model);
      const scheduler = c.scheduler && makeScheduler(optimizer, c.scheduler);
      const [x, y, labels] = [fixtureTensor(fixtures.x), fixtureTensor(fixtures.y), fixtureTensor(fixtures.labels)];
      c.steps.forEach((expected, step) => {
        optimizer.zeroGrad();
        const output = model.forward(x) as Tensor;
        const loss = c.loss === 'mse' ? F.mseLoss(output, y) : F.crossEntropy(output, labels);
        loss.backward();
        assertClose([loss.item() as number], [expected.loss], tolerance, `step ${step} loss`);
        if (c.clip) {
          const totalNorm = nn.utils.clipGradNorm_(model.parameters(), c.clip.maxNorm, engineOptions(c.clip.options));
          assertClose([totalNorm.item() as number], [expected.totalNorm as number], tolerance, `step ${step} norm`);
        }
        optimizer.step();
        scheduler?.step();
        assertClose(
          optimizer.paramGroups.map((g) => g.lr),
          expected.lr,
          { atol: 0, rtol: 1e-12 },
          `step ${step} lr`,
        );
        for (const [key, parameter] of model.namedParameters()) {
          const want = expected.params[key];
          assert.deepEqual(parameter.shape, want.shape);
          assertClose(parameter.dataSync(), decodeValues(want), tolerance, `step ${step} ${key}`);
        }
      });
    });
  }
});

describe('learning-rate schedulers give torch 1.13 lr sequences', () => {
  for (const s of fixtures.schedules) {
    test(s.name, () => {
      const groups = s.lrs.map((lr) => ({ params: [leaf([0])], lr }));
      const optimizer = new optim.SGD(groups, { lr: s.lrs[0] });
      const scheduler = makeScheduler(optimizer, s.scheduler);
      const sequence = [scheduler.getLastLr()];
      for (let epoch = 1; epoch < s.sequence.length; epoch++) {
        optimizer.step();
        scheduler.step();
        sequence.push(scheduler.getLastLr());
      }
      sequence.forEach((lrs, epoch) => assertClose(lrs, s.sequence[epoch], { atol: 1e-15, rtol: 1e-12 }, `${epoch}`));
    });
  }
});

test('schedulers take their optional parameters positionally too, as torch does', () => {
  const lrs = (make: (optimizer: engine.optim.Optimizer) => engine.optim.lrScheduler.LRScheduler) => {
    const scheduler = make(new optim.SGD([leaf([0])], { lr: 0.1 }));
    return [0, 1, 2, 3].map(() => (scheduler.step(), scheduler.getLastLr()[0]));
  };
  const { StepLR, CosineAnnealingLR } = optim.lrScheduler;
  assert.deepEqual(
    lrs((o) => new StepLR(o, 2, 0.5)),
    lrs((o) => new StepLR(o, 2, { gamma: 0.5 })),
  );
  assert.deepEqual(
    lrs((o) => new CosineAnnealingLR(o, 3, 0.01)),
    lrs((o) => new CosineAnnealingLR(o, 3, { etaMin: 0.01 })),
  );
});

describe("optimizers' errors are torch's", () => {
  const w = leaf([1, 2, 3]);
  const nonLeaf = w.mul(2);
  for (const e of fixtures.errors) {
    test(e.name, () => {
      const run = new Function('optim', 'w', 'nonLeaf', `return ${e.expr};`);
      assertThrowsTorchMessage(() => run(optim, w, nonLeaf), e.message, e.expr);
    });
  }
  test('options are checked: unknown and snake_case keys, types', () => {
    assert.throws(
      () => new optim.Adam([w], { weight_decay: 0.1 } as never),
      /Adam: unknown option 'weight_decay'; did you mean 'weightDecay'\?/,
    );
    assert.throws(() => new optim.AdamW([w], { betas: 0.9 } as never), /AdamW: argument 'betas' must be a pair/);
    assert.throws(() => new optim.SGD([w], { lr: '0.1' } as never), /SGD: argument 'lr' must be float, not str/);
    assert.throws(
      () => new optim.SGD([{ params: [w], weight_decay: 1 }] as never, { lr: 0.1 }),
      /SGD param group: unknown option 'weight_decay'; did you mean 'weightDecay'\?/,
    );
    assert.throws(
      () => new optim.lrScheduler.StepLR(new optim.SGD([w], { lr: 0.1 }), 2, { step_size: 2 } as never),
      /StepLR: unknown option 'step_size'/,
    );
  });
});

describe('optimizer API', () => {
  test('parameter groups: defaults filled in, lr writable, addParamGroup', () => {
    const [a, b, c] = [0, 1, 2].map(() => leaf([1, 2]));
    const optimizer = new optim.SGD([{ params: [a], lr: 0.5 }, { params: b }], { lr: 0.1, momentum: 0.9 });
    optimizer.addParamGroup({ params: [c], weightDecay: 0.01 });
    assert.deepEqual(
      optimizer.paramGroups.map(({ params, ...options }) => [params.length, options]),
      [
        [1, { lr: 0.5, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }],
        [1, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false }],
        [1, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0.01, nesterov: false, maximize: false }],
      ],
    );
    optimizer.paramGroups[1].lr = 1;
    b.grad = floats([1, 1]);
    optimizer.step();
    assert.deepEqual(b.tolist(), [0, 1]);
    assert.deepEqual(a.tolist(), [1, 2], 'a parameter without a grad is not updated');
  });

  test('zeroGrad zeroes in place by default (torch 1.13), sets null with setToNone', () => {
    const w = leaf([1, 2]);
    const optimizer = new optim.SGD([w], { lr: 0.1 });
    w.mul(w).sum().backward();
    const grad = w.grad as Tensor;
    optimizer.zeroGrad();
    assert.equal(w.grad, grad);
    assert.deepEqual(grad.tolist(), [0, 0]);
    optimizer.zeroGrad({ setToNone: true });
    assert.equal(w.grad, null);
  });

  test('step runs the closure with grad enabled and returns its loss', () => {
    const w = leaf([1, 2]);
    const optimizer = new optim.Adam([w], { lr: 0.1 });
    const loss = noGrad(() =>
      optimizer.step(() => {
        optimizer.zeroGrad();
        const value = w.mul(w).sum();
        value.backward();
        return value;
      }),
    );
    assert.equal((loss as Tensor).item(), 5);
    assertClose(w.dataSync(), [0.9, 1.9], tolerance, 'one Adam step moves each weight by lr');
  });

  test('stateDict in torch layout and loadStateDict round trip', () => {
    const train = (optimizer: engine.optim.Optimizer, w: Tensor, steps: number) => {
      for (let i = 0; i < steps; i++) {
        optimizer.zeroGrad();
        w.mul(w)
          .mul(tensor([1, 3]))
          .sum()
          .backward();
        optimizer.step();
      }
    };
    const w = leaf([1, -2]);
    const bias = leaf([0.5]);
    const optimizer = new optim.Adam([{ params: [w] }, { params: [bias], lr: 0.5 }], { lr: 0.1, amsgrad: true });
    train(optimizer, w, 3);
    const saved = optimizer.stateDict();
    assert.deepEqual(
      saved.paramGroups.map((g) => [g.params, g.lr]),
      [
        [[0], 0.1],
        [[1], 0.5],
      ],
    );
    assert.deepEqual(Object.keys(saved.state), ['0'], 'the bias has no grad: no state');
    assert.deepEqual(Object.keys(saved.state[0]), ['step', 'expAvg', 'expAvgSq', 'maxExpAvgSq']);
    assert.equal(saved.state[0].step, 3);

    const resumedW = leaf(w.tolist() as number[]);
    const resumed = new optim.Adam([{ params: [resumedW] }, { params: [leaf([0.5])] }]);
    resumed.loadStateDict(saved);
    assert.equal(resumed.paramGroups[1].lr, 0.5);
    assert.equal(resumed.paramGroups[0].amsgrad, true);
    train(optimizer, w, 2);
    train(resumed, resumedW, 2);
    assert.deepEqual(resumedW.tolist(), w.tolist(), 'the resumed optimizer continues as the original');
    assert.equal(resumed.stateDict().state[0].step, 5);
    assert.throws(
      () =>
        resumed.loadStateDict({
          state: {},
          paramGroups: [{ ...saved.paramGroups[0], params: [0, 1] }, saved.paramGroups[1]],
        }),
      /loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group/,
    );
  });

  test('clipGradNorm_ returns the total norm; clipGradValue_ clamps; non-finite norms', () => {
    const [a, b] = [leaf([3, 0]), leaf([4])];
    a.grad = floats([3, 0]);
    b.grad = floats([4]);
    const norm = nn.utils.clipGradNorm_([a, b, leaf([1])], 1);
    assert.equal(norm.item(), 5);
    assertClose(
      [...(a.grad as Tensor).dataSync(), ...(b.grad as Tensor).dataSync()],
      [0.6, 0, 0.8],
      tolerance,
      'clipped',
    );
    assert.equal(nn.utils.clipGradNorm_(leaf([1]), 1).item(), 0, 'no grads: norm 0');
    nn.utils.clipGradValue_(a, 0.5);
    assertClose((a.grad as Tensor).dataSync(), [0.5, 0], tolerance, 'clamped');
    b.grad = floats([2]);
    assert.equal(nn.utils.clipGradNorm_(b, 1, 1, false).item(), 2, 'normType and errorIfNonfinite positionally');
    b.grad = floats([Infinity]);
    assert.throws(
      () => nn.utils.clipGradNorm_(b, 1, { errorIfNonfinite: true }),
      /The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped/,
    );
    assert.throws(() => nn.utils.clipGradNorm_(b, 1, { norm_type: 1 } as never), /did you mean 'normType'\?/);
  });
});
