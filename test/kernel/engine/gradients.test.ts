// Gradient conformance (issue 15): every op's backward against PyTorch 1.13's gradients from
// generateGradFixtures.py, on every backend, including nn.MultiheadAttention's parameter and input gradients.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../kernel/engine';
import type { Tensor } from '../../../kernel/engine';
import { forEachBackend } from '../../helpers/backends';
import { assertClose } from '../../helpers/closeTo';
import { decodeValues, fixtureTensor, loadFixtures, type FixtureTensor } from '../../helpers/torchFixtures';

interface GradCase {
  name: string;
  expr: string;
  wrt: string[];
  inputs: Record<string, FixtureTensor>;
  gradOutput: FixtureTensor;
  results: FixtureTensor[];
  /** MultiheadAttention cases: its constructor options, state dict, forward options and weights' gradient. */
  options?: Record<string, unknown>;
  state?: Record<string, FixtureTensor>;
  forward?: Record<string, FixtureTensor>;
  gradWeights?: FixtureTensor;
}

const fixtures = loadFixtures('grads.json') as unknown as { torch: string; cases: GradCase[] };

/** A fixture tensor as a leaf, requiring grad when named in `wrt`. */
function input(name: string, t: FixtureTensor, wrt: readonly string[]): Tensor {
  const value = fixtureTensor(t);
  return wrt.includes(name) ? value.requiresGrad_() : value;
}

/** The case's expression's gradients, in `wrt` order: an op expression, or a MultiheadAttention loss. */
function gradients(fixture: GradCase): (Tensor | null)[] {
  const names = Object.keys(fixture.inputs);
  const inputs = names.map((name) => input(name, fixture.inputs[name], fixture.wrt));
  if (fixture.state === undefined) {
    const run = new Function('torch', 'F', ...names, `return (${fixture.expr});`);
    const out = run(engine, engine.F, ...inputs) as Tensor;
    out.backward(fixtureTensor(fixture.gradOutput));
    return fixture.wrt.map((name) => inputs[names.indexOf(name)].grad);
  }
  const mha = new engine.nn.MultiheadAttention(6, 3, fixture.options);
  const state = Object.fromEntries(Object.entries(fixture.state).map(([key, t]) => [key, fixtureTensor(t)]));
  mha.loadStateDict(state);
  const forward = Object.fromEntries(Object.entries(fixture.forward!).map(([key, t]) => [key, fixtureTensor(t)]));
  const [query, key = query, value = query] = inputs;
  const [out, weights] = mha.forward(query, key, value, forward);
  out
    .mul(fixtureTensor(fixture.gradOutput))
    .sum()
    .add(weights!.mul(fixtureTensor(fixture.gradWeights!)).sum())
    .backward();
  const parameters = Object.fromEntries(mha.namedParameters()); // loadStateDict copied the values into these
  return fixture.wrt.map((name) => (names.includes(name) ? inputs[names.indexOf(name)].grad : parameters[name].grad));
}

forEachBackend(`gradients: PyTorch ${fixtures.torch} values`, (backend) => {
  for (const fixture of fixtures.cases) {
    test(fixture.name, () => {
      const grads = gradients(fixture);
      grads.forEach((grad, i) => {
        const expected = fixture.results[i];
        const label = `${fixture.name}: d/d${fixture.wrt[i]} of ${fixture.expr}`;
        assert.ok(grad, `${label}: no gradient`);
        assert.equal(grad.backend.name, backend, `${label}: on ${backend}`);
        assert.deepEqual(grad.shape, expected.shape, `${label}: shape`);
        const values = decodeValues(expected);
        const scale = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        assertClose(grad.dataSync(), values, { rtol: 1e-4, atol: 1e-4 * scale + 1e-7 }, label);
      });
    });
  }
});
