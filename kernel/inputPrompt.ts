// The notebook's `prompt(message, defaultValue)`: as in a browser, the cell blocks until the client
// answers. The main thread sends an `inputRequest` and sleeps in Atomics.wait on a shared counter;
// the control thread (kernelControl.ts), which owns the channel, posts the client's `inputReply` on
// a MessagePort and bumps the counter; the main thread wakes and reads the port synchronously. An
// interrupt ends the wait as it ends a busy loop: V8 terminates the cell's execution.
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { InputReply, InputRequest } from '../protocol/kernelProtocol';

/** One thread's end of the path input replies take to the main thread. */
export interface InputReplyLink {
  port: MessagePort;
  /** Element 0 counts the replies delivered; the main thread waits for it to change. */
  signal: Int32Array;
}

/** The two ends: the main thread's, and the control thread's (passed to it in workerData, its port transferred). */
export function createInputReplyLink(): { mainEnd: InputReplyLink; controlEnd: InputReplyLink } {
  const { port1, port2 } = new MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  return { mainEnd: { port: port1, signal }, controlEnd: { port: port2, signal } };
}

/** Control thread: hands a reply to the main thread, waking it if it waits in prompt(). */
export function deliverInputReply(link: InputReplyLink, reply: InputReply): void {
  link.port.postMessage(reply);
  Atomics.add(link.signal, 0, 1);
  Atomics.notify(link.signal, 0);
}

/** What IPython raises when its front-end cannot take input; thrown by prompt() with the client's reason. */
export class StdinNotImplementedError extends Error {
  override name = 'StdinNotImplementedError';
}

/** The main thread's `prompt()`: sends each request and blocks until its reply. */
export class InputPrompt {
  private lastInputId = 0;

  constructor(
    private readonly link: InputReplyLink,
    private readonly send: (request: InputRequest) => void,
    private readonly currentCellId: () => string,
  ) {}

  /** The text the client entered, or null when its user cancelled. Blocks the cell until then. */
  prompt(message?: unknown, defaultValue?: unknown): string | null {
    const inputId = ++this.lastInputId;
    this.send({
      type: 'inputRequest',
      inputId,
      cellId: this.currentCellId(),
      prompt: message === undefined ? '' : String(message),
      defaultValue: defaultValue === undefined ? null : String(defaultValue),
    });
    for (;;) {
      const delivered = Atomics.load(this.link.signal, 0);
      for (
        let received = receiveMessageOnPort(this.link.port);
        received;
        received = receiveMessageOnPort(this.link.port)
      ) {
        const reply = received.message as InputReply;
        // A reply to an earlier, interrupted prompt is dropped.
        if (reply.inputId !== inputId) continue;
        if ('error' in reply) throw new StdinNotImplementedError(reply.error);
        return reply.value;
      }
      Atomics.wait(this.link.signal, 0, delivered);
    }
  }
}
