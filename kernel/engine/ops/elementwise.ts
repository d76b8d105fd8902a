/** Elementwise ops with NumPy/PyTorch broadcasting and torch's dtype rules. */
import type { BinaryOp, UnaryOp } from '../backend';
import {
  bindArguments,
  checkOptions,
  isBool,
  isNumber,
  isOperand,
  isOptional,
  isScalarNumber,
  isString,
  isTensor,
  isTensorOrScalar,
  optionalArguments,
} from '../arguments';
import {
  dtypeOfScalar,
  integerResultDtype,
  isFloating,
  promoteTypes,
  scalarTypeName,
  torchDtypeName,
  withOpName,
  type DType,
  type TorchDType,
} from '../dtype';
import { broadcastShapes } from '../shape';
import { Tensor, type TensorLike } from '../tensor';
import { scalarLike } from './creation';
import { nonzero } from './indexing';
import { checkSameBackend, expand } from './movement';
import { all, any } from './reduction';
import {
  recordBinary,
  recordClamp,
  recordUnary,
  recordWhere,
  recordZeroGradient,
  renameGradFn,
} from '../autograd/derivatives';
import { tracksGrad } from '../autograd/gradMode';

function dtypeOf(x: TensorLike): DType {
  return x instanceof Tensor ? x.dtype : dtypeOfScalar(x);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Turns the operands into tensors on one backend, broadcast to one shape. */
function broadcastOperands(op: string, operands: TensorLike[]): Tensor[] {
  const anchor = operands.find((x): x is Tensor => x instanceof Tensor);
  if (!anchor) throw new TypeError(`${op}: expected at least one Tensor argument`);
  const tensors = operands.map((x) => (x instanceof Tensor ? x : scalarLike(x, anchor)));
  tensors.forEach((x) => checkSameBackend(op, anchor, x));
  const shape = tensors.reduce<number[]>((acc, x) => broadcastShapes(op, acc, x.shape), []);
  return tensors.map((x) => (sameShape(x.shape, shape) ? x : expand(x, shape)));
}

type ResultType = 'promote' | 'float' | 'bool';

function resultDtype(kind: ResultType, a: DType, b: DType): DType {
  if (kind === 'bool') return 'bool';
  const promoted = promoteTypes(a, b);
  return kind === 'float' ? promoteTypes(promoted, 'float32') : promoted;
}

/** `input` and `other` as PyTorch names them: a tensor or a number each, at least one of them a tensor. */
function checkBinaryOperands(call: string, a: unknown, b: unknown, otherName = 'other'): void {
  isOperand(a, call, 'input', 1);
  isOperand(b, call, otherName, 2);
}

function binary(op: BinaryOp, kind: ResultType, a: TensorLike, b: TensorLike, otherName?: string): Tensor {
  checkBinaryOperands(op, a, b, otherName);
  const [x, y] = broadcastOperands(op, [a, b]);
  const dtype = resultDtype(kind, dtypeOf(a), dtypeOf(b));
  if (dtype === 'int32') return integerBinary(op, x, y, [a, b]);
  const out = new Tensor(x.backend, x.backend.binary(op, x.toView(), y.toView(), dtype), x.shape, dtype);
  return tracksGrad(x, y) ? recordBinary(op, x, y, out) : out;
}

/** An integer result: int64 or int32 as torch promotes the operands, and an overflow is an error naming `op`. */
function integerBinary(op: BinaryOp, x: Tensor, y: Tensor, operands: TensorLike[]): Tensor {
  const storage = withOpName(op, () => x.backend.binary(op, x.toView(), y.toView(), 'int32'));
  return new Tensor(x.backend, storage, x.shape, 'int32', undefined, 0, integerResultDtype(operands));
}

function unary(op: UnaryOp, kind: ResultType | 'same', a: Tensor): Tensor {
  isTensor(a, op, 'input', 1);
  const dtype = kind === 'same' ? a.dtype : resultDtype(kind, a.dtype, a.dtype);
  if (dtype !== 'int32') {
    const out = new Tensor(a.backend, a.backend.unary(op, a.toView(), dtype), a.shape, dtype);
    return tracksGrad(a) ? recordUnary(op, a, out) : out;
  }
  const storage = withOpName(op, () => a.backend.unary(op, a.toView(), dtype));
  return new Tensor(a.backend, storage, a.shape, dtype, undefined, 0, a.torchDtype);
}

/** PyTorch's error for a kernel without a `dtype` version: `"elu_cpu" not implemented for 'Long'`. */
function notImplementedFor(call: string, kernel: string, a: Tensor): Error {
  return new TypeError(`${call}: "${kernel}" not implemented for '${scalarTypeName(a.torchDtype)}'`);
}

/**
 * Checks that an op whose PyTorch kernel exists for floating dtypes only (softplus, elu, gelu, softmax...)
 * gets a floating tensor, else PyTorch's error naming that kernel; returns the tensor.
 */
export function floatingOnly(call: string, kernel: string, a: Tensor): Tensor {
  isTensor(a, call, 'input', 1);
  if (!isFloating(a.dtype)) throw notImplementedFor(call, kernel, a);
  return a;
}

/** Options of add and sub (PyTorch: alpha). */
export interface AlphaOptions {
  /** The multiplier of `other` (PyTorch: alpha). */
  alpha?: number;
}

/** The alpha parameter's name and check, built once (the ops run often). */
const alphaNames = ['alpha'] as const;
const alphaSpec = { alpha: isScalarNumber };

/** `other` scaled by alpha, given as `{ alpha }` or (an engine shorthand) a third positional number. */
function scaled(call: string, a: TensorLike, b: TensorLike, alphaOrOptions: unknown): TensorLike {
  checkBinaryOperands(call, a, b);
  const { alpha } = bindArguments(call, [alphaOrOptions], alphaNames, alphaSpec);
  if (alpha === undefined) return b;
  if (!Number.isInteger(alpha) && !isFloating(promoteTypes(dtypeOf(a), dtypeOf(b)))) {
    throw new TypeError(`${call}: For integral input tensors, argument alpha must not be a floating point number.`);
  }
  return b instanceof Tensor ? mul(b, alpha) : Number(b) * alpha;
}

/** torch.add(a, b, { alpha }): a + alpha·b. */
export function add(a: TensorLike, b: TensorLike, alpha?: number | AlphaOptions): Tensor {
  return binary('add', 'promote', a, scaled('add', a, b, alpha));
}
/** torch.sub(a, b, { alpha }): a - alpha·b; bool operands are an error, as in torch. */
export function sub(a: TensorLike, b: TensorLike, alpha?: number | AlphaOptions): Tensor {
  const other = scaled('sub', a, b, alpha);
  if (dtypeOf(a) === 'bool' || dtypeOf(b) === 'bool') {
    throw new TypeError(
      dtypeOf(a) === 'bool' && dtypeOf(b) === 'bool'
        ? 'sub: Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.'
        : 'sub: Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
  }
  return binary('sub', 'promote', a, other);
}
/** torch.mul(a, b): a * b elementwise, broadcast to one shape; the promoted dtype. */
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', 'promote', a, b);

/** Options of div (PyTorch: rounding_mode). */
export interface DivOptions {
  /** undefined/null: true division; 'trunc': toward zero; 'floor': toward -∞ (PyTorch: rounding_mode). */
  roundingMode?: 'trunc' | 'floor' | null;
}
const divSpec = { roundingMode: isOptional(isString) };

/**
 * torch.div(a, b, { roundingMode }): true division (integers divide to float32), or rounded toward zero
 * ('trunc') or toward -∞ ('floor'), which keep integer dtypes (an integer division by zero is an error).
 */
export function div(a: TensorLike, b: TensorLike, options?: DivOptions): Tensor {
  if (options === undefined) return binary('div', 'float', a, b);
  const { roundingMode } = checkOptions('div', options, divSpec);
  if (roundingMode === undefined) return binary('div', 'float', a, b);
  if (roundingMode === 'trunc') return truncDivide('div', a, b);
  if (roundingMode === 'floor') return floorDivideAs('div', a, b);
  throw new Error(`div: div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${roundingMode}'`);
}

/** torch.pow; an integer tensor to a negative integer power is an error, as in torch. */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  if (typeof b === 'number' && b < 0 && Number.isInteger(b) && a instanceof Tensor && a.dtype === 'int32') {
    throw new Error('pow: Integers to negative integer powers are not allowed.');
  }
  return binary('pow', 'promote', a, b, 'exponent');
}
/** torch.maximum(a, b): the larger of a and b elementwise, broadcast (NaN wins). */
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', 'promote', a, b);
/** torch.minimum(a, b): the smaller of a and b elementwise, broadcast (NaN wins). */
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', 'promote', a, b);
/** torch.eq(a, b): a == b elementwise, broadcast; a bool tensor. */
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', 'bool', a, b);
/** torch.ne(a, b): a != b elementwise, broadcast; a bool tensor. */
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', 'bool', a, b);
/** torch.lt(a, b): a < b elementwise, broadcast; a bool tensor. */
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', 'bool', a, b);
/** torch.le(a, b): a <= b elementwise, broadcast; a bool tensor. */
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', 'bool', a, b);
/** torch.gt(a, b): a > b elementwise, broadcast; a bool tensor. */
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', 'bool', a, b);
/** torch.ge(a, b): a >= b elementwise, broadcast; a bool tensor. */
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', 'bool', a, b);
/** torch.logical_and(a, b): elementwise AND of truthiness, broadcast; a bool tensor. */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binary('logicalAnd', 'bool', a, b);
/** torch.logical_or(a, b): elementwise OR of truthiness, broadcast; a bool tensor. */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary('logicalOr', 'bool', a, b);

/** torch.neg: -x; integers stay integers, a bool tensor is an error as in torch. */
export function neg(a: Tensor): Tensor {
  if (a?.dtype === 'bool') {
    throw new TypeError(
      'neg: Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.',
    );
  }
  return unary('neg', 'same', a);
}
/** torch.abs: |x|; integers stay integers, bool is an error as in torch. */
export function abs(a: Tensor): Tensor {
  if (a?.dtype === 'bool') throw notImplementedFor('abs', 'abs_cpu', a);
  return unary('abs', 'same', a);
}
/** torch.relu: max(x, 0); integers stay integers, bool is an error as in torch. */
export function relu(a: Tensor): Tensor {
  if (a?.dtype === 'bool') throw new TypeError('relu: Boolean inputs not supported for relu');
  return unary('relu', 'same', a);
}
/** torch.exp: e^x elementwise; same shape, float result. */
export const exp = (a: Tensor): Tensor => unary('exp', 'float', a);
/** torch.log: the natural logarithm elementwise; same shape, float result. */
export const log = (a: Tensor): Tensor => unary('log', 'float', a);
/** torch.sqrt: the square root elementwise; same shape, float result. */
export const sqrt = (a: Tensor): Tensor => unary('sqrt', 'float', a);
/** torch.tanh: the hyperbolic tangent elementwise; same shape, float result. */
export const tanh = (a: Tensor): Tensor => unary('tanh', 'float', a);
/** torch.sigmoid: 1 / (1 + e^-x) elementwise; same shape, float result. */
export const sigmoid = (a: Tensor): Tensor => unary('sigmoid', 'float', a);
/** The exact (erf) GELU, torch's default `approximate='none'`; floating inputs only, as in torch. */
export const gelu = (a: Tensor): Tensor => unary('gelu', 'float', floatingOnly('gelu', 'GeluKernelImpl', a));
/** torch.logical_not: elementwise NOT of truthiness; a bool tensor of the same shape. */
export const logicalNot = (a: Tensor): Tensor => unary('logicalNot', 'bool', a);

/** The tensor relabelled as `torchDtype` (int32 or int64 of int32 storage), or itself without one. */
export function labelled(t: Tensor, torchDtype: TorchDType | undefined): Tensor {
  if (torchDtype === undefined || torchDtype === t.torchDtype) return t;
  return new Tensor(t.backend, t.storage, t.shape, t.dtype, t.strides, t.offset, torchDtype);
}

/**
 * The values converted to a storage dtype ('float32', 'int32', 'bool'): a new tensor, or `a` when already that dtype.
 */
export function cast(a: Tensor, dtype: DType): Tensor {
  if (a.dtype === dtype) return a;
  return new Tensor(a.backend, a.backend.copy(a.toView(), dtype), a.shape, dtype);
}

/**
 * torch.where(condition, a, b): `a` where the bool condition holds, else `b`. With the condition alone,
 * the indices of its non-zero elements, one 1-D tensor per dim (nonzero(condition, { asTuple: true })).
 */
export function where(condition: Tensor): Tensor[];
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor;
export function where(condition: Tensor, a?: TensorLike, b?: TensorLike): Tensor | Tensor[] {
  isTensor(condition, 'where', 'condition', 1);
  if (a === undefined && b === undefined) return nonzero(condition, { asTuple: true });
  const input = isOperand(a, 'where', 'input', 2);
  const other = isOperand(b, 'where', 'other', 3);
  if (condition.dtype !== 'bool') {
    throw new Error(
      `where: where expected condition to be a boolean tensor, but got a tensor with dtype ${torchDtypeName(condition.dtype)}`,
    );
  }
  const [c, x, y] = broadcastOperands('where', [condition, input, other]);
  const dtype = promoteTypes(dtypeOf(input), dtypeOf(other));
  const torchDtype = dtype === 'int32' ? integerResultDtype([input, other]) : dtype;
  const storage = c.backend.where(c.toView(), x.toView(), y.toView(), dtype);
  const out = new Tensor(c.backend, storage, c.shape, dtype, undefined, 0, torchDtype);
  return tracksGrad(x, y) ? recordWhere(c, x, y, out) : out;
}

/**
 * Tensor.masked_fill (out of place): `value` (a number or a 0-dim tensor) where the bool mask is true.
 * Like torch's out-of-place form, the tensor and the mask broadcast together, so the result may be
 * larger than the tensor.
 */
export function maskedFill(t: Tensor, mask: Tensor, value: number | boolean | Tensor): Tensor {
  isTensor(t, 'maskedFill', 'input', 1);
  isTensor(mask, 'maskedFill', 'mask', 2);
  isTensorOrScalar(value, 'maskedFill', 'value', 3);
  if (mask.dtype !== 'bool') {
    throw new Error(
      `maskedFill: masked_fill_ only supports boolean masks, but got mask with dtype ${torchDtypeName(mask.dtype)}`,
    );
  }
  if (value instanceof Tensor && value.ndim !== 0) {
    throw new Error(
      `maskedFill: masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.ndim} dimension(s).`,
    );
  }
  const filler = value instanceof Tensor ? value : scalarLike(value, t, t.dtype);
  return renameGradFn(cast(where(mask, filler, t), t.dtype), 'MaskedFillBackward0', [t]);
}

// Trigonometric, hyperbolic and rounding ops (issue 14) --------------------------------------

/** torch.sin: integers give float32, as for every transcendental op. */
export const sin = (a: Tensor): Tensor => unary('sin', 'float', a);
/** torch.cos. */
export const cos = (a: Tensor): Tensor => unary('cos', 'float', a);
/** torch.tan. */
export const tan = (a: Tensor): Tensor => unary('tan', 'float', a);
/** torch.asin: NaN outside [-1, 1]. */
export const asin = (a: Tensor): Tensor => unary('asin', 'float', a);
/** torch.acos: NaN outside [-1, 1]. */
export const acos = (a: Tensor): Tensor => unary('acos', 'float', a);
/** torch.atan. */
export const atan = (a: Tensor): Tensor => unary('atan', 'float', a);
/** torch.sinh. */
export const sinh = (a: Tensor): Tensor => unary('sinh', 'float', a);
/** torch.cosh. */
export const cosh = (a: Tensor): Tensor => unary('cosh', 'float', a);
/** torch.expm1: exp(x) - 1, precise near 0. */
export const expm1 = (a: Tensor): Tensor => unary('expm1', 'float', a);
/** torch.log1p: log(1 + x), precise near 0. */
export const log1p = (a: Tensor): Tensor => unary('log1p', 'float', a);
/** torch.floor: integers stay integers. */
export const floor = (a: Tensor): Tensor => unary('floor', 'same', a);
/** torch.ceil: integers stay integers. */
export const ceil = (a: Tensor): Tensor => unary('ceil', 'same', a);
/** torch.round: halves go to the even neighbour (0.5 -> 0, 1.5 -> 2), as in torch. */
export const round = (a: Tensor): Tensor => unary('round', 'same', a);
/** torch.trunc: rounds toward zero. */
export const trunc = (a: Tensor): Tensor => unary('trunc', 'same', a);

/** The tensor as float32 (integers and bools converted), for ops whose result is always floating. */
function floating(a: Tensor): Tensor {
  return isFloating(a.dtype) ? a : cast(a, 'float32');
}

/** torch.frac: x - trunc(x), floating inputs only, as in torch. */
export function frac(a: Tensor): Tensor {
  isTensor(a, 'frac', 'input', 1);
  if (!isFloating(a.dtype))
    throw new TypeError(`frac: "frac_cpu" not implemented for '${scalarTypeName(a.torchDtype)}'`);
  return sub(a, trunc(a));
}
/** torch.exp2: 2^x. */
export const exp2 = (a: Tensor): Tensor => pow(2, floating(isTensor(a, 'exp2', 'input', 1)));
/** torch.log2. */
export const log2 = (a: Tensor): Tensor => mul(log(a), Math.LOG2E);
/** torch.log10. */
export const log10 = (a: Tensor): Tensor => mul(log(a), Math.LOG10E);
/** torch.reciprocal: 1/x, float32 for integers. */
export const reciprocal = (a: Tensor): Tensor => div(1, isTensor(a, 'reciprocal', 'input', 1));
/** torch.rsqrt: 1/√x. */
export const rsqrt = (a: Tensor): Tensor => div(1, sqrt(a));
/** torch.square: x·x, integers stay integers. */
export const square = (a: Tensor): Tensor => mul(isTensor(a, 'square', 'input', 1), a);
/** torch.sign: -1, 0 or 1 in the input's dtype (0 for NaN, as torch). */
export function sign(a: Tensor): Tensor {
  isTensor(a, 'sign', 'input', 1);
  if (a.dtype === 'bool') return ne(a, 0); // a copy: true stays true, as in torch
  const out = labelled(cast(sub(cast(gt(a, 0), a.dtype), cast(lt(a, 0), a.dtype)), a.dtype), a.torchDtype);
  return tracksGrad(a) ? recordZeroGradient('SignBackward0', a, out) : out;
}

/** Keyword arguments of clamp/clip (PyTorch: min, max): numbers or tensors that broadcast. */
export interface ClampOptions {
  /** The lower bound (PyTorch: min). */
  min?: TensorLike;
  /** The upper bound (PyTorch: max). */
  max?: TensorLike;
}
const clampNames = ['min', 'max'] as const;
const clampSpec = { min: isOptional(isOperand), max: isOptional(isOperand) };

function clampTo(call: string, a: Tensor, args: unknown[]): Tensor {
  isTensor(a, call, 'input', 1);
  const { min, max } = bindArguments(call, args, clampNames, clampSpec, 2);
  if (min === undefined && max === undefined) {
    throw new TypeError(`${call}: At least one of 'min' or 'max' must not be None`);
  }
  const above = min === undefined ? a : maximum(a, min);
  const out = max === undefined ? above : minimum(above, max);
  const tracked =
    tracksGrad(a) || (min instanceof Tensor && tracksGrad(min)) || (max instanceof Tensor && tracksGrad(max));
  return tracked ? recordClamp(a, min, max, out) : out;
}
/** torch.clamp(x, min, max) or clamp(x, { min, max }): each bound a number or a tensor; min > max gives max. */
export function clamp(a: Tensor, min?: TensorLike | ClampOptions | null, max?: TensorLike | ClampOptions): Tensor {
  return clampTo('clamp', a, [min ?? undefined, max]);
}
/** torch.clip: an alias of clamp. */
export function clip(a: Tensor, min?: TensorLike | ClampOptions | null, max?: TensorLike | ClampOptions): Tensor {
  return clampTo('clip', a, [min ?? undefined, max]);
}

/**
 * torch.atan2(input, other): the angle of the point (other, input), in [-π, π], with C's atan2 at signed
 * zeros and infinities (atan2(-0, -1) = -π, atan2(inf, -inf) = 3π/4); float32 for integers.
 */
export const atan2 = (y: TensorLike, x: TensorLike): Tensor => binary('atan2', 'float', y, x);

/** torch.isnan. */
export const isnan = (a: Tensor): Tensor => ne(isTensor(a, 'isnan', 'input', 1), a);
/** torch.isinf: ±∞. */
export const isinf = (a: Tensor): Tensor =>
  isFloating(isTensor(a, 'isinf', 'input', 1).dtype) ? eq(abs(a), Infinity) : ne(a, a);
/** torch.isfinite: neither NaN nor ±∞. */
export const isfinite = (a: Tensor): Tensor =>
  isFloating(isTensor(a, 'isfinite', 'input', 1).dtype) ? eq(sub(a, a), 0) : eq(a, a);

/** Keyword arguments of nanToNum (PyTorch: nan, posinf, neginf). */
export interface NanToNumOptions {
  /** The value for NaN, 0 by default (PyTorch: nan). */
  nan?: number;
  /** The value for +∞, float32's largest by default (PyTorch: posinf). */
  posinf?: number;
  /** The value for -∞, float32's lowest by default (PyTorch: neginf). */
  neginf?: number;
}
const float32Max = 3.4028234663852886e38;
const nanToNumSpec = { nan: isOptional(isNumber), posinf: isOptional(isNumber), neginf: isOptional(isNumber) };

/** torch.nan_to_num(x, nan, posinf, neginf): replaces NaN and infinities; integers are returned unchanged. */
export function nanToNum(a: Tensor, ...args: (number | NanToNumOptions | undefined)[]): Tensor {
  isTensor(a, 'nanToNum', 'input', 1);
  const { nan = 0, posinf = float32Max, neginf = -float32Max } = optionalArguments('nanToNum', args, nanToNumSpec, 2);
  if (!isFloating(a.dtype)) return a;
  const numbers = where(isnan(a), nan, a);
  return where(eq(numbers, Infinity), posinf, where(eq(numbers, -Infinity), neginf, numbers));
}

/** torch.logical_xor: true where exactly one operand is nonzero. */
export function logicalXor(a: TensorLike, b: TensorLike): Tensor {
  checkBinaryOperands('logicalXor', a, b);
  const truth = (x: TensorLike): TensorLike => (x instanceof Tensor ? ne(x, 0) : Boolean(x));
  return ne(truth(a), truth(b));
}

/** Keyword arguments of isclose and allclose (PyTorch: rtol, atol, equal_nan). */
export interface IsCloseOptions {
  /** Relative tolerance, 1e-5 by default (PyTorch: rtol). */
  rtol?: number;
  /** Absolute tolerance, 1e-8 by default (PyTorch: atol). */
  atol?: number;
  /** NaNs compare equal (PyTorch: equal_nan). */
  equalNan?: boolean;
}
const isCloseSpec = { rtol: isOptional(isNumber), atol: isOptional(isNumber), equalNan: isOptional(isBool) };
type IsCloseArgs = (number | boolean | IsCloseOptions | undefined)[];

function closeness(call: string, a: Tensor, b: Tensor, args: IsCloseArgs): Tensor {
  isTensor(a, call, 'input', 1);
  isTensor(b, call, 'other', 2);
  if (a.dtype !== b.dtype) {
    throw new TypeError(`${call}: ${scalarTypeName(a.torchDtype)} did not match ${scalarTypeName(b.torchDtype)}`);
  }
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = optionalArguments(call, args, isCloseSpec, 3);
  const within = le(abs(sub(floating(a), floating(b))), add(mul(abs(floating(b)), rtol), atol));
  const close = logicalOr(eq(a, b), logicalAnd(within, isfinite(floating(b))));
  return equalNan ? logicalOr(close, logicalAnd(isnan(a), isnan(b))) : close;
}
/** torch.isclose(a, b, rtol, atol, equal_nan): |a - b| <= atol + rtol·|b| elementwise. */
export const isclose = (a: Tensor, b: Tensor, ...args: IsCloseArgs): Tensor => closeness('isclose', a, b, args);
/** torch.allclose: isclose everywhere (a boolean). */
export const allclose = (a: Tensor, b: Tensor, ...args: IsCloseArgs): boolean =>
  all(closeness('allclose', a, b, args)).item() === true;

/** torch.equal: the same shape and the same values (a boolean). */
export function equal(a: Tensor, b: Tensor): boolean {
  isTensor(a, 'equal', 'input', 1);
  isTensor(b, 'equal', 'other', 2);
  return sameShape(a.shape, b.shape) && all(eq(a, b)).item() === true;
}

// Integer division, remainders, interpolation and bitwise ops (issue 14) ---------------------

/** The two operands checked and their result dtype, with PyTorch's error for bool results. */
function roundingOperands(call: string, kernel: string, a: TensorLike, b: TensorLike): DType {
  checkBinaryOperands(call, a, b);
  const dtype = promoteTypes(dtypeOf(a), dtypeOf(b));
  if (dtype === 'bool') throw new TypeError(`${call}: "${kernel}" not implemented for 'Bool'`);
  if (dtype === 'int32' && (b instanceof Tensor ? any(eq(b, 0)).item() === true : b === 0)) {
    throw new Error(`${call}: ZeroDivisionError`);
  }
  return dtype;
}

/** The integer quotient (a - fmod(a, b)) / b: exact, its remainder r = fmod(a, b) given. */
function exactQuotient(a: TensorLike, b: TensorLike, r: Tensor): Tensor {
  const [x, y] = broadcastOperands('div', [sub(a, r), b]);
  return integerBinary('div', x, y, [a, b]);
}

/** True where a nonzero remainder r and the divisor b have opposite signs (floor rounding moves down one). */
const signsDiffer = (r: Tensor, b: TensorLike): Tensor =>
  logicalAnd(ne(r, 0), ne(lt(r, 0), b instanceof Tensor ? lt(b, 0) : Number(b) < 0));

function truncDivide(call: string, a: TensorLike, b: TensorLike): Tensor {
  if (roundingOperands(call, 'div_trunc_cpu', a, b) === 'int32')
    return exactQuotient(a, b, binary('fmod', 'promote', a, b));
  return trunc(div(a, b));
}

/** Floor division as torch computes it for floats: (a - fmod(a, b)) / b, moved down one when signs differ, rounded. */
function floorDivideAs(call: string, a: TensorLike, b: TensorLike): Tensor {
  const dtype = roundingOperands(call, 'div_floor_cpu', a, b);
  const r = binary('fmod', 'promote', a, b);
  if (dtype === 'int32') {
    const quotient = exactQuotient(a, b, r);
    return where(signsDiffer(r, b), sub(quotient, 1), quotient);
  }
  if (!(b instanceof Tensor) && Number(b) === 0) return div(a, b);
  const quotient = div(sub(a, r), b);
  const moved = where(signsDiffer(r, b), sub(quotient, 1), quotient);
  const floored = floor(moved);
  const rounded = where(gt(sub(moved, floored), 0.5), add(floored, 1), floored);
  const signedZero = where(eq(moved, 0), mul(div(a, b), 0), rounded); // 0 with the sign of a / b
  return b instanceof Tensor ? where(eq(b, 0), div(a, b), signedZero) : signedZero;
}

/** torch.floor_divide: the quotient rounded toward -∞; integers stay integers (division by zero is an error). */
export const floorDivide = (a: TensorLike, b: TensorLike): Tensor => floorDivideAs('floorDivide', a, b);

/** torch.fmod: the remainder with the dividend's sign (C's fmod); integers stay integers. */
export function fmod(a: Tensor, b: TensorLike): Tensor {
  isTensor(a, 'fmod', 'input', 1);
  roundingOperands('fmod', 'fmod_cpu', a, b);
  return binary('fmod', 'promote', a, b);
}

/** torch.remainder: the remainder with the divisor's sign (Python's %); integers stay integers. */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  roundingOperands('remainder', 'remainder_cpu', a, b);
  const r = binary('fmod', 'promote', a, b);
  return where(signsDiffer(r, b), add(r, b), r);
}

/**
 * torch.lerp(input, end, weight): input + weight·(end - input), computed from the nearer end as torch
 * does; input and end floating tensors of one dtype, weight a number or a tensor.
 */
export function lerp(input: Tensor, end: Tensor, weight: TensorLike): Tensor {
  isTensor(input, 'lerp', 'input', 1);
  isTensor(end, 'lerp', 'end', 2);
  isOperand(weight, 'lerp', 'weight', 3);
  const kernel = weight instanceof Tensor ? 'lerp_kernel_tensor' : 'lerp_kernel_scalar';
  floatingOnly('lerp', kernel, input);
  for (const [name, other] of [
    ['end', end],
    ['weight', weight],
  ] as const) {
    if (other instanceof Tensor && other.dtype !== input.dtype) {
      throw new TypeError(`lerp: expected dtype float for \`${name}\` but got dtype ${longName(other)}`);
    }
  }
  const difference = sub(end, input);
  if (!(weight instanceof Tensor)) {
    const w = Number(weight);
    return Math.abs(w) < 0.5 ? add(input, mul(difference, w)) : sub(end, mul(difference, 1 - w));
  }
  const fromInput = add(input, mul(weight, difference));
  return where(lt(abs(weight), 0.5), fromInput, sub(end, mul(difference, sub(1, weight))));
}

/** The C++ type name PyTorch's dtype-mismatch errors print ('long int', 'int', 'bool'). */
function longName(t: Tensor): string {
  return { float32: 'float', int64: 'long int', int32: 'int', bool: 'bool' }[t.torchDtype];
}

/** A bitwise op: integer or bool operands of one promoted dtype, floats an error as in torch. */
function bitwise(op: 'bitwiseAnd' | 'bitwiseOr' | 'bitwiseXor', kernel: string, a: TensorLike, b: TensorLike): Tensor {
  checkBinaryOperands(op, a, b);
  const dtype = promoteTypes(dtypeOf(a), dtypeOf(b));
  if (isFloating(dtype)) throw new TypeError(`${op}: "${kernel}" not implemented for 'Float'`);
  return binary(op, 'promote', a, b);
}
/** torch.bitwise_and: & of integer or bool tensors (two's complement). */
export const bitwiseAnd = (a: TensorLike, b: TensorLike): Tensor => bitwise('bitwiseAnd', 'bitwise_and_cpu', a, b);
/** torch.bitwise_or: | of integer or bool tensors. */
export const bitwiseOr = (a: TensorLike, b: TensorLike): Tensor => bitwise('bitwiseOr', 'bitwise_or_cpu', a, b);
/** torch.bitwise_xor: ^ of integer or bool tensors. */
export const bitwiseXor = (a: TensorLike, b: TensorLike): Tensor => bitwise('bitwiseXor', 'bitwise_xor_cpu', a, b);
/** torch.bitwise_not: ~x, i.e. -1 - x for integers and logical not for bool. */
export function bitwiseNot(a: Tensor): Tensor {
  isTensor(a, 'bitwiseNot', 'input', 1);
  if (a.dtype === 'bool') return logicalNot(a);
  if (isFloating(a.dtype)) throw notImplementedFor('bitwiseNot', 'bitwise_not_cpu', a);
  return sub(-1, a);
}
