/**
 * Grad mode: whether ops record the graph that `backward()` walks (torch.no_grad / torch.enable_grad).
 * Recording also needs an input that requires grad, so with no such tensor the ops pay one check.
 */
import type { Tensor } from '../tensor';

let gradEnabled = true;

/** True while ops record gradients (torch.is_grad_enabled). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with grad mode set to `enabled`, restoring the previous mode afterwards, also when `fn` throws. */
function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/**
 * torch.no_grad: runs `fn` without recording gradients and returns its value; nests, and restores the
 * mode when `fn` throws. `noGrad(() => model.forward(x))`.
 */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** torch.enable_grad: runs `fn` with gradients recorded (inside a noGrad too) and returns its value. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/** True when an op on these inputs must record its node: grad mode is on and one input requires grad. */
export function tracksGrad(a: Tensor, b?: Tensor): boolean {
  return gradEnabled && (a.requiresGrad || (b !== undefined && b.requiresGrad));
}

/**
 * Guards an op computed on the host whose backward is not written yet: when grad mode is on and an input
 * requires grad it throws, so that the op never returns a result silently missing its gradFn.
 */
export function refuseUntrackedGrad(call: string, ...inputs: readonly unknown[]): void {
  if (!gradEnabled) return;
  if (inputs.some((input) => typeof input === 'object' && input !== null && (input as Tensor).requiresGrad)) {
    throw new Error(
      `${call}: the gradient of ${call} is not implemented yet; wrap the call in noGrad(...) or detach() the input`,
    );
  }
}
