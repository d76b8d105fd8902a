// Reading the kernel's PNG pictures in tests: an output's bundle with its image/png decoded by pngjs
// (and saved under test-artifacts/png/ for a person to look at), and finders for squares of one
// colour, text as the bitmap font draws it, and the legend's colour bar.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { outputBundle } from '../../kernel/outputBundle';
import { inkColors } from '../../kernel/png/figureBlocks';
import { pngMime } from '../../kernel/png/outputPng';
import { RasterCanvas, textWidth, type TextStyle } from '../../kernel/png/rasterCanvas';
import { colorFor, type ColorScale, type Rgb } from '../../protocol/colorScales';
import type { RichOutput } from '../../protocol/outputPayloads';
import { repoRoot } from './repoRoot';

const artifacts = join(repoRoot(), 'test-artifacts/png');
const { text: textColor, background: white } = inkColors;

export interface Picture {
  width: number;
  height: number;
  bytes: number;
  at(x: number, y: number): Rgb;
}

/** The output's bundle, its payload, and its PNG decoded (also saved under test-artifacts/png/NAME.png). */
export async function picture(
  name: string,
  value: unknown,
  options = {},
): Promise<{ png: Picture; payload: RichOutput }> {
  const bundle = outputBundle(value, options);
  const pngItem = bundle.items.find((item) => item.mime === pngMime);
  assert.ok(pngItem, `no ${pngMime} in [${bundle.items.map((item) => item.mime).join(', ')}]`);
  const png = savedPicture(name, Buffer.from(pngItem.data, 'base64'));
  return { png, payload: JSON.parse(bundle.items[0].data) as RichOutput };
}

/** A PNG file decoded, and saved as test-artifacts/png/NAME.png. */
export function savedPicture(name: string, file: Buffer): Picture {
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, `${name}.png`), file);
  const decoded = PNG.sync.read(file);
  return {
    width: decoded.width,
    height: decoded.height,
    bytes: file.length,
    at: (x, y) => {
      const at = (y * decoded.width + x) * 4;
      return [decoded.data[at], decoded.data[at + 1], decoded.data[at + 2]];
    },
  };
}

export const same = (a: Rgb, b: Rgb) => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** Whether the square of `size` at (x, y) is all `color`. */
export function filled(png: Picture, x: number, y: number, size: number, color: Rgb): boolean {
  if (x + size > png.width || y + size > png.height) return false;
  for (let j = 0; j < size; j++) for (let i = 0; i < size; i++) if (!same(png.at(x + i, y + j), color)) return false;
  return true;
}

/** The top-left corner of the first square of `size` all in `color`, scanning rows. */
export function findSquare(png: Picture, size: number, color: Rgb): [number, number] | undefined {
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) if (same(png.at(x, y), color) && filled(png, x, y, size, color)) return [x, y];
  }
  return undefined;
}

/** Where `text` appears as the font draws it on white (text colour unless `style` says); undefined if nowhere. */
export function findText(png: Picture, text: string, style: TextStyle = {}): [number, number] | undefined {
  const { rotated = false, bold = false } = style;
  const length = textWidth(text) + (bold ? 1 : 0);
  const stamp = new RasterCanvas(rotated ? 10 : length, rotated ? length : 10, white);
  stamp.text(0, rotated ? length - 1 : 0, text, { color: textColor, ...style });
  for (let y = 0; y + stamp.height <= png.height; y++) {
    search: for (let x = 0; x + stamp.width <= png.width; x++) {
      for (let j = 0; j < stamp.height; j++) {
        for (let i = 0; i < stamp.width; i++) if (!same(png.at(x + i, y + j), stamp.pixel(i, j))) continue search;
      }
      return [x, y];
    }
  }
  return undefined;
}

/** Where the legend's colour bar of `scale` starts: a row of 160 pixels through the scale from min to max. */
export function findColorBar(png: Picture, scale: ColorScale): [number, number] | undefined {
  const bar = Array.from({ length: 160 }, (_, i) => colorFor(scale.min + ((scale.max - scale.min) * i) / 159, scale));
  for (let y = 0; y < png.height; y++) {
    search: for (let x = 0; x + bar.length <= png.width; x++) {
      for (let i = 0; i < bar.length; i++) if (!same(png.at(x + i, y), bar[i])) continue search;
      return [x, y];
    }
  }
  return undefined;
}
