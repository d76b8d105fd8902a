/**
 * Scans, order statistics and the reductions without a backend primitive (issue 14): prod, cumsum,
 * cumprod, cummax, cummin, norm, nansum, nanmean, countNonzero, aminmax, median, kthvalue, mode,
 * topk, sort, argsort and unique. The order-based ones read each slice along the dim once
 * (dataSync) and write a new tensor on the input's backend: they are not hot paths, and every
 * backend runs them unchanged.
 */
import {
  allocate,
  isDType,
  isFloating,
  storageDtype,
  torchDtypeName,
  withOpName,
  type DTypeName,
  type TorchDType,
  type TypedArray,
} from '../dtype';
import { recordIndexSelection } from '../autograd/derivatives';
import { noGrad, refuseUntrackedGrad, tracksGrad } from '../autograd/gradMode';
import {
  recordCumprod,
  recordCumsum,
  recordEvenlySplit,
  recordGather,
  recordProd,
  recordPutBack,
} from '../autograd/hostDerivatives';
import { normalizeDim, sizeOf } from '../shape';
import { Tensor } from '../tensor';
import {
  bindArguments,
  checkOptions,
  isBool,
  isInt,
  isIntOrInts,
  isNumber,
  isOneOf,
  isOptional,
  isTensor,
  type ArgumentCheck,
} from '../arguments';
import { castTo, fromValues } from './creation';
import { abs, cast, div, labelled, logicalNot, mul, ne, pow, sqrt, where } from './elementwise';
import { permute, reshape, squeeze } from './movement';
import {
  amax,
  amin,
  reduceArguments,
  reducedDims,
  requiredDim,
  sum,
  ValuesIndices,
  type Dims,
  type KeepdimOption,
  type ReduceArgs,
  type ReduceOptions,
} from './reduction';

/** The dtype integer and bool inputs accumulate in (torch's int64): prod, cumsum, cumprod. */
function accumulationDtype(t: Tensor): TorchDType {
  return isFloating(t.dtype) ? 'float32' : 'int64';
}

/** Where a slice's results go: a typed array of the output's dtype, or doubles for an int32 output. */
type SliceOut = TypedArray | Float64Array;

/**
 * Runs `perSlice` on each 1-D slice of `input` along `dim`; it writes `outLength` values into each of
 * the outputs (one per dtype in `outDtypes`), which come back with `outLength` in place of `dim`.
 */
function mapSlices(
  call: string,
  input: Tensor,
  dim: number,
  outLength: number,
  outDtypes: TorchDType[],
  perSlice: (slice: TypedArray, outs: SliceOut[]) => void,
): Tensor[] {
  const x = input.ndim === 0 ? reshape(input, [1]) : input; // a scalar is a slice of one
  const d = normalizeDim(call, dim, x.ndim);
  const order = [...x.shape.keys()].filter((k) => k !== d).concat(d);
  const rows = permute(x, order); // (other dims..., dim)
  const values = rows.dataSync();
  const length = x.shape[d];
  const outerShape = rows.shape.slice(0, -1);
  const count = sizeOf(outerShape);
  // int32 results are computed in doubles, so that a value out of int32's range is an error, not a wrap.
  const outs = outDtypes.map((dtype) =>
    storageDtype(dtype) === 'int32'
      ? new Float64Array(count * outLength)
      : allocate(storageDtype(dtype), count * outLength),
  );
  for (let r = 0; r < count; r++) {
    const slice = values.subarray(r * length, (r + 1) * length);
    perSlice(
      slice,
      outs.map((out) => out.subarray(r * outLength, (r + 1) * outLength)),
    );
  }
  const inverse = order.map((_, k) => order.indexOf(k));
  return outs.map((out, i) => {
    const values = withOpName(call, () =>
      fromValues(out, [...outerShape, outLength], storageDtype(outDtypes[i]), input.backend),
    );
    const result = labelled(values, outDtypes[i]); // (other dims..., out)
    const back = permute(result, inverse); // input's dim order
    return input.ndim === 0 ? reshape(back, []) : back;
  });
}

/** mapSlices with one value per slice, the dim dropped unless keepdim. */
function reduceSlices(
  call: string,
  input: Tensor,
  dim: number,
  keepdim: boolean,
  outDtypes: TorchDType[],
  perSlice: (slice: TypedArray, outs: SliceOut[]) => void,
): Tensor[] {
  const outs = mapSlices(call, input, dim, 1, outDtypes, perSlice);
  if (keepdim || input.ndim === 0) return outs;
  const d = normalizeDim(call, dim, input.ndim);
  return outs.map((t) => squeeze(t, d));
}

/** Ascending order with NaN after every number, as torch sorts. */
function compareValues(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a - b;
}

/** The slice's positions in sorted order; ties keep their order (a stable sort). */
function sortedPositions(slice: TypedArray, descending = false): number[] {
  const positions = Array.from({ length: slice.length }, (_, i) => i);
  return positions.sort((i, j) => (descending ? compareValues(slice[j], slice[i]) : compareValues(slice[i], slice[j])));
}

const dimKeepdimSpec = { dim: isOptional(isInt), keepdim: isBool };

/** Reduces the flattened input over its one dim to a 0-dim tensor (the global forms of prod and median). */
function overAll(input: Tensor, reduceDim0: (flat: Tensor) => Tensor): Tensor {
  return reshape(reduceDim0(reshape(input, [-1])), []); // () from (1,)
}

/** Options of prod (PyTorch: dim, keepdim, dtype). */
export interface ProdOptions extends DimKeepdimOptions {
  /** Cast the input to this dtype first (PyTorch: dtype). */
  dtype?: DTypeName;
}
const prodSpec = { ...dimKeepdimSpec, dtype: isDType };

/**
 * torch.prod: `prod(x)`, `prod(x, dim, keepdim)` or `prod(x, { dim, keepdim, dtype })`; integers and bools
 * give int64 (an overflow of its int32 storage is an error), or `dtype`.
 */
export function prod(input: Tensor, ...args: [options?: ProdOptions] | DimKeepdim): Tensor {
  isTensor(input, 'prod', 'input', 1);
  const { dim, keepdim = false, dtype: target } = bindArguments('prod', args, ['dim', 'keepdim'], prodSpec);
  return labelled(productOf(target === undefined ? input : castTo(input, target, 'prod'), dim, keepdim), target);
}

function productOf(input: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const dtype = accumulationDtype(input);
  const product = (x: Tensor, d: number, keep: boolean) =>
    reduceSlices('prod', x, d, keep, [dtype], (slice, [out]) => {
      let result = 1;
      for (const value of slice) result *= value;
      out[0] = result;
    })[0];
  if (dim === undefined && keepdim) throw new TypeError('prod: keepdim needs a dim: prod(input, dim, keepdim)');
  const result = dim === undefined ? overAll(input, (flat) => product(flat, 0, true)) : product(input, dim, keepdim);
  if (!tracksGrad(input)) return result;
  if (dim === undefined) {
    const others = () => reshape(productOfOthers(reshape(input, [-1]), 0), input.shape);
    return recordProd(input, result, others, true, 0, false);
  }
  const d = input.ndim === 0 ? 0 : normalizeDim('prod', dim, input.ndim);
  return recordProd(input, result, () => productOfOthers(input, d), false, d, keepdim);
}

/** Each element's product of the other elements of its slice along `dim` (prod's gradient, exact with zeros). */
function productOfOthers(input: Tensor, dim: number): Tensor {
  const length = input.ndim === 0 ? 1 : input.shape[dim];
  return mapSlices('prod', input, dim, length, [input.torchDtype], (slice, [out]) => {
    let before = 1;
    slice.forEach((value, i) => {
      out[i] = before;
      before *= value;
    });
    let after = 1;
    for (let i = slice.length - 1; i >= 0; i--) {
      out[i] *= after;
      after *= slice[i];
    }
  })[0];
}

/** `(dim, keepdim)` with one int dim given positionally. */
type DimKeepdim = [
  dim: number,
  keepdimOrOptions?:
    | boolean
    | {
        /** Keep the reduced dim as size 1 (PyTorch: keepdim). */
        keepdim?: boolean;
        /** Cast the input to this dtype first (PyTorch: dtype). */
        dtype?: DTypeName;
      },
];

/** Options of cumsum and cumprod (PyTorch: dim, dtype). */
export interface CumulativeOptions {
  /** The dim to run along (PyTorch: dim). */
  dim?: number;
  /** Cast the input to this dtype first (PyTorch: dtype). */
  dtype?: DTypeName;
}
/** `cumsum(x, dim)`, `cumsum(x, dim, { dtype })` or `cumsum(x, { dim, dtype })`. */
export type CumulativeArgs = [dim: number, options?: Omit<CumulativeOptions, 'dim'>] | [options: CumulativeOptions];
const cumulativeSpec = { dim: isInt, dtype: isDType };

/** A running fold along the dim: cumsum and cumprod; with `dtype`, of the input cast to it. */
function cumulative(call: string, input: Tensor, args: readonly unknown[], step: (acc: number, x: number) => number) {
  isTensor(input, call, 'input', 1);
  const { dim: given, dtype: target } = bindArguments(call, args, ['dim'], cumulativeSpec);
  const dim = isInt(given, call, 'dim');
  if (target === 'bool') {
    throw new TypeError(`${call}: "${call}_out_cpu" not implemented for 'Bool'`);
  }
  const x = target === undefined ? input : castTo(input, target, call);
  const folded = labelled(runningFold(call, x, dim, step), target);
  if (!tracksGrad(x)) return folded;
  const d = x.ndim === 0 ? 0 : normalizeDim(call, dim, x.ndim);
  return call === 'cumsum' ? recordCumsum(x, folded, d) : recordCumprod(x, folded, d);
}

function runningFold(call: string, input: Tensor, dim: number, step: (acc: number, x: number) => number): Tensor {
  const dtype = accumulationDtype(input);
  const length = input.ndim === 0 ? 1 : input.shape[normalizeDim(call, dim, input.ndim)];
  return mapSlices(call, input, dim, length, [dtype], (slice, [out]) => {
    let acc = Number.NaN;
    slice.forEach((value, i) => {
      acc = i === 0 ? value : step(acc, value);
      out[i] = acc;
    });
  })[0];
}

/** torch.cumsum along `dim`: `cumsum(x, dim)` or `cumsum(x, { dim })`; integers and bools give int64. */
export function cumsum(input: Tensor, ...args: CumulativeArgs): Tensor {
  return cumulative('cumsum', input, args, (acc, x) => acc + x);
}

/** torch.cumprod along `dim`: `cumprod(x, dim)` or `cumprod(x, { dim })`; integers and bools give int64. */
export function cumprod(input: Tensor, ...args: CumulativeArgs): Tensor {
  return cumulative('cumprod', input, args, (acc, x) => acc * x);
}

/** cummax/cummin: the running extreme and where it was last reached; a NaN sticks, as in torch. */
function cumulativeExtreme(call: 'cummax' | 'cummin', input: Tensor, args: readonly unknown[]): ValuesIndices {
  const dim = requiredDim(call, input, args);
  const length = input.ndim === 0 ? 1 : input.shape[normalizeDim(call, dim, input.ndim)];
  const replaces = call === 'cummax' ? (x: number, best: number) => x >= best : (x: number, best: number) => x <= best;
  const [values, indices] = mapSlices(call, input, dim, length, [input.torchDtype, 'int64'], (slice, [out, at]) => {
    let best = Number.NaN;
    let bestAt = 0;
    slice.forEach((value, i) => {
      if (i === 0 || Number.isNaN(value) || (!Number.isNaN(best) && replaces(value, best))) [best, bestAt] = [value, i];
      out[i] = best;
      at[i] = bestAt;
    });
  });
  if (!tracksGrad(input)) return new ValuesIndices(values, indices);
  const name = call === 'cummax' ? 'CummaxBackward0' : 'CumminBackward0';
  return new ValuesIndices(recordGather(name, input, values, normalizeDim(call, dim, input.ndim), indices), indices);
}

/** cummax/cummin's arguments: the dim to scan along, positionally or as `{ dim }`. */
export type ExtremeScanArgs =
  | [dim: number]
  | [
      options: {
        /** The dim to scan along (PyTorch: dim). */
        dim: number;
      },
    ];

/** torch.cummax: `{ values, indices }` of the running maximum along `dim`. */
export function cummax(input: Tensor, ...args: ExtremeScanArgs): ValuesIndices {
  return cumulativeExtreme('cummax', input, args);
}

/** torch.cummin: `{ values, indices }` of the running minimum along `dim`. */
export function cummin(input: Tensor, ...args: ExtremeScanArgs): ValuesIndices {
  return cumulativeExtreme('cummin', input, args);
}

/** A norm's order (PyTorch: p): a number (2, 1, Infinity, -Infinity, 0, any p) or 'fro'. */
const isNormOrder: ArgumentCheck<number | 'fro' | 'nuc'> = (value, call, argument, position) =>
  typeof value === 'string'
    ? isOneOf(['fro', 'nuc'] as const)(value, call, argument, position)
    : isNumber(value, call, argument, position);

/** Options of norm (PyTorch: p, dim, keepdim). */
export interface NormOptions extends ReduceOptions {
  /** The order (PyTorch: p): 'fro' (the default, same as 2), 1, Infinity, -Infinity, 0 or any number. */
  p?: number | 'fro';
}

/** norm's `(p, dim, keepdim)`, positionally or in a trailing options object. */
export type NormArgs =
  | [options?: NormOptions]
  | [p: number | 'fro' | null, optionsOrDim?: Omit<NormOptions, 'p'> | Dims]
  | [p: number | 'fro' | null, dim: Dims, keepdimOrOptions?: boolean | Pick<NormOptions, 'keepdim'>];

const normSpec = { p: isOptional(isNormOrder), dim: isOptional(isIntOrInts), keepdim: isBool };

/** torch.norm: the p-norm (Frobenius by default) over dims, of all elements by default; floats only. */
export function norm(input: Tensor, ...args: NormArgs): Tensor {
  isTensor(input, 'norm', 'input', 1);
  const { p = 'fro', dim, keepdim = false } = bindArguments('norm', args, ['p', 'dim', 'keepdim'], normSpec, 2);
  if (!isFloating(input.dtype)) {
    throw new Error(
      `norm: input dtype should be either floating point or complex. Got ${torchDtypeName(input.dtype)} instead.`,
    );
  }
  if (p === 'nuc') throw new Error("norm: nuclear norm is not supported (PyTorch: p='nuc')");
  const dims = reducedDims('norm', input, dim);
  const magnitudes = abs(input);
  if (p === 'fro' || p === 2) return sqrt(sum(mul(input, input), dims, keepdim));
  if (p === 1) return sum(magnitudes, dims, keepdim);
  if (p === Infinity) return amax(magnitudes, dims, keepdim);
  if (p === -Infinity) return amin(magnitudes, dims, keepdim);
  if (p === 0) return cast(sum(ne(input, 0), dims, keepdim), input.dtype);
  return pow(sum(pow(magnitudes, p), dims, keepdim), 1 / p);
}

/** The input with every NaN replaced by zero. */
function withoutNaN(input: Tensor): Tensor {
  return where(ne(input, input), 0, input);
}

/** torch.nansum: sum treating NaN as zero, with sum's `(dim, keepdim)`. */
export function nansum(input: Tensor, ...args: ReduceArgs): Tensor {
  const { dims, keepdim } = reduceArguments('nansum', input, args);
  return sum(withoutNaN(input), reducedDims('nansum', input, dims), keepdim);
}

/** torch.nanmean: the mean of the values that are not NaN (NaN where there are none), floats only. */
export function nanmean(input: Tensor, ...args: ReduceArgs): Tensor {
  const { dims, keepdim } = reduceArguments('nanmean', input, args);
  if (!isFloating(input.dtype)) {
    throw new Error(`nanmean: expected input to have floating point dtype but got ${torchDtypeName(input.dtype)}`);
  }
  const reduced = reducedDims('nanmean', input, dims);
  const counted = sum(logicalNot(ne(input, input)), reduced, keepdim);
  return div(sum(withoutNaN(input), reduced, keepdim), counted);
}

/** torch.count_nonzero: how many elements are non-zero over dims (all by default), as int64. */
export function countNonzero(
  input: Tensor,
  ...args:
    | [dim?: Dims]
    | [
        options: {
          /** The dims to count over; all by default (PyTorch: dim). */
          dim?: Dims;
        },
      ]
): Tensor {
  isTensor(input, 'countNonzero', 'input', 1);
  const { dim } = bindArguments('countNonzero', args, ['dim'], { dim: isOptional(isIntOrInts) });
  return sum(ne(input, 0), reducedDims('countNonzero', input, dim));
}

/** What torch.aminmax returns: `.min` and `.max`, also destructurable as `[min, max]`. */
export class MinMax {
  /** The pair aminmax returns (torch.return_types.aminmax: min, max). */
  constructor(
    /** The smallest values (over all elements, or along dim). */
    readonly min: Tensor,
    /** The largest values (over all elements, or along dim). */
    readonly max: Tensor,
  ) {}
  /** `aminmax(x)[0]`: the min, as torch's namedtuple indexes. */
  get [0](): Tensor {
    return this.min;
  }
  /** `aminmax(x)[1]`: the max, as torch's namedtuple indexes. */
  get [1](): Tensor {
    return this.max;
  }
  *[Symbol.iterator](): Iterator<Tensor> {
    yield this.min;
    yield this.max;
  }
}

/** torch.aminmax: `{ min, max }` over one dim or all elements; dim and keepdim are keywords only, as in torch. */
export function aminmax(
  input: Tensor,
  options?: {
    /** The one dim to reduce; all elements by default (PyTorch: dim). */
    dim?: number;
    /** Keep the reduced dim as size 1 (PyTorch: keepdim). */
    keepdim?: boolean;
  },
): MinMax {
  isTensor(input, 'aminmax', 'input', 1);
  const { dim, keepdim = false } = checkOptions('aminmax', options, dimKeepdimSpec);
  const dims = reducedDims('aminmax', input, dim);
  if (sizeOf(dims.map((d) => input.shape[d])) === 0) {
    throw new Error(
      dim === undefined
        ? 'aminmax: cannot compute aminmax over an empty dimension as the operation has no identity.'
        : `aminmax: Expected reduction dim ${dims[0]} to have non-zero size.`,
    );
  }
  return new MinMax(amin(input, dims, keepdim), amax(input, dims, keepdim));
}

/** Binds `(dim, keepdim)` of median, mode and kthvalue. */
function sliceArguments(call: string, args: readonly unknown[], firstPosition: number) {
  const { dim, keepdim = false } = bindArguments(call, args, ['dim', 'keepdim'], dimKeepdimSpec, firstPosition);
  return { dim, keepdim };
}

/** Picks one position of each slice (its sorted positions given) as `{ values, indices }`. */
function selectFromSlices(
  call: string,
  input: Tensor,
  dim: number,
  keepdim: boolean,
  pick: (slice: TypedArray) => number,
): ValuesIndices {
  const d = normalizeDim(call, dim, input.ndim);
  if (input.ndim > 0 && input.shape[d] === 0) {
    throw new Error(`${call}: Expected reduction dim ${d} to have non-zero size.`);
  }
  const [values, indices] = reduceSlices(call, input, dim, keepdim, [input.torchDtype, 'int64'], (slice, [out, at]) => {
    at[0] = pick(slice);
    out[0] = slice[at[0]];
  });
  if (!tracksGrad(input)) return new ValuesIndices(values, indices);
  const name = call === 'median' ? 'MedianBackward1' : `${call[0].toUpperCase()}${call.slice(1)}Backward0`;
  const recorded =
    input.ndim === 0
      ? recordPutBack(name, input, values, (g) => reshape(g, []))
      : recordIndexSelection(name, input, values, indices, d, keepdim);
  return new ValuesIndices(recorded, indices);
}

/** The position of the lower median of a slice, or of its first NaN (which the median then is). */
function medianPosition(slice: TypedArray): number {
  const firstNaN = slice.findIndex((value) => Number.isNaN(value));
  if (firstNaN >= 0) return firstNaN;
  return sortedPositions(slice)[(slice.length - 1) >> 1];
}

/**
 * torch.median: `median(x)` is the lower median of all elements (NaN if any is, or if there are none);
 * `median(x, dim, keepdim)` gives `{ values, indices }` along dim.
 */
export function median(input: Tensor): Tensor;
export function median(input: Tensor, dim: number, keepdimOrOptions?: boolean | KeepdimOption): ValuesIndices;
export function median(
  input: Tensor,
  options: {
    /** The dim to take the median along (PyTorch: dim). */
    dim: number;
    /** Keep the reduced dim as size 1 (PyTorch: keepdim). */
    keepdim?: boolean;
  },
): ValuesIndices;
export function median(input: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  isTensor(input, 'median', 'input', 1);
  const { dim, keepdim } = sliceArguments('median', args, 2);
  if (dim === undefined) {
    if (keepdim) throw new TypeError('median: keepdim needs a dim: median(input, dim, keepdim)');
    if (input.numel() === 0) return fromValues([Number.NaN], [], input.dtype, input.backend);
    const median = noGrad(() =>
      overAll(input, (flat) => selectFromSlices('median', flat, 0, true, medianPosition).values),
    );
    return tracksGrad(input) ? recordEvenlySplit('MedianBackward0', input, median) : median;
  }
  return selectFromSlices('median', input, dim, keepdim, medianPosition);
}

/** torch.kthvalue: `{ values, indices }` of the k-th smallest element (k from 1) along `dim` (default -1). */
export function kthvalue(
  input: Tensor,
  k: number,
  ...args: [dim?: number, keepdimOrOptions?: boolean | KeepdimOption] | [options: DimKeepdimOptions]
): ValuesIndices {
  isTensor(input, 'kthvalue', 'input', 1);
  isInt(k, 'kthvalue', 'k', 2);
  const { dim = -1, keepdim } = sliceArguments('kthvalue', args, 3);
  const d = normalizeDim('kthvalue', dim, input.ndim);
  const length = input.ndim === 0 ? 1 : input.shape[d];
  if (k < 1 || k > length) throw new Error(`kthvalue: selected number k out of range for dimension ${d}`);
  return selectFromSlices('kthvalue', input, d, keepdim, (slice) => sortedPositions(slice)[k - 1]);
}

/** Options of median(dim), mode and kthvalue (PyTorch: dim, keepdim). */
export interface DimKeepdimOptions {
  /** The dim to reduce (PyTorch: dim). */
  dim?: number;
  /** Keep the reduced dim as size 1 (PyTorch: keepdim). */
  keepdim?: boolean;
}

/** The most frequent value of a slice (the smallest among equally frequent ones) at its last position. */
function modePosition(slice: TypedArray): number {
  const order = sortedPositions(slice);
  let [best, bestCount, runCount] = [order[0], 0, 0];
  order.forEach((position, i) => {
    runCount = i > 0 && slice[order[i - 1]] === slice[position] ? runCount + 1 : 1;
    if (runCount > bestCount) [best, bestCount] = [position, runCount];
    else if (runCount === bestCount && slice[position] === slice[best]) best = position;
  });
  return best;
}

/** torch.mode: `{ values, indices }` of the most frequent value along `dim` (default -1). */
export function mode(
  input: Tensor,
  ...args: [dim?: number, keepdimOrOptions?: boolean | KeepdimOption] | [options: DimKeepdimOptions]
): ValuesIndices {
  isTensor(input, 'mode', 'input', 1);
  const { dim = -1, keepdim } = sliceArguments('mode', args, 2);
  return selectFromSlices('mode', input, dim, keepdim, modePosition);
}

/** Options of sort and argsort (PyTorch: dim, descending, stable). */
export interface SortOptions {
  /** The dim to sort along (PyTorch: dim, default -1). */
  dim?: number;
  /** Largest first (PyTorch: descending). */
  descending?: boolean;
  /** Equal values keep their order (PyTorch: stable); the engine's sort always does. */
  stable?: boolean;
}

/** sort's and argsort's `(dim, descending)`, positionally or in a trailing options object. */
export type SortArgs =
  | [options?: SortOptions]
  | [dim: number, descendingOrOptions?: boolean | Omit<SortOptions, 'dim'>]
  | [dim: number, descending: boolean, options: Pick<SortOptions, 'stable'>];

const sortSpec = { dim: isOptional(isInt), descending: isBool, stable: isBool };

/** The first `count` sorted positions of each slice along dim as `{ values, indices }`. */
function sortedSlices(call: string, input: Tensor, dim: number, count: number, descending: boolean): ValuesIndices {
  const [values, indices] = mapSlices(call, input, dim, count, [input.torchDtype, 'int64'], (slice, [out, at]) => {
    sortedPositions(slice, descending)
      .slice(0, count)
      .forEach((position, i) => {
        out[i] = slice[position];
        at[i] = position;
      });
  });
  if (call === 'argsort' || !tracksGrad(input)) return new ValuesIndices(values, indices);
  const name = call === 'sort' ? 'SortBackward0' : 'TopkBackward0';
  return new ValuesIndices(recordGather(name, input, values, normalizeDim(call, dim, input.ndim), indices), indices);
}

function sortArguments(call: string, input: Tensor, args: readonly unknown[]) {
  isTensor(input, call, 'input', 1);
  const { dim = -1, descending = false } = bindArguments(call, args, ['dim', 'descending'], sortSpec, 2);
  const length = input.ndim === 0 ? 1 : input.shape[normalizeDim(call, dim, input.ndim)];
  return { dim, descending, length };
}

/** torch.sort: `{ values, indices }` along `dim` (default -1), ascending unless descending; NaN sorts last. */
export function sort(input: Tensor, ...args: SortArgs): ValuesIndices {
  const { dim, descending, length } = sortArguments('sort', input, args);
  return sortedSlices('sort', input, dim, length, descending);
}

/** torch.argsort: the indices that sort `input` along `dim`, with sort's arguments. */
export function argsort(input: Tensor, ...args: SortArgs): Tensor {
  const { dim, descending, length } = sortArguments('argsort', input, args);
  return sortedSlices('argsort', input, dim, length, descending).indices;
}

/** Options of topk (PyTorch: dim, largest, sorted). */
export interface TopkOptions {
  /** The dim to search (PyTorch: dim, default -1). */
  dim?: number;
  /** The k largest, or the k smallest when false (PyTorch: largest). */
  largest?: boolean;
  /** Results in sorted order (PyTorch: sorted); the engine always sorts them. */
  sorted?: boolean;
}

/** topk's `(dim, largest, sorted)`, positionally or in a trailing options object. */
export type TopkArgs =
  | [options?: TopkOptions]
  | [dim: number, largestOrOptions?: boolean | Omit<TopkOptions, 'dim'>]
  | [dim: number, largest: boolean, sortedOrOptions?: boolean | Pick<TopkOptions, 'sorted'>];

const topkSpec = { dim: isOptional(isInt), largest: isBool, sorted: isBool };

/** torch.topk: `{ values, indices }` of the k largest (or smallest) elements along `dim` (default -1). */
export function topk(input: Tensor, k: number, ...args: TopkArgs): ValuesIndices {
  isTensor(input, 'topk', 'input', 1);
  isInt(k, 'topk', 'k', 2);
  const { dim = -1, largest = true } = bindArguments('topk', args, ['dim', 'largest', 'sorted'], topkSpec, 3);
  const length = input.ndim === 0 ? 1 : input.shape[normalizeDim('topk', dim, input.ndim)];
  if (k < 0 || k > length) throw new Error('topk: selected index k out of range');
  return sortedSlices('topk', input, dim, k, largest);
}

/** Options of unique (PyTorch: sorted, return_inverse, return_counts). */
export interface UniqueOptions {
  /** Ascending results (PyTorch: sorted); the engine always sorts them. */
  sorted?: boolean;
  /** Also return where each input element is in the output (PyTorch: return_inverse). */
  returnInverse?: boolean;
  /** Also return how often each unique value occurs (PyTorch: return_counts). */
  returnCounts?: boolean;
}

const uniqueSpec = { sorted: isBool, returnInverse: isBool, returnCounts: isBool, dim: isOptional(isInt) };

/**
 * torch.unique of all elements: the distinct values in ascending order, then the inverse indices
 * (input's shape) and the counts where returnInverse / returnCounts ask for them, as `[output, ...]`.
 */
export function unique(
  input: Tensor,
  ...args:
    | [options?: UniqueOptions]
    | [sorted: boolean, returnInverseOrOptions?: boolean | Omit<UniqueOptions, 'sorted'>]
    | [sorted: boolean, returnInverse: boolean, returnCountsOrOptions?: boolean]
): Tensor | Tensor[] {
  isTensor(input, 'unique', 'input', 1);
  const names = ['sorted', 'returnInverse', 'returnCounts', 'dim'] as const;
  const { returnInverse = false, returnCounts = false, dim } = bindArguments('unique', args, [...names], uniqueSpec, 2);
  if (dim !== undefined) throw new Error('unique: unique along a dim is not supported (PyTorch: dim)');
  refuseUntrackedGrad('unique', input);
  const values = input.dataSync();
  const order = sortedPositions(values);
  const distinct: number[] = [];
  const counts: number[] = [];
  const inverse = new Int32Array(values.length);
  order.forEach((position, i) => {
    const value = values[position];
    if (i === 0 || compareValues(values[order[i - 1]], value) !== 0) {
      distinct.push(value);
      counts.push(0);
    }
    counts[counts.length - 1]++;
    inverse[position] = distinct.length - 1;
  });
  const output = labelled(fromValues(distinct, [distinct.length], input.dtype, input.backend), input.torchDtype);
  if (!returnInverse && !returnCounts) return output;
  return [
    output,
    ...(returnInverse ? [labelled(fromValues(inverse, input.shape, 'int32', input.backend), 'int64')] : []),
    ...(returnCounts ? [labelled(fromValues(counts, [counts.length], 'int32', input.backend), 'int64')] : []),
  ];
}
