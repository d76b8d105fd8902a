// The pieces the kernel's PNG pictures are laid out from: blocks that know their size and draw
// themselves at a position (text lines, rows and columns of blocks, heatmaps with axis labels and
// ticks, colour legends). A heatmap is drawn as the renderer draws it: the same colour scales, NaN
// and ±Inf in their own colours (NaN also crossed), masked cells grey and hatched. Light theme only.
import { colorFor, nonFiniteColors, type ColorScale, type Rgb } from '../../protocol/colorScales';
import { formatValue } from '../../protocol/numberText';
import { blockMeans } from '../tensorOverview';
import { glyphHeight } from './fixedFont';
import { clipText, RasterCanvas, textWidth, type TextStyle } from './rasterCanvas';

/** The light theme's colours (a PNG cannot follow the editor's theme). */
export const inkColors = {
  background: [255, 255, 255] as Rgb,
  text: [33, 33, 33] as Rgb,
  muted: [96, 96, 96] as Rgb,
  frame: [170, 170, 170] as Rgb,
  masked: [128, 128, 128] as Rgb,
  hatch: [255, 255, 255] as Rgb,
};

/** The style of labels: the text colour. */
const ink: TextStyle = { color: inkColors.text };

export interface Block {
  width: number;
  height: number;
  draw(canvas: RasterCanvas, x: number, y: number): void;
}

/** One line of text, cut with '…' to `maxWidth` pixels. */
export function textBlock(text: string, style: TextStyle = {}, maxWidth = Infinity): Block {
  const scale = style.scale ?? 1;
  const shown = clipText(text, Math.max(1, Math.floor(maxWidth / textWidth('x', scale))));
  return {
    width: textWidth(shown, scale),
    height: glyphHeight * scale,
    draw: (canvas, x, y) => canvas.text(x, y, shown, { color: inkColors.text, ...style }),
  };
}

/** Blocks one under the other, left-aligned. */
export function column(blocks: Block[], gap = 4): Block {
  return {
    width: Math.max(0, ...blocks.map((b) => b.width)),
    height: blocks.reduce((sum, b) => sum + b.height, 0) + gap * Math.max(0, blocks.length - 1),
    draw: (canvas, x, y) => {
      for (const block of blocks) {
        block.draw(canvas, x, y);
        y += block.height + gap;
      }
    },
  };
}

/** Blocks side by side, top-aligned. */
export function row(blocks: Block[], gap = 8): Block {
  return {
    width: blocks.reduce((sum, b) => sum + b.width, 0) + gap * Math.max(0, blocks.length - 1),
    height: Math.max(0, ...blocks.map((b) => b.height)),
    draw: (canvas, x, y) => {
      for (const block of blocks) {
        block.draw(canvas, x, y);
        x += block.width + gap;
      }
    },
  };
}

/** Blocks in rows of as many as fit in `maxWidth`. */
export function wrap(blocks: Block[], maxWidth: number, gap = 12): Block {
  const rows: Block[][] = [];
  let width = Infinity;
  for (const block of blocks) {
    if (width + gap + block.width > maxWidth) {
      rows.push([]);
      width = -gap;
    }
    rows[rows.length - 1].push(block);
    width += gap + block.width;
  }
  return column(
    rows.map((blocksOfRow) => row(blocksOfRow, gap)),
    gap,
  );
}

/** The picture of `block` on a white page with a margin around it. */
export function drawFigure(block: Block, margin = 8): RasterCanvas {
  const canvas = new RasterCanvas(block.width + 2 * margin, block.height + 2 * margin, inkColors.background);
  block.draw(canvas, margin, margin);
  return canvas;
}

export interface HeatmapBlockOptions {
  rows: number;
  cols: number;
  /** Row-major values of the matrix. */
  values: ArrayLike<number>;
  scale: ColorScale;
  /** Largest side of the cells' area in pixels; a bigger matrix is drawn as block means. */
  maxSide: number;
  /** Largest cell side in pixels. */
  maxCell?: number;
  /** Per cell, the fraction of it that is masked: a cell masked whole (1) is drawn grey and hatched. */
  masked?: ArrayLike<number>;
  /** Entries of the source axis behind one row and one column (block means already taken); default 1. */
  rowBlock?: number;
  colBlock?: number;
  /** A label for each row and column (token texts); default: index ticks in source coordinates. */
  rowLabels?: readonly string[];
  colLabels?: readonly string[];
  /** Index ticks off for an axis that has one entry (a 1-D strip's rows). */
  rowTicks?: boolean;
  /** Axis names: the row axis drawn turned left of its labels, the column axis above its labels. */
  rowAxis?: string;
  colAxis?: string;
  caption?: string;
}

/** Pixels between two labelled rows or columns: a glyph's height and a little air. */
const labelPitch = glyphHeight + 2;
const tickLength = 3;
/** The thinnest a matrix is drawn, in pixels: fewer rows (or columns) than this get taller (wider) cells. */
const minStripSide = 16;
/** Longest label, in characters. */
const maxLabelChars = 12;

/** Every `step`-th index gets a label, with `step` 1, 2 or 5 times a power of ten so labels do not touch. */
function labelStep(cellSize: number): number {
  for (let power = 1; ; power *= 10) {
    for (const step of [1, 2, 5]) if (step * power * cellSize >= labelPitch) return step * power;
  }
}

/** The labels of one axis: (index into the drawn cells, text). */
function axisLabels(count: number, cellSize: number, block: number, labels?: readonly string[]): [number, string][] {
  const step = labelStep(cellSize);
  const out: [number, string][] = [];
  for (let i = 0; i < count; i += step) out.push([i, clipText(labels ? labels[i] : String(i * block), maxLabelChars)]);
  return out;
}

/** A heatmap with index ticks (or token labels) on the left and top, axis names, and a caption below. */
export function heatmapBlock(options: HeatmapBlockOptions): Block {
  let { rows, cols, values, masked, rowLabels, colLabels } = options;
  let rowBlock = options.rowBlock ?? 1;
  let colBlock = options.colBlock ?? 1;
  // Bigger than the picture allows: block means, as the overview does; labels of single positions go.
  const shrinkRows = Math.ceil(rows / options.maxSide);
  const shrinkCols = Math.ceil(cols / options.maxSide);
  if (shrinkRows > 1 || shrinkCols > 1) {
    values = blockMeans(values, [rows, cols], [shrinkRows, shrinkCols]);
    if (masked) masked = blockMeans(masked, [rows, cols], [shrinkRows, shrinkCols]);
    [rows, cols] = [Math.ceil(rows / shrinkRows), Math.ceil(cols / shrinkCols)];
    [rowBlock, colBlock] = [rowBlock * shrinkRows, colBlock * shrinkCols];
    if (shrinkRows > 1) rowLabels = undefined;
    if (shrinkCols > 1) colLabels = undefined;
  }
  // Square cells, but a thin strip (a (3, 5000) matrix) is stretched across to stay visible.
  const maxCell = options.maxCell ?? 28;
  const square = Math.max(1, Math.min(maxCell, Math.floor(options.maxSide / Math.max(rows, cols))));
  const stretch = (count: number) => Math.min(maxCell, Math.max(square, Math.ceil(minStripSide / count)));
  const cell = { width: stretch(cols), height: stretch(rows) };
  const rowTickLabels = options.rowTicks === false ? [] : axisLabels(rows, cell.height, rowBlock, rowLabels);
  const colTickLabels = axisLabels(cols, cell.width, colBlock, colLabels);
  const rowAxisWidth = options.rowAxis ? glyphHeight + 4 : 0;
  const colAxisHeight = options.colAxis ? glyphHeight + 4 : 0;
  const rowLabelWidth = rowTickLabels.length
    ? Math.max(...rowTickLabels.map(([, text]) => textWidth(text))) + tickLength + 2
    : 0;
  const colLabelHeight = Math.max(...colTickLabels.map(([, text]) => textWidth(text))) + tickLength + 2;
  const left = rowAxisWidth + rowLabelWidth;
  const top = colAxisHeight + colLabelHeight;
  const mapWidth = cols * cell.width;
  const mapHeight = rows * cell.height;
  const caption = options.caption ? textBlock(options.caption, { color: inkColors.muted }) : undefined;
  return {
    width: Math.max(left + mapWidth + 1, caption ? left + caption.width : 0, left + textWidth(options.colAxis ?? '')),
    height: top + mapHeight + 1 + (caption ? 4 + caption.height : 0),
    draw: (canvas, x, y) => {
      const mapX = x + left;
      const mapY = y + top;
      if (options.colAxis) canvas.text(mapX, y, options.colAxis, { color: inkColors.muted });
      if (options.rowAxis) {
        const along = Math.min(mapHeight, textWidth(options.rowAxis));
        canvas.text(x, mapY + along - 1, options.rowAxis, { color: inkColors.muted, rotated: true });
      }
      canvas.heatmapCells(mapX, mapY, values, rows, cols, cell, options.scale);
      decorateCells(canvas, mapX, mapY, values, masked, rows, cols, cell);
      for (const [index, text] of rowTickLabels) {
        const centre = mapY + index * cell.height + Math.floor(cell.height / 2);
        canvas.fillRect(mapX - tickLength, centre, tickLength, 1, inkColors.frame);
        canvas.text(mapX - tickLength - 2 - textWidth(text), centre - Math.floor(glyphHeight / 2) + 1, text, ink);
      }
      for (const [index, text] of colTickLabels) {
        const centre = mapX + index * cell.width + Math.floor(cell.width / 2);
        canvas.fillRect(centre, mapY - tickLength, 1, tickLength, inkColors.frame);
        canvas.text(centre - Math.floor(glyphHeight / 2) + 1, mapY - tickLength - 2, text, { ...ink, rotated: true });
      }
      if (caption) caption.draw(canvas, mapX, mapY + mapHeight + 5);
    },
  };
}

/** NaN cells crossed in white and wholly masked cells grey and hatched, where cells are big enough to see it. */
function decorateCells(
  canvas: RasterCanvas,
  x: number,
  y: number,
  values: ArrayLike<number>,
  masked: ArrayLike<number> | undefined,
  rows: number,
  cols: number,
  { width, height }: { width: number; height: number },
): void {
  const visible = Math.min(width, height) >= 6;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const left = x + c * width;
      const top = y + r * height;
      if (masked && masked[r * cols + c] === 1) {
        canvas.fillRect(left, top, width, height, inkColors.masked);
        if (visible) hatch(canvas, left, top, width, height);
      } else if (visible && Number.isNaN(values[r * cols + c])) {
        canvas.line(left + 2, top + 2, left + width - 3, top + height - 3, inkColors.hatch);
        canvas.line(left + width - 3, top + 2, left + 2, top + height - 3, inkColors.hatch);
      }
    }
  }
}

/** Diagonal lines every 4 pixels across a cell. */
function hatch(canvas: RasterCanvas, left: number, top: number, width: number, height: number): void {
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      if ((i + j) % 4 === 0) canvas.setPixel(left + j, top + height - 1 - i, inkColors.hatch);
    }
  }
}

/** Which marks a legend explains next to its colour bar. */
export interface LegendMarks {
  nan?: boolean;
  posInf?: boolean;
  negInf?: boolean;
  masked?: boolean;
}

export const legendBarWidth = 160;
const legendBarHeight = 10;

/** A colour bar with the scale's ends (and 0 for a diverging scale) under it, then a swatch per mark shown. */
export function legendBlock(scale: ColorScale, marks: LegendMarks = {}): Block {
  const swatches = (
    [
      ['nan', 'NaN'],
      ['posInf', '+Inf'],
      ['negInf', '−Inf'],
      ['masked', 'masked'],
    ] as const
  ).filter(([kind]) => marks[kind]);
  const low = formatValue(scale.min);
  const high = formatValue(scale.max);
  const barWidth = Math.max(legendBarWidth, textWidth(`${low}  0  ${high}`));
  const swatchWidth = swatches.reduce((sum, [, label]) => sum + 12 + 4 + textWidth(label) + 10, 0);
  return {
    width: barWidth + (swatchWidth ? 16 + swatchWidth : 0),
    height: legendBarHeight + 2 + glyphHeight,
    draw: (canvas, x, y) => {
      for (let i = 0; i < barWidth; i++) {
        const value = scale.min + ((scale.max - scale.min) * i) / (barWidth - 1);
        canvas.fillRect(x + i, y, 1, legendBarHeight, colorFor(value, scale));
      }
      const labelY = y + legendBarHeight + 2;
      canvas.text(x, labelY, low, ink);
      canvas.text(x + barWidth - textWidth(high), labelY, high, ink);
      if (scale.kind === 'diverging') canvas.text(x + Math.floor(barWidth / 2) - 3, labelY, '0', ink);
      let at = x + barWidth + 16;
      for (const [kind, label] of swatches) {
        if (kind === 'masked') {
          canvas.fillRect(at, y, 12, 12, inkColors.masked);
          hatch(canvas, at, y, 12, 12);
        } else canvas.fillRect(at, y, 12, 12, nonFiniteColors[kind]);
        canvas.strokeRect(at, y, 12, 12, inkColors.frame);
        at += 16;
        at += canvas.text(at, y + 1, label, ink) + 10;
      }
    },
  };
}
