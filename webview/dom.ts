// Small DOM helpers for the views. Every string from the kernel goes in through textContent,
// never innerHTML, so token labels and names are shown as text.
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeDropdown, vsCodeOption } from '@vscode/webview-ui-toolkit';

let registered = false;

/** Registers the webview UI toolkit's components once per output webview. */
export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDropdown(), vsCodeOption());
  // The toolkit reads VS Code's theme variables (and starts watching for theme changes) on the
  // window's load event, which has already fired when VS Code imports a renderer: without this the
  // controls keep the toolkit's built-in dark colours in every theme.
  if (document.readyState === 'complete') window.dispatchEvent(new Event('load'));
}

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A toolkit dropdown of labelled choices; `onChange` gets the chosen index. */
export function dropdown(
  label: string,
  choices: string[],
  selected: number,
  onChange: (index: number) => void,
  role: string,
): HTMLElement {
  const wrapper = element('label', 'al-control');
  wrapper.append(element('span', 'al-control-label', label));
  const select = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  select.dataset.attentionLab = role;
  choices.forEach((choice, index) => {
    const option = document.createElement('vscode-option') as HTMLElement & { value: string };
    option.setAttribute('value', String(index));
    option.textContent = choice;
    if (index === selected) option.setAttribute('selected', '');
    select.append(option);
  });
  select.addEventListener('change', () => onChange(Number(select.value)));
  wrapper.append(select);
  return wrapper;
}

export function button(
  label: string,
  role: string,
  onClick: () => void,
  appearance: 'primary' | 'secondary' = 'secondary',
): HTMLElement {
  const node = document.createElement('vscode-button');
  node.setAttribute('appearance', appearance);
  node.dataset.attentionLab = role;
  node.textContent = label;
  node.addEventListener('click', onClick);
  return node;
}
