// Runs compiled cells in the kernel's main thread through V8's REPL mode (the inspector's
// Runtime.evaluate with replMode): top-level await, and let/const/class that persist and can be
// declared again when a cell re-runs. Console output and displays go to the cell that owns the
// running code (cellAttribution.ts), in order, through one outbox.
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { formatWithOptions } from 'node:util';
import type { CellError, CellLanguage, ExecuteResult, KernelNotification, OutputBundle } from '../protocol/kernelProtocol';
import { CellAttribution } from './cellAttribution';
import { CellCompileError, compileCell, loaderGlobal } from './cellCompiler';
import type { ModuleLoader } from './moduleLoader';
import { AttentionView, type AttentionOptions } from './attentionView';
import { DisplayHandle, type DisplayOptions } from './displayHandle';
import { inspectValue, outputBundle, outputsForResult } from './outputBundle';
import { steps } from './steps';

interface RunningCell {
  cellId: string;
  finish: (result: ExecuteResult) => void;
}

interface RemoteObject {
  type: string;
  value?: unknown;
  unserializableValue?: string;
  objectId?: string;
}

interface EvaluateReply {
  result: RemoteObject;
  exceptionDetails?: { text: string; lineNumber: number; columnNumber: number; exception?: RemoteObject };
}

const sinkGlobal = '__attentionLabSink';
const cellUrlPrefix = 'attention-lab-cell-';

/** Sends kernel → client messages in order, waiting for outputs that are still being built. */
class OrderedOutbox {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly send: (message: KernelNotification) => void) {}

  /** Posts at once when nothing is waiting, so output streams even from a busy synchronous cell. */
  push(message: KernelNotification | Promise<KernelNotification | undefined>): void {
    if (this.pending === 0 && !(message instanceof Promise)) {
      this.send(message);
      return;
    }
    this.pending++;
    const ready = Promise.resolve(message);
    this.tail = this.tail.then(async () => {
      try {
        const resolved = await ready;
        if (resolved) this.send(resolved);
      } finally {
        this.pending--;
      }
    });
  }

  /** Resolves once everything pushed so far was sent. */
  flushed(): Promise<void> {
    return this.tail;
  }
}

export class CellExecutor {
  private readonly session = new Session();
  private readonly attribution = new CellAttribution();
  private readonly outbox: OrderedOutbox;
  private readonly sourceMaps = new Map<string, { map: SourceMap; label: string }>();
  private running: RunningCell | null = null;
  private terminatedLast = false;
  private evaluationCount = 0;
  private displayCount = 0;

  constructor(
    send: (message: KernelNotification) => void,
    private readonly loader: ModuleLoader,
    engine: Record<string, unknown>,
  ) {
    this.outbox = new OrderedOutbox(send);
    this.session.connect();
    this.installGlobals(engine);
    this.captureConsole();
  }

  dispose(): void {
    this.session.disconnect();
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
      const url = `${cellUrlPrefix}${++this.evaluationCount}.js`;
      this.sourceMaps.set(url, { map: new SourceMap(compiled.sourceMap), label: cellLabel });
      script = `${compiled.code}\n//# sourceURL=${url}`;
    } catch (error) {
      if (!(error instanceof CellCompileError)) throw error;
      const caret = `${' '.repeat(error.column)}^`;
      return { status: 'error', error: { name: 'CompileError', message: error.message, traceback: [`CompileError: ${error.message}`, `    at ${cellLabel}:${error.line}:${error.column + 1}`, `    ${error.lineText}`, `    ${caret}`] } };
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
      this.session.post('Runtime.evaluate', { expression: script, replMode: true, awaitPromise: true, objectGroup: 'cell' }, (error, reply) => {
        const evaluated = reply as EvaluateReply;
        // A cell stopped by an interrupt's termination ends with V8's message, as an inspector error
        // or as an exception that carries no value.
        const details = evaluated?.exceptionDetails;
        this.terminatedLast = /terminated/i.test(error?.message ?? (details && !details.exception ? details.text : ''));
        if (this.terminatedLast) finish({ status: 'interrupted' });
        else if (error) finish({ status: 'error', error: { name: 'KernelError', message: error.message, traceback: [error.message] } });
        else void this.settle(evaluated).then(finish, (failure: unknown) => finish({ status: 'error', error: this.cellError(failure) }));
      });
    });
    this.session.post('Runtime.releaseObjectGroup', { objectGroup: 'cell' });
    await this.outbox.flushed();
    return result;
  }

  private async settle(reply: EvaluateReply): Promise<ExecuteResult> {
    if (reply.exceptionDetails) {
      const thrown = reply.exceptionDetails.exception ? await this.remoteValue(reply.exceptionDetails.exception) : new Error(reply.exceptionDetails.text);
      return { status: 'error', error: this.cellError(thrown) };
    }
    const value = await this.remoteValue(reply.result);
    return { status: 'ok', outputs: await outputsForResult(value) };
  }

  /** The real JS value behind an inspector RemoteObject (objects come back through a global sink). */
  private remoteValue(remote: RemoteObject): Promise<unknown> {
    if (remote.objectId) {
      return new Promise((resolve, reject) => {
        const sink = globalThis as unknown as Record<string, (value: unknown) => void>;
        sink[sinkGlobal] = resolve;
        this.session.post('Runtime.callFunctionOn', { objectId: remote.objectId, functionDeclaration: `function () { globalThis.${sinkGlobal}(this); }` }, (error) => {
          if (error) reject(error);
        });
      });
    }
    if (remote.unserializableValue !== undefined) {
      const text = remote.unserializableValue;
      return Promise.resolve(text.endsWith('n') ? BigInt(text.slice(0, -1)) : text === '-0' ? -0 : Number(text));
    }
    return Promise.resolve(remote.type === 'undefined' ? undefined : remote.value);
  }

  /** name, message and a stack whose cell frames read `at f (cell 3:2:7)`. */
  cellError(thrown: unknown): CellError {
    if (!(thrown instanceof Error)) return { name: 'Uncaught', message: inspectValue(thrown), traceback: [`Uncaught ${inspectValue(thrown)}`] };
    const frames = (thrown.stack ?? '')
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .filter((line) => !/node:(inspector|internal|async_hooks)|\(<anonymous>\)$/.test(line) && !line.includes(__filename))
      .map((line) => this.mapFrame(line));
    return { name: thrown.name, message: thrown.message, traceback: [`${thrown.name}: ${thrown.message}`, ...frames] };
  }

  private mapFrame(line: string): string {
    return line.replace(new RegExp(`${cellUrlPrefix}\\d+\\.js:(\\d+):(\\d+)`), (whole, lineText: string, columnText: string) => {
      const url = whole.slice(0, whole.indexOf(':'));
      const known = this.sourceMaps.get(url);
      if (!known) return whole;
      const entry = known.map.findEntry(Number(lineText) - 1, Number(columnText) - 1) as { originalLine?: number; originalColumn?: number };
      if (entry.originalLine === undefined) return `${known.label}`;
      return `${known.label}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
    });
  }

  /** The cell that owns the running code (its late timers and promises included). */
  private currentCellId(): string {
    return this.attribution.cellId;
  }

  private stream(stream: 'stdout' | 'stderr', text: string): void {
    const cellId = this.currentCellId();
    if (cellId) this.outbox.push({ type: 'stream', cellId, stream, text });
  }

  /** Reports an error thrown by a cell's timer or promise after the cell finished, in that cell. */
  reportBackgroundError(error: unknown): void {
    const { traceback } = this.cellError(error);
    this.stream('stderr', `${traceback.join('\n')}\n`);
  }

  private captureConsole(): void {
    const format = (args: unknown[]) => `${formatWithOptions({ colors: false, depth: 4 }, ...args)}\n`;
    const toStdout = (...args: unknown[]) => this.stream('stdout', format(args));
    const toStderr = (...args: unknown[]) => this.stream('stderr', format(args));
    Object.assign(console, { log: toStdout, info: toStdout, debug: toStdout, warn: toStderr, error: toStderr });
    console.trace = (...args: unknown[]) => this.stream('stderr', `Trace: ${format(args)}${new Error().stack?.split('\n').slice(2).join('\n') ?? ''}\n`);
    console.dir = (value: unknown) => toStdout(value);
    for (const [stream, name] of [[process.stdout, 'stdout'], [process.stderr, 'stderr']] as const) {
      stream.write = ((chunk: string | Uint8Array) => {
        this.stream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      }) as typeof stream.write;
    }
  }

  private display(value: unknown, options: DisplayOptions = {}): DisplayHandle {
    const cellId = this.currentCellId();
    const displayId = `display-${++this.displayCount}`;
    const build = (shown: unknown, shownOptions: DisplayOptions) =>
      outputBundle(shown, shownOptions).then(
        (bundle): OutputBundle => ({ ...bundle, displayId }),
        (error: unknown): OutputBundle => ({ displayId, items: [{ mime: 'text/plain', data: `display failed: ${(error as Error).message}` }] }),
      );
    this.outbox.push(build(value, options).then((bundle) => ({ type: 'display', cellId, bundle })));
    return new DisplayHandle(displayId, (next: unknown, nextOptions: DisplayOptions = options) => {
      this.outbox.push(build(next, nextOptions).then((bundle) => ({ type: 'updateDisplay', cellId, bundle })));
    });
  }

  private installGlobals(engine: Record<string, unknown>): void {
    const scope = globalThis as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(engine)) {
      if (!(name in scope)) scope[name] = value;
    }
    scope[loaderGlobal] = this.loader;
    scope.require = this.loader.require;
    scope.display = (value: unknown, options?: DisplayOptions) => this.display(value, options);
    scope.steps = steps;
    scope.attention = (weights: ConstructorParameters<typeof AttentionView>[0], options?: AttentionOptions) => new AttentionView(weights, options);
  }
}
