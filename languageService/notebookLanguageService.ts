// One TypeScript LanguageService over a notebook's code cells (cellScripts.ts makes them one
// program) and the engine's declarations (dist/engine.d.ts as 'attention-lab'). Answers in cell
// offsets: completions, details, hover, signature help, diagnostics, definitions and references.
// Imports neither vscode nor kernel code, so the editor and a Jupyter front-end share it.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import {
  cellNames,
  cellScripts,
  engineGlobalDeclarations,
  engineModule,
  type CellScript,
  type NotebookCellSource,
} from './cellScripts';
import { nodeGlobalsFallback } from './nodeGlobalsFallback';
import { notebookApiDeclarations } from './notebookApiDeclarations';
import { writeCacheFile } from './typeScriptCodeCache';

export type { NotebookCellSource } from './cellScripts';

export interface NotebookLanguageServiceOptions {
  /** The notebook's folder: npm packages and relative imports resolve from here, as in the kernel. */
  folder: string;
  /** A name for the notebook, unique in its folder (its file name), used in the virtual file names. */
  notebookName: string;
  /** dist/engine.d.ts: the declarations 'attention-lab' resolves to. */
  engineDeclarations: string;
  /**
   * A folder of the extension's own where the engine's export names and the libraries' global names
   * are kept once read, so later notebooks skip the first program that reads them.
   */
  cacheFolder?: string;
}

/** What declareEngineGlobals reads from a first program, and keeps in the cache folder. */
interface GlobalNames {
  engineExports: string[];
  libraryGlobals: string[];
}

/** A span in a cell (offsets into its text) or in a file (a .d.ts, a module of the notebook's folder). */
export type SourceLocation =
  | { cellId: string; start: number; length: number }
  | { fileName: string; start: number; length: number; line: number; character: number };

export interface CellDiagnostic {
  start: number;
  length: number;
  message: string;
  category: 'error' | 'warning' | 'suggestion' | 'message';
  code: number;
  /** Set for "unused" and "deprecated" hints, which editors fade or strike through. */
  tag?: 'unnecessary' | 'deprecated';
}

export interface CellCompletions {
  /** TypeScript's entries; a `replacementSpan` is in cell offsets. */
  entries: readonly ts.CompletionEntry[];
  isMemberCompletion: boolean;
  /** The cell span the completion replaces (the word being typed). */
  replaceStart: number;
  replaceLength: number;
}

export interface CompletionDetails {
  detail: string;
  documentation: string;
}

export interface CellHover {
  /** The declaration line, e.g. `const mha: nn.MultiheadAttention`. */
  signature: string;
  /** JSDoc text and tags, as markdown. */
  documentation: string;
  start: number;
  length: number;
  /** Whether the name is a variable (so a live value may be shown with it). */
  isVariable: boolean;
  name: string;
}

export interface CellSignatureHelp {
  signatures: { label: string; documentation: string; parameters: { label: string; documentation: string }[] }[];
  activeSignature: number;
  activeParameter: number;
}

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts'],
  strict: true,
  allowJs: true,
  checkJs: false,
  esModuleInterop: true,
  allowSyntheticDefaultImports: true,
  resolveJsonModule: true,
  skipLibCheck: true,
  noEmit: true,
  allowImportingTsExtensions: true,
  // Types of plain-JS npm packages (no .d.ts, no @types), inferred from their code as VS Code does.
  maxNodeModuleJsDepth: 1,
};

/** Names of Node's globals (this thread runs on a Node as the kernel does), and CommonJS's and @types/node's own. */
const nodeOnlyGlobals = new Set([
  ...Object.getOwnPropertyNames(globalThis),
  ...['global', 'module', 'exports', '__dirname', '__filename', 'NodeJS', 'BufferEncoding'],
]);

const category = (c: ts.DiagnosticCategory): CellDiagnostic['category'] =>
  c === ts.DiagnosticCategory.Error
    ? 'error'
    : c === ts.DiagnosticCategory.Warning
      ? 'warning'
      : c === ts.DiagnosticCategory.Suggestion
        ? 'suggestion'
        : 'message';

export class NotebookLanguageService {
  private readonly service: ts.LanguageService;
  private readonly files = new Map<string, { text: string; version: number; snapshot: ts.IScriptSnapshot }>();
  private cells: readonly NotebookCellSource[] = [];
  private focusedCellId: string | undefined;
  private scripts: CellScript[] = [];
  private readonly scriptByCell = new Map<string, CellScript>();
  private readonly scriptByFile = new Map<string, CellScript>();
  private readonly fileNumbers = new Map<string, number>();
  /** Global declarations every cell sees: the notebook API, the engine's exports, Node's globals in short. */
  private readonly globalFiles: string[] = [];
  private rootFiles: string[] = [];
  private readonly settings: ts.CompilerOptions = { ...compilerOptions, types: [] };
  /** The short declarations of Node's globals, used until the notebook needs @types/node. */
  private readonly nodeGlobalsFile: string;
  /**
   * The folder's @types/node: 'unused' until a cell needs more of Node than nodeGlobalsFallback
   * declares, since its 2 MB of declarations would double the time to a notebook's first answer.
   */
  private nodeTypes: 'absent' | 'unused' | 'used';
  /** Global names before the engine's (the ECMAScript libs', the notebook API's, Node's short ones). */
  private libraryGlobals = new Set<string>();

  constructor(private readonly options: NotebookLanguageServiceOptions) {
    // @types/node as the notebook's folder sees it (type roots are looked up from the current directory).
    const fromFolder: ts.ModuleResolutionHost = { ...ts.sys, getCurrentDirectory: () => options.folder };
    const hasNodeTypes = ts.resolveTypeReferenceDirective('node', join(options.folder, '__index.ts'), {}, fromFolder)
      .resolvedTypeReferenceDirective?.resolvedFileName;
    this.nodeTypes = hasNodeTypes ? 'unused' : 'absent';
    const notebookApi = join(options.folder, `__attention_lab_${options.notebookName}_api.d.ts`);
    this.setFile(notebookApi, notebookApiDeclarations(join(dirname(options.engineDeclarations), 'types/kernel')));
    this.nodeGlobalsFile = join(options.folder, `__attention_lab_${options.notebookName}_node.d.ts`);
    this.setFile(this.nodeGlobalsFile, nodeGlobalsFallback);
    this.globalFiles.push(notebookApi, this.nodeGlobalsFile);
    const host: ts.LanguageServiceHost = {
      getCompilationSettings: () => this.settings,
      getScriptFileNames: () => this.rootFiles,
      getScriptVersion: (fileName) => String(this.files.get(fileName)?.version ?? 0),
      getScriptSnapshot: (fileName) => {
        const virtual = this.files.get(fileName);
        if (virtual) return virtual.snapshot;
        const text = ts.sys.readFile(fileName);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => options.folder,
      getDefaultLibFileName: (settings) => ts.getDefaultLibFilePath(settings),
      fileExists: (fileName) => this.files.has(fileName) || ts.sys.fileExists(fileName),
      readFile: (fileName) => this.files.get(fileName)?.text ?? ts.sys.readFile(fileName),
      directoryExists: (name) => name === options.folder || ts.sys.directoryExists(name),
      getDirectories: ts.sys.getDirectories,
      readDirectory: ts.sys.readDirectory,
      realpath: ts.sys.realpath,
      resolveModuleNameLiterals: (literals, containingFile, _redirect, settings) =>
        literals.map((literal) => {
          if (literal.text === engineModule)
            return {
              resolvedModule: {
                resolvedFileName: options.engineDeclarations,
                extension: ts.Extension.Dts,
                isExternalLibraryImport: false,
              },
            };
          return ts.resolveModuleName(literal.text, containingFile, settings, host);
        }),
    };
    this.service = ts.createLanguageService(host, ts.createDocumentRegistry());
  }

  /** Replaces the notebook's code cells (in notebook order); only changed virtual files get a new version. */
  updateCells(cells: readonly NotebookCellSource[]): void {
    this.cells = cells;
    this.layOut();
  }

  private layOut(): void {
    this.declareEngineGlobals();
    if (this.nodeTypes === 'unused' && this.cells.some((cell) => this.needsNodeTypes(cell))) this.useNodeTypes();
    this.scripts = cellScripts(this.cells, { fileNameOf: (cell) => this.fileNameOf(cell) }, this.focusedCellId);
    this.scriptByCell.clear();
    this.scriptByFile.clear();
    for (const script of this.scripts) {
      this.scriptByCell.set(script.cell.id, script);
      this.scriptByFile.set(script.fileName, script);
      this.setFile(script.fileName, script.text);
    }
    this.rootFiles = [...this.scripts.map((script) => script.fileName), ...this.globalFiles];
  }

  /** The cell's script, with every visible name carried into it (the cell asked about is the one being edited). */
  private focus(cellId: string): CellScript | undefined {
    if (this.focusedCellId !== cellId && this.scriptByCell.has(cellId)) {
      this.focusedCellId = cellId;
      this.layOut();
    }
    return this.scriptByCell.get(cellId);
  }

  completions(cellId: string, offset: number): CellCompletions | undefined {
    const script = this.focus(cellId);
    if (!script) return undefined;
    const result = this.service.getCompletionsAtPosition(script.fileName, script.prefixLength + offset, {
      includeCompletionsWithInsertText: true,
      includeCompletionsForModuleExports: false,
      includeAutomaticOptionalChainCompletions: true,
    });
    if (!result) return undefined;
    const text = script.cell.text;
    let replaceStart = offset;
    while (replaceStart > 0 && /[\w$]/.test(text[replaceStart - 1] as string)) replaceStart--;
    let replaceEnd = offset;
    while (replaceEnd < text.length && /[\w$]/.test(text[replaceEnd] as string)) replaceEnd++;
    const toCell = (span: ts.TextSpan) => ({ start: span.start - script.prefixLength, length: span.length });
    return {
      entries: result.entries.map((entry) =>
        entry.replacementSpan ? { ...entry, replacementSpan: toCell(entry.replacementSpan) } : entry,
      ),
      isMemberCompletion: result.isMemberCompletion,
      replaceStart,
      replaceLength: replaceEnd - replaceStart,
    };
  }

  completionDetails(
    cellId: string,
    offset: number,
    entry: Pick<ts.CompletionEntry, 'name' | 'source' | 'data'>,
  ): CompletionDetails | undefined {
    const script = this.focus(cellId);
    if (!script) return undefined;
    const details = this.service.getCompletionEntryDetails(
      script.fileName,
      script.prefixLength + offset,
      entry.name,
      {},
      entry.source,
      {},
      entry.data,
    );
    if (!details) return undefined;
    return {
      detail: ts.displayPartsToString(details.displayParts),
      documentation: markdownOf(details.documentation, details.tags),
    };
  }

  hover(cellId: string, offset: number): CellHover | undefined {
    const script = this.focus(cellId);
    if (!script) return undefined;
    const info = this.service.getQuickInfoAtPosition(script.fileName, script.prefixLength + offset);
    if (!info || info.textSpan.start < script.prefixLength) return undefined;
    const start = info.textSpan.start - script.prefixLength;
    return {
      // An engine global is an alias (globals.d.ts's `import tensor = engine.tensor`): its second line says only that.
      signature: ts.displayPartsToString(info.displayParts).replace(/\nimport ([\w$]+) = \1$/, ''),
      documentation: markdownOf(info.documentation, info.tags),
      start,
      length: info.textSpan.length,
      isVariable: ['const', 'let', 'var', 'parameter', 'local var'].includes(info.kind),
      name: script.cell.text.slice(start, start + info.textSpan.length),
    };
  }

  signatureHelp(cellId: string, offset: number): CellSignatureHelp | undefined {
    const script = this.focus(cellId);
    if (!script) return undefined;
    const help = this.service.getSignatureHelpItems(script.fileName, script.prefixLength + offset, undefined);
    if (!help) return undefined;
    return {
      signatures: help.items.map((item) => {
        const parameters = item.parameters.map((parameter) => ({
          label: ts.displayPartsToString(parameter.displayParts),
          documentation: markdownOf(parameter.documentation, []),
        }));
        const label =
          ts.displayPartsToString(item.prefixDisplayParts) +
          parameters.map((parameter) => parameter.label).join(ts.displayPartsToString(item.separatorDisplayParts)) +
          ts.displayPartsToString(item.suffixDisplayParts);
        return { label, documentation: markdownOf(item.documentation, item.tags), parameters };
      }),
      activeSignature: help.selectedItemIndex,
      activeParameter: help.argumentIndex,
    };
  }

  /**
   * Syntax and type errors in the cell, and hints. Nothing a notebook makes untrue can appear: each
   * cell is a module (no redeclaration across cells, top-level await allowed) that exports its
   * top-level names (none is "never read"), and what lands in the hidden prefix or suffix is dropped.
   */
  diagnostics(cellId: string): CellDiagnostic[] {
    const script = this.scriptByCell.get(cellId);
    if (!script) return [];
    const isScript = script.cell.language === 'typescript';
    const all = [
      ...this.service.getSyntacticDiagnostics(script.fileName),
      ...(isScript ? this.service.getSemanticDiagnostics(script.fileName) : []),
      // Of the hints, the ones editors show as faded (unused) or struck through (deprecated).
      ...(isScript ? this.service.getSuggestionDiagnostics(script.fileName) : []).filter(
        (d) => d.reportsUnnecessary || d.reportsDeprecated,
      ),
    ];
    const end = script.prefixLength + script.cell.text.length;
    return all
      .filter((d) => d.start !== undefined && d.start >= script.prefixLength && d.start <= end)
      .map((d) => ({
        start: (d.start as number) - script.prefixLength,
        length: Math.min(d.length ?? 0, end - (d.start as number)),
        message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
        category: category(d.category),
        code: d.code,
        ...(d.reportsUnnecessary
          ? { tag: 'unnecessary' as const }
          : d.reportsDeprecated
            ? { tag: 'deprecated' as const }
            : {}),
      }));
  }

  definition(cellId: string, offset: number): SourceLocation[] {
    const script = this.focus(cellId);
    if (!script) return [];
    return this.definitionsAt(script.fileName, script.prefixLength + offset);
  }

  /** Every reference to the name at the offset, in all cells (through the prefixes that carry it). */
  references(cellId: string, offset: number): SourceLocation[] {
    const script = this.focus(cellId);
    if (!script) return [];
    const origin = this.definition(cellId, offset).find((location) => 'cellId' in location);
    const starts: [CellScript, number][] = [[script, script.prefixLength + offset]];
    if (origin && 'cellId' in origin) {
      const home = this.scriptByCell.get(origin.cellId) as CellScript;
      const name = home.cell.text.slice(origin.start, origin.start + origin.length);
      starts.push([home, home.prefixLength + origin.start]);
      for (const other of this.scripts) {
        const carried = other.carried.get(name);
        if (carried?.from === home) starts.push([other, carried.localOffset]);
      }
    }
    const seen = new Set<string>();
    const locations: SourceLocation[] = [];
    for (const [start, position] of starts)
      for (const reference of this.service.getReferencesAtPosition(start.fileName, position) ?? []) {
        const location = this.toLocation(reference.fileName, reference.textSpan);
        const key = JSON.stringify(location);
        if (location && !seen.has(key)) {
          seen.add(key);
          locations.push(location);
        }
      }
    return locations;
  }

  /**
   * Whether a cell uses Node beyond nodeGlobalsFallback: it imports a Node module or an npm package
   * (whose declarations may refer to @types/node), or names a global of Node's that the libraries do
   * not declare (Buffer, URL, fetch, ...), or `process` or `performance` (declared there in part).
   */
  private needsNodeTypes(cell: NotebookCellSource): boolean {
    const { mentioned, modules } = cellNames(cell.text, cell.language);
    for (const module of modules)
      if (module !== engineModule && !module.startsWith('.') && !module.startsWith('/')) return true;
    for (const name of mentioned) if (nodeOnlyGlobals.has(name) && !this.libraryGlobals.has(name)) return true;
    return mentioned.has('process') || mentioned.has('performance');
  }

  /** From now on: the folder's @types/node instead of the short declarations (a new program, once). */
  private useNodeTypes(): void {
    this.nodeTypes = 'used';
    this.settings.types = ['node'];
    this.globalFiles.splice(this.globalFiles.indexOf(this.nodeGlobalsFile), 1);
    this.files.delete(this.nodeGlobalsFile);
  }

  /**
   * Declares the engine's exports as globals (once): reads its export names and the globals the
   * libraries already have from a first program, whose files the notebook's program then reuses.
   */
  private declareEngineGlobals(): void {
    const globalsFile = join(this.options.folder, `__attention_lab_${this.options.notebookName}_engine.d.ts`);
    if (this.globalFiles.includes(globalsFile)) return;
    const cacheFile = this.globalNamesCacheFile();
    let names = cacheFile ? readGlobalNames(cacheFile) : undefined;
    if (!names) {
      names = this.readGlobalNamesFromProgram();
      if (cacheFile) writeCacheFile(cacheFile, JSON.stringify(names));
    }
    this.libraryGlobals = new Set(names.libraryGlobals);
    const globals = names.engineExports.filter((name) => !this.libraryGlobals.has(name));
    this.setFile(globalsFile, engineGlobalDeclarations(globals));
    this.globalFiles.push(globalsFile);
  }

  /** The engine's export names and the global names before them, from a first program over a probe file. */
  private readGlobalNamesFromProgram(): GlobalNames {
    const probe = join(this.options.folder, `__attention_lab_${this.options.notebookName}_probe.ts`);
    this.setFile(probe, `import * as engine from '${engineModule}';\n`);
    this.rootFiles = [probe, ...this.globalFiles];
    const program = this.service.getProgram() as ts.Program;
    const probeFile = program.getSourceFile(probe) as ts.SourceFile;
    const checker = program.getTypeChecker();
    const engine = program.getSourceFile(this.options.engineDeclarations);
    const symbol = engine && checker.getSymbolAtLocation(engine);
    this.files.delete(probe);
    return {
      engineExports: symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : [],
      libraryGlobals: checker
        .getSymbolsInScope(probeFile, ts.SymbolFlags.Value | ts.SymbolFlags.Type | ts.SymbolFlags.Namespace)
        .map((s) => s.name),
    };
  }

  /**
   * The cache file of the names, keyed by what they come from: TypeScript's version and libs, this
   * engine's declarations (a new build or install rewrites them) and the global files' text.
   */
  private globalNamesCacheFile(): string | undefined {
    if (!this.options.cacheFolder) return undefined;
    const engine = statSync(this.options.engineDeclarations, { throwIfNoEntry: false });
    if (!engine) return undefined;
    const hash = createHash('sha256');
    hash.update(`${ts.version}\n${String(compilerOptions.lib)}\n${engine.size}\n${engine.mtimeMs}\n`);
    for (const file of this.globalFiles) hash.update(this.files.get(file)?.text ?? '');
    return join(this.options.cacheFolder, `globals-${hash.digest('hex').slice(0, 16)}.json`);
  }

  private definitionsAt(fileName: string, position: number, depth = 0): SourceLocation[] {
    const definitions = this.service.getDefinitionAtPosition(fileName, position) ?? [];
    return definitions.flatMap((definition) => {
      const script = this.scriptByFile.get(definition.fileName);
      if (script && definition.textSpan.start < script.prefixLength && depth < 2) {
        // A carried name: its real declaration is in the cell (or module) the prefix line points to.
        const name = definition.name;
        const carried = script.carried.get(name);
        return carried ? this.definitionsAt(script.fileName, carried.definitionOffset, depth + 1) : [];
      }
      const location = this.toLocation(definition.fileName, definition.textSpan);
      return location ? [location] : [];
    });
  }

  private toLocation(fileName: string, span: ts.TextSpan): SourceLocation | undefined {
    const script = this.scriptByFile.get(fileName);
    if (script) {
      const start = span.start - script.prefixLength;
      if (start < 0 || start > script.cell.text.length) return undefined;
      return { cellId: script.cell.id, start, length: span.length };
    }
    const file = this.service.getProgram()?.getSourceFile(fileName);
    if (!file) return undefined;
    const { line, character } = file.getLineAndCharacterOfPosition(span.start);
    return { fileName, start: span.start, length: span.length, line, character };
  }

  private fileNameOf(cell: NotebookCellSource): string {
    let number = this.fileNumbers.get(cell.id);
    if (number === undefined) {
      number = this.fileNumbers.size + 1;
      this.fileNumbers.set(cell.id, number);
    }
    const extension = cell.language === 'javascript' ? 'js' : 'ts';
    return join(this.options.folder, `__attention_lab_${this.options.notebookName}_cell${number}.${extension}`);
  }

  private setFile(fileName: string, text: string): void {
    const current = this.files.get(fileName);
    if (current?.text === text) return;
    this.files.set(fileName, {
      text,
      version: (current?.version ?? 0) + 1,
      snapshot: ts.ScriptSnapshot.fromString(text),
    });
  }

  dispose(): void {
    this.service.dispose();
  }
}

function readGlobalNames(cacheFile: string): GlobalNames | undefined {
  try {
    const names = JSON.parse(readFileSync(cacheFile, 'utf8')) as Partial<GlobalNames>;
    return Array.isArray(names.engineExports) && Array.isArray(names.libraryGlobals)
      ? { engineExports: names.engineExports, libraryGlobals: names.libraryGlobals }
      : undefined;
  } catch {
    return undefined;
  }
}

/** JSDoc text plus its tags (`@param`, `@example`, ...) as markdown. */
function markdownOf(
  documentation: readonly ts.SymbolDisplayPart[] | undefined,
  tags: readonly ts.JSDocTagInfo[] | undefined,
): string {
  const text = ts.displayPartsToString([...(documentation ?? [])]);
  const tagLines = (tags ?? []).map((tag) => {
    const body = ts.displayPartsToString(tag.text ?? []);
    return tag.name === 'example'
      ? `*@example*\n\`\`\`ts\n${body}\n\`\`\``
      : `*@${tag.name}* ${body.replace(/\n/g, ' ')}`;
  });
  return [text, ...tagLines].filter(Boolean).join('\n\n');
}
