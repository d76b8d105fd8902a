/**
 * nn.Parameter: a tensor that a module registers as a learnable parameter when it is assigned to a field.
 * It shares the data's storage (as torch.nn.Parameter does) and requires grad unless told otherwise.
 */
import { Tensor } from '../tensor';

/** Sets `requiresGrad` on a leaf tensor (a parameter of a module). */
export function setRequiresGrad(tensor: Tensor, flag: boolean): void {
  tensor.requiresGrad = flag;
}

/**
 * nn.Parameter(data, requiresGrad = true): `class Net extends nn.Module { w = new nn.Parameter(randn(3, 4)) }`
 * registers `w` in `parameters()` and `stateDict()`. The parameter is a view of `data`'s storage.
 */
export class Parameter extends Tensor {
  /**
   * A trainable view of `data` (same shape and dtype) that requires grad unless told otherwise (PyTorch:
   * requires_grad).
   */
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new Error('Parameter: data must be a Tensor');
    super(data.backend, data.storage, data.shape, data.dtype, data.strides, data.offset, data.torchDtype);
    setRequiresGrad(this, requiresGrad);
  }

  /** torch prints `Parameter containing:` above the tensor. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** The tensor itself when it is a Parameter already, else a Parameter over its storage. */
export function asParameter(value: Tensor): Parameter {
  return value instanceof Parameter ? value : new Parameter(value);
}
