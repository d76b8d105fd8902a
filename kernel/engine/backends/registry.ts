/**
 * The backend registry: the only module that knows which backends exist and how to probe them.
 * It picks the best available one (or the one named by setBackend / ATTENTION_LAB_BACKEND) and
 * records why every other one was not chosen.
 */
import { backendNames, type Backend, type BackendName } from '../backend';
import { createGpuJsBackend, type GpuJsMode } from './gpujs';
import { createNativeBackend, loadNativeKernels } from './native';
import { createReferenceBackend } from './reference';

export interface BackendCandidate {
  name: BackendName;
  available: boolean;
  /** Why it is (not) available, and why it was (not) chosen. */
  reason: string;
}

export interface BackendReport {
  name: BackendName;
  /** Why this backend runs. */
  reason: string;
  candidates: BackendCandidate[];
}

type Probe = { ok: true; note: string; create: () => Backend } | { ok: false; reason: string };

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/** The part of a WebGL context the probe reads. */
interface GlContext {
  readonly RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: 'STACKGL_destroy_context'): { destroy(): void } | null;
}

/** headless-gl needs the optional native `gl` module and an X display; it may be a software rasteriser. */
function probeHeadlessGl(): Probe {
  let createContext: (width: number, height: number) => GlContext | null;
  try {
    createContext = require('gl');
  } catch (error) {
    return { ok: false, reason: `the optional native module 'gl' does not load (${errorText(error)})` };
  }
  const context = createContext(1, 1);
  if (!context) {
    return { ok: false, reason: `'gl' loads but no GL context could be made${process.env.DISPLAY ? '' : ' (no X display: run under xvfb-run)'}` };
  }
  const renderer = String(context.getParameter(context.RENDERER));
  context.getExtension('STACKGL_destroy_context')?.destroy();
  const software = /llvmpipe|softpipe|swiftshader|software/i.test(renderer);
  return {
    ok: true,
    note: software ? `renders in software (${renderer})` : `renders on ${renderer}`,
    create: () => createGpuJsBackend('headlessgl'),
  };
}

/** Dawn's `webgpu` binary needs a recent glibc, and then a GPU adapter. */
function probeWebGpu(): Probe {
  try {
    require('webgpu');
  } catch (error) {
    return { ok: false, reason: `the 'webgpu' (Dawn) module does not load (${errorText(error)})` };
  }
  return {
    ok: false,
    reason: "the 'webgpu' module loads, but a WebGPU adapter can only be requested asynchronously and this engine's ops are synchronous; not supported yet",
  };
}

/** The C kernels need the module `npm run build` compiles, and a CPU with the instructions it was built for. */
function probeNative(): Probe {
  const kernels = loadNativeKernels();
  return { ok: true, note: `hand-written C kernels (${kernels.simd()}, ${kernels.threads()} threads)`, create: () => createNativeBackend(kernels) };
}

function probeMode(mode: GpuJsMode): Probe {
  return { ok: true, note: 'runs everywhere', create: () => createGpuJsBackend(mode) };
}

const probes: Record<BackendName, () => Probe> = {
  'gpujs-webgpu': probeWebGpu,
  'gpujs-headlessgl': probeHeadlessGl,
  native: probeNative,
  'gpujs-webasm': () => {
    const ok = typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'object';
    return ok ? { ...probeMode('webasm'), note: 'WebAssembly with f32x4 SIMD' } : { ok: false, reason: 'no WebAssembly in this runtime' };
  },
  'gpujs-cpu': () => ({ ...probeMode('cpu'), note: 'gpu.js kernels as plain JavaScript' }),
  reference: () => ({ ok: true, note: 'plain TypeScript loops, the oracle', create: createReferenceBackend }),
};

const probed = new Map<BackendName, Probe>();
const instances = new Map<BackendName, Backend>();
let active: { backend: Backend; reason: string } | undefined;

function probe(name: BackendName): Probe {
  let result = probed.get(name);
  if (!result) {
    try {
      result = probes[name]();
    } catch (error) {
      result = { ok: false, reason: errorText(error) };
    }
    probed.set(name, result);
  }
  return result;
}

function isBackendName(name: string): name is BackendName {
  return (backendNames as readonly string[]).includes(name);
}

/** The backend instance for a name, created on first use; an unavailable one is an error with the reason. */
export function backendByName(name: BackendName): Backend {
  if (!isBackendName(name)) throw new Error(`setBackend: unknown backend '${name}'; known backends: ${backendNames.join(', ')}`);
  const existing = instances.get(name);
  if (existing) return existing;
  const result = probe(name);
  if (!result.ok) throw new Error(`setBackend: backend '${name}' is not available here: ${result.reason}`);
  const backend = result.create();
  instances.set(name, backend);
  return backend;
}

/**
 * Automatic choice: a hardware GPU first (webgpu, then headless-gl on a real GPU), then the native
 * C kernels, then WebAssembly, then gpu.js's JavaScript mode. A software-rendered GL context loses to both CPU paths.
 */
function chooseAutomatically(): { backend: Backend; reason: string } {
  const gl = probe('gpujs-headlessgl');
  const glIsHardware = gl.ok && !gl.note.startsWith('renders in software');
  const order: BackendName[] = ['gpujs-webgpu', ...(glIsHardware ? (['gpujs-headlessgl'] as const) : []), 'native', 'gpujs-webasm', 'gpujs-cpu', 'reference'];
  for (const name of order) {
    const result = probe(name);
    if (result.ok) return { backend: backendByName(name), reason: `automatic: the best available backend (${result.note})` };
  }
  return { backend: backendByName('reference'), reason: 'automatic: no gpu.js backend is available' };
}

export function activeBackend(): Backend {
  if (!active) {
    const requested = process.env.ATTENTION_LAB_BACKEND;
    if (requested && requested !== 'auto') {
      if (!isBackendName(requested)) {
        throw new Error(`ATTENTION_LAB_BACKEND='${requested}' is not a backend; known backends: auto, ${backendNames.join(', ')}`);
      }
      active = { backend: backendByName(requested), reason: `chosen by ATTENTION_LAB_BACKEND=${requested}` };
    } else {
      active = chooseAutomatically();
    }
  }
  return active.backend;
}

/** Chooses the backend new tensors are made on ('auto' restores the automatic choice). */
export function setBackend(name: BackendName | 'auto'): BackendReport {
  active = name === 'auto' ? chooseAutomatically() : { backend: backendByName(name), reason: `chosen by setBackend('${name}')` };
  return getBackend();
}

/** Which backend runs, why, and why each other one was not chosen. */
export function getBackend(): BackendReport {
  const current = activeBackend();
  const candidates = backendNames.map((name): BackendCandidate => {
    const result = probe(name);
    if (!result.ok) return { name, available: false, reason: result.reason };
    if (name === current.name) return { name, available: true, reason: `running: ${result.note}` };
    return { name, available: true, reason: `available, not chosen: ${result.note}` };
  });
  return { name: current.name, reason: active!.reason, candidates };
}
