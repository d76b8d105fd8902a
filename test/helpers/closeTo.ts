/** Elementwise comparison with a stated tolerance: |actual - expected| ≤ atol + rtol·|expected|, NaN where NaN. */
import assert from 'node:assert/strict';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} values, expected ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const [a, e] = [actual[i], expected[i]];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      assert.ok(Number.isNaN(e) && Number.isNaN(a), `${label}: element ${i} is ${a}, expected ${e}`);
      continue;
    }
    if (!Number.isFinite(e)) {
      assert.equal(a, e, `${label}: element ${i} is ${a}, expected ${e}`);
      continue;
    }
    const error = Math.abs(a - e);
    worst = Math.max(worst, error);
    assert.ok(
      error <= tolerance.atol + tolerance.rtol * Math.abs(e),
      `${label}: element ${i} is ${a}, expected ${e} (|error| ${error.toExponential(2)})`,
    );
  }
}
