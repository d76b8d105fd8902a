// examples/train-a-tiny-transformer.ipynb through the headless runner (dist/cli.js, the automatic backend):
// the transformer learns to reverse digit sequences to at least 99% token accuracy on held-out sequences,
// the chart and the attention view are single outputs updated in place while it trains, and every head
// ends up reading position L - 1 - i for output position i (the anti-diagonal the notebook explains).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { joinLines, parseNotebook, type JupyterOutput } from '../../cli/notebookFile';
import { mimeTypes } from '../../protocol/mimeTypes';
import type { AttentionOutput, ChartOutput } from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';
import { repoRoot } from '../helpers/repoRoot';

const notebook = join(repoRoot(), 'examples/train-a-tiny-transformer.ipynb');

/** The rich payloads of one mime among a cell's outputs. */
function payloads<T>(outputs: JupyterOutput[], mime: string): T[] {
  return outputs.flatMap((o) => (o.data?.[mime] === undefined ? [] : [o.data[mime] as T]));
}

describe('examples/train-a-tiny-transformer.ipynb in the headless runner', () => {
  it('learns to reverse digits to >= 99% held-out token accuracy, with live curves and attention maps', () => {
    const outPath = join(mkdtempSync(join(tmpdir(), 'attention-lab-train-')), 'out.ipynb');
    const result = spawnSync(process.execPath, [join(repoRoot(), 'dist/cli.js'), 'run', notebook, '-o', outPath], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);

    const accuracy = /final held-out token accuracy: (\d\.\d+)/.exec(result.stdout);
    assert.ok(accuracy, result.stdout);
    assert.ok(Number(accuracy[1]) >= 0.99, `held-out token accuracy ${accuracy[1]}`);
    assert.match(result.stdout, /\n0 training sequences were held-out ones/);

    const written = parseNotebook(readFileSync(outPath, 'utf8'), outPath);
    const outputs = written.cells.filter((c) => c.cell_type === 'code').map((c) => c.outputs ?? []);
    assert.deepEqual(
      outputs.flat().filter((o) => o.output_type === 'error'),
      [],
    );
    const training = outputs.find((o) => payloads(o, mimeTypes.chart).length > 0);
    assert.ok(training, 'a cell shows the training curves');
    // One chart and one attention view, updated in place: their final state holds the whole run.
    const [chart] = payloads<ChartOutput>(training, mimeTypes.chart);
    assert.equal(payloads(training, mimeTypes.chart).length, 1);
    assert.equal(payloads(training, mimeTypes.attention).length, 1);
    const [loss, heldOut] = chart.series;
    assert.deepEqual(
      chart.series.map((s) => s.name),
      ['loss', 'held-out accuracy'],
    );
    const steps = Number(/step (\d+): loss/.exec(result.stdout)?.[1]);
    assert.equal(loss.length, steps, 'a loss point per training step');
    assert.ok(loss.last !== null && loss.max !== null && loss.last.y < loss.max / 50, 'the loss fell');
    assert.ok(
      heldOut.last !== null && Math.abs(heldOut.last.y - Number(accuracy[1])) < 1e-4,
      'the last point is the final accuracy',
    );
    assert.equal(heldOut.last.x, steps);
    const [live] = payloads<AttentionOutput>(training, mimeTypes.attention);
    assert.equal(live.title, `attention per head, step ${steps}`);

    // The learned pattern: over the heads, row i's strongest weight is at column L - 1 - i, on the watched
    // sequence and averaged over the held-out ones.
    const learned = payloads<AttentionOutput>(outputs.flat(), mimeTypes.attention).at(-1);
    assert.equal(learned?.title, 'learned attention per head');
    const { shape, values } = decodeTensor(learned.weights);
    assert.deepEqual(shape, [1, 4, 8, 8]);
    const [, heads, queries, keys] = shape;
    for (let query = 0; query < queries; query++) {
      const row = Array.from({ length: keys }, (_, key) => {
        let total = 0;
        for (let head = 0; head < heads; head++) total += values[(head * queries + query) * keys + key];
        return total / heads;
      });
      assert.equal(row.indexOf(Math.max(...row)), keys - 1 - query, `row ${query}: ${row}`);
    }
    assert.match(result.stdout, /all heads together: outputs 0-7 read inputs 7 6 5 4 3 2 1 0\n/);
    assert.match(joinLines(written.cells.at(-1)?.source), /anti-diagonal/);
  });
});
