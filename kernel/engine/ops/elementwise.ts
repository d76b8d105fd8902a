/** Elementwise ops with NumPy/PyTorch broadcasting and torch's dtype rules. */
import type { BinaryOp, UnaryOp } from '../backend';
import {
  bindArguments,
  isBool,
  isNumber,
  isOperand,
  isOptional,
  isScalarNumber,
  isTensor,
  isTensorOrScalar,
  optionalArguments,
} from '../arguments';
import { dtypeOfScalar, isFloating, promoteTypes, scalarTypeName, torchDtypeName, type DType } from '../dtype';
import { broadcastShapes } from '../shape';
import { Tensor, type TensorLike } from '../tensor';
import { scalarLike } from './creation';
import { checkSameBackend, expand } from './movement';
import { all } from './reduction';
import { recordBinary, recordClamp, recordUnary, recordWhere, recordZeroGradient } from '../autograd/derivatives';
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
  const out = new Tensor(x.backend, x.backend.binary(op, x.toView(), y.toView(), dtype), x.shape, dtype);
  return tracksGrad(x, y) ? recordBinary(op, x, y, out) : out;
}

function unary(op: UnaryOp, kind: ResultType | 'same', a: Tensor): Tensor {
  isTensor(a, op, 'input', 1);
  const dtype = kind === 'same' ? a.dtype : resultDtype(kind, a.dtype, a.dtype);
  const out = new Tensor(a.backend, a.backend.unary(op, a.toView(), dtype), a.shape, dtype);
  return tracksGrad(a) ? recordUnary(op, a, out) : out;
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
/** torch.sub(a, b, { alpha }): a - alpha·b. */
export function sub(a: TensorLike, b: TensorLike, alpha?: number | AlphaOptions): Tensor {
  return binary('sub', 'promote', a, scaled('sub', a, b, alpha));
}
export const mul = (a: TensorLike, b: TensorLike): Tensor => binary('mul', 'promote', a, b);
/** True division: integers divide to float32, as in torch. */
export const div = (a: TensorLike, b: TensorLike): Tensor => binary('div', 'float', a, b);
export const pow = (a: TensorLike, b: TensorLike): Tensor => binary('pow', 'promote', a, b, 'exponent');
export const maximum = (a: TensorLike, b: TensorLike): Tensor => binary('maximum', 'promote', a, b);
export const minimum = (a: TensorLike, b: TensorLike): Tensor => binary('minimum', 'promote', a, b);
export const eq = (a: TensorLike, b: TensorLike): Tensor => binary('eq', 'bool', a, b);
export const ne = (a: TensorLike, b: TensorLike): Tensor => binary('ne', 'bool', a, b);
export const lt = (a: TensorLike, b: TensorLike): Tensor => binary('lt', 'bool', a, b);
export const le = (a: TensorLike, b: TensorLike): Tensor => binary('le', 'bool', a, b);
export const gt = (a: TensorLike, b: TensorLike): Tensor => binary('gt', 'bool', a, b);
export const ge = (a: TensorLike, b: TensorLike): Tensor => binary('ge', 'bool', a, b);
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => binary('logicalAnd', 'bool', a, b);
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => binary('logicalOr', 'bool', a, b);

export const neg = (a: Tensor): Tensor => unary('neg', 'same', a);
export const abs = (a: Tensor): Tensor => unary('abs', 'same', a);
export const relu = (a: Tensor): Tensor => unary('relu', 'same', a);
export const exp = (a: Tensor): Tensor => unary('exp', 'float', a);
export const log = (a: Tensor): Tensor => unary('log', 'float', a);
export const sqrt = (a: Tensor): Tensor => unary('sqrt', 'float', a);
export const tanh = (a: Tensor): Tensor => unary('tanh', 'float', a);
export const sigmoid = (a: Tensor): Tensor => unary('sigmoid', 'float', a);
/** The exact (erf) GELU, torch's default `approximate='none'`. */
export const gelu = (a: Tensor): Tensor => unary('gelu', 'float', a);
export const logicalNot = (a: Tensor): Tensor => unary('logicalNot', 'bool', a);

export function cast(a: Tensor, dtype: DType): Tensor {
  if (a.dtype === dtype) return a;
  return new Tensor(a.backend, a.backend.copy(a.toView(), dtype), a.shape, dtype);
}

/** torch.where(condition, a, b): `a` where the bool condition holds, else `b`. */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  isTensor(condition, 'where', 'condition', 1);
  isOperand(a, 'where', 'input', 2);
  isOperand(b, 'where', 'other', 3);
  if (condition.dtype !== 'bool') {
    throw new Error(
      `where: where expected condition to be a boolean tensor, but got a tensor with dtype ${torchDtypeName(condition.dtype)}`,
    );
  }
  const [c, x, y] = broadcastOperands('where', [condition, a, b]);
  const dtype = promoteTypes(dtypeOf(a), dtypeOf(b));
  const out = new Tensor(c.backend, c.backend.where(c.toView(), x.toView(), y.toView(), dtype), c.shape, dtype);
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
  return cast(where(mask, filler, t), t.dtype);
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
  const out = cast(sub(cast(gt(a, 0), a.dtype), cast(lt(a, 0), a.dtype)), a.dtype);
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

/** torch.atan2(input, other): the angle of the point (other, input), in (-π, π]; float32 for integers. */
export function atan2(y: TensorLike, x: TensorLike): Tensor {
  checkBinaryOperands('atan2', y, x);
  const angle = atan(div(y, x));
  const turned = where(lt(x, 0), add(angle, where(ge(y, 0), Math.PI, -Math.PI)), angle);
  return where(logicalAnd(eq(x, 0), eq(y, 0)), 0, turned);
}

/** torch.isnan. */
export const isnan = (a: Tensor): Tensor => ne(isTensor(a, 'isnan', 'input', 1), a);
/** torch.isinf: ±∞. */
export const isinf = (a: Tensor): Tensor => eq(abs(a), Infinity);
/** torch.isfinite: neither NaN nor ±∞. */
export const isfinite = (a: Tensor): Tensor => eq(sub(isTensor(a, 'isfinite', 'input', 1), a), 0);

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
