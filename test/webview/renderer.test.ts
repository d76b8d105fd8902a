/// <reference lib="dom" />
// The renderer bundle (dist/renderer.js) in headless Chromium (playwright-core + Debian's
// chromium), on payloads the real kernel produced: DOM assertions, canvas pixels against the
// colour scale, keyboard stepping through stages, a theme switch, a tensor over the output cap
// (block means of all of it), NaN and ±Inf colours, and a PNG per view kept in test-artifacts/renderer/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { mimeTypes } from '../../protocol/mimeTypes';
import {
  defaultMaxOutputBytes,
  type AttentionOutput,
  type RichOutput,
  type StagesOutput,
  type TensorOutput,
} from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';
import { blockMeansColors, colorFor, nonFiniteColors, sharedScale } from '../../protocol/colorScales';
import { chromiumPath, launchChromium } from '../helpers/chromium';
import { lightTheme, openHost, render } from '../helpers/rendererHost';
import { repoRoot } from '../helpers/repoRoot';
import { startBuiltKernel } from '../helpers/startBuiltKernel';

const artifacts = join(repoRoot(), 'test-artifacts/renderer');

const cells = {
  tensor: 'manualSeed(0);\nrandn(2, 3, 5)',
  d2l: "manualSeed(0);\nconst d2lMha = new d2l.MultiHeadAttention(100, 5, 0.5).eval();\nconst X = ones(2, 4, 100), Y = ones(2, 6, 100);\nd2lMha.forward(X, Y, Y, tensor([3, 2]));\nattention(d2lMha.attention.attentionWeights!, { title: 'd2l MultiHeadAttention, validLens [3, 2]', queries: ['q0', 'q1', 'q2', 'q3'], keys: ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'] })",
  stages:
    'manualSeed(1);\nconst mha = new nn.MultiheadAttention(6, 3);\nconst x = randn(4, 2, 6);\ntrace(() => mha.forward(x, x, x))',
  headSplit:
    "const seq = arange(48).reshape(2, 4, 6);\nconst split = seq.reshape(2, 4, 3, 2);\nconst moved = split.transpose(1, 2);\nsteps([['arange(48).reshape(2, 4, 6)', seq, ['batch', 'query', 'model_dim']], ['reshape(2, 4, 3, 2)', split, ['batch', 'query', 'head', 'head_dim']], ['transpose(1, 2)', moved, ['batch', 'head', 'query', 'head_dim']], ['reshape(6, 4, 2)', moved.reshape(6, 4, 2), ['batch·head', 'query', 'head_dim']]])",
  nanRows:
    "const pad = new nn.MultiheadAttention(4, 2, { batchFirst: true });\nconst z = randn(2, 3, 4);\nconst [, padded] = pad.forward(z, z, z, { keyPaddingMask: tensor([[true, true, true], [false, false, true]]), averageAttnWeights: false });\nattention(padded!, { title: 'fully padded batch entry' })",
  big: "manualSeed(2);\nattention(randn(1, 8, 512, 512).softmax(-1), { title: '8 heads of 512×512' })",
  overview: 'arange(4096 * 4096).reshape(4096, 4096).float().div(4096 * 4096)',
  randnOverview: 'manualSeed(0);\nrandn(2000, 2000)',
  nonFinite: 'tensor([[NaN, 1, 2, 3], [Infinity, -Infinity, 0.5, -2], [4, 5, NaN, 6]])',
  allNan: 'full([4, 10], NaN)',
};

const payloadBytes: Partial<Record<keyof typeof cells, number>> = {};

async function kernelPayloads(): Promise<Record<keyof typeof cells, RichOutput>> {
  const { client } = await startBuiltKernel({ backend: 'reference' });
  const payloads: Partial<Record<keyof typeof cells, RichOutput>> = {};
  for (const [name, code] of Object.entries(cells) as [keyof typeof cells, string][]) {
    const result = await client.execute(name, name, code, 'typescript');
    assert.equal(result.status, 'ok', JSON.stringify(result));
    if (result.status !== 'ok') continue;
    const item = result.outputs[result.outputs.length - 1].items.find((i) =>
      Object.values(mimeTypes).includes(i.mime as never),
    );
    assert.ok(item, `${name} gave a rich output`);
    payloads[name] = JSON.parse(item.data) as RichOutput;
    payloadBytes[name] = item.data.length;
  }
  await client.shutdown();
  return payloads as Record<keyof typeof cells, RichOutput>;
}

/** The RGB at the centre of cell (row, col) of the n-th heatmap canvas, or at the middle of its top
 *  edge (`edge`), clear of the cross a NaN cell has through its centre. */
function pixel(page: Page, canvasIndex: number, row: number, col: number, edge = false): Promise<number[]> {
  return page.evaluate(
    ({ canvasIndex, row, col, edge }) => {
      const canvas = document.querySelectorAll<HTMLCanvasElement>('canvas[data-attention-lab="heatmap"]')[canvasIndex];
      const size = Number(canvas.dataset.cellSize);
      const y = row * size + (edge ? 0 : Math.floor(size / 2));
      const data = canvas.getContext('2d')?.getImageData(col * size + Math.floor(size / 2), y, 1, 1).data;
      return data ? [data[0], data[1], data[2]] : [];
    },
    { canvasIndex, row, col, edge },
  );
}

describe(
  'notebook renderer in Chromium',
  { skip: existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath} (apt-get install chromium)` },
  () => {
    let browser: Browser;
    let page: Page;
    let payloads: Record<keyof typeof cells, RichOutput>;

    before(async () => {
      mkdirSync(artifacts, { recursive: true });
      payloads = await kernelPayloads();
      browser = await launchChromium();
      page = await openHost(browser);
    });
    after(async () => {
      await browser?.close();
    });

    it('draws a tensor: header, stats, slice selectors, heatmap colours from its scale, hover readout, PyTorch text', async () => {
      const tensor = payloads.tensor as TensorOutput;
      await render(page, tensor, mimeTypes.tensor);
      assert.equal(await page.textContent('[data-attention-lab="shape"]'), '(2, 3, 5)');
      assert.match((await page.textContent('.al-stats')) ?? '', /^min -?\d.* · max .* · mean .* · std /);
      assert.equal(await page.locator('vscode-dropdown[data-attention-lab="axis-0"]').count(), 1);
      assert.equal(await page.textContent('[data-attention-lab="repr"]'), tensor.text);
      const { values } = decodeTensor(tensor.data);
      const scale = sharedScale([tensor.stats]);
      assert.equal(scale.kind, 'diverging');
      assert.deepEqual(await pixel(page, 0, 1, 2), colorFor(values[1 * 5 + 2], scale));
      await page.evaluate(() => {
        const select = document.querySelector('vscode-dropdown[data-attention-lab="axis-0"]') as HTMLElement & {
          value: string;
        };
        select.value = '1';
        select.dispatchEvent(new Event('change'));
      });
      assert.deepEqual(await pixel(page, 0, 1, 2), colorFor(values[15 + 1 * 5 + 2], scale));
      const box = await page.locator('canvas[data-attention-lab="heatmap"]').boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + (box.width / 5) * 2.5, box.y + (box.height / 3) * 0.5);
      assert.equal(await page.textContent('[data-attention-lab="readout"]'), `[1, 0, 2] = ${values[15 + 2]}`);
      await page.locator('[data-attention-lab="tensor-view"]').screenshot({ path: join(artifacts, 'tensor.png') });
    });

    it('draws the d2l attention with valid lengths: one heatmap per head, shared scale, labels, hatched masked keys, row sums', async () => {
      const attention = payloads.d2l as AttentionOutput;
      assert.deepEqual(attention.weights.shape, [2, 5, 4, 6]);
      await render(page, attention, mimeTypes.attention);
      assert.equal(await page.locator('canvas[data-attention-lab="heatmap"]').count(), 5);
      assert.deepEqual(await page.locator('.al-key-labels').first().locator('span').allTextContents(), [
        'k0',
        'k1',
        'k2',
        'k3',
        'k4',
        'k5',
      ]);
      assert.match(
        (await page.textContent('[data-attention-lab="row-sum"]')) ?? '',
        /^rows sum to 1 \(max error .*\) ✓$/,
      );
      const { values } = decodeTensor(attention.weights);
      const scale = sharedScale([attention.stats]);
      assert.deepEqual(scale, { kind: 'sequential', min: 0, max: 1 });
      assert.deepEqual(await pixel(page, 2, 1, 0), colorFor(values[(0 * 5 + 2) * 24 + 1 * 6 + 0], scale));
      // Batch 0 has 3 valid keys: key 4 is masked (weight exactly 0) and drawn hatched grey, not as colour 0.
      const masked = await page.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>(
          'canvas[data-attention-lab="heatmap"]',
        ) as HTMLCanvasElement;
        const size = Number(canvas.dataset.cellSize);
        const data = canvas.getContext('2d')?.getImageData(4 * size, 0, size, size).data ?? new Uint8ClampedArray();
        const colours = new Set<string>();
        for (let i = 0; i < data.length; i += 4) colours.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
        return [...colours];
      });
      assert.ok(masked.includes('128,128,128'), `masked cell keeps grey: ${masked.join(' ')}`);
      assert.ok(masked.length > 1, 'and is hatched');
      await page.evaluate(() => {
        const select = document.querySelector('vscode-dropdown[data-attention-lab="head"]') as HTMLElement & {
          value: string;
        };
        select.value = '3';
        select.dispatchEvent(new Event('change'));
      });
      assert.equal(await page.locator('canvas[data-attention-lab="heatmap"]').count(), 1);
      assert.equal(await page.getAttribute('canvas[data-attention-lab="heatmap"]', 'data-head'), '2');
      const box = await page.locator('canvas[data-attention-lab="heatmap"]').boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + (box.width / 6) * 1.5, box.y + (box.height / 4) * 2.5);
      assert.equal(
        await page.textContent('[data-attention-lab="readout"]'),
        `head 2 · query 'q2' (2) → key 'k1' (1) = ${values[2 * 24 + 2 * 6 + 1]}`,
      );
      await page.evaluate(() => {
        const select = document.querySelector('vscode-dropdown[data-attention-lab="head"]') as HTMLElement & {
          value: string;
        };
        select.value = '0';
        select.dispatchEvent(new Event('change'));
      });
      const download = page.waitForEvent('download');
      await page.click('vscode-button[data-attention-lab="export"]');
      assert.match((await download).suggestedFilename(), /^d2l_MultiHeadAttention.*\.png$/);
      await page
        .locator('[data-attention-lab="attention-view"]')
        .screenshot({ path: join(artifacts, 'attention-d2l-valid-lengths.png') });
    });

    it('labels averaged weights and flags fully masked (NaN) rows', async () => {
      await render(page, payloads.nanRows, mimeTypes.attention);
      assert.match(
        (await page.textContent('[data-attention-lab="row-sum"]')) ?? '',
        /3 fully masked row\(s\) are NaN: q 0, q 1, q 2/,
      );
      const averaged = JSON.parse(JSON.stringify(payloads.d2l)) as AttentionOutput;
      averaged.averagedHeads = 5;
      await render(page, averaged, mimeTypes.attention);
      assert.equal(await page.textContent('[data-attention-lab="averaged"]'), 'mean over 5 heads');
    });

    it('steps through an nn.MultiheadAttention forward with buttons and arrow keys', async () => {
      const stages = payloads.stages as StagesOutput;
      await render(page, stages, mimeTypes.stages);
      assert.equal(await page.locator('[data-attention-lab="stage"]').count(), stages.stages.length);
      assert.equal(await page.textContent('[data-attention-lab="position"]'), `stage 1 of ${stages.stages.length}`);
      await page.focus('[data-attention-lab="stages-view"]');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.textContent('[data-attention-lab="position"]'), `stage 3 of ${stages.stages.length}`);
      assert.match(
        (await page.textContent('[data-attention-lab="stage-shapes"]')) ?? '',
        new RegExp(`→ \\(${stages.stages[2].output.shape.join(', ')}\\)`),
      );
      await page.keyboard.press('ArrowLeft');
      assert.equal(await page.textContent('[data-attention-lab="position"]'), `stage 2 of ${stages.stages.length}`);
      const softmax = stages.stages.findIndex((s) => s.name === 'softmax');
      await page.keyboard.press('Home');
      for (let i = 0; i < softmax; i++) await page.click('vscode-button[data-attention-lab="next"]');
      assert.equal(await page.textContent('.al-stage-title strong'), 'softmax');
      await page
        .locator('[data-attention-lab="stages-view"]')
        .screenshot({ path: join(artifacts, 'stages-multihead-attention.png') });
    });

    it("keeps each element's colour through the head-split reshape and transpose", async () => {
      const split = payloads.headSplit as StagesOutput;
      await render(page, split, mimeTypes.stages);
      assert.deepEqual(await page.locator('.al-chip-op').allTextContents(), [
        'arange',
        'reshape',
        'transpose',
        'reshape',
      ]);
      const scale = sharedScale([split.stages[0].tensor.stats]);
      // Element 7 of arange(48) sits at [0, 1, 1] in (2, 4, 6) and at [0, 0, 1, 1] after transpose(1, 2) of (2, 4, 3, 2).
      assert.deepEqual(await pixel(page, 0, 1, 1), colorFor(7, scale));
      await page.focus('[data-attention-lab="stages-view"]');
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.textContent('[data-attention-lab="position"]'), 'stage 3 of 4');
      assert.deepEqual(await pixel(page, 0, 1, 1), colorFor(7, scale));
      assert.deepEqual(await page.locator('.al-chip').nth(2).locator('.al-axis-changed').allTextContents(), ['3', '4']);
      await page
        .locator('[data-attention-lab="stages-view"]')
        .screenshot({ path: join(artifacts, 'stages-head-split.png') });
    });

    it('follows the theme: switching to light changes the text colour', async () => {
      await render(page, payloads.tensor, mimeTypes.tensor);
      const dark = await page.evaluate(() => getComputedStyle(document.querySelector('.al-view') as Element).color);
      await page.evaluate((light) => {
        document.body.className = 'vscode-light';
        document.body.setAttribute('style', light);
      }, lightTheme);
      const light = await page.evaluate(() => getComputedStyle(document.querySelector('.al-view') as Element).color);
      assert.equal(dark, 'rgb(204, 204, 204)');
      assert.equal(light, 'rgb(59, 59, 59)');
      await page
        .locator('[data-attention-lab="tensor-view"]')
        .screenshot({ path: join(artifacts, 'tensor-light.png') });
    });

    it('draws every element of a 4096×4096 tensor over the output cap as block means, labelled, and its exact leading block', async () => {
      const tensor = payloads.overview as TensorOutput;
      assert.ok(payloadBytes.overview! <= defaultMaxOutputBytes, `${payloadBytes.overview} bytes`);
      const overview = tensor.overview!;
      const means = decodeTensor(overview.data);
      const [rows, cols] = means.shape;
      await render(page, tensor, mimeTypes.tensor);
      assert.equal(
        await page.textContent('[data-attention-lab="overview-label"]'),
        `4096×4096 shown as ${rows}×${cols} block means (blocks of ${overview.block.join('×')})`,
      );
      assert.match(
        (await page.textContent('[data-attention-lab="truncated"]')) ?? '',
        /^Over the output cap: every value would take 85.3 MB, the cap is 1 MB .*The heatmap shows all \(4096, 4096\) as block means; the leading block \(\d+, 4096\) is exact/,
      );
      const canvas = page.locator('canvas[data-attention-lab="heatmap"]');
      assert.deepEqual(
        await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height]),
        [cols, rows],
        'one pixel per block',
      );
      const scale = sharedScale([tensor.stats as { min: number; max: number }]);
      const meansColors = blockMeansColors(means.values);
      assert.equal(await page.textContent('[data-attention-lab="overview-colors"]'), meansColors.label);
      for (const [r, c] of [
        [0, 0],
        [rows >> 1, cols >> 2],
        [rows - 1, cols - 1],
      ]) {
        const expected = colorFor(means.values[r * cols + c], meansColors.scale);
        assert.deepEqual(await pixel(page, 0, r, c), expected, `block (${r}, ${c})`);
      }
      const box = await canvas.boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + box.width - 0.5, box.y + 0.5);
      const last = means.values[cols - 1];
      assert.equal(
        await page.textContent('[data-attention-lab="readout"]'),
        `[0–${overview.block[0] - 1}, ${(cols - 1) * overview.block[1]}–4095] mean = ${last}`,
      );
      await page
        .locator('[data-attention-lab="tensor-view"]')
        .screenshot({ path: join(artifacts, 'tensor-overview-4096.png') });
      await page.evaluate(() => {
        const select = document.querySelector('vscode-dropdown[data-attention-lab="layer"]') as HTMLElement & {
          value: string;
        };
        select.value = '1';
        select.dispatchEvent(new Event('change'));
      });
      const exact = decodeTensor(tensor.data);
      assert.equal(await page.locator('[data-attention-lab="overview-label"]').count(), 0);
      assert.equal(await page.locator('[data-attention-lab="overview-colors"]').count(), 0);
      assert.deepEqual(await pixel(page, 0, 1, 7), colorFor(exact.values[4096 + 7], scale), "exact: the stats' scale");
    });

    it("colours a big randn tensor's overview over its block means' range, not one grey, and says so", async () => {
      const tensor = payloads.randnOverview as TensorOutput;
      const means = decodeTensor(tensor.overview!.data);
      const [rows, cols] = means.shape;
      const { scale, label } = blockMeansColors(means.values);
      assert.ok(
        scale.max < 1 && (tensor.stats.max ?? 0) > 4,
        `means within ±${scale.max}, elements to ${tensor.stats.max}`,
      );
      await render(page, tensor, mimeTypes.tensor);
      assert.match(label, /^colours: block means' range -0\.\d+…0\.\d+$/);
      assert.equal(await page.textContent('[data-attention-lab="overview-colors"]'), label);
      assert.match((await page.textContent('[data-attention-lab="stats"]')) ?? '', /^min -[45]\.\d+ · max [45]\.\d+/);
      for (const [r, c] of [
        [0, 0],
        [rows >> 1, cols >> 1],
        [rows - 1, cols - 2],
      ]) {
        const expected = colorFor(means.values[r * cols + c], scale);
        assert.deepEqual(await pixel(page, 0, r, c), expected, `block (${r}, ${c})`);
      }
      // Over every cell: strongly red and strongly blue ones, where the elements' scale drew all near-grey.
      const spread = await page.evaluate(() => {
        const canvas = document.querySelector<HTMLCanvasElement>('canvas[data-attention-lab="heatmap"]')!;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let [reddest, bluest] = [-255, -255];
        for (let at = 0; at < data.length; at += 4) {
          reddest = Math.max(reddest, data[at] - data[at + 2]);
          bluest = Math.max(bluest, data[at + 2] - data[at]);
        }
        return { reddest, bluest };
      });
      assert.ok(spread.reddest > 100 && spread.bluest > 100, JSON.stringify(spread));
      await page
        .locator('[data-attention-lab="tensor-view"]')
        .screenshot({ path: join(artifacts, 'tensor-overview-randn-2000.png') });
    });

    it('keeps stats to the finite values and draws NaN, +Inf and -Inf in their own colours with legend entries', async () => {
      await render(page, payloads.nonFinite, mimeTypes.tensor);
      assert.equal(
        await page.textContent('[data-attention-lab="stats"]'),
        'min -2 · max 6 · mean 2.438 · std 2.611 · over 8 finite values · 2 NaN · 1 +Inf · 1 −Inf',
      );
      assert.deepEqual(await pixel(page, 0, 0, 0, true), nonFiniteColors.nan);
      assert.deepEqual(await pixel(page, 0, 1, 0), nonFiniteColors.posInf);
      assert.deepEqual(await pixel(page, 0, 1, 1), nonFiniteColors.negInf);
      for (const kind of ['nan', 'posInf', 'negInf'])
        assert.equal(await page.locator(`[data-attention-lab="legend-${kind}"]`).count(), 1, kind);
      await page
        .locator('[data-attention-lab="tensor-view"]')
        .screenshot({ path: join(artifacts, 'tensor-nan-inf.png') });
      await render(page, payloads.allNan, mimeTypes.tensor);
      assert.equal(await page.textContent('[data-attention-lab="stats"]'), 'no finite values · 40 NaN');
      assert.deepEqual(await pixel(page, 0, 2, 5, true), nonFiniteColors.nan);
      assert.equal(await page.locator('[data-attention-lab="legend-posInf"]').count(), 0);
    });

    it('draws 8 heads of 512×512 weights and loads nothing from the network', async () => {
      const big = payloads.big as AttentionOutput;
      assert.ok(payloadBytes.big! <= defaultMaxOutputBytes, `${payloadBytes.big} bytes`);
      assert.deepEqual(big.overview?.shape, [1, 8, 512, 512]);
      assert.deepEqual(big.overview?.data.shape.slice(0, 2), [1, 8], 'every head, as block means');
      const started = Date.now();
      const inPage = await render(page, big, mimeTypes.attention);
      const elapsed = Date.now() - started;
      assert.equal(await page.locator('canvas[data-attention-lab="heatmap"]').count(), 8);
      const switchHead = await page.evaluate(() => {
        const select = document.querySelector('vscode-dropdown[data-attention-lab="head"]') as HTMLElement & {
          value: string;
        };
        const started = performance.now();
        select.value = '4';
        select.dispatchEvent(new Event('change'));
        return performance.now() - started;
      });
      console.log(
        `# 8 heads of 512x512: decode + draw ${inPage.toFixed(0)} ms in the page (${elapsed} ms with the ${(payloadBytes.big! / 1e6).toFixed(2)} MB transfer from Node); switching to one head ${switchHead.toFixed(0)} ms`,
      );
      assert.match(
        (await page.textContent('[data-attention-lab="overview-label"]')) ?? '',
        /^512×512 shown as \d+×\d+ block means \(blocks of \d+×\d+\)$/,
      );
      assert.match(
        (await page.textContent('[data-attention-lab="row-sum"]')) ?? '',
        /^rows sum to 1 over the \d+ exact rows shipped \(max error .*\) ✓$/,
      );
      const box = await page.locator('canvas[data-attention-lab="heatmap"]').boundingBox();
      assert.ok(box);
      await page.mouse.move(box.x + 1, box.y + 1);
      assert.match(
        (await page.textContent('[data-attention-lab="readout"]')) ?? '',
        /^head 3 · query q 0–\d+ → key k 0–\d+ mean = [\d.e-]+$/,
      );
      await page
        .locator('[data-attention-lab="attention-view"]')
        .screenshot({ path: join(artifacts, 'attention-overview-8x512.png') });
      const seen = (page as Page & { requestsSeen: string[] }).requestsSeen;
      assert.deepEqual([...new Set(seen.map((url) => new URL(url).origin))], ['http://renderer.test']);
    });
  },
);
