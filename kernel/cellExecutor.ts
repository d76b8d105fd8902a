// Runs notebook cells in the kernel's main thread: compiles each (cellCompiler.ts), evaluates it in
// V8's REPL mode (replEvaluator.ts) and answers with its outputs or its error in cell lines
// (stackMapping.ts). Console output (consoleCapture.ts) and displays (cellDisplays.ts) go to the
// cell that owns the running code (cellAttribution.ts), sent at once, in the order they happen.
import type {
  CellLanguage,
  ExecuteResult,
  InputRequest,
  KernelNotification,
  PendingWork,
} from '../protocol/kernelProtocol';
import { CellAttribution } from './cellAttribution';
import { CellCompileError, compileCell } from './cellCompiler';
import { CellDisplays } from './cellDisplays';
import { captureConsole } from './consoleCapture';
import { InputPrompt, type InputReplyLink } from './inputPrompt';
import type { ModuleLoader } from './moduleLoader';
import { installNotebookGlobals } from './notebookGlobals';
import { outputsForResult } from './outputBundle';
import { withPytorchNameHint } from './pytorchNameHints';
import { ReplEvaluator, type EvaluationEnd } from './replEvaluator';
import { compileCellError, StackMapping } from './stackMapping';
import { installVariableSummaries } from './variableSummaries';

interface RunningCell {
  cellId: string;
  finish: (result: ExecuteResult) => void;
}

export class CellExecutor {
  private readonly evaluator = new ReplEvaluator();
  private readonly attribution = new CellAttribution();
  private readonly stackMapping: StackMapping;
  private running: RunningCell | null = null;
  private terminatedLast = false;
  /** Every top-level name a compiled cell declared, in the order first declared (a Set keeps it). */
  private readonly declaredNames = new Set<string>();

  constructor(
    private readonly send: (message: KernelNotification | InputRequest) => void,
    loader: ModuleLoader,
    engine: Record<string, unknown>,
    inputReplies: InputReplyLink,
  ) {
    this.stackMapping = new StackMapping((error) => withPytorchNameHint(error, engine));
    const owningCell = () => this.attribution.cellId;
    const displays = new CellDisplays(send, owningCell);
    installNotebookGlobals(engine, loader, displays, new InputPrompt(inputReplies, send, owningCell));
    captureConsole((stream, text) => this.stream(stream, text));
    installVariableSummaries(() => [...this.declaredNames]);
    // Starts esbuild's service now (the handshake waits for it, about 0.5 s), so the first cell's
    // time, and the runner's --timeout on it, is the cell's own.
    compileCell('0', 'typescript', 'warm-up');
  }

  dispose(): void {
    this.evaluator.dispose();
  }

  get busy(): boolean {
    return this.running !== null;
  }

  /** Ends the running cell as interrupted (its pending awaits are abandoned); false when idle. */
  interrupt(): boolean {
    // A busy cell was already stopped by the control thread's termination before this arrived.
    if (!this.running) return this.terminatedLast;
    this.running.finish({ status: 'interrupted' });
    return true;
  }

  async execute(cellId: string, cellLabel: string, code: string, language: CellLanguage): Promise<ExecuteResult> {
    let script: string;
    try {
      const compiled = compileCell(code, language, cellLabel);
      for (const name of compiled.declaredNames) this.declaredNames.add(name);
      script = this.stackMapping.script(compiled, cellLabel);
    } catch (error) {
      if (!(error instanceof CellCompileError)) throw error;
      return { status: 'error', error: compileCellError(error, cellLabel) };
    }
    const result = await new Promise<ExecuteResult>((resolve) => {
      let settled = false;
      const finish = (outcome: ExecuteResult) => {
        if (settled) return;
        settled = true;
        if (this.running?.finish === finish) this.running = null;
        resolve(outcome);
      };
      this.running = { cellId, finish };
      this.attribution.enter(cellId);
      this.evaluator.evaluate(script, (end) => {
        this.terminatedLast = end.kind === 'terminated';
        if (end.kind === 'terminated') finish({ status: 'interrupted' });
        else if (end.kind === 'inspectorError') {
          finish({ status: 'error', error: { name: 'KernelError', message: end.message, traceback: [end.message] } });
        } else {
          const failed = (failure: unknown) => finish({ status: 'error', error: this.stackMapping.cellError(failure) });
          void this.settle(end).then(finish, failed);
        }
      });
    });
    this.evaluator.releaseObjects();
    return result;
  }

  /**
   * Reports an error no code caught, as an error output of the cell that started the code that
   * threw: a timer or callback of it (`uncaught`), or the code that created a rejected promise nobody
   * handled (`unhandledRejection`, with that promise).
   */
  reportAsyncError(thrown: unknown, rejected?: Promise<unknown>): void {
    const cellId = rejected ? this.attribution.cellOfPromise(rejected) : this.attribution.cellOfUncaught(thrown);
    if (!cellId) return;
    const error = this.stackMapping.cellError(thrown);
    // As a browser console says it; a thrown non-Error already reads "Uncaught <value>".
    if (thrown instanceof Error)
      error.traceback[0] = `Uncaught${rejected ? ' (in promise)' : ''} ${error.traceback[0]}`;
    this.send({ type: 'asyncError', cellId, error });
  }

  /** The cells' pending timers now, or once there are none (every output they caused was sent as it happened). */
  async pendingWork(untilNone: boolean): Promise<PendingWork> {
    if (untilNone) await this.attribution.whenNoPendingTimers();
    return { timersByCell: this.attribution.timersByCell() };
  }

  private async settle(end: Extract<EvaluationEnd, { kind: 'threw' | 'returned' }>): Promise<ExecuteResult> {
    if (end.kind === 'threw') return { status: 'error', error: this.stackMapping.cellError(await end.thrown) };
    return { status: 'ok', outputs: outputsForResult(await end.value) };
  }

  /** Text printed by the cell that owns the running code (its late timers and promises included). */
  private stream(stream: 'stdout' | 'stderr', text: string): void {
    const cellId = this.attribution.cellId;
    if (cellId) this.send({ type: 'stream', cellId, stream, text });
  }
}
