// complete_request and inspect_request from the language service the editor uses (languageService/,
// a TypeScript LanguageService on a worker thread): the session's executed cells are the notebook's
// cells that ran, in execution order, and the code asked about is one more cell after them, so names
// and types flow as the kernel's scope holds them. Inspecting a variable that holds a tensor adds its
// live shape, dtype and backend (the kernel's variables request). Names the service cannot type
// (globals made by eval, properties of an `any`) are answered from the kernel's live scope.
// The service starts on the first question, not with the kernel: it costs about 3 s of CPU and
// 115 MB, which a kernel that is only run (nbconvert, a class running cells) never pays.
import type { KernelClient } from '../../extension/kernelClient';
import { NotebookLanguageServiceClient } from '../../languageService/languageServiceClient';
import { liveTensorSummary } from '../../languageService/liveTensorSummary';
import type { CellCompletions, NotebookCellSource } from '../../languageService/notebookLanguageService';
import {
  codePointOffset,
  codeUnitOffset,
  kernelScopeQueries,
  type CodeIntelligence,
  type CodeQueries,
  type CompletionAnswer,
} from './codeIntelligence';

export interface LanguageServiceFiles {
  /** dist/languageServiceWorker.js */
  worker: string;
  /** dist/engine.d.ts */
  engineDeclarations: string;
  /** The kernel's working folder: npm packages and relative imports resolve from here, as in the kernel. */
  folder: string;
}

/** The id of the cell asked about (the code of a complete or inspect request). */
const askedCellId = 'jupyter-asked';
/** Matches up to this many get a signature in their metadata (one service call each); longer lists get types only. */
const maxMatchesWithSignatures = 12;
/** Names the service's own declarations add, never the user's. */
const hiddenName = /^__attentionLab/;

type Entry = CellCompletions['entries'][number];

/** How a TypeScript completion changes the code: replace [start, end) with text (cell UTF-16 offsets). */
interface Edit {
  entry: Entry;
  start: number;
  end: number;
  text: string;
}

export class LanguageServiceIntelligence implements CodeIntelligence {
  private service: NotebookLanguageServiceClient | undefined;
  private readonly executedCells: NotebookCellSource[] = [];
  private executions = 0;
  private readonly liveScope: CodeQueries;

  constructor(
    private readonly kernel: KernelClient,
    private readonly files: LanguageServiceFiles,
    private readonly log: (line: string) => void,
  ) {
    this.liveScope = kernelScopeQueries(kernel);
  }

  cellExecuted(code: string): void {
    // A cell run again at once (a training step, Shift+Enter twice) adds nothing new to the flow of names.
    if (this.executedCells.at(-1)?.text === code) return;
    const executionOrder = ++this.executions;
    this.executedCells.push({
      id: `jupyter-executed-${executionOrder}`,
      text: code,
      language: 'typescript',
      executionOrder,
    });
  }

  async complete(code: string, cursorPos: number): Promise<CompletionAnswer> {
    const cursor = codeUnitOffset(code, cursorPos);
    const service = this.sync(code);
    const found = await this.ask(() => service?.completions(askedCellId, cursor));
    // Nothing typed: a property of an `any` (a value made by eval), or the service is unavailable.
    if (!found?.entries.length) return this.liveScope.complete(code, cursorPos);
    const typed = code.slice(found.replaceStart, cursor);
    const edits = found.entries
      .filter((entry) => !hiddenName.test(entry.name) && entry.name.toLowerCase().startsWith(typed.toLowerCase()))
      .sort((a, b) => rank(a, typed) - rank(b, typed) || a.sortText.localeCompare(b.sortText) || compareNames(a, b))
      .map((entry): Edit => {
        const span = entry.replacementSpan;
        const start = span?.start ?? found.replaceStart;
        const end = span ? span.start + span.length : found.replaceStart + found.replaceLength;
        return { entry, start, end, text: entry.insertText ?? entry.name };
      });
    // Globals a cell made at run time (`globalThis.x = ...`, eval), which no declaration names.
    const known = new Set(edits.map((edit) => edit.entry.name));
    const live = found.isMemberCompletion ? [] : (await this.liveScope.complete(code, cursorPos)).matches;
    const liveOnly = live.filter((name) => !known.has(name));
    // One range for all matches (Jupyter's cursor_start/end): an edit with a wider span spells out the code it covers.
    const start = Math.min(found.replaceStart, ...edits.map((edit) => edit.start));
    const wordEnd = found.replaceStart + found.replaceLength;
    const end = Math.max(wordEnd, ...edits.map((edit) => edit.end));
    const matchOf = (edit: Pick<Edit, 'start' | 'end' | 'text'>) =>
      code.slice(start, edit.start) + edit.text + code.slice(edit.end, end);
    const signatures =
      edits.length + liveOnly.length <= maxMatchesWithSignatures
        ? await Promise.all(edits.map((edit) => this.signatureOf(cursor, edit.entry)))
        : [];
    const [cursorStart, cursorEnd] = [codePointOffset(code, start), codePointOffset(code, end)];
    const liveEdits = liveOnly.map((name) => ({ start: found.replaceStart, end: wordEnd, text: name }));
    const matches = [...edits, ...liveEdits].map(matchOf);
    const types = [
      ...edits.map((edit, i) => ({
        text: matches[i],
        type: typeOf(edit.entry, signatures[i]),
        signature: signatures[i] ?? '',
      })),
      ...liveOnly.map((_, i) => ({ text: matches[edits.length + i], type: '<unknown>', signature: '' })),
    ];
    return {
      matches,
      cursor_start: cursorStart,
      cursor_end: cursorEnd,
      metadata: {
        _jupyter_types_experimental: types.map((type) => ({ start: cursorStart, end: cursorEnd, ...type })),
      },
    };
  }

  async inspect(code: string, cursorPos: number, detailLevel: number): Promise<Record<string, string> | undefined> {
    const cursor = codeUnitOffset(code, cursorPos);
    const service = this.sync(code);
    const hover = await this.ask(() => service?.hover(askedCellId, cursor));
    if (!hover || hover.signature === 'any') {
      // Inside a call's parentheses (where Shift+Tab asks): the called function's signature.
      const help = await this.ask(() => service?.signatureHelp(askedCellId, cursor));
      const signature = help?.signatures[help.activeSignature];
      if (signature) return describe([], signature.label, signature.documentation);
      return this.liveScope.inspect(code, cursorPos, detailLevel);
    }
    const live = hover.isVariable ? await this.liveTensor(hover.name) : undefined;
    // A variable the service types `any` (a value made by eval): the kernel's live value says what it is.
    const untyped = /: any$/.test(hover.signature)
      ? (await this.liveScope.inspect(code, cursorPos, detailLevel))?.['text/plain']
      : undefined;
    return describe(
      [live, untyped].filter((line) => line !== undefined),
      hover.signature,
      hover.documentation,
    );
  }

  dispose(): void {
    this.service?.dispose();
  }

  /** The service with the executed cells and the code asked about; started on the first question. */
  private sync(code: string): NotebookLanguageServiceClient | undefined {
    try {
      this.service ??= new NotebookLanguageServiceClient(this.files.worker, {
        folder: this.files.folder,
        notebookName: 'jupyter',
        engineDeclarations: this.files.engineDeclarations,
      });
    } catch (error) {
      this.log(`the notebook language service did not start: ${(error as Error).message}`);
      return undefined;
    }
    this.service.updateCells([...this.executedCells, { id: askedCellId, text: code, language: 'typescript' }]);
    return this.service;
  }

  /** The service's answer, or undefined when it failed (logged; the live scope answers instead). */
  private async ask<T>(question: () => Promise<T> | undefined): Promise<T | undefined> {
    try {
      return await question();
    } catch (error) {
      this.log((error as Error).message);
      return undefined;
    }
  }

  private async signatureOf(cursor: number, entry: Entry): Promise<string> {
    const details = await this.ask(() => this.service?.completionDetails(askedCellId, cursor, entry));
    // A class merged with its interface reads `(alias) class X\n(alias) interface X\n...`: the first line says it.
    return details?.detail.split('\n')[0] ?? '';
  }

  private async liveTensor(name: string): Promise<string | undefined> {
    const variables = await this.kernel.variables([name]).catch(() => []);
    const tensor = variables.find((variable) => variable.name === name)?.tensor;
    return tensor && liveTensorSummary(name, tensor);
  }
}

/** TypeScript's kind of a completion; for an engine global (an alias) what it stands for, when its signature says. */
function typeOf(entry: Entry, signature: string | undefined): string {
  if (entry.kind !== 'alias') return entry.kind;
  return (signature && /^\(alias\) (\w+)/.exec(signature)?.[1]) || entry.kind;
}

/** Matches spelled as typed (same case) first. */
function rank(entry: Entry, typed: string): number {
  return entry.name.startsWith(typed) ? 0 : 1;
}

function compareNames(a: Entry, b: Entry): number {
  return a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.name.localeCompare(b.name);
}

/** An inspect reply's bundle: live lines, the declaration, its documentation; as text and as markdown. */
function describe(live: string[], signature: string, documentation: string): Record<string, string> {
  const block = (text: string, language: string) => `\`\`\`${language}\n${text}\n\`\`\``;
  return {
    'text/plain': [...live, signature, ...(documentation ? ['', documentation] : [])].join('\n'),
    'text/markdown': [...live.map((line) => block(line, 'text')), block(signature, 'typescript'), documentation]
      .filter(Boolean)
      .join('\n\n'),
  };
}
