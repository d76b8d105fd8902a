/** The `optim` namespace of the engine's public API (torch.optim): optimizers and learning-rate schedulers. */
export { Optimizer } from './optimizer';
export type {
  BaseOptions,
  OptimizerStateDict,
  ParamGroup,
  ParamGroupInput,
  ParamState,
  ParamsInput,
  ZeroGradOptions,
} from './optimizer';
export { SGD, type SGDOptions } from './sgd';
export { Adam, type AdamOptions } from './adam';
export { AdamW } from './adamW';
export * as lrScheduler from './lrScheduler';
