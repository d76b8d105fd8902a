// Kernel → client notifications (streams, displays) in the order the cells produced them: a display
// whose bundle is still being built holds back what was pushed after it.
import type { KernelNotification } from '../protocol/kernelProtocol';

/** Sends kernel → client messages in order, waiting for outputs that are still being built. */
export class OrderedOutbox {
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
