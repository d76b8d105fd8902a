// The line chart of a `plot(...)` output: each series a line in its own theme colour (VS Code's
// --vscode-charts-* variables; dashed once the palette repeats), NaN and ±Inf as gaps, axes with
// "nice" ticks and labels, a legend with each series' last value, a readout of every series at
// the x nearest the pointer (or stepped with the arrow keys), a log-y toggle that skips and counts
// points ≤ 0, and a text description for screen readers. It redraws when the theme changes and
// keeps the toggle's state through in-place updates of the same output (display(...).update).
import type { ChartOutput, ChartSeries } from '../protocol/outputPayloads';
import { formatAxisValue } from '../protocol/numberText';
import { decodeTensor } from '../protocol/tensorWire';
import { chartPaletteNames, chartThemeColors, seriesLook } from '../protocol/chartPalette';
import { chartAxes, drawable, indexXs, type ChartFrame } from '../protocol/chartTicks';
import { button, element } from './dom';
import { formatBytes, formatValue } from './numberFormat';

/** A series as drawn: its shipped points and its look. */
interface Line {
  name: string;
  x: Float32Array | Float64Array;
  y: Float32Array;
  colorIndex: number;
  dash: number[];
}

interface ChartTheme {
  series: string[];
  foreground: string;
  muted: string;
  lines: string;
  font: string;
  kind: 'light' | 'dark';
}

/** The theme's chart colours and font, read from VS Code's CSS variables at draw time. */
function chartTheme(): ChartTheme {
  const style = getComputedStyle(document.body);
  const classes = document.body.classList;
  const kind = classes.contains('vscode-light') || classes.contains('vscode-high-contrast-light') ? 'light' : 'dark';
  const fallback = chartThemeColors[kind];
  const read = (name: string, otherwise: string) => style.getPropertyValue(`--vscode-${name}`).trim() || otherwise;
  const foreground = read('charts-foreground', read('foreground', fallback[6]));
  return {
    series: chartPaletteNames.map((name, i) => read(`charts-${name}`, fallback[i])),
    foreground,
    muted: read('descriptionForeground', fallback[7]),
    lines: read('charts-lines', fallback[7]),
    font: read('font-family', 'sans-serif'),
    kind,
  };
}

const cssWidth = 640;
const cssHeight = 300;
const tickFont = 11;

/** Per output element: the y scale the user chose, kept through updates, and the theme watcher. */
const chartStates = new WeakMap<HTMLElement, { logY: boolean; givenLogY: boolean; observer?: MutationObserver }>();

function decodeLines(series: ChartSeries[]): Line[] {
  return series.map((s, i) => {
    const y = decodeTensor(s.y).values;
    const x = s.x ? decodeTensor(s.x).values : indexXs(y.length);
    return {
      name: s.name,
      x,
      y,
      ...seriesLook(i),
    };
  });
}

/** The index in sorted `xs` of the value nearest `x` (-1 for none). */
function nearestIndex(xs: ArrayLike<number>, x: number): number {
  if (xs.length === 0) return -1;
  let [low, high] = [0, xs.length - 1];
  while (low < high) {
    const mid = (low + high) >> 1;
    if (xs[mid] < x) low = mid + 1;
    else high = mid;
  }
  return low > 0 && x - xs[low - 1] <= xs[low] - x ? low - 1 : low;
}

/** Every distinct x of every series, sorted: the positions the readout can stop at. */
function allXs(lines: Line[]): Float64Array {
  const merged = new Float64Array(lines.reduce((n, line) => n + line.x.length, 0));
  let at = 0;
  for (const line of lines) {
    merged.set(line.x, at);
    at += line.x.length;
  }
  merged.sort();
  let count = 0;
  for (let i = 0; i < merged.length; i++) if (i === 0 || merged[i] !== merged[count - 1]) merged[count++] = merged[i];
  return merged.subarray(0, count);
}

/** The axes for the data on this scale: the data's ranges (or the fixed y range) with their ticks. */
function frameFor(payload: ChartOutput, lines: Line[], log: boolean, context: CanvasRenderingContext2D): ChartFrame {
  const { x, y } = chartAxes(lines, payload.yRange, log);
  context.font = `${tickFont}px ${chartTheme().font}`;
  const labelWidth = Math.max(...y.ticks.map((t) => context.measureText(formatAxisValue(t)).width));
  const left = Math.ceil(8 + (payload.yLabel ? 18 : 0) + labelWidth + 6);
  const bottom = 22 + (payload.xLabel ? 18 : 0);
  return { left, top: 10, width: cssWidth - left - 16, height: cssHeight - 10 - bottom, x, y, log };
}

const toPixelX = (frame: ChartFrame, x: number) =>
  frame.left + ((x - frame.x.lo) / (frame.x.hi - frame.x.lo)) * frame.width;
function toPixelY(frame: ChartFrame, y: number): number {
  const t = frame.log ? Math.log10 : (v: number) => v;
  const fraction = (t(y) - t(frame.y.lo)) / (t(frame.y.hi) - t(frame.y.lo));
  return frame.top + frame.height - fraction * frame.height;
}

function drawAxes(context: CanvasRenderingContext2D, frame: ChartFrame, payload: ChartOutput, theme: ChartTheme): void {
  const { left, top, width, height } = frame;
  context.font = `${tickFont}px ${theme.font}`;
  context.lineWidth = 1;
  context.fillStyle = theme.muted;
  context.strokeStyle = theme.lines;
  context.textAlign = 'right';
  context.textBaseline = 'middle';
  for (const tick of frame.y.ticks) {
    const y = Math.round(toPixelY(frame, tick)) + 0.5;
    context.globalAlpha = 0.35;
    context.beginPath();
    context.moveTo(left, y);
    context.lineTo(left + width, y);
    context.stroke();
    context.globalAlpha = 1;
    context.fillText(formatAxisValue(tick), left - 6, y);
  }
  context.textAlign = 'center';
  context.textBaseline = 'top';
  for (const tick of frame.x.ticks) {
    const x = Math.round(toPixelX(frame, tick)) + 0.5;
    context.beginPath();
    context.moveTo(x, top + height);
    context.lineTo(x, top + height + 4);
    context.stroke();
    context.fillText(formatAxisValue(tick), x, top + height + 6);
  }
  context.beginPath();
  context.moveTo(left + 0.5, top);
  context.lineTo(left + 0.5, top + height + 0.5);
  context.lineTo(left + width, top + height + 0.5);
  context.stroke();
  context.fillStyle = theme.foreground;
  if (payload.xLabel) {
    context.textBaseline = 'bottom';
    context.fillText(payload.xLabel, left + width / 2, cssHeight - 2);
  }
  if (payload.yLabel) {
    context.save();
    context.translate(4, top + height / 2);
    context.rotate(-Math.PI / 2);
    context.textBaseline = 'top';
    context.fillText(payload.yLabel, 0, 0);
    context.restore();
  }
}

/**
 * Each series' line, broken at gaps; a point with gaps on both sides is drawn as a dot. Points that
 * share a pixel column become one vertical stroke over their extent, so a 100000-point series costs
 * about one segment per column, not one per point, and looks the same.
 */
function drawLines(context: CanvasRenderingContext2D, frame: ChartFrame, lines: Line[], theme: ChartTheme): void {
  context.save();
  context.beginPath();
  context.rect(frame.left, frame.top - 2, frame.width + 2, frame.height + 4);
  context.clip();
  context.lineWidth = 2;
  context.lineJoin = 'round';
  for (const line of lines) {
    const color = theme.series[line.colorIndex];
    const dots: number[] = [];
    context.strokeStyle = color;
    context.setLineDash(line.dash);
    context.beginPath();
    let run = 0;
    // The pixel column being drawn: its x, the extent of the points in it, and its last point.
    let [column, low, high, lastX, lastY] = [NaN, 0, 0, 0, 0];
    const finishColumn = () => {
      if (high <= low) return;
      context.lineTo(column, low);
      context.lineTo(column, high);
      context.lineTo(lastX, lastY);
    };
    for (let i = 0; i <= line.y.length; i++) {
      const shown = i < line.y.length && drawable(line.y[i], frame.log);
      if (!shown) {
        if (run > 0) finishColumn();
        if (run === 1) dots.push(i - 1);
        run = 0;
        continue;
      }
      const [px, py] = [toPixelX(frame, line.x[i]), toPixelY(frame, line.y[i])];
      if (run > 0 && Math.round(px) === column) {
        [low, high, lastX, lastY] = [Math.min(low, py), Math.max(high, py), px, py];
        run++;
        continue;
      }
      if (run > 0) finishColumn();
      if (run++ === 0) context.moveTo(px, py);
      else context.lineTo(px, py);
      [column, low, high, lastX, lastY] = [Math.round(px), py, py, px, py];
    }
    context.stroke();
    context.fillStyle = color;
    for (const i of dots) {
      context.beginPath();
      context.arc(toPixelX(frame, line.x[i]), toPixelY(frame, line.y[i]), 2.5, 0, 2 * Math.PI);
      context.fill();
    }
  }
  context.restore();
}

/** A canvas of the chart's CSS size, sharp on high-density screens. */
function chartCanvas(role: string): { canvas: HTMLCanvasElement; context: CanvasRenderingContext2D | null } {
  const canvas = document.createElement('canvas');
  const density = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssWidth * density);
  canvas.height = Math.round(cssHeight * density);
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  canvas.dataset.attentionLab = role;
  const context = canvas.getContext('2d');
  context?.setTransform(density, 0, 0, density, 0, 0);
  return { canvas, context };
}

/** What the chart shows, in words: for screen readers and the canvas's label. */
function describe(payload: ChartOutput): string {
  const over = payload.xLabel ? ` over ${payload.xLabel}` : '';
  const series = payload.series.map((s) => {
    if (!s.last) return `${s.name}: ${s.length} points, none finite`;
    const gaps = s.nanCount + s.infCount > 0 ? `, ${s.nanCount + s.infCount} gaps (NaN or infinite)` : '';
    const range = `min ${formatValue(s.min ?? NaN)}, max ${formatValue(s.max ?? NaN)}`;
    return `${s.name}: ${s.length} points, last ${formatValue(s.last.y)} at ${formatAxisValue(s.last.x)}, ${range}${gaps}`;
  });
  return [`Line chart${payload.title ? ` "${payload.title}"` : ''}${over}.`, ...series.map((s) => `${s}.`)].join(' ');
}

/** The note for downsampled series: which, and how. */
function cutNote(payload: ChartOutput): string {
  const cut = payload.series.filter((s) => s.downsampled);
  const which = cut.map((s) => `${s.name} (${s.length} points in ${s.downsampled?.buckets} runs)`).join(', ');
  const cap = payload.cut
    ? ` (every point would take ${formatBytes(payload.cut.fullValueBytes)}, the cap is ${formatBytes(payload.cut.maxBytes)})`
    : '';
  return `Over the output cap${cap}: ${which} drawn from the lowest and highest value of each run; the legend's values cover every point.`;
}

function legendEntry(series: ChartSeries, line: Line, theme: ChartTheme): HTMLElement {
  const entry = element('span', 'al-legend-entry al-chart-entry');
  entry.dataset.attentionLab = 'chart-legend-entry';
  const swatch = element('span', 'al-chart-swatch');
  swatch.style.borderTopColor = theme.series[line.colorIndex];
  swatch.style.borderTopStyle = line.dash.length === 0 ? 'solid' : line.dash[0] > 3 ? 'dashed' : 'dotted';
  const last = series.last ? formatValue(series.last.y) : 'no finite values';
  entry.append(swatch, element('span', 'al-chart-name', series.name), element('span', 'al-chart-last', last));
  const gaps = series.nanCount + series.infCount;
  if (gaps > 0) {
    const text = `${gaps} gap${gaps > 1 ? 's' : ''} (${series.nanCount} NaN, ${series.infCount} ±Inf)`;
    entry.append(element('span', 'al-warning', text));
  }
  return entry;
}

/** Draws a chart output into `root`, replacing what an earlier payload drew there. */
export function renderChart(payload: ChartOutput, root: HTMLElement): void {
  const previous = chartStates.get(root);
  previous?.observer?.disconnect();
  // A user's toggle survives updates, unless the code itself changed logY.
  const state = {
    logY: previous && previous.givenLogY === payload.logY ? previous.logY : payload.logY,
    givenLogY: payload.logY,
    observer: undefined as MutationObserver | undefined,
  };
  chartStates.set(root, state);
  const lines = decodeLines(payload.series);
  // Every distinct x, sorted: built on the first hover or key press, not on each update's render.
  let sortedXs: Float64Array | null = null;
  const xs = () => (sortedXs ??= allXs(lines));
  const view = element('div', 'al-view al-chart');
  view.dataset.attentionLab = 'chart-view';
  const header = element('div', 'al-header');
  header.append(element('span', 'al-title', payload.title ?? 'plot'));
  const legend = element('div', 'al-chart-legend');
  legend.dataset.attentionLab = 'chart-legend';
  const toggle = button('', 'log-toggle', () => {
    state.logY = !state.logY;
    draw();
  });
  header.append(legend, toggle);
  const notes = element('div', 'al-note');
  notes.dataset.attentionLab = 'chart-notes';
  const cut = element('div', 'al-note', payload.cut ? cutNote(payload) : '');
  cut.dataset.attentionLab = 'truncated';
  const stage = element('div', 'al-chart-stage');
  stage.tabIndex = 0;
  const base = chartCanvas('chart');
  const overlay = chartCanvas('chart-overlay');
  const description = describe(payload);
  base.canvas.setAttribute('role', 'img');
  base.canvas.setAttribute('aria-label', description);
  base.canvas.textContent = description;
  stage.setAttribute('aria-label', `${description} Arrow keys step the readout along x.`);
  stage.append(base.canvas, overlay.canvas);
  const readout = element('div', 'al-readout', 'hover the chart (or focus it and use ← →) to read every series');
  readout.dataset.attentionLab = 'readout';
  readout.setAttribute('aria-live', 'polite');
  view.append(header, cut, notes, stage, readout);
  root.replaceChildren(view);
  if (!payload.cut) cut.remove();

  let frame: ChartFrame | null = null;
  let theme = chartTheme();
  let cursor = -1; // index into xs of the readout's x, -1 for none

  const showReadout = () => {
    const context = overlay.context;
    if (!context || !frame) return;
    context.clearRect(0, 0, cssWidth, cssHeight);
    if (cursor < 0) return;
    const at = xs()[cursor];
    const px = toPixelX(frame, at);
    context.strokeStyle = theme.muted;
    context.lineWidth = 1;
    context.beginPath();
    context.moveTo(Math.round(px) + 0.5, frame.top);
    context.lineTo(Math.round(px) + 0.5, frame.top + frame.height);
    context.stroke();
    const parts = [`${payload.xLabel ?? 'x'} ${formatAxisValue(at)}`];
    for (const line of lines) {
      const i = nearestIndex(line.x, at);
      if (i < 0) continue;
      const elsewhere = line.x[i] === at ? '' : ` (at ${formatAxisValue(line.x[i])})`;
      parts.push(`${line.name} ${formatValue(line.y[i])}${elsewhere}`);
      if (!drawable(line.y[i], frame.log)) continue;
      context.fillStyle = theme.series[line.colorIndex];
      context.beginPath();
      context.arc(toPixelX(frame, line.x[i]), toPixelY(frame, line.y[i]), 3.5, 0, 2 * Math.PI);
      context.fill();
    }
    readout.textContent = parts.join(' · ');
  };

  const draw = () => {
    theme = chartTheme();
    const log = state.logY;
    toggle.textContent = log ? 'y: log' : 'y: linear';
    toggle.setAttribute('aria-pressed', String(log));
    toggle.title = log ? 'Switch the y axis to a linear scale' : 'Switch the y axis to a log scale';
    legend.replaceChildren(...payload.series.map((s, i) => legendEntry(s, lines[i], theme)));
    const context = base.context;
    if (!context) return;
    frame = frameFor(payload, lines, log, context);
    context.clearRect(0, 0, cssWidth, cssHeight);
    drawAxes(context, frame, payload, theme);
    drawLines(context, frame, lines, theme);
    const noted: string[] = [];
    if (log) {
      const skipped = lines
        .map((line) => [line.name, line.y.filter((y) => Number.isFinite(y) && y <= 0).length] as const)
        .filter(([, count]) => count > 0);
      if (skipped.length > 0) {
        const counts = skipped.map(([name, count]) => `${count} of ${name}`).join(', ');
        noted.push(
          `Log scale: points ≤ 0 are not drawn (${counts}${payload.cut ? ', among the points shipped' : ''}).`,
        );
      }
      if (payload.yRange && payload.yRange[0] <= 0) {
        noted.push(`yRange [${payload.yRange.join(', ')}] starts at or below 0: the log axis spans the data instead.`);
      }
    }
    if (lines.every((line) => !line.y.some((y) => drawable(y, log))))
      noted.push('Nothing to draw yet: no finite points.');
    notes.textContent = noted.join(' ');
    notes.hidden = noted.length === 0;
    const canvas = base.canvas;
    canvas.dataset.frame = JSON.stringify({ ...frame, x: [frame.x.lo, frame.x.hi], y: [frame.y.lo, frame.y.hi] });
    canvas.dataset.yTicks = frame.y.ticks.map(formatAxisValue).join(' ');
    canvas.dataset.xTicks = frame.x.ticks.map(formatAxisValue).join(' ');
    canvas.dataset.theme = theme.kind;
    showReadout();
  };

  overlay.canvas.addEventListener('mousemove', (event) => {
    if (!frame) return;
    const bounds = overlay.canvas.getBoundingClientRect();
    const fraction = (event.clientX - bounds.left - frame.left) / frame.width;
    cursor = nearestIndex(xs(), frame.x.lo + fraction * (frame.x.hi - frame.x.lo));
    showReadout();
  });
  overlay.canvas.addEventListener('mouseleave', () => {
    cursor = -1;
    showReadout();
  });
  stage.addEventListener('keydown', (event) => {
    const moves: Record<string, number> = {
      ArrowLeft: cursor - 1,
      ArrowRight: cursor + 1,
      Home: 0,
      End: xs().length - 1,
    };
    if (!(event.key in moves) || xs().length === 0) return;
    event.preventDefault();
    cursor = Math.min(
      xs().length - 1,
      Math.max(0, cursor < 0 && event.key === 'ArrowLeft' ? xs().length - 1 : moves[event.key]),
    );
    showReadout();
  });

  draw();
  // VS Code switches themes by changing the body's class and the variables in its style.
  state.observer = new MutationObserver(() => {
    if (view.isConnected) draw();
    else state.observer?.disconnect();
  });
  for (const target of [document.documentElement, document.body]) {
    state.observer.observe(target, { attributes: true, attributeFilter: ['class', 'style'] });
  }
}
