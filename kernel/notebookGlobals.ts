// The names every cell sees without importing: the engine's exports (tensor, nn, trace, ...),
// `require` and the loader behind compiled imports, and the notebook API (display, clearOutput, steps,
// attention, plot, prompt).
import { AttentionView, type AttentionOptions } from './attentionView';
import { loaderGlobal } from './cellCompiler';
import type { CellDisplays } from './cellDisplays';
import type { Tensor } from './engine/index';
import type { InputPrompt } from './inputPrompt';
import { plot } from './linePlot';
import type { ModuleLoader } from './moduleLoader';
import { steps } from './steps';

/** Defines the cells' globals; engine names never replace a global Node already has. */
export function installNotebookGlobals(
  engine: Record<string, unknown>,
  loader: ModuleLoader,
  displays: CellDisplays,
  input: InputPrompt,
): void {
  const scope = globalThis as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(engine)) {
    if (!(name in scope)) scope[name] = value;
  }
  scope[loaderGlobal] = loader;
  scope.require = loader.require;
  scope.display = displays.display.bind(displays);
  scope.clearOutput = displays.clearOutput.bind(displays);
  scope.steps = steps;
  scope.plot = plot;
  scope.prompt = input.prompt.bind(input);
  scope.attention = (weights: Tensor, options?: AttentionOptions) => new AttentionView(weights, options);
}
