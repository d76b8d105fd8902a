/**
 * Marks the tensors that attention modules return or keep as attention weights, with the name of
 * each axis, so a notebook can draw them as heatmaps without being told their layout.
 */
import type { Tensor } from '../tensor';
import type { AxisName } from './trace';

/** How a tensor of attention weights is laid out, and which module made it. */
export interface AttentionWeightsInfo {
  /** One name per axis, e.g. ['batch', 'head', 'query', 'key'] or ['batch·head', 'query', 'key']. */
  axes: AxisName[];
  /** Heads per batch entry when an axis is 'batch·head'. */
  heads?: number;
  /** Set when the weights are the mean over this many heads. */
  averagedHeads?: number;
  /** The module that produced the weights, e.g. 'MultiheadAttention'. */
  module: string;
}

const tagged = new WeakMap<Tensor, AttentionWeightsInfo>();

/** Marks `weights` as attention weights with this layout; returns `weights`. */
export function tagAttentionWeights(weights: Tensor, info: AttentionWeightsInfo): Tensor {
  if (info.axes.length !== weights.ndim) {
    throw new Error(`tagAttentionWeights: ${info.axes.length} axis names for a ${weights.ndim}-D tensor`);
  }
  tagged.set(weights, info);
  return weights;
}

/** The layout `weights` was tagged with, if it is a tagged tensor of attention weights. */
export function attentionWeightsInfo(weights: Tensor): AttentionWeightsInfo | undefined {
  return tagged.get(weights);
}
