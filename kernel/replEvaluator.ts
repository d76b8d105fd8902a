// Runs scripts in the kernel's main thread through V8's REPL mode (the inspector's Runtime.evaluate
// with replMode): top-level await, and let/const/class that persist and can be declared again when
// a cell re-runs. Returned and thrown values come back as the real objects, not inspector copies.
import { Session } from 'node:inspector';

interface RemoteObject {
  type: string;
  value?: unknown;
  unserializableValue?: string;
  objectId?: string;
}

interface EvaluateReply {
  result: RemoteObject;
  exceptionDetails?: { text: string; lineNumber: number; columnNumber: number; exception?: RemoteObject };
}

/** How one evaluation ended, told as soon as the inspector replies. */
export type EvaluationEnd =
  /** Stopped by an interrupt's termination (the control thread's `terminateExecution`). */
  | { kind: 'terminated' }
  /** The inspector could not run the script at all. */
  | { kind: 'inspectorError'; message: string }
  | { kind: 'threw'; thrown: Promise<unknown> }
  | { kind: 'returned'; value: Promise<unknown> };

const sinkGlobal = '__attentionLabSink';
const objectGroup = 'cell';

export class ReplEvaluator {
  private readonly session = new Session();

  constructor() {
    this.session.connect();
  }

  dispose(): void {
    this.session.disconnect();
  }

  /** Evaluates `script`; what it returned or threw stays held until `releaseObjects()`. */
  evaluate(script: string, onEnd: (end: EvaluationEnd) => void): void {
    const request = { expression: script, replMode: true, awaitPromise: true, objectGroup };
    this.session.post('Runtime.evaluate', request, (error, reply) => {
      const evaluated = reply as EvaluateReply;
      // A cell stopped by an interrupt's termination ends with V8's message, as an inspector error
      // or as an exception that carries no value.
      const details = evaluated?.exceptionDetails;
      if (/terminated/i.test(error?.message ?? (details && !details.exception ? details.text : ''))) {
        onEnd({ kind: 'terminated' });
      } else if (error) {
        onEnd({ kind: 'inspectorError', message: error.message });
      } else if (details) {
        const { exception, text } = details;
        onEnd({ kind: 'threw', thrown: exception ? this.remoteValue(exception) : Promise.resolve(new Error(text)) });
      } else {
        onEnd({ kind: 'returned', value: this.remoteValue(evaluated.result) });
      }
    });
  }

  /** Lets the last evaluation's returned and thrown objects be collected. */
  releaseObjects(): void {
    this.session.post('Runtime.releaseObjectGroup', { objectGroup });
  }

  /** The real JS value behind an inspector RemoteObject (objects come back through a global sink). */
  private remoteValue(remote: RemoteObject): Promise<unknown> {
    if (remote.objectId) {
      return new Promise((resolve, reject) => {
        const sink = globalThis as unknown as Record<string, (value: unknown) => void>;
        sink[sinkGlobal] = resolve;
        const functionDeclaration = `function () { globalThis.${sinkGlobal}(this); }`;
        this.session.post('Runtime.callFunctionOn', { objectId: remote.objectId, functionDeclaration }, (error) => {
          if (error) reject(error);
        });
      });
    }
    if (remote.unserializableValue !== undefined) {
      const text = remote.unserializableValue;
      return Promise.resolve(text.endsWith('n') ? BigInt(text.slice(0, -1)) : text === '-0' ? -0 : Number(text));
    }
    return Promise.resolve(remote.type === 'undefined' ? undefined : remote.value);
  }
}
