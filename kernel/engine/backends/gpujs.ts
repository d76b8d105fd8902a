/**
 * The gpu.js backends: one factory for every gpu.js mode the engine runs (headlessgl, webasm, cpu).
 * Each primitive runs as a gpu.js kernel built once per shape signature and cached; on headless-gl the
 * results stay on the device as textures (pipeline mode) and only what is read comes back.
 */
import { GPU, type IKernelRunShortcut, type Texture } from 'gpu.js';
import type { Backend, Storage, View } from '../backend';
import { castArray, type TypedArray } from '../dtype';
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
 * replaces a texture by the written host values, so every view of the storage sees the write.
 */
class GpuJsStorage implements Storage {
  constructor(
    public values: Float32Array | Texture,
    readonly length: number,
  ) {}
}

type KernelArg = Float32Array | Texture;

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

  function run(source: string, length: number, args: GpuJsStorage[]): GpuJsStorage {
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
    const storage = new GpuJsStorage(result, length);
    if (!(result instanceof Float32Array)) textureReaper.register(storage, result, storage);
    return storage;
  }

  const storageOf = (s: Storage) => s as GpuJsStorage;
  const viewArg = (v: View) => storageOf(v.storage);

  function readValues(storage: Storage): Float32Array {
    const { values, length } = storageOf(storage);
    if (values instanceof Float32Array) return values;
    return ((values as Texture).toArray() as unknown as Float32Array).subarray(0, length);
  }

  return {
    name: `gpujs-${mode}` as const, // every mode is a row of the backend table
    mode,
    get compiledKernels() {
      return kernels.size;
    },
    upload(values: TypedArray): Storage {
      return new GpuJsStorage(
        values instanceof Float32Array ? values.slice() : Float32Array.from(values),
        values.length,
      );
    },
    read: (storage, dtype) => castArray(readValues(storage), dtype),
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
    },
    copy: (a, dtype) => run(copySource(a, dtype), sizeOf(a.shape), [viewArg(a)]),
    unary: (op, a, dtype) => run(unarySource(op, a, dtype), sizeOf(a.shape), [viewArg(a)]),
    binary: (op, a, b, dtype) => run(binarySource(op, a, b, dtype), sizeOf(a.shape), [viewArg(a), viewArg(b)]),
    where: (c, a, b, dtype) => run(whereSource(c, a, b, dtype), sizeOf(c.shape), [viewArg(c), viewArg(a), viewArg(b)]),
    reduce: (op, a, dtype) => run(reduceSource(op, a, dtype), sizeOf(a.shape.slice(0, -1)), [viewArg(a)]),
    matmul: (a, b) => run(matmulSource(a, b), a.shape[0] * a.shape[1] * b.shape[2], [viewArg(a), viewArg(b)]),
    concat(parts, dim, dtype) {
      const nonEmpty = parts.filter((p) => sizeOf(p.shape) > 0);
      const shape = [...parts[0].shape];
      shape[dim] = parts.reduce((n, p) => n + p.shape[dim], 0);
      return run(concatSource(nonEmpty, shape, dim, dtype), sizeOf(shape), nonEmpty.map(viewArg));
    },
  };
}
