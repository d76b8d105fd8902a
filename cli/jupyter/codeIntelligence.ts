// The seam `complete_request` and `inspect_request` answer through, and the kernel's live scope
// (the names cells declared, the globals, the properties of the value before a dot, asked through
// the kernel process), which answers for names the language service cannot type
// (languageServiceIntelligence.ts).
import type { KernelClient } from '../../extension/kernelClient';

export interface CompletionAnswer {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata: Record<string, unknown>;
}

/** Answers about the code of one cell at a cursor (in unicode code points, as Jupyter counts). */
export interface CodeQueries {
  complete(code: string, cursorPos: number): Promise<CompletionAnswer>;
  /** A mime bundle describing the name at the cursor, or undefined when nothing is known about it. */
  inspect(code: string, cursorPos: number, detailLevel: number): Promise<Record<string, string> | undefined>;
}

/** The session's code intelligence: it hears of every cell the kernel ran, in execution order. */
export interface CodeIntelligence extends CodeQueries {
  cellExecuted(code: string): void;
  dispose(): void;
}

/**
 * Jupyter counts cursor_pos in unicode code points; JavaScript strings index UTF-16 units. Converts
 * one to the other so a cell with emoji or astral characters before the cursor completes correctly.
 */
export function codeUnitOffset(code: string, codePoints: number): number {
  let units = 0;
  for (let seen = 0; seen < codePoints && units < code.length; seen++)
    units += code.codePointAt(units)! > 0xffff ? 2 : 1;
  return units;
}

/** The inverse of codeUnitOffset: code points in the first `units` UTF-16 units of `code`. */
export function codePointOffset(code: string, units: number): number {
  return [...code.slice(0, units)].length;
}

/** Completion and inspection from the kernel's live scope (the `complete` and `inspect` kernel requests). */
export function kernelScopeQueries(client: KernelClient): CodeQueries {
  return {
    async complete(code, cursorPos) {
      const cursor = codeUnitOffset(code, cursorPos);
      const found = await client.request('complete', { code, cursor });
      return {
        matches: found.matches,
        cursor_start: codePointOffset(code, found.start),
        cursor_end: codePointOffset(code, found.end),
        metadata: {},
      };
    },
    async inspect(code, cursorPos, detailLevel) {
      const found = await client.request('inspect', { code, cursor: codeUnitOffset(code, cursorPos), detailLevel });
      return found.text === undefined ? undefined : { 'text/plain': found.text };
    },
  };
}
