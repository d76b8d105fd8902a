// The notebook's `display(value, options)` returns a DisplayHandle; its options pick the view.
// cellDisplays.ts sends the outputs, outputBundle.ts builds them.
import type { AttentionOptions } from './attentionView';

export interface DisplayOptions extends AttentionOptions {
  /** Force a view: 'tensor' shows attention weights as a plain tensor, 'attention' the opposite. */
  as?: 'tensor' | 'attention' | 'text';
  /** This output's size cap in bytes of JSON (default: the setting `attentionLab.maxOutputBytes`, 1 MB). */
  maxBytes?: number;
}

/** Options of `clearOutput()`. */
export interface ClearOutputOptions {
  /** Clear only when the cell's next output arrives, so a redraw replaces the old one without a gap (IPython: wait). */
  wait?: boolean;
}

/** What `display()` returns; `update(value)` replaces that output in place. Shows nothing itself. */
export class DisplayHandle {
  constructor(
    readonly displayId: string,
    private readonly replace: (value: unknown, options?: DisplayOptions) => void,
  ) {}

  update(value: unknown, options?: DisplayOptions): void {
    this.replace(value, options);
  }
}
