// plot(...) in the kernel: the chart payload's values and summaries, option and series errors,
// min/max-preserving downsampling under the size cap, the text/plain summary, and a chart updated
// in place through display(...).update(...) in the built kernel process.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import type { KernelClient } from '../../extension/kernelClient';
import { arange, setBackend, tensor } from '../../kernel/engine/index';
import { chartOutput, minMaxIndices, plot } from '../../kernel/linePlot';
import { outputBundle } from '../../kernel/outputBundle';
import type { KernelNotification } from '../../protocol/kernelProtocol';
import { mimeTypes } from '../../protocol/mimeTypes';
import { minOutputBytes, type ChartOutput } from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';
import { startBuiltKernel } from '../helpers/startBuiltKernel';

const values = (payload: ChartOutput['series'][number]['y']) => [...decodeTensor(payload).values];

describe('plot', () => {
  setBackend('reference');

  it('ships every point of short series with their summaries, from arrays, typed arrays, tensors and { x, y }', async () => {
    const bundle = outputBundle(
      plot(
        {
          loss: [2.5, 1.25, NaN, 0.5],
          accuracy: new Float32Array([0.25, 0.5, 0.75]),
          lr: arange(3).mul(0.5),
          eval: { x: [0, 10, 20], y: tensor([1, Infinity, 0.75]) },
        },
        { title: 'training', xLabel: 'step', yLabel: 'value', logY: true, yRange: [0.1, 3] },
      ),
    );
    assert.deepEqual(
      bundle.items.map((i) => i.mime),
      [mimeTypes.chart, 'text/plain', 'image/png'],
    );
    const chart = JSON.parse(bundle.items[0].data) as ChartOutput;
    assert.equal(chart.kind, 'chart');
    assert.deepEqual(
      [chart.title, chart.xLabel, chart.yLabel, chart.logY, chart.yRange],
      ['training', 'step', 'value', true, [0.1, 3]],
    );
    assert.equal(chart.cut, undefined);
    const [loss, accuracy, lr, evaluation] = chart.series;
    assert.equal(loss.x, undefined, 'x is the index: not shipped');
    assert.deepEqual(values(loss.y), [2.5, 1.25, NaN, 0.5]);
    assert.deepEqual(
      { ...loss, y: undefined },
      { name: 'loss', y: undefined, length: 4, min: 0.5, max: 2.5, last: { x: 3, y: 0.5 }, nanCount: 1, infCount: 0 },
    );
    assert.deepEqual(values(accuracy.y), [0.25, 0.5, 0.75]);
    assert.deepEqual(values(lr.y), [0, 0.5, 1]);
    assert.deepEqual(values(evaluation.x!), [0, 10, 20]);
    assert.deepEqual(values(evaluation.y), [1, Infinity, 0.75]);
    assert.deepEqual([evaluation.last, evaluation.infCount, evaluation.max], [{ x: 20, y: 0.75 }, 1, 1]);
    assert.equal(
      bundle.items[1].data,
      [
        "plot 'training': 4 series",
        '  loss      4 points  last 0.5 (x 3)  min 0.5  max 2.5  gaps: 1 NaN, 0 ±Inf',
        '  accuracy  3 points  last 0.75 (x 2)  min 0.25  max 0.75',
        '  lr        3 points  last 1 (x 2)  min 0  max 1',
        '  eval      3 points  last 0.75 (x 20)  min 0.75  max 1  gaps: 0 NaN, 1 ±Inf',
      ].join('\n'),
    );
  });

  it('copies the values when called, so later pushes do not change a shown chart', () => {
    const losses = [3, 2];
    const chart = plot({ loss: losses });
    losses.push(1);
    assert.deepEqual(values(chartOutput(chart, 1 << 20).series[0].y), [3, 2]);
    assert.equal(String(chart), 'plot: 1 series\n  loss  2 points  last 2 (x 1)  min 2  max 3');
    assert.equal(inspect(chart), String(chart), 'console.log prints the summary');
  });

  it('shows an empty series and an all-NaN one as having no finite values', () => {
    const chart = chartOutput(plot({ loss: [], bad: [NaN, NaN] }), 1 << 20);
    assert.deepEqual(
      chart.series.map((s) => [s.length, s.min, s.max, s.last, s.nanCount]),
      [
        [0, null, null, null, 0],
        [2, null, null, null, 2],
      ],
    );
  });

  it('rejects unknown options, wrong option types and series it cannot draw, naming plot and what is allowed', () => {
    assert.throws(
      () => plot({ a: [1] }, { logy: true } as never),
      /^TypeError: plot: unknown option 'logy'; did you mean 'logY'\? accepted options: title, xLabel, yLabel, logY, yRange$/,
    );
    assert.throws(
      () => plot({ a: [1] }, { logY: 'yes' } as never),
      /^TypeError: plot: argument 'logY' must be bool, not str$/,
    );
    assert.throws(() => plot({ a: [1] }, { title: 3 } as never), /plot: argument 'title' must be str, not int/);
    assert.throws(
      () => plot({ a: [1] }, { yRange: [2, 1] }),
      /plot: argument 'yRange' must be finite \[lo, hi\] with lo < hi, got \[2, 1\]/,
    );
    assert.throws(
      () => plot({ a: [1] }, { yRange: [0] } as never),
      /plot: argument 'yRange' must be \[lo, hi\] of two numbers, not list/,
    );
    assert.throws(
      () => plot([1, 2] as never),
      /plot: argument 'series' must be an object of named series such as \{ loss: values \}, not list/,
    );
    assert.throws(() => plot({}), /not an empty object/);
    assert.throws(
      () => plot({ loss: [1, tensor(2)] } as never),
      /plot: series 'loss' must hold numbers; item 1 is Tensor \(a tensor: push loss.item\(\) instead\)/,
    );
    assert.throws(
      () => plot({ loss: 'abc' } as never),
      /plot: series 'loss' must be numbers, a Float32Array or a 1-D Tensor, not str/,
    );
    assert.throws(() => plot({ w: tensor([[1, 2]]) }), /plot: series 'w' must be a 1-D tensor, got shape \[1, 2\]/);
    assert.throws(() => plot({ e: { x: [0, 1], y: [1] } }), /plot: series 'e' has 2 x values for 1 y values/);
    assert.throws(() => plot({ e: { x: [0, 2, 1], y: [1, 2, 3] } }), /x\[2\] = 1 is below x\[1\] = 2/);
    assert.throws(() => plot({ e: { x: [0, NaN], y: [1, 2] } }), /x\[1\] = NaN is not finite/);
    assert.throws(
      () => plot({ e: { y: [1, 2] } } as never),
      /series 'e' as an object must be \{ x, y \}, got keys \{y\}/,
    );
  });

  it('keeps each run of points at its lowest and highest value and its first gap', () => {
    // Runs [5, 1, 9, 3], [4, NaN, 4, 2], [8, 8, 7, 6]: the first of equal highs is kept.
    const y = [5, 1, 9, 3, 4, NaN, 4, 2, 8, 8, 7, 6];
    assert.deepEqual([...minMaxIndices(y, 3)], [1, 2, 4, 5, 7, 8, 11]);
    assert.deepEqual([...minMaxIndices([1, 1, 1, 1], 2)], [0, 2], 'a flat run keeps one point');
    assert.deepEqual([...minMaxIndices([NaN, NaN, 3], 1)], [0, 2], 'a run of gaps keeps its first');
  });

  it('downsamples long series under the cap, min and max preserved, short ones whole, and says so', () => {
    const n = 200_000;
    const long = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 1000) + (i === 123_457 ? 50 : 0));
    long[150_000] = NaN;
    const short = [1, 2, 3];
    const maxBytes = minOutputBytes * 4;
    const chart = chartOutput(plot({ long, short }), maxBytes);
    const bytes = JSON.stringify(chart).length;
    assert.ok(bytes <= maxBytes, `${bytes} bytes under ${maxBytes}`);
    assert.ok(bytes > maxBytes * 0.8, `${bytes} bytes uses the room it has`);
    const [downsampled, whole] = chart.series;
    assert.equal(whole.downsampled, undefined);
    assert.deepEqual(values(whole.y), short);
    assert.ok(downsampled.downsampled && downsampled.downsampled.buckets > 100);
    const xs = values(downsampled.x!);
    const ys = values(downsampled.y);
    assert.equal(Math.max(...ys.filter(Number.isFinite)), Math.fround(long[123_457]), 'the spike survives');
    assert.equal(xs[ys.indexOf(Math.fround(long[123_457]))], 123_457);
    assert.ok(ys.some(Number.isNaN), 'the gap survives');
    assert.ok(
      xs.every((x, i) => i === 0 || x > xs[i - 1]),
      'in x order',
    );
    assert.deepEqual([downsampled.length, downsampled.nanCount, downsampled.last?.x], [n, 1, n - 1]);
    assert.deepEqual(chart.cut, { maxBytes, fullValueBytes: Math.ceil((n + 3) * (16 / 3)) });
  });
  it('shares the cap equally between long series and keeps the rest whole', () => {
    const n = 100_000;
    const falling = Float64Array.from({ length: n }, (_, i) => Math.exp(-i / n));
    const rising = Float64Array.from({ length: n }, (_, i) => 1 - Math.exp(-i / n));
    const evaluated = { x: [0, 50_000, 99_999], y: [0.1, 0.5, 0.9] };
    const chart = chartOutput(plot({ falling, rising, evaluated }), 1 << 20);
    const bytes = JSON.stringify(chart).length;
    assert.ok(bytes <= 1 << 20 && bytes > 0.95 * (1 << 20), `${bytes} bytes`);
    assert.deepEqual(
      chart.series.map((s) => s.downsampled?.buckets),
      [chart.series[0].downsampled!.buckets, chart.series[0].downsampled!.buckets, undefined],
    );
    assert.deepEqual(values(chart.series[2].y), [0.1, 0.5, 0.9].map(Math.fround));
    const rises = values(chart.series[1].y);
    assert.deepEqual([rises[0], rises[rises.length - 1]], [0, Math.fround(rising[n - 1])], 'ends kept');
  });
});

describe('plot in the kernel process', () => {
  let client: KernelClient;
  const notes: KernelNotification[] = [];
  before(async () => {
    ({ client } = await startBuiltKernel({ backend: 'reference', onNotification: (n) => notes.push(n) }));
  });
  after(async () => {
    await client?.shutdown();
  });

  it('shows a plot as the last value and redraws one display in place from a training loop', async () => {
    const shown = await client.execute('c1', 'cell 1', "plot({ loss: [3, 2, 1] }, { title: 'curve' })", 'typescript');
    assert.equal(shown.status, 'ok');
    if (shown.status !== 'ok') return;
    const last = JSON.parse(shown.outputs[0].items[0].data) as ChartOutput;
    assert.deepEqual([last.title, values(last.series[0].y)], ['curve', [3, 2, 1]]);
    const loop = [
      'const losses: number[] = [];',
      'const chart = display(plot({ loss: losses }, { xLabel: "step" }));',
      'for (let step = 0; step < 50; step++) {',
      '  losses.push(1 / (step + 1));',
      '  if (step % 10 === 9) chart.update(plot({ loss: losses }, { xLabel: "step" }));',
      '}',
    ].join('\n');
    const result = await client.execute('c2', 'cell 2', loop, 'typescript');
    assert.equal(result.status, 'ok', JSON.stringify(result));
    const displays = notes.filter((n) => (n.type === 'display' || n.type === 'updateDisplay') && n.cellId === 'c2');
    assert.deepEqual(
      displays.map((n) => n.type),
      ['display', ...Array(5).fill('updateDisplay')],
    );
    const ids = new Set(displays.map((n) => ('bundle' in n ? n.bundle.displayId : undefined)));
    assert.equal(ids.size, 1, 'every update targets the one display');
    for (const note of displays) {
      if (!('bundle' in note)) assert.fail('expected a bundle');
      assert.deepEqual(
        note.bundle.items.map((i) => i.mime),
        [mimeTypes.chart, 'text/plain', 'image/png'],
        `${note.type} carries the picture for Jupyter too`,
      );
    }
    const final = displays[displays.length - 1];
    if (!('bundle' in final)) assert.fail('expected a bundle');
    const chart = JSON.parse(final.bundle.items[0].data) as ChartOutput;
    assert.equal(chart.series[0].length, 50);
    assert.deepEqual(values(chart.series[0].y).slice(-2), [Math.fround(1 / 49), Math.fround(1 / 50)]);
    assert.match(final.bundle.items[1].data, /^plot: 1 series\n {2}loss {2}50 points {2}last 0.02 \(x 49\)/);
    const failed = await client.execute('c3', 'cell 3', 'plot({ loss: [1] }, { logy: true })', 'typescript');
    assert.equal(failed.status, 'error');
    if (failed.status === 'error')
      assert.match(failed.error.message, /plot: unknown option 'logy'; did you mean 'logY'/);
  });
});
