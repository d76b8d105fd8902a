// Issue 15's modules as PyTorch users write them: callable modules, a user's subclass registering its
// fields, the containers, nn.Parameter, and PyTorch 1.13's numbers for the transformer encoder and the
// losses (test/fixtures/modulesTraining.json, made by generateModulesTrainingFixtures.py).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as engine from '../../../../kernel/engine';
import type { Tensor } from '../../../../kernel/engine';
import { assertClose } from '../../../helpers/closeTo';
import { repoRoot } from '../../../helpers/repoRoot';

const { nn, F } = engine;
engine.setBackend('reference');

interface Values {
  shape: number[];
  dtype: string;
  /** Numbers, booleans, and 'inf', '-inf' or 'nan' as strings (JSON has no such numbers). */
  data: (number | boolean | string)[];
}
const fixtures = JSON.parse(readFileSync(join(repoRoot(), 'test/fixtures/modulesTraining.json'), 'utf8'));
const tolerance = { atol: 1e-5, rtol: 1e-4 };

function fromValues(v: Values): Tensor {
  const dtype = v.dtype === 'bool' ? 'bool' : v.dtype === 'int64' ? 'int64' : 'float32';
  const data = v.data.map((x) => (typeof x === 'string' ? Number(x.replace('inf', 'Infinity')) : x));
  return engine.tensor(data as number[], { dtype, shape: v.shape } as never);
}
const stateOf = (state: Record<string, Values>) =>
  Object.fromEntries(Object.entries(state).map(([k, v]) => [k, fromValues(v)]));
/** snake_case options of the generator in camelCase. */
const camel = (options: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(options).map(([k, v]) => [
      engine.nn.Module && k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
      v,
    ]),
  );

function checkTensor(actual: Tensor, expected: Values, label: string): void {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  assertClose(actual.dataSync(), fromValues(expected).dataSync(), tolerance, label);
}

class Block extends nn.Module {
  attn = new nn.MultiheadAttention(4, 2);
  layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 4)]);
  scale = new nn.Parameter(engine.ones([4]));
  seq = new nn.Sequential(
    new nn.Linear(4, 8),
    new nn.ReLU(),
    new nn.GELU({ approximate: 'tanh' }),
    new nn.Dropout(0.1),
  );
  emb = new nn.Embedding(10, 4, { paddingIdx: 0 });
  heads = new nn.ModuleDict({ a: new nn.Tanh(), b: new nn.Softmax(-1) });
  enc = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
  notAModule = engine.ones([2]);
  forward(x: Tensor): Tensor {
    return this.attn(x, x, x)[0].mul(this.scale);
  }
}

describe('a user’s nn.Module subclass', () => {
  test('registers its fields in definition order with PyTorch’s keys, and prints as torch does', () => {
    const block = new Block();
    const torch = fixtures.userModule;
    // torch lists a module's own parameters before its children's; fields are found without calls.
    assert.deepEqual(Object.keys(block.stateDict()).sort(), [...torch.keys].sort());
    assert.deepEqual(
      block.namedParameters().map(([k]) => k),
      torch.named_parameters,
    );
    assert.deepEqual(
      block.namedModules().map(([k]) => k),
      torch.named_modules,
    );
    assert.equal(block.toString(), torch.repr);
    assert.deepEqual(
      block.children().map((m) => m.moduleName),
      ['MultiheadAttention', 'ModuleList', 'Sequential', 'Embedding', 'ModuleDict', 'TransformerEncoderLayer'],
    );
  });

  test('is callable with forward’s arguments, keeps instanceof, and fields named name/length work', () => {
    const block = new Block();
    const x = engine.randn([3, 2, 4]);
    assertClose(block(x).dataSync(), block.forward(x).dataSync(), { atol: 0, rtol: 0 }, 'block(x)');
    assert.ok(block instanceof Block && block instanceof nn.Module);
    class Named extends nn.Module {
      override name = 'mine';
      override length = 3;
      forward = (x: Tensor) => x;
    }
    const named = new Named();
    assert.equal(named.name, 'mine');
    assert.equal(named.length, 3);
    const list = new nn.ModuleList([new nn.ReLU()]);
    assert.equal(list.length, 1);
  });

  test('train()/eval() reach every module; requiresGrad_, zeroGrad and apply visit the parameters', () => {
    const block = new Block();
    block.eval();
    assert.ok(block.modules().every((m) => !m.training));
    assert.equal(block.seq.at(3).training, false);
    block.train();
    assert.ok(block.enc.selfAttn.training);
    const visited: string[] = [];
    block.heads.apply((m) => visited.push(m.moduleName));
    assert.deepEqual(visited, ['Tanh', 'Softmax', 'ModuleDict']);
    block.zeroGrad();
    block.requiresGrad_(false);
    assert.ok(block.parameters().every((p) => p instanceof nn.Parameter));
  });

  test('loadStateDict fills fields and registered slots, with PyTorch’s key errors', () => {
    const source = new Block();
    const target = new Block();
    target.loadStateDict(source.stateDict());
    for (const [key, value] of Object.entries(target.stateDict())) {
      assertClose(value.dataSync(), source.stateDict()[key].dataSync(), { atol: 0, rtol: 0 }, key);
    }
    assert.ok(target.scale instanceof nn.Parameter);
    assert.throws(() => target.loadStateDict({}), /Missing key\(s\) in state_dict: "scale", "attn.in_proj_weight"/);
  });
});

describe('a user’s array of modules and a parameter’s grad', () => {
  test('an array field registers as a ModuleList (keys layers.0.weight), read when asked, so pushes count', () => {
    class Stack extends nn.Module {
      layers = [new nn.Linear(2, 2)];
      forward(x: Tensor): Tensor {
        return this.layers.reduce((h, layer) => layer(h), x);
      }
    }
    const stack = new Stack();
    stack.layers.push(new nn.Linear(2, 2, false));
    assert.deepEqual(Object.keys(stack.stateDict()), ['layers.0.weight', 'layers.0.bias', 'layers.1.weight']);
    assert.equal(
      stack.toString(),
      'Stack(\n  (layers): ModuleList(\n    (0): Linear(in_features=2, out_features=2, bias=True)\n' +
        '    (1): Linear(in_features=2, out_features=2, bias=False)\n  )\n)',
    );
    stack.eval();
    assert.ok(stack.layers.every((layer) => !layer.training));
  });

  test("zeroGrad zeroes grads in place (torch 1.13's default) or sets them to null with setToNone", () => {
    const linear = new nn.Linear(2, 2);
    const weight = linear.weight as Tensor;
    const grad = engine.ones([2, 2]);
    weight.grad = grad;
    linear.zeroGrad();
    assert.equal(weight.grad, grad, 'the same tensor, zeroed');
    assert.deepEqual(grad.toArray(), [
      [0, 0],
      [0, 0],
    ]);
    linear.zeroGrad({ setToNone: true });
    assert.equal(weight.grad, null);
    assert.throws(() => linear.zeroGrad({ set_to_none: true } as never), /did you mean 'setToNone'/);
  });
});

describe('containers and small modules', () => {
  test('Sequential chains its modules (varargs or named), ModuleList and ModuleDict index as Python', () => {
    const seq = new nn.Sequential({ fc: new nn.Linear(3, 2), act: new nn.Tanh() });
    const x = engine.randn([4, 3]);
    assertClose(seq(x).dataSync(), seq.get(0)(x).tanh().dataSync(), tolerance, 'sequential');
    assert.deepEqual(Object.keys(seq.stateDict()), ['fc.weight', 'fc.bias']);
    const list = new nn.ModuleList<engine.nn.Module>([new nn.ReLU()]);
    list.append(new nn.Tanh()).extend([new nn.Identity()]);
    list.insert(0, new nn.GELU());
    assert.deepEqual(
      [...list].map((m) => m.moduleName),
      ['GELU', 'ReLU', 'Tanh', 'Identity'],
    );
    assert.equal(list.at(-1).moduleName, 'Identity');
    assert.throws(() => list.at(4), /index 4 is out of range/);
    const dict = new nn.ModuleDict({ a: new nn.ReLU() });
    dict.set('b', new nn.Tanh());
    assert.deepEqual(dict.keys(), ['a', 'b']);
    assert.equal(dict.pop('a').moduleName, 'ReLU');
    assert.equal(dict.length, 1);
  });

  test('Embedding: N(0, 1) with the padding row zero, lookup as F.embedding; reprs of the losses', () => {
    const emb = new nn.Embedding(6, 3, { paddingIdx: -1 });
    assert.equal(emb.toString(), 'Embedding(6, 3, padding_idx=5)');
    assert.deepEqual([...emb.weight.dataSync().slice(15)], [0, 0, 0]);
    const ids = engine.tensor([[1, 5]], { dtype: 'int64' } as never);
    assert.deepEqual([...emb(ids).shape], [1, 2, 3]);
    assert.deepEqual(
      [new nn.CrossEntropyLoss().toString(), new nn.MSELoss().toString(), new nn.Identity().toString()],
      fixtures.userModule.losses_repr,
    );
  });

  test('nn.Parameter shares the data’s storage and prints as torch does', () => {
    const data = engine.zeros([2]);
    const parameter = new nn.Parameter(data);
    assert.ok(parameter instanceof engine.Tensor && parameter.storage === data.storage);
    assert.match(parameter.toString(), /^Parameter containing:\ntensor/);
  });
});

describe('nn.TransformerEncoderLayer and nn.TransformerEncoder: PyTorch 1.13’s numbers', () => {
  for (const c of fixtures.transformers) {
    test(c.name, () => {
      const options = camel(c.options);
      const layer = new nn.TransformerEncoderLayer(c.dModel, c.nhead, options);
      const module =
        c.kind === 'layer'
          ? layer
          : new nn.TransformerEncoder(layer, c.numLayers, { norm: c.finalNorm ? new nn.LayerNorm(c.dModel) : null });
      module.loadStateDict(stateOf(c.state)).eval();
      const src = fromValues(c.src);
      const mask = c.mask && fromValues(c.mask);
      const padding = c.keyPadding && fromValues(c.keyPadding);
      // Inference, as the fixtures ran under torch.no_grad() (1.13's nested-tensor path needs it)
      const output = engine.noGrad(() =>
        c.kind === 'layer'
          ? (module as engine.nn.TransformerEncoderLayer)(src, { srcMask: mask, srcKeyPaddingMask: padding })
          : (module as engine.nn.TransformerEncoder)(src, { mask, srcKeyPaddingMask: padding }),
      );
      checkTensor(output, c.output, c.name);
    });
  }

  test('the encoder deep-copies its layer; keys and repr are torch’s', () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 8 });
    const encoder = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(4) });
    assert.equal(encoder.toString(), fixtures.userModule.encoder_repr.replace(/dim_feedforward/g, ''));
    const [first, second] = encoder.layers;
    assert.notEqual(first, layer);
    assert.notEqual(first.linear1.weight, second.linear1.weight);
    assert.ok(Object.keys(encoder.stateDict()).includes('layers.1.self_attn.out_proj.weight'));
  });
});

describe('losses: PyTorch 1.13’s values and errors', () => {
  const functions: Record<string, (input: Tensor, target: Tensor, options: never) => Tensor> = {
    crossEntropy: F.crossEntropy,
    nllLoss: F.nllLoss,
    mseLoss: F.mseLoss,
    binaryCrossEntropyWithLogits: F.binaryCrossEntropyWithLogits,
  };
  for (const c of fixtures.losses) {
    const options = camel(c.options);
    test(`${c.name} ${JSON.stringify(Object.keys(options))} ${options.reduction ?? 'mean'}`, () => {
      const tensors = Object.fromEntries(
        Object.entries(options).map(([k, v]) => [k, v && typeof v === 'object' ? fromValues(v as Values) : v]),
      );
      const [input, target] = c.inputs.map(fromValues);
      checkTensor(functions[c.fn](input, target, tensors as never), c.output, c.name);
    });
  }

  test('bad targets are torch’s errors, never a silent result', () => {
    const logits = engine.randn([3, 5]);
    const long = (values: number[] | number[][]) => engine.tensor(values, { dtype: 'int64' } as never);
    assert.throws(() => F.crossEntropy(logits, long([0, 1, 5])), /Target 5 is out of bounds\./);
    assert.throws(() => F.crossEntropy(logits, long([0, 1, -1])), /Target -1 is out of bounds\./);
    assert.throws(
      () => F.crossEntropy(logits, long([0, 1])),
      /Expected input batch_size \(3\) to match target batch_size \(2\)\./,
    );
    assert.throws(
      () =>
        F.crossEntropy(
          engine.randn([2, 5, 4]),
          long([
            [0, 1, 2],
            [0, 1, 2],
          ]),
        ),
      /Expected target size \[2, 4\], got \[2, 3\]/,
    );
    assert.throws(
      () => F.crossEntropy(logits, engine.tensor([0, 1, 2], { dtype: 'float32' })),
      /expected scalar type Long but found Float/,
    );
    assert.throws(
      () => F.crossEntropy(logits, long([0, 1, 2]), { weight: engine.ones([4]) }),
      /weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: \[4\]/,
    );
    assert.throws(
      () => F.crossEntropy(logits, long([0, 1, 2]), { labelSmoothing: 1.5 }),
      /must be between 0.0 and 1.0/,
    );
    assert.throws(
      () => F.crossEntropy(logits, long([0, 1, 2]), { reduction: 'avg' as never }),
      /avg is not a valid value for reduction/,
    );
    assert.throws(
      () => F.binaryCrossEntropyWithLogits(logits, engine.rand([3])),
      /Target size \(torch.Size\(\[3\]\)\) must be the same as input size \(torch.Size\(\[3, 5\]\)\)/,
    );
    assert.ok(Number.isNaN(F.crossEntropy(logits, long([-100, -100, -100])).item()));
  });
});

// Type-level: engine modules are called with their forward's signature (declaration merging).
export function typedCalls(x: Tensor, ids: Tensor): Tensor[] {
  const [attended] = new nn.MultiheadAttention(4, 2)(x, x, x, { needWeights: false });
  const encoded: Tensor = new nn.TransformerEncoderLayer(4, 2)(x, { srcMask: null });
  const embedded: Tensor = new nn.Embedding(5, 4)(ids);
  const loss: Tensor = new nn.CrossEntropyLoss()(x, ids);
  return [attended, encoded, embedded, new nn.Linear(4, 4)(x), loss];
}
