/**
 * The benchmark's workloads (W1-W5 forward, T1-T2 training): their shapes, one set of weights and inputs
 * made once with the engine's seeded generator, and how the engine runs them on a given backend. The same
 * arrays go to PyTorch (torchPeer.py) and TensorFlow.js (tfjsPeer.ts), so every implementation computes
 * the same thing.
 */
import * as engine from '../kernel/engine';
import type { BackendName, Tensor } from '../kernel/engine';

export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

export type WorkloadKind = 'mha' | 'd2l' | 'matmul' | 'encoderStep' | 'mhaBackward';

export interface Workload {
  name: string;
  title: string;
  kind: WorkloadKind;
  config: {
    embed?: number;
    heads?: number;
    needWeights?: boolean;
    validLens?: number[];
    /** T1: the encoder's sizes, its layer count, the classes of the head and Adam's learning rate. */
    encoder?: EncoderConfig;
    /** T1: the parameters whose values after the step are outputs, after the loss. */
    reported?: string[];
  };
  tensors: Record<string, HostTensor>;
  /** Floating-point operations of one run (for GFLOP/s). */
  flops: number;
}

/** T1's model: nn.Sequential(TransformerEncoder(layers × TransformerEncoderLayer), Linear(dModel, classes)). */
export interface EncoderConfig {
  dModel: number;
  nhead: number;
  dimFeedforward: number;
  layers: number;
  classes: number;
  lr: number;
}

function host(t: Tensor): HostTensor {
  return { shape: [...t.shape], values: Float32Array.from(t.dataSync() as Float32Array) };
}

function multiheadWorkload(
  name: string,
  title: string,
  embed: number,
  heads: number,
  batch: number,
  length: number,
  seed: number,
): Workload {
  engine.manualSeed(seed);
  const mha = new engine.nn.MultiheadAttention(embed, heads);
  const bias = engine.randn(3 * embed).mul(0.1); // (3E), non-zero so the bias path is exercised
  const state = mha.stateDict();
  const x = engine.randn(length, batch, embed); // (L, N, E)
  const projections = 4 * 2 * length * batch * embed * embed;
  const attention = 2 * 2 * batch * length * length * embed;
  return {
    name,
    title,
    kind: 'mha',
    config: { embed, heads },
    tensors: {
      in_proj_weight: host(state.in_proj_weight),
      in_proj_bias: host(bias),
      'out_proj.weight': host(state['out_proj.weight']),
      'out_proj.bias': host(engine.randn(embed).mul(0.1)),
      x: host(x),
    },
    flops: projections + attention,
  };
}

function d2lWorkload(): Workload {
  engine.manualSeed(2);
  const [hidden, heads, batch, queries, pairs] = [100, 5, 2, 4, 6];
  const X = engine.randn(batch, queries, hidden); // (B, Q, h)
  const Y = engine.randn(batch, pairs, hidden); // (B, K, h)
  const bound = 1 / Math.sqrt(hidden);
  const weight = () =>
    host(
      engine
        .rand(hidden, hidden)
        .mul(2 * bound)
        .sub(bound),
    ); // (h, h), LazyLinear's init
  return {
    name: 'W2',
    title: 'd2l.MultiHeadAttention(100, 5), batch 2, 4 queries, 6 pairs, validLens [3, 2]',
    kind: 'd2l',
    config: { heads, validLens: [3, 2] },
    tensors: {
      'W_q.weight': weight(),
      'W_k.weight': weight(),
      'W_v.weight': weight(),
      'W_o.weight': weight(),
      X: host(X),
      Y: host(Y),
    },
    flops: 2 * hidden * hidden * (2 * batch * queries + 2 * batch * pairs) + 2 * 2 * batch * queries * pairs * hidden,
  };
}

function matmulWorkload(): Workload {
  engine.manualSeed(5);
  const n = 1024;
  return {
    name: 'W5',
    title: 'matmul 1024×1024×1024',
    kind: 'matmul',
    config: {},
    tensors: { a: host(engine.randn(n, n)), b: host(engine.randn(n, n)) },
    flops: 2 * n ** 3,
  };
}

/** T1's model on the current backend: batchFirst, dropout 0 (so that every implementation computes the same). */
function encoderModel(config: EncoderConfig): engine.nn.Sequential {
  const { dModel, nhead, dimFeedforward, layers, classes } = config;
  const layer = new engine.nn.TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout: 0, batchFirst: true });
  return new engine.nn.Sequential(
    new engine.nn.TransformerEncoder(layer, layers, { enableNestedTensor: false }),
    new engine.nn.Linear(dModel, classes),
  );
}

/**
 * T1: one Adam step (forward, cross-entropy, backward, step) of a 2-layer TransformerEncoder (dModel 64,
 * nhead 4, dimFeedforward 128) and a linear head over 16 classes, batch 32 of 32 tokens.
 */
function encoderStepWorkload(): Workload {
  engine.manualSeed(6);
  const encoder: EncoderConfig = { dModel: 64, nhead: 4, dimFeedforward: 128, layers: 2, classes: 16, lr: 1e-3 };
  const [batch, length] = [32, 32];
  const state = encoderModel(encoder).stateDict();
  const x = engine.randn(batch, length, encoder.dModel); // (N, S, E)
  const target = engine.randint(0, encoder.classes, [batch, length]).float(); // (N, S), class indices as floats
  const { dModel: E, dimFeedforward: F, layers, classes } = encoder;
  const tokens = batch * length;
  const perLayer = 2 * tokens * E * (4 * E + 2 * F) + 2 * 2 * batch * length * length * E;
  return {
    name: 'T1',
    title: `Adam step of TransformerEncoder(${layers} × dModel ${E}, nhead 4, ff ${F}) + Linear + crossEntropy, batch ${batch}, length ${length}`,
    kind: 'encoderStep',
    config: { encoder, reported: ['0.layers.0.self_attn.in_proj_weight', '0.layers.1.linear1.weight', '1.weight'] },
    tensors: {
      ...Object.fromEntries(Object.entries(state).map(([key, t]) => [key, host(t)])),
      x: host(x),
      target: host(target),
    },
    flops: 3 * (layers * perLayer + 2 * tokens * E * classes), // backward ≈ 2 × forward
  };
}

/** T2: W3's MultiheadAttention forward and backward, from a fixed gradient of its output. */
function mhaBackwardWorkload(): Workload {
  const w3 = multiheadWorkload('T2', '', 256, 8, 2, 128, 3);
  engine.manualSeed(7);
  const gradOut = engine.randn(...w3.tensors.x.shape); // (L, N, E)
  return {
    ...w3,
    title: "backward of W3's MultiheadAttention (forward + backward: input and parameter gradients)",
    kind: 'mhaBackward',
    tensors: { ...w3.tensors, gradOut: host(gradOut) },
    flops: 3 * w3.flops,
  };
}

/** Made on the reference backend, so the arrays do not depend on which backends exist. */
export function makeWorkloads(): Workload[] {
  engine.setBackend('reference');
  return [
    multiheadWorkload('W1', 'nn.MultiheadAttention(6, 3), batch 2, length 4, with weights', 6, 3, 2, 4, 1),
    d2lWorkload(),
    multiheadWorkload('W3', 'MHA embed 256, 8 heads, batch 2, length 128, with weights', 256, 8, 2, 128, 3),
    multiheadWorkload('W4', 'MHA embed 512, 8 heads, batch 1, length 1024, with weights', 512, 8, 1, 1024, 4),
    matmulWorkload(),
    encoderStepWorkload(),
    mhaBackwardWorkload(),
  ];
}

/** The long-sequence memory check: W4's module without weights (needWeights: false) at length 8192. */
export function makeLongWorkload(length: number): Workload {
  engine.setBackend('reference');
  const workload = multiheadWorkload(
    'W4-long',
    `MHA embed 512, 8 heads, batch 1, length ${length}, needWeights: false`,
    512,
    8,
    1,
    length,
    4,
  );
  return { ...workload, config: { ...workload.config, needWeights: false } };
}

const onBackend = (t: HostTensor): Tensor => engine.tensor(t.values, { shape: t.shape });

/** A closure that runs the workload once on `backend` and returns its outputs as arrays. */
export function engineRunner(workload: Workload, backend: BackendName): () => Float32Array[] {
  if (workload.kind === 'encoderStep') return encoderStepRunner(workload, backend);
  if (workload.kind === 'mhaBackward') return mhaBackwardRunner(workload, backend);
  const run = forwardRunner(workload, backend);
  // Inference, as torchPeer.py runs under torch.no_grad(): modules' parameters require grad, and the
  // graph a forward pass would otherwise record is work PyTorch's timings do not include.
  return () => engine.noGrad(run);
}

const values = (t: Tensor) => Float32Array.from(t.dataSync() as Float32Array);

/**
 * T1 on `backend`: each call is one training step from where the last one left the weights; its
 * outputs (the loss, then the reported parameters after the step) are checked on the first call.
 */
function encoderStepRunner(workload: Workload, backend: BackendName): () => Float32Array[] {
  engine.setBackend(backend);
  const t = workload.tensors;
  const { encoder: config, reported } = workload.config as { encoder: EncoderConfig; reported: string[] };
  const model = encoderModel(config);
  const state = model.stateDict();
  model.loadStateDict(Object.fromEntries(Object.keys(state).map((key) => [key, onBackend(t[key])])));
  const optimizer = new engine.optim.Adam(model.parameters(), { lr: config.lr });
  const [batch, length] = t.target.shape;
  const x = onBackend(t.x); // (N, S, E)
  const target = onBackend(t.target)
    .int()
    .reshape(batch * length); // (N·S)
  const parameters = Object.fromEntries(model.namedParameters());
  return () => {
    optimizer.zeroGrad();
    const logits = (model(x) as Tensor).reshape(batch * length, config.classes); // (N·S, classes)
    const loss = engine.F.crossEntropy(logits, target);
    loss.backward();
    optimizer.step();
    return [values(loss), ...reported.map((key) => values(parameters[key]))];
  };
}

/** T2 on `backend`: W3's module forward, then backward from gradOut; outputs the input's and parameters' gradients. */
function mhaBackwardRunner(workload: Workload, backend: BackendName): () => Float32Array[] {
  engine.setBackend(backend);
  const t = workload.tensors;
  const { embed, heads } = workload.config as { embed: number; heads: number };
  const mha = new engine.nn.MultiheadAttention(embed, heads);
  mha.loadStateDict(Object.fromEntries(mhaKeys.map((key) => [key, onBackend(t[key])])));
  const x = onBackend(t.x).requiresGrad_(); // (L, N, E)
  const gradOut = onBackend(t.gradOut); // (L, N, E)
  const named = Object.fromEntries(mha.namedParameters());
  const parameters = mhaKeys.map((key) => named[key]);
  return () => {
    for (const p of [x, ...parameters]) p.grad = null;
    const [out] = mha(x, x, x);
    out.backward(gradOut);
    return [x, ...parameters].map((p) => values(p.grad!));
  };
}

const mhaKeys = ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'];

/** The workload's forward pass on `backend`, its inputs and weights uploaded once. */
function forwardRunner(workload: Workload, backend: BackendName): () => Float32Array[] {
  engine.setBackend(backend);
  const t = workload.tensors;
  if (workload.kind === 'matmul') {
    const [a, b] = [onBackend(t.a), onBackend(t.b)];
    return () => [engine.matmul(a, b).dataSync() as Float32Array];
  }
  if (workload.kind === 'd2l') {
    const { heads, validLens } = workload.config as { heads: number; validLens: number[] };
    const mha = new engine.d2l.MultiHeadAttention(t.X.shape[2], heads, 0).eval();
    mha.loadStateDict(
      Object.fromEntries(['W_q', 'W_k', 'W_v', 'W_o'].map((n) => [`${n}.weight`, onBackend(t[`${n}.weight`])])),
    );
    const [X, Y, lens] = [onBackend(t.X), onBackend(t.Y), engine.tensor(validLens)];
    return () => {
      const out = mha.forward(X, Y, Y, lens);
      return [out.dataSync() as Float32Array, mha.attention.attentionWeights!.dataSync() as Float32Array];
    };
  }
  const {
    embed,
    heads,
    needWeights = true,
  } = workload.config as { embed: number; heads: number; needWeights?: boolean };
  const mha = new engine.nn.MultiheadAttention(embed, heads).eval();
  mha.loadStateDict(Object.fromEntries(mhaKeys.map((key) => [key, onBackend(t[key])])));
  const x = onBackend(t.x);
  return () => {
    const [out, weights] = mha.forward(x, x, x, { needWeights });
    return [out.dataSync() as Float32Array, ...(weights ? [weights.dataSync() as Float32Array] : [])];
  };
}
