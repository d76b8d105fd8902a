// nn.MultiheadAttention, F.scaledDotProductAttention, d2l, labml and the concat attention against
// PyTorch 1.13 golden fixtures (weights injected with loadStateDict), on every available backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as engine from '../../../../kernel/engine';
import type { Tensor } from '../../../../kernel/engine';
import { forEachBackend } from '../../../helpers/backends';
import { assertClose } from '../../../helpers/closeTo';
import { repoRoot } from '../../../helpers/repoRoot';
import { decodeValues, fixtureTensor, type FixtureTensor } from '../../../helpers/torchFixtures';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Maybe<T> = T | null;
type ForwardValue = FixtureTensor | boolean;

interface MhaCase {
  name: string;
  options: engine.nn.MultiheadAttentionOptions & { embedDim: number; numHeads: number };
  state: Record<string, FixtureTensor>;
  inputs: { query: FixtureTensor; key: FixtureTensor; value: FixtureTensor };
  forward: Record<string, ForwardValue>;
  output: FixtureTensor;
  weights: Maybe<FixtureTensor>;
  repr: string;
}

const fixtures = JSON.parse(readFileSync(join(repoRoot(), 'test/fixtures/attention.json'), 'utf8'));
/** The checklist's tolerance: float32 against float32, ≤ 1e-5 absolute (NaN positions equal). */
const tolerance = { atol: 1e-5, rtol: 0 };

function expectTensor(actual: Maybe<Tensor>, expected: Maybe<FixtureTensor>, label: string): void {
  if (expected === null) {
    assert.equal(actual, null, `${label}: expected null`);
    return;
  }
  assert.ok(actual, `${label}: missing`);
  assert.deepEqual(actual.shape, expected.shape, `${label}: shape`);
  assertClose(actual.dataSync(), decodeValues(expected), tolerance, label);
}

function stateOf(state: Record<string, FixtureTensor>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fixtureTensor(v)]));
}

function forwardOptions(forward: Record<string, ForwardValue>): engine.nn.MultiheadAttentionForwardOptions {
  return Object.fromEntries(
    Object.entries(forward).map(([k, v]) => [k, typeof v === 'boolean' ? v : fixtureTensor(v)]),
  );
}

function buildMha(c: Pick<MhaCase, 'options'>): engine.nn.MultiheadAttention {
  const { embedDim, numHeads, ...options } = c.options;
  return new engine.nn.MultiheadAttention(embedDim, numHeads, options);
}

forEachBackend(`nn.MultiheadAttention equals PyTorch ${fixtures.torch}`, (backend) => {
  for (const c of fixtures.mha as MhaCase[]) {
    test(c.name, () => {
      const mha = buildMha(c).loadStateDict(stateOf(c.state)).eval();
      assert.equal(mha.toString(), c.repr);
      const [output, weights] = mha.forward(
        fixtureTensor(c.inputs.query),
        fixtureTensor(c.inputs.key),
        fixtureTensor(c.inputs.value),
        forwardOptions(c.forward),
      );
      assert.equal(output.backend.name, backend);
      expectTensor(output, c.output, `${c.name} output`);
      expectTensor(weights, c.weights, `${c.name} weights`);
    });
  }
  for (const c of fixtures.mhaErrors as (Omit<MhaCase, 'output' | 'weights' | 'state' | 'repr'> & {
    message: string;
  })[]) {
    test(`error: ${c.name}`, () => {
      const mha = buildMha(c);
      assert.throws(
        () =>
          mha.forward(
            fixtureTensor(c.inputs.query),
            fixtureTensor(c.inputs.key),
            fixtureTensor(c.inputs.value),
            forwardOptions(c.forward),
          ),
        (error: Error) =>
          error.message.includes(c.message) || assert.fail(`"${error.message}" should contain "${c.message}"`),
      );
    });
  }
});

forEachBackend('F.scaledDotProductAttention equals PyTorch 2.x reference math', () => {
  for (const c of fixtures.sdpa) {
    test(c.name, () => {
      const [q, k, v] = (c.inputs as FixtureTensor[]).map(fixtureTensor);
      const options = Object.fromEntries(
        Object.entries(c.options as Record<string, ForwardValue | number>).map(([key, value]) => [
          key,
          typeof value === 'object' ? fixtureTensor(value) : value,
        ]),
      );
      expectTensor(engine.F.scaledDotProductAttention(q, k, v, options), c.output, c.name);
    });
  }
});

forEachBackend('d2l modules equal d2l/torch.py', () => {
  const constructors: Record<
    string,
    (...args: never[]) => {
      forward: (...a: never[]) => Tensor;
      loadStateDict: (s: Record<string, Tensor>) => unknown;
      eval: () => unknown;
    }
  > = {
    MultiHeadAttention: (...a) =>
      new engine.d2l.MultiHeadAttention(...(a as unknown as [number, number, number, boolean])),
    AdditiveAttention: (...a) => new engine.d2l.AdditiveAttention(...(a as unknown as [number, number])),
    DotProductAttention: (...a) => new engine.d2l.DotProductAttention(...(a as unknown as [number])),
  };
  for (const c of fixtures.d2l) {
    test(c.name, () => {
      const module = constructors[c.module](...(c.args as never[]));
      module.loadStateDict(stateOf(c.state));
      module.eval();
      const [q, k, v] = (c.inputs as FixtureTensor[]).map(fixtureTensor);
      const output = (module.forward as (...a: unknown[]) => Tensor)(
        q,
        k,
        v,
        c.validLens ? fixtureTensor(c.validLens) : null,
      );
      expectTensor(output, c.output, `${c.name} output`);
      const weights =
        module instanceof engine.d2l.MultiHeadAttention
          ? module.attention.attentionWeights
          : (module as unknown as { attentionWeights: Tensor }).attentionWeights;
      expectTensor(weights, c.weights, `${c.name} attentionWeights`);
    });
  }
});

forEachBackend('labml.MultiHeadAttention equals labml_nn/transformers/mha.py', () => {
  for (const c of fixtures.labml) {
    test(c.name, () => {
      const [heads, dModel, dropout, bias] = c.args as [number, number, number, boolean];
      const mha = new engine.labml.MultiHeadAttention(heads, dModel, dropout, bias)
        .loadStateDict(stateOf(c.state))
        .eval();
      const output = mha.forward({
        query: fixtureTensor(c.inputs.query),
        key: fixtureTensor(c.inputs.key),
        value: fixtureTensor(c.inputs.value),
        mask: c.mask ? fixtureTensor(c.mask) : null,
      });
      expectTensor(output, c.output, `${c.name} output`);
      expectTensor(mha.attn, c.attn, `${c.name} attn`);
    });
  }
});

forEachBackend('ConcatAttention equals the seq2seq tutorial’s Attn', () => {
  for (const c of fixtures.concat) {
    test(c.name, () => {
      const attn = new engine.ConcatAttention(...(c.args as [number, number, number, number, number])).loadStateDict(
        stateOf(c.state),
      );
      const [output, weights] = attn.forward(
        ...((c.inputs as FixtureTensor[]).map(fixtureTensor) as [Tensor, Tensor, Tensor]),
      );
      expectTensor(output, c.output, 'output');
      expectTensor(weights, c.weights, 'weights');
    });
  }
});

forEachBackend(
  'nn.MultiheadAttention with needWeights: false attends over blocks of queries, with the same result',
  () => {
    test('blocks of 1 and 3 queries equal the whole scores, with causal, padding and merged masks, batchFirst and addZeroAttn', () => {
      engine.manualSeed(11);
      const [L, S, N, E] = [7, 5, 2, 8];
      const causal = engine.ones(L, S).triu(1).bool(); // (L, S)
      const padding = engine.tensor([
        [false, false, false, true, true],
        [false, false, false, false, false],
      ]); // (N, S)
      const cases: [
        string,
        { addZeroAttn?: boolean; batchFirst?: boolean },
        engine.nn.MultiheadAttentionForwardOptions,
      ][] = [
        ['no mask', {}, {}],
        ['attnMask', {}, { attnMask: causal }],
        ['keyPaddingMask', { batchFirst: true }, { keyPaddingMask: padding }],
        ['both masks and a zero-attention key', { addZeroAttn: true }, { attnMask: causal, keyPaddingMask: padding }],
      ];
      for (const [label, options, forwardOptions] of cases) {
        const mha = new engine.nn.MultiheadAttention(E, 2, options).eval();
        const q = options.batchFirst ? engine.randn(N, L, E) : engine.randn(L, N, E); // (N, L, E) or (L, N, E)
        const kv = options.batchFirst ? engine.randn(N, S, E) : engine.randn(S, N, E); // (N, S, E) or (S, N, E)
        const [whole] = mha.forward(q, kv, kv, { ...forwardOptions, needWeights: true });
        for (const rows of [1, 3]) {
          mha.maxScoreElements = rows * 2 * N * (S + (options.addZeroAttn ? 1 : 0)); // N·H·rows·S scores at once
          const traced = engine.trace(() => mha.forward(q, kv, kv, { ...forwardOptions, needWeights: false }));
          const [blocked, weights] = traced.result;
          assert.equal(weights, null);
          assert.ok(
            traced.stages.some((stage) => stage.name === 'attention over blocks of queries'),
            `${label}: the blocked path ran`,
          );
          assertClose(blocked.dataSync(), whole.dataSync(), { atol: 1e-6, rtol: 1e-5 }, `${label}, blocks of ${rows}`);
        }
      }
    });
  },
);
