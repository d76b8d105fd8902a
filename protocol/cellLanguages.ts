// The language ids a TypeScript or JavaScript code cell may carry, in VS Code and in .ipynb files,
// and the kernel language each one runs as. Attention Lab's own id, `attention-lab-typescript`
// (package.json contributes it, with a grammar that includes source.ts), is what VS Code's cells get
// while the Attention Lab kernel is selected, so VS Code's built-in per-cell TypeScript support
// stays out of them; the kernel, the headless runner and Jupyter read it as TypeScript.
import type { CellLanguage } from './kernelProtocol';

/** The cell language id of TypeScript cells under the Attention Lab kernel ("TypeScript (Attention Lab)"). */
export const attentionLabTypeScript = 'attention-lab-typescript';

const kernelLanguages: Record<string, CellLanguage> = {
  [attentionLabTypeScript]: 'typescript',
  typescript: 'typescript',
  ts: 'typescript',
  javascript: 'javascript',
  js: 'javascript',
};

/** The language the kernel runs a cell of this language id as; undefined for other languages (python, raw, ...). */
export function kernelLanguageOf(languageId: string): CellLanguage | undefined {
  return kernelLanguages[languageId.toLowerCase()];
}

/** nbformat `language_info` fields that make Jupyter, nbconvert and nbviewer read cells as TypeScript. */
export const typeScriptLanguageInfo = {
  codemirror_mode: { name: 'javascript', typescript: true },
  file_extension: '.ts',
  mimetype: 'text/typescript',
  pygments_lexer: 'typescript',
};
