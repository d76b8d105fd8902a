// E1: cells' IntelliSense in a 60-cell notebook while the kernel is busy. The extension's providers
// call the notebook language service's worker as measured here: post the edited cells, then await
// the answer. Reports the first answer after opening (worker started, cells read, first completion),
// the median and p95 of completions (`mha.` after an edit) and hovers (names of earlier cells and
// engine methods), and the longest stall of the calling thread's event loop meanwhile.
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NotebookLanguageServiceClient } from '../languageService/languageServiceClient';
import type { NotebookCellSource } from '../languageService/notebookLanguageService';

export interface IntelliSenseTimings {
  firstAnswerMs: number;
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

/** Runs E1 against the built worker and engine declarations (dist/) with `runs` edits of each kind. */
export async function measureIntelliSense(root: string, runs: number): Promise<IntelliSenseTimings> {
  const stalls = monitorEventLoopDelay({ resolution: 10 });
  stalls.enable();
  const cells = sixtyCellNotebook();
  const edited = cells[cells.length - 1] as NotebookCellSource;
  const base = edited.text;
  const opened = performance.now();
  const service = new NotebookLanguageServiceClient(join(root, 'dist/languageServiceWorker.js'), {
    folder: join(root, 'examples'),
    notebookName: 'e1',
    engineDeclarations: join(root, 'dist/engine.d.ts'),
  });
  edited.text = `${base}\nmha.`;
  service.updateCells(cells);
  const first = await service.completions(edited.id, edited.text.length);
  const firstAnswerMs = performance.now() - opened;

  const completionTimes: number[] = [];
  let listsForward = first?.entries.some((entry) => entry.name === 'forward') ?? false;
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
    firstAnswerMs,
    longestStallMs: stalls.max / 1e6,
    completion: { ...summary(completionTimes), listsForward },
    hover: { ...summary(hoverTimes), showsSignature },
  };
}
