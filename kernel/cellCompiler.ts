// Turns a TypeScript or JavaScript cell into a REPL-mode script: esbuild strips types (no type
// check) and writes a source map; top-level `import` declarations become awaited loads through
// the kernel's module loader, so imports persist like any other top-level declaration. A cell whose
// last statement is a declaration has no result, as in other notebooks.
import { Parser, type Node } from 'acorn';
import { transformSync, type TransformFailure } from 'esbuild';
import type { SourceMapPayload } from 'node:module';
import type { CellLanguage } from '../protocol/kernelProtocol';

/** The global the rewritten imports call into; defined by the kernel before any cell runs. */
export const loaderGlobal = '__attentionLabLoader';

export interface CompiledCell {
  code: string;
  /** esbuild's source map from `code` back to the cell's own lines and columns. */
  sourceMap: SourceMapPayload;
  /** The top-level names the cell declares (const, let, var, function, class, import), in source order. */
  declaredNames: string[];
}

/** A compile error at a 1-based cell line and 0-based column, as esbuild reports it. */
export class CellCompileError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
    readonly lineText: string,
  ) {
    super(message);
    this.name = 'CompileError';
  }
}

interface ImportSpecifierNode extends Node {
  type: 'ImportSpecifier' | 'ImportDefaultSpecifier' | 'ImportNamespaceSpecifier';
  local: { name: string };
  imported?: { type: string; name?: string; value?: string };
}

interface ImportDeclarationNode extends Node {
  source: { value: string };
  specifiers: ImportSpecifierNode[];
}

/** The acorn nodes a binding name can sit in (a declared identifier or a destructuring pattern). */
interface PatternNode extends Node {
  name?: string;
  /** An ObjectPattern's entries: a Property (its `value` is the binding) or a RestElement. */
  properties?: PatternNode[];
  value?: PatternNode;
  elements?: (PatternNode | null)[];
  argument?: PatternNode;
  left?: PatternNode;
}

type DeclarationNode = Node & {
  id?: PatternNode | null;
  declarations?: { id: PatternNode }[];
  specifiers?: ImportSpecifierNode[];
};

const declarationTypes = new Set([
  'VariableDeclaration',
  'FunctionDeclaration',
  'ClassDeclaration',
  'ImportDeclaration',
]);

export function compileCell(source: string, language: CellLanguage, cellLabel: string): CompiledCell {
  let transformed: { code: string; map: string };
  try {
    transformed = transformSync(source, {
      loader: language === 'typescript' ? 'ts' : 'js',
      format: 'esm',
      target: 'es2022',
      sourcemap: 'external',
      sourcefile: cellLabel,
      // Keep every value import even when this cell does not use it: a later cell may.
      tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
      logLevel: 'silent',
    });
  } catch (error) {
    const first = (error as TransformFailure).errors?.[0];
    if (!first) throw error;
    const location = first.location;
    throw new CellCompileError(first.text, location?.line ?? 1, location?.column ?? 0, location?.lineText ?? '');
  }
  const program = Parser.parse(transformed.code, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    allowAwaitOutsideFunction: true,
    locations: true,
  }) as Node & { body: DeclarationNode[] };
  const last = program.body.at(-1);
  // A declaration's completion value is empty, so the script's result would be that of an earlier
  // statement (for an import, the loaded module's namespace): end with an explicit `undefined`.
  const noResult = last && declarationTypes.has(last.type) ? '\nvoid 0;' : '';
  return {
    code: rewriteModuleSyntax(program, transformed.code, source) + noResult,
    declaredNames: program.body.flatMap(declaredNames),
    sourceMap: {
      file: cellLabel,
      sourceRoot: '',
      ...(JSON.parse(transformed.map) as Omit<SourceMapPayload, 'file' | 'sourceRoot'>),
    },
  };
}

/** Replaces import declarations and `import()` calls in place, keeping every line where it was. */
function rewriteModuleSyntax(program: Node & { body: Node[] }, code: string, source: string): string {
  const edits: { start: number; end: number; text: string }[] = [];
  for (const statement of program.body) {
    if (statement.type === 'ImportDeclaration') {
      edits.push({
        start: statement.start,
        end: statement.end,
        text: importAsDeclaration(statement as ImportDeclarationNode),
      });
    } else if (statement.type.startsWith('Export')) {
      const line = source.split('\n').findIndex((text) => /^\s*export\b/.test(text));
      throw new CellCompileError(
        '`export` is not supported in a notebook cell: top-level declarations are already shared with later cells',
        line + 1,
        0,
        source.split('\n')[line] ?? '',
      );
    }
  }
  walk(program, (node) => {
    if (node.type === 'ImportExpression')
      edits.push({ start: node.start, end: node.start + 'import'.length, text: `${loaderGlobal}.importModule` });
  });
  edits.sort((a, b) => b.start - a.start);
  let rewritten = code;
  for (const edit of edits) {
    const replaced = rewritten.slice(edit.start, edit.end);
    const keptNewlines = '\n'.repeat((replaced.match(/\n/g) ?? []).length);
    rewritten = rewritten.slice(0, edit.start) + edit.text + keptNewlines + rewritten.slice(edit.end);
  }
  return rewritten;
}

function importAsDeclaration(node: ImportDeclarationNode): string {
  const load = `await ${loaderGlobal}.importModule(${JSON.stringify(node.source.value)})`;
  if (node.specifiers.length === 0) return `${load};`;
  const namespace = node.specifiers.find((s) => s.type === 'ImportNamespaceSpecifier');
  const defaults = node.specifiers.find((s) => s.type === 'ImportDefaultSpecifier');
  const named = node.specifiers.filter((s) => s.type === 'ImportSpecifier');
  const parts: string[] = [];
  const moduleVar = namespace ? namespace.local.name : `${loaderGlobal}.lastModule`;
  parts.push(namespace ? `const ${moduleVar} = ${load};` : `${moduleVar} = ${load};`);
  if (defaults) parts.push(`const ${defaults.local.name} = ${loaderGlobal}.defaultOf(${moduleVar});`);
  if (named.length) {
    const fields = named.map((s) => {
      const imported = s.imported?.name ?? s.imported?.value ?? s.local.name;
      return imported === s.local.name ? imported : `${JSON.stringify(imported)}: ${s.local.name}`;
    });
    parts.push(`const { ${fields.join(', ')} } = ${moduleVar};`);
  }
  return parts.join(' ');
}

function declaredNames(statement: DeclarationNode): string[] {
  if (statement.type === 'ImportDeclaration') return (statement.specifiers ?? []).map((s) => s.local.name);
  if (statement.type === 'VariableDeclaration')
    return (statement.declarations ?? []).flatMap((d) => patternNames(d.id));
  if (declarationTypes.has(statement.type) && statement.id) return patternNames(statement.id);
  return [];
}

/** The names a binding pattern declares: `x`, `{ a, b: [c, ...d] }`, `{ e = 1 }`. */
function patternNames(pattern: PatternNode): string[] {
  if (pattern.type === 'Identifier') return [pattern.name ?? ''];
  if (pattern.type === 'ObjectPattern') return (pattern.properties ?? []).flatMap((p) => patternNames(p.value ?? p));
  if (pattern.type === 'ArrayPattern') return (pattern.elements ?? []).flatMap((e) => (e ? patternNames(e) : []));
  if (pattern.type === 'RestElement' && pattern.argument) return patternNames(pattern.argument);
  if (pattern.type === 'AssignmentPattern' && pattern.left) return patternNames(pattern.left);
  return [];
}

function walk(node: unknown, visit: (node: Node) => void): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  const candidate = node as Node;
  if (typeof candidate.type === 'string') visit(candidate);
  for (const [key, value] of Object.entries(candidate)) {
    if (key !== 'loc' && value && typeof value === 'object') walk(value, visit);
  }
}
