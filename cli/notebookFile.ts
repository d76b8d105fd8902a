// Reads and writes .ipynb (nbformat 4) the way VS Code's ipynb serializer does, so a notebook the
// headless runner executed opens in VS Code with the same outputs: +json mimes stored as JSON,
// text as line arrays, streams merged, errors as ename/evalue/traceback.
import { kernelLanguageOf } from '../protocol/cellLanguages';
import type { CellError, CellLanguage, OutputBundle, OutputItem } from '../protocol/kernelProtocol';

export type MultilineString = string | string[];

export interface JupyterOutput {
  output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  name?: 'stdout' | 'stderr';
  text?: MultilineString;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface JupyterCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: MultilineString;
  metadata: Record<string, unknown> & { vscode?: { languageId?: string }; execution?: Record<string, string> };
  outputs?: JupyterOutput[];
  execution_count?: number | null;
  id?: string;
}

export interface JupyterNotebook {
  cells: JupyterCell[];
  metadata: Record<string, unknown> & {
    kernelspec?: { name?: string; display_name?: string; language?: string };
    language_info?: { name?: string };
  };
  nbformat: number;
  nbformat_minor: number;
}

export function parseNotebook(text: string, path: string): JupyterNotebook {
  const notebook = JSON.parse(text) as JupyterNotebook;
  if (!Array.isArray(notebook.cells) || notebook.nbformat !== 4) throw new Error(`${path}: not an nbformat 4 notebook`);
  return notebook;
}

/** nbformat's line array, as VS Code writes it: every line but the last keeps its '\n'. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n').map((line, i, all) => (i < all.length - 1 ? `${line}\n` : line));
  return lines[lines.length - 1] === '' ? lines.slice(0, -1) : lines;
}

export function joinLines(text: MultilineString | undefined): string {
  return Array.isArray(text) ? text.join('') : (text ?? '');
}

/**
 * A code cell's language: its own `vscode.languageId`, else the notebook's, else TypeScript;
 * `attention-lab-typescript` (the cells' language in VS Code under this kernel) is TypeScript.
 */
export function cellLanguage(cell: JupyterCell, notebook: JupyterNotebook): CellLanguage | undefined {
  return kernelLanguageOf(
    cell.metadata.vscode?.languageId ??
      notebook.metadata.language_info?.name ??
      notebook.metadata.kernelspec?.language ??
      'typescript',
  );
}

function itemValue(item: OutputItem): unknown {
  if (item.mime.toLowerCase().includes('json')) return JSON.parse(item.data) as unknown;
  // Base64 images are one string: VS Code's serializer decodes only that form.
  if (item.mime === 'image/png') return item.data;
  return splitLines(item.data);
}

export function bundleOutput(bundle: OutputBundle, executionCount?: number): JupyterOutput {
  const data = Object.fromEntries(bundle.items.map((item) => [item.mime, itemValue(item)]));
  const metadata = bundle.displayId ? { transient: { display_id: bundle.displayId } } : {};
  return executionCount === undefined
    ? { output_type: 'display_data', data, metadata }
    : { output_type: 'execute_result', data, metadata, execution_count: executionCount };
}

export function errorOutput(error: CellError): JupyterOutput {
  return { output_type: 'error', ename: error.name, evalue: error.message, traceback: error.traceback };
}

/** The output items VS Code's serializer gives back when it opens the file. */
export function outputItems(output: JupyterOutput): OutputItem[] {
  if (output.output_type === 'stream')
    return [{ mime: `application/vnd.code.notebook.${output.name}`, data: joinLines(output.text) }];
  if (output.output_type === 'error')
    return [
      {
        mime: 'application/vnd.code.notebook.error',
        data: JSON.stringify({ name: output.ename, message: output.evalue, stack: output.traceback?.join('\n') }),
      },
    ];
  return Object.entries(output.data ?? {}).map(([mime, value]) => ({
    mime,
    data: mime.toLowerCase().includes('json') ? JSON.stringify(value) : joinLines(value as MultilineString),
  }));
}

/** Appends stream text, merging with the previous output when it is the same stream. */
export function appendStream(outputs: JupyterOutput[], name: 'stdout' | 'stderr', text: string): void {
  const last = outputs[outputs.length - 1];
  if (last?.output_type === 'stream' && last.name === name) last.text = splitLines(joinLines(last.text) + text);
  else outputs.push({ output_type: 'stream', name, text: splitLines(text) });
}
