// Axis ticks for line charts (pure functions, shared by the renderer's chart and the kernel's PNG of it):
// "nice" linear ticks at 1, 2 or 5 × 10^k, and logarithmic ticks at powers of ten (with 2 and 5 between
// them when the range spans few decades).

export interface AxisTicks {
  /** The axis range: the data's widened to whole steps, or exactly the fixed range given. */
  lo: number;
  hi: number;
  ticks: number[];
}

/** The smallest of 1, 2, 5 × 10^k that is at least `raw`. */
export function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  return (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power;
}

/** A value at 12 significant digits, so 0.1 + 0.2 reads as 0.3 on an axis. */
const clean = (value: number) => Number(value.toPrecision(12));

/** Where a chart's data sits in its plot area (pixels from the picture's or canvas's top-left), with its axes. */
export interface ChartFrame {
  left: number;
  top: number;
  width: number;
  height: number;
  x: AxisTicks;
  y: AxisTicks;
  log: boolean;
}

/**
 * About `count` ticks over [lo, hi] spaced at least `minStep` apart (1 for an axis of indices). With
 * `fixed`, the range is kept as given and ticks fall inside it; otherwise it widens to whole steps.
 */
export function linearTicks(lo: number, hi: number, count = 5, minStep = 0, fixed = false): AxisTicks {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const step = Math.max(minStep, niceStep((hi - lo) / count));
  const [from, to] = fixed ? [lo, hi] : [Math.floor(clean(lo / step)) * step, Math.ceil(clean(hi / step)) * step];
  const start = Math.ceil(clean(from / step)) * step;
  const ticks: number[] = [];
  for (let i = 0; start + i * step <= to + step * 1e-9; i++) ticks.push(clean(start + i * step));
  return { lo: clean(from), hi: clean(to), ticks };
}

/**
 * Ticks of a log axis over [lo, hi] (both > 0): powers of ten, every few when there are many
 * decades, and 2 and 5 times them when there are at most two. Without `fixed`, the range widens to
 * whole decades.
 */
export function logTicks(lo: number, hi: number, fixed = false): AxisTicks {
  if (!(hi > lo)) [lo, hi] = [lo / 10, hi * 10];
  const firstDecade = Math.floor(Math.log10(lo) + 1e-9);
  const lastDecade = Math.ceil(Math.log10(hi) - 1e-9);
  const [from, to] = fixed ? [lo, hi] : [10 ** firstDecade, 10 ** lastDecade];
  const decades = lastDecade - firstDecade;
  const every = Math.max(1, Math.ceil(decades / 8));
  const multiples = decades <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let decade = firstDecade; decade <= lastDecade; decade += every) {
    for (const multiple of multiples) {
      const tick = clean(multiple * 10 ** decade);
      if (tick >= from * (1 - 1e-9) && tick <= to * (1 + 1e-9)) ticks.push(tick);
    }
  }
  return { lo: from, hi: to, ticks };
}

/** Whether y is drawn on a chart's scale: finite, and positive on a log scale. */
export const drawable = (y: number, log: boolean) => Number.isFinite(y) && (!log || y > 0);

/** The x of a series given as y alone: 0, 1, ..., length - 1. */
export function indexXs(length: number): Float64Array {
  const xs = new Float64Array(length);
  for (let i = 0; i < length; i++) xs[i] = i;
  return xs;
}

/** A curve's points: x sorted ascending, y with NaN and ±Inf as gaps. */
export interface ChartPoints {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/**
 * A line chart's axes: x over the data (integer ticks when every x is whole), y over the drawable
 * data or the fixed `yRange` (ignored on a log scale when it does not start above 0).
 */
export function chartAxes(
  lines: readonly ChartPoints[],
  yRange: [number, number] | undefined,
  log: boolean,
): { x: AxisTicks; y: AxisTicks } {
  let [xMin, xMax, yMin, yMax] = [Infinity, -Infinity, Infinity, -Infinity];
  let integerXs = true;
  for (const line of lines) {
    if (line.x.length === 0) continue;
    // x is sorted: its ends are its range.
    xMin = Math.min(xMin, line.x[0]);
    xMax = Math.max(xMax, line.x[line.x.length - 1]);
    for (let i = 0; i < line.x.length; i++) {
      const y = line.y[i];
      integerXs &&= Number.isInteger(line.x[i]);
      if (!drawable(y, log)) continue;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
  }
  if (xMin > xMax) [xMin, xMax] = [0, 1];
  if (yMin > yMax) [yMin, yMax] = log ? [1, 10] : [0, 1];
  const fixed = yRange && (!log || yRange[0] > 0) ? yRange : undefined;
  const [low, high] = fixed ?? [yMin, yMax];
  return {
    x: linearTicks(xMin, xMax, 6, integerXs ? 1 : 0, xMin < xMax),
    y: log ? logTicks(low, high, fixed !== undefined) : linearTicks(low, high, 5, 0, fixed !== undefined),
  };
}
