/**
 * Rearranging ops (issue 14): flip, roll, diag, diagonal, triuIndices/trilIndices, unbind, movedim,
 * swapaxes, broadcastTo/broadcastTensors/broadcastShapes, meshgrid, and the gathers of
 * torch.nn.functional: pad, oneHot, embedding. Views where PyTorch returns views (diagonal, unbind,
 * movedim, swapaxes, broadcastTo, broadcastTensors, meshgrid), copies elsewhere. Index-driven results
 * (diag of a vector, oneHot, embedding, the index lists) are written on the host and uploaded to the
 * input's backend, so every backend runs them unchanged.
 */
import {
  checkOptions,
  intsFromArgs,
  isBool,
  isInt,
  isIntOrInts,
  isNumber,
  isOneOf,
  isOptional,
  isTensor,
  optionalArguments,
  type PositionalOrOptions,
} from '../arguments';
import type { Backend } from '../backend';
import { activeBackend } from '../backends/registry';
import {
  allocate,
  castArray,
  checkRange,
  isDType,
  kernelNotImplemented,
  scalarTypeName,
  storageDtype,
  type TorchDType,
  type TypedArray,
} from '../dtype';
import { broadcastShapes as broadcastTwo, formatShape, normalizeDim, toSize, type Shape, type Size } from '../shape';
import { recordClone, renameGradFn } from '../autograd/derivatives';
import { recordDiag, recordEmbedding } from '../autograd/hostDerivatives';
import { tracksGrad } from '../autograd/gradMode';
import { Tensor } from '../tensor';
import { cat, expand, narrow, permute, reshape, select, transpose, type ShapeArgs } from './movement';

/** PyTorch 1.13's name for size lists in its argument errors. */
const symInts = 'tuple of SymInts';

/** A contiguous tensor on `backend` over `values`, already in `dtype`'s storage type. */
function uploaded(values: TypedArray, shape: Shape, dtype: TorchDType, backend: Backend): Tensor {
  const storage = storageDtype(dtype);
  return new Tensor(backend, backend.upload(values, storage), shape, storage, undefined, 0, dtype);
}

/** A contiguous copy of `t` (any strides, negative ones included) that keeps its PyTorch dtype; the gradient passes through. */
function copied(t: Tensor): Tensor {
  const out = new Tensor(t.backend, t.backend.copy(t.toView(), t.dtype), t.shape, t.dtype, undefined, 0, t.torchDtype);
  return tracksGrad(t) ? recordClone(t, out) : out;
}

/** `t`'s storage and layout under `like`'s PyTorch dtype (cat's result forgets int32 versus int64). */
function withTorchDtypeOf(t: Tensor, like: Tensor): Tensor {
  if (t.torchDtype === like.torchDtype) return t;
  return new Tensor(t.backend, t.storage, t.shape, t.dtype, t.strides, t.offset, like.torchDtype);
}

/** Normalised dims with PyTorch's error for a repeated one: `message(dim)` is its text. */
function distinctDims(call: string, dims: readonly number[], ndim: number, message: (dim: number) => string) {
  const normalized = dims.map((d) => normalizeDim(call, d, ndim));
  normalized.forEach((d, i) => {
    if (normalized.indexOf(d) !== i) throw new Error(`${call}: ${message(d)}`);
  });
  return normalized;
}

// flip, roll -----------------------------------------------------------------------------------

/** torch.flip: the elements of the listed dims in reverse order, as a copy: `flip(x, [0, 1])`, `x.flip(-1)`. */
export function flip(input: Tensor, ...dims: ShapeArgs): Tensor {
  isTensor(input, 'flip', 'input', 1);
  const repeated = (d: number) => `dim ${d} appears multiple times in the list of dims`;
  const flipped = distinctDims('flip', intsFromArgs('flip', 'dims', dims, 2), input.ndim, repeated);
  if (input.ndim === 0 || input.numel() === 0) return renameGradFn(copied(input), 'FlipBackward0', [input]);
  const strides = [...input.strides];
  let offset = input.offset;
  for (const d of flipped) {
    offset += (input.shape[d] - 1) * strides[d];
    strides[d] = -strides[d];
  }
  // A view with negative strides reads the flipped order; it never leaves this function.
  return renameGradFn(copied(input.withLayout(input.shape, strides, offset)), 'FlipBackward0', [input]);
}

/** roll's optional dims, checked once. */
const rollSpec = { dims: isOptional(isIntOrInts) };

/** The keyword form of roll's dims: `roll(x, 1, { dims: 0 })`. */
export interface RollOptions {
  /** The dims to roll along; without them the flattened tensor rolls (PyTorch: dims). */
  dims?: number | number[] | null;
}

/**
 * torch.roll: the elements shifted along dims, wrapping around, as a copy: `roll(x, 1)` (flattened),
 * `roll(x, 1, 0)`, `roll(x, [1, -1], [0, 1])`, `roll(x, 2, { dims: -1 })`.
 */
export function roll(
  input: Tensor,
  shifts: number | readonly number[],
  ...args: PositionalOrOptions<[dims: number | readonly number[] | null], RollOptions>
): Tensor {
  isTensor(input, 'roll', 'input', 1);
  const shiftList = [isIntOrInts(shifts, 'roll', 'shifts', 2)].flat();
  const { dims } = optionalArguments('roll', args, rollSpec, 3);
  const dimList = dims === undefined ? [] : [dims].flat();
  if (dimList.length === 0) {
    if (shiftList.length !== 1) {
      throw new Error(`roll: shifts and dimensions must align. shifts: ${shiftList.length}, dims:0`);
    }
    const rolled = reshape(roll(reshape(input, [-1]), shiftList[0], 0), input.shape); // the flattened tensor, rolled
    return renameGradFn(rolled, 'RollBackward0', [input]);
  }
  if (shiftList.length !== dimList.length) {
    throw new Error(`roll: shifts and dimensions must align. shifts: ${shiftList.length}, dims:${dimList.length}`);
  }
  if (input.ndim === 0) throw new Error('roll: Dimension specified as 0 but tensor has no dimensions');
  let result = input;
  dimList.forEach((dim, i) => {
    const d = normalizeDim('roll', dim, input.ndim);
    const size = input.shape[d];
    const shift = size === 0 ? 0 : ((shiftList[i] % size) + size) % size;
    if (shift !== 0) result = cat([narrow(result, d, size - shift, shift), narrow(result, d, 0, size - shift)], d);
  });
  return renameGradFn(result === input ? copied(input) : withTorchDtypeOf(result, input), 'RollBackward0', [input]);
}

// diagonals ------------------------------------------------------------------------------------

/** The keyword form of diag's diagonal. */
export interface DiagOptions {
  /** 0 the main diagonal, above it positive, below negative (PyTorch: diagonal). */
  diagonal?: number;
}

/**
 * torch.diag: a vector gives a square matrix with it on the `diagonal`-th diagonal, a matrix gives its
 * `diagonal`-th diagonal as a vector (copies): `diag(v)`, `diag(v, 1)`, `diag(m, { diagonal: -1 })`.
 */
export function diag(input: Tensor, ...args: PositionalOrOptions<[diagonal: number], DiagOptions>): Tensor {
  isTensor(input, 'diag', 'input', 1);
  const { diagonal = 0 } = optionalArguments('diag', args, { diagonal: isInt }, 2);
  if (input.ndim === 2) return copied(diagonalView(input, diagonal, 0, 1));
  if (input.ndim !== 1) throw new Error('diag: matrix or a vector expected');
  const values = input.dataSync();
  const n = values.length;
  const size = n + Math.abs(diagonal);
  const out = allocate(input.dtype, size * size);
  const [row, col] = diagonal >= 0 ? [0, diagonal] : [-diagonal, 0];
  for (let i = 0; i < n; i++) out[(row + i) * size + col + i] = values[i];
  const matrix = uploaded(out, [size, size], input.torchDtype, input.backend);
  return tracksGrad(input) ? recordDiag(input, matrix, diagonal) : matrix;
}

/** diagonal's optional arguments, checked once. */
const diagonalSpec = { offset: isInt, dim1: isInt, dim2: isInt };

/** The keyword forms of diagonal's arguments. */
export interface DiagonalViewOptions {
  /** Which diagonal: 0 the main one, above it positive, below negative (PyTorch: offset). */
  offset?: number;
  /** The first dim of the matrices (PyTorch: dim1). */
  dim1?: number;
  /** The second dim of the matrices (PyTorch: dim2). */
  dim2?: number;
}

/** The diagonal of dims d1, d2 as a view: those dims removed, the diagonal appended as the last dim. */
function diagonalView(input: Tensor, offset: number, dim1: number, dim2: number): Tensor {
  const d1 = normalizeDim('diagonal', dim1, input.ndim);
  const d2 = normalizeDim('diagonal', dim2, input.ndim);
  if (d1 === d2) throw new Error(`diagonal: diagonal dimensions cannot be identical ${dim1}, ${dim2}`);
  const [rows, cols] = [input.shape[d1], input.shape[d2]];
  const length = Math.max(0, offset >= 0 ? Math.min(rows, cols - offset) : Math.min(rows + offset, cols));
  let start = input.offset;
  if (length > 0) start += offset >= 0 ? offset * input.strides[d2] : -offset * input.strides[d1];
  const kept = [...input.shape.keys()].filter((d) => d !== d1 && d !== d2);
  return input.withLayout(
    [...kept.map((d) => input.shape[d]), length],
    [...kept.map((d) => input.strides[d]), input.strides[d1] + input.strides[d2]],
    start,
  );
}

/**
 * torch.diagonal: the `offset`-th diagonal of the matrices in dims dim1 and dim2, as a view with
 * that diagonal as its last dim: `diagonal(x)`, `diagonal(x, 1, -2, -1)`, `x.diagonal({ dim1: 1, dim2: 2 })`.
 */
export function diagonal(
  input: Tensor,
  ...args: PositionalOrOptions<[offset: number, dim1: number, dim2: number], DiagonalViewOptions>
): Tensor {
  isTensor(input, 'diagonal', 'input', 1);
  const { offset = 0, dim1 = 0, dim2 = 1 } = optionalArguments('diagonal', args, diagonalSpec, 2);
  return diagonalView(input, offset, dim1, dim2);
}

/** The options of triuIndices and trilIndices. */
export interface TriangleIndicesOptions {
  /** Which diagonal bounds the triangle: 0 the main one (PyTorch: offset). */
  offset?: number;
  /** 'int64' (the default) or 'int32' (PyTorch: dtype). */
  dtype?: 'int64' | 'long' | 'int32' | 'int' | 'torch.int64' | 'torch.long' | 'torch.int32' | 'torch.int';
}

const triangleIndicesSpec = { offset: isInt, dtype: isDType };

/** The (2, N) coordinates of a row × col matrix's triangle, row by row. */
function triangleIndices(call: string, args: readonly unknown[], keeps: (i: number, j: number, k: number) => boolean) {
  const [row, col, ...rest] = args;
  isInt(row, call, 'row', 1);
  isInt(col, call, 'col', 2);
  const { offset = 0, dtype = 'int64' } = optionalArguments(call, rest, triangleIndicesSpec, 3);
  if ((row as number) < 0) throw new Error(`${call}: row must be non-negative, got${row}`);
  if ((col as number) < 0) throw new Error(`${call}: col must be non-negative, got${col}`);
  if (dtype !== 'int64' && dtype !== 'int32') {
    throw kernelNotImplemented(call, call, dtype);
  }
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < (row as number); i++) {
    for (let j = 0; j < (col as number); j++) {
      if (keeps(i, j, offset)) (rows.push(i), cols.push(j));
    }
  }
  return uploaded(castArray([...rows, ...cols], 'int32'), [2, rows.length], dtype, activeBackend());
}

/**
 * torch.triu_indices: the coordinates on and above the `offset`-th diagonal of a row × col matrix, a
 * (2, N) int64 tensor: `triuIndices(3, 3)`, `triuIndices(4, 4, 1)`, `triuIndices(3, 3, { offset: -1 })`.
 */
export function triuIndices(
  row: number,
  col: number,
  ...args: PositionalOrOptions<[offset: number], TriangleIndicesOptions>
): Tensor {
  return triangleIndices('triuIndices', [row, col, ...args], (i, j, k) => j - i >= k);
}

/** torch.tril_indices: the coordinates on and below the `offset`-th diagonal, as {@link triuIndices}. */
export function trilIndices(
  row: number,
  col: number,
  ...args: PositionalOrOptions<[offset: number], TriangleIndicesOptions>
): Tensor {
  return triangleIndices('trilIndices', [row, col, ...args], (i, j, k) => j - i <= k);
}

// dims: unbind, movedim, swapaxes ------------------------------------------------------------------

/** The keyword form of an optional dim. */
export interface UnbindOptions {
  /** The dim to take apart (PyTorch: dim). */
  dim?: number;
}

/** torch.unbind: the slices along `dim` (0 by default), each a view without that dim: `unbind(x, 1)`. */
export function unbind(input: Tensor, ...args: PositionalOrOptions<[dim: number], UnbindOptions>): Tensor[] {
  isTensor(input, 'unbind', 'input', 1);
  const { dim = 0 } = optionalArguments('unbind', args, { dim: isInt }, 2);
  if (input.ndim === 0) throw new Error('unbind: Dimension specified as 0 but tensor has no dimensions');
  const d = normalizeDim('unbind', dim, input.ndim);
  return Array.from({ length: input.shape[d] }, (_, i) => select(input, d, i));
}

/**
 * torch.movedim: moves the dims in `source` to the places in `destination`, the others keep their order
 * (a view): `movedim(x, 0, -1)`, `movedim(x, [0, 1], [2, 0])`.
 */
export function movedim(
  input: Tensor,
  source: number | readonly number[],
  destination: number | readonly number[],
): Tensor {
  isTensor(input, 'movedim', 'input', 1);
  const from = [isIntOrInts(source, 'movedim', 'source', 2)].flat();
  const to = [isIntOrInts(destination, 'movedim', 'destination', 3)].flat();
  if (from.length !== to.length) {
    throw new Error(
      `movedim: Invalid source or destination dims: source (${formatShape(from)} dims) should contain the same number of dims as destination (${formatShape(to)} dims)`,
    );
  }
  const repeated = (name: string, dims: number[]) => () => `repeated dim in \`${name}\` (${formatShape(dims)})`;
  const sources = distinctDims('movedim', from, input.ndim, repeated('source', from));
  const destinations = distinctDims('movedim', to, input.ndim, repeated('destination', to));
  if (input.ndim === 0) return permute(input, []); // dims 0 and -1 of a scalar are the scalar itself
  const order = new Array<number>(input.ndim).fill(-1);
  sources.forEach((s, i) => (order[destinations[i]] = s));
  const rest = [...input.shape.keys()].filter((d) => !sources.includes(d));
  for (let place = 0; place < order.length; place++) if (order[place] === -1) order[place] = rest.shift()!;
  return permute(input, order);
}

/** NumPy's name for {@link movedim}. */
export function moveaxis(
  input: Tensor,
  source: number | readonly number[],
  destination: number | readonly number[],
): Tensor {
  return movedim(input, source, destination);
}

/** Swaps two dims, as transpose, under `call`'s name. */
function swap(call: string, names: [string, string], input: Tensor, a: number, b: number): Tensor {
  isTensor(input, call, 'input', 1);
  const d0 = normalizeDim(call, isInt(a, call, names[0], 2), input.ndim);
  const d1 = normalizeDim(call, isInt(b, call, names[1], 3), input.ndim);
  return transpose(input, d0, d1);
}

/** NumPy's name for transpose: `swapaxes(x, 0, -1)` (a view). */
export function swapaxes(input: Tensor, axis0: number, axis1: number): Tensor {
  return swap('swapaxes', ['axis0', 'axis1'], input, axis0, axis1);
}

/** An alias of transpose: `swapdims(x, 0, -1)` (a view). */
export function swapdims(input: Tensor, dim0: number, dim1: number): Tensor {
  return swap('swapdims', ['dim0', 'dim1'], input, dim0, dim1);
}

// broadcasting ---------------------------------------------------------------------------------------

/** torch.broadcast_to: `input` expanded to `size` as a view, -1 keeping a size: `broadcastTo(x, [4, 2, 3])`. */
export function broadcastTo(input: Tensor, size: readonly number[]): Tensor {
  isTensor(input, 'broadcastTo', 'input', 1);
  const target = intsFromArgs('broadcastTo', 'size', [size], 2, symInts);
  try {
    return expand(input, target);
  } catch (error) {
    if (error instanceof Error) error.message = error.message.replace(/^expand: /, 'broadcastTo: ');
    throw error;
  }
}

/** torch.broadcast_shapes: the shape the given shapes broadcast to: `broadcastShapes([2, 1], [3])` is [2, 3]. */
export function broadcastShapes(...shapes: (number | readonly number[])[]): Size {
  let result: number[] = [];
  shapes.forEach((shape, i) => {
    const dims = [isIntOrInts(shape, 'broadcastShapes', 'shapes', i + 1)].flat();
    const negative = dims.find((d) => d < 0);
    if (negative !== undefined) {
      throw new Error(
        `broadcastShapes: Trying to create tensor with negative dimension ${negative}: ${formatShape(dims)}`,
      );
    }
    try {
      result = broadcastTwo('broadcastShapes', result, dims);
    } catch {
      throw new Error('broadcastShapes: Shape mismatch: objects cannot be broadcast to a single shape');
    }
  });
  return toSize(result);
}

/** torch.broadcast_tensors: every tensor expanded to their common shape, as views. */
export function broadcastTensors(...tensors: Tensor[]): Tensor[] {
  tensors.forEach((t, i) => isTensor(t, 'broadcastTensors', 'tensors', i + 1));
  const shape = tensors.reduce<number[]>((acc, t) => broadcastTwo('broadcastTensors', acc, t.shape), []);
  return tensors.map((t) => expand(t, shape));
}

/** meshgrid's options. */
export interface MeshgridOptions {
  /** 'ij' (matrix indexing, the default) or 'xy' (Cartesian: the first two output dims swapped) (PyTorch: indexing). */
  indexing?: 'ij' | 'xy';
}

const meshgridSpec = {
  indexing: (value: unknown): 'ij' | 'xy' => {
    if (value === 'ij' || value === 'xy') return value;
    throw new Error(`meshgrid: torch.meshgrid: indexing must be one of "xy" or "ij", but received: ${String(value)}`);
  },
};

/**
 * torch.meshgrid: for N 1-D tensors, N views of their sizes' grid, the i-th varying along dim i:
 * `meshgrid(x, y)`, `meshgrid([x, y], { indexing: 'xy' })`.
 */
export function meshgrid(...args: (Tensor | readonly Tensor[] | MeshgridOptions)[]): Tensor[] {
  const last = args[args.length - 1];
  const hasOptions = last !== undefined && !(last instanceof Tensor) && !Array.isArray(last);
  const given = hasOptions ? args.slice(0, -1) : args;
  const { indexing = 'ij' } = checkOptions('meshgrid', hasOptions ? last : undefined, meshgridSpec);
  const tensors = (given.length === 1 && Array.isArray(given[0]) ? given[0] : given) as unknown[];
  tensors.forEach((t, i) => isTensor(t, 'meshgrid', 'tensors', i + 1));
  const grid = tensors as Tensor[];
  if (grid.length === 0) throw new Error('meshgrid: meshgrid expects a non-empty TensorList');
  grid.forEach((t) => {
    if (t.ndim > 1) {
      throw new Error(
        `meshgrid: torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of size ${formatShape(t.shape)}`,
      );
    }
    if (t.torchDtype !== grid[0].torchDtype)
      throw new Error('meshgrid: meshgrid expects all tensors to have the same dtype');
  });
  // 'xy' is 'ij' with the first two inputs swapped, and then the first two outputs.
  const swapped = indexing === 'xy' && grid.length >= 2;
  const ordered = swapped ? [grid[1], grid[0], ...grid.slice(2)] : grid;
  const shape = ordered.map((t) => t.numel());
  const outputs = ordered.map((t, i) => {
    const column = shape.map((size, k) => (k === i ? size : 1)); // size along dim i, 1 elsewhere
    return expand(reshape(t, column), shape);
  });
  if (!swapped) return outputs;
  return [outputs[1], outputs[0], ...outputs.slice(2)];
}

// torch.nn.functional gathers: pad, oneHot, embedding -----------------------------------------------

/** F.pad's modes. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** F.pad's keyword arguments. */
export interface PadOptions {
  /** 'constant' (the default), 'reflect', 'replicate' or 'circular' (PyTorch: mode). */
  mode?: PadMode;
  /** The fill of 'constant' padding, 0 by default (PyTorch: value). */
  value?: number | null;
}

const padSpec = {
  mode: isOneOf(['constant', 'reflect', 'replicate', 'circular'] as const),
  value: isOptional(isNumber),
};

/** The padding of one dim's side: the part of `x` along `d` that `mode` puts before (or after) it. */
function padPart(mode: PadMode, x: Tensor, d: number, amount: number, before: boolean, value: number): Tensor {
  const size = x.shape[d];
  const shape = [...x.shape];
  shape[d] = amount;
  if (mode === 'constant') return expand(uploaded(castArray([value], x.dtype), [], x.torchDtype, x.backend), shape);
  if (mode === 'replicate') return expand(narrow(x, d, before ? 0 : size - 1, 1), shape);
  if (mode === 'circular') return narrow(x, d, before ? size - amount : 0, amount);
  return flip(narrow(x, d, before ? 1 : size - 1 - amount, amount), d); // reflect: mirrored without the edge
}

/** The first line of PyTorch's checks of non-constant padding: the input's dims and each pad's size. */
function checkPadShape(mode: PadMode, input: Tensor, pad: readonly number[], value: number | undefined): void {
  const padded = pad.length / 2;
  if (value !== undefined && value !== 0) {
    throw new Error(`pad: Padding mode "${mode}" doesn't take in value argument`);
  }
  if (input.ndim !== padded + 1 && input.ndim !== padded + 2) {
    throw new Error('pad: Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now');
  }
  if (mode === 'circular' && input.ndim !== padded + 2) {
    throw new Error(`pad: Invalid padding size, expected ${2 * (input.ndim - 2)} but got ${pad.length}`);
  }
  for (let k = 0; k < padded; k++) {
    const d = input.ndim - 1 - k;
    const [size, before, after] = [input.shape[d], pad[2 * k], pad[2 * k + 1]];
    if (size === 0) {
      throw new Error(
        `pad: Expected a non-empty dim ${d} to pad in mode '${mode}', but got input of size ${formatShape(input.shape)}`,
      );
    }
    if (mode === 'reflect' && (before >= size || after >= size)) {
      throw new Error(
        `pad: Padding size should be less than the corresponding input dimension, but got: padding (${before}, ${after}) at dimension ${d} of input ${formatShape(input.shape)}`,
      );
    }
    const cropped = size + Math.min(0, before) + Math.min(0, after);
    if (mode === 'circular' && (before > cropped || after > cropped)) {
      throw new Error('pad: Padding value causes wrapping around more than once.');
    }
  }
}

/**
 * F.pad: pads (or, with negative amounts, crops) the last dims, the last dim's (before, after) first as in
 * PyTorch: `pad(x, [1, 1])`, `pad(x, [1, 1, 2, 0], 'reflect')`, `pad(x, [2, 2], { mode: 'constant', value: -1 })`.
 * 'reflect' mirrors without the edge, 'replicate' repeats the edge, 'circular' wraps around; those take
 * PyTorch's inputs (a batch and channel dim, or a channel dim, before the padded dims).
 */
export function pad(
  input: Tensor,
  padding: readonly number[],
  ...args: PositionalOrOptions<[mode: PadMode, value: number | null], PadOptions>
): Tensor {
  isTensor(input, 'pad', 'input', 1);
  const amounts = intsFromArgs('pad', 'pad', [padding], 2);
  const { mode = 'constant', value } = optionalArguments('pad', args, padSpec, 3);
  if (amounts.length % 2 !== 0) throw new Error('pad: Padding length must be divisible by 2');
  if (amounts.length / 2 > input.ndim) throw new Error('pad: Padding length too large');
  if (mode !== 'constant') checkPadShape(mode, input, amounts, value);
  else if (value !== undefined) checkRange('pad', [value], input.torchDtype); // a fill that does not fit int32 storage
  let result = input;
  for (let k = 0; k < amounts.length / 2; k++) {
    const d = input.ndim - 1 - k;
    const [before, after] = [amounts[2 * k], amounts[2 * k + 1]];
    const size = input.shape[d];
    if (size + before + after < 0) {
      throw new Error(
        `pad: the padded size of dim ${d} would be negative: size ${size}, padding (${before}, ${after})`,
      );
    }
    // 'circular' wraps the cropped dim around; the other modes pad from the input's own edges, then crop.
    const crop = (t: Tensor) =>
      narrow(t, d, Math.max(0, -before), t.shape[d] + Math.min(0, before) + Math.min(0, after));
    if (mode === 'circular') result = crop(result);
    const parts = [result];
    if (before > 0) parts.unshift(padPart(mode, result, d, before, true, value ?? 0));
    if (after > 0) parts.push(padPart(mode, result, d, after, false, value ?? 0));
    if (parts.length > 1) result = cat(parts, d);
    if (mode !== 'circular') result = crop(result);
  }
  const fresh = result.storage !== input.storage && result.isContiguous();
  const padded = fresh ? withTorchDtypeOf(result, input) : copied(withTorchDtypeOf(result, input));
  return mode === 'constant' ? renameGradFn(padded, 'ConstantPadNdBackward0', [input]) : padded;
}

/** F.one_hot's keyword argument. */
export interface OneHotOptions {
  /** The number of classes; -1 (the default) means the largest value plus one (PyTorch: num_classes). */
  numClasses?: number;
}

/**
 * F.one_hot: an int64 tensor of the input's shape plus a last dim of numClasses, 1 at each value's class:
 * `oneHot(labels)`, `oneHot(labels, 5)`, `oneHot(labels, { numClasses: 5 })`. Values must be int64 classes.
 */
export function oneHot(input: Tensor, ...args: PositionalOrOptions<[numClasses: number], OneHotOptions>): Tensor {
  isTensor(input, 'oneHot', 'input', 1);
  let { numClasses = -1 } = optionalArguments('oneHot', args, { numClasses: isInt }, 2);
  if (input.torchDtype !== 'int64') throw new Error('oneHot: one_hot is only applicable to index tensor.');
  const classes = input.dataSync();
  if (classes.length === 0) {
    if (numClasses <= 0) throw new Error('oneHot: Can not infer total number of classes from empty tensor.');
  } else {
    let [least, most] = [Infinity, -Infinity];
    for (const c of classes) [least, most] = [Math.min(least, c), Math.max(most, c)];
    if (least < 0) throw new Error('oneHot: Class values must be non-negative.');
    if (numClasses === -1) numClasses = most + 1;
    else if (most >= numClasses) throw new Error('oneHot: Class values must be smaller than num_classes.');
  }
  const out = allocate('int32', classes.length * numClasses);
  classes.forEach((c, i) => (out[i * numClasses + c] = 1));
  return uploaded(out, [...input.shape, numClasses], 'int64', input.backend);
}

/** F.embedding's keyword arguments. */
export interface EmbeddingOptions {
  /** The row that stands for padding: only its gradient differs in PyTorch; checked here (PyTorch: padding_idx). */
  paddingIdx?: number | null;
  /**
   * Rows looked up whose norm exceeds it come back scaled to that norm (PyTorch: max_norm). PyTorch also
   * rescales those rows of `weight` in place; here the weight is left as it is.
   */
  maxNorm?: number | null;
  /** The p of maxNorm's p-norm, 2 by default (PyTorch: norm_type). */
  normType?: number;
  /** Only changes gradients in PyTorch; accepted (PyTorch: scale_grad_by_freq). */
  scaleGradByFreq?: boolean;
  /** Only changes gradients in PyTorch; accepted (PyTorch: sparse). */
  sparse?: boolean;
}

const embeddingSpec = {
  paddingIdx: isOptional(isInt),
  maxNorm: isOptional(isNumber),
  normType: isNumber,
  scaleGradByFreq: isBool,
  sparse: isBool,
};

/** The p-norm of a row, as torch.norm computes it for p = 0, ±inf and other p. */
function rowNorm(row: TypedArray, p: number): number {
  const magnitudes = Array.from(row, Math.abs);
  if (p === Infinity) return Math.max(0, ...magnitudes);
  if (p === -Infinity) return Math.min(Infinity, ...magnitudes);
  if (p === 0) return magnitudes.filter((x) => x !== 0).length;
  return magnitudes.reduce((s, x) => s + x ** p, 0) ** (1 / p);
}

/**
 * F.embedding: the rows of `weight` (num_embeddings, dim) at the int64/int32 indices in `input`, shaped
 * (...input, dim); an index outside [0, num_embeddings) is PyTorch's error, never a read elsewhere:
 * `embedding(ids, weight)`, `embedding(ids, weight, { paddingIdx: 0, maxNorm: 1 })`.
 */
export function embedding(
  input: Tensor,
  weight: Tensor,
  ...args: PositionalOrOptions<
    [paddingIdx: number | null, maxNorm: number | null, normType: number, scaleGradByFreq: boolean, sparse: boolean],
    EmbeddingOptions
  >
): Tensor {
  isTensor(input, 'embedding', 'input', 1);
  isTensor(weight, 'embedding', 'weight', 2);
  const { paddingIdx, maxNorm, normType = 2 } = optionalArguments('embedding', args, embeddingSpec, 3);
  if (input.torchDtype !== 'int64' && input.torchDtype !== 'int32') {
    throw new Error(
      `embedding: Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${scalarTypeName(input.torchDtype)}Tensor instead (while checking arguments for embedding)`,
    );
  }
  if (weight.ndim !== 2) throw new Error("embedding: 'weight' must be 2-D");
  const [count, width] = weight.shape;
  if (paddingIdx !== undefined && (paddingIdx < -count || paddingIdx >= count)) {
    throw new Error('embedding: Padding_idx must be within num_embeddings');
  }
  const indices = input.dataSync();
  for (const i of indices) if (i < 0 || i >= count) throw new Error('embedding: index out of range in self');
  const table = weight.dataSync();
  const out = allocate(weight.dtype, indices.length * width);
  indices.forEach((index, k) => {
    const row = table.subarray(index * width, (index + 1) * width);
    const norm = maxNorm === undefined ? 0 : rowNorm(row, normType);
    if (maxNorm === undefined || norm <= maxNorm) return out.set(row, k * width);
    const scale = maxNorm / (norm + 1e-7);
    for (let j = 0; j < width; j++) out[k * width + j] = row[j] * scale;
  });
  const rows = uploaded(out, [...input.shape, width], weight.torchDtype, weight.backend);
  return tracksGrad(weight) ? recordEmbedding(input, weight, rows, paddingIdx) : rows;
}
