/**
 * Reductions over any dims with keepdim, and the numerically stable softmax family built from
 * them (max-shifted, so scores of 1e4 do not overflow and only all -inf rows give NaN, as in torch).
 */
import type { ReduceOp } from '../backend';
import {
  isDType,
  isFloating,
  scalarTypeName,
  torchDtypeName,
  withOpName,
  type DType,
  type DTypeName,
  type TorchDType,
} from '../dtype';
import { normalizeDim, sizeOf } from '../shape';
import { Tensor } from '../tensor';
import { bindArguments, isBool, isInt, isIntOrInts, isOptional, isTensor } from '../arguments';
import { abs, cast, div, eq, exp, log, maximum, minimum, mul, ne, sqrt, sub, where } from './elementwise';
import { castTo } from './creation';
import { permute, reshape } from './movement';
import {
  recordIndexSelection,
  recordLogSoftmax,
  recordLogsumexp,
  recordReduce,
  recordSoftmax,
  renameGradFn,
} from '../autograd/derivatives';
import { tracksGrad } from '../autograd/gradMode';

/** What torch.max(x, dim) returns: `.values` and `.indices`, also destructurable as `[values, indices]`. */
export class ValuesIndices {
  /** The pair a dim reduction returns (torch.return_types: values, indices). */
  constructor(
    /** The reduced values: the input's shape without dim (kept as 1 with keepdim). */
    readonly values: Tensor,
    /** Where each value sits along dim (int64), the same shape as values. */
    readonly indices: Tensor,
  ) {}
  /** `max(x, dim)[0]`, as torch's namedtuple indexes. */
  get [0](): Tensor {
    return this.values;
  }
  /** `max(x, dim)[1]`: the indices, as torch's namedtuple indexes. */
  get [1](): Tensor {
    return this.indices;
  }
  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.values;
    yield this.indices;
  }
}

/** Reduced dims: one, a list (empty means all, as in torch 1.13), or null/undefined for all of them. */
export type Dims = number | number[] | null | undefined;

/** Options of sum, mean, all, any, amax, amin, logsumexp (PyTorch: dim, keepdim). */
export interface ReduceOptions {
  /** The dims to reduce (PyTorch: dim). */
  dim?: Dims;
  /** Keep each reduced dim as size 1 (PyTorch: keepdim). */
  keepdim?: boolean;
}

/** `(dim, keepdim)` as PyTorch takes them, positionally or in a trailing options object. */
export type ReduceArgs =
  [options?: ReduceOptions] | [dim: Dims, keepdimOrOptions?: boolean | Omit<ReduceOptions, 'dim'>];

const reduceSpec = { dim: isOptional(isIntOrInts), keepdim: isBool };

/** Checks the input tensor and binds `(dim, keepdim)` from the positional or options form. */
export function reduceArguments(
  call: string,
  input: unknown,
  args: readonly unknown[],
): { dims: Dims; keepdim: boolean } {
  isTensor(input, call, 'input', 1);
  const { dim, keepdim = false } = bindArguments(call, args, ['dim', 'keepdim'], reduceSpec);
  return { dims: dim, keepdim };
}

/** The dims `dim` names for `t`, normalized and checked (none given: all of them). */
export function reducedDims(op: string, t: Tensor, dim: Dims): number[] {
  const list = dim === undefined || dim === null ? [] : Array.isArray(dim) ? dim : [dim];
  if (list.length === 0) return [...t.shape.keys()];
  const dims = list.map((d) => normalizeDim(op, d, t.ndim));
  if (new Set(dims).size !== dims.length)
    throw new Error(
      `${op}: dim ${dims.find((d, i) => dims.indexOf(d) !== i)} appears multiple times in the list of dims`,
    );
  return t.ndim === 0 ? [] : dims;
}

/**
 * Moves the reduced dims last, merges them, and lets the backend fold that one dim; `torchDtype` labels
 * an int32 result (int64 by default), whose overflow is an error naming the op.
 */
function reduce(
  op: ReduceOp,
  name: string,
  t: Tensor,
  dims: number[],
  keepdim: boolean,
  dtype: DType,
  torchDtype?: TorchDType,
): Tensor {
  const kept = [...t.shape.keys()].filter((d) => !dims.includes(d));
  const keptShape = kept.map((d) => t.shape[d]);
  const reducedSize = sizeOf(dims.map((d) => t.shape[d]));
  if (reducedSize === 0 && op !== 'sum') {
    throw new Error(`${name}: Expected reduction dim ${dims[0]} to have non-zero size.`);
  }
  const rows = reshape(permute(t, [...kept, ...dims]), [...keptShape, reducedSize]); // (kept..., reduced)
  const storage =
    dtype === 'int32'
      ? withOpName(name, () => t.backend.reduce(op, rows.toView(), dtype))
      : t.backend.reduce(op, rows.toView(), dtype);
  const out = new Tensor(t.backend, storage, keptShape, dtype, undefined, 0, torchDtype);
  const result = keepdim
    ? reshape(
        out,
        t.shape.map((size, d) => (dims.includes(d) ? 1 : size)),
      ) // reduced dims kept as 1
    : out;
  return tracksGrad(rows) ? recordReduce(op, name, rows, result, kept.length === 0 && !keepdim) : result;
}

function requireFloat(name: string, t: Tensor): void {
  if (!isFloating(t.dtype)) {
    throw new Error(
      `${name}: ${name}(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${torchDtypeName(t.dtype)}`,
    );
  }
}

/** Options of sum and mean (PyTorch: dim, keepdim, dtype). */
export interface SumOptions extends ReduceOptions {
  /** Cast the input to this dtype first (PyTorch: dtype), e.g. `x.sum(-1, { dtype: 'float32' })`. */
  dtype?: DTypeName;
}

/** sum's and mean's `(dim, keepdim)` positionally or in a trailing options object that may add `dtype`. */
export type SumArgs = [options?: SumOptions] | [dim: Dims, keepdimOrOptions?: boolean | Omit<SumOptions, 'dim'>];

const sumSpec = { ...reduceSpec, dtype: isDType };
const reduceNames = ['dim', 'keepdim'] as const;

/** Binds sum's and mean's arguments; with a `dtype`, the input comes back cast to it (range-checked). */
function sumArguments(call: string, input: unknown, args: readonly unknown[]) {
  const tensor = isTensor(input, call, 'input', 1);
  const { dim, keepdim = false, dtype } = bindArguments(call, args, reduceNames, sumSpec);
  return { dims: dim, keepdim, dtype, x: dtype === undefined ? tensor : castTo(tensor, dtype, call) };
}

/**
 * torch.sum: `sum(x)`, `sum(x, dim, keepdim)` or `sum(x, { dim, keepdim, dtype })`; integers and bools
 * sum to int64 (stored as int32: an overflow is an error), or to `dtype`.
 */
export function sum(input: Tensor, ...args: SumArgs): Tensor {
  const { dims, keepdim, dtype, x } = sumArguments('sum', input, args);
  const storage = isFloating(x.dtype) || dtype === 'bool' ? x.dtype : 'int32';
  return reduce('sum', 'sum', x, reducedDims('sum', x, dims), keepdim, storage, dtype);
}

/** torch.all: a bool tensor, true where every element over dims is non-zero. */
export function all(input: Tensor, ...args: ReduceArgs): Tensor {
  const { dims, keepdim } = reduceArguments('all', input, args);
  return eq(sum(eq(input, 0), reducedDims('all', input, dims), keepdim), 0);
}

/** torch.any: a bool tensor, true where some element over dims is non-zero. */
export function any(input: Tensor, ...args: ReduceArgs): Tensor {
  const { dims, keepdim } = reduceArguments('any', input, args);
  return ne(sum(ne(input, 0), reducedDims('any', input, dims), keepdim), 0);
}

/** torch.mean over dims (all by default) of a floating tensor, or of any tensor with a floating `dtype`. */
export function mean(input: Tensor, ...args: SumArgs): Tensor {
  const { dims, keepdim, dtype, x } = sumArguments('mean', input, args);
  if (dtype !== undefined && !isFloating(x.dtype)) {
    throw new TypeError(
      `mean: mean(): could not infer output dtype. Optional dtype must be either a floating point or complex dtype. Got: ${scalarTypeName(dtype)}`,
    );
  }
  requireFloat('mean', x);
  const reduced = reducedDims('mean', x, dims);
  const result = div(sum(x, reduced, keepdim), sizeOf(reduced.map((d) => x.shape[d])));
  return renameGradFn(result, dims === undefined || dims === null ? 'MeanBackward0' : 'MeanBackward1');
}

/** The elementwise largest value (torch.amax) over dims. */
export function amax(input: Tensor, ...args: ReduceArgs): Tensor {
  const { dims, keepdim } = reduceArguments('amax', input, args);
  return reduce('max', 'amax', input, reducedDims('amax', input, dims), keepdim, input.dtype, input.torchDtype);
}

/** The elementwise smallest value (torch.amin) over dims. */
export function amin(input: Tensor, ...args: ReduceArgs): Tensor {
  const { dims, keepdim } = reduceArguments('amin', input, args);
  return reduce('min', 'amin', input, reducedDims('amin', input, dims), keepdim, input.dtype, input.torchDtype);
}

/** The keepdim option of a reduction along a dim given positionally: `x.max(1, { keepdim: true })`. */
export interface KeepdimOption {
  /** Keep the reduced dim as size 1 (PyTorch: keepdim). */
  keepdim?: boolean;
}

/** Options of argmax, argmin, and max/min along a dim (PyTorch: dim, keepdim). */
export interface DimKeepdimOptions {
  /** The one dim to reduce (PyTorch: dim). */
  dim?: number | null;
  /** Keep the reduced dim as size 1 (PyTorch: keepdim). */
  keepdim?: boolean;
}

/** `(dim, keepdim)` with one int dim, positionally or in a trailing options object. */
export type DimArgs =
  | [options?: DimKeepdimOptions]
  | [dim: number | null | undefined, keepdimOrOptions?: boolean | Omit<DimKeepdimOptions, 'dim'>];

const dimSpec = { dim: isOptional(isInt), keepdim: isBool };

function dimArguments(call: string, input: unknown, args: readonly unknown[]): { dim?: number; keepdim: boolean } {
  isTensor(input, call, 'input', 1);
  const { dim, keepdim = false } = bindArguments(call, args, ['dim', 'keepdim'], dimSpec);
  return { dim, keepdim };
}

/** argmax/argmin: along `dim`, or of the flattened tensor (then keepdim gives all sizes 1, as in torch). */
function argReduce(op: 'argmax' | 'argmin', input: Tensor, args: readonly unknown[]): Tensor {
  const { dim, keepdim } = dimArguments(op, input, args);
  if (dim !== undefined) return reduce(op, op, input, reducedDims(op, input, dim), keepdim, 'int32');
  const flat = reduce(op, op, reshape(input, [-1]), [0], false, 'int32');
  return keepdim
    ? reshape(
        flat,
        input.shape.map(() => 1),
      )
    : flat; // (1, ..., 1)
}

/** torch.argmax: the index of the largest value along `dim`, or in the flattened tensor. */
export function argmax(input: Tensor, ...args: DimArgs): Tensor {
  return argReduce('argmax', input, args);
}

/** torch.argmin: the index of the smallest value along `dim`, or in the flattened tensor. */
export function argmin(input: Tensor, ...args: DimArgs): Tensor {
  return argReduce('argmin', input, args);
}

/**
 * torch.max / torch.min in their three forms: of all elements (a tensor), against another tensor
 * (the elementwise maximum/minimum), or along a dim ({values, indices}).
 */
export function extreme(op: 'max' | 'min', input: Tensor, args: readonly unknown[]): Tensor | ValuesIndices {
  if (args[0] instanceof Tensor) {
    if (args.length > 1) throw new TypeError(`${op}: ${op}(input, other) takes no further arguments`);
    isTensor(input, op, 'input', 1);
    return op === 'max' ? maximum(input, args[0]) : minimum(input, args[0]);
  }
  const { dim, keepdim } = dimArguments(op, input, args);
  const [valuesOf, indicesOf] = op === 'max' ? [amax, argmax] : [amin, argmin];
  if (dim === undefined) {
    if (keepdim) throw new TypeError(`${op}: keepdim needs a dim: ${op}(input, dim, keepdim)`);
    return renameGradFn(valuesOf(input), op === 'max' ? 'MaxBackward1' : 'MinBackward1', [input]);
  }
  const values = valuesOf(input, dim, keepdim);
  const indices = indicesOf(input, dim, keepdim);
  if (!tracksGrad(input) || input.ndim === 0) return new ValuesIndices(values, indices);
  const name = op === 'max' ? 'MaxBackward0' : 'MinBackward0';
  const d = normalizeDim(op, dim, input.ndim);
  return new ValuesIndices(recordIndexSelection(name, input, values, indices, d, keepdim), indices);
}

/** torch.max(x) → the largest value; max(x, other) → the elementwise maximum; max(x, dim) → {values, indices}. */
export function max(input: Tensor): Tensor;
export function max(input: Tensor, other: Tensor): Tensor;
export function max(input: Tensor, dim: number, keepdimOrOptions?: boolean | KeepdimOption): ValuesIndices;
export function max(input: Tensor, options: DimKeepdimOptions & { dim: number }): ValuesIndices;
export function max(input: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return extreme('max', input, args);
}

/** torch.min(x) → the smallest value; min(x, other) → the elementwise minimum; min(x, dim) → {values, indices}. */
export function min(input: Tensor): Tensor;
export function min(input: Tensor, other: Tensor): Tensor;
export function min(input: Tensor, dim: number, keepdimOrOptions?: boolean | KeepdimOption): ValuesIndices;
export function min(input: Tensor, options: DimKeepdimOptions & { dim: number }): ValuesIndices;
export function min(input: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return extreme('min', input, args);
}

/** Options of var and std (PyTorch: dim, unbiased, keepdim, correction). */
export interface VarianceOptions extends ReduceOptions {
  /** Bessel's correction, dividing by N - 1 (PyTorch: unbiased, default true). */
  unbiased?: boolean;
  /** Divide by max(N - correction, 0) (PyTorch: correction); instead of unbiased. */
  correction?: number;
}

/** var/std's `(dim, unbiased, keepdim)`, positionally or in a trailing options object; `(unbiased)` alone too. */
export type VarianceArgs =
  | [options?: VarianceOptions]
  | [unbiased: boolean]
  | [dim: Dims, unbiasedOrOptions?: boolean | Omit<VarianceOptions, 'dim'>]
  | [
      dim: Dims,
      unbiased: boolean | undefined,
      keepdimOrOptions?: boolean | Pick<VarianceOptions, 'keepdim' | 'correction'>,
    ];

const varianceSpec = { dim: isOptional(isIntOrInts), unbiased: isBool, keepdim: isBool, correction: isInt };

/** Binds var/std's arguments; the correction is what N is reduced by (1 unless unbiased is false). */
function varianceArguments(call: string, input: unknown, args: readonly unknown[]) {
  isTensor(input, call, 'input', 1);
  const positional = typeof args[0] === 'boolean' ? [undefined, ...args] : args; // torch's var(unbiased) overload
  const {
    dim,
    unbiased,
    keepdim = false,
    correction,
  } = bindArguments(call, positional, ['dim', 'unbiased', 'keepdim'], varianceSpec);
  if (unbiased !== undefined && correction !== undefined) {
    throw new TypeError(`${call}: pass either unbiased or correction, not both`);
  }
  return { dims: dim, keepdim, correction: correction ?? (unbiased === false ? 0 : 1) };
}

function varianceOf(call: string, input: Tensor, args: readonly unknown[]): Tensor {
  const { dims, keepdim, correction } = varianceArguments(call, input, args);
  requireFloat(call, input);
  const reduced = reducedDims(call, input, dims);
  const count = sizeOf(reduced.map((d) => input.shape[d]));
  const centered = sub(input, mean(input, reduced, true));
  return div(sum(mul(centered, centered), reduced, keepdim), Math.max(count - correction, 0));
}

/**
 * torch.var with Bessel's correction by default (torch 1.13's `unbiased=True`): `var(x, dim, unbiased,
 * keepdim)`, `var(x, dim, { unbiased: false, keepdim })` or `var(x, { dim, correction })`.
 */
export function variance(input: Tensor, ...args: VarianceArgs): Tensor {
  return renameGradFn(varianceOf('var', input, args), 'VarBackward0');
}

/** torch.std: the square root of var, with the same arguments. */
export function std(input: Tensor, ...args: VarianceArgs): Tensor {
  return renameGradFn(sqrt(varianceOf('std', input, args)), 'StdBackward0');
}

function floatInput(t: Tensor): Tensor {
  return isFloating(t.dtype) ? t : cast(t, 'float32');
}

/** Options of softmax and logSoftmax (PyTorch: dim, dtype). */
export interface SoftmaxOptions {
  /** The dim the probabilities sum to 1 along (PyTorch: dim). */
  dim?: number;
  /** Cast the input to this dtype first (PyTorch: dtype): floating only, as in torch. */
  dtype?: DTypeName;
}

/** `softmax(x, dim)`, `softmax(x, dim, { dtype })` or `softmax(x, { dim, dtype })`; the dim is required. */
export type SoftmaxArgs = [dim: number, options?: Omit<SoftmaxOptions, 'dim'>] | [options: SoftmaxOptions];

/** softmax's dim parameter, built once (softmax runs often). */
const dimNames = ['dim'] as const;
const softmaxDimSpec = { dim: isInt };
const softmaxSpec = { dim: isInt, dtype: isDType };

/** A required int dim, positionally or as `{ dim }`, after checking the input tensor. */
export function requiredDim(call: string, input: unknown, args: readonly unknown[]): number {
  isTensor(input, call, 'input', 1);
  const { dim } = bindArguments(call, args, dimNames, softmaxDimSpec);
  return isInt(dim, call, 'dim');
}

/**
 * softmax's and logSoftmax's input and dim: the input cast to `dtype` when given; an integer or bool
 * input is PyTorch's error naming its kernel (softmax has no integer kernel in torch).
 */
function softmaxArguments(call: string, lastDimKernel: string, input: unknown, args: readonly unknown[]) {
  const tensor = isTensor(input, call, 'input', 1);
  const { dim, dtype } = bindArguments(call, args, dimNames, softmaxSpec);
  const x = dtype === undefined ? tensor : castTo(tensor, dtype, call);
  const d = normalizeDim(call, isInt(dim, call, 'dim'), Math.max(x.ndim, 1));
  if (!isFloating(x.dtype)) {
    const kernel = d >= x.ndim - 1 ? lastDimKernel : 'softmax_kernel_impl';
    throw new TypeError(`${call}: "${kernel}" not implemented for '${scalarTypeName(x.torchDtype)}'`);
  }
  return { x, d };
}

/** exp(x - max) / Σ exp(x - max) along `dim`. */
export function softmax(input: Tensor, ...args: SoftmaxArgs): Tensor {
  const { x, d } = softmaxArguments('softmax', 'softmax_lastdim_kernel_impl', input, args);
  const out = softmaxAlong(x, d);
  return tracksGrad(x) ? recordSoftmax(x, out, d) : out;
}

/** Softmax of a float tensor along dim `d`: the backend's fused kernel when it has one. */
function softmaxAlong(x: Tensor, d: number): Tensor {
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

/** log(softmax(x)) along `dim`, computed as x - max - log Σ exp(x - max). (PyTorch: log_softmax) */
export function logSoftmax(input: Tensor, ...args: SoftmaxArgs): Tensor {
  const { x, d } = softmaxArguments('logSoftmax', 'log_softmax_lastdim_kernel_impl', input, args);
  const shifted = sub(x, amax(x, x.ndim === 0 ? undefined : d, true));
  const out = sub(shifted, log(sum(exp(shifted), x.ndim === 0 ? undefined : d, true)));
  return tracksGrad(x) ? recordLogSoftmax(x, out, d) : out;
}

/** `logsumexp(x, dim, keepdim)` or `logsumexp(x, { dim, keepdim })`; the dim is required. */
export type LogsumexpArgs =
  | [options: ReduceOptions & { dim: number | number[] }]
  | [dim: number | number[], keepdimOrOptions?: boolean | Omit<ReduceOptions, 'dim'>];

/** log Σ exp along dims; an infinite max is replaced by 0 as torch does, so all -inf gives -inf. */
export function logsumexp(input: Tensor, ...args: LogsumexpArgs): Tensor {
  const { dims, keepdim } = reduceArguments('logsumexp', input, args);
  const x = floatInput(input);
  const reduced = reducedDims('logsumexp', x, isIntOrInts(dims, 'logsumexp', 'dim'));
  const maxes = amax(x, reduced, true);
  const safeMaxes = where(eq(abs(maxes), Infinity), 0, maxes);
  const summed = log(sum(exp(sub(x, safeMaxes)), reduced, true));
  const kept = summed.add(safeMaxes);
  const result = keepdim
    ? kept
    : reshape(
        kept,
        x.shape.filter((_, d) => !reduced.includes(d)),
      );
  return tracksGrad(x) ? recordLogsumexp(x, result, reduced, keepdim) : result;
}
