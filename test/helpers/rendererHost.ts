/// <reference lib="dom" />
/**
 * The renderer tests' stand-in for VS Code's notebook output webview: a Chromium page that loads
 * dist/renderer.js from one fake origin (recording every request, so a test can check nothing else
 * was loaded), VS Code's theme variables, and renderOutputItem called as VS Code calls it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RichOutput } from '../../protocol/outputPayloads';
import { repoRoot } from './repoRoot';

// Dark Modern and Light Modern values of the variables the views and the toolkit's controls read.
const charts = (blue: string, green: string, red: string, purple: string, yellow: string) =>
  `--vscode-charts-blue: ${blue}; --vscode-charts-orange: #d18616; --vscode-charts-green: ${green}; --vscode-charts-red: ${red}; --vscode-charts-purple: ${purple}; --vscode-charts-yellow: ${yellow};`;
const controls = (dropdown: string, text: string, border: string) =>
  `--vscode-dropdown-background: ${dropdown}; --vscode-dropdown-foreground: ${text}; --vscode-dropdown-border: ${border}; --vscode-button-background: #0078d4; --vscode-button-foreground: #ffffff;`;
/** VS Code Dark Modern's values (charts: the editor's info, warning and error colours and its chart palette). */
export const darkTheme = `--vscode-foreground: #cccccc; --vscode-editor-background: #1e1e1e; --vscode-descriptionForeground: #9d9d9d; --vscode-font-family: sans-serif; ${charts('#3794ff', '#89d185', '#f14c4c', '#b180d7', '#cca700')} ${controls('#313131', '#cccccc', '#3c3c3c')}`;
/** VS Code Light Modern's values. */
export const lightTheme = `--vscode-foreground: #3b3b3b; --vscode-editor-background: #ffffff; --vscode-descriptionForeground: #717171; --vscode-font-family: sans-serif; ${charts('#1a85ff', '#388a34', '#e51400', '#652d90', '#bf8803')} ${controls('#ffffff', '#3b3b3b', '#cecece')}`;

/** A page standing in for VS Code's output webview: the built renderer at the only origin it knows, in the dark theme. */
export async function openHost(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const bundle = readFileSync(join(repoRoot(), 'dist/renderer.js'), 'utf8');
  // The only origin the page knows; anything else would be a network load, which the renderer must not make.
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.route('http://renderer.test/**', (route) => {
    const url = route.request().url();
    if (url.endsWith('/renderer.js')) return route.fulfill({ contentType: 'text/javascript', body: bundle });
    return route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><head><style>body { background: var(--vscode-editor-background); margin: 12px; }</style></head><body class="vscode-dark" style="${darkTheme}"><div id="out"></div></body></html>`,
    });
  });
  await page.goto('http://renderer.test/index.html');
  (page as Page & { requestsSeen: string[] }).requestsSeen = requests;
  return page;
}

/**
 * Renders in the page into a new output element, or into the last one (`into: 'same'`, as VS Code
 * re-renders an output that display(...).update(...) replaced); returns the milliseconds
 * renderOutputItem took there (parse + draw).
 */
export async function render(
  page: Page,
  payload: RichOutput,
  mime: string,
  into: 'new' | 'same' = 'new',
): Promise<number> {
  return page.evaluate(
    async ({ payload, mime, into }) => {
      const { activate } = (await import('http://renderer.test/renderer.js' as string)) as {
        activate: (context: unknown) => { renderOutputItem: (item: unknown, element: HTMLElement) => void };
      };
      const out = document.getElementById('out') as HTMLElement;
      let element = out.firstElementChild as HTMLElement | null;
      if (into === 'new' || !element) {
        element = document.createElement('div');
        out.replaceChildren(element);
      }
      const started = performance.now();
      activate({}).renderOutputItem(
        {
          id: 'test',
          mime,
          json: () => payload,
          text: () => JSON.stringify(payload),
          data: () => new TextEncoder().encode(JSON.stringify(payload)),
          metadata: {},
        },
        element,
      );
      return performance.now() - started;
    },
    { payload, mime, into },
  );
}
