// The whole of a tensor too big for one output, at a lower resolution: block means over every
// element, in a shape a heatmap can draw. outputBundle.ts sends it next to the exact leading block.

/** Largest overview side along a heatmap's rows or columns (one canvas pixel per cell). */
export const maxOverviewSide = 512;
/** Matrix axes shrink below this side only after every leading axis is down to 1. */
const minOverviewSide = 32;

const product = (sizes: readonly number[]) => sizes.reduce((n, d) => n * d, 1);

/**
 * Block sizes that bring `shape` within `maxElements` values: the matrix axes (the last two, the
 * heatmap's rows and columns) to at most {@link maxOverviewSide}, then down towards
 * `minOverviewSide`; then the leading axes (the view's slice selectors); then the
 * matrix axes further. Every axis shrinks by a whole block size, the last block of an axis may be short.
 */
export function overviewBlocks(shape: readonly number[], maxElements: number): number[] {
  const block = shape.map(() => 1);
  const out = [...shape];
  const setTarget = (axis: number, target: number) => {
    block[axis] = Math.ceil(shape[axis] / Math.max(1, Math.floor(target)));
    out[axis] = Math.ceil(shape[axis] / block[axis]);
  };
  const matrix = shape.length >= 2 ? [shape.length - 2, shape.length - 1] : shape.length === 1 ? [0] : [];
  const leading = shape.map((_, axis) => axis).filter((axis) => !matrix.includes(axis));
  for (const axis of matrix) if (out[axis] > maxOverviewSide) setTarget(axis, maxOverviewSide);
  /** Shrinks `axes` by one common factor (never below `floor`) until the overview fits or they reach it. */
  const shrink = (axes: number[], floor: number) => {
    while (product(out) > maxElements) {
      const open = axes.filter((axis) => out[axis] > floor);
      if (open.length === 0) return;
      // Each round takes every open axis at least one size down, so it ends.
      const factor = (maxElements / product(out)) ** (1 / open.length);
      for (const axis of open) setTarget(axis, Math.max(floor, out[axis] * factor));
    }
  };
  shrink(matrix, Math.min(minOverviewSide, Math.floor(Math.sqrt(maxElements))));
  shrink(leading, 1);
  shrink(matrix, 1);
  return block;
}

/**
 * Means over `block`-sized tiles of row-major `values` of `shape`, accumulated in float64 in one pass.
 * IEEE sums carry NaN and infinities through, so a block holding one shows it.
 */
export function blockMeans(
  values: ArrayLike<number>,
  shape: readonly number[],
  block: readonly number[],
): Float32Array {
  const ndim = shape.length;
  const outShape = shape.map((size, axis) => Math.ceil(size / block[axis]));
  const outStrides = outShape.map((_, axis) => product(outShape.slice(axis + 1)));
  const sums = new Float64Array(product(outShape));
  if (ndim === 0) return Float32Array.of(values[0]);
  const cols = shape[ndim - 1];
  const colBlock = block[ndim - 1];
  const index = new Array<number>(ndim - 1).fill(0);
  const rows = product(shape.slice(0, -1));
  for (let row = 0; row < rows; row++) {
    let base = 0;
    for (let axis = 0; axis < ndim - 1; axis++) base += Math.floor(index[axis] / block[axis]) * outStrides[axis];
    const start = row * cols;
    // Each run of a row inside one column block is summed locally, then added once.
    for (let first = 0, cell = base; first < cols; first += colBlock, cell++) {
      const end = Math.min(cols, first + colBlock);
      let sum = 0;
      for (let c = first; c < end; c++) sum += values[start + c];
      sums[cell] += sum;
    }
    for (let axis = ndim - 2; axis >= 0 && ++index[axis] === shape[axis]; axis--) index[axis] = 0;
  }
  const means = new Float32Array(sums.length);
  const outIndex = new Array<number>(ndim).fill(0);
  for (let i = 0; i < sums.length; i++) {
    let count = 1;
    for (let axis = 0; axis < ndim; axis++) {
      count *= Math.min(block[axis], shape[axis] - outIndex[axis] * block[axis]);
    }
    means[i] = sums[i] / count;
    for (let axis = ndim - 1; axis >= 0 && ++outIndex[axis] === outShape[axis]; axis--) outIndex[axis] = 0;
  }
  return means;
}
