/**
 * The JSON payloads behind the protocol's mimes: written by the kernel, stored in .ipynb files by
 * VS Code's serializer, drawn by the webview renderer. Values travel as base64 float32
 * (`TensorPayload`); a tensor too big to ship whole keeps a leading block and says so.
 */
import type { TensorPayload, WireDType } from './tensorWire';

export const payloadVersion = 1;

/** Element budget for one tensor's values in an output (8 heads of 512×512 weights fit). */
export const maxWireElements = 1 << 21;
/** Element budget for each stage tensor of a trace. */
export const maxStageElements = 1 << 18;

export interface TensorStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  nanCount: number;
  infCount: number;
}

export interface TensorOutput {
  kind: 'tensor';
  version: number;
  title?: string;
  shape: number[];
  dtype: WireDType;
  backend: string;
  /** Over every element, computed in the kernel before any summarising. */
  stats: TensorStats;
  /** PyTorch's repr, summarised with `...` as PyTorch does. */
  text: string;
  /** Row-major values. When `data.shape` is smaller than `shape`, the tensor was too big to ship
   *  and `data` is its leading block `t[:data.shape[0], :data.shape[1], ...]`. */
  data: TensorPayload;
}

export interface AttentionOutput {
  kind: 'attention';
  version: number;
  title?: string;
  /** Weights as (batch, heads, queries, keys); a 2-D or 3-D input gets leading axes of size 1.
   *  Big weights keep their leading batches or heads only, as in `TensorOutput.data`. */
  weights: TensorPayload;
  /** (batch, heads) before any cut. */
  fullLayout: [number, number];
  /** The shape the weights had in the kernel, e.g. [2, 4, 6] for averaged MHA weights. */
  sourceShape: number[];
  /** Set when the weights are the mean over this many heads (MultiheadAttention's default). */
  averagedHeads?: number;
  queries?: string[];
  keys?: string[];
  /** Optional explicit mask, same layout as `weights`, 1 where a position was masked out. */
  mask?: TensorPayload;
  stats: TensorStats;
}

export interface StageShapePayload {
  shape: number[];
  axes: string[];
}

export interface StagePayload {
  name: string;
  op: string;
  module: string;
  inputs: StageShapePayload[];
  output: StageShapePayload;
  tensor: TensorOutput;
}

export interface StagesOutput {
  kind: 'stages';
  version: number;
  title?: string;
  stages: StagePayload[];
}

export type RichOutput = TensorOutput | AttentionOutput | StagesOutput;
