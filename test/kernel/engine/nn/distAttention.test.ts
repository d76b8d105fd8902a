// The issue's "done when": plain Node with dist/engine.js reproduces PyTorch 1.13's MultiheadAttention.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../helpers/torchFixtures';

for (const backend of ['gpujs-webasm', 'reference']) {
  test(`scripts/verifyAttention.mjs passes every fixture on ${backend}`, () => {
    const output = execFileSync(process.execPath, [join(repoRoot(), 'scripts/verifyAttention.mjs'), backend], { encoding: 'utf8' });
    assert.match(output, /^23 passed, 0 failed/m, output);
  });
}
