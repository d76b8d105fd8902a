// The native backend's own concerns, beyond the parity every backend passes: its thread pool must not
// change results, must survive two JavaScript threads calling it at once, and the registry says what it runs;
// the C module's op codes and layouts agree with native.ts, and only creating the backend tunes the allocator.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { binaryOps, reduceOps, unaryOps, type View } from '../../../kernel/engine/backend';
import {
  checkKernels,
  encodeMatmul,
  encodeViews,
  findNativeModule,
  referenceOnlyOps,
  type LayoutFields,
  type NativeKernels,
} from '../../../kernel/engine/backends/native';
import { engineBackends } from '../../helpers/backends';
import { repoRoot } from '../../helpers/repoRoot';

const native = engineBackends().find((b) => b.name === 'native')!;
const skip = native.available ? false : `native unavailable: ${native.reason}`;
const engineJs = JSON.stringify(join(repoRoot(), 'dist/engine.js'));

/** Large enough for the threaded paths: packed GEMM split by columns and by batch, softmax, elementwise, reductions. */
const workload = `
  const e = require(${engineJs});
  e.setBackend('native'); e.manualSeed(11);
  const a = e.randn(300, 257), b = e.randn(257, 301), scores = e.randn(4, 300, 301);
  const outputs = [a.matmul(b), scores.matmul(b.T), scores.bmm(scores.transpose(1, 2)), scores.softmax(-1), scores.exp(), scores.sum(0), scores.add(a.narrow(1, 0, 1))];
  const bits = (t) => Buffer.from(t.dataSync().buffer).toString('base64');
`;

/** The fused training kernels' threaded paths: layerNorm forward and backward (weight included), softmax backward. */
const training = `
  const rows = scores.detach().requiresGrad_(), gain = e.randn(301).requiresGrad_();
  const normalized = e.F.layerNorm(rows, [301], gain, null);
  normalized.softmax(-1).backward(scores);
  outputs.push(normalized, rows.grad, gain.grad);
`;

/** Runs a script file in a fresh Node (a file, so a worker can load it again) with ATTENTION_LAB_THREADS. */
function run(script: string, threads?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-native-'));
  try {
    const file = join(dir, 'script.js');
    writeFileSync(file, script);
    const env = { ...process.env, ATTENTION_LAB_THREADS: threads === undefined ? '' : String(threads) };
    return execFileSync(process.execPath, [file], { env, encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the registry names the native kernels, their instruction set and thread count', { skip }, () => {
  assert.match(native.reason, /hand-written C kernels \((AVX2\+FMA|portable C), \d+ threads\)/);
});

test('the number of pool threads does not change a single bit of the results', { skip }, () => {
  const script = `${workload} ${training} console.log(JSON.stringify(outputs.map(bits)));`;
  const one = run(script, 1);
  const two = run(script, 2);
  const three = run(script, 3);
  assert.equal(JSON.parse(one).length, 10);
  assert.equal(two, one, '2 threads differ from 1');
  assert.equal(three, one, '3 threads differ from 1');
});

test('a worker thread and the main thread can run native kernels at the same time', { skip }, () => {
  // Both threads load the same module (one pool); whichever finds the pool busy runs its parts alone.
  const script = `
    const { Worker, isMainThread, parentPort } = require('node:worker_threads');
    ${workload}
    const expected = outputs.map(bits).join();
    const repeat = () => { for (let i = 0; i < 20; i++) if ([a.matmul(b), scores.matmul(b.T), scores.bmm(scores.transpose(1, 2)), scores.softmax(-1), scores.exp(), scores.sum(0), scores.add(a.narrow(1, 0, 1))].map(bits).join() !== expected) return 'differs'; return 'same'; };
    if (isMainThread) {
      const worker = new Worker(__filename);
      worker.postMessage('go');
      const mine = repeat();
      worker.on('message', (theirs) => { console.log(mine + ' ' + theirs); worker.terminate(); });
    } else {
      parentPort.once('message', () => parentPort.postMessage(repeat()));
    }`;
  assert.equal(run(script), 'same same');
});

/**
 * The C module itself, unchecked, or why it cannot load here. Its checks are the tests below: a module
 * that fails them makes the native backend unavailable, which the tests above would only skip.
 */
function loadModule(): NativeKernels | string {
  const path = findNativeModule();
  if (!path) return 'attentionLabNative.node was not built';
  try {
    return require(path) as NativeKernels;
  } catch (error) {
    return `attentionLabNative.node does not load here: ${(error as Error).message}`;
  }
}
const kernels = loadModule();
const moduleSkip = typeof kernels === 'string' ? kernels : false;
const loaded = () => kernels as NativeKernels;

const opsTitle = 'every engine op has a C op code or is left to the reference loops, and the module knows no other';
test(opsTitle, { skip: moduleSkip }, () => {
  const { ops } = loaded();
  assert.doesNotThrow(() => checkKernels(loaded()));
  for (const [kind, engineOps] of [
    ['unary', unaryOps],
    ['binary', binaryOps],
    ['reduce', reduceOps],
  ] as const) {
    const covered = [...Object.keys(ops[kind]), ...referenceOnlyOps[kind]].sort();
    assert.deepEqual(covered, [...engineOps].sort(), `${kind} ops`);
  }
});

test('a module whose op codes or layouts disagree with native.ts is refused', { skip: moduleSkip }, () => {
  const { ops, layout } = loaded();
  const refused = (changed: Partial<Pick<NativeKernels, 'ops' | 'layout'>>, message: RegExp) =>
    assert.throws(() => checkKernels({ ops, layout, ...changed }), message);
  const { exp: _exp, ...unaryWithoutExp } = ops.unary;
  refused({ ops: { ...ops, unary: unaryWithoutExp } }, /unary op 'exp' has no C kernel/);
  const unaryWithErfinv = { ...ops.unary, erfinv: 99 } as NativeKernels['ops']['unary'];
  refused({ ops: { ...ops, unary: unaryWithErfinv } }, /'erfinv' is not an engine op/);
  const unaryWithLogicalNot = { ...ops.unary, logicalNot: 99 };
  refused({ ops: { ...ops, unary: unaryWithLogicalNot } }, /'logicalNot' has a C kernel but is in referenceOnlyOps/);
  refused({ ops: { ...ops, binary: { ...ops.binary, sub: ops.binary.add } } }, /two binary ops share a code/);
  const [offset, strides] = layout.view.perOperand;
  refused({ layout: { ...layout, view: { ...layout.view, perOperand: [strides, offset] } } }, /reads view layouts/);
  const swappedHead = ['batch', 'k', 'm', 'n'];
  refused({ layout: { ...layout, matmul: { ...layout.matmul, head: swappedHead } } }, /reads matmul layouts/);
  refused({ layout: { ...layout, maxOperands: 2 } }, /takes 2 views, where passes 3/);
});

type Decoded = Record<string, number | number[]>;

/** Reads a layout by the module's description: the head fields, then `operands` times the per-operand fields. */
function decode(layout: Int32Array, fields: LayoutFields, operands: number): { head: Decoded; operands: Decoded[] } {
  let at = 0;
  let ndim = 0;
  const read = (names: string[]): Decoded => {
    const values: Decoded = {};
    for (const field of names) {
      const name = field.replace('[ndim]', '');
      values[name] = field.endsWith('[ndim]') ? Array.from(layout.subarray(at, (at += ndim))) : layout[at++];
      if (name === 'ndim') ndim = values[name] as number;
    }
    return values;
  };
  const head = read(fields.head);
  return { head, operands: Array.from({ length: operands }, () => read(fields.perOperand)) };
}

const view = (shape: number[], strides: number[], offset: number): View => ({
  storage: { length: 0 },
  shape,
  strides,
  offset,
});

test('native.ts writes view and matmul layouts as the module describes them', { skip: moduleSkip }, () => {
  const { maxDims, maxOperands, view: viewFields, matmul: matmulFields } = loaded().layout;
  const buffer = new Int32Array(1 + maxDims + maxOperands * (1 + maxDims));
  const cases = [
    [view([], [], 3)],
    [view([2, 3, 4], [12, 4, 1], 5)],
    [view([3, 1, 5], [5, 5, 1], 0), view([3, 1, 5], [0, 0, 1], 7)], // (3, 1, 5), b broadcast along dim 0
    [view([4, 6], [6, 1], 0), view([4, 6], [1, 4], 2), view([4, 6], [0, 0], 9)], // where: condition, a, b
  ];
  for (const views of cases) {
    const decoded = decode(encodeViews(views, buffer), viewFields, views.length);
    assert.deepEqual(decoded.head, { ndim: views[0].shape.length, shape: views[0].shape });
    assert.deepEqual(
      decoded.operands,
      views.map(({ offset, strides }) => ({ offset, strides })),
    );
  }
  const a = view([2, 3, 4], [12, 4, 1], 1); // (B, M, K)
  const b = view([2, 4, 5], [0, 1, 4], 2); // (B, K, N), shared across the batch, column-major
  const decoded = decode(encodeMatmul(a, b, new Int32Array(12)), matmulFields, 2);
  assert.deepEqual(decoded.head, { batch: 2, m: 3, k: 4, n: 5 });
  assert.deepEqual(decoded.operands, [
    { offset: 1, batchStride: 12, rowStride: 4, colStride: 1 },
    { offset: 2, batchStride: 0, rowStride: 1, colStride: 4 },
  ]);
});

const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
const allocatorSkip = skip || (!report.header?.glibcVersionRuntime && 'the allocator tuning is glibc-only');

const allocatorTitle = 'probing the native backend leaves the allocator alone; creating it tunes the allocator';
test(allocatorTitle, { skip: allocatorSkip }, () => {
  const kernelsJs = JSON.stringify(findNativeModule());
  // configureAllocator() answers whether it changed the allocator: true when nothing had before it.
  const probed = run(`
    const e = require(${engineJs});
    e.setBackend('reference');
    const native = e.getBackend().candidates.find((c) => c.name === 'native');
    console.log(native.available, require(${kernelsJs}).configureAllocator());`);
  assert.equal(probed, 'true true');
  const created = run(`
    const e = require(${engineJs});
    e.setBackend('native');
    console.log(require(${kernelsJs}).configureAllocator());`);
  assert.equal(created, 'false');
});
