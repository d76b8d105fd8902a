/**
 * Attention Lab as a Jupyter kernel (messaging protocol 5.3 over ZeroMQ): a front-end in the cli
 * process that drives the same kernel child process as the VS Code controller and the headless
 * runner (extension/kernelClient.ts), so cells compile, run, print, display and interrupt exactly
 * as they do there. Shell requests run one at a time in arrival order; control requests (interrupt,
 * shutdown) are answered at once, also while a cell runs. Every request is wrapped in iopub
 * `status` busy/idle, and every output carries the header of the execute request whose cell made
 * it, late timer and promise output included. A cell's `prompt()` is an `input_request` on stdin
 * when its execute request allows stdin.
 */
import { Publisher, Reply, Router } from 'zeromq';
import type {
  CellError,
  ExecuteResult,
  InputRequest,
  KernelNotification,
  OutputBundle,
} from '../../protocol/kernelProtocol';
import { KernelClient, KernelCrashedError, unsupportedInputMessage } from '../../extension/kernelClient';
import { typeScriptLanguageInfo } from '../../protocol/cellLanguages';
import type { CodeIntelligence } from './codeIntelligence';
import { readConnectionFile, socketAddress, type ConnectionFile } from './connectionFile';
import { checkCompleteness } from './cellCompleteness';
import { SessionHistory } from './sessionHistory';
import { MessageSigner, newMessage, protocolVersion, RejectedMessage, type JupyterMessage } from './wireMessage';

export interface JupyterKernelOptions {
  connectionFile: string;
  /** Path of dist/kernel.js. */
  kernelPath: string;
  /** Engine backend name, or 'auto'. */
  backend: string;
  /** The kernel's log (Jupyter servers show a kernel's stderr in theirs). */
  log: (line: string) => void;
  /** Completion and inspection for cells, given the running kernel client. */
  intelligence: (client: KernelClient) => CodeIntelligence;
}

type Content = Record<string, unknown>;

/** One ZeroMQ socket's sends, one after another (a zeromq socket takes one send at a time). */
class SerialSender {
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Router | Publisher | Reply,
    private readonly log: (line: string) => void,
  ) {}

  send(frames: Buffer[]): Promise<void> {
    this.last = this.last.then(
      () => this.socket.send(frames),
      () => undefined,
    );
    return this.last.catch((error: Error) => this.log(`send failed: ${error.message}`));
  }

  /** Resolves once every send so far has gone out (or failed). */
  drained(): Promise<void> {
    return this.last.then(
      () => undefined,
      () => undefined,
    );
  }
}

/** The data of an output bundle as a Jupyter message carries it: +json mimes as JSON, text as one string. */
function bundleData(bundle: OutputBundle): Content {
  return Object.fromEntries(
    bundle.items.map((item) => [
      item.mime,
      item.mime.toLowerCase().includes('json') ? JSON.parse(item.data) : item.data,
    ]),
  );
}

function errorContent(error: CellError): Content {
  return { ename: error.name, evalue: error.message, traceback: error.traceback };
}

export class JupyterKernel {
  private readonly session = crypto.randomUUID();
  private readonly signer: MessageSigner;
  // A closed socket still delivers what was sent before (the shutdown reply) for up to a second.
  private readonly shell = new Router({ linger: 1000 });
  private readonly control = new Router({ linger: 1000 });
  private readonly stdin = new Router({ linger: 1000 });
  private readonly iopub = new Publisher({ linger: 1000 });
  private readonly heartbeat = new Reply({ linger: 1000 });
  private readonly senders: Record<'shell' | 'control' | 'stdin' | 'iopub' | 'hb', SerialSender>;
  private readonly shellQueue: JupyterMessage[] = [];
  private wakeShellWorker: (() => void) | undefined;
  /** The execute request each cell id belongs to, for the outputs a cell makes (also after it finished). */
  private readonly requestsByCell = new Map<string, JupyterMessage>();
  /** The execute request whose cell runs now. */
  private executing: JupyterMessage | undefined;
  /** Answers the cell's `prompt()` waiting for an input_reply on stdin. */
  private answerInput: ((value: string | null) => void) | undefined;
  private readonly history = new SessionHistory();
  private client!: KernelClient;
  private intelligence!: CodeIntelligence;
  private kernelVersion = '';
  private executionCount = 0;
  private cellSerial = 0;
  private stopping = false;

  private constructor(
    private readonly options: JupyterKernelOptions,
    private readonly connection: ConnectionFile,
  ) {
    this.signer = new MessageSigner(connection.key, connection.signature_scheme);
    const sender = (socket: Router | Publisher | Reply) => new SerialSender(socket, options.log);
    this.senders = {
      shell: sender(this.shell),
      control: sender(this.control),
      stdin: sender(this.stdin),
      iopub: sender(this.iopub),
      hb: sender(this.heartbeat),
    };
  }

  /** Binds the five sockets, starts the kernel process and serves until a shutdown request has been answered. */
  static async serve(options: JupyterKernelOptions): Promise<void> {
    const kernel = new JupyterKernel(options, readConnectionFile(options.connectionFile));
    await kernel.bind();
    await kernel.startKernelProcess();
    kernel.exitWithParent();
    await kernel.serveUntilShutdown();
  }

  private async bind(): Promise<void> {
    const { connection } = this;
    await Promise.all([
      this.shell.bind(socketAddress(connection, 'shell')),
      this.control.bind(socketAddress(connection, 'control')),
      this.stdin.bind(socketAddress(connection, 'stdin')),
      this.iopub.bind(socketAddress(connection, 'iopub')),
      this.heartbeat.bind(socketAddress(connection, 'hb')),
    ]);
  }

  private async startKernelProcess(): Promise<void> {
    const { client, hello } = await KernelClient.start({
      kernelPath: this.options.kernelPath,
      cwd: process.cwd(),
      backend: this.options.backend,
      // A terminal's Ctrl+C (or a signal-mode interrupt) reaches this front-end only, which interrupts the cell.
      ownProcessGroup: true,
      onNotification: (notification) => this.forward(notification),
      onInputRequest: (request) => this.askInput(request),
      onProcessOutput: (stream, text) => process[stream].write(text),
    });
    this.client = client;
    this.kernelVersion = hello.kernelVersion;
    this.intelligence = this.options.intelligence(client);
    this.options.log(`kernel process ${hello.pid} on engine backend ${hello.backend}`);
    void client.exited.then((exit) => {
      if (exit.expected) return;
      // Nothing can run any more: exit, so the Jupyter client sees the kernel died and restarts it.
      this.options.log(exit.message);
      process.exit(1);
    });
  }

  /**
   * As ipykernel's parent poller: when the Jupyter client that started this kernel (JPY_PARENT_PID)
   * dies without a shutdown request, this process is re-parented, and it exits with its kernel.
   */
  private exitWithParent(): void {
    if (!process.env.JPY_PARENT_PID) return;
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid === parent) return;
      this.options.log(`the Jupyter client (pid ${parent}) is gone: exiting`);
      this.client.kill();
      process.exit(1);
    }, 1000).unref();
  }

  private async serveUntilShutdown(): Promise<void> {
    void this.publish('status', { execution_state: 'starting' });
    // A client in signal mode (or a terminal's Ctrl+C) interrupts the running cell, as an interrupt_request does.
    process.on('SIGINT', () => void this.client.interrupt().catch(() => false));
    void this.echoHeartbeats();
    void this.receive(this.control, 'control', (message) => this.handleControl(message));
    void this.receive(this.stdin, 'stdin', (message) => this.receiveInput(message));
    void this.receive(this.shell, 'shell', (message) => {
      this.shellQueue.push(message);
      this.wakeShellWorker?.();
    });
    while (!this.stopping) {
      const message = this.shellQueue.shift();
      if (!message) {
        await new Promise<void>((resolve) => (this.wakeShellWorker = resolve));
        continue;
      }
      await this.busyWhile(message, () =>
        this.handleShell(message).catch((error) => this.failed(message, 'shell', error)),
      );
    }
  }

  /** A request this front-end could not answer (its kernel process failed it): an error reply, and a log line. */
  private failed(request: JupyterMessage, channel: 'shell' | 'control', error: Error): Promise<void> {
    this.options.log(`${request.header.msg_type} failed: ${error.stack ?? error.message}`);
    return this.reply(channel, request, { status: 'error', ename: error.name, evalue: error.message, traceback: [] });
  }

  private async echoHeartbeats(): Promise<void> {
    for await (const frames of this.heartbeat) await this.senders.hb.send(frames);
  }

  /** Reads one ROUTER socket; a message that is malformed or wrongly signed is logged and dropped. */
  private async receive(socket: Router, name: string, handle: (message: JupyterMessage) => void): Promise<void> {
    for await (const frames of socket) {
      try {
        handle(this.signer.decode(frames));
      } catch (error) {
        if (!(error instanceof RejectedMessage) && !(error instanceof SyntaxError)) throw error;
        this.options.log(`dropped a message on ${name}: ${error.message}`);
      }
    }
  }

  private publish(msgType: string, content: unknown, parent?: JupyterMessage): Promise<void> {
    return this.senders.iopub.send(this.signer.encode(newMessage(this.session, msgType, content, parent, [])));
  }

  private reply(channel: 'shell' | 'control' | 'stdin', request: JupyterMessage, content: Content): Promise<void> {
    const replyType = request.header.msg_type.replace(/_request$/, '_reply');
    return this.senders[channel].send(this.signer.encode(newMessage(this.session, replyType, content, request)));
  }

  private async busyWhile(request: JupyterMessage, handle: () => Promise<void>): Promise<void> {
    await this.publish('status', { execution_state: 'busy' }, request);
    try {
      await handle();
    } finally {
      await this.publish('status', { execution_state: 'idle' }, request);
      // The shutdown request's own idle status is the last message.
      if (this.stopping && request.header.msg_type === 'shutdown_request') this.closeSockets();
    }
  }

  private handleControl(request: JupyterMessage): void {
    const handle = async () => {
      switch (request.header.msg_type) {
        case 'interrupt_request':
          await this.client.interrupt().catch(() => false);
          await this.reply('control', request, { status: 'ok' });
          return;
        case 'shutdown_request':
          await this.shutdown(request, 'control');
          return;
        case 'kernel_info_request':
          await this.reply('control', request, this.kernelInfo());
          return;
        default:
          this.options.log(`unknown message type on control: ${request.header.msg_type}`);
      }
    };
    void this.busyWhile(request, () => handle().catch((error) => this.failed(request, 'control', error)));
  }

  private async handleShell(request: JupyterMessage): Promise<void> {
    const content = request.content;
    switch (request.header.msg_type) {
      case 'kernel_info_request':
        return this.reply('shell', request, this.kernelInfo());
      case 'execute_request':
        return this.execute(request);
      case 'complete_request':
        return this.reply('shell', request, {
          status: 'ok',
          ...(await this.intelligence.complete(String(content.code), Number(content.cursor_pos))),
        });
      case 'inspect_request': {
        const found = await this.intelligence.inspect(
          String(content.code),
          Number(content.cursor_pos),
          Number(content.detail_level ?? 0),
        );
        return this.reply('shell', request, {
          status: 'ok',
          found: found !== undefined,
          data: found ?? {},
          metadata: {},
        });
      }
      case 'is_complete_request':
        return this.reply('shell', request, checkCompleteness(String(content.code)));
      case 'history_request':
        return this.reply('shell', request, { status: 'ok', history: this.history.answer(content) });
      case 'comm_info_request':
        return this.reply('shell', request, { status: 'ok', comms: {} });
      case 'shutdown_request':
        return this.shutdown(request, 'shell');
      case 'comm_open':
        // No comm targets exist here: close it, as ipykernel does for an unknown target.
        await this.publish('comm_close', { comm_id: content.comm_id, data: {} }, request);
        return this.options.log(`comm_open for unknown target '${String(content.target_name)}' closed`);
      default:
        this.options.log(`unknown message type on shell: ${request.header.msg_type}`);
    }
  }

  private kernelInfo(): Content {
    return {
      status: 'ok',
      protocol_version: protocolVersion,
      implementation: 'attention-lab',
      implementation_version: this.kernelVersion,
      language_info: { name: 'typescript', version: '5', ...typeScriptLanguageInfo, nbconvert_exporter: 'script' },
      banner: `Attention Lab ${this.kernelVersion}: TypeScript cells on a tensor and attention engine (Node ${process.version})`,
      help_links: [{ text: 'Attention Lab', url: 'https://github.com/attention-lab/attention-lab#readme' }],
      debugger: false,
    };
  }

  private async execute(request: JupyterMessage): Promise<void> {
    const content = request.content;
    const code = String(content.code ?? '');
    const silent = content.silent === true;
    const storeHistory = !silent && content.store_history !== false;
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) await this.publish('execute_input', { code, execution_count: count }, request);
    const cellId = `jupyter-${++this.cellSerial}`;
    this.requestsByCell.set(cellId, request);
    if (storeHistory) this.history.add(count, code);
    this.intelligence.cellExecuted(code);
    let result: ExecuteResult;
    this.executing = request;
    try {
      result = await this.client.execute(cellId, `In [${count}]`, code, 'typescript');
    } catch (error) {
      if (!(error instanceof KernelCrashedError)) throw error;
      result = {
        status: 'error',
        error: { name: 'KernelDied', message: error.message, traceback: error.message.split('\n') },
      };
    } finally {
      this.executing = undefined;
      // Interrupted while its prompt() waited: the kernel drops this late answer.
      this.answerInput?.(null);
      this.answerInput = undefined;
    }
    if (result.status === 'ok') {
      if (!silent)
        for (const [i, bundle] of result.outputs.entries()) {
          const last = i === result.outputs.length - 1;
          const output = { data: bundleData(bundle), metadata: {}, transient: this.transient(bundle) };
          await this.publish(
            last ? 'execute_result' : 'display_data',
            last ? { ...output, execution_count: count } : output,
            request,
          );
        }
      await this.reply('shell', request, { status: 'ok', execution_count: count, user_expressions: {}, payload: [] });
      return;
    }
    const error =
      result.status === 'error'
        ? result.error
        : { name: 'Interrupted', message: 'the cell was interrupted (every variable is kept)', traceback: [] };
    const errorFields = errorContent(error);
    await this.publish('error', errorFields, request);
    await this.reply('shell', request, { status: 'error', execution_count: count, ...errorFields });
    if (content.stop_on_error !== false) await this.abortQueuedExecutes();
  }

  /**
   * A cell's `prompt()`, as ipykernel's `input()`: an input_request on stdin to the client that sent
   * the running execute request (its identities and header), when that request allows stdin.
   */
  private async askInput(input: InputRequest): Promise<string | null> {
    const request = this.requestsByCell.get(input.cellId);
    // A timer of a finished cell has no request waiting for it, as a cell that ran without allow_stdin.
    if (!request || request !== this.executing || request.content.allow_stdin !== true)
      throw new Error(unsupportedInputMessage);
    // The client shows what the cell printed before the prompt first.
    await this.senders.iopub.drained();
    const answered = new Promise<string | null>((resolve) => (this.answerInput = resolve));
    const content = { prompt: input.prompt, password: false };
    await this.senders.stdin.send(this.signer.encode(newMessage(this.session, 'input_request', content, request)));
    return answered;
  }

  /** An input_reply answers the waiting prompt() with its value; there is one at a time. */
  private receiveInput(message: JupyterMessage): void {
    if (message.header.msg_type !== 'input_reply' || !this.answerInput) {
      this.options.log(`unexpected ${message.header.msg_type} on stdin`);
      return;
    }
    this.answerInput(String(message.content.value ?? ''));
    this.answerInput = undefined;
  }

  /** After a failed cell with stop_on_error: the execute requests already waiting are answered 'aborted'. */
  private async abortQueuedExecutes(): Promise<void> {
    const waiting = this.shellQueue.filter((message) => message.header.msg_type === 'execute_request');
    this.shellQueue.splice(0, this.shellQueue.length, ...this.shellQueue.filter((m) => !waiting.includes(m)));
    for (const message of waiting)
      await this.busyWhile(message, () => this.reply('shell', message, { status: 'aborted' }));
  }

  private transient(bundle: OutputBundle): Content {
    return bundle.displayId ? { display_id: bundle.displayId } : {};
  }

  /** A cell's stream, display, display update, output clearing or late error, as iopub messages of the request that ran the cell. */
  private forward(notification: KernelNotification): void {
    const request = this.requestsByCell.get(notification.cellId);
    if (!request) return;
    switch (notification.type) {
      case 'stream':
        void this.publish('stream', { name: notification.stream, text: notification.text }, request);
        return;
      case 'display':
      case 'updateDisplay': {
        const { bundle } = notification;
        const msgType = notification.type === 'display' ? 'display_data' : 'update_display_data';
        void this.publish(
          msgType,
          { data: bundleData(bundle), metadata: {}, transient: this.transient(bundle) },
          request,
        );
        return;
      }
      case 'clearOutput':
        void this.publish('clear_output', { wait: notification.wait }, request);
        return;
      case 'asyncError':
        void this.publish('error', errorContent(notification.error), request);
    }
  }

  private async shutdown(request: JupyterMessage, channel: 'shell' | 'control'): Promise<void> {
    const restart = request.content.restart === true;
    await this.client.shutdown();
    this.intelligence.dispose();
    await this.reply(channel, request, { status: 'ok', restart });
    await this.publish('shutdown_reply', { status: 'ok', restart }, request);
    this.stopping = true;
  }

  /** After the shutdown request's idle status: no more messages; serve() returns. */
  private closeSockets(): void {
    for (const socket of [this.shell, this.control, this.stdin, this.iopub, this.heartbeat]) socket.close();
    this.wakeShellWorker?.();
  }
}
