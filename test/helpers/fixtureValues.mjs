/**
 * The PyTorch fixtures' value encoding (test/fixtures/*.json, written by generateFixtures.py): JSON
 * has no NaN or infinities, so they are stored as 'nan', 'inf' and '-inf'. Plain JavaScript so that
 * scripts/verifyAttention.mjs reads the fixtures with the same code as the tests.
 */

/** A fixture tensor's values as numbers (booleans as 0 and 1). */
export function decodeValues(fixture) {
  return fixture.values.map((v) => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v)));
}
