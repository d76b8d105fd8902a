/** Element types and PyTorch's type-promotion rule for the three dtypes the engine has. */

export type DType = 'float32' | 'int32' | 'bool';

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
  return new Uint8Array(length);
}

/** Copies numbers into a new array of `dtype`, converting as a cast does (bool: nonzero, int32: truncation). */
export function castArray(values: ArrayLike<number>, dtype: DType): TypedArray {
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

/** The dtype a TypedArray holds when given to tensor() without an explicit dtype. */
export function dtypeOfArray(values: ArrayLike<number>): DType {
  if (values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array) return 'int32';
  if (values instanceof Uint8Array && !(values instanceof Uint8ClampedArray)) return 'int32';
  return 'float32';
}

/** The name PyTorch prints for the dtype our dtype stands for (int32 plays torch's default int64). */
export function torchDtypeName(dtype: DType): string {
  return { float32: 'Float', int32: 'Long', bool: 'Bool' }[dtype];
}

/** The dtype PyTorch infers for a Python scalar: bool, int (our int32) or float. */
export function dtypeOfScalar(value: number | boolean): DType {
  if (typeof value === 'boolean') return 'bool';
  return Number.isInteger(value) ? 'int32' : 'float32';
}
