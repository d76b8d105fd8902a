/// <reference lib="dom" />
// The chart view of plot(...) outputs in headless Chromium (the built renderer, payloads from the
// kernel's chartOutput): legend, ticks, series colours from the theme where the data says, the
// hover and keyboard readout, the log-y toggle (ticks, skipped points ≤ 0, kept through updates),
// gaps, a downsampled series' spike, the theme switch, and PNGs in test-artifacts/renderer/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { setBackend } from '../../kernel/engine/index';
import { chartOutput, plot } from '../../kernel/linePlot';
import { mimeTypes } from '../../protocol/mimeTypes';
import { formatValue } from '../../protocol/numberText';
import { defaultMaxOutputBytes, minOutputBytes } from '../../protocol/outputPayloads';
import { linearTicks, logTicks } from '../../protocol/chartTicks';
import { chromiumPath, launchChromium } from '../helpers/chromium';
import { lightTheme, openHost, render } from '../helpers/rendererHost';
import { repoRoot } from '../helpers/repoRoot';

const artifacts = join(repoRoot(), 'test-artifacts/renderer');

const steps = Array.from({ length: 201 }, (_, i) => i);
const loss = steps.map((i) => 2 * Math.exp(-i / 40) + 0.05);
const accuracy = steps.map((i) => 1 - 0.9 * Math.exp(-i / 30));
const training = () =>
  chartOutput(
    plot({ loss, accuracy }, { title: 'training', xLabel: 'step', yLabel: 'loss / accuracy' }),
    defaultMaxOutputBytes,
  );

/** Dark Modern's and Light Modern's --vscode-charts-blue and -orange as RGB. */
const colors = { dark: { blue: [55, 148, 255], orange: [209, 134, 22] }, light: { blue: [26, 133, 255] } };

interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  x: [number, number];
  y: [number, number];
  log: boolean;
}

const frameOf = (page: Page) =>
  page.evaluate(() =>
    JSON.parse((document.querySelector('canvas[data-attention-lab="chart"]') as HTMLElement).dataset.frame!),
  ) as Promise<Frame>;

/** Where (x, y) lands on the canvas, in CSS pixels from its top left. */
function toPixel(frame: Frame, x: number, y: number): [number, number] {
  const t = frame.log ? Math.log10 : (v: number) => v;
  const fy = (t(y) - t(frame.y[0])) / (t(frame.y[1]) - t(frame.y[0]));
  return [
    frame.left + ((x - frame.x[0]) / (frame.x[1] - frame.x[0])) * frame.width,
    frame.top + (1 - fy) * frame.height,
  ];
}

/** Whether an opaque pixel of `rgb` lies within `radius` pixels of (px, py) on the chart canvas. */
function colourNear(page: Page, [px, py]: [number, number], rgb: number[], radius = 2): Promise<boolean> {
  return page.evaluate(
    ({ px, py, rgb, radius }) => {
      const canvas = document.querySelector('canvas[data-attention-lab="chart"]') as HTMLCanvasElement;
      const size = 2 * radius + 1;
      const data = canvas
        .getContext('2d')!
        .getImageData(Math.round(px) - radius, Math.round(py) - radius, size, size).data;
      for (let i = 0; i < data.length; i += 4) {
        const close = [0, 1, 2].every((c) => Math.abs(data[i + c] - rgb[c]) <= 2);
        if (close && data[i + 3] > 200) return true;
      }
      return false;
    },
    { px, py, rgb, radius },
  );
}

const text = async (page: Page, role: string) => (await page.textContent(`[data-attention-lab="${role}"]`)) ?? '';
const canvasData = (page: Page, key: string) =>
  page.evaluate(
    (key) => (document.querySelector('canvas[data-attention-lab="chart"]') as HTMLElement).dataset[key],
    key,
  );

describe('chart axis ticks', () => {
  it('puts linear ticks at 1, 2 or 5 × 10^k and widens the range to whole steps', () => {
    assert.deepEqual(linearTicks(0.05, 2.05), { lo: 0, hi: 2.5, ticks: [0, 0.5, 1, 1.5, 2, 2.5] });
    assert.deepEqual(linearTicks(0, 200, 6, 1), { lo: 0, hi: 200, ticks: [0, 50, 100, 150, 200] });
    assert.deepEqual(linearTicks(0, 3, 6, 1).ticks, [0, 1, 2, 3], 'an axis of indices never ticks at 0.5');
    assert.deepEqual(linearTicks(0.1, 0.3, 2).ticks, [0.1, 0.2, 0.3], 'no 0.30000000000000004');
    assert.deepEqual(
      linearTicks(5, 5),
      { lo: 4.4, hi: 5.6, ticks: [4.4, 4.6, 4.8, 5, 5.2, 5.4, 5.6] },
      'a flat series gets ±10% around it',
    );
    assert.deepEqual(linearTicks(0.1, 3, 5, 0, true), { lo: 0.1, hi: 3, ticks: [1, 2, 3] }, 'a fixed range is kept');
  });

  it('puts log ticks at powers of ten, with 2 and 5 over few decades and every few over many', () => {
    assert.deepEqual(logTicks(0.05, 2.05), { lo: 0.01, hi: 10, ticks: [0.01, 0.1, 1, 10] });
    assert.deepEqual(logTicks(1.5, 40), { lo: 1, hi: 100, ticks: [1, 2, 5, 10, 20, 50, 100] });
    assert.deepEqual(logTicks(1e-12, 1e6).ticks, [1e-12, 1e-9, 1e-6, 0.001, 1, 1000, 1e6]);
    assert.deepEqual(logTicks(0.5, 3, true), { lo: 0.5, hi: 3, ticks: [0.5, 1, 2] });
  });
});

describe(
  'chart view in Chromium',
  { skip: existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium)` },
  () => {
    let browser: Browser;
    let page: Page;

    before(async () => {
      setBackend('reference');
      mkdirSync(artifacts, { recursive: true });
      browser = await launchChromium();
      page = await openHost(browser);
    });
    after(async () => {
      await browser?.close();
    });

    it('is contributed for the chart mime: package.json lists every mime of the protocol', () => {
      const manifest = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'));
      assert.deepEqual(manifest.contributes.notebookRenderer[0].mimeTypes, Object.values(mimeTypes));
    });

    it('draws each series in its theme colour where the data says, with a legend, ticks, labels and a description', async () => {
      const chart = training();
      await render(page, chart, mimeTypes.chart);
      assert.equal(await page.textContent('.al-chart .al-title'), 'training');
      assert.deepEqual(await page.locator('.al-chart-name').allTextContents(), ['loss', 'accuracy']);
      assert.deepEqual(await page.locator('.al-chart-last').allTextContents(), [
        formatValue(chart.series[0].last!.y),
        formatValue(chart.series[1].last!.y),
      ]);
      assert.equal(await canvasData(page, 'xTicks'), '0 50 100 150 200');
      assert.equal(await canvasData(page, 'yTicks'), '0 0.5 1 1.5 2 2.5');
      assert.equal(await text(page, 'log-toggle'), 'y: linear');
      const label = (await page.getAttribute('canvas[data-attention-lab="chart"]', 'aria-label')) ?? '';
      assert.match(
        label,
        /^Line chart "training" over step\. loss: 201 points, last 0\.06348 at 200, min 0\.06348, max 2\.05\./,
      );
      assert.equal(await page.getAttribute('canvas[data-attention-lab="chart"]', 'role'), 'img');
      const frame = await frameOf(page);
      for (const i of [0, 37, 120, 200]) {
        assert.ok(await colourNear(page, toPixel(frame, i, loss[i]), colors.dark.blue), `loss at step ${i}`);
        assert.ok(await colourNear(page, toPixel(frame, i, accuracy[i]), colors.dark.orange), `accuracy at step ${i}`);
      }
      // Where neither curve passes: no series colour.
      assert.ok(!(await colourNear(page, toPixel(frame, 100, 2.2), colors.dark.blue, 4)));
      assert.ok(!(await colourNear(page, toPixel(frame, 100, 2.2), colors.dark.orange, 4)));
      await page.locator('[data-attention-lab="chart-view"]').screenshot({ path: join(artifacts, 'chart-dark.png') });
    });

    it('reads every series at the x nearest the pointer, and steps along x with the arrow keys', async () => {
      await render(page, training(), mimeTypes.chart);
      const frame = await frameOf(page);
      const box = await page.locator('canvas[data-attention-lab="chart-overlay"]').boundingBox();
      assert.ok(box);
      const [px, py] = toPixel(frame, 100.3, 1);
      await page.mouse.move(box.x + px, box.y + py);
      const at = (i: number) =>
        `step ${i} · loss ${formatValue(Math.fround(loss[i]))} · accuracy ${formatValue(Math.fround(accuracy[i]))}`;
      assert.equal(await text(page, 'readout'), at(100));
      await page.focus('.al-chart-stage');
      await page.keyboard.press('ArrowRight');
      assert.equal(await text(page, 'readout'), at(101));
      await page.keyboard.press('End');
      assert.equal(await text(page, 'readout'), at(200));
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('ArrowLeft');
      await page
        .locator('[data-attention-lab="chart-view"]')
        .screenshot({ path: join(artifacts, 'chart-readout.png') });
    });

    it('switches to a log y axis and back: ticks at powers of ten, lines where log10 puts them', async () => {
      await render(page, training(), mimeTypes.chart);
      await page.click('vscode-button[data-attention-lab="log-toggle"]');
      assert.equal(await text(page, 'log-toggle'), 'y: log');
      assert.equal(await page.getAttribute('vscode-button[data-attention-lab="log-toggle"]', 'aria-pressed'), 'true');
      assert.equal(await canvasData(page, 'yTicks'), '0.01 0.1 1 10');
      const frame = await frameOf(page);
      assert.equal(frame.log, true);
      for (const i of [0, 60, 200]) {
        assert.ok(await colourNear(page, toPixel(frame, i, loss[i]), colors.dark.blue), `log loss at step ${i}`);
      }
      await page.locator('[data-attention-lab="chart-view"]').screenshot({ path: join(artifacts, 'chart-log.png') });
      // An update of the same output (display(...).update) keeps the user's choice.
      await render(page, training(), mimeTypes.chart, 'same');
      assert.equal(await text(page, 'log-toggle'), 'y: log');
      await page.click('vscode-button[data-attention-lab="log-toggle"]');
      assert.equal(await canvasData(page, 'yTicks'), '0 0.5 1 1.5 2 2.5');
    });

    it('draws NaN and ±Inf as gaps and counts them, and says which points ≤ 0 a log axis skips', async () => {
      const chart = chartOutput(
        plot({
          signed: [40, 20, 0, -20, NaN, 60, 80, Infinity, 70],
          pos: { x: [10, 12, 14, 16], y: [0.1, 1, 10, 100] },
        }),
        defaultMaxOutputBytes,
      );
      await render(page, chart, mimeTypes.chart);
      assert.deepEqual(await page.locator('[data-attention-lab="chart-legend-entry"] .al-warning').allTextContents(), [
        '2 gaps (1 NaN, 1 ±Inf)',
      ]);
      assert.equal(await page.isHidden('[data-attention-lab="chart-notes"]'), true);
      const frame = await frameOf(page);
      // Between the points around the NaN (x 3 and 5) no line is drawn; between x 1 and 2 it is.
      assert.ok(await colourNear(page, toPixel(frame, 1.5, 10), colors.dark.blue, 1));
      assert.ok(!(await colourNear(page, toPixel(frame, 4, 20), colors.dark.blue, 3)));
      await page.click('vscode-button[data-attention-lab="log-toggle"]');
      assert.equal(await text(page, 'chart-notes'), 'Log scale: points ≤ 0 are not drawn (2 of signed).');
      assert.equal(await canvasData(page, 'yTicks'), '0.1 1 10 100');
      const logFrame = await frameOf(page);
      assert.ok(await colourNear(page, toPixel(logFrame, 0.5, Math.sqrt(800)), colors.dark.blue, 1), 'x 0 → 1 drawn');
      assert.ok(!(await colourNear(page, toPixel(logFrame, 1.5, 10), colors.dark.blue, 3)), 'x 1 → 2 (y 0) skipped');
      await page
        .locator('[data-attention-lab="chart-view"]')
        .screenshot({ path: join(artifacts, 'chart-gaps-log.png') });
    });

    it('draws a series downsampled under the cap with its spike, and says what was cut', async () => {
      const n = 300_000;
      const noisy = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 5000) + (i === 212_345 ? 8 : 0));
      const chart = chartOutput(plot({ noisy }), minOutputBytes * 4);
      assert.ok(JSON.stringify(chart).length <= minOutputBytes * 4);
      await render(page, chart, mimeTypes.chart);
      await page
        .locator('[data-attention-lab="chart-view"]')
        .screenshot({ path: join(artifacts, 'chart-downsampled.png') });
      assert.match(
        await text(page, 'truncated'),
        /^Over the output cap \(every point would take 1\.53 MB, the cap is 64 kB\): noisy \(300000 points in \d+ runs\) drawn from the lowest and highest value of each run/,
      );
      const frame = await frameOf(page);
      assert.ok(await colourNear(page, toPixel(frame, 212_345, noisy[212_345]), colors.dark.blue));
    });

    it('draws a 2 × 100000-point training log under the default cap and reads it at the pointer', async () => {
      const n = 100_000;
      const long = Float64Array.from({ length: n }, (_, i) => 2 * Math.exp(-i / 20_000) + 0.05);
      const rising = Float64Array.from({ length: n }, (_, i) => 1 - Math.exp(-i / 15_000));
      const chart = chartOutput(plot({ loss: long, accuracy: rising }, { xLabel: 'step' }), defaultMaxOutputBytes);
      const bytes = JSON.stringify(chart).length;
      assert.ok(bytes <= defaultMaxOutputBytes, `${bytes} bytes`);
      const inPage = await render(page, chart, mimeTypes.chart);
      const frame = await frameOf(page);
      assert.equal(await canvasData(page, 'xTicks'), '0 20000 40000 60000 80000', 'x spans the data: 0 to 99999');
      const box = await page.locator('canvas[data-attention-lab="chart-overlay"]').boundingBox();
      assert.ok(box);
      const [px, py] = toPixel(frame, n - 1, 1);
      const hover = await page.evaluate(
        ({ x, y }) => {
          const overlay = document.querySelector('canvas[data-attention-lab="chart-overlay"]') as HTMLElement;
          const started = performance.now();
          overlay.dispatchEvent(new MouseEvent('mousemove', { clientX: x, clientY: y }));
          return performance.now() - started;
        },
        { x: box.x + px, y: box.y + py },
      );
      assert.equal(
        await text(page, 'readout'),
        `step 99999 · loss ${formatValue(Math.fround(long[n - 1]))} · accuracy ${formatValue(Math.fround(rising[n - 1]))}`,
      );
      console.log(
        `# 2 x 100000 points: ${(bytes / 1e6).toFixed(2)} MB payload, decode + draw ${inPage.toFixed(0)} ms in the page, hover readout ${hover.toFixed(1)} ms`,
      );
    });

    it('tells series apart past the palette: six theme colours, then dashed and dotted lines', async () => {
      const many = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`s${i}`, [i, i + 1, i + 0.5]]));
      await render(page, chartOutput(plot(many), defaultMaxOutputBytes), mimeTypes.chart);
      const swatches = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLElement>('.al-chart-swatch')).map((s) => [
          s.style.borderTopColor,
          s.style.borderTopStyle,
        ]),
      );
      assert.equal(new Set(swatches.slice(0, 6).map(([color]) => color)).size, 6);
      assert.deepEqual(
        swatches.slice(0, 6).map(([, style]) => style),
        Array(6).fill('solid'),
      );
      assert.deepEqual(swatches.slice(6), [
        [swatches[0][0], 'dashed'],
        [swatches[1][0], 'dashed'],
      ]);
      await page
        .locator('[data-attention-lab="chart-view"]')
        .screenshot({ path: join(artifacts, 'chart-eight-series.png') });
    });

    it('follows the theme: the lines take the light theme colours when VS Code switches', async () => {
      await render(page, training(), mimeTypes.chart);
      await page.evaluate((light) => {
        document.body.className = 'vscode-light';
        document.body.setAttribute('style', light);
      }, lightTheme);
      await page.waitForFunction(
        () => (document.querySelector('canvas[data-attention-lab="chart"]') as HTMLElement).dataset.theme === 'light',
      );
      const frame = await frameOf(page);
      assert.ok(await colourNear(page, toPixel(frame, 37, loss[37]), colors.light.blue));
      assert.ok(!(await colourNear(page, toPixel(frame, 37, loss[37]), colors.dark.blue)));
      await page.locator('[data-attention-lab="chart-view"]').screenshot({ path: join(artifacts, 'chart-light.png') });
    });
  },
);
