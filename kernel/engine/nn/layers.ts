/** nn.Linear (and the lazy variant d2l builds on), nn.Dropout and nn.LayerNorm, initialised as PyTorch does. */
import { full } from '../ops/creation';
import { formatTuple } from '../shape';
import type { Tensor } from '../tensor';
import { dropout, layerNorm, linear } from './functional';
import { kaimingUniformLinear, uniform } from './init';
import { Module, pyBool } from './module';

/** nn.Linear: y = x Wᵀ + b, with PyTorch's Kaiming-uniform initialisation. */
export class Linear extends Module {
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    this.registerParameter('weight', kaimingUniformLinear([outFeatures, inFeatures]));
    this.registerParameter('bias', bias ? uniform([outFeatures], 1 / Math.sqrt(inFeatures)) : null);
  }
  get weight(): Tensor {
    return this.requiredParameter('weight');
  }
  get bias(): Tensor | null {
    return this.parameter('bias');
  }
  forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }
  protected override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}

/** The Linear inside nn.MultiheadAttention; only its name differs, as in PyTorch's repr. */
export class NonDynamicallyQuantizableLinear extends Linear {}

/**
 * nn.LazyLinear: in_features is taken from the first input (or from loadStateDict), as d2l's
 * attention modules expect.
 */
export class LazyLinear extends Module {
  constructor(
    readonly outFeatures: number,
    private readonly hasBias = true,
  ) {
    super();
    this.registerParameter('weight', null);
    this.registerParameter('bias', null);
  }
  /** Any shape is accepted until the first forward (or load) sets the weight; then PyTorch's shape check applies. */
  protected override isLazy(name: string): boolean {
    return this.weight === null && (name === 'weight' || (name === 'bias' && this.hasBias));
  }
  get weight(): Tensor | null {
    return this.parameter('weight');
  }
  get bias(): Tensor | null {
    return this.parameter('bias');
  }
  forward(input: Tensor): Tensor {
    if (!this.weight) {
      const inFeatures = input.shape[input.ndim - 1];
      this.assignParameter('weight', kaimingUniformLinear([this.outFeatures, inFeatures]));
      if (this.hasBias) this.assignParameter('bias', uniform([this.outFeatures], 1 / Math.sqrt(inFeatures)));
    }
    return linear(input, this.weight!, this.bias);
  }
  override get moduleName(): string {
    return this.weight ? 'Linear' : 'LazyLinear';
  }
  protected override extraRepr(): string {
    const inFeatures = this.weight ? this.weight.shape[1] : 0;
    return `in_features=${inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.hasBias)}`;
  }
}

/** nn.Dropout: F.dropout while training, the identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (p < 0 || p > 1) throw new Error(`Dropout: dropout probability has to be between 0 and 1, but got ${p}`);
  }
  forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.training);
  }
  protected override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }
}

/** nn.LayerNorm over the trailing `normalizedShape` dims, weight 1 and bias 0 at first. */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  constructor(
    normalizedShape: number | number[],
    readonly eps = 1e-5,
    elementwiseAffine = true,
  ) {
    super();
    this.normalizedShape = Array.isArray(normalizedShape) ? normalizedShape : [normalizedShape];
    this.registerParameter('weight', elementwiseAffine ? full(this.normalizedShape, 1, { dtype: 'float32' }) : null);
    this.registerParameter('bias', elementwiseAffine ? full(this.normalizedShape, 0, { dtype: 'float32' }) : null);
  }
  forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.parameter('weight'), this.parameter('bias'), this.eps);
  }
  protected override extraRepr(): string {
    const eps = this.eps.toExponential().replace('e-', 'e-0');
    const affine = pyBool(this.parameter('weight') !== null);
    return `${formatTuple(this.normalizedShape)}, eps=${eps}, elementwise_affine=${affine}`;
  }
}
