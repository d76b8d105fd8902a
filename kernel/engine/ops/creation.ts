/**
 * Creation ops: tensor(), zeros/ones/full, arange/linspace/eye, seeded random tensors, dtype casts
 * and backend moves. Every `dtype` option takes an engine dtype or PyTorch's name for one (see
 * dtype.ts); values out of the dtype's range are an error, never a wrap.
 */
import type { Backend, BackendName } from '../backend';
import { checkOptions, isBool, isInt, isNumber, isIntOrInts, isOptional, isTensor, typeName } from '../arguments';
import {
  allocate,
  castArray,
  checkRange,
  defaultTorchDtype,
  dtypeOfArray,
  dtypeOfScalar,
  isDType,
  isDTypeName,
  promoteTypes,
  pythonNumber,
  scalarTypeName,
  storageDtype,
  type DType,
  type DTypeName,
  type TorchDType,
  type TypedArray,
} from '../dtype';
import { nextInt, nextNormal, nextUniform } from '../random';
import { activeBackend, backendByName } from '../backends/registry';
import { checkShape, formatShape, sizeOf, type Shape } from '../shape';
import { Tensor, type NestedArray } from '../tensor';
import { cast } from './elementwise';
import { recordBackendCopy } from '../autograd/derivatives';
import { tracksGrad } from '../autograd/gradMode';

/** The options of every creation op: dtype (PyTorch: dtype), by name, e.g. 'float32', 'int64', 'torch.int32'. */
export interface DTypeOptions {
  dtype?: DTypeName;
  /** Make a leaf that records the ops on it for backward(); floating dtypes only (PyTorch: requires_grad). */
  requiresGrad?: boolean;
}

/** tensor()'s options: dtype (PyTorch: dtype), and shape to give flat data (a typed array) its shape. */
export interface TensorOptions extends DTypeOptions {
  shape?: Shape;
}

/** `.to(...)`'s options: dtype (PyTorch: dtype). */
export type ToOptions = Omit<DTypeOptions, 'requiresGrad'>;

/** Typed arrays of every width, as tensor() accepts them. */
export type NumericArray =
  | TypedArray
  | Float64Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Uint32Array
  | Uint8ClampedArray
  | BigInt64Array
  | BigUint64Array;

const toOptions = { dtype: isOptional(isDType) };
const dtypeOptions = { ...toOptions, requiresGrad: isOptional(isBool) };

/** The new tensor, made a leaf that requires grad when the options asked for it (floating dtypes only). */
function withRequiresGrad(call: string, t: Tensor, requiresGrad: boolean | undefined): Tensor {
  if (!requiresGrad) return t;
  if (t.dtype !== 'float32') {
    throw new Error(`${call}: Only Tensors of floating point and complex dtype can require gradients`);
  }
  return t.requiresGrad_();
}

/** The most elements one tensor may have: what a typed array indexed by an int32 holds. */
const maxElements = 2 ** 31 - 1;

function isOptionsObject(value: unknown): value is object {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value) &&
    !(value instanceof Tensor)
  );
}

/** Splits a trailing options object off positional arguments. */
function splitOptions<T>(args: readonly T[]): [T[], unknown] {
  const last = args[args.length - 1];
  return isOptionsObject(last) ? [args.slice(0, -1), last] : [[...args], undefined];
}

/** `40 GB`, `1.5 MB`: a byte count in decimal units, as an allocation error prints it. */
function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GB', 1e9],
    ['MB', 1e6],
    ['kB', 1e3],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toPrecision(3))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** Storage for `count` elements, or an error naming the op and the size when it cannot be had. */
function allocateFor(call: string, count: number, dtype: DType): TypedArray {
  const tooLarge = () => {
    const bytes = count * allocate(dtype, 0).BYTES_PER_ELEMENT;
    return new RangeError(`${call}: cannot allocate a tensor of ${count} elements (${formatBytes(bytes)})`);
  };
  if (count > maxElements) throw tooLarge();
  try {
    return allocate(dtype, count);
  } catch (error) {
    throw error instanceof RangeError ? tooLarge() : error;
  }
}

/**
 * A size given as numbers or one array, checked as PyTorch checks it: whole numbers (`intsName` is
 * PyTorch's word in that error: 'ints' or 'SymInts'), none negative.
 */
function sizeFrom(call: string, args: readonly unknown[], intsName: 'ints' | 'SymInts'): number[] {
  const size: readonly unknown[] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  size.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      throw new TypeError(
        `${call}: argument 'size' must be tuple of ${intsName}, but found element of type ${typeName(d)} at pos ${i + 1}`,
      );
    }
  });
  const shape = size as number[];
  checkShape(call, shape);
  return [...shape];
}

/** A contiguous tensor over values already in `dtype`'s storage type. */
function fromStorage(values: TypedArray, shape: Shape, dtype: TorchDType, backend = activeBackend()): Tensor {
  const storage = storageDtype(dtype);
  return new Tensor(backend, backend.upload(values, storage), shape, storage, undefined, 0, dtype);
}

/** A contiguous tensor on the active backend holding `values` (converted to `dtype`). */
export function fromValues(
  values: ArrayLike<number>,
  shape: Shape,
  dtype: DType,
  backend: Backend = activeBackend(),
): Tensor {
  return fromStorage(castArray(values, dtype), shape, dtype, backend);
}

/** A tensor whose element i is `valueAt(i)`, converted to `dtype` (bool: nonzero) once range-checked by the caller. */
function generate(
  call: string,
  shape: Shape,
  dtype: TorchDType,
  valueAt: (i: number) => number,
  backend = activeBackend(),
): Tensor {
  const values = allocateFor(call, sizeOf(shape), storageDtype(dtype));
  const bool = dtype === 'bool';
  for (let i = 0; i < values.length; i++) {
    const value = valueAt(i);
    values[i] = bool ? Number(value !== 0) : value;
  }
  return fromStorage(values, shape, dtype, backend);
}

/** Flattens nested arrays, checking that they are rectangular as torch.tensor does. */
function flattenNested(data: NestedArray): { values: number[]; shape: number[]; dtype: DType } {
  const shape: number[] = [];
  for (let level: NestedArray = data; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const values: number[] = [];
  let dtype: DType | undefined;
  const walk = (node: NestedArray, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(node)) throw new Error(`tensor: expected a number at dim ${dim}, got a sequence`);
      if (typeof node !== 'number' && typeof node !== 'boolean') {
        throw new TypeError(`tensor: could not infer dtype of ${typeof node}`);
      }
      const scalarType = dtypeOfScalar(node);
      dtype = dtype === undefined ? scalarType : promoteTypes(dtype, scalarType);
      values.push(Number(node));
      return;
    }
    if (!Array.isArray(node))
      throw new Error(`tensor: expected sequence of length ${shape[dim]} at dim ${dim} (got a number)`);
    if (node.length !== shape[dim]) {
      throw new Error(`tensor: expected sequence of length ${shape[dim]} at dim ${dim} (got ${node.length})`);
    }
    for (const child of node) walk(child, dim + 1);
  };
  walk(data, 0);
  return { values, shape, dtype: dtype ?? 'float32' };
}

/** A typed array's values as numbers (BigInt64Array's as well) with the dtype they give. */
function flattenTyped(data: NumericArray): { values: ArrayLike<number>; shape: number[]; dtype: DType } {
  const values = data instanceof BigInt64Array || data instanceof BigUint64Array ? Array.from(data, Number) : data;
  return { values, shape: [data.length], dtype: dtypeOfArray(data) };
}

/**
 * torch.tensor: nested arrays (numbers or booleans) or a typed array of any width with a shape.
 * Without a dtype: booleans give bool; whole numbers that all fit int32 give int32 (standing for
 * torch's int64); anything else float32, so that no value wraps. A value out of the dtype's range
 * is an error.
 */
export function tensor(data: NestedArray | NumericArray, options?: TensorOptions): Tensor {
  const checked = checkOptions('tensor', options, { ...dtypeOptions, shape: isOptional(isIntOrInts) });
  const flat = ArrayBuffer.isView(data) ? flattenTyped(data) : flattenNested(data);
  const shape = checked.shape === undefined ? flat.shape : [checked.shape].flat();
  if (sizeOf(shape) !== flat.values.length) {
    throw new Error(`tensor: shape '${formatShape(shape)}' is invalid for input of size ${flat.values.length}`);
  }
  const dtype = checked.dtype ?? defaultTorchDtype(flat.dtype);
  checkRange('tensor', flat.values, dtype);
  const created = fromStorage(castArray(flat.values, storageDtype(dtype)), shape, dtype);
  return withRequiresGrad('tensor', created, checked.requiresGrad);
}

// Scalars recur (`x.div(scale)` every forward pass): tensors are immutable, so one 0-dim tensor per
// backend, dtype and value serves every use. The cache is dropped whole when it grows past a bound.
const scalarCache = new WeakMap<Backend, Map<string, Tensor>>();
const scalarCacheSize = 256;

/** A 0-dim tensor on a given tensor's backend: how scalars enter binary ops. */
export function scalarLike(value: number | boolean, like: Tensor, dtype: DType = dtypeOfScalar(value)): Tensor {
  let cache = scalarCache.get(like.backend);
  if (!cache) scalarCache.set(like.backend, (cache = new Map()));
  const number = Number(value);
  const key = dtype + (Object.is(number, -0) ? '-0' : number);
  let scalar = cache.get(key);
  if (!scalar) {
    if (cache.size >= scalarCacheSize) cache.clear();
    scalar = new Tensor(like.backend, like.backend.upload(castArray([number], dtype), dtype), [], dtype);
    cache.set(key, scalar);
  }
  return scalar;
}

/** A tensor of `shape` with every element `value`, range-checked for `dtype`. */
function filled(call: string, shape: Shape, value: number, dtype: TorchDType, backend = activeBackend()): Tensor {
  checkRange(call, [value], dtype);
  return generate(call, shape, dtype, () => value, backend);
}

/**
 * torch.full(size, fill_value, { dtype }): the dtype defaults to the fill value's (bool, int32 for a
 * whole number inside int32's range, else float32).
 */
export function full(size: Shape, fillValue: number | boolean, options?: DTypeOptions): Tensor {
  const shape = sizeFrom('full', [size], 'SymInts');
  if (typeof fillValue !== 'boolean') isNumber(fillValue, 'full', 'fill_value', 2);
  const { dtype, requiresGrad } = checkOptions('full', options, dtypeOptions);
  const created = filled('full', shape, Number(fillValue), dtype ?? defaultTorchDtype(dtypeOfScalar(fillValue)));
  return withRequiresGrad('full', created, requiresGrad);
}

/** torch.zeros(*size, { dtype }): float32 unless a dtype is given. */
export function zeros(...args: (number | readonly number[] | DTypeOptions)[]): Tensor {
  const [size, options] = splitOptions(args);
  const { dtype, requiresGrad } = checkOptions('zeros', options, dtypeOptions);
  const created = filled('zeros', sizeFrom('zeros', size, 'SymInts'), 0, dtype ?? 'float32');
  return withRequiresGrad('zeros', created, requiresGrad);
}

/** torch.ones(*size, { dtype }): float32 unless a dtype is given. */
export function ones(...args: (number | readonly number[] | DTypeOptions)[]): Tensor {
  const [size, options] = splitOptions(args);
  const { dtype, requiresGrad } = checkOptions('ones', options, dtypeOptions);
  const created = filled('ones', sizeFrom('ones', size, 'SymInts'), 1, dtype ?? 'float32');
  return withRequiresGrad('ones', created, requiresGrad);
}

/** torch.zeros_like(input, { dtype }): zeros of input's shape, dtype and backend. */
export function zerosLike(input: Tensor, options?: DTypeOptions): Tensor {
  isTensor(input, 'zerosLike', 'input', 1);
  const { dtype, requiresGrad } = checkOptions('zerosLike', options, dtypeOptions);
  const created = filled('zerosLike', input.shape, 0, dtype ?? input.torchDtype, input.backend);
  return withRequiresGrad('zerosLike', created, requiresGrad);
}

/** torch.ones_like(input, { dtype }): ones of input's shape, dtype and backend. */
export function onesLike(input: Tensor, options?: DTypeOptions): Tensor {
  isTensor(input, 'onesLike', 'input', 1);
  const { dtype, requiresGrad } = checkOptions('onesLike', options, dtypeOptions);
  const created = filled('onesLike', input.shape, 1, dtype ?? input.torchDtype, input.backend);
  return withRequiresGrad('onesLike', created, requiresGrad);
}

/** The error PyTorch's kernels give for a dtype they have no implementation for. */
function notImplemented(call: string, kernel: string, dtype: TorchDType): Error {
  return new Error(`${call}: "${kernel}" not implemented for '${scalarTypeName(dtype)}'`);
}

/**
 * torch.arange: arange(end), arange(start, end), arange(start, end, step), each with an optional
 * trailing { dtype }. int32 (torch's int64) when start, end and step are whole numbers inside int32's
 * range, else float32 (JS cannot tell 5.0 from 5: pass { dtype: 'float32' } for torch's arange(5.0)).
 */
export function arange(...args: (number | DTypeOptions)[]): Tensor {
  const [numbers, options] = splitOptions(args);
  const { dtype: requested, requiresGrad } = checkOptions('arange', options, dtypeOptions);
  if (numbers.length < 1 || numbers.length > 3) {
    throw new TypeError(
      `arange: expected arange(end), arange(start, end) or arange(start, end, step), got ${numbers.length} numbers`,
    );
  }
  const names = numbers.length === 1 ? ['end'] : ['start', 'end', 'step'];
  numbers.forEach((n, i) => isNumber(n, 'arange', names[i], i + 1));
  const [start, end, step = 1] = (numbers.length === 1 ? [0, numbers[0]] : numbers) as number[];
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    throw new Error(`arange: unsupported range: ${pythonNumber(start)} -> ${pythonNumber(end)}`);
  }
  if (step === 0) throw new Error('arange: step must be nonzero');
  if ((end - start) * step < 0) {
    throw new Error(
      `arange: upper bound and larger bound inconsistent with step sign (start=${start}, end=${end}, step=${step})`,
    );
  }
  const length = Math.ceil((end - start) / step);
  const dtype = requested ?? defaultTorchDtype([start, end, step].map(dtypeOfScalar).reduce(promoteTypes));
  if (dtype === 'bool') throw notImplemented('arange', 'arange_cpu', dtype);
  if (length > 0) checkRange('arange', [start, start + (length - 1) * step], dtype);
  return withRequiresGrad(
    'arange',
    generate('arange', [length], dtype, (i) => start + i * step),
    requiresGrad,
  );
}

/** torch.linspace(start, end, steps, { dtype }), computed from both ends as torch does so the last value is exactly `end`. */
export function linspace(start: number, end: number, steps: number, options?: DTypeOptions): Tensor {
  isNumber(start, 'linspace', 'start', 1);
  isNumber(end, 'linspace', 'end', 2);
  isInt(steps, 'linspace', 'steps', 3);
  const { dtype = 'float32', requiresGrad } = checkOptions('linspace', options, dtypeOptions);
  if (steps < 0) throw new Error('linspace: number of steps must be non-negative');
  if (dtype === 'bool') throw notImplemented('linspace', 'linspace_cpu', dtype);
  checkRange('linspace', [start, end], dtype);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  const created = generate('linspace', [steps], dtype, (i) =>
    i < half ? start + i * step : end - (steps - 1 - i) * step,
  );
  return withRequiresGrad('linspace', created, requiresGrad);
}

/** torch.eye(n, m = n, { dtype }): ones on the diagonal of an n × m matrix. */
export function eye(n: number, ...rest: (number | DTypeOptions)[]): Tensor {
  const [columns, options] = splitOptions(rest);
  const { dtype = 'float32', requiresGrad } = checkOptions('eye', options, dtypeOptions);
  isInt(n, 'eye', 'n', 1);
  const m = columns.length ? isInt(columns[0], 'eye', 'm', 2) : n;
  if (n < 0) throw new Error(`eye: n must be greater or equal to 0, got ${n}`);
  if (m < 0) throw new Error(`eye: m must be greater or equal to 0, got ${m}`);
  const created = generate('eye', [n, m], dtype, (i) => (i % m === Math.floor(i / m) ? 1 : 0));
  return withRequiresGrad('eye', created, requiresGrad);
}

/** rand/randn: a float32 size from the arguments and values from the seeded stream. */
function randomFloats(
  call: string,
  kernel: string,
  args: readonly (number | readonly number[] | DTypeOptions)[],
  next: () => number,
): Tensor {
  const [size, options] = splitOptions(args);
  const { dtype = 'float32', requiresGrad } = checkOptions(call, options, dtypeOptions);
  const shape = sizeFrom(call, size, 'ints');
  if (dtype !== 'float32') throw notImplemented(call, kernel, dtype);
  return withRequiresGrad(call, generate(call, shape, dtype, next), requiresGrad);
}

/** torch.rand(*size, { dtype }): uniform on [0, 1), from the engine's seeded stream. */
export function rand(...args: (number | readonly number[] | DTypeOptions)[]): Tensor {
  return randomFloats('rand', 'check_uniform_bounds', args, nextUniform);
}

/** torch.randn(*size, { dtype }): standard normal, from the engine's seeded stream. */
export function randn(...args: (number | readonly number[] | DTypeOptions)[]): Tensor {
  return randomFloats('randn', 'normal_kernel_cpu', args, nextNormal);
}

/** torch.randint(high, size, { dtype }) or randint(low, high, size, { dtype }): integers in [low, high), int64 by default. */
export function randint(...args: (number | Shape | DTypeOptions)[]): Tensor {
  const [positional, options] = splitOptions(args);
  const { dtype = 'int64', requiresGrad } = checkOptions('randint', options, dtypeOptions);
  if (positional.length < 2 || positional.length > 3) {
    throw new TypeError(
      `randint: expected randint(high, size) or randint(low, high, size), got ${positional.length} arguments`,
    );
  }
  const [low, high, size] = positional.length === 2 ? [0, ...positional] : positional;
  isInt(low, 'randint', 'low', 1);
  isInt(high, 'randint', 'high', positional.length - 1);
  const shape = sizeFrom('randint', [size], 'ints');
  const [from, to] = [low as number, high as number];
  if (!(to > from))
    throw new Error(`randint: random_ expects 'from' to be less than 'to', but got from=${from} >= to=${to}`);
  if (dtype === 'bool' && (from < 0 || to > 2)) throw new Error('randint: to - 1 is out of bounds for bool');
  checkRange('randint', [from, to - 1], dtype);
  return withRequiresGrad(
    'randint',
    generate('randint', shape, dtype, () => nextInt(from, to)),
    requiresGrad,
  );
}

/** `.type()`'s answer: PyTorch's tensor type name, e.g. 'torch.FloatTensor', 'torch.IntTensor'. */
export function tensorTypeName(t: Tensor): string {
  return `torch.${scalarTypeName(t.torchDtype)}Tensor`;
}

/**
 * Casts to a dtype given by name (what `.type(dtype)`, `.float()`, `.int()`, `.long()`, `.bool()`
 * and `.to(dtype)` do). From float32 to an integer dtype, NaN, infinities and values out of range
 * are an error naming `call` (PyTorch gives an arbitrary value); fractions truncate toward zero.
 */
export function castTo(t: Tensor, dtypeName: DTypeName, call: string): Tensor {
  const dtype = isDType(dtypeName, call, 'dtype', 1);
  if (dtype === t.torchDtype) return t;
  const storage = storageDtype(dtype);
  if (t.dtype === 'float32' && storage === 'int32') checkRange(call, t.dataSync(), dtype);
  // int64 <-> int32 share a storage type: a copy keeps the two tensors independent, as in PyTorch.
  const converted = storage === t.dtype ? t.clone() : cast(t, storage);
  return new Tensor(
    converted.backend,
    converted.storage,
    converted.shape,
    storage,
    converted.strides,
    converted.offset,
    dtype,
  );
}

/** Copies a tensor's values onto another backend. */
export function toBackend(t: Tensor, name: BackendName): Tensor {
  const target = backendByName(name);
  if (target === t.backend) return t;
  const values = t.dataSync();
  const moved = new Tensor(target, target.upload(values, t.dtype), t.shape, t.dtype, undefined, 0, t.torchDtype);
  return tracksGrad(t) ? recordBackendCopy(t, moved) : moved;
}

/**
 * torch's `.to(...)`: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to({ dtype })` or
 * `to(device, { dtype })`. A device is a backend name, or 'cpu' for the active backend.
 */
export function to(
  t: Tensor,
  target: BackendName | 'cpu' | DTypeName | ToOptions,
  dtypeOrOptions?: DTypeName | ToOptions,
): Tensor {
  const device = isOptionsObject(target) || isDTypeName(target) ? undefined : target;
  const dtypeArgument = device === undefined ? target : dtypeOrOptions;
  const dtype = isOptionsObject(dtypeArgument)
    ? checkOptions('to', dtypeArgument, toOptions).dtype
    : isOptional(isDType)(dtypeArgument, 'to', 'dtype');
  let moved = t;
  if (device !== undefined) {
    if (typeof device !== 'string')
      throw new TypeError(`to: expected a dtype or a device name, not ${typeName(device)}`);
    try {
      moved = device === 'cpu' ? toBackend(t, activeBackend().name) : toBackend(t, device);
    } catch (error) {
      const reason = (error as Error).message.replace(/^setBackend: /, '');
      if (!reason.startsWith('unknown backend')) throw new Error(`to: ${reason}`);
      const dtypes = "'float32', 'int64', 'int32', 'bool' or PyTorch's names for them";
      throw new TypeError(
        `to: '${device}' is neither a dtype (${dtypes}) nor a device ('cpu' or a backend: ${reason})`,
      );
    }
  }
  return dtype === undefined ? moved : castTo(moved, dtype, 'to');
}
