/**
 * TensorFlow.js side of the benchmark: the same workloads written with tfjs ops, on its `cpu` and
 * `wasm` backends in Node (the packages a TypeScript user would otherwise pick). The training workloads
 * are written as a tfjs user trains: weights in tf.variable, tf.train.adam's minimize (T1), tf.grads (T2).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients (the @tensorflow/tfjs bundle does): tf.grads and minimize need them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { dirname, join } from 'node:path';
import type { EncoderConfig, HostTensor, Workload } from './workloads';

export type TfjsBackend = 'cpu' | 'wasm';

export async function useTfjsBackend(name: TfjsBackend): Promise<void> {
  if (name === 'wasm')
    setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
  await tf.ready();
}

const constant = (t: HostTensor) => tf.tensor(t.values, t.shape, 'float32');

/** The weights of nn.MultiheadAttention in torch's layout: in_proj (3E, E) and (3E), out_proj (E, E) and (E). */
interface AttentionWeights {
  inW: tf.Tensor;
  inB: tf.Tensor;
  outW: tf.Tensor;
  outB: tf.Tensor;
}

/**
 * nn.MultiheadAttention's self-attention in tfjs ops over x (L, N, E), seq-first (or (N, L, E) with
 * batchFirst): packed in-projection, q scaled, softmax, out-projection. Returns the output and the weights.
 */
function selfAttention(x: tf.Tensor, w: AttentionWeights, H: number, batchFirst = false): [tf.Tensor, tf.Tensor] {
  const [first, second, E] = x.shape;
  const [L, N] = batchFirst ? [second, first] : [first, second];
  const hd = E / H;
  // (N·H, L, hd) from rows ordered (L, N) or (N, L).
  const heads = (m: tf.Tensor) =>
    batchFirst
      ? tf.reshape(tf.transpose(tf.reshape(m, [N, L, H, hd]), [0, 2, 1, 3]), [N * H, L, hd])
      : tf.transpose(tf.reshape(m, [L, N * H, hd]), [1, 0, 2]);
  const qkv = tf.add(tf.matMul(tf.reshape(x, [L * N, E]), w.inW, false, true), w.inB); // (L·N, 3E)
  const [q, k, v] = tf.split(qkv, 3, 1); // (L·N, E) each
  const weights = tf.softmax(tf.matMul(tf.div(heads(q), Math.sqrt(hd)), heads(k), false, true)); // (N·H, L, L)
  const mixedHeads = tf.matMul(weights, heads(v)); // (N·H, L, hd)
  const mixed = batchFirst
    ? tf.reshape(tf.transpose(tf.reshape(mixedHeads, [N, H, L, hd]), [0, 2, 1, 3]), [N * L, E]) // (N·L, E)
    : tf.reshape(tf.transpose(mixedHeads, [1, 0, 2]), [L * N, E]); // (L·N, E)
  return [tf.reshape(tf.add(tf.matMul(mixed, w.outW, false, true), w.outB), x.shape), weights]; // x's shape
}

/** The attention weights under their state-dict keys after `prefix`, each found by `lookup`. */
function attentionWeights(prefix: string, lookup: (key: string) => tf.Tensor): AttentionWeights {
  return {
    inW: lookup(`${prefix}in_proj_weight`),
    inB: lookup(`${prefix}in_proj_bias`),
    outW: lookup(`${prefix}out_proj.weight`),
    outB: lookup(`${prefix}out_proj.bias`),
  };
}

/** nn.MultiheadAttention's forward (seq-first, packed in-projection, averaged weights) in tfjs ops. */
function multihead(workload: Workload): () => tf.Tensor[] {
  const t = workload.tensors;
  const { heads: H } = workload.config as { heads: number };
  const [L, N] = t.x.shape;
  const w = attentionWeights('', (key) => constant(t[key]));
  const x = constant(t.x);
  return () =>
    tf.tidy(() => {
      const [out, weights] = selfAttention(x, w, H); // (L, N, E), (N·H, L, L)
      return [out, tf.mean(tf.reshape(weights, [N, H, L, L]), 1)]; // (L, N, E), (N, L, L)
    });
}

/** T2: the gradients of x and of the four weights from gradOut, by tf.grads over the forward. */
function multiheadBackward(workload: Workload): () => tf.Tensor[] {
  const t = workload.tensors;
  const { heads: H } = workload.config as { heads: number };
  const { inW, inB, outW, outB } = attentionWeights('', (key) => constant(t[key]));
  const [x, gradOut] = [constant(t.x), constant(t.gradOut)];
  const gradients = tf.grads(
    (x: tf.Tensor, inW: tf.Tensor, inB: tf.Tensor, outW: tf.Tensor, outB: tf.Tensor) =>
      selfAttention(x, { inW, inB, outW, outB }, H)[0],
  );
  return () => gradients([x, inW, inB, outW, outB], gradOut);
}

/** F.layer_norm over the last dim (biased variance), then weight and bias. */
function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), weight), bias);
}

/**
 * T1: the Adam step of nn.Sequential(TransformerEncoder (post-norm layers, relu, batchFirst), Linear) with
 * softmax cross-entropy, weights as tf.variable in torch's layout; outputs the loss and the reported weights.
 */
function encoderStep(workload: Workload): () => tf.Tensor[] {
  const t = workload.tensors;
  const { encoder, reported } = workload.config as { encoder: EncoderConfig; reported: string[] };
  const variables = new Map(
    Object.keys(t)
      .filter((key) => key !== 'x' && key !== 'target')
      .map((key) => [key, tf.variable(constant(t[key]))]),
  );
  const v = (key: string) => variables.get(key)!;
  const linear = (x: tf.Tensor, prefix: string) =>
    tf.add(tf.matMul(x, v(`${prefix}weight`), false, true), v(`${prefix}bias`));
  const [N, S, E] = t.x.shape;
  const x = constant(t.x); // (N, S, E)
  const target = tf.oneHot(tf.tensor1d(t.target.values, 'int32'), encoder.classes); // (N·S, classes)
  const optimizer = tf.train.adam(encoder.lr, 0.9, 0.999, 1e-8);
  const loss = () => {
    let h = x; // (N, S, E)
    for (let layer = 0; layer < encoder.layers; layer++) {
      const p = `0.layers.${layer}.`;
      const [attended] = selfAttention(h, attentionWeights(`${p}self_attn.`, v), encoder.nhead, true); // (N, S, E)
      h = layerNorm(tf.add(h, attended), v(`${p}norm1.weight`), v(`${p}norm1.bias`));
      const rows = tf.reshape(h, [N * S, E]); // (N·S, E)
      const fed = tf.reshape(linear(tf.relu(linear(rows, `${p}linear1.`)), `${p}linear2.`), [N, S, E]); // (N, S, E)
      h = layerNorm(tf.add(h, fed), v(`${p}norm2.weight`), v(`${p}norm2.bias`));
    }
    const logits = linear(tf.reshape(h, [N * S, E]), '1.'); // (N·S, classes)
    return tf.losses.softmaxCrossEntropy(target, logits) as tf.Scalar;
  };
  return () => [optimizer.minimize(loss, true)!, ...reported.map((key) => tf.clone(v(key)))];
}

/** d2l's MultiHeadAttention (no bias, heads folded into the batch, -1e6 past each valid length). */
function d2l(workload: Workload): () => tf.Tensor[] {
  const t = workload.tensors;
  const { heads: H, validLens } = workload.config as { heads: number; validLens: number[] };
  const [B, Q, hidden] = t.X.shape;
  const K = t.Y.shape[1];
  const d = hidden / H;
  const [Wq, Wk, Wv, Wo, X, Y] = [
    constant(t['W_q.weight']),
    constant(t['W_k.weight']),
    constant(t['W_v.weight']),
    constant(t['W_o.weight']),
    constant(t.X),
    constant(t.Y),
  ];
  const lens = tf.tensor(
    validLens.flatMap((len) => Array<number>(H).fill(len)),
    [B * H, 1, 1],
  ); // (B·H, 1, 1)
  const visible = tf.less(tf.reshape(tf.range(0, K), [1, 1, K]), lens); // (B·H, 1, K)
  const project = (m: tf.Tensor, w: tf.Tensor, len: number) =>
    tf.reshape(
      tf.transpose(
        tf.reshape(tf.matMul(tf.reshape(m, [B * len, hidden]), w, false, true), [B, len, H, d]),
        [0, 2, 1, 3],
      ),
      [B * H, len, d],
    ); // (B·H, len, d)
  return () =>
    tf.tidy(() => {
      const scores = tf.div(tf.matMul(project(X, Wq, Q), project(Y, Wk, K), false, true), Math.sqrt(d)); // (B·H, Q, K)
      const weights = tf.softmax(tf.where(tf.broadcastTo(visible, scores.shape), scores, tf.fill(scores.shape, -1e6))); // (B·H, Q, K)
      const mixed = tf.reshape(
        tf.transpose(tf.reshape(tf.matMul(weights, project(Y, Wv, K)), [B, H, Q, d]), [0, 2, 1, 3]),
        [B * Q, hidden],
      ); // (B·Q, h)
      return [tf.reshape(tf.matMul(mixed, Wo, false, true), [B, Q, hidden]), weights]; // (B, Q, h), (B·H, Q, K)
    });
}

function matmul(workload: Workload): () => tf.Tensor[] {
  const [a, b] = [constant(workload.tensors.a), constant(workload.tensors.b)];
  return () => [tf.matMul(a, b)];
}

/** A closure that runs the workload once on the current tfjs backend and reads its outputs back. */
export function tfjsRunner(workload: Workload): () => Float32Array[] {
  const run = { mha: multihead, d2l, matmul, encoderStep, mhaBackward: multiheadBackward }[workload.kind](workload);
  return () => {
    const outputs = run();
    const values = outputs.map((o) => o.dataSync() as Float32Array);
    tf.dispose(outputs);
    return values;
  };
}
