/**
 * The graph autograd records: one GradFn per op result that requires grad (PyTorch's grad_fn), holding
 * the backward formula with the values it saved and one edge per input.
 */
import type { Shape } from '../shape';
import type { Tensor } from '../tensor';

/**
 * The gradient of a step-1 slice's input: `piece` at [from, from + piece.shape[dim]) along `dim` of
 * `shape`, zeros elsewhere. The backward joins the slices of one tensor that meet at its node with one
 * cat, instead of adding a zero-padded full-size tensor per slice (q, k and v chunked from one projection).
 */
export class SliceGradient {
  /** A slice's gradient, placed by the backward engine (derivatives.ts: joinSliceGradients). */
  constructor(
    readonly piece: Tensor,
    readonly shape: Shape,
    readonly dim: number,
    readonly from: number,
  ) {}
}

/** The gradients of an op's inputs, in input order, from the gradient of its output (null: none flows there). */
export type BackwardFormula = (grad: Tensor) => readonly (Tensor | SliceGradient | null)[];

/**
 * Where an input's gradient goes: the GradFn of a result, the leaf itself (its `.grad` accumulates), or
 * nowhere (the input did not require grad when the op ran).
 */
export type Edge = GradFn | Tensor | null;

/** PyTorch's AccumulateGrad node, as `nextFunctions` shows it for a leaf that requires grad. */
export class AccumulateGrad {
  /** The node of a leaf that requires grad; autograd makes it, user code reads it in `nextFunctions`. */
  constructor(
    /** The leaf whose `.grad` this node accumulates into (PyTorch: variable). */
    readonly variable: Tensor,
  ) {}
  /** PyTorch's name of the node. */
  name(): string {
    return 'torch::autograd::AccumulateGrad';
  }
  /** `<AccumulateGrad>`, as a grad_fn prints. */
  toString(): string {
    return `<AccumulateGrad>`;
  }
}

const freedGraphMessage =
  'backward: Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.';

/** A node of the backward graph: `name()` is PyTorch's (`MulBackward0`), `nextFunctions` its inputs' nodes. */
export class GradFn {
  /** Where each input's gradient goes, in input order. */
  readonly edges: readonly Edge[];
  /** The tensor this node computed when `retainGrad()` asked to keep its gradient. */
  retained: Tensor | null = null;
  private formula: BackwardFormula | null;
  /** Throws when an in-place op changed a saved value since the node recorded it (null: nothing to check). */
  private checkSaved: (() => void) | null = null;

  /** A node of the graph (`MulBackward0`, ...); autograd makes these as ops run, user code reads `t.gradFn`. */
  constructor(
    private label: string,
    inputs: readonly (Tensor | null)[],
    formula: BackwardFormula,
    /** Whether the formula holds saved values, freed by a backward without retainGraph (PyTorch's saved tensors). */
    private readonly savesTensors: boolean,
  ) {
    this.formula = formula;
    this.edges = inputs.map((input) => (input === null || !input.requiresGrad ? null : (input.gradFn ?? input)));
  }

  /** PyTorch's node name, e.g. 'MulBackward0'. */
  name(): string {
    return this.label;
  }

  /** `[node, 0]` per input, as PyTorch's next_functions: a GradFn, an AccumulateGrad for a leaf, or null. */
  get nextFunctions(): [GradFn | AccumulateGrad | null, number][] {
    return this.edges.map((edge) => [edge === null || edge instanceof GradFn ? edge : new AccumulateGrad(edge), 0]);
  }

  /** The inputs' gradients from the output's; PyTorch's error once a backward has freed the saved values. */
  apply(grad: Tensor): readonly (Tensor | SliceGradient | null)[] {
    if (this.formula === null) throw new Error(freedGraphMessage);
    this.checkSaved?.();
    return this.formula(grad);
  }

  /** Sets the check of the saved values' versions that runs before the formula (torch's saved-variable check). */
  watchSaved(check: () => void): void {
    this.checkSaved = check;
  }

  /** Drops the saved values after a backward without retainGraph (nodes that saved none stay usable). */
  release(): void {
    if (this.savesTensors) this.formula = null;
  }

  /** Gives a composite op's last node the op's own PyTorch name (mean's division reads MeanBackward0). */
  rename(label: string): void {
    this.label = label;
  }

  /** `<MulBackward0>`: the node as a tensor's grad_fn prints in its repr. */
  toString(): string {
    return `<${this.label}>`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
