/**
 * zero_grad's work, shared by nn.Module.zeroGrad and Optimizer.zeroGrad: each parameter's accumulated
 * gradient zeroed in place (torch 1.13's default), or set to null (set_to_none=True).
 */
import type { Tensor } from '../tensor';
import { noGrad } from './gradMode';

/** Zeroes (or, with `setToNone`, drops) the `.grad` of each of `parameters`. */
export function zeroGrads(parameters: Iterable<Tensor>, setToNone: boolean): void {
  for (const parameter of parameters) {
    const grad = parameter.grad;
    if (grad === null) continue;
    if (setToNone) parameter.grad = null;
    else noGrad(() => grad.detach().zero_());
  }
}
