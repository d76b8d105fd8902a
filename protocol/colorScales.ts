// Colour scales for heatmaps, pure functions shared by the renderer's views and the kernel's PNG
// pictures, so both draw every value in the same colour: a sequential scale (viridis) for data in
// [0, 1] or of one sign, and a diverging one (coolwarm) centred on 0 for signed data. NaN, +Inf and
// −Inf get colours outside both scales. Movement stages of a trace share their source's scale; an
// overview's block means get their own range.
import { formatValue } from './numberText';
import type { StagePayload } from './outputPayloads';

export type Rgb = [number, number, number];

export interface ColorScale {
  kind: 'sequential' | 'diverging';
  min: number;
  max: number;
}

const viridis: Rgb[] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 73, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];
const coolwarm: Rgb[] = [
  [59, 76, 192],
  [124, 159, 249],
  [192, 212, 245],
  [242, 242, 242],
  [242, 203, 183],
  [238, 132, 104],
  [180, 4, 38],
];

/** Writes the colour at t ∈ [0, 1] along the stops into out[at..at+2], allocating nothing. */
function interpolateInto(stops: Rgb[], t: number, out: Rgb | Uint8Array | Uint8ClampedArray, at: number): void {
  const clamped = Math.min(1, Math.max(0, t));
  const position = clamped * (stops.length - 1);
  const low = Math.floor(position);
  const high = Math.min(stops.length - 1, low + 1);
  const f = position - low;
  const [from, to] = [stops[low], stops[high]];
  out[at] = Math.round(from[0] + (to[0] - from[0]) * f);
  out[at + 1] = Math.round(from[1] + (to[1] - from[1]) * f);
  out[at + 2] = Math.round(from[2] + (to[2] - from[2]) * f);
}

/** The colours of values no scale holds: far from every viridis and coolwarm stop. */
export const nonFiniteColors: Record<'nan' | 'posInf' | 'negInf', Rgb> = {
  nan: [255, 0, 255],
  posInf: [0, 0, 0],
  negInf: [0, 255, 255],
};

type ScaleStats = { min: number | null; max: number | null };

/**
 * Probabilities and other [0, 1] data get a fixed [0, 1] scale; signed data a symmetric diverging one.
 * Stats without finite values (min null) get the [0, 1] scale, which nothing is drawn in.
 */
export function scaleFor(stats: ScaleStats): ColorScale {
  const { min, max } = stats;
  if (min === null || max === null || (min >= 0 && max <= 1)) return { kind: 'sequential', min: 0, max: 1 };
  return rangeScale(min, max);
}

/** The scale spanning [min, max]: diverging and symmetric about 0 when it holds both signs, else sequential. */
function rangeScale(min: number, max: number): ColorScale {
  if (min < 0 && max > 0) {
    const bound = Math.max(-min, max);
    return { kind: 'diverging', min: -bound, max: bound };
  }
  return { kind: 'sequential', min, max: max === min ? min + 1 : max };
}

/**
 * The colours of an overview's block means and the label that says so: the means' own finite range,
 * not the elements' (a 2000×2000 randn spans about ±5.6, its 7×7 block means about ±0.5, which the
 * elements' scale draws as one grey). No [0, 1] rule here: the means' structure is the point.
 */
export function blockMeansColors(means: ArrayLike<number>): { scale: ColorScale; label: string } {
  let [min, max] = [Infinity, -Infinity];
  for (let i = 0; i < means.length; i++) {
    const value = means[i];
    if (value - value !== 0) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min > max) return { scale: scaleFor({ min: null, max: null }), label: 'colours: no finite block means' };
  return {
    scale: rangeScale(min, max),
    label: `colours: block means' range ${formatValue(min)}…${formatValue(max)}`,
  };
}

/** One scale covering several tensors (a grid of heads, a chain of movement stages). */
export function sharedScale(all: ScaleStats[]): ColorScale {
  const finite = all.filter((s): s is { min: number; max: number } => s.min !== null && s.max !== null);
  if (finite.length === 0) return scaleFor({ min: null, max: null });
  return scaleFor({ min: Math.min(...finite.map((s) => s.min)), max: Math.max(...finite.map((s) => s.max)) });
}

export function colorFor(value: number, scale: ColorScale): Rgb {
  const rgb: Rgb = [0, 0, 0];
  writeColor(value, scale, rgb, 0);
  return rgb;
}

/** colorFor(value, scale) written into out[at..at+2] (NaN and ±Inf in their own colours): the heatmap's per-pixel path, which must not allocate. */
export function writeColor(
  value: number,
  scale: ColorScale,
  out: Rgb | Uint8Array | Uint8ClampedArray,
  at: number,
): void {
  if (value - value !== 0) {
    const [r, g, b] = nonFiniteColors[value === Infinity ? 'posInf' : value === -Infinity ? 'negInf' : 'nan'];
    out[at] = r;
    out[at + 1] = g;
    out[at + 2] = b;
    return;
  }
  const t = (value - scale.min) / (scale.max - scale.min);
  interpolateInto(scale.kind === 'sequential' ? viridis : coolwarm, t, out, at);
}

export function cssColor([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

const movementOps = /^(reshape|view|transpose|permute|contiguous|flatten|unsqueeze|squeeze|transpose\+view|expand)$/;

/** A stage that only moves values (reshape, view, transpose, permute, ...). */
export function isMovement(stage: StagePayload): boolean {
  return movementOps.test(stage.op);
}

/** The scale of each stage: a movement stage reuses the previous stage's (values only move). */
export function stageScales(stages: StagePayload[]): ColorScale[] {
  const scales: ColorScale[] = [];
  stages.forEach((stage, i) => scales.push(isMovement(stage) && i > 0 ? scales[i - 1] : scaleFor(stage.tensor.stats)));
  return scales;
}
