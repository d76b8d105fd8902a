/**
 * Tensor: a dtype, a shape and a strided view onto backend storage. Movement ops make new views
 * of the same storage; every computation goes through the ops, written once over the Backend
 * primitives. The methods below are the PyTorch-style method forms of those ops.
 */
import type { Backend, Storage, View } from './backend';
import type { DType, TypedArray } from './dtype';
import { contiguousStrides, normalizeDim, sizeOf, toSize, type Shape, type Size } from './shape';
import { isInt } from './arguments';
import { formatTensor } from './format';
import * as creation from './ops/creation';
import * as elementwise from './ops/elementwise';
import * as linalg from './ops/linalg';
import * as movement from './ops/movement';
import * as reduction from './ops/reduction';
import type { IndexSpec } from './ops/movement';

export type Scalar = number | boolean;
export type TensorLike = Tensor | Scalar;
export type NestedArray = Scalar | NestedArray[];
type ShapeArgs = (number | readonly number[])[];

export class Tensor {
  /** The sizes of the dims, as a torch.Size: `shape[-1]` is the last one, and it prints as `torch.Size([2, 3])`. */
  readonly shape: Size;
  readonly strides: number[];

  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
    shape: Shape,
    readonly dtype: DType,
    strides?: readonly number[],
    readonly offset = 0,
  ) {
    this.shape = toSize(shape);
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

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

  dim(): number {
    return this.ndim;
  }

  /** The strided window the backend primitives take. */
  toView(): View {
    return { storage: this.storage, shape: this.shape, strides: this.strides, offset: this.offset };
  }

  /** A new tensor over the same storage with another layout (what every movement op returns). */
  withLayout(shape: Shape, strides: readonly number[], offset = this.offset): Tensor {
    return new Tensor(this.backend, this.storage, shape, this.dtype, strides, offset);
  }

  isContiguous(): boolean {
    return movement.isContiguousTensor(this);
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

  tolist(): NestedArray {
    return this.toArray();
  }

  item(): number | boolean {
    if (this.numel() !== 1) {
      throw new Error(`item: a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
    }
    const value = this.dataSync()[0];
    return this.dtype === 'bool' ? value !== 0 : value;
  }

  toString(): string {
    return formatTensor(this.shape, this.dtype, this.dataSync());
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Copies the tensor onto another backend (by name), like torch's `.to(device)`. */
  to(backendName: Backend['name']): Tensor {
    return creation.toBackend(this, backendName);
  }

  // Movement -------------------------------------------------------------------------------

  reshape(...shape: ShapeArgs): Tensor {
    return movement.reshape(this, ...shape);
  }
  view(...shape: ShapeArgs): Tensor {
    return movement.view(this, ...shape);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return movement.transpose(this, dim0, dim1);
  }
  /** The matrix transpose of a 2-D tensor (torch's `.T` / `.t()`). */
  t(): Tensor {
    return movement.t(this);
  }
  get T(): Tensor {
    return movement.permute(this, [...this.shape.keys()].reverse());
  }
  permute(...dims: ShapeArgs): Tensor {
    return movement.permute(this, ...dims);
  }
  unsqueeze(dim: number): Tensor {
    return movement.unsqueeze(this, dim);
  }
  squeeze(dim?: number): Tensor {
    return movement.squeeze(this, dim);
  }
  expand(...shape: ShapeArgs): Tensor {
    return movement.expand(this, ...shape);
  }
  expandAs(other: Tensor): Tensor {
    return movement.expand(this, other.shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return movement.flatten(this, startDim, endDim);
  }
  contiguous(): Tensor {
    return movement.contiguous(this);
  }
  clone(): Tensor {
    return movement.clone(this);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return movement.narrow(this, dim, start, length);
  }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return movement.slice(this, dim, start, end, step);
  }
  select(dim: number, index: number): Tensor {
    return movement.select(this, dim, index);
  }
  /** Python-style indexing: `x.index(0, ':', '1:3')`, `x.index('0, :, 1:3')`, `x.index('...', null)`. */
  index(...specs: IndexSpec[]): Tensor {
    return movement.index(this, ...specs);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return movement.chunk(this, chunks, dim);
  }
  split(splitSize: number | number[], dim = 0): Tensor[] {
    return movement.split(this, splitSize, dim);
  }
  repeat(...sizes: ShapeArgs): Tensor {
    return movement.repeat(this, ...sizes);
  }
  repeatInterleave(repeats: number, dim?: number): Tensor {
    return movement.repeatInterleave(this, repeats, dim);
  }
  tril(diagonal = 0): Tensor {
    return movement.tril(this, diagonal);
  }
  triu(diagonal = 0): Tensor {
    return movement.triu(this, diagonal);
  }

  // Elementwise ----------------------------------------------------------------------------

  add(other: TensorLike, alpha?: number): Tensor {
    return elementwise.add(this, other, alpha);
  }
  sub(other: TensorLike, alpha?: number): Tensor {
    return elementwise.sub(this, other, alpha);
  }
  mul(other: TensorLike): Tensor {
    return elementwise.mul(this, other);
  }
  div(other: TensorLike): Tensor {
    return elementwise.div(this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return elementwise.pow(this, exponent);
  }
  maximum(other: TensorLike): Tensor {
    return elementwise.maximum(this, other);
  }
  minimum(other: TensorLike): Tensor {
    return elementwise.minimum(this, other);
  }
  eq(other: TensorLike): Tensor {
    return elementwise.eq(this, other);
  }
  ne(other: TensorLike): Tensor {
    return elementwise.ne(this, other);
  }
  lt(other: TensorLike): Tensor {
    return elementwise.lt(this, other);
  }
  le(other: TensorLike): Tensor {
    return elementwise.le(this, other);
  }
  gt(other: TensorLike): Tensor {
    return elementwise.gt(this, other);
  }
  ge(other: TensorLike): Tensor {
    return elementwise.ge(this, other);
  }
  logicalAnd(other: TensorLike): Tensor {
    return elementwise.logicalAnd(this, other);
  }
  logicalOr(other: TensorLike): Tensor {
    return elementwise.logicalOr(this, other);
  }
  logicalNot(): Tensor {
    return elementwise.logicalNot(this);
  }
  neg(): Tensor {
    return elementwise.neg(this);
  }
  exp(): Tensor {
    return elementwise.exp(this);
  }
  log(): Tensor {
    return elementwise.log(this);
  }
  sqrt(): Tensor {
    return elementwise.sqrt(this);
  }
  tanh(): Tensor {
    return elementwise.tanh(this);
  }
  sigmoid(): Tensor {
    return elementwise.sigmoid(this);
  }
  relu(): Tensor {
    return elementwise.relu(this);
  }
  gelu(): Tensor {
    return elementwise.gelu(this);
  }
  abs(): Tensor {
    return elementwise.abs(this);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return elementwise.maskedFill(this, mask, value);
  }
  /** Casts to another dtype (torch's `.to(dtype)`, `.float()`, `.int()`, `.bool()`). */
  type(dtype: DType): Tensor {
    return elementwise.cast(this, dtype);
  }
  float(): Tensor {
    return elementwise.cast(this, 'float32');
  }
  int(): Tensor {
    return elementwise.cast(this, 'int32');
  }
  bool(): Tensor {
    return elementwise.cast(this, 'bool');
  }

  // Reductions -----------------------------------------------------------------------------

  sum(dim?: number | number[], keepdim = false): Tensor {
    return reduction.sum(this, dim, keepdim);
  }
  all(dim?: number | number[], keepdim = false): Tensor {
    return reduction.all(this, dim, keepdim);
  }
  any(dim?: number | number[], keepdim = false): Tensor {
    return reduction.any(this, dim, keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return reduction.mean(this, dim, keepdim);
  }
  max(): Tensor;
  max(dim: number, keepdim?: boolean): reduction.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | reduction.ValuesIndices {
    return dim === undefined ? reduction.max(this) : reduction.max(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): reduction.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | reduction.ValuesIndices {
    return dim === undefined ? reduction.min(this) : reduction.min(this, dim, keepdim);
  }
  amax(dim?: number | number[], keepdim = false): Tensor {
    return reduction.amax(this, dim, keepdim);
  }
  amin(dim?: number | number[], keepdim = false): Tensor {
    return reduction.amin(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return reduction.argmax(this, dim, keepdim);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return reduction.argmin(this, dim, keepdim);
  }
  var(dim?: number | number[], unbiased = true, keepdim = false): Tensor {
    return reduction.variance(this, dim, unbiased, keepdim);
  }
  std(dim?: number | number[], unbiased = true, keepdim = false): Tensor {
    return reduction.std(this, dim, unbiased, keepdim);
  }
  softmax(dim: number): Tensor {
    return reduction.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return reduction.logSoftmax(this, dim);
  }
  logsumexp(dim: number | number[], keepdim = false): Tensor {
    return reduction.logsumexp(this, dim, keepdim);
  }

  // Linear algebra -------------------------------------------------------------------------

  matmul(other: Tensor): Tensor {
    return linalg.matmul(this, other);
  }
  bmm(other: Tensor): Tensor {
    return linalg.bmm(this, other);
  }
  mm(other: Tensor): Tensor {
    return linalg.mm(this, other);
  }
}
