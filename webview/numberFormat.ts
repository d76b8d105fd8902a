// Number and shape formatting for the renderer's labels and readouts (pure functions).
export { formatValue } from '../protocol/numberText';

export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/** A byte count in B, kB or MB (powers of 1024, as the setting's default of 1 MB = 1048576). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1 << 20) return `${Number((bytes / 1024).toPrecision(3))} kB`;
  return `${Number((bytes / (1 << 20)).toPrecision(3))} MB`;
}

/** The entries of an axis that one overview cell covers: "7" or "7–13". */
export function blockRange(index: number, block: number, size: number): string {
  const first = index * block;
  const last = Math.min(size, first + block) - 1;
  return first === last ? String(first) : `${first}–${last}`;
}
