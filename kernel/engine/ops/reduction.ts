/**
 * Reductions over any dims with keepdim, and the numerically stable softmax family built from
 * them (max-shifted, so scores of 1e4 do not overflow and only all -inf rows give NaN, as in torch).
 */
import type { ReduceOp } from '../backend';
import { isFloating, torchDtypeName, type DType } from '../dtype';
import { normalizeDim, sizeOf } from '../shape';
import { Tensor } from '../tensor';
import { abs, cast, div, eq, exp, log, mul, ne, sqrt, sub, where } from './elementwise';
import { permute, reshape } from './movement';

/** What torch.max(x, dim) returns: `.values` and `.indices`, also destructurable as `[values, indices]`. */
export class ValuesIndices {
  constructor(
    readonly values: Tensor,
    readonly indices: Tensor,
  ) {}
  /** `max(x, dim)[0]`, as torch's namedtuple indexes. */
  get [0](): Tensor {
    return this.values;
  }
  get [1](): Tensor {
    return this.indices;
  }
  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
}

function reducedDims(op: string, t: Tensor, dim: number | number[] | undefined): number[] {
  if (dim === undefined) return [...t.shape.keys()];
  const dims = (Array.isArray(dim) ? dim : [dim]).map((d) => normalizeDim(op, d, t.ndim));
  if (new Set(dims).size !== dims.length)
    throw new Error(
      `${op}: dim ${dims.find((d, i) => dims.indexOf(d) !== i)} appears multiple times in the list of dims`,
    );
  return t.ndim === 0 ? [] : dims;
}

/** Moves the reduced dims last, merges them, and lets the backend fold that one dim. */
function reduce(op: ReduceOp, name: string, t: Tensor, dims: number[], keepdim: boolean, dtype: DType): Tensor {
  const kept = [...t.shape.keys()].filter((d) => !dims.includes(d));
  const keptShape = kept.map((d) => t.shape[d]);
  const reducedSize = sizeOf(dims.map((d) => t.shape[d]));
  if (reducedSize === 0 && op !== 'sum') {
    throw new Error(`${name}: Expected reduction dim ${dims[0]} to have non-zero size.`);
  }
  const rows = reshape(permute(t, [...kept, ...dims]), [...keptShape, reducedSize]); // (kept..., reduced)
  const storage = t.backend.reduce(op, rows.toView(), dtype);
  const out = new Tensor(t.backend, storage, keptShape, dtype);
  if (!keepdim) return out;
  return reshape(
    out,
    t.shape.map((size, d) => (dims.includes(d) ? 1 : size)),
  ); // reduced dims kept as 1
}

function requireFloat(name: string, t: Tensor): void {
  if (!isFloating(t.dtype)) {
    throw new Error(
      `${name}: ${name}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${torchDtypeName(t.dtype)}`,
    );
  }
}

export function sum(t: Tensor, dim?: number | number[], keepdim = false): Tensor {
  const dtype = isFloating(t.dtype) ? t.dtype : 'int32';
  return reduce('sum', 'sum', t, reducedDims('sum', t, dim), keepdim, dtype);
}

/** torch.all: a bool tensor, true where every element over dims is non-zero. */
export function all(t: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return eq(sum(eq(t, 0), dim, keepdim), 0);
}

/** torch.any: a bool tensor, true where some element over dims is non-zero. */
export function any(t: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return ne(sum(ne(t, 0), dim, keepdim), 0);
}

export function mean(t: Tensor, dim?: number | number[], keepdim = false): Tensor {
  requireFloat('mean', t);
  const dims = reducedDims('mean', t, dim);
  return div(sum(t, dims, keepdim), sizeOf(dims.map((d) => t.shape[d])));
}

/** The elementwise largest value (amax) over dims. */
export function amax(t: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return reduce('max', 'amax', t, reducedDims('amax', t, dim), keepdim, t.dtype);
}

export function amin(t: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return reduce('min', 'amin', t, reducedDims('amin', t, dim), keepdim, t.dtype);
}

export function argmax(t: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) return reduce('argmax', 'argmax', reshape(t, [-1]), [0], false, 'int32');
  return reduce('argmax', 'argmax', t, reducedDims('argmax', t, dim), keepdim, 'int32');
}

export function argmin(t: Tensor, dim?: number, keepdim = false): Tensor {
  if (dim === undefined) return reduce('argmin', 'argmin', reshape(t, [-1]), [0], false, 'int32');
  return reduce('argmin', 'argmin', t, reducedDims('argmin', t, dim), keepdim, 'int32');
}

/** torch.max(x) → the largest value; torch.max(x, dim) → {values, indices}. */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(t: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) return amax(t);
  return new ValuesIndices(amax(t, dim, keepdim), argmax(t, dim, keepdim));
}

export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(t: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) return amin(t);
  return new ValuesIndices(amin(t, dim, keepdim), argmin(t, dim, keepdim));
}

/** Variance with Bessel's correction by default (torch 1.13's `unbiased=True`). */
export function variance(t: Tensor, dim?: number | number[], unbiased = true, keepdim = false): Tensor {
  requireFloat('var', t);
  const dims = reducedDims('var', t, dim);
  const count = sizeOf(dims.map((d) => t.shape[d]));
  const centered = sub(t, mean(t, dims, true));
  return div(sum(mul(centered, centered), dims, keepdim), Math.max(count - (unbiased ? 1 : 0), 0));
}

export function std(t: Tensor, dim?: number | number[], unbiased = true, keepdim = false): Tensor {
  return sqrt(variance(t, dim, unbiased, keepdim));
}

function floatInput(t: Tensor): Tensor {
  return isFloating(t.dtype) ? t : cast(t, 'float32');
}

/** exp(x - max) / Σ exp(x - max) along `dim`. */
export function softmax(t: Tensor, dim: number): Tensor {
  const x = floatInput(t);
  const d = normalizeDim('softmax', dim, Math.max(x.ndim, 1));
  if (x.backend.softmax && x.ndim > 0 && x.numel() > 0) {
    if (d === x.ndim - 1) return new Tensor(x.backend, x.backend.softmax(x.toView()), x.shape, 'float32');
    const order = [...x.shape.keys()].filter((k) => k !== d).concat(d);
    const rows = permute(x, order); // (other dims..., dim)
    const out = new Tensor(x.backend, x.backend.softmax(rows.toView()), rows.shape, 'float32'); // (other dims..., dim)
    return permute(
      out,
      order.map((_, k) => order.indexOf(k)),
    ); // back to x's dim order
  }
  const shifted = exp(sub(x, amax(x, x.ndim === 0 ? undefined : d, true)));
  return div(shifted, sum(shifted, x.ndim === 0 ? undefined : d, true));
}

export function logSoftmax(t: Tensor, dim: number): Tensor {
  const x = floatInput(t);
  const d = normalizeDim('logSoftmax', dim, Math.max(x.ndim, 1));
  const shifted = sub(x, amax(x, x.ndim === 0 ? undefined : d, true));
  return sub(shifted, log(sum(exp(shifted), x.ndim === 0 ? undefined : d, true)));
}

/** log Σ exp along dims; an infinite max is replaced by 0 as torch does, so all -inf gives -inf. */
export function logsumexp(t: Tensor, dim: number | number[], keepdim = false): Tensor {
  const x = floatInput(t);
  const dims = reducedDims('logsumexp', x, dim);
  const maxes = amax(x, dims, true);
  const safeMaxes = where(eq(abs(maxes), Infinity), 0, maxes);
  const summed = log(sum(exp(sub(x, safeMaxes)), dims, true));
  const result = summed.add(safeMaxes);
  if (keepdim) return result;
  return reshape(
    result,
    x.shape.filter((_, d) => !dims.includes(d)),
  );
}
