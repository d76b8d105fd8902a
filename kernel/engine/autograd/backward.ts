/**
 * The backward engine: walks the recorded graph from the outputs in topological order, sums the
 * gradients that meet at a node, and adds the leaves' gradients to their `.grad` (backward) or hands
 * them back (autograd.grad).
 */
import { add } from '../ops/elementwise';
import { onesLike } from '../ops/creation';
import { clone } from '../ops/movement';
import { Tensor } from '../tensor';
import { joinSliceGradients } from './derivatives';
import { GradFn, SliceGradient } from './gradFn';
import { noGrad } from './gradMode';

/** Options of `backward()` (PyTorch: retain_graph). */
export interface BackwardOptions {
  /** Keep the graph's saved values so that backward can run through it again (PyTorch: retain_graph). */
  retainGraph?: boolean;
}

/** Options of `autograd.grad` (PyTorch: grad_outputs, retain_graph, allow_unused). */
export interface GradOptions extends BackwardOptions {
  /** The gradient of each output; may be omitted for scalar outputs (PyTorch: grad_outputs). */
  gradOutputs?: Tensor | readonly (Tensor | null | undefined)[];
  /** An input the outputs do not depend on gives null instead of an error (PyTorch: allow_unused). */
  allowUnused?: boolean;
}

/** A node of the walk: the GradFn of a result, or a leaf that requires grad. */
type GraphKey = GradFn | Tensor;

/** The gradients that reached a node so far: full ones summed as they come, slices' joined when it runs. */
interface Pending {
  full: Tensor | undefined;
  slices: SliceGradient[];
}

/** The sum of what reached a node. */
function summed({ full, slices }: Pending): Tensor {
  const joined = slices.length > 0 ? joinSliceGradients(slices) : undefined;
  return full === undefined ? joined! : joined === undefined ? full : add(full, joined);
}

/** Adds `gradient` to a tensor's `.grad`, copying it the first time so that `.grad` owns its storage. */
function accumulateInto(t: Tensor, gradient: Tensor): void {
  t.grad = t.grad === null ? clone(gradient) : add(t.grad, gradient);
}

/**
 * Runs the backward formulas from `roots` (a node or leaf and its output's gradient). Leaves accumulate
 * into `.grad`, unless `captured` is given: then only its keys collect their gradients, and nothing else.
 */
function runGraph(
  roots: readonly [GraphKey, Tensor][],
  retainGraph: boolean,
  captured: Map<GraphKey, Tensor | null> | null,
): void {
  noGrad(() => {
    const dependencies = new Map<GradFn, number>();
    const rootNodes = [...new Set(roots.map(([key]) => key).filter((key): key is GradFn => key instanceof GradFn))];
    const seen = new Set(rootNodes);
    const stack = [...rootNodes];
    while (stack.length > 0) {
      for (const edge of stack.pop()!.edges) {
        if (!(edge instanceof GradFn)) continue;
        dependencies.set(edge, (dependencies.get(edge) ?? 0) + 1);
        if (!seen.has(edge)) {
          seen.add(edge);
          stack.push(edge);
        }
      }
    }
    const pending = new Map<GradFn, Pending>();
    const deliver = (key: GraphKey, given: Tensor | SliceGradient): void => {
      if (key instanceof GradFn) {
        const waiting = pending.get(key) ?? pending.set(key, { full: undefined, slices: [] }).get(key)!;
        if (given instanceof SliceGradient) waiting.slices.push(given);
        else waiting.full = waiting.full === undefined ? given : add(waiting.full, given);
        return;
      }
      const gradient = given instanceof SliceGradient ? joinSliceGradients([given]) : given;
      if (captured === null) {
        accumulateInto(key, gradient);
      } else if (captured.has(key)) {
        const sum = captured.get(key);
        captured.set(key, sum ? add(sum, gradient) : gradient);
      }
    };
    for (const [key, gradient] of roots) deliver(key, gradient);
    const ready = rootNodes.filter((node) => !dependencies.has(node));
    while (ready.length > 0) {
      const node = ready.pop()!;
      const waiting = pending.get(node);
      pending.delete(node);
      const gradient = waiting && summed(waiting);
      if (gradient !== undefined && captured?.has(node)) captured.set(node, gradient);
      if (gradient !== undefined && captured === null && node.retained !== null)
        accumulateInto(node.retained, gradient);
      const inputGradients = gradient === undefined ? null : node.apply(gradient);
      if (!retainGraph) node.release();
      node.edges.forEach((edge, i) => {
        if (edge === null) return;
        const inputGradient = inputGradients?.[i];
        if (inputGradient) deliver(edge, inputGradient);
        if (edge instanceof GradFn) {
          const left = dependencies.get(edge)! - 1;
          dependencies.set(edge, left);
          if (left === 0) ready.push(edge);
        }
      });
    }
  });
}

/** The gradient an output starts from: the given one (same shape), or 1 for a scalar (PyTorch's checks). */
function outputGradient(call: string, output: Tensor, gradient: Tensor | null | undefined, i: number): Tensor {
  if (!output.requiresGrad) {
    throw new Error(`${call}: element ${i} of tensors does not require grad and does not have a grad_fn`);
  }
  if (gradient === null || gradient === undefined) {
    if (output.numel() !== 1) throw new Error(`${call}: grad can be implicitly created only for scalar outputs`);
    return onesLike(output);
  }
  if (!(gradient instanceof Tensor)) throw new TypeError(`${call}: gradient must be a Tensor`);
  if (gradient.ndim !== output.ndim || gradient.shape.some((size, d) => size !== output.shape[d])) {
    throw new Error(
      `${call}: Mismatch in shape: grad_output[${i}] has a shape of ${gradient.shape} and output[${i}] has a shape of ${output.shape}.`,
    );
  }
  return gradient;
}

/** One tensor or a list of them, as a list. */
function tensorList(value: Tensor | readonly Tensor[]): readonly Tensor[] {
  return value instanceof Tensor ? [value] : value;
}

/** The output gradients given for `outputs`: one tensor, a list, or none. */
function gradientList(gradients: GradOptions['gradOutputs']): readonly (Tensor | null | undefined)[] {
  return gradients === undefined ? [] : gradients instanceof Tensor ? [gradients] : gradients;
}

/** Tensor.backward and autograd.backward: accumulates the gradients of `tensors` into the leaves' `.grad`. */
export function backward(
  tensors: Tensor | readonly Tensor[],
  gradients?: Tensor | readonly (Tensor | null | undefined)[],
  options: BackwardOptions = {},
): void {
  const outputs = tensorList(tensors);
  const given = gradientList(gradients);
  const roots = outputs.map((output, i): [GraphKey, Tensor] => [
    output.gradFn ?? output,
    outputGradient('backward', output, given[i], i),
  ]);
  runGraph(roots, options.retainGraph ?? false, null);
}

/**
 * torch.autograd.grad: the gradients of `outputs` with respect to `inputs` (leaves or results), without
 * touching any `.grad`: `const [dx] = autograd.grad(loss, [x])`.
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const wanted = tensorList(inputs);
  const given = gradientList(options.gradOutputs);
  const roots = tensorList(outputs).map((output, i): [GraphKey, Tensor] => [
    output.gradFn ?? output,
    outputGradient('grad', output, given[i], i),
  ]);
  wanted.forEach((input) => {
    if (!input.requiresGrad) throw new Error('grad: One of the differentiated Tensors does not require grad');
  });
  const captured = new Map<GraphKey, Tensor | null>(wanted.map((input) => [input.gradFn ?? input, null]));
  runGraph(roots, options.retainGraph ?? false, captured);
  return wanted.map((input) => {
    const gradient = captured.get(input.gradFn ?? input) ?? null;
    if (gradient === null && !options.allowUnused) {
      throw new Error(
        'grad: One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.',
      );
    }
    return gradient;
  });
}
