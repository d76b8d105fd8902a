// Adds the image/png picture of a rich output to its mime bundle, next to our own +json mime (which
// VS Code's renderer draws: an extension's mime ranks before image/png in VS Code's display order)
// and text/plain, so JupyterLab, GitHub and nbviewer show the heatmaps and line charts too. The data
// is base64, as nbformat stores images.
import type { OutputBundle } from '../../protocol/kernelProtocol';
import type { ChartPoints } from '../../protocol/chartTicks';
import type { RichOutput } from '../../protocol/outputPayloads';
import { drawChart } from './chartFigure';
import { drawOutput } from './outputFigures';

export const pngMime = 'image/png';
/** The largest PNG file an output carries, in bytes before base64. */
export const maxPngBytes = 256 << 10;

/**
 * The PNG of `payload` within {@link maxPngBytes}: a line chart has a fixed size; noise-like values
 * in many heatmap panels compress poorly, so such a picture over the bound is drawn again with
 * heatmap sides halved (more block means). `chartPoints`: every point of a chart's series, drawn
 * instead of the shipped ones when the caller has them.
 */
export function outputPng(payload: RichOutput, chartPoints?: readonly ChartPoints[]): Buffer {
  if (payload.kind === 'chart') return drawChart(payload, chartPoints).encodePng();
  for (let detail = 1; ; detail /= 2) {
    const png = drawOutput(payload, detail).encodePng();
    // At 1/8 the heatmaps are at most 40 pixels a side, far under the bound whatever the values.
    if (png.length <= maxPngBytes || detail <= 1 / 8) return png;
  }
}

/** `bundle` with the PNG picture of `payload` added last (a chart's from `chartPoints` where given). */
export function withPicture(
  bundle: OutputBundle,
  payload: RichOutput,
  chartPoints?: readonly ChartPoints[],
): OutputBundle {
  const data = outputPng(payload, chartPoints).toString('base64');
  return { ...bundle, items: [...bundle.items, { mime: pngMime, data }] };
}
