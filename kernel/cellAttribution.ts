// Knows which cell the running JavaScript belongs to, so console output and displays from a cell's
// timers and promises reach that cell even after later cells started. Built on V8's promise hooks
// and wrapped timer functions, not async_hooks: with async_hooks enabled, terminating a busy cell
// (interrupt) trips a Node assertion and aborts the kernel.
import { promiseHooks } from 'node:v8';

type TimerFunction = (callback: unknown, ...rest: unknown[]) => unknown;

export class CellAttribution {
  private current = '';
  private readonly saved: string[] = [];
  private readonly owners = new WeakMap<Promise<unknown>, string>();

  constructor() {
    promiseHooks.createHook({
      init: (promise) => {
        if (this.current) this.owners.set(promise, this.current);
      },
      before: (promise) => {
        this.saved.push(this.current);
        this.current = this.owners.get(promise) ?? this.current;
      },
      after: () => {
        this.current = this.saved.pop() ?? this.current;
      },
    });
    const scope = globalThis as unknown as Record<string, TimerFunction>;
    for (const name of ['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask'])
      scope[name] = this.attributed(scope[name]);
    process.nextTick = this.attributed(process.nextTick as TimerFunction) as typeof process.nextTick;
  }

  /** The cell whose code is running now (or ran last). */
  get cellId(): string {
    return this.current;
  }

  /** A cell starts: what runs from here on is its own. Also drops what an interrupt cut short. */
  enter(cellId: string): void {
    this.saved.length = 0;
    this.current = cellId;
  }

  /** The timer function with its callback run as the cell that scheduled it. */
  private attributed(original: TimerFunction): TimerFunction {
    const attribution = this;
    const wrapped = function (this: unknown, callback: unknown, ...rest: unknown[]) {
      const owner = attribution.current;
      if (typeof callback !== 'function' || !owner) return original.call(this, callback, ...rest);
      const run = function (this: unknown, ...args: unknown[]) {
        const outer = attribution.current;
        attribution.current = owner;
        try {
          return (callback as (...a: unknown[]) => unknown).apply(this, args);
        } finally {
          attribution.current = outer;
        }
      };
      return original.call(this, run, ...rest);
    };
    // Keeps util.promisify(setTimeout) and friends working.
    Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(original));
    return wrapped;
  }
}
