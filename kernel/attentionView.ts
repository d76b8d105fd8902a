// The notebook's `attention(weights, options)`: a value that asks for the attention view, with the
// labels, axis names and mask that view shows. outputBundle.ts turns it into the protocol payload.
import { Tensor } from './engine/index';
import { formatShape } from './engine/shape';

export interface AttentionOptions {
  title?: string;
  /** Token labels for the query rows and key columns. */
  queries?: string[];
  keys?: string[];
  /** Axis names of `weights`, e.g. ['batch', 'head', 'query', 'key'] (default from its rank). */
  axes?: string[];
  /** Heads per batch entry when an axis is 'batch·head' (d2l's (B·h, Q, K) layout). */
  heads?: number;
  /** Set when the weights are a mean over this many heads. */
  averagedHeads?: number;
  /** Positions masked out (true or 1), broadcastable to `weights`. */
  mask?: Tensor;
}

/** What `attention(weights, options)` returns: shown as the attention view. */
export class AttentionView {
  constructor(
    readonly weights: Tensor,
    readonly options: AttentionOptions = {},
  ) {
    if (!(weights instanceof Tensor)) throw new TypeError('attention: weights must be a Tensor');
    if (weights.ndim < 2 || weights.ndim > 4) {
      const got = formatShape(weights.shape);
      throw new Error(`attention: expected 2-D to 4-D weights (queries × keys last), got shape ${got}`);
    }
  }
}
