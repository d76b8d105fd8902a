// The image/png picture of a `plot(...)` line chart, drawn in the kernel from the payload the renderer
// draws (and from every point where plot() has them), so Jupyter, GitHub and nbviewer show a training
// curve too: each series a polyline
// in the light theme's charts colour (dashed once the palette repeats), NaN and ±Inf (and points
// ≤ 0 on a log axis) as gaps, a lone point between gaps as a dot, axes with the renderer's nice
// ticks, axis labels, the title, and a legend with each series' last value (the first
// `maxLegendEntries`). A fixed size whatever the number of points: points sharing a pixel column are
// drawn as one vertical stroke.
import { seriesLook, chartThemeColors } from '../../protocol/chartPalette';
import { chartAxes, drawable, indexXs, type ChartFrame, type ChartPoints } from '../../protocol/chartTicks';
import type { Rgb } from '../../protocol/colorScales';
import { formatAxisValue, formatValue } from '../../protocol/numberText';
import type { ChartOutput, ChartSeries } from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';
import { column, drawFigure, inkColors, row, textBlock, wrap, type Block } from './figureBlocks';
import { glyphHeight } from './fixedFont';
import { textWidth, type RasterCanvas } from './rasterCanvas';

/** The plot area's block, axes and labels included, in pixels (the renderer's chart is 640×300). */
export const chartWidth = 640;
export const chartHeight = 300;
/** Most series named in the legend; the rest are counted. */
export const maxLegendEntries = 24;
const tickLength = 4;
const lineWidth = 2;
/** Horizontal grid lines: the renderer's charts-lines colour at 35% on white. */
const gridColor: Rgb = [205, 205, 205];

const rgbOf = (hex: string): Rgb => [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)) as Rgb;
/** The light theme's series colours, in palette order. */
export const seriesColors: Rgb[] = chartThemeColors.light.slice(0, 6).map(rgbOf);

/** A series as drawn: its points, colour and dash. */
interface Curve extends ChartPoints {
  color: Rgb;
  dash: number[];
}

/** The payload's shipped points of each series, decoded. */
function shippedPoints(series: ChartSeries[]): ChartPoints[] {
  return series.map((s) => {
    const y = decodeTensor(s.y).values;
    return { x: s.x ? decodeTensor(s.x).values : indexXs(y.length), y };
  });
}

/** The plot area's frame for `payload` on the linear or log scale, labels measured in the bitmap font. */
function chartFrame(payload: ChartOutput, curves: readonly ChartPoints[]): ChartFrame {
  const { x, y } = chartAxes(curves, payload.yRange, payload.logY);
  const labelWidth = Math.max(...y.ticks.map((t) => textWidth(formatAxisValue(t))));
  const left = (payload.yLabel ? glyphHeight + 6 : 0) + labelWidth + tickLength + 4;
  const bottom = tickLength + 3 + glyphHeight + (payload.xLabel ? glyphHeight + 6 : 0);
  const frame: ChartFrame = { left, top: 6, width: chartWidth - left - 12, height: 0, x, y, log: payload.logY };
  frame.height = chartHeight - frame.top - bottom;
  return frame;
}

/** The frame's maps from data to pixels, relative to the plot block (y through log10 on a log axis). */
function pixelMaps(frame: ChartFrame): { pixelX: (x: number) => number; pixelY: (y: number) => number } {
  const xScale = frame.width / (frame.x.hi - frame.x.lo);
  const [low, high] = frame.log ? [Math.log10(frame.y.lo), Math.log10(frame.y.hi)] : [frame.y.lo, frame.y.hi];
  const yScale = frame.height / (high - low);
  const bottom = frame.top + frame.height;
  return {
    pixelX: (x) => frame.left + (x - frame.x.lo) * xScale,
    pixelY: frame.log ? (y) => bottom - (Math.log10(y) - low) * yScale : (y) => bottom - (y - low) * yScale,
  };
}

/**
 * The part of the segment inside [left, right] × [top, bottom] (Liang–Barsky), or null: lines past a
 * fixed y range stop at the frame, and far-off points never reach the pixel loop.
 */
function clipSegment(
  [x0, y0, x1, y1]: [number, number, number, number],
  [left, top, right, bottom]: [number, number, number, number],
): [number, number, number, number] | null {
  let [from, to] = [0, 1];
  const [dx, dy] = [x1 - x0, y1 - y0];
  const edges: [number, number][] = [
    [-dx, x0 - left],
    [dx, right - x0],
    [-dy, y0 - top],
    [dy, bottom - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
    } else {
      const t = q / p;
      if (p < 0) from = Math.max(from, t);
      else to = Math.min(to, t);
    }
  }
  return from > to ? null : [x0 + from * dx, y0 + from * dy, x0 + to * dx, y0 + to * dy];
}

/** Draws one curve inside the frame (placed at x, y on the canvas), broken at gaps. */
function drawCurve(canvas: RasterCanvas, frame: ChartFrame, at: [number, number], curve: Curve): void {
  const box: [number, number, number, number] = [
    at[0] + frame.left,
    at[1] + frame.top - 1,
    at[0] + frame.left + frame.width,
    at[1] + frame.top + frame.height + 1,
  ];
  let phase = 0;
  const segment = (x0: number, y0: number, x1: number, y1: number) => {
    const clipped = clipSegment([x0, y0, x1, y1], box);
    if (!clipped) return;
    const [a, b, c, d] = clipped.map(Math.round);
    phase += canvas.line(a, b, c, d, curve.color, { width: lineWidth, dash: curve.dash, phase }) - 1;
  };
  const { pixelX, pixelY } = pixelMaps(frame);
  const { x: xs, y: ys } = curve;
  let run = 0;
  // The pixel column being drawn: its x, the extent of the points in it, its last point, and the
  // point the line was last drawn to. Plain locals: this loop runs once per point.
  let columnX = NaN;
  let low = 0;
  let high = 0;
  let lastX = 0;
  let lastY = 0;
  let penX = 0;
  let penY = 0;
  const finishColumn = () => {
    if (high <= low) return;
    segment(penX, penY, columnX, low);
    segment(columnX, low, columnX, high);
    segment(columnX, high, lastX, lastY);
    penX = lastX;
    penY = lastY;
  };
  for (let i = 0; i <= ys.length; i++) {
    const shown = i < ys.length && drawable(ys[i], frame.log);
    if (!shown) {
      if (run > 0) finishColumn();
      if (run === 1 && penX >= box[0] && penX <= box[2] && penY >= box[1] && penY <= box[3]) {
        canvas.fillRect(Math.round(penX) - 1, Math.round(penY) - 1, 4, 4, curve.color);
      }
      run = 0;
      continue;
    }
    const px = at[0] + pixelX(xs[i]);
    const py = at[1] + pixelY(ys[i]);
    run++;
    if (run > 1 && Math.round(px) === columnX) {
      if (py < low) low = py;
      if (py > high) high = py;
      lastX = px;
      lastY = py;
      continue;
    }
    if (run > 1) {
      finishColumn();
      segment(penX, penY, px, py);
    }
    columnX = Math.round(px);
    low = high = lastY = penY = py;
    lastX = penX = px;
  }
}

/** The plot area: grid lines at the y ticks, axes with tick labels, axis labels, and the curves. */
function plotBlock(payload: ChartOutput, frame: ChartFrame, curves: Curve[]): Block {
  const ink = { color: inkColors.muted };
  return {
    width: chartWidth,
    height: chartHeight,
    draw: (canvas, x, y) => {
      const { pixelX, pixelY } = pixelMaps(frame);
      const [left, top] = [x + frame.left, y + frame.top];
      const bottom = top + frame.height;
      for (const tick of frame.y.ticks) {
        const at = Math.round(y + pixelY(tick));
        canvas.fillRect(left + 1, at, frame.width, 1, gridColor);
        canvas.fillRect(left - tickLength, at, tickLength, 1, inkColors.frame);
        const label = formatAxisValue(tick);
        canvas.text(left - tickLength - 2 - textWidth(label), at - Math.floor(glyphHeight / 2) + 1, label, ink);
      }
      for (const tick of frame.x.ticks) {
        const at = Math.round(x + pixelX(tick));
        canvas.fillRect(at, bottom + 1, 1, tickLength, inkColors.frame);
        const label = formatAxisValue(tick);
        const labelX = Math.min(x + chartWidth - textWidth(label), at - Math.floor(textWidth(label) / 2));
        canvas.text(labelX, bottom + tickLength + 3, label, ink);
      }
      canvas.fillRect(left, top, 1, frame.height + 1, inkColors.frame);
      canvas.fillRect(left, bottom, frame.width + 1, 1, inkColors.frame);
      if (payload.xLabel) {
        const labelX = left + Math.max(0, Math.floor((frame.width - textWidth(payload.xLabel)) / 2));
        canvas.text(labelX, y + chartHeight - glyphHeight, payload.xLabel, { color: inkColors.text });
      }
      if (payload.yLabel) {
        const along = Math.min(frame.height, textWidth(payload.yLabel));
        const labelY = top + Math.floor((frame.height + along) / 2) - 1;
        canvas.text(x, labelY, payload.yLabel, { color: inkColors.text, rotated: true });
      }
      for (const curve of curves) drawCurve(canvas, frame, [x, y], curve);
    },
  };
}

/** A legend entry: a short stroke in the series' look, its name, its last value and its gaps. */
function legendEntry(series: ChartSeries, curve: Curve): Block {
  const swatch: Block = {
    width: 18,
    height: glyphHeight,
    draw: (canvas, x, y) => {
      canvas.line(x, y + 5, x + 17, y + 5, curve.color, { width: lineWidth, dash: curve.dash });
    },
  };
  const last = series.last ? formatValue(series.last.y) : 'no finite values';
  const gaps = series.nanCount + series.infCount;
  const gapText = `${gaps} gap${gaps > 1 ? 's' : ''} (${series.nanCount} NaN, ${series.infCount} ±Inf)`;
  return row(
    [
      swatch,
      textBlock(series.name, { bold: true }, chartWidth / 3),
      textBlock(last),
      ...(gaps > 0 ? [textBlock(gapText, { color: inkColors.muted })] : []),
    ],
    5,
  );
}

/** How many of `values` pass `test`. */
function countWhere(values: ArrayLike<number>, test: (value: number) => boolean): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (test(values[i])) count++;
  return count;
}

/**
 * Notes under the legend: downsampled series (when the shipped points are drawn), points a log axis
 * cannot draw, nothing to draw.
 */
function chartNotes(payload: ChartOutput, curves: Curve[], everyPoint: boolean): string[] {
  const notes: string[] = [];
  const cut = payload.series.filter((s) => s.downsampled);
  if (cut.length && !everyPoint) {
    const which = cut.map((s) => `${s.name} (${s.length} in ${s.downsampled?.buckets} runs)`).join(', ');
    notes.push(`over the output cap, drawn from each run's lowest and highest value: ${which}`);
  }
  if (payload.logY) {
    const skipped = payload.series
      .map((s, i) => [s.name, countWhere(curves[i].y, (y) => Number.isFinite(y) && y <= 0)] as const)
      .filter(([, count]) => count > 0);
    if (skipped.length)
      notes.push(`log scale: points ≤ 0 not drawn (${skipped.map(([n, c]) => `${c} of ${n}`).join(', ')})`);
  }
  if (curves.every((curve) => countWhere(curve.y, (y) => drawable(y, payload.logY)) === 0))
    notes.push('nothing to draw yet: no finite points');
  return notes;
}

/**
 * The picture of a line chart: title, legend, notes and the plot area, 656 pixels wide. `points`
 * are every point of each series where the caller has them (plot() does: no decoding, and the
 * columns' extents exact), else the payload's shipped points are drawn.
 */
export function drawChart(payload: ChartOutput, points?: readonly ChartPoints[]): RasterCanvas {
  const curves = (points ?? shippedPoints(payload.series)).map((p, i): Curve => {
    const { colorIndex, dash } = seriesLook(i);
    return { ...p, color: seriesColors[colorIndex], dash };
  });
  const frame = chartFrame(payload, curves);
  const legend = payload.series.slice(0, maxLegendEntries).map((s, i) => legendEntry(s, curves[i]));
  const unnamed = payload.series.length - legend.length;
  if (unnamed > 0) legend.push(textBlock(`… ${unnamed} more series`, { color: inkColors.muted }));
  const scale = payload.logY ? ['y: log'] : [];
  return drawFigure(
    column(
      [
        row(
          [
            textBlock(payload.title ?? 'plot', { bold: true }, chartWidth / 2),
            ...scale.map((s) => textBlock(s, { color: inkColors.muted })),
          ],
          12,
        ),
        wrap(legend, chartWidth, 16),
        ...chartNotes(payload, curves, points !== undefined).map((note) =>
          textBlock(note, { color: inkColors.muted }, chartWidth),
        ),
        plotBlock(payload, frame, curves),
      ],
      6,
    ),
  );
}
