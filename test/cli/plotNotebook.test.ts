// The headless runner (dist/cli.js) on a notebook that plots: a chart redrawn from a training loop
// through display(...).update(...) is saved once, as the chart mime's JSON holding the last
// update's points (so reopening the .ipynb draws it again), next to its text/plain summary.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { joinLines, outputItems, parseNotebook, splitLines } from '../../cli/notebookFile';
import { mimeTypes } from '../../protocol/mimeTypes';
import type { ChartOutput } from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';
import { repoRoot } from '../helpers/repoRoot';

const cells = [
  [
    'const losses: number[] = [];',
    'const chart = display(plot({ loss: losses }, { title: "loss", xLabel: "step" }));',
    'for (let step = 0; step < 30; step++) {',
    '  losses.push(1 / (step + 1));',
    '  chart.update(plot({ loss: losses }, { title: "loss", xLabel: "step" }));',
    '}',
  ].join('\n'),
  'plot({ a: [1, 2, 3], b: { x: [0, 5], y: [2, NaN] } }, { logY: true })',
];

describe('attention-lab run with plot(...)', () => {
  it('saves a chart updated in place as one output holding its last points, and a shown plot as the chart mime', () => {
    const folder = mkdtempSync(join(tmpdir(), 'attention-lab-plot-'));
    const notebook = {
      cells: cells.map((source) => ({
        cell_type: 'code',
        metadata: {},
        source: splitLines(source),
        execution_count: null,
        outputs: [],
      })),
      metadata: { language_info: { name: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    writeFileSync(join(folder, 'plots.ipynb'), JSON.stringify(notebook));
    const outPath = join(folder, 'out.ipynb');
    const run = spawnSync(
      process.execPath,
      [join(repoRoot(), 'dist/cli.js'), 'run', join(folder, 'plots.ipynb'), '-o', outPath, '--backend', 'reference'],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const written = parseNotebook(readFileSync(outPath, 'utf8'), outPath);
    const [loop, shown] = written.cells.map((c) => c.outputs ?? []);
    assert.deepEqual(
      loop.map((o) => o.output_type),
      ['display_data'],
      'thirty updates, one output',
    );
    const chart = loop[0].data?.[mimeTypes.chart] as ChartOutput;
    assert.equal(typeof chart, 'object', 'stored as JSON, not text');
    assert.deepEqual([chart.title, chart.xLabel, chart.series[0].length], ['loss', 'step', 30]);
    assert.deepEqual([...decodeTensor(chart.series[0].y).values].slice(-1), [Math.fround(1 / 30)]);
    assert.match(joinLines(loop[0].data?.['text/plain'] as string[]), /^plot 'loss': 1 series\n {2}loss {2}30 points/);
    assert.match(joinLines([loop[0].data?.['image/png'] ?? ''].flat() as string[]), /^iVBORw0KGgo/, 'the PNG, saved');
    assert.deepEqual(
      shown.map((o) => o.output_type),
      ['execute_result'],
    );
    const reopened = outputItems(shown[0]);
    assert.deepEqual(
      reopened.map((item) => item.mime),
      [mimeTypes.chart, 'text/plain', 'image/png'],
    );
    const plotted = JSON.parse(reopened[0].data) as ChartOutput;
    assert.equal(plotted.logY, true);
    assert.deepEqual([...decodeTensor(plotted.series[1].x!).values], [0, 5]);
    assert.equal(plotted.series[1].nanCount, 1);
  });
});
