// Turns a notebook's code cells into the virtual files of one TypeScript program. Each cell is a
// module: a hidden prefix brings in the names earlier cells left in the kernel (earlier imports,
// and `declare` lines typed from the cell that last declared each name; the engine's globals are
// declared once, by engineGlobalDeclarations),
// then the cell's own text, then a hidden suffix exporting the cell's top-level names for later
// cells. So names flow across cells, a later `const x` replaces an earlier one without a
// redeclaration error, top-level `await` is legal, and no top-level name reads as "never read".
import ts from 'typescript';

/** The module name cells import the engine by, which the kernel resolves to the engine. */
export const engineModule = 'attention-lab';

/** A code cell as the editor has it. */
export interface NotebookCellSource {
  /** Stable across edits (the cell document's URI in VS Code). */
  id: string;
  text: string;
  language: 'typescript' | 'javascript';
  /** The kernel's execution count when the cell last ran; absent when it has not run. */
  executionOrder?: number;
}

/** How a later cell gets one name of an earlier cell. */
type CarryKind =
  /** `declare const name: typeof import('./cell').name` */
  | 'const'
  /** `declare let name: ...` (a `let`/`var`, which later cells may assign) */
  | 'let'
  /** `import { name } from './cell'`: a class, interface, type, enum or namespace (value and type). */
  | 'import'
  /** The cell's own import statement, repeated: `import { nn } from 'attention-lab'`. */
  | 'reimport';

export interface TopLevelName {
  name: string;
  carry: CarryKind;
  /** For 'reimport': the import statement bringing in just this name. */
  statement?: string;
}

/** What a cell declares at its top level and which identifiers it mentions. */
export interface CellNames {
  declared: TopLevelName[];
  /** Every identifier in the cell (names it may read from earlier cells, and more). */
  mentioned: Set<string>;
  /** The modules the cell imports or requires, as written ('attention-lab', 'node:fs', './util'). */
  modules: Set<string>;
}

const namesByText = new Map<string, CellNames>();
/** Cells parsed before: the notebook is re-read on each keystroke, while one cell changes. */
const maxRemembered = 2000;

/** The names a cell declares at its top level (each with how it is carried) and mentions; remembered by text. */
export function cellNames(text: string, language: NotebookCellSource['language']): CellNames {
  const key = `${language}\n${text}`;
  let names = namesByText.get(key);
  if (!names) {
    if (namesByText.size >= maxRemembered) namesByText.clear();
    const kind = language === 'javascript' ? ts.ScriptKind.JS : ts.ScriptKind.TS;
    const file = ts.createSourceFile('cell.ts', text, ts.ScriptTarget.ES2022, false, kind);
    names = { declared: topLevelNames(file), ...mentionedNames(file) };
    namesByText.set(key, names);
  }
  return names;
}

function mentionedNames(file: ts.SourceFile): Pick<CellNames, 'mentioned' | 'modules'> {
  const mentioned = new Set<string>();
  const modules = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) mentioned.add(node.text);
    else {
      const specifier =
        ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
          ? node.moduleSpecifier
          : ts.isExternalModuleReference(node)
            ? node.expression
            : ts.isCallExpression(node) &&
                (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
                  (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
              ? node.arguments[0]
              : undefined;
      if (specifier && ts.isStringLiteralLike(specifier)) modules.add(specifier.text);
      ts.forEachChild(node, visit);
    }
  };
  visit(file);
  return { mentioned, modules };
}

function topLevelNames(file: ts.SourceFile): TopLevelName[] {
  const names = new Map<string, TopLevelName>();
  const add = (name: TopLevelName) => names.set(name.name, name);
  const addBinding = (binding: ts.BindingName, carry: CarryKind) => {
    if (ts.isIdentifier(binding)) add({ name: binding.text, carry });
    else for (const element of binding.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name, carry);
  };
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      const isConst = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const declaration of statement.declarationList.declarations)
        addBinding(declaration.name, isConst ? 'const' : 'let');
    } else if (ts.isFunctionDeclaration(statement) && statement.name) {
      add({ name: statement.name.text, carry: 'const' });
    } else if (
      (ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      add({ name: statement.name.text, carry: 'import' });
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      add({ name: statement.name.text, carry: 'import' });
    } else if (ts.isImportDeclaration(statement)) {
      for (const name of importedNames(statement, file)) add(name);
    } else if (ts.isImportEqualsDeclaration(statement)) {
      add({ name: statement.name.text, carry: 'reimport', statement: statement.getText(file) });
    }
  }
  return [...names.values()];
}

/** One import statement per name an import declaration binds, so each can be carried alone. */
function importedNames(statement: ts.ImportDeclaration, file: ts.SourceFile): TopLevelName[] {
  const clause = statement.importClause;
  if (!clause) return [];
  const from = statement.moduleSpecifier.getText(file);
  const typeOnly = clause.isTypeOnly ? 'type ' : '';
  const names: TopLevelName[] = [];
  if (clause.name)
    names.push({
      name: clause.name.text,
      carry: 'reimport',
      statement: `import ${typeOnly}${clause.name.text} from ${from};`,
    });
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings))
    names.push({
      name: bindings.name.text,
      carry: 'reimport',
      statement: `import ${typeOnly}* as ${bindings.name.text} from ${from};`,
    });
  else if (bindings)
    for (const element of bindings.elements) {
      const local = element.name.text;
      const imported = element.propertyName ? `${element.propertyName.getText(file)} as ` : '';
      const elementType = element.isTypeOnly ? 'type ' : '';
      names.push({
        name: local,
        carry: 'reimport',
        statement: `import ${typeOnly}{ ${elementType}${imported}${local} } from ${from};`,
      });
    }
  return names;
}

/** Where the cell's own text sits in its virtual file. */
export interface CellScript {
  cell: NotebookCellSource;
  fileName: string;
  text: string;
  /** Length of the hidden prefix: cell offset + prefixLength = virtual file offset. */
  prefixLength: number;
  /**
   * For each carried name, the cell it comes from and the offset
   * in the prefix of the name whose definition is the original one (for go to definition), and of
   * the name this cell's own uses refer to (for references).
   */
  carried: Map<string, { from: CellScript; definitionOffset: number; localOffset: number }>;
}

/** The order names flow in: cells that ran by execution order, then the others in notebook order. */
export function flowOrder(cells: readonly NotebookCellSource[]): NotebookCellSource[] {
  const ran = cells.filter((cell) => cell.executionOrder !== undefined);
  ran.sort((a, b) => (a.executionOrder as number) - (b.executionOrder as number));
  return [...ran, ...cells.filter((cell) => cell.executionOrder === undefined)];
}

export interface ScriptLayout {
  /** Virtual file name of a cell (absolute, in the notebook's folder). */
  fileNameOf(cell: NotebookCellSource): string;
}

/**
 * Builds every cell's virtual file: the carried prefix, the cell's text, the exporting suffix. The
 * focused cell (the one being edited) carries every visible name, for completions; the others
 * carry only the names they mention, which is all their diagnostics need and keeps the program small.
 */
export function cellScripts(
  cells: readonly NotebookCellSource[],
  layout: ScriptLayout,
  focusedCellId?: string,
): CellScript[] {
  const scripts: CellScript[] = [];
  /** The latest source of each name so far in flow order. */
  const visible = new Map<string, { from: CellScript; name: TopLevelName }>();
  for (const cell of flowOrder(cells)) {
    const fileName = layout.fileNameOf(cell);
    const { declared: own, mentioned } = cellNames(cell.text, cell.language);
    const ownNames = new Set(own.map((name) => name.name));
    const wanted = (name: string) => cell.id === focusedCellId || mentioned.has(name);
    const carried: CellScript['carried'] = new Map();
    let prefix = '';
    for (const [name, source] of visible) {
      if (ownNames.has(name) || !wanted(name)) continue;
      const line = carryLine(source.name, relativeSpecifier(source.from.fileName));
      carried.set(name, {
        from: source.from,
        definitionOffset: prefix.length + line.nameAt,
        localOffset: prefix.length + line.localAt,
      });
      prefix += line.text + '\n';
    }
    const exported = own.map((name) => name.name).join(', ');
    const text = `${prefix}${cell.text}\n;export { ${exported} };\n`;
    const script: CellScript = { cell, fileName, text, prefixLength: prefix.length, carried };
    scripts.push(script);
    for (const name of own) visible.set(name.name, { from: script, name });
  }
  return scripts;
}

/** The prefix line carrying a name, and where in it the name resolves to its original declaration. */
function carryLine(name: TopLevelName, specifier: string): { text: string; nameAt: number; localAt: number } {
  let text: string;
  if (name.carry === 'reimport') text = name.statement as string;
  else if (name.carry === 'import') text = `import { ${name.name} } from '${specifier}';`;
  else text = `declare ${name.carry} ${name.name}: typeof import('${specifier}').${name.name};`;
  if (text.startsWith('declare '))
    return { text, nameAt: text.lastIndexOf(`.${name.name}`) + 1, localAt: `declare ${name.carry} `.length };
  const localAt = identifierAt(text, name.name);
  return { text, nameAt: localAt, localAt };
}

/** The offset of `name`'s local binding in an import statement (its last mention before `from`/`=`). */
function identifierAt(text: string, name: string): number {
  const end = Math.max(text.lastIndexOf(' from '), text.indexOf(' = '));
  const head = end > 0 ? text.slice(0, end) : text;
  const mentions = [...head.matchAll(new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g'))];
  return mentions.at(-1)?.index ?? 0;
}

/** `./file` without extension, for an import from one cell's virtual file to another's (same folder). */
function relativeSpecifier(to: string): string {
  const base = to.slice(to.lastIndexOf('/') + 1).replace(/\.[jt]s$/, '');
  return `./${base}`;
}

/**
 * The engine's exports as globals, as the kernel installs them (kernel/notebookGlobals.ts): aliases,
 * so each keeps its value, type and namespace meanings (`nn.Linear` as a type too). Names a global
 * already has are left out, as the kernel leaves them.
 */
export function engineGlobalDeclarations(names: readonly string[]): string {
  const aliases = names.map((name) => `  export import ${name} = __attentionLabEngine.${name};\n`).join('');
  return `import * as __attentionLabEngine from '${engineModule}';\ndeclare global {\n${aliases}}\n`;
}
