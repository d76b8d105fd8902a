/**
 * The backward formulas of the ops computed on the host (ops/indexing.ts, ops/scan.ts, F.embedding):
 * each reads its inputs once and uploads a new tensor, so it records its own node, with PyTorch's
 * formula and name (tools/autograd/derivatives.yaml). The formulas run with grad mode off.
 */
import type { Tensor } from '../tensor';
import { zerosLike } from '../ops/creation';
import { ne, where } from '../ops/elementwise';
import { indexAdd } from '../ops/indexing';
import { reshape } from '../ops/movement';
import { record } from './derivatives';

/**
 * Records F.embedding: each looked-up row's gradient is added into its row of weight's gradient
 * (repeated indices add up); the padding row gets none.
 */
export function recordEmbedding(indices: Tensor, weight: Tensor, out: Tensor, paddingIdx: number | undefined): Tensor {
  return record(
    out,
    'EmbeddingBackward0',
    [weight],
    (g) => {
      const flat = reshape(indices, [-1]); // (N)
      let rows = reshape(g, [-1, weight.shape[1]]); // (N, width)
      if (paddingIdx !== undefined) {
        const padding = paddingIdx < 0 ? paddingIdx + weight.shape[0] : paddingIdx;
        rows = where(reshape(ne(flat, padding), [-1, 1]), rows, 0); // (N, width)
      }
      return [indexAdd(zerosLike(weight), 0, flat, rows)];
    },
    true,
  );
}
