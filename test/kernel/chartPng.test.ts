// The image/png picture of a plot(...) line chart: decoded with pngjs and read pixel by pixel (each
// series in its light-theme colour where its data says, straight on a log axis for exponential data,
// gaps where values are NaN, dashed series past the palette), its legend, title and axis texts as
// glyph pixels, and its fixed size however many points; files go to test-artifacts/png/.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setBackend } from '../../kernel/engine/index';
import { chartOutput, plot } from '../../kernel/linePlot';
import { inkColors } from '../../kernel/png/figureBlocks';
import { glyphHeight } from '../../kernel/png/fixedFont';
import { maxLegendEntries, seriesColors } from '../../kernel/png/chartFigure';
import { maxPngBytes, outputPng } from '../../kernel/png/outputPng';
import { minOutputBytes } from '../../protocol/outputPayloads';
import type { Rgb } from '../../protocol/colorScales';
import { formatValue } from '../../protocol/numberText';
import { findSquare, findText, picture, same, savedPicture, type Picture } from '../helpers/pngPicture';

const { muted } = inkColors;
const [blue, orange] = seriesColors;

/** Per pixel column, the rows from `below` down painted `color` (empty where none). */
function rowsOf(png: Picture, color: Rgb, below: number): number[][] {
  const columns: number[][] = Array.from({ length: png.width }, () => []);
  for (let y = below; y < png.height; y++)
    for (let x = 0; x < png.width; x++) if (same(png.at(x, y), color)) columns[x].push(y);
  return columns;
}

/** The row under the legend entry `name`: where the plot area's pixels begin. */
function underLegend(png: Picture, name: string): number {
  const entry = findText(png, name, { bold: true });
  assert.ok(entry, `legend entry ${name}`);
  return entry[1] + glyphHeight + 1;
}

/** The painted columns' first and last index under the legend, and each one's mean row. */
function trace(png: Picture, color: Rgb, below: number): { first: number; last: number; rowAt: (x: number) => number } {
  const columns = rowsOf(png, color, below);
  const painted = columns.flatMap((rows, x) => (rows.length ? [x] : []));
  assert.ok(painted.length > 0, `no pixel of ${color}`);
  const rowAt = (x: number) => {
    const rows = columns[x];
    assert.ok(rows.length > 0, `column ${x} has no pixel of ${color}`);
    return rows.reduce((a, b) => a + b, 0) / rows.length;
  };
  return { first: painted[0], last: painted[painted.length - 1], rowAt };
}

describe('PNG picture of a line chart', () => {
  setBackend('reference');

  it('draws each series in its colour where its data says, NaN as a gap, and a legend of last values', async () => {
    const up = Array.from({ length: 101 }, (_, i) => (i >= 60 && i < 70 ? NaN : i));
    const down = Array.from({ length: 101 }, (_, i) => 100 - i);
    const chart = plot({ up, down }, { title: 'two lines', xLabel: 'step', yLabel: 'loss' });
    const { png, payload } = await picture('chart-lines', chart);
    assert.equal(payload.kind, 'chart');
    const below = underLegend(png, 'up');
    const rising = trace(png, blue, below);
    const falling = trace(png, orange, below);
    const [left, right] = [rising.first, rising.last];
    assert.ok(Math.abs(falling.first - left) <= 1 && Math.abs(falling.last - right) <= 1, 'both span x 0..100');
    const at = (x: number) => Math.round(left + ((right - left) * x) / 100);
    const [bottom, top] = [rising.rowAt(at(0)), rising.rowAt(at(100))];
    assert.ok(bottom - top > 150, `up rises over the plot: rows ${bottom} → ${top}`);
    for (const x of [10, 25, 50]) {
      const expected = bottom + ((top - bottom) * x) / 100;
      assert.ok(
        Math.abs(rising.rowAt(at(x)) - expected) <= 2,
        `up at x ${x}: row ${rising.rowAt(at(x))} ≈ ${expected}`,
      );
      const mirrored = top + ((bottom - top) * x) / 100;
      assert.ok(Math.abs(falling.rowAt(at(x)) - mirrored) <= 2, `down at x ${x}`);
    }
    for (let x = at(61); x <= at(68); x++)
      assert.equal(rowsOf(png, blue, below)[x].length, 0, `the NaN gap at column ${x}`);
    assert.ok(rowsOf(png, blue, below)[at(80)].length > 0, 'the line resumes after the gap');
    assert.ok(findText(png, 'two lines', { bold: true }), 'the title');
    for (const [name, last] of [
      ['up', 100],
      ['down', 0],
    ] as const) {
      const label = findText(png, name, { bold: true });
      assert.ok(label, `legend name ${name}`);
      assert.ok(findText(png, formatValue(last)), `legend value ${last}`);
    }
    assert.ok(findText(png, '10 gaps (10 NaN, 0 ±Inf)', { color: muted }), "up's gaps in the legend");
    assert.ok(findText(png, 'step'), 'x label');
    assert.ok(findText(png, 'loss', { rotated: true }), 'y label, turned');
    for (const tick of ['0', '20', '40', '60', '80', '100'])
      assert.ok(findText(png, tick, { color: muted }), `tick ${tick}`);
  });

  it('draws exponential data straight on a log axis with decade ticks', async () => {
    const growth = Array.from({ length: 101 }, (_, i) => 10 ** (i / 25));
    const { png } = await picture('chart-logy', plot({ growth }, { logY: true, title: 'log' }));
    const line = trace(png, blue, underLegend(png, 'growth'));
    const at = (x: number) => Math.round(line.first + ((line.last - line.first) * x) / 100);
    const [bottom, top] = [line.rowAt(at(0)), line.rowAt(at(100))];
    for (const x of [25, 50, 75]) {
      const expected = bottom + ((top - bottom) * x) / 100;
      const row = line.rowAt(at(x));
      assert.ok(Math.abs(row - expected) <= 2, `straight at x ${x}: ${row} ≈ ${expected}`);
    }
    for (const tick of ['1', '10', '100', '1000', '10000'])
      assert.ok(findText(png, tick, { color: muted }), `tick ${tick}`);
    assert.ok(findText(png, 'y: log', { color: muted }), 'the scale named');
  });

  it('dashes the seventh series, which takes the first colour again', async () => {
    const series = Object.fromEntries(Array.from({ length: 7 }, (_, k) => [`s${k}`, [k, k]]));
    const { png } = await picture('chart-seven', plot(series));
    const columns = rowsOf(png, blue, underLegend(png, 's0'));
    // s0 sits at y 0 (the bottom), s6 at y 6 (the top): the top one is broken into dashes along its row.
    const painted = columns.map((rows) => rows.length > 0);
    const topRow = Math.min(...columns.flat());
    const along = columns.map((rows) => rows.includes(topRow));
    const first = along.indexOf(true);
    const last = along.lastIndexOf(true);
    const gaps = along.slice(first, last).filter((on) => !on).length;
    assert.ok(gaps > (last - first) / 5, `the dashed line has gaps: ${gaps} of ${last - first} columns`);
    assert.ok(painted.filter(Boolean).length > 0);
  });

  it('keeps a fixed picture size and a small file for 2 series of 100000 points', async () => {
    const n = 100000;
    const loss = Float64Array.from({ length: n }, (_, i) => 2 * Math.exp(-i / 20000) + 0.1 * Math.sin(i / 7));
    const accuracy = Float64Array.from({ length: n }, (_, i) => 1 - Math.exp(-i / 30000));
    const small = await picture(
      'chart-small',
      plot({ loss: loss.subarray(0, 10), accuracy: accuracy.subarray(0, 10) }),
    );
    const { png } = await picture('chart-100k', plot({ loss, accuracy }, { title: 'training', xLabel: 'step' }));
    assert.equal(png.width, small.png.width, 'the same width however many points');
    assert.equal(png.height, small.png.height, 'the same height');
    assert.ok(!findText(png, 'over the output cap', { color: muted }), 'drawn from every point: nothing to note');
    assert.ok(png.bytes < maxPngBytes / 4, `${png.bytes} B`);
    const line = trace(png, blue, underLegend(png, 'loss'));
    assert.ok(line.last - line.first > 500, 'loss spans the plot');
    assert.ok(findText(png, formatValue(loss[n - 1])), 'the last loss in the legend');
  });

  it('dots a lone point, stops lines at a fixed y range, and says when nothing is finite', async () => {
    const lone = await picture('chart-lone-point', plot({ a: [NaN, 5, NaN, 1, 2] }));
    assert.ok(findSquare(lone.png, 4, blue), 'the point between two gaps is a dot');
    const fixed = await picture('chart-yrange', plot({ spike: [0, 10, 0] }, { yRange: [0, 5] }));
    const topTick = findText(fixed.png, '5', { color: muted });
    assert.ok(topTick, 'the top tick of the fixed range');
    const rows = rowsOf(fixed.png, blue, underLegend(fixed.png, 'spike')).flat();
    assert.ok(Math.min(...rows) >= topTick[1] + 2, `the spike stops at the frame: ${Math.min(...rows)}`);
    const empty = await picture('chart-no-finite', plot({ a: [NaN, NaN] }));
    assert.ok(findText(empty.png, 'nothing to draw yet: no finite points', { color: muted }));
    assert.ok(findText(empty.png, 'no finite values'), 'the legend says so');
  });

  it('draws the shipped points of a payload alone and notes their downsampling; names the first series', async () => {
    const loss = Float64Array.from({ length: 20000 }, (_, i) => Math.exp(-i / 5000));
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, k) => [`s${k}`, k === 0 ? loss : [k]]));
    const payload = chartOutput(plot(many), minOutputBytes);
    assert.ok(payload.series[0].downsampled, 'cut to the cap');
    const png = savedPicture('chart-shipped', outputPng(payload));
    assert.ok(findText(png, "over the output cap, drawn from each run's lowest and highest value", { color: muted }));
    assert.ok(trace(png, blue, underLegend(png, 's0')).last > 500, 'the shipped loss spans the plot');
    assert.ok(findText(png, `s${maxLegendEntries - 1}`, { bold: true }), 'the last series named');
    assert.ok(!findText(png, `s${maxLegendEntries}`, { bold: true }), 'past the legend cap');
    assert.ok(findText(png, `… ${30 - maxLegendEntries} more series`, { color: muted }));
  });
});
