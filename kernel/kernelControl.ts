/**
 * The kernel's control thread: owns the protocol channel (fd 3), passes requests to the main
 * thread and its messages back. An interrupt the main thread does not answer within 100 ms means
 * a cell is busy in synchronous code: then V8 terminates that execution, and state is kept.
 * A variables request it answers itself, through the inspector, also while a cell is busy. It hands
 * the reply to a cell's `prompt()` straight to the blocked main thread (inputPrompt.ts); an interrupt
 * while a prompt waits terminates the cell at once.
 */
import { Session } from 'node:inspector';
import { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import {
  frameMessage,
  MessageFramer,
  type ClientMessage,
  type KernelMessage,
  type VariableSummary,
} from '../protocol/kernelProtocol';
import { deliverInputReply, type InputReplyLink } from './inputPrompt';
import { variablesGlobal } from './variablesGlobal';

const mainThread = parentPort;
if (!mainThread) throw new Error("kernelControl.js runs as the kernel's worker thread");

const channel = new Socket({ fd: 3, readable: true, writable: true });
const mainThreadInspector = new Session();
mainThreadInspector.connectToMainThread();
const unansweredInterrupts = new Map<number, NodeJS.Timeout>();
const inputReplies = workerData as InputReplyLink;
/** The input id of the `prompt()` the main thread is blocked in, if any. */
let awaitedInputId: number | null = null;

function terminateMainThreadExecution(id: number, attempt: number): void {
  if (!unansweredInterrupts.has(id)) return;
  mainThreadInspector.post('Runtime.terminateExecution');
  if (attempt < 5)
    unansweredInterrupts.set(
      id,
      setTimeout(() => terminateMainThreadExecution(id, attempt + 1), 500),
    );
}

/**
 * Runs the main thread's variable summarizer (variableSummaries.ts). The inspector reaches the main
 * thread at a V8 interrupt, so this answers between cells, during awaits and inside a busy loop alike;
 * the summarizer runs no user code.
 */
function answerVariables(id: number, names: string[] | undefined): void {
  const summarizer = `globalThis.${variablesGlobal}`;
  const expression = `typeof ${summarizer} === 'function' ? ${summarizer}(${JSON.stringify(names ?? null)}) : null`;
  mainThreadInspector.post('Runtime.evaluate', { expression, returnByValue: true, silent: true }, (error, reply) => {
    const summaries = reply?.result?.value as VariableSummary[] | null | undefined;
    const failure =
      error?.message ??
      reply.exceptionDetails?.exception?.description?.split('\n')[0] ??
      reply.exceptionDetails?.text ??
      (summaries ? null : 'variables before hello');
    const message: KernelMessage = failure
      ? { type: 'response', id, ok: false, error: failure }
      : { type: 'response', id, ok: true, result: summaries };
    channel.write(frameMessage(message));
  });
}

const framer = new MessageFramer<ClientMessage>((request) => {
  if (request.type === 'inputReply') {
    if (request.inputId !== awaitedInputId) return;
    awaitedInputId = null;
    deliverInputReply(inputReplies, request);
    return;
  }
  if (request.type === 'variables') {
    answerVariables(request.id, request.names);
    return;
  }
  // A session left open at exit makes Node print "Waiting for the debugger to disconnect".
  if (request.type === 'shutdown') mainThreadInspector.disconnect();
  mainThread.postMessage(request);
  if (request.type !== 'interrupt') return;
  // Blocked in prompt(), the main thread cannot answer: no need to wait for it before terminating.
  const blockedInPrompt = awaitedInputId !== null;
  awaitedInputId = null;
  unansweredInterrupts.set(
    request.id,
    setTimeout(() => terminateMainThreadExecution(request.id, 0), blockedInPrompt ? 0 : 100),
  );
});

channel.setEncoding('utf8');
channel.on('data', (chunk: string) => framer.push(chunk));
// The client is gone: nothing can read this kernel's outputs any more, whatever the main thread does.
channel.on('close', () => process.kill(process.pid, 'SIGKILL'));

mainThread.on('message', (message: KernelMessage) => {
  if (message.type === 'inputRequest') awaitedInputId = message.inputId;
  if (message.type === 'response') {
    clearTimeout(unansweredInterrupts.get(message.id));
    unansweredInterrupts.delete(message.id);
  }
  channel.write(frameMessage(message));
});
