// The issue's "done when": plain Node with dist/engine.js reproduces PyTorch 1.13's MultiheadAttention.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../../helpers/repoRoot';

const fixtures = JSON.parse(readFileSync(join(repoRoot(), 'test/fixtures/attention.json'), 'utf8'));
/** Every nn.MultiheadAttention case of the fixtures the script checks: all of them must pass. */
const mhaCases = (fixtures as { mha: unknown[] }).mha.length;

for (const backend of ['gpujs-webasm', 'reference']) {
  test(`scripts/verifyAttention.mjs passes every fixture on ${backend}`, () => {
    const script = join(repoRoot(), 'scripts/verifyAttention.mjs');
    const output = execFileSync(process.execPath, [script, backend], { encoding: 'utf8' });
    assert.ok(mhaCases > 0, 'the fixtures hold nn.MultiheadAttention cases');
    assert.match(output, new RegExp(`^${mhaCases} passed, 0 failed`, 'm'), output);
  });
}
