// What the editor shows of a live variable (hover: `x: Tensor (2, 5, 8) float32 · native`): its
// type, and a tensor's shape, dtype and backend. The control thread calls the global installed here
// through its inspector session, so it answers while a cell is busy too (V8 runs it at an
// interrupt). It reads bindings and own data properties only: no getter, proxy trap or toString of
// user code runs.
import { types } from 'node:util';
import type { VariableSummary } from '../protocol/kernelProtocol';
import { Tensor } from './engine/index';
import { variablesGlobal } from './variablesGlobal';

const identifier = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
// Captured before any cell runs, so a cell that replaces `eval` cannot make this run its code.
const indirectEval = globalThis.eval;

/** Installs the summarizer; `declaredNames` gives the cells' top-level names, in the order first declared. */
export function installVariableSummaries(declaredNames: () => string[]): void {
  const summarize = (names: string[] | null): VariableSummary[] =>
    (names ?? declaredNames()).flatMap((name) => {
      const summary = summarizeName(name);
      return summary ? [summary] : [];
    });
  (globalThis as unknown as Record<string, unknown>)[variablesGlobal] = summarize;
}

function summarizeName(name: string): VariableSummary | null {
  if (!identifier.test(name)) return null;
  const property = Object.getOwnPropertyDescriptor(globalThis, name);
  if (property && !('value' in property)) return { name, type: 'accessor' };
  let value: unknown;
  try {
    // A global lexical binding (let/const/class of a cell) is reachable only by name in a script.
    value = indirectEval(name);
  } catch {
    return null; // not declared, or declared but not initialized yet (a cell that threw before it)
  }
  if (isTensor(value)) {
    const tensor = { shape: Array.from(value.shape), dtype: value.torchDtype, backend: value.backend.name };
    return { name, type: 'Tensor', tensor };
  }
  return { name, type: typeName(value) };
}

/** `value instanceof Tensor`, walked by hand so that no proxy in the prototype chain runs a trap. */
function isTensor(value: unknown): value is Tensor {
  let link: unknown = value;
  while (typeof link === 'object' && link !== null && !types.isProxy(link)) {
    link = Object.getPrototypeOf(link);
    if (link === Tensor.prototype) return true;
  }
  return false;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object' && typeof value !== 'function') return typeof value;
  if (types.isProxy(value)) return typeof value === 'function' ? 'function' : 'Proxy';
  const className = constructorName(value);
  if (typeof value === 'object') return className;
  // A callable instance (an nn module: `mha(q, k, v)`) is named by its class, like any object.
  if (!plainFunctionClasses.has(className)) return className;
  return /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
}

const plainFunctionClasses = new Set(['Function', 'AsyncFunction', 'GeneratorFunction', 'AsyncGeneratorFunction']);

/** The name of the class `value` is an instance of, read from data properties only ('Object' when none). */
function constructorName(value: object): string {
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype === null || types.isProxy(prototype)) return 'Object';
  const constructor = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value as unknown;
  if (typeof constructor !== 'function') return 'Object';
  const name = Object.getOwnPropertyDescriptor(constructor, 'name')?.value as unknown;
  return typeof name === 'string' && name ? name : 'Object';
}
