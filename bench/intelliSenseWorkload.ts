// E1: cells' IntelliSense in a 60-cell notebook while the kernel is busy. The extension's providers
// call the notebook language service as measured here: sync the edited cells, then ask. Reports the
// first answer after opening (service made, cells read, first completion), and the median and p95 of
// completions (`mha.` after an edit) and hovers (names of earlier cells and engine methods).
import { join } from 'node:path';
import { NotebookLanguageService, type NotebookCellSource } from '../languageService/notebookLanguageService';

export interface IntelliSenseTimings {
  firstAnswerMs: number;
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

/** Runs E1 against the built engine declarations (dist/engine.d.ts) with `runs` edits of each kind. */
export function measureIntelliSense(root: string, runs: number): IntelliSenseTimings {
  const cells = sixtyCellNotebook();
  const edited = cells[cells.length - 1] as NotebookCellSource;
  const base = edited.text;
  const opened = performance.now();
  const service = new NotebookLanguageService({
    folder: join(root, 'examples'),
    notebookName: 'e1',
    engineDeclarations: join(root, 'dist/engine.d.ts'),
  });
  edited.text = `${base}\nmha.`;
  service.updateCells(cells);
  const first = service.completions(edited.id, edited.text.length);
  const firstAnswerMs = performance.now() - opened;

  const completionTimes: number[] = [];
  let listsForward = first?.entries.some((entry) => entry.name === 'forward') ?? false;
  for (let run = 0; run < runs; run++) {
    // A keystroke in the last cell (as typing does), then the completion list after `mha.`.
    edited.text = `${base}\nconst typed${run} = ${run};\nmha.`;
    const t0 = performance.now();
    service.updateCells(cells);
    const list = service.completions(edited.id, edited.text.length);
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
    const hover = service.hover(edited.id, target);
    hoverTimes.push(performance.now() - t0);
    showsSignature &&= run % 2 ? /MultiheadAttention\.forward\(/.test(hover?.signature ?? '') : hover?.name === 'out3';
  }
  service.dispose();
  const summary = (samples: number[]) => ({
    medianMs: percentile(samples, 0.5),
    p95Ms: percentile(samples, 0.95),
    runs: samples.length,
  });
  return {
    firstAnswerMs,
    completion: { ...summary(completionTimes), listsForward },
    hover: { ...summary(hoverTimes), showsSignature },
  };
}
