/** Elementwise ops with NumPy/PyTorch broadcasting and torch's dtype rules. */
import type { BinaryOp, UnaryOp } from '../backend';
import { bindArguments, isOperand, isScalarNumber, isTensor, isTensorOrScalar } from '../arguments';
import { dtypeOfScalar, isFloating, promoteTypes, torchDtypeName, type DType } from '../dtype';
import { broadcastShapes } from '../shape';
import { Tensor, type TensorLike } from '../tensor';
import { scalarLike } from './creation';
import { checkSameBackend, expand } from './movement';

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
  return new Tensor(x.backend, x.backend.binary(op, x.toView(), y.toView(), dtype), x.shape, dtype);
}

function unary(op: UnaryOp, kind: ResultType | 'same', a: Tensor): Tensor {
  isTensor(a, op, 'input', 1);
  const dtype = kind === 'same' ? a.dtype : resultDtype(kind, a.dtype, a.dtype);
  return new Tensor(a.backend, a.backend.unary(op, a.toView(), dtype), a.shape, dtype);
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
  return new Tensor(c.backend, c.backend.where(c.toView(), x.toView(), y.toView(), dtype), c.shape, dtype);
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
