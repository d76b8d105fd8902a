// Turns cell values into the mime bundles that cross to the extension and into .ipynb files:
// tensors, attention weights and traces get the protocol's rich payloads plus a text/plain
// fallback (PyTorch's repr); everything else is shown like Node's util.inspect. Each rich output
// stays under a size cap (ATTENTION_LAB_MAX_OUTPUT_BYTES from the extension's setting or the
// runner's flag, or display's `maxBytes`): a tensor too big to ship whole keeps its exact leading
// block and an overview of every element (block means), with stats over every element.
import { inspect } from 'node:util';
import type { OutputBundle, OutputItem } from '../protocol/kernelProtocol';
import { mimeTypes, type AttentionLabMime } from '../protocol/mimeTypes';
import {
  defaultMaxOutputBytes,
  minOutputBytes,
  payloadVersion,
  type AttentionOutput,
  type StagesOutput,
  type TensorOutput,
  type TensorOverview,
  type TensorStats,
} from '../protocol/outputPayloads';
import { encodeTensor, type TensorPayload } from '../protocol/tensorWire';
import { AttentionView } from './attentionView';
import { DisplayHandle, type DisplayOptions } from './displayHandle';
import { attentionWeightsInfo, Tensor, type Trace } from './engine/index';
import { formatShape } from './engine/shape';
import { LinePlot, linePlotBundle } from './linePlot';
import type { HeatmapOutput } from './png/outputFigures';
import { withPicture } from './png/outputPng';
import { blockMeans, overviewBlocks } from './tensorOverview';

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
export function outputsForResult(value: unknown): OutputBundle[] {
  if (value === undefined || value instanceof DisplayHandle) return [];
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= 8 &&
    value.some(isRich) &&
    value.every((item) => item === null || isRich(item))
  ) {
    const bundles: OutputBundle[] = [];
    for (const item of value) if (item !== null) bundles.push(outputBundle(item));
    return bundles;
  }
  return [outputBundle(value)];
}

/**
 * One value's mime bundle; `options` can force a view, title it, label attention weights or set its size cap.
 * Built synchronously (every backend reads synchronously), so `display(...).update(...)` from a busy
 * synchronous loop, a training loop, goes out at once instead of when the loop ends.
 */
export function outputBundle(value: unknown, options: DisplayOptions = {}): OutputBundle {
  const maxBytes = outputCap(options);
  if (options.as === 'text') return { items: [textItem(inspectValue(value))] };
  if (value instanceof AttentionView) return attentionBundle(value, maxBytes);
  if (value instanceof Tensor) {
    const wantsAttention =
      options.as === 'attention' ||
      (options.as !== 'tensor' &&
        (attentionWeightsInfo(value) !== undefined || options.queries !== undefined || options.keys !== undefined));
    if (wantsAttention) return attentionBundle(new AttentionView(value, options), maxBytes);
    const payload = tensorOutput(value, maxBytes, options.title);
    return richBundle(mimeTypes.tensor, payload, payload.text);
  }
  if (isTrace(value)) return stagesBundle(value, maxBytes, options.title);
  if (value instanceof LinePlot) return linePlotBundle(value, maxBytes, options.title);
  return { items: [textItem(inspectValue(value))] };
}

/** The cap for the kernel's outputs: ATTENTION_LAB_MAX_OUTPUT_BYTES (the setting or the runner's flag), else 1 MB. */
function kernelOutputCap(): number {
  const configured = process.env.ATTENTION_LAB_MAX_OUTPUT_BYTES;
  return configured
    ? checkMaxBytes(
        Number(configured),
        "ATTENTION_LAB_MAX_OUTPUT_BYTES (the setting attentionLab.maxOutputBytes or the runner's --max-output-bytes)",
      )
    : defaultMaxOutputBytes;
}

/** A size cap in bytes: a whole number no smaller than the protocol's minimum. */
export function checkMaxBytes(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minOutputBytes) {
    const got = typeof value === 'number' ? String(value) : typeof value;
    throw new RangeError(`${what} must be a whole number of bytes, at least ${minOutputBytes}; got ${got}`);
  }
  return value;
}

/** The cap for one output: `options.maxBytes` (checked) or the kernel's. */
export function outputCap(options: DisplayOptions): number {
  return options.maxBytes === undefined ? kernelOutputCap() : checkMaxBytes(options.maxBytes, 'display: maxBytes');
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

/** A rich payload's bundle: its own mime (VS Code's renderer), its PNG picture (everywhere else), its text. */
function richBundle(mime: AttentionLabMime, payload: HeatmapOutput, text: string): OutputBundle {
  return withPicture({ items: [jsonItem(mime, payload), textItem(text)] }, payload);
}

/** Stats over the finite values, with NaN, +Inf and −Inf counted apart; null where no value is finite. */
export function tensorStats(values: ArrayLike<number>): TensorStats {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finiteCount = 0;
  let nanCount = 0;
  let posInfCount = 0;
  let negInfCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v === 0) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      finiteCount++;
    } else if (v === Infinity) posInfCount++;
    else if (v === -Infinity) negInfCount++;
    else nanCount++;
  }
  const mean = sum / finiteCount;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v === 0) squares += (v - mean) ** 2;
  }
  const some = finiteCount > 0;
  return {
    min: some ? min : null,
    max: some ? max : null,
    mean: some ? mean : null,
    std: finiteCount > 1 ? Math.sqrt(squares / (finiteCount - 1)) : null,
    finiteCount,
    nanCount,
    posInfCount,
    negInfCount,
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

/** Base64 characters per float32 value on the wire. */
const wireCharsPerValue = 16 / 3;
/** Room kept for the keys and shapes of the value payloads next to the measured fixed part. */
const payloadOverhead = 512;

/** The leading block of row-major `values` of `shape` within `budget` elements, as a payload. */
function leadingBlockPayload(
  values: ArrayLike<number> & { subarray(start: number, end: number): ArrayLike<number> },
  shape: readonly number[],
  dtype: TensorPayload['dtype'],
  budget: number,
): TensorPayload {
  const block = leadingBlock(shape, budget);
  return encodeTensor(
    block,
    dtype,
    values.subarray(
      0,
      block.reduce((n, d) => n * d, 1),
    ),
  );
}

/** Every element of `values` as block means within `budget` elements. */
function overviewPayload(values: ArrayLike<number>, shape: readonly number[], budget: number): TensorOverview {
  const block = overviewBlocks(shape, budget);
  const overviewShape = shape.map((size, axis) => Math.ceil(size / block[axis]));
  const data = encodeTensor(overviewShape, 'float32', blockMeans(values, shape, block));
  return { reduction: 'mean', shape: [...shape], block, data };
}

/** `text` within `maxChars`, cut at a line end with a line saying so. */
function boundedText(text: string, maxChars: number): { text: string; cutAt?: number } {
  if (text.length <= maxChars) return { text };
  const cutAt = Math.max(0, text.lastIndexOf('\n', maxChars));
  const note = `\n… ${text.length - cutAt} more characters cut to keep the output under its size cap`;
  return { text: text.slice(0, cutAt) + note, cutAt };
}

/** The bytes of `value` as UTF-8 JSON. */
const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

export function tensorOutput(tensor: Tensor, maxBytes: number, title?: string): TensorOutput {
  const values = tensor.dataSync(); // the one read of every value: stats and overview need them all
  const bounded = boundedText(tensor.toString(), Math.floor(maxBytes / 4));
  const head = {
    kind: 'tensor' as const,
    version: payloadVersion,
    title,
    shape: [...tensor.shape],
    dtype: tensor.dtype,
    backend: tensor.backend.name,
    stats: tensorStats(values),
    text: bounded.text,
  };
  const valueChars = maxBytes - jsonBytes(head) - payloadOverhead;
  const fullValueBytes = Math.ceil(tensor.numel() * wireCharsPerValue);
  const textCut = bounded.cutAt === undefined ? {} : { textCutAt: bounded.cutAt };
  if (fullValueBytes <= valueChars) {
    const data = encodeTensor(tensor.shape, tensor.dtype, values);
    return { ...head, data, ...(bounded.cutAt === undefined ? {} : { cut: { maxBytes, fullValueBytes, ...textCut } }) };
  }
  // Half of the room for the exact leading block, half for the overview of every element.
  const perPart = Math.max(1, Math.floor(valueChars / 2 / wireCharsPerValue));
  return {
    ...head,
    data: leadingBlockPayload(values, tensor.shape, tensor.dtype, perPart),
    overview: overviewPayload(values, tensor.shape, perPart),
    cut: { maxBytes, fullValueBytes, ...textCut },
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

function attentionBundle(view: AttentionView, maxBytes: number): OutputBundle {
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
  const values = layout.dataSync();
  const maskValues = options.mask
    ? toBatchHeadLayout(options.mask.expand(...weights.shape).float(), axes, heads).dataSync() // (B, H, Q, K)
    : null;
  const averagedHeads = options.averagedHeads ?? tag?.averagedHeads;
  const head = {
    kind: 'attention' as const,
    version: payloadVersion,
    title: options.title,
    fullLayout: [layout.shape[0], layout.shape[1]] as [number, number],
    sourceShape: [...weights.shape],
    averagedHeads,
    queries: options.queries?.map(String),
    keys: options.keys?.map(String),
    stats: tensorStats(values),
  };
  const valueChars = maxBytes - jsonBytes(head) - payloadOverhead;
  const parts = maskValues ? 2 : 1;
  const fullValueBytes = Math.ceil(layout.numel() * wireCharsPerValue);
  let payload: AttentionOutput;
  if (fullValueBytes * parts <= valueChars) {
    payload = { ...head, weights: encodeTensor(layout.shape, 'float32', values) };
    if (maskValues) payload.mask = encodeTensor(layout.shape, 'float32', maskValues);
  } else {
    // The exact leading block, the overview of every map, and the masked fraction of each overview cell.
    const perPart = Math.max(1, Math.floor(valueChars / (parts + 1) / wireCharsPerValue));
    const overview = overviewPayload(values, layout.shape, perPart);
    payload = {
      ...head,
      weights: leadingBlockPayload(values, layout.shape, 'float32', perPart),
      overview,
      cut: { maxBytes, fullValueBytes: fullValueBytes * parts },
    };
    if (maskValues) {
      const maskMeans = blockMeans(maskValues, layout.shape, overview.block);
      payload.maskOverview = encodeTensor(overview.data.shape, 'float32', maskMeans);
    }
  }
  const summary = `attention weights (${weights.shape.join(', ')})${averagedHeads ? `, mean over ${averagedHeads} heads` : ''}`;
  const text = boundedText(`${summary}\n${weights.toString()}`, Math.floor(maxBytes / 4)).text;
  return richBundle(mimeTypes.attention, payload, text);
}

function stagesBundle(traced: Trace<unknown>, maxBytes: number, title?: string): OutputBundle {
  const described = traced.stages.map((stage) => ({
    name: stage.name,
    op: stage.op,
    module: stage.module,
    inputs: stage.inputs,
    output: stage.output,
  }));
  // Every stage's tensor gets an equal share of what the stage descriptions leave.
  const share = Math.floor((maxBytes - jsonBytes({ described, title })) / Math.max(1, traced.stages.length));
  const stages = [];
  for (const [i, stage] of traced.stages.entries()) {
    stages.push({ ...described[i], tensor: tensorOutput(stage.tensor, Math.max(1, share)) });
  }
  const payload: StagesOutput = { kind: 'stages', version: payloadVersion, title, stages };
  const width = Math.max(0, ...traced.stages.map((s) => s.name.length));
  const lines = traced.stages.map(
    (s, i) =>
      `${String(i + 1).padStart(2)}. ${s.name.padEnd(width)}  ${s.op.padEnd(10)} (${s.output.shape.join(', ')})  [${s.output.axes.join(', ')}]`,
  );
  return richBundle(mimeTypes.stages, payload, [`trace: ${traced.stages.length} stages`, ...lines].join('\n'));
}
