/**
 * The backward formulas (PyTorch's tools/autograd/derivatives.yaml), recorded where the engine computes:
 * at the calls of the backend primitives (unary, binary, where, reduce, softmax, matmul, copy, concat)
 * and in the movement ops, whose backward is the inverse layout. Every composite op built from these
 * (layerNorm, gelu, attention, einsum, var, ...) is differentiable without code of its own.
 * The formulas run with grad mode off (the engine's backward is first-order).
 */
import type { BinaryOp, ReduceOp, Storage, UnaryOp } from '../backend';
import { scalarTypeName } from '../dtype';
import { versionOf } from '../ops/inplace';
import { contiguousStrides, formatShape, sizeOf, type Shape } from '../shape';
import { Tensor, type TensorLike } from '../tensor';
import { fromValues, scalarLike, toBackend, zerosLike } from '../ops/creation';
import {
  abs,
  add,
  cos,
  cosh,
  div,
  eq,
  exp,
  ge,
  gt,
  le,
  log,
  logicalAnd,
  logicalOr,
  lt,
  mul,
  neg,
  pow,
  sign,
  sin,
  sinh,
  sqrt,
  sub,
  trunc,
  where,
} from '../ops/elementwise';
import { matmul } from '../ops/linalg';
import { cat, expand, narrow, reshape, transpose, unsqueeze } from '../ops/movement';
import { amin, sum } from '../ops/reduction';
import { GradFn, SliceGradient, type BackwardFormula } from './gradFn';
import { tracksGrad } from './gradMode';

/** Attaches a node to `output` (a fresh result) and returns it. */
export function record(
  output: Tensor,
  name: string,
  inputs: readonly (Tensor | null)[],
  formula: BackwardFormula,
  savesTensors: boolean,
): Tensor {
  output.node = new GradFn(name, inputs, formula, savesTensors);
  if (savesTensors) output.node.watchSaved(savedVersionCheck([...inputs, output], output, name));
  return output;
}

/**
 * PyTorch's check of saved tensors: each one's version (its storage's count of in-place writes) when the
 * node saved it must still be its version when the backward reads it, or the gradient would be wrong.
 */
function savedVersionCheck(saved: readonly (Tensor | null)[], output: Tensor, name: string): () => void {
  const expected = saved.map((t) => (t === null ? 0 : versionOf(t)));
  const producers = saved.map((t) => (t === output ? name : t?.gradFn?.name()));
  return () =>
    saved.forEach((t, i) => {
      if (t === null || versionOf(t) === expected[i]) return;
      const which = producers[i] === undefined ? '' : `, which is output 0 of ${producers[i]},`;
      throw new Error(
        `backward: one of the variables needed for gradient computation has been modified by an inplace operation: [torch.${scalarTypeName(t.torchDtype)}Tensor ${formatShape(t.shape)}]${which} is at version ${versionOf(t)}; expected version ${expected[i]} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`,
      );
    });
}

/** Gives the node of a composite op's result the op's PyTorch name (mean's division reads MeanBackward0). */
export function renameGradFn(output: Tensor, name: string, inputs: readonly Tensor[] = []): Tensor {
  const node = output.gradFn;
  // An op that handed back an input (or a tensor sharing its node) leaves that input's node as it is.
  if (node && !inputs.some((input) => input.gradFn === node)) node.rename(name);
  return output;
}

/** A broadcast gradient summed back to `shape`: over the leading dims broadcasting added and where `shape` has 1. */
export function sumToShape(grad: Tensor, shape: Shape): Tensor {
  const lead = grad.ndim - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < grad.ndim; d++) if (d < lead || (shape[d - lead] === 1 && grad.shape[d] !== 1)) dims.push(d);
  return dims.length === 0 ? grad : reshape(sum(grad, dims, true), shape);
}

// Elementwise ---------------------------------------------------------------------------------

/** The standard normal density and distribution at x, for GELU's derivative Φ(x) + x·φ(x). */
function geluDerivative(x: Tensor, out: Tensor): Tensor {
  const density = mul(exp(mul(mul(x, x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
  // gelu(x) = x·Φ(x), so Φ(x) = gelu(x) / x except at x = 0 (Φ(0) = 1/2). One min |x| tells whether any x is
  // 0: the comparison mask, which the native backend computes in host loops, is made only then.
  const quotient = div(out, x);
  const hasZero = (amin(abs(x)).item() as number) === 0;
  const distribution = hasZero ? where(eq(x, 0), 0.5, quotient) : quotient;
  return add(distribution, mul(x, density));
}

type UnaryDerivative = (grad: Tensor, x: Tensor, out: Tensor) => Tensor;

/** d out / d x times the output's gradient, per unary primitive; rounding ops have zero gradient, as in torch. */
const unaryDerivatives: Record<Exclude<UnaryOp, 'logicalNot'>, UnaryDerivative> = {
  neg: (g) => neg(g),
  exp: (g, _x, out) => mul(g, out),
  log: (g, x) => div(g, x),
  sqrt: (g, _x, out) => div(g, mul(out, 2)),
  tanh: (g, _x, out) => mul(g, sub(1, mul(out, out))),
  sigmoid: (g, _x, out) => mul(g, mul(out, sub(1, out))),
  relu: (g, _x, out) => {
    const { backend } = out;
    const fused = backend.reluBackward && out.dtype === 'float32' && g.dtype === 'float32' && out.numel() > 0;
    return fused
      ? new Tensor(backend, backend.reluBackward!(g.toView(), out.toView()), out.shape, 'float32')
      : where(gt(out, 0), g, 0);
  },
  gelu: (g, x, out) => mul(g, geluDerivative(x, out)),
  abs: (g, x) => mul(g, sign(x)),
  sin: (g, x) => mul(g, cos(x)),
  cos: (g, x) => neg(mul(g, sin(x))),
  tan: (g, _x, out) => mul(g, add(mul(out, out), 1)),
  asin: (g, x) => div(g, sqrt(sub(1, mul(x, x)))),
  acos: (g, x) => neg(div(g, sqrt(sub(1, mul(x, x))))),
  atan: (g, x) => div(g, add(mul(x, x), 1)),
  sinh: (g, x) => mul(g, cosh(x)),
  cosh: (g, x) => mul(g, sinh(x)),
  expm1: (g, _x, out) => mul(g, add(out, 1)),
  log1p: (g, x) => div(g, add(x, 1)),
  floor: (g) => zerosLike(g),
  ceil: (g) => zerosLike(g),
  round: (g) => zerosLike(g),
  trunc: (g) => zerosLike(g),
};

/** Unary nodes whose formula needs no saved value (freeing the graph leaves them usable, as in torch). */
const unarySavesNothing = new Set<UnaryOp>(['neg', 'floor', 'ceil', 'round', 'trunc']);

/** PyTorch's node name of an op: 'mul' → 'MulBackward0', 'log1p' → 'Log1PBackward0'. */
function nodeName(op: string, overload = 0): string {
  const name = op.replace(/\d[a-z]/g, (text) => text.toUpperCase());
  return `${name[0].toUpperCase()}${name.slice(1)}Backward${overload}`;
}

/** Records a composite op whose gradient is zero everywhere, as torch defines it (sign: SignBackward0). */
export function recordZeroGradient(name: string, x: Tensor, out: Tensor): Tensor {
  return record(out, name, [x], (g) => [zerosLike(g)], false);
}

/** Records a unary primitive's result; logicalNot gives bool, which never requires grad. */
export function recordUnary(op: UnaryOp, x: Tensor, out: Tensor): Tensor {
  if (op === 'logicalNot') return out;
  const derivative = unaryDerivatives[op];
  return record(out, nodeName(op), [x], (g) => [derivative(g, x, out)], !unarySavesNothing.has(op));
}

/** Whether x and y need a gradient, read when the op ran: a formula computes only those (the others are null). */
type Needs = readonly [boolean, boolean];

type BinaryDerivative = (
  grad: Tensor,
  x: Tensor,
  y: Tensor,
  out: Tensor,
  needs: Needs,
) => [Tensor | null, Tensor | null];

/** The gradient split between two equal operands (maximum/minimum ties), masked where the other one wins. */
function splitTies(g: Tensor, x: Tensor, y: Tensor, xLoses: Tensor, yLoses: Tensor): [Tensor, Tensor] {
  const shared = where(eq(x, y), div(g, 2), g);
  return [where(xLoses, 0, shared), where(yLoses, 0, shared)];
}

/** Both inputs' gradients of the differentiable binary primitives (x and y already broadcast to out's shape). */
const binaryDerivatives: Partial<Record<BinaryOp, BinaryDerivative>> = {
  add: (g) => [g, g],
  sub: (g, _x, _y, _out, [, dy]) => [g, dy ? neg(g) : null],
  mul: (g, x, y, _out, [dx, dy]) => [dx ? mul(g, y) : null, dy ? mul(g, x) : null],
  div: (g, x, y, _out, [dx, dy]) => [dx ? div(g, y) : null, dy ? neg(div(mul(g, x), mul(y, y))) : null],
  pow: (g, x, y, out, [dx, dy]) => [
    dx ? where(eq(y, 0), 0, mul(g, mul(y, pow(x, sub(y, 1))))) : null,
    dy ? where(logicalAnd(eq(x, 0), ge(y, 0)), 0, mul(g, mul(out, log(x)))) : null,
  ],
  atan2: (g, x, y, _out, [dx, dy]) => {
    const radius = add(mul(x, x), mul(y, y)); // atan2(x, y) is the angle of the point (y, x)
    return [dx ? div(mul(g, y), radius) : null, dy ? neg(div(mul(g, x), radius)) : null];
  },
  fmod: (g, x, y, _out, [, dy]) => [g, dy ? neg(mul(g, trunc(div(x, y)))) : null],
  maximum: (g, x, y) => splitTies(g, x, y, lt(x, y), gt(x, y)),
  minimum: (g, x, y) => splitTies(g, x, y, gt(x, y), lt(x, y)),
};

/** Records a binary primitive's result; comparisons and logical ops give bool and record nothing. */
export function recordBinary(op: BinaryOp, x: Tensor, y: Tensor, out: Tensor): Tensor {
  const derivative = binaryDerivatives[op];
  if (derivative === undefined) {
    if (out.dtype !== 'float32') return out; // comparisons, logical and bitwise ops: no gradient, as in torch
    throw new Error(
      `${op}: the gradient of ${op} is not implemented; wrap the call in noGrad(...) or detach() its inputs`,
    );
  }
  const name = nodeName(op, (op === 'pow' && y.requiresGrad) || op === 'fmod' ? 1 : 0);
  const needs: Needs = [x.requiresGrad, y.requiresGrad];
  return record(out, name, [x, y], (g) => derivative(g, x, y, out, needs), op !== 'add' && op !== 'sub');
}

/** Records torch.where: the gradient goes to `x` where the condition holds, to `y` elsewhere. */
export function recordWhere(condition: Tensor, x: Tensor, y: Tensor, out: Tensor): Tensor {
  return record(
    out,
    'WhereBackward0',
    [null, x, y],
    (g) => [null, x.requiresGrad ? where(condition, g, 0) : null, y.requiresGrad ? where(condition, 0, g) : null],
    true,
  );
}

/** A clamp bound's gradient mask, or null when the bound is a number or needs no gradient. */
function boundGradient(bound: TensorLike | undefined, g: Tensor, mask: () => Tensor): Tensor | null {
  return bound instanceof Tensor && bound.requiresGrad ? sumToShape(where(mask(), g, 0), bound.shape) : null;
}

/**
 * Records clamp as torch 1.13 defines its gradient: the input gets it where min <= x <= max (bounds
 * included), a tensor min where x < min (and min < max), a tensor max where x > max (or max < min).
 */
export function recordClamp(a: Tensor, min: TensorLike | undefined, max: TensorLike | undefined, out: Tensor): Tensor {
  const tensorBounds = min instanceof Tensor || max instanceof Tensor;
  return record(
    out,
    tensorBounds ? 'ClampBackward0' : 'ClampBackward1',
    [a, min instanceof Tensor ? min : null, max instanceof Tensor ? max : null],
    (g) => {
      const lower = min === undefined ? null : ge(a, min);
      const upper = max === undefined ? null : le(a, max);
      const inside = lower && upper ? logicalAnd(lower, upper) : (lower ?? upper)!;
      return [
        a.requiresGrad ? sumToShape(where(inside, g, 0), a.shape) : null,
        boundGradient(min, g, () => (max === undefined ? lt(a, min!) : logicalAnd(lt(a, min!), lt(min!, max)))),
        boundGradient(max, g, () => (min === undefined ? gt(a, max!) : logicalOr(gt(a, max!), lt(max!, min)))),
      ];
    },
    true,
  );
}

// Reductions, softmax, matmul -------------------------------------------------------------------

/**
 * Records a reduction of the last dim of `rows` (kept..., reduced) whose result is `result` (kept dims,
 * with or without the size-1 dim). sum spreads the gradient; amax/amin split it evenly among ties.
 */
export function recordReduce(op: ReduceOp, name: string, rows: Tensor, result: Tensor, everyDim: boolean): Tensor {
  if (op === 'argmax' || op === 'argmin') return result;
  const column = [...rows.shape.slice(0, -1), 1]; // (kept..., 1)
  if (op === 'sum') {
    const label = everyDim ? 'SumBackward0' : 'SumBackward1';
    return record(result, label, [rows], (g) => [expand(reshape(g, column), rows.shape)], false);
  }
  return record(
    result,
    nodeName(name),
    [rows],
    (g) => {
      const chosen = eq(rows, reshape(result, column)); // (kept..., reduced)
      const ties = sum(where(chosen, 1, 0), -1, true); // (kept..., 1)
      return [where(chosen, div(reshape(g, column), ties), 0)];
    },
    true,
  );
}

/**
 * Records max/min along a dim ({values, indices}): as in torch, the gradient goes to the index the op
 * returned, not split among ties.
 */
export function recordIndexSelection(
  name: string,
  input: Tensor,
  values: Tensor,
  indices: Tensor,
  dim: number,
  keepdim: boolean,
): Tensor {
  return record(
    values,
    name,
    [input],
    (g) => {
      const positionsShape = input.shape.map((size, d) => (d === dim ? size : 1)); // (1.., size, 1..)
      const positions = fromValues(
        Int32Array.from({ length: input.shape[dim] }, (_, i) => i),
        positionsShape,
        'int32',
        input.backend,
      );
      const chosen = eq(positions, keepdim ? indices : unsqueeze(indices, dim)); // input's shape
      return [where(chosen, keepdim ? g : unsqueeze(g, dim), 0)];
    },
    true,
  );
}

/**
 * Records softmax along `dim` as one node: x's gradient is out·(g - Σ g·out), by the backend's fused
 * kernel along the last dim where it has one.
 */
export function recordSoftmax(x: Tensor, out: Tensor, dim: number): Tensor {
  const along = out.ndim === 0 ? undefined : dim;
  const { backend } = out;
  const fused = backend.softmaxBackward && out.ndim > 0 && dim === out.ndim - 1 && out.numel() > 0;
  return record(
    out,
    'SoftmaxBackward0',
    [x],
    (g) => [
      fused
        ? new Tensor(backend, backend.softmaxBackward!(g.toView(), out.toView()), out.shape, 'float32')
        : mul(out, sub(g, sum(mul(g, out), along, true))),
    ],
    true,
  );
}

/**
 * F.layer_norm over the last dim through the backend's fused kernels (forward, and backward as one node
 * named NativeLayerNormBackward0 as in torch), or undefined where the backend has none or the call is
 * not theirs (not float32, weight or bias not of n elements, another backend): the composed op runs then.
 */
export function fusedLayerNorm(
  input: Tensor,
  n: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): Tensor | undefined {
  const { backend } = input;
  const fits = (t: Tensor | null) => t === null || (t.dtype === 'float32' && t.numel() === n && t.backend === backend);
  if (!backend.layerNorm || !backend.layerNormBackward || input.dtype !== 'float32' || input.numel() === 0) return;
  if (!fits(weight) || !fits(bias)) return;
  const affine = (t: Tensor | null) => t && t.toView();
  const { out, mean, rstd } = backend.layerNorm(input.toView(), affine(weight), affine(bias), eps);
  const result = new Tensor(backend, out, input.shape, 'float32');
  const inputs = [input, weight, bias];
  if (!inputs.some((t) => t !== null && tracksGrad(t))) return result;
  const rowShape = input.shape.slice(0, -1); // (rows...)
  const rowView = (storage: Storage) => ({ storage, shape: rowShape, strides: contiguousStrides(rowShape), offset: 0 });
  return record(
    result,
    'NativeLayerNormBackward0',
    inputs,
    (g) => {
      const wanted = { weight: weight?.requiresGrad ?? false, bias: bias?.requiresGrad ?? false };
      const grads = backend.layerNormBackward!(
        g.toView(),
        input.toView(),
        rowView(mean),
        rowView(rstd),
        affine(weight),
        wanted,
      );
      const asTensor = (storage: Storage | null, like: Tensor | null) =>
        storage && like && new Tensor(backend, storage, like.shape, 'float32');
      return [
        input.requiresGrad ? asTensor(grads.input, input) : null,
        asTensor(grads.weight, weight),
        asTensor(grads.bias, bias),
      ];
    },
    true,
  );
}

/** Records logSoftmax along `dim` as one node: x's gradient is g - exp(out)·Σ g. */
export function recordLogSoftmax(x: Tensor, out: Tensor, dim: number): Tensor {
  const along = out.ndim === 0 ? undefined : dim;
  return record(out, 'LogSoftmaxBackward0', [x], (g) => [sub(g, mul(exp(out), sum(g, along, true)))], true);
}

/** Records logsumexp over `dims` as one node: x's gradient is g·exp(x - result). */
export function recordLogsumexp(x: Tensor, result: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  const keptShape = x.shape.map((size, d) => (dims.includes(d) ? 1 : size)); // reduced dims as 1
  return record(
    result,
    'LogsumexpBackward0',
    [x],
    (g) => {
      const [gradient, value] = keepdim ? [g, result] : [reshape(g, keptShape), reshape(result, keptShape)];
      return [mul(gradient, exp(sub(x, value)))];
    },
    true,
  );
}

/** Records a (batched) matrix product a (.., M, K) @ b (.., K, N), broadcast batch dims summed back. */
export function recordMatmul(a: Tensor, b: Tensor, out: Tensor, batched: boolean): Tensor {
  return record(
    out,
    batched ? 'BmmBackward0' : 'MmBackward0',
    [a, b],
    (g) => [
      a.requiresGrad ? sumToShape(matmul(g, transpose(b, -1, -2)), a.shape) : null,
      b.requiresGrad ? sumToShape(matmul(transpose(a, -1, -2), g), b.shape) : null,
    ],
    true,
  );
}

/**
 * Records addmm (bias (N) + a (M, K) @ b (K, N)): bias's gradient is g summed over rows; b's is computed
 * as (gᵀ a)ᵀ, so that when b is a weight's transpose (F.linear) the weight's gradient comes out contiguous.
 */
export function recordAddmm(bias: Tensor, a: Tensor, b: Tensor, out: Tensor): Tensor {
  return record(
    out,
    'AddmmBackward0',
    [bias, a, b],
    (g) => [
      bias.requiresGrad ? sum(g, [0]) : null,
      a.requiresGrad ? matmul(g, transpose(b, 0, 1)) : null,
      b.requiresGrad ? transpose(matmul(transpose(g, 0, 1), a), 0, 1) : null,
    ],
    true,
  );
}

// Copies and movement -------------------------------------------------------------------------

/** Records a copy (clone, contiguous): the gradient passes through. */
export function recordClone(input: Tensor, out: Tensor): Tensor {
  return record(out, 'CloneBackward0', [input], (g) => [g], false);
}

/** Records a copy onto another backend: the gradient goes back to the input's backend. */
export function recordBackendCopy(input: Tensor, out: Tensor): Tensor {
  return record(out, 'ToCopyBackward0', [input], (g) => [toBackend(g, input.backend.name)], false);
}

/** Records cat along `dim`: each part gets its slice of the gradient. */
export function recordConcat(parts: readonly Tensor[], out: Tensor, dim: number): Tensor {
  return record(
    out,
    'CatBackward0',
    parts,
    (g) => {
      let at = 0;
      return parts.map((part) => {
        const piece = narrow(g, dim, at, part.shape[dim]);
        at += part.shape[dim];
        return part.requiresGrad ? piece : null;
      });
    },
    false,
  );
}

/** Records a view whose backward is given (the inverse layout: reshape back, permute back, sum expanded dims). */
export function recordView(
  input: Tensor,
  view: Tensor,
  name: string,
  backward: (grad: Tensor) => Tensor | SliceGradient,
): Tensor {
  return record(view, name, [input], (g) => [backward(g)], false);
}

/** Records a view in another shape (view, reshape, squeeze, unsqueeze): the gradient is reshaped back. */
export function recordReshape(input: Tensor, view: Tensor, name: string): Tensor {
  return recordView(input, view, name, (g) => reshape(g, input.shape));
}

/** Zeros of `shape` on `like`'s backend, as a broadcast view of one scalar (no storage of that size). */
function zerosOf(shape: Shape, like: Tensor): Tensor {
  return expand(scalarLike(0, like, 'float32'), shape);
}

/** Zeros of `shape` but `length` long along `dim`: a stretch a slice's gradient does not cover. */
function zerosAlong(shape: Shape, dim: number, length: number, like: Tensor): Tensor {
  return zerosOf(
    shape.map((size, d) => (d === dim ? length : size)),
    like,
  );
}

/**
 * The gradient of `input[..., from:from+n·step:step, ...]` along `dim`: the slice's gradient placed at
 * its positions, zeros elsewhere, built with concat so that it runs on every backend.
 */
export function sliceBackward(grad: Tensor, shape: Shape, dim: number, from: number, step: number): Tensor {
  const count = grad.shape[dim];
  let spread = grad;
  if (step > 1 && count > 0) {
    const gapShape = [...grad.shape];
    gapShape.splice(dim + 1, 0, step - 1); // (.., n, step-1, ..)
    const interleaved = cat([unsqueeze(grad, dim + 1), zerosOf(gapShape, grad)], dim + 1); // (.., n, step, ..)
    const merged = grad.shape.map((size, d) => (d === dim ? size * step : size)); // (.., n·step, ..)
    spread = narrow(reshape(interleaved, merged), dim, 0, (count - 1) * step + 1);
  }
  const after = shape[dim] - from - spread.shape[dim];
  const parts = [zerosAlong(shape, dim, from, grad), spread, zerosAlong(shape, dim, after, grad)].filter(
    (part) => part.shape[dim] > 0,
  );
  return parts.length === 0 ? zerosOf(shape, grad) : parts.length === 1 ? parts[0] : cat(parts, dim);
}

/**
 * The sum of the slice gradients that met at one node (slices of one tensor): pieces of the same slice are
 * added, and slices that do not overlap are joined by one cat with zeros in the gaps; slices along
 * different dims or overlapping ones are placed (sliceBackward) and added.
 */
export function joinSliceGradients(slices: readonly SliceGradient[]): Tensor {
  const { shape, dim } = slices[0];
  const placed = () =>
    slices.map((s) => sliceBackward(s.piece, s.shape, s.dim, s.from, 1)).reduce((total, t) => add(total, t));
  if (slices.some((s) => s.dim !== dim)) return placed();
  const bySlice = new Map<string, { from: number; piece: Tensor }>();
  for (const { from, piece } of slices) {
    const key = `${from}:${piece.shape[dim]}`;
    const same = bySlice.get(key);
    bySlice.set(key, { from, piece: same ? add(same.piece, piece) : piece });
  }
  const ordered = [...bySlice.values()].sort((a, b) => a.from - b.from);
  const parts: Tensor[] = [];
  let at = 0;
  for (const { from, piece } of ordered) {
    if (from < at) return placed();
    if (from > at) parts.push(zerosAlong(shape, dim, from - at, piece)); // the gap
    parts.push(piece);
    at = from + piece.shape[dim];
  }
  if (at < shape[dim]) parts.push(zerosAlong(shape, dim, shape[dim] - at, parts[0]));
  return parts.length === 1 ? parts[0] : cat(parts, dim);
}

/** Calls `visit(storage position, element index)` for each element of a strided layout, in row-major order. */
function forEachPosition(
  shape: Shape,
  strides: readonly number[],
  offset: number,
  visit: (position: number, index: number) => void,
): void {
  const count = sizeOf(shape);
  const index = new Array<number>(shape.length).fill(0);
  let position = offset;
  for (let i = 0; i < count; i++) {
    visit(position, i);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) {
        position += strides[d];
        break;
      }
      position -= strides[d] * (shape[d] - 1);
      index[d] = 0;
    }
  }
}

/**
 * Records any strided view of `input` (what `withLayout` makes): its gradient is scattered back through
 * the storage positions both share, on the host. The movement ops replace this node by their own
 * inverse-layout one; it remains for views without one (einsum's diagonals).
 */
export function recordStridedView(input: Tensor, view: Tensor): Tensor {
  const [shape, strides, offset] = [input.shape, input.strides, input.offset];
  return recordView(input, view, 'AsStridedBackward0', (g) => {
    const indexAt = new Map<number, number>();
    // Elements of an expanded input that share a position share a source too: the first one stands for all.
    forEachPosition(shape, strides, offset, (position, i) => {
      if (!indexAt.has(position)) indexAt.set(position, i);
    });
    const values = g.dataSync();
    const gradient = new Float32Array(sizeOf(shape));
    forEachPosition(view.shape, view.strides, view.offset, (position, i) => {
      gradient[indexAt.get(position)!] += values[i];
    });
    return fromValues(gradient, shape, 'float32', g.backend);
  });
}
