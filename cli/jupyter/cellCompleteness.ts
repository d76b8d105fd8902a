// `is_complete_request`: whether a console should run the code it has or wait for more lines,
// told by parsing the cell as the kernel's cell compiler does (esbuild, TypeScript, top-level await).
import { transformSync, type TransformFailure } from 'esbuild';

export type Completeness =
  | { status: 'complete' }
  | { status: 'invalid' }
  /** `indent`: what the console puts at the start of the next line. */
  | { status: 'incomplete'; indent: string };

/** Errors that only more text can fix: an open block, call, template or comment at the end of the cell. */
const endOfInput = /end of file|Unterminated (template|regular expression|comment)/i;

function nextIndent(code: string): string {
  const last =
    code
      .split('\n')
      .filter((line) => line.trim() !== '')
      .pop() ?? '';
  const indent = /^\s*/.exec(last)?.[0] ?? '';
  return /[{([]\s*$/.test(last) ? `${indent}  ` : indent;
}

export function checkCompleteness(code: string): Completeness {
  try {
    transformSync(code, { loader: 'ts', format: 'esm', target: 'es2022', logLevel: 'silent' });
    return { status: 'complete' };
  } catch (error) {
    const first = (error as TransformFailure).errors?.[0];
    if (!first) throw error;
    return endOfInput.test(first.text) ? { status: 'incomplete', indent: nextIndent(code) } : { status: 'invalid' };
  }
}
