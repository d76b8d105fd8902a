/** Parameter initialisation as torch.nn.init does it, drawn from the engine's seeded stream. */
import { rand, randn } from '../ops/creation';
import type { Tensor } from '../tensor';

/** U(-bound, bound). */
export function uniform(shape: number[], bound: number): Tensor {
  return rand(shape)
    .mul(2 * bound)
    .sub(bound);
}

/** fan_in and fan_out of a weight, as torch's _calculate_fan_in_and_fan_out. */
export function fans(shape: readonly number[]): [number, number] {
  const receptive = shape.slice(2).reduce((n, d) => n * d, 1);
  return [shape.length > 1 ? shape[1] * receptive : shape[0], shape[0] * receptive];
}

/** kaiming_uniform_(a=√5): nn.Linear's default weight init, U(±1/√fan_in). */
export function kaimingUniformLinear(shape: number[]): Tensor {
  return uniform(shape, 1 / Math.sqrt(fans(shape)[0]));
}

/** xavier_uniform_: U(±√(6 / (fan_in + fan_out))), over the whole tensor. */
export function xavierUniform(shape: number[]): Tensor {
  const [fanIn, fanOut] = fans(shape);
  return uniform(shape, Math.sqrt(6 / (fanIn + fanOut)));
}

/** xavier_normal_: N(0, 2 / (fan_in + fan_out)). */
export function xavierNormal(shape: number[]): Tensor {
  const [fanIn, fanOut] = fans(shape);
  return randn(shape).mul(Math.sqrt(2 / (fanIn + fanOut)));
}
