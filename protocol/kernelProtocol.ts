/**
 * The one channel between the extension host (or the headless runner) and a kernel process:
 * newline-delimited JSON on the kernel's fd 3. Requests get exactly one response with the same id;
 * notifications (streams, displays) flow kernel → client at any time; a cell's `prompt()` is an
 * `inputRequest` the client answers with one `inputReply`. Versioned by a handshake.
 */

export const protocolVersion = 3;

export type CellLanguage = 'typescript' | 'javascript';

/** One output as VS Code and nbformat see it: mime → data (text for text/*, a JSON string for +json, base64 for image/png). */
export interface OutputItem {
  mime: string;
  data: string;
}

export interface OutputBundle {
  items: OutputItem[];
  /** Set for `display()` outputs, so `update()` can replace them in place. */
  displayId?: string;
}

export interface CellError {
  name: string;
  message: string;
  /** Stack with cell positions (`at f (cell 3:2:7)`), or a compile error's location line. */
  traceback: string[];
}

export type ExecuteResult =
  { status: 'ok'; outputs: OutputBundle[] } | { status: 'error'; error: CellError } | { status: 'interrupted' };

/** Timers (setTimeout, setInterval, setImmediate) that are scheduled and keep the kernel busy, by cell. */
export interface PendingWork {
  timersByCell: Record<string, number>;
}

export interface HelloResult {
  protocolVersion: number;
  kernelVersion: string;
  pid: number;
  /** The engine backend cells run on, and why each other candidate was or was not chosen. */
  backend: string;
  backends: { name: string; available: boolean; reason: string }[];
}

/** A top-level name of the notebook as the kernel holds it now, read without running user code. */
export interface VariableSummary {
  name: string;
  /**
   * `Tensor`, a class instance's class name (`MultiheadAttention`, `Array`, `Map`), `typeof` for
   * primitives and functions (`number`, `function`), `class`, `null`, or `accessor` for a global
   * getter (not called: it is user code).
   */
  type: string;
  /** Set for a Tensor: its shape, PyTorch dtype (`float32`, `int64`, `bool`) and engine backend. */
  tensor?: { shape: number[]; dtype: string; backend: string };
}

export type KernelRequest =
  | { type: 'hello'; id: number; protocolVersion: number; cwd: string }
  | { type: 'execute'; id: number; cellId: string; cellLabel: string; code: string; language: CellLanguage }
  | { type: 'interrupt'; id: number }
  /** What cells' timers are still pending; with `untilNone`, answered once none is (as `node` exits). */
  | { type: 'pendingWork'; id: number; untilNone: boolean }
  /**
   * Summaries of the named top-level variables (default: every name the cells declared, in the order
   * first declared); a name not declared, or not initialized yet, is left out. Answered by the
   * control thread without running user code, also while a cell is busy.
   */
  | { type: 'variables'; id: number; names?: string[] }
  /** Names that complete the word before `cursor` (a UTF-16 offset in `code`), from the kernel's live scope. */
  | { type: 'complete'; id: number; code: string; cursor: number }
  /** What the name at `cursor` is: its signature or value (`detailLevel` 1: a function's whole source). */
  | { type: 'inspect'; id: number; code: string; cursor: number; detailLevel: number }
  | { type: 'shutdown'; id: number };

export type KernelResponse =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: string };

export type KernelNotification =
  /** Console output of a cell, also from its timers and promises after it finished. */
  | { type: 'stream'; cellId: string; stream: 'stdout' | 'stderr'; text: string }
  /** `display(value)`: a new output appended to the cell. */
  | { type: 'display'; cellId: string; bundle: OutputBundle }
  /** `handle.update(value)`: replaces the output created by `display()` with the same displayId. */
  | { type: 'updateDisplay'; cellId: string; bundle: OutputBundle }
  /**
   * `clearOutput({ wait })`: removes the cell's outputs so far; with `wait`, only when its next output
   * arrives, so a loop that clears and redraws never flickers (IPython's clear_output).
   */
  | { type: 'clearOutput'; cellId: string; wait: boolean }
  /**
   * An error no code caught, thrown by a timer or callback a cell started, or a promise rejection
   * nobody handled: an error output of the cell that started that work, also after it finished.
   */
  | { type: 'asyncError'; cellId: string; error: CellError };

/**
 * A cell called `prompt(message, defaultValue)`: the kernel's main thread is blocked until the client
 * sends the `inputReply` with this `inputId` (an interrupt also ends the wait, and the cell with it).
 * Answered at most once; a reply to an input id that is no longer awaited is dropped.
 */
export interface InputRequest {
  type: 'inputRequest';
  inputId: number;
  /** The cell whose code called `prompt()` (also a timer or promise of it, after it finished). */
  cellId: string;
  prompt: string;
  /** prompt()'s second argument as text, or null when not given. */
  defaultValue: string | null;
}

/**
 * The client's answer to an `inputRequest`: the text entered, or null for cancel (prompt() returns
 * it); or `error`, why this client cannot ask (prompt() throws a StdinNotImplementedError with it).
 */
export type InputReply =
  | { type: 'inputReply'; inputId: number; value: string | null }
  | { type: 'inputReply'; inputId: number; error: string };

/** Kernel → client. */
export type KernelMessage = KernelResponse | KernelNotification | InputRequest;

/** Client → kernel. */
export type ClientMessage = KernelRequest | InputReply;

/** The result type of each request, for typed clients. */
export interface RequestResults {
  hello: HelloResult;
  execute: ExecuteResult;
  interrupt: { interrupted: boolean };
  pendingWork: PendingWork;
  variables: VariableSummary[];
  /** `matches` replace code[start, end) (UTF-16 offsets). */
  complete: { matches: string[]; start: number; end: number };
  /** `text` is undefined when the name at the cursor is not defined. */
  inspect: { text?: string };
  shutdown: Record<string, never>;
}

/** Splits a byte stream into JSON messages; one instance per direction. Linear in the bytes, however big a message. */
export class MessageFramer<T> {
  /** The chunks of a message whose newline has not arrived yet. */
  private partial: string[] = [];

  constructor(private readonly onMessage: (message: T) => void) {}

  push(chunk: string): void {
    let start = 0;
    let newline = chunk.indexOf('\n');
    while (newline >= 0) {
      this.partial.push(chunk.slice(start, newline));
      const line = this.partial.join('');
      this.partial = [];
      if (line.trim()) this.onMessage(JSON.parse(line) as T);
      start = newline + 1;
      newline = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.partial.push(chunk.slice(start));
  }
}

export function frameMessage(message: ClientMessage | KernelMessage): string {
  return `${JSON.stringify(message)}\n`;
}
