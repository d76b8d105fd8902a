/**
 * Forward-pass tracing: `trace(() => mha.forward(q, k, v))` returns the result and every named
 * stage the modules recorded on the way. When no trace is open, recording a stage is one null check.
 */
import type { Tensor } from '../tensor';

/** Axis names from the textbook vocabulary; merged axes read 'batch·head'. */
export type AxisName =
  'batch' | 'head' | 'batch·head' | 'query' | 'key' | 'head_dim' | 'model_dim' | 'query·batch' | 'hidden' | 'value_dim';

/** A tensor's shape with one axis name per dim. */
export interface StageShape {
  /** The sizes, e.g. [2, 4, 5, 2]. */
  shape: number[];
  /** One name per dim, e.g. ['batch', 'head', 'query', 'head_dim']. */
  axes: AxisName[];
}

/** One named step of a traced forward pass, with the tensor it produced. */
export interface Stage {
  /** Textbook name: 'q projection', 'split heads (reshape)', 'scores QKᵀ', 'softmax', ... */
  name: string;
  /** The engine op that produced the stage's tensor: 'linear', 'view', 'transpose', 'bmm', ... */
  op: string;
  /** Which module recorded it (e.g. 'MultiheadAttention', 'd2l.MultiHeadAttention'). */
  module: string;
  /** The shapes of the tensors the stage's op read. */
  inputs: StageShape[];
  /** The shape of the stage's tensor. */
  output: StageShape;
  /** The tensor the stage produced. */
  tensor: Tensor;
}

/** What `trace(fn)` returns: fn's result and the stages recorded while it ran. */
export interface Trace<T = unknown> {
  /** What the traced function returned. */
  result: T;
  /** Every recorded stage, in the order it ran. */
  stages: Stage[];
}

/** What a module says about each stage it records, besides the stage's name and tensor. */
export interface StageOptions {
  /** The engine op that produced the tensor, as `Stage.op`. */
  op: string;
  /** The tensors the op read. */
  inputs: readonly Tensor[];
  /** The axis names of each input, in the order of `inputs`. */
  inputAxes: readonly (readonly AxisName[])[];
  /** One name per axis of the stage's tensor. */
  axes: readonly AxisName[];
}

/** Records one stage when a trace is open; returns `tensor` so calls can wrap expressions. */
export type RecordStage = (name: string, tensor: Tensor, options: StageOptions) => Tensor;

let openTrace: Stage[] | null = null;

/** Runs `fn` and collects the stages the modules record while it runs (nested traces nest). */
export function trace<T>(fn: () => T): Trace<T> {
  const outer = openTrace;
  const stages: Stage[] = [];
  openTrace = stages;
  try {
    return { result: fn(), stages };
  } finally {
    openTrace = outer;
  }
}

/**
 * The stage recorder of one module (`Stage.module`), e.g.
 * `const recordStage = stageRecorder('d2l.AdditiveAttention')`, then
 * `recordStage('softmax', scores.softmax(-1), { op: 'softmax', inputs: [scores], inputAxes: [axes], axes })`.
 */
export function stageRecorder(module: string): RecordStage {
  return (name, tensor, { op, inputs, inputAxes, axes }) => {
    if (openTrace === null) return tensor;
    if (axes.length !== tensor.ndim) {
      throw new Error(`trace: stage '${name}' names ${axes.length} axes for a ${tensor.ndim}-D tensor`);
    }
    if (inputAxes.length !== inputs.length) {
      throw new Error(`trace: stage '${name}' names axes for ${inputAxes.length} of its ${inputs.length} inputs`);
    }
    openTrace.push({
      name,
      op,
      module,
      inputs: inputs.map((input, i) => ({ shape: [...input.shape], axes: [...inputAxes[i]] })),
      output: { shape: [...tensor.shape], axes: [...axes] },
      tensor,
    });
    return tensor;
  };
}
