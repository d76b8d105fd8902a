// The headless runner (dist/cli.js) end to end: it executes a notebook through the kernel process,
// writes the outputs as VS Code's .ipynb serializer would, and the rich outputs survive the
// save/reopen round trip byte for byte; a failing cell stops the run with exit code 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { joinLines, outputItems, parseNotebook, type JupyterNotebook } from '../../cli/notebookFile';
import type { OutputItem } from '../../protocol/kernelProtocol';
import { mimeTypes } from '../../protocol/mimeTypes';
import type { StagesOutput } from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';
import { repoRoot } from '../helpers/repoRoot';
import { startBuiltKernel } from '../helpers/startBuiltKernel';

const folder = join(repoRoot(), 'test/fixtures/notebookFolder');

function runCli(notebook: string): { status: number | null; stdout: string; stderr: string; written: JupyterNotebook } {
  const outPath = join(mkdtempSync(join(tmpdir(), 'attention-lab-run-')), 'out.ipynb');
  const result = spawnSync(
    process.execPath,
    [join(repoRoot(), 'dist/cli.js'), 'run', join(folder, notebook), '-o', outPath, '--backend', 'reference'],
    { encoding: 'utf8' },
  );
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    written: parseNotebook(readFileSync(outPath, 'utf8'), outPath),
  };
}

/** The items the kernel itself sends for the same cells, to compare with what the file holds. */
async function kernelItems(notebook: JupyterNotebook): Promise<OutputItem[][]> {
  const perCell: OutputItem[][] = [];
  const displays = new Map<string, OutputItem[][]>();
  const { client } = await startBuiltKernel({
    cwd: folder,
    backend: 'reference',
    onNotification: (n) => {
      const list = displays.get(n.cellId);
      if (!list) return;
      if (n.type === 'display') list.push(n.bundle.items);
      else if (n.type === 'updateDisplay') list[list.length - 1] = n.bundle.items;
    },
  });
  for (const [index, cell] of notebook.cells.entries()) {
    if (cell.cell_type !== 'code') continue;
    const shown: OutputItem[][] = [];
    displays.set(`c${index}`, shown);
    const result = await client.execute(`c${index}`, `cell ${index + 1}`, joinLines(cell.source), 'typescript');
    const items = shown.flat();
    if (result.status === 'ok') for (const bundle of result.outputs) items.push(...bundle.items);
    perCell.push(items);
  }
  await client.shutdown();
  return perCell;
}

describe('attention-lab run', () => {
  it('executes every cell, prints text output and writes tensor, attention and stage mimes with text fallbacks', () => {
    const { status, stdout, written } = runCli('roundTrip.ipynb');
    assert.equal(status, 0, stdout);
    assert.match(stdout, /hello, runner \(from CommonJS\)/);
    assert.match(stdout, /engine backend reference/);
    const code = written.cells.filter((c) => c.cell_type === 'code');
    assert.deepEqual(
      code.map((c) => c.execution_count),
      [1, 2, 3],
    );
    for (const cell of code)
      assert.ok(cell.metadata.execution?.['shell.execute_reply'], 'execution timing kept in the file');
    const [first, second, third] = code.map((c) => c.outputs ?? []);
    assert.deepEqual(
      first.map((o) => o.output_type),
      ['stream', 'execute_result'],
    );
    assert.deepEqual(Object.keys(first[1].data ?? {}), [mimeTypes.tensor, 'text/plain', 'image/png']);
    assert.match(joinLines(first[1].data?.['text/plain'] as string[]), /^tensor\(\[\[/);
    // The pictures Jupyter, GitHub and nbviewer show: one base64 string each, as VS Code and Jupyter write them.
    for (const output of [first[1], second[0], second[1]]) {
      const png = output.data?.['image/png'];
      assert.equal(typeof png, 'string', 'image/png is one base64 string');
      assert.equal(Buffer.from(png as string, 'base64').toString('latin1', 1, 4), 'PNG', 'a PNG file');
    }
    assert.deepEqual(
      second.map((o) => o.output_type),
      ['display_data', 'execute_result'],
    );
    assert.ok(second[0].data?.[mimeTypes.attention]);
    const stages = second[1].data?.[mimeTypes.stages] as StagesOutput;
    assert.ok(stages.stages.length >= 8);
    assert.deepEqual(stages.stages.find((s) => s.name === 'softmax')?.output.shape, [6, 4, 4]);
    assert.deepEqual(
      third.map((o) => o.output_type),
      ['display_data', 'execute_result'],
    );
    assert.equal(joinLines(third[0].data?.['text/plain'] as string[]), 'step 1');
  });

  it('keeps the rich outputs byte for byte through saving and reopening', async () => {
    const { written } = runCli('roundTrip.ipynb');
    const reopened = parseNotebook(JSON.stringify(written, null, 1), 'reopened.ipynb');
    const fromFile = reopened.cells
      .filter((c) => c.cell_type === 'code')
      .map((c) => (c.outputs ?? []).filter((o) => o.output_type !== 'stream').flatMap(outputItems));
    const fromKernel = await kernelItems(reopened);
    assert.equal(fromFile.length, fromKernel.length);
    let rich = 0;
    for (const [i, items] of fromFile.entries()) {
      assert.deepEqual(
        items.map((item) => item.mime),
        fromKernel[i].map((item) => item.mime),
      );
      for (const [j, item] of items.entries()) {
        assert.equal(item.data, fromKernel[i][j].data, `cell ${i} item ${item.mime}`);
        if (item.mime.startsWith('application/vnd.attention-lab')) rich++;
      }
    }
    assert.equal(rich, 3);
    const tensorPayload = JSON.parse(fromFile[0][0].data) as { data: Parameters<typeof decodeTensor>[0] };
    assert.deepEqual(decodeTensor(tensorPayload.data).shape, [4, 2]);
  });

  it('exits 1 at a failing cell, shows its error and leaves the cells after it unrun', () => {
    const { status, stdout, stderr, written } = runCli('failing.ipynb');
    assert.equal(status, 1);
    assert.match(stdout, /ran/);
    assert.match(stderr, /matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    const [first, second, third] = written.cells;
    assert.equal(first.outputs?.[0].output_type, 'stream');
    assert.equal(second.outputs?.[0].output_type, 'error');
    assert.equal(second.outputs?.[0].ename, 'Error');
    assert.deepEqual([third.execution_count, third.outputs], [null, []]);
    assert.doesNotMatch(stdout, /must not run/);
  });
});
