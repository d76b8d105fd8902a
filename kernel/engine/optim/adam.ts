/** torch.optim.Adam: adaptive moment estimation with bias correction, optional AMSGrad and L2 weight decay. */
import { isBool, isNumber, type ArgumentCheck } from '../arguments';
import { maximum } from '../ops/elementwise';
import { zerosLike } from '../ops/creation';
import type { AdamStepScalars } from '../backend';
import { bumpVersion } from '../ops/inplace';
import type { Tensor } from '../tensor';
import { Optimizer, type ParamGroup, type ParamsInput } from './optimizer';

/** Adam's and AdamW's options (PyTorch's names camelCased: weightDecay is weight_decay). */
export interface AdamOptions {
  /** The learning rate (PyTorch: lr, default 1e-3). */
  lr: number;
  /** The decay rates of the first and second moment estimates (PyTorch: betas, default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (PyTorch: eps, default 1e-8). */
  eps: number;
  /** Weight decay: an L2 penalty in Adam (default 0), decoupled in AdamW (default 1e-2) (PyTorch: weight_decay). */
  weightDecay: number;
  /** Uses the maximum of the second moment estimates so far (AMSGrad) (PyTorch: amsgrad). */
  amsgrad: boolean;
  /** Maximizes the objective instead of minimizing it (PyTorch: maximize). */
  maximize: boolean;
}

const isBetas: ArgumentCheck<[number, number]> = (value, call, argument) => {
  if (!Array.isArray(value) || value.length !== 2 || value.some((v) => typeof v !== 'number')) {
    throw new TypeError(`${call}: argument '${argument}' must be a pair of floats, e.g. [0.9, 0.999]`);
  }
  return value as [number, number];
};

const adamSpec = {
  lr: isNumber,
  betas: isBetas,
  eps: isNumber,
  weightDecay: isNumber,
  amsgrad: isBool,
  maximize: isBool,
};

/**
 * torch.optim.Adam: `new optim.Adam(model.parameters(), { lr: 1e-3 })`. Each step t (torch 1.13's formulas):
 * g = grad (+ weightDecay * p), m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g^2 (AMSGrad: v̂ the
 * running max of v), p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
 */
export class Adam extends Optimizer<AdamOptions> {
  /** `new optim.Adam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.999], eps, weightDecay, amsgrad, maximize })`. */
  constructor(params: ParamsInput<AdamOptions>, options?: Partial<AdamOptions>) {
    super(params, { ...adamDefaults(0), ...options }, new.target.name, adamSpec);
  }

  /** True in AdamW: the weight decay shrinks the parameter instead of adding to the grad. */
  protected get decoupledWeightDecay(): boolean {
    return false;
  }

  protected validate({ lr, betas, eps, weightDecay }: AdamOptions): void {
    if (!(lr >= 0)) throw new Error(`${this.name}: Invalid learning rate: ${lr}`);
    if (!(eps >= 0)) throw new Error(`${this.name}: Invalid epsilon value: ${eps}`);
    betas.forEach((beta, i) => {
      if (!(beta >= 0 && beta < 1)) throw new Error(`${this.name}: Invalid beta parameter at index ${i}: ${beta}`);
    });
    if (!(weightDecay >= 0)) throw new Error(`${this.name}: Invalid weight_decay value: ${weightDecay}`);
  }

  protected updateGroup(group: ParamGroup<AdamOptions>): void {
    const { lr, betas, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = betas;
    for (const param of group.params) {
      if (param.grad === null) continue;
      const state = this.stateOf(param);
      if (state.step === undefined) {
        Object.assign(state, { step: 0, expAvg: zerosLike(param), expAvgSq: zerosLike(param) });
      }
      if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = zerosLike(param);
      const step = (state.step as number) + 1;
      state.step = step;
      const moments: AdamMoments = {
        expAvg: state.expAvg as Tensor,
        expAvgSq: state.expAvgSq as Tensor,
        maxExpAvgSq: amsgrad ? (state.maxExpAvgSq as Tensor) : null,
      };
      const scalars: AdamStepScalars = {
        beta1,
        beta2,
        eps,
        weightDecay: this.decoupledWeightDecay ? 0 : weightDecay,
        paramScale: this.decoupledWeightDecay ? 1 - lr * weightDecay : 1,
        stepSize: lr / (1 - beta1 ** step),
        biasCorrection2Sqrt: Math.sqrt(1 - beta2 ** step),
        maximize,
      };
      if (!fusedAdamStep(param, param.grad, moments, scalars)) composedAdamStep(param, param.grad, moments, scalars);
    }
  }
}

/** A parameter's Adam state tensors, updated in place each step (torch's exp_avg, exp_avg_sq, max_exp_avg_sq). */
interface AdamMoments {
  expAvg: Tensor;
  expAvgSq: Tensor;
  maxExpAvgSq: Tensor | null;
}

const denseFloat = (t: Tensor) => t.dtype === 'float32' && t.isContiguous();

/**
 * The step as the backend's one-pass adamStep, where it has one and every tensor it writes is a dense float32
 * one; bumps the written tensors' versions as in-place ops do. False when the step must be composed.
 */
function fusedAdamStep(param: Tensor, grad: Tensor, moments: AdamMoments, scalars: AdamStepScalars): boolean {
  const { expAvg, expAvgSq, maxExpAvgSq } = moments;
  const written = [param, expAvg, expAvgSq, ...(maxExpAvgSq ? [maxExpAvgSq] : [])];
  const backend = param.backend;
  if (!backend.adamStep || grad.dtype !== 'float32' || !written.every(denseFloat)) return false;
  if (written.some((t) => t.backend !== backend) || grad.backend !== backend) return false;
  const views = { param: param.toView(), grad: grad.toView(), expAvg: expAvg.toView(), expAvgSq: expAvgSq.toView() };
  backend.adamStep({ ...views, maxExpAvgSq: maxExpAvgSq && maxExpAvgSq.toView() }, scalars);
  written.forEach(bumpVersion);
  if (scalars.paramScale !== 1) bumpVersion(param); // as the composed step's (and torch's) param.mul_ does
  return true;
}

/** The step from elementwise ops, in torch 1.13's order (its _single_tensor_adam), the state updated in place. */
function composedAdamStep(param: Tensor, grad: Tensor, moments: AdamMoments, scalars: AdamStepScalars): void {
  const { expAvg, expAvgSq, maxExpAvgSq } = moments;
  const { beta1, beta2, eps, weightDecay, paramScale, stepSize, biasCorrection2Sqrt, maximize } = scalars;
  if (maximize) grad = grad.neg();
  if (paramScale !== 1) param.mul_(paramScale);
  if (weightDecay !== 0) grad = grad.add(param, weightDecay);
  expAvg.mul_(beta1).add_(grad, 1 - beta1);
  expAvgSq.mul_(beta2).add_(grad.mul(grad).mul(1 - beta2));
  let secondMoment = expAvgSq;
  if (maxExpAvgSq) secondMoment = maxExpAvgSq.copy_(maximum(maxExpAvgSq, expAvgSq));
  const denominator = secondMoment.sqrt().div(biasCorrection2Sqrt).add(eps);
  param.add_(expAvg.div(denominator).mul(-stepSize));
}

/** Adam's defaults, with AdamW's weight decay differing. */
export function adamDefaults(weightDecay: number): AdamOptions {
  return { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false };
}
