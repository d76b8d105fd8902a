// Adds the image/png picture of a rich output to its mime bundle, next to our own +json mime (which
// VS Code's renderer draws: an extension's mime ranks before image/png in VS Code's display order)
// and text/plain, so JupyterLab, GitHub and nbviewer show the heatmaps too. The data is base64, as
// nbformat stores images.
import type { OutputBundle } from '../../protocol/kernelProtocol';
import { drawOutput, type HeatmapOutput } from './outputFigures';

export const pngMime = 'image/png';
/** The largest PNG file an output carries, in bytes before base64. */
export const maxPngBytes = 256 << 10;

/**
 * The PNG of `payload` within {@link maxPngBytes}: noise-like values in many panels compress
 * poorly, so a picture over the bound is drawn again with heatmap sides halved (more block means).
 */
export function outputPng(payload: HeatmapOutput): Buffer {
  for (let detail = 1; ; detail /= 2) {
    const png = drawOutput(payload, detail).encodePng();
    // At 1/8 the heatmaps are at most 40 pixels a side, far under the bound whatever the values.
    if (png.length <= maxPngBytes || detail <= 1 / 8) return png;
  }
}

/** `bundle` with the PNG picture of `payload` added last. */
export function withPicture(bundle: OutputBundle, payload: HeatmapOutput): OutputBundle {
  return { ...bundle, items: [...bundle.items, { mime: pngMime, data: outputPng(payload).toString('base64') }] };
}
