// The native backend's own concerns, beyond the parity every backend passes: its thread pool must not
// change results, must survive two JavaScript threads calling it at once, and the registry says what it runs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { engineBackends } from '../../helpers/backends';
import { repoRoot } from '../../helpers/torchFixtures';

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
  const script = `${workload} console.log(JSON.stringify(outputs.map(bits)));`;
  const one = run(script, 1);
  const two = run(script, 2);
  const three = run(script, 3);
  assert.equal(JSON.parse(one).length, 7);
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
