// The image/png picture each tensor, attention and stages output carries: decoded with pngjs and
// read pixel by pixel (cell colours through the renderer's scales, NaN marked, masked cells hatched,
// the legend's colour bar, labels as glyph pixels), its bounds in pixels and bytes, and the files
// written to test-artifacts/png/ for a person to look at.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { full, rand, randn, setBackend, softmax, tensor } from '../../kernel/engine/index';
import { outputBundle } from '../../kernel/outputBundle';
import { inkColors } from '../../kernel/png/figureBlocks';
import { glyphRows } from '../../kernel/png/fixedFont';
import { drawOutput, maxPictureWidth, type HeatmapOutput } from '../../kernel/png/outputFigures';
import { maxPngBytes, outputPng, pngMime } from '../../kernel/png/outputPng';
import { RasterCanvas } from '../../kernel/png/rasterCanvas';
import { steps } from '../../kernel/steps';
import { blockMeansColors, colorFor, nonFiniteColors, scaleFor } from '../../protocol/colorScales';
import { statsLine } from '../../protocol/tensorStats';
import { decodeTensor } from '../../protocol/tensorWire';
import { mimeTypes } from '../../protocol/mimeTypes';
import { filled, findColorBar, findSquare, findText, picture, same } from '../helpers/pngPicture';

const { text: textColor, muted, background: white } = inkColors;

describe('PNG pictures of outputs', () => {
  setBackend('reference');

  it('carries image/png next to the +json payload and text/plain, the payload first', async () => {
    const bundle = outputBundle(tensor([[1, 2]]));
    assert.deepEqual(
      bundle.items.map((item) => item.mime),
      [mimeTypes.tensor, 'text/plain', pngMime],
    );
    const file = Buffer.from(bundle.items[2].data, 'base64');
    assert.deepEqual([...file.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'the PNG signature');
    const text = outputBundle('just text');
    assert.deepEqual(
      text.items.map((item) => item.mime),
      ['text/plain'],
      'plain values get no picture',
    );
  });

  it('draws each cell of a small tensor in its scale colour, NaN in its own colour and crossed', async () => {
    const { png, payload } = await picture(
      'tensor-2x2',
      tensor([
        [0, 0.25],
        [0.75, NaN],
      ]),
    );
    const scale = scaleFor({ min: 0, max: 0.75 });
    assert.deepEqual(scale, { kind: 'sequential', min: 0, max: 1 }, 'probabilities-like data: the fixed [0, 1] scale');
    const cell = 28; // the largest cell: 2 cells fit 320 pixels many times over
    const origin = findSquare(png, cell, colorFor(0, scale));
    assert.ok(origin, 'the cell of 0 is a 28-pixel square in the colour of 0');
    const [x, y] = origin;
    assert.ok(filled(png, x + cell, y, cell, colorFor(0.25, scale)), 'right of it, the cell of 0.25');
    assert.ok(filled(png, x, y + cell, cell, colorFor(0.75, scale)), 'below it, the cell of 0.75');
    assert.deepEqual(png.at(x + cell, y + cell), nonFiniteColors.nan, 'the NaN cell corner is the NaN colour');
    assert.deepEqual(png.at(x + cell + 2, y + cell + 2), white, 'and the cell is crossed in white');
    assert.deepEqual(png.at(x + 2 * cell - 3, y + cell + 2), white);
    assert.ok(findText(png, 'tensor', { bold: true }), 'the title');
    assert.ok(findText(png, '(2, 2)', { color: muted }), 'the shape');
    assert.equal(payload.kind, 'tensor');
  });

  it('draws the legend: the colour bar from min to max, its end labels, and a NaN swatch', async () => {
    const { png } = await picture(
      'tensor-signed-nan',
      tensor([
        [-2, 1],
        [NaN, 4],
      ]),
    );
    const scale = scaleFor({ min: -2, max: 4 });
    assert.equal(scale.kind, 'diverging');
    const bar = findColorBar(png, scale);
    assert.ok(bar, 'a 160-pixel bar through the diverging scale from -4 to 4');
    const [barX, barY] = bar;
    const low = findText(png, '-4');
    const high = findText(png, '4');
    assert.ok(low && low[0] === barX && low[1] === barY + 12, `'-4' under the bar's left end, got ${low}`);
    assert.ok(findText(png, '0'), "'0' under the middle of a diverging bar");
    assert.ok(high, "'4' under its right end");
    const swatch = findSquare(png, 10, nonFiniteColors.nan);
    assert.ok(swatch, 'a NaN swatch (the crossed NaN cell has no 10-pixel square of NaN colour)');
    assert.deepEqual(png.at(swatch[0] - 1, swatch[1] - 1), inkColors.frame, 'framed');
    const label = findText(png, 'NaN');
    assert.ok(label && label[0] > swatch[0] && Math.abs(label[1] - swatch[1]) <= 2, 'labelled NaN beside it');
  });

  it('draws +Inf and -Inf in their own colours', async () => {
    const { png } = await picture('tensor-inf', tensor([Infinity, 1, -Infinity]));
    assert.ok(findSquare(png, 10, nonFiniteColors.posInf), '+Inf cell');
    assert.ok(findSquare(png, 10, nonFiniteColors.negInf), '-Inf cell');
    assert.ok(findText(png, '+Inf') && findText(png, '−Inf'), 'both named in the legend');
  });

  it('draws a 1-D tensor as a strip with index ticks, and higher ranks as a grid of labelled slices', async () => {
    const strip = await picture('tensor-strip', tensor([0, 0.5, 1]));
    const scale = scaleFor({ min: 0, max: 1 });
    const origin = findSquare(strip.png, 28, colorFor(0, scale));
    assert.ok(origin);
    assert.ok(filled(strip.png, origin[0] + 56, origin[1], 28, colorFor(1, scale)), 'cells side by side');
    assert.ok(!filled(strip.png, origin[0], origin[1] + 28, 28, colorFor(0, scale)), 'one row only');
    assert.ok(findText(strip.png, 'dim 0', { color: muted }), 'the axis named');
    assert.ok(findText(strip.png, '2', { rotated: true }), 'the column index ticks, turned');

    const thin = await picture('tensor-thin', full([3, 640], 0.5));
    assert.ok(findSquare(thin.png, 16, colorFor(0.5, scale)), 'a (3, 640) matrix is stretched to stay visible');

    const cube = await picture('tensor-rank3', rand([3, 4, 5]));
    for (const slice of ['[0, :, :]', '[1, :, :]', '[2, :, :]']) assert.ok(findText(cube.png, slice, { color: muted }));
    const rowAxis = findText(cube.png, 'dim 1', { color: muted, rotated: true });
    assert.ok(rowAxis && findText(cube.png, 'dim 2', { color: muted }), 'matrix axes named');

    const many = await picture('tensor-rank4-many', rand([5, 5, 2, 2]));
    assert.ok(findText(many.png, 'first 16 of 25 slices', { color: muted }), 'says which slices it shows');
    assert.ok(findText(many.png, '[3, 0, :, :]', { color: muted }));
    assert.ok(!findText(many.png, '[3, 1, :, :]', { color: muted }));
  });

  it('draws a big tensor as block means over their own range, says so, and ticks in source indices', async () => {
    const { png, payload } = await picture('tensor-2000x2000', randn([2000, 2000]));
    assert.ok(payload.kind === 'tensor' && payload.overview, 'the payload is cut to an overview');
    const means = decodeTensor(payload.overview.data);
    const [rows, cols] = means.shape;
    const block = payload.overview.block;
    const note = `2000×2000 shown as ${rows}×${cols} block means (blocks of ${block.join('×')})`;
    assert.ok(findText(png, note, { color: muted }), note);
    const { scale, label } = blockMeansColors(means.values);
    assert.ok(
      scale.max < 1 && (payload.stats.max ?? 0) > 4,
      `means within ±${scale.max}, elements to ${payload.stats.max}`,
    );
    assert.ok(findText(png, label, { color: muted }), label);
    assert.ok(findText(png, statsLine(payload.stats), { color: muted }), 'the stats line still over every element');
    assert.ok(findColorBar(png, scale), "the legend spans the block means' scale");
    // The heatmap, found by its first 3×3 cells in the means' colours (one pixel a cell here).
    const first = (x: number, y: number) =>
      [0, 1, 2].every((r) =>
        [0, 1, 2].every((c) => same(png.at(x + c, y + r), colorFor(means.values[r * cols + c], scale))),
      );
    let origin: [number, number] | undefined;
    for (let y = 0; y < png.height - 3 && !origin; y++)
      for (let x = 0; x < png.width - 3; x++) if (first(x, y)) origin = [x, y];
    assert.ok(origin, "the heatmap's cells in the means' colours");
    let [reddest, bluest] = [-255, -255];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const [red, , blue] = png.at(origin[0] + c, origin[1] + r);
        [reddest, bluest] = [Math.max(reddest, red - blue), Math.max(bluest, blue - red)];
      }
    }
    assert.ok(reddest > 100 && bluest > 100, `not one grey: reddest ${reddest}, bluest ${bluest}`);
    assert.ok(findText(png, String(20 * block[0])), 'row ticks count entries of the tensor, not overview cells');
    assert.ok(
      png.bytes <= maxPngBytes && png.width <= maxPictureWidth + 16,
      `${png.width}×${png.height}, ${png.bytes} B`,
    );
  });

  it('draws attention as one panel per head with token labels, hatched masked cells and a masked swatch', async () => {
    const scores = tensor([
      [
        [
          [1, 0, 0],
          [0.4, 0.6, 0],
          [0.2, 0.3, 0.5],
        ],
        [
          [1, 0, 0],
          [0.5, 0.5, 0],
          [0.1, 0.1, 0.8],
        ],
      ],
    ]); // (1, 2, 3, 3)
    const tokens = ['The', 'cat', 'sat'];
    const { png } = await picture('attention-heads', scores, { as: 'attention', queries: tokens, keys: tokens });
    for (const caption of ['head 0', 'head 1', '(1, 2, 3, 3)']) assert.ok(findText(png, caption, { color: muted }));
    assert.ok(findText(png, 'attention weights', { bold: true }));
    for (const token of tokens) {
      assert.ok(findText(png, token), `query label ${token}`);
      assert.ok(findText(png, token, { rotated: true }), `key label ${token}, turned`);
    }
    const scale = scaleFor({ min: 0, max: 1 });
    const one = findSquare(png, 28, colorFor(1, scale));
    assert.ok(one, 'the weight 1 at (query The, key The)');
    const [x, y] = one;
    // A zero weight counts as masked, as in the renderer: grey, hatched in white.
    const masked = [png.at(x + 28, y), png.at(x + 29, y), png.at(x + 30, y), png.at(x + 31, y)];
    assert.ok(masked.some((c) => same(c, [128, 128, 128])) && masked.some((c) => same(c, white)), `${masked}`);
    assert.ok(filled(png, x + 28, y + 28, 28, colorFor(0.6, scale)), '(cat, cat) = 0.6');
    assert.ok(findText(png, 'masked'), 'the legend names the hatching');
    assert.ok(findColorBar(png, scale), 'one [0, 1] bar for every head');
  });

  it('draws a trace as a list of stages with their shapes and thumbnails', async () => {
    const x = rand([2, 4, 6]);
    const traced = steps([
      ['x', x],
      ['transpose(1, 2)', x.transpose(1, 2)],
      ['x * 2', x.mul(2)],
    ]);
    const { png } = await picture('stages', traced);
    assert.ok(findText(png, '3 stages', { color: muted }));
    assert.ok(findText(png, '2. transpose(1, 2)', { bold: true }), 'stage names numbered');
    assert.ok(findText(png, '(2, 4, 6) [dim 0, dim 1, dim 2] → (2, 6, 4) [dim 0, dim 1, dim 2]'), 'shapes and axes');
    const moved = findText(png, 'values moved: colours as the stage before', { color: muted });
    assert.ok(moved, 'a movement stage keeps its colours');
  });

  it('stays within its byte bound on noise in many panels by drawing the heatmaps smaller', async () => {
    const noise = outputBundle(rand([16, 160, 160]), { maxBytes: 4 << 20 });
    const payload = JSON.parse(noise.items[0].data) as HeatmapOutput;
    const full = drawOutput(payload).encodePng();
    assert.ok(
      full.length > maxPngBytes,
      `the full-detail picture is over the bound (${full.length} B), as this test needs`,
    );
    const bounded = outputPng(payload);
    assert.ok(bounded.length <= maxPngBytes, `${bounded.length} B`);
    const { width, height } = PNG.sync.read(bounded);
    assert.ok(width <= maxPictureWidth + 16 && height < PNG.sync.read(full).height, `${width}×${height}`);
  });

  it('draws glyphs of the public-domain 6x10 font legibly at 1x and 2x', () => {
    const canvas = new RasterCanvas(40, 30, white);
    canvas.text(0, 0, 'A', { color: textColor });
    canvas.text(10, 0, 'A', { color: textColor, scale: 2 });
    const rows = glyphRows('A'.codePointAt(0) ?? 0);
    for (let row = 0; row < 10; row++) {
      for (let col = 0; col < 6; col++) {
        const on = (rows[row] & (0x80 >> col)) !== 0;
        assert.deepEqual(canvas.pixel(col, row), on ? textColor : white, `1x (${col}, ${row})`);
        for (const [dx, dy] of [
          [0, 0],
          [1, 1],
        ])
          assert.deepEqual(
            canvas.pixel(10 + 2 * col + dx, 2 * row + dy),
            on ? textColor : white,
            `2x (${col}, ${row})`,
          );
      }
    }
    assert.ok(
      rows.some((bits) => bits !== 0),
      "'A' has ink",
    );
    assert.deepEqual(glyphRows(0x4e00), glyphRows(0), 'a character the font lacks gets its box glyph');
  });

  it('draws attention of (2, 4, 32, 32) as 8 panels within the picture bounds', async () => {
    const weights = softmax(randn([2, 4, 32, 32]), -1);
    const { png } = await picture('attention-2x4x32x32', weights, { as: 'attention' });
    for (const caption of ['batch 0 · head 0', 'batch 1 · head 3']) {
      assert.ok(findText(png, caption, { color: muted }), caption);
    }
    assert.ok(png.width <= maxPictureWidth + 16 && png.bytes <= maxPngBytes, `${png.width}×${png.height}`);
  });
});
