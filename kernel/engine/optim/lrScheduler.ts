/**
 * optim.lrScheduler (torch.optim.lr_scheduler): StepLR, CosineAnnealingLR and LambdaLR, which set each
 * parameter group's `lr` once per `step()` with torch 1.13's chainable formulas (the same lr sequence).
 */
import { isInt, isNumber, optionalArguments, typeName, type PositionalOrOptions } from '../arguments';
import { Optimizer } from './optimizer';

/** Options every scheduler takes (PyTorch: last_epoch). */
export interface LRSchedulerOptions {
  /** The last epoch's index when resuming; -1 (the default) starts from the current lr (PyTorch: last_epoch). */
  lastEpoch?: number;
}

/** torch.optim.lr_scheduler._LRScheduler: steps the epoch counter and writes each group's lr. */
export abstract class LRScheduler {
  /** The groups' lr when the schedule started (PyTorch: base_lrs). */
  readonly baseLrs: number[];
  /** The epoch of the last `step()`, 0 after construction (PyTorch: last_epoch). */
  lastEpoch: number;
  /** How many times `step()` has run, the one of the constructor included. */
  protected stepCount = 0;
  private lastLr: number[] = [];

  protected constructor(
    /** The optimizer whose groups' lr the scheduler writes (PyTorch: optimizer). */
    readonly optimizer: Optimizer,
    lastEpoch = -1,
  ) {
    if (!(optimizer instanceof Optimizer))
      throw new TypeError(`${new.target.name}: ${typeName(optimizer)} is not an Optimizer`);
    optimizer.paramGroups.forEach((group, i) => {
      if (lastEpoch === -1) group.initialLr ??= group.lr;
      else if (group.initialLr === undefined) {
        throw new Error(
          `${new.target.name}: param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`,
        );
      }
    });
    this.baseLrs = optimizer.paramGroups.map((group) => group.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** The lr of each group for the epoch `lastEpoch`, from the current ones (torch's get_lr). */
  protected abstract nextLrs(): number[];

  /** Advances one epoch and sets each group's lr (call it after `optimizer.step()`). */
  step(): void {
    this.stepCount += 1;
    this.lastEpoch += 1;
    const lrs = this.nextLrs();
    this.optimizer.paramGroups.forEach((group, i) => (group.lr = lrs[i]));
    this.lastLr = lrs;
  }

  /** The lr of each group that the last `step()` set (PyTorch: get_last_lr()). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The groups' current lr. */
  protected currentLrs(): number[] {
    return this.optimizer.paramGroups.map((group) => group.lr);
  }
}

/** StepLR's options (PyTorch: gamma, last_epoch). */
export interface StepLROptions extends LRSchedulerOptions {
  /** The factor of the lr every stepSize epochs (default 0.1). */
  gamma?: number;
}

/** optim.lrScheduler.StepLR(optimizer, stepSize, { gamma }) (or gamma positionally): multiplies the lr by gamma every stepSize epochs. */
export class StepLR extends LRScheduler {
  /** The factor of the lr every stepSize epochs (PyTorch: gamma). */
  readonly gamma: number;

  /** `new optim.lrScheduler.StepLR(optimizer, stepSize, { gamma: 0.1, lastEpoch })`. */
  constructor(
    optimizer: Optimizer,
    /** Epochs between two decays (PyTorch: step_size). */
    readonly stepSize: number,
    ...args: PositionalOrOptions<[gamma: number, lastEpoch: number], StepLROptions>
  ) {
    const { gamma = 0.1, lastEpoch } = optionalArguments('StepLR', args, { gamma: isNumber, lastEpoch: isInt }, 3);
    isInt(stepSize, 'StepLR', 'step_size', 2);
    super(optimizer, lastEpoch);
    this.gamma = gamma;
    this.step();
  }

  protected nextLrs(): number[] {
    const lrs = this.currentLrs();
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }
}

/** CosineAnnealingLR's options (PyTorch: eta_min, last_epoch). */
export interface CosineAnnealingLROptions extends LRSchedulerOptions {
  /** The minimum lr; default 0 (PyTorch: eta_min). */
  etaMin?: number;
}

/**
 * optim.lrScheduler.CosineAnnealingLR(optimizer, tMax, { etaMin }): the lr follows a cosine from the base lr
 * down to etaMin over tMax epochs (and back up after, as torch's).
 */
export class CosineAnnealingLR extends LRScheduler {
  /** The minimum lr (PyTorch: eta_min). */
  readonly etaMin: number;

  /** `new optim.lrScheduler.CosineAnnealingLR(optimizer, tMax, { etaMin: 0, lastEpoch })`. */
  constructor(
    optimizer: Optimizer,
    /** Epochs from the base lr down to etaMin (PyTorch: T_max). */
    readonly tMax: number,
    ...args: PositionalOrOptions<[etaMin: number, lastEpoch: number], CosineAnnealingLROptions>
  ) {
    const spec = { etaMin: isNumber, lastEpoch: isInt };
    const { etaMin = 0, lastEpoch } = optionalArguments('CosineAnnealingLR', args, spec, 3);
    isNumber(tMax, 'CosineAnnealingLR', 'T_max', 2);
    super(optimizer, lastEpoch);
    this.etaMin = etaMin;
    this.step();
  }

  protected nextLrs(): number[] {
    const { lastEpoch: epoch, tMax, etaMin } = this;
    const lrs = this.currentLrs();
    if (epoch === 0) return lrs;
    if (this.stepCount === 1 && epoch > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((epoch * Math.PI) / tMax))) / 2);
    }
    if ((epoch - 1 - tMax) % (2 * tMax) === 0) {
      return lrs.map((lr, i) => lr + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    const ratio = (1 + Math.cos((Math.PI * epoch) / tMax)) / (1 + Math.cos((Math.PI * (epoch - 1)) / tMax));
    return lrs.map((lr) => ratio * (lr - etaMin) + etaMin);
  }
}

/**
 * optim.lrScheduler.LambdaLR(optimizer, lrLambda): each group's lr is its base lr times lrLambda(epoch); one
 * function, or one per group.
 */
export class LambdaLR extends LRScheduler {
  /** One factor function per group: lr = base lr · lrLambdas[i](epoch) (PyTorch: lr_lambdas). */
  readonly lrLambdas: ((epoch: number) => number)[];

  /** `new optim.lrScheduler.LambdaLR(optimizer, (epoch) => factor)`, or one function per parameter group. */
  constructor(
    optimizer: Optimizer,
    lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[],
    ...args: PositionalOrOptions<[lastEpoch: number], LRSchedulerOptions>
  ) {
    const { lastEpoch } = optionalArguments('LambdaLR', args, { lastEpoch: isInt }, 3);
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda) && lrLambda.length !== groups) {
      throw new Error(`LambdaLR: Expected ${groups} lr_lambdas, but got ${lrLambda.length}`);
    }
    super(optimizer, lastEpoch);
    this.lrLambdas = Array.isArray(lrLambda) ? [...lrLambda] : Array.from({ length: groups }, () => lrLambda);
    this.step();
  }

  protected nextLrs(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i](this.lastEpoch));
  }
}
