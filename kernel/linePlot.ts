// The notebook's `plot(series, options)`: named curves (loss and accuracy per step, ...) as a
// LinePlot value that a cell shows as a line chart (the protocol's chart mime) with a text/plain
// summary and a PNG picture (for Jupyter, GitHub and nbviewer). `const h = display(plot(...))` then `h.update(plot(...))` redraws that one chart in place.
// plot() copies the values it is given, so a training loop can keep pushing into its arrays. A
// chart over its size cap keeps every series' summary and downsamples long series, each run of
// points keeping its lowest and highest value and its first gap, and says so.
import { inspect } from 'node:util';
import { indexXs } from '../protocol/chartTicks';
import type { OutputBundle } from '../protocol/kernelProtocol';
import { mimeTypes } from '../protocol/mimeTypes';
import { payloadVersion, type ChartOutput, type ChartSeries } from '../protocol/outputPayloads';
import { formatAxisValue, formatValue } from '../protocol/numberText';
import { encodeTensor } from '../protocol/tensorWire';
import { checkOptions, isBool, isOptionsObject, isString, typeName, type ArgumentCheck } from './engine/arguments';
import { Tensor } from './engine/index';
import { withPicture } from './png/outputPng';

/** Values a series can be given as: numbers, a typed array, or a 1-D tensor. */
export type PlotValues = readonly number[] | Float32Array | Float64Array | Int32Array | Tensor;

/** The series of a plot by name: y over x = 0..n-1, or explicit `{ x, y }`. */
export type PlotSeries = Record<string, PlotValues | { x: PlotValues; y: PlotValues }>;

export interface PlotOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Start with a logarithmic y axis (the chart's toggle switches it). */
  logY?: boolean;
  /** A fixed y range [lo, hi] instead of the data's. */
  yRange?: [number, number];
}

/** A series as plot() copied it: y, and x when it was given. */
interface CopiedSeries {
  name: string;
  x: Float64Array | null;
  y: Float64Array;
}

const isRange: ArgumentCheck<[number, number]> = (value, call, argument) => {
  const pair = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number');
  if (!pair)
    throw new TypeError(`${call}: argument '${argument}' must be [lo, hi] of two numbers, not ${typeName(value)}`);
  const [lo, hi] = value as [number, number];
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo >= hi) {
    throw new RangeError(`${call}: argument '${argument}' must be finite [lo, hi] with lo < hi, got [${lo}, ${hi}]`);
  }
  return [lo, hi];
};

const plotOptionsSpec = { title: isString, xLabel: isString, yLabel: isString, logY: isBool, yRange: isRange };

/** The value `plot()` returns: a cell whose last value is one shows the line chart. */
export class LinePlot {
  /** @internal the copied series, in the order given. */
  readonly series: readonly CopiedSeries[];
  readonly options: PlotOptions;

  constructor(series: PlotSeries, options?: PlotOptions) {
    this.options = checkOptions('plot', options, plotOptionsSpec);
    if (!isOptionsObject(series) || Object.keys(series).length === 0) {
      const what = isOptionsObject(series) ? 'an empty object' : typeName(series);
      throw new TypeError(
        `plot: argument 'series' must be an object of named series such as { loss: values }, not ${what}`,
      );
    }
    this.series = Object.entries(series).map(([name, given]) => copySeries(name, given));
  }

  /** The text/plain summary: each series' length, last, min and max values. */
  toString(): string {
    return plotSummary(this.series.map(seriesSummary), this.options.title);
  }

  /** console.log(chart) and display(chart, { as: 'text' }) print the summary too. */
  [inspect.custom](): string {
    return this.toString();
  }
}

/** A line chart of named series (y over 0..n-1, or `{ x, y }`); show it, or `display(...)` and `update` it. */
export function plot(series: PlotSeries, options?: PlotOptions): LinePlot {
  return new LinePlot(series, options);
}

/** The values of one series as float64, checked: numbers only, a tensor only when 1-D. */
function copyValues(values: unknown, what: string): Float64Array {
  if (values instanceof Tensor) {
    if (values.ndim !== 1) {
      throw new TypeError(`plot: ${what} must be a 1-D tensor, got shape [${values.shape.join(', ')}]`);
    }
    return Float64Array.from(values.dataSync());
  }
  if (values instanceof Float32Array || values instanceof Float64Array || values instanceof Int32Array) {
    return Float64Array.from(values);
  }
  if (!Array.isArray(values)) {
    throw new TypeError(`plot: ${what} must be numbers, a Float32Array or a 1-D Tensor, not ${typeName(values)}`);
  }
  const copied = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value !== 'number') {
      const hint = value instanceof Tensor ? ' (a tensor: push loss.item() instead)' : '';
      throw new TypeError(`plot: ${what} must hold numbers; item ${i} is ${typeName(value)}${hint}`);
    }
    copied[i] = value;
  }
  return copied;
}

function copySeries(name: string, given: unknown): CopiedSeries {
  const isPoints = isOptionsObject(given);
  if (!isPoints) return { name, x: null, y: copyValues(given, `series '${name}'`) };
  const keys = Object.keys(given);
  if (keys.length !== 2 || !('x' in given) || !('y' in given)) {
    throw new TypeError(`plot: series '${name}' as an object must be { x, y }, got keys {${keys.join(', ')}}`);
  }
  const x = copyValues(given.x, `series '${name}' x`);
  const y = copyValues(given.y, `series '${name}' y`);
  if (x.length !== y.length) {
    throw new RangeError(`plot: series '${name}' has ${x.length} x values for ${y.length} y values`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || (i > 0 && x[i] < x[i - 1])) {
      const why = Number.isFinite(x[i]) ? `is below x[${i - 1}] = ${x[i - 1]}` : 'is not finite';
      throw new RangeError(`plot: series '${name}' x must be finite and non-decreasing; x[${i}] = ${x[i]} ${why}`);
    }
  }
  return { name, x, y };
}

/** The summary ChartSeries carries for every point, shipped or not. */
function seriesSummary(series: CopiedSeries): Omit<ChartSeries, 'x' | 'y' | 'downsampled'> {
  let min = Infinity;
  let max = -Infinity;
  let nanCount = 0;
  let infCount = 0;
  let lastAt = -1;
  const { y } = series;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (Number.isNaN(v)) nanCount++;
    else if (!Number.isFinite(v)) infCount++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
      lastAt = i;
    }
  }
  const some = lastAt >= 0;
  return {
    name: series.name,
    length: y.length,
    min: some ? min : null,
    max: some ? max : null,
    last: some ? { x: series.x ? series.x[lastAt] : lastAt, y: y[lastAt] } : null,
    nanCount,
    infCount,
  };
}

/**
 * The indices kept when `length` points are cut to `buckets` runs: in each run, its lowest and
 * highest finite y and its first non-finite point (so a gap stays a gap), in index order.
 */
export function minMaxIndices(y: ArrayLike<number>, buckets: number): Int32Array {
  const kept = new Int32Array(3 * buckets);
  let count = 0;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * y.length) / buckets);
    const end = Math.floor(((b + 1) * y.length) / buckets);
    let low = -1;
    let high = -1;
    let gap = -1;
    for (let i = start; i < end; i++) {
      const v = y[i];
      if (v - v !== 0) {
        if (gap < 0) gap = i;
      } else {
        if (low < 0 || v < y[low]) low = i;
        if (high < 0 || v > y[high]) high = i;
      }
    }
    // The three in index order (-1, none, sorts first and is skipped), without allocating.
    const first = Math.min(low, high, gap);
    const last = Math.max(low, high, gap);
    const middle = low + high + gap - first - last;
    if (first >= 0) kept[count++] = first;
    if (middle >= 0 && middle !== first) kept[count++] = middle;
    if (last !== middle && last !== first) kept[count++] = last;
  }
  return kept.subarray(0, count);
}

/** Base64 characters per float32 value on the wire. */
const wireCharsPerValue = 16 / 3;
/** Room for each series' keys and shapes next to the measured summaries. */
const seriesOverhead = 160;
/** Points a downsampled run keeps when it has no gap: its min and its max. */
const pointsPerBucket = 2;

/**
 * How many wire values each series may take within `budget`: the smallest series whole first, then
 * an equal share of what is left for each longer one (Infinity: ships whole).
 */
function valueShares(costs: readonly number[], budget: number): number[] {
  const shares = costs.map(() => Infinity);
  let left = budget;
  const order = costs.map((_, i) => i).sort((a, b) => costs[a] - costs[b]);
  for (const [rank, i] of order.entries()) {
    const share = Math.floor(left / (order.length - rank));
    if (costs[i] > share) {
      for (const longer of order.slice(rank)) shares[longer] = share;
      break;
    }
    left -= costs[i];
  }
  return shares;
}

/** The payload of `chart`, under `maxBytes` of JSON: every series whole, or the long ones downsampled. */
export function chartOutput(chart: LinePlot, maxBytes: number, title = chart.options.title): ChartOutput {
  const { xLabel, yLabel, logY = false, yRange } = chart.options;
  const summaries = chart.series.map(seriesSummary);
  const head = { kind: 'chart' as const, version: payloadVersion, title, xLabel, yLabel, logY, yRange };
  const costs = chart.series.map((s) => s.y.length * (s.x ? 2 : 1));
  const fullValueBytes = Math.ceil(costs.reduce((n, cost) => n + cost, 0) * wireCharsPerValue);
  const cut = { maxBytes, fullValueBytes };
  const fixedBytes = Buffer.byteLength(JSON.stringify({ ...head, series: summaries, cut }));
  const budget = Math.max(0, (maxBytes - fixedBytes - seriesOverhead * chart.series.length) / wireCharsPerValue);
  const shares = valueShares(costs, budget);
  const series = chart.series.map((copied, i): ChartSeries => {
    const length = copied.y.length;
    if (shares[i] === Infinity) {
      const y = encodeTensor([length], 'float32', copied.y);
      return copied.x ? { ...summaries[i], x: encodeTensor([length], 'float32', copied.x), y } : { ...summaries[i], y };
    }
    // Runs with a gap keep a third point: fewer runs until the kept points fit the share.
    const fitting = Math.max(1, Math.floor(shares[i] / 2));
    let buckets = Math.max(1, Math.floor(fitting / pointsPerBucket));
    let kept = minMaxIndices(copied.y, buckets);
    while (kept.length > fitting && buckets > 1) {
      buckets = Math.max(1, Math.floor((buckets * fitting) / kept.length) - 1);
      kept = minMaxIndices(copied.y, buckets);
    }
    const [x, y] = [new Float32Array(kept.length), new Float32Array(kept.length)];
    for (let k = 0; k < kept.length; k++) {
      x[k] = copied.x ? copied.x[kept[k]] : kept[k];
      y[k] = copied.y[kept[k]];
    }
    return {
      ...summaries[i],
      x: encodeTensor([kept.length], 'float32', x),
      y: encodeTensor([kept.length], 'float32', y),
      downsampled: { buckets },
    };
  });
  const payload: ChartOutput = { ...head, series };
  if (series.some((s) => s.downsampled)) payload.cut = cut;
  return payload;
}

type SeriesSummary = ReturnType<typeof seriesSummary>;

/** The text/plain fallback: one line per series with its length, last, min and max, and its gaps. */
function plotSummary(summaries: readonly SeriesSummary[], title: string | undefined): string {
  const width = Math.max(...summaries.map((s) => s.name.length));
  const lines = summaries.map((s) => {
    const values = s.last
      ? `last ${formatValue(s.last.y)} (x ${formatAxisValue(s.last.x)})  ` +
        `min ${formatValue(s.min ?? NaN)}  max ${formatValue(s.max ?? NaN)}`
      : 'no finite values';
    const gaps = s.nanCount + s.infCount > 0 ? `  gaps: ${s.nanCount} NaN, ${s.infCount} ±Inf` : '';
    return `  ${s.name.padEnd(width)}  ${s.length} points  ${values}${gaps}`;
  });
  const named = title ? ` '${title}'` : '';
  return [`plot${named}: ${summaries.length} series`, ...lines].join('\n');
}

/**
 * The chart mime, the text summary and the PNG picture of `chart` (the JSON under `maxBytes`, the
 * picture from every point); `title` overrides plot's.
 */
export function linePlotBundle(chart: LinePlot, maxBytes: number, title?: string): OutputBundle {
  const payload = chartOutput(chart, maxBytes, title ?? chart.options.title);
  const items = [
    { mime: mimeTypes.chart, data: JSON.stringify(payload) },
    { mime: 'text/plain', data: plotSummary(payload.series, payload.title) },
  ];
  const points = chart.series.map((s) => ({
    x: s.x ?? indexXs(s.y.length),
    y: s.y,
  }));
  return withPicture({ items }, payload, points);
}
