/**
 * IntelliSense for the code cells of notebooks whose selected kernel is Attention Lab: completion
 * (with documentation), hover (with a live tensor's shape from the kernel), signature help,
 * diagnostics (squiggles and Problems), go to definition and find references, all answered by one
 * NotebookLanguageService (languageService/) per notebook over all its cells, on a worker thread of
 * its own so that TypeScript never blocks the extension host.
 */
import * as vscode from 'vscode';
import { NotebookLanguageServiceClient } from '../languageService/languageServiceClient';
import { liveTensorSummary } from '../languageService/liveTensorSummary';
import type {
  CellCompletions,
  CellDiagnostic,
  NotebookCellSource,
  SourceLocation,
} from '../languageService/notebookLanguageService';
import { attentionLabTypeScript, kernelLanguageOf } from '../protocol/cellLanguages';
import type { VariableSummary } from '../protocol/kernelProtocol';

/** Asks the running kernel of a notebook about variables, without running user code; undefined: no kernel. */
export type LiveVariables = (
  notebook: vscode.NotebookDocument,
  names: string[],
) => Promise<VariableSummary[]> | undefined;

/** Our cells' own language (cellLanguageSwitch.ts), and TypeScript or JavaScript cells a person set by hand. */
const selector: vscode.DocumentSelector = [attentionLabTypeScript, 'typescript', 'javascript'].map((language) => ({
  notebookType: 'jupyter-notebook',
  language,
}));
/** Where the extension's built files are: the service's worker and the engine's declarations. */
export interface IntelliSensePaths {
  /** dist/languageServiceWorker.js */
  worker: string;
  /** dist/engine.d.ts */
  engineDeclarations: string;
  /** A folder of the extension's own for typescript.js's V8 code cache (languageService/typeScriptCodeCache.ts). */
  codeCache: string;
}

/** How long a hover waits for the kernel's answer before it shows the static type alone. */
const liveValueWaitMs = 250;
/** Quiet time after an edit before the notebook's diagnostics are recomputed. */
const diagnosticsDelayMs = 300;

const completionKinds: Record<string, vscode.CompletionItemKind> = {
  method: vscode.CompletionItemKind.Method,
  function: vscode.CompletionItemKind.Function,
  'local function': vscode.CompletionItemKind.Function,
  constructor: vscode.CompletionItemKind.Constructor,
  property: vscode.CompletionItemKind.Property,
  getter: vscode.CompletionItemKind.Property,
  setter: vscode.CompletionItemKind.Property,
  var: vscode.CompletionItemKind.Variable,
  let: vscode.CompletionItemKind.Variable,
  const: vscode.CompletionItemKind.Constant,
  'local var': vscode.CompletionItemKind.Variable,
  parameter: vscode.CompletionItemKind.Variable,
  class: vscode.CompletionItemKind.Class,
  interface: vscode.CompletionItemKind.Interface,
  type: vscode.CompletionItemKind.TypeParameter,
  enum: vscode.CompletionItemKind.Enum,
  'enum member': vscode.CompletionItemKind.EnumMember,
  module: vscode.CompletionItemKind.Module,
  alias: vscode.CompletionItemKind.Reference,
  keyword: vscode.CompletionItemKind.Keyword,
  string: vscode.CompletionItemKind.Constant,
};

class CellCompletionItem extends vscode.CompletionItem {
  constructor(
    readonly state: NotebookIntelliSenseState,
    readonly cellId: string,
    readonly offset: number,
    readonly entry: CellCompletions['entries'][number],
  ) {
    super(entry.name, completionKinds[entry.kind] ?? vscode.CompletionItemKind.Text);
  }
}

/** One notebook's service and its cells' versions. */
class NotebookIntelliSenseState {
  readonly service: NotebookLanguageServiceClient;
  private syncedVersion = -1;
  version = 0;

  constructor(
    readonly notebook: vscode.NotebookDocument,
    paths: IntelliSensePaths,
  ) {
    const uri = notebook.uri;
    const folder =
      uri.scheme === 'file'
        ? vscode.Uri.joinPath(uri, '..').fsPath
        : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd());
    const notebookName = uri.path.slice(uri.path.lastIndexOf('/') + 1).replace(/[^\w.-]/g, '_');
    this.service = new NotebookLanguageServiceClient(
      paths.worker,
      { folder, notebookName, engineDeclarations: paths.engineDeclarations },
      paths.codeCache,
    );
  }

  /** Brings the service up to the notebook's current cells (cheap when nothing changed). */
  sync(): NotebookLanguageServiceClient {
    if (this.syncedVersion !== this.version) {
      this.service.updateCells(codeCells(this.notebook));
      this.syncedVersion = this.version;
    }
    return this.service;
  }
}

function codeCells(notebook: vscode.NotebookDocument): NotebookCellSource[] {
  return notebook.getCells().flatMap((cell) => {
    const language = cell.kind === vscode.NotebookCellKind.Code && kernelLanguageOf(cell.document.languageId);
    if (!language) return [];
    const { executionOrder } = cell.executionSummary ?? {};
    const source = { id: cell.document.uri.toString(), text: cell.document.getText(), language };
    return [executionOrder === undefined ? source : { ...source, executionOrder }];
  });
}

export class NotebookIntelliSense implements vscode.Disposable {
  private readonly states = new Map<vscode.NotebookDocument, NotebookIntelliSenseState>();
  private readonly selected = new Set<vscode.NotebookDocument>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('attention-lab');
  private readonly disposables: vscode.Disposable[] = [];
  private readonly pendingDiagnostics = new Map<vscode.NotebookDocument, ReturnType<typeof setTimeout>>();

  constructor(
    controller: vscode.NotebookController,
    private readonly paths: IntelliSensePaths,
    private readonly liveVariables: LiveVariables,
  ) {
    this.disposables.push(
      this.diagnostics,
      controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
        if (selected) {
          this.selected.add(notebook);
          // The worker starts now, not at the first question: TypeScript loads and the notebook's
          // program is built while the person reaches for a cell.
          this.stateOfNotebook(notebook).sync();
          this.changed(notebook);
        } else {
          this.selected.delete(notebook);
          this.forget(notebook);
        }
      }),
      vscode.workspace.onDidChangeNotebookDocument((event) => this.changed(event.notebook)),
      vscode.workspace.onDidChangeTextDocument((event) => {
        const notebook = this.notebookOf(event.document);
        if (notebook && event.contentChanges.length) this.changed(notebook);
      }),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => {
        this.selected.delete(notebook);
        this.forget(notebook);
      }),
      vscode.languages.registerCompletionItemProvider(selector, this.completionProvider(), '.', '"', "'", '/'),
      vscode.languages.registerHoverProvider(selector, { provideHover: (d, p, t) => this.hover(d, p, t) }),
      vscode.languages.registerSignatureHelpProvider(
        selector,
        { provideSignatureHelp: (d, p) => this.signatureHelp(d, p) },
        { triggerCharacters: ['(', ','], retriggerCharacters: [')'] },
      ),
      vscode.languages.registerDefinitionProvider(selector, {
        provideDefinition: (d, p) => this.locations(d, p, (s, id, offset) => s.definition(id, offset)),
      }),
      vscode.languages.registerReferenceProvider(selector, {
        provideReferences: (d, p) => this.locations(d, p, (s, id, offset) => s.references(id, offset)),
      }),
    );
  }

  /** The notebook a cell document belongs to, when its kernel is Attention Lab. */
  private notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
    if (document.uri.scheme !== 'vscode-notebook-cell') return undefined;
    for (const notebook of this.selected)
      if (notebook.getCells().some((cell) => cell.document === document)) return notebook;
    return undefined;
  }

  private stateOf(document: vscode.TextDocument): { state: NotebookIntelliSenseState; cellId: string } | undefined {
    const notebook = this.notebookOf(document);
    return notebook && { state: this.stateOfNotebook(notebook), cellId: document.uri.toString() };
  }

  /** The notebook's service, made when the kernel is selected (it reads the engine's declarations then). */
  private stateOfNotebook(notebook: vscode.NotebookDocument): NotebookIntelliSenseState {
    let state = this.states.get(notebook);
    if (!state) {
      state = new NotebookIntelliSenseState(notebook, this.paths);
      this.states.set(notebook, state);
    }
    return state;
  }

  private changed(notebook: vscode.NotebookDocument): void {
    if (!this.selected.has(notebook)) return;
    const state = this.states.get(notebook);
    if (state) state.version++;
    clearTimeout(this.pendingDiagnostics.get(notebook));
    this.pendingDiagnostics.set(
      notebook,
      setTimeout(() => void this.refreshDiagnostics(notebook), diagnosticsDelayMs),
    );
  }

  private forget(notebook: vscode.NotebookDocument): void {
    clearTimeout(this.pendingDiagnostics.get(notebook));
    this.pendingDiagnostics.delete(notebook);
    this.states.get(notebook)?.service.dispose();
    this.states.delete(notebook);
    for (const cell of notebook.getCells()) this.diagnostics.delete(cell.document.uri);
  }

  /**
   * Recomputes every cell's diagnostics one cell at a time, yielding to the extension host between
   * cells, and stops as soon as the notebook changes again (a newer run follows).
   */
  private async refreshDiagnostics(notebook: vscode.NotebookDocument): Promise<void> {
    const cells = notebook.getCells().filter((cell) => cell.kind === vscode.NotebookCellKind.Code);
    if (!this.selected.has(notebook) || !cells.length) return;
    const state = this.stateOfNotebook(notebook);
    const version = state.version;
    const service = state.sync();
    for (const cell of cells) {
      const found = await service.diagnostics(cell.document.uri.toString()).catch(() => undefined);
      if (state.version !== version || !this.selected.has(notebook) || !found) return;
      this.diagnostics.set(
        cell.document.uri,
        found.map((d) => toDiagnostic(cell.document, d)),
      );
    }
  }

  private completionProvider(): vscode.CompletionItemProvider<CellCompletionItem> {
    return {
      provideCompletionItems: async (document, position) => {
        const found = this.stateOf(document);
        if (!found) return undefined;
        const offset = document.offsetAt(position);
        const completions = await found.state.sync().completions(found.cellId, offset);
        if (!completions) return undefined;
        const replace = new vscode.Range(
          document.positionAt(completions.replaceStart),
          document.positionAt(completions.replaceStart + completions.replaceLength),
        );
        const insert = new vscode.Range(replace.start, position);
        const items = completions.entries.map((entry) => {
          const item = new CellCompletionItem(found.state, found.cellId, offset, entry);
          item.sortText = entry.sortText;
          if (entry.insertText !== undefined) item.insertText = entry.insertText;
          const span = entry.replacementSpan;
          item.range = span
            ? new vscode.Range(document.positionAt(span.start), document.positionAt(span.start + span.length))
            : { inserting: insert, replacing: replace };
          if (entry.kindModifiers?.includes('deprecated')) item.tags = [vscode.CompletionItemTag.Deprecated];
          return item;
        });
        return new vscode.CompletionList(items, false);
      },
      resolveCompletionItem: async (item) => {
        const details = await item.state.sync().completionDetails(item.cellId, item.offset, item.entry);
        if (details) {
          item.detail = details.detail;
          item.documentation = new vscode.MarkdownString(details.documentation);
        }
        return item;
      },
    };
  }

  private async hover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    const found = this.stateOf(document);
    if (!found) return undefined;
    const hover = await found.state.sync().hover(found.cellId, document.offsetAt(position));
    if (!hover || token.isCancellationRequested) return undefined;
    const range = new vscode.Range(document.positionAt(hover.start), document.positionAt(hover.start + hover.length));
    const contents = [new vscode.MarkdownString().appendCodeblock(hover.signature, 'typescript')];
    if (hover.isVariable) {
      const live = await this.liveValue(found.state.notebook, hover.name);
      if (token.isCancellationRequested) return undefined;
      if (live) contents.unshift(new vscode.MarkdownString().appendCodeblock(live, 'text'));
    }
    if (hover.documentation) contents.push(new vscode.MarkdownString(hover.documentation));
    return new vscode.Hover(contents, range);
  }

  /** `x: Tensor (2, 5, 8) float32 · native` for a live tensor; nothing for other values or without a kernel. */
  private async liveValue(notebook: vscode.NotebookDocument, name: string): Promise<string | undefined> {
    const asked = this.liveVariables(notebook, [name]);
    if (!asked) return undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), liveValueWaitMs)));
    const variables = await Promise.race([asked.catch(() => undefined), late]).finally(() => clearTimeout(timer));
    const tensor = variables?.find((v) => v.name === name)?.tensor;
    return tensor && liveTensorSummary(name, tensor);
  }

  private async signatureHelp(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<vscode.SignatureHelp | undefined> {
    const found = this.stateOf(document);
    if (!found) return undefined;
    const help = await found.state.sync().signatureHelp(found.cellId, document.offsetAt(position));
    if (!help) return undefined;
    const result = new vscode.SignatureHelp();
    result.signatures = help.signatures.map((signature) => {
      const information = new vscode.SignatureInformation(
        signature.label,
        new vscode.MarkdownString(signature.documentation),
      );
      information.parameters = signature.parameters.map(
        (parameter) =>
          new vscode.ParameterInformation(parameter.label, new vscode.MarkdownString(parameter.documentation)),
      );
      return information;
    });
    result.activeSignature = help.activeSignature;
    result.activeParameter = help.activeParameter;
    return result;
  }

  private async locations(
    document: vscode.TextDocument,
    position: vscode.Position,
    ask: (service: NotebookLanguageServiceClient, cellId: string, offset: number) => Promise<SourceLocation[]>,
  ): Promise<vscode.Location[] | undefined> {
    const found = this.stateOf(document);
    if (!found) return undefined;
    const cells = new Map(found.state.notebook.getCells().map((cell) => [cell.document.uri.toString(), cell.document]));
    const locations = await ask(found.state.sync(), found.cellId, document.offsetAt(position));
    return locations.flatMap((location) => {
      if ('fileName' in location) {
        const start = new vscode.Position(location.line, location.character);
        return [
          new vscode.Location(
            vscode.Uri.file(location.fileName),
            new vscode.Range(start, start.translate(0, location.length)),
          ),
        ];
      }
      const cell = cells.get(location.cellId);
      if (!cell) return [];
      const range = new vscode.Range(
        cell.positionAt(location.start),
        cell.positionAt(location.start + location.length),
      );
      return [new vscode.Location(cell.uri, range)];
    });
  }

  dispose(): void {
    for (const notebook of [...this.states.keys()]) this.forget(notebook);
    for (const disposable of this.disposables) disposable.dispose();
  }
}

function toDiagnostic(document: vscode.TextDocument, d: CellDiagnostic): vscode.Diagnostic {
  const range = new vscode.Range(document.positionAt(d.start), document.positionAt(d.start + d.length));
  const severity =
    d.category === 'error'
      ? vscode.DiagnosticSeverity.Error
      : d.category === 'warning'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Hint;
  const diagnostic = new vscode.Diagnostic(range, d.message, severity);
  diagnostic.source = 'ts';
  diagnostic.code = d.code;
  if (d.tag)
    diagnostic.tags = [d.tag === 'unnecessary' ? vscode.DiagnosticTag.Unnecessary : vscode.DiagnosticTag.Deprecated];
  return diagnostic;
}
