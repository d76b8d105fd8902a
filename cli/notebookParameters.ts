// Papermill-style parameters for the headless runner: `-p name value` values typed as papermill
// types them, written as TypeScript declarations into a code cell tagged `injected-parameters`
// right after the cell tagged `parameters` (or at the top when there is none), so the defaults
// in the parameters cell are overridden and the notebook runs as a parameterised job.
import { randomUUID } from 'node:crypto';
import { joinLines, splitLines, type JupyterCell, type JupyterNotebook } from './notebookFile';

/** A value a parameter can take: what JSON holds, and the non-finite numbers. */
export type ParameterValue = null | boolean | number | string | ParameterValue[] | { [key: string]: ParameterValue };

export interface NotebookParameter {
  name: string;
  value: ParameterValue;
}

/** Where the parameters went and which names the parameters cell does not declare. */
export interface InjectedParameters {
  cellIndex: number;
  /** Whether a cell tagged `parameters` exists (papermill warns when not). */
  afterParametersCell: boolean;
  undeclared: string[];
}

const numberPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const nonFinite: Record<string, number> = {
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
  Infinity: Infinity,
  '+Infinity': Infinity,
  '-Infinity': -Infinity,
  nan: NaN,
  NaN: NaN,
};
const identifierPattern = /^[A-Za-z_$][\w$]*$/;

/**
 * A `-p` value typed as papermill types it (True/False, None, integers, floats, else a string),
 * with JavaScript's spellings too (true/false, null) and JSON objects, arrays and quoted strings.
 */
export function parseParameterValue(text: string): ParameterValue {
  if (text === 'True' || text === 'true') return true;
  if (text === 'False' || text === 'false') return false;
  if (text === 'None' || text === 'null') return null;
  if (numberPattern.test(text)) return Number(text);
  if (text in nonFinite) return nonFinite[text];
  if (/^[[{"]/.test(text)) {
    try {
      return JSON.parse(text) as ParameterValue;
    } catch {
      return text;
    }
  }
  return text;
}

/** `value` as a TypeScript expression. */
function literal(value: ParameterValue): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value);
}

function tagsOf(cell: JupyterCell): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? (tags as string[]) : [];
}

/** The keyword the parameters cell declares `name` with (so `let` stays reassignable), default `const`. */
function declarationKeyword(parametersSource: string, name: string): string | undefined {
  const escaped = name.replace(/\$/g, '\\$');
  return new RegExp(`(?:^|[\\s;])(const|let|var)\\s+${escaped}(?![\\w$])`, 'm').exec(parametersSource)?.[1];
}

/**
 * Writes `parameters` into `notebook` as papermill does: replaces an earlier `injected-parameters`
 * cell, else adds one after the first cell tagged `parameters`, else at the top.
 */
export function injectParameters(notebook: JupyterNotebook, parameters: NotebookParameter[]): InjectedParameters {
  for (const { name } of parameters)
    if (!identifierPattern.test(name)) throw new Error(`-p ${name}: a parameter name must be a JavaScript identifier`);
  const parametersAt = notebook.cells.findIndex((cell) => tagsOf(cell).includes('parameters'));
  const parametersSource = parametersAt >= 0 ? joinLines(notebook.cells[parametersAt].source) : '';
  const lines = parameters.map(({ name, value }) => {
    const keyword = declarationKeyword(parametersSource, name) ?? 'const';
    return `${keyword} ${name} = ${literal(value)};`;
  });
  const cell: JupyterCell = {
    cell_type: 'code',
    source: splitLines(`// Parameters\n${lines.join('\n')}`),
    metadata: { tags: ['injected-parameters'] },
    outputs: [],
    execution_count: null,
  };
  if (notebook.nbformat_minor >= 5) cell.id = randomUUID().replace(/-/g, '').slice(0, 8);
  const injectedAt = notebook.cells.findIndex((c) => tagsOf(c).includes('injected-parameters'));
  const cellIndex = injectedAt >= 0 ? injectedAt : parametersAt + 1;
  notebook.cells.splice(cellIndex, injectedAt >= 0 ? 1 : 0, cell);
  return {
    cellIndex,
    afterParametersCell: parametersAt >= 0,
    undeclared:
      parametersAt >= 0 ? parameters.map((p) => p.name).filter((n) => !declarationKeyword(parametersSource, n)) : [],
  };
}
