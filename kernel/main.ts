/**
 * The kernel process's entry (dist/kernel.js), started by the extension or the headless runner
 * with fd 3 as its protocol channel. The main thread runs cells; a control thread
 * (kernelControl.ts) owns the channel, so an interrupt reaches a cell stuck in `while (true) {}`, and
 * the reply to a `prompt()` reaches a cell blocked waiting for it (inputPrompt.ts).
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  protocolVersion,
  type ExecuteResult,
  type HelloResult,
  type KernelMessage,
  type KernelRequest,
} from '../protocol/kernelProtocol';
import { CellExecutor } from './cellExecutor';
import * as engine from './engine/index';
import { createInputReplyLink } from './inputPrompt';
import { createModuleLoader } from './moduleLoader';
import { completeInScope, inspectInScope } from './scopeCompletion';

export const kernelVersion = '0.1.0';

const inputReplies = createInputReplyLink();
const control = new Worker(join(__dirname, 'kernelControl.js'), {
  workerData: inputReplies.controlEnd,
  transferList: [inputReplies.controlEnd.port],
});
const send = (message: KernelMessage) => control.postMessage(message);
const respond = (id: number, result: unknown) => send({ type: 'response', id, ok: true, result });
let executor: CellExecutor | null = null;
let queue: Promise<unknown> = Promise.resolve();

function hello(cwd: string): HelloResult {
  process.chdir(cwd);
  executor ??= new CellExecutor(
    send,
    createModuleLoader(cwd, engine),
    engine as unknown as Record<string, unknown>,
    inputReplies.mainEnd,
  );
  const report = engine.getBackend();
  return {
    protocolVersion,
    kernelVersion,
    pid: process.pid,
    backend: report.name,
    backends: report.candidates.map(({ name, available, reason }) => ({ name, available, reason })),
  };
}

async function handle(request: KernelRequest): Promise<void> {
  try {
    switch (request.type) {
      case 'hello':
        if (request.protocolVersion !== protocolVersion)
          throw new Error(
            `protocol version mismatch: client speaks ${request.protocolVersion}, kernel speaks ${protocolVersion}`,
          );
        respond(request.id, hello(request.cwd));
        return;
      case 'execute': {
        const running = executor;
        if (!running) throw new Error('execute before hello');
        const { cellId, cellLabel, code, language } = request;
        // Cells run one after another even when a client sends several at once.
        const result = (queue = queue.then(() =>
          running.execute(cellId, cellLabel, code, language),
        )) as Promise<ExecuteResult>;
        respond(request.id, await result);
        return;
      }
      case 'interrupt':
        respond(request.id, { interrupted: executor?.interrupt() ?? false });
        return;
      case 'pendingWork':
        if (!executor) throw new Error('pendingWork before hello');
        respond(request.id, await executor.pendingWork(request.untilNone));
        return;
      case 'complete':
        respond(request.id, completeInScope(request.code, request.cursor));
        return;
      case 'inspect':
        respond(request.id, inspectInScope(request.code, request.cursor, request.detailLevel));
        return;
      case 'shutdown':
        executor?.dispose();
        respond(request.id, {});
        setTimeout(() => process.exit(0), 10);
        return;
    }
  } catch (error) {
    send({ type: 'response', id: request.id, ok: false, error: (error as Error).message });
  }
}

control.on('message', (request: KernelRequest) => void handle(request));
control.on('error', (error) => {
  process.stderr.write(`kernel control thread failed: ${error.stack}\n`);
  process.exit(70);
});
process.on('uncaughtException', (error) => executor?.reportAsyncError(error));
process.on('unhandledRejection', (reason, promise) => executor?.reportAsyncError(reason, promise));
