/**
 * The NotebookController for .ipynb notebooks with TypeScript/JavaScript cells: one kernel process
 * per notebook (kernelClient.ts), a queue of cell executions with order and timing, kernel
 * notifications turned into cell outputs (late ones included), a cell's `prompt()` as an input box,
 * interrupt, restart and crash.
 */
import * as vscode from 'vscode';
import type {
  CellError,
  CellLanguage,
  InputRequest,
  KernelNotification,
  OutputBundle,
  OutputItem,
  VariableSummary,
} from '../protocol/kernelProtocol';
import { attentionLabTypeScript, kernelLanguageOf } from '../protocol/cellLanguages';
import { KernelClient, KernelCrashedError, type KernelExit } from './kernelClient';

export const controllerId = 'attention-lab-kernel';

interface QueuedCell {
  cell: vscode.NotebookCell;
  execution: vscode.NotebookCellExecution;
}

interface CellRecord {
  cell: vscode.NotebookCell;
  /** Live while the cell runs; afterwards late outputs open a short execution of their own. */
  execution?: vscode.NotebookCellExecution;
  displays: Map<string, vscode.NotebookCellOutput>;
  /** The cell's last output when it is a stream of this mime: the next line of the stream joins it. */
  lastStream?: { output: vscode.NotebookCellOutput; mime: string };
  /** An error thrown by a timer or promise the cell started, so the cell reads as failed. */
  failedAsync?: boolean;
  /** `clearOutput({ wait: true })` ran: the cell's next output replaces everything shown so far. */
  clearOnNextOutput?: boolean;
}

export interface KernelSettings {
  kernelPath: string;
  backend: string;
  nodePath: string;
  /** The setting attentionLab.maxOutputBytes: the cap on each rich output. */
  maxOutputBytes: number;
}

function toOutputItem(item: OutputItem): vscode.NotebookCellOutputItem {
  if (item.mime.startsWith('text/')) return vscode.NotebookCellOutputItem.text(item.data, item.mime);
  // Images travel as base64 (as nbformat stores them); VS Code wants their bytes.
  const encoding = item.mime === 'image/png' ? 'base64' : 'utf8';
  return new vscode.NotebookCellOutputItem(Buffer.from(item.data, encoding), item.mime);
}

function toOutput(bundle: OutputBundle): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput(
    bundle.items.map(toOutputItem),
    bundle.displayId ? { displayId: bundle.displayId } : undefined,
  );
}

function errorOutput(error: CellError): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([
    vscode.NotebookCellOutputItem.error({
      name: error.name,
      message: error.message,
      stack: error.traceback.join('\n'),
    }),
  ]);
}

/** One notebook's kernel and execution queue. */
class NotebookSession implements vscode.Disposable {
  private client: KernelClient | undefined;
  private starting: Promise<KernelClient> | undefined;
  private queue: QueuedCell[] = [];
  private draining = false;
  private executionOrder = 0;
  private runningCellId: string | undefined;
  /** The input box of a cell's `prompt()` while it is open (one at a time: the kernel waits on it). */
  private openInput: { cellId: string; closer: vscode.CancellationTokenSource } | undefined;
  private readonly cells = new Map<string, CellRecord>();
  /** Every change to outputs goes through this chain, so they land in the order the kernel sent them. */
  private outputChanges: Promise<void> = Promise.resolve();
  backend = '';

  constructor(
    private readonly notebook: vscode.NotebookDocument,
    private readonly controller: vscode.NotebookController,
    private readonly settings: () => KernelSettings,
    private readonly onStateChange: () => void,
  ) {}

  enqueue(cells: readonly vscode.NotebookCell[]): void {
    for (const cell of cells) {
      if (this.queue.some((queued) => queued.cell === cell)) continue;
      this.queue.push({ cell, execution: this.controller.createNotebookCellExecution(cell) });
    }
    void this.drain();
  }

  private async kernel(): Promise<KernelClient> {
    if (this.client?.alive) return this.client;
    this.starting ??= this.startKernel().finally(() => (this.starting = undefined));
    return this.starting;
  }

  private async startKernel(): Promise<KernelClient> {
    const { kernelPath, backend, nodePath, maxOutputBytes } = this.settings();
    const folder = vscode.Uri.joinPath(this.notebook.uri, '..');
    const cwd =
      folder.scheme === 'file' ? folder.fsPath : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd());
    const { client, hello } = await KernelClient.start({
      kernelPath,
      cwd,
      backend,
      maxOutputBytes,
      nodePath: nodePath || undefined,
      onNotification: (message) => void this.changeOutputs(() => this.notify(message)),
      onInputRequest: (request) => this.askInput(request),
      onProcessOutput: (stream, text) =>
        void this.changeOutputs(() => this.notify({ type: 'stream', cellId: this.runningCellId ?? '', stream, text })),
    });
    this.client = client;
    this.backend = hello.backend;
    this.executionOrder = 0;
    this.onStateChange();
    void client.exited.then((exit) => this.kernelExited(client, exit));
    return client;
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length) {
        const next = this.queue.shift() as QueuedCell;
        const ok = await this.run(next);
        if (!ok) this.cancelQueued();
      }
    } finally {
      this.draining = false;
    }
  }

  private async run({ cell, execution }: QueuedCell): Promise<boolean> {
    const cellId = cell.document.uri.toString();
    const record: CellRecord = { cell, execution, displays: new Map() };
    this.cells.set(cellId, record);
    const startTime = Date.now();
    execution.start(startTime);
    await this.changeOutputs(async () => {
      await execution.clearOutput();
    });
    let success = false;
    try {
      const client = await this.kernel();
      execution.executionOrder = ++this.executionOrder;
      this.runningCellId = cellId;
      const language: CellLanguage = kernelLanguageOf(cell.document.languageId) ?? 'typescript';
      const result = await client.execute(cellId, `cell ${cell.index + 1}`, cell.document.getText(), language);
      if (result.status === 'ok') {
        await this.changeOutputs(() => this.append(record, execution, result.outputs.map(toOutput)));
        success = true;
      } else if (result.status === 'error') {
        await this.changeOutputs(() => this.append(record, execution, [errorOutput(result.error)]));
      } else {
        const interrupted = errorOutput({
          name: 'Interrupted',
          message: 'The cell was interrupted; the variables of earlier cells are kept.',
          traceback: [],
        });
        await this.changeOutputs(() => this.append(record, execution, [interrupted]));
      }
    } catch (error) {
      const crashed = error instanceof KernelCrashedError;
      const message = crashed ? `${error.message}\nThe next run starts a new kernel.` : (error as Error).message;
      await this.changeOutputs(() =>
        this.append(record, execution, [
          errorOutput({ name: crashed ? 'KernelDied' : 'KernelError', message, traceback: [] }),
        ]),
      );
    } finally {
      // Interrupted while its prompt() waited: the question is gone with the cell.
      if (this.openInput?.cellId === cellId) this.openInput.closer.cancel();
      this.runningCellId = undefined;
      const endTime = Date.now();
      success &&= !record.failedAsync;
      execution.end(success, endTime);
      record.execution = undefined;
      await this.keepTiming(cell, startTime, endTime);
    }
    return success;
  }

  /** A cell's `prompt(message, defaultValue)`: VS Code's input box; Escape (or the cell's end) answers null. */
  private async askInput({ cellId, prompt, defaultValue }: InputRequest): Promise<string | null> {
    const cell = this.cells.get(cellId)?.cell;
    const closer = new vscode.CancellationTokenSource();
    this.openInput = { cellId, closer };
    try {
      const options: vscode.InputBoxOptions = {
        title: cell ? `prompt() in cell ${cell.index + 1}` : 'prompt()',
        prompt,
        value: defaultValue ?? undefined,
        ignoreFocusOut: true,
      };
      return (await vscode.window.showInputBox(options, closer.token)) ?? null;
    } finally {
      if (this.openInput?.closer === closer) this.openInput = undefined;
      closer.dispose();
    }
  }

  /** Writes start and end times into the cell's Jupyter metadata, so they are kept in the file. */
  private async keepTiming(cell: vscode.NotebookCell, startTime: number, endTime: number): Promise<void> {
    const jupyter = (cell.metadata.metadata ?? {}) as Record<string, unknown>;
    const execution = {
      'iopub.execute_input': new Date(startTime).toISOString(),
      'shell.execute_reply': new Date(endTime).toISOString(),
    };
    const edit = new vscode.WorkspaceEdit();
    edit.set(cell.notebook.uri, [
      vscode.NotebookEdit.updateCellMetadata(cell.index, { ...cell.metadata, metadata: { ...jupyter, execution } }),
    ]);
    await vscode.workspace.applyEdit(edit);
  }

  private cancelQueued(): void {
    for (const { execution } of this.queue.splice(0)) execution.end(undefined);
  }

  private changeOutputs(change: () => Promise<void>): Promise<void> {
    this.outputChanges = this.outputChanges.then(change, change);
    return this.outputChanges;
  }

  private async append(
    record: CellRecord,
    execution: vscode.NotebookCellExecution,
    outputs: vscode.NotebookCellOutput[],
  ): Promise<void> {
    if (outputs.length === 0) return;
    if (record.clearOnNextOutput) await this.clear(record, execution);
    record.lastStream = undefined;
    await execution.appendOutput(outputs);
  }

  /** Removes a cell's outputs (`clearOutput()` in the cell, or its pending `wait` on the next output). */
  private async clear(record: CellRecord, execution: vscode.NotebookCellExecution): Promise<void> {
    record.clearOnNextOutput = false;
    record.lastStream = undefined;
    record.displays.clear();
    await execution.clearOutput();
  }

  /**
   * Applies a kernel notification to its cell, also after that cell's execution ended. An async
   * error fails its cell (a finished one too) and, as a failed cell does, cancels the queued cells.
   */
  private async notify(message: KernelNotification): Promise<void> {
    const record = this.cells.get(message.cellId);
    if (!record) return;
    if (message.type === 'asyncError') {
      record.failedAsync = true;
      this.cancelQueued();
    }
    await this.withExecution(record, async (execution) => {
      if (message.type === 'stream') {
        const item =
          message.stream === 'stdout'
            ? vscode.NotebookCellOutputItem.stdout(message.text)
            : vscode.NotebookCellOutputItem.stderr(message.text);
        if (record.lastStream?.mime === item.mime && !record.clearOnNextOutput) {
          await execution.appendOutputItems(item, record.lastStream.output);
        } else {
          const output = new vscode.NotebookCellOutput([item]);
          await this.append(record, execution, [output]);
          record.lastStream = { output, mime: item.mime };
        }
      } else if (message.type === 'asyncError') {
        await this.append(record, execution, [errorOutput(message.error)]);
      } else if (message.type === 'clearOutput') {
        if (message.wait) record.clearOnNextOutput = true;
        else await this.clear(record, execution);
      } else if (message.type === 'display') {
        const output = toOutput(message.bundle);
        record.displays.set(message.bundle.displayId ?? '', output);
        await this.append(record, execution, [output]);
      } else {
        const shown = record.cell.outputs.find((o) => o.metadata?.displayId === message.bundle.displayId);
        if (shown) await execution.replaceOutputItems(message.bundle.items.map(toOutputItem), shown);
      }
    });
  }

  private async withExecution(
    record: CellRecord,
    apply: (execution: vscode.NotebookCellExecution) => Promise<void>,
  ): Promise<void> {
    if (record.execution) return apply(record.execution);
    const summary = record.cell.executionSummary;
    const late = this.controller.createNotebookCellExecution(record.cell);
    late.executionOrder = summary?.executionOrder;
    late.start(summary?.timing?.startTime);
    try {
      await apply(late);
    } finally {
      late.end(record.failedAsync ? false : summary?.success, summary?.timing?.endTime);
    }
  }

  private kernelExited(client: KernelClient, exit: KernelExit): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.backend = '';
    this.onStateChange();
    if (!exit.expected && !this.runningCellId)
      void vscode.window.showWarningMessage(
        `Attention Lab: ${exit.message.split('\n')[0]} The next run starts a new kernel.`,
      );
  }

  /** The kernel when one is running (never starts one). */
  get runningClient(): KernelClient | undefined {
    return this.client?.alive ? this.client : undefined;
  }

  async interrupt(): Promise<void> {
    this.cancelQueued();
    await this.client?.interrupt();
  }

  async restart(): Promise<void> {
    this.cancelQueued();
    const client = this.client;
    this.client = undefined;
    await client?.shutdown();
    await this.kernel();
  }

  dispose(): void {
    this.cancelQueued();
    void this.client?.shutdown();
  }
}

export class KernelController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<vscode.NotebookDocument, NotebookSession>();
  private readonly stateChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeState = this.stateChanged.event;

  constructor(private readonly settings: () => KernelSettings) {
    this.controller = vscode.notebooks.createNotebookController(
      controllerId,
      'jupyter-notebook',
      'Attention Lab (TypeScript)',
    );
    // Ours first: the language VS Code gives a new notebook's cells under this kernel (cellLanguageSwitch.ts).
    this.controller.supportedLanguages = [attentionLabTypeScript, 'typescript', 'javascript'];
    this.controller.supportsExecutionOrder = true;
    this.controller.description = 'TypeScript cells on the Attention Lab tensor and attention engine';
    this.controller.executeHandler = (cells, notebook) => this.session(notebook).enqueue(cells);
    this.controller.interruptHandler = (notebook) => this.session(notebook).interrupt();
  }

  private session(notebook: vscode.NotebookDocument): NotebookSession {
    let session = this.sessions.get(notebook);
    if (!session) {
      session = new NotebookSession(notebook, this.controller, this.settings, () => this.stateChanged.fire());
      this.sessions.set(notebook, session);
    }
    return session;
  }

  /** Prefers this kernel for notebooks whose kernelspec names Attention Lab. */
  claim(notebook: vscode.NotebookDocument): void {
    if (notebook.notebookType !== 'jupyter-notebook') return;
    const metadata = notebook.metadata as {
      metadata?: { kernelspec?: { name?: string } };
      kernelspec?: { name?: string };
    };
    const name = metadata.metadata?.kernelspec?.name ?? metadata.kernelspec?.name ?? '';
    if (/attention[-_ ]?lab/i.test(name))
      this.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
  }

  /**
   * Asks the notebook's running kernel about variables, without running user code (the protocol's
   * variables request); undefined when no kernel runs.
   */
  variables(notebook: vscode.NotebookDocument, names: string[]): Promise<VariableSummary[]> | undefined {
    return this.sessions.get(notebook)?.runningClient?.variables(names);
  }

  backendOf(notebook: vscode.NotebookDocument): string {
    return this.sessions.get(notebook)?.backend ?? '';
  }

  interrupt(notebook: vscode.NotebookDocument): Promise<void> {
    return this.session(notebook).interrupt();
  }

  restart(notebook: vscode.NotebookDocument): Promise<void> {
    return this.session(notebook).restart();
  }

  close(notebook: vscode.NotebookDocument): void {
    this.sessions.get(notebook)?.dispose();
    this.sessions.delete(notebook);
  }

  dispose(): void {
    for (const session of this.sessions.values()) session.dispose();
    this.sessions.clear();
    this.controller.dispose();
    this.stateChanged.dispose();
  }
}
