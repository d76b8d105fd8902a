/** torch.optim.SGD: stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum. */
import { isBool, isNumber } from '../arguments';
import type { Tensor } from '../tensor';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer';

/** SGD's options (PyTorch's names camelCased: weightDecay is weight_decay). */
export interface SGDOptions {
  /** The learning rate; required, as torch's (PyTorch: lr). */
  lr: number;
  /** Momentum factor, 0 for none (PyTorch: momentum). */
  momentum: number;
  /** Dampening of the momentum: the new grad counts 1 - dampening (PyTorch: dampening). */
  dampening: number;
  /** L2 penalty added to the grad (PyTorch: weight_decay). */
  weightDecay: number;
  /** Nesterov momentum; needs momentum > 0 and no dampening (PyTorch: nesterov). */
  nesterov: boolean;
  /** Maximizes the objective instead of minimizing it (PyTorch: maximize). */
  maximize: boolean;
}

const sgdSpec = {
  lr: isNumber,
  momentum: isNumber,
  dampening: isNumber,
  weightDecay: isNumber,
  nesterov: isBool,
  maximize: isBool,
};

/**
 * torch.optim.SGD: `new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 })`. Each step (torch 1.13's
 * formulas): g = grad (+ weightDecay * p); with momentum, buf = g on the first step, then
 * buf = momentum * buf + (1 - dampening) * g, and g = buf (Nesterov: g + momentum * buf); p -= lr * g.
 */
export class SGD extends Optimizer<SGDOptions> {
  /**
   * `new optim.SGD(model.parameters(), { lr, momentum, dampening, weightDecay, nesterov, maximize })`; lr is
   * required.
   */
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> & { lr: number }) {
    const defaults = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...options };
    super(params, defaults, 'SGD', sgdSpec);
  }

  protected validate({ lr, momentum, dampening, weightDecay, nesterov }: SGDOptions): void {
    if (lr < 0) throw new Error(`${this.name}: Invalid learning rate: ${lr}`);
    if (momentum < 0) throw new Error(`${this.name}: Invalid momentum value: ${momentum}`);
    if (weightDecay < 0) throw new Error(`${this.name}: Invalid weight_decay value: ${weightDecay}`);
    if (nesterov && (momentum <= 0 || dampening !== 0)) {
      throw new Error(`${this.name}: Nesterov momentum requires a momentum and zero dampening`);
    }
  }

  protected updateGroup(group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    for (const param of group.params) {
      if (param.grad === null) continue;
      let step: Tensor = maximize ? param.grad.neg() : param.grad;
      if (weightDecay !== 0) step = step.add(param, weightDecay);
      const state = this.stateOf(param);
      if (momentum !== 0) {
        const previous = state.momentumBuffer as Tensor | null | undefined;
        const buffer = previous ? previous.mul(momentum).add(step, 1 - dampening) : step.clone();
        state.momentumBuffer = buffer;
        step = nesterov ? step.add(buffer, momentum) : buffer;
      } else {
        state.momentumBuffer = null;
      }
      param.add_(step, -lr);
    }
  }
}
