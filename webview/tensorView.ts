// The tensor view: shape, dtype, backend and stats; a heatmap of a 2-D slice with one selector
// per leading axis, a legend and a hover readout; and PyTorch's repr. Also the body of each stage.
// A tensor over the output cap arrives as an overview of every element (block means) and its exact
// leading block: the view shows the overview (coloured over the block means' own range, and labelled
// so), offers the block, and says what was cut.
import type { OutputCut, TensorOutput } from '../protocol/outputPayloads';
import { decodeTensor } from '../protocol/tensorWire';
import { blockMeansColors, scaleFor, type ColorScale } from '../protocol/colorScales';
import { dropdown, element } from './dom';
import { drawHeatmap, drawLegend, type NonFinitePresent } from './heatmap';
import { blockRange, formatBytes, formatShape, formatValue, stridesOf } from './numberFormat';
import { normalizedStats, statsLine } from '../protocol/tensorStats';

export { statsLine } from '../protocol/tensorStats';

export interface TensorViewOptions {
  /** A scale shared with other views (stages of one movement chain); default from this tensor. */
  scale?: ColorScale;
  showText?: boolean;
}

/** Row-major values drawn as heatmap slices: the exact values (blocks of 1) or block means. */
interface Layer {
  shape: number[];
  values: Float32Array;
  /** Entries of the tensor's axis behind each entry of this layer's axis. */
  block: number[];
  scale: ColorScale;
  /** What the colours span, when not the stats' range (block means' own). */
  colorsLabel?: string;
}

/** "2000×2000 shown as 286×286 block means (blocks of 7×7)". */
export function overviewLabel(
  shape: readonly number[],
  overviewShape: readonly number[],
  block: readonly number[],
): string {
  return `${shape.join('×')} shown as ${overviewShape.join('×')} block means (blocks of ${block.join('×')})`;
}

/** What the size cap cut, in words. */
export function cutNote(
  cut: OutputCut,
  exactShape: readonly number[],
  shape: readonly number[],
  overview: boolean,
): string {
  const parts = [
    `Over the output cap: every value would take ${formatBytes(cut.fullValueBytes)}, the cap is ${formatBytes(cut.maxBytes)} (attentionLab.maxOutputBytes).`,
  ];
  if (overview)
    parts.push(
      `The heatmap shows all ${formatShape(shape)} as block means; the leading block ${formatShape(exactShape)} is exact; the stats cover every element.`,
    );
  if (cut.textCutAt !== undefined) parts.push(`The text is cut after ${cut.textCutAt} characters.`);
  return parts.join(' ');
}

/** A heatmap of one 2-D slice of `layer`, a selector per leading axis, a legend and a hover readout. */
function renderSlices(layer: Layer, fullShape: readonly number[], nonFinite: NonFinitePresent): HTMLElement {
  const { shape, values, block, scale } = layer;
  const means = block.some((b) => b > 1);
  const body = element('div', 'al-layer');
  const matrixRows = shape.length >= 2 ? shape[shape.length - 2] : 1;
  const matrixCols = shape[shape.length - 1];
  const leading = shape.slice(0, Math.max(0, shape.length - 2));
  const picked = leading.map(() => 0);
  const controls = element('div', 'al-controls');
  const plot = element('div', 'al-plot');
  const idle = means ? 'hover a cell for the entries it covers and their mean' : 'hover a cell for its index and value';
  const readout = element('div', 'al-readout', idle);
  readout.dataset.attentionLab = 'readout';
  const strides = stridesOf(shape);
  const entry = (axis: number, index: number) => blockRange(index, block[axis], fullShape[axis]);
  const draw = () => {
    const offset = picked.reduce((sum, index, axis) => sum + index * strides[axis], 0);
    const slice = values.subarray(offset, offset + matrixRows * matrixCols);
    const { canvas } = drawHeatmap({
      rows: matrixRows,
      cols: matrixCols,
      values: slice,
      scale,
      onHover: (cell) => {
        const matrixIndex = [...(shape.length >= 2 ? [cell?.row ?? 0] : []), cell?.col ?? 0];
        const index = [...picked, ...matrixIndex].map((at, axis) => entry(axis, at));
        readout.textContent = cell ? `[${index.join(', ')}] ${means ? 'mean ' : ''}= ${cell.value}` : idle;
      },
    });
    plot.replaceChildren(canvas, drawLegend(scale, formatValue, nonFinite));
  };
  leading.forEach((size, axis) => {
    const choices = Array.from({ length: size }, (_, i) => entry(axis, i));
    controls.append(dropdown(`dim ${axis}`, choices, 0, (index) => ((picked[axis] = index), draw()), `axis-${axis}`));
  });
  if (means) {
    const label = element('div', 'al-overview-label', overviewLabel(fullShape, shape, block));
    label.dataset.attentionLab = 'overview-label';
    body.append(label);
  }
  if (layer.colorsLabel) {
    const label = element('div', 'al-overview-label', layer.colorsLabel);
    label.dataset.attentionLab = 'overview-colors';
    body.append(label);
  }
  if (leading.length) body.append(controls);
  draw();
  body.append(plot, readout);
  return body;
}

export function renderTensor(payload: TensorOutput, root: HTMLElement, options: TensorViewOptions = {}): void {
  const exact = decodeTensor(payload.data);
  const stats = normalizedStats(payload.stats);
  const view = element('div', 'al-view al-tensor');
  view.dataset.attentionLab = 'tensor-view';
  const header = element('div', 'al-header');
  header.append(
    element('span', 'al-title', payload.title ?? 'tensor'),
    element('span', 'al-shape', formatShape(payload.shape)),
    element('span', 'al-meta', `${payload.dtype} · ${payload.backend}`),
  );
  header.querySelector('.al-shape')?.setAttribute('data-attention-lab', 'shape');
  const statsText = element('div', 'al-stats', statsLine(payload.stats));
  statsText.dataset.attentionLab = 'stats';
  view.append(header, statsText);
  const truncated = exact.shape.some((d, i) => d !== payload.shape[i]);
  if (payload.cut || truncated) {
    const text = payload.cut
      ? cutNote(payload.cut, exact.shape, payload.shape, payload.overview !== undefined)
      : `Too big to ship whole: showing the leading block ${formatShape(exact.shape)} of ${formatShape(payload.shape)}; the stats cover every element.`;
    const note = element('div', 'al-note', text);
    note.dataset.attentionLab = 'truncated';
    view.append(note);
  }
  const scale = options.scale ?? scaleFor(stats);
  const nonFinite = { nan: stats.nanCount > 0, posInf: stats.posInfCount > 0, negInf: stats.negInfCount > 0 };
  const layers: Layer[] = [];
  if (payload.overview) {
    const { shape, values } = decodeTensor(payload.overview.data);
    // A scale shared with other views stays shared; the tensor's own is its block means' range.
    const colors = options.scale ? { scale: options.scale, label: undefined } : blockMeansColors(values);
    layers.push({ shape, values, block: payload.overview.block, scale: colors.scale, colorsLabel: colors.label });
  }
  if (exact.shape.length >= 1 && exact.values.length > 0)
    layers.push({ shape: exact.shape, values: exact.values, block: exact.shape.map(() => 1), scale });
  if (layers.length > 0) {
    const shown = element('div', 'al-layer-host');
    const show = (index: number) => shown.replaceChildren(renderSlices(layers[index], payload.shape, nonFinite));
    if (layers.length > 1) {
      const choices = ['every element, as block means', `leading block ${formatShape(exact.shape)}, exact values`];
      const controls = element('div', 'al-controls');
      controls.append(dropdown('show', choices, 0, show, 'layer'));
      view.append(controls);
    }
    show(0);
    view.append(shown);
  }
  if (options.showText ?? true) {
    const text = element('pre', 'al-repr', payload.text);
    text.dataset.attentionLab = 'repr';
    view.append(text);
  }
  root.append(view);
}
