/**
 * The losses as PyTorch 1.13 computes them: F.crossEntropy (class indices, with weight, ignoreIndex and
 * label smoothing, or class probabilities), F.nllLoss, F.mseLoss, F.binaryCrossEntropyWithLogits, and the
 * nn.CrossEntropyLoss, nn.MSELoss and nn.BCEWithLogitsLoss modules. Written over differentiable ops
 * (logSoftmax, where, sum), so they are as stable as logsumexp and their gradients come from autograd.
 * Shapes: N batch entries, C classes, d1... extra dims of the (N, C, d1...) form.
 */
import { checkOptions, isNumber, isOneOf, isOptional, isTensor, isInt } from '../arguments';
import { renameGradFn } from '../autograd/derivatives';
import { fromValues } from '../ops/creation';
import { where } from '../ops/elementwise';
import { formatShape, torchSize } from '../shape';
import type { Tensor } from '../tensor';
import { Module } from './module';

/** How a loss's elements are combined (PyTorch: reduction). */
export type Reduction = 'none' | 'mean' | 'sum';

const isReduction = isOneOf(['none', 'mean', 'sum'] as const);

/** F.nllLoss's keyword arguments. */
export interface NllLossOptions {
  /** (C): a rescaling weight per class (PyTorch: weight). */
  weight?: Tensor | null;
  /** A target value that contributes nothing, to the loss or the mean's divisor (PyTorch: ignore_index); -100. */
  ignoreIndex?: number;
  /** 'mean' (over the targets' weights), 'sum' or 'none' (PyTorch: reduction); default 'mean'. */
  reduction?: Reduction;
}

/** F.crossEntropy's keyword arguments. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution by this amount, in [0, 1] (PyTorch: label_smoothing); 0. */
  labelSmoothing?: number;
}

const nllSpec = { weight: isOptional(isTensor), ignoreIndex: isInt, reduction: isReduction };
const crossEntropySpec = { ...nllSpec, labelSmoothing: isNumber };
const binaryCrossEntropySpec = {
  weight: isOptional(isTensor),
  posWeight: isOptional(isTensor),
  reduction: isReduction,
};

/** torch's reduction of a loss's elements ('mean' divides by the count). */
function reduce(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  return reduction === 'sum' ? loss.sum() : loss.mean();
}

/** PyTorch's ValueError for an unknown reduction (checked before the options' own check names the choices). */
function checkReduction(call: string, options: { reduction?: unknown } | undefined): void {
  const reduction = options?.reduction;
  if (typeof reduction === 'string' && !['none', 'mean', 'sum'].includes(reduction)) {
    throw new Error(`${call}: ${reduction} is not a valid value for reduction`);
  }
}

/** What nllLoss needs of the targets once checked: a mask of the target class, and the per-target weights. */
interface Targets {
  /** (N, d1..., C) bool: true at each counted element's target class (all false where ignored). */
  classMask: Tensor;
  /** (N, d1...): each target's class weight (0 where ignored). */
  weights: Tensor;
  /** (N, d1...) bool: where the target is ignoreIndex. */
  ignored: Tensor;
}

/**
 * Checks class-index targets against an input of C classes as PyTorch's nll_loss does (shapes, dtype,
 * range, weight size) and builds the masks. `input` is (C), (N, C) or (N, C, d1...).
 */
function classTargets(
  call: string,
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
): Targets {
  if (input.ndim < 1) throw new Error(`${call}: input tensor should be 1D or 2D`);
  if (target.dtype !== 'int32' || target.torchDtype === 'bool') {
    throw new Error(`${call}: expected scalar type Long but found ${target.dtype === 'float32' ? 'Float' : 'Bool'}`);
  }
  const classes = input.shape[input.ndim === 1 ? 0 : 1];
  if (input.ndim === 1 && target.ndim !== 0) {
    throw new Error(`${call}: size mismatch (got input: [${input.shape[0]}], target: ${formatShape(target.shape)})`);
  }
  if (input.ndim === 2 && (target.ndim !== 1 || target.shape[0] !== input.shape[0])) {
    const targetBatch = target.ndim === 0 ? 1 : target.shape[0];
    throw new Error(
      `${call}: Expected input batch_size (${input.shape[0]}) to match target batch_size (${targetBatch}).`,
    );
  }
  if (input.ndim > 2) {
    const expected = [input.shape[0], ...input.shape.slice(2)];
    const matches = target.ndim === expected.length && expected.every((d, i) => d === target.shape[i]);
    if (input.ndim === 4 && target.ndim !== 3) {
      throw new Error(
        `${call}: only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.ndim}`,
      );
    }
    if (input.ndim === 4 && !matches) {
      throw new Error(
        `${call}: size mismatch (got input: ${formatShape(input.shape)} , target: ${formatShape(target.shape)}`,
      );
    }
    if (!matches) {
      throw new Error(`${call}: Expected target size ${formatShape(expected)}, got ${formatShape(target.shape)}`);
    }
  }
  if (weight && (weight.ndim !== 1 || weight.shape[0] !== classes)) {
    throw new Error(
      `${call}: weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${formatShape(weight.shape)}`,
    );
  }
  // The targets are read once and checked here anyway, so the masks are written in the same pass (comparing
  // class indices on a backend would run as host loops in the native one).
  const values = target.dataSync();
  const classFlags = new Uint8Array(values.length * classes);
  const ignoredFlags = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === ignoreIndex) ignoredFlags[i] = 1;
    else if (value < 0 || value >= classes) throw new Error(`${call}: Target ${value} is out of bounds.`);
    else classFlags[i * classes + value] = 1;
  }
  const classMask = fromValues(classFlags, [...target.shape, classes], 'bool', input.backend); // (N, d1..., C)
  const ignored = fromValues(ignoredFlags, target.shape, 'bool', input.backend); // (N, d1...)
  const weights = weight
    ? where(classMask, weight, 0).sum(-1) // (N, d1...)
    : fromValues(
        ignoredFlags.map((flag) => 1 - flag),
        target.shape,
        'float32',
        input.backend,
      ); // (N, d1...)
  return { classMask, weights, ignored };
}

/** The class dim of an input moved last: (C) stays, (N, C, d1...) becomes (N, d1..., C). */
function classesLast(input: Tensor): Tensor {
  return input.ndim === 1 ? input : input.movedim(1, -1);
}

/** -weight[t]·input[t] per element, reduced: the core of nllLoss and crossEntropy. */
function negativeLogLikelihood(logProbabilities: Tensor, targets: Targets, reduction: Reduction): Tensor {
  const picked = where(targets.classMask, classesLast(logProbabilities), 0).sum(-1); // (N, d1...)
  const losses = picked.mul(targets.weights).neg(); // (N, d1...)
  if (reduction === 'mean') return losses.sum().div(targets.weights.sum());
  return reduce(losses, reduction);
}

/**
 * F.nll_loss: the negative log-likelihood of class-index targets given log-probabilities `input`
 * (C), (N, C) or (N, C, d1...), targets (), (N) or (N, d1...): `nllLoss(logp, target, { ignoreIndex: 0 })`.
 */
export function nllLoss(input: Tensor, target: Tensor, options?: NllLossOptions): Tensor {
  isTensor(input, 'nllLoss', 'input', 1);
  isTensor(target, 'nllLoss', 'target', 2);
  checkReduction('nllLoss', options);
  const { weight = null, ignoreIndex = -100, reduction = 'mean' } = checkOptions('nllLoss', options, nllSpec);
  const targets = classTargets('nllLoss', input, target, weight, ignoreIndex);
  return renameGradFn(negativeLogLikelihood(input, targets, reduction), 'NllLossBackward0');
}

/**
 * F.cross_entropy: logSoftmax over the class dim and the negative log-likelihood of the targets, as 1.13
 * computes it. `target` holds class indices (int, shape (), (N) or (N, d1...)) or class probabilities
 * (float, the input's shape): `crossEntropy(logits, labels, { ignoreIndex: 0, labelSmoothing: 0.1 })`.
 */
export function crossEntropy(input: Tensor, target: Tensor, options?: CrossEntropyOptions): Tensor {
  const call = 'crossEntropy';
  isTensor(input, call, 'input', 1);
  isTensor(target, call, 'target', 2);
  checkReduction(call, options);
  const checked = checkOptions(call, options, crossEntropySpec);
  const { weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 } = checked;
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new Error(`${call}: label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  }
  if (input.ndim < 1) throw new Error(`${call}: input tensor should be 1D or 2D`);
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  const logProbabilities = input.logSoftmax(classDim); // input's shape
  if (target.dtype === 'float32' && sameShape(input, target)) {
    return probabilityCrossEntropy(logProbabilities, target, weight, reduction, labelSmoothing);
  }
  const targets = classTargets(call, input, target, weight, ignoreIndex);
  const nll = renameGradFn(negativeLogLikelihood(logProbabilities, targets, reduction), 'NllLossBackward0');
  if (labelSmoothing === 0) return nll;
  const perClass = classesLast(logProbabilities); // (N, d1..., C)
  const smooth = where(targets.ignored, 0, (weight ? perClass.mul(weight) : perClass).sum(-1).neg()); // (N, d1...)
  // 'mean' divides the smoothing term by the counted targets' weights (their number without a weight), as nll does.
  const smoothed = reduction === 'mean' ? smooth.sum().div(targets.weights.sum()) : reduce(smooth, reduction);
  return nll.mul(1 - labelSmoothing).add(smoothed.mul(labelSmoothing / classes));
}

function sameShape(a: Tensor, b: Tensor): boolean {
  return a.ndim === b.ndim && a.shape.every((d, i) => d === b.shape[i]);
}

/** Cross entropy against class probabilities (a float target of the input's shape), as 1.13 computes it. */
function probabilityCrossEntropy(
  logProbabilities: Tensor,
  target: Tensor,
  weight: Tensor | null,
  reduction: Reduction,
  labelSmoothing: number,
): Tensor {
  const perClass = classesLast(logProbabilities); // (N, d1..., C)
  const classes = perClass.shape[perClass.ndim - 1];
  let probabilities = classesLast(target); // (N, d1..., C)
  if (labelSmoothing > 0) probabilities = probabilities.mul(1 - labelSmoothing).add(labelSmoothing / classes);
  const weighted = weight ? perClass.mul(probabilities).mul(weight) : perClass.mul(probabilities);
  const losses = weighted.sum(-1).neg(); // (N, d1...)
  return reduction === 'mean' ? losses.sum().div(losses.numel()) : reduce(losses, reduction);
}

/** F.mseLoss's and nn.MSELoss's keyword arguments. */
export interface ReductionOptions {
  /** 'mean', 'sum' or 'none' (PyTorch: reduction); default 'mean'. */
  reduction?: Reduction;
}

/** F.mse_loss: the (mean) squared difference; shapes broadcast, with PyTorch's warning when they differ. */
export function mseLoss(input: Tensor, target: Tensor, options?: ReductionOptions): Tensor {
  isTensor(input, 'mseLoss', 'input', 1);
  isTensor(target, 'mseLoss', 'target', 2);
  checkReduction('mseLoss', options);
  const { reduction = 'mean' } = checkOptions('mseLoss', options, { reduction: isReduction });
  if (!sameShape(input, target)) {
    console.warn(
      `mseLoss: Using a target size (${torchSize(target.shape)}) that is different to the input size (${torchSize(input.shape)}). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.`,
    );
  }
  return renameGradFn(reduce(input.sub(target).square(), reduction), 'MseLossBackward0');
}

/** F.binaryCrossEntropyWithLogits's keyword arguments. */
export interface BinaryCrossEntropyWithLogitsOptions extends ReductionOptions {
  /** A weight per element, broadcast to the input (PyTorch: weight). */
  weight?: Tensor | null;
  /** A weight of the positive class, broadcast along the last dim (PyTorch: pos_weight). */
  posWeight?: Tensor | null;
}

/**
 * F.binary_cross_entropy_with_logits: sigmoid and binary cross entropy in one stable expression (1.13's):
 * (1 − y)·x + w_p·(log(e^(−m) + e^(−x−m)) + m) with m = max(−x, 0) and w_p = 1 + (posWeight − 1)·y.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options?: BinaryCrossEntropyWithLogitsOptions,
): Tensor {
  const call = 'binaryCrossEntropyWithLogits';
  isTensor(input, call, 'input', 1);
  isTensor(target, call, 'target', 2);
  checkReduction(call, options);
  const checked = checkOptions(call, options, binaryCrossEntropySpec);
  const { weight = null, posWeight = null, reduction = 'mean' } = checked;
  if (!sameShape(input, target)) {
    throw new Error(
      `${call}: Target size (${torchSize(target.shape)}) must be the same as input size (${torchSize(input.shape)})`,
    );
  }
  const maxValue = input.neg().relu(); // m = max(−x, 0)
  const logTerm = maxValue.neg().exp().add(input.neg().sub(maxValue).exp()).log().add(maxValue); // log(1 + e^(−x))
  const positive = posWeight ? posWeight.sub(1).mul(target).add(1).mul(logTerm) : logTerm;
  const losses = target.neg().add(1).mul(input).add(positive);
  const reduced = reduce(weight ? losses.mul(weight) : losses, reduction);
  return renameGradFn(reduced, 'BinaryCrossEntropyWithLogitsBackward0');
}

/** Calling the module calls forward: `crossEntropyLoss(...)` is `.forward(...)`. */
export interface CrossEntropyLoss {
  (input: Tensor, target: Tensor): Tensor;
}

/** nn.CrossEntropyLoss: F.crossEntropy with the options given once. `new nn.CrossEntropyLoss({ ignoreIndex: 0 })`. */
export class CrossEntropyLoss extends Module {
  private readonly options: CrossEntropyOptions;
  /**
   * `new nn.CrossEntropyLoss({ reduction, ignoreIndex, labelSmoothing, weight })`: logits (N, C) or (N, C, d...)
   * against class ids (N) or (N, d...), or probabilities.
   */
  constructor(options: CrossEntropyOptions = {}) {
    super();
    checkReduction('CrossEntropyLoss', options);
    this.options = checkOptions('CrossEntropyLoss', options, crossEntropySpec);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}

/** Calling the module calls forward: `mSELoss(...)` is `.forward(...)`. */
export interface MSELoss {
  (input: Tensor, target: Tensor): Tensor;
}

/** nn.MSELoss: F.mseLoss with its reduction given once. */
export class MSELoss extends Module {
  private readonly options: ReductionOptions;
  /** `new nn.MSELoss({ reduction: 'mean' | 'sum' | 'none' })`: the squared error of input and target, same shapes. */
  constructor(options: ReductionOptions = {}) {
    super();
    checkReduction('MSELoss', options);
    this.options = checkOptions('MSELoss', options, { reduction: isReduction });
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** Calling the module calls forward: `bCEWithLogitsLoss(...)` is `.forward(...)`. */
export interface BCEWithLogitsLoss {
  (input: Tensor, target: Tensor): Tensor;
}

/** nn.BCEWithLogitsLoss: F.binaryCrossEntropyWithLogits with its options given once. */
export class BCEWithLogitsLoss extends Module {
  private readonly options: BinaryCrossEntropyWithLogitsOptions;
  /**
   * `new nn.BCEWithLogitsLoss({ reduction, weight, posWeight })`: sigmoid then binary cross-entropy, logits and
   * targets of one shape.
   */
  constructor(options: BinaryCrossEntropyWithLogitsOptions = {}) {
    super();
    checkReduction('BCEWithLogitsLoss', options);
    this.options = checkOptions('BCEWithLogitsLoss', options, binaryCrossEntropySpec);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.options);
  }
}
