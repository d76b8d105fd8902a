// The notebook's `display(value, options)`: the value's bundle goes to the client as a display
// output of the cell that called it, and `handle.update(next)` as an update of that output, both
// sent at once, in order with the cell's console output: bundles are built synchronously, so a
// synchronous training loop's updates stream out while it runs.
import type { KernelNotification, OutputBundle } from '../protocol/kernelProtocol';
import { DisplayHandle, type ClearOutputOptions, type DisplayOptions } from './displayHandle';
import { outputBundle, outputCap } from './outputBundle';
// After outputBundle (which loads the engine through its index): imported first, engine/arguments would
// start the engine's module cycle from the wrong end and leave option specs like movement's undefined.
import { checkOptions, isBool } from './engine/arguments';

/** Shows values in the running cell's outputs and updates them in place later. */
export class CellDisplays {
  private displayCount = 0;

  constructor(
    private readonly send: (message: KernelNotification) => void,
    private readonly currentCellId: () => string,
  ) {}

  /** Sends `value` as a new output of the running cell; the handle replaces that output. */
  display(value: unknown, options: DisplayOptions = {}): DisplayHandle {
    outputCap(options); // a bad maxBytes fails the call, not the output
    const cellId = this.currentCellId();
    const displayId = `display-${++this.displayCount}`;
    const build = (shown: unknown, shownOptions: DisplayOptions): OutputBundle => {
      try {
        return { ...outputBundle(shown, shownOptions), displayId };
      } catch (error) {
        return { displayId, items: [{ mime: 'text/plain', data: `display failed: ${(error as Error).message}` }] };
      }
    };
    this.send({ type: 'display', cellId, bundle: build(value, options) });
    return new DisplayHandle(displayId, (next: unknown, nextOptions: DisplayOptions = options) => {
      outputCap(nextOptions);
      this.send({ type: 'updateDisplay', cellId, bundle: build(next, nextOptions) });
    });
  }

  /** Removes the running cell's outputs so far (with `wait`, when its next output arrives). */
  clearOutput(options?: ClearOutputOptions): void {
    const { wait = false } = checkOptions('clearOutput', options, { wait: isBool });
    this.send({ type: 'clearOutput', cellId: this.currentCellId(), wait });
  }
}
