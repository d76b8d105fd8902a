/**
 * Forward-pass tracing: `trace(() => mha.forward(q, k, v))` returns the result and every named
 * stage the modules recorded on the way. When no trace is open, `recordStage` is one null check.
 */
import type { Tensor } from '../tensor';

/** Axis names from the textbook vocabulary; merged axes read 'batch·head'. */
export type AxisName = 'batch' | 'head' | 'batch·head' | 'query' | 'key' | 'head_dim' | 'model_dim' | 'query·batch' | 'hidden' | 'value_dim';

export interface StageShape {
  shape: number[];
  axes: AxisName[];
}

export interface Stage {
  /** Textbook name: 'q projection', 'split heads (reshape)', 'scores QKᵀ', 'softmax', ... */
  name: string;
  /** The engine op that produced the stage's tensor: 'linear', 'view', 'transpose', 'bmm', ... */
  op: string;
  /** Which module recorded it (e.g. 'MultiheadAttention', 'd2l.MultiHeadAttention'). */
  module: string;
  inputs: StageShape[];
  output: StageShape;
  tensor: Tensor;
}

export interface Trace<T> {
  result: T;
  stages: Stage[];
}

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

export function isTracing(): boolean {
  return openTrace !== null;
}

/** Records one stage when a trace is open; returns `tensor` so calls can wrap expressions. */
export function recordStage(
  module: string,
  name: string,
  op: string,
  inputs: [Tensor, AxisName[]][],
  tensor: Tensor,
  axes: AxisName[],
): Tensor {
  if (openTrace === null) return tensor;
  if (axes.length !== tensor.ndim) throw new Error(`trace: stage '${name}' names ${axes.length} axes for a ${tensor.ndim}-D tensor`);
  openTrace.push({
    name,
    op,
    module,
    inputs: inputs.map(([t, a]) => ({ shape: [...t.shape], axes: a })),
    output: { shape: [...tensor.shape], axes },
    tensor,
  });
  return tensor;
}
