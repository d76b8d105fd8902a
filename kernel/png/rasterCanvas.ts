// A small RGB raster the kernel draws its PNG pictures on: filled rectangles, straight lines, text
// in the public-domain 6x10 bitmap font (upright or turned a quarter left, at whole-number scales),
// and heatmap cells through the renderer's colour scales. Encoded by pngjs (pure JS over Node's zlib).
import { PNG } from 'pngjs';
import { writeColor, type ColorScale, type Rgb } from '../../protocol/colorScales';
import { glyphHeight, glyphRows, glyphWidth } from './fixedFont';

export interface TextStyle {
  color?: Rgb;
  /** Whole-number pixel scale of the font (1: 6×10 cells). */
  scale?: number;
  /** Turned a quarter left, reading bottom to top, as column labels are. */
  rotated?: boolean;
  /** Drawn twice one pixel apart. */
  bold?: boolean;
}

/** Width in pixels of `text` at `scale` (one cell per code point). */
export function textWidth(text: string, scale = 1): number {
  return [...text].length * glyphWidth * scale;
}

/** `text` cut to at most `maxChars` code points, with '…' where it was cut. */
export function clipText(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars ? text : `${chars.slice(0, Math.max(0, maxChars - 1)).join('')}…`;
}

/** How a line is drawn: pen width in pixels, and dash pattern [on, off] entered `phase` pixels in. */
export interface LineStroke {
  width?: number;
  dash?: readonly number[];
  phase?: number;
}

export class RasterCanvas {
  /** Row-major RGB bytes. */
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
      throw new RangeError(`RasterCanvas: size must be whole positive pixels, got ${width}×${height}`);
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** The colour at (x, y). */
  pixel(x: number, y: number): Rgb {
    const at = (y * this.width + x) * 3;
    return [this.pixels[at], this.pixels[at + 1], this.pixels[at + 2]];
  }

  setPixel(x: number, y: number, [r, g, b]: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const at = (y * this.width + x) * 3;
    this.pixels[at] = r;
    this.pixels[at + 1] = g;
    this.pixels[at + 2] = b;
  }

  /** Fills the rectangle, clipped to the canvas. */
  fillRect(x: number, y: number, width: number, height: number, [r, g, b]: Rgb): void {
    const left = Math.max(0, Math.floor(x));
    const top = Math.max(0, Math.floor(y));
    const right = Math.min(this.width, Math.floor(x + width));
    const bottom = Math.min(this.height, Math.floor(y + height));
    if (right <= left || bottom <= top) return;
    // The first row pixel by pixel, the others copied from it.
    const first = (top * this.width + left) * 3;
    const end = (top * this.width + right) * 3;
    for (let at = first; at < end; at += 3) {
      this.pixels[at] = r;
      this.pixels[at + 1] = g;
      this.pixels[at + 2] = b;
    }
    for (let row = top + 1; row < bottom; row++) this.pixels.copyWithin((row * this.width + left) * 3, first, end);
  }

  /** A one-pixel outline just inside the rectangle. */
  strokeRect(x: number, y: number, width: number, height: number, color: Rgb): void {
    this.fillRect(x, y, width, 1, color);
    this.fillRect(x, y + height - 1, width, 1, color);
    this.fillRect(x, y, 1, height, color);
    this.fillRect(x + width - 1, y, 1, height, color);
  }

  /**
   * A line from (x0, y0) to (x1, y1), both ends drawn (Bresenham), with a square pen of `stroke.width`
   * pixels and an optional dash pattern that starts `stroke.phase` pixels in; returns the pixels
   * stepped, so a polyline's next segment continues the pattern.
   */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, stroke: LineStroke = {}): number {
    const { width = 1, dash = [], phase = 0 } = stroke;
    const period = dash.length === 2 ? dash[0] + dash[1] : 0;
    const offset = Math.floor((width - 1) / 2);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const stepX = x0 < x1 ? 1 : -1;
    const stepY = y0 < y1 ? 1 : -1;
    let error = dx + dy;
    for (let x = x0, y = y0, steps = 0; ; steps++) {
      if (period === 0 || (phase + steps) % period < dash[0]) {
        if (width === 1) this.setPixel(x, y, color);
        else this.fillRect(x - offset, y - offset, width, width, color);
      }
      if (x === x1 && y === y1) return steps + 1;
      const twice = 2 * error;
      if (twice >= dy) {
        error += dy;
        x += stepX;
      }
      if (twice <= dx) {
        error += dx;
        y += stepY;
      }
    }
  }

  /**
   * Draws `text` with its cell's top-left corner at (x, y) (for rotated text, its bottom-left,
   * the text running upwards); returns the advance in pixels.
   */
  text(x: number, y: number, text: string, style: TextStyle = {}): number {
    const { color = [0, 0, 0], scale = 1, rotated = false, bold = false } = style;
    let advance = 0;
    for (const char of text) {
      const rows = glyphRows(char.codePointAt(0) ?? 0);
      for (let row = 0; row < glyphHeight; row++) {
        const bits = rows[row];
        if (bits === 0) continue;
        for (let col = 0; col < glyphWidth; col++) {
          if (!(bits & (0x80 >> col))) continue;
          const along = advance + col * scale;
          for (let extra = 0; extra <= (bold ? 1 : 0); extra++) {
            if (rotated) this.fillRect(x + row * scale, y - along - scale - extra + 1, scale, scale, color);
            else this.fillRect(x + along + extra, y + row * scale, scale, scale, color);
          }
        }
      }
      advance += glyphWidth * scale;
    }
    return advance;
  }

  /** Writes `rows`×`cols` row-major `values` at (x, y) as cells of `cell` pixels, coloured by `scale`. */
  heatmapCells(
    x: number,
    y: number,
    values: ArrayLike<number>,
    rows: number,
    cols: number,
    cell: { width: number; height: number },
    scale: ColorScale,
  ): void {
    const rowBytes = new Uint8Array(cols * cell.width * 3);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const first = c * cell.width * 3;
        writeColor(values[r * cols + c], scale, rowBytes, first);
        for (let k = 1; k < cell.width; k++) rowBytes.copyWithin(first + k * 3, first, first + 3);
      }
      for (let k = 0; k < cell.height; k++) {
        const top = y + r * cell.height + k;
        if (top < 0 || top >= this.height) continue;
        const from = Math.max(0, -x);
        const to = Math.min(cols * cell.width, this.width - x);
        if (to > from) this.pixels.set(rowBytes.subarray(from * 3, to * 3), (top * this.width + x + from) * 3);
      }
    }
  }

  /**
   * The PNG file of this canvas (8-bit RGB, no alpha). Rows go unfiltered at deflate level 3: heatmap
   * cells repeat exact colours, which LZ77 finds as they are, so this was both the smallest and among
   * the fastest of pngjs's filter, level and strategy choices on tensor and attention pictures.
   */
  encodePng(): Buffer {
    const image = { width: this.width, height: this.height, data: Buffer.from(this.pixels.buffer) } as PNG;
    return PNG.sync.write(image, {
      colorType: 2,
      inputColorType: 2,
      inputHasAlpha: false,
      filterType: 0,
      deflateLevel: 3,
      deflateStrategy: 0,
    });
  }
}
