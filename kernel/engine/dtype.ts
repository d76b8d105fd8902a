/**
 * Element types and PyTorch's type-promotion rule for the three dtypes the engine has, and the
 * PyTorch dtypes they stand for: float32, bool, and int32 storage for both torch.int64 (PyTorch's
 * default integer type, range-checked to int32) and torch.int32.
 */
import type { ArgumentCheck } from './arguments';

/** How the engine stores elements: every tensor holds one of these. */
export type DType = 'float32' | 'int32' | 'bool';

/** The typed array behind each storage dtype: Float32Array, Int32Array (int32 and int64) or Uint8Array (bool). */
export type TypedArray = Float32Array | Int32Array | Uint8Array;

/** bool < int32 < float32: the result of mixing two dtypes is the higher one, as in torch.result_type. */
const rank: Record<DType, number> = { bool: 0, int32: 1, float32: 2 };

export function promoteTypes(a: DType, b: DType): DType {
  return rank[a] >= rank[b] ? a : b;
}

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32';
}

export function allocate(dtype: DType, length: number): TypedArray {
  if (dtype === 'float32') return new Float32Array(length);
  if (dtype === 'int32') return new Int32Array(length);
  if (dtype === 'bool') return new Uint8Array(length);
  throw new TypeError(`unknown dtype '${String(dtype)}': the engine stores float32, int32 or bool`);
}

const int32Min = -(2 ** 31);
const int32Max = 2 ** 31 - 1;

/**
 * A computed integer that int32 storage cannot hold. PyTorch's int64 would hold it, so the engine
 * refuses it instead of wrapping around; the op that computed it adds its name (see {@link withOpName}).
 * The gpu.js backends keep integer tensors as float32 on the device, so there it is raised when the
 * values are read (print, dataSync), without the op's name.
 */
export class IntegerOverflowError extends RangeError {}

/** Throws an {@link IntegerOverflowError} for the first value int32 storage cannot hold (fractions truncate). */
function checkInt32Storage(values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value > -2147483649 && value < 2147483648) continue;
    throw new IntegerOverflowError(
      `integer overflow: ${pythonNumber(value)} is outside the int32 storage of integer tensors ` +
        `([${int32Min}, ${int32Max}]; torch.int64 is stored as int32 here)`,
    );
  }
}

/** Runs `compute`; an integer overflow inside it comes back as a RangeError that names `call`. */
export function withOpName<T>(call: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof IntegerOverflowError) throw new RangeError(`${call}: ${error.message}`);
    throw error;
  }
}

/**
 * Copies numbers into a new array of `dtype`, converting as a cast does (bool: nonzero, int32: truncation
 * toward zero); a value int32 cannot hold is an {@link IntegerOverflowError}, never a wrap-around.
 */
export function castArray(values: ArrayLike<number>, dtype: DType): TypedArray {
  if (dtype === 'int32' && !(values instanceof Int32Array || values instanceof Uint8Array)) checkInt32Storage(values);
  const out = allocate(dtype, values.length);
  if (dtype !== 'bool' && ArrayBuffer.isView(values)) {
    out.set(values as TypedArray); // one native copy; converts as the loop below does (int32: ToInt32)
  } else if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  } else {
    for (let i = 0; i < values.length; i++) out[i] = values[i];
  }
  return out;
}

/** Integer arrays of every width: tensor() stores them as int32 (their values range-checked). */
const integerArrays = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array];

/**
 * The dtype a typed array gives tensor() without an explicit dtype: int32 for integer arrays of
 * every width (BigInt64Array included), float32 for Float32Array, Float64Array and Uint8ClampedArray.
 */
export function dtypeOfArray(values: ArrayBufferView): DType {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return 'int32';
  return integerArrays.some((type) => values instanceof type) ? 'int32' : 'float32';
}

/** The name PyTorch prints for the dtype our dtype stands for (int32 plays torch's default int64). */
export function torchDtypeName(dtype: DType): string {
  return { float32: 'Float', int32: 'Long', bool: 'Bool' }[dtype];
}

/** True for a whole number that int32 storage holds exactly. */
export function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= int32Min && value <= int32Max;
}

/**
 * The dtype PyTorch infers for a Python scalar: bool, int (our int32) or float. A whole number
 * outside int32's range is float32 here (PyTorch would make it int64), so that it never wraps.
 */
export function dtypeOfScalar(value: number | boolean): DType {
  if (typeof value === 'boolean') return 'bool';
  return isInt32(value) ? 'int32' : 'float32';
}

/**
 * The PyTorch dtype a tensor stands for. int64 and int32 are both stored as int32: int64 is what
 * integer data and int ops give (PyTorch's default integer type, so its repr prints no dtype), int32
 * is what the user asked for by name (`.int()`, `dtype: 'int32'`) and prints `dtype=torch.int32`.
 */
export type TorchDType = 'float32' | 'int64' | 'int32' | 'bool';

/** An operand as type promotion sees it: a tensor's PyTorch dtype and ndim, or a JS number or boolean. */
export interface PromotionOperand {
  readonly torchDtype: TorchDType;
  readonly ndim: number;
}

/** int64 where any operand of the group is int64, else int32 where any is int32, else undefined (bool or none). */
function integerLabel(labels: readonly (TorchDType | undefined)[]): 'int64' | 'int32' | undefined {
  if (labels.includes('int64')) return 'int64';
  return labels.includes('int32') ? 'int32' : undefined;
}

/**
 * The PyTorch dtype of an op's result stored as int32, as torch.result_type picks it: tensors with dims
 * first, then 0-dim tensors, then JS numbers (PyTorch's int64 scalars); the first group holding an integer
 * decides (`int32 tensor + 5` is int32, `int32 + int64 tensors` int64, `bool tensor + 5` int64).
 */
export function integerResultDtype(operands: readonly (PromotionOperand | number | boolean)[]): 'int64' | 'int32' {
  const dimensioned: TorchDType[] = [];
  const zeroDim: TorchDType[] = [];
  for (const operand of operands) {
    if (typeof operand === 'object') (operand.ndim > 0 ? dimensioned : zeroDim).push(operand.torchDtype);
  }
  return integerLabel(dimensioned) ?? integerLabel(zeroDim) ?? 'int64';
}

/** Every name the `dtype` option accepts, with the PyTorch dtype it means. */
const dtypeNames = {
  float32: 'float32',
  float: 'float32',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  bool: 'bool',
} as const satisfies Record<string, TorchDType>;

/** A `dtype` option: an engine dtype or PyTorch's name for one, bare or as `'torch.float32'`. */
export type DTypeName = keyof typeof dtypeNames | `torch.${keyof typeof dtypeNames}`;

/** How a PyTorch dtype is stored. */
export function storageDtype(dtype: TorchDType): DType {
  return dtype === 'int64' ? 'int32' : dtype;
}

/** The PyTorch dtype a tensor of this storage stands for when nobody named one: int32 plays int64. */
export function defaultTorchDtype(dtype: DType): TorchDType {
  return dtype === 'int32' ? 'int64' : dtype;
}

/** True for a string the `dtype` option accepts. */
export function isDTypeName(value: unknown): value is DTypeName {
  return typeof value === 'string' && Object.hasOwn(dtypeNames, value.replace(/^torch\./, ''));
}

/** The `dtype` option's check: a name from {@link DTypeName}, or an error that lists them. */
export const isDType: ArgumentCheck<TorchDType> = (value, call, argument) => {
  if (!isDTypeName(value)) {
    const names = Object.keys(dtypeNames)
      .map((name) => `'${name}'`)
      .join(', ');
    const got = typeof value === 'string' ? `'${value}'` : String(value);
    throw new TypeError(
      `${call}: argument '${argument}' must be one of ${names} (or 'torch.' and the name; int64 is stored as int32), got ${got}`,
    );
  }
  return dtypeNames[value.replace(/^torch\./, '') as keyof typeof dtypeNames];
};

/** Python's spelling of a number in an error: nan, inf, -inf, or the number. */
export function pythonNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}

/**
 * Throws PyTorch's overflow error, naming `call` and then the value, when a value does not fit an integer
 * dtype (NaN and infinities included); fractions are fine, they truncate as in PyTorch.
 */
export function checkRange(call: string, values: ArrayLike<number>, dtype: TorchDType): void {
  if (dtype !== 'int64' && dtype !== 'int32') return;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value >= int32Min && value <= int32Max) continue;
    const storage = dtype === 'int64' ? ` (int64 is stored as int32 here: [${int32Min}, ${int32Max}])` : '';
    throw new RangeError(
      `${call}: value cannot be converted to type ${dtype} without overflow: ${pythonNumber(value)}${storage}`,
    );
  }
}

/** PyTorch's scalar type name for a dtype, as its kernels' errors and `.type()` print it ('Float', 'Long'). */
export function scalarTypeName(dtype: TorchDType): string {
  return { float32: 'Float', int64: 'Long', int32: 'Int', bool: 'Bool' }[dtype];
}

/** The error PyTorch's kernels give for a dtype they have no implementation for: `"arange_cpu" not implemented for 'Bool'`. */
export function kernelNotImplemented(call: string, kernel: string, dtype: TorchDType): Error {
  return new Error(`${call}: "${kernel}" not implemented for '${scalarTypeName(dtype)}'`);
}
