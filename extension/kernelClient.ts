/**
 * The client side of a kernel process, shared by the VS Code controller and the headless runner:
 * spawns dist/kernel.js with VS Code's own runtime (ELECTRON_RUN_AS_NODE) or a chosen `node`,
 * speaks protocol/kernelProtocol over fd 3, answers a cell's `prompt()` through the front-end's
 * `onInputRequest`, and reports a crash with the kernel's last stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import {
  frameMessage,
  MessageFramer,
  protocolVersion,
  type CellLanguage,
  type ExecuteResult,
  type HelloResult,
  type InputReply,
  type InputRequest,
  type KernelMessage,
  type KernelNotification,
  type KernelRequest,
  type RequestResults,
  type VariableSummary,
} from '../protocol/kernelProtocol';

export interface KernelStartOptions {
  /** Path of dist/kernel.js. */
  kernelPath: string;
  /** Folder cells run in and resolve packages from (the notebook's folder). */
  cwd: string;
  /** A `node` to run the kernel with; default: this process's runtime. */
  nodePath?: string;
  /** Engine backend name, or 'auto'. */
  backend?: string;
  /** The cap on each rich output, in bytes of JSON (the kernel's default: 1 MB). */
  maxOutputBytes?: number;
  /** Extra V8 flags, e.g. ['--max-old-space-size=4096']. */
  nodeOptions?: string[];
  /**
   * Starts the kernel in a process group of its own (POSIX), so a terminal's Ctrl+C reaches only
   * the client, which then interrupts the cell itself instead of the kernel dying of the signal.
   */
  ownProcessGroup?: boolean;
  onNotification: (notification: KernelNotification) => void;
  /**
   * Asks the user for a cell's `prompt()`: the text entered, or null for cancel. Without it, or when
   * it throws, prompt() throws a StdinNotImplementedError with `unsupportedInputMessage` or the error's.
   */
  onInputRequest?: (request: InputRequest) => Promise<string | null>;
  /** Output the kernel process wrote outside the protocol (native code, child processes). */
  onProcessOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

export interface KernelExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it ended, in words, with the last lines the kernel wrote to stderr. */
  message: string;
  /** True when the client asked it to stop. */
  expected: boolean;
}

/** IPython's StdinNotImplementedError text, naming `prompt()`: what a cell gets from a front-end that cannot ask. */
export const unsupportedInputMessage = 'prompt() was called, but this frontend does not support input requests.';

type RequestFields<K extends KernelRequest['type']> = Omit<Extract<KernelRequest, { type: K }>, 'type' | 'id'>;

export class KernelCrashedError extends Error {
  constructor(readonly exit: KernelExit) {
    super(exit.message);
    this.name = 'KernelCrashedError';
  }
}

export class KernelClient {
  readonly exited: Promise<KernelExit>;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private stderrTail = '';
  private stopping = false;
  private exitInfo: KernelExit | null = null;

  private constructor(
    private readonly child: ChildProcess,
    private readonly options: KernelStartOptions,
  ) {
    const channel = child.stdio[3] as Readable & Writable;
    const framer = new MessageFramer<KernelMessage>((message) => this.receive(message));
    channel.setEncoding('utf8');
    channel.on('data', (chunk: string) => framer.push(chunk));
    channel.on('error', () => undefined);
    for (const name of ['stdout', 'stderr'] as const) {
      child[name]?.setEncoding('utf8');
      child[name]?.on('data', (text: string) => {
        if (name === 'stderr') this.stderrTail = (this.stderrTail + text).slice(-4000);
        options.onProcessOutput?.(name, text);
      });
    }
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        const lastLines = this.stderrTail
          .trim()
          .split('\n')
          // Node's note at exit while the kernel's own inspector session is connected: noise here.
          .filter((line) => !line.startsWith('Waiting for the debugger to disconnect'))
          .slice(-6)
          .join('\n');
        const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const hint = /heap limit|out of memory/i.test(this.stderrTail) ? ' (out of memory)' : '';
        const exit: KernelExit = {
          code,
          signal,
          expected: this.stopping,
          message: `The kernel process ${why}${hint}.${lastLines ? `\n${lastLines}` : ''}`,
        };
        this.exitInfo = exit;
        for (const { reject } of this.pending.values()) reject(new KernelCrashedError(exit));
        this.pending.clear();
        resolve(exit);
      });
    });
  }

  static async start(options: KernelStartOptions): Promise<{ client: KernelClient; hello: HelloResult }> {
    const runtime = options.nodePath || process.execPath;
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
    if (options.backend && options.backend !== 'auto') env.ATTENTION_LAB_BACKEND = options.backend;
    else delete env.ATTENTION_LAB_BACKEND;
    if (options.maxOutputBytes !== undefined) env.ATTENTION_LAB_MAX_OUTPUT_BYTES = String(options.maxOutputBytes);
    else delete env.ATTENTION_LAB_MAX_OUTPUT_BYTES;
    const child = spawn(runtime, [...(options.nodeOptions ?? []), options.kernelPath], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: options.ownProcessGroup === true && process.platform !== 'win32',
    });
    const client = new KernelClient(child, options);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`could not start the kernel with ${runtime}: ${error.message}`)));
    });
    await spawned;
    const hello = await client.request('hello', { protocolVersion, cwd: options.cwd });
    return { client, hello };
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  request<K extends KernelRequest['type']>(type: K, fields: RequestFields<K>): Promise<RequestResults[K]> {
    if (this.exitInfo) return Promise.reject(new KernelCrashedError(this.exitInfo));
    const id = this.nextId++;
    const message = { ...fields, type, id } as KernelRequest;
    return new Promise<RequestResults[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      (this.child.stdio[3] as Writable).write(frameMessage(message));
    });
  }

  execute(cellId: string, cellLabel: string, code: string, language: CellLanguage): Promise<ExecuteResult> {
    return this.request('execute', { cellId, cellLabel, code, language });
  }

  async interrupt(): Promise<boolean> {
    return (await this.request('interrupt', {})).interrupted;
  }

  /**
   * Live summaries (type; a tensor's shape, dtype and backend) of the named top-level variables, or
   * of every name the cells declared; answered without running user code, also while a cell is busy.
   */
  variables(names?: string[]): Promise<VariableSummary[]> {
    return this.request('variables', names ? { names } : {});
  }

  /** Asks the kernel to exit, and kills it if it has not within a second. */
  async shutdown(): Promise<void> {
    if (!this.alive) return;
    this.stopping = true;
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 1000);
    await this.request('shutdown', {}).catch(() => undefined);
    await this.exited;
    clearTimeout(killer);
  }

  kill(): void {
    this.stopping = true;
    this.child.kill('SIGKILL');
  }

  private receive(message: KernelMessage): void {
    if (message.type === 'inputRequest') {
      void this.answerInput(message);
      return;
    }
    if (message.type !== 'response') {
      this.options.onNotification(message);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.ok) waiter.resolve(message.result);
    else waiter.reject(new Error(message.error));
  }

  private async answerInput(request: InputRequest): Promise<void> {
    const { inputId } = request;
    const ask = this.options.onInputRequest;
    let reply: InputReply;
    try {
      if (!ask) throw new Error(unsupportedInputMessage);
      reply = { type: 'inputReply', inputId, value: await ask(request) };
    } catch (error) {
      reply = { type: 'inputReply', inputId, error: (error as Error).message };
    }
    if (this.alive) (this.child.stdio[3] as Writable).write(frameMessage(reply));
  }
}
