// In-place ops (fill_, zero_, maskedFill_, copy_, add_, sub_, mul_, div_, pow_, clamp_, clip_, the unary
// exp_ log_ sqrt_ tanh_ sigmoid_ relu_ neg_ abs_, uniform_, normal_) and nn.init against PyTorch: golden values and errors from generateInplaceFixtures.py,
// then the engine's own rules (writes through views on every backend, the version counter, range checks).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { engineBackends, forEachBackend } from '../../helpers/backends';
import { assertClose } from '../../helpers/closeTo';
import type { Tensor } from '../../../kernel/engine';
import {
  decodeValues,
  evaluate,
  fixtureTensor,
  loadFixtures,
  testCasesOnEveryBackend,
  type FixtureTensor,
} from '../../helpers/torchFixtures';

const fixtures = loadFixtures('inplace.json');
const tolerance = { atol: 1e-5, rtol: 1e-5 };

// The shared evaluate() stands `torch.nn` in by nn.functional only, so the nn.init cases run here on the engine.
const isNnInit = (fixture: { name: string }) => fixture.name.startsWith('nn_init');

/** A fixture's TypeScript expression with `torch` the whole engine (nn.init included) and its inputs in scope. */
function evaluateWithNn(expr: string, inputs: Record<string, FixtureTensor>): Tensor[] {
  const names = Object.keys(inputs);
  const run = new Function('torch', ...names, `return (${expr});`);
  const value = run(engine, ...names.map((name) => fixtureTensor(inputs[name])));
  return value instanceof engine.Tensor ? [value] : [...(value as Iterable<Tensor>)];
}

testCasesOnEveryBackend(
  `in-place ops: PyTorch ${fixtures.torch} values`,
  fixtures.cases.filter((fixture) => !isNnInit(fixture)),
  tolerance,
);

forEachBackend(`nn.init: PyTorch ${fixtures.torch} values`, (backend) => {
  for (const fixture of fixtures.cases.filter(isNnInit)) {
    test(fixture.name, () => {
      const results = evaluateWithNn(fixture.expr, fixture.inputs);
      assert.equal(results.length, fixture.results.length, 'number of results');
      results.forEach((actual, i) => {
        const expected = fixture.results[i];
        const label = `${fixture.name}[${i}]`;
        assert.equal(actual.backend.name, backend, `${label}: ran on ${backend}`);
        assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
        assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
        assertClose(actual.dataSync(), decodeValues(expected), tolerance, label);
      });
    });
  }
});

/** Throws a message containing `message`, prefixed by the op's name (in-place names end in `_`). */
function assertThrowsMessage(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (error: Error) => {
    if (typeof message === 'string') {
      assert.ok(error.message.includes(message), `"${error.message}" should contain "${message}"`);
    } else {
      assert.match(error.message, message);
    }
    assert.match(error.message, /^[a-zA-Z_]+: /, 'names the op');
    return true;
  });
}

// The checks run before anything is written, so one backend (the active one) covers them.
for (const fixture of fixtures.errors) {
  test(`in-place errors: ${fixture.name}`, () => {
    const run = isNnInit(fixture) ? evaluateWithNn : evaluate;
    assertThrowsMessage(() => run(fixture.expr, fixture.inputs), fixture.message);
  });
}

test('in-place ops return the tensor itself, so calls chain', () => {
  const x = engine.zeros(2, 3);
  assert.equal(x.fill_(1), x);
  assert.equal(x.add_(1).mul_(3).clamp_(0, 4), x);
  assert.deepEqual(x.toArray(), [
    [4, 4, 4],
    [4, 4, 4],
  ]);
});

test('version counts in-place writes, is shared by every view of a storage, and is read-only', () => {
  const x = engine.zeros(2, 3);
  const row = x.index(0);
  const flat = x.view(6);
  assert.equal(x.version, 0);
  row.fill_(1);
  flat.add_(1);
  x.T.maskedFill_(engine.tensor([true, false]), 5);
  assert.deepEqual([x.version, row.version, flat.version], [3, 3, 3]);
  const copy = x.clone();
  assert.equal(copy.version, 0);
  copy.zero_();
  assert.equal(x.version, 3, 'a clone has its own counter');
  x.add(1);
  x.exp();
  assert.equal(x.version, 3, 'out-of-place ops leave it alone');
  assert.throws(() => {
    (x as { version: number }).version = 0;
  }, TypeError);
  engine.zeros(0, 3).fill_(1);
  const failed = engine.zeros(3, { dtype: 'int64' });
  assert.throws(() => failed.add_(1.5));
  assert.equal(failed.version, 0, 'a refused write does not count');
});

test('writes into an integer tensor never wrap: out-of-range and NaN values are errors', () => {
  const ints = engine.zeros(3, { dtype: 'int64' });
  assertThrowsMessage(() => ints.fill_(2 ** 40), 'fill_: value cannot be converted to type int64 without overflow');
  assertThrowsMessage(() => ints.fill_(NaN), 'value cannot be converted to type int64 without overflow: nan');
  assertThrowsMessage(() => ints.copy_(engine.tensor([1, 2, 1e10])), 'copy_: value cannot be converted');
  assertThrowsMessage(
    () => ints.maskedFill_(engine.tensor([true, false, true]), -1e12),
    'maskedFill_: value cannot be converted',
  );
  assertThrowsMessage(
    () => engine.zeros(2, { dtype: 'int32' }).fill_(2 ** 31),
    'value cannot be converted to type int32 without overflow',
  );
  assert.deepEqual(ints.toArray(), [0, 0, 0], 'nothing was written');
  assert.deepEqual(ints.copy_(engine.tensor([1.9, -1.9, 2 ** 24])).toArray(), [1, -1, 2 ** 24]);
  assertThrowsMessage(() => ints.copy_(engine.tensor([2 ** 31 - 1]).float()), 'copy_: value cannot be converted');
});

test('maskedFill_ takes a bool mask only, and the mask never broadcasts the tensor', () => {
  const x = engine.zeros(2, 3);
  assertThrowsMessage(
    () => x.maskedFill_(engine.tensor([1, 0, 1]), 1),
    'maskedFill_: masked_fill_ only supports boolean masks, but got mask with dtype Long',
  );
  assertThrowsMessage(() => x.maskedFill_(1 as never, 1), "argument 'mask' (position 1) must be Tensor, not int");
  assertThrowsMessage(
    () =>
      x
        .index('0:1')
        .expand(2, 3)
        .maskedFill_(engine.tensor([true, false, true]), 1),
    'more than one element of the written-to tensor refers to a single memory location',
  );
});

test('uniform_ and normal_ take positional or options arguments, checked', () => {
  engine.manualSeed(3);
  const x = engine.zeros(4000);
  x.uniform_(-2, 3);
  assert.ok((x.amin().item() as number) >= -2 && (x.amax().item() as number) < 3);
  assert.ok(Math.abs((x.mean().item() as number) - 0.5) < 0.1);
  x.uniform_({ from: 10, to: 11 });
  assert.ok((x.amin().item() as number) >= 10 && (x.amax().item() as number) < 11);
  x.uniform_(5, { to: 6 });
  assert.ok((x.amin().item() as number) >= 5);
  x.normal_({ mean: 1, std: 0.5 });
  assert.ok(Math.abs((x.mean().item() as number) - 1) < 0.05);
  assert.ok(Math.abs((x.std().item() as number) - 0.5) < 0.05);
  x.normal_(0, 0);
  assert.equal(x.abs().amax().item(), 0);
  assertThrowsMessage(() => x.uniform_({ low: 0 } as never), "uniform_: unknown option 'low'");
  assertThrowsMessage(() => x.normal_({ mean: '0' } as never), "argument 'mean' must be float, not str");
});

test('uniform_ and normal_ draw the same values on every backend', () => {
  const available = engineBackends().filter((b) => b.available);
  const draws = available.map((b) => {
    engine.setBackend(b.name);
    engine.manualSeed(11);
    const x = engine.zeros(2, 5);
    x.index(0).uniform_(-1, 1);
    x.index(1).normal_(0, 2);
    return Array.from(x.dataSync());
  });
  draws.forEach((d) => assertClose(d, draws[0], { atol: 1e-6, rtol: 1e-6 }, 'draws'));
});

test('copy_ takes a tensor from another backend, as torch copy_ between devices does', (t) => {
  const names = engineBackends()
    .filter((b) => b.available)
    .map((b) => b.name);
  const other = names.find((name) => name !== 'reference');
  if (!other) return t.skip('only the reference backend runs here');
  engine.setBackend('reference');
  const source = engine.tensor([[1.5, -2.5, 3]]);
  engine.setBackend(other);
  const x = engine.zeros(2, 3, { dtype: 'int64' });
  x.copy_(source);
  assert.equal(x.backend.name, other);
  assert.deepEqual(x.toArray(), [
    [1, -2, 3],
    [1, -2, 3],
  ]);
  assertThrowsMessage(() => x.add_(source), 'add_: Expected all tensors to be on the same backend');
});

forEachBackend('in-place writes reach every view and every later op', () => {
  test('a write through a view is seen by the base, other views and later kernels', () => {
    engine.manualSeed(5);
    const base = engine.randn(3, 4).exp(); // computed storage: a device texture on headless-gl
    const before = Array.from(base.dataSync());
    const column = base.index(':, 1');
    column.fill_(0);
    base.T.index(3).copy_(engine.tensor([1, 2, 3]));
    const expected = before.map((v, i) => (i % 4 === 1 ? 0 : i % 4 === 3 ? (i - 3) / 4 + 1 : v));
    assertClose(base.dataSync(), expected, { atol: 1e-6, rtol: 1e-6 }, 'base');
    assertClose(column.dataSync(), [0, 0, 0], { atol: 0, rtol: 0 }, 'another view');
    const rowSums = base.sum(1).dataSync();
    expected.forEach((_, r) => {
      if (r < 3) {
        const sum = expected.slice(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(rowSums[r] - sum) < 1e-4, `row ${r}`);
      }
    });
  });

  test('a matmul operand written in place gives the new product (nothing cached per storage)', () => {
    engine.manualSeed(6);
    const a = engine.randn(5, 8);
    const w = engine.randn(8, 6);
    const first = a.matmul(w);
    w.mul_(2);
    assertClose(a.matmul(w).dataSync(), first.mul(2).dataSync(), { atol: 1e-4, rtol: 1e-4 }, 'product');
    const t = w.T; // (6, 8), a transposed operand
    t.index(0).zero_();
    assertClose(a.matmul(w).index(':, 0').dataSync(), [0, 0, 0, 0, 0], { atol: 0, rtol: 0 }, 'zeroed column');
  });
});

test('nn.init fills in place with the spread PyTorch gives each initialiser', () => {
  engine.manualSeed(12);
  const { init } = engine.nn;
  const w = engine.zeros(200, 300); // fan_in 300, fan_out 200
  const spread = () => [Math.abs(w.amin().item() as number), w.amax().item() as number, w.std().item() as number];
  assert.equal(init.xavierUniform_(w), w);
  let [low, high] = spread();
  const xavierBound = Math.sqrt(6 / 500);
  assert.ok(low <= xavierBound && high <= xavierBound && high > 0.99 * xavierBound, 'xavier_uniform_ bound');
  init.xavierUniform_(w, { gain: 2 });
  assert.ok((w.amax().item() as number) > 1.9 * xavierBound, 'gain scales the bound');
  init.xavierNormal_(w, 0.5);
  assert.ok(Math.abs(spread()[2] - 0.5 * Math.sqrt(2 / 500)) < 2e-3, 'xavier_normal_ std');
  init.kaimingUniform_(w, { mode: 'fan_out', nonlinearity: 'relu' });
  [low, high] = spread();
  const kaimingBound = Math.sqrt(3) * (Math.SQRT2 / Math.sqrt(200));
  assert.ok(low <= kaimingBound && high <= kaimingBound && high > 0.99 * kaimingBound, 'kaiming_uniform_ bound');
  init.kaimingNormal_(w);
  assert.ok(Math.abs(spread()[2] - Math.SQRT2 / Math.sqrt(300)) < 2e-3, 'kaiming_normal_ std (fan_in, a = 0)');
  init.normal_(w, { std: 0.02 });
  assert.ok(Math.abs(spread()[2] - 0.02) < 1e-3, 'normal_ std');
  init.uniform_(w, -0.1, { b: 0.1 });
  assert.ok((w.abs().amax().item() as number) <= 0.1, 'uniform_ bound');
  const empty = engine.zeros(0, 4);
  assert.equal(init.kaimingUniform_(empty), empty, 'an empty tensor is left alone');
  assertThrowsMessage(() => init.xavierUniform_(w, { gain: 1, mode: 'fan_in' } as never), "unknown option 'mode'");
  assertThrowsMessage(() => init.constant_(w, '1' as never), "argument 'val' (position 2) must be float, not str");
});

test('a module parameter initialised in place is what forward uses (nothing derived is cached)', () => {
  const layer = new engine.nn.Linear(3, 2);
  const x = engine.tensor([[1, 2, 3]]);
  layer.forward(x); // a forward before the write, as a notebook cell may run one
  engine.nn.init.zeros_(layer.weight);
  engine.nn.init.constant_(layer.bias!, 0.5);
  assert.deepEqual(layer.forward(x).toArray(), [[0.5, 0.5]]);
  engine.noGrad(() => layer.weight.index(0).fill_(1)); // a parameter's view: written under noGrad, as in torch
  assert.deepEqual(layer.forward(x).toArray(), [[6.5, 0.5]]);
  const mha = new engine.nn.MultiheadAttention(4, 2);
  const tokens = engine.randn(3, 1, 4); // (L, N, E)
  mha.forward(tokens, tokens, tokens);
  engine.nn.init.zeros_(mha.outProj.bias!);
  engine.nn.init.zeros_(mha.outProj.weight);
  const [out] = mha.forward(tokens, tokens, tokens) as [engine.Tensor, unknown];
  assert.equal(out.abs().amax().item(), 0);
});
