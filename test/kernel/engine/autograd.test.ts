// Autograd's graph semantics against PyTorch 1.13's behaviour: leaves and results, accumulation,
// retainGraph and the freed graph, grad mode, detach, autograd.grad, node names, and PyTorch's errors.
// The gradients of every op against torch's numbers are in gradients.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { forEachBackend } from '../../helpers/backends';
import { assertThrowsTorchMessage } from '../../helpers/torchFixtures';

engine.setBackend('reference');

const { autograd, enableGrad, F, isGradEnabled, noGrad, tensor } = engine;

/** A float leaf that requires grad. */
function leaf(values: engine.NestedArray): engine.Tensor {
  return tensor(values, { dtype: 'float32', requiresGrad: true });
}

const freedGraph = 'Trying to backward through the graph a second time';

describe('leaves and results', () => {
  test('requiresGrad, isLeaf and gradFn of leaves and results', () => {
    const x = leaf([1, 2]);
    const plain = tensor([1.5, 2]);
    assert.equal(x.requiresGrad, true);
    assert.equal(x.isLeaf, true);
    assert.equal(x.gradFn, null);
    assert.equal(plain.requiresGrad, false);
    const y = x.mul(2);
    assert.equal(y.requiresGrad, true);
    assert.equal(y.isLeaf, false);
    assert.equal(y.gradFn?.name(), 'MulBackward0');
    const z = plain.mul(2);
    assert.equal(z.requiresGrad, false);
    assert.equal(z.isLeaf, true);
  });

  test('PyTorch node names of common ops', () => {
    const x = leaf([
      [1, 2],
      [3, 4],
    ]);
    const names: [engine.Tensor, string][] = [
      [x.add(1), 'AddBackward0'],
      [x.sub(x), 'SubBackward0'],
      [x.div(2), 'DivBackward0'],
      [x.pow(2), 'PowBackward0'],
      [x.exp(), 'ExpBackward0'],
      [x.log1p(), 'Log1PBackward0'],
      [x.relu(), 'ReluBackward0'],
      [x.sum(), 'SumBackward0'],
      [x.sum(1), 'SumBackward1'],
      [x.mean(), 'MeanBackward0'],
      [x.mean(0), 'MeanBackward1'],
      [x.amax(1), 'AmaxBackward0'],
      [x.max(1).values, 'MaxBackward0'],
      [x.var(1), 'VarBackward0'],
      [x.std(), 'StdBackward0'],
      [x.softmax(1), 'SoftmaxBackward0'],
      [x.logSoftmax(1), 'LogSoftmaxBackward0'],
      [x.logsumexp(1), 'LogsumexpBackward0'],
      [x.view(4), 'ViewBackward0'],
      [x.t(), 'TransposeBackward0'],
      [x.permute(1, 0), 'PermuteBackward0'],
      [x.unsqueeze(0), 'UnsqueezeBackward0'],
      [x.expand(3, 2, 2), 'ExpandBackward0'],
      [x.select(0, 1), 'SelectBackward0'],
      [x.slice(1, 0, 1), 'SliceBackward0'],
      [engine.cat([x, x]), 'CatBackward0'],
      [x.clone(), 'CloneBackward0'],
      [engine.where(x.gt(2), x, 0), 'WhereBackward0'],
      [x.mm(x), 'MmBackward0'],
      [x.unsqueeze(0).bmm(x.unsqueeze(0)), 'BmmBackward0'],
      // composite ops under torch 1.13's name for their last node
      [x.max(), 'MaxBackward1'],
      [x.min(), 'MinBackward1'],
      [x.flip(0), 'FlipBackward0'],
      [x.roll(1), 'RollBackward0'],
      [x.roll(1, 0), 'RollBackward0'],
      [F.pad(x, [1, 1]), 'ConstantPadNdBackward0'],
      [x.tril(), 'TrilBackward0'],
      [x.triu(1), 'TriuBackward0'],
      [x.maskedFill(x.gt(2), 0), 'MaskedFillBackward0'],
      [engine.stack([x, x]), 'StackBackward0'],
      [x.repeat(2, 1), 'RepeatBackward0'],
      [x.repeatInterleave(2, 0), 'IndexSelectBackward0'],
      [x.split(1, 1)[0], 'SplitBackward0'],
      [x.split([1, 1], 1)[1], 'SplitWithSizesBackward0'],
      [x.chunk(2, 0)[0], 'SplitBackward0'],
      [F.layerNorm(x, [2]), 'NativeLayerNormBackward0'],
      [F.linear(x, x, x.select(0, 0)), 'AddmmBackward0'],
      [F.dropout(x, 0.5), 'MulBackward0'],
      [F.mseLoss(x, tensor([1.5, 2])), 'MseLossBackward0'],
      [F.crossEntropy(x, tensor([0, 1]).long()), 'NllLossBackward0'],
      [F.nllLoss(x, tensor([0, 1]).long()), 'NllLossBackward0'],
      [
        F.binaryCrossEntropyWithLogits(
          x,
          tensor([
            [0, 1],
            [1, 0],
          ]).float(),
        ),
        'BinaryCrossEntropyWithLogitsBackward0',
      ],
    ];
    for (const [result, name] of names) assert.equal(result.gradFn?.name(), name);
    // an op that hands back its input (a no-op roll keeps x, a leaf) renames nothing of the input's graph
    const y = x.mul(2);
    x.roll(0, 0);
    y.flip([]);
    assert.equal(y.gradFn?.name(), 'MulBackward0');
  });

  test('nextFunctions lead to the inputs: AccumulateGrad for a leaf, null for a constant', () => {
    const x = leaf([1, 2]);
    const y = x.exp().mul(tensor([3.5, 1]));
    const [[first], [second]] = y.gradFn!.nextFunctions;
    assert.equal(first?.name(), 'ExpBackward0');
    assert.equal(second, null);
    const [[accumulate]] = (first as engine.GradFn).nextFunctions;
    assert.ok(accumulate instanceof engine.AccumulateGrad);
    assert.equal(accumulate.variable, x);
  });

  test('comparisons, argmax and casts to integers do not require grad', () => {
    const x = leaf([1, 2]);
    assert.equal(x.gt(1).requiresGrad, false);
    assert.equal(x.argmax().requiresGrad, false);
    assert.equal(x.max(0).indices.requiresGrad, false);
    assert.equal(x.long().requiresGrad, false);
    assert.equal(x.floor().gradFn?.name(), 'FloorBackward0');
    assert.equal(x.sign().gradFn?.name(), 'SignBackward0');
    x.sign().add(x.round()).sum().backward();
    assert.deepEqual(x.grad?.toArray(), [0, 0]);
  });

  test('the repr shows requires_grad=True on leaves and grad_fn on results', () => {
    const x = leaf([1, 2]);
    assert.equal(String(x), 'tensor([1., 2.], requires_grad=True)');
    assert.equal(String(x.mul(2)), 'tensor([2., 4.], grad_fn=<MulBackward0>)');
    assert.equal(String(x.sum()), 'tensor(3., grad_fn=<SumBackward0>)');
    assert.equal(String(x.detach()), 'tensor([1., 2.])');
  });

  test('requiresGrad can be set on leaves only, and only on floating tensors', () => {
    const x = tensor([1.5, 2]);
    x.requiresGrad = true;
    assert.equal(x.requiresGrad, true);
    assert.equal(x.requiresGrad_(false), x);
    assert.equal(x.requiresGrad, false);
    const y = leaf([1, 2]).mul(2);
    assert.equal(y.requiresGrad_(), y);
    assertThrowsTorchMessage(
      () => (y.requiresGrad = false),
      'you can only change requires_grad flags of leaf variables.',
    );
    assertThrowsTorchMessage(
      () => tensor([1, 2]).requiresGrad_(),
      'only Tensors of floating point dtype can require gradients',
    );
    assertThrowsTorchMessage(
      () => engine.zeros(3, { dtype: 'int64', requiresGrad: true }),
      'Only Tensors of floating point and complex dtype can require gradients',
    );
  });

  test('every creation function takes requiresGrad', () => {
    const made = [
      engine.zeros(2, { requiresGrad: true }),
      engine.ones([2], { requiresGrad: true }),
      engine.full([2], 1.5, { requiresGrad: true }),
      engine.randn(2, { requiresGrad: true }),
      engine.rand(2, { requiresGrad: true }),
      engine.arange(0, 1, 0.5, { requiresGrad: true }),
      engine.linspace(0, 1, 3, { requiresGrad: true }),
      engine.eye(2, { requiresGrad: true }),
      engine.zerosLike(engine.ones(2), { requiresGrad: true }),
      engine.onesLike(engine.ones(2), { requiresGrad: true }),
    ];
    for (const t of made) assert.equal(t.requiresGrad && t.isLeaf, true);
  });
});

describe('backward', () => {
  test('gradients accumulate into .grad across calls until set to null', () => {
    const x = leaf([1, 2]);
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad?.toArray(), [2, 4]);
    x.mul(3).sum().backward();
    assert.deepEqual(x.grad?.toArray(), [5, 7]);
    x.grad = null as engine.Tensor | null;
    x.sum().backward();
    assert.deepEqual(x.grad?.toArray(), [1, 1]);
  });

  test('a tensor used twice gets both gradients; a broadcast operand gets the sum', () => {
    const x = leaf([1, 2]);
    const b = leaf([3]);
    x.mul(x).add(x.mul(b)).sum().backward();
    assert.deepEqual(x.grad?.toArray(), [2 * 1 + 3, 2 * 2 + 3]);
    assert.deepEqual(b.grad?.toArray(), [3]);
  });

  test('a non-scalar output takes its gradient; PyTorch errors without one or with a wrong shape', () => {
    const x = leaf([1, 2]);
    x.mul(3).backward(tensor([1, 0.5]));
    assert.deepEqual(x.grad?.toArray(), [3, 1.5]);
    assertThrowsTorchMessage(() => x.mul(3).backward(), 'grad can be implicitly created only for scalar outputs');
    assertThrowsTorchMessage(
      () => x.mul(3).backward(engine.ones(3)),
      'Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and output[0] has a shape of torch.Size([2]).',
    );
    assertThrowsTorchMessage(
      () => tensor([1.5, 2]).sum().backward(),
      'element 0 of tensors does not require grad and does not have a grad_fn',
    );
  });

  test("gelu's gradient is torch's Φ(x) + x·φ(x) with or without exact zeros among the inputs", () => {
    // torch 1.13: gelu(x).sum().backward() at [0, 1, -2, 1e-30] gives [0.5, 1.0833154, -0.0852319, 0.5]
    const expected = [0.5, 1.083315372467041, -0.08523187041282654, 0.5];
    const withZero = leaf([0, 1, -2, 1e-30]);
    engine.F.gelu(withZero).sum().backward();
    const withoutZero = leaf([1, -2]);
    engine.F.gelu(withoutZero).sum().backward();
    const grads = [...(withZero.grad?.toArray() as number[]), ...(withoutZero.grad?.toArray() as number[])];
    [...expected, expected[1], expected[2]].forEach((value, i) => assert.ok(Math.abs(grads[i] - value) < 1e-6, `${i}`));
  });

  test('a second backward through a freed graph fails; retainGraph keeps it', () => {
    const x = leaf([1, 2]);
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assert.deepEqual(x.grad?.toArray(), [6, 12]);
    assertThrowsTorchMessage(() => y.backward(), freedGraph);
    // Nodes without saved values stay usable, as in torch.
    const z = x.add(1).sum();
    z.backward();
    z.backward();
  });

  test('retainGrad keeps a result gradient; other results have none', () => {
    const x = leaf([1, 2]);
    const y = x.mul(2);
    const z = y.mul(y);
    y.retainGrad();
    assert.equal(y.retainsGrad, true);
    z.sum().backward();
    assert.deepEqual(y.grad?.toArray(), [4, 8]);
    assert.equal(z.grad, null);
    assert.deepEqual(x.grad?.toArray(), [8, 16]);
  });

  test('assigning a gradient of another shape fails', () => {
    assertThrowsTorchMessage(() => (leaf([1, 2]).grad = engine.ones(3)), 'assigned grad has data of a different size');
  });
});

describe('grad mode', () => {
  test('noGrad returns the value, records nothing, nests, and restores the mode when it throws', () => {
    const x = leaf([1, 2]);
    assert.equal(isGradEnabled(), true);
    const y = noGrad(() => x.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.deepEqual(y.toArray(), [2, 4]);
    noGrad(() => {
      noGrad(() => assert.equal(isGradEnabled(), false));
      assert.equal(isGradEnabled(), false);
      assert.equal(enableGrad(() => x.mul(2)).requiresGrad, true);
      assert.equal(isGradEnabled(), false);
    });
    assert.throws(() =>
      noGrad(() => {
        throw new Error('inside');
      }),
    );
    assert.equal(isGradEnabled(), true);
    assert.throws(() =>
      noGrad(() =>
        enableGrad(() => {
          throw new Error('inside');
        }),
      ),
    );
    assert.equal(isGradEnabled(), true);
  });

  test('detach shares the values and leaves the graph', () => {
    const x = leaf([1, 2]);
    const d = x.mul(2).detach();
    assert.equal(d.requiresGrad, false);
    assert.equal(d.isLeaf, true);
    assert.deepEqual(d.toArray(), [2, 4]);
    x.detach().mul(2).add(x).sum().backward();
    assert.deepEqual(x.grad?.toArray(), [1, 1]);
  });
});

describe('autograd.grad', () => {
  test('returns the gradients without touching .grad, for leaves and results', () => {
    const x = leaf([1, 2]);
    const y = x.mul(x);
    const [dx, dy] = autograd.grad(y.mul(3).sum(), [x, y], { retainGraph: true });
    assert.deepEqual(dx?.toArray(), [6, 12]);
    assert.deepEqual(dy?.toArray(), [3, 3]);
    assert.equal(x.grad, null);
    const [again] = autograd.grad(y, x, { gradOutputs: tensor([1, 0.5]) });
    assert.deepEqual(again?.toArray(), [2, 2]);
  });

  test('unused inputs: PyTorch error, or null with allowUnused', () => {
    const x = leaf([1, 2]);
    const unused = leaf([3.5]);
    assertThrowsTorchMessage(
      () => autograd.grad(x.sum(), [x, unused]),
      'One of the differentiated Tensors appears to not have been used in the graph.',
    );
    assert.equal(autograd.grad(x.sum(), [x, unused], { allowUnused: true })[1], null);
    assertThrowsTorchMessage(
      () => autograd.grad(x.sum(), [tensor([1.5])]),
      'One of the differentiated Tensors does not require grad',
    );
  });

  test('autograd.backward takes several outputs and their gradients', () => {
    const x = leaf([1, 2]);
    autograd.backward([x.mul(2), x.sum()], [tensor([1, 1.5]), undefined]);
    assert.deepEqual(x.grad?.toArray(), [3, 4]);
  });
});

describe('views and copies', () => {
  test('slices with steps, selects and einsum diagonals scatter the gradient back', () => {
    const x = leaf([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ]);
    x.slice(1, 1, 5, 2).sum().backward();
    assert.deepEqual(x.grad?.toArray(), [
      [0, 1, 0, 1, 0],
      [0, 1, 0, 1, 0],
    ]);
    x.grad = null as engine.Tensor | null;
    x.select(1, -1)
      .mul(tensor([1, 2.5]))
      .sum()
      .backward();
    assert.deepEqual(x.grad?.toArray(), [
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 2.5],
    ]);
    const row = leaf([1, 2, 3]);
    row.slice(0, 1, 1).sum().backward();
    assert.deepEqual(row.grad?.toArray(), [0, 0, 0]);
    const square = leaf([
      [1, 2],
      [3, 4],
    ]);
    engine.einsum('ii->', square).backward();
    assert.deepEqual(square.grad?.toArray(), [
      [1, 0],
      [0, 1],
    ]);
  });

  test('slices of one result meet at its node: tiled, with gaps, overlapping and repeated, as torch sums them', () => {
    const x = leaf([
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
    ]);
    const weights = tensor([1, 10, 100, 1000, 10000]); // a piece of width w is weighted by the first w
    const same = (row: number[]) => [row, row];
    const cases: [(y: engine.Tensor) => engine.Tensor[], number[][]][] = [
      [(y) => y.chunk(3, 1), same([1, 10, 1, 10, 1])], // three slices tile the dim: one cat
      [(y) => [y.narrow(1, 1, 1), y.narrow(1, 3, 2)], same([0, 1, 0, 1, 10])], // gaps filled with zeros
      [(y) => [y.narrow(1, 0, 3), y.narrow(1, 2, 2)], same([1, 10, 101, 10, 0])], // overlapping slices add
      [(y) => [y.narrow(1, 1, 2), y.narrow(1, 1, 2), y], same([1, 12, 120, 1000, 10000])], // a slice twice, y whole
      [
        (y) => [y.select(1, 4), y.narrow(0, 1, 1)], // slices along two dims
        [
          [0, 0, 0, 0, 1],
          [1, 10, 100, 1000, 10010],
        ],
      ],
    ];
    for (const [pieces, dy] of cases) {
      x.grad = null as engine.Tensor | null;
      const y = x.mul(2); // (2, 5), a result: its slices' gradients meet at MulBackward0
      pieces(y)
        .map((piece) => piece.mul(weights.narrow(0, 0, piece.shape[piece.ndim - 1])).sum())
        .reduce((a, b) => a.add(b))
        .backward();
      assert.deepEqual(
        x.grad?.toArray(),
        dy.map((row) => row.map((v) => 2 * v)),
      );
    }
  });

  test("linear of a contiguous 3-D input is torch's view of one addmm; other inputs add the bias", () => {
    const x = leaf([
      [
        [1, 2],
        [3, 4],
      ],
    ]); // (1, 2, 2)
    const weight = leaf([
      [1, 0],
      [2, 1],
      [0, 3],
    ]); // (3, 2)
    const bias = leaf([0.5, -1, 2]);
    const y = F.linear(x, weight, bias); // (1, 2, 3)
    assert.equal(y.gradFn?.name(), 'ViewBackward0');
    assert.equal((y.gradFn!.nextFunctions[0][0] as engine.GradFn).name(), 'AddmmBackward0');
    assert.deepEqual(y.toArray(), [
      [
        [1.5, 3, 8],
        [3.5, 9, 14],
      ],
    ]);
    y.mul(tensor([1, 2, 3]))
      .sum()
      .backward();
    assert.deepEqual(bias.grad?.toArray(), [2, 4, 6]);
    assert.deepEqual(weight.grad?.toArray(), [
      [4, 6],
      [8, 12],
      [12, 18],
    ]);
    assert.deepEqual(x.grad?.toArray(), [
      [
        [5, 11],
        [5, 11],
      ],
    ]);
    assert.equal(F.linear(x.expand(2, 2, 2), weight, bias).gradFn?.name(), 'AddBackward0'); // not contiguous
  });

  const other = engine.getBackend().candidates.find((b) => b.available && b.name !== 'reference');
  test('a copy onto another backend sends the gradient back', { skip: other ? false : 'one backend only' }, () => {
    const x = leaf([1, 2]);
    const moved = x.to(other!.name);
    assert.equal(moved.gradFn?.name(), 'ToCopyBackward0');
    moved.mul(2).sum().backward();
    assert.equal(x.grad?.backend.name, 'reference');
    assert.deepEqual(x.grad?.toArray(), [2, 2]);
  });
});

describe('modules', () => {
  /** Makes every parameter a leaf that requires grad, runs `loss` backward, and checks every parameter and input got a gradient. */
  function assertEveryParameterLearns(module: engine.nn.Module, loss: () => engine.Tensor, inputs: engine.Tensor[]) {
    noGrad(loss); // materialises lazy parameters (d2l's LazyLinear)
    for (const parameter of module.parameters()) parameter.requiresGrad_();
    loss().backward();
    for (const [name, t] of [...module.namedParameters(), ...inputs.map((x, i) => [`input ${i}`, x] as const)]) {
      assert.ok(t.grad, `${name} has a gradient`);
      assert.deepEqual(t.grad.shape, t.shape, `${name}: shape`);
      const values = [...t.grad.dataSync()];
      assert.ok(values.every(Number.isFinite) && values.some((v) => v !== 0), `${name}: finite, not all 0`);
    }
  }

  test('d2l, labml and concat attention backpropagate to every parameter and input', () => {
    engine.manualSeed(15);
    const x = engine.randn(2, 4, 6, { requiresGrad: true });
    const d2l = new engine.d2l.MultiHeadAttention(6, 3, 0);
    assertEveryParameterLearns(
      d2l,
      () =>
        d2l
          .forward(x, x, x, tensor([3, 4]))
          .pow(2)
          .sum(),
      [x],
    );
    const seq = engine.randn(4, 2, 6, { requiresGrad: true });
    const labml = new engine.labml.MultiHeadAttention(3, 6, 0);
    const mask = engine.ones(4, 4, 1).tril().bool();
    assertEveryParameterLearns(labml, () => labml.forward({ query: seq, key: seq, value: seq, mask }).pow(2).sum(), [
      seq,
    ]);
    const [q, k, v] = [engine.randn(1, 1, 3), engine.randn(1, 1, 4), engine.randn(1, 5, 2)].map((t) =>
      t.requiresGrad_(),
    );
    const concat = new engine.ConcatAttention(3, 4, 5, 2, 3);
    assertEveryParameterLearns(concat, () => concat.forward(q, k, v)[0].pow(2).sum(), [q, k, v]);
  });

  test('dropout masks the gradient with the forward pass mask', () => {
    engine.manualSeed(3);
    const x = engine.ones(100, { requiresGrad: true });
    const y = engine.F.dropout(x, 0.5);
    y.sum().backward();
    assert.deepEqual(x.grad?.toArray(), y.detach().toArray());
  });
});

forEachBackend('empty products', () => {
  test('a product over K = 0 is zeros plus the bias; linear over zero rows gives the bias zero gradient', () => {
    const bias = leaf([0.5, -1, 2]);
    assert.deepEqual(engine.matmul(engine.zeros(2, 0), engine.zeros(0, 3)).toArray(), [
      [0, 0, 0],
      [0, 0, 0],
    ]);
    assert.deepEqual(F.linear(engine.zeros(2, 0), engine.zeros(3, 0), bias).toArray(), [
      [0.5, -1, 2],
      [0.5, -1, 2],
    ]);
    const weight = engine.ones(3, 4).requiresGrad_();
    const y = F.linear(engine.zeros(0, 5, 4).requiresGrad_(), weight, bias); // (0, 5, 3)
    assert.deepEqual([...y.shape], [0, 5, 3]);
    y.sum().backward();
    assert.deepEqual(bias.grad?.toArray(), [0, 0, 0]);
    assert.deepEqual(
      weight.grad?.toArray(),
      Array.from({ length: 3 }, () => [0, 0, 0, 0]),
    );
  });
});
