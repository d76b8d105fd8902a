/**
 * One headless run of a notebook, in the manner of nbclient/papermill: every TypeScript/JavaScript
 * cell in order through a kernel process (extension/kernelClient.ts), outputs written into the
 * .ipynb as VS Code writes them. A per-cell timeout and SIGINT/SIGTERM interrupt the running cell
 * through the kernel's own interrupt; a kernel crash, a timeout or a signal still writes every
 * output that was produced, atomically. Async errors (a cell's timers and promises) land in the
 * cell that started them and fail the run like a failing cell. Nobody can answer a cell's `prompt()`
 * here: it fails that cell at once, pointing to notebook parameters.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CellError, CellLanguage, KernelNotification, OutputBundle } from '../protocol/kernelProtocol';
import { KernelClient, KernelCrashedError } from '../extension/kernelClient';
import { writeFileAtomically } from './atomicWrite';
import {
  appendStream,
  bundleOutput,
  cellLanguage,
  errorOutput,
  joinLines,
  parseNotebook,
  type JupyterCell,
  type JupyterNotebook,
  type JupyterOutput,
} from './notebookFile';
import { injectParameters, type NotebookParameter } from './notebookParameters';

export interface RunOptions {
  notebookPath: string;
  outputPath: string;
  /** Engine backend name, or 'auto'. */
  backend: string;
  /** Print nothing but errors of the runner itself. */
  quiet: boolean;
  /** Seconds a cell may run before it is interrupted and recorded as timed out; none: no limit (nbclient's default). */
  timeoutSeconds?: number;
  /** Run on past failing cells and exit 0, as nbclient's `allow_errors`. */
  allowErrors: boolean;
  parameters: NotebookParameter[];
  /** The cap on each rich output (--max-output-bytes); the kernel's default when absent. */
  maxOutputBytes?: number;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The runner's exit codes: a signal's are the shell's 128 + its number. */
export const exitCodes = { ok: 0, failed: 1, SIGINT: 130, SIGTERM: 143 } as const;

/** Why a cell's `prompt()` fails in a headless run (StdinNotImplementedError's message), and what to do instead. */
export const noInputMessage =
  'prompt() was called, but the headless runner has no input: give the value as a notebook parameter instead ' +
  "(declare it in a cell tagged 'parameters' and pass -p NAME VALUE).";

/** After an interrupt, how long a cell may take to stop before the kernel is killed instead. */
const interruptGraceMs = 5000;

/** How one cell's execution ended, from the runner's point of view. */
type CellEnd =
  | { kind: 'ok'; outputs: OutputBundle[] }
  | { kind: 'error'; error: CellError }
  /** The kernel is gone: no later cell can run. */
  | { kind: 'kernelGone'; error: CellError };

function textOf(bundle: OutputBundle): string {
  return (
    bundle.items.find((item) => item.mime === 'text/plain')?.data ??
    `[${bundle.items.map((item) => item.mime).join(', ')}]`
  );
}

/** The error the runner records in a cell it stopped (at the timeout, or at a signal). */
function stoppedCellError(name: string, message: string, cellLabel: string, killed: boolean): CellError {
  const how = killed
    ? 'the cell did not stop at the interrupt, so the kernel was killed'
    : 'the cell was interrupted through the kernel';
  return { name, message, traceback: [`${name}: ${message}`, `    at ${cellLabel} (${how})`] };
}

/** A kernel that died under a cell: how it ended, with its last stderr lines. */
function kernelDiedError(crash: KernelCrashedError): CellError {
  return { name: 'KernelDied', message: crash.message, traceback: crash.message.split('\n') };
}

export class NotebookRun {
  private client: KernelClient | undefined;
  private stopSignal: StopSignal | undefined;
  private signalStop: () => void = () => undefined;
  private readonly stopRequested = new Promise<void>((resolve) => (this.signalStop = resolve));
  /** Interrupts the running cell (then kills the kernel if it does not stop); set while a cell runs. */
  private interruptRunningCell: (() => void) | undefined;
  private readonly outputsByCell = new Map<string, JupyterOutput[]>();
  /** Cells whose `clearOutput({ wait: true })` clears them when their next output arrives. */
  private readonly clearOnNextOutput = new Set<string>();
  private readonly labels = new Map<string, string>();
  /** A cell failed, timed out, or a cell's timer or promise threw. */
  private failed = false;
  private kernelGone = false;

  constructor(private readonly options: RunOptions) {}

  /**
   * SIGINT/SIGTERM: interrupts the running cell, runs no further cell, and the run ends writing
   * what ran. A second signal kills the kernel at once.
   */
  stop(signal: StopSignal): void {
    if (this.stopSignal) {
      this.client?.kill();
      return;
    }
    this.stopSignal = signal;
    this.print(`\n${signal}: stopping the run\n`, 'stderr');
    this.signalStop();
    this.interruptRunningCell?.();
  }

  /** Runs the notebook, writes the output notebook and answers the exit code. */
  async run(): Promise<number> {
    const { options } = this;
    const notebook = parseNotebook(readFileSync(options.notebookPath, 'utf8'), options.notebookPath);
    if (options.parameters.length) this.parameterize(notebook);
    const runnable = notebook.cells
      .map((cell, index) => ({ cell, index, language: cellLanguage(cell, notebook) }))
      .filter(({ cell }) => cell.cell_type === 'code');
    // As papermill: no output of an earlier run stays next to this run's.
    for (const { cell, language } of runnable)
      if (language) Object.assign(cell, { outputs: [], execution_count: null });
    let executionCount = 0;
    const client = await this.startKernel();
    try {
      for (const { cell, index, language } of runnable) {
        if (this.stopSignal || this.kernelGone || (this.failed && !options.allowErrors)) break;
        if (!language) {
          const languageId = cell.metadata.vscode?.languageId;
          this.print(`\n── cell ${index + 1}: skipped (language ${languageId} is not TypeScript or JavaScript)\n`);
          continue;
        }
        cell.execution_count = ++executionCount;
        await this.runCell(client, cell, index, language, executionCount);
      }
      if (!this.stopSignal && !this.kernelGone && client.alive) await this.awaitPendingWork(client);
    } finally {
      writeFileAtomically(options.outputPath, `${JSON.stringify(notebook, null, 1)}\n`);
      await client.shutdown();
    }
    const outcome = this.stopSignal
      ? `stopped by ${this.stopSignal}`
      : this.failed || this.kernelGone
        ? 'failed'
        : 'ok';
    this.print(`\n${outcome}: ${executionCount} cells run, outputs written to ${options.outputPath}\n`);
    if (this.stopSignal) return exitCodes[this.stopSignal];
    if (this.kernelGone || (this.failed && !options.allowErrors)) return exitCodes.failed;
    return exitCodes.ok;
  }

  private print(text: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    if (!this.options.quiet) process[stream].write(text);
  }

  private parameterize(notebook: JupyterNotebook): void {
    const injected = injectParameters(notebook, this.options.parameters);
    if (!injected.afterParametersCell)
      this.print(`warning: no cell is tagged 'parameters'; the parameters go into a new first cell\n`, 'stderr');
    for (const name of injected.undeclared)
      this.print(`warning: the parameters cell does not declare '${name}' (passed with -p)\n`, 'stderr');
  }

  private async startKernel(): Promise<KernelClient> {
    const { client, hello } = await KernelClient.start({
      kernelPath: join(__dirname, 'kernel.js'),
      cwd: dirname(this.options.notebookPath),
      backend: this.options.backend,
      maxOutputBytes: this.options.maxOutputBytes,
      ownProcessGroup: true,
      onNotification: (message) => this.notify(message),
      onInputRequest: () => Promise.reject(new Error(noInputMessage)),
      onProcessOutput: (stream, text) => this.print(text, stream),
    });
    this.client = client;
    this.print(
      `attention-lab: ${this.options.notebookPath}\nkernel pid ${hello.pid}, engine backend ${hello.backend}\n`,
    );
    return client;
  }

  /** A cell's outputs, for a new one: a pending `clearOutput({ wait: true })` empties them first. */
  private outputsOf(cellId: string): JupyterOutput[] | undefined {
    const outputs = this.outputsByCell.get(cellId);
    if (outputs && this.clearOnNextOutput.delete(cellId)) outputs.length = 0;
    return outputs;
  }

  private notify(message: KernelNotification): void {
    if (message.type === 'clearOutput') {
      if (message.wait) this.clearOnNextOutput.add(message.cellId);
      else this.outputsByCell.get(message.cellId)?.splice(0);
      return;
    }
    const outputs =
      message.type === 'updateDisplay' ? this.outputsByCell.get(message.cellId) : this.outputsOf(message.cellId);
    if (!outputs) return;
    if (message.type === 'stream') {
      appendStream(outputs, message.stream, message.text);
      this.print(message.text, message.stream);
    } else if (message.type === 'asyncError') {
      outputs.push(errorOutput(message.error));
      this.failed = true;
      const label = this.labels.get(message.cellId);
      this.print(
        `── ${label}: an error its timers or promises threw ──\n${message.error.traceback.join('\n')}\n`,
        'stderr',
      );
    } else if (message.type === 'display') {
      outputs.push(bundleOutput(message.bundle));
      this.print(`${textOf(message.bundle)}\n`);
    } else {
      const displayId = message.bundle.displayId;
      const at = outputs.findIndex(
        (o) => (o.metadata?.transient as { display_id?: string } | undefined)?.display_id === displayId,
      );
      if (at >= 0) outputs[at] = bundleOutput(message.bundle);
      this.print(`${textOf(message.bundle)}\n`);
    }
  }

  private async runCell(
    client: KernelClient,
    cell: JupyterCell,
    index: number,
    language: CellLanguage,
    executionCount: number,
  ): Promise<void> {
    const cellId = `cell-${index}`;
    const label = `cell ${index + 1}`;
    const outputs: JupyterOutput[] = [];
    this.outputsByCell.set(cellId, outputs);
    this.labels.set(cellId, label);
    cell.outputs = outputs;
    this.print(`\n── ${label} [${executionCount}] ──\n`);
    const started = new Date();
    const end = await this.execute(client, cellId, label, joinLines(cell.source), language);
    cell.metadata.execution = {
      'iopub.execute_input': started.toISOString(),
      'shell.execute_reply': new Date().toISOString(),
    };
    if (end.kind === 'ok') {
      end.outputs.forEach((bundle, i) => {
        this.outputsOf(cellId)?.push(bundleOutput(bundle, i === end.outputs.length - 1 ? executionCount : undefined));
        this.print(`${textOf(bundle)}\n`);
      });
      return;
    }
    this.outputsOf(cellId)?.push(errorOutput(end.error));
    this.print(`${end.error.traceback.join('\n')}\n`, 'stderr');
    this.failed = true;
    if (end.kind === 'kernelGone') this.kernelGone = true;
  }

  /** Executes one cell, bounded by the timeout and by a stop signal, each an interrupt first. */
  private async execute(
    client: KernelClient,
    cellId: string,
    label: string,
    source: string,
    language: CellLanguage,
  ): Promise<CellEnd> {
    let timedOut = false;
    let killed = false;
    let killTimer: NodeJS.Timeout | undefined;
    const interruptThenKill = () => {
      if (killTimer) return;
      void client.interrupt().catch(() => undefined);
      killTimer = setTimeout(() => {
        killed = true;
        client.kill();
      }, interruptGraceMs);
    };
    const seconds = this.options.timeoutSeconds;
    const timeoutTimer =
      seconds === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            interruptThenKill();
          }, seconds * 1000);
    this.interruptRunningCell = interruptThenKill;
    /** The error of a cell the runner stopped, else undefined. */
    const stoppedBy = (kernelKilled: boolean): CellError | undefined => {
      if (timedOut)
        return stoppedCellError('CellTimeoutError', `cell timed out after ${seconds} s`, label, kernelKilled);
      if (this.stopSignal)
        return stoppedCellError('Interrupted', `the run was stopped by ${this.stopSignal}`, label, kernelKilled);
      return undefined;
    };
    try {
      const result = await client.execute(cellId, label, source, language);
      if (result.status === 'ok') return { kind: 'ok', outputs: result.outputs };
      if (result.status === 'error') return { kind: 'error', error: result.error };
      const interrupted = { name: 'Interrupted', message: 'the cell was interrupted', traceback: [] };
      return { kind: 'error', error: stoppedBy(false) ?? interrupted };
    } catch (error) {
      if (!(error instanceof KernelCrashedError)) throw error;
      return { kind: 'kernelGone', error: (killed && stoppedBy(true)) || kernelDiedError(error) };
    } finally {
      clearTimeout(timeoutTimer);
      clearTimeout(killTimer);
      this.interruptRunningCell = undefined;
    }
  }

  /**
   * After the last cell: waits until no cell has a timer pending (as `node` waits before it exits),
   * so late outputs and async errors land in their cells; bounded by the timeout and a stop signal.
   */
  private async awaitPendingWork(client: KernelClient): Promise<void> {
    const pending = Object.entries((await client.request('pendingWork', { untilNone: false })).timersByCell);
    if (pending.length === 0) return;
    const described = pending.map(([cellId, count]) => `${count} of ${this.labels.get(cellId) ?? cellId}`).join(', ');
    this.print(`\n── waiting for pending timers (${described}) ──\n`);
    const seconds = this.options.timeoutSeconds;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timedOut'>((resolve) => {
      if (seconds !== undefined) timer = setTimeout(() => resolve('timedOut'), seconds * 1000);
    });
    const settled = client.request('pendingWork', { untilNone: true }).then(
      () => 'settled' as const,
      (error: Error) => error,
    );
    const end = await Promise.race([settled, timedOut, this.stopRequested.then(() => 'stopped' as const)]);
    clearTimeout(timer);
    if (end === 'timedOut')
      this.print(`stopped waiting for pending timers after ${seconds} s (--timeout); they did not run\n`, 'stderr');
    if (end instanceof KernelCrashedError) {
      const [cellId] = pending[0];
      const error = kernelDiedError(end);
      this.outputsOf(cellId)?.push(errorOutput(error));
      this.print(`${error.traceback.join('\n')}\n`, 'stderr');
      this.kernelGone = true;
    } else if (end instanceof Error) throw end;
  }
}
