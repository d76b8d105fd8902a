/**
 * Runs a suite once per engine backend. Backends this machine cannot run are reported by the test
 * runner as skipped tests, with the registry's reason, never left out silently or passed as empty suites.
 */
import { before, describe, test } from 'node:test';
import { getBackend, setBackend, type BackendName } from '../../kernel/engine';

export interface BackendUnderTest {
  name: BackendName;
  available: boolean;
  reason: string;
}

export function engineBackends(): BackendUnderTest[] {
  return getBackend().candidates.map(({ name, available, reason }) => ({ name, available, reason }));
}

/**
 * `describe` per backend (all but `except`); a `before` hook makes that backend active while its tests
 * run. A backend this machine cannot run is one skipped test naming the reason.
 */
export function forEachBackend(
  title: string,
  body: (name: BackendName) => void,
  { except }: { except?: BackendName } = {},
): void {
  for (const backend of engineBackends().filter((b) => b.name !== except)) {
    const suiteTitle = `${title} [${backend.name}]`;
    if (!backend.available) {
      test(suiteTitle, { skip: `${backend.name} unavailable: ${backend.reason}` }, () => {});
      continue;
    }
    describe(suiteTitle, () => {
      before(() => setBackend(backend.name));
      body(backend.name);
    });
  }
}
