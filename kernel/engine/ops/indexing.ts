/**
 * Indexing ops (issue 14): gather, scatter, scatterAdd, indexSelect, indexAdd, maskedSelect, take, nonzero,
 * and the tensor indices of `index()` (advanced indexing). None has a backend primitive: each reads its
 * inputs once (dataSync), loops on the host and writes a new tensor on the input's backend, so every
 * backend runs them unchanged. Every index is range-checked before any value is read: an index out of
 * range is PyTorch's error, never a read past the data.
 */
import {
  bindArguments,
  checkOptions,
  isBool,
  isInt,
  isNumber,
  isString,
  isTensor,
  isTensorOrScalar,
} from '../arguments';
import { allocate, castArray, checkRange, scalarTypeName, type TypedArray } from '../dtype';
import { broadcastShapes, contiguousStrides, formatShape, normalizeDim, sizeOf, type Shape } from '../shape';
import { sumToShape } from '../autograd/derivatives';
import { refuseUntrackedGrad, tracksGrad } from '../autograd/gradMode';
import {
  recordGather,
  recordIndexAdd,
  recordIndexSelect,
  recordPutBack,
  recordScatter,
  recordScatterAdd,
} from '../autograd/hostDerivatives';
import { Tensor } from '../tensor';
import { zerosLike } from './creation';
import { add } from './elementwise';
import { assignInto, checkInPlaceGrad, checkNoInternalOverlap } from './inplace';
import { expand, indexedView, permute, reshape, type IndexSpec } from './movement';

/** The keyword options of gather (PyTorch: sparse_grad, accepted and without effect: there are no sparse tensors). */
export interface GatherOptions {
  /** Whether the gradient is sparse; accepted for ported code, it changes nothing here (PyTorch: sparse_grad). */
  sparseGrad?: boolean;
}

/** The keyword options of scatter. */
export interface ScatterOptions {
  /** Combine with the present value instead of overwriting it: 'add' or 'multiply' (PyTorch: reduce). */
  reduce?: 'add' | 'multiply';
}

/** The keyword options of indexAdd. */
export interface IndexAddOptions {
  /** The factor `source` is multiplied by before it is added (PyTorch: alpha). */
  alpha?: number;
}

/** The keyword options of nonzero. */
export interface NonzeroOptions {
  /** Return one 1-D tensor of indices per dim instead of one (count, ndim) tensor (PyTorch: as_tuple). */
  asTuple?: boolean;
}

/** One tensor index of `index()`: the dim of the (basic-indexed) view it indexes, and the long index tensor. */
export interface TensorIndex {
  /** The dim of the view that the index picks along. */
  dim: number;
  /** A long tensor of positions along `dim` (negative ones count from the end). */
  index: Tensor;
}

const isReduce = (value: unknown, call: string, argument: string): 'add' | 'multiply' => {
  isString(value, call, argument);
  if (value !== 'add' && value !== 'multiply')
    throw new Error(`${call}: reduce argument must be either add or multiply.`);
  return value;
};
const gatherSpec = { sparseGrad: isBool };
const scatterSpec = { reduce: isReduce };
const indexAddSpec = { alpha: isNumber };
const nonzeroSpec = { asTuple: isBool };

/** A new tensor on `like`'s backend holding `values`, with `like`'s dtype (and PyTorch dtype). */
function resultLike(values: TypedArray, shape: Shape, like: Tensor): Tensor {
  const storage = like.backend.upload(values, like.dtype);
  return new Tensor(like.backend, storage, shape, like.dtype, undefined, 0, like.torchDtype);
}

/** A long (int64) tensor of indices on `backend`. */
export function longTensor(values: ArrayLike<number>, shape: Shape, backend: Tensor['backend']): Tensor {
  return new Tensor(
    backend,
    backend.upload(castArray(values, 'int32'), 'int32'),
    shape,
    'int32',
    undefined,
    0,
    'int64',
  );
}

/** True for what PyTorch calls a long tensor: int32 storage standing for int64. */
function isLong(t: Tensor): boolean {
  return t.torchDtype === 'int64';
}

/**
 * The values of an index tensor, checked against `size` (negative ones count from the end where
 * `allowNegative`), as a fresh array of non-negative indices; `outOfRange` gives the error text.
 */
function checkedIndices(
  call: string,
  index: Tensor,
  size: number,
  allowNegative: boolean,
  outOfRange: (value: number) => string,
): Int32Array {
  const indices = Int32Array.from(index.dataSync());
  const low = allowNegative ? -size : 0;
  for (let k = 0; k < indices.length; k++) {
    const value = indices[k];
    if (value < low || value >= size) throw new Error(`${call}: ${outOfRange(value)}`);
    if (value < 0) indices[k] = value + size;
  }
  return indices;
}

/** For each position of `shape` in row-major order, Σ coordinate·stride: where that position sits in a strided array. */
function stridedOffsets(shape: Shape, strides: readonly number[]): Int32Array {
  const count = sizeOf(shape);
  const offsets = new Int32Array(count);
  const coords = new Array<number>(shape.length).fill(0);
  let offset = 0;
  for (let k = 0; k < count; k++) {
    offsets[k] = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      coords[d]++;
      offset += strides[d];
      if (coords[d] < shape[d]) break;
      offset -= coords[d] * strides[d];
      coords[d] = 0;
    }
  }
  return offsets;
}

/** Blocks of a row-major (outer, size, inner) array picked along its middle dim: (outer, indices.length, inner). */
function takeBlocks(values: TypedArray, outer: number, size: number, inner: number, indices: Int32Array): TypedArray {
  const count = indices.length;
  const out = allocate(storedDtype(values), outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const from = (o * size + indices[j]) * inner;
      if (inner === 1) out[o * count + j] = values[from];
      else out.set(values.subarray(from, from + inner), (o * count + j) * inner);
    }
  }
  return out;
}

/** The dtype whose storage `values` is (a tensor's values as dataSync gives them: Uint8Array is bool). */
function storedDtype(values: TypedArray): Tensor['dtype'] {
  return values instanceof Float32Array ? 'float32' : values instanceof Int32Array ? 'int32' : 'bool';
}

/** Bool storage after additions holds counts: back to 0/1, as PyTorch's bool add saturates. */
function saturateBool(values: TypedArray): void {
  if (!(values instanceof Uint8Array)) return;
  for (let k = 0; k < values.length; k++) values[k] = values[k] !== 0 ? 1 : 0;
}

/** A 0-d tensor or index is treated as a 1-element 1-D one by gather and scatter. */
function atLeast1d(shape: Shape): Shape {
  return shape.length === 0 ? [1] : shape;
}

/** gather/scatter's index: a long tensor with the input's number of dims. */
function checkDimIndex(call: string, torchName: string, input: Tensor, index: Tensor, what: 'input' | 'self'): void {
  if (!isLong(index)) throw new Error(`${call}: ${torchName}(): Expected dtype int64 for index`);
  if (Math.max(index.ndim, 1) !== Math.max(input.ndim, 1)) {
    throw new Error(`${call}: Index tensor must have the same number of dimensions as ${what} tensor`);
  }
}

/** torch.gather: out[i][j] = input[index[i][j]][j] along dim 0, and so on; the result has the index's shape. */
export function gather(input: Tensor, dim: number, index: Tensor, options?: GatherOptions): Tensor {
  isTensor(input, 'gather', 'input', 1);
  isInt(dim, 'gather', 'dim', 2);
  isTensor(index, 'gather', 'index', 3);
  checkOptions('gather', options, gatherSpec);
  const d = normalizeDim('gather', dim, input.ndim);
  checkDimIndex('gather', 'gather', input, index, 'input');
  const inputShape = atLeast1d(input.shape);
  const indexShape = atLeast1d(index.shape);
  const mismatch = indexShape.findIndex((size, k) => k !== d && size > inputShape[k]);
  if (mismatch >= 0) {
    throw new Error(
      `gather: Size does not match at dimension ${mismatch} expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(input.shape)} apart from dimension ${d}`,
    );
  }
  const size = inputShape[d];
  const indices = checkedIndices('gather', index, size, false, (value) => outOfBounds(value, d, size));
  const strides = contiguousStrides(inputShape);
  const offsets = stridedOffsets(
    indexShape,
    strides.map((stride, k) => (k === d ? 0 : stride)),
  );
  const values = input.dataSync();
  const out = allocate(input.dtype, indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = values[offsets[k] + indices[k] * strides[d]];
  const result = resultLike(out, index.shape, input);
  return tracksGrad(input) ? recordGather('GatherBackward0', input, result, d, index) : result;
}

function outOfBounds(value: number, dim: number, size: number): string {
  return `index ${value} is out of bounds for dimension ${dim} with size ${size}`;
}

/** scatter and scatterAdd: writes `src` (a tensor or one value) at the positions `index` names along `dim`. */
function scatterInto(
  call: string,
  input: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor | number | boolean,
  reduce: 'add' | 'multiply' | undefined,
): Tensor {
  const d = normalizeDim(call, dim, input.ndim);
  checkDimIndex(call, 'scatter', input, index, 'self');
  const inputShape = atLeast1d(input.shape);
  const indexShape = atLeast1d(index.shape);
  let srcShape: Shape | undefined;
  if (src instanceof Tensor) {
    if (src.torchDtype !== input.torchDtype) throw new Error(`${call}: Expected self.dtype to be equal to src.dtype`);
    if (Math.max(src.ndim, 1) !== indexShape.length) {
      throw new Error(`${call}: Index tensor must have the same number of dimensions as src tensor`);
    }
    srcShape = atLeast1d(src.shape);
  }
  const tooLarge = indexShape.some(
    (size, k) => (k !== d && size > inputShape[k]) || (srcShape !== undefined && size > srcShape[k]),
  );
  if (tooLarge) {
    const srcPart = src instanceof Tensor ? ` and to be smaller size than src ${formatShape(src.shape)}` : '';
    throw new Error(
      `${call}: Expected index ${formatShape(index.shape)} to be smaller than self ${formatShape(input.shape)} apart from dimension ${d}${srcPart}`,
    );
  }
  const size = inputShape[d];
  const indices = checkedIndices(call, index, size, false, (value) => outOfBounds(value, d, size));
  const strides = contiguousStrides(inputShape);
  const targets = stridedOffsets(
    indexShape,
    strides.map((stride, k) => (k === d ? 0 : stride)),
  );
  const out = input.dataSync().slice();
  const srcValues = src instanceof Tensor ? src.dataSync() : castArray([Number(src)], input.dtype);
  const sources =
    srcShape === undefined ? new Int32Array(indices.length) : stridedOffsets(indexShape, contiguousStrides(srcShape));
  for (let k = 0; k < indices.length; k++) {
    const at = targets[k] + indices[k] * strides[d];
    const value = srcValues[sources[k]];
    out[at] = reduce === undefined ? value : reduce === 'add' ? out[at] + value : out[at] * value;
  }
  saturateBool(out);
  return resultLike(out, input.shape, input);
}

/**
 * torch.scatter (out of place): a copy of `input` with `src` written where `index` points along `dim`
 * (out[index[i][j]][j] = src[i][j] along dim 0); `src` is a tensor of input's dtype or a number;
 * `{ reduce: 'add' | 'multiply' }` combines instead of overwriting.
 */
export function scatter(
  input: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor | number | boolean,
  options?: ScatterOptions,
): Tensor {
  isTensor(input, 'scatter', 'input', 1);
  isInt(dim, 'scatter', 'dim', 2);
  isTensor(index, 'scatter', 'index', 3);
  isTensorOrScalar(src, 'scatter', 'src', 4);
  const { reduce } = checkOptions('scatter', options, scatterSpec);
  const source = src instanceof Tensor ? src : undefined;
  if (reduce !== undefined) refuseUntrackedGrad('scatter', input, source);
  const result = scatterInto('scatter', input, dim, index, src, reduce);
  const d = normalizeDim('scatter', dim, input.ndim);
  return tracksGrad(input, source) ? recordScatter(input, index, source ?? null, result, d) : result;
}

/** torch.scatter_add (out of place): a copy of `input` with `src` added where `index` points along `dim`. */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  isTensor(input, 'scatterAdd', 'input', 1);
  isInt(dim, 'scatterAdd', 'dim', 2);
  isTensor(index, 'scatterAdd', 'index', 3);
  isTensor(src, 'scatterAdd', 'src', 4);
  const result = scatterInto('scatterAdd', input, dim, index, src, 'add');
  const d = normalizeDim('scatterAdd', dim, input.ndim);
  return tracksGrad(input, src) ? recordScatterAdd(input, index, src, result, d) : result;
}

/** indexSelect/indexAdd's index: a 0-d or 1-D int tensor (int64 or int32) whose entries lie in [0, size). */
function vectorIndex(call: string, torchName: string, index: Tensor, size: number): Int32Array {
  if (index.dtype !== 'int32') {
    throw new Error(
      torchName === 'index_select'
        ? `${call}: index_select(): Expected dtype int32 or int64 for index`
        : `${call}: index_add_(): Expected dtype int32/int64 for index but got: ${scalarTypeName(index.torchDtype)}`,
    );
  }
  if (index.ndim > 1) {
    throw new Error(
      torchName === 'index_select'
        ? `${call}: index_select(): Index is supposed to be a vector`
        : `${call}: index_add_(): Index is supposed to be a vector, but got dim: ${index.ndim} with type: ${scalarTypeName(index.torchDtype)} and size: ${formatShape(index.shape)}`,
    );
  }
  return checkedIndices(call, index, size, false, () => 'index out of range in self');
}

/** The (outer, size, inner) blocks of a shape around `dim`. */
function blocksAround(shape: Shape, dim: number): [outer: number, size: number, inner: number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim] ?? 1, sizeOf(shape.slice(dim + 1))];
}

/** torch.index_select: the entries `index` (a 1-D int tensor) names along `dim`, in its order. */
export function indexSelect(input: Tensor, dim: number, index: Tensor): Tensor {
  isTensor(input, 'indexSelect', 'input', 1);
  isInt(dim, 'indexSelect', 'dim', 2);
  isTensor(index, 'indexSelect', 'index', 3);
  const d = normalizeDim('indexSelect', dim, input.ndim);
  const [outer, size, inner] = blocksAround(input.shape, d);
  const indices = vectorIndex('indexSelect', 'index_select', index, size);
  const out = takeBlocks(input.dataSync(), outer, size, inner, indices);
  const shape = input.ndim === 0 && indices.length === 1 ? [] : [...atLeast1d(input.shape)];
  if (shape.length > 0) shape[d] = indices.length;
  const result = resultLike(out, shape, input);
  return tracksGrad(input) ? recordIndexSelect(input, index, result, d) : result;
}

/**
 * torch.index_add (out of place): a copy of `input` with alpha·source[.., j, ..] added to entry index[j]
 * along `dim`; repeated indices accumulate. `source` has input's dtype and shape except along `dim`.
 */
export function indexAdd(input: Tensor, dim: number, index: Tensor, source: Tensor, options?: IndexAddOptions): Tensor {
  isTensor(input, 'indexAdd', 'input', 1);
  isInt(dim, 'indexAdd', 'dim', 2);
  isTensor(index, 'indexAdd', 'index', 3);
  isTensor(source, 'indexAdd', 'source', 4);
  const { alpha = 1 } = checkOptions('indexAdd', options, indexAddSpec);
  const d = normalizeDim('indexAdd', dim, input.ndim);
  const [outer, size, inner] = blocksAround(input.shape, d);
  const indices = vectorIndex('indexAdd', 'index_add', index, size);
  if (source.torchDtype !== input.torchDtype) {
    throw new Error(
      `indexAdd: index_add_(): self (${scalarTypeName(input.torchDtype)}) and source (${scalarTypeName(source.torchDtype)}) must have the same scalar type`,
    );
  }
  const sourceShape = atLeast1d(source.shape);
  const count = sourceShape[d] ?? 1;
  if (indices.length !== count) {
    throw new Error(
      `indexAdd: index_add_(): Number of indices (${indices.length}) should be equal to source.size(dim): (${count}), for dim: ${d}`,
    );
  }
  const expected = [...atLeast1d(input.shape)];
  expected[d] = count;
  if (sourceShape.length !== expected.length || sourceShape.some((s, k) => s !== expected[k])) {
    throw new Error(
      `indexAdd: source of size ${formatShape(source.shape)} must have self's size ${formatShape(input.shape)} in every dimension but ${d}`,
    );
  }
  const out = input.dataSync().slice();
  const values = source.dataSync();
  const factor = castArray([alpha], input.dtype)[0];
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const to = (o * size + indices[j]) * inner;
      const from = (o * count + j) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += values[from + i] * factor;
    }
  }
  saturateBool(out);
  const result = resultLike(out, input.shape, input);
  return tracksGrad(input, source) ? recordIndexAdd(input, index, source, alpha, result, d) : result;
}

/** torch.masked_select: the elements where the bool mask (broadcast with input) is true, as a 1-D tensor. */
export function maskedSelect(input: Tensor, mask: Tensor): Tensor {
  isTensor(input, 'maskedSelect', 'input', 1);
  isTensor(mask, 'maskedSelect', 'mask', 2);
  if (mask.dtype !== 'bool') throw new Error('maskedSelect: masked_select: expected BoolTensor or ByteTensor for mask');
  const shape = broadcastShapes('maskedSelect', mask.shape, input.shape);
  const values = expand(input, shape).dataSync();
  const keep = expand(mask, shape).dataSync();
  const out = allocate(input.dtype, values.length);
  let count = 0;
  for (let k = 0; k < values.length; k++) if (keep[k]) out[count++] = values[k];
  const result = resultLike(out.slice(0, count), [count], input);
  if (!tracksGrad(input)) return result;
  return recordPutBack('MaskedSelectBackward0', input, result, (g) =>
    sumToShape(indexPut_(zerosLike(expand(input, shape)), expand(mask, shape), g), input.shape),
  );
}

/** torch.take: input read as 1-D at the long `index` (negative counts from the end); the result has the index's shape. */
export function take(input: Tensor, index: Tensor): Tensor {
  isTensor(input, 'take', 'input', 1);
  isTensor(index, 'take', 'index', 2);
  if (!isLong(index)) {
    throw new Error(`take: take(): Expected a long tensor for index, but got ${scalarTypeName(index.torchDtype)}`);
  }
  const numel = input.numel();
  if (numel === 0 && index.numel() > 0) throw new Error('take: take(): tried to take from an empty tensor');
  const indices = checkedIndices(
    'take',
    index,
    numel,
    true,
    (value) => `out of range: tried to access index ${value} on a tensor of ${numel} elements.`,
  );
  const result = resultLike(takeBlocks(input.dataSync(), 1, numel, 1, indices), index.shape, input);
  if (!tracksGrad(input)) return result;
  return recordPutBack('TakeBackward0', input, result, (g) => {
    const flat = indexPut_(reshape(zerosLike(input), [-1]), [reshape(index, [-1])], reshape(g, [-1]), true); // (numel)
    return reshape(flat, input.shape);
  });
}

/**
 * torch.nonzero: the indices of the non-zero elements (NaN counts), one row each, as a (count, ndim) long
 * tensor; `{ asTuple: true }` gives one 1-D tensor per dim instead (a 0-d input gives one).
 */
export function nonzero(input: Tensor): Tensor;
export function nonzero(input: Tensor, options: NonzeroOptions & { asTuple: true }): Tensor[];
export function nonzero(input: Tensor, options?: NonzeroOptions): Tensor | Tensor[];
export function nonzero(input: Tensor, options?: NonzeroOptions): Tensor | Tensor[] {
  isTensor(input, 'nonzero', 'input', 1);
  const { asTuple = false } = checkOptions('nonzero', options, nonzeroSpec);
  const values = input.dataSync();
  const found: number[] = [];
  for (let k = 0; k < values.length; k++) if (values[k] !== 0) found.push(k);
  const shape = input.shape;
  const strides = contiguousStrides(shape);
  const coordinates = shape.map((size, d) => found.map((k) => Math.floor(k / strides[d]) % size));
  if (asTuple) {
    if (input.ndim === 0) return [longTensor(new Int32Array(found.length), [found.length], input.backend)];
    return coordinates.map((column) => longTensor(column, [found.length], input.backend));
  }
  const rows = new Int32Array(found.length * input.ndim);
  coordinates.forEach((column, d) => column.forEach((value, r) => (rows[r * input.ndim + d] = value)));
  return longTensor(rows, [found.length, input.ndim], input.backend);
}

/** Broadcasts the index tensors together, with PyTorch's text listing every shape when they don't. */
function broadcastIndexShapes(call: string, indices: readonly TensorIndex[]): number[] {
  try {
    return indices.reduce<number[]>((shape, { index }) => broadcastShapes(call, shape, index.shape), []);
  } catch {
    const shapes = indices.map(({ index }) => formatShape(index.shape)).join(', ');
    throw new Error(`${call}: shape mismatch: indexing tensors could not be broadcast together with shapes ${shapes}`);
  }
}

/**
 * Where advanced indexing (`x[t]`, `x[:, t1, t2]`) reads in a view whose other indices are already applied:
 * the long tensors broadcast to one shape B; where they index adjacent dims B takes their place, otherwise
 * B comes first (PyTorch's and NumPy's rule). `arranged` is the view with the indexed dims next to each
 * other, read as (outer, size, inner) blocks; `positions` are B's entries in the middle one, range-checked.
 */
interface AdvancedPlan {
  arranged: Tensor;
  /** The permutation that made `arranged` from the view (the identity when the indexed dims are adjacent). */
  order: number[];
  outer: number;
  size: number;
  inner: number;
  positions: Int32Array;
  /** The result's shape: (before..., B..., after...). */
  shape: number[];
}

function planAdvancedIndex(call: string, view: Tensor, indices: readonly TensorIndex[]): AdvancedPlan {
  const broadcast = broadcastIndexShapes(call, indices);
  const dims = indices.map(({ dim }) => dim);
  const adjacent = dims.every((dim, k) => k === 0 || dim === dims[k - 1] + 1);
  const rest = [...view.shape.keys()].filter((d) => !dims.includes(d));
  const order = adjacent ? [...view.shape.keys()] : [...dims, ...rest];
  const arranged = adjacent ? view : permute(view, order); // the indexed dims next to each other
  const first = adjacent ? dims[0] : 0;
  const positions = new Int32Array(sizeOf(broadcast));
  let size = 1;
  for (let k = indices.length - 1; k >= 0; k--) {
    const { dim, index } = indices[k];
    const length = view.shape[dim];
    const within = checkedIndices(call, expand(index, broadcast), length, true, (value) =>
      length === 0
        ? 'index is out of bounds for dimension with size 0'
        : `index ${value} is out of bounds for dimension ${dim} with size ${length}`,
    );
    for (let m = 0; m < positions.length; m++) positions[m] += within[m] * size;
    size *= length;
  }
  const before = arranged.shape.slice(0, first);
  const after = arranged.shape.slice(first + indices.length);
  const shape = [...before, ...broadcast, ...after];
  return { arranged, order, outer: sizeOf(before), size, inner: sizeOf(after), positions, shape };
}

/** Advanced indexing of a view by its tensor indices (see planAdvancedIndex): a new tensor. */
export function advancedIndex(call: string, view: Tensor, indices: readonly TensorIndex[]): Tensor {
  const { arranged, outer, size, inner, positions, shape } = planAdvancedIndex(call, view, indices);
  const result = resultLike(takeBlocks(arranged.dataSync(), outer, size, inner, positions), shape, view);
  if (!tracksGrad(view)) return result;
  return recordPutBack('IndexBackward0', view, result, (g) => {
    const plan = planAdvancedIndex(call, zerosLike(view), indices);
    const written = plan.arranged.dataSync().slice();
    putBlocks(written, plan, g.dataSync(), true);
    const gradient = resultLike(written, plan.arranged.shape, g);
    return permute(
      gradient,
      plan.order.map((_, k) => plan.order.indexOf(k)),
    ); // the view's dim order
  });
}

/** Writes (or adds, repeated positions adding up) `source`, the indexing result's values, where the plan reads. */
function putBlocks(written: TypedArray, plan: AdvancedPlan, source: TypedArray, adding: boolean): void {
  const { outer, size, inner, positions } = plan;
  const single = source.length === 1; // a number, or a tensor of one element
  const count = positions.length;
  for (let o = 0; o < outer; o++) {
    for (let m = 0; m < count; m++) {
      const to = (o * size + positions[m]) * inner;
      const from = (o * count + m) * inner;
      for (let i = 0; i < inner; i++) {
        const v = source[single ? 0 : from + i];
        written[to + i] = adding ? written[to + i] + v : v;
      }
    }
  }
}

/** True when a tensor of shape `from` broadcasts to `to` without changing it (leading size-1 dims may drop). */
function broadcastsTo(from: Shape, to: Shape): boolean {
  const lead = from.length - to.length;
  return from.every((size, d) => (d < lead ? size === 1 : size === 1 || size === to[d - lead]));
}

/** The keyword form of indexPut_'s accumulate. */
export interface IndexPutOptions {
  /** Add the values to the indexed elements instead of overwriting them; repeated indices add up (PyTorch: accumulate). */
  accumulate?: boolean;
}

const indexPutSpec = { accumulate: isBool };

/**
 * Slice and index assignment, torch's `x[spec] = value` and Tensor.index_put_: writes `value` (a number or a
 * tensor broadcast to the indexed shape) into `target`'s own storage where `spec` points, and returns
 * `target`. `spec` is one index of `index()` or, as torch's index_put_ takes, an array of them (Python's
 * `x[a, b]`; so `x[[0, 2]] = v` is `x.indexPut_([[0, 2]], v)`): `pe.indexPut_(':, 0::2', v)`, `x.indexPut_(mask, 0)`,
 * `x.indexPut_([rows, cols], v, { accumulate: true })` (also `accumulate` positionally).
 */
export function indexPut_(
  target: Tensor,
  spec: IndexSpec | readonly IndexSpec[],
  value: Tensor | number | boolean,
  accumulate?: boolean | IndexPutOptions,
): Tensor {
  const call = 'indexPut_';
  isTensor(target, call, 'input', 1);
  isTensorOrScalar(value, call, 'values', 3);
  checkInPlaceGrad(call, target, value);
  const { accumulate: adding = false } = bindArguments(call, [accumulate], ['accumulate'], indexPutSpec, 4);
  const specs: readonly IndexSpec[] = Array.isArray(spec) ? spec : [spec as IndexSpec];
  const { view, tensorIndices } = indexedView(call, target, specs);
  checkNoInternalOverlap(call, view);
  if (tensorIndices.length === 0) {
    assignInto(call, view, adding ? add(view, value) : value);
    return target;
  }
  if (value instanceof Tensor && value.torchDtype !== target.torchDtype) {
    throw new Error(
      `${call}: Index put requires the source and destination dtypes match, got ${scalarTypeName(target.torchDtype)} for the destination and ${scalarTypeName(value.torchDtype)} for the source.`,
    );
  }
  const plan = planAdvancedIndex(call, view, tensorIndices);
  const { arranged, shape } = plan;
  let source: TypedArray;
  if (value instanceof Tensor) {
    if (!broadcastsTo(value.shape, shape)) {
      throw new Error(
        `${call}: shape mismatch: value tensor of shape ${formatShape(value.shape)} cannot be broadcast to indexing result of shape ${formatShape(shape)}`,
      );
    }
    source = expand(value, shape).dataSync();
  } else {
    if (typeof value === 'number') checkRange(call, [value], target.torchDtype);
    source = castArray([Number(value)], target.dtype);
  }
  const written = arranged.dataSync().slice();
  putBlocks(written, plan, source, adding);
  saturateBool(written);
  assignInto(call, arranged, resultLike(written, arranged.shape, target));
  return target;
}
