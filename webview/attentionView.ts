// The attention view: a grid of heatmaps (one per head of the chosen batch entry, or the chosen
// head) on one [0, 1] scale with a legend, token labels, hatched masked cells, flagged all-NaN
// rows, a "mean over H heads" label, a row-sum check, a hover readout and PNG export. Weights over
// the output cap arrive as block means of every map (drawn, labelled so) and an exact leading block
// (whose whole rows the row-sum check reads).
import type { AttentionOutput } from '../protocol/outputPayloads';
import { decodeTensor } from '../protocol/tensorWire';
import { sharedScale } from '../protocol/colorScales';
import { button, dropdown, element } from './dom';
import { drawHeatmap, drawLegend } from './heatmap';
import { blockRange, formatShape, formatValue } from './numberFormat';
import { normalizedStats, statsLine } from '../protocol/tensorStats';
import { cutNote, overviewLabel } from './tensorView';

/** Largest |row sum − 1| over rows that are not all NaN, and the indices of all-NaN rows. */
export function rowSumCheck(values: Float32Array, rows: number, cols: number): { maxError: number; nanRows: number[] } {
  let maxError = 0;
  const nanRows: number[] = [];
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    let nan = 0;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      if (Number.isNaN(v)) nan++;
      else sum += v;
    }
    if (nan === cols) nanRows.push(r);
    else maxError = Math.max(maxError, Math.abs(sum - 1));
  }
  return { maxError, nanRows };
}

export function renderAttention(payload: AttentionOutput, root: HTMLElement): void {
  const exact = decodeTensor(payload.weights);
  // The maps drawn: every weight, or block means of every weight when the output was cut.
  const weights = payload.overview ? decodeTensor(payload.overview.data) : exact;
  const [batches, heads, rows, cols] = weights.shape;
  const blocks = payload.overview?.block ?? [1, 1, 1, 1];
  const maskPayload = payload.overview ? payload.maskOverview : payload.mask;
  const mask = maskPayload ? decodeTensor(maskPayload).values : null;
  // Token labels name single positions, so block means go unlabelled.
  const queries = blocks[2] === 1 ? payload.queries : undefined;
  const keys = blocks[3] === 1 ? payload.keys : undefined;
  const stats = normalizedStats(payload.stats);
  const scale = sharedScale([stats]);
  const view = element('div', 'al-view al-attention');
  view.dataset.attentionLab = 'attention-view';
  const header = element('div', 'al-header');
  const shape = element('span', 'al-shape', formatShape(payload.sourceShape));
  shape.dataset.attentionLab = 'shape';
  header.append(element('span', 'al-title', payload.title ?? 'attention weights'), shape);
  if (payload.averagedHeads) {
    const averaged = element('span', 'al-badge', `mean over ${payload.averagedHeads} heads`);
    averaged.dataset.attentionLab = 'averaged';
    header.append(averaged);
  }
  view.append(header, element('div', 'al-stats', statsLine(payload.stats)));
  if (payload.cut) {
    const covered = payload.overview?.shape ?? exact.shape;
    const note = element('div', 'al-note', cutNote(payload.cut, exact.shape, covered, payload.overview !== undefined));
    note.dataset.attentionLab = 'truncated';
    view.append(note);
  }
  if (payload.overview) {
    const label = element(
      'div',
      'al-overview-label',
      overviewLabel(payload.overview.shape.slice(2), [rows, cols], blocks.slice(2)),
    );
    label.dataset.attentionLab = 'overview-label';
    view.append(label);
  } else if (batches * heads < payload.fullLayout[0] * payload.fullLayout[1]) {
    view.append(
      element(
        'div',
        'al-note',
        `Too big to ship whole: showing ${batches} of ${payload.fullLayout[0]} batch entries × ${heads} of ${payload.fullLayout[1]} heads.`,
      ),
    );
  }
  let batch = 0;
  let head = -1; // -1: every head
  const controls = element('div', 'al-controls');
  const grid = element('div', 'al-grid');
  grid.dataset.attentionLab = 'grid';
  const check = element('div', 'al-check');
  check.dataset.attentionLab = 'row-sum';
  const readout = element('div', 'al-readout', 'hover a cell: query → key = weight');
  readout.dataset.attentionLab = 'readout';
  // A cell of block means covers a range of queries or keys: 'q 5–9'.
  const covered = payload.overview?.shape ?? weights.shape;
  const label = (labels: string[] | undefined, i: number, what: 'q' | 'k') =>
    labels
      ? `'${labels[i]}' (${i})`
      : `${what} ${blockRange(i, blocks[what === 'q' ? 2 : 3], covered[what === 'q' ? 2 : 3])}`;

  // With block means, the row sums are checked on the exact leading block's whole rows.
  const exactRows = exact.shape[0] * exact.shape[1] * exact.shape[2];
  const exactCheck = payload.overview ? rowSumCheck(exact.values, exactRows, exact.shape[3]) : null;
  const draw = () => {
    const shown = head < 0 ? Array.from({ length: heads }, (_, h) => h) : [head];
    let worst = exactCheck?.maxError ?? 0;
    const nanRows = new Set<number>();
    const panels = shown.map((h) => {
      const offset = (batch * heads + h) * rows * cols;
      const values = weights.values.subarray(offset, offset + rows * cols);
      const summary = exactCheck ? { maxError: 0, nanRows: [] } : rowSumCheck(values, rows, cols);
      worst = Math.max(worst, summary.maxError);
      summary.nanRows.forEach((r) => nanRows.add(r));
      const caption = payload.averagedHeads
        ? `mean over ${payload.averagedHeads} heads`
        : heads > 1
          ? `head ${h}`
          : batches > 1
            ? `batch ${batch}`
            : '';
      const { canvas, cellSize } = drawHeatmap({
        rows,
        cols,
        values,
        scale,
        maxSide: shown.length > 1 ? 220 : 360,
        // A block mean is masked only when its whole block is.
        isMasked: (r, c) =>
          mask
            ? mask[offset + r * cols + c] === 1 || (!payload.overview && mask[offset + r * cols + c] !== 0)
            : values[r * cols + c] === 0,
        onHover: (cell) => {
          readout.textContent = cell
            ? `${caption ? `${caption} · ` : ''}query ${label(queries, cell.row, 'q')} → key ${label(keys, cell.col, 'k')} ${payload.overview ? 'mean ' : ''}= ${cell.value}`
            : 'hover a cell: query → key = weight';
        },
      });
      canvas.dataset.head = String(h);
      const panel = element('figure', 'al-panel');
      const body = element('div', 'al-panel-body');
      if (keys) {
        const keyLabels = element('div', 'al-key-labels');
        keyLabels.style.gridTemplateColumns = `repeat(${cols}, ${cellSize}px)`;
        keys.forEach((k) => keyLabels.append(element('span', 'al-key-label', k)));
        body.append(element('span'), keyLabels);
      }
      if (queries) {
        const queryLabels = element('div', 'al-query-labels');
        queryLabels.style.gridTemplateRows = `repeat(${rows}, ${cellSize}px)`;
        queries.forEach((q, r) =>
          queryLabels.append(
            element('span', summary.nanRows.includes(r) ? 'al-query-label al-nan-row' : 'al-query-label', q),
          ),
        );
        body.append(queryLabels);
      } else body.append(element('span'));
      body.append(canvas);
      panel.append(body);
      if (caption) panel.append(element('figcaption', '', caption));
      return panel;
    });
    const nonFinite = { nan: stats.nanCount > 0, posInf: stats.posInfCount > 0, negInf: stats.negInfCount > 0 };
    grid.replaceChildren(...panels, drawLegend(scale, formatValue, nonFinite));
    const nanNote = nanRows.size
      ? ` · ${nanRows.size} fully masked row(s) are NaN: ${[...nanRows].map((r) => label(queries, r, 'q')).join(', ')}`
      : '';
    const over = exactCheck ? ` over the ${exactRows} exact rows shipped` : '';
    check.textContent =
      worst <= 1e-4
        ? `rows sum to 1${over} (max error ${worst.toExponential(1)}) ✓${nanNote}`
        : `rows do not sum to 1: max error ${formatValue(worst)} (dropout or not a softmax?)${nanNote}`;
    check.classList.toggle('al-warning', worst > 1e-4 || nanRows.size > 0);
  };

  if (batches > 1)
    controls.append(
      dropdown(
        'batch',
        Array.from({ length: batches }, (_, b) => `batch ${b}`),
        0,
        (b) => ((batch = b), draw()),
        'batch',
      ),
    );
  if (heads > 1)
    controls.append(
      dropdown(
        'head',
        ['all heads', ...Array.from({ length: heads }, (_, h) => `head ${h}`)],
        0,
        (choice) => ((head = choice - 1), draw()),
        'head',
      ),
    );
  controls.append(button('Export PNG', 'export', () => exportPng(grid, payload.title ?? 'attention')));
  draw();
  view.append(controls, grid, check, readout);
  root.append(view);
}

/** Saves the visible heatmaps side by side as one PNG. */
function exportPng(grid: HTMLElement, name: string): void {
  const canvases = [...grid.querySelectorAll<HTMLCanvasElement>('canvas[data-attention-lab="heatmap"]')];
  const gap = 8;
  const out = document.createElement('canvas');
  out.width = canvases.reduce((w, c) => w + c.width + gap, -gap);
  out.height = Math.max(...canvases.map((c) => c.height));
  const context = out.getContext('2d');
  let x = 0;
  for (const canvas of canvases) {
    context?.drawImage(canvas, x, 0);
    x += canvas.width + gap;
  }
  const link = element('a');
  link.download = `${name.replace(/[^\w.-]+/g, '_')}.png`;
  link.href = out.toDataURL('image/png');
  link.dataset.attentionLab = 'export-link';
  grid.append(link);
  link.click();
  link.remove();
}
