/**
 * Reads the PyTorch golden fixtures (test/fixtures/engine.json, made by generateFixtures.py) and
 * evaluates their expressions against the engine: `torch.` is the engine, snake_case is camelCase.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as engine from '../../kernel/engine';
import type { DType, Tensor } from '../../kernel/engine';
import { forEachBackend } from './backends';
import { assertClose, type Tolerance } from './closeTo';
import { decodeValues, type FixtureValue } from './fixtureValues.mjs';
import { repoRoot } from './repoRoot';

export { decodeValues };

export interface FixtureTensor {
  shape: number[];
  dtype: DType;
  values: FixtureValue[];
  repr: string;
}

export interface FixtureCase {
  name: string;
  expr: string;
  inputs: Record<string, FixtureTensor>;
  results: FixtureTensor[];
  printOptions?: { precision?: number; sci_mode?: boolean; threshold?: number; edgeitems?: number; linewidth?: number };
}

export interface ErrorCase {
  name: string;
  expr: string;
  inputs: Record<string, FixtureTensor>;
  message: string;
}

export function loadFixtures(file: string): { torch: string; cases: FixtureCase[]; errors: ErrorCase[] } {
  return JSON.parse(readFileSync(join(repoRoot(), 'test/fixtures', file), 'utf8'));
}

/** A fixture's tensor; its dtype names the engine storage, so 'int32' is PyTorch's default int64 (no dtype= in its repr). */
export function fixtureTensor(t: FixtureTensor): Tensor {
  return engine.tensor(decodeValues(t), { shape: t.shape, dtype: t.dtype === 'int32' ? 'int64' : t.dtype });
}

const camelCase = (expr: string) =>
  expr.replace(
    /\.([a-z]+(?:_[a-z]+)+)/g,
    (_, name: string) => '.' + name.replace(/_([a-z])/g, (__, c: string) => c.toUpperCase()),
  );

const torch = { ...engine, nn: { functional: { gelu: engine.gelu, softmax: engine.softmax } } };

/** Evaluates a fixture expression (Python syntax that is also TypeScript) on the active backend. */
export function evaluate(expr: string, inputs: Record<string, FixtureTensor>): Tensor[] {
  const names = Object.keys(inputs);
  const run = new Function('torch', 'float', 'True', 'False', ...names, `return (${camelCase(expr)});`);
  const float = (text: string) => Number(text.replace('inf', 'Infinity'));
  const value = run(torch, float, true, false, ...names.map((n) => fixtureTensor(inputs[n])));
  return value instanceof engine.Tensor ? [value] : [...(value as Iterable<Tensor>)];
}

/** torch.set_printoptions keys in the engine's camelCase. */
export function enginePrintOptions(
  options: NonNullable<FixtureCase['printOptions']>,
): Parameters<typeof engine.setPrintOptions>[0] {
  const { sci_mode: sciMode, ...rest } = options;
  return { ...rest, sciMode };
}

/**
 * One test per fixture case on every backend (`forEachBackend`): the case's expression evaluated there
 * gives PyTorch's number of results, each on that backend with PyTorch's shape, dtype and values.
 * `around` wraps each case's run (e.g. to set print options); `alsoAssert` adds checks per result.
 */
export function testCasesOnEveryBackend(
  title: string,
  cases: FixtureCase[],
  tolerance: Tolerance,
  {
    around = (_fixture, run) => run(),
    alsoAssert,
  }: {
    around?: (fixture: FixtureCase, run: () => void) => void;
    alsoAssert?: (actual: Tensor, expected: FixtureTensor, label: string, fixture: FixtureCase) => void;
  } = {},
): void {
  forEachBackend(title, (backend) => {
    for (const fixture of cases) {
      test(fixture.name, () =>
        around(fixture, () => {
          const results = evaluate(fixture.expr, fixture.inputs);
          assert.equal(results.length, fixture.results.length, 'number of results');
          results.forEach((actual, i) => {
            const expected = fixture.results[i];
            const label = `${fixture.name}[${i}] = ${fixture.expr}`;
            assert.equal(actual.backend.name, backend, `${label}: ran on ${backend}`);
            assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
            assert.equal(actual.dtype, expected.dtype, `${label}: dtype`);
            assertClose(actual.dataSync(), decodeValues(expected), tolerance, label);
            alsoAssert?.(actual, expected, label, fixture);
          });
        }),
      );
    }
  });
}

/**
 * Asserts that `fn` throws a message that contains PyTorch's `message` and begins with the op's name
 * (`op: ...`); `label` (a case's name) prefixes the failure texts.
 */
export function assertThrowsTorchMessage(fn: () => unknown, message: string, label?: string): void {
  const prefix = label === undefined ? '' : `${label}: `;
  assert.throws(
    fn,
    (error: Error) => {
      assert.ok(error.message.includes(message), `${prefix}"${error.message}" should contain "${message}"`);
      assert.match(error.message, /^[a-zA-Z]+: /, `${prefix}names the op`);
      return true;
    },
    label,
  );
}
