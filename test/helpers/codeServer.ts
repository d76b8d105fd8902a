/// <reference lib="dom" />
/**
 * A real VS Code for the end-to-end tests: code-server 4.100.3 (installed into .cache/test-vscode
 * by scripts/installTestVscode.sh) with the packaged attention-lab.vsix, a private profile and a
 * scratch workspace, driven through Debian's Chromium with playwright-core the way a person drives it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchChromium } from './chromium';
import { repoRoot } from './repoRoot';

export const codeServerEntry = join(repoRoot(), '.cache/test-vscode/node_modules/code-server/out/node/entry.js');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface NotebookCellJson {
  cell_type: 'code' | 'markdown';
  execution_count?: number | null;
  outputs?: {
    output_type: string;
    ename?: string;
    evalue?: string;
    name?: string;
    text?: string | string[];
    data?: Record<string, unknown>;
  }[];
}

/** A code-server with the extension installed, serving `workspace`, and one Chromium page on it. */
export class VsCodeSession {
  private constructor(
    readonly workspace: string,
    private readonly home: string,
    private readonly server: ChildProcess,
    readonly serverLog: () => string,
    private readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async start(vsixPath: string, files: Record<string, string>): Promise<VsCodeSession> {
    const home = mkdtempSync(join(tmpdir(), 'attention-lab-e2e-'));
    const workspace = join(home, 'workspace');
    const userData = join(home, 'user-data');
    const extensions = join(home, 'extensions');
    mkdirSync(join(userData, 'User'), { recursive: true });
    mkdirSync(workspace);
    for (const [name, source] of Object.entries(files)) writeFileSync(join(workspace, name), readFileSync(source));
    const settings = {
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'workbench.tips.enabled': false,
      'notebook.confirmDeleteRunningCell': false,
    };
    writeFileSync(join(userData, 'User/settings.json'), JSON.stringify(settings));
    const install = spawnSync(
      process.execPath,
      [codeServerEntry, '--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsixPath],
      { encoding: 'utf8' },
    );
    if (install.status !== 0 || !/successfully installed/.test(install.stdout))
      throw new Error(`installing ${vsixPath} failed:\n${install.stdout}\n${install.stderr}`);

    const port = await freePort();
    const server = spawn(
      process.execPath,
      [
        codeServerEntry,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--user-data-dir',
        userData,
        '--extensions-dir',
        extensions,
        workspace,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    server.stdout!.on('data', (chunk) => (log += chunk));
    server.stderr!.on('data', (chunk) => (log += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start:\n${log}`)), 60_000);
      const check = () => {
        if (log.includes('HTTP server listening')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout!.on('data', check);
      server.on('exit', (code) => reject(new Error(`code-server exited with ${code}:\n${log}`)));
    });

    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    // The extension host and the built-in ipynb serializer come up after the workbench.
    await page.waitForSelector('.statusbar', { timeout: 30_000 });
    return new VsCodeSession(workspace, home, server, () => log, browser, page);
  }

  /** Runs a command from the command palette (F1), by its title. */
  async command(title: string): Promise<void> {
    const { page } = this;
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    // The row whose label is exactly the title: recently used commands that merely contain it come first.
    const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const row = page
      .locator('.quick-input-list .monaco-list-row')
      .filter({ has: page.locator('.label-name', { hasText: exact }) })
      .first();
    await row.waitFor({ timeout: 5_000 });
    await row.click();
  }

  async openFile(name: string): Promise<void> {
    const { page } = this;
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
    await this.notebookToolbar().waitFor({ timeout: 30_000 });
  }

  notebookToolbar() {
    return this.page.locator('.notebook-toolbar-container:visible');
  }

  /**
   * Picks a kernel with "Notebook: Select Notebook Kernel" and waits for the toolbar to name it. The
   * command appears once the workbench has restored the notebook editor's focus.
   */
  async selectKernel(label: string): Promise<void> {
    const { page } = this;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.command('Notebook: Select Notebook Kernel');
        break;
      } catch (error) {
        if (attempt === 10) throw error;
        await page.keyboard.press('Escape');
        await page.waitForTimeout(1000);
      }
    }
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await this.notebookToolbar().getByText(label).waitFor({ timeout: 15_000 });
  }

  async isIdle(): Promise<boolean> {
    return this.notebookToolbar().locator('a.action-label[aria-label^="Run All"]').first().isVisible();
  }

  async waitUntilRunning(timeoutMs = 30_000): Promise<void> {
    await this.notebookToolbar()
      .locator('a.action-label[aria-label^="Interrupt"]')
      .first()
      .waitFor({ timeout: timeoutMs });
  }

  /**
   * Saves the active notebook with VS Code's own ipynb serializer and reads its code cells back,
   * again and again until no cell runs and `done` holds for what was saved (or the time is up).
   */
  async savedCodeCells(
    name: string,
    done: (cells: NotebookCellJson[]) => boolean,
    timeoutMs = 180_000,
  ): Promise<NotebookCellJson[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('Control+S');
      await this.page.waitForTimeout(500);
      const cells = (
        JSON.parse(readFileSync(join(this.workspace, name), 'utf8')) as { cells: NotebookCellJson[] }
      ).cells.filter((c) => c.cell_type === 'code');
      if ((done(cells) && (await this.isIdle())) || Date.now() > deadline) return cells;
    }
  }

  /** Steps through every cell with the keyboard so that each cell's outputs are rendered once. */
  async revealAllCells(cellCount: number): Promise<void> {
    const { page } = this;
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < cellCount; i++) {
      await page.keyboard.press('ArrowDown');
      await page.waitForTimeout(120);
    }
    await page.waitForTimeout(1000);
  }

  /** The frames that hold notebook outputs rendered by Attention Lab's renderer. */
  async rendererFrames(): Promise<Frame[]> {
    const found: Frame[] = [];
    for (const frame of this.page.frames()) {
      const count = await frame
        .locator('[data-attention-lab$="-view"]')
        .count()
        .catch(() => 0);
      if (count > 0) found.push(frame);
    }
    return found;
  }

  async closeAllEditors(): Promise<void> {
    if ((await this.page.locator('.tab').count()) === 0) return;
    await this.command('View: Close All Editors');
    const dontSave = this.page.getByRole('button', { name: /Don't Save/ });
    await Promise.race([
      dontSave.click({ timeout: 3_000 }).catch(() => undefined),
      this.page
        .locator('.tab')
        .first()
        .waitFor({ state: 'detached', timeout: 3_000 })
        .catch(() => undefined),
    ]);
    await this.page.locator('.tab').first().waitFor({ state: 'detached', timeout: 15_000 });
  }

  async dispose(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    this.server.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (this.server.exitCode === null) this.server.kill('SIGKILL');
    rmSync(this.home, { recursive: true, force: true });
  }
}
