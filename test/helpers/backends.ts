/**
 * Runs a suite once per engine backend. Backends this machine cannot run are reported as skipped,
 * with the registry's reason, never left out silently.
 */
import { before, describe } from 'node:test';
import { getBackend, setBackend, type BackendName } from '../../kernel/engine';

export interface BackendUnderTest {
  name: BackendName;
  available: boolean;
  reason: string;
}

export function engineBackends(): BackendUnderTest[] {
  return getBackend().candidates.map(({ name, available, reason }) => ({ name, available, reason }));
}

/** `describe` per backend; a `before` hook makes that backend active while its tests run. */
export function forEachBackend(title: string, body: (name: BackendName) => void): void {
  for (const backend of engineBackends()) {
    const skip = backend.available ? false : `${backend.name} unavailable: ${backend.reason}`;
    describe(`${title} [${backend.name}]`, { skip }, () => {
      if (!backend.available) return;
      before(() => setBackend(backend.name));
      body(backend.name);
    });
  }
}
