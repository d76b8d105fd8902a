/**
 * Creation ops: tensor(), zeros/ones/full, arange/linspace/eye, seeded random tensors, dtype casts
 * and backend moves. Every `dtype` option takes an engine dtype or PyTorch's name for one (see
 * dtype.ts); values out of the dtype's range are an error, never a wrap.
 */
import type { Backend, BackendName, Storage } from '../backend';
import {
  bindArguments,
  checkOptions,
  isBool,
  isInt,
  isIntOrInts,
  isNumber,
  isOptional,
  isString,
  isTensor,
  typeName,
} from '../arguments';
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
  kernelNotImplemented,
  scalarTypeName,
  storageDtype,
  type DType,
  type DTypeName,
  type TorchDType,
  type TypedArray,
} from '../dtype';
import { fillIntegers, fillNormal, fillUniform, nextInt, nextUniform } from '../random';
import { activeBackend, backendByName } from '../backends/registry';
import { broadcastShapes, checkShape, formatShape, sizeOf, type Shape } from '../shape';
import { Tensor, type NestedArray } from '../tensor';
import { cast } from './elementwise';
import { checkSameBackend, expand } from './movement';
import { recordBackendCopy } from '../autograd/derivatives';
import { tracksGrad } from '../autograd/gradMode';

/** The options of every creation op: dtype (PyTorch: dtype), by name, e.g. 'float32', 'int64', 'torch.int32'. */
export interface DTypeOptions {
  /** The result's dtype by PyTorch's name, 'float32', 'int64', 'bool', ... (PyTorch: dtype). */
  dtype?: DTypeName;
  /** Make a leaf that records the ops on it for backward(); floating dtypes only (PyTorch: requires_grad). */
  requiresGrad?: boolean;
}

/** tensor()'s options: dtype (PyTorch: dtype), and shape to give flat data (a typed array) its shape. */
export interface TensorOptions extends DTypeOptions {
  /** The shape to give flat data, such as a typed array (no PyTorch counterpart: torch reshapes). */
  shape?: Shape;
}

/**
 * `.to(...)`'s options: dtype (PyTorch: dtype); device (PyTorch: device): 'cpu' (the active backend) or
 * a backend name; nonBlocking (PyTorch: non_blocking): accepted and without effect, every backend copies
 * synchronously; copy (PyTorch: copy): a new tensor even when neither dtype nor device changes.
 */
export interface ToOptions extends Omit<DTypeOptions, 'requiresGrad'> {
  /** The backend to copy onto, by name; 'cpu' is the active backend (PyTorch: device). */
  device?: BackendName | 'cpu';
  /** Accepted for PyTorch code and without effect: every backend copies synchronously (PyTorch: non_blocking). */
  nonBlocking?: boolean;
  /** A new tensor even when nothing changes (PyTorch: copy); default false. */
  copy?: boolean;
}

/** `.to(...)`'s arguments, as PyTorch's overloads take them. */
export type ToArgs =
  | [options?: ToOptions]
  | [dtype: DTypeName, options?: ToOptions]
  | [device: BackendName | 'cpu', dtype?: DTypeName | ToOptions, options?: ToOptions]
  | [other: Tensor, options?: ToOptions];

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

const dtypeOnly = { dtype: isOptional(isDType) };
const dtypeOptions = { ...dtypeOnly, requiresGrad: isOptional(isBool) };

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
  return allocating(call, count, dtype, () => allocate(dtype, count));
}

/** What `make` gives, which allocates `count` elements of `dtype`; when they cannot be had, an error naming the op. */
function allocating<T>(call: string, count: number, dtype: DType, make: () => T): T {
  const tooLarge = () => {
    const bytes = count * allocate(dtype, 0).BYTES_PER_ELEMENT;
    return new RangeError(`${call}: cannot allocate a tensor of ${count} elements (${formatBytes(bytes)})`);
  };
  if (count > maxElements) throw tooLarge();
  try {
    return make();
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

/** `count` float32 values filled by one of the seeded stream's fills (fillUniform, fillNormal). */
function drawn(call: string, count: number, fill: (out: Float32Array) => void): Float32Array {
  const values = allocateFor(call, count, 'float32') as Float32Array;
  fill(values);
  return values;
}

/**
 * New contiguous storage of `count` elements of `dtype` on `backend`, written by one of the seeded stream's
 * fills: straight into the backend's memory where it has writtenStorage (the native backend: no copy on the
 * host), else on the host and uploaded.
 */
function drawnStorage<Values extends TypedArray>(
  call: string,
  dtype: DType,
  count: number,
  fill: (out: Values) => void,
  backend: Backend,
): Storage {
  const write = fill as (out: TypedArray) => void; // `dtype`'s storage type is the caller's Values
  if (backend.writtenStorage) return allocating(call, count, dtype, () => backend.writtenStorage!(dtype, count, write));
  const values = allocateFor(call, count, dtype);
  write(values);
  return backend.upload(values, dtype);
}

/** A contiguous float32 tensor of `shape` on `backend`, its values written by fillUniform or fillNormal. */
export function randomTensor(
  call: string,
  shape: Shape,
  fill: (out: Float32Array) => void,
  backend = activeBackend(),
): Tensor {
  return new Tensor(backend, drawnStorage(call, 'float32', sizeOf(shape), fill, backend), shape, 'float32');
}

/** Flattens nested arrays, checking that they are rectangular as torch.tensor does. */
function flattenNested(data: NestedArray): { values: number[]; shape: number[]; dtype: TorchDType } {
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
  return { values, shape, dtype: defaultTorchDtype(dtype ?? 'float32') };
}

/**
 * A typed array's values as numbers (BigInt64Array's as well) with the PyTorch dtype they give: int32
 * for Int32Array as torch.from_numpy gives, int64 for the other integer widths (the engine has no
 * int8, uint8 or int16), float32 for Float32Array and Float64Array (no float64 storage).
 */
function flattenTyped(data: NumericArray): { values: ArrayLike<number>; shape: number[]; dtype: TorchDType } {
  const values = data instanceof BigInt64Array || data instanceof BigUint64Array ? Array.from(data, Number) : data;
  const dtype = data instanceof Int32Array ? 'int32' : defaultTorchDtype(dtypeOfArray(data));
  return { values, shape: [data.length], dtype };
}

/**
 * torch.tensor: nested arrays (numbers or booleans) or a typed array of any width with a shape.
 * Without a dtype: booleans give bool; whole numbers that all fit int32 give int32 (standing for
 * torch's int64); anything else float32, so that no value wraps. A typed array gives the dtype
 * PyTorch gives its NumPy twin where the engine has it (Int32Array: int32, BigInt64Array: int64),
 * else int64 for integers and float32 for floats (a Float64Array value beyond float32's range becomes
 * ±inf, as torch's cast does). A value out of the dtype's range is an error, never a wrap.
 */
export function tensor(data: NestedArray | NumericArray, options?: TensorOptions): Tensor {
  const checked = checkOptions('tensor', options, { ...dtypeOptions, shape: isOptional(isIntOrInts) });
  const flat = ArrayBuffer.isView(data) ? flattenTyped(data) : flattenNested(data);
  const shape = checked.shape === undefined ? flat.shape : [checked.shape].flat();
  if (sizeOf(shape) !== flat.values.length) {
    throw new Error(`tensor: shape '${formatShape(shape)}' is invalid for input of size ${flat.values.length}`);
  }
  const dtype = checked.dtype ?? flat.dtype;
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

/**
 * torch.arange: arange(end), arange(start, end), arange(start, end, step), each with an optional
 * trailing { dtype }. int32 (torch's int64) when start, end and step are whole numbers inside int32's
 * range, else float32 (JS cannot tell 5.0 from 5: pass { dtype: 'float32' } for torch's arange(5.0)).
 * The length is PyTorch's ceil((end - start) / step). With an integer dtype, PyTorch first truncates
 * start, end and step to integers, as here: arange(0.5, 5, 1.5, { dtype: 'int64' }) is [0, 1, 2, 3, 4]
 * (the length from the truncated numbers for int64, from the given ones for int32, as in torch).
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
  const dtype = requested ?? defaultTorchDtype([start, end, step].map(dtypeOfScalar).reduce(promoteTypes));
  if (dtype === 'bool') throw kernelNotImplemented('arange', 'arange_cpu', dtype);
  const integral = storageDtype(dtype) === 'int32';
  const [first, last, increment] = integral ? [start, end, step].map(Math.trunc) : [start, end, step];
  if (!(increment > 0 || increment < 0)) throw new Error('arange: step must be nonzero');
  if (!Number.isFinite(first) || !Number.isFinite(last)) {
    throw new Error(`arange: unsupported range: ${pythonNumber(first)} -> ${pythonNumber(last)}`);
  }
  if (!((increment > 0 && last >= first) || (increment < 0 && last <= first))) {
    throw new Error(
      `arange: upper bound and larger bound inconsistent with step sign (start=${start}, end=${end}, step=${step})`,
    );
  }
  const length = dtype === 'int64' ? Math.ceil((last - first) / increment) : Math.ceil((end - start) / step);
  if (length > 0) checkRange('arange', [first, first + (length - 1) * increment], dtype);
  return withRequiresGrad(
    'arange',
    generate('arange', [length], dtype, (i) => first + i * increment),
    requiresGrad,
  );
}

/**
 * `steps` numbers evenly spaced from start to end, computed from both ends as torch does so the last is
 * exactly `end`. With an integer dtype PyTorch truncates start and end first, as here.
 */
function evenlySpaced(call: string, start: number, end: number, steps: number, dtype: TorchDType): number[] {
  isNumber(start, call, 'start', 1);
  isNumber(end, call, 'end', 2);
  isInt(steps, call, 'steps', 3);
  if (steps < 0) throw new Error(`${call}: number of steps must be non-negative`);
  if (dtype === 'bool') throw kernelNotImplemented(call, `${call}_cpu`, dtype);
  const [first, last] = storageDtype(dtype) === 'int32' ? [Math.trunc(start), Math.trunc(end)] : [start, end];
  const step = steps > 1 ? (last - first) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  return Array.from({ length: steps }, (_, i) => (i < half ? first + i * step : last - (steps - 1 - i) * step));
}

/** torch.linspace(start, end, steps, { dtype }): float32 unless a dtype is given. */
export function linspace(start: number, end: number, steps: number, options?: DTypeOptions): Tensor {
  const { dtype = 'float32', requiresGrad } = checkOptions('linspace', options, dtypeOptions);
  const values = evenlySpaced('linspace', start, end, steps, dtype);
  checkRange('linspace', values, dtype);
  return withRequiresGrad(
    'linspace',
    fromStorage(castArray(values, storageDtype(dtype)), [steps], dtype),
    requiresGrad,
  );
}

/** logspace's options: base (PyTorch: base, also positional) and dtype (PyTorch: dtype). */
export interface LogspaceOptions extends DTypeOptions {
  /** The base raised to each evenly spaced exponent (PyTorch: base); default 10. */
  base?: number;
}

/**
 * torch.logspace(start, end, steps, base = 10, { dtype }): base ** linspace(start, end, steps), float32
 * unless a dtype is given; `base` also goes in the options (`logspace(0, 2, 3, { base: 2 })`).
 */
export function logspace(
  start: number,
  end: number,
  steps: number,
  ...rest: [base?: number | LogspaceOptions, options?: LogspaceOptions]
): Tensor {
  const spec = { base: isNumber, ...dtypeOptions };
  const { base = 10, dtype = 'float32', requiresGrad } = bindArguments('logspace', rest, ['base'], spec, 4);
  const values = evenlySpaced('logspace', start, end, steps, dtype).map((exponent) => base ** exponent);
  checkRange('logspace', values, dtype);
  return withRequiresGrad(
    'logspace',
    fromStorage(castArray(values, storageDtype(dtype)), [steps], dtype),
    requiresGrad,
  );
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
  fill: (out: Float32Array) => void,
): Tensor {
  const [size, options] = splitOptions(args);
  const { dtype = 'float32', requiresGrad } = checkOptions(call, options, dtypeOptions);
  const shape = sizeFrom(call, size, 'ints');
  if (dtype !== 'float32') throw kernelNotImplemented(call, kernel, dtype);
  return withRequiresGrad(call, randomTensor(call, shape, fill), requiresGrad);
}

/** torch.rand(*size, { dtype }): uniform on [0, 1), from the engine's seeded stream. */
export function rand(...args: (number | readonly number[] | DTypeOptions)[]): Tensor {
  return randomFloats('rand', 'check_uniform_bounds', args, fillUniform);
}

/** torch.randn(*size, { dtype }): standard normal, from the engine's seeded stream. */
export function randn(...args: (number | readonly number[] | DTypeOptions)[]): Tensor {
  return randomFloats('randn', 'normal_kernel_cpu', args, fillNormal);
}

/**
 * torch.randint(high, size, { dtype }) or randint(low, high, size, { dtype }): integers in [low, high), int64
 * by default.
 */
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
  const created = randomIntegers('randint', shape, low as number, high as number, dtype, activeBackend());
  return withRequiresGrad('randint', created, requiresGrad);
}

/**
 * torch.empty(*size, { dtype }): float32 unless a dtype is given. PyTorch leaves the values
 * uninitialised; here they are zeros (JS memory always starts zeroed).
 */
export function empty(...args: (number | readonly number[] | DTypeOptions)[]): Tensor {
  const [size, options] = splitOptions(args);
  const { dtype, requiresGrad } = checkOptions('empty', options, dtypeOptions);
  return withRequiresGrad(
    'empty',
    filled('empty', sizeFrom('empty', size, 'SymInts'), 0, dtype ?? 'float32'),
    requiresGrad,
  );
}

/** torch.empty_like(input, { dtype }): a tensor of input's shape, dtype and backend (zeros here, see {@link empty}). */
export function emptyLike(input: Tensor, options?: DTypeOptions): Tensor {
  isTensor(input, 'emptyLike', 'input', 1);
  const { dtype, requiresGrad } = checkOptions('emptyLike', options, dtypeOptions);
  const created = filled('emptyLike', input.shape, 0, dtype ?? input.torchDtype, input.backend);
  return withRequiresGrad('emptyLike', created, requiresGrad);
}

/**
 * torch.full_like(input, fill_value, { dtype }): `fillValue` everywhere, in input's shape, dtype and
 * backend; into an integer dtype a fraction truncates and a value out of range is an error.
 */
export function fullLike(input: Tensor, fillValue: number | boolean, options?: DTypeOptions): Tensor {
  isTensor(input, 'fullLike', 'input', 1);
  if (typeof fillValue !== 'boolean') isNumber(fillValue, 'fullLike', 'fill_value', 2);
  const { dtype, requiresGrad } = checkOptions('fullLike', options, dtypeOptions);
  const created = filled('fullLike', input.shape, Number(fillValue), dtype ?? input.torchDtype, input.backend);
  return withRequiresGrad('fullLike', created, requiresGrad);
}

/** randLike/randnLike: input's shape and backend, its dtype unless one is given; floating dtypes only. */
function randomLike(
  call: string,
  kernel: string,
  input: Tensor,
  options: unknown,
  fill: (out: Float32Array) => void,
): Tensor {
  isTensor(input, call, 'input', 1);
  const { dtype = input.torchDtype, requiresGrad } = checkOptions(call, options, dtypeOptions);
  if (dtype !== 'float32') throw kernelNotImplemented(call, kernel, dtype);
  const created = randomTensor(call, input.shape, fill, input.backend);
  return withRequiresGrad(call, created, requiresGrad);
}

/** torch.rand_like(input, { dtype }): uniform on [0, 1) in input's shape, from the engine's seeded stream. */
export function randLike(input: Tensor, options?: DTypeOptions): Tensor {
  return randomLike('randLike', 'check_uniform_bounds', input, options, fillUniform);
}

/** torch.randn_like(input, { dtype }): standard normal in input's shape, from the engine's seeded stream. */
export function randnLike(input: Tensor, options?: DTypeOptions): Tensor {
  return randomLike('randnLike', 'normal_kernel_cpu', input, options, fillNormal);
}

/** Integers in [from, to) drawn into `dtype` (bool takes only 0 and 1), range-checked. */
function randomIntegers(call: string, shape: Shape, from: number, to: number, dtype: TorchDType, backend: Backend) {
  if (!(to > from)) {
    throw new Error(`${call}: random_ expects 'from' to be less than 'to', but got from=${from} >= to=${to}`);
  }
  if (dtype === 'bool' && (from < 0 || to > 2)) throw new Error(`${call}: to - 1 is out of bounds for bool`);
  checkRange(call, [from, to - 1], dtype);
  const storage = storageDtype(dtype);
  const fill = (out: Int32Array | Float32Array | Uint8Array) => fillIntegers(out, from, to);
  return new Tensor(
    backend,
    drawnStorage(call, storage, sizeOf(shape), fill, backend),
    shape,
    storage,
    undefined,
    0,
    dtype,
  );
}

/**
 * torch.randint_like(input, high) or randint_like(input, low, high), with an optional trailing
 * { dtype }: integers in [low, high) in input's shape, dtype (a float input gives whole floats) and backend.
 */
export function randintLike(input: Tensor, ...args: (number | DTypeOptions)[]): Tensor {
  isTensor(input, 'randintLike', 'input', 1);
  const [bounds, options] = splitOptions(args);
  const { dtype = input.torchDtype, requiresGrad } = checkOptions('randintLike', options, dtypeOptions);
  if (bounds.length < 1 || bounds.length > 2) {
    throw new TypeError(
      `randintLike: expected randintLike(input, high) or randintLike(input, low, high), got ${bounds.length} numbers`,
    );
  }
  const [low, high] = bounds.length === 1 ? [0, bounds[0]] : bounds;
  isInt(low, 'randintLike', 'low', 2);
  isInt(high, 'randintLike', 'high', bounds.length + 1);
  const created = randomIntegers('randintLike', input.shape, low as number, high as number, dtype, input.backend);
  return withRequiresGrad('randintLike', created, requiresGrad);
}

/** torch.randperm(n, { dtype }): a random permutation of 0..n-1, int64 unless a dtype is given. */
export function randperm(n: number, options?: DTypeOptions): Tensor {
  isInt(n, 'randperm', 'n', 1);
  const { dtype = 'int64', requiresGrad } = checkOptions('randperm', options, dtypeOptions);
  checkShape('randperm', [n]);
  if (dtype === 'bool') throw kernelNotImplemented('randperm', 'randperm', dtype);
  checkRange('randperm', [n - 1], dtype);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = nextInt(0, i + 1); // Fisher-Yates: every permutation equally likely
    [order[i], order[j]] = [order[j], order[i]];
  }
  return withRequiresGrad(
    'randperm',
    generate('randperm', [n], dtype, (i) => order[i]),
    requiresGrad,
  );
}

/** multinomial's options: replacement (PyTorch: replacement, also positional). */
export interface MultinomialOptions {
  /** Draw with replacement, so a category can come more than once (PyTorch: replacement); default false. */
  replacement?: boolean;
}

/**
 * One draw from the categories' weights (their total given, one at least positive), or the last positive one
 * if rounding runs past it.
 */
function drawCategory(weights: ArrayLike<number>, total: number): number {
  let target = nextUniform() * total;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] <= 0) continue;
    last = i;
    target -= weights[i];
    if (target < 0) return i;
  }
  return last;
}

/**
 * torch.multinomial(input, numSamples, replacement = false): for each row of a 1-D or 2-D tensor of
 * non-negative weights, `numSamples` category indices (int64) drawn in proportion to the weights;
 * without replacement each category comes at most once (the zero-weight ones last). `replacement`
 * also goes in the options. PyTorch's checks and error texts; the draws come from the engine's stream.
 */
export function multinomial(
  input: Tensor,
  numSamples: number,
  ...rest: [replacement?: boolean | MultinomialOptions, options?: MultinomialOptions]
): Tensor {
  isTensor(input, 'multinomial', 'input', 1);
  isInt(numSamples, 'multinomial', 'num_samples', 2);
  const { replacement = false } = bindArguments('multinomial', rest, ['replacement'], { replacement: isBool }, 3);
  if (input.ndim < 1 || input.ndim > 2) throw new Error('multinomial: prob_dist must be 1 or 2 dim');
  if (input.dtype !== 'float32') {
    throw new Error(
      `multinomial: multinomial only supports floating-point dtypes for input, got: ${scalarTypeName(input.torchDtype)}`,
    );
  }
  if (numSamples <= 0) throw new Error('multinomial: cannot sample n_sample <= 0 samples');
  const categories = input.shape[input.ndim - 1];
  if (!replacement && numSamples > categories) {
    throw new Error('multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement');
  }
  const rows = input.ndim === 1 ? 1 : input.shape[0];
  const weights = input.dataSync();
  for (const w of weights) {
    if (w >= 0 && w < Infinity) continue;
    // PyTorch's two sampling kernels word this differently
    if (!replacement) throw new Error('multinomial: probability tensor contains either `inf`, `nan` or element < 0');
    const entry = w >= 0 ? '= infinity or NaN' : '< 0';
    throw new Error(`multinomial: invalid multinomial distribution (encountering probability entry ${entry})`);
  }
  const samples = new Int32Array(rows * numSamples); // (rows, numSamples)
  for (let row = 0; row < rows; row++) {
    const rowWeights = Float64Array.from(weights.subarray(row * categories, (row + 1) * categories));
    let total = rowWeights.reduce((sum, w) => sum + w, 0);
    if (!(total > 0)) throw new Error('multinomial: invalid multinomial distribution (sum of probabilities <= 0)');
    let positive = rowWeights.filter((w) => w > 0).length;
    const unused = Array.from({ length: categories }, (_, i) => i);
    for (let k = 0; k < numSamples; k++) {
      // once every positive weight is drawn (without replacement), the zero-weight categories in random order
      const category = positive > 0 ? drawCategory(rowWeights, total) : unused[nextInt(0, unused.length)];
      samples[row * numSamples + k] = category;
      if (replacement) continue;
      if (rowWeights[category] > 0) positive--;
      total -= rowWeights[category];
      rowWeights[category] = 0;
      unused.splice(unused.indexOf(category), 1);
    }
  }
  const shape = input.ndim === 1 ? [numSamples] : [rows, numSamples];
  return fromStorage(samples, shape, 'int64', input.backend);
}

/** bernoulli's options: p (PyTorch: p, also positional), one probability for every element. */
export interface BernoulliOptions {
  /** One probability in [0, 1] for every element, instead of the input's values (PyTorch: p). */
  p?: number;
}

/**
 * torch.bernoulli(input) draws 1 with each element's probability (a floating tensor of values in
 * [0, 1]); bernoulli(input, p) or bernoulli(input, { p }) draws with one probability `p` for every
 * element of input's shape. The result has input's dtype; the draws come from the engine's stream.
 */
export function bernoulli(input: Tensor, ...rest: [p?: number | BernoulliOptions, options?: BernoulliOptions]): Tensor {
  isTensor(input, 'bernoulli', 'input', 1);
  const { p } = bindArguments('bernoulli', rest, ['p'], { p: isNumber }, 2);
  const dtype = input.torchDtype;
  // a block of uniforms, each exactly the nextUniform() a draw per element would give
  const uniforms = () => drawn('bernoulli', input.numel(), fillUniform);
  if (p !== undefined) {
    if (!(p >= 0 && p <= 1)) throw new Error(`bernoulli: bernoulli_ expects p to be in [0, 1], but got p=${p}`);
    const u = uniforms();
    return generate('bernoulli', input.shape, dtype, (i) => Number(u[i] < p), input.backend);
  }
  if (dtype !== 'float32') throw kernelNotImplemented('bernoulli', 'bernoulli_tensor_cpu_p_', dtype);
  const probabilities = input.dataSync();
  if (!probabilities.every((q) => q >= 0 && q <= 1)) {
    throw new Error('bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got false.');
  }
  const u = uniforms();
  return generate('bernoulli', input.shape, dtype, (i) => Number(u[i] < probabilities[i]), input.backend);
}

/** normal's options in its size form: size (PyTorch: size, also positional) and dtype (PyTorch: dtype). */
export interface NormalOptions extends DTypeOptions {
  /** The shape of the result when mean and std are numbers (PyTorch: size). */
  size?: number | readonly number[];
}

const normalOptions = { ...dtypeOptions, size: isOptional(isIntOrInts) };

/** A mean or std as a float32 tensor to broadcast, with PyTorch's errors for other dtypes. */
function normalParameter(value: Tensor | number, argument: string, position: number): Tensor | number {
  if (!(value instanceof Tensor)) return isNumber(value, 'normal', argument, position);
  if (value.dtype !== 'float32') throw kernelNotImplemented('normal', 'normal_kernel_cpu', value.torchDtype);
  return value;
}

/** PyTorch's check that a standard deviation is not negative. */
function checkStd(std: number | Float32Array): void {
  if (typeof std === 'number') {
    if (std < 0) throw new Error(`normal: normal expects std >= 0.0, but found std ${pythonNumber(std)}`);
  } else if (std.some((s) => s < 0)) {
    throw new Error('normal: normal expects all elements of std >= 0.0');
  }
}

/**
 * torch.normal: normal(mean, std) with a tensor mean and/or std (broadcast together; a number for the
 * other), or normal(mean, std, size, { dtype }) with two numbers. Draws mean + std * N(0, 1) from the
 * engine's seeded stream.
 */
export function normal(
  mean: Tensor | number,
  std: Tensor | number,
  ...rest: [size?: number | readonly number[] | NormalOptions, options?: NormalOptions]
): Tensor {
  const meanValue = normalParameter(mean, 'mean', 1);
  const stdValue = normalParameter(std, 'std', 2);
  if (typeof meanValue === 'number' && typeof stdValue === 'number') {
    const { size, dtype = 'float32', requiresGrad } = bindArguments('normal', rest, ['size'], normalOptions, 3);
    if (size === undefined) {
      throw new TypeError('normal: normal(mean, std, size) with numbers for mean and std needs a size');
    }
    const shape = sizeFrom('normal', [size], 'ints');
    checkStd(stdValue);
    if (dtype !== 'float32') throw kernelNotImplemented('normal', 'normal_kernel_cpu', dtype);
    const created = randomTensor('normal', shape, (out) => fillNormal(out, meanValue, stdValue));
    return withRequiresGrad('normal', created, requiresGrad);
  }
  if (rest.length > 0) {
    throw new TypeError('normal: takes a size only with numbers for mean and std: normal(mean, std, size)');
  }
  const tensors = [meanValue, stdValue].filter((v): v is Tensor => v instanceof Tensor);
  if (tensors.length === 2) checkSameBackend('normal', tensors[0], tensors[1]);
  const shape = tensors.length === 2 ? broadcastShapes('normal', tensors[0].shape, tensors[1].shape) : tensors[0].shape;
  const valuesOf = (value: Tensor | number) =>
    value instanceof Tensor ? expand(value, [...shape]).dataSync() : new Float32Array(sizeOf(shape)).fill(value);
  const [means, stds] = [valuesOf(meanValue), valuesOf(stdValue)] as Float32Array[];
  checkStd(typeof stdValue === 'number' ? stdValue : stds);
  const normals = drawn('normal', sizeOf(shape), fillNormal);
  return generate('normal', shape, 'float32', (i) => means[i] + stds[i] * normals[i], tensors[0].backend);
}

/**
 * torch.as_tensor(data, { dtype }): `data` itself when it is already a tensor of that dtype (no copy),
 * a cast of it otherwise, or tensor(data, { dtype }) for arrays and typed arrays.
 */
export function asTensor(data: Tensor | NestedArray | NumericArray, options?: DTypeOptions): Tensor {
  const { dtype } = checkOptions('asTensor', options, dtypeOnly);
  if (!(data instanceof Tensor)) return tensor(data, { dtype });
  return dtype === undefined ? data : castTo(data, dtype, 'asTensor');
}

/** `.type()`'s answer: PyTorch's tensor type name, e.g. 'torch.FloatTensor', 'torch.IntTensor'. */
export function tensorTypeName(t: Tensor): string {
  return `torch.${scalarTypeName(t.torchDtype)}Tensor`;
}

/** A contiguous copy that keeps the dtype PyTorch sees (int32 stays int32, not int64). */
function copyOf(t: Tensor, storage: DType = t.dtype, dtype: TorchDType = t.torchDtype): Tensor {
  const copied = storage === t.dtype ? t.backend.copy(t.toView(), storage) : cast(t, storage).storage;
  return new Tensor(t.backend, copied, t.shape, storage, undefined, 0, dtype);
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
  return copyOf(t, storage, dtype);
}

/** Copies a tensor's values onto another backend. */
export function toBackend(t: Tensor, name: BackendName): Tensor {
  const target = backendByName(name);
  if (target === t.backend) return t;
  const values = t.dataSync();
  const moved = new Tensor(target, target.upload(values, t.dtype), t.shape, t.dtype, undefined, 0, t.torchDtype);
  return tracksGrad(t) ? recordBackendCopy(t, moved) : moved;
}

/** A device name: 'cpu' is the active backend, any other a backend's name; an error says what is accepted. */
function moveTo(t: Tensor, device: unknown): Tensor {
  if (typeof device !== 'string') throw new TypeError(`to: expected a dtype or a device name, not ${typeName(device)}`);
  try {
    return toBackend(t, device === 'cpu' ? activeBackend().name : (device as BackendName));
  } catch (error) {
    const reason = (error as Error).message.replace(/^setBackend: /, '');
    if (!reason.startsWith('unknown backend')) throw new Error(`to: ${reason}`);
    const dtypes = "'float32', 'int64', 'int32', 'bool' or PyTorch's names for them";
    throw new TypeError(`to: '${device}' is neither a dtype (${dtypes}) nor a device ('cpu' or a backend: ${reason})`);
  }
}

const toOptions = {
  ...dtypeOnly,
  device: isOptional(isString),
  nonBlocking: isOptional(isBool),
  copy: isOptional(isBool),
};

/**
 * torch's `.to(...)`: `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)` (other's dtype and
 * backend), each with trailing options `{ dtype, device, nonBlocking, copy }`. A device is a backend name, or 'cpu'
 * for the active backend. Returns the tensor itself when nothing changes (unless `copy`), as PyTorch does.
 */
export function to(t: Tensor, ...args: ToArgs): Tensor {
  const [positional, options] = splitOptions<unknown>(args);
  const checked = checkOptions('to', options, toOptions);
  if (positional.length > 2) {
    throw new TypeError(`to: takes at most 2 positional arguments (device, dtype), ${positional.length} given`);
  }
  const [first, second] = positional;
  const given: { device?: unknown; dtype?: unknown } =
    first instanceof Tensor
      ? { device: first.backend.name, dtype: first.torchDtype }
      : isDTypeName(first)
        ? { dtype: first }
        : { device: first, dtype: second };
  if (positional.length === 2 && given.dtype !== second) {
    throw new TypeError('to: expected to(device, dtype) or to(other), with the dtype second');
  }
  for (const name of ['device', 'dtype'] as const) {
    if (given[name] !== undefined && checked[name] !== undefined) {
      throw new TypeError(`to: got multiple values for argument '${name}'`);
    }
  }
  const device = given.device ?? checked.device;
  const dtype = isOptional(isDType)(given.dtype, 'to', 'dtype') ?? checked.dtype;
  const moved = device === undefined ? t : moveTo(t, device);
  const converted = dtype === undefined ? moved : castTo(moved, dtype, 'to');
  return checked.copy && converted === t ? copyOf(t) : converted;
}
