/**
 * Too many positional arguments to a Tensor method are a TypeError, as in PyTorch (`x.transpose(0, 1, 2)`:
 * "transpose() takes 2 positional arguments but 3 were given"), instead of being silently ignored. The
 * methods with a fixed parameter list are listed once below with how many arguments they take; installing
 * wraps each in a function of that arity that checks `arguments.length` and calls the method (V8 inlines
 * it: no measurable cost on the hot methods). Methods taking `...args` check their count when binding them.
 */
import { Tensor } from './tensor';

/** The most positional arguments each fixed-arity Tensor method takes (a trailing options object counts). */
export const methodArity: Readonly<Record<string, number>> = {
  // Shape, layout and values
  toView: 0,
  withLayout: 3,
  toString: 0,
  numel: 0,
  dim: 0,
  size: 1,
  isContiguous: 0,
  dataSync: 0,
  data: 0,
  toArray: 0,
  tolist: 0,
  item: 0,
  // Movement
  transpose: 2,
  t: 0,
  unsqueeze: 1,
  expandAs: 1,
  contiguous: 0,
  clone: 0,
  narrow: 3,
  slice: 4,
  select: 2,
  // Elementwise
  add: 2,
  sub: 2,
  mul: 1,
  div: 2,
  pow: 1,
  maximum: 1,
  minimum: 1,
  eq: 1,
  ne: 1,
  lt: 1,
  le: 1,
  gt: 1,
  ge: 1,
  logicalAnd: 1,
  logicalOr: 1,
  logicalXor: 1,
  logicalNot: 0,
  neg: 0,
  exp: 0,
  log: 0,
  sqrt: 0,
  tanh: 0,
  sigmoid: 0,
  relu: 0,
  gelu: 0,
  abs: 0,
  sin: 0,
  cos: 0,
  tan: 0,
  asin: 0,
  acos: 0,
  atan: 0,
  sinh: 0,
  cosh: 0,
  expm1: 0,
  log1p: 0,
  floor: 0,
  ceil: 0,
  round: 0,
  trunc: 0,
  frac: 0,
  exp2: 0,
  log2: 0,
  log10: 0,
  reciprocal: 0,
  rsqrt: 0,
  square: 0,
  sign: 0,
  isnan: 0,
  isinf: 0,
  isfinite: 0,
  clamp: 2,
  clip: 2,
  atan2: 1,
  fmod: 1,
  remainder: 1,
  floorDivide: 1,
  lerp: 2,
  bitwiseAnd: 1,
  bitwiseOr: 1,
  bitwiseXor: 1,
  bitwiseNot: 0,
  equal: 1,
  maskedFill: 2,
  // Conversions
  type: 1,
  float: 0,
  double: 0,
  half: 0,
  int: 0,
  long: 0,
  bool: 0,
  cpu: 0,
  numpy: 0,
  elementSize: 0,
  stride: 1,
  storageOffset: 0,
  // Indexing and arranging
  indexPut_: 3,
  gather: 3,
  scatter: 4,
  scatterAdd: 3,
  indexSelect: 2,
  indexAdd: 4,
  maskedSelect: 1,
  take: 1,
  nonzero: 1,
  movedim: 2,
  moveaxis: 2,
  swapaxes: 2,
  swapdims: 2,
  broadcastTo: 1,
  // In place
  fill_: 1,
  zero_: 0,
  maskedFill_: 2,
  copy_: 1,
  add_: 2,
  sub_: 2,
  mul_: 1,
  div_: 1,
  pow_: 1,
  exp_: 0,
  log_: 0,
  sqrt_: 0,
  tanh_: 0,
  sigmoid_: 0,
  relu_: 0,
  neg_: 0,
  abs_: 0,
  clamp_: 2,
  clip_: 2,
  // Autograd
  requiresGrad_: 1,
  retainGrad: 0,
  backward: 2,
  detach: 0,
  // Reductions and linear algebra
  aminmax: 1,
  matmul: 1,
  bmm: 1,
  mm: 1,
};

/** PyTorch's text for too many arguments: "exp() takes no arguments (1 given)", "... takes 2 positional arguments but 3 were given". */
export function arityError(name: string, most: number, given: number): TypeError {
  if (most === 0) return new TypeError(`${name}: ${name}() takes no arguments (${given} given)`);
  const plural = most === 1 ? 'argument' : 'arguments';
  return new TypeError(`${name}: ${name}() takes ${most} positional ${plural} but ${given} were given`);
}

type Method = (this: Tensor, ...args: unknown[]) => unknown;

/** A wrapper of `method` for each arity: fixed parameters, so calls stay monomorphic and allocate nothing. */
function checked(name: string, most: number, method: Method): Method {
  switch (most) {
    case 0:
      return function (this: Tensor) {
        if (arguments.length > 0) throw arityError(name, 0, arguments.length);
        return method.call(this);
      };
    case 1:
      return function (this: Tensor, a?: unknown) {
        if (arguments.length > 1) throw arityError(name, 1, arguments.length);
        return method.call(this, a);
      };
    case 2:
      return function (this: Tensor, a?: unknown, b?: unknown) {
        if (arguments.length > 2) throw arityError(name, 2, arguments.length);
        return method.call(this, a, b);
      };
    case 3:
      return function (this: Tensor, a?: unknown, b?: unknown, c?: unknown) {
        if (arguments.length > 3) throw arityError(name, 3, arguments.length);
        return method.call(this, a, b, c);
      };
    default:
      return function (this: Tensor, a?: unknown, b?: unknown, c?: unknown, d?: unknown) {
        if (arguments.length > most) throw arityError(name, most, arguments.length);
        return method.call(this, a, b, c, d);
      };
  }
}

/** Wraps every method of {@link methodArity} on Tensor.prototype once (later calls do nothing). */
export function installMethodArityChecks(): void {
  const prototype = Tensor.prototype as unknown as Record<string, Method & { arityChecked?: boolean }>;
  if (Object.values(methodArity).some((most) => most > 4)) throw new Error('methodArity: at most 4 arguments');
  for (const [name, most] of Object.entries(methodArity)) {
    const method = prototype[name];
    if (typeof method !== 'function' || method.arityChecked) continue;
    const wrapper = checked(name, most, method) as Method & { arityChecked?: boolean };
    wrapper.arityChecked = true;
    Object.defineProperty(prototype, name, { value: wrapper, writable: true, configurable: true, enumerable: false });
  }
}

installMethodArityChecks();
