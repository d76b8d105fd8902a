/**
 * Movement ops. Most are pure stride bookkeeping and return views of the same storage (as in
 * PyTorch); contiguous/clone copy through the backend's `copy` primitive, cat/stack through `concat`.
 */
import { intsFromArgs, isInt, isIntOrInts, isOptional, isTensor, optionalArguments, typeName } from '../arguments';
import { promoteTypes } from '../dtype';
import { contiguousStrides, formatShape, inferShape, isContiguous, normalizeDim, sizeOf, viewStrides } from '../shape';
import { Tensor, type NestedArray } from '../tensor';
import { fromValues, tensor } from './creation';
import { where } from './elementwise';
import { advancedIndex, longTensor, nonzero, type TensorIndex } from './indexing';
import {
  recordClone,
  recordConcat,
  recordReshape,
  recordView,
  renameGradFn,
  sliceBackward,
  sumToShape,
} from '../autograd/derivatives';
import { SliceGradient } from '../autograd/gradFn';
import { tracksGrad } from '../autograd/gradMode';

/** The optional parameters' checks, built once rather than on every call. */
const optionalDimSpec = { dim: isOptional(isInt) };
const flattenSpec = { startDim: isInt, endDim: isInt };
const dimSpec = { dim: isInt };
const diagonalSpec = { diagonal: isInt };

/** A size or dims list, as separate ints or as one array: `x.view(2, 3)` or `x.view([2, 3])`. */
export type ShapeArgs = (number | readonly number[])[];

/**
 * One index of `index()`, as in `x[...]`: a number selects, ':' / 'a:b:c' slice, '...' fills, null adds an
 * axis, a long tensor or a list of integers picks entries (advanced indexing: `[0, 2]` is torch's `x[[0, 2]]`),
 * a bool tensor or a list of booleans is a mask.
 */
export type IndexSpec = number | string | null | Tensor | NestedArray;

/** A slice parsed from the string form 'a:b:c' (null: the default bound or step). */
type ParsedSlice = readonly [number | null, number | null, number | null];
type ParsedIndex = number | string | null | Tensor | ParsedSlice;

/** The keyword form of an op's optional dim: `cat([a, b], { dim: 1 })` (PyTorch: dim). */
export interface DimOptions {
  /** The dimension to work along (PyTorch: dim). */
  dim?: number;
}

/** The keyword form of tril/triu's diagonal: `triu(x, { diagonal: 1 })`. */
export interface DiagonalOptions {
  /** Which diagonal bounds the kept triangle: 0 the main one, 1 the one above it (PyTorch: diagonal). */
  diagonal?: number;
}

/** The keyword form of flatten's dims: `flatten(x, { startDim: 1 })`. */
export interface FlattenOptions {
  /** The first dim to merge (PyTorch: start_dim). */
  startDim?: number;
  /** The last dim to merge, inclusive (PyTorch: end_dim). */
  endDim?: number;
}

/** PyTorch 1.13's name for the size lists of view, reshape, expand and repeat in its argument errors. */
const symInts = 'tuple of SymInts';

/** The tensors of cat/stack: an array of tensors, as PyTorch's tuple of Tensors. */
function tensorList(call: string, tensors: unknown): readonly Tensor[] {
  if (!Array.isArray(tensors)) {
    const hint = tensors instanceof Tensor ? ` (pass an array: ${call}([a, b], dim))` : '';
    throw new TypeError(
      `${call}: argument 'tensors' (position 1) must be tuple of Tensors, not ${typeName(tensors)}${hint}`,
    );
  }
  const bad = tensors.findIndex((x) => !(x instanceof Tensor));
  if (bad >= 0) {
    throw new TypeError(`${call}: expected Tensor as element ${bad} in argument 0, but got ${typeName(tensors[bad])}`);
  }
  return tensors as readonly Tensor[];
}

/** True when `t` walks its storage in row-major order without gaps (torch's is_contiguous). */
export function isContiguousTensor(t: Tensor): boolean {
  return isContiguous(t.shape, t.strides);
}

/** `t` itself when contiguous, otherwise a row-major copy (torch.Tensor.contiguous). */
export function contiguous(t: Tensor): Tensor {
  return isContiguousTensor(t) ? t : clone(t);
}

/** A copy with its own storage (torch.clone). */
export function clone(t: Tensor): Tensor {
  isTensor(t, 'clone', 'input', 1);
  const out = new Tensor(t.backend, t.backend.copy(t.toView(), t.dtype), t.shape, t.dtype);
  return tracksGrad(t) ? recordClone(t, out) : out;
}

/** The same storage read with another shape, one size may be -1 (torch.Tensor.view); fails where strides forbid. */
export function view(t: Tensor, ...shapeArgs: ShapeArgs): Tensor {
  isTensor(t, 'view', 'input', 1);
  const shape = inferShape('view', intsFromArgs('view', 'size', shapeArgs, 2, symInts), t.numel());
  const strides = viewStrides(t.shape, t.strides, shape);
  if (strides === null) {
    throw new Error(
      "view: view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  const out = t.withLayout(shape, strides);
  return tracksGrad(t) ? recordReshape(t, out, 'ViewBackward0') : out;
}

/** A view when the strides allow it, otherwise a copy (torch.reshape). */
export function reshape(t: Tensor, ...shapeArgs: ShapeArgs): Tensor {
  isTensor(t, 'reshape', 'input', 1);
  const shape = inferShape('reshape', intsFromArgs('reshape', 'shape', shapeArgs, 2, symInts), t.numel());
  const strides = viewStrides(t.shape, t.strides, shape);
  const out =
    strides === null ? contiguous(t).withLayout(shape, contiguousStrides(shape), 0) : t.withLayout(shape, strides);
  return tracksGrad(t) ? recordReshape(t, out, strides === null ? 'UnsafeViewBackward0' : 'ViewBackward0') : out;
}

/** Reorders the dims: `permute(x, 2, 0, 1)` or `permute(x, [2, 0, 1])`, negative dims allowed (a view). */
export function permute(t: Tensor, ...dimArgs: ShapeArgs): Tensor {
  isTensor(t, 'permute', 'input', 1);
  const dims = intsFromArgs('permute', 'dims', dimArgs, 2).map((d) => normalizeDim('permute', d, t.ndim));
  if (dims.length !== t.ndim) {
    throw new Error(
      `permute: number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${t.ndim} is not equal to len(dims) = ${dims.length}`,
    );
  }
  if (new Set(dims).size !== dims.length) throw new Error('permute: permute(): duplicate dims are not allowed.');
  const out = t.withLayout(
    dims.map((d) => t.shape[d]),
    dims.map((d) => t.strides[d]),
  );
  if (!tracksGrad(t)) return out;
  const inverse = dims.map((_, k) => dims.indexOf(k));
  return recordView(t, out, 'PermuteBackward0', (g) => permute(g, inverse));
}

/** Swaps two dims (a view); a 0-d tensor accepts dims 0 and -1 and comes back unchanged. */
export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  isTensor(t, 'transpose', 'input', 1);
  const a = normalizeDim('transpose', isInt(dim0, 'transpose', 'dim0', 2), t.ndim);
  const b = normalizeDim('transpose', isInt(dim1, 'transpose', 'dim1', 3), t.ndim);
  if (t.ndim === 0) return t;
  const shape = t.shape.slice();
  const strides = t.strides.slice();
  [shape[a], shape[b], strides[a], strides[b]] = [shape[b], shape[a], strides[b], strides[a]];
  const out = t.withLayout(shape, strides);
  return tracksGrad(t) ? recordView(t, out, 'TransposeBackward0', (g) => transpose(g, a, b)) : out;
}

/** The matrix transpose of a tensor with at most 2 dims (torch.t). */
export function t(x: Tensor): Tensor {
  isTensor(x, 't', 'input', 1);
  if (x.ndim > 2) throw new Error(`t: t() expects a tensor with <= 2 dimensions, but self is ${x.ndim}D`);
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** Inserts a size-1 dim at `dim`, which may be negative (counted in the result's dims). */
export function unsqueeze(t: Tensor, dim: number): Tensor {
  isTensor(t, 'unsqueeze', 'input', 1);
  const d = normalizeDim('unsqueeze', isInt(dim, 'unsqueeze', 'dim', 2), t.ndim + 1);
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < t.ndim ? t.strides[d] * t.shape[d] : 1);
  const out = t.withLayout(shape, strides);
  return tracksGrad(t) ? recordReshape(t, out, 'UnsqueezeBackward0') : out;
}

/** Removes every size-1 dim, or only `dim` when it has size 1 (torch.squeeze). */
export function squeeze(t: Tensor, ...args: [dim?: number | DimOptions]): Tensor {
  isTensor(t, 'squeeze', 'input', 1);
  const { dim } = optionalArguments('squeeze', args, optionalDimSpec, 2);
  const drop =
    dim === undefined
      ? t.shape.map((size) => size === 1)
      : t.shape.map((size, i) => i === normalizeDim('squeeze', dim, t.ndim) && size === 1);
  const out = t.withLayout(
    t.shape.filter((_, i) => !drop[i]),
    t.strides.filter((_, i) => !drop[i]),
  );
  return tracksGrad(t) ? recordReshape(t, out, dim === undefined ? 'SqueezeBackward0' : 'SqueezeBackward1') : out;
}

/** Broadcasts size-1 dims (stride 0) and prepends new ones; -1 keeps a size. */
export function expand(t: Tensor, ...shapeArgs: ShapeArgs): Tensor {
  isTensor(t, 'expand', 'input', 1);
  const target = intsFromArgs('expand', 'size', shapeArgs, 2, symInts);
  if (target.length < t.ndim) {
    throw new Error(
      `expand: the number of sizes provided (${target.length}) must be greater or equal to the number of dimensions in the tensor (${t.ndim})`,
    );
  }
  const lead = target.length - t.ndim;
  const shape: number[] = [];
  const strides: number[] = [];
  // An indexed loop, not forEach with a closure: expand runs in every broadcast.
  for (let i = 0; i < target.length; i++) {
    const size = target[i];
    const own = i - lead;
    if (own < 0) {
      if (size < 0)
        throw new Error(
          `expand: the expanded size of the tensor (${size}) isn't allowed in a leading, non-existing dimension ${i}`,
        );
      shape.push(size);
      strides.push(0);
      continue;
    }
    const existing = t.shape[own];
    const wanted = size === -1 ? existing : size;
    if (existing !== wanted && (existing !== 1 || wanted < 0)) {
      throw new Error(
        `expand: The expanded size of the tensor (${wanted}) must match the existing size (${existing}) at non-singleton dimension ${i}.  Target sizes: ${formatShape(target)}.  Tensor sizes: ${formatShape(t.shape)}`,
      );
    }
    shape.push(wanted);
    strides.push(existing === wanted ? t.strides[own] : 0);
  }
  const out = t.withLayout(shape, strides);
  return tracksGrad(t) ? recordView(t, out, 'ExpandBackward0', (g) => sumToShape(g, t.shape)) : out;
}

/** Merges dims startDim..endDim into one: `flatten(x, 1)`, `flatten(x, { startDim: 1, endDim: -1 })`. */
export function flatten(
  t: Tensor,
  ...args: [startDim?: number | FlattenOptions, endDim?: number | FlattenOptions]
): Tensor {
  isTensor(t, 'flatten', 'input', 1);
  const { startDim = 0, endDim = -1 } = optionalArguments('flatten', args, flattenSpec, 2);
  const start = normalizeDim('flatten', startDim, t.ndim);
  const end = normalizeDim('flatten', endDim, t.ndim);
  if (t.ndim === 0) return reshape(t, [1]);
  if (start > end) throw new Error('flatten: flatten() has invalid args: start_dim cannot come after end_dim');
  const merged = sizeOf(t.shape.slice(start, end + 1));
  return reshape(t, [...t.shape.slice(0, start), merged, ...t.shape.slice(end + 1)]);
}

/** `length` elements of `dim` from `start` (which may count from the end), as a view (torch.narrow). */
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  isTensor(t, 'narrow', 'input', 1);
  [dim, start, length].forEach((value, i) => isInt(value, 'narrow', ['dim', 'start', 'length'][i], i + 2));
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
  isTensor(t, 'slice', 'input', 1);
  const d = normalizeDim('slice', isInt(dim, 'slice', 'dim', 2), t.ndim);
  isOptional(isInt)(start, 'slice', 'start', 3);
  isOptional(isInt)(end, 'slice', 'end', 4);
  if (isInt(step, 'slice', 'step', 5) <= 0) throw new Error(`slice: slice step must be positive, got ${step}`);
  const size = t.shape[d];
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const from = clamp(start ?? 0);
  const to = Math.max(clamp(end ?? size), from);
  const shape = [...t.shape];
  const strides = [...t.strides];
  shape[d] = Math.ceil((to - from) / step);
  strides[d] = t.strides[d] * step;
  const out = t.withLayout(shape, strides, t.offset + from * t.strides[d]);
  if (!tracksGrad(t)) return out;
  return recordView(t, out, 'SliceBackward0', (g) =>
    step === 1 ? new SliceGradient(g, t.shape, d, from) : sliceBackward(g, t.shape, d, from, step),
  );
}

/** Picks one index along `dim` and drops the dim (torch.select, `x[i]`). */
export function select(t: Tensor, dim: number, index: number): Tensor {
  isTensor(t, 'select', 'input', 1);
  const d = normalizeDim('select', isInt(dim, 'select', 'dim', 2), t.ndim);
  const size = t.shape[d];
  if (isInt(index, 'select', 'index', 3) < -size || index >= size) {
    throw new Error(
      `select: select(): index ${index} out of range for tensor of size ${formatShape(t.shape)} at dimension ${d}`,
    );
  }
  const i = index < 0 ? index + size : index;
  const out = t.withLayout(
    t.shape.filter((_, k) => k !== d),
    t.strides.filter((_, k) => k !== d),
    t.offset + i * t.strides[d],
  );
  if (!tracksGrad(t)) return out;
  return recordView(t, out, 'SelectBackward0', (g) => new SliceGradient(unsqueeze(g, d), t.shape, d, i));
}

function parseIndexString(text: string): ParsedIndex[] {
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

/** Throws PyTorch's IndexError text unless `spec` is an int, a string, null, a list or a long/bool tensor. */
function checkIndexSpec(call: string, spec: unknown): void {
  if (spec instanceof Tensor) {
    if (spec.dtype !== 'bool' && spec.torchDtype !== 'int64') {
      throw new Error(`${call}: tensors used as indices must be long, byte or bool tensors`);
    }
  } else if (!(spec === null || typeof spec === 'string' || Number.isInteger(spec) || Array.isArray(spec))) {
    throw new TypeError(
      `${call}: only integers, slices (\`:\`), ellipsis (\`...\`), None and long or byte Variables are valid indices (got ${typeName(spec)})`,
    );
  }
}

/**
 * A list index, torch's `x[[0, 2]]` written `x.index([0, 2])`: nested integers become a long tensor index,
 * booleans a mask. Anything else is an error: a slice is written as a string ('0:2', '::2').
 */
function listIndex(call: string, list: readonly NestedArray[], backend: Tensor['backend']): Tensor {
  const values = (list as unknown[]).flat(Infinity);
  if (values.length === 0) return longTensor([], [0], backend);
  const integers = values.every((v) => Number.isInteger(v));
  if (!integers && !values.every((v) => typeof v === 'boolean')) {
    const bad = values.find((v) => !Number.isInteger(v) && typeof v !== 'boolean');
    throw new TypeError(
      `${call}: a list index picks entries and holds integers or booleans (x[[0, 2]] is x.index([0, 2])), got ${typeName(bad)}; write a slice as a string: '0:2', '::2'`,
    );
  }
  const index = tensor(list as NestedArray[], { dtype: integers ? 'int64' : 'bool' });
  return index.backend === backend ? index : index.to(backend.name);
}

/** How many of the indexed tensor's dims a (parsed) index uses up: a mask its own dims, null and '...' none. */
function dimsConsumed(spec: ParsedIndex): number {
  if (spec === null || spec === '...') return 0;
  return spec instanceof Tensor && spec.dtype === 'bool' ? spec.ndim : 1;
}

/**
 * Python-style indexing, `x[0, :, 1:3]` written `x.index(0, ':', '1:3')` or `x.index('0, :, 1:3')`; slices
 * with steps ('::2'), null (None) and '...' as in Python. Indices without tensors give a view. A long
 * tensor picks entries along its dim (`x.index(t)` is `x[t]`; several broadcast together as in PyTorch),
 * a bool tensor is a mask over as many dims as it has (`x.index(mask)` is `x[mask]`): those give a copy.
 */
export function index(t: Tensor, ...specs: IndexSpec[]): Tensor {
  isTensor(t, 'index', 'input', 1);
  const { view, tensorIndices } = indexedView('index', t, sequenceAsTuple(specs));
  return tensorIndices.length === 0 ? view : advancedIndex('index', view, tensorIndices);
}

/**
 * torch (as numpy's legacy rule) reads one short list that holds lists or None as a tuple of indices:
 * `x[[[0, 1], [1, 2]]]` is `x[[0, 1], [1, 2]]`.
 */
function sequenceAsTuple(specs: IndexSpec[]): IndexSpec[] {
  const [only] = specs;
  const isTuple =
    specs.length === 1 && Array.isArray(only) && only.length < 32 && only.some((e) => Array.isArray(e) || e === null);
  return isTuple ? (only as IndexSpec[]) : specs;
}

/**
 * What `specs` index in `t`: the view the numbers, slices, null and '...' select, and the tensor indices
 * (masks as their nonzero columns) still to apply to that view's dims. index() and indexPut_ share it.
 */
export function indexedView(
  call: string,
  t: Tensor,
  specs: readonly IndexSpec[],
): { view: Tensor; tensorIndices: TensorIndex[] } {
  specs.forEach((spec) => checkIndexSpec(call, spec));
  const expanded = specs.flatMap((s): ParsedIndex[] =>
    typeof s === 'string' && (s.includes(',') || s.includes(':') || s.trim() !== s || s === 'None')
      ? parseIndexString(s)
      : [Array.isArray(s) ? listIndex(call, s, t.backend) : (s as ParsedIndex)],
  );
  if (expanded.filter((s) => s === '...').length > 1) {
    throw new Error(`${call}: an index can only have a single ellipsis ('...')`);
  }
  const consumed = expanded.reduce<number>((n, s) => n + dimsConsumed(s), 0);
  if (consumed > t.ndim) throw new Error(`${call}: too many indices for tensor of dimension ${t.ndim}`);
  let result = t;
  let dim = 0;
  const tensorIndices: TensorIndex[] = [];
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
      if (!Number.isInteger(n)) throw new Error(`${call}: cannot parse index '${spec}'`);
      result = select(result, dim, n);
    } else if (spec instanceof Tensor) {
      if (spec.dtype !== 'bool') {
        tensorIndices.push({ dim: dim++, index: spec });
      } else if (spec.ndim === 0) {
        // x[True] adds a dim of size 1 and keeps it (x[False]: of size 0)
        result = unsqueeze(result, dim);
        const kept = spec.item() ? [0] : [];
        tensorIndices.push({ dim: dim++, index: longTensor(kept, [kept.length], t.backend) });
      } else {
        checkMaskShape(call, spec, result, dim);
        for (const column of nonzero(spec, { asTuple: true })) tensorIndices.push({ dim: dim++, index: column });
      }
    } else {
      const [start, end, step = 1] = spec;
      if (step === 0) throw new Error(`${call}: slice step cannot be zero`);
      if (step !== null && step < 0) throw new Error(`${call}: step must be greater than zero`);
      result = slice(result, dim++, start ?? undefined, end ?? undefined, step ?? 1);
    }
  }
  return { view: result, tensorIndices };
}

/** A bool mask must have the sizes of the dims it covers, from `dim` on. */
function checkMaskShape(call: string, mask: Tensor, indexed: Tensor, dim: number): void {
  mask.shape.forEach((size, k) => {
    if (size !== indexed.shape[dim + k]) {
      throw new Error(
        `${call}: The shape of the mask ${formatShape(mask.shape)} at index ${k} does not match the shape of the indexed tensor ${formatShape(indexed.shape)} at index ${dim + k}`,
      );
    }
  });
}

/** `chunks` pieces of equal size along `dim` (the last may be smaller): `chunk(x, 3, 1)`, `chunk(x, 3, { dim: 1 })`. */
export function chunk(t: Tensor, chunks: number, ...args: [dim?: number | DimOptions]): Tensor[] {
  isTensor(t, 'chunk', 'input', 1);
  if (isInt(chunks, 'chunk', 'chunks', 2) <= 0)
    throw new Error(`chunk: chunk expects \`chunks\` to be greater than 0, got: ${chunks}`);
  const { dim = 0 } = optionalArguments('chunk', args, dimSpec, 3);
  const d = normalizeDim('chunk', dim, t.ndim);
  const step = Math.ceil(t.shape[d] / chunks);
  return split(t, Math.max(step, 1), d);
}

/**
 * split(size) makes equal pieces (the last may be smaller); split([sizes]) makes pieces of those sizes;
 * along `dim`, given positionally or as `{ dim }`.
 */
export function split(
  t: Tensor,
  splitSize: number | readonly number[],
  ...args: [dim?: number | DimOptions]
): Tensor[] {
  isTensor(t, 'split', 'input', 1);
  const sizeOrSizes = Array.isArray(splitSize)
    ? intsFromArgs('split', 'splitSize', [splitSize], 2)
    : isIntOrInts(splitSize, 'split', 'splitSize', 2);
  const { dim = 0 } = optionalArguments('split', args, dimSpec, 3);
  const d = normalizeDim('split', dim, t.ndim);
  const size = t.shape[d];
  let lengths: number[];
  if (Array.isArray(sizeOrSizes)) {
    if (sizeOrSizes.some((length) => length < 0)) {
      throw new Error(
        `split: split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=${formatShape(sizeOrSizes)}`,
      );
    }
    const total = sizeOrSizes.reduce((a, b) => a + b, 0);
    if (total !== size) {
      throw new Error(
        `split: split_with_sizes expects split_sizes to sum exactly to ${size} (input tensor's size at dimension ${d}), but got split_sizes=${formatShape(sizeOrSizes)}`,
      );
    }
    lengths = sizeOrSizes;
  } else {
    if (sizeOrSizes < 0)
      throw new Error(`split: split expects split_size be non-negative, but got split_size=${sizeOrSizes}`);
    if (sizeOrSizes === 0 && size !== 0) {
      throw new Error(`split: split_size can only be 0 if dimension size is 0, but got dimension size of ${size}`);
    }
    lengths = [];
    for (let at = 0; at < size; at += sizeOrSizes) lengths.push(Math.min(sizeOrSizes, size - at));
    if (lengths.length === 0) lengths.push(0);
  }
  let at = 0;
  const name = Array.isArray(sizeOrSizes) ? 'SplitWithSizesBackward0' : 'SplitBackward0';
  return lengths.map((length) => {
    const piece = slice(t, d, at, at + length);
    at += length;
    return renameGradFn(piece, name, [t]);
  });
}

/** Joins tensors along an existing dim: `cat([a, b], 1)` or `cat([a, b], { dim: 1 })`, promoting dtypes. */
export function cat(list: readonly Tensor[], ...args: [dim?: number | DimOptions]): Tensor {
  const tensors = tensorList('cat', list);
  const { dim = 0 } = optionalArguments('cat', args, dimSpec, 2);
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
  const out = new Tensor(first.backend, storage, shape, dtype);
  return parts.some((part) => tracksGrad(part)) ? recordConcat(parts, out, d) : out;
}

/** Joins equal-shaped tensors along a new dim: `stack([a, b], 1)` or `stack([a, b], { dim: 1 })`. */
export function stack(list: readonly Tensor[], ...args: [dim?: number | DimOptions]): Tensor {
  const tensors = tensorList('stack', list);
  const { dim = 0 } = optionalArguments('stack', args, dimSpec, 2);
  if (tensors.length === 0) throw new Error('stack: stack expects a non-empty TensorList');
  tensors.forEach((x, i) => {
    if (x.shape.length !== tensors[0].shape.length || x.shape.some((s, k) => s !== tensors[0].shape[k])) {
      throw new Error(
        `stack: stack expects each tensor to be equal size, but got ${formatShape(tensors[0].shape)} at entry 0 and ${formatShape(x.shape)} at entry ${i}`,
      );
    }
  });
  const d = normalizeDim('stack', dim, tensors[0].ndim + 1);
  const stacked = cat(
    tensors.map((x) => unsqueeze(x, d)),
    d,
  );
  return renameGradFn(stacked, 'StackBackward0', tensors);
}

/** Tiles the tensor: (a, b).repeat(2, 3) → (2a, 3b), by expanding an interleaved view and copying. */
export function repeat(t: Tensor, ...sizeArgs: ShapeArgs): Tensor {
  isTensor(t, 'repeat', 'input', 1);
  const repeats = intsFromArgs('repeat', 'repeats', sizeArgs, 2, symInts);
  if (repeats.length < t.ndim) {
    throw new Error(
      'repeat: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor',
    );
  }
  const padded = reshape(t, [...new Array<number>(repeats.length - t.ndim).fill(1), ...t.shape]);
  const target = repeats.map((r, i) => r * padded.shape[i]);
  const negative = target.find((size) => size < 0);
  if (negative !== undefined) {
    throw new Error(`repeat: Trying to create tensor with negative dimension ${negative}: ${formatShape(target)}`);
  }
  const interleaved = padded.shape.flatMap((size) => [1, size]); // (1, a, 1, b)
  const tiled = expand(
    reshape(padded, interleaved),
    repeats.flatMap((r, i) => [r, padded.shape[i]]),
  ); // (r0, a, r1, b)
  return renameGradFn(reshape(contiguous(tiled), target), 'RepeatBackward0', [t]); // (r0·a, r1·b)
}

/**
 * Repeats each element `repeats` times along `dim` (over the flattened tensor when dim is omitted):
 * `repeatInterleave(x, 2, 1)` or `repeatInterleave(x, 2, { dim: 1 })`. (PyTorch: repeat_interleave)
 */
export function repeatInterleave(t: Tensor, repeats: number, ...args: [dim?: number | DimOptions]): Tensor {
  isTensor(t, 'repeatInterleave', 'input', 1);
  if (isInt(repeats, 'repeatInterleave', 'repeats', 2) < 0)
    throw new Error('repeatInterleave: repeats can not be negative');
  const { dim } = optionalArguments('repeatInterleave', args, optionalDimSpec, 3);
  const source = dim === undefined ? flatten(t) : t;
  const d = normalizeDim('repeatInterleave', dim ?? 0, source.ndim);
  const spread = unsqueeze(source, d + 1); // (.., n, 1, ..)
  const shape = [...spread.shape];
  shape[d + 1] = repeats;
  const merged = [...source.shape];
  merged[d] *= repeats;
  const repeated = reshape(contiguous(expand(spread, shape)), merged); // (.., n·r, ..)
  return renameGradFn(repeated, 'IndexSelectBackward0', [t]);
}

function triangle(op: 'tril' | 'triu', t: Tensor, args: [diagonal?: number | DiagonalOptions]): Tensor {
  isTensor(t, op, 'input', 1);
  const { diagonal = 0 } = optionalArguments(op, args, diagonalSpec, 2);
  if (t.ndim < 2) throw new Error(`${op}: input tensor must have at least 2 dimensions`);
  const [rows, cols] = t.shape.slice(-2);
  const keep = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) keep[i * cols + j] = (op === 'tril' ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  }
  const mask = fromValues(keep, [rows, cols], 'bool', t.backend);
  return renameGradFn(where(mask, t, 0).type(t.torchDtype), op === 'tril' ? 'TrilBackward0' : 'TriuBackward0', [t]);
}

/** The lower triangle of the last two dims, on and below `diagonal`: `tril(x, -1)` or `tril(x, { diagonal: -1 })`. */
export function tril(t: Tensor, ...args: [diagonal?: number | DiagonalOptions]): Tensor {
  return triangle('tril', t, args);
}

/** The upper triangle of the last two dims, on and above `diagonal`: `triu(x, 1)` or `triu(x, { diagonal: 1 })`. */
export function triu(t: Tensor, ...args: [diagonal?: number | DiagonalOptions]): Tensor {
  return triangle('triu', t, args);
}

/** PyTorch's device check, for backends: ops never mix storages of two backends. */
export function checkSameBackend(op: string, a: Tensor, b: Tensor): void {
  if (a.backend !== b.backend) {
    throw new Error(
      `${op}: Expected all tensors to be on the same backend, but found at least two backends, ${a.backend.name} and ${b.backend.name}! Move one with t.to('${a.backend.name}').`,
    );
  }
}
