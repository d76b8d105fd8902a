// The names the kernel gives every cell besides the engine's exports (kernel/notebookGlobals.ts):
// display, clearOutput, steps, attention, plot and prompt, typed from the kernel's own emitted declarations (dist/types/kernel).
import { join } from 'node:path';
import { engineModule } from './cellScripts';

/** A global declarations file for the notebook API, given the folder of the kernel's .d.ts files. */
export function notebookApiDeclarations(kernelTypes: string): string {
  const from = (module: string) => JSON.stringify(join(kernelTypes, module));
  return `import type { ClearOutputOptions, DisplayHandle, DisplayOptions } from ${from('displayHandle')};
import type { AttentionOptions, AttentionView } from ${from('attentionView')};
import type { Tensor } from '${engineModule}';
declare global {
  /** Shows a value as an output of the running cell (tensors, attention, traces, text); returns a handle whose update(value) replaces it. */
  function display(value: unknown, options?: DisplayOptions): DisplayHandle;
  /** Removes the running cell's outputs so far; \`{ wait: true }\` clears when the next output arrives (IPython: clear_output). */
  function clearOutput(options?: ClearOutputOptions): void;
  /** A hand-made trace of plain ops, \`steps([[label, tensor, axes?], ...])\`, shown by the stage view. */
  const steps: typeof import(${from('steps')}).steps;
  /** Asks for the attention view of weights (queries × keys last), with token labels, axis names and a mask. */
  function attention(weights: Tensor, options?: AttentionOptions): AttentionView;
  /** A line chart of named series, \`plot({ loss: [...] }, { title, xLabel, yLabel, logY, yRange })\`: show it or \`display(...).update(...)\` it. */
  const plot: typeof import(${from('linePlot')}).plot;
  /** Asks the user for text (VS Code's input box, Jupyter's stdin) and blocks the cell until answered; null on cancel. */
  function prompt(message?: string, defaultValue?: string): string | null;
}
export {};
`;
}
