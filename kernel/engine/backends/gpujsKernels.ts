/**
 * Kernel sources for the gpu.js backends, generated per shape signature: shapes, strides and
 * offsets are baked in as literals, so each source string is also its kernel's cache key. The
 * formulas use only what gpu.js translates to every target (JS, WebAssembly, GLSL, WGSL).
 */
import type { BinaryOp, ReduceOp, UnaryOp, View } from '../backend';
import type { DType } from '../dtype';
import { sizeOf, type Shape } from '../shape';

/** A float literal gpu.js types as Float in every target. */
function float(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : `${n}`;
}

/**
 * Statements that set `<name>` to the storage index of element `flat` of `view`, where `flat`
 * counts the view's elements in row-major order. Division is (n + 0.5) / size so float targets
 * (GLSL) round exactly.
 */
export function stridedIndex(view: View, flat: string, name: string): string {
  const { shape, strides, offset } = view;
  const contiguousTail = strides.every((s, d) => shape[d] === 1 || s === sizeOf(shape.slice(d + 1)));
  if (contiguousTail) return `let ${name} = ${float(offset)} + ${flat};`;
  const lines = [`let ${name} = ${float(offset)};`, `let ${name}Rest = ${flat};`];
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    const q = `${name}Q${d}`;
    lines.push(`let ${q} = Math.floor((${name}Rest + 0.5) / ${float(shape[d])});`);
    if (strides[d] !== 0)
      lines.push(`${name} = ${name} + (${name}Rest - ${q} * ${float(shape[d])}) * ${float(strides[d])};`);
    lines.push(`${name}Rest = ${q};`);
  }
  return lines.join('\n');
}

/** Stores a value as `dtype` holds it: int32 truncates toward zero, bool is 0 or 1. */
function asDtype(expression: string, dtype: DType): string {
  if (dtype === 'int32') return `(${expression} < 0.0 ? Math.ceil(${expression}) : Math.floor(${expression}))`;
  if (dtype === 'bool') return `(${expression} != 0.0 ? 1.0 : 0.0)`;
  return expression;
}

function kernel(args: string[], body: string[], result: string, dtype: DType): string {
  return `function(${args.join(', ')}) {\nlet i = this.thread.x;\n${body.join('\n')}\nlet outValue = ${result};\nreturn ${asDtype('outValue', dtype)};\n}`;
}

const unaryFormulas: Record<UnaryOp, string[]> = {
  neg: ['let y = -x;'],
  exp: ['let y = Math.exp(x);'],
  log: ['let y = Math.log(x);'],
  sqrt: ['let y = Math.sqrt(x);'],
  tanh: ['let y = 1.0 - 2.0 / (Math.exp(2.0 * x) + 1.0);'],
  sigmoid: ['let y = 1.0 / (1.0 + Math.exp(-x));'],
  relu: ['let y = x > 0.0 ? x : 0.0;'],
  // The exact GELU with erf by Abramowitz & Stegun 7.1.26, the same formula as the reference backend.
  gelu: [
    'let z = Math.abs(x) / 1.4142135623730951;',
    'let t = 1.0 / (1.0 + 0.3275911 * z);',
    'let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));',
    'let e = 1.0 - poly * Math.exp(-z * z);',
    'let y = 0.5 * x * (1.0 + (x < 0.0 ? -e : e));',
  ],
  abs: ['let y = Math.abs(x);'],
  logicalNot: ['let y = x == 0.0 ? 1.0 : 0.0;'],
  sin: ['let y = Math.sin(x);'],
  cos: ['let y = Math.cos(x);'],
  tan: ['let y = Math.tan(x);'],
  // GLSL's asin is coarse on some drivers (Mesa: 3e-5): one Newton step on sin refines it, on an argument
  // kept in [-0.5, 0.5] by asin(x) = π/2 - 2·asin(√((1 - x)/2)), where cos stays away from 0.
  asin: [
    'let ax = Math.abs(x);',
    'let t = ax > 0.5 ? Math.sqrt((1.0 - ax) * 0.5) : ax;',
    'let s = Math.asin(t);',
    's = s - (Math.sin(s) - t) / Math.cos(s);',
    'let angle = ax > 0.5 ? 1.5707963267948966 - 2.0 * s : s;',
    'let y = x < 0.0 ? -angle : angle;',
  ],
  // acos by the same refined asin: π/2 - asin(x) in the middle, 2·asin(√((1 ∓ x)/2)) near ±1 (no cancellation).
  acos: [
    'let ax = Math.abs(x);',
    'let t = ax > 0.5 ? Math.sqrt((1.0 - ax) * 0.5) : x;',
    'let s = Math.asin(t);',
    's = s - (Math.sin(s) - t) / Math.cos(s);',
    'let y = ax <= 0.5 ? 1.5707963267948966 - s : x > 0.0 ? 2.0 * s : 3.141592653589793 - 2.0 * s;',
  ],
  atan: ['let y = Math.atan(x);'],
  sinh: ['let e = Math.exp(x);', 'let y = 0.5 * (e - 1.0 / e);'],
  cosh: ['let e = Math.exp(x);', 'let y = 0.5 * (e + 1.0 / e);'],
  // Near 0, exp(x) - 1 and log(1 + x) cancel; the Taylor terms keep float32's precision there.
  expm1: ['let y = Math.abs(x) < 1e-3 ? x + 0.5 * x * x + x * x * x / 6.0 : Math.exp(x) - 1.0;'],
  log1p: ['let y = Math.abs(x) < 1e-3 ? x - 0.5 * x * x + x * x * x / 3.0 : Math.log(1.0 + x);'],
  floor: ['let y = Math.floor(x);'],
  ceil: ['let y = Math.ceil(x);'],
  // torch.round: halves go to the even neighbour, as in the reference backend.
  round: ['let r = Math.floor(x + 0.5);', 'let y = r - x == 0.5 && Math.floor(r / 2.0) * 2.0 != r ? r - 1.0 : r;'],
  trunc: ['let y = x < 0.0 ? Math.ceil(x) : Math.floor(x);'],
};

const binaryFormulas: Record<BinaryOp, string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  // pow of a negative base is defined for integral exponents (sign from parity), NaN otherwise; a whole
  // base to a whole power is a whole number (GLSL's exp2(log2) gives 5^2 = 24.99998).
  pow: '(Math.floor(x) == x && Math.floor(y) == y && y >= 0.0 && Math.abs(p) < 16777216.0 ? Math.floor(p + 0.5) : p)',
  maximum: 'Math.max(x, y)',
  minimum: 'Math.min(x, y)',
  eq: '(x == y ? 1.0 : 0.0)',
  ne: '(x != y ? 1.0 : 0.0)',
  lt: '(x < y ? 1.0 : 0.0)',
  le: '(x <= y ? 1.0 : 0.0)',
  gt: '(x > y ? 1.0 : 0.0)',
  ge: '(x >= y ? 1.0 : 0.0)',
  logicalAnd: '(x != 0.0 && y != 0.0 ? 1.0 : 0.0)',
  logicalOr: '(x != 0.0 || y != 0.0 ? 1.0 : 0.0)',
  // x - y·trunc(x/y) with y·trunc(x/y) exact (Dekker's product), then one correction where the float
  // quotient rounded onto the next integer (the remainder then has the wrong sign); x itself for y = ±inf.
  fmod: '(Math.abs(y) > 3.4028234663852886e38 && Math.abs(x) <= 3.4028234663852886e38 ? x : r != 0.0 && (r < 0.0) != (x < 0.0) ? r + (x < 0.0 ? -Math.abs(y) : Math.abs(y)) : r)',
  // atan2 at two zeros by their signs (1/±0 = ±inf) and NaN for NaN, as C's atan2 (GLSL leaves both undefined).
  atan2:
    '(x != x || y != y ? x + y : x == 0.0 && y == 0.0 ? (1.0 / y < 0.0 ? (1.0 / x < 0.0 ? -3.141592653589793 : 3.141592653589793) : x) : Math.atan2(x, y))',
  bitwiseAnd: 'z',
  bitwiseOr: 'z',
  bitwiseXor: 'z',
};

/** Statements before a binary formula: fmod's first remainder, the bitwise ops' bit loop that sets z. */
const binaryPreludes: Partial<Record<BinaryOp, string[]>> = {
  pow: [
    'let p = x < 0.0 ? (Math.floor(y) == y ? (Math.floor(y / 2.0) * 2.0 == y ? 1.0 : -1.0) * Math.pow(-x, y) : Math.sqrt(-1.0)) : Math.pow(x, y);',
  ],
  fmod: [
    'let q = x / y;',
    'let t = q < 0.0 ? Math.ceil(q) : Math.floor(q);',
    'let cy = 4097.0 * y;',
    'let yh = cy - (cy - y);',
    'let yl = y - yh;',
    'let ct = 4097.0 * t;',
    'let th = ct - (ct - t);',
    'let tl = t - th;',
    'let hi = y * t;',
    'let lo = yh * th - hi + yh * tl + yl * th + yl * tl;',
    'let r = x - hi - lo;',
  ],
  bitwiseAnd: bitwiseLoop('pa * pb'),
  bitwiseOr: bitwiseLoop('pa + pb - pa * pb'),
  bitwiseXor: bitwiseLoop('pa + pb - 2.0 * pa * pb'),
};

/**
 * Sets z to a bitwise op of the int32 values x and y, by two's complement bit by bit in float arithmetic
 * (gpu.js targets have no integer bit operators): a negative value's bits are those of -v - 1, inverted;
 * `combine` maps two bits pa, pb (0.0 or 1.0) to the result's bit.
 */
function bitwiseLoop(combine: string): string[] {
  const bit = (p: string, q: string) => `(${combine.replaceAll('pa', p).replaceAll('pb', q)})`;
  return [
    'let na = x < 0.0 ? 1.0 : 0.0;',
    'let nb = y < 0.0 ? 1.0 : 0.0;',
    'let ua = x < 0.0 ? -x - 1.0 : x;',
    'let ub = y < 0.0 ? -y - 1.0 : y;',
    `let sign = ${bit('na', 'nb')};`,
    'let acc = 0.0;',
    'let place = 1.0;',
    'for (let k = 0; k < 31; k++) {',
    'let ba = Math.floor(ua / place) - Math.floor(ua / (2.0 * place)) * 2.0;',
    'let bb = Math.floor(ub / place) - Math.floor(ub / (2.0 * place)) * 2.0;',
    'let ca = na > 0.0 ? 1.0 - ba : ba;',
    'let cb = nb > 0.0 ? 1.0 - bb : bb;',
    `let c = ${bit('ca', 'cb')};`,
    'acc = acc + (sign > 0.0 ? 1.0 - c : c) * place;',
    'place = place * 2.0;',
    '}',
    'let z = sign > 0.0 ? -acc - 1.0 : acc;',
  ];
}

export function copySource(a: View, dtype: DType): string {
  return kernel(['a'], [stridedIndex(a, 'i', 'ia')], 'a[ia]', dtype);
}

export function unarySource(op: UnaryOp, a: View, dtype: DType): string {
  return kernel(['a'], [stridedIndex(a, 'i', 'ia'), 'let x = a[ia];', ...unaryFormulas[op]], 'y', dtype);
}

export function binarySource(op: BinaryOp, a: View, b: View, dtype: DType): string {
  const body = [stridedIndex(a, 'i', 'ia'), stridedIndex(b, 'i', 'ib'), 'let x = a[ia];', 'let y = b[ib];'];
  body.push(...(binaryPreludes[op] ?? []));
  return kernel(['a', 'b'], body, binaryFormulas[op], dtype);
}

export function whereSource(condition: View, a: View, b: View, dtype: DType): string {
  const body = [stridedIndex(condition, 'i', 'ic'), stridedIndex(a, 'i', 'ia'), stridedIndex(b, 'i', 'ib')];
  return kernel(['c', 'a', 'b'], body, '(c[ic] != 0.0 ? a[ia] : b[ib])', dtype);
}

/** Folds the last dim of `a`; thread i owns row i. max/min let NaN win, arg* keep the first extreme. */
export function reduceSource(op: ReduceOp, a: View, dtype: DType): string {
  const length = a.shape[a.shape.length - 1];
  const lastStride = a.strides[a.strides.length - 1];
  const rows: View = { ...a, shape: a.shape.slice(0, -1), strides: a.strides.slice(0, -1) };
  const body = [stridedIndex(rows, 'i', 'row')];
  if (op === 'sum') {
    body.push(
      'let acc = 0.0;',
      `for (let j = 0; j < ${length}; j++) {`,
      `acc = acc + a[row + j * ${float(lastStride)}];`,
      '}',
    );
    return kernel(['a'], body, 'acc', dtype);
  }
  const better = op === 'max' || op === 'argmax' ? '>' : '<';
  body.push(
    'let best = a[row];',
    'let bestIndex = 0.0;',
    `for (let j = 1; j < ${length}; j++) {`,
    `let v = a[row + j * ${float(lastStride)}];`,
    `if (best == best && (v ${better} best || v != v)) {`,
    'best = v;',
    'bestIndex = j;',
    '}',
    '}',
  );
  return kernel(['a'], body, op === 'argmax' || op === 'argmin' ? 'bestIndex' : 'best', dtype);
}

/** Thread i computes out[p, r, c] of (B, M, N) = Σ_t a[p, r, t] · b[p, t, c]. */
export function matmulSource(a: View, b: View): string {
  const [, m, k] = a.shape;
  const n = b.shape[2];
  const [sap, sar, sat] = a.strides.map(float);
  const [sbp, sbt, sbc] = b.strides.map(float);
  const body = [
    `let c = i - Math.floor((i + 0.5) / ${float(n)}) * ${float(n)};`,
    `let pr = Math.floor((i + 0.5) / ${float(n)});`,
    `let r = pr - Math.floor((pr + 0.5) / ${float(m)}) * ${float(m)};`,
    `let p = Math.floor((pr + 0.5) / ${float(m)});`,
    `let ia = ${float(a.offset)} + p * ${sap} + r * ${sar};`,
    `let ib = ${float(b.offset)} + p * ${sbp} + c * ${sbc};`,
    'let acc = 0.0;',
    `for (let t = 0; t < ${k}; t++) {`,
    `acc = acc + a[ia + t * ${sat}] * b[ib + t * ${sbt}];`,
    '}',
  ];
  return kernel(['a', 'b'], body, 'acc', 'float32');
}

/** Joins parts along `dim`: the coordinate along `dim` picks the part, the rest indexes into it. */
export function concatSource(parts: readonly View[], outShape: Shape, dim: number, dtype: DType): string {
  const inner = sizeOf(outShape.slice(dim + 1));
  const total = outShape[dim];
  const body = [
    `let outer = Math.floor((i + 0.5) / ${float(inner * total)});`,
    `let within = i - outer * ${float(inner * total)};`,
    `let along = Math.floor((within + 0.5) / ${float(inner)});`,
    `let rest = within - along * ${float(inner)};`,
    'let v = 0.0;',
  ];
  let start = 0;
  parts.forEach((part, k) => {
    const size = part.shape[dim];
    const flat = `(outer * ${float(size * inner)} + (along - ${float(start)}) * ${float(inner)} + rest)`;
    const keyword = k === 0 ? 'if' : '} else if';
    body.push(`${keyword} (along < ${float(start + size)}) {`, stridedIndex(part, flat, `i${k}`), `v = p${k}[i${k}];`);
    start += size;
  });
  body.push('}');
  return kernel(
    parts.map((_, k) => `p${k}`),
    body,
    'v',
    dtype,
  );
}
