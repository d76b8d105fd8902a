/**
 * The notebook renderer (dist/renderer.js), loaded by VS Code into the notebook's output webview
 * for the protocol's four mimes: it decodes the kernel's JSON payload and draws the tensor,
 * attention, stage or chart view. Offline: everything it needs is in this bundle.
 */
import type { ActivationFunction } from 'vscode-notebook-renderer';
import type { RichOutput } from '../protocol/outputPayloads';
import { renderAttention } from './attentionView';
import { renderChart } from './chartView';
import { element, registerToolkit } from './dom';
import { renderStages } from './stagesView';
import { styles } from './styles';
import { renderTensor } from './tensorView';

function ensureStyles(): void {
  if (document.getElementById('attention-lab-styles')) return;
  const style = document.createElement('style');
  style.id = 'attention-lab-styles';
  style.textContent = styles;
  document.head.append(style);
}

export function renderPayload(payload: RichOutput, root: HTMLElement): void {
  ensureStyles();
  registerToolkit();
  root.replaceChildren();
  if (payload.kind === 'tensor') renderTensor(payload, root);
  else if (payload.kind === 'attention') renderAttention(payload, root);
  else if (payload.kind === 'stages') renderStages(payload, root);
  else if (payload.kind === 'chart') renderChart(payload, root);
  else
    root.append(
      element(
        'div',
        'al-note',
        `Attention Lab: unknown output kind ${JSON.stringify((payload as { kind?: unknown }).kind)}`,
      ),
    );
}

export const activate: ActivationFunction = () => ({
  renderOutputItem(outputItem, element) {
    renderPayload(outputItem.json() as RichOutput, element);
  },
  disposeOutputItem() {},
});
