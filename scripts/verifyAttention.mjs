// Plain Node against the built dist/engine.js: every nn.MultiheadAttention case of the PyTorch 1.13
// fixtures (batched and unbatched, batchFirst, kdim/vdim, bool and float masks, addBiasKv,
// addZeroAttn, per-head weights, NaN rows), rebuilt from its injected weights. Exits 1 on a miss.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decodeValues } from '../test/helpers/fixtureValues.mjs';

const require = createRequire(import.meta.url);
const engine = require('../dist/engine.js');
const fixtures = JSON.parse(readFileSync(new URL('../test/fixtures/attention.json', import.meta.url), 'utf8'));
const backend = process.argv[2] ?? engine.getBackend().name;
engine.setBackend(backend);

const toTensor = (t) => engine.tensor(decodeValues(t), { shape: t.shape, dtype: t.dtype });

/** Largest |actual - expected|, or Infinity where NaN positions differ. */
function maxError(actual, expected) {
  const want = decodeValues(expected);
  const got = actual.dataSync();
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i]) || Number.isNaN(got[i]))
      worst = Number.isNaN(want[i]) && Number.isNaN(got[i]) ? worst : Infinity;
    else worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  return worst;
}

let failures = 0;
for (const c of fixtures.mha) {
  const { embedDim, numHeads, ...options } = c.options;
  const mha = new engine.nn.MultiheadAttention(embedDim, numHeads, options);
  mha.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, toTensor(v)]))).eval();
  const forward = Object.fromEntries(
    Object.entries(c.forward).map(([k, v]) => [k, typeof v === 'boolean' ? v : toTensor(v)]),
  );
  const [output, weights] = mha.forward(
    toTensor(c.inputs.query),
    toTensor(c.inputs.key),
    toTensor(c.inputs.value),
    forward,
  );
  const outputError = maxError(output, c.output);
  const weightsError = c.weights ? maxError(weights, c.weights) : weights === null ? 0 : Infinity;
  const ok = outputError <= 1e-5 && weightsError <= 1e-5;
  failures += ok ? 0 : 1;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(28)} output ${JSON.stringify(output.shape).padEnd(10)} max|Δ| ${outputError.toExponential(1)}   weights ${JSON.stringify(weights?.shape ?? null).padEnd(12)} max|Δ| ${weightsError.toExponential(1)}`,
  );
}
console.log(
  `${fixtures.mha.length - failures} passed, ${failures} failed (PyTorch ${fixtures.torch}, backend ${backend})`,
);
process.exit(failures ? 1 : 0);
