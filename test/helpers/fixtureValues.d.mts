/** Types of fixtureValues.mjs (plain JavaScript, shared with scripts/verifyAttention.mjs). */

/** A fixture tensor's values as JSON holds them: non-finite floats as strings. */
export type FixtureValue = number | boolean | 'nan' | 'inf' | '-inf';

/** A fixture tensor's values as numbers (booleans as 0 and 1). */
export function decodeValues(fixture: { values: readonly FixtureValue[] }): number[];
