/** torch.optim.AdamW: Adam with decoupled weight decay. */
import { Adam, adamDefaults, type AdamOptions } from './adam';
import type { ParamsInput } from './optimizer';

/**
 * torch.optim.AdamW: `new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 1e-2 })`. Adam's step
 * with the weight decay applied to the parameter before it (p *= 1 - lr * weightDecay) instead of to the grad.
 */
export class AdamW extends Adam {
  /**
   * `new optim.AdamW(model.parameters(), { lr: 1e-3, betas, eps, weightDecay: 1e-2, amsgrad, maximize })`: decoupled
   * weight decay.
   */
  constructor(params: ParamsInput<AdamOptions>, options?: Partial<AdamOptions>) {
    super(params, { ...adamDefaults(1e-2), ...options });
  }

  protected override get decoupledWeightDecay(): boolean {
    return true;
  }
}
