/**
 * Movement ops. Most are pure stride bookkeeping and return views of the same storage (as in
 * PyTorch); contiguous/clone copy through the backend's `copy` primitive, cat/stack through `concat`.
 */
import { promoteTypes } from '../dtype';
import {
  contiguousStrides,
  formatShape,
  inferShape,
  isContiguous,
  normalizeDim,
  shapeFromArgs,
  sizeOf,
  viewStrides,
} from '../shape';
import { Tensor } from '../tensor';
import { fromValues } from './creation';
import { where } from './elementwise';

type ShapeArgs = (number | readonly number[])[];

/** One index of `index()`: a number selects, ':'/'a:b:c'/[a, b, c] slice, '...' fills, null adds an axis. */
export type IndexSpec = number | string | null | readonly [number | null, (number | null)?, (number | null)?];

export function isContiguousTensor(t: Tensor): boolean {
  return isContiguous(t.shape, t.strides);
}

export function contiguous(t: Tensor): Tensor {
  return isContiguousTensor(t) ? t : clone(t);
}

export function clone(t: Tensor): Tensor {
  return new Tensor(t.backend, t.backend.copy(t.toView(), t.dtype), t.shape, t.dtype);
}

export function view(t: Tensor, ...shapeArgs: ShapeArgs): Tensor {
  const shape = inferShape('view', shapeFromArgs(shapeArgs), t.numel());
  const strides = viewStrides(t.shape, t.strides, shape);
  if (strides === null) {
    throw new Error(
      "view: view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  return t.withLayout(shape, strides);
}

/** A view when the strides allow it, otherwise a copy (torch.reshape). */
export function reshape(t: Tensor, ...shapeArgs: ShapeArgs): Tensor {
  const shape = inferShape('reshape', shapeFromArgs(shapeArgs), t.numel());
  const strides = viewStrides(t.shape, t.strides, shape);
  return strides === null ? contiguous(t).withLayout(shape, contiguousStrides(shape), 0) : t.withLayout(shape, strides);
}

export function permute(t: Tensor, ...dimArgs: ShapeArgs): Tensor {
  const dims = shapeFromArgs(dimArgs).map((d) => normalizeDim('permute', d, t.ndim));
  if (dims.length !== t.ndim) {
    throw new Error(
      `permute: number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${t.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  if (new Set(dims).size !== dims.length) throw new Error(`permute: repeated dim in ${formatShape(dims)}`);
  return t.withLayout(
    dims.map((d) => t.shape[d]),
    dims.map((d) => t.strides[d]),
  );
}

export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  if (t.ndim === 0) return t;
  const a = normalizeDim('transpose', dim0, t.ndim);
  const b = normalizeDim('transpose', dim1, t.ndim);
  const shape = t.shape.slice();
  const strides = t.strides.slice();
  [shape[a], shape[b], strides[a], strides[b]] = [shape[b], shape[a], strides[b], strides[a]];
  return t.withLayout(shape, strides);
}

export function t(x: Tensor): Tensor {
  if (x.ndim > 2) throw new Error(`t: t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, t.ndim + 1);
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < t.ndim ? t.strides[d] * t.shape[d] : 1);
  return t.withLayout(shape, strides);
}

/** Removes every size-1 dim, or only `dim` when it has size 1 (torch.squeeze). */
export function squeeze(t: Tensor, dim?: number): Tensor {
  const drop =
    dim === undefined
      ? t.shape.map((size) => size === 1)
      : t.shape.map((size, i) => i === normalizeDim('squeeze', dim, t.ndim) && size === 1);
  return t.withLayout(
    t.shape.filter((_, i) => !drop[i]),
    t.strides.filter((_, i) => !drop[i]),
  );
}

/** Broadcasts size-1 dims (stride 0) and prepends new ones; -1 keeps a size. */
export function expand(t: Tensor, ...shapeArgs: ShapeArgs): Tensor {
  const target = shapeFromArgs(shapeArgs);
  if (target.length < t.ndim) {
    throw new Error(
      `expand: the number of sizes provided (${target.length}) must be greater or equal to the number of dimensions in the tensor (${t.ndim})`,
    );
  }
  const lead = target.length - t.ndim;
  const shape: number[] = [];
  const strides: number[] = [];
  target.forEach((size, i) => {
    const own = i - lead;
    if (own < 0) {
      if (size < 0)
        throw new Error(
          `expand: the expanded size of the tensor (${size}) isn't allowed in a leading, non-existing dimension ${i}`,
        );
      shape.push(size);
      strides.push(0);
      return;
    }
    const existing = t.shape[own];
    const wanted = size === -1 ? existing : size;
    if (existing !== wanted && existing !== 1) {
      throw new Error(
        `expand: The expanded size of the tensor (${wanted}) must match the existing size (${existing}) at non-singleton dimension ${i}.  Target sizes: ${formatShape(target)}.  Tensor sizes: ${formatShape(t.shape)}`,
      );
    }
    shape.push(wanted);
    strides.push(existing === wanted ? t.strides[own] : 0);
  });
  return t.withLayout(shape, strides);
}

export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  if (t.ndim === 0) return reshape(t, [1]);
  const start = normalizeDim('flatten', startDim, t.ndim);
  const end = normalizeDim('flatten', endDim, t.ndim);
  if (start > end) throw new Error('flatten: flatten() has invalid args: start_dim cannot come after end_dim');
  const merged = sizeOf(t.shape.slice(start, end + 1));
  return reshape(t, [...t.shape.slice(0, start), merged, ...t.shape.slice(end + 1)]);
}

export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim('narrow', dim, t.ndim);
  const size = t.shape[d];
  const begin = start < 0 ? start + size : start;
  if (begin < 0 || begin > size) {
    throw new Error(`narrow: start out of range (expected to be in range of [${-size}, ${size}], but got ${start})`);
  }
  if (length < 0 || begin + length > size) {
    throw new Error(`narrow: start (${start}) + length (${length}) exceeds dimension size (${size}).`);
  }
  return slice(t, d, begin, begin + length);
}

/** Python slice semantics on one dim: clamped bounds, negative indices from the end, positive step. */
export function slice(t: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  const d = normalizeDim('slice', dim, t.ndim);
  if (!(step > 0) || !Number.isInteger(step)) throw new Error(`slice: slice step must be positive, got ${step}`);
  const size = t.shape[d];
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const from = clamp(start ?? 0);
  const to = Math.max(clamp(end ?? size), from);
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape[d] = Math.ceil((to - from) / step);
  strides[d] = t.strides[d] * step;
  return t.withLayout(shape, strides, t.offset + from * t.strides[d]);
}

/** Picks one index along `dim` and drops the dim (torch.select, `x[i]`). */
export function select(t: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim('select', dim, t.ndim);
  const size = t.shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new Error(
      `select: select(): index ${index} out of range for tensor of size ${formatShape(t.shape)} at dimension ${d}`,
    );
  }
  const i = index < 0 ? index + size : index;
  return t.withLayout(
    t.shape.filter((_, k) => k !== d),
    t.strides.filter((_, k) => k !== d),
    t.offset + i * t.strides[d],
  );
}

function parseIndexString(text: string): IndexSpec[] {
  return text.split(',').map((part) => {
    const token = part.trim();
    if (token === '...' || token === ':') return token;
    if (token === 'None') return null;
    if (!token.includes(':')) {
      const n = Number(token);
      if (!Number.isInteger(n)) throw new Error(`index: cannot parse index '${token}'`);
      return n;
    }
    const bounds = token.split(':').map((s) => (s.trim() === '' ? null : Number(s)));
    if (bounds.length > 3 || bounds.some((b) => b !== null && !Number.isInteger(b))) {
      throw new Error(`index: cannot parse slice '${token}'`);
    }
    return [bounds[0], bounds[1] ?? null, bounds[2] ?? null] as const;
  });
}

/** Python-style indexing, `x[0, :, 1:3]` written `x.index(0, ':', '1:3')` or `x.index('0, :, 1:3')`. */
export function index(t: Tensor, ...specs: IndexSpec[]): Tensor {
  const expanded = specs.flatMap((s) =>
    typeof s === 'string' && (s.includes(',') || s.includes(':') || s.trim() !== s || s === 'None')
      ? parseIndexString(s)
      : [s],
  );
  const consumed = expanded.filter((s) => s !== null && s !== '...').length;
  if (consumed > t.ndim) throw new Error(`index: too many indices for tensor of dimension ${t.ndim}`);
  let result = t;
  let dim = 0;
  for (const spec of expanded) {
    if (spec === '...') {
      dim += t.ndim - consumed;
    } else if (spec === null) {
      result = unsqueeze(result, dim++);
    } else if (typeof spec === 'number') {
      result = select(result, dim, spec);
    } else if (spec === ':') {
      dim++;
    } else if (typeof spec === 'string') {
      const n = Number(spec);
      if (!Number.isInteger(n)) throw new Error(`index: cannot parse index '${spec}'`);
      result = select(result, dim, n);
    } else {
      const [start, end, step] = spec;
      result = slice(result, dim++, start ?? undefined, end ?? undefined, step ?? 1);
    }
  }
  return result;
}

export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new Error(`chunk: chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const d = normalizeDim('chunk', dim, t.ndim);
  const step = Math.ceil(t.shape[d] / chunks);
  return split(t, Math.max(step, 1), d);
}

/** split(size) makes equal pieces (the last may be smaller); split([sizes]) makes pieces of those sizes. */
export function split(t: Tensor, splitSize: number | number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, t.ndim);
  const size = t.shape[d];
  let sizes: number[];
  if (Array.isArray(splitSize)) {
    const total = splitSize.reduce((a, b) => a + b, 0);
    if (total !== size) {
      throw new Error(
        `split: split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${formatShape(splitSize)}`,
      );
    }
    sizes = splitSize;
  } else {
    if (!(splitSize > 0))
      throw new Error(`split: split expects split_size be non-negative, but got split_size=${splitSize}`);
    sizes = [];
    for (let at = 0; at < size; at += splitSize) sizes.push(Math.min(splitSize, size - at));
    if (sizes.length === 0) sizes.push(0);
  }
  let at = 0;
  return sizes.map((length) => {
    const piece = slice(t, d, at, at + length);
    at += length;
    return piece;
  });
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('cat: torch.cat(): expected a non-empty list of Tensors');
  const parts = tensors.filter((x) => !(x.ndim === 1 && x.numel() === 0)); // torch skips legacy empty (0,) tensors
  const first = parts[0] ?? tensors[0];
  const d = normalizeDim('cat', dim, first.ndim);
  parts.forEach((x, i) => {
    checkSameBackend('cat', first, x);
    if (x.ndim !== first.ndim) {
      throw new Error(`cat: Tensors must have same number of dimensions: got ${first.ndim} and ${x.ndim}`);
    }
    x.shape.forEach((size, k) => {
      if (k !== d && size !== first.shape[k]) {
        throw new Error(
          `cat: Sizes of tensors must match except in dimension ${d}. Expected size ${first.shape[k]} but got size ${size} for tensor number ${i} in the list.`,
        );
      }
    });
  });
  const dtype = parts.reduce((acc, x) => promoteTypes(acc, x.dtype), first.dtype);
  const shape = [...first.shape];
  shape[d] = parts.reduce((n, x) => n + x.shape[d], 0);
  const storage = first.backend.concat(
    parts.map((x) => x.toView()),
    d,
    dtype,
  );
  return new Tensor(first.backend, storage, shape, dtype);
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new Error('stack: stack expects a non-empty TensorList');
  tensors.forEach((x, i) => {
    if (x.shape.length !== tensors[0].shape.length || x.shape.some((s, k) => s !== tensors[0].shape[k])) {
      throw new Error(
        `stack: stack expects each tensor to be equal size, but got ${formatShape(tensors[0].shape)} at entry 0 and ${formatShape(x.shape)} at entry ${i}`,
      );
    }
  });
  const d = normalizeDim('stack', dim, tensors[0].ndim + 1);
  return cat(
    tensors.map((x) => unsqueeze(x, d)),
    d,
  );
}

/** Tiles the tensor: (a, b).repeat(2, 3) → (2a, 3b), by expanding an interleaved view and copying. */
export function repeat(t: Tensor, ...sizeArgs: ShapeArgs): Tensor {
  const sizes = shapeFromArgs(sizeArgs);
  if (sizes.length < t.ndim) {
    throw new Error(
      'repeat: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor',
    );
  }
  const padded = reshape(t, [...new Array<number>(sizes.length - t.ndim).fill(1), ...t.shape]);
  const interleaved = padded.shape.flatMap((size) => [1, size]); // (1, a, 1, b)
  const tiled = expand(
    reshape(padded, interleaved),
    sizes.flatMap((r, i) => [r, padded.shape[i]]),
  ); // (r0, a, r1, b)
  return reshape(
    contiguous(tiled),
    sizes.map((r, i) => r * padded.shape[i]),
  ); // (r0·a, r1·b)
}

/** Repeats each element `repeats` times along `dim` (over the flattened tensor when dim is omitted). */
export function repeatInterleave(t: Tensor, repeats: number, dim?: number): Tensor {
  const source = dim === undefined ? flatten(t) : t;
  const d = normalizeDim('repeatInterleave', dim ?? 0, source.ndim);
  const spread = unsqueeze(source, d + 1); // (.., n, 1, ..)
  const shape = [...spread.shape];
  shape[d + 1] = repeats;
  const merged = [...source.shape];
  merged[d] *= repeats;
  return reshape(contiguous(expand(spread, shape)), merged); // (.., n·r, ..)
}

function triangle(op: 'tril' | 'triu', t: Tensor, diagonal: number): Tensor {
  if (t.ndim < 2) throw new Error(`${op}: input tensor must have at least 2 dimensions`);
  const [rows, cols] = t.shape.slice(-2);
  const keep = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) keep[i * cols + j] = (op === 'tril' ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  }
  const mask = fromValues(keep, [rows, cols], 'bool', t.backend);
  return where(mask, t, 0).type(t.torchDtype);
}

export function tril(t: Tensor, diagonal = 0): Tensor {
  return triangle('tril', t, diagonal);
}

export function triu(t: Tensor, diagonal = 0): Tensor {
  return triangle('triu', t, diagonal);
}

/** PyTorch's device check, for backends: ops never mix storages of two backends. */
export function checkSameBackend(op: string, a: Tensor, b: Tensor): void {
  if (a.backend !== b.backend) {
    throw new Error(
      `${op}: Expected all tensors to be on the same backend, but found at least two backends, ${a.backend.name} and ${b.backend.name}! Move one with t.to('${a.backend.name}').`,
    );
  }
}
