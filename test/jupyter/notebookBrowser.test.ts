// A real browser on the classic Jupyter Notebook server: the server on 127.0.0.1 with the installed
// kernelspec, Chromium opens an example (its metadata names the attention-lab kernel), runs all
// cells, no cell errs, and every image/png heatmap the kernel sent is on the page, decoded and
// drawn; a screenshot goes to test-artifacts/.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { chromiumPath, launchChromium } from '../helpers/chromium';
import { repoRoot } from '../helpers/repoRoot';
import { installTestKernelSpec, jupyterMissing, systemPython } from './jupyterClients';

const example = 'splitting-heads.ipynb';
const skip =
  jupyterMissing() ??
  (existsSync('/usr/bin/jupyter-notebook') ? undefined : 'needs jupyter-notebook (Debian package)') ??
  (existsSync(chromiumPath) ? undefined : `needs Chromium at ${chromiumPath}`);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts `jupyter notebook` and resolves once it prints the address it serves on. */
function startNotebookServer(env: NodeJS.ProcessEnv, dir: string, port: number, token: string): Promise<ChildProcess> {
  const server = spawn(
    systemPython,
    [
      '-m',
      'notebook',
      '--no-browser',
      '--ip=127.0.0.1',
      `--port=${port}`,
      `--NotebookApp.token=${token}`,
      // CI runs as root, which the server refuses without this.
      ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
      dir,
    ],
    { env, cwd: dir },
  );
  return new Promise((resolve, reject) => {
    let log = '';
    server.stderr.setEncoding('utf8').on('data', (text: string) => {
      log += text;
      if (log.includes(`http://127.0.0.1:${port}/`)) resolve(server);
    });
    server.on('exit', (code) => reject(new Error(`jupyter notebook exited with ${code}:\n${log}`)));
  });
}

describe('the classic Jupyter Notebook in Chromium', { skip }, () => {
  let server: ChildProcess | undefined;
  after(async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  });

  it(`opens ${example} with the Attention Lab kernel, runs all cells and shows every PNG heatmap`, async () => {
    const { env } = installTestKernelSpec();
    const dir = mkdtempSync(join(tmpdir(), 'attention-lab-notebook-'));
    copyFileSync(join(repoRoot(), 'examples', example), join(dir, example));
    const port = await freePort();
    const token = randomBytes(12).toString('hex');
    server = await startNotebookServer(env, dir, port, token);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      await page.goto(`http://127.0.0.1:${port}/notebooks/${example}?token=${token}`);
      await page.waitForFunction(
        () => {
          const kernel = (window as any).Jupyter?.notebook?.kernel;
          return kernel?.is_connected() && kernel.name === 'attention-lab';
        },
        undefined,
        { timeout: 120_000 },
      );
      // A cell is done once the kernel's idle status for its request came (finished_execute): every
      // output of it came before that on iopub. Its execute_reply (the prompt number) can come first.
      await page.evaluate(() => {
        const page = window as any;
        const notebook = page.Jupyter.notebook;
        page.finishedCells = new Set();
        notebook.events.on('finished_execute.CodeCell', (_event: unknown, data: { cell: unknown }) =>
          page.finishedCells.add(data.cell),
        );
        notebook.clear_all_output();
        notebook.execute_all_cells();
      });
      await page.waitForFunction(
        () =>
          (window as any).Jupyter.notebook
            .get_cells()
            .filter((cell: any) => cell.cell_type === 'code')
            .every((cell: any) => (window as any).finishedCells.has(cell)),
        undefined,
        { timeout: 300_000 },
      );
      const outputs: { types: string[]; text: string; pngs: number }[] = await page.evaluate(() =>
        (window as any).Jupyter.notebook
          .get_cells()
          .filter((cell: any) => cell.cell_type === 'code')
          .map((cell: any) => ({
            types: cell.output_area.outputs.map((o: any) => o.output_type),
            text: cell.output_area.outputs.map((o: any) => o.text ?? o.data?.['text/plain'] ?? '').join('\n'),
            pngs: cell.output_area.outputs.filter((o: any) => o.data?.['image/png']).length,
          })),
      );
      assert.ok(outputs.length > 0);
      for (const [i, cell] of outputs.entries())
        assert.ok(!cell.types.includes('error'), `cell ${i + 1}: ${cell.text}`);
      assert.ok(
        outputs.some((cell) => /tensor\(/.test(cell.text)),
        'a tensor repr is shown',
      );

      // The heatmaps: every image/png output is an <img> in its cell's output area, decoded, laid out
      // with a size, and drawn (pixels of more than one colour, not a blank square).
      const heatmaps = page.locator('.output_area img[src^="data:image/png;base64,"]');
      const expected = outputs.reduce((sum, cell) => sum + cell.pngs, 0);
      assert.ok(expected > 0, 'the example has image/png outputs');
      assert.equal(await heatmaps.count(), expected, 'each image/png output is shown as an image');
      for (const [i, heatmap] of (await heatmaps.all()).entries()) {
        await heatmap.scrollIntoViewIfNeeded();
        assert.ok(await heatmap.isVisible(), `heatmap ${i + 1} is visible`);
        const drawn = await heatmap.evaluate(async (image: HTMLImageElement) => {
          await image.decode();
          const canvas = document.createElement('canvas');
          [canvas.width, canvas.height] = [image.naturalWidth, image.naturalHeight];
          const context = canvas.getContext('2d')!;
          context.drawImage(image, 0, 0);
          const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
          const colours = new Set<number>();
          for (let p = 0; p < pixels.length && colours.size < 64; p += 4)
            colours.add((pixels[p] << 16) | (pixels[p + 1] << 8) | pixels[p + 2]);
          const box = image.getBoundingClientRect();
          return {
            width: image.naturalWidth,
            height: image.naturalHeight,
            shown: [box.width, box.height],
            colours: colours.size,
          };
        });
        assert.ok(drawn.width > 0 && drawn.height > 0, `heatmap ${i + 1} decoded: ${JSON.stringify(drawn)}`);
        assert.ok(drawn.shown[0] > 0 && drawn.shown[1] > 0, `heatmap ${i + 1} has a size on the page`);
        assert.ok(drawn.colours > 2, `heatmap ${i + 1} is drawn, not blank: ${drawn.colours} colours`);
      }
      const artifacts = join(repoRoot(), 'test-artifacts');
      mkdirSync(artifacts, { recursive: true });
      // The notebook scrolls inside #site: a viewport as tall as the whole notebook shows every cell at once.
      const height = await page.evaluate(
        () => document.querySelector('#header')!.clientHeight + document.querySelector('#notebook')!.scrollHeight,
      );
      await page.setViewportSize({ width: 1280, height });
      await page.waitForFunction(() => {
        const site = document.querySelector('#site')!;
        return site.scrollHeight <= site.clientHeight;
      });
      await page.screenshot({ path: join(artifacts, 'jupyter-notebook-splitting-heads.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
