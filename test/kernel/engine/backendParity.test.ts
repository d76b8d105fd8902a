// Every primitive on every backend (gpu.js modes and the native C kernels) against the reference
// backend, on awkward layouts: odd sizes, size 1, empty tensors, broadcast (stride 0), transposed and
// sliced views, offsets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';
import type { BackendName, Tensor } from '../../../kernel/engine';
import { engineBackends, forEachBackend } from '../../helpers/backends';
import { assertClose } from '../../helpers/closeTo';

const tolerance = { atol: 1e-5, rtol: 1e-5 };

/** Builds inputs from the seeded stream on a backend; the same seed gives the same values everywhere. */
function inputs(backend: BackendName) {
  engine.setBackend(backend);
  engine.manualSeed(7);
  return {
    odd: engine.randn(3, 5, 7), // (3, 5, 7)
    row: engine.randn(7), // (7)
    column: engine.randn(5, 1), // (5, 1)
    one: engine.randn(1, 1, 1),
    empty: engine.zeros(0, 4),
    emptyRight: engine.zeros(4, 3),
    square: engine.randn(33, 33),
    wide: engine.randn(17, 65),
    ints: engine.randint(-5, 5, [4, 6]),
    mask: engine.rand(5, 7).gt(0.5),
    // Large enough for blocked, packed and threaded matmul paths: K past one 256-deep block, edges
    // that fill no whole register tile, and products split by batch, by columns and by rows.
    deep: engine.randn(131, 300).mul(0.1),
    deepRight: engine.randn(300, 97).mul(0.1),
    batchLeft: engine.randn(3, 64, 128).mul(0.1),
    batchRight: engine.randn(3, 128, 200).mul(0.1),
    tall: engine.randn(700, 64).mul(0.1),
    narrow: engine.randn(64, 48).mul(0.1),
    // Vector loops run 8 lanes at a time: 27 values put the specials in both the lanes and the tail.
    specials: engine.tensor([
      0,
      1,
      -1,
      88.5,
      -88.5,
      100,
      -100,
      Infinity,
      -Infinity,
      NaN,
      1e-8,
      -1e-8,
      20,
      -20,
      0.5,
      -0.5,
      3,
      -3,
      7,
      -7,
      42,
      -42,
      80,
      -80,
      2,
      -2,
      NaN,
    ]),
  };
}

type Inputs = ReturnType<typeof inputs>;

const programs: Record<string, (x: Inputs) => Tensor | Tensor[]> = {
  transposedCopy: (x) => x.odd.transpose(0, 2).contiguous(),
  slicedWithOffset: (x) => x.odd.index(':', '1:4', '::3').contiguous(),
  broadcastBinary: (x) => [x.odd.add(x.row), x.odd.mul(x.column), x.odd.sub(x.one), x.odd.div(x.row.abs().add(1))],
  unaryOnView: (x) => [
    x.odd.transpose(1, 2).exp(),
    x.odd.tanh(),
    x.odd.gelu(),
    x.odd.sigmoid(),
    x.odd.relu(),
    x.odd.neg(),
  ],
  comparisons: (x) => [x.odd.gt(x.row), x.odd.le(0), x.mask.logicalNot(), x.mask.logicalAnd(x.odd.gt(0))],
  whereAndMaskedFill: (x) => [engine.where(x.mask, x.odd, x.row), x.odd.maskedFill(x.mask, -Infinity)],
  reductions: (x) => [
    x.odd.sum(1),
    x.odd.amax(0),
    x.odd.amin(2, true),
    x.odd.argmax(1),
    x.odd.argmin(),
    x.odd.mean([0, 2]),
    x.odd.var(1),
  ],
  softmaxOnTransposed: (x) => [
    x.odd.transpose(1, 2).softmax(-1),
    x.odd.softmax(0),
    x.odd.softmax(1),
    x.odd.logSoftmax(0),
    engine.logsumexp(x.odd, 2),
  ],
  softmaxLarge: (x) => [x.batchRight.softmax(-1), x.batchRight.softmax(1), x.deep.T.softmax(-1)],
  maskedSoftmaxRows: (x) => x.odd.maskedFill(x.mask, -Infinity).softmax(-1),
  matmulOdd: (x) => [x.square.matmul(x.square), x.wide.T.matmul(x.wide), x.odd.matmul(x.odd.transpose(1, 2))],
  matmulBroadcast: (x) => [
    x.odd.matmul(x.row),
    x.row.matmul(x.odd.transpose(1, 2)),
    engine.matmul(x.odd, x.wide.narrow(0, 0, 7)),
    x.odd.transpose(0, 1).matmul(x.wide.narrow(0, 0, 7)),
  ],
  einsum: (x) => engine.einsum('bij,bkj->bik', x.odd, x.odd),
  concat: (x) => [engine.cat([x.odd, x.odd.mul(2)], 1), engine.stack([x.row, x.row, x.row], 1), x.odd.repeat(1, 2, 1)],
  triangles: (x) => [x.square.tril(), x.square.triu(2), x.wide.tril(-3)],
  integers: (x) => [x.ints.add(x.ints), x.ints.mul(3), x.ints.sum(1), x.ints.div(2), x.ints.float().pow(2)],
  matmulBlocked: (x) => [
    x.deep.matmul(x.deepRight),
    x.batchLeft.matmul(x.batchRight),
    x.tall.matmul(x.narrow),
    x.deepRight.T.matmul(x.deep.T),
    x.deep.narrow(0, 0, 9).matmul(x.deep.T),
    x.batchLeft.narrow(1, 5, 50).matmul(x.batchRight.narrow(2, 3, 150)),
    engine.matmul(x.deep.narrow(0, 7, 100).T.unsqueeze(0), x.deep.narrow(0, 2, 100).expand(2, 100, 300)),
  ],
  vectorSpecials: (x) => [
    x.specials.exp(),
    x.specials.amax(),
    x.specials.amin(),
    x.specials.narrow(0, 0, 9).amax(),
    x.specials.narrow(0, 0, 9).sum(),
    x.deep.sum(1),
    x.deep.amax(1),
    x.deep.T.amin(1),
    x.specials.view(3, 9).amax(0),
    x.specials.view(3, 9).amin(0),
    x.specials.view(3, 9).sum(0),
    x.specials.softmax(0),
    x.specials.narrow(0, 0, 9).softmax(0),
    engine.full([2, 9], -Infinity).softmax(-1),
    x.specials.view(3, 9).softmax(1),
  ],
  empty: (x) => [x.empty.add(1), x.empty.sum(0), engine.cat([x.empty, x.empty]), x.empty.matmul(x.emptyRight)],
  // The assign primitive (in-place writes) into strided views of computed storage (a device texture on
  // headless-gl), from broadcast, transposed and same-storage sources; later kernels read the write.
  assignIntoViews: (x) => {
    const base = x.odd.exp(); // (3, 5, 7), computed storage
    const view = base.transpose(0, 2).index('1:6:2', ':', 1); // (3, 5) at an offset, strides (2, 7)
    view.copy_(x.row.narrow(0, 0, 5)); // broadcast along the rows
    base.index(2).add_(x.column); // (5, 7) += (5, 1)
    base.select(1, 0).copy_(base.select(1, 4).mul(2)); // a source on the same storage
    const ints = x.ints.clone();
    ints.T.index('::2').fill_(-7); // every other column of (4, 6)
    const mask = x.mask.clone();
    mask.index(':, 0').copy_(x.mask.index(':, 6').logicalNot());
    x.empty.clone().fill_(3);
    return [base, base.sum(-1), ints, ints.mul(2), mask, base.softmax(-1)];
  },
};

const referenceResults = (() => {
  const reference = inputs('reference');
  const results = Object.fromEntries(
    Object.entries(programs).map(([name, program]) => [name, [program(reference)].flat()]),
  );
  return results;
})();

forEachBackend(
  'agrees with the reference backend',
  (backend) => {
    const x = inputs(backend);
    for (const [name, program] of Object.entries(programs)) {
      test(name, () => {
        const actual = [program(x)].flat();
        const expected = referenceResults[name];
        actual.forEach((t, i) => {
          assert.equal(t.backend.name, backend, 'ran on the backend under test');
          assert.deepEqual(t.shape, expected[i].shape);
          assert.equal(t.dtype, expected[i].dtype);
          assertClose(t.dataSync(), expected[i].dataSync(), tolerance, `${name}[${i}]`);
        });
      });
    }
  },
  { except: 'reference' },
);

test('the same seed gives the same values on every backend', () => {
  const available = engineBackends().filter((b) => b.available);
  const draws = available.map((b) => {
    engine.setBackend(b.name);
    engine.manualSeed(42);
    return [engine.rand(3, 4), engine.randn(5), engine.randint(0, 10, [6])].map((t) => Array.from(t.dataSync()));
  });
  draws.forEach((d) => assert.deepEqual(d, draws[0]));
  engine.manualSeed(42);
  const again = engine.rand(3, 4).dataSync();
  engine.manualSeed(43);
  assert.notDeepEqual(Array.from(engine.rand(3, 4).dataSync()), Array.from(again));
});
