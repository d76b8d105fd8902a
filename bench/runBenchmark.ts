/// <reference lib="dom" />
/**
 * `npm run bench [-- --json] [-- --long N] [-- --only native,pytorch,tfjs-wasm] [-- --workloads W1,W4,K1]`: W1-W5
 * (forward) and T1-T2 (training: an Adam step of a small TransformerEncoder, W3's backward) on every available engine backend, PyTorch 1.13
 * (/usr/bin/python3, when it has torch) and TensorFlow.js cpu/wasm, all with the same weights and
 * inputs; K1 (a trivial cell through the kernel process), E1 (cells' IntelliSense in a 60-cell notebook
 * while the kernel is busy) and R1 (8 heads of 512×512 drawn by the
 * renderer in Chromium); P1 (the repr of a (4096, 4096) tensor); P2 (rand, randn, randint and normal_ of 2^24 numbers, randn(3, 2^20)); W4-long (needWeights: false at length 8192, peak memory). Each figure is the
 * warm median of repeated runs; every implementation's first run's outputs are checked against the
 * reference backend's (a training step changes the weights, so later runs differ).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as engine from '../kernel/engine';
import type { BackendName } from '../kernel/engine';
import { mimeTypes } from '../protocol/mimeTypes';
import { chromiumPath, launchChromium } from '../test/helpers/chromium';
import { repoRoot } from '../test/helpers/repoRoot';
import { installTestKernelSpec, jupyterMissing, runToEnd, systemPython } from '../test/jupyter/jupyterClients';
import { startBuiltKernel } from '../test/helpers/startBuiltKernel';
import { measureIntelliSense } from './intelliSenseWorkload';
import { tfjsRunner, useTfjsBackend, type TfjsBackend } from './tfjsPeer';
import { engineRunner, makeLongWorkload, makeWorkloads, type Workload } from './workloads';

const root = repoRoot();
const asJson = process.argv.includes('--json');
const longIndex = process.argv.indexOf('--long');
const longLength = longIndex > 0 ? Number(process.argv[longIndex + 1]) : 8192;
/** `--only` and `--workloads` narrow a run to some implementations and workloads (all by default). */
function listOption(flag: string): string[] | undefined {
  const index = process.argv.indexOf(flag);
  return index > 0 ? process.argv[index + 1].split(',') : undefined;
}
const onlyImplementations = listOption('--only');
const onlyWorkloads = listOption('--workloads');
const wanted = (implementation: string) =>
  !onlyImplementations || onlyImplementations.includes(implementation.replace(/^engine /, '').replace(' ', '-'));
const wantedWorkload = (name: string) => !onlyWorkloads || onlyWorkloads.includes(name);
const timing = { warmupMs: 500, budgetMs: 2000, minRuns: 5, maxRuns: 1000 };

interface Row {
  workload: string;
  implementation: string;
  medianMs: number | null;
  runs: number;
  ratioToPyTorch: number | null;
  gflops: number | null;
  maxAbsDiff: number | null;
  agrees: boolean | null;
  note: string;
}

const rows: Row[] = [];
function report(row: Omit<Row, 'ratioToPyTorch'>): void {
  const torch = rows.find((r) => r.workload === row.workload && r.implementation === 'pytorch');
  const full: Row = {
    ...row,
    ratioToPyTorch: torch?.medianMs && row.medianMs !== null ? row.medianMs / torch.medianMs : null,
  };
  rows.push(full);
  if (asJson) console.log(JSON.stringify(full));
  else
    console.error(
      `  ${row.workload} ${row.implementation}: ${row.medianMs === null ? row.note : `${row.medianMs.toFixed(3)} ms`}`,
    );
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Warm-up for `warmupMs` (at least two runs, since gpu.js compiles its kernels on the first, unless one
 * run already takes half the budget; it also lets V8 optimise the hot JavaScript, as a user's session
 * would), then timed runs until the time budget: at least 5, or 3 for runs of a second or more, at most
 * `maxRuns`. torchPeer.py times PyTorch the same way. A run is timed from outside unless `measured`
 * reads its own time from the result.
 */
async function timeMedian<T>(
  run: () => T | Promise<T>,
  measured?: (result: T) => number,
): Promise<{ medianMs: number; runs: number; result: T }> {
  const first = performance.now();
  let result = await run();
  const slow = performance.now() - first > timing.budgetMs / 2;
  for (let warm = 1; !slow && (warm < 2 || performance.now() - first < timing.warmupMs); warm++) result = await run();
  const minRuns = slow ? 3 : timing.minRuns;
  const samples: number[] = [];
  const started = performance.now();
  while (
    samples.length < timing.maxRuns &&
    (samples.length < minRuns || performance.now() - started < timing.budgetMs)
  ) {
    const t0 = performance.now();
    result = await run();
    samples.push(measured ? measured(result) : performance.now() - t0);
  }
  return { medianMs: median(samples), runs: samples.length, result };
}

/** Largest |a - b| over all outputs, and whether it is within float32 rounding for this workload. */
function compare(
  workload: Workload,
  expected: Float32Array[],
  actual: Float32Array[],
): { maxAbsDiff: number; agrees: boolean } {
  let maxAbsDiff = 0;
  let scale = 1;
  if (expected.length !== actual.length) return { maxAbsDiff: Infinity, agrees: false };
  expected.forEach((values, i) => {
    if (values.length !== actual[i].length) maxAbsDiff = Infinity;
    for (let j = 0; j < values.length; j++) {
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(values[j] - actual[i][j]));
      scale = Math.max(scale, Math.abs(values[j]));
    }
  });
  const tolerance =
    (workload.kind === 'matmul' ? 2e-5 : 1e-5) *
    scale *
    Math.sqrt(workload.tensors.x?.shape[2] ?? workload.tensors.a?.shape[1] ?? 100);
  return { maxAbsDiff, agrees: maxAbsDiff <= tolerance };
}

const gflops = (workload: Workload, ms: number) => workload.flops / ms / 1e6;

function runTorch(
  workloads: Workload[],
): Map<string, { medianMs: number; runs: number; outputs: Float32Array[] }> | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return `${python} not found`;
  if (spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0)
    return `${python} has no torch (apt-get install python3-torch libopenblas0-pthread)`;
  const dir = mkdtempSync(join(tmpdir(), 'attention-lab-bench-'));
  try {
    const manifest = {
      ...timing,
      workloads: workloads.map((w) => ({
        name: w.name,
        kind: w.kind,
        config: w.config,
        tensors: Object.fromEntries(
          Object.entries(w.tensors).map(([name, t]) => {
            const file = `${w.name}.${name}.bin`;
            writeFileSync(join(dir, file), Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength));
            return [name, { file, shape: t.shape }];
          }),
        ),
      })),
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const result = spawnSync(python, [join(root, 'bench/torchPeer.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (result.status !== 0) return `torchPeer.py failed: ${result.stderr.trim().split('\n').pop()}`;
    const found = new Map<string, { medianMs: number; runs: number; outputs: Float32Array[] }>();
    for (const line of result.stdout.trim().split('\n')) {
      const { workload, medianMs, runs, outputs } = JSON.parse(line) as {
        workload: string;
        medianMs: number;
        runs: number;
        outputs: string[];
      };
      const arrays = outputs.map((file) => {
        const bytes = readFileSync(join(dir, file));
        return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      });
      found.set(workload, { medianMs, runs, outputs: arrays.map((a) => Float32Array.from(a)) });
    }
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The warm median of `expression` in PyTorch after `setup` (both Python), timed as timeMedian times; or why not. */
function timeTorch(setup: string, expression: string): { medianMs: number; runs: number } | string {
  const torch = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `import json, statistics, time, torch
torch.set_num_threads(2); ${setup}; samples = []; started = time.perf_counter()
while len(samples) < ${timing.minRuns} or time.perf_counter() - started < ${timing.budgetMs / 1000}:
    t0 = time.perf_counter(); ${expression}; samples.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"medianMs": statistics.median(samples), "runs": len(samples)}))`,
    ],
    { encoding: 'utf8' },
  );
  if (torch.status !== 0) return `absent: ${torch.stderr?.trim().split('\n').pop() || 'no python3'}`;
  return JSON.parse(torch.stdout) as { medianMs: number; runs: number };
}

/** A PyTorch row: its time, or why there is none. */
function reportTorch(workload: string, peer: { medianMs: number; runs: number } | string, note: string): void {
  const found = typeof peer === 'string' ? null : peer;
  report({
    workload,
    implementation: 'pytorch',
    medianMs: found?.medianMs ?? null,
    runs: found?.runs ?? 0,
    gflops: null,
    maxAbsDiff: null,
    agrees: null,
    note: found ? note : (peer as string),
  });
}

/** P1: PyTorch's repr of a (4096, 4096) tensor on each engine backend, next to torch's own `repr`. */
async function printRepr(backends: BackendName[]): Promise<void> {
  const peer = timeTorch('torch.manual_seed(0); x = torch.randn(4096, 4096)', 'repr(x)');
  reportTorch('P1', peer, 'repr(torch.randn(4096, 4096))');
  // The seeded generator gives every backend the same numbers, so every backend must print the same text.
  engine.setBackend('reference');
  engine.manualSeed(0);
  const expected = engine.randn(4096, 4096).toString();
  for (const backend of backends) {
    engine.setBackend(backend);
    engine.manualSeed(0);
    const x = engine.randn(4096, 4096);
    const { medianMs, runs, result } = await timeMedian(() => x.toString());
    report({
      workload: 'P1',
      implementation: `engine ${backend}`,
      medianMs,
      runs,
      gflops: null,
      maxAbsDiff: null,
      agrees: result === expected,
      note: 'randn(4096, 4096).toString(): reads the 36 shown elements only',
    });
  }
}

/** A (4096, 4096) weight on the active backend (one per backend), which P2's normal_ initialises in place. */
const weights = new Map<string, engine.Tensor>();
function weight(): engine.Tensor {
  const backend = engine.getBackend().name;
  if (!weights.has(backend)) weights.set(backend, engine.zeros(4096, 4096));
  return weights.get(backend)!;
}

/** P2's draws: 2^24 numbers from the seeded stream, as the engine and as PyTorch make them. */
const randomDraws = [
  { name: 'rand', draw: () => engine.rand(2 ** 24), torch: 'torch.rand(2 ** 24)' },
  { name: 'randn', draw: () => engine.randn(2 ** 24), torch: 'torch.randn(2 ** 24)' },
  {
    name: 'randn (3, 2^20)',
    draw: () => engine.randn(3, 2 ** 20),
    torch: 'torch.randn(3, 2 ** 20)',
    count: 3 * 2 ** 20,
  },
  { name: 'randint', draw: () => engine.randint(0, 1000, [2 ** 24]), torch: 'torch.randint(0, 1000, (2 ** 24,))' },
  {
    name: 'normal_',
    draw: () => weight().normal_(0, 0.02),
    torch: 'w.normal_(0, 0.02)',
    torchSetup: 'w = torch.zeros(4096, 4096)',
  },
];

/**
 * P2: numbers per second of rand, randn, randint(0, 1000) (2^24 elements), randn(3, 2^20), and normal_ of a
 * (4096, 4096) weight (module initialisation) on each engine backend, next to PyTorch's. The seeded stream
 * gives every backend the same numbers: each backend's first draw after manualSeed(0) must equal the
 * reference backend's bit for bit.
 */
async function drawRandom(backends: BackendName[]): Promise<void> {
  for (const { name, draw, torch, count = 2 ** 24, torchSetup = 'pass' } of randomDraws) {
    const workload = `P2 ${name}`;
    const perSecond = (ms: number) => `${(((count / ms) * 1e3) / 1e6).toFixed(0)} M numbers/s`;
    const peer = timeTorch(torchSetup, torch);
    reportTorch(workload, peer, typeof peer === 'string' ? '' : `${torch}: ${perSecond(peer.medianMs)}`);
    const bitsAfterSeed = (backend: BackendName) => {
      engine.setBackend(backend);
      engine.manualSeed(0);
      const values = draw().dataSync();
      return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    };
    const expected = bitsAfterSeed('reference');
    for (const backend of backends) {
      const agrees = bitsAfterSeed(backend).equals(expected);
      const { medianMs, runs } = await timeMedian(draw);
      report({
        workload,
        implementation: `engine ${backend}`,
        medianMs,
        runs,
        gflops: null,
        maxAbsDiff: null,
        agrees,
        note: `${name} of ${count}: ${perSecond(medianMs)} (${((medianMs * 1e6) / count).toFixed(2)} ns a number)`,
      });
    }
  }
}

async function kernelRoundTrip(): Promise<void> {
  const { client } = await startBuiltKernel({ backend: 'auto' });
  let cell = 0;
  const { medianMs, runs, result } = await timeMedian(() =>
    client.execute(`k1-${cell++}`, 'bench', '1 + 1', 'typescript'),
  );
  await client.shutdown();
  const ok = result.status === 'ok' && result.outputs[0]?.items.some((i) => i.data === '2');
  report({
    workload: 'K1',
    implementation: 'kernel process',
    medianMs,
    runs,
    gflops: null,
    maxAbsDiff: null,
    agrees: ok,
    note: 'trivial cell `1 + 1`, execute request to result',
  });
}

/** E1: completions and hovers of cells' IntelliSense in a 60-cell notebook while a kernel runs a busy cell. */
async function intelliSense(): Promise<void> {
  const { client } = await startBuiltKernel({ backend: 'reference' });
  const busy = client.execute('e1-busy', 'bench', 'while (true) {}', 'typescript');
  const timings = await measureIntelliSense(root, 100);
  await client.interrupt();
  await busy;
  await client.shutdown();
  const { completion, hover } = timings;
  const row = { gflops: null, maxAbsDiff: null };
  const cpu = timings.firstAnswerCpuMs;
  const firstAnswer = (implementation: string, medianMs: number, note: string) =>
    report({ ...row, workload: 'E1', implementation, medianMs, runs: 1, agrees: completion.listsForward, note });
  firstAnswer(
    'first answer',
    timings.firstAnswerMs,
    `worker started, 60 cells read, first completion, with the caches a first notebook leaves (target 2000 ms); ${cpu.warm.toFixed(0)} ms of CPU; longest stall of the extension thread ${timings.longestStallMs.toFixed(0)} ms`,
  );
  firstAnswer(
    'first answer, first time',
    timings.firstAnswerColdMs,
    `as the first answer, the first time after installing: typescript.js compiled, the engine's names read, both kept after; ${cpu.cold.toFixed(0)} ms of CPU`,
  );
  firstAnswer(
    'first answer, @types/node',
    timings.firstAnswerWithNodeTypesMs,
    `as the first answer, a notebook using Node's API (\`process.memoryUsage()\`): the folder's @types/node read too; ${cpu.withNodeTypes.toFixed(0)} ms of CPU`,
  );
  report({
    ...row,
    workload: 'E1',
    implementation: 'completion',
    medianMs: completion.medianMs,
    runs: completion.runs,
    agrees: completion.listsForward,
    note: `\`mha.\` after an edit; p95 ${completion.p95Ms.toFixed(1)} ms (targets 100 / 300 ms)`,
  });
  report({
    ...row,
    workload: 'E1',
    implementation: 'hover',
    medianMs: hover.medianMs,
    runs: hover.runs,
    agrees: hover.showsSignature,
    note: `a variable and an engine method after an edit; p95 ${hover.p95Ms.toFixed(1)} ms (targets 100 / 300 ms)`,
  });
}

async function rendererDraw(): Promise<void> {
  if (!existsSync(chromiumPath)) {
    report({
      workload: 'R1',
      implementation: 'renderer (Chromium)',
      medianMs: null,
      runs: 0,
      gflops: null,
      maxAbsDiff: null,
      agrees: null,
      note: `no Chromium at ${chromiumPath}`,
    });
    return;
  }
  const { client } = await startBuiltKernel({ backend: 'auto' });
  const result = await client.execute(
    'r1',
    'bench',
    "manualSeed(2);\nattention(randn(1, 8, 512, 512).softmax(-1), { title: '8 heads of 512×512' })",
    'typescript',
  );
  await client.shutdown();
  if (result.status !== 'ok') throw new Error(`R1: the kernel failed to make the payload: ${JSON.stringify(result)}`);
  const payload = result.outputs[0].items.find((i) => i.mime === mimeTypes.attention)!.data;
  const bundle = readFileSync(join(root, 'dist/renderer.js'), 'utf8');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.route('http://renderer.test/**', (route) =>
      route.request().url().endsWith('/renderer.js')
        ? route.fulfill({ contentType: 'text/javascript', body: bundle })
        : route.fulfill({
            contentType: 'text/html',
            body: '<!doctype html><html><body class="vscode-dark"><div id="out"></div></body></html>',
          }),
    );
    await page.goto('http://renderer.test/index.html');
    await page.evaluate((text) => ((window as unknown as { payloadText: string }).payloadText = text), payload);
    const draw = () =>
      page.evaluate(async (mime) => {
        const { activate } = (await import('http://renderer.test/renderer.js' as string)) as {
          activate: (context: unknown) => { renderOutputItem: (item: unknown, element: HTMLElement) => void };
        };
        const text = (window as unknown as { payloadText: string }).payloadText;
        const out = document.getElementById('out') as HTMLElement;
        out.replaceChildren();
        const element = document.createElement('div');
        out.append(element);
        const started = performance.now();
        activate({}).renderOutputItem(
          { id: 'bench', mime, json: () => JSON.parse(text), text: () => text, metadata: {} },
          element,
        );
        const canvases = element.querySelectorAll('canvas[data-attention-lab="heatmap"]').length;
        return { ms: performance.now() - started, canvases };
      }, mimeTypes.attention);
    const { medianMs, runs, result: last } = await timeMedian(draw, (drawn) => drawn.ms);
    report({
      workload: 'R1',
      implementation: 'renderer (Chromium)',
      medianMs,
      runs,
      gflops: null,
      maxAbsDiff: null,
      agrees: last.canvases === 8,
      note: `8 heads of 512×512: JSON parse + base64 decode + draw, in the page (${(payload.length / 1e6).toFixed(1)} MB payload)`,
    });
  } finally {
    await browser.close();
  }
}

/**
 * W4-long's measurement, run in a child process of its own (`--long-child BACKEND`) so that memory
 * freed by earlier workloads (kept in the heap for reuse) cannot hide its footprint: one forward pass,
 * the resident memory before it, and the process's peak.
 */
function measureLongSequence(backend: BackendName): void {
  const workload = makeLongWorkload(longLength);
  const run = engineRunner(workload, backend);
  const beforeMiB = process.memoryUsage().rss / 2 ** 20;
  const started = performance.now();
  const [out] = run();
  const ms = performance.now() - started;
  const peakMiB = process.resourceUsage().maxRSS / 2 ** 10;
  console.log(
    JSON.stringify({ ms, beforeMiB, peakMiB, finite: out.every(Number.isFinite), gflops: gflops(workload, ms) }),
  );
}

/** W4 without weights at a long length: time, and the peak resident memory of a process that runs only it. */
function longSequence(backend: BackendName): void {
  const child = spawnSync(process.execPath, [__filename, '--long-child', backend, '--long', String(longLength)], {
    encoding: 'utf8',
  });
  const fullScores = (8 * longLength * longLength * 4) / 2 ** 30;
  const implementation = `engine ${backend}`;
  if (child.status !== 0) {
    report({
      workload: 'W4-long',
      implementation,
      medianMs: null,
      runs: 0,
      gflops: null,
      maxAbsDiff: null,
      agrees: false,
      note: `failed: ${child.stderr.trim().split('\n').pop()}`,
    });
    return;
  }
  const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as {
    ms: number;
    beforeMiB: number;
    peakMiB: number;
    finite: boolean;
    gflops: number;
  };
  report({
    workload: 'W4-long',
    implementation,
    medianMs: result.ms,
    runs: 1,
    gflops: result.gflops,
    maxAbsDiff: null,
    agrees: result.finite,
    note: `length ${longLength}, needWeights: false, in a process of its own: peak resident memory ${result.peakMiB.toFixed(0)} MiB, ${(result.peakMiB - result.beforeMiB).toFixed(0)} MiB above its ${result.beforeMiB.toFixed(0)} MiB before the forward pass (the whole (8, L, L) scores would be ${fullScores.toFixed(2)} GiB)`,
  });
}

function printTable(): void {
  const header = ['workload', 'implementation', 'median ms', '× PyTorch', 'GFLOP/s', 'max |Δ| vs reference', 'note'];
  const body = rows.map((r) => [
    r.workload,
    r.implementation,
    r.medianMs === null ? '—' : r.medianMs < 10 ? r.medianMs.toFixed(3) : r.medianMs.toFixed(1),
    r.ratioToPyTorch === null ? '—' : `${r.ratioToPyTorch.toFixed(2)}×`,
    r.gflops === null ? '' : r.gflops.toFixed(2),
    r.maxAbsDiff === null
      ? r.agrees === null
        ? ''
        : r.agrees
          ? 'ok'
          : 'WRONG'
      : `${r.maxAbsDiff.toExponential(1)} ${r.agrees ? 'ok' : 'DISAGREES'}`,
    r.note,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n'));
}

/**
 * J1: ten Jupyter kernels under one client (jupyter_client, as a Jupyter server holds them), started
 * at once, each running an example notebook at the same time (bench/jupyterLoad.py).
 */
async function jupyterClassroom(): Promise<void> {
  const kernels = 10;
  const example = join(root, 'examples/multihead-attention-shapes.ipynb');
  const missing = jupyterMissing();
  const failed = (note: string) =>
    report({
      workload: 'J1',
      implementation: 'jupyter kernels',
      medianMs: null,
      runs: 0,
      gflops: null,
      maxAbsDiff: null,
      agrees: null,
      note,
    });
  if (missing) return failed(`absent: ${missing}`);
  const { env } = installTestKernelSpec();
  const run = await runToEnd(systemPython, [join(root, 'bench/jupyterLoad.py'), String(kernels), example], env);
  if (run.status !== 0) return failed(`jupyterLoad.py failed: ${run.stderr.trim().split('\n').pop()}`);
  type Kernel = {
    start_s: number;
    idle_mb: number;
    after_example_mb: number;
    run_s: number;
    png_outputs: number;
    ok: boolean;
  };
  const measured = (JSON.parse(run.stdout.trim().split('\n').pop()!) as { kernels: Kernel[] }).kernels;
  const mean = (pick: (k: Kernel) => number) => measured.reduce((sum, k) => sum + pick(k), 0) / measured.length;
  const completed = measured.filter((k) => k.ok).length;
  const [fewestPngs, mostPngs] = [Math.min, Math.max].map((pick) => pick(...measured.map((k) => k.png_outputs)));
  const pngRange = fewestPngs === mostPngs ? `${fewestPngs}` : `${fewestPngs}–${mostPngs}`;
  report({
    workload: 'J1',
    implementation: 'jupyter kernels',
    medianMs: median(measured.map((k) => k.start_s * 1000)),
    runs: kernels,
    gflops: null,
    maxAbsDiff: null,
    agrees: completed === kernels,
    note:
      `${kernels} kernels started at once, each running ${basename(example)} ` +
      `(${pngRange} image/png outputs each): ${completed}/${kernels} completed; ` +
      `median start ${median(measured.map((k) => k.start_s)).toFixed(1)} s, ` +
      `memory per kernel ${mean((k) => k.idle_mb).toFixed(0)} MB idle, ${mean((k) => k.after_example_mb).toFixed(0)} MB ` +
      `after the example; slowest example ${Math.max(...measured.map((k) => k.run_s)).toFixed(1)} s`,
  });
}

async function main(): Promise<void> {
  const workloads = makeWorkloads().filter((w) => wantedWorkload(w.name));
  const backends = engine
    .getBackend()
    .candidates.filter((c) => c.available && wanted(c.name))
    .map((c) => c.name);
  const unavailable = engine.getBackend().candidates.filter((c) => !c.available);
  console.error(
    `engine backends: ${backends.join(', ')}; not available: ${unavailable.map((c) => `${c.name} (${c.reason})`).join('; ')}`,
  );

  // The kernel and the renderer first, while this process is quiet: after the large workloads V8's
  // concurrent GC threads would compete with Chromium for the two cores.
  if (wantedWorkload('K1')) await kernelRoundTrip();
  if (wantedWorkload('E1')) await intelliSense();
  if (wantedWorkload('R1')) await rendererDraw();
  if (wantedWorkload('P1')) await printRepr(backends);
  if (wantedWorkload('P2')) await drawRandom(backends);
  if (wantedWorkload('J1')) await jupyterClassroom();

  const reference = new Map<string, Float32Array[]>();
  for (const workload of workloads) reference.set(workload.name, engineRunner(workload, 'reference')());

  const torch =
    workloads.length === 0
      ? 'no W workloads asked for'
      : wanted('pytorch')
        ? runTorch(workloads)
        : 'not asked for (--only)';
  for (const workload of workloads) {
    const check = (outputs: Float32Array[]) => compare(workload, reference.get(workload.name)!, outputs);
    const found = typeof torch === 'string' ? undefined : torch.get(workload.name);
    if (found)
      report({
        workload: workload.name,
        implementation: 'pytorch',
        medianMs: found.medianMs,
        runs: found.runs,
        gflops: gflops(workload, found.medianMs),
        ...check(found.outputs),
        note: 'torch 1.13 CPU, 2 threads',
      });
    else
      report({
        workload: workload.name,
        implementation: 'pytorch',
        medianMs: null,
        runs: 0,
        gflops: null,
        maxAbsDiff: null,
        agrees: null,
        note: `absent: ${torch as string}`,
      });
    for (const backend of backends) {
      const run = engineRunner(workload, backend);
      const first = run();
      const { medianMs, runs } = await timeMedian(run);
      report({
        workload: workload.name,
        implementation: `engine ${backend}`,
        medianMs,
        runs,
        gflops: gflops(workload, medianMs),
        ...check(first),
        note: workload.title,
      });
    }
    for (const tfBackend of (['cpu', 'wasm'] as TfjsBackend[]).filter((b) => wanted(`tfjs-${b}`))) {
      await useTfjsBackend(tfBackend);
      const run = tfjsRunner(workload);
      const first = run();
      const { medianMs, runs } = await timeMedian(run);
      report({
        workload: workload.name,
        implementation: `tfjs ${tfBackend}`,
        medianMs,
        runs,
        gflops: gflops(workload, medianMs),
        ...check(first),
        note: '',
      });
    }
  }
  const fastestOnW4 = rows
    .filter((r) => r.workload === 'W4' && r.implementation.startsWith('engine '))
    .sort((a, b) => (a.medianMs ?? Infinity) - (b.medianMs ?? Infinity))[0];
  if (wantedWorkload('W4-long'))
    longSequence((fastestOnW4?.implementation.replace('engine ', '') ?? backends[0]) as BackendName);
  if (!asJson) printTable();
}

const longChild = process.argv.indexOf('--long-child');
(longChild > 0 ? Promise.resolve(measureLongSequence(process.argv[longChild + 1] as BackendName)) : main()).catch(
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
