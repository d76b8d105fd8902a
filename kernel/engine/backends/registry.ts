/**
 * The backend registry: the engine's one way to its backends. It probes the rows of the backend table,
 * picks the best available one (or the one named by setBackend / ATTENTION_LAB_BACKEND) and records
 * why every other one was not chosen.
 */
import type { Backend } from '../backend';
import { backendNames, backendTable, errorText, type BackendName, type Probe } from './backendTable';

export type { BackendName } from './backendTable';

/** One backend the registry probed: whether it can run here and why. */
export interface BackendCandidate {
  /** The backend's name, as the attentionLab.backend setting and setBackend() take it. */
  name: BackendName;
  /** Whether it loaded and passed its probe on this machine. */
  available: boolean;
  /** Why it is (not) available, and why it was (not) chosen. */
  reason: string;
}

/** getBackend()'s answer: the backend ops run on, why, and every candidate probed. */
export interface BackendReport {
  /** The backend new tensors are created on. */
  name: BackendName;
  /** Why this backend runs. */
  reason: string;
  /** Every backend in the automatic order, with whether it is available and why. */
  candidates: BackendCandidate[];
}

const probed = new Map<BackendName, Probe>();
const instances = new Map<BackendName, Backend>();
let active: { backend: Backend; reason: string } | undefined;

function probe(name: BackendName): Probe {
  let result = probed.get(name);
  if (!result) {
    try {
      result = backendTable.find((row) => row.name === name)!.probe();
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
  if (!isBackendName(name)) {
    throw new Error(`setBackend: unknown backend '${name}'; known backends: ${backendNames.join(', ')}`);
  }
  const existing = instances.get(name);
  if (existing) return existing;
  const result = probe(name);
  if (!result.ok) throw new Error(`setBackend: backend '${name}' is not available here: ${result.reason}`);
  const backend = result.create();
  instances.set(name, backend);
  return backend;
}

/** Automatic choice: the first backend in table order that is available and does not decline it. */
function chooseAutomatically(): { backend: Backend; reason: string } {
  for (const name of backendNames) {
    const result = probe(name);
    if (result.ok && result.automatic !== false) {
      return { backend: backendByName(name), reason: `automatic: the best available backend (${result.note})` };
    }
  }
  throw new Error('no engine backend is available, not even the reference loops');
}

/** The backend new tensors are made on, chosen on first use. */
export function activeBackend(): Backend {
  if (!active) {
    const requested = process.env.ATTENTION_LAB_BACKEND;
    if (requested && requested !== 'auto') {
      if (!isBackendName(requested)) {
        const known = `known backends: auto, ${backendNames.join(', ')}`;
        throw new Error(`ATTENTION_LAB_BACKEND='${requested}' is not a backend; ${known}`);
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
  const reason = `chosen by setBackend('${name}')`;
  active = name === 'auto' ? chooseAutomatically() : { backend: backendByName(name), reason };
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
