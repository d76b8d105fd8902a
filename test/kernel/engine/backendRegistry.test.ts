// Choosing a backend: automatic, by setBackend and by ATTENTION_LAB_BACKEND; the report says why.
// The backend table is the one list of backends: the report and the VS Code setting are checked against it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import * as engine from '../../../kernel/engine';
import { backendTable } from '../../../kernel/engine/backends/backendTable';
import { repoRoot } from '../../helpers/repoRoot';

afterEach(() => engine.setBackend('auto'));

test('getBackend reports the running backend and a reason for every candidate', () => {
  const report = engine.setBackend('auto');
  assert.ok(report.reason.startsWith('automatic'), report.reason);
  assert.deepEqual(
    report.candidates.map((c) => c.name),
    backendTable.map((row) => row.name),
    'one candidate per row of the backend table, in its order',
  );
  const running = report.candidates.filter((c) => c.reason.startsWith('running'));
  assert.deepEqual(
    running.map((c) => c.name),
    [report.name],
  );
  for (const c of report.candidates) assert.ok(c.reason.length > 10, `${c.name} has a reason`);
  assert.notEqual(report.name, 'reference', 'a gpu.js backend runs wherever WebAssembly does');
});

test('setBackend switches where new tensors live, and unavailable backends explain themselves', () => {
  const report = engine.setBackend('gpujs-cpu');
  assert.equal(report.name, 'gpujs-cpu');
  assert.equal(report.reason, "chosen by setBackend('gpujs-cpu')");
  assert.equal(engine.zeros(2).backend.name, 'gpujs-cpu');
  for (const c of report.candidates.filter((x) => !x.available)) {
    assert.throws(
      () => engine.setBackend(c.name),
      new RegExp(`setBackend: backend '${c.name}' is not available here: `),
    );
  }
});

test('mixing backends is an error naming both, and .to() moves a tensor', () => {
  engine.setBackend('reference');
  const a = engine.ones(2);
  engine.setBackend('gpujs-cpu');
  const b = engine.ones(2);
  assert.throws(
    () => a.add(b),
    /add: Expected all tensors to be on the same backend, but found at least two backends, reference and gpujs-cpu/,
  );
  assert.deepEqual(Array.from(a.to('gpujs-cpu').add(b).dataSync()), [2, 2]);
});

test('kernels are compiled once per shape signature', () => {
  engine.setBackend('gpujs-cpu');
  const backend = engine.zeros(1).backend as unknown as { compiledKernels: number };
  const x = engine.randn(4, 5);
  x.softmax(-1);
  const afterFirst = backend.compiledKernels;
  x.mul(2).softmax(-1);
  x.softmax(-1);
  assert.equal(backend.compiledKernels, afterFirst + 1, 'only mul by a scalar is new');
  engine.randn(6, 5).softmax(-1);
  assert.ok(backend.compiledKernels > afterFirst + 1, 'a new shape compiles new kernels');
});

test('ATTENTION_LAB_BACKEND chooses the backend of dist/engine.js in plain Node', () => {
  const script =
    "const e = require('./dist/engine.js'); const r = e.getBackend(); console.log(r.name + '|' + r.reason)";
  // stderr is piped: the failing run's stack trace is the assertion's evidence, not the test's output.
  const run = (backend: string) =>
    execFileSync(process.execPath, ['-e', script], {
      cwd: repoRoot(),
      env: { ...process.env, ATTENTION_LAB_BACKEND: backend },
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  assert.equal(run('reference'), 'reference|chosen by ATTENTION_LAB_BACKEND=reference');
  assert.equal(run('gpujs-cpu'), 'gpujs-cpu|chosen by ATTENTION_LAB_BACKEND=gpujs-cpu');
  const notABackend = /ATTENTION_LAB_BACKEND='nope' is not a backend/;
  assert.throws(
    () => run('nope'),
    (error: { stderr: string }) => notABackend.test(error.stderr),
  );
});

test('dist/engine.js gives equal matmul, einsum and softmax on gpujs-webasm and reference', () => {
  const script = `
    const e = require(${JSON.stringify(join(repoRoot(), 'dist/engine.js'))});
    const run = (name) => {
      e.setBackend(name); e.manualSeed(3);
      const a = e.randn(2, 4, 3, 8), b = e.randn(5, 4, 3, 8);
      const s = e.einsum('ibhd,jbhd->ijbh', a, b).softmax(1);
      const m = e.matmul(e.randn(16, 32), e.randn(32, 8));
      return [...s.dataSync(), ...m.dataSync()];
    };
    const x = run('gpujs-webasm'), y = run('reference');
    console.log(Math.max(...x.map((v, i) => Math.abs(v - y[i]))));`;
  const maxError = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  assert.ok(maxError < 1e-5, `max |webasm - reference| = ${maxError}`);
});

test('the engineBackend setting offers auto and every row of the backend table, with its description', () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
  const setting = manifest.contributes.configuration.properties['attentionLab.engineBackend'];
  assert.deepEqual(setting.enum, ['auto', ...backendTable.map((row) => row.name)]);
  assert.deepEqual(
    setting.enumDescriptions.slice(1),
    backendTable.map((row) => row.description),
  );
});

const headlessGl = engine.getBackend().candidates.find((c) => c.name === 'gpujs-headlessgl')!;
const glLoads = !headlessGl.reason.startsWith("the optional native module 'gl' does not load");

test("without the 'gl' module, the registry says how to build it", { skip: glLoads && "'gl' loads here" }, () => {
  assert.match(headlessGl.reason, /run `npm run build:gl` \(compiles the optional 'gl' module, about 10 minutes\)/);
  assert.match(headlessGl.reason, /use an X display \(xvfb-run\)/);
});
