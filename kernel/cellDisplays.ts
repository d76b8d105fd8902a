// The notebook's `display(value, options)`: the value's bundle goes to the client as a display
// output of the cell that called it, and `handle.update(next)` as an update of that output, both
// through the outbox in order with the cell's console output.
import type { OutputBundle } from '../protocol/kernelProtocol';
import { DisplayHandle, type DisplayOptions } from './displayHandle';
import type { OrderedOutbox } from './orderedOutbox';
import { outputBundle, outputCap } from './outputBundle';

/** Shows values in the running cell's outputs and updates them in place later. */
export class CellDisplays {
  private displayCount = 0;

  constructor(
    private readonly outbox: OrderedOutbox,
    private readonly currentCellId: () => string,
  ) {}

  /** Sends `value` as a new output of the running cell; the handle replaces that output. */
  display(value: unknown, options: DisplayOptions = {}): DisplayHandle {
    outputCap(options); // a bad maxBytes fails the call, not the output
    const cellId = this.currentCellId();
    const displayId = `display-${++this.displayCount}`;
    const failed = (error: unknown): OutputBundle => {
      return { displayId, items: [{ mime: 'text/plain', data: `display failed: ${(error as Error).message}` }] };
    };
    const build = (shown: unknown, shownOptions: DisplayOptions) =>
      outputBundle(shown, shownOptions).then((bundle): OutputBundle => ({ ...bundle, displayId }), failed);
    this.outbox.push(build(value, options).then((bundle) => ({ type: 'display', cellId, bundle })));
    return new DisplayHandle(displayId, (next: unknown, nextOptions: DisplayOptions = options) => {
      outputCap(nextOptions);
      this.outbox.push(build(next, nextOptions).then((bundle) => ({ type: 'updateDisplay', cellId, bundle })));
    });
  }
}
