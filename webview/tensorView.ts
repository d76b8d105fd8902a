// The tensor view: shape, dtype, backend and stats; a heatmap of a 2-D slice with one selector
// per leading axis, a legend and a hover readout; and PyTorch's repr. Also the body of each stage.
import type { TensorOutput } from '../protocol/outputPayloads';
import { decodeTensor } from '../protocol/tensorWire';
import { scaleFor, type ColorScale } from './colorScales';
import { dropdown, element } from './dom';
import { drawHeatmap, drawLegend } from './heatmap';
import { formatShape, formatValue, stridesOf } from './numberFormat';

export interface TensorViewOptions {
  /** A scale shared with other views (stages of one movement chain); default from this tensor. */
  scale?: ColorScale;
  showText?: boolean;
}

export function statsLine(stats: TensorOutput['stats']): string {
  const parts = [
    `min ${formatValue(stats.min)}`,
    `max ${formatValue(stats.max)}`,
    `mean ${formatValue(stats.mean)}`,
    `std ${formatValue(stats.std)}`,
  ];
  if (stats.nanCount) parts.push(`${stats.nanCount} NaN`);
  if (stats.infCount) parts.push(`${stats.infCount} Inf`);
  return parts.join(' · ');
}

export function renderTensor(payload: TensorOutput, root: HTMLElement, options: TensorViewOptions = {}): void {
  const { shape: dataShape, values } = decodeTensor(payload.data);
  const view = element('div', 'al-view al-tensor');
  view.dataset.attentionLab = 'tensor-view';
  const header = element('div', 'al-header');
  header.append(
    element('span', 'al-title', payload.title ?? 'tensor'),
    element('span', 'al-shape', formatShape(payload.shape)),
    element('span', 'al-meta', `${payload.dtype} · ${payload.backend}`),
  );
  header.querySelector('.al-shape')?.setAttribute('data-attention-lab', 'shape');
  view.append(header, element('div', 'al-stats', statsLine(payload.stats)));
  if (dataShape.some((d, i) => d !== payload.shape[i])) {
    const note = element(
      'div',
      'al-note',
      `Too big to ship whole: showing the leading block ${formatShape(dataShape)} of ${formatShape(payload.shape)}; the stats cover every element.`,
    );
    note.dataset.attentionLab = 'truncated';
    view.append(note);
  }
  const scale = options.scale ?? scaleFor(payload.stats);
  if (dataShape.length >= 1 && values.length > 0) {
    const matrixRows = dataShape.length >= 2 ? dataShape[dataShape.length - 2] : 1;
    const matrixCols = dataShape[dataShape.length - 1];
    const leading = dataShape.slice(0, Math.max(0, dataShape.length - 2));
    const picked = leading.map(() => 0);
    const controls = element('div', 'al-controls');
    const plot = element('div', 'al-plot');
    const readout = element('div', 'al-readout', 'hover a cell for its index and value');
    readout.dataset.attentionLab = 'readout';
    const strides = stridesOf(dataShape);
    const draw = () => {
      const offset = picked.reduce((sum, index, axis) => sum + index * strides[axis], 0);
      const slice = values.subarray(offset, offset + matrixRows * matrixCols);
      const { canvas } = drawHeatmap({
        rows: matrixRows,
        cols: matrixCols,
        values: slice,
        scale,
        onHover: (cell) => {
          const index = [...picked, ...(dataShape.length >= 2 ? [cell?.row ?? 0] : []), cell?.col ?? 0];
          readout.textContent = cell ? `[${index.join(', ')}] = ${cell.value}` : 'hover a cell for its index and value';
        },
      });
      plot.replaceChildren(canvas, drawLegend(scale, formatValue));
    };
    leading.forEach((size, axis) => {
      const choices = Array.from({ length: size }, (_, i) => String(i));
      controls.append(dropdown(`dim ${axis}`, choices, 0, (index) => ((picked[axis] = index), draw()), `axis-${axis}`));
    });
    if (leading.length) view.append(controls);
    draw();
    view.append(plot, readout);
  }
  if (options.showText ?? true) {
    const text = element('pre', 'al-repr', payload.text);
    text.dataset.attentionLab = 'repr';
    view.append(text);
  }
  root.append(view);
}
