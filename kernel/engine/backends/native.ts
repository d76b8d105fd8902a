/**
 * The native backend: float32 primitives run as hand-written C (kernel/engine/backends/nativeKernels/,
 * built into dist/attentionLabNative.node and loaded through Node-API): a packed AVX2/FMA GEMM on a
 * thread pool, vectorised exp, strided elementwise loops and reductions. Its storage is the reference
 * backend's (a typed array per tensor), so whatever the C kernels leave out (int32 and bool tensors,
 * which no hot path needs, and referenceOnlyOps) runs the reference backend's loops. Comparisons of float32
 * (or exactly representable int32) operands run in C into bool bytes. The fused training primitives
 * (reluBackward, softmaxBackward, layerNorm, layerNormBackward) read contiguous rows, gathered first where a view is not; adamStep
 * updates contiguous parameters and their state in place. The module names
 * its op codes and describes the layouts it reads; loading it checks both against this file.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { binaryOps, reduceOps, unaryOps } from '../backend';
import type { Backend, BinaryOp, ReduceOp, Storage, UnaryOp, View } from '../backend';
import { allocate, type DType } from '../dtype';
import { isContiguous, leadingDims, sizeOf } from '../shape';
import { createReferenceBackend, referenceFusedKernels, ReferenceStorage, valuesOf } from './reference';
import { useStreamKernels, type StreamKernels } from '../random';

/** The module's op codes by the engine's op names (nativeKernels/ops.h); ops absent run the reference loops. */
export interface NativeOpCodes {
  unary: Partial<Record<UnaryOp, number>>;
  binary: Partial<Record<BinaryOp, number>>;
  reduce: Partial<Record<ReduceOp, number>>;
}

/** A layout's fields before its operands, then each operand's; `name[ndim]` stands for ndim values. */
export interface LayoutFields {
  head: string[];
  perOperand: string[];
}

/** The layouts the module reads (nativeKernels/layout.h): views of one shape, and matmul's operands. */
export interface NativeLayouts {
  maxDims: number;
  maxOperands: number;
  view: LayoutFields;
  matmul: LayoutFields;
}

/** What the module exports (nativeKernels/nodeApi.c); the layouts are encodedLayouts. */
export interface NativeKernels extends StreamKernels {
  copy(source: Float32Array, layout: Int32Array, out: Float32Array): void;
  /** `blocks` runs of `block` floats, contiguous in source, to out at every `outStride` floats. */
  copyBlocks(source: Float32Array, out: Float32Array, blocks: number, block: number, outStride: number): void;
  unary(op: number, source: Float32Array, layout: Int32Array, out: Float32Array): void;
  binary(op: number, a: Float32Array, b: Float32Array, layout: Int32Array, out: Float32Array): void;
  /** A comparison op (eq, ne, lt, le, gt, ge) of two float views into 0/1 bytes. */
  compare(op: number, a: Float32Array, b: Float32Array, layout: Int32Array, out: Uint8Array): void;
  where(condition: Uint8Array, a: Float32Array, b: Float32Array, layout: Int32Array, out: Float32Array): void;
  reduce(op: number, source: Float32Array, layout: Int32Array, out: Float32Array): void;
  /** out = a @ b, plus `bias` (N floats) on every row when it is given. */
  matmul(a: Float32Array, b: Float32Array, layout: Int32Array, out: Float32Array, bias: Float32Array | null): void;
  softmax(source: Float32Array, layout: Int32Array, out: Float32Array): void;
  /** Contiguous rows of n: dx = y·(g - Σ g·y) per row. */
  softmaxBackward(grad: Float32Array, out: Float32Array, n: number, dx: Float32Array): void;
  /** One length each: dx = grad where out > 0, else 0. */
  reluBackward(grad: Float32Array, out: Float32Array, dx: Float32Array): void;
  /** Contiguous rows of n: out = (x - mean)·rstd·weight + bias, each row's mean and rstd written. */
  layerNorm(
    x: Float32Array,
    weight: Float32Array | null,
    bias: Float32Array | null,
    n: number,
    eps: number,
    out: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
  ): void;
  /** Contiguous rows of n: layerNorm's input gradient, and the weight's and bias's where given. */
  layerNormBackward(
    grad: Float32Array,
    x: Float32Array,
    mean: Float32Array,
    rstd: Float32Array,
    weight: Float32Array | null,
    n: number,
    dx: Float32Array,
    dweight: Float32Array | null,
    dbias: Float32Array | null,
  ): void;
  /**
   * Adam's update in place over Float32Arrays of one length; scalars are [beta1, beta2, eps, weightDecay,
   * paramScale, stepSize, biasCorrection2Sqrt, maximize (0 or 1)].
   */
  adamStep(
    param: Float32Array,
    grad: Float32Array,
    expAvg: Float32Array,
    expAvgSq: Float32Array,
    maxExpAvgSq: Float32Array | null,
    scalars: Float64Array,
  ): void;
  threads(): number;
  simd(): string;
  /** Tunes the process's allocator for tensors (once); true when this call changed it. */
  configureAllocator(): boolean;
  readonly ops: NativeOpCodes;
  readonly layout: NativeLayouts;
}

const moduleFile = 'attentionLabNative.node';

const engineOps = { unary: unaryOps, binary: binaryOps, reduce: reduceOps };
type OpKind = keyof typeof engineOps;

/** Engine ops the C kernels leave to the reference loops: logical and bitwise ops, and the less used functions. */
export const referenceOnlyOps: { [K in OpKind]: readonly (typeof engineOps)[K][number][] } = {
  unary: [
    'logicalNot',
    'sin',
    'cos',
    'tan',
    'asin',
    'acos',
    'atan',
    'sinh',
    'cosh',
    'expm1',
    'log1p',
    'floor',
    'ceil',
    'round',
    'trunc',
  ],
  binary: ['logicalAnd', 'logicalOr', 'fmod', 'atan2', 'bitwiseAnd', 'bitwiseOr', 'bitwiseXor'],
  reduce: ['argmax', 'argmin'],
};

/** The layouts encodeViews and encodeMatmul write, in the terms of the module's description. */
export const encodedLayouts = {
  view: { head: ['ndim', 'shape[ndim]'], perOperand: ['offset', 'strides[ndim]'] },
  matmul: { head: ['batch', 'm', 'k', 'n'], perOperand: ['offset', 'batchStride', 'rowStride', 'colStride'] },
};
/** The most views one kernel takes: where's condition, a and b. */
const mostViews = 3;

/**
 * Throws unless the module's op codes cover the engine's ops (each op has a code of its own or is in
 * referenceOnlyOps, not both, and the module names no other op) and it reads the layouts this file writes.
 */
export function checkKernels(kernels: Pick<NativeKernels, 'ops' | 'layout'>): void {
  if (!kernels.ops || !kernels.layout) throw new Error(`${moduleFile} was built from older sources: run npm run build`);
  const problems: string[] = [];
  for (const kind of Object.keys(engineOps) as OpKind[]) {
    const codes: Record<string, number> = kernels.ops[kind];
    const known: readonly string[] = engineOps[kind];
    const leftOut: readonly string[] = referenceOnlyOps[kind];
    for (const op of Object.keys(codes)) {
      if (!known.includes(op)) problems.push(`${kind} op '${op}' is not an engine op`);
      if (leftOut.includes(op)) problems.push(`${kind} op '${op}' has a C kernel but is in referenceOnlyOps`);
    }
    for (const op of known) {
      if (!(op in codes) && !leftOut.includes(op)) {
        problems.push(`${kind} op '${op}' has no C kernel and is not in referenceOnlyOps`);
      }
    }
    if (new Set(Object.values(codes)).size !== Object.keys(codes).length) problems.push(`two ${kind} ops share a code`);
  }
  for (const name of ['view', 'matmul'] as const) {
    if (!isDeepStrictEqual(kernels.layout[name], encodedLayouts[name])) {
      const [reads, writes] = [kernels.layout[name], encodedLayouts[name]].map((fields) => JSON.stringify(fields));
      problems.push(`it reads ${name} layouts as ${reads}, native.ts writes ${writes}`);
    }
  }
  const { maxOperands } = kernels.layout;
  if (maxOperands < mostViews) problems.push(`it takes ${maxOperands} views, where passes ${mostViews}`);
  if (problems.length > 0) throw new Error(`the native module disagrees with native.ts: ${problems.join('; ')}`);
}

/** The built module: next to this bundle (dist/), or in dist/ of a folder above it (out/test, out/bench). */
export function findNativeModule(start = __dirname): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    for (const candidate of [join(dir, moduleFile), join(dir, 'dist', moduleFile)]) {
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** Loads and checks the module; loading it changes nothing in the process (createNativeBackend does). */
export function loadNativeKernels(): NativeKernels {
  const path = findNativeModule();
  if (!path) throw new Error(`${moduleFile} was not built (npm run build compiles it with the system C compiler)`);
  const kernels = require(path) as NativeKernels;
  checkKernels(kernels);
  return kernels;
}

/** Writes views of one shape into `layout` as encodedLayouts.view: ndim, shape, then each view's offset and strides. */
export function encodeViews(views: readonly View[], layout: Int32Array): Int32Array {
  const { shape } = views[0];
  const ndim = shape.length;
  layout[0] = ndim;
  for (let d = 0; d < ndim; d++) layout[1 + d] = shape[d];
  let at = 1 + ndim;
  for (const view of views) {
    layout[at++] = view.offset;
    for (let d = 0; d < ndim; d++) layout[at++] = view.strides[d];
  }
  return layout;
}

/** Writes a (B, M, K) @ b (B, K, N) into `layout` as encodedLayouts.matmul. */
export function encodeMatmul(a: View, b: View, layout: Int32Array): Int32Array {
  [layout[0], layout[1], layout[2], layout[3]] = [a.shape[0], a.shape[1], a.shape[2], b.shape[2]];
  [layout[4], layout[5], layout[6], layout[7]] = [a.offset, a.strides[0], a.strides[1], a.strides[2]];
  [layout[8], layout[9], layout[10], layout[11]] = [b.offset, b.strides[0], b.strides[1], b.strides[2]];
  return layout;
}

// Output storage: every kernel writes its whole output, so none of it needs zeroing. Small outputs are
// cut from a shared slab (a typed array of its own costs ~0.3 µs, a view into a slab ~0.04 µs; a slab
// lives while any of its tensors does, as Node's Buffer pool does); large ones get their own memory.
const slabBytes = 1 << 16;
const smallElements = 1024;
let slab = Buffer.allocUnsafeSlow(0).buffer;
let slabUsed = 0;

function uninitialized(length: number): Float32Array {
  const bytes = length * 4;
  if (length > smallElements) {
    const own = Buffer.allocUnsafeSlow(bytes);
    return new Float32Array(own.buffer, own.byteOffset, length);
  }
  if (slabUsed + bytes > slab.byteLength) {
    const fresh = Buffer.allocUnsafeSlow(slabBytes);
    [slab, slabUsed] = [fresh.buffer, fresh.byteOffset];
  }
  const out = new Float32Array(slab, slabUsed, length);
  slabUsed += (bytes + 63) & ~63; // 64-byte aligned, as the C kernels' vector loads like
  return out;
}

const isFloat = (view: View) => valuesOf(view.storage) instanceof Float32Array;
const floats = (view: View) => valuesOf(view.storage) as Float32Array;
/** New storage of `length` floats, every one written by `write`. */
function written(length: number, write: (out: Float32Array) => void): ReferenceStorage {
  const out = uninitialized(length);
  write(out);
  return new ReferenceStorage(out);
}
/** The binary ops whose result is bool: the C compare kernel runs them on float operands. */
const comparisons = new Set<BinaryOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
/** Integers of magnitude up to 2^24 are exact in float32; a comparison of larger ones takes the reference loop. */
const exactInFloat = 2 ** 24;
/** An int32 or bool operand a comparison may read as float32 (every value exact there); scalars mostly. */
const comparableAsFloat = (view: View) =>
  isFloat(view) || valuesOf(view.storage).every((value) => Math.abs(value) <= exactInFloat);

/**
 * An int32 or bool operand of a float32 result (`x.div(8)`: the 8 is an int32 scalar) as float32:
 * its storage converted whole, usually one element, the view's strides kept (not a gather of the broadcast).
 */
function asFloat(view: View): View {
  return isFloat(view) ? view : { ...view, storage: new ReferenceStorage(Float32Array.from(valuesOf(view.storage))) };
}

/**
 * The native backend over a loaded module; creating it tunes the process's allocator for tensors and
 * hands the seeded random stream's fills to C (the same values as the JS loops, see random.ts).
 */
export function createNativeBackend(kernels: NativeKernels): Backend {
  kernels.configureAllocator();
  useStreamKernels(kernels);
  const reference = createReferenceBackend();
  const { maxDims, maxOperands } = kernels.layout;
  // One layout buffer of each kind, reused by every call.
  const layout = new Int32Array(1 + maxDims + maxOperands * (1 + maxDims));
  const { head, perOperand } = encodedLayouts.matmul;
  const matmulLayout = new Int32Array(head.length + 2 * perOperand.length);
  const adamScalars = new Float64Array(8);
  const describe = (views: readonly View[]) => encodeViews(views, layout);
  /** Shapes the C kernels take: non-empty, within the dims the layout holds. */
  const nativeable = (view: View) => sizeOf(view.shape) > 0 && view.shape.length <= maxDims;
  const { ops } = kernels;
  /** A float32 view's values as contiguous rows: the storage itself where it is laid out so, else a gathered copy. */
  const rowsOf = (view: View): Float32Array => {
    const length = sizeOf(view.shape);
    if (!isFloat(view) || !nativeable(view)) return valuesOf(reference.copy(view, 'float32')) as Float32Array;
    if (isContiguous(view.shape, view.strides)) return floats(view).subarray(view.offset, view.offset + length);
    const gathered = uninitialized(length);
    kernels.copy(floats(view), describe([view]), gathered);
    return gathered;
  };
  /** a (B, M, K) @ b (B, K, N), plus bias (N) on every row when given: one C call, out contiguous. */
  const product = (a: View, b: View, bias: View | null): Storage => {
    if (!bias && (!isFloat(a) || !isFloat(b))) return reference.matmul(a, b);
    [a, b] = [asFloat(a), asFloat(b)];
    const [batch, m] = a.shape;
    const n = b.shape[2];
    if (batch * m * n === 0) return new ReferenceStorage(new Float32Array(0));
    const operands = encodeMatmul(a, b, matmulLayout);
    const biasValues = bias && rowsOf(bias);
    return written(batch * m * n, (out) => kernels.matmul(floats(a), floats(b), operands, out, biasValues)); // (B, M, N)
  };
  return {
    ...reference,
    name: 'native',
    matmulPacksOperands: true,
    writtenStorage(dtype, length, write) {
      if (dtype === 'float32') return written(length, write);
      const values = allocate(dtype, length);
      write(values);
      return new ReferenceStorage(values);
    },
    copy(a, dtype) {
      if (dtype !== 'float32' || !isFloat(a) || !nativeable(a)) return reference.copy(a, dtype);
      return written(sizeOf(a.shape), (out) => kernels.copy(floats(a), describe([a]), out));
    },
    assign(target, values) {
      // A contiguous float32 target is the C copy kernel's output, written in place; any other layout, and a
      // source on the target's own storage (which must be read whole before the write), takes the reference loop.
      const destination = valuesOf(target.storage);
      const length = sizeOf(target.shape);
      if (
        !(destination instanceof Float32Array) ||
        !isFloat(values) ||
        values.storage === target.storage ||
        !nativeable(values) ||
        !isContiguous(target.shape, target.strides)
      ) {
        return reference.assign(target, values);
      }
      kernels.copy(floats(values), describe([values]), destination.subarray(target.offset, target.offset + length));
    },
    unary(op, a, dtype) {
      const code = ops.unary[op];
      if (code === undefined || dtype !== 'float32' || !nativeable(a)) return reference.unary(op, a, dtype);
      return written(sizeOf(a.shape), (out) => kernels.unary(code, floats(asFloat(a)), describe([a]), out));
    },
    binary(op, a, b, dtype) {
      const code = ops.binary[op];
      if (comparisons.has(op) && code !== undefined && nativeable(a) && comparableAsFloat(a) && comparableAsFloat(b)) {
        const out = new Uint8Array(sizeOf(a.shape));
        kernels.compare(code, floats(asFloat(a)), floats(asFloat(b)), describe([a, b]), out);
        return new ReferenceStorage(out);
      }
      if (code === undefined || dtype !== 'float32' || !nativeable(a)) return reference.binary(op, a, b, dtype);
      return written(sizeOf(a.shape), (out) =>
        kernels.binary(code, floats(asFloat(a)), floats(asFloat(b)), describe([a, b]), out),
      );
    },
    where(condition, a, b, dtype) {
      const mask = valuesOf(condition.storage);
      if (dtype !== 'float32' || !(mask instanceof Uint8Array) || !nativeable(a))
        return reference.where(condition, a, b, dtype);
      return written(sizeOf(a.shape), (out) =>
        kernels.where(mask, floats(asFloat(a)), floats(asFloat(b)), describe([condition, a, b]), out),
      );
    },
    reduce(op, a, dtype: DType) {
      const code = ops.reduce[op];
      if (code === undefined || dtype !== 'float32' || !isFloat(a) || !nativeable(a))
        return reference.reduce(op, a, dtype);
      return written(sizeOf(leadingDims(a.shape, 1)), (out) => kernels.reduce(code, floats(a), describe([a]), out));
    },
    softmax(a) {
      const n = a.shape[a.shape.length - 1];
      const length = sizeOf(a.shape);
      // Past the dims a layout holds, the rows are gathered first and read as (rows, n).
      const rows =
        a.shape.length <= maxDims
          ? a
          : { storage: reference.copy(a, 'float32'), shape: [length / n, n], strides: [n, 1], offset: 0 };
      return written(length, (out) => kernels.softmax(floats(rows), describe([rows]), out));
    },
    concat(parts, dim, dtype) {
      if (dtype !== 'float32' || !parts.every((part) => isFloat(part) && part.shape.length <= maxDims))
        return reference.concat(parts, dim, dtype);
      const shape = [...parts[0].shape];
      shape[dim] = parts.reduce((total, part) => total + part.shape[dim], 0); // (outer..., Σ sizes, inner...)
      const outer = sizeOf(shape.slice(0, dim));
      const row = sizeOf(shape.slice(dim)); // one outer index's block of the output
      return written(sizeOf(shape), (out) => {
        let start = 0;
        for (const part of parts) {
          const block = sizeOf(part.shape.slice(dim)); // the part's share of each output block
          if (block > 0 && outer === 1)
            kernels.copy(floats(part), describe([part]), out.subarray(start, start + block));
          else if (block > 0 && outer > 0) {
            kernels.copyBlocks(rowsOf(part), out.subarray(start), outer, block, row); // (outer, block) rows
          }
          start += block;
        }
      });
    },
    reluBackward(grad, out) {
      return written(sizeOf(out.shape), (dx) => kernels.reluBackward(rowsOf(grad), rowsOf(out), dx));
    },
    softmaxBackward(grad, out) {
      const n = out.shape[out.shape.length - 1];
      return written(sizeOf(out.shape), (dx) => kernels.softmaxBackward(rowsOf(grad), rowsOf(out), n, dx));
    },
    layerNorm(x, weight, bias, eps) {
      const n = x.shape[x.shape.length - 1];
      const rows = sizeOf(x.shape) / n;
      const [out, mean, rstd] = [uninitialized(rows * n), uninitialized(rows), uninitialized(rows)];
      kernels.layerNorm(rowsOf(x), weight && rowsOf(weight), bias && rowsOf(bias), n, eps, out, mean, rstd);
      return { out: new ReferenceStorage(out), mean: new ReferenceStorage(mean), rstd: new ReferenceStorage(rstd) };
    },
    layerNormBackward(grad, x, mean, rstd, weight, wanted) {
      const n = x.shape[x.shape.length - 1];
      const dx = uninitialized(sizeOf(x.shape));
      const [dweight, dbias] = [wanted.weight && uninitialized(n), wanted.bias && uninitialized(n)];
      const [g, values, means, rstds] = [rowsOf(grad), rowsOf(x), rowsOf(mean), rowsOf(rstd)];
      kernels.layerNormBackward(
        g,
        values,
        means,
        rstds,
        weight && rowsOf(weight),
        n,
        dx,
        dweight || null,
        dbias || null,
      );
      const stored = (values: Float32Array | false) => (values ? new ReferenceStorage(values) : null);
      return { input: new ReferenceStorage(dx), weight: stored(dweight), bias: stored(dbias) };
    },
    adamStep(tensors, scalars) {
      const { param, grad, expAvg, expAvgSq, maxExpAvgSq } = tensors;
      const updated = [param, expAvg, expAvgSq, ...(maxExpAvgSq ? [maxExpAvgSq] : [])];
      if (!updated.every((view) => isFloat(view) && isContiguous(view.shape, view.strides))) {
        return referenceFusedKernels.adamStep(tensors, scalars);
      }
      const elements = (view: View) => floats(view).subarray(view.offset, view.offset + sizeOf(view.shape));
      const { beta1, beta2, eps, weightDecay, paramScale, stepSize, biasCorrection2Sqrt, maximize } = scalars;
      adamScalars.set([beta1, beta2, eps, weightDecay, paramScale, stepSize, biasCorrection2Sqrt, maximize ? 1 : 0]);
      kernels.adamStep(
        elements(param),
        rowsOf(grad),
        elements(expAvg),
        elements(expAvgSq),
        maxExpAvgSq && elements(maxExpAvgSq),
        adamScalars,
      );
    },
    matmul(a, b) {
      return product(a, b, null);
    },
    matmulAddBias(a, b, bias) {
      return product(a, b, bias);
    },
  };
}
