/**
 * The backward formulas of the ops computed on the host (ops/indexing.ts, ops/scan.ts, F.embedding, diag):
 * each reads its inputs once and uploads a new tensor, so it records its own node, with PyTorch's
 * formula and name (tools/autograd/derivatives.yaml). The formulas run with grad mode off.
 */
import type { Tensor } from '../tensor';
import { diag, flip } from '../ops/arrange';
import { zerosLike } from '../ops/creation';
import { div, eq, mul, ne, where } from '../ops/elementwise';
import { gather, indexAdd, indexSelect, scatter, scatterAdd } from '../ops/indexing';
import { reshape } from '../ops/movement';
import { sum } from '../ops/reduction';
import { cumsum } from '../ops/scan';
import { formatShape } from '../shape';
import { record } from './derivatives';

/** Records an op whose every saved value is read by its formula (the node frees them after a backward). */
function recordHost(
  out: Tensor,
  name: string,
  inputs: readonly (Tensor | null)[],
  formula: (g: Tensor) => (Tensor | null)[],
) {
  return record(out, name, inputs, formula, true);
}

/**
 * Records F.embedding: each looked-up row's gradient is added into its row of weight's gradient
 * (repeated indices add up); the padding row gets none.
 */
export function recordEmbedding(indices: Tensor, weight: Tensor, out: Tensor, paddingIdx: number | undefined): Tensor {
  return recordHost(out, 'EmbeddingBackward0', [weight], (g) => {
    const flat = reshape(indices, [-1]); // (N)
    let rows = reshape(g, [-1, weight.shape[1]]); // (N, width)
    if (paddingIdx !== undefined) {
      const padding = paddingIdx < 0 ? paddingIdx + weight.shape[0] : paddingIdx;
      rows = where(reshape(ne(flat, padding), [-1, 1]), rows, 0); // (N, width)
    }
    return [indexAdd(zerosLike(weight), 0, flat, rows)];
  });
}

/**
 * Records an op whose result reads `input` at `indices` along `dim` (gather, and the values of sort,
 * topk, cummax, cummin): each element's gradient is added back where it was read from.
 */
export function recordGather(name: string, input: Tensor, out: Tensor, dim: number, indices: Tensor): Tensor {
  return recordHost(out, name, [input], (g) => [
    input.ndim === 0 ? reshape(g, []) : scatterAdd(zerosLike(input), dim, indices, g),
  ]);
}

/** src's gradient of scatter/scatterAdd: read where it was written; torch's error when src is larger than the index. */
function srcGradient(name: string, g: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const read = gather(g, dim, index); // index's shape
  if (read.shape.length !== src.shape.length || read.shape.some((size, d) => size !== src.shape[d])) {
    throw new Error(
      `backward: Function ${name} returned an invalid gradient at index 1 - got ${formatShape(read.shape)} but expected shape compatible with ${formatShape(src.shape)}`,
    );
  }
  return read;
}

/** Records scatter (src a tensor or a number): the overwritten places pass no gradient to the input. */
export function recordScatter(input: Tensor, index: Tensor, src: Tensor | null, out: Tensor, dim: number): Tensor {
  return recordHost(out, src === null ? 'ScatterBackward1' : 'ScatterBackward0', [input, src], (g) => [
    input.requiresGrad ? scatter(g, dim, index, 0) : null,
    src?.requiresGrad ? srcGradient('ScatterBackward0', g, dim, index, src) : null,
  ]);
}

/** Records scatterAdd: the input's gradient passes through, src's is read where it was added. */
export function recordScatterAdd(input: Tensor, index: Tensor, src: Tensor, out: Tensor, dim: number): Tensor {
  return recordHost(out, 'ScatterAddBackward0', [input, src], (g) => [
    input.requiresGrad ? g : null,
    src.requiresGrad ? srcGradient('ScatterAddBackward0', g, dim, index, src) : null,
  ]);
}

/** Records indexSelect: each selected entry's gradient is added back into its entry along `dim`. */
export function recordIndexSelect(input: Tensor, index: Tensor, out: Tensor, dim: number): Tensor {
  return recordHost(out, 'IndexSelectBackward0', [input], (g) => [
    indexAdd(zerosLike(input), dim, index, reshape(g, out.shape)),
  ]);
}

/** Records indexAdd: the input's gradient passes through, source's is alpha times the entries it was added to. */
export function recordIndexAdd(input: Tensor, index: Tensor, source: Tensor, alpha: number, out: Tensor, dim: number) {
  return recordHost(out, 'IndexAddBackward0', [input, source], (g) => [
    input.requiresGrad ? g : null,
    source.requiresGrad ? reshape(mul(indexSelect(g, dim, index), alpha), source.shape) : null,
  ]);
}

/** Records an op whose result reads the input's elements at places `backward` puts the gradient back into. */
export function recordPutBack(name: string, input: Tensor, out: Tensor, putBack: (g: Tensor) => Tensor): Tensor {
  return recordHost(out, name, [input], (g) => [putBack(g)]);
}

/** Records diag of a vector: the gradient is the matrix gradient's diagonal. */
export function recordDiag(input: Tensor, out: Tensor, diagonal: number): Tensor {
  return recordHost(out, 'DiagBackward0', [input], (g) => [diag(g, diagonal)]);
}

/** The sums of `g` from each position to the end along `dim`. */
function reverseCumsum(g: Tensor, dim: number): Tensor {
  return flip(cumsum(flip(g, dim), dim), dim);
}

/** Records cumsum: each input element's gradient is the sum of the output's gradient from its position on. */
export function recordCumsum(input: Tensor, out: Tensor, dim: number): Tensor {
  return record(out, 'CumsumBackward0', [input], (g) => [input.ndim === 0 ? g : reverseCumsum(g, dim)], false);
}

/**
 * Records cumprod: the input's gradient is Σ_{j>=i} g_j·out_j / x_i, for inputs with no zero (torch's
 * formula for zeros is not written yet: the backward then throws, never a wrong gradient).
 */
export function recordCumprod(input: Tensor, out: Tensor, dim: number): Tensor {
  return recordHost(out, 'CumprodBackward0', [input], (g) => {
    if (input.dataSync().includes(0)) {
      throw new Error('cumprod: the gradient of cumprod of an input with zeros is not implemented yet');
    }
    return [input.ndim === 0 ? g : div(reverseCumsum(mul(g, out), dim), input)];
  });
}

/** Records prod: each element's gradient is g times the product of the others in its slice (given). */
export function recordProd(
  input: Tensor,
  out: Tensor,
  others: () => Tensor,
  everyDim: boolean,
  dim: number,
  keepdim: boolean,
) {
  return recordHost(out, everyDim ? 'ProdBackward0' : 'ProdBackward1', [input], (g) => {
    const spread = everyDim || keepdim || input.ndim === 0 ? g : g.unsqueeze(dim);
    return [mul(spread, others())];
  });
}

/** Records median of all elements: the gradient is split evenly among the elements equal to it (NaN: the NaNs). */
export function recordEvenlySplit(name: string, input: Tensor, out: Tensor): Tensor {
  return recordHost(out, name, [input], (g) => {
    const chosen = Number.isNaN(out.item()) ? ne(input, input) : eq(input, out); // input's shape
    return [where(chosen, div(g, sum(chosen)), 0)];
  });
}
