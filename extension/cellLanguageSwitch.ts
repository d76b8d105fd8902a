/**
 * Gives the TypeScript cells of a notebook the language id `attention-lab-typescript` while its kernel
 * is Attention Lab, and gives them back `typescript` when another kernel is selected. VS Code's
 * built-in TypeScript support answers in every `typescript` cell as a file of its own (no
 * 'attention-lab' types, no earlier cells), which doubled and contradicted the notebook-wide answers
 * of notebookIntelliSense.ts; under our id only those remain. The id's grammar includes source.ts, so
 * the cells are coloured exactly as before.
 *
 * The notebook's `language_info.name` changes with its cells: VS Code's .ipynb serializer stores a
 * cell's language only where it differs from that name (`metadata.vscode.languageId` in every code
 * cell otherwise), so the file changes by one line, once, and a notebook saved this way opens with
 * the right language and unmodified. The runner, the kernel and Jupyter read the id as TypeScript.
 */
import * as vscode from 'vscode';
import { attentionLabTypeScript, kernelLanguageOf, typeScriptLanguageInfo } from '../protocol/cellLanguages';

interface IpynbMetadata {
  metadata?: { language_info?: { name?: string } & Record<string, unknown> } & Record<string, unknown>;
}

export class CellLanguageSwitch implements vscode.Disposable {
  private readonly selected = new Set<vscode.NotebookDocument>();
  private readonly disposables: vscode.Disposable[];

  constructor(controller: vscode.NotebookController) {
    this.disposables = [
      controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
        if (notebook.notebookType !== 'jupyter-notebook') return;
        if (selected) this.selected.add(notebook);
        else this.selected.delete(notebook);
        // An untitled notebook is deselected as it closes: nothing to switch back then.
        if (!notebook.isClosed)
          this.switchCells(notebook, selected ? attentionLabTypeScript : 'typescript', notebook.getCells());
      }),
      // Cells pasted or moved in from other notebooks come as `typescript`.
      vscode.workspace.onDidChangeNotebookDocument((event) => {
        if (!this.selected.has(event.notebook)) return;
        const added = event.contentChanges.flatMap((change) => change.addedCells);
        if (added.length) this.switchCells(event.notebook, attentionLabTypeScript, added);
      }),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => this.selected.delete(notebook)),
    ];
  }

  /** Switches in the background; a failure (the notebook closed meanwhile) goes to the extension host's log. */
  private switchCells(notebook: vscode.NotebookDocument, to: string, cells: readonly vscode.NotebookCell[]): void {
    this.switchLanguages(notebook, to, cells).catch((error: unknown) =>
      console.error(`Attention Lab: could not switch the cells of ${notebook.uri.toString()} to ${to}:`, error),
    );
  }

  /**
   * Sets the notebook's language_info name, then the language of those of `cells` that are
   * TypeScript cells under the other id (and, switching to ours, empty cells in a language the
   * kernel cannot run, as a new notebook's first cell). In this order, so that VS Code's .ipynb
   * support, which compares each cell with language_info, records no per-cell language.
   */
  private async switchLanguages(
    notebook: vscode.NotebookDocument,
    to: string,
    cells: readonly vscode.NotebookCell[],
  ): Promise<void> {
    const from = to === attentionLabTypeScript ? 'typescript' : attentionLabTypeScript;
    const switched = cells.filter(
      (cell) =>
        cell.kind === vscode.NotebookCellKind.Code &&
        (cell.document.languageId === from ||
          (to === attentionLabTypeScript &&
            cell.document.getText() === '' &&
            cell.document.languageId !== 'raw' &&
            !kernelLanguageOf(cell.document.languageId))),
    );
    const metadata = notebook.metadata as IpynbMetadata;
    const languageInfo = metadata.metadata?.language_info;
    const name = languageInfo?.name ?? '';
    // A JavaScript notebook keeps its name: its cells stay `javascript` and are stored as such.
    const renamed =
      to === attentionLabTypeScript && name !== to && kernelLanguageOf(name) !== 'javascript'
        ? { ...typeScriptLanguageInfo, ...(name === 'typescript' ? languageInfo : {}), name: to }
        : to === 'typescript' && name === attentionLabTypeScript
          ? { ...languageInfo, name: to }
          : undefined;
    if (renamed) {
      const edit = new vscode.WorkspaceEdit();
      const updated = { ...notebook.metadata, metadata: { ...metadata.metadata, language_info: renamed } };
      edit.set(notebook.uri, [vscode.NotebookEdit.updateNotebookMetadata(updated)]);
      await vscode.workspace.applyEdit(edit);
    }
    await Promise.all(switched.map((cell) => vscode.languages.setTextDocumentLanguage(cell.document, to)));
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
