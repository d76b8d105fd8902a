/**
 * In-place writes (torch's trailing-underscore methods): values go into the tensor's own storage through
 * the backend's `assign` primitive, so every view of that storage sees them, and each write bumps the
 * storage's version counter (torch's `t._version`), which autograd checks before it reuses a saved tensor.
 */
import type { Storage } from '../backend';
import {
  bindArguments,
  isNumber,
  isOperand,
  isOptional,
  isTensor,
  isTensorOrScalar,
  optionalArguments,
  type PositionalOrOptions,
} from '../arguments';
import {
  checkRange,
  dtypeOfScalar,
  isFloating,
  promoteTypes,
  pythonNumber,
  kernelNotImplemented,
  scalarTypeName,
  torchDtypeName,
  type DType,
} from '../dtype';
import { isGradEnabled } from '../autograd/gradMode';
import { fillNormal, fillUniform } from '../random';
import { broadcastShapes, formatShape, sizeOf, type Shape } from '../shape';
import { Tensor, type TensorLike } from '../tensor';
import { randomTensor, scalarLike, toBackend } from './creation';
import {
  abs,
  add,
  cast,
  clamp,
  div,
  exp,
  log,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  sqrt,
  sub,
  tanh,
  where,
  type AlphaOptions,
} from './elementwise';
import { checkSameBackend, expand } from './movement';

const versions = new WeakMap<Storage, number>();

/** How many in-place writes the tensor's storage has had: torch's `t._version`, shared by every view of it. */
export function versionOf(t: Tensor): number {
  return versions.get(t.storage) ?? 0;
}

/** Counts one in-place write into `t`'s storage (for writes made outside assignInto, as a fused optimizer's). */
export function bumpVersion(t: Tensor): void {
  versions.set(t.storage, versionOf(t) + 1);
}

/** torch's canCast: floating never goes to an integer or bool, and a number never to bool. */
function canCast(from: DType, to: DType): boolean {
  if (isFloating(from) && !isFloating(to)) return false;
  return !(from !== 'bool' && to === 'bool');
}

/** Throws torch's error when an op's result dtype cannot be written into `target`'s dtype. */
export function checkCastable(call: string, from: DType, target: Tensor): void {
  if (!canCast(from, target.dtype)) {
    const source = scalarTypeName(from === 'int32' ? 'int64' : from);
    throw new Error(
      `${call}: result type ${source} can't be cast to the desired output type ${scalarTypeName(target.torchDtype)}`,
    );
  }
}

/** Throws torch's error when two elements of `target` share one memory location (an expanded view). */
export function checkNoInternalOverlap(call: string, target: Tensor): void {
  for (let d = 0; d < target.ndim; d++) {
    if (target.strides[d] === 0 && target.shape[d] > 1) {
      throw new Error(
        `${call}: unsupported operation: more than one element of the written-to tensor refers to a single memory ` +
          'location. Please clone() the tensor before performing the operation.',
      );
    }
  }
}

/** True when the view covers one block of memory without gaps or repeats (in some order of its dims). */
function isNonOverlappingAndDense(t: Tensor): boolean {
  const dims = [...t.shape.keys()].filter((d) => t.shape[d] !== 1).sort((a, b) => t.strides[a] - t.strides[b]);
  let expected = 1;
  for (const d of dims) {
    if (t.strides[d] !== expected) return false;
    expected *= t.shape[d];
  }
  return true;
}

/**
 * Throws torch's error when `input` and `target` share part of their memory (a shifted or transposed view
 * of the same storage). As in torch, only dense views are compared; the same view (x.add_(x)) is fine.
 */
export function checkNoPartialOverlap(call: string, target: Tensor, input: TensorLike): void {
  if (!(input instanceof Tensor) || input.storage !== target.storage) return;
  if (input.numel() === 0 || target.numel() === 0) return;
  if (!isNonOverlappingAndDense(input) || !isNonOverlappingAndDense(target)) return;
  const [targetEnd, inputEnd] = [target.offset + target.numel(), input.offset + input.numel()];
  const sameRange = target.offset === input.offset && targetEnd === inputEnd;
  const sameView = sameRange && target.strides.every((stride, d) => stride === input.strides[d]);
  if (sameView || (!sameRange && (target.offset >= inputEnd || input.offset >= targetEnd))) return;
  throw new Error(
    `${call}: unsupported operation: some elements of the input tensor and the written-to tensor refer to a single ` +
      'memory location. Please clone() the tensor before performing the operation.',
  );
}

/** Throws torch's errors unless `shape` broadcasts to the target's shape without changing it. */
export function checkBroadcastsTo(call: string, target: Tensor, shape: Shape): void {
  const broadcast = broadcastShapes(call, target.shape, shape);
  if (broadcast.length !== target.ndim || broadcast.some((size, d) => size !== target.shape[d])) {
    const [output, expected] = [formatShape(target.shape), formatShape(broadcast)];
    throw new Error(`${call}: output with shape ${output} doesn't match the broadcast shape ${expected}`);
  }
}

/** `value` as a tensor of the target's dtype; a float out of an integer dtype's range is an error, never a wrap. */
function asDtypeOf(call: string, target: Tensor, value: TensorLike): Tensor {
  if (!(value instanceof Tensor)) {
    if (typeof value === 'number') checkRange(call, [value], target.torchDtype);
    return scalarLike(value, target, target.dtype);
  }
  checkSameBackend(call, target, value);
  if (value.dtype === 'float32' && target.dtype === 'int32') checkRange(call, value.dataSync(), target.torchDtype);
  return cast(value, target.dtype);
}

/**
 * PyTorch's rules for an in-place write while grad mode is on: never into a leaf that requires grad (its
 * `.grad` would describe values it no longer holds). A write that would need a backward of its own (into a
 * tensor that requires grad, or of values that require grad) is not implemented yet: an error, never a
 * wrong gradient. Under noGrad every write goes through (how an optimizer updates its parameters).
 */
export function checkInPlaceGrad(call: string, target: Tensor, values: TensorLike): void {
  if (!isGradEnabled()) return;
  if (target.isLeaf && target.requiresGrad) {
    throw new Error(`${call}: a leaf Variable that requires grad is being used in an in-place operation.`);
  }
  if (target.requiresGrad || (values instanceof Tensor && values.requiresGrad)) {
    throw new Error(
      `${call}: the gradient of an in-place op on a tensor that requires grad is not implemented yet; use the out-of-place op (x = x.add(y) for x.add_(y)), or wrap the call in noGrad(...)`,
    );
  }
}

/**
 * Writes `values` into `target` in place, as torch's copy_ does: any dtype is cast to the target's (a
 * float out of an integer dtype's range is an error, never a wrap), and `values` broadcasts to the
 * target's shape but never the target to the values'. The target may be any view (a slice, a transposed
 * or selected view): the write reaches the tensor it views. Every in-place op writes through this; it
 * leaves the checks on the target (an expanded view, an op's result dtype) to its callers.
 */
export function assignInto(call: string, target: Tensor, values: TensorLike): Tensor {
  isTensorOrScalar(values, call, 'value');
  checkInPlaceGrad(call, target, values);
  if (values instanceof Tensor) {
    checkBroadcastsTo(call, target, values.shape);
    checkNoPartialOverlap(call, target, values);
  }
  const source = asDtypeOf(call, target, values);
  if (target.numel() > 0) {
    // Broadcastable with as many elements and dims means the same shape.
    const sameShape = sizeOf(source.shape) === target.numel() && source.ndim === target.ndim;
    const aligned = sameShape ? source : expand(source, target.shape);
    target.backend.assign(target.toView(), aligned.toView());
  }
  bumpVersion(target);
  return target;
}

/**
 * An in-place op written as its out-of-place form (`x.add_(y)` writes `x.add(y)`), after torch's checks:
 * every tensor input broadcasts to the target's shape (torch: "output with shape [3] doesn't match the
 * broadcast shape [2, 3]"), the result dtype casts to the target's (torch: "result type Float can't be
 * cast to the desired output type Long"), the target is no expanded view and no input partly overlaps it.
 */
export function updateInPlace(
  call: string,
  target: Tensor,
  inputs: readonly (TensorLike | undefined)[],
  resultDtype: DType,
  compute: () => Tensor,
): Tensor {
  for (const input of inputs) {
    if (!(input instanceof Tensor)) continue;
    checkSameBackend(call, target, input);
    checkBroadcastsTo(call, target, input.shape);
  }
  checkCastable(call, resultDtype, target);
  checkNoInternalOverlap(call, target);
  for (const input of inputs) if (input !== undefined) checkNoPartialOverlap(call, target, input);
  return assignInto(call, target, compute());
}

/** The dtype torch's type promotion gives `target` and the other operands. */
function promoted(target: Tensor, ...others: (TensorLike | undefined)[]): DType {
  let dtype = target.dtype;
  for (const other of others) {
    if (other !== undefined) dtype = promoteTypes(dtype, other instanceof Tensor ? other.dtype : dtypeOfScalar(other));
  }
  return dtype;
}

// The in-place ops -------------------------------------------------------------------------

/** torch's fill_: every element `value` (a number, a bool or a 0-dim tensor), cast to the tensor's dtype. */
export function fill_(t: Tensor, value: TensorLike): Tensor {
  isTensorOrScalar(value, 'fill_', 'value', 1);
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new Error(
      `fill_: fill_ only supports 0-dimension value tensor but got tensor with ${value.ndim} dimensions.`,
    );
  }
  return assignInto('fill_', t, value);
}

/** torch's zero_: every element 0. */
export function zero_(t: Tensor): Tensor {
  return assignInto('zero_', t, 0);
}

/**
 * torch's masked_fill_: `value` (a number, a bool or a 0-dim tensor, cast to the tensor's dtype) where
 * the bool mask is true; the mask broadcasts to the tensor's shape, never the tensor to the mask's.
 */
export function maskedFill_(t: Tensor, mask: Tensor, value: TensorLike): Tensor {
  const call = 'maskedFill_';
  isTensor(mask, call, 'mask', 1);
  isTensorOrScalar(value, call, 'value', 2);
  if (mask.dtype !== 'bool') {
    throw new Error(
      `${call}: masked_fill_ only supports boolean masks, but got mask with dtype ${torchDtypeName(mask.dtype)}`,
    );
  }
  if (value instanceof Tensor && value.ndim !== 0) {
    const got = `got tensor with ${value.ndim} dimension(s).`;
    throw new Error(`${call}: masked_fill_ only supports a 0-dimensional value tensor, but ${got}`);
  }
  const filler = asDtypeOf(call, t, value);
  return updateInPlace(call, t, [mask], t.dtype, () => where(mask, filler, t));
}

/**
 * torch's copy_: `src` (a tensor broadcasting to this one's shape, or a number) cast to this tensor's
 * dtype. A tensor on another backend is copied across first, as torch's copy_ between devices does.
 */
export function copy_(t: Tensor, src: TensorLike): Tensor {
  isTensorOrScalar(src, 'copy_', 'src', 1);
  checkNoInternalOverlap('copy_', t);
  const source = src instanceof Tensor && src.backend !== t.backend ? toBackend(src, t.backend.name) : src;
  return assignInto('copy_', t, source);
}

/** The in-place form of a binary op; its result dtype is the operands' promoted one unless given. */
function binaryInPlace(
  call: string,
  t: Tensor,
  other: unknown,
  op: (operand: TensorLike) => Tensor,
  { name = 'other', resultDtype }: { name?: string; resultDtype?: DType } = {},
): Tensor {
  const operand = isOperand(other, call, name, 1);
  return updateInPlace(call, t, [operand], resultDtype ?? promoted(t, operand), () => op(operand));
}

/** torch's add_: this + alpha·other, in place. */
export function add_(t: Tensor, other: TensorLike, alpha?: number | AlphaOptions): Tensor {
  return binaryInPlace('add_', t, other, (operand) => add(t, operand, alpha));
}
/** torch's sub_: this - alpha·other, in place. */
export function sub_(t: Tensor, other: TensorLike, alpha?: number | AlphaOptions): Tensor {
  return binaryInPlace('sub_', t, other, (operand) => sub(t, operand, alpha));
}
/** torch's mul_. */
export function mul_(t: Tensor, other: TensorLike): Tensor {
  return binaryInPlace('mul_', t, other, (operand) => mul(t, operand));
}
/** torch's div_: true division, so an integer tensor is an error (its quotient is float). */
export function div_(t: Tensor, other: TensorLike): Tensor {
  return binaryInPlace('div_', t, other, (operand) => div(t, operand), { resultDtype: 'float32' });
}
/** torch's pow_. */
export function pow_(t: Tensor, exponent: TensorLike): Tensor {
  return binaryInPlace('pow_', t, exponent, (operand) => pow(t, operand), { name: 'exponent' });
}
/** The in-place form of a unary op; `floating` ones (exp, log, ...) take a float tensor only, as in torch. */
function unaryInPlace(call: string, t: Tensor, floating: boolean, op: (t: Tensor) => Tensor): Tensor {
  return updateInPlace(call, t, [], floating ? 'float32' : t.dtype, () => op(t));
}

/** torch's exp_: a float tensor only (the exponential of an integer is float). */
export const exp_ = (t: Tensor): Tensor => unaryInPlace('exp_', t, true, exp);
/** torch's log_: a float tensor only. */
export const log_ = (t: Tensor): Tensor => unaryInPlace('log_', t, true, log);
/** torch's sqrt_: a float tensor only. */
export const sqrt_ = (t: Tensor): Tensor => unaryInPlace('sqrt_', t, true, sqrt);
/** torch's tanh_: a float tensor only. */
export const tanh_ = (t: Tensor): Tensor => unaryInPlace('tanh_', t, true, tanh);
/** torch's sigmoid_: a float tensor only. */
export const sigmoid_ = (t: Tensor): Tensor => unaryInPlace('sigmoid_', t, true, sigmoid);
/** torch's relu_. */
export const relu_ = (t: Tensor): Tensor => unaryInPlace('relu_', t, false, relu);
/** torch's neg_. */
export const neg_ = (t: Tensor): Tensor => unaryInPlace('neg_', t, false, neg);
/** torch's abs_. */
export const abs_ = (t: Tensor): Tensor => unaryInPlace('abs_', t, false, abs);

const clampNames = ['min', 'max'] as const;
const clampSpec = { min: isOptional(isOperand), max: isOptional(isOperand) };

/** torch's clamp_ (and clip_): bounds as numbers or tensors, positional or `{ min, max }`. */
export function clamp_(call: 'clamp_' | 'clip_', t: Tensor, args: readonly unknown[]): Tensor {
  const { min, max } = bindArguments(call, args, clampNames, clampSpec, 1);
  if (min === undefined && max === undefined) {
    throw new TypeError(`${call}: At least one of 'min' or 'max' must not be None`);
  }
  return updateInPlace(call, t, [min, max], promoted(t, min, max), () => clamp(t, { min, max }));
}

/**
 * Random values for a float tensor, drawn by one of the seeded stream's block fills (fillUniform, fillNormal:
 * in C on the native backend, into its own memory) and written in place.
 */
function fillRandom(call: string, kernel: string, t: Tensor, fill: (out: Float32Array) => void): Tensor {
  if (!isFloating(t.dtype)) {
    throw kernelNotImplemented(call, kernel, t.torchDtype);
  }
  checkNoInternalOverlap(call, t);
  return assignInto(call, t, randomTensor(call, t.shape, fill, t.backend));
}

/** Options of uniform_ (PyTorch: from, to). */
export interface UniformInPlaceOptions {
  /** The lower bound, 0 by default (PyTorch: from). */
  from?: number;
  /** The upper bound (excluded), 1 by default (PyTorch: to). */
  to?: number;
}
const uniformSpec = { from: isNumber, to: isNumber };

/** torch's uniform_: values drawn uniformly from [from, to): `x.uniform_(-1, 1)`, `x.uniform_({ from: -1, to: 1 })`. */
export function uniform_(
  t: Tensor,
  ...args: PositionalOrOptions<[from: number, to: number], UniformInPlaceOptions>
): Tensor {
  const { from = 0, to = 1 } = optionalArguments('uniform_', args, uniformSpec, 1);
  if (from > to) {
    const found = `from=${pythonNumber(from)} > to=${pythonNumber(to)}`;
    throw new Error(`uniform_: uniform_ expects to return a [from, to) range, but found ${found}`);
  }
  for (const [name, bound] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!Number.isFinite(bound)) throw new Error(`uniform_: ${name} is out of bounds for float`);
  }
  return fillRandom('uniform_', 'check_uniform_bounds', t, (out) => fillUniform(out, from, to));
}

/** Options of normal_ (PyTorch: mean, std). */
export interface NormalInPlaceOptions {
  /** The mean, 0 by default (PyTorch: mean). */
  mean?: number;
  /** The standard deviation, 1 by default (PyTorch: std). */
  std?: number;
}
const normalSpec = { mean: isNumber, std: isNumber };

/** torch's normal_: values drawn from N(mean, std²): `x.normal_(0, 0.02)` or `x.normal_({ std: 0.02 })`. */
export function normal_(
  t: Tensor,
  ...args: PositionalOrOptions<[mean: number, std: number], NormalInPlaceOptions>
): Tensor {
  const { mean = 0, std = 1 } = optionalArguments('normal_', args, normalSpec, 1);
  if (!(std >= 0)) throw new Error(`normal_: normal expects std >= 0.0, but found std ${pythonNumber(std)}`);
  return fillRandom('normal_', 'normal_kernel_cpu', t, (out) => fillNormal(out, mean, std));
}
