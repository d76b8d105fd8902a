/** Shape bookkeeping: strides, broadcasting, dimension wrapping and the shape strings errors print. */

export type Shape = readonly number[];

/** The number of elements of a tensor of this shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  // An indexed loop: for-of over a Size (an array with extra keys) took the slow iterator path.
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * The shape without its last `drop` dims, as a plain array: `shape.slice(0, -drop)` with a loop
 * (slice with a negative end on a Size, an array with extra keys, took V8's slow path at twice the cost).
 */
export function leadingDims(shape: Shape, drop: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length - drop; i++) out.push(shape[i]);
  return out;
}

/** Row-major strides of a shape, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}

/** True when a view with these strides walks its storage in row-major order without gaps. */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== step) return false;
    step *= shape[i];
  }
  return true;
}

/** `[2, 5]`, as PyTorch prints a size list in error messages. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** `torch.Size([2, 5])`, as PyTorch prints a tensor's `.shape`. */
export function torchSize(shape: Shape): string {
  return `torch.Size(${formatShape(shape)})`;
}

/** `(2, 5)`, or `(5,)` for one dim: a shape as Python prints a tuple. */
export function formatTuple(shape: Shape): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** Accepts shapes the way PyTorch does: `f(2, 3)` or `f([2, 3])`. */
export function shapeFromArgs(args: readonly (number | readonly number[])[]): number[] {
  if (args.length === 1 && Array.isArray(args[0])) return [...(args[0] as readonly number[])];
  return (args as readonly number[]).map((d) => {
    if (typeof d !== 'number')
      throw new TypeError(`expected a shape as numbers or one array, got ${JSON.stringify(args)}`);
    return d;
  });
}

/** Throws PyTorch's message when a requested shape has a negative or fractional dim. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new Error(`${op}: Trying to create tensor with negative dimension ${d}: ${formatShape(shape)}`);
  }
}

/** Wraps a possibly negative dim into [0, ndim), with PyTorch's message when it is out of range. */
export function normalizeDim(op: string, dim: number, ndim: number): number {
  const rankForRange = Math.max(ndim, 1);
  if (!Number.isInteger(dim) || dim < -rankForRange || dim >= rankForRange) {
    throw new Error(
      `${op}: Dimension out of range (expected to be in range of [${-rankForRange}, ${rankForRange - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + rankForRange : dim;
}

/** NumPy/PyTorch broadcasting of two shapes, failing with torch's message. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const ndim = Math.max(a.length, b.length);
  const out = new Array<number>(ndim);
  for (let i = 0; i < ndim; i++) {
    const ia = a.length - ndim + i; // negative: a has no such leading dim
    const ib = b.length - ndim + i;
    const da = ia < 0 ? 1 : a[ia];
    const db = ib < 0 ? 1 : b[ib];
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Resolves one `-1` in a requested shape against a number of elements. */
export function inferShape(op: string, requested: Shape, numel: number): number[] {
  // One indexed loop (it runs on every view and reshape): the -1s, the product of the others, and
  // any invalid dim, then the errors in the order the checks were written.
  const shape: number[] = [];
  let unknown = -1;
  let unknowns = 0;
  let known = 1;
  let invalid = false;
  for (let i = 0; i < requested.length; i++) {
    const d = requested[i];
    shape.push(d);
    if (d === -1) {
      if (unknowns++ === 0) unknown = i;
    } else {
      known *= d;
      if (d < -1 || !Number.isInteger(d)) invalid = true;
    }
  }
  if (unknowns > 1) throw new Error(`${op}: only one dimension can be inferred`);
  if (invalid) throw new Error(`${op}: invalid shape dimension in ${formatShape(shape)}`);
  if (unknown >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new Error(`${op}: shape '${formatShape(requested)}' is invalid for input of size ${numel}`);
    }
    shape[unknown] = numel / known;
  }
  if (sizeOf(shape) !== numel)
    throw new Error(`${op}: shape '${formatShape(requested)}' is invalid for input of size ${numel}`);
  return shape;
}

/**
 * Strides that let a strided view be read as `newShape` without copying, or null when the
 * memory layout does not allow it (torch's computeStride: "view size is not compatible ...").
 */
export function viewStrides(oldShape: Shape, oldStrides: readonly number[], newShape: Shape): number[] | null {
  if (sizeOf(oldShape) === 0) return contiguousStrides(newShape);
  const newStrides = new Array<number>(newShape.length);
  let viewD = newShape.length - 1;
  let chunkBaseStride = oldStrides[oldStrides.length - 1] ?? 1;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let tensorD = oldShape.length - 1; tensorD >= 0; tensorD--) {
    tensorNumel *= oldShape[tensorD];
    if (tensorD === 0 || (oldShape[tensorD - 1] !== 1 && oldStrides[tensorD - 1] !== tensorNumel * chunkBaseStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        newStrides[viewD] = viewNumel * chunkBaseStride;
        viewNumel *= newShape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (tensorD > 0) {
        chunkBaseStride = oldStrides[tensorD - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return null;
  return newStrides;
}

/**
 * torch.Size: a tensor's shape as a plain array that also reads from the end (`shape[-1]` is the
 * last size, `shape[-2]` the one before) and prints as `torch.Size([2, 3])`. Everything else
 * (length, iteration, spread, JSON, `Array.isArray`, deep equality with `[2, 3]`) is an array's.
 * Read-only, as torch.Size is: tensors of the same shape share one.
 */
export type Size = readonly number[];

function sizeText(this: Size): string {
  return torchSize(this);
}

// Non-enumerable, so keys, JSON, structuredClone and deep equality see only the sizes.
const sizePrinting: PropertyDescriptorMap = {
  toString: { value: sizeText },
  [Symbol.for('nodejs.util.inspect.custom')]: { value: sizeText },
};

// Every Size of up to this many dims has the same keys, so V8 gives them all one object layout and
// the ops' reads of `shape` stay as fast as a plain array's (a layout per rank made them 3x slower).
const negativeIndexKeys = 8;

function newSize(shape: Shape): Size {
  const size = shape.slice();
  for (let fromEnd = 1; fromEnd <= Math.max(size.length, negativeIndexKeys); fromEnd++) {
    const value = fromEnd <= size.length ? size[size.length - fromEnd] : undefined;
    Object.defineProperty(size, -fromEnd, { value });
  }
  Object.defineProperties(size, sizePrinting);
  // Not frozen: V8 copies, spreads and maps frozen arrays on slow paths (tiny ops ran 25% slower).
  return size;
}

/** True for a Size made by `toSize` (its own toString is the Size's). */
function isSize(shape: Shape): boolean {
  return shape.toString === sizeText;
}

/**
 * Tensors of the same shape share one Size: building one costs about a microsecond (a forward pass
 * of nn.MultiheadAttention makes 73 tensors), a lookup in this tree (one level per dim) a few
 * nanoseconds per dim. Emptied when it holds `maxSharedSizes`, so the cache stays bounded.
 */
interface SizeNode {
  size?: Size;
  /** Children by dim for dims below `smallDim` (an array read is several times cheaper than a Map's get). */
  small?: (SizeNode | undefined)[];
  next?: Map<number, SizeNode>;
}
const smallDim = 64;
const maxSharedSizes = 10_000;
let sharedSizes: SizeNode = {};
let sharedSizeCount = 0;

function childNode(node: SizeNode, dim: number): SizeNode {
  if (dim >= 0 && dim < smallDim && Number.isInteger(dim)) {
    const small = (node.small ??= []);
    let child = small[dim];
    if (child === undefined) {
      child = {};
      small[dim] = child;
    }
    return child;
  }
  node.next ??= new Map();
  let child = node.next.get(dim);
  if (!child) {
    child = {};
    node.next.set(dim, child);
  }
  return child;
}

/** The Size for a shape (shared between equal shapes; the shape itself when it is one). */
export function toSize(shape: Shape): Size {
  if (isSize(shape)) return shape;
  if (sharedSizeCount >= maxSharedSizes) {
    sharedSizes = {};
    sharedSizeCount = 0;
  }
  let node = sharedSizes;
  for (let i = 0; i < shape.length; i++) node = childNode(node, shape[i]);
  if (!node.size) {
    node.size = newSize(shape);
    sharedSizeCount++;
  }
  return node.size;
}
