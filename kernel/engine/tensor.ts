/**
 * Tensor: a dtype, a shape and a strided view onto backend storage. Movement ops make new views
 * of the same storage; every computation goes through the ops, written once over the Backend
 * primitives. The methods below are the PyTorch-style method forms of those ops.
 */
import type { Backend, Storage, View } from './backend';
import { defaultTorchDtype, type DType, type DTypeName, type TorchDType, type TypedArray } from './dtype';
import { contiguousStrides, normalizeDim, sizeOf, toSize, type Shape, type Size } from './shape';
import { asMethod, isInt, methodError, isOperand, isTensor, isTensorOrScalar } from './arguments';
import { formatTensor, summarizedShape } from './format';
import * as arrange from './ops/arrange';
import * as creation from './ops/creation';
import * as elementwise from './ops/elementwise';
import * as indexing from './ops/indexing';
import * as inplace from './ops/inplace';
import * as linalg from './ops/linalg';
import * as movement from './ops/movement';
import * as reduction from './ops/reduction';
import * as scan from './ops/scan';
import type { IndexSpec } from './ops/movement';
import { backward, type BackwardOptions } from './autograd/backward';
import { recordStridedView } from './autograd/derivatives';
import { tracksGrad } from './autograd/gradMode';
import type { GradFn } from './autograd/gradFn';

/** A number or boolean where an op takes a tensor or a scalar (a Python number). */
export type Scalar = number | boolean;
/** What elementwise ops take as an operand: a tensor, or a scalar that broadcasts. */
export type TensorLike = Tensor | Scalar;
/** Nested arrays of numbers or booleans, as `tensor([[1, 2], [3, 4]])` takes them and `tolist()` gives them. */
export type NestedArray = Scalar | NestedArray[];
type ShapeArgs = (number | readonly number[])[];

/** A PyTorch-style tensor: a shape, a dtype and a strided view onto one backend's storage (torch.Tensor). */
export class Tensor {
  /** The sizes of the dims, as a torch.Size: `shape[-1]` is the last one, and it prints as `torch.Size([2, 3])`. */
  readonly shape: Size;
  /** Elements to step in storage per index of each dim (torch's `x.stride()`). */
  readonly strides: number[];

  /** A tensor over existing storage; user code makes tensors with tensor(), zeros(), randn(), ... instead. */
  constructor(
    /** The engine backend that holds the storage and runs the ops (torch's device). */
    readonly backend: Backend,
    /** The backend's buffer behind this tensor, shared by its views (torch's untyped storage). */
    readonly storage: Storage,
    shape: Shape,
    /** The storage dtype: 'float32', 'int32' or 'bool'; see `torchDtype` for PyTorch's name. */
    readonly dtype: DType,
    strides?: readonly number[],
    /** Where the tensor's first element sits in the storage (torch's `x.storage_offset()`). */
    readonly offset = 0,
    /** The PyTorch dtype the tensor stands for: int64 or int32 for int32 storage (see dtype.ts). */
    readonly torchDtype: TorchDType = defaultTorchDtype(dtype),
  ) {
    this.shape = toSize(shape);
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
  }

  /** The number of dims (torch's `x.ndim`). */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of elements: the product of the shape (1 for a 0-dim tensor). */
  numel(): number {
    return sizeOf(this.shape);
  }

  /** The shape as a torch.Size, or the size of one dim (negative dims count from the end). */
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    if (dim === undefined) return this.shape;
    isInt(dim, 'size', 'dim', 1);
    if (this.ndim === 0) throw new Error(`size: Dimension specified as ${dim} but tensor has no dimensions`);
    return this.shape[normalizeDim('size', dim, this.ndim)];
  }

  /** The number of dims, as `ndim` (torch's `x.dim()`). */
  dim(): number {
    return this.ndim;
  }

  /** The strided window the backend primitives take. */
  toView(): View {
    return { storage: this.storage, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /** A new tensor over the same storage with another layout (what every movement op returns). */
  withLayout(shape: Shape, strides: readonly number[], offset = this.offset): Tensor {
    const view = new Tensor(this.backend, this.storage, shape, this.dtype, strides, offset, this.torchDtype);
    return tracksGrad(this) ? recordStridedView(this, view) : view;
  }

  /** Whether the elements lie in row-major order with no gaps (PyTorch: is_contiguous). */
  isContiguous(): boolean {
    return movement.isContiguousTensor(this);
  }

  /**
   * torch's `t._version` (read-only): how many in-place writes (`fill_`, `add_`, ...) the tensor's
   * storage has had, shared by every view of it. Autograd compares it to refuse a stale saved tensor.
   */
  get version(): number {
    return inplace.versionOf(this);
  }

  // Reading values -------------------------------------------------------------------------

  /** The values in row-major order, as a promise (tfjs's `data()`; every backend reads synchronously). */
  async data(): Promise<TypedArray> {
    return this.dataSync();
  }

  /** The values in row-major order. */
  dataSync(): TypedArray {
    const dense = this.contiguous();
    return this.backend.read(dense.storage, this.dtype).subarray(dense.offset, dense.offset + this.numel());
  }

  /** Nested arrays (numbers, or booleans for bool tensors), like torch's tolist(). */
  toArray(): NestedArray {
    const values = this.dataSync();
    const toValue = this.dtype === 'bool' ? (x: number) => x !== 0 : (x: number) => x;
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.ndim) return toValue(values[start]);
      const step = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, start + i * step));
    };
    return build(0, 0);
  }

  /** Nested arrays of numbers (booleans for bool tensors), like torch's tolist(); a scalar for 0-dim. */
  tolist(): NestedArray {
    return this.toArray();
  }

  /** The value of a one-element tensor as a number (a boolean for bool); any shape with 1 element. */
  item(): number | boolean {
    if (this.numel() !== 1) {
      throw new Error(`item: a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    }
    const value = this.dataSync()[0];
    return this.dtype === 'bool' ? value !== 0 : value;
  }

  /** PyTorch's repr; it reads only the elements it shows (the summarised corners of a big tensor). */
  toString(): string {
    const autograd = this.node ? `grad_fn=${this.node}` : this.requiresGrad ? 'requires_grad=True' : undefined;
    const shown = shownCorners(this.detach(), summarizedShape(this.shape)).dataSync();
    return formatTensor(this.shape, this.torchDtype, shown, undefined, autograd);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /**
   * torch's `.to(...)`: `.to(dtype)` casts (see {@link Tensor.type}), `.to(device)` copies onto a
   * backend by name ('cpu' means the active backend, so PyTorch code runs unchanged), `.to(device,
   * dtype)` does both, `.to(other)` takes other's dtype and backend; trailing options `{ dtype, device,
   * nonBlocking, copy }`. The tensor itself comes back when nothing changes (unless `copy: true`), as in PyTorch.
   */
  to(...args: creation.ToArgs): Tensor {
    return creation.to(this, ...args);
  }
  /** torch's `.cpu()`: the tensor on the active backend ('cpu' in `.to`), itself when already there. */
  cpu(): Tensor {
    return creation.to(this, 'cpu');
  }
  /**
   * torch's `.numpy()`: a copy of the values in row-major order as a typed array (Float32Array,
   * Int32Array for int64 and int32, Uint8Array of 0/1 for bool), not an ndarray: the shape is `x.shape`.
   */
  numpy(): TypedArray {
    return this.dataSync().slice();
  }
  /**
   * torch's `.element_size()`: the bytes of one element of the PyTorch dtype the tensor stands for
   * (float32 4, int64 8, int32 4, bool 1), so that size arithmetic ported from PyTorch agrees; int64 is
   * stored as int32 here, 4 bytes.
   */
  elementSize(): number {
    return { float32: 4, int64: 8, int32: 4, bool: 1 }[this.torchDtype];
  }
  /** torch's `.stride()`: the step in elements of each dim, or of one dim (negative dims count from the end). */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return this.strides.slice();
    isInt(dim, 'stride', 'dim', 1);
    if (this.ndim === 0) throw new Error(`stride: Dimension specified as ${dim} but tensor has no dimensions`);
    return this.strides[normalizeDim('stride', dim, this.ndim)];
  }
  /** torch's `.storage_offset()`: where the tensor's first element sits in its storage, in elements. */
  storageOffset(): number {
    return this.offset;
  }

  // Movement -------------------------------------------------------------------------------

  /** The same values in another shape, one size may be -1: `x.reshape(2, -1)` (a view when strides allow). */
  reshape(...shape: ShapeArgs): Tensor {
    try {
      return movement.reshape(this, ...shape);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** The same storage in another shape, one size may be -1: `x.view(b, -1, h, d)`; fails where strides forbid. */
  view(...shape: ShapeArgs): Tensor {
    try {
      return movement.view(this, ...shape);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Swaps two dims, negative dims allowed: `x.transpose(-2, -1)` (a view). */
  transpose(dim0: number, dim1: number): Tensor {
    try {
      return movement.transpose(this, dim0, dim1);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** The matrix transpose of a 2-D tensor (torch's `.T` / `.t()`). */
  t(): Tensor {
    return movement.t(this);
  }
  /**
   * torch's `.T`: the dims reversed (a view). PyTorch 1.13 only warns that this is deprecated for other
   * than 2 dims (use `.mT` for batches of matrices); here it reverses them without a warning.
   */
  get T(): Tensor {
    return movement.permute(this, [...this.shape.keys()].reverse());
  }
  /** torch's `.mT`: the last two dims swapped, a batch of matrices transposed (a view); not for 1-D tensors. */
  get mT(): Tensor {
    return matrixTranspose(this, 'mT');
  }
  /** torch's `.mH`: the conjugate transpose of matrices, which is `.mT` for the engine's real dtypes. */
  get mH(): Tensor {
    return matrixTranspose(this, 'mH');
  }
  /** torch's `.H`: the conjugate transpose of a matrix (`.T` of a real 2-D tensor); a 0-dim tensor itself. */
  get H(): Tensor {
    if (this.ndim === 0) return this;
    if (this.ndim !== 2) {
      const batches = this.ndim > 2 ? ' For batches of matrices, consider using tensor.mH' : '';
      throw new Error(`H: tensor.H is only supported on matrices (2-D tensors). Got ${this.ndim}-D tensor.${batches}`);
    }
    return movement.transpose(this, 0, 1);
  }
  /** Reorders the dims: `x.permute(0, 2, 1, 3)` or `x.permute([0, 2, 1, 3])` (a view). */
  permute(...dims: ShapeArgs): Tensor {
    try {
      return movement.permute(this, ...dims);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Inserts a size-1 dim at `dim`: `x.unsqueeze(1)`, `x.unsqueeze(-1)`. */
  unsqueeze(dim: number): Tensor {
    try {
      return movement.unsqueeze(this, dim);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Removes size-1 dims, or only `dim`: `x.squeeze()`, `x.squeeze(1)`, `x.squeeze({ dim: 1 })`. */
  squeeze(...args: [dim?: number | movement.DimOptions]): Tensor {
    try {
      return movement.squeeze(this, ...args);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Broadcasts size-1 dims to `shape`, -1 keeps a size: `x.expand(2, -1, 4)` (a view). */
  expand(...shape: ShapeArgs): Tensor {
    try {
      return movement.expand(this, ...shape);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** `x.expand(other.shape)`. (PyTorch: expand_as) */
  expandAs(other: Tensor): Tensor {
    try {
      return movement.expand(this, isTensor(other, 'expandAs', 'other', 2).shape);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Merges dims startDim..endDim: `x.flatten()`, `x.flatten(1)`, `x.flatten({ startDim: 1, endDim: 2 })`. */
  flatten(...args: [startDim?: number | movement.FlattenOptions, endDim?: number | movement.FlattenOptions]): Tensor {
    try {
      return movement.flatten(this, ...args);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** The same values in row-major layout: itself when already contiguous, else a copy. */
  contiguous(): Tensor {
    return movement.contiguous(this);
  }
  /** A copy with its own storage (same shape and dtype), recorded by autograd. */
  clone(): Tensor {
    return movement.clone(this);
  }
  /** `length` elements of `dim` from `start`: `x.narrow(1, 0, 2)` (a view). */
  narrow(dim: number, start: number, length: number): Tensor {
    try {
      return movement.narrow(this, dim, start, length);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Python's `x[:, start:end:step]` along one dim, as a view: `x.slice(1, 0, 4, 2)`. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    try {
      return movement.slice(this, dim, start, end, step);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Picks index `index` of `dim` and drops the dim: `x.select(0, -1)` is `x[-1]`. */
  select(dim: number, index: number): Tensor {
    try {
      return movement.select(this, dim, index);
    } catch (error) {
      throw methodError(error);
    }
  }
  /**
   * Python-style indexing, `x[...]`: `x.index(0, ':', '1:3')`, `x.index('0, :, ::2')`, `x.index('...', null)`,
   * a long tensor `x.index(idx)` (`x[idx]`) or a bool mask `x.index(mask)` (`x[mask]`).
   */
  index(...specs: IndexSpec[]): Tensor {
    try {
      return movement.index(this, ...specs);
    } catch (error) {
      throw methodError(error);
    }
  }
  /**
   * Slice and index assignment in place, torch's `x[spec] = value` / index_put_: `pe.indexPut_(':, 0::2', v)`,
   * `x.indexPut_(mask, 0)`, `x.indexPut_([rows, cols], v, { accumulate: true })`; an array is several indices.
   */
  indexPut_(
    spec: IndexSpec | readonly IndexSpec[],
    value: TensorLike,
    accumulate?: boolean | indexing.IndexPutOptions,
  ): Tensor {
    return asMethod(() => indexing.indexPut_(this, spec, value, accumulate));
  }
  /** Values picked along `dim` at the long `index` (same number of dims): `x.gather(1, idx)` (torch.gather). */
  gather(dim: number, index: Tensor, options?: indexing.GatherOptions): Tensor {
    return asMethod(() => indexing.gather(this, dim, index, options));
  }
  /** A copy with `src` (tensor or number) written where `index` points along `dim`: `x.scatter(1, idx, src)`. */
  scatter(dim: number, index: Tensor, src: TensorLike, options?: indexing.ScatterOptions): Tensor {
    return asMethod(() => indexing.scatter(this, dim, index, src, options));
  }
  /** A copy with `src` added where `index` points along `dim`; repeated indices accumulate (torch.scatter_add). */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return asMethod(() => indexing.scatterAdd(this, dim, index, src));
  }
  /** The entries a 1-D int `index` names along `dim`: `x.indexSelect(0, idx)` (torch.index_select). */
  indexSelect(dim: number, index: Tensor): Tensor {
    return asMethod(() => indexing.indexSelect(this, dim, index));
  }
  /** A copy with alpha·source added at the entries `index` names along `dim` (torch.index_add). */
  indexAdd(dim: number, index: Tensor, source: Tensor, options?: indexing.IndexAddOptions): Tensor {
    return asMethod(() => indexing.indexAdd(this, dim, index, source, options));
  }
  /** The elements where the bool mask (broadcast) is true, as a 1-D tensor (torch.masked_select). */
  maskedSelect(mask: Tensor): Tensor {
    return asMethod(() => indexing.maskedSelect(this, mask));
  }
  /** The tensor read as 1-D at the long `index`, in the index's shape (torch.take). */
  take(index: Tensor): Tensor {
    return asMethod(() => indexing.take(this, index));
  }
  /** The indices of the non-zero elements: a (count, ndim) tensor, or one per dim with `{ asTuple: true }`. */
  nonzero(): Tensor;
  nonzero(options: indexing.NonzeroOptions & { asTuple: true }): Tensor[];
  nonzero(options?: indexing.NonzeroOptions): Tensor | Tensor[];
  nonzero(options?: indexing.NonzeroOptions): Tensor | Tensor[] {
    return asMethod(() => indexing.nonzero(this, options));
  }
  /** `chunks` equal pieces along `dim`: `x.chunk(3, -1)`, `x.chunk(3, { dim: -1 })`. */
  chunk(chunks: number, ...args: [dim?: number | movement.DimOptions]): Tensor[] {
    try {
      return movement.chunk(this, chunks, ...args);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Pieces of `splitSize` along `dim`, or of each listed size: `x.split(2, 1)`, `x.split([1, 3], { dim: 1 })`. */
  split(splitSize: number | readonly number[], ...args: [dim?: number | movement.DimOptions]): Tensor[] {
    try {
      return movement.split(this, splitSize, ...args);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Tiles the tensor: `x.repeat(2, 1)` doubles the rows. */
  repeat(...sizes: ShapeArgs): Tensor {
    try {
      return movement.repeat(this, ...sizes);
    } catch (error) {
      throw methodError(error);
    }
  }
  /**
   * Repeats each element along `dim` (flattened when omitted): `x.repeatInterleave(2, 0)`, `(2, { dim: 0 })`.
   * (PyTorch: repeat_interleave)
   */
  repeatInterleave(repeats: number, ...args: [dim?: number | movement.DimOptions]): Tensor {
    try {
      return movement.repeatInterleave(this, repeats, ...args);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** The lower triangle on and below `diagonal`: `x.tril()`, `x.tril(-1)`, `x.tril({ diagonal: -1 })`. */
  tril(...args: [diagonal?: number | movement.DiagonalOptions]): Tensor {
    try {
      return movement.tril(this, ...args);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** The upper triangle on and above `diagonal`: `x.triu(1)`, `x.triu({ diagonal: 1 })` (a causal mask). */
  triu(...args: [diagonal?: number | movement.DiagonalOptions]): Tensor {
    try {
      return movement.triu(this, ...args);
    } catch (error) {
      throw methodError(error);
    }
  }

  /** The elements of the listed dims in reverse order, as a copy: `x.flip(0)`, `x.flip([0, 1])`. */
  flip(...dims: ShapeArgs): Tensor {
    return asMethod(() => arrange.flip(this, ...dims));
  }
  /** Shifts elements along dims, wrapping around (a copy): `x.roll(1)`, `x.roll(1, 0)`, `x.roll([1, 2], [0, 1])`. */
  roll(
    shifts: number | readonly number[],
    ...args: Parameters<typeof arrange.roll> extends [Tensor, unknown, ...infer Rest] ? Rest : never
  ): Tensor {
    return asMethod(() => arrange.roll(this, shifts, ...args));
  }
  /** A vector's diagonal matrix, or a matrix's diagonal as a vector (copies): `v.diag()`, `m.diag(1)`. */
  diag(...args: Parameters<typeof arrange.diag> extends [Tensor, ...infer Rest] ? Rest : never): Tensor {
    return asMethod(() => arrange.diag(this, ...args));
  }
  /** A diagonal of dims dim1, dim2 as a view: `x.diagonal()`, `x.diagonal(0, -2, -1)`, `x.diagonal({ offset: 1 })`. */
  diagonal(...args: Parameters<typeof arrange.diagonal> extends [Tensor, ...infer Rest] ? Rest : never): Tensor {
    return asMethod(() => arrange.diagonal(this, ...args));
  }
  /** The slices along `dim` (0 by default) as views: `x.unbind()`, `x.unbind(1)`. */
  unbind(...args: Parameters<typeof arrange.unbind> extends [Tensor, ...infer Rest] ? Rest : never): Tensor[] {
    return asMethod(() => arrange.unbind(this, ...args));
  }
  /** Moves dims to new places, the others keep their order (a view): `x.movedim(0, -1)`. */
  movedim(source: number | readonly number[], destination: number | readonly number[]): Tensor {
    return asMethod(() => arrange.movedim(this, source, destination));
  }
  /** NumPy's name for movedim. */
  moveaxis(source: number | readonly number[], destination: number | readonly number[]): Tensor {
    return asMethod(() => arrange.moveaxis(this, source, destination));
  }
  /** NumPy's name for transpose (a view). */
  swapaxes(axis0: number, axis1: number): Tensor {
    return asMethod(() => arrange.swapaxes(this, axis0, axis1));
  }
  /** An alias of transpose (a view). */
  swapdims(dim0: number, dim1: number): Tensor {
    return asMethod(() => arrange.swapdims(this, dim0, dim1));
  }
  /** Expanded to `size` as a view, -1 keeping a size: `x.broadcastTo([4, 2, 3])`. (PyTorch: broadcast_to) */
  broadcastTo(size: readonly number[]): Tensor {
    return asMethod(() => arrange.broadcastTo(this, size));
  }

  // Elementwise ----------------------------------------------------------------------------

  /** this + alpha · other, broadcast (torch.add); alpha positional or `{ alpha }`. */
  add(other: TensorLike, alpha?: number | elementwise.AlphaOptions): Tensor {
    return elementwise.add(this, isOperand(other, 'add', 'other', 1), alpha);
  }
  /** this - alpha · other, broadcast (torch.sub); alpha positional or `{ alpha }`. */
  sub(other: TensorLike, alpha?: number | elementwise.AlphaOptions): Tensor {
    return elementwise.sub(this, isOperand(other, 'sub', 'other', 1), alpha);
  }
  /** this * other elementwise, broadcast; the promoted dtype. */
  mul(other: TensorLike): Tensor {
    return elementwise.mul(this, isOperand(other, 'mul', 'other', 1));
  }
  /** True division, or rounded with `{ roundingMode: 'trunc' | 'floor' }` (torch's div). */
  div(other: TensorLike, options?: elementwise.DivOptions): Tensor {
    return elementwise.div(this, isOperand(other, 'div', 'other', 1), options);
  }
  /** The remainder with this tensor's sign (C's fmod). */
  fmod(other: TensorLike): Tensor {
    return elementwise.fmod(this, isOperand(other, 'fmod', 'other', 1));
  }
  /** The remainder with the divisor's sign (Python's %). */
  remainder(other: TensorLike): Tensor {
    return elementwise.remainder(this, isOperand(other, 'remainder', 'other', 1));
  }
  /** The quotient rounded toward -∞ (Python's //). (PyTorch: floor_divide) */
  floorDivide(other: TensorLike): Tensor {
    return elementwise.floorDivide(this, isOperand(other, 'floorDivide', 'other', 1));
  }
  /** this + weight·(end - this), weight a number or a tensor. */
  lerp(end: Tensor, weight: TensorLike): Tensor {
    return asMethod(() => elementwise.lerp(this, end, weight));
  }
  /** & of integer or bool tensors. (PyTorch: bitwise_and) */
  bitwiseAnd(other: TensorLike): Tensor {
    return elementwise.bitwiseAnd(this, isOperand(other, 'bitwiseAnd', 'other', 1));
  }
  /** | of integer or bool tensors. (PyTorch: bitwise_or) */
  bitwiseOr(other: TensorLike): Tensor {
    return elementwise.bitwiseOr(this, isOperand(other, 'bitwiseOr', 'other', 1));
  }
  /** ^ of integer or bool tensors. (PyTorch: bitwise_xor) */
  bitwiseXor(other: TensorLike): Tensor {
    return elementwise.bitwiseXor(this, isOperand(other, 'bitwiseXor', 'other', 1));
  }
  /** ~x of an integer or bool tensor. (PyTorch: bitwise_not) */
  bitwiseNot(): Tensor {
    return elementwise.bitwiseNot(this);
  }
  /** this ** exponent elementwise, broadcast (a number or a tensor). */
  pow(exponent: TensorLike): Tensor {
    return elementwise.pow(this, isOperand(exponent, 'pow', 'exponent', 1));
  }
  /** The larger of this and other elementwise, broadcast (NaN wins, as torch.maximum). */
  maximum(other: TensorLike): Tensor {
    return elementwise.maximum(this, isOperand(other, 'maximum', 'other', 1));
  }
  /** The smaller of this and other elementwise, broadcast (NaN wins, as torch.minimum). */
  minimum(other: TensorLike): Tensor {
    return elementwise.minimum(this, isOperand(other, 'minimum', 'other', 1));
  }
  /** this == other elementwise, broadcast; a bool tensor. */
  eq(other: TensorLike): Tensor {
    return elementwise.eq(this, isOperand(other, 'eq', 'other', 1));
  }
  /** this != other elementwise, broadcast; a bool tensor. */
  ne(other: TensorLike): Tensor {
    return elementwise.ne(this, isOperand(other, 'ne', 'other', 1));
  }
  /** this < other elementwise, broadcast; a bool tensor. */
  lt(other: TensorLike): Tensor {
    return elementwise.lt(this, isOperand(other, 'lt', 'other', 1));
  }
  /** this <= other elementwise, broadcast; a bool tensor. */
  le(other: TensorLike): Tensor {
    return elementwise.le(this, isOperand(other, 'le', 'other', 1));
  }
  /** this > other elementwise, broadcast; a bool tensor. */
  gt(other: TensorLike): Tensor {
    return elementwise.gt(this, isOperand(other, 'gt', 'other', 1));
  }
  /** this >= other elementwise, broadcast; a bool tensor. */
  ge(other: TensorLike): Tensor {
    return elementwise.ge(this, isOperand(other, 'ge', 'other', 1));
  }
  /** Elementwise AND of truthiness, broadcast (PyTorch: logical_and); a bool tensor. */
  logicalAnd(other: TensorLike): Tensor {
    return elementwise.logicalAnd(this, isOperand(other, 'logicalAnd', 'other', 1));
  }
  /** Elementwise OR of truthiness, broadcast (PyTorch: logical_or); a bool tensor. */
  logicalOr(other: TensorLike): Tensor {
    return elementwise.logicalOr(this, isOperand(other, 'logicalOr', 'other', 1));
  }
  /** Elementwise NOT of truthiness (torch.logical_not); a bool tensor of the same shape. */
  logicalNot(): Tensor {
    return elementwise.logicalNot(this);
  }
  /** -x elementwise (torch.neg); same shape and dtype. */
  neg(): Tensor {
    return elementwise.neg(this);
  }
  /** e^x elementwise; same shape, float result. */
  exp(): Tensor {
    return elementwise.exp(this);
  }
  /** The natural logarithm elementwise; same shape, float result (NaN below 0, -inf at 0). */
  log(): Tensor {
    return elementwise.log(this);
  }
  /** The square root elementwise; same shape, float result (NaN below 0). */
  sqrt(): Tensor {
    return elementwise.sqrt(this);
  }
  /** The hyperbolic tangent elementwise; same shape, float result. */
  tanh(): Tensor {
    return elementwise.tanh(this);
  }
  /** 1 / (1 + e^-x) elementwise; same shape, float result. */
  sigmoid(): Tensor {
    return elementwise.sigmoid(this);
  }
  /** max(x, 0) elementwise; same shape and dtype. */
  relu(): Tensor {
    return elementwise.relu(this);
  }
  /** GELU elementwise, the exact erf form (F.gelu with approximate='none'); same shape. */
  gelu(): Tensor {
    return elementwise.gelu(this);
  }
  /** |x| elementwise; same shape and dtype. */
  abs(): Tensor {
    return elementwise.abs(this);
  }
  /** The sine elementwise (radians); same shape, float result. */
  sin(): Tensor {
    return elementwise.sin(this);
  }
  /** The cosine elementwise (radians); same shape, float result. */
  cos(): Tensor {
    return elementwise.cos(this);
  }
  /** The tangent elementwise (radians); same shape, float result. */
  tan(): Tensor {
    return elementwise.tan(this);
  }
  /** The arcsine elementwise, in radians; same shape, float result. */
  asin(): Tensor {
    return elementwise.asin(this);
  }
  /** The arccosine elementwise, in radians; same shape, float result. */
  acos(): Tensor {
    return elementwise.acos(this);
  }
  /** The arctangent elementwise, in radians; same shape, float result. */
  atan(): Tensor {
    return elementwise.atan(this);
  }
  /** The hyperbolic sine elementwise; same shape, float result. */
  sinh(): Tensor {
    return elementwise.sinh(this);
  }
  /** The hyperbolic cosine elementwise; same shape, float result. */
  cosh(): Tensor {
    return elementwise.cosh(this);
  }
  /** e^x - 1 elementwise, exact near 0; same shape, float result. */
  expm1(): Tensor {
    return elementwise.expm1(this);
  }
  /** log(1 + x) elementwise, exact near 0; same shape, float result. */
  log1p(): Tensor {
    return elementwise.log1p(this);
  }
  /** Rounds down elementwise; same shape and dtype. */
  floor(): Tensor {
    return elementwise.floor(this);
  }
  /** Rounds up elementwise; same shape and dtype. */
  ceil(): Tensor {
    return elementwise.ceil(this);
  }
  /** Rounds half to even elementwise, as torch.round; same shape and dtype. */
  round(): Tensor {
    return elementwise.round(this);
  }
  /** Rounds toward zero elementwise; same shape and dtype. */
  trunc(): Tensor {
    return elementwise.trunc(this);
  }
  /** x - trunc(x) elementwise; same shape and dtype. */
  frac(): Tensor {
    return elementwise.frac(this);
  }
  /** 2^x elementwise; same shape, float result. */
  exp2(): Tensor {
    return elementwise.exp2(this);
  }
  /** The base-2 logarithm elementwise; same shape, float result. */
  log2(): Tensor {
    return elementwise.log2(this);
  }
  /** The base-10 logarithm elementwise; same shape, float result. */
  log10(): Tensor {
    return elementwise.log10(this);
  }
  /** 1 / x elementwise; same shape, float result. */
  reciprocal(): Tensor {
    return elementwise.reciprocal(this);
  }
  /** 1 / sqrt(x) elementwise; same shape, float result. */
  rsqrt(): Tensor {
    return elementwise.rsqrt(this);
  }
  /** x * x elementwise; same shape and dtype. */
  square(): Tensor {
    return elementwise.square(this);
  }
  /** -1, 0 or 1 by the sign of each element; same shape and dtype. */
  sign(): Tensor {
    return elementwise.sign(this);
  }
  /** Which elements are NaN; a bool tensor of the same shape. */
  isnan(): Tensor {
    return elementwise.isnan(this);
  }
  /** Which elements are +inf or -inf; a bool tensor of the same shape. */
  isinf(): Tensor {
    return elementwise.isinf(this);
  }
  /** Which elements are neither NaN nor infinite; a bool tensor of the same shape. */
  isfinite(): Tensor {
    return elementwise.isfinite(this);
  }
  /** Clamps to [min, max]: numbers or tensors, positional or `{ min, max }` (torch's clamp). */
  clamp(min?: TensorLike | elementwise.ClampOptions | null, max?: TensorLike | elementwise.ClampOptions): Tensor {
    return elementwise.clamp(this, min, max);
  }
  /** An alias of clamp. */
  clip(min?: TensorLike | elementwise.ClampOptions | null, max?: TensorLike | elementwise.ClampOptions): Tensor {
    return elementwise.clip(this, min, max);
  }
  /** atan(this / other) elementwise with the quadrant from both signs, broadcast; float result. */
  atan2(other: TensorLike): Tensor {
    return elementwise.atan2(this, isOperand(other, 'atan2', 'other', 1));
  }
  /** NaN and ±∞ replaced: positional (nan, posinf, neginf) or `{ nan, posinf, neginf }`. (PyTorch: nan_to_num) */
  nanToNum(...args: (number | elementwise.NanToNumOptions | undefined)[]): Tensor {
    return elementwise.nanToNum(this, ...args);
  }
  /** Elementwise XOR of truthiness, broadcast (PyTorch: logical_xor); a bool tensor. */
  logicalXor(other: TensorLike): Tensor {
    return elementwise.logicalXor(this, isOperand(other, 'logicalXor', 'other', 1));
  }
  /** |this - other| <= atol + rtol·|other| elementwise: positional (rtol, atol, equalNan) or options. */
  isclose(other: Tensor, ...args: (number | boolean | elementwise.IsCloseOptions | undefined)[]): Tensor {
    return elementwise.isclose(this, other, ...args);
  }
  /** isclose everywhere, as a boolean. */
  allclose(other: Tensor, ...args: (number | boolean | elementwise.IsCloseOptions | undefined)[]): boolean {
    return elementwise.allclose(this, other, ...args);
  }
  /** The same shape and values, as a boolean. */
  equal(other: Tensor): boolean {
    return elementwise.equal(this, other);
  }
  /** `value` (a number or a 0-dim tensor) where the bool mask is true (torch's masked_fill, out of place). */
  maskedFill(mask: Tensor, value: number | boolean | Tensor): Tensor {
    isTensor(mask, 'maskedFill', 'mask', 1);
    return elementwise.maskedFill(this, mask, isTensorOrScalar(value, 'maskedFill', 'value', 2));
  }
  /**
   * Casts to a dtype given by name ('float32', 'int64'/'long', 'int32'/'int', 'bool', or 'torch.'
   * and the name); a value out of the target's range (NaN and infinities for int) is an error. With
   * no argument, the type's name as PyTorch prints it ('torch.FloatTensor').
   */
  type(): string;
  type(dtype: DTypeName): Tensor;
  type(dtype?: DTypeName): Tensor | string {
    return dtype === undefined ? creation.tensorTypeName(this) : creation.castTo(this, dtype, 'type');
  }
  /** torch's `.float()`: a float32 copy. */
  float(): Tensor {
    return creation.castTo(this, 'float32', 'float');
  }
  /** torch's `.double()`: float32 here, the engine's only floating dtype (no float64 storage). */
  double(): Tensor {
    return creation.castTo(this, 'float32', 'double');
  }
  /** torch's `.half()`: float32 here, the engine's only floating dtype (no float16 storage). */
  half(): Tensor {
    return creation.castTo(this, 'float32', 'half');
  }
  /** torch's `.int()`: int32, printed with `dtype=torch.int32` as PyTorch does. */
  int(): Tensor {
    return creation.castTo(this, 'int32', 'int');
  }
  /** torch's `.long()`: int64, stored as int32 (values outside int32's range are an error). */
  long(): Tensor {
    return creation.castTo(this, 'int64', 'long');
  }
  /** torch's `.bool()`: nonzero is true. */
  bool(): Tensor {
    return creation.castTo(this, 'bool', 'bool');
  }

  // In-place ops (ops/inplace.ts): each writes into this tensor's storage, which every view of it
  // shares (`x.index(0).fill_(1)` changes x), bumps `version`, and returns this tensor.

  /** Sets every element to `value` (a number, a bool or a 0-dim tensor), cast to this tensor's dtype. */
  fill_(value: TensorLike): this {
    return inplace.fill_(this, value) as this;
  }
  /** Sets every element to 0. */
  zero_(): this {
    return inplace.zero_(this) as this;
  }
  /**
   * Sets `value` where the bool mask (broadcast to this tensor's shape) is true: `s.maskedFill_(mask, -Infinity)`.
   * (PyTorch: masked_fill_)
   */
  maskedFill_(mask: Tensor, value: TensorLike): this {
    return inplace.maskedFill_(this, mask, value) as this;
  }
  /** Copies `src` (broadcast to this shape, cast to this dtype) into this tensor: `pe.index(':, 0::2').copy_(sin)`. */
  copy_(src: TensorLike): this {
    return inplace.copy_(this, src) as this;
  }
  /** this += alpha·other: `x.add_(y)`, `x.add_(y, { alpha: 2 })`; other broadcasts to this tensor's shape. */
  add_(other: TensorLike, alpha?: number | elementwise.AlphaOptions): this {
    return inplace.add_(this, other, alpha) as this;
  }
  /** this -= alpha·other: `x.sub_(y)`, `x.sub_(y, { alpha: 2 })`. */
  sub_(other: TensorLike, alpha?: number | elementwise.AlphaOptions): this {
    return inplace.sub_(this, other, alpha) as this;
  }
  /** this *= other. */
  mul_(other: TensorLike): this {
    return inplace.mul_(this, other) as this;
  }
  /** this /= other (true division: an integer tensor is an error, as in torch). */
  div_(other: TensorLike): this {
    return inplace.div_(this, other) as this;
  }
  /** this **= exponent. */
  pow_(exponent: TensorLike): this {
    return inplace.pow_(this, exponent) as this;
  }
  /** this = exp(this), for a float tensor. */
  exp_(): this {
    return inplace.exp_(this) as this;
  }
  /** this = log(this), for a float tensor. */
  log_(): this {
    return inplace.log_(this) as this;
  }
  /** this = sqrt(this), for a float tensor. */
  sqrt_(): this {
    return inplace.sqrt_(this) as this;
  }
  /** this = tanh(this), for a float tensor. */
  tanh_(): this {
    return inplace.tanh_(this) as this;
  }
  /** this = sigmoid(this), for a float tensor. */
  sigmoid_(): this {
    return inplace.sigmoid_(this) as this;
  }
  /** this = relu(this). */
  relu_(): this {
    return inplace.relu_(this) as this;
  }
  /** this = -this. */
  neg_(): this {
    return inplace.neg_(this) as this;
  }
  /** this = |this|. */
  abs_(): this {
    return inplace.abs_(this) as this;
  }
  /** Clamps in place to [min, max]: numbers or tensors, positional or `{ min, max }`. */
  clamp_(min?: TensorLike | elementwise.ClampOptions | null, max?: TensorLike | elementwise.ClampOptions): this {
    return inplace.clamp_('clamp_', this, [min ?? undefined, max]) as this;
  }
  /** An alias of clamp_. */
  clip_(min?: TensorLike | elementwise.ClampOptions | null, max?: TensorLike | elementwise.ClampOptions): this {
    return inplace.clamp_('clip_', this, [min ?? undefined, max]) as this;
  }
  /** Fills a float tensor with values uniform on [from, to), [0, 1) by default: `w.uniform_(-0.1, 0.1)`. */
  uniform_(...args: Parameters<typeof inplace.uniform_> extends [Tensor, ...infer Rest] ? Rest : never): this {
    return inplace.uniform_(this, ...args) as this;
  }
  /** Fills a float tensor with values from N(mean, std²), N(0, 1) by default: `w.normal_({ std: 0.02 })`. */
  normal_(...args: Parameters<typeof inplace.normal_> extends [Tensor, ...infer Rest] ? Rest : never): this {
    return inplace.normal_(this, ...args) as this;
  }

  // Reductions -----------------------------------------------------------------------------

  /** torch's x.sum(dim, keepdim) or x.sum({ dim, keepdim, dtype }). */
  sum(...args: reduction.SumArgs): Tensor {
    return reduction.sum(this, ...args);
  }
  /** True where every element over the dims is non-zero: x.all(dim, keepdim) or x.all({ dim, keepdim }). */
  all(...args: reduction.ReduceArgs): Tensor {
    return reduction.all(this, ...args);
  }
  /** True where some element over the dims is non-zero: x.any(dim, keepdim) or x.any({ dim, keepdim }). */
  any(...args: reduction.ReduceArgs): Tensor {
    return reduction.any(this, ...args);
  }
  /** The mean over the dims (all by default): x.mean(dim, keepdim) or x.mean({ dim, keepdim, dtype }). */
  mean(...args: reduction.SumArgs): Tensor {
    return reduction.mean(this, ...args);
  }
  /** x.max() → the largest value; x.max(other) → the elementwise maximum; x.max(dim) → {values, indices}. */
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number, keepdimOrOptions?: boolean | reduction.KeepdimOption): reduction.ValuesIndices;
  max(options: reduction.DimKeepdimOptions & { dim: number }): reduction.ValuesIndices;
  max(...args: unknown[]): Tensor | reduction.ValuesIndices {
    return reduction.extreme('max', this, args);
  }
  /** x.min() → the smallest value; x.min(other) → the elementwise minimum; x.min(dim) → {values, indices}. */
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number, keepdimOrOptions?: boolean | reduction.KeepdimOption): reduction.ValuesIndices;
  min(options: reduction.DimKeepdimOptions & { dim: number }): reduction.ValuesIndices;
  min(...args: unknown[]): Tensor | reduction.ValuesIndices {
    return reduction.extreme('min', this, args);
  }
  /** The largest value over the dims: x.amax(dim, keepdim) or x.amax({ dim, keepdim }). */
  amax(...args: reduction.ReduceArgs): Tensor {
    return reduction.amax(this, ...args);
  }
  /** The smallest value over the dims: x.amin(dim, keepdim) or x.amin({ dim, keepdim }). */
  amin(...args: reduction.ReduceArgs): Tensor {
    return reduction.amin(this, ...args);
  }
  /** The index of the largest value along dim, or in the flattened tensor: x.argmax(dim, keepdim). */
  argmax(...args: reduction.DimArgs): Tensor {
    return reduction.argmax(this, ...args);
  }
  /** The index of the smallest value along dim, or in the flattened tensor: x.argmin(dim, keepdim). */
  argmin(...args: reduction.DimArgs): Tensor {
    return reduction.argmin(this, ...args);
  }
  /** torch's x.var(dim, unbiased, keepdim) or x.var(dim, { unbiased, keepdim, correction }). */
  var(...args: reduction.VarianceArgs): Tensor {
    return reduction.variance(this, ...args);
  }
  /** The standard deviation, with var's arguments: x.std(dim, unbiased, keepdim) or x.std(dim, { unbiased }). */
  std(...args: reduction.VarianceArgs): Tensor {
    return reduction.std(this, ...args);
  }
  /** Softmax along dim: x.softmax(dim) or x.softmax({ dim }). */
  softmax(...args: reduction.SoftmaxArgs): Tensor {
    return reduction.softmax(this, ...args);
  }
  /** log(softmax) along dim: x.logSoftmax(dim) or x.logSoftmax({ dim }). (PyTorch: log_softmax) */
  logSoftmax(...args: reduction.SoftmaxArgs): Tensor {
    return reduction.logSoftmax(this, ...args);
  }
  /** log Σ exp over the dims: x.logsumexp(dim, keepdim) or x.logsumexp(dim, { keepdim }). */
  logsumexp(...args: reduction.LogsumexpArgs): Tensor {
    return reduction.logsumexp(this, ...args);
  }

  // Scans, order statistics and other reductions (ops/scan.ts) ----------------------------

  /** The product over one dim or of all elements: x.prod(), x.prod(dim, keepdim) or x.prod(dim, { keepdim }). */
  prod(...args: Parameters<typeof scan.prod> extends [Tensor, ...infer Rest] ? Rest : never): Tensor {
    return scan.prod(this, ...args);
  }
  /** The running sum along dim: x.cumsum(dim), x.cumsum(dim, { dtype }) or x.cumsum({ dim }). */
  cumsum(...args: scan.CumulativeArgs): Tensor {
    return scan.cumsum(this, ...args);
  }
  /** The running product along dim: x.cumprod(dim), x.cumprod(dim, { dtype }) or x.cumprod({ dim }). */
  cumprod(...args: scan.CumulativeArgs): Tensor {
    return scan.cumprod(this, ...args);
  }
  /** `{ values, indices }` of the running maximum along dim. */
  cummax(...args: scan.ExtremeScanArgs): reduction.ValuesIndices {
    return scan.cummax(this, ...args);
  }
  /** `{ values, indices }` of the running minimum along dim. */
  cummin(...args: scan.ExtremeScanArgs): reduction.ValuesIndices {
    return scan.cummin(this, ...args);
  }
  /** The p-norm (Frobenius by default): x.norm(p, dim, keepdim) or x.norm({ p, dim, keepdim }). */
  norm(...args: scan.NormArgs): Tensor {
    return asMethod(() => scan.norm(this, ...args));
  }
  /** The sum with NaN counted as zero, with sum's arguments. */
  nansum(...args: reduction.ReduceArgs): Tensor {
    return scan.nansum(this, ...args);
  }
  /** The mean of the values that are not NaN, with mean's arguments. */
  nanmean(...args: reduction.ReduceArgs): Tensor {
    return scan.nanmean(this, ...args);
  }
  /** How many elements are non-zero over dims (all by default). (PyTorch: count_nonzero) */
  countNonzero(
    ...args:
      | [dim?: reduction.Dims]
      | [
          options: {
            /** The dims to count over; all by default (PyTorch: dim). */
            dim?: reduction.Dims;
          },
        ]
  ): Tensor {
    return scan.countNonzero(this, ...args);
  }
  /** `{ min, max }` over all elements, or over one dim: x.aminmax({ dim, keepdim }). */
  aminmax(options?: {
    /** The one dim to reduce; all elements by default (PyTorch: dim). */
    dim?: number;
    /** Keep the reduced dim as size 1 (PyTorch: keepdim). */
    keepdim?: boolean;
  }): scan.MinMax {
    return scan.aminmax(this, options);
  }
  /** The lower median of all elements, or `{ values, indices }` along a dim: x.median(dim, keepdim). */
  median(): Tensor;
  median(dim: number, keepdimOrOptions?: boolean | reduction.KeepdimOption): reduction.ValuesIndices;
  median(options: {
    /** The dim to take the median along (PyTorch: dim). */
    dim: number;
    /** Keep the reduced dim as size 1 (PyTorch: keepdim). */
    keepdim?: boolean;
  }): reduction.ValuesIndices;
  median(...args: unknown[]): Tensor | reduction.ValuesIndices {
    return asMethod(() =>
      (scan.median as (input: Tensor, ...rest: unknown[]) => Tensor | reduction.ValuesIndices)(this, ...args),
    );
  }
  /** `{ values, indices }` of the k-th smallest element along dim (default -1). */
  kthvalue(k: number, ...args: Parameters<typeof scan.mode> extends [Tensor, ...infer Rest] ? Rest : never) {
    return asMethod(() => scan.kthvalue(this, k, ...args));
  }
  /** `{ values, indices }` of the most frequent value along dim (default -1). */
  mode(...args: Parameters<typeof scan.mode> extends [Tensor, ...infer Rest] ? Rest : never): reduction.ValuesIndices {
    return asMethod(() => scan.mode(this, ...args));
  }
  /** `{ values, indices }` of the k largest (or smallest) elements: x.topk(k, dim, largest) or x.topk(k, { dim }). */
  topk(k: number, ...args: scan.TopkArgs): reduction.ValuesIndices {
    return asMethod(() => scan.topk(this, k, ...args));
  }
  /** `{ values, indices }` sorted along dim: x.sort(dim, descending) or x.sort({ dim, descending, stable }). */
  sort(...args: scan.SortArgs): reduction.ValuesIndices {
    return asMethod(() => scan.sort(this, ...args));
  }
  /** The indices that sort along dim, with sort's arguments. */
  argsort(...args: scan.SortArgs): Tensor {
    return asMethod(() => scan.argsort(this, ...args));
  }
  /** The distinct values in ascending order; with returnInverse / returnCounts, `[output, inverse?, counts?]`. */
  unique(...args: Parameters<typeof scan.unique> extends [Tensor, ...infer Rest] ? Rest : never): Tensor | Tensor[] {
    return asMethod(() => scan.unique(this, ...args));
  }

  // Linear algebra -------------------------------------------------------------------------

  /** torch.matmul: dot, matrix-vector, matrix and batched products with broadcast batch dims. */
  matmul(other: Tensor): Tensor {
    try {
      return linalg.matmul(this, other);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Batched matrix product of two 3-D tensors. */
  bmm(other: Tensor): Tensor {
    try {
      return linalg.bmm(this, other);
    } catch (error) {
      throw methodError(error);
    }
  }
  /** Matrix product of two 2-D tensors. */
  mm(other: Tensor): Tensor {
    try {
      return linalg.mm(this, other);
    } catch (error) {
      throw methodError(error);
    }
  }

  // Autograd -------------------------------------------------------------------------------

  // The three autograd fields default on the prototype (set below the class), not per instance: a tensor
  // that never meets autograd is constructed as fast as before (each field defined per instance cost ~6 ns).
  /** @internal The node that computed this tensor (null on leaves); set by the recorders in autograd/. */
  declare node: GradFn | null;
  declare private leafRequiresGrad: boolean;
  declare private accumulatedGrad: Tensor | null;

  /** The node that computed this tensor (PyTorch's grad_fn): null on leaves. */
  get gradFn(): GradFn | null {
    return this.node;
  }
  /**
   * True for tensors not computed by a recorded op: the user's tensors, and every result made without grad.
   * (PyTorch: is_leaf)
   */
  get isLeaf(): boolean {
    return this.node === null;
  }
  /**
   * Whether ops on this tensor record the graph for `backward()`. Settable on leaves of a floating
   * dtype (`x.requiresGrad = true`, as `x.requires_grad = True`); results inherit it from their inputs.
   */
  get requiresGrad(): boolean {
    return this.leafRequiresGrad || this.node !== null;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }
  /**
   * Sets requiresGrad on a leaf and returns the tensor: `w = randn(3, 4).requiresGrad_()`. (PyTorch: requires_grad_)
   */
  requiresGrad_(requiresGrad = true): this {
    if (this.node !== null) {
      if (requiresGrad) return this;
      throw new Error(
        "requiresGrad: you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (requiresGrad && this.dtype !== 'float32') {
      throw new Error('requiresGrad: only Tensors of floating point dtype can require gradients');
    }
    this.leafRequiresGrad = requiresGrad;
    return this;
  }
  /**
   * The gradient `backward()` accumulated into this leaf (or a result that called `retainGrad()`), null
   * until then; it adds up across backward calls until set to null (PyTorch: grad).
   */
  get grad(): Tensor | null {
    return this.node === null || this.node.retained === this ? this.accumulatedGrad : null;
  }
  set grad(value: Tensor | null) {
    if (value !== null && (value.ndim !== this.ndim || value.shape.some((size, d) => size !== this.shape[d]))) {
      throw new Error('grad: assigned grad has data of a different size');
    }
    this.accumulatedGrad = value;
  }
  /**
   * True when a result keeps its gradient in `.grad` after `retainGrad()` (leaves always do). (PyTorch: retains_grad)
   */
  get retainsGrad(): boolean {
    return this.node !== null && this.node.retained === this;
  }
  /** Makes backward fill `.grad` of this non-leaf result too (torch's retain_grad); a no-op on leaves. */
  retainGrad(): void {
    if (!this.requiresGrad) throw new Error("retainGrad: can't retain_grad on Tensor that has requires_grad=False");
    if (this.node !== null) this.node.retained = this;
  }
  /**
   * Computes the gradient of this tensor with respect to the leaves that require grad and adds it to
   * their `.grad`: `loss.backward()` for a scalar, `y.backward(gradient)` otherwise. The graph's saved
   * values are freed unless `{ retainGraph: true }`.
   */
  backward(gradient?: Tensor | null, options?: BackwardOptions): void {
    backward(this, gradient ?? undefined, options);
  }
  /** A tensor sharing this one's storage that is cut off from the graph (a leaf without requiresGrad). */
  detach(): Tensor {
    return new Tensor(this.backend, this.storage, this.shape, this.dtype, this.strides, this.offset, this.torchDtype);
  }
}

/** `.mT` / `.mH`: the last two dims swapped, a 0-dim tensor itself, and PyTorch's error for 1 dim. */
function matrixTranspose(t: Tensor, name: 'mT' | 'mH'): Tensor {
  if (t.ndim === 0) return t;
  if (t.ndim === 1) {
    throw new Error(
      `${name}: tensor.${name} is only supported on matrices or batches of matrices. Got ${t.ndim}-D tensor.`,
    );
  }
  return movement.transpose(t, -2, -1);
}

/**
 * The corners of `t` that a summarised repr shows, laid out as `held` (from summarizedShape): each cut
 * dim keeps its first and last half of `held[dim]`. Gathered through narrow views joined with cat,
 * innermost dims first, so only the shown elements are ever copied or read.
 */
function shownCorners(t: Tensor, held: readonly number[], dim = 0): Tensor {
  if (dim === t.ndim) return t;
  if (held[dim] === t.shape[dim]) return shownCorners(t, held, dim + 1);
  const half = held[dim] / 2;
  const first = shownCorners(movement.narrow(t, dim, 0, half), held, dim + 1);
  const last = shownCorners(movement.narrow(t, dim, t.shape[dim] - half, half), held, dim + 1);
  return movement.cat([first, last], dim);
}

Object.assign(Tensor.prototype, { node: null, leafRequiresGrad: false, accumulatedGrad: null });
