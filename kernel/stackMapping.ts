// Errors in the cell's own lines: each evaluation's script gets its own sourceURL and the cell's
// source map, so a frame in it reads `at f (cell 3:2:7)`. The tracebacks cross to the client as
// the protocol's CellError.
import { SourceMap } from 'node:module';
import type { CellError } from '../protocol/kernelProtocol';
import type { CellCompileError, CompiledCell } from './cellCompiler';
import { inspectValue } from './outputBundle';

const cellUrlPrefix = 'attention-lab-cell-';

/** What `SourceMap.findEntry` returns: empty when the position maps to nothing. */
type SourceMapEntry = { originalLine?: number; originalColumn?: number };

/** A compile error as a traceback that points at the cell's line and column with a caret. */
export function compileCellError(error: CellCompileError, cellLabel: string): CellError {
  const traceback = [
    `CompileError: ${error.message}`,
    `    at ${cellLabel}:${error.line}:${error.column + 1}`,
    `    ${error.lineText}`,
    `    ${' '.repeat(error.column)}^`,
  ];
  return { name: 'CompileError', message: error.message, traceback };
}

/** Remembers each evaluated script's source map and maps stack frames back to cell lines. */
export class StackMapping {
  private readonly sourceMaps = new Map<string, { map: SourceMap; label: string }>();
  private evaluationCount = 0;

  /** `explain` gives the message to show for an error (the kernel adds hints to some). */
  constructor(private readonly explain: (error: Error) => string = (error) => error.message) {}

  /** The script to evaluate for `compiled`: its code under a fresh sourceURL that maps to the cell. */
  script(compiled: CompiledCell, cellLabel: string): string {
    const url = `${cellUrlPrefix}${++this.evaluationCount}.js`;
    this.sourceMaps.set(url, { map: new SourceMap(compiled.sourceMap), label: cellLabel });
    return `${compiled.code}\n//# sourceURL=${url}`;
  }

  /** name, message and a stack whose cell frames read `at f (cell 3:2:7)`. */
  cellError(thrown: unknown): CellError {
    if (!(thrown instanceof Error)) {
      return { name: 'Uncaught', message: inspectValue(thrown), traceback: [`Uncaught ${inspectValue(thrown)}`] };
    }
    // The kernel is one bundle (dist/kernel.js), so __filename names every frame of its own code.
    const frames = (thrown.stack ?? '')
      .split('\n')
      .filter((line) => /^\s+at /.test(line))
      .filter((line) => !/node:(inspector|internal|async_hooks)|\(<anonymous>\)$/.test(line))
      .filter((line) => !line.includes(__filename))
      .map((line) => this.mapFrame(line));
    const message = this.explain(thrown);
    return { name: thrown.name, message, traceback: [`${thrown.name}: ${message}`, ...frames] };
  }

  private mapFrame(line: string): string {
    const cellLocation = new RegExp(`${cellUrlPrefix}\\d+\\.js:(\\d+):(\\d+)`);
    return line.replace(cellLocation, (whole, lineText: string, columnText: string) => {
      const url = whole.slice(0, whole.indexOf(':'));
      const known = this.sourceMaps.get(url);
      if (!known) return whole;
      const entry = known.map.findEntry(Number(lineText) - 1, Number(columnText) - 1) as SourceMapEntry;
      if (entry.originalLine === undefined) return `${known.label}`;
      return `${known.label}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
    });
  }
}
