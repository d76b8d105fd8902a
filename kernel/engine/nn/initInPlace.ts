/**
 * torch.nn.init: the initialisers that fill an existing tensor in place (a parameter, usually), drawn from
 * the engine's seeded stream: `nn.init.xavierUniform_(layer.weight)`, `nn.init.normal_(w, { std: 0.02 })`.
 * Each returns the tensor it filled. PyTorch's keyword parameters go positionally or in an options object.
 */
import { isNumber, isOneOf, isTensor, optionalArguments, type PositionalOrOptions } from '../arguments';
import { eye } from '../ops/creation';
import { noGrad } from '../autograd/gradMode';
import * as inplaceOps from '../ops/inplace';
import type { Tensor } from '../tensor';
import { fans } from './init';

/** An in-place write run without recording, as torch's nn.init runs under no_grad: parameters can be initialised. */
function withoutGrad<A extends unknown[]>(op: (...args: A) => Tensor): (...args: A) => Tensor {
  return (...args) => noGrad(() => op(...args));
}
const inplace = {
  uniform_: withoutGrad(inplaceOps.uniform_),
  normal_: withoutGrad(inplaceOps.normal_),
  fill_: withoutGrad(inplaceOps.fill_),
  zero_: withoutGrad(inplaceOps.zero_),
  copy_: withoutGrad(inplaceOps.copy_),
};

/** torch's `_calculate_fan_in_and_fan_out`, with its error for vectors and scalars. */
function fanInAndOut(call: string, tensor: Tensor): [number, number] {
  if (tensor.ndim < 2) {
    throw new Error(`${call}: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions`);
  }
  return fans(tensor.shape);
}

/** Fills `tensor` with U(a, b): `nn.init.uniform_(w, -0.1, 0.1)` or `nn.init.uniform_(w, { a: -0.1, b: 0.1 })`. */
export function uniform_(
  tensor: Tensor,
  ...args: PositionalOrOptions<
    [a: number, b: number],
    {
      /** The lower bound; default 0 (PyTorch: a). */
      a?: number;
      /** The upper bound; default 1 (PyTorch: b). */
      b?: number;
    }
  >
) {
  isTensor(tensor, 'uniform_', 'tensor', 1);
  const { a = 0, b = 1 } = optionalArguments('uniform_', args, { a: isNumber, b: isNumber }, 2);
  return inplace.uniform_(tensor, a, b);
}

/** Fills `tensor` with N(mean, std²): `nn.init.normal_(w, 0, 0.02)` or `nn.init.normal_(w, { std: 0.02 })`. */
export function normal_(
  tensor: Tensor,
  ...args: PositionalOrOptions<
    [mean: number, std: number],
    {
      /** The mean; default 0 (PyTorch: mean). */
      mean?: number;
      /** The standard deviation; default 1 (PyTorch: std). */
      std?: number;
    }
  >
): Tensor {
  isTensor(tensor, 'normal_', 'tensor', 1);
  const { mean = 0, std = 1 } = optionalArguments('normal_', args, { mean: isNumber, std: isNumber }, 2);
  return inplace.normal_(tensor, mean, std);
}

/** Fills `tensor` with `val` (PyTorch: val), cast to its dtype. */
export function constant_(tensor: Tensor, val: number): Tensor {
  isTensor(tensor, 'constant_', 'tensor', 1);
  return inplace.fill_(tensor, isNumber(val, 'constant_', 'val', 2));
}

/** Fills `tensor` with ones. */
export function ones_(tensor: Tensor): Tensor {
  return inplace.fill_(isTensor(tensor, 'ones_', 'tensor', 1), 1);
}

/** Fills `tensor` with zeros. */
export function zeros_(tensor: Tensor): Tensor {
  return inplace.zero_(isTensor(tensor, 'zeros_', 'tensor', 1));
}

/** Fills a 2-D `tensor` with the identity matrix (ones on the diagonal, for a rectangular one too). */
export function eye_(tensor: Tensor): Tensor {
  isTensor(tensor, 'eye_', 'tensor', 1);
  if (tensor.ndim !== 2) throw new Error('eye_: Only tensors with 2 dimensions are supported');
  return inplace.copy_(tensor, eye(tensor.shape[0], tensor.shape[1]));
}

const nonlinearities = [
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
  'sigmoid',
  'tanh',
  'relu',
  'leaky_relu',
  'selu',
] as const;
/** A nonlinearity `calculateGain` knows (PyTorch's names). */
export type Nonlinearity = (typeof nonlinearities)[number];

/**
 * torch's calculate_gain: the recommended scale of an initialisation for a nonlinearity (tanh 5/3, relu
 * √2, leaky_relu √(2 / (1 + slope²)) with `param` the negative slope, 0.01 by default, selu 3/4, else 1).
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (!(nonlinearities as readonly string[]).includes(nonlinearity)) {
    throw new Error(`calculateGain: Unsupported nonlinearity ${String(nonlinearity)}`);
  }
  if (nonlinearity === 'tanh') return 5 / 3;
  if (nonlinearity === 'relu') return Math.SQRT2;
  if (nonlinearity === 'selu') return 3 / 4;
  if (nonlinearity !== 'leaky_relu') return 1;
  if (param !== undefined && typeof param !== 'number') {
    throw new Error(`calculateGain: negative_slope ${String(param)} not a valid number`);
  }
  const slope = param ?? 0.01;
  return Math.sqrt(2 / (1 + slope * slope));
}

const gainSpec = { gain: isNumber };

/** xavier_uniform_: U(±gain·√(6 / (fan_in + fan_out))): `nn.init.xavierUniform_(w)`, `(w, gain)`, `(w, {gain})`. */
export function xavierUniform_(
  tensor: Tensor,
  ...args: PositionalOrOptions<
    [gain: number],
    {
      /** Scales the bound; default 1 (PyTorch: gain). */
      gain?: number;
    }
  >
) {
  isTensor(tensor, 'xavierUniform_', 'tensor', 1);
  const { gain = 1 } = optionalArguments('xavierUniform_', args, gainSpec, 2);
  const [fanIn, fanOut] = fanInAndOut('xavierUniform_', tensor);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return inplace.uniform_(tensor, -bound, bound);
}

/** xavier_normal_: N(0, gain²·2 / (fan_in + fan_out)): `nn.init.xavierNormal_(w)`, `(w, gain)`, `(w, { gain })`. */
export function xavierNormal_(
  tensor: Tensor,
  ...args: PositionalOrOptions<
    [gain: number],
    {
      /** Scales the bound; default 1 (PyTorch: gain). */
      gain?: number;
    }
  >
) {
  isTensor(tensor, 'xavierNormal_', 'tensor', 1);
  const { gain = 1 } = optionalArguments('xavierNormal_', args, gainSpec, 2);
  const [fanIn, fanOut] = fanInAndOut('xavierNormal_', tensor);
  return inplace.normal_(tensor, 0, gain * Math.sqrt(2 / (fanIn + fanOut)));
}

/** Keyword arguments of kaimingUniform_ and kaimingNormal_. */
export interface KaimingOptions {
  /** The negative slope of the leaky_relu after this layer, 0 by default (PyTorch: a). */
  a?: number;
  /** 'fan_in' (the default) keeps the forward pass's variance, 'fan_out' the backward pass's (PyTorch: mode). */
  mode?: 'fan_in' | 'fan_out';
  /** The nonlinearity after this layer, 'leaky_relu' by default (PyTorch: nonlinearity). */
  nonlinearity?: Nonlinearity;
}
const kaimingSpec = {
  a: isNumber,
  mode: isOneOf(['fan_in', 'fan_out'] as const),
  nonlinearity: isOneOf(nonlinearities),
};
type KaimingArgs = PositionalOrOptions<
  [a: number, mode: 'fan_in' | 'fan_out', nonlinearity: Nonlinearity],
  KaimingOptions
>;

/**
 * A Kaiming initialiser: `fill` with the standard deviation He et al. give the tensor's fan and nonlinearity,
 * gain / √fan. An empty tensor is left as it is (PyTorch: "Initializing zero-element tensors is a no-op").
 */
function kaiming(call: string, tensor: Tensor, args: KaimingArgs, fill: (std: number) => Tensor): Tensor {
  isTensor(tensor, call, 'tensor', 1);
  const { a = 0, mode = 'fan_in', nonlinearity = 'leaky_relu' } = optionalArguments(call, args, kaimingSpec, 2);
  if (tensor.numel() === 0) return tensor;
  const [fanIn, fanOut] = fanInAndOut(call, tensor);
  return fill(calculateGain(nonlinearity, a) / Math.sqrt(mode === 'fan_in' ? fanIn : fanOut));
}

/**
 * kaiming_uniform_: U(±√3·std), std = gain / √fan:
 * `nn.init.kaimingUniform_(w, { mode: 'fan_out', nonlinearity: 'relu' })`.
 */
export function kaimingUniform_(tensor: Tensor, ...args: KaimingArgs): Tensor {
  return kaiming('kaimingUniform_', tensor, args, (std) =>
    inplace.uniform_(tensor, -Math.sqrt(3) * std, Math.sqrt(3) * std),
  );
}

/** kaiming_normal_: N(0, std²), std = gain / √fan: `nn.init.kaimingNormal_(w, { mode: 'fan_out' })`. */
export function kaimingNormal_(tensor: Tensor, ...args: KaimingArgs): Tensor {
  return kaiming('kaimingNormal_', tensor, args, (std) => inplace.normal_(tensor, 0, std));
}
