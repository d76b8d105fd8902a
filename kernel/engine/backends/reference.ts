/**
 * The reference backend: plain TypeScript loops over strided views, no tricks. It is the living
 * definition of every primitive; each other backend is tested against it.
 */
import type { Backend, BinaryOp, ReduceOp, Storage, UnaryOp, View } from '../backend';
import { allocate, castArray, type DType, type TypedArray } from '../dtype';
import { sizeOf } from '../shape';

/** A typed array of the storage's dtype; the native backend keeps its values the same way. */
export class ReferenceStorage implements Storage {
  constructor(readonly values: TypedArray) {}
  get length(): number {
    return this.values.length;
  }
}

export function valuesOf(storage: Storage): TypedArray {
  return (storage as ReferenceStorage).values;
}

/** Calls `visit(i, at)` for every element of the view in row-major order: i counts, `at` is its storage index. */
function forEachElement(view: View, visit: (i: number, at: number) => void): void {
  const { shape, strides } = view;
  const ndim = shape.length;
  const total = sizeOf(shape);
  const index = new Array<number>(ndim).fill(0);
  let at = view.offset;
  for (let i = 0; i < total; i++) {
    visit(i, at);
    for (let d = ndim - 1; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < shape[d]) break;
      at -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/** Writes `values` (row-major) into the view's storage at its strided positions, a row at a time. */
export function scatter(values: Float64Array, view: View): void {
  const destination = valuesOf(view.storage);
  const { shape, strides } = view;
  const last = shape.length - 1;
  const length = last < 0 ? 1 : shape[last];
  const step = last < 0 ? 0 : strides[last];
  const index = new Array<number>(Math.max(last, 0)).fill(0);
  let at = view.offset;
  for (let start = 0; start < values.length; start += length) {
    for (let j = 0; j < length; j++) destination[at + j * step] = values[start + j];
    for (let d = last - 1; d >= 0; d--) {
      index[d]++;
      at += strides[d];
      if (index[d] < shape[d]) break;
      at -= strides[d] * shape[d];
      index[d] = 0;
    }
  }
}

/** The view's values in row-major order. */
export function gather(view: View): Float64Array {
  const source = valuesOf(view.storage);
  const out = new Float64Array(sizeOf(view.shape));
  forEachElement(view, (i, at) => (out[i] = source[at]));
  return out;
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), used by the exact (erf) form of GELU. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-ax * ax));
}

/** torch.round: halves go to the even neighbour (0.5 -> 0, 1.5 -> 2, -2.5 -> -2). */
function roundHalfToEven(x: number): number {
  const nearest = Math.round(x);
  return nearest - x === 0.5 && nearest % 2 !== 0 ? nearest - 1 : nearest;
}

const unaryFunctions: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => (x > 0 ? x : 0),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  abs: Math.abs,
  logicalNot: (x) => (x === 0 ? 1 : 0),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  expm1: Math.expm1,
  log1p: Math.log1p,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfToEven,
  trunc: Math.trunc,
};

const binaryFunctions: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  logicalAnd: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logicalOr: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  // C's fmod: the remainder of truncated division, with the dividend's sign (JS's % is exactly that).
  fmod: (a, b) => a % b,
  atan2: Math.atan2,
  // Integer and bool operands only (the op checks): JS's bitwise operators work on their int32 values.
  bitwiseAnd: (a, b) => a & b,
  bitwiseOr: (a, b) => a | b,
  bitwiseXor: (a, b) => a ^ b,
};

/** Folds one row; max/min propagate NaN as torch does, argmax/argmin return the first extreme index. */
function reduceRow(op: ReduceOp, row: Float64Array, start: number, length: number): number {
  if (op === 'sum') {
    let s = 0;
    for (let j = 0; j < length; j++) s += row[start + j];
    return s;
  }
  const wantsMax = op === 'max' || op === 'argmax';
  let best = row[start];
  let bestIndex = 0;
  for (let j = 1; j < length && !Number.isNaN(best); j++) {
    const x = row[start + j];
    if (Number.isNaN(x) || (wantsMax ? x > best : x < best)) {
      best = x;
      bestIndex = j;
    }
  }
  return op === 'argmax' || op === 'argmin' ? bestIndex : best;
}

export function createReferenceBackend(): Backend {
  const store = (values: ArrayLike<number>, dtype: DType) => new ReferenceStorage(castArray(values, dtype));
  return {
    name: 'reference',
    upload: (values, dtype) => store(values, dtype),
    read: (storage, dtype) => castArray(valuesOf(storage), dtype),
    copy: (a, dtype) => store(gather(a), dtype),
    assign(target, values) {
      scatter(gather(values), target);
    },
    unary(op, a, dtype) {
      const f = unaryFunctions[op];
      return store(gather(a).map(f), dtype);
    },
    binary(op, a, b, dtype) {
      const f = binaryFunctions[op];
      const x = gather(a);
      const y = gather(b);
      return store(
        x.map((xi, i) => f(xi, y[i])),
        dtype,
      );
    },
    where(condition, a, b, dtype) {
      const c = gather(condition);
      const x = gather(a);
      const y = gather(b);
      return store(
        c.map((ci, i) => (ci !== 0 ? x[i] : y[i])),
        dtype,
      );
    },
    reduce(op, a, dtype) {
      const length = a.shape[a.shape.length - 1];
      const rows = sizeOf(a.shape) / Math.max(length, 1);
      const values = gather(a);
      const out = new Float64Array(length === 0 ? sizeOf(a.shape.slice(0, -1)) : rows);
      for (let r = 0; r < out.length; r++) out[r] = length === 0 ? 0 : reduceRow(op, values, r * length, length);
      return store(out, dtype);
    },
    concat(parts, dim, dtype) {
      const outer = sizeOf(parts[0].shape.slice(0, dim));
      const inner = sizeOf(parts[0].shape.slice(dim + 1));
      const total = parts.reduce((n, p) => n + p.shape[dim], 0);
      const out = new Float64Array(outer * total * inner); // (outer, total, inner)
      let start = 0;
      for (const part of parts) {
        const values = gather(part); // (outer, size, inner)
        const size = part.shape[dim];
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < size * inner; j++) out[(o * total + start) * inner + j] = values[o * size * inner + j];
        }
        start += size;
      }
      return store(out, dtype);
    },
    matmul(a, b) {
      const [batch, m, k] = a.shape;
      const n = b.shape[2];
      const x = gather(a); // (B, M, K)
      const y = gather(b); // (B, K, N)
      const out = allocate('float32', batch * m * n); // (B, M, N)
      for (let p = 0; p < batch; p++) {
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let t = 0; t < k; t++) s += x[(p * m + i) * k + t] * y[(p * k + t) * n + j];
            out[(p * m + i) * n + j] = s;
          }
        }
      }
      return new ReferenceStorage(out);
    },
  };
}

/** A view's values as rows of its last dim: the values row-major, the row length, the row count. */
function rowsOf(view: View): { values: Float64Array; n: number; rows: number } {
  const n = view.shape[view.shape.length - 1] ?? 1;
  return { values: gather(view), n, rows: sizeOf(view.shape) / Math.max(n, 1) };
}

const float32Storage = (values: ArrayLike<number>) => new ReferenceStorage(castArray(values, 'float32'));

/**
 * The fused training primitives written plainly (backend.ts: softmaxBackward, layerNorm,
 * layerNormBackward, adamStep): the oracle the native kernels are tested against. The reference backend itself
 * does not take them, so its softmax and layerNorm stay composed from the primitives, whose backward
 * the gradient fixtures check against PyTorch.
 */
export const referenceFusedKernels: Required<
  Pick<Backend, 'softmaxBackward' | 'layerNorm' | 'layerNormBackward' | 'adamStep'>
> = {
  softmaxBackward(grad, out) {
    const { values: g, n, rows } = rowsOf(grad);
    const y = gather(out);
    const dx = new Float64Array(g.length);
    for (let r = 0; r < rows; r++) {
      let shift = 0;
      for (let i = r * n; i < (r + 1) * n; i++) shift += g[i] * y[i];
      for (let i = r * n; i < (r + 1) * n; i++) dx[i] = y[i] * (g[i] - shift);
    }
    return float32Storage(dx);
  },
  layerNorm(x, weight, bias, eps) {
    const { values, n, rows } = rowsOf(x);
    const [w, b] = [weight && gather(weight), bias && gather(bias)];
    const [out, mean, rstd] = [new Float64Array(values.length), new Float64Array(rows), new Float64Array(rows)];
    for (let r = 0; r < rows; r++) {
      let [total, squares] = [0, 0];
      for (let i = 0; i < n; i++) total += values[r * n + i];
      mean[r] = total / n;
      for (let i = 0; i < n; i++) squares += (values[r * n + i] - mean[r]) ** 2;
      rstd[r] = 1 / Math.sqrt(squares / n + eps);
      for (let i = 0; i < n; i++) {
        const normalized = (values[r * n + i] - mean[r]) * rstd[r];
        out[r * n + i] = normalized * (w ? w[i] : 1) + (b ? b[i] : 0);
      }
    }
    return { out: float32Storage(out), mean: float32Storage(mean), rstd: float32Storage(rstd) };
  },
  layerNormBackward(grad, x, meanView, rstdView, weight, wanted) {
    const { values: g, n, rows } = rowsOf(grad);
    const [values, mean, rstd, w] = [gather(x), gather(meanView), gather(rstdView), weight && gather(weight)];
    const [dx, dweight, dbias] = [new Float64Array(g.length), new Float64Array(n), new Float64Array(n)];
    for (let r = 0; r < rows; r++) {
      const xhat = (i: number) => (values[r * n + i] - mean[r]) * rstd[r];
      const gy = (i: number) => g[r * n + i] * (w ? w[i] : 1);
      let [sumGy, sumGyXhat] = [0, 0];
      for (let i = 0; i < n; i++) {
        sumGy += gy(i);
        sumGyXhat += gy(i) * xhat(i);
        dweight[i] += g[r * n + i] * xhat(i);
        dbias[i] += g[r * n + i];
      }
      for (let i = 0; i < n; i++) dx[r * n + i] = rstd[r] * (gy(i) - sumGy / n - (xhat(i) * sumGyXhat) / n);
    }
    return {
      input: float32Storage(dx),
      weight: wanted.weight ? float32Storage(dweight) : null,
      bias: wanted.bias ? float32Storage(dbias) : null,
    };
  },
  adamStep({ param, grad, expAvg, expAvgSq, maxExpAvgSq }, scalars) {
    const { beta1, beta2, eps, weightDecay, paramScale, stepSize, biasCorrection2Sqrt, maximize } = scalars;
    const f = Math.fround;
    const [p, g, m, v] = [gather(param), gather(grad), gather(expAvg), gather(expAvgSq)];
    const vMax = maxExpAvgSq && gather(maxExpAvgSq);
    for (let i = 0; i < p.length; i++) {
      // Each float32 rounding where torch's separate ops round: p *= scale; g += wd·p; m = β1·m + (1-β1)·g; ...
      p[i] = f(p[i] * f(paramScale));
      const gi =
        weightDecay === 0 ? (maximize ? -g[i] : g[i]) : f((maximize ? -g[i] : g[i]) + f(f(weightDecay) * p[i]));
      m[i] = f(f(m[i] * f(beta1)) + f(f(1 - beta1) * gi));
      v[i] = f(f(v[i] * f(beta2)) + f(f(gi * gi) * f(1 - beta2)));
      if (vMax) vMax[i] = Math.max(vMax[i], v[i]);
      const denominator = f(f(f(Math.sqrt(vMax ? vMax[i] : v[i])) / f(biasCorrection2Sqrt)) + f(eps));
      p[i] = f(p[i] + f(f(m[i] / denominator) * f(-stepSize)));
    }
    scatter(p, param);
    scatter(m, expAvg);
    scatter(v, expAvgSq);
    if (vMax && maxExpAvgSq) scatter(vMax, maxExpAvgSq);
  },
};
