// Knows which cell the running JavaScript belongs to, so console output, displays and uncaught
// errors from a cell's timers and promises reach that cell even after later cells started, and
// which cells still have timers pending. Built on V8's promise hooks and wrapped timer functions,
// not async_hooks: with async_hooks enabled, terminating a busy cell (interrupt) trips a Node
// assertion and aborts the kernel.
import { promiseHooks } from 'node:v8';

type TimerFunction = (callback: unknown, ...rest: unknown[]) => unknown;
type ClearFunction = (handle: unknown) => void;
/** What Node's setTimeout/setInterval/setImmediate return. */
type TimerHandle = { hasRef?: () => boolean };

const scheduling = [
  { name: 'setTimeout', clear: 'clearTimeout', repeats: false },
  { name: 'setInterval', clear: 'clearInterval', repeats: true },
  { name: 'setImmediate', clear: 'clearImmediate', repeats: false },
] as const;

export class CellAttribution {
  private current = '';
  private readonly saved: string[] = [];
  private readonly owners = new WeakMap<Promise<unknown>, string>();
  /** Scheduled timers of cells (one-shot ones until they ran, intervals until cleared) and their cell. */
  private readonly pendingTimers = new Map<TimerHandle, string>();
  private readonly noPendingWaiters: (() => void)[] = [];
  /** The last error a cell's callback threw, so the uncaught-exception handler knows its cell. */
  private lastThrown: { value: unknown; cellId: string } | null = null;
  private readonly checkLater: (check: () => void) => unknown;

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
    const scope = globalThis as unknown as Record<string, TimerFunction & ClearFunction>;
    this.checkLater = scope.setImmediate.bind(globalThis);
    for (const { name, clear, repeats } of scheduling) {
      scope[name] = this.attributed(scope[name], repeats);
      scope[clear] = this.clearing(scope[clear]);
    }
    scope.queueMicrotask = this.attributed(scope.queueMicrotask);
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

  /** The cell that started the code which threw `error` (a timer or callback of it), else the current one. */
  cellOfUncaught(error: unknown): string {
    return this.lastThrown && this.lastThrown.value === error ? this.lastThrown.cellId : this.current;
  }

  /** The cell whose code created `promise`, else the current one. */
  cellOfPromise(promise: Promise<unknown>): string {
    return this.owners.get(promise) ?? this.current;
  }

  /** Pending timers that keep the kernel busy (unref'd ones do not, as in `node`), counted by cell. */
  timersByCell(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [handle, cellId] of this.pendingTimers)
      if (handle.hasRef?.() ?? true) counts[cellId] = (counts[cellId] ?? 0) + 1;
    return counts;
  }

  /** Resolves once no cell has a pending timer, also none that a timer's last callback started. */
  whenNoPendingTimers(): Promise<void> {
    return new Promise((resolve) => {
      this.noPendingWaiters.push(resolve);
      this.checkPending();
    });
  }

  private checkPending(): void {
    if (this.noPendingWaiters.length === 0 || Object.keys(this.timersByCell()).length > 0) return;
    // After the promise jobs and rejections of the callback that ran last, which may schedule more.
    this.checkLater(() => {
      if (Object.keys(this.timersByCell()).length > 0) return;
      for (const resolve of this.noPendingWaiters.splice(0)) resolve();
    });
  }

  private timerDone(handle: TimerHandle): void {
    if (this.pendingTimers.delete(handle)) this.checkPending();
  }

  /** The scheduling function with its callback run as the cell that scheduled it, its timer tracked. */
  private attributed(original: TimerFunction, repeats = false): TimerFunction {
    const attribution = this;
    const wrapped = function (this: unknown, callback: unknown, ...rest: unknown[]) {
      const owner = attribution.current;
      if (typeof callback !== 'function' || !owner) return original.call(this, callback, ...rest);
      let handle: TimerHandle | undefined;
      const run = function (this: unknown, ...args: unknown[]) {
        const outer = attribution.current;
        attribution.current = owner;
        try {
          return (callback as (...a: unknown[]) => unknown).apply(this, args);
        } catch (error) {
          attribution.lastThrown = { value: error, cellId: owner };
          throw error;
        } finally {
          attribution.current = outer;
          if (handle && !repeats) attribution.timerDone(handle);
        }
      };
      const result = original.call(this, run, ...rest);
      if (result && typeof result === 'object') attribution.pendingTimers.set((handle = result), owner);
      return result;
    };
    // Keeps util.promisify(setTimeout) and friends working.
    Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(original));
    return wrapped;
  }

  /** The clearing function, which also stops tracking the timer (given as its handle or its number). */
  private clearing(original: ClearFunction): ClearFunction {
    const attribution = this;
    const wrapped = function (this: unknown, handle: unknown) {
      original.call(this, handle);
      if (handle && typeof handle === 'object') attribution.timerDone(handle);
      else if (handle !== undefined && handle !== null)
        for (const pending of attribution.pendingTimers.keys())
          if (Number(pending) === Number(handle)) attribution.timerDone(pending);
    };
    Object.defineProperties(wrapped, Object.getOwnPropertyDescriptors(original));
    return wrapped;
  }
}
