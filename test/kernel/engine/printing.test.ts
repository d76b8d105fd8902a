// Printing costs what it shows: the repr of a big tensor reads only its summarised corners, counted
// through a spy over the reference backend, and prints exactly what reading every value printed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Backend, Storage, View } from '../../../kernel/engine/backend';
import { backendByName } from '../../../kernel/engine/backends/registry';
import { formatTensor, getPrintOptions, setPrintOptions } from '../../../kernel/engine/format';
import { Tensor } from '../../../kernel/engine/tensor';

const viewSize = (view: View) => view.shape.reduce((n, d) => n * d, 1);

/** The reference backend, counting every element a primitive reads (views in, storages read back). */
function spyBackend(): { backend: Backend; elementsRead: () => number } {
  const reference = backendByName('reference');
  let read = 0;
  const isView = (arg: unknown): arg is View => typeof arg === 'object' && arg !== null && 'strides' in arg;
  const countViews =
    <A extends unknown[]>(primitive: (...args: A) => Storage) =>
    (...args: A) => {
      for (const arg of args.flat()) if (isView(arg)) read += viewSize(arg);
      return primitive(...args);
    };
  const backend: Backend = Object.create(reference);
  Object.assign(backend, {
    read: (storage: Storage, dtype: Parameters<Backend['read']>[1]) => (
      (read += storage.length),
      reference.read(storage, dtype)
    ),
    copy: countViews(reference.copy.bind(reference)),
    unary: countViews(reference.unary.bind(reference)),
    binary: countViews(reference.binary.bind(reference)),
    where: countViews(reference.where.bind(reference)),
    reduce: countViews(reference.reduce.bind(reference)),
    concat: countViews(reference.concat.bind(reference)),
    matmul: countViews(reference.matmul.bind(reference)),
  });
  return { backend, elementsRead: () => read };
}

function spyTensor(shape: number[]): { tensor: Tensor; values: Float32Array; elementsRead: () => number } {
  const { backend, elementsRead } = spyBackend();
  const count = shape.reduce((n, d) => n * d, 1);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = ((i * 7919) % 1000) / 7 - 60;
  const before = elementsRead();
  const tensor = new Tensor(backend, backend.upload(values, 'float32'), shape, 'float32');
  return { tensor, values, elementsRead: () => elementsRead() - before };
}

describe('printing reads only the shown elements', () => {
  for (const shape of [[3, 1 << 20], [4096, 4096], [1 << 20], [64, 64, 64], [2, 3, 100000]]) {
    test(`a (${shape.join(', ')}) tensor`, () => {
      const { tensor, values, elementsRead } = spyTensor(shape);
      const text = tensor.toString();
      const shown = shape.map((d) => Math.min(d, 6)).reduce((n, d) => n * d, 1);
      // Each cut dim is gathered once per level of the corner gather: a few times the shown count, never the tensor.
      assert.ok(elementsRead() <= shown * (shape.length + 1), `read ${elementsRead()} elements to show ${shown}`);
      assert.equal(text, formatTensor(shape, 'float32', values), 'the same text as formatting every value');
    });
  }

  test('a transposed (strided) view and an int tensor print the same as from every value', () => {
    const { tensor, values } = spyTensor([300, 500]);
    const transposed = tensor.transpose(0, 1);
    const dense = new Float32Array(500 * 300);
    for (let r = 0; r < 500; r++) for (let c = 0; c < 300; c++) dense[r * 300 + c] = values[c * 500 + r];
    assert.equal(transposed.toString(), formatTensor([500, 300], 'float32', dense));
    const ints = tensor.int();
    assert.equal(ints.toString(), formatTensor([300, 500], 'int32', Int32Array.from(values, Math.trunc)));
  });

  test('print options decide what is shown: edgeitems and threshold', () => {
    const saved = getPrintOptions();
    try {
      setPrintOptions({ edgeitems: 1, threshold: 10 });
      const { tensor, elementsRead } = spyTensor([50, 50]);
      assert.equal(
        tensor.toString(),
        'tensor([[-60.0000,  ..., -55.5714],\n        ...,\n        [ 18.5714,  ...,  23.0000]])',
      );
      assert.ok(elementsRead() <= 4 * 3);
      setPrintOptions({ threshold: Infinity });
      const small = spyTensor([4, 3]);
      assert.equal(small.tensor.toString(), formatTensor([4, 3], 'float32', small.values));
    } finally {
      setPrintOptions(saved);
    }
  });
});
