// In-place ops and autograd, as PyTorch's version counter rules them: no in-place write into a leaf that
// requires grad while grad mode is on, a backward that would read a saved value an in-place op changed
// throws torch's error, writes that would need a backward of their own are refused (never a wrong
// gradient), and under noGrad parameters update in place as an optimizer does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';

engine.setBackend('reference');

const { noGrad, tensor } = engine;

/** A float leaf that requires grad. */
function leaf(values: engine.NestedArray): engine.Tensor {
  return tensor(values, { dtype: 'float32', requiresGrad: true });
}

const leafMessage = 'a leaf Variable that requires grad is being used in an in-place operation.';

test('an in-place op on a leaf that requires grad is an error while grad mode is on', () => {
  const writes: [string, (x: engine.Tensor) => unknown][] = [
    ['add_', (x) => x.add_(1)],
    ['mul_', (x) => x.mul_(2)],
    ['zero_', (x) => x.zero_()],
    ['fill_', (x) => x.fill_(3)],
    ['exp_', (x) => x.exp_()],
    ['copy_', (x) => x.copy_(tensor([1, 2, 3]))],
    ['indexPut_', (x) => x.indexPut_([tensor([0], { dtype: 'int64' })], 1)],
  ];
  for (const [call, write] of writes) {
    const x = leaf([1, 2, 3]);
    assert.throws(() => write(x), { message: `${call}: ${leafMessage}` });
    assert.deepEqual(x.toArray(), [1, 2, 3], `${call} wrote nothing`);
  }
});

test('under noGrad a parameter updates in place, as an optimizer step does', () => {
  const p = leaf([1, 2, 3]);
  p.mul(p).sum().backward();
  const lr = 0.5;
  noGrad(() => p.sub_(p.grad!.mul(lr)));
  assert.deepEqual(p.toArray(), [0, 0, 0]);
  assert.ok(p.isLeaf && p.requiresGrad && p.gradFn === null);
  assert.equal(p.version, 1);
  p.mul(3).sum().backward(); // a fresh graph after the update
  assert.deepEqual(p.grad!.toArray(), [5, 7, 9]);
});

test("a saved result changed in place: the backward throws torch's error naming the node", () => {
  const x = leaf([1, 2, 3]);
  const z = x.mul(1).exp();
  noGrad(() => z.add_(1));
  assert.throws(() => z.sum().backward(), {
    message:
      'backward: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]], which is output 0 of ExpBackward0, is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).',
  });
});

test("a saved leaf changed in place after the forward: the backward throws torch's error", () => {
  const w = leaf([1, 2, 3]);
  const z = w.mul(w);
  noGrad(() => w.add_(1));
  assert.throws(() => z.sum().backward(), {
    message:
      'backward: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.FloatTensor [3]] is at version 1; expected version 0 instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).',
  });
});

test('a write into a value no node saved leaves the backward valid (add saves nothing, as in torch)', () => {
  const x = leaf([1, 2, 3]);
  const y = x.add(1);
  noGrad(() => x.add_(5));
  y.sum().backward();
  assert.deepEqual(x.grad!.toArray(), [1, 1, 1]);
});

test('an in-place op that would need its own backward is refused, never a wrong gradient', () => {
  const x = leaf([1, 2, 3]);
  const refused = /^Error: \w+_: the gradient of an in-place op on a tensor that requires grad is not implemented yet/;
  assert.throws(() => x.mul(2).add_(1), refused);
  assert.throws(() => x.mul(2).index(0).fill_(1), refused);
  assert.throws(() => tensor([0, 0, 0], { dtype: 'float32' }).add_(x), refused);
  const plain = tensor([1, 1, 1], { dtype: 'float32' });
  plain.add_(tensor([1, 2, 3])); // no tensor requires grad: a plain write
  assert.deepEqual(plain.toArray(), [2, 3, 4]);
});
