// The worker thread (dist/languageServiceWorker.js) that owns one notebook's NotebookLanguageService,
// so TypeScript's work (seconds to build the first program, tens of ms per answer) never blocks the
// thread that asked: messages from languageServiceClient.ts, answered in the order they came.
import { parentPort, workerData } from 'node:worker_threads';
import type { ServiceRequest, ServiceResponse } from './languageServiceClient';
import { NotebookLanguageService, type NotebookLanguageServiceOptions } from './notebookLanguageService';

const service = new NotebookLanguageService(workerData as NotebookLanguageServiceOptions);
const port = parentPort as NonNullable<typeof parentPort>;

port.on('message', (request: ServiceRequest) => {
  let response: ServiceResponse;
  try {
    const method = service[request.method] as (...args: unknown[]) => unknown;
    response = { id: request.id, result: method.apply(service, request.args) };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  if (request.id >= 0) port.postMessage(response);
});
