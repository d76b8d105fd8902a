// The image/png picture of each heatmap output, drawn in the kernel from the same payload the
// renderer draws, so Jupyter, GitHub and nbviewer show what VS Code shows: a tensor as a heatmap (1-D
// as a strip, higher ranks as a grid of leading slices, big tensors as the overview's block means,
// coloured over the means' own range and labelled so), attention as one panel per map with token
// labels, stages as a list of shapes with thumbnails; each with axes, its stats and a colour legend.
// Bounded in pixels and bytes. (Line charts: chartFigure.ts.)
import {
  blockMeansColors,
  isMovement,
  scaleFor,
  sharedScale,
  stageScales,
  type ColorScale,
} from '../../protocol/colorScales';
import { formatValue } from '../../protocol/numberText';
import type { AttentionOutput, StagesOutput, TensorOutput } from '../../protocol/outputPayloads';
import { normalizedStats, statsLine } from '../../protocol/tensorStats';
import { decodeTensor } from '../../protocol/tensorWire';
import {
  column,
  drawFigure,
  heatmapBlock,
  inkColors,
  legendBlock,
  row,
  textBlock,
  wrap,
  type Block,
  type LegendMarks,
} from './figureBlocks';
import type { RasterCanvas } from './rasterCanvas';

/** The widest picture, in pixels (wider content wraps or is cut). */
export const maxPictureWidth = 1000;
/** Largest heatmap side of a lone matrix, and of each panel in a grid, at full detail. */
const soloSide = 320;
const panelSide = 160;
/** Most panels in one picture (slices of a tensor, maps of attention), and most stages listed. */
export const maxPanels = 16;
export const maxStages = 40;
/** Largest thumbnail side in the stage list. */
const thumbnailSide = 48;

/** Heatmap sides at a level of detail: 1 is full size, 0.5 half the side. */
interface Sides {
  solo: number;
  panel: number;
}

/** The outputs drawn as heatmaps: a tensor, attention maps, a trace's stages. */
export type HeatmapOutput = TensorOutput | AttentionOutput | StagesOutput;

/** The picture of a heatmap output; `detail` < 1 shrinks its heatmaps' sides (more block means). */
export function drawOutput(payload: HeatmapOutput, detail = 1): RasterCanvas {
  const sides = {
    solo: Math.max(8, Math.round(soloSide * detail)),
    panel: Math.max(8, Math.round(panelSide * detail)),
  };
  const figure =
    payload.kind === 'tensor'
      ? tensorFigure(payload, sides)
      : payload.kind === 'attention'
        ? attentionFigure(payload, sides)
        : stagesFigure(payload, Math.max(8, Math.round(thumbnailSide * detail)));
  return drawFigure(figure);
}

const formatShape = (shape: readonly number[]) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

/** The entries of a source axis one drawn index covers: "7" or "7–13". */
function coveredEntries(index: number, block: number, size: number): string {
  const last = Math.min(size, (index + 1) * block) - 1;
  return index * block === last ? String(last) : `${index * block}–${last}`;
}

function header(title: string, details: string[]): Block {
  const detailBlocks = details.map((d) => textBlock(d, { color: inkColors.muted }, maxPictureWidth / 4));
  return row([textBlock(title, { bold: true }, maxPictureWidth / 2), ...detailBlocks], 12);
}

function marksOf(payload: TensorOutput | AttentionOutput): LegendMarks {
  const stats = normalizedStats(payload.stats);
  return { nan: stats.nanCount > 0, posInf: stats.posInfCount > 0, negInf: stats.negInfCount > 0 };
}

const muted = (text: string) => textBlock(text, { color: inkColors.muted }, maxPictureWidth);

/** The tensor's values as drawn: the overview's block means when it has one, else its values. */
function shownValues(payload: TensorOutput): { shape: number[]; values: Float32Array; block: number[] } {
  if (payload.overview) {
    const { shape, values } = decodeTensor(payload.overview.data);
    return { shape, values, block: payload.overview.block };
  }
  const { shape, values } = decodeTensor(payload.data);
  return { shape, values, block: shape.map(() => 1) };
}

/** The heatmaps of a tensor's values: one for rank ≤ 2, else one per leading slice, up to `maxPanels`. */
function tensorHeatmaps(
  payload: TensorOutput,
  scale: ColorScale,
  layout: Sides & { axisNames: boolean; maxSlices: number },
): { panels: Block[]; notes: string[] } {
  const { shape: drawnShape, values, block } = shownValues(payload);
  if (values.length === 0) return { panels: [], notes: ['empty tensor: nothing to draw'] };
  const shape = drawnShape.length === 0 ? [1, 1] : drawnShape.length === 1 ? [1, ...drawnShape] : drawnShape;
  const blocks = drawnShape.length === 0 ? [1, 1] : drawnShape.length === 1 ? [1, ...block] : block;
  const fullShape = payload.overview?.shape ?? payload.shape;
  const rank = drawnShape.length;
  const [rows, cols] = shape.slice(-2);
  const [rowBlock, colBlock] = blocks.slice(-2);
  const leading = shape.slice(0, -2);
  const sliceCount = leading.reduce((n, d) => n * d, 1);
  const shown = Math.min(sliceCount, layout.maxSlices);
  const panels: Block[] = [];
  for (let slice = 0; slice < shown; slice++) {
    // The slice's index along each leading axis, in source coordinates.
    const index: string[] = [];
    for (let axis = leading.length - 1, rest = slice; axis >= 0; axis--) {
      index.unshift(coveredEntries(rest % leading[axis], blocks[axis], fullShape[axis]));
      rest = Math.floor(rest / leading[axis]);
    }
    panels.push(
      heatmapBlock({
        rows,
        cols,
        values: values.subarray(slice * rows * cols, (slice + 1) * rows * cols),
        scale,
        maxSide: sliceCount > 1 ? layout.panel : layout.solo,
        rowBlock,
        colBlock,
        rowTicks: rank >= 2,
        rowAxis: layout.axisNames && rank >= 2 ? `dim ${rank - 2}` : undefined,
        colAxis: layout.axisNames && rank >= 1 ? `dim ${rank - 1}` : undefined,
        caption: leading.length ? `[${[...index, ':', ':'].join(', ')}]` : undefined,
      }),
    );
  }
  const notes: string[] = [];
  if (payload.overview) {
    const [overviewShape, blocksOf] = [payload.overview.data.shape, payload.overview.block];
    notes.push(
      `${fullShape.join('×')} shown as ${overviewShape.join('×')} block means (blocks of ${blocksOf.join('×')})`,
    );
  } else if (drawnShape.some((d, i) => d !== payload.shape[i]))
    notes.push(`showing the leading block ${formatShape(drawnShape)} of ${formatShape(payload.shape)}`);
  if (shown < sliceCount) notes.push(`first ${shown} of ${sliceCount} slices`);
  return { panels, notes };
}

function tensorFigure(payload: TensorOutput, sides: Sides): Block {
  // An overview's colours span its block means' range, labelled so; exact values', the stats' range.
  const means = payload.overview ? blockMeansColors(shownValues(payload).values) : undefined;
  const scale = means?.scale ?? scaleFor(normalizedStats(payload.stats));
  const layout = { ...sides, axisNames: true, maxSlices: maxPanels };
  const { panels, notes } = tensorHeatmaps(payload, scale, layout);
  if (means) notes.push(means.label);
  return column(
    [
      header(payload.title ?? 'tensor', [formatShape(payload.shape), `${payload.dtype} · ${payload.backend}`]),
      muted(statsLine(payload.stats)),
      ...notes.map(muted),
      wrap(panels, maxPictureWidth),
      ...(panels.length ? [legendBlock(scale, marksOf(payload))] : []),
    ],
    6,
  );
}

function attentionFigure(payload: AttentionOutput, sides: Sides): Block {
  const exact = decodeTensor(payload.weights);
  const weights = payload.overview ? decodeTensor(payload.overview.data) : exact;
  const [batches, heads, rows, cols] = weights.shape;
  const blocks = payload.overview?.block ?? [1, 1, 1, 1];
  const maskPayload = payload.overview ? payload.maskOverview : payload.mask;
  // As the renderer: without an explicit mask, a weight of exactly 0 counts as masked.
  const masked = maskPayload ? decodeTensor(maskPayload).values : weights.values.map((v) => (v === 0 ? 1 : 0));
  const scale = sharedScale([normalizedStats(payload.stats)]);
  const mapCount = batches * heads;
  const shown = Math.min(mapCount, maxPanels);
  const panels: Block[] = [];
  for (let map = 0; map < shown; map++) {
    const [batch, head] = [Math.floor(map / heads), map % heads];
    const caption = payload.averagedHeads
      ? `mean over ${payload.averagedHeads} heads${batches > 1 ? ` · batch ${batch}` : ''}`
      : [batches > 1 ? `batch ${batch}` : '', heads > 1 ? `head ${head}` : ''].filter(Boolean).join(' · ');
    const cells = weights.values.subarray(map * rows * cols, (map + 1) * rows * cols);
    panels.push(
      heatmapBlock({
        rows,
        cols,
        values: cells,
        masked: masked.subarray(map * rows * cols, (map + 1) * rows * cols),
        scale,
        maxSide: mapCount > 1 ? sides.panel : sides.solo,
        rowBlock: blocks[2],
        colBlock: blocks[3],
        // Token labels name single positions, so block means go unlabelled.
        rowLabels: blocks[2] === 1 ? payload.queries : undefined,
        colLabels: blocks[3] === 1 ? payload.keys : undefined,
        rowAxis: 'query',
        colAxis: 'key',
        caption: caption || undefined,
      }),
    );
  }
  const notes: string[] = [];
  if (payload.overview) {
    const [, , queries, keys] = payload.overview.shape;
    notes.push(`${queries}×${keys} maps shown as ${rows}×${cols} block means (blocks of ${blocks[2]}×${blocks[3]})`);
  } else if (mapCount < payload.fullLayout[0] * payload.fullLayout[1])
    notes.push(
      `showing ${batches} of ${payload.fullLayout[0]} batch entries × ${heads} of ${payload.fullLayout[1]} heads`,
    );
  if (shown < mapCount) notes.push(`first ${shown} of ${mapCount} maps`);
  const anyMasked = masked.some((fraction) => fraction === 1);
  return column(
    [
      header(payload.title ?? 'attention weights', [
        formatShape(payload.sourceShape),
        ...(payload.averagedHeads ? [`mean over ${payload.averagedHeads} heads`] : []),
      ]),
      muted(statsLine(payload.stats)),
      ...notes.map(muted),
      wrap(panels, maxPictureWidth),
      legendBlock(scale, { ...marksOf(payload), masked: anyMasked }),
    ],
    6,
  );
}

function stagesFigure(payload: StagesOutput, thumbnail: number): Block {
  const stages = payload.stages.slice(0, maxStages);
  const scales = stageScales(stages);
  const entries = stages.map((stage, i) => {
    const describe = (s: { shape: number[]; axes: string[] }) => `${formatShape(s.shape)} [${s.axes.join(', ')}]`;
    const layout = { solo: thumbnail, panel: thumbnail, axisNames: false, maxSlices: 1 };
    const { panels } = tensorHeatmaps(stage.tensor, scales[i], layout);
    const scale = scales[i];
    return row(
      [
        panels[0] ?? textBlock('empty', { color: inkColors.muted }),
        column(
          [
            textBlock(`${i + 1}. ${stage.name}`, { bold: true }, maxPictureWidth / 2),
            textBlock(`${stage.op} · ${stage.module}`, { color: inkColors.muted }, maxPictureWidth / 2),
            textBlock(
              [stage.inputs.map(describe).join(' , '), describe(stage.output)].filter(Boolean).join(' → '),
              {},
              maxPictureWidth,
            ),
            muted(
              isMovement(stage) && i > 0
                ? 'values moved: colours as the stage before'
                : `colours ${formatValue(scale.min)} … ${formatValue(scale.max)} (${scale.kind})`,
            ),
          ],
          3,
        ),
      ],
      12,
    );
  });
  const more = payload.stages.length - stages.length;
  return column(
    [
      header(payload.title ?? 'forward pass', [`${payload.stages.length} stages`]),
      ...entries,
      ...(more > 0 ? [muted(`… ${more} more stages`)] : []),
    ],
    8,
  );
}
