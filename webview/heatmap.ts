// A matrix drawn on a canvas: one pixel block per value through a colour scale, masked cells
// hatched, NaN and ±Inf cells in colours outside the scale (NaN also crossed), and a hover readout. Fast enough for 512×512 (ImageData, then one
// scaled drawImage), and the drawn colours are exactly colorFor(value) (pixel tests rely on it).
import { colorFor, cssColor, nonFiniteColors, writeColor, type ColorScale } from '../protocol/colorScales';

export interface HeatmapOptions {
  rows: number;
  cols: number;
  /** Row-major values of this matrix. */
  values: Float32Array;
  scale: ColorScale;
  /** Largest side in CSS pixels; cells are whole pixels, at most `maxCell`. */
  maxSide?: number;
  maxCell?: number;
  isMasked?: (row: number, col: number) => boolean;
  /** Called with the hovered cell, or null when the pointer leaves. */
  onHover?: (cell: { row: number; col: number; value: number } | null) => void;
}

export interface Heatmap {
  canvas: HTMLCanvasElement;
  cellSize: number;
}

export function drawHeatmap(options: HeatmapOptions): Heatmap {
  const { rows, cols, values, scale, isMasked } = options;
  const cellSize = Math.max(
    1,
    Math.min(options.maxCell ?? 28, Math.floor((options.maxSide ?? 360) / Math.max(rows, cols))),
  );
  const canvas = document.createElement('canvas');
  canvas.width = cols * cellSize;
  canvas.height = rows * cellSize;
  canvas.dataset.attentionLab = 'heatmap';
  canvas.dataset.cellSize = String(cellSize);
  const context = canvas.getContext('2d');
  if (!context) return { canvas, cellSize };
  const image = context.createImageData(cols, rows);
  const masked: [number, number][] = [];
  const nans: [number, number][] = [];
  const pixels = image.data;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const value = values[r * cols + c];
      const at = (r * cols + c) * 4;
      if (isMasked?.(r, c)) {
        masked.push([r, c]);
        pixels.fill(128, at, at + 3);
      } else {
        if (Number.isNaN(value)) nans.push([r, c]);
        writeColor(value, scale, pixels, at);
      }
      pixels[at + 3] = 255;
    }
  }
  if (cellSize === 1) context.putImageData(image, 0, 0);
  else {
    const unscaled = document.createElement('canvas');
    unscaled.width = cols;
    unscaled.height = rows;
    unscaled.getContext('2d')?.putImageData(image, 0, 0);
    context.imageSmoothingEnabled = false;
    context.drawImage(unscaled, 0, 0, cols * cellSize, rows * cellSize);
  }
  if (cellSize >= 6) {
    context.strokeStyle = 'rgba(255, 255, 255, 0.85)';
    context.lineWidth = 1;
    for (const [r, c] of masked) hatch(context, c * cellSize, r * cellSize, cellSize);
    context.strokeStyle = 'rgb(255, 255, 255)';
    for (const [r, c] of nans) cross(context, c * cellSize, r * cellSize, cellSize);
  }
  if (options.onHover) {
    const onHover = options.onHover;
    canvas.addEventListener('mousemove', (event) => {
      const bounds = canvas.getBoundingClientRect();
      const col = Math.floor(((event.clientX - bounds.left) / bounds.width) * cols);
      const row = Math.floor(((event.clientY - bounds.top) / bounds.height) * rows);
      if (row >= 0 && row < rows && col >= 0 && col < cols) onHover({ row, col, value: values[row * cols + col] });
    });
    canvas.addEventListener('mouseleave', () => onHover(null));
  }
  return { canvas, cellSize };
}

function hatch(context: CanvasRenderingContext2D, x: number, y: number, size: number): void {
  context.save();
  context.beginPath();
  context.rect(x, y, size, size);
  context.clip();
  context.beginPath();
  for (let offset = -size; offset < size; offset += 4) {
    context.moveTo(x + offset, y + size);
    context.lineTo(x + offset + size, y);
  }
  context.stroke();
  context.restore();
}

function cross(context: CanvasRenderingContext2D, x: number, y: number, size: number): void {
  context.beginPath();
  context.moveTo(x + 2, y + 2);
  context.lineTo(x + size - 2, y + size - 2);
  context.moveTo(x + size - 2, y + 2);
  context.lineTo(x + 2, y + size - 2);
  context.stroke();
}

/** Which values outside the scale a legend names (each shown as its colour's swatch). */
export interface NonFinitePresent {
  nan?: boolean;
  posInf?: boolean;
  negInf?: boolean;
}

/** A horizontal colour bar with the scale's ends (and 0 for diverging scales) labelled, then a
 *  swatch for each non-finite kind the data holds. */
export function drawLegend(
  scale: ColorScale,
  format: (v: number) => string,
  nonFinite: NonFinitePresent = {},
): HTMLElement {
  const legend = document.createElement('div');
  legend.className = 'al-legend';
  legend.dataset.attentionLab = 'legend';
  const bar = document.createElement('canvas');
  bar.width = 160;
  bar.height = 10;
  const context = bar.getContext('2d');
  if (context) {
    for (let x = 0; x < bar.width; x++) {
      context.fillStyle = cssColor(colorFor(scale.min + ((scale.max - scale.min) * x) / (bar.width - 1), scale));
      context.fillRect(x, 0, 1, bar.height);
    }
  }
  const low = document.createElement('span');
  low.textContent = format(scale.min);
  const high = document.createElement('span');
  high.textContent = format(scale.max);
  legend.append(low, bar, high);
  for (const [kind, label] of [
    ['nan', 'NaN'],
    ['posInf', '+Inf'],
    ['negInf', '−Inf'],
  ] as const) {
    if (!nonFinite[kind]) continue;
    const entry = document.createElement('span');
    entry.className = 'al-legend-entry';
    entry.dataset.attentionLab = `legend-${kind}`;
    const swatch = document.createElement('span');
    swatch.className = 'al-swatch';
    swatch.style.background = cssColor(nonFiniteColors[kind]);
    entry.append(swatch, label);
    legend.append(entry);
  }
  if (scale.kind === 'diverging') legend.title = 'diverging scale, white at 0';
  return legend;
}
