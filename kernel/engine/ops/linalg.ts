/** matmul with torch.matmul's rules, bmm, mm, and a general einsum lowered to batched matmuls. */
import { isString, isTensor, typeName } from '../arguments';
import { promoteTypes } from '../dtype';
import { broadcastShapes, formatShape, leadingDims, sizeOf, viewStrides, type Shape } from '../shape';
import { Tensor } from '../tensor';
import { add, cast } from './elementwise';
import { checkSameBackend, contiguous, expand, permute, reshape, squeeze, unsqueeze } from './movement';
import { sum } from './reduction';
import { recordAddmm, recordMatmul } from '../autograd/derivatives';
import { noGrad, tracksGrad } from '../autograd/gradMode';

/** Expands `t` to (batch..., rows, cols) and reads it as (B, rows, cols): a view when strides allow. */
function asBatch(t: Tensor, batch: Shape): Tensor {
  if (batch.length === 0 && t.ndim === 2)
    return t.withLayout([1, t.shape[0], t.shape[1]], [0, t.strides[0], t.strides[1]]); // (1, rows, cols)
  const [rows, cols] = [t.shape[t.ndim - 2], t.shape[t.ndim - 1]];
  const expanded = expand(t, [...batch, rows, cols]); // (batch..., rows, cols)
  const shape = [sizeOf(batch), rows, cols]; // (B, rows, cols)
  const strides = viewStrides(expanded.shape, expanded.strides, shape);
  return strides ? expanded.withLayout(shape, strides) : reshape(contiguous(expanded), shape);
}

/**
 * `t` (B, rows, cols) with stride 1 along `axis`: the backends' matmul walks both operands along
 * the reduction axis K, and a K stride of N (b read down its columns) misses the cache on every step.
 * The copy costs one pass over the operand, against M (or N) passes in the product.
 */
function contiguousAlong(t: Tensor, axis: 1 | 2): Tensor {
  if (t.strides[axis] === 1 || t.shape[axis] === 1) return t;
  if (axis === 2) return contiguous(t); // (B, M, K), K innermost
  return permute(contiguous(permute(t, [0, 2, 1])), [0, 2, 1]); // (B, K, N) stored as (B, N, K)
}

/** a and b as the backend's matmul reads them: (B, M, K) and (B, K, N), contiguous along K where it needs it. */
function matmulOperands(a: Tensor, b: Tensor, batch: Shape): [Tensor, Tensor] {
  const packs = a.backend.matmulPacksOperands === true;
  const x = packs ? asBatch(a, batch) : contiguousAlong(asBatch(a, batch), 2); // (B, M, K)
  const y = packs ? asBatch(b, batch) : contiguousAlong(asBatch(b, batch), 1); // (B, K, N)
  return [x, y];
}

/** (batch..., M, K) @ (batch..., K, N) with the batch dims already equal or broadcastable. */
function batchedMatmul(a: Tensor, b: Tensor, batch: Shape): Tensor {
  const [m, n] = [a.shape[a.ndim - 2], b.shape[b.ndim - 1]];
  const [x, y] = matmulOperands(a, b, batch);
  const storage = a.backend.matmul(x.toView(), y.toView());
  const dtype = promoteTypes(a.dtype, b.dtype);
  const out = cast(new Tensor(a.backend, storage, [...batch, m, n], 'float32'), dtype); // (batch..., M, N)
  return tracksGrad(a, b) ? recordMatmul(a, b, out, batch.length > 0) : out;
}

/**
 * bias + a @ b as one op and one autograd node (torch.addmm, which F.linear runs): a (M, K), b (K, N) and
 * bias (N), float32 on one backend. The backend's fused kernel adds the bias as the product is written;
 * without one, matmul then add (the same float sums).
 */
export function addmm(bias: Tensor, a: Tensor, b: Tensor): Tensor {
  const { backend } = a;
  const shape = [a.shape[0], b.shape[1]]; // (M, N)
  let out: Tensor;
  if (backend.matmulAddBias) {
    const [x, y] = matmulOperands(a, b, []);
    out = new Tensor(backend, backend.matmulAddBias(x.toView(), y.toView(), bias.toView()), shape, 'float32');
  } else {
    out = noGrad(() => add(batchedMatmul(a, b, []), bias)); // (M, N)
  }
  return tracksGrad(a, b) || tracksGrad(bias) ? recordAddmm(bias, a, b, out) : out;
}

/** The product of two matrices (torch.mm). */
export function mm(a: Tensor, b: Tensor): Tensor {
  isTensor(a, 'mm', 'input', 1);
  isTensor(b, 'mm', 'mat2', 2);
  checkSameBackend('mm', a, b);
  if (a.ndim !== 2) throw new Error(`mm: self must be a matrix`);
  if (b.ndim !== 2) throw new Error(`mm: mat2 must be a matrix`);
  if (a.shape[1] !== b.shape[0]) {
    throw new Error(`mm: mat1 and mat2 shapes cannot be multiplied (${a.shape.join('x')} and ${b.shape.join('x')})`);
  }
  return batchedMatmul(a, b, []);
}

/** Batched matrix products: (B, M, K) @ (B, K, N) -> (B, M, N) (torch.bmm). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  isTensor(a, 'bmm', 'input', 1);
  isTensor(b, 'bmm', 'mat2', 2);
  checkSameBackend('bmm', a, b);
  if (a.ndim !== 3) throw new Error(`bmm: batch1 must be a 3D tensor`);
  if (b.ndim !== 3) throw new Error(`bmm: batch2 must be a 3D tensor`);
  if (b.shape[0] !== a.shape[0] || b.shape[1] !== a.shape[2]) {
    throw new Error(
      `bmm: Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`,
    );
  }
  return batchedMatmul(a, b, [a.shape[0]]);
}

/** torch.matmul: dot, mv, mm, and batched products with broadcast batch dims. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  isTensor(a, 'matmul', 'input', 1);
  isTensor(b, 'matmul', 'other', 2);
  checkSameBackend('matmul', a, b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both arguments to matmul need to be at least 1D, but they are ${a.ndim}D and ${b.ndim}D`);
  }
  if (a.ndim === 1 && b.ndim === 1) {
    if (a.shape[0] !== b.shape[0]) {
      throw new Error(
        `matmul: inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
      );
    }
    return reshape(batchedMatmul(unsqueeze(a, 0), unsqueeze(b, 1), []), []); // (1, K)@(K, 1) → ()
  }
  if (a.ndim === 2 && b.ndim === 1) {
    if (a.shape[1] !== b.shape[0]) {
      throw new Error(`matmul: size mismatch, got ${a.shape[0]}, ${a.shape.join('x')},${b.shape[0]}`);
    }
    return squeeze(batchedMatmul(a, unsqueeze(b, 1), []), 1); // (M, K)@(K, 1) → (M)
  }
  if (a.ndim <= 2 && b.ndim <= 2) {
    const left = a.ndim === 1 ? unsqueeze(a, 0) : a; // (1, K)
    if (left.shape[1] !== b.shape[0]) {
      throw new Error(
        `matmul: mat1 and mat2 shapes cannot be multiplied (${left.shape.join('x')} and ${b.shape.join('x')})`,
      );
    }
    const out = batchedMatmul(left, b, []);
    return a.ndim === 1 ? squeeze(out, 0) : out;
  }
  const left = a.ndim === 1 ? unsqueeze(a, 0) : a; // (.., M, K)
  const right = b.ndim === 1 ? unsqueeze(b, 1) : b; // (.., K, N)
  const k = left.shape[left.ndim - 1];
  if (right.shape[right.ndim - 2] !== k) {
    const batchA = sizeOf(left.shape.slice(0, -2));
    throw new Error(
      right.ndim === 2 || left.ndim === 2
        ? `matmul: mat1 and mat2 shapes cannot be multiplied (${sizeOf(left.shape.slice(0, -1))}x${k} and ${right.shape.slice(-2).join('x')})`
        : `matmul: Expected size for first two dimensions of batch2 tensor to be: [${batchA}, ${k}] but got: [${sizeOf(right.shape.slice(0, -2))}, ${right.shape[right.ndim - 2]}].`,
    );
  }
  let out: Tensor;
  if (right.ndim === 2) {
    // As torch does: a matrix on the right folds the left's batch dims into its rows, one (batch·M, K)
    // product instead of a batch of thin ones that would each re-read the whole right matrix.
    const rows = reshape(left, [-1, k]); // (batch·M, K)
    out = reshape(batchedMatmul(rows, right, []), [...leadingDims(left.shape, 1), right.shape[1]]); // (batch..., M, N)
  } else {
    const batch = broadcastShapes('matmul', leadingDims(left.shape, 2), leadingDims(right.shape, 2));
    out = batchedMatmul(left, right, batch); // (batch..., M, N)
  }
  if (a.ndim === 1) out = squeeze(out, -2);
  if (b.ndim === 1) out = squeeze(out, -1);
  return out;
}

// einsum ---------------------------------------------------------------------------------------

/** An operand during contraction: a tensor whose dims are named by one letter each. */
interface Labeled {
  tensor: Tensor;
  labels: string[];
}

const ellipsisLabels = [...'\u03b1\u03b2\u03b3\u03b4\u03b5\u03b6\u03b7\u03b8'];

/** Names each dim of an operand, expanding `...`, and folds repeated letters into a diagonal view. */
function labelOperand(subscripts: string, t: Tensor, index: number, ellipsisRank: number): Labeled {
  const [head, tail] = subscripts.includes('...') ? subscripts.split('...') : [subscripts, undefined];
  const letters =
    tail === undefined ? [...head] : [...head, ...ellipsisLabels.slice(ellipsisLabels.length - ellipsisRank), ...tail];
  const named = tail === undefined ? letters.length : head.length + tail.length;
  if (tail === undefined ? named !== t.ndim : named > t.ndim) {
    throw new Error(
      `einsum: einsum(): the number of subscripts in the equation (${named}) ${tail === undefined ? 'does not match' : 'is more than'} the number of dimensions (${t.ndim}) for operand ${index}${tail === undefined ? ' and no ellipsis was given' : ''}`,
    );
  }
  if (tail !== undefined) {
    const own = t.ndim - named;
    letters.splice(head.length, ellipsisRank, ...ellipsisLabels.slice(ellipsisLabels.length - own));
  }
  const labels: string[] = [];
  const shape: number[] = [];
  const strides: number[] = [];
  letters.forEach((letter, d) => {
    const seen = labels.indexOf(letter);
    if (seen < 0) {
      labels.push(letter);
      shape.push(t.shape[d]);
      strides.push(t.strides[d]);
    } else {
      if (shape[seen] !== t.shape[d]) {
        throw new Error(
          `einsum: subscript ${letter} is repeated for operand ${index} but the sizes don't match, ${shape[seen]} != ${t.shape[d]}`,
        );
      }
      strides[seen] += t.strides[d]; // the diagonal walks both dims at once
    }
  });
  // Without a repeated letter the operand is its own view (and its gradient needs no diagonal scatter).
  return { tensor: labels.length === letters.length ? t : t.withLayout(shape, strides), labels };
}

function sumOut(x: Labeled, keep: Set<string>): Labeled {
  const dims = x.labels.flatMap((l, d) => (keep.has(l) ? [] : [d]));
  if (dims.length === 0) return x;
  return { tensor: sum(x.tensor, dims), labels: x.labels.filter((l) => keep.has(l)) };
}

function arrange(x: Labeled, order: string[], sizes: Map<string, number>): Tensor {
  const permuted = permute(
    x.tensor,
    order.filter((l) => x.labels.includes(l)).map((l) => x.labels.indexOf(l)),
  );
  const present = order.filter((l) => x.labels.includes(l));
  const full = order.map((l) => (present.includes(l) ? permuted.shape[present.indexOf(l)] : 1));
  return expand(
    reshape(permuted, full),
    order.map((l) => sizes.get(l)!),
  ); // (order...)
}

/** Contracts two labeled operands: shared letters needed later are batch dims, the rest are summed. */
function contractPair(a: Labeled, b: Labeled, needed: Set<string>, sizes: Map<string, number>): Labeled {
  const inB = new Set(b.labels);
  const batch = a.labels.filter((l) => inB.has(l) && needed.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !needed.has(l));
  const freeA = a.labels.filter((l) => !inB.has(l));
  const freeB = b.labels.filter((l) => !a.labels.includes(l));
  const size = (ls: string[]) => sizeOf(ls.map((l) => sizes.get(l)!));
  const x = reshape(arrange(a, [...batch, ...freeA, ...summed], sizes), [size(batch), size(freeA), size(summed)]); // (Bt, Fa, C)
  const y = reshape(arrange(b, [...batch, ...summed, ...freeB], sizes), [size(batch), size(summed), size(freeB)]); // (Bt, C, Fb)
  const product = bmm(x, y); // (Bt, Fa, Fb)
  const labels = [...batch, ...freeA, ...freeB];
  return {
    tensor: reshape(
      product,
      labels.map((l) => sizes.get(l)!),
    ),
    labels,
  }; // (batch..., freeA..., freeB...)
}

/** einsum's operands, given one by one or as one array (as torch.einsum takes both), all tensors. */
function einsumOperands(args: Tensor[] | [readonly Tensor[]]): readonly Tensor[] {
  const operands: readonly unknown[] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  const bad = operands.findIndex((x) => !(x instanceof Tensor));
  if (bad >= 0) {
    throw new TypeError(`einsum: expected Tensor as element ${bad} in argument 1, but got ${typeName(operands[bad])}`);
  }
  return operands as readonly Tensor[];
}

/**
 * torch.einsum with any subscripts, `...`, repeated letters (diagonals) and implicit output:
 * 'ibhd,jbhd->ijbh' (scores) and 'ijbh,jbhd->ibhd' (weighted values) become batched matmuls.
 */
export function einsum(equation: string, ...operandArgs: Tensor[] | [readonly Tensor[]]): Tensor {
  isString(equation, 'einsum', 'equation', 1);
  const operands = einsumOperands(operandArgs);
  const compact = equation.replace(/\s+/g, '');
  const [lhs, rhs] = compact.split('->');
  const inputs = lhs.split(',');
  if (inputs.length !== operands.length) {
    throw new Error(
      `einsum: einsum(): more operands were provided than specified in the equation`.replace(
        'more',
        inputs.length < operands.length ? 'more' : 'fewer',
      ),
    );
  }
  operands.forEach((t) => checkSameBackend('einsum', operands[0], t));
  const ellipsisRank = Math.max(
    0,
    ...inputs.map((s, i) => (s.includes('...') ? operands[i].ndim - (s.length - 3) : 0)),
  );
  const labeled = inputs.map((s, i) => labelOperand(s, operands[i], i, ellipsisRank));
  const sizes = new Map<string, number>();
  labeled.forEach((x, i) =>
    x.labels.forEach((l, d) => {
      const size = x.tensor.shape[d];
      const seen = sizes.get(l);
      if (seen !== undefined && seen !== size && seen !== 1 && size !== 1) {
        throw new Error(
          `einsum: operands do not broadcast: subscript ${l} has size ${size} for operand ${i} which does not broadcast with previously seen size ${seen} (operand shapes ${labeled.map((o) => formatShape(o.tensor.shape)).join(', ')})`,
        );
      }
      if (seen === undefined || seen === 1) sizes.set(l, size);
    }),
  );
  const counts = new Map<string, number>();
  inputs.forEach((s) => [...s.replace('...', '')].forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1)));
  const ellipsisOut = [...sizes.keys()]
    .filter((l) => ellipsisLabels.includes(l))
    .sort((p, q) => ellipsisLabels.indexOf(p) - ellipsisLabels.indexOf(q));
  const output =
    rhs === undefined
      ? [...ellipsisOut, ...[...counts.keys()].filter((l) => counts.get(l) === 1 && !ellipsisLabels.includes(l)).sort()]
      : [...(rhs.includes('...') ? rhs.replace('...', '\u0000') : rhs)].flatMap((l) =>
          l === '\u0000' ? ellipsisOut : [l],
        );
  output.forEach((l) => {
    if (!sizes.has(l))
      throw new Error(`einsum: einsum(): output subscript ${l} does not appear in the equation for any input operand`);
  });
  const neededAfter = (i: number) => new Set([...output, ...labeled.slice(i + 1).flatMap((x) => x.labels)]);
  let result = sumOut(labeled[0], new Set([...neededAfter(0), ...(labeled[1]?.labels ?? [])]));
  for (let i = 1; i < labeled.length; i++) {
    const needed = neededAfter(i);
    const next = sumOut(labeled[i], new Set([...needed, ...result.labels]));
    result = contractPair(sumOut(result, new Set([...needed, ...next.labels])), next, needed, sizes);
  }
  result = sumOut(result, new Set(output));
  return contiguous(arrange(result, output, sizes));
}
