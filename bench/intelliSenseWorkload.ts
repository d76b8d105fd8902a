// E1: cells' IntelliSense in a 60-cell notebook while the kernel is busy. The extension's providers
// call the notebook language service's worker as measured here: post the edited cells, then await
// the answer. Reports the first answer after opening (worker started, cells read, first completion):
// the first time ever (no caches yet), every later time (typescript.js's code cache and the engine's
// names kept by the first), and for a notebook that uses Node's own API (the folder's @types/node
// read too); then the median and p95 of
// completions (`mha.` after an edit) and hovers (names of earlier cells and engine methods), and the
// longest stall of the calling thread's event loop meanwhile.
import { mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NotebookLanguageServiceClient } from '../languageService/languageServiceClient';
import type { NotebookCellSource } from '../languageService/notebookLanguageService';

export interface IntelliSenseTimings {
  /** Opening a notebook the first time after installing: typescript.js compiled, the engine's names read; both kept. */
  firstAnswerColdMs: number;
  /** Opening a notebook any later time: typescript.js from its code cache, the engine's names from their file. */
  firstAnswerMs: number;
  /** As firstAnswerMs, for a notebook that also uses Node's API (`process.memoryUsage()`): @types/node read too. */
  firstAnswerWithNodeTypesMs: number;
  /** CPU time of this process (the worker's included) to the first answers, in the same order: less load-dependent. */
  firstAnswerCpuMs: { cold: number; warm: number; withNodeTypes: number };
  /** The longest the calling thread's event loop was held up while the service worked. */
  longestStallMs: number;
  completion: { medianMs: number; p95Ms: number; runs: number; listsForward: boolean };
  hover: { medianMs: number; p95Ms: number; runs: number; showsSignature: boolean };
}

/** A 60-cell notebook of the kind the examples are: imports, modules, tensors, helpers, prints. */
export function sixtyCellNotebook(): NotebookCellSource[] {
  const texts = [
    "import { nn, randn, tensor, F, trace } from 'attention-lab';",
    'const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });',
  ];
  for (let i = 0; texts.length < 60; i++) {
    texts.push(
      `const x${i} = randn(2, 5, 8);\nconst [out${i}, weights${i}] = mha.forward(x${i}, x${i}, x${i});\nout${i}.shape`,
      `function scale${i}(t: typeof x${i}, by: number) {\n  return t.mul(by).softmax(-1);\n}\nconst s${i} = scale${i}(out${i}, ${i + 1});`,
      `const lin${i} = new nn.Linear(8, 4);\nconst y${i} = F.relu(lin${i}.forward(s${i}));\nconsole.log(y${i}.shape, y${i}.sum().item());`,
    );
  }
  return texts.slice(0, 60).map((text, i) => ({ id: `cell-${i}`, text, language: 'typescript' }));
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** Opens a notebook of `cells` in a new worker and times its first completion (`mha.` in the last cell). */
async function openAndComplete(
  root: string,
  cells: NotebookCellSource[],
  codeCacheFolder: string,
): Promise<{ service: NotebookLanguageServiceClient; firstAnswerMs: number; cpuMs: number; listsForward: boolean }> {
  const edited = cells[cells.length - 1] as NotebookCellSource;
  const opened = performance.now();
  const cpuBefore = process.cpuUsage();
  const service = new NotebookLanguageServiceClient(
    join(root, 'dist/languageServiceWorker.js'),
    { folder: join(root, 'examples'), notebookName: 'e1', engineDeclarations: join(root, 'dist/engine.d.ts') },
    codeCacheFolder,
  );
  service.updateCells([...cells.slice(0, -1), { ...edited, text: `${edited.text}\nmha.` }]);
  const first = await service.completions(edited.id, edited.text.length + 5);
  const firstAnswerMs = performance.now() - opened;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    service,
    firstAnswerMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    listsForward: first?.entries.some((entry) => entry.name === 'forward') ?? false,
  };
}

/** Resolves once the worker after its first answer has written typescript.js's code cache into `folder`. */
function codeCacheWritten(folder: string): Promise<void> {
  const written = () => readdirSync(folder).some((name) => name.endsWith('.v8cache'));
  return new Promise((resolve) => {
    const watcher = watch(folder, () => {
      if (!written()) return;
      watcher.close();
      resolve();
    });
    if (!written()) return;
    watcher.close();
    resolve();
  });
}

/** Runs E1 against the built worker and engine declarations (dist/) with `runs` edits of each kind. */
export async function measureIntelliSense(root: string, runs: number): Promise<IntelliSenseTimings> {
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  const codeCacheFolder = mkdtempSync(join(tmpdir(), 'attention-lab-e1-'));
  const cells = sixtyCellNotebook();
  const usingNode = [
    { id: 'node', text: 'const { heapUsed } = process.memoryUsage();', language: 'typescript' as const },
  ];
  const cold = await openAndComplete(root, cells, codeCacheFolder);
  await codeCacheWritten(codeCacheFolder);
  cold.service.dispose();
  const withNode = await openAndComplete(root, [...usingNode, ...cells], codeCacheFolder);
  withNode.service.dispose();
  const warm = await openAndComplete(root, cells, codeCacheFolder);
  const { service, firstAnswerMs } = warm;
  rmSync(codeCacheFolder, { recursive: true, force: true });
  const edited = cells[cells.length - 1] as NotebookCellSource;
  const base = edited.text;

  const completionTimes: number[] = [];
  let listsForward = cold.listsForward && withNode.listsForward && warm.listsForward;
  for (let run = 0; run < runs; run++) {
    // A keystroke in the last cell (as typing does), then the completion list after `mha.`.
    edited.text = `${base}\nconst typed${run} = ${run};\nmha.`;
    const t0 = performance.now();
    service.updateCells(cells);
    const list = await service.completions(edited.id, edited.text.length);
    completionTimes.push(performance.now() - t0);
    listsForward &&= list?.entries.some((entry) => entry.name === 'forward') ?? false;
  }

  const hoverTimes: number[] = [];
  let showsSignature = true;
  for (let run = 0; run < runs; run++) {
    edited.text = `${base}\nconst hovered${run} = out3.sum();\nmha.forward(x3, x3, x3);`;
    const target = run % 2 ? edited.text.lastIndexOf('forward') + 2 : edited.text.indexOf('out3') + 1;
    const t0 = performance.now();
    service.updateCells(cells);
    const hover = await service.hover(edited.id, target);
    hoverTimes.push(performance.now() - t0);
    showsSignature &&= run % 2 ? /MultiheadAttention\.forward\(/.test(hover?.signature ?? '') : hover?.name === 'out3';
  }
  service.dispose();
  stalls.disable();
  const summary = (samples: number[]) => ({
    medianMs: percentile(samples, 0.5),
    p95Ms: percentile(samples, 0.95),
    runs: samples.length,
  });
  return {
    firstAnswerColdMs: cold.firstAnswerMs,
    firstAnswerMs,
    firstAnswerWithNodeTypesMs: withNode.firstAnswerMs,
    firstAnswerCpuMs: { cold: cold.cpuMs, warm: warm.cpuMs, withNodeTypes: withNode.cpuMs },
    longestStallMs: stalls.max / 1e6,
    completion: { ...summary(completionTimes), listsForward },
    hover: { ...summary(hoverTimes), showsSignature },
  };
}
