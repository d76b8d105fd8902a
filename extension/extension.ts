/**
 * The extension host's entry (dist/extension.js): registers the Attention Lab notebook controller,
 * the cells' language while it is selected (cellLanguageSwitch.ts), their IntelliSense
 * (notebookIntelliSense.ts), the Interrupt/Restart Kernel commands and a status bar item naming the
 * engine backend. Kernels are child processes (dist/kernel.js) run with
 * VS Code's own runtime unless a node path is set.
 */
import * as vscode from 'vscode';
import { CellLanguageSwitch } from './cellLanguageSwitch';
import { KernelController } from './kernelController';
import { NotebookIntelliSense } from './notebookIntelliSense';

function activeNotebook(): vscode.NotebookDocument | undefined {
  return vscode.window.activeNotebookEditor?.notebook;
}

export function activate(context: vscode.ExtensionContext): void {
  const settings = () => {
    const config = vscode.workspace.getConfiguration('attentionLab');
    return {
      kernelPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'kernel.js').fsPath,
      backend: config.get<string>('engineBackend', 'auto'),
      nodePath: config.get<string>('nodePath', ''),
      maxOutputBytes: config.get<number>('maxOutputBytes', 1 << 20),
    };
  };
  const kernels = new KernelController(settings);
  const status = vscode.window.createStatusBarItem('attentionLab.backend', vscode.StatusBarAlignment.Right, 100);
  status.name = 'Attention Lab engine backend';
  status.command = 'attentionLab.restartKernel';

  const refreshStatus = () => {
    const notebook = activeNotebook();
    const backend = notebook ? kernels.backendOf(notebook) : '';
    if (!notebook || !backend) {
      status.hide();
      return;
    }
    status.text = `$(pulse) Attention Lab: ${backend}`;
    status.tooltip = `Cells of this notebook run on the ${backend} engine backend (setting attentionLab.engineBackend). Click to restart the kernel.`;
    status.show();
  };

  const withNotebook = (action: (notebook: vscode.NotebookDocument) => Promise<void>) => async () => {
    const notebook = activeNotebook();
    if (!notebook) {
      void vscode.window.showInformationMessage('Attention Lab: open a notebook first.');
      return;
    }
    await action(notebook);
  };

  const built = (file: string) => vscode.Uri.joinPath(context.extensionUri, 'dist', file).fsPath;
  const intelliSense = new NotebookIntelliSense(
    kernels.controller,
    {
      worker: built('languageServiceWorker.js'),
      engineDeclarations: built('engine.d.ts'),
      codeCache: vscode.Uri.joinPath(context.globalStorageUri, 'typescript-code-cache').fsPath,
    },
    (notebook, names) => kernels.variables(notebook, names),
  );

  context.subscriptions.push(
    new CellLanguageSwitch(kernels.controller),
    intelliSense,
    kernels,
    status,
    kernels.onDidChangeState(refreshStatus),
    vscode.window.onDidChangeActiveNotebookEditor(refreshStatus),
    vscode.workspace.onDidOpenNotebookDocument((notebook) => kernels.claim(notebook)),
    vscode.workspace.onDidCloseNotebookDocument((notebook) => kernels.close(notebook)),
    vscode.commands.registerCommand(
      'attentionLab.interruptKernel',
      withNotebook((notebook) => kernels.interrupt(notebook)),
    ),
    vscode.commands.registerCommand(
      'attentionLab.restartKernel',
      withNotebook((notebook) => kernels.restart(notebook)),
    ),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('attentionLab'))
        void vscode.window.showInformationMessage(
          'Attention Lab: the new setting applies when the kernel restarts (Attention Lab: Restart Kernel).',
        );
    }),
  );
  for (const notebook of vscode.workspace.notebookDocuments) kernels.claim(notebook);
}

export function deactivate(): void {}
