/**
 * TensorFlow.js side of the benchmark: the same workloads written with tfjs ops, on its `cpu` and
 * `wasm` backends in Node (the packages a TypeScript user would otherwise pick).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { dirname, join } from 'node:path';
import type { HostTensor, Workload } from './workloads';

export type TfjsBackend = 'cpu' | 'wasm';

export async function useTfjsBackend(name: TfjsBackend): Promise<void> {
  if (name === 'wasm')
    setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not initialise`);
  await tf.ready();
}

const constant = (t: HostTensor) => tf.tensor(t.values, t.shape, 'float32');

/** nn.MultiheadAttention's forward (seq-first, packed in-projection, averaged weights) in tfjs ops. */
function multihead(workload: Workload): () => tf.Tensor[] {
  const t = workload.tensors;
  const { embed: E, heads: H } = workload.config as { embed: number; heads: number };
  const [L, N] = t.x.shape;
  const hd = E / H;
  const [inW, inB, outW, outB, x] = [
    constant(t.in_proj_weight),
    constant(t.in_proj_bias),
    constant(t['out_proj.weight']),
    constant(t['out_proj.bias']),
    constant(t.x),
  ];
  const heads = (m: tf.Tensor) => tf.transpose(tf.reshape(m, [L, N * H, hd]), [1, 0, 2]); // (N·H, L, hd)
  return () =>
    tf.tidy(() => {
      const qkv = tf.add(tf.matMul(tf.reshape(x, [L * N, E]), inW, false, true), inB); // (L·N, 3E)
      const [q, k, v] = tf.split(qkv, 3, 1); // (L·N, E) each
      const weights = tf.softmax(tf.matMul(tf.div(heads(q), Math.sqrt(hd)), heads(k), false, true)); // (N·H, L, L)
      const mixed = tf.reshape(tf.transpose(tf.matMul(weights, heads(v)), [1, 0, 2]), [L * N, E]); // (L·N, E)
      const out = tf.reshape(tf.add(tf.matMul(mixed, outW, false, true), outB), [L, N, E]); // (L, N, E)
      return [out, tf.mean(tf.reshape(weights, [N, H, L, L]), 1)]; // (L, N, E), (N, L, L)
    });
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
  const run = { mha: multihead, d2l, matmul }[workload.kind](workload);
  return () => {
    const outputs = run();
    const values = outputs.map((o) => o.dataSync() as Float32Array);
    tf.dispose(outputs);
    return values;
  };
}
