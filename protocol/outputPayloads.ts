/**
 * The JSON payloads behind the protocol's mimes: written by the kernel, stored in .ipynb files by
 * VS Code's serializer, drawn by the webview renderer. Values travel as base64 float32
 * (`TensorPayload`). Each output stays under a size cap: a tensor too big to ship whole keeps its
 * exact leading block plus an overview of every element (block means) and says what was cut.
 */
import type { TensorPayload, WireDType } from './tensorWire';

/** 2: stats say how many values are finite (min/max/mean/std null when none) and count +Inf and
 *  −Inf apart; outputs over the size cap carry an overview and say what was cut. */
export const payloadVersion = 2;

/** The default cap on one rich output's JSON (setting `attentionLab.maxOutputBytes`, runner flag
 *  `--max-output-bytes`, `display(x, { maxBytes })`). */
export const defaultMaxOutputBytes = 1 << 20;
/** The smallest cap accepted: room for the stats, the summarised text and a small overview. */
export const minOutputBytes = 16 << 10;

/** Over the finite values; the counts say how many values were left out and why. */
export interface TensorStats {
  /** null when no value is finite (an all-NaN tensor has no min). */
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (n − 1) as torch.std; null with fewer than two finite values. */
  std: number | null;
  finiteCount: number;
  nanCount: number;
  posInfCount: number;
  negInfCount: number;
}

/** The stats of payloads saved before version 2: zeros where no value was finite, one Inf count. */
export interface LegacyTensorStats {
  min: number;
  max: number;
  mean: number;
  std: number;
  nanCount: number;
  infCount: number;
}

/**
 * The whole tensor at a lower resolution, for outputs too big to ship whole: each value is the mean
 * of a `block` of the tensor (a block holding a NaN, or both infinities, shows NaN; one holding
 * only one infinity shows it), so the heatmap still covers every element.
 */
export interface TensorOverview {
  reduction: 'mean';
  /** The shape of the tensor it covers (for attention, its (batch, heads, queries, keys) layout). */
  shape: number[];
  /** The block size along each axis; the last block of an axis may be smaller. */
  block: number[];
  /** Shape `ceil(shape[i] / block[i])`. */
  data: TensorPayload;
}

/** What the size cap cut from an output, so the view can say so. */
export interface OutputCut {
  /** The cap the output was kept under, in bytes of JSON. */
  maxBytes: number;
  /** The bytes every value would have taken on the wire. */
  fullValueBytes: number;
  /** Set when the text repr itself was cut to this many characters. */
  textCutAt?: number;
}

export interface TensorOutput {
  kind: 'tensor';
  version: number;
  title?: string;
  shape: number[];
  dtype: WireDType;
  backend: string;
  /** Over every element, computed in the kernel before any summarising. */
  stats: TensorStats | LegacyTensorStats;
  /** PyTorch's repr, summarised with `...` as PyTorch does. */
  text: string;
  /** Row-major values. When `data.shape` is smaller than `shape`, the tensor was too big to ship
   *  and `data` is its leading block `t[:data.shape[0], :data.shape[1], ...]`, exact. */
  data: TensorPayload;
  /** Present when `data` is cut: the whole tensor as block means. */
  overview?: TensorOverview;
  cut?: OutputCut;
}

export interface AttentionOutput {
  kind: 'attention';
  version: number;
  title?: string;
  /** Weights as (batch, heads, queries, keys); a 2-D or 3-D input gets leading axes of size 1.
   *  Big weights keep their leading block only, exact, as in `TensorOutput.data`. */
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
  stats: TensorStats | LegacyTensorStats;
  /** Present when `weights` is cut: every (batch, head) map as block means over queries × keys. */
  overview?: TensorOverview;
  /** With `overview` and a mask: the fraction of each block that is masked, same layout. */
  maskOverview?: TensorPayload;
  cut?: OutputCut;
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

/** One named curve of a chart: its points as shipped and a summary of every point it had. */
export interface ChartSeries {
  name: string;
  /** x of each shipped point, float32; absent when x is the index 0..n-1 and every point is shipped. */
  x?: TensorPayload;
  /** y of each shipped point, float32; NaN and ±Inf are gaps in the line. */
  y: TensorPayload;
  /** Points the series had before any downsampling. */
  length: number;
  /** Over every point's finite y; null when none is finite. */
  min: number | null;
  max: number | null;
  /** The last point with a finite y; null when none. */
  last: { x: number; y: number } | null;
  /** Points whose y was NaN, or ±Inf: drawn as gaps. */
  nanCount: number;
  infCount: number;
  /** Set when the series was over its share of the cap: each of `buckets` runs of points keeps its
   *  lowest and highest y (and its first gap), in x order. */
  downsampled?: { buckets: number };
}

/** A line chart of named series (`plot(...)`): several curves over one x axis. */
export interface ChartOutput {
  kind: 'chart';
  version: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** The y axis's initial scale; the view's toggle switches it. */
  logY: boolean;
  /** A fixed y range [lo, hi] instead of the data's. */
  yRange?: [number, number];
  series: ChartSeries[];
  /** Set when some series were downsampled to keep the output under its cap. */
  cut?: OutputCut;
}

export type RichOutput = TensorOutput | AttentionOutput | StagesOutput | ChartOutput;
