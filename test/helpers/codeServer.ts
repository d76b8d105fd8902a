/// <reference lib="dom" />
/**
 * A real VS Code for the end-to-end tests: code-server 4.100.3 (installed into .cache/test-vscode
 * by scripts/installTestVscode.sh) with the packaged attention-lab.vsix, a private profile and a
 * scratch workspace, driven through Debian's Chromium with playwright-core the way a person drives it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, FrameLocator, Page } from 'playwright-core';
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

/** Counts one file's change events in a folder, so that a wait begun after a read misses none since. */
class FileChanges {
  private count = 0;
  /** Each pending wait, called on every change and on close. */
  private readonly waits = new Set<() => void>();
  private readonly watcher: FSWatcher;
  private closed = false;

  constructor(folder: string, name: string) {
    this.watcher = watch(folder, (_event, file) => {
      if (file !== name) return;
      this.count++;
      for (const wait of this.waits) wait();
    });
  }

  /** How many changes have been seen so far. */
  get seen(): number {
    return this.count;
  }

  /** Resolves true once there have been more than `seen` changes, false when `timeoutMs` passes or on close. */
  after(seen: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wait = () => {
        if (this.count <= seen && !this.closed) return;
        clearTimeout(timer);
        this.waits.delete(wait);
        resolve(this.count > seen);
      };
      const timer = setTimeout(() => {
        this.waits.delete(wait);
        resolve(false);
      }, timeoutMs);
      this.waits.add(wait);
      wait();
    });
  }

  close(): void {
    this.closed = true;
    this.watcher.close();
    for (const wait of this.waits) wait();
  }
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
    // Web VS Code saves after a 1 s delay by default, and then hides the dirty indicator: off, so that the
    // notebook file changes only when a test saves it, and the tab shows when there is something to save.
    const settings = {
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'workbench.tips.enabled': false,
      'notebook.confirmDeleteRunningCell': false,
      'files.autoSave': 'off',
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
    // Bounds only: the first load of the workbench has taken more than 30 s on a loaded machine.
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, { timeout: 120_000 });
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
    // The first search of a workspace starts the file search service: seconds on a busy machine.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: name }).waitFor({ timeout: 30_000 });
    await this.notebookToolbar().waitFor({ timeout: 30_000 });
  }

  notebookToolbar() {
    return this.page.locator('.notebook-toolbar-container:visible');
  }

  /**
   * Picks a kernel with "Notebook: Select Notebook Kernel" and waits for the toolbar to name it. The
   * command appears once the workbench has restored the notebook editor's focus: each try waits for its
   * row (see command()), and the palette is closed and opened again for the next.
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

  /**
   * Waits until the kernel runs the cell at `position` (1-based): the controller gives a cell its
   * execution order just before it sends the cell to the kernel, so "[n]" in its label means it is there.
   */
  async waitUntilCellRuns(position: number, executionOrder: number, timeoutMs = 30_000): Promise<void> {
    const row = this.page.locator(`.notebook-editor:visible .monaco-list-row[aria-posinset="${position}"]`);
    await row.locator('.codicon-notebook-state-executing').waitFor({ timeout: timeoutMs });
    await row.locator('.execution-count-label', { hasText: `[${executionOrder}]` }).waitFor({ timeout: timeoutMs });
  }

  /** The engine backend the extension's status bar names for the active notebook's kernel. */
  async statusBarBackend(): Promise<string> {
    const item = this.page.locator('.statusbar-item[id$="attentionLab.backend"]');
    await item.waitFor({ timeout: 30_000 });
    const text = (await item.textContent())?.trim() ?? '';
    return /^Attention Lab: (\S+)$/.exec(text)?.[1] ?? `(status bar says "${text}")`;
  }

  /**
   * Saves the active notebook (Ctrl+S: VS Code's own ipynb serializer) and reads its code cells back,
   * again each time the notebook changes, until no cell runs and `done` holds for what was saved (or the
   * time is up).
   */
  async savedCodeCells(
    name: string,
    done: (cells: NotebookCellJson[]) => boolean,
    timeoutMs = 180_000,
  ): Promise<NotebookCellJson[]> {
    const deadline = Date.now() + timeoutMs;
    const unsaved = this.page.locator('.tab.active.dirty');
    const runAll = this.notebookToolbar().locator('a.action-label[aria-label^="Run All"]');
    for (;;) {
      const cells = (await this.save(name)).cells.filter((c) => c.cell_type === 'code');
      const idle = await this.isIdle();
      if ((done(cells) && idle) || Date.now() > deadline) return cells;
      // Something to look at again: the notebook changed since the save, or its cells stopped running.
      const changed = idle ? unsaved : unsaved.or(runAll);
      await changed
        .first()
        .waitFor({ timeout: Math.max(1, deadline - Date.now()) })
        .catch(() => undefined);
    }
  }

  /**
   * Presses Ctrl+S and reads the notebook file once VS Code has written it: the tab shows nothing unsaved,
   * or the file changed; then the file is read again on each change until it parses (it is written in
   * pieces, so a read during the write sees part of it). A key press the editor missed leaves the tab
   * unsaved and the file as it was: after `savedMs` it is read as it stands, and the caller saves again.
   */
  private async save(name: string, savedMs = 5_000, writtenMs = 30_000): Promise<{ cells: NotebookCellJson[] }> {
    const path = join(this.workspace, name);
    const changes = new FileChanges(this.workspace, name);
    try {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press('Control+S');
      const saved = this.page.locator('.tab.active:not(.dirty)').waitFor({ timeout: savedMs });
      await Promise.race([saved.catch(() => undefined), changes.after(0, savedMs)]);
      const deadline = Date.now() + writtenMs;
      for (;;) {
        const seen = changes.seen;
        try {
          return JSON.parse(readFileSync(path, 'utf8')) as { cells: NotebookCellJson[] };
        } catch (error) {
          const incomplete = error instanceof SyntaxError || (error as NodeJS.ErrnoException).code === 'ENOENT';
          if (!incomplete || !(await changes.after(seen, Math.max(1, deadline - Date.now())))) throw error;
        }
      }
    } finally {
      changes.close();
    }
  }

  /** Steps through every cell with the keyboard, each step once the last reached its cell, so every output is rendered. */
  async revealAllCells(cellCount: number): Promise<void> {
    const { page } = this;
    const focusedCell = (position: number) =>
      page
        .locator(`.notebook-editor:visible .monaco-list-row.focused[aria-posinset="${position}"]`)
        .waitFor({ state: 'attached', timeout: 10_000 });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Home');
    await focusedCell(1);
    for (let position = 2; position <= cellCount; position++) {
      await page.keyboard.press('ArrowDown');
      await focusedCell(position);
    }
  }

  /** The notebook's output frame (VS Code's webview in the visible notebook editor), where the renderer draws. */
  outputFrame(): FrameLocator {
    return this.page.frameLocator('.notebook-editor:visible iframe.webview.ready').frameLocator('#active-frame');
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

  /**
   * Closes every editor, saving what is unsaved (each test works on its own copy of the notebooks, and a
   * notebook reopened later must show what it had). Reverting instead, or answering "Don't Save", both
   * revert the notebook, and twice on a loaded CI machine that revert left the tab dirty for 90 s (the
   * dialog came back, or the tab never cleared); saving is what every test already does many times.
   */
  async closeAllEditors(): Promise<void> {
    const { page } = this;
    const tabs = page.locator('.tab');
    if ((await tabs.count()) === 0) return;
    if ((await page.locator('.tab.dirty').count()) > 0) {
      await this.command('File: Save All Files');
      await page.locator('.tab.dirty').first().waitFor({ state: 'detached', timeout: 90_000 }); // bounds only
    }
    await this.command('View: Close All Editors');
    // A change that came after the save (a cell's timing written into its metadata) makes VS Code ask
    // about it: the answer is Save again, until every tab is gone.
    const saveButton = page.locator('.monaco-dialog-box').getByRole('button', { name: 'Save', exact: true });
    for (;;) {
      const outcome = await page
        .waitForFunction(
          () => (document.querySelector('.monaco-dialog-box') ? 'asked' : !document.querySelector('.tab') && 'closed'),
          undefined,
          { timeout: 90_000 }, // bounds only
        )
        .then((answer) => answer.jsonValue());
      if (outcome === 'closed') return;
      await saveButton.click();
      await page.locator('.monaco-dialog-box').waitFor({ state: 'detached', timeout: 90_000 }); // bounds only
    }
  }

  /** Closes the browser and stops code-server (killed if it has not exited 10 s after SIGTERM). */
  async dispose(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    if (this.server.exitCode === null && this.server.signalCode === null) {
      const exited = new Promise((resolve) => this.server.once('exit', resolve));
      this.server.kill('SIGTERM');
      const timer = setTimeout(() => this.server.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    // code-server's own children (extension host, file watcher) may still write workspace storage for a
    // moment after it exits: Node retries the removal on ENOTEMPTY/EBUSY instead of failing the suite.
    rmSync(this.home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
}
