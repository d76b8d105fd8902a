/** Creation ops: tensor(), zeros/ones/full, arange/linspace/eye, seeded random tensors, backend moves. */
import type { Backend, BackendName } from '../backend';
import { castArray, dtypeOfArray, dtypeOfScalar, promoteTypes, type DType, type TypedArray } from '../dtype';
import { nextInt, nextNormal, nextUniform } from '../random';
import { activeBackend, backendByName } from '../backends/registry';
import { checkShape, formatShape, shapeFromArgs, sizeOf, type Shape } from '../shape';
import { Tensor, type NestedArray } from '../tensor';

export interface TensorOptions {
  dtype?: DType;
  shape?: Shape;
}

type ShapeArgs = (number | readonly number[])[];

/** A contiguous tensor on the active backend holding `values` (converted to `dtype`). */
export function fromValues(
  values: ArrayLike<number>,
  shape: Shape,
  dtype: DType,
  backend: Backend = activeBackend(),
): Tensor {
  return new Tensor(backend, backend.upload(castArray(values, dtype), dtype), shape, dtype);
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

/**
 * torch.tensor: nested arrays (numbers or booleans) or a TypedArray with a shape.
 * Integers give int32 (our stand-in for torch's int64), booleans give bool, anything else float32.
 */
export function tensor(data: NestedArray | TypedArray | number[], options: TensorOptions = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const values = data as TypedArray;
    const shape = options.shape ? [...options.shape] : [values.length];
    if (sizeOf(shape) !== values.length) {
      throw new Error(`tensor: shape '${formatShape(shape)}' is invalid for input of size ${values.length}`);
    }
    return fromValues(values, shape, options.dtype ?? dtypeOfArray(values));
  }
  const nested = flattenNested(data);
  const shape = options.shape ? [...options.shape] : nested.shape;
  if (sizeOf(shape) !== nested.values.length) {
    throw new Error(`tensor: shape '${formatShape(shape)}' is invalid for input of size ${nested.values.length}`);
  }
  return fromValues(nested.values, shape, options.dtype ?? nested.dtype);
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

/** Splits trailing `{dtype}` options off a shape given as numbers or one array. */
function shapeAndOptions(
  op: string,
  args: (number | readonly number[] | TensorOptions)[],
): [number[], DType | undefined] {
  const last = args[args.length - 1];
  const hasOptions = typeof last === 'object' && last !== null && !Array.isArray(last);
  const shape = shapeFromArgs((hasOptions ? args.slice(0, -1) : args) as ShapeArgs);
  checkShape(op, shape);
  return [shape, hasOptions ? (last as TensorOptions).dtype : undefined];
}

export function full(shape: Shape, value: number | boolean, options: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  const dtype = options.dtype ?? dtypeOfScalar(value);
  return fromValues(new Float64Array(sizeOf(shape)).fill(Number(value)), shape, dtype);
}

export function zeros(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const [shape, dtype] = shapeAndOptions('zeros', args);
  return full(shape, 0, { dtype: dtype ?? 'float32' });
}

export function ones(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const [shape, dtype] = shapeAndOptions('ones', args);
  return full(shape, 1, { dtype: dtype ?? 'float32' });
}

export function zerosLike(t: Tensor): Tensor {
  return full(t.shape, 0, { dtype: t.dtype });
}

export function onesLike(t: Tensor): Tensor {
  return full(t.shape, 1, { dtype: t.dtype });
}

/** arange(end), arange(start, end), arange(start, end, step): int32 when all are integers, as in torch. */
export function arange(startOrEnd: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [start, stop] = end === undefined ? [0, startOrEnd] : [startOrEnd, end];
  if (step === 0) throw new Error('arange: step must be nonzero');
  if ((stop - start) * step < 0) {
    throw new Error(
      `arange: upper bound and larger bound inconsistent with step sign (start=${start}, end=${stop}, step=${step})`,
    );
  }
  const length = Math.ceil((stop - start) / step);
  const values = Array.from({ length }, (_, i) => start + i * step);
  const integral = [start, stop, step].every(Number.isInteger);
  return fromValues(values, [length], options.dtype ?? (integral ? 'int32' : 'float32'));
}

/** torch.linspace, computed from both ends as torch does so the last value is exactly `end`. */
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`linspace: number of steps must be non-negative, got ${steps}`);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  const values = Array.from({ length: steps }, (_, i) => (i < half ? start + i * step : end - (steps - 1 - i) * step));
  return fromValues(values, [steps], options.dtype ?? 'float32');
}

export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  checkShape('eye', [n, m]);
  const values = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) values[i * m + i] = 1;
  return fromValues(values, [n, m], options.dtype ?? 'float32');
}

/** Uniform on [0, 1), from the engine's seeded stream. */
export function rand(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const [shape] = shapeAndOptions('rand', args);
  return fromValues(Array.from({ length: sizeOf(shape) }, nextUniform), shape, 'float32');
}

/** Standard normal, from the engine's seeded stream. */
export function randn(...args: (number | readonly number[] | TensorOptions)[]): Tensor {
  const [shape] = shapeAndOptions('randn', args);
  return fromValues(Array.from({ length: sizeOf(shape) }, nextNormal), shape, 'float32');
}

/** randint(high, shape) or randint(low, high, shape): integers in [low, high). */
export function randint(lowOrHigh: number, highOrShape: number | Shape, maybeShape?: Shape): Tensor {
  const [low, high, shape] =
    maybeShape === undefined ? [0, lowOrHigh, highOrShape as Shape] : [lowOrHigh, highOrShape as number, maybeShape];
  checkShape('randint', shape);
  if (!(high > low))
    throw new Error(`randint: random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`);
  return fromValues(
    Array.from({ length: sizeOf(shape) }, () => nextInt(low, high)),
    shape,
    'int32',
  );
}

/** Copies a tensor's values onto another backend. */
export function toBackend(t: Tensor, name: BackendName): Tensor {
  const target = backendByName(name);
  if (target === t.backend) return t;
  const values = t.dataSync();
  return new Tensor(target, target.upload(values, t.dtype), t.shape, t.dtype);
}
