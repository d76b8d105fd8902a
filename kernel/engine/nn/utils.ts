/**
 * torch.nn.utils: gradient clipping before an optimizer step, `nn.utils.clipGradNorm_(model.parameters(), 1.0)`.
 * Both rescale the grads in place and skip parameters without a grad.
 */
import { isBool, isNumber, optionalArguments, type PositionalOrOptions } from '../arguments';
import { noGrad } from '../autograd/gradMode';
import { tensor } from '../ops/creation';
import { clamp, div } from '../ops/elementwise';
import { stack } from '../ops/movement';
import { amax } from '../ops/reduction';
import { norm } from '../ops/scan';
import { Tensor } from '../tensor';

/** clipGradNorm_'s options (PyTorch: norm_type, error_if_nonfinite). */
export interface ClipGradNormOptions {
  /** The order of the norm, Infinity for the max norm; default 2 (PyTorch: norm_type). */
  normType?: number;
  /** Throws when the total norm is NaN or infinite (default false) (PyTorch: error_if_nonfinite). */
  errorIfNonfinite?: boolean;
}

/** The grads of the parameters that have one (a single tensor counts as a list of one). */
function gradsOf(parameters: Tensor | Iterable<Tensor>): Tensor[] {
  const list = parameters instanceof Tensor ? [parameters] : [...parameters];
  return list.flatMap((p) => (p.grad === null ? [] : [p.grad]));
}

/** A number as Python's float() prints it in an error: 2.0, inf. */
function pythonFloat(value: number): string {
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return Number.isInteger(value) ? `${value}.0` : `${value}`;
}

/**
 * torch.nn.utils.clip_grad_norm_: scales the grads so that their norm taken together (as one vector) is at
 * most `maxNorm` (by maxNorm / (norm + 1e-6) when it is larger); returns that total norm as a 0-d tensor.
 * `clipGradNorm_(params, 1, { normType: Infinity })` or positionally `clipGradNorm_(params, 1, Infinity)`.
 */
export function clipGradNorm_(
  parameters: Tensor | Iterable<Tensor>,
  maxNorm: number,
  ...args: PositionalOrOptions<[normType: number, errorIfNonfinite: boolean], ClipGradNormOptions>
): Tensor {
  isNumber(maxNorm, 'clipGradNorm_', 'max_norm', 2);
  const spec = { normType: isNumber, errorIfNonfinite: isBool };
  const { normType = 2, errorIfNonfinite = false } = optionalArguments('clipGradNorm_', args, spec, 3);
  const grads = gradsOf(parameters);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const norms = grads.map((g) => (normType === Infinity ? amax(g.abs()) : norm(g, normType)));
    const stacked = stack(norms); // (parameters,)
    const totalNorm = normType === Infinity ? amax(stacked) : norm(stacked, normType);
    if (errorIfNonfinite && !Number.isFinite(totalNorm.item())) {
      throw new Error(
        `The total norm of order ${pythonFloat(normType)} for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`error_if_nonfinite=False\``,
      );
    }
    const clipCoefficient = clamp(div(maxNorm, totalNorm.add(1e-6)), { max: 1 });
    for (const grad of grads) grad.mul_(clipCoefficient);
    return totalNorm;
  });
}

/** torch.nn.utils.clip_grad_value_: clamps every grad into [-clipValue, clipValue] in place. */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  isNumber(clipValue, 'clipGradValue_', 'clip_value', 2);
  noGrad(() => {
    for (const grad of gradsOf(parameters)) grad.clamp_(-clipValue, clipValue);
  });
}
