/**
 * The gpu.js backends: one factory for every gpu.js mode the engine runs (headlessgl, webasm, cpu).
 * Each primitive runs as a gpu.js kernel built once per shape signature and cached; on headless-gl the
 * results stay on the device as textures (pipeline mode) and only what is read comes back. It leaves
 * out the optional fused primitives (softmax, softmaxBackward, layerNorm, layerNormBackward, adamStep):
 * softmax and layerNorm, their gradients and Adam's step are composed from its kernels instead.
 */
import { GPU, type IKernelRunShortcut, type Texture } from 'gpu.js';
import type { Backend, Storage, View } from '../backend';
import { castArray, type DType, type TypedArray } from '../dtype';
import { sizeOf } from '../shape';
import { gather, ReferenceStorage, scatter } from './reference';
import {
  binarySource,
  concatSource,
  copySource,
  matmulSource,
  reduceSource,
  unarySource,
  whereSource,
} from './gpujsKernels';

/** The gpu.js modes the engine runs in Node, each with a synchronous read-back (WebGPU's is asynchronous). */
export type GpuJsMode = 'headlessgl' | 'webasm' | 'cpu';

/**
 * Values on the host (cpu, webasm) or a texture on the device (headlessgl). An in-place write (assign)
 * replaces a texture by the written host values, so every view of the storage sees the write. `exact` is false
 * for int32 values that arithmetic computed in float32, which may have been rounded beyond ±2^24 (see
 * checkExactIntegers).
 */
class GpuJsStorage implements Storage {
  constructor(
    public values: Float32Array | Texture,
    readonly length: number,
    public exact = true,
  ) {}
}

type KernelArg = Float32Array | Texture;

/** float32 holds every integer in [-2^24, 2^24] exactly, and not every one beyond. */
const exactIntegerLimit = 2 ** 24;

/** The advice every exactness error ends with. */
const exactnessAdvice =
  "this backend's float32 storage holds integers exactly only up to ±2^24 (16777216); use the reference or native backend for integers this large";

/** An int32 value float32 cannot hold is an error naming the backend and the value, never a silent rounding. */
function checkUploadedIntegers(backend: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (Math.fround(value) !== value)
      throw new RangeError(`${backend}: int32 value ${value} is not exact here: ${exactnessAdvice}`);
  }
}

/**
 * int32 results of float32 arithmetic of magnitude 2^24 or more may have been rounded: an error naming the backend and
 * the value. (Values only moved, as copy, concat and where do, stay exact and are not checked.)
 */
function checkComputedIntegers(backend: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    // 2^24 itself may be 2^24 + 1 rounded: only smaller magnitudes are certainly exact
    if (value > -exactIntegerLimit && value < exactIntegerLimit) continue;
    throw new RangeError(`${backend}: int32 result ${value} may have been rounded: ${exactnessAdvice}`);
  }
}

const emptyPlaceholder = new Float32Array(1);

/** Device textures are freed when their storage is garbage-collected. */
const textureReaper = new FinalizationRegistry<Texture>((texture) => texture.delete());

export interface GpuJsBackend extends Backend {
  readonly mode: GpuJsMode;
  /** How many distinct kernels were compiled (one per op and shape signature). */
  readonly compiledKernels: number;
}

export function createGpuJsBackend(mode: GpuJsMode): GpuJsBackend {
  const gpu = new GPU({ mode });
  const onDevice = mode === 'headlessgl';
  const kernels = new Map<string, IKernelRunShortcut>();

  function run(source: string, length: number, args: GpuJsStorage[], exact: boolean): GpuJsStorage {
    if (length === 0) return new GpuJsStorage(new Float32Array(0), 0);
    const argKinds = args.map((a) => (a.values instanceof Float32Array ? `a${a.length}` : `t${a.length}`)).join(',');
    const key = `${length}|${argKinds}|${source}`;
    let compiled = kernels.get(key);
    if (!compiled) {
      compiled = gpu.createKernel(source, {
        output: [length],
        pipeline: onDevice,
        immutable: onDevice,
        tactic: 'precision',
      });
      kernels.set(key, compiled);
    }
    // gpu.js rejects empty arrays; an empty input is never read (e.g. a sum over a dim of size 0).
    const values = args.map((a) => (a.length === 0 ? emptyPlaceholder : (a.values as KernelArg)));
    const result = compiled(...values) as Float32Array | Texture;
    const storage = new GpuJsStorage(result, length, exact);
    if (!(result instanceof Float32Array)) textureReaper.register(storage, result, storage);
    return storage;
  }

  const storageOf = (s: Storage) => s as GpuJsStorage;
  const viewArg = (v: View) => storageOf(v.storage);
  /** Values only moved (copied, joined, selected) stay exact when they were; float32 and bool results always are. */
  const moved = (dtype: DType, sources: readonly View[]) =>
    dtype !== 'int32' || sources.every((v) => storageOf(v.storage).exact);

  function readValues(storage: Storage): Float32Array {
    const { values, length } = storageOf(storage);
    if (values instanceof Float32Array) return values;
    return ((values as Texture).toArray() as unknown as Float32Array).subarray(0, length);
  }

  const name = `gpujs-${mode}` as const; // every mode is a row of the backend table
  return {
    name,
    mode,
    get compiledKernels() {
      return kernels.size;
    },
    upload(values: TypedArray, dtype): Storage {
      if (dtype === 'int32') checkUploadedIntegers(name, values);
      return new GpuJsStorage(
        values instanceof Float32Array ? values.slice() : Float32Array.from(values),
        values.length,
      );
    },
    read(storage, dtype) {
      const values = readValues(storage);
      if (dtype === 'int32' && !storageOf(storage).exact) checkComputedIntegers(name, values);
      return castArray(values, dtype);
    },
    assign(target, values) {
      // On the host: the source's values gathered whole first (they may live in the target's storage).
      const written = gather({ ...values, storage: new ReferenceStorage(readValues(values.storage)) });
      const storage = storageOf(target.storage);
      const onHost = readValues(storage);
      const destination = onHost === storage.values ? onHost : onHost.slice();
      scatter(written, { ...target, storage: new ReferenceStorage(destination) });
      if (storage.values !== destination) {
        // The texture's values now live on the host; the next kernel that reads them uploads them.
        textureReaper.unregister(storage);
        (storage.values as Texture).delete();
        storage.values = destination;
      }
      storage.exact = storage.exact && storageOf(values.storage).exact;
    },
    copy: (a, dtype) => run(copySource(a, dtype), sizeOf(a.shape), [viewArg(a)], moved(dtype, [a])),
    unary: (op, a, dtype) => run(unarySource(op, a, dtype), sizeOf(a.shape), [viewArg(a)], dtype !== 'int32'),
    binary: (op, a, b, dtype) =>
      run(binarySource(op, a, b, dtype), sizeOf(a.shape), [viewArg(a), viewArg(b)], dtype !== 'int32'),
    where: (c, a, b, dtype) =>
      run(whereSource(c, a, b, dtype), sizeOf(c.shape), [viewArg(c), viewArg(a), viewArg(b)], moved(dtype, [a, b])),
    reduce: (op, a, dtype) =>
      run(reduceSource(op, a, dtype), sizeOf(a.shape.slice(0, -1)), [viewArg(a)], dtype !== 'int32'),
    matmul: (a, b) => run(matmulSource(a, b), a.shape[0] * a.shape[1] * b.shape[2], [viewArg(a), viewArg(b)], true),
    concat(parts, dim, dtype) {
      const nonEmpty = parts.filter((p) => sizeOf(p.shape) > 0);
      const shape = [...parts[0].shape];
      shape[dim] = parts.reduce((n, p) => n + p.shape[dim], 0);
      return run(concatSource(nonEmpty, shape, dim, dtype), sizeOf(shape), nonEmpty.map(viewArg), moved(dtype, parts));
    },
  };
}
