/**
 * The native backend: float32 primitives run as hand-written C (nativeKernels.c, built into
 * dist/attentionLabNative.node and loaded through Node-API): a packed AVX2/FMA GEMM on a thread pool,
 * vectorised exp, strided elementwise loops and reductions. Its storage is the reference backend's
 * (a typed array per tensor), so int32 and bool work, which no hot path needs, runs the reference loops.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Backend, BinaryOp, ReduceOp, UnaryOp, View } from '../backend';
import type { DType } from '../dtype';
import { sizeOf } from '../shape';
import { createReferenceBackend, ReferenceStorage, valuesOf } from './reference';

/** The functions nativeKernels.c exports; layouts are described there. */
export interface NativeKernels {
  copy(source: Float32Array, layout: Int32Array, out: Float32Array): void;
  unary(op: number, source: Float32Array, layout: Int32Array, out: Float32Array): void;
  binary(op: number, a: Float32Array, b: Float32Array, layout: Int32Array, out: Float32Array): void;
  where(condition: Uint8Array, a: Float32Array, b: Float32Array, layout: Int32Array, out: Float32Array): void;
  reduce(op: number, source: Float32Array, layout: Int32Array, out: Float32Array): void;
  matmul(a: Float32Array, b: Float32Array, layout: Int32Array, out: Float32Array): void;
  softmax(source: Float32Array, layout: Int32Array, out: Float32Array): void;
  threads(): number;
  simd(): string;
}

// Op codes in the order of the enums in nativeKernels.c; ops absent here run the reference loops.
const unaryCodes: Partial<Record<UnaryOp, number>> = { neg: 0, exp: 1, log: 2, sqrt: 3, tanh: 4, sigmoid: 5, relu: 6, gelu: 7, abs: 8 };
const binaryCodes: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6 };
const reduceCodes: Partial<Record<ReduceOp, number>> = { sum: 0, max: 1, min: 2 };

const moduleFile = 'attentionLabNative.node';

/** The built module: next to this bundle (dist/), or in dist/ of a folder above it (out/test, out/bench). */
export function findNativeModule(start = __dirname): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    for (const candidate of [join(dir, moduleFile), join(dir, 'dist', moduleFile)]) {
      if (existsSync(candidate)) return candidate;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export function loadNativeKernels(): NativeKernels {
  const path = findNativeModule();
  if (!path) throw new Error(`${moduleFile} was not built (npm run build compiles it with the system C compiler)`);
  return require(path) as NativeKernels;
}

const maxDims = 16;
// One layout buffer reused by every call: ndim, shape, then (offset, strides) per operand.
const layout = new Int32Array(1 + maxDims + 3 * (1 + maxDims));
const matmulLayout = new Int32Array(12);

function describe(views: readonly View[]): Int32Array {
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
/** Shapes the C kernels take: non-empty, within the dims the layout holds. */
const nativeable = (view: View) => sizeOf(view.shape) > 0 && view.shape.length <= maxDims;
/** New storage of `length` floats, every one written by `write`. */
function written(length: number, write: (out: Float32Array) => void): ReferenceStorage {
  const out = uninitialized(length);
  write(out);
  return new ReferenceStorage(out);
}
/**
 * An int32 or bool operand of a float32 result (`x.div(8)`: the 8 is an int32 scalar) as float32:
 * its storage converted whole, usually one element, the view's strides kept (not a gather of the broadcast).
 */
function asFloat(view: View): View {
  return isFloat(view) ? view : { ...view, storage: new ReferenceStorage(Float32Array.from(valuesOf(view.storage))) };
}

export function createNativeBackend(kernels: NativeKernels): Backend {
  const reference = createReferenceBackend();
  return {
    ...reference,
    name: 'native',
    matmulPacksOperands: true,
    copy(a, dtype) {
      if (dtype !== 'float32' || !isFloat(a) || !nativeable(a)) return reference.copy(a, dtype);
      return written(sizeOf(a.shape), (out) => kernels.copy(floats(a), describe([a]), out));
    },
    unary(op, a, dtype) {
      const code = unaryCodes[op];
      if (code === undefined || dtype !== 'float32' || !nativeable(a)) return reference.unary(op, a, dtype);
      return written(sizeOf(a.shape), (out) => kernels.unary(code, floats(asFloat(a)), describe([a]), out));
    },
    binary(op, a, b, dtype) {
      const code = binaryCodes[op];
      if (code === undefined || dtype !== 'float32' || !nativeable(a)) return reference.binary(op, a, b, dtype);
      return written(sizeOf(a.shape), (out) => kernels.binary(code, floats(asFloat(a)), floats(asFloat(b)), describe([a, b]), out));
    },
    where(condition, a, b, dtype) {
      const mask = valuesOf(condition.storage);
      if (dtype !== 'float32' || !(mask instanceof Uint8Array) || !nativeable(a)) return reference.where(condition, a, b, dtype);
      return written(sizeOf(a.shape), (out) => kernels.where(mask, floats(asFloat(a)), floats(asFloat(b)), describe([condition, a, b]), out));
    },
    reduce(op, a, dtype: DType) {
      const code = reduceCodes[op];
      if (code === undefined || dtype !== 'float32' || !isFloat(a) || !nativeable(a)) return reference.reduce(op, a, dtype);
      return written(sizeOf(a.shape.slice(0, -1)), (out) => kernels.reduce(code, floats(a), describe([a]), out));
    },
    softmax(a) {
      const n = a.shape[a.shape.length - 1];
      const length = sizeOf(a.shape);
      // Past the dims a layout holds, the rows are gathered first and read as (rows, n).
      const rows = a.shape.length <= maxDims ? a : { storage: reference.copy(a, 'float32'), shape: [length / n, n], strides: [n, 1], offset: 0 };
      return written(length, (out) => kernels.softmax(floats(rows), describe([rows]), out));
    },
    matmul(a, b) {
      if (!isFloat(a) || !isFloat(b)) return reference.matmul(a, b);
      const [batch, m, k] = a.shape;
      const n = b.shape[2];
      if (batch * m * n === 0) return new ReferenceStorage(new Float32Array(0));
      [matmulLayout[0], matmulLayout[1], matmulLayout[2], matmulLayout[3]] = [batch, m, k, n];
      [matmulLayout[4], matmulLayout[5], matmulLayout[6], matmulLayout[7]] = [a.offset, a.strides[0], a.strides[1], a.strides[2]];
      [matmulLayout[8], matmulLayout[9], matmulLayout[10], matmulLayout[11]] = [b.offset, b.strides[0], b.strides[1], b.strides[2]];
      return written(batch * m * n, (out) => kernels.matmul(floats(a), floats(b), matmulLayout, out)); // (B, M, N)
    },
  };
}
