/** The activation modules: nn.ReLU, nn.GELU, nn.Tanh, nn.Softmax and nn.Identity, with PyTorch's reprs. */
import { checkOptions, isOneOf, isOptional, isInt, optionalArguments, type PositionalOrOptions } from '../arguments';
import { tanh } from '../ops/elementwise';
import type { Tensor } from '../tensor';
import { gelu, relu, softmax, type GeluOptions, type ReluOptions, type SoftmaxOptions } from './functional';
import { isNotInplace, Module } from './module';

/** Calling the module calls forward: `reLU(...)` is `.forward(...)`. */
export interface ReLU {
  (input: Tensor): Tensor;
}

/** nn.ReLU: max(x, 0). `new nn.ReLU()`. */
export class ReLU extends Module {
  /** `new nn.ReLU()`; inplace is accepted only as false: tensors here are not written in place. */
  constructor(...args: PositionalOrOptions<[inplace: boolean], ReluOptions>) {
    super();
    optionalArguments('ReLU', args, { inplace: isNotInplace }, 1);
  }
  forward(input: Tensor): Tensor {
    return relu(input);
  }
}

/** Calling the module calls forward: `gELU(...)` is `.forward(...)`. */
export interface GELU {
  (input: Tensor): Tensor;
}

/** nn.GELU: x·Φ(x), or its tanh approximation with `{ approximate: 'tanh' }`. */
export class GELU extends Module {
  /** 'none': the exact erf form; 'tanh': the tanh approximation (PyTorch: approximate). */
  readonly approximate: 'none' | 'tanh';
  /** `new nn.GELU()` (exact erf form) or `new nn.GELU({ approximate: 'tanh' })`. */
  constructor(options?: GeluOptions) {
    super();
    const { approximate } = checkOptions('GELU', options, { approximate: isOneOf(['none', 'tanh'] as const) });
    this.approximate = approximate ?? 'none';
  }
  forward(input: Tensor): Tensor {
    return gelu(input, { approximate: this.approximate });
  }
  protected override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** Calling the module calls forward: `tanh(...)` is `.forward(...)`. */
export interface Tanh {
  (input: Tensor): Tensor;
}

/** nn.Tanh. */
export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return tanh(input);
  }
}

/** Calling the module calls forward: `softmax(...)` is `.forward(...)`. */
export interface Softmax {
  (input: Tensor): Tensor;
}

/** nn.Softmax over `dim`: `new nn.Softmax(-1)` or `new nn.Softmax({ dim: -1 })`. */
export class Softmax extends Module {
  /** The dim softmax normalizes over; null: PyTorch's legacy implicit choice (PyTorch: dim). */
  readonly dim: number | null;
  /** `new nn.Softmax(-1)` or `new nn.Softmax({ dim: -1 })`: normalizes over that dim; any input shape. */
  constructor(...args: PositionalOrOptions<[dim: number | null], SoftmaxOptions>) {
    super();
    this.dim = optionalArguments('Softmax', args, { dim: isOptional(isInt) }, 1).dim ?? null;
  }
  forward(input: Tensor): Tensor {
    if (this.dim === null) throw new Error('Softmax: give the dim (PyTorch: implicit dim choice is deprecated)');
    return softmax(input, this.dim);
  }
  protected override extraRepr(): string {
    return `dim=${this.dim ?? 'None'}`;
  }
}

/** Calling the module calls forward: `identity(...)` is `.forward(...)`. */
export interface Identity {
  (input: Tensor): Tensor;
}

/** nn.Identity: returns its input (extra constructor arguments are ignored, as PyTorch does). */
export class Identity extends Module {
  /** Takes and ignores any arguments, as torch.nn.Identity does; forward returns its input unchanged. */
  constructor(..._args: unknown[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input;
  }
}
