// The cell language ids the kernel and the headless runner accept: Attention Lab's own id (what VS
// Code's cells carry under this kernel, and what the .ipynb's language_info names once saved there)
// runs as TypeScript, in a notebook's language_info as in a cell's own metadata.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cellLanguage, type JupyterCell, type JupyterNotebook } from '../../cli/notebookFile';
import { attentionLabTypeScript, kernelLanguageOf } from '../../protocol/cellLanguages';
import { repoRoot } from '../helpers/repoRoot';

test('kernelLanguageOf reads both TypeScript ids as TypeScript, JavaScript as JavaScript, others as nothing', () => {
  assert.equal(kernelLanguageOf(attentionLabTypeScript), 'typescript');
  assert.equal(kernelLanguageOf('typescript'), 'typescript');
  assert.equal(kernelLanguageOf('TypeScript'), 'typescript');
  assert.equal(kernelLanguageOf('javascript'), 'javascript');
  assert.equal(kernelLanguageOf('python'), undefined);
  assert.equal(kernelLanguageOf('raw'), undefined);
});

test("the runner runs cells of a notebook whose language_info or cell metadata names Attention Lab's id", () => {
  const cell = (metadata: JupyterCell['metadata'] = {}): JupyterCell => ({ cell_type: 'code', source: '1', metadata });
  const notebook = (name: string): JupyterNotebook => ({
    cells: [],
    metadata: { language_info: { name } },
    nbformat: 4,
    nbformat_minor: 5,
  });
  assert.equal(cellLanguage(cell(), notebook(attentionLabTypeScript)), 'typescript');
  assert.equal(
    cellLanguage(cell({ vscode: { languageId: attentionLabTypeScript } }), notebook('python')),
    'typescript',
  );
  assert.equal(
    cellLanguage(cell({ vscode: { languageId: 'javascript' } }), notebook(attentionLabTypeScript)),
    'javascript',
  );
  assert.equal(cellLanguage(cell({ vscode: { languageId: 'python' } }), notebook(attentionLabTypeScript)), undefined);
});

test("package.json contributes Attention Lab's id with a grammar that includes VS Code's TypeScript grammar", () => {
  const root = repoRoot();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    contributes: {
      languages: { id: string; configuration: string }[];
      grammars: { language: string; scopeName: string; path: string }[];
    };
  };
  const language = manifest.contributes.languages.find((l) => l.id === attentionLabTypeScript);
  assert.ok(language, 'the language is contributed');
  const configuration = JSON.parse(readFileSync(join(root, language.configuration), 'utf8')) as {
    comments: { lineComment: string };
  };
  assert.equal(configuration.comments.lineComment, '//');
  const grammar = manifest.contributes.grammars.find((g) => g.language === attentionLabTypeScript);
  assert.ok(grammar, 'the grammar is contributed');
  const tmLanguage = JSON.parse(readFileSync(join(root, grammar.path), 'utf8')) as {
    scopeName: string;
    patterns: { include: string }[];
  };
  assert.equal(tmLanguage.scopeName, grammar.scopeName);
  assert.deepEqual(tmLanguage.patterns, [{ include: 'source.ts' }]);
});
