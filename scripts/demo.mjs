// The main job until the notebook runner lands: drives dist/engine.js from plain Node the way a
// notebook cell will, shows which backend runs and why, and checks it against the reference backend.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const engine = require('../dist/engine.js');

const report = engine.getBackend();
console.log(`backend: ${report.name} (${report.reason})`);
for (const c of report.candidates) console.log(`  ${c.available ? '✓' : '✗'} ${c.name}: ${c.reason}`);

console.log('\nSplitting heads: arange(48).reshape(2, 4, 6) → (2, 4, 3, 2) → transpose(1, 2) → (6, 4, 2)');
const x = engine.arange(48).reshape(2, 4, 6); // (B, L, E)
const heads = x.reshape(2, 4, 3, 2).transpose(1, 2); // (B, H, L, hd)
console.log(heads.reshape(6, 4, 2).toString()); // (B·H, L, hd)

/** Scaled dot-product attention in labml's einsum layout: q (L, B, H, d), k and v (S, B, H, d). */
function attention(name) {
  engine.setBackend(name);
  engine.manualSeed(0);
  const [q, k, v] = [engine.randn(4, 2, 3, 8), engine.randn(6, 2, 3, 8), engine.randn(6, 2, 3, 8)];
  const scores = engine.einsum('ibhd,jbhd->ijbh', q, k).mul(1 / Math.sqrt(8)); // (L, S, B, H)
  const weights = scores.softmax(1); // (L, S, B, H)
  const output = engine.einsum('ijbh,jbhd->ibhd', weights, v); // (L, B, H, d)
  return { weights, output };
}

const fast = attention(report.name);
const reference = attention('reference');
const maxError = (a, b) => Math.max(...Array.from(a.dataSync(), (value, i) => Math.abs(value - b.dataSync()[i])));
console.log(`\nattention on ${report.name}: weights ${JSON.stringify(fast.weights.shape)}, output ${JSON.stringify(fast.output.shape)}`);
console.log(`max |${report.name} - reference|: weights ${maxError(fast.weights, reference.weights).toExponential(2)}, output ${maxError(fast.output, reference.output).toExponential(2)}`);
engine.setPrintOptions({ precision: 3, sciMode: false });
console.log('weights of batch 0, head 0 (query × key), precision=3, sciMode=false:');
console.log(fast.weights.index(':, :, 0, 0').toString());
