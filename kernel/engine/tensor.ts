/**
 * Tensor: a dtype, a shape and a strided view onto backend storage. Movement ops make new views
 * of the same storage; every computation goes through the ops, written once over the Backend
 * primitives. The methods below are the PyTorch-style method forms of those ops.
 */
import type { Backend, Storage, View } from './backend';
import type { DType, TypedArray } from './dtype';
import { contiguousStrides, normalizeDim, sizeOf, type Shape } from './shape';
import { isOperand, isTensor, isTensorOrScalar } from './arguments';
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
  readonly shape: number[];
  readonly strides: number[];

  constructor(
    readonly backend: Backend,
    readonly storage: Storage,
    shape: Shape,
    readonly dtype: DType,
    strides?: readonly number[],
    readonly offset = 0,
  ) {
    this.shape = shape.slice();
    this.strides = strides ? strides.slice() : contiguousStrides(shape);
  }

  get ndim(): number {
    return this.shape.length;
  }

  numel(): number {
    return sizeOf(this.shape);
  }

  size(dim?: number): number | number[] {
    return dim === undefined ? [...this.shape] : this.shape[normalizeDim('size', dim, this.ndim)];
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

  add(other: TensorLike, alpha?: number | elementwise.AlphaOptions): Tensor {
    return elementwise.add(this, isOperand(other, 'add', 'other', 1), alpha);
  }
  sub(other: TensorLike, alpha?: number | elementwise.AlphaOptions): Tensor {
    return elementwise.sub(this, isOperand(other, 'sub', 'other', 1), alpha);
  }
  mul(other: TensorLike): Tensor {
    return elementwise.mul(this, isOperand(other, 'mul', 'other', 1));
  }
  div(other: TensorLike): Tensor {
    return elementwise.div(this, isOperand(other, 'div', 'other', 1));
  }
  pow(exponent: TensorLike): Tensor {
    return elementwise.pow(this, isOperand(exponent, 'pow', 'exponent', 1));
  }
  maximum(other: TensorLike): Tensor {
    return elementwise.maximum(this, isOperand(other, 'maximum', 'other', 1));
  }
  minimum(other: TensorLike): Tensor {
    return elementwise.minimum(this, isOperand(other, 'minimum', 'other', 1));
  }
  eq(other: TensorLike): Tensor {
    return elementwise.eq(this, isOperand(other, 'eq', 'other', 1));
  }
  ne(other: TensorLike): Tensor {
    return elementwise.ne(this, isOperand(other, 'ne', 'other', 1));
  }
  lt(other: TensorLike): Tensor {
    return elementwise.lt(this, isOperand(other, 'lt', 'other', 1));
  }
  le(other: TensorLike): Tensor {
    return elementwise.le(this, isOperand(other, 'le', 'other', 1));
  }
  gt(other: TensorLike): Tensor {
    return elementwise.gt(this, isOperand(other, 'gt', 'other', 1));
  }
  ge(other: TensorLike): Tensor {
    return elementwise.ge(this, isOperand(other, 'ge', 'other', 1));
  }
  logicalAnd(other: TensorLike): Tensor {
    return elementwise.logicalAnd(this, isOperand(other, 'logicalAnd', 'other', 1));
  }
  logicalOr(other: TensorLike): Tensor {
    return elementwise.logicalOr(this, isOperand(other, 'logicalOr', 'other', 1));
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
  /** `value` (a number or a 0-dim tensor) where the bool mask is true (torch's masked_fill, out of place). */
  maskedFill(mask: Tensor, value: number | boolean | Tensor): Tensor {
    isTensor(mask, 'maskedFill', 'mask', 1);
    return elementwise.maskedFill(this, mask, isTensorOrScalar(value, 'maskedFill', 'value', 2));
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

  /** torch's x.sum(dim, keepdim) or x.sum({ dim, keepdim }). */
  sum(...args: reduction.ReduceArgs): Tensor {
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
  /** The mean over the dims (all by default): x.mean(dim, keepdim) or x.mean({ dim, keepdim }). */
  mean(...args: reduction.ReduceArgs): Tensor {
    return reduction.mean(this, ...args);
  }
  /** x.max() → the largest value; x.max(other) → the elementwise maximum; x.max(dim) → {values, indices}. */
  max(): Tensor;
  max(other: Tensor): Tensor;
  max(dim: number, keepdimOrOptions?: boolean | { keepdim?: boolean }): reduction.ValuesIndices;
  max(options: reduction.DimOptions & { dim: number }): reduction.ValuesIndices;
  max(...args: unknown[]): Tensor | reduction.ValuesIndices {
    return reduction.extreme('max', this, args);
  }
  /** x.min() → the smallest value; x.min(other) → the elementwise minimum; x.min(dim) → {values, indices}. */
  min(): Tensor;
  min(other: Tensor): Tensor;
  min(dim: number, keepdimOrOptions?: boolean | { keepdim?: boolean }): reduction.ValuesIndices;
  min(options: reduction.DimOptions & { dim: number }): reduction.ValuesIndices;
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
  /** log(softmax) along dim: x.logSoftmax(dim) or x.logSoftmax({ dim }). */
  logSoftmax(...args: reduction.SoftmaxArgs): Tensor {
    return reduction.logSoftmax(this, ...args);
  }
  /** log Σ exp over the dims: x.logsumexp(dim, keepdim) or x.logsumexp(dim, { keepdim }). */
  logsumexp(...args: reduction.LogsumexpArgs): Tensor {
    return reduction.logsumexp(this, ...args);
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
