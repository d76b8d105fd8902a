/**
 * The backend table: every engine backend, one row each (name, one-line description, probe). It is the
 * one list of backends: `BackendName`, the registry's candidates and automatic order are derived from it,
 * and a test checks the `attentionLab.engineBackend` setting against it. A new backend is one file in
 * this folder plus one row here.
 */
import type { Backend } from '../backend';
import { createGpuJsBackend } from './gpujs';
import { createNativeBackend, loadNativeKernels } from './native';
import { createReferenceBackend } from './reference';

/** What probing a backend found: how to create it here, or why it cannot run here. */
export type Probe =
  | {
      ok: true;
      /** What runs (the renderer, the instruction set...), shown in the registry's report. */
      note: string;
      create: () => Backend;
      /** False: available when named, but the automatic choice passes it over (a software GL renderer). */
      automatic?: boolean;
    }
  | { ok: false; reason: string };

export interface BackendRow {
  readonly name: string;
  /** One line on what runs; also the setting's description of this choice in package.json. */
  readonly description: string;
  /** Whether the backend can run here; called once, on first need. May throw: the message becomes the reason. */
  readonly probe: () => Probe;
}

/** An error's first line, for a one-line reason. */
export function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

/** The part of a WebGL context the probe reads. */
interface GlContext {
  readonly RENDERER: number;
  getParameter(name: number): unknown;
  getExtension(name: 'STACKGL_destroy_context'): { destroy(): void } | null;
  getExtension(name: 'WEBGL_debug_renderer_info'): { readonly UNMASKED_RENDERER_WEBGL: number } | null;
}

const enableHeadlessGl =
  "run `npm run build:gl` (compiles the optional 'gl' module, about 10 minutes) and use an X display (xvfb-run)";

/** headless-gl needs the optional native `gl` module and an X display; it may be a software rasteriser. */
function probeHeadlessGl(): Probe {
  let createContext: (width: number, height: number) => GlContext | null;
  try {
    createContext = require('gl');
  } catch (error) {
    return {
      ok: false,
      reason: `the optional native module 'gl' does not load (${errorText(error)}); to enable it, ${enableHeadlessGl}`,
    };
  }
  const context = createContext(1, 1);
  if (!context) {
    const noDisplay = process.env.DISPLAY ? '' : ' (no X display: run under xvfb-run)';
    return { ok: false, reason: `'gl' loads but no GL context could be made${noDisplay}` };
  }
  const debugInfo = context.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(context.getParameter(debugInfo?.UNMASKED_RENDERER_WEBGL ?? context.RENDERER));
  context.getExtension('STACKGL_destroy_context')?.destroy();
  const create = () => createGpuJsBackend('headlessgl');
  if (/llvmpipe|softpipe|swiftshader|software/i.test(renderer)) {
    return { ok: true, note: `renders in software (${renderer})`, create, automatic: false };
  }
  // headless-gl 8 draws through ANGLE, which names no device unless it exposes the debug renderer info:
  // an unnamed renderer may be Mesa's software one (it is, under Xvfb), so only a named GPU wins the automatic choice.
  if (renderer === 'ANGLE') {
    return {
      ok: true,
      note: 'renders on ANGLE, which does not name its device (it may be software)',
      create,
      automatic: false,
    };
  }
  return { ok: true, note: `renders on ${renderer}`, create };
}

/** The C kernels need the module `npm run build` compiles, and a CPU with the instructions it was built for. */
function probeNative(): Probe {
  const kernels = loadNativeKernels();
  return {
    ok: true,
    note: `hand-written C kernels (${kernels.simd()}, ${kernels.threads()} threads)`,
    create: () => createNativeBackend(kernels),
  };
}

function probeWebAssembly(): Probe {
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') {
    return { ok: false, reason: 'no WebAssembly in this runtime' };
  }
  return { ok: true, note: 'WebAssembly with f32x4 SIMD', create: () => createGpuJsBackend('webasm') };
}

/**
 * Every backend, in the automatic choice's order of preference: the first row whose probe finds it
 * available (and does not decline the automatic choice) runs. A hardware GL context comes first, then
 * the native C kernels, WebAssembly, plain JavaScript, and the reference loops, which run everywhere.
 */
export const backendTable = [
  {
    name: 'gpujs-headlessgl',
    description: "gpu.js GLSL kernels on a GL context (the optional 'gl' module and an X display)",
    probe: probeHeadlessGl,
  },
  {
    name: 'native',
    description: 'hand-written C kernels on a thread pool, compiled by `npm run build`',
    probe: probeNative,
  },
  {
    name: 'gpujs-webasm',
    description: 'gpu.js WebAssembly kernels',
    probe: probeWebAssembly,
  },
  {
    name: 'gpujs-cpu',
    description: 'gpu.js kernels as plain JavaScript',
    probe: () => ({ ok: true, note: 'gpu.js kernels as plain JavaScript', create: () => createGpuJsBackend('cpu') }),
  },
  {
    name: 'reference',
    description: 'plain TypeScript loops, the oracle every backend is tested against',
    probe: () => ({ ok: true, note: 'plain TypeScript loops, the oracle', create: createReferenceBackend }),
  },
] as const satisfies readonly BackendRow[];

/** The name of an engine backend: one of the table's rows. */
export type BackendName = (typeof backendTable)[number]['name'];

/** Every backend's name, in the table's order. */
export const backendNames: readonly BackendName[] = backendTable.map((row) => row.name);
