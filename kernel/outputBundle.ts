// Turns cell values into the mime bundles that cross to the extension and into .ipynb files:
// tensors, attention weights and traces get the protocol's rich payloads plus a text/plain
// fallback (PyTorch's repr); everything else is shown like Node's util.inspect.
import { inspect } from 'node:util';
import type { OutputBundle, OutputItem } from '../protocol/kernelProtocol';
import { mimeTypes } from '../protocol/mimeTypes';
import {
  maxStageElements,
  maxWireElements,
  payloadVersion,
  type AttentionOutput,
  type StagesOutput,
  type TensorOutput,
  type TensorStats,
} from '../protocol/outputPayloads';
import { encodeTensor, type TensorPayload } from '../protocol/tensorWire';
import { AttentionView } from './attentionView';
import { DisplayHandle, type DisplayOptions } from './displayHandle';
import { attentionWeightsInfo, Tensor, type Trace } from './engine/index';
import { formatShape } from './engine/shape';

/** A trace from the engine's `trace()` or the notebook's `steps()`: shown by the stage view. */
export function isTrace(value: unknown): value is Trace<unknown> {
  if (!value || typeof value !== 'object' || !('result' in value) || !('stages' in value)) return false;
  const stages = (value as Trace<unknown>).stages;
  return (
    Array.isArray(stages) &&
    stages.every((stage) => stage && stage.tensor instanceof Tensor && typeof stage.name === 'string')
  );
}

function isRich(value: unknown): boolean {
  return value instanceof Tensor || value instanceof AttentionView || isTrace(value);
}

/** The outputs for a cell's last value: none for undefined, one per item of a tuple of tensors. */
export async function outputsForResult(value: unknown): Promise<OutputBundle[]> {
  if (value === undefined || value instanceof DisplayHandle) return [];
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= 8 &&
    value.some(isRich) &&
    value.every((item) => item === null || isRich(item))
  ) {
    const bundles: OutputBundle[] = [];
    for (const item of value) if (item !== null) bundles.push(await outputBundle(item));
    return bundles;
  }
  return [await outputBundle(value)];
}

/** One value's mime bundle; `options` can force a view, title it or label attention weights. */
export async function outputBundle(value: unknown, options: DisplayOptions = {}): Promise<OutputBundle> {
  if (options.as === 'text') return { items: [textItem(inspectValue(value))] };
  if (value instanceof AttentionView) return attentionBundle(value);
  if (value instanceof Tensor) {
    const wantsAttention =
      options.as === 'attention' ||
      (options.as !== 'tensor' &&
        (attentionWeightsInfo(value) !== undefined || options.queries !== undefined || options.keys !== undefined));
    if (wantsAttention) return attentionBundle(new AttentionView(value, options));
    const payload = await tensorOutput(value, maxWireElements, options.title);
    return { items: [jsonItem(mimeTypes.tensor, payload), textItem(payload.text)] };
  }
  if (isTrace(value)) return stagesBundle(value, options.title);
  return { items: [textItem(inspectValue(value))] };
}

/** Text for values without a rich view: strings as they are, everything else like util.inspect. */
export function inspectValue(value: unknown): string {
  return typeof value === 'string' ? value : inspect(value, { depth: 4, maxArrayLength: 100, breakLength: 100 });
}

function textItem(text: string): OutputItem {
  return { mime: 'text/plain', data: text };
}

function jsonItem(mime: string, payload: unknown): OutputItem {
  return { mime, data: JSON.stringify(payload) };
}

export function tensorStats(values: ArrayLike<number>): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let count = 0;
  let nanCount = 0;
  let infCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) nanCount++;
    else if (!Number.isFinite(v)) infCount++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      count++;
    }
  }
  const mean = count ? sum / count : 0;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isFinite(v)) squares += (v - mean) ** 2;
  }
  // Over finite values; std is the sample deviation (n − 1), like torch.std.
  return {
    min: count ? min : 0,
    max: count ? max : 0,
    mean,
    std: count > 1 ? Math.sqrt(squares / (count - 1)) : 0,
    nanCount,
    infCount,
  };
}

/**
 * The shape of the leading block of `shape` that holds at most `budget` elements. Axes before the
 * cut axis are 1 and axes after it whole, so the block is a row-major prefix of the values.
 */
export function leadingBlock(shape: readonly number[], budget: number): number[] {
  const block = [...shape];
  for (let axis = 0; axis < block.length; axis++) {
    const inner = block.slice(axis + 1).reduce((n, d) => n * d, 1);
    if (inner * block[axis] <= budget) return block;
    if (inner <= budget) {
      block[axis] = Math.max(1, Math.floor(budget / inner));
      return block;
    }
    block[axis] = 1;
  }
  return block;
}

/** The tensor's values (one read) and the payload of its leading block, a row-major prefix of them. */
async function blockPayload(
  tensor: Tensor,
  budget: number,
): Promise<{ data: TensorPayload; values: ArrayLike<number> }> {
  const values = await tensor.data();
  const block = leadingBlock(tensor.shape, budget);
  const blockCount = block.reduce((n, d) => n * d, 1);
  return { data: encodeTensor(block, tensor.dtype, values.subarray(0, blockCount)), values };
}

export async function tensorOutput(tensor: Tensor, budget: number, title?: string): Promise<TensorOutput> {
  const { data, values } = await blockPayload(tensor, budget);
  return {
    kind: 'tensor',
    version: payloadVersion,
    title,
    shape: [...tensor.shape],
    dtype: tensor.dtype,
    backend: tensor.backend.name,
    stats: tensorStats(values),
    text: tensor.toString(),
    data,
  };
}

/** Axis names for weights the engine did not tag: (Q, K), (B, Q, K) or (B, H, Q, K). */
function defaultAxes(ndim: number): string[] {
  return [
    ['query', 'key'],
    ['batch', 'query', 'key'],
    ['batch', 'head', 'query', 'key'],
  ][ndim - 2];
}

/** Rearranges weights with named axes into (batch, heads, queries, keys). */
export function toBatchHeadLayout(weights: Tensor, axes: readonly string[], heads = 1): Tensor {
  if (axes.length !== weights.ndim) {
    const named = `${axes.length} axis names [${axes.join(', ')}]`;
    throw new Error(`attention: ${named} for weights of shape ${formatShape(weights.shape)}`);
  }
  let current = weights;
  let names = [...axes];
  const merged = names.indexOf('batch·head');
  if (merged >= 0) {
    const split = [...current.shape.slice(0, merged), -1, heads, ...current.shape.slice(merged + 1)];
    current = current.reshape(...split); // (..., B, H, ...)
    names = [...names.slice(0, merged), 'batch', 'head', ...names.slice(merged + 1)];
  }
  for (const needed of ['batch', 'head']) {
    if (!names.includes(needed)) {
      current = current.unsqueeze(0); // (1, ...)
      names = [needed, ...names];
    }
  }
  const order = ['batch', 'head', 'query', 'key'].map((name) => {
    const at = names.indexOf(name);
    if (at < 0) throw new Error(`attention: weights need a '${name}' axis, got axes [${axes.join(', ')}]`);
    return at;
  });
  return current.permute(...order).contiguous(); // (B, H, Q, K)
}

async function attentionBundle(view: AttentionView): Promise<OutputBundle> {
  const { weights, options } = view;
  const tag = attentionWeightsInfo(weights);
  const axes = options.axes ?? tag?.axes ?? defaultAxes(weights.ndim);
  const heads = options.heads ?? tag?.heads ?? 1;
  const layout = toBatchHeadLayout(weights, axes, heads); // (B, H, Q, K)
  const [, , queries, keys] = layout.shape;
  for (const [labels, count, what] of [
    [options.queries, queries, 'query'],
    [options.keys, keys, 'key'],
  ] as const) {
    if (labels && labels.length !== count) {
      const mismatch = `${labels.length} ${what} labels for ${count} ${what} positions`;
      throw new Error(`attention: ${mismatch} (weights shape ${formatShape(weights.shape)})`);
    }
  }
  const { data, values } = await blockPayload(layout, maxWireElements);
  const averagedHeads = options.averagedHeads ?? tag?.averagedHeads;
  const payload: AttentionOutput = {
    kind: 'attention',
    version: payloadVersion,
    title: options.title,
    weights: data,
    fullLayout: [layout.shape[0], layout.shape[1]],
    sourceShape: [...weights.shape],
    averagedHeads,
    queries: options.queries?.map(String),
    keys: options.keys?.map(String),
    stats: tensorStats(values),
  };
  if (options.mask) {
    const mask = options.mask.expand(...weights.shape); // same shape as weights
    const maskLayout = toBatchHeadLayout(mask.float(), axes, heads); // (B, H, Q, K)
    payload.mask = (await blockPayload(maskLayout, maxWireElements)).data;
  }
  const summary = `attention weights (${weights.shape.join(', ')})${averagedHeads ? `, mean over ${averagedHeads} heads` : ''}`;
  return { items: [jsonItem(mimeTypes.attention, payload), textItem(`${summary}\n${weights.toString()}`)] };
}

async function stagesBundle(traced: Trace<unknown>, title?: string): Promise<OutputBundle> {
  const stages = [];
  for (const stage of traced.stages) {
    stages.push({
      name: stage.name,
      op: stage.op,
      module: stage.module,
      inputs: stage.inputs,
      output: stage.output,
      tensor: await tensorOutput(stage.tensor, maxStageElements),
    });
  }
  const payload: StagesOutput = { kind: 'stages', version: payloadVersion, title, stages };
  const width = Math.max(0, ...traced.stages.map((s) => s.name.length));
  const lines = traced.stages.map(
    (s, i) =>
      `${String(i + 1).padStart(2)}. ${s.name.padEnd(width)}  ${s.op.padEnd(10)} (${s.output.shape.join(', ')})  [${s.output.axes.join(', ')}]`,
  );
  return {
    items: [
      jsonItem(mimeTypes.stages, payload),
      textItem([`trace: ${traced.stages.length} stages`, ...lines].join('\n')),
    ],
  };
}
