// Runs a NotebookLanguageService on a worker thread (languageServiceWorker.ts) and gives the same
// methods as promises: the editor's thread only posts cells and offsets and awaits answers.
import { Worker } from 'node:worker_threads';
import type { NotebookLanguageService, NotebookLanguageServiceOptions } from './notebookLanguageService';

type ServiceMethod = Exclude<keyof NotebookLanguageService, 'dispose'>;
type Method<K extends ServiceMethod> = NotebookLanguageService[K] extends (...args: infer A) => infer R
  ? (...args: A) => Promise<R>
  : never;

/** A call of one service method; id -1: no answer wanted (updateCells). */
export interface ServiceRequest {
  id: number;
  method: ServiceMethod;
  args: unknown[];
}

export type ServiceResponse = { id: number; result: unknown } | { id: number; error: string };

/** What a worker starts with: its notebook, and where typescript.js's V8 code cache lives (none: no cache). */
export interface LanguageServiceWorkerData {
  options: NotebookLanguageServiceOptions;
  codeCacheFolder?: string;
}

export class NotebookLanguageServiceClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  /** Why the worker stopped: every later request is rejected with it. */
  private failure: Error | undefined;

  /**
   * Starts the worker, which loads TypeScript at once. `workerPath`: the built languageServiceWorker.js;
   * `codeCacheFolder`: a folder of the extension's own for typescript.js's V8 code cache.
   */
  constructor(workerPath: string, options: NotebookLanguageServiceOptions, codeCacheFolder?: string) {
    const workerData: LanguageServiceWorkerData = { options, ...(codeCacheFolder ? { codeCacheFolder } : {}) };
    this.worker = new Worker(workerPath, { workerData });
    this.worker.on('message', (response: ServiceResponse) => {
      const waiter = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (this.pending.size === 0) this.worker.unref();
      if ('error' in response) waiter?.reject(new Error(`notebook language service: ${response.error}`));
      else waiter?.resolve(response.result);
    });
    this.worker.on('error', (error) => this.failAll(error));
    this.worker.on('exit', (code) => this.failAll(new Error(`notebook language service exited with code ${code}`)));
    // Held only while an answer is awaited, so an idle service never keeps a process alive.
    this.worker.unref();
  }

  /** Replaces the cells; requests posted after it see them. */
  updateCells(...args: Parameters<NotebookLanguageService['updateCells']>): void {
    this.worker.postMessage({ id: -1, method: 'updateCells', args } satisfies ServiceRequest);
  }

  readonly completions = this.method('completions');
  readonly completionDetails = this.method('completionDetails');
  readonly hover = this.method('hover');
  readonly signatureHelp = this.method('signatureHelp');
  readonly diagnostics = this.method('diagnostics');
  readonly definition = this.method('definition');
  readonly references = this.method('references');

  private method<K extends ServiceMethod>(method: K): Method<K> {
    return ((...args: unknown[]) =>
      new Promise((resolve, reject) => {
        if (this.failure) return reject(this.failure);
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject });
        this.worker.ref();
        this.worker.postMessage({ id, method, args } satisfies ServiceRequest);
      })) as Method<K>;
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }

  dispose(): void {
    void this.worker.terminate();
  }
}
