/// <reference lib="dom" />
// End to end in a real VS Code (code-server 4.100.3): the packaged .vsix is installed into a fresh
// profile, every example notebook is opened, the Attention Lab kernel selected and Run All executed;
// the saved .ipynb and the renderer's frame are checked (no errors, views present, canvases drawn,
// shapes shown, the backend the status bar names), the stage view is stepped with the keyboard, a busy cell is
// interrupted and the kernel restarted, and a 2000×2000 result is saved under the output cap and shown
// again on reopening. Screenshots go to test-artifacts/e2e/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Frame, FrameLocator, Locator } from 'playwright-core';
import { mimeTypes } from '../../protocol/mimeTypes';
import type { TensorOutput } from '../../protocol/outputPayloads';
import { codeServerEntry, VsCodeSession, type NotebookCellJson } from '../helpers/codeServer';
import { repoRoot } from '../helpers/repoRoot';

const root = repoRoot();
const vsix = join(root, 'attention-lab.vsix');
const artifacts = join(root, 'test-artifacts/e2e');
const kernelLabel = 'Attention Lab (TypeScript)';

/** What each example must show once it has run. */
interface Expected {
  tensorViews: number;
  attentionViews: number;
  stagesViews: number;
  /** Shapes that must appear in the views' shape labels, as the renderer prints them. */
  shapes: string[];
  /** Text that must appear in the cells' saved stdout. */
  stdout: RegExp[];
  /** Whether a cell prints `engine backend: NAME`, which must be the backend the status bar names. */
  printsBackend?: boolean;
}

const examples: Record<string, Expected> = {
  'multihead-attention-shapes.ipynb': {
    tensorViews: 1,
    attentionViews: 2,
    stagesViews: 0,
    shapes: ['(4, 2, 6)', '(2, 4, 4)', '(2, 3, 4, 5)'],
    stdout: [/output torch\.Size\(\[4, 2, 6\]\) weights torch\.Size\(\[2, 4, 4\]\)/],
    printsBackend: true,
  },
  'd2l-multihead-attention.ipynb': {
    tensorViews: 0,
    attentionViews: 2,
    stagesViews: 0,
    shapes: ['(10, 4, 6)', '(2, 5, 4, 6)'],
    stdout: [/output torch\.Size\(\[2, 4, 100\]\)/, /max \|output difference\| \d/],
  },
  'labml-multihead-attention.ipynb': {
    tensorViews: 0,
    attentionViews: 2,
    stagesViews: 1,
    shapes: ['(6, 6, 2, 4)'],
    stdout: [/max \|by hand - module\| = 0/, /mask torch\.Size\(\[6, 6, 1\]\)/],
  },
  'splitting-heads.ipynb': {
    tensorViews: 2,
    attentionViews: 0,
    stagesViews: 3,
    shapes: ['(2, 4, 6)', '(4, 2)'],
    stdout: [/same numbers as the manual split: true/, /round trip equals x: true/],
  },
  'concat-attention.ipynb': {
    tensorViews: 0,
    attentionViews: 1,
    stagesViews: 1,
    shapes: ['(5, 6)'],
    stdout: [/weights torch\.Size\(\[1, 6\]\) sum 1\.000000/],
  },
  'attention-from-scratch.ipynb': {
    tensorViews: 1,
    attentionViews: 1,
    stagesViews: 0,
    shapes: ['(50, 16)', '(2, 4, 10, 10)'],
    // the hand-written attention equals nn.MultiheadAttention's within float32 rounding (< 1e-6)
    stdout: [
      /pe\[1, :4\] = tensor\(\[0\.8415, 0\.5403, 0\.3110, 0\.9504\]\)/,
      /max \|output difference\| = \d\.\de-([7-9]|\d\d)\n/,
    ],
  },
  'train-a-tiny-transformer.ipynb': {
    tensorViews: 0,
    // the live view (updated in place while it trains) and the learned pattern
    attentionViews: 2,
    stagesViews: 0,
    shapes: ['(1, 4, 8, 8)'],
    stdout: [
      /final held-out token accuracy: (0\.99\d\d|1\.0000)\n/,
      /all heads together: outputs 0-7 read inputs 7 6 5 4 3 2 1 0\n/,
    ],
  },
  'step-through-a-forward-pass.ipynb': {
    tensorViews: 1,
    attentionViews: 1,
    stagesViews: 3,
    shapes: ['(1, 2, 5, 5)'],
    stdout: [/added: \[ 'mask' \]/],
  },
};

interface FrameReport {
  views: { tensor: number; attention: number; stages: number };
  shapes: string[];
  canvases: { width: number; height: number; drawnPixels: number; colours: number }[];
  /** The theme's dropdown background and the one the toolkit's dropdowns use (null without dropdowns). */
  dropdownBackground: { theme: string; toolkit: string } | null;
}

/** A view of its own: a stage view also holds a tensor view for the selected stage, which does not count. */
const ownView = (role: string) => `[data-attention-lab="${role}"]:not([data-attention-lab="stages-view"] *)`;

/** Waits until the output frame holds at least the views an example shows (each is drawn when it appears). */
async function viewsRendered(frame: FrameLocator, expected: Expected): Promise<void> {
  const { tensorViews, attentionViews, stagesViews } = expected;
  const views = { 'tensor-view': tensorViews, 'attention-view': attentionViews, 'stages-view': stagesViews };
  for (const [role, count] of Object.entries(views)) {
    if (count > 0)
      await frame
        .locator(ownView(role))
        .nth(count - 1)
        .waitFor({ timeout: 30_000 });
  }
}

/** Counts views and reads every heatmap canvas's pixels inside one renderer frame. */
function inspectFrame(frame: Frame): Promise<FrameReport> {
  return frame.evaluate(() => {
    // Views of their own; a stage view also holds a tensor view for the selected stage.
    const count = (role: string) =>
      Array.from(document.querySelectorAll(`[data-attention-lab="${role}"]`)).filter(
        (e) => !e.parentElement?.closest('[data-attention-lab="stages-view"]'),
      ).length;
    const shapes = Array.from(
      document.querySelectorAll('[data-attention-lab="shape"], [data-attention-lab="stage-shapes"], .al-chip-shape'),
    ).map((e) => e.textContent ?? '');
    const canvases = Array.from(
      document.querySelectorAll<HTMLCanvasElement>('canvas[data-attention-lab="heatmap"]'),
    ).map((canvas) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let drawnPixels = 0;
      const colours = new Set<number>();
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        drawnPixels++;
        if (colours.size < 64) colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      }
      return { width: canvas.width, height: canvas.height, drawnPixels, colours: colours.size };
    });
    const dropdown = document.querySelector('vscode-dropdown');
    const dropdownBackground = dropdown
      ? {
          theme: getComputedStyle(document.body).getPropertyValue('--vscode-dropdown-background').trim().toLowerCase(),
          toolkit: getComputedStyle(dropdown).getPropertyValue('--dropdown-background').trim().toLowerCase(),
        }
      : null;
    return {
      views: { tensor: count('tensor-view'), attention: count('attention-view'), stages: count('stages-view') },
      shapes,
      canvases,
      dropdownBackground,
    };
  });
}

function streamText(cells: NotebookCellJson[]): string {
  return cells
    .flatMap((cell) => cell.outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')))
    .join('');
}

function errorsOf(cells: NotebookCellJson[]): string[] {
  return cells
    .flatMap((cell) => cell.outputs ?? [])
    .filter((o) => o.output_type === 'error')
    .map((o) => `${o.ename}: ${o.evalue}`);
}

/** Waits until a locator's text matches: key presses reach the output frame (another process) asynchronously. */
async function textMatches(locator: Locator, pattern: RegExp): Promise<void> {
  const matched = await locator
    .filter({ hasText: pattern })
    .waitFor({ timeout: 5_000 })
    .then(
      () => true,
      () => false,
    );
  if (!matched) assert.match((await locator.textContent()) ?? '', pattern);
}

/** Runs a step of the test; when it fails, the page is kept as failed-<label>.png next to the other screenshots. */
/** Opens `name` alone, picks the Attention Lab kernel and runs every cell. */
async function openAndRunAll(vscode: VsCodeSession, name: string): Promise<void> {
  await vscode.closeAllEditors();
  await vscode.openFile(name);
  await vscode.selectKernel(kernelLabel);
  await vscode.command('Notebook: Run All');
}

async function step(vscode: VsCodeSession, label: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    await vscode.page.screenshot({ path: join(artifacts, `failed-${label}.png`) }).catch(() => undefined);
    throw error;
  }
}

describe('Attention Lab in a real VS Code (code-server)', { concurrency: false }, () => {
  let vscode: VsCodeSession;

  before(async () => {
    assert.ok(
      existsSync(codeServerEntry),
      `code-server is not installed at ${codeServerEntry}: run scripts/installTestVscode.sh .cache/test-vscode`,
    );
    assert.ok(existsSync(vsix), `${vsix} is missing: run npm run package`);
    mkdirSync(artifacts, { recursive: true });
    const files: Record<string, string> = Object.fromEntries(
      Object.keys(examples).map((name) => [name, join(root, 'examples', name)]),
    );
    for (const fixture of ['interrupt-and-restart.ipynb', 'async-errors.ipynb', 'big-tensor.ipynb', 'prompt.ipynb'])
      files[fixture] = join(root, 'test/fixtures/e2e', fixture);
    vscode = await VsCodeSession.start(vsix, files);
  });

  after(async () => {
    await vscode?.dispose();
  });

  for (const [name, expected] of Object.entries(examples)) {
    if (process.env.E2E_ONLY && !name.startsWith(process.env.E2E_ONLY)) continue;
    it(`runs examples/${name} with every output rendered`, () =>
      step(vscode, name, async () => {
        const source = JSON.parse(readFileSync(join(root, 'examples', name), 'utf8')) as { cells: NotebookCellJson[] };
        const codeCells = source.cells.filter((c) => c.cell_type === 'code').length;
        await openAndRunAll(vscode, name);
        const cells = await vscode.savedCodeCells(
          name,
          (saved) => saved.every((c) => c.execution_count) || errorsOf(saved).length > 0,
        );
        assert.deepEqual(errorsOf(cells), [], 'no error outputs');
        assert.deepEqual(
          cells.map((c) => c.execution_count),
          Array.from({ length: codeCells }, (_, i) => i + 1),
          'every code cell ran, in order',
        );
        const stdout = streamText(cells);
        for (const pattern of expected.stdout) assert.match(stdout, pattern);
        if (expected.printsBackend) {
          const backend = await vscode.statusBarBackend();
          assert.ok(
            stdout.includes(`engine backend: ${backend}\n`),
            `the cell prints the status bar's backend, ${backend}`,
          );
        }

        await vscode.revealAllCells(source.cells.length);
        await viewsRendered(vscode.outputFrame(), expected);
        const frames = await vscode.rendererFrames();
        assert.equal(frames.length, 1, 'one output frame holds the renderer');
        const report = await inspectFrame(frames[0]);
        assert.deepEqual(
          report.views,
          { tensor: expected.tensorViews, attention: expected.attentionViews, stages: expected.stagesViews },
          'views rendered',
        );
        assert.ok(
          report.canvases.length >= expected.tensorViews + expected.attentionViews + expected.stagesViews,
          `heatmap canvases: ${report.canvases.length}`,
        );
        for (const canvas of report.canvases) {
          assert.ok(
            canvas.width > 0 && canvas.height > 0 && canvas.drawnPixels === canvas.width * canvas.height,
            `canvas ${canvas.width}×${canvas.height} fully drawn (${canvas.drawnPixels} pixels)`,
          );
        }
        assert.ok(
          report.canvases.some((c) => c.colours > 4),
          'heatmaps show different values in different colours',
        );
        if (report.dropdownBackground)
          assert.equal(
            report.dropdownBackground.toolkit,
            report.dropdownBackground.theme,
            'toolkit controls follow the VS Code theme',
          );
        const shapes = report.shapes.join(' | ');
        for (const shape of expected.shapes) assert.ok(shapes.includes(shape), `shape ${shape} shown among: ${shapes}`);
        await vscode.page.screenshot({ path: join(artifacts, name.replace('.ipynb', '.png')) });
      }));
  }

  it('steps the stage view with the keyboard', () =>
    step(vscode, 'stage-keyboard', async () => {
      const name = 'step-through-a-forward-pass.ipynb';
      await openAndRunAll(vscode, name);
      await vscode.savedCodeCells(name, (saved) => saved.every((c) => c.execution_count));
      await vscode.revealAllCells(2);
      // The first cell's trace: nn.MultiheadAttention without a mask, which ends by averaging the heads.
      const stageViews = vscode.outputFrame().locator('[data-attention-lab="stages-view"]');
      const view = stageViews.filter({ hasText: 'average heads' });
      const position = view.locator('[data-attention-lab="position"]');
      const selectedChip = view.locator('.al-chip-selected');
      await view.locator('[data-attention-lab="stage"]').first().click();
      await textMatches(position, /^stage 1 of 16$/);
      await vscode.page.keyboard.press('ArrowRight');
      await textMatches(position, /^stage 2 of 16$/);
      await vscode.page.keyboard.press('ArrowRight');
      await textMatches(position, /^stage 3 of 16$/);
      await textMatches(selectedChip, /^v projection/);
      await vscode.page.keyboard.press('End');
      await textMatches(position, /^stage 16 of 16$/);
      await textMatches(view.locator('[data-attention-lab="stage-shapes"]'), /→ \(1, 5, 5\) \[batch, query, key\]/);
      await vscode.page.keyboard.press('ArrowLeft');
      await textMatches(selectedChip, /^output projection/);
      await vscode.page.screenshot({ path: join(artifacts, 'stage-view-keyboard.png') });
    }));

  it("shows the errors a finished cell's timer and promise threw in that cell", () =>
    step(vscode, 'async-errors', async () => {
      const name = 'async-errors.ipynb';
      await openAndRunAll(vscode, name);
      const cells = await vscode.savedCodeCells(
        name,
        (saved) => errorsOf([saved[0]]).length === 2 && streamText([saved[1]]).includes('second cell ran'),
        20_000,
      );
      assert.deepEqual(errorsOf([cells[0]]).sort(), ['Error: rejected late', 'Error: timer threw']);
      assert.deepEqual(errorsOf([cells[1]]), [], 'nothing of it in the cell that was running');
      await vscode.page.screenshot({ path: join(artifacts, 'async-errors.png') });
    }));

  it("answers a cell's prompt() in VS Code's input box, which offers the default", () =>
    step(vscode, 'prompt', async () => {
      const name = 'prompt.ipynb';
      await openAndRunAll(vscode, name);
      // The cell is blocked in prompt() until the input box is answered.
      const input = vscode.page.locator('.quick-input-widget input');
      await vscode.page.locator('.quick-input-widget', { hasText: 'Your name?' }).waitFor({ timeout: 60_000 });
      assert.equal(await input.inputValue(), 'Ada');
      await input.fill('Grace');
      await vscode.page.screenshot({ path: join(artifacts, 'prompt-input-box.png') });
      await input.press('Enter');
      const cells = await vscode.savedCodeCells(name, (saved) => streamText(saved).includes('hello'), 60_000);
      assert.equal(streamText(cells), 'hello Grace\n');
    }));

  it('saves a 2000×2000 result under 2 MB and shows its view again when the notebook is reopened', () =>
    step(vscode, 'big-tensor', async () => {
      const name = 'big-tensor.ipynb';
      await openAndRunAll(vscode, name);
      const cells = await vscode.savedCodeCells(
        name,
        (saved) => saved.every((c) => c.execution_count) || errorsOf(saved).length > 0,
      );
      assert.deepEqual(errorsOf(cells), [], 'no error outputs');
      const bytes = statSync(join(vscode.workspace, name)).size;
      assert.ok(bytes < 2 * 1024 * 1024, `the saved notebook takes ${bytes} bytes`);
      const payload = cells[0].outputs?.[0].data?.[mimeTypes.tensor] as TensorOutput | undefined;
      assert.ok(payload?.overview, 'the saved output carries block means of every element');
      assert.deepEqual(payload.shape, [2000, 2000]);
      // The kernel's picture, handed to VS Code as bytes and saved by its serializer as base64 of a PNG.
      const picture = cells[0].outputs?.[0].data?.['image/png'];
      assert.equal(typeof picture, 'string', 'the saved output carries its PNG picture');
      assert.equal(Buffer.from(picture as string, 'base64').toString('latin1', 1, 4), 'PNG');
      const [rows, cols] = payload.overview.data.shape;
      const label = `2000×2000 shown as ${rows}×${cols} block means (blocks of ${payload.overview.block.join('×')})`;

      await vscode.closeAllEditors();
      await vscode.openFile(name);
      await vscode.revealAllCells(1);
      const view = vscode.outputFrame().locator('[data-attention-lab="tensor-view"]');
      // Reopening starts the output webview afresh: the view appears once the renderer has loaded in it.
      await view.waitFor({ timeout: 60_000 });
      assert.equal(await view.locator('[data-attention-lab="overview-label"]').textContent(), label);
      assert.equal(await view.locator('[data-attention-lab="shape"]').textContent(), '(2000, 2000)');
      const drawn = await view
        .locator('canvas[data-attention-lab="heatmap"]')
        .evaluate((canvas: HTMLCanvasElement) => [canvas.width, canvas.height]);
      assert.deepEqual(drawn, [cols, rows], 'the reopened view draws every block');
      await vscode.page.screenshot({ path: join(artifacts, 'big-tensor-reopened.png') });
    }));

  it('interrupts a busy cell, keeps earlier variables, and restarts the kernel', () =>
    step(vscode, 'interrupt-restart', async () => {
      const name = 'interrupt-and-restart.ipynb';
      await openAndRunAll(vscode, name);
      await vscode.waitUntilCellRuns(2, 2); // cell 2 spins in while (true)
      await vscode.notebookToolbar().locator('a.action-label[aria-label^="Interrupt"]').first().click();
      let cells = await vscode.savedCodeCells(name, (saved) => errorsOf([saved[1]]).length > 0, 20_000);
      assert.equal(cells[0].execution_count, 1);
      assert.deepEqual(errorsOf([cells[1]]), [
        'Interrupted: The cell was interrupted; the variables of earlier cells are kept.',
      ]);
      assert.equal(cells[2].execution_count ?? null, null, 'the queued cell was cancelled');

      // Focus the last cell and run it alone: it reads the variable the first cell set.
      await vscode.page.locator('.notebook-editor:visible .cell-editor-part').last().click();
      await vscode.command('Notebook: Execute Cell');
      cells = await vscode.savedCodeCells(name, (saved) => (saved[2].outputs ?? []).length > 0, 20_000);
      assert.deepEqual(
        cells[2].outputs?.map((o) => [o.data?.['text/plain']].flat().join('')),
        ['42'],
      );
      await vscode.page.screenshot({ path: join(artifacts, 'interrupted.png') });

      // The controller drops its kernel as the restart command begins, so a cell executed after it (commands
      // reach the extension host in order) runs on the new kernel, once that has started.
      await vscode.command('Attention Lab: Restart Kernel');
      await vscode.command('Notebook: Execute Cell');
      cells = await vscode.savedCodeCells(name, (saved) => errorsOf([saved[2]]).length > 0, 20_000);
      assert.deepEqual(
        errorsOf([cells[2]]),
        ['ReferenceError: survivor is not defined'],
        'a restarted kernel has no earlier variables',
      );
      assert.equal(cells[2].execution_count, 1, 'execution order starts again at 1');
      await vscode.page.screenshot({ path: join(artifacts, 'restarted.png') });
    }));
});
