// The worker thread (dist/languageServiceWorker.js) that owns one notebook's NotebookLanguageService,
// so TypeScript's work (a second or more to build the first program, tens of ms per answer) never
// blocks the thread that asked: messages from languageServiceClient.ts, answered in the order they
// came. TypeScript is loaded first, through its V8 code cache (typeScriptCodeCache.ts), which is
// written after the first answer when it was missing; the same folder keeps the engine's export names.
import { parentPort, workerData } from 'node:worker_threads';
import type { LanguageServiceWorkerData, ServiceRequest, ServiceResponse } from './languageServiceClient';
import { loadTypeScript } from './typeScriptCodeCache';

const { options, codeCacheFolder } = workerData as LanguageServiceWorkerData;
const port = parentPort as NonNullable<typeof parentPort>;
const typeScript = loadTypeScript(codeCacheFolder);
// Only now, so that its `require('typescript')` finds the module loaded above.
const service = import('./notebookLanguageService').then(
  ({ NotebookLanguageService }) =>
    new NotebookLanguageService(codeCacheFolder ? { ...options, cacheFolder: codeCacheFolder } : options),
);
let answered = false;

port.on('message', (request: ServiceRequest) => {
  void service.then((ready) => {
    let response: ServiceResponse;
    try {
      const method = ready[request.method] as (...args: unknown[]) => unknown;
      response = { id: request.id, result: method.apply(ready, request.args) };
    } catch (error) {
      response = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    if (request.id < 0) return;
    port.postMessage(response);
    if (!answered) {
      answered = true;
      typeScript.save();
    }
  });
});
