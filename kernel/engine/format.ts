/**
 * PyTorch 1.13's tensor repr (torch/_tensor_str.py), ported rule for rule: the _Formatter's
 * int/fixed/scientific choice over nonzero finite values, edge-item summarisation, line wrapping
 * at linewidth, and Python's round-half-even number formatting.
 */
import { storageDtype, type DType, type TorchDType, type TypedArray } from './dtype';
import { formatTuple, sizeOf, type Shape } from './shape';

/** torch.set_printoptions' settings, as getPrintOptions() gives them. */
export interface PrintOptions {
  /** Digits after the decimal point (PyTorch: precision); default 4. */
  precision: number;
  /** Above this many elements the repr summarizes with ... (PyTorch: threshold); default 1000. */
  threshold: number;
  /** Items shown at each end of a summarized dim (PyTorch: edgeitems); default 3. */
  edgeitems: number;
  /** Characters per line before wrapping (PyTorch: linewidth); default 80. */
  linewidth: number;
  /** Scientific notation on or off; null chooses automatically, as torch's None (PyTorch: sci_mode). */
  sciMode: boolean | null;
}

const defaults: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null };
const profiles: Record<'default' | 'short' | 'full', Partial<PrintOptions>> = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
};

const printOptions: PrintOptions = { ...defaults };

/**
 * torch.set_printoptions: sets the options given; like torch, `sciMode` is always reset to what is
 * passed (automatic when omitted).
 */
export function setPrintOptions(
  options: Partial<Omit<PrintOptions, 'sciMode'>> & {
    /** Scientific notation on or off; omitted or null chooses automatically (PyTorch: sci_mode). */
    sciMode?: boolean | null;
    /** A preset applied first: 'default', 'short' (2 digits, 2 edge items) or 'full' (never summarized). */
    profile?: keyof typeof profiles;
  },
): void {
  if (options.profile) Object.assign(printOptions, profiles[options.profile]);
  for (const key of ['precision', 'threshold', 'edgeitems', 'linewidth'] as const) {
    const value = options[key];
    if (value !== undefined) printOptions[key] = value;
  }
  printOptions.sciMode = options.sciMode ?? null;
}

/** torch.get_printoptions: the repr settings in use (precision, threshold, edgeitems, linewidth, sciMode). */
export function getPrintOptions(): PrintOptions {
  return { ...printOptions };
}

function nonFinite(x: number): string | null {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return null;
}

/** JS rounds exact ties away from zero; Python rounds them to even. `rounded` is JS's, `digits` the exact expansion. */
function roundHalfEven(rounded: string, exact: string, keep: number): string {
  const rest = exact.slice(keep);
  if (!/^50*$/.test(rest)) return rounded;
  const truncated = exact.slice(0, keep);
  const lastDigit = Number(truncated.replace(/\.$/, '').slice(-1));
  return lastDigit % 2 === 0 ? truncated.replace(/\.$/, '') : rounded;
}

/** Python's `'{:.{p}f}'.format(x)`. */
export function formatFixed(x: number, precision: number): string {
  const special = nonFinite(x);
  if (special) return special;
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const ax = Math.abs(x);
  let body = ax.toFixed(precision);
  if (ax < 1e21) {
    const exact = ax.toFixed(100);
    body = roundHalfEven(body, exact, exact.indexOf('.') + 1 + precision);
  }
  return sign + body;
}

/** Python's `'{:.{p}e}'.format(x)`: the exponent has a sign and at least two digits. */
export function formatExponential(x: number, precision: number): string {
  const special = nonFinite(x);
  if (special) return special;
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const ax = Math.abs(x);
  let text = ax.toExponential(precision);
  const exact = ax.toExponential(100);
  const [exactMantissa, exactExponent] = exact.split('e');
  if (exactExponent === text.split('e')[1]) {
    const mantissa = roundHalfEven(text.split('e')[0], exactMantissa, precision === 0 ? 1 : 2 + precision);
    text = `${mantissa}e${exactExponent}`;
  }
  const [mantissa, exponent] = text.split('e');
  const expSign = exponent.startsWith('-') ? '-' : '+';
  const expDigits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${sign}${mantissa}e${expSign}${expDigits}`;
}

/** torch's _Formatter: one width and one style for every element of the (summarised) tensor. */
class ElementFormatter {
  private intMode = true;
  private sciMode = false;
  private maxWidth = 1;

  constructor(
    private readonly dtype: DType,
    values: ArrayLike<number>,
    private readonly options: PrintOptions,
  ) {
    const { precision } = options;
    if (dtype !== 'float32') {
      for (let i = 0; i < values.length; i++) this.maxWidth = Math.max(this.maxWidth, this.plain(values[i]).length);
      return;
    }
    const finite: number[] = [];
    for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]) && values[i] !== 0) finite.push(values[i]);
    if (finite.length > 0) {
      let min = Infinity;
      let max = 0;
      for (const v of finite) {
        min = Math.min(min, Math.abs(v));
        max = Math.max(max, Math.abs(v));
      }
      this.intMode = finite.every((v) => v === Math.ceil(v));
      const widest = (format: (v: number) => string, extra = 0) => {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, format(v).length + extra);
      };
      if (this.intMode) {
        if (max / min > 1000 || max > 1e8) {
          this.sciMode = true;
          widest((v) => formatExponential(v, precision));
        } else {
          widest((v) => formatFixed(v, 0), 1);
        }
      } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
        this.sciMode = true;
        widest((v) => formatExponential(v, precision));
      } else {
        widest((v) => formatFixed(v, precision));
      }
    }
    if (options.sciMode !== null) this.sciMode = options.sciMode;
  }

  private plain(value: number): string {
    if (this.dtype === 'bool') return value !== 0 ? 'True' : 'False';
    return String(value);
  }

  get width(): number {
    return this.maxWidth;
  }

  format(value: number): string {
    let text: string;
    if (this.dtype !== 'float32') {
      text = this.plain(value);
    } else if (this.sciMode) {
      text = formatExponential(value, this.options.precision);
    } else if (this.intMode) {
      text = formatFixed(value, 0) + (Number.isFinite(value) ? '.' : '');
    } else {
      text = formatFixed(value, this.options.precision);
    }
    return text.padStart(this.maxWidth, ' ');
  }
}

/**
 * The shape of the values a repr reads: the tensor's own, or, when it is summarised, each dim longer
 * than `2·edgeitems` cut to its first and last `edgeitems` (torch's get_summarized_data). A caller
 * that gathers only these corners makes printing cost what it shows, not what the tensor holds.
 */
export function summarizedShape(shape: Shape, options: PrintOptions = printOptions): number[] {
  const { threshold, edgeitems } = options;
  if (sizeOf(shape) <= threshold) return [...shape];
  return shape.map((size) => (size > 2 * edgeitems ? 2 * edgeitems : size));
}

/**
 * A block of the printed tensor: `shape` is what the repr describes; `held` the row-major layout of
 * `values`, either the whole tensor or only its summarised corners (see {@link summarizedShape}).
 */
interface Block {
  shape: Shape;
  held: Shape;
  values: ArrayLike<number>;
  offset: number;
}

/** Entry `i` of dim 0: a dim held as corners keeps its last entries right after its first ones. */
function child(block: Block, i: number): Block {
  const dropped = block.shape[0] - block.held[0];
  const at = i < block.held[0] / 2 || dropped === 0 ? i : i - dropped;
  const inner = block.held.slice(1);
  return { shape: block.shape.slice(1), held: inner, values: block.values, offset: block.offset + at * sizeOf(inner) };
}

/** The indices of dim 0 that are printed: all, or the first and last `edgeitems` when summarising. */
function shownIndices(size: number, summarize: boolean, edgeitems: number): number[] {
  if (!(summarize && size > 2 * edgeitems)) return [...Array(size).keys()];
  return [...Array(2 * edgeitems).keys()].map((i) => (i < edgeitems ? i : size - 2 * edgeitems + i));
}

/** torch's get_summarized_data, flattened: the values the formatter looks at. */
function summarizedValues(block: Block, summarize: boolean, edgeitems: number, out: number[]): void {
  if (block.shape.length === 0) {
    out.push(block.values[block.offset]);
    return;
  }
  for (const i of shownIndices(block.shape[0], summarize, edgeitems))
    summarizedValues(child(block, i), summarize, edgeitems, out);
}

/** Dim 0's entries rendered: all, or the first and last `edgeitems` around `ellipsis` when summarising. */
function shownEntries(
  size: number,
  summarize: boolean,
  edgeitems: number,
  ellipsis: string,
  render: (i: number) => string,
): string[] {
  const shown = shownIndices(size, summarize, edgeitems);
  return summarize && size > 2 * edgeitems
    ? [...shown.slice(0, edgeitems).map(render), ellipsis, ...shown.slice(edgeitems).map(render)]
    : shown.map(render);
}

/** A vector's elements, as many a line as fit in `linewidth` (torch's _vector_str). */
function vectorString(elements: string[], indent: number, width: number, linewidth: number): string {
  const elementsPerLine = Math.max(1, Math.floor((linewidth - indent) / (width + 2)));
  const lines: string[] = [];
  for (let i = 0; i < elements.length; i += elementsPerLine) {
    lines.push(elements.slice(i, i + elementsPerLine).join(', '));
  }
  return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`;
}

function blockString(
  block: Block,
  indent: number,
  summarize: boolean,
  formatter: ElementFormatter,
  options: PrintOptions,
): string {
  const dim = block.shape.length;
  if (dim === 0) return formatter.format(block.values[block.offset]);
  const size = block.shape[0];
  if (dim === 1) {
    const format = (i: number) => {
      const element = child(block, i);
      return formatter.format(element.values[element.offset]);
    };
    const elements = shownEntries(size, summarize, options.edgeitems, ' ...', format);
    return vectorString(elements, indent, formatter.width, options.linewidth);
  }
  const render = (i: number) => blockString(child(block, i), indent + 1, summarize, formatter, options);
  const slices = shownEntries(size, summarize, options.edgeitems, '...', render);
  return `[${slices.join(`,${'\n'.repeat(dim - 1)}${' '.repeat(indent + 1)}`)}]`;
}

function addSuffixes(text: string, suffixes: string[], indent: number, linewidth: number): string {
  const parts = [text];
  let lastLineLength = text.length - text.lastIndexOf('\n') + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > linewidth) {
      parts.push(`,\n${' '.repeat(indent)}${suffix}`);
      lastLineLength = indent + suffix.length;
    } else {
      parts.push(`, ${suffix}`);
      lastLineLength += suffix.length + 2;
    }
  }
  return `${parts.join('')})`;
}

/**
 * The body of the repr without `tensor(` and suffixes (what the renderer shows as text). `values`
 * holds every element in row-major order, or only the summarised corners laid out as
 * `summarizedShape(shape, options)` (the two agree whenever nothing is cut).
 */
export function formatValues(
  shape: Shape,
  dtype: DType,
  values: TypedArray,
  indent = 7,
  options = printOptions,
): string {
  if (sizeOf(shape) === 0) return '[]';
  const summarize = sizeOf(shape) > options.threshold;
  const held = values.length === sizeOf(shape) ? shape : summarizedShape(shape, options);
  if (values.length !== sizeOf(held)) {
    throw new Error(`format: ${values.length} values for a tensor of shape ${formatTuple(shape)}`);
  }
  const block: Block = { shape, held, values, offset: 0 };
  const shown: number[] = [];
  summarizedValues(block, summarize, options.edgeitems, shown);
  const formatter = new ElementFormatter(dtype, shown, options);
  return blockString(block, indent, summarize, formatter, options);
}

/** The dtypes whose repr needs no `dtype=` when the tensor has elements (torch's has_default_dtype). */
const unprintedDtypes: readonly TorchDType[] = ['float32', 'int64', 'bool'];

/**
 * `repr(t)` as PyTorch 1.13 prints it, for the PyTorch dtype the tensor stands for: `dtype=` for
 * int32 (int64, PyTorch's default integer type, prints none), and for any non-float32 empty tensor.
 * `values` as in {@link formatValues}: every element, or only the summarised corners.
 */
export function formatTensor(
  shape: Shape,
  dtype: TorchDType,
  values: TypedArray,
  options = printOptions,
  /** `requires_grad=True` or `grad_fn=<MulBackward0>`, printed after the dtype as PyTorch does. */
  autogradSuffix?: string,
): string {
  const prefix = 'tensor(';
  const suffixes: string[] = [];
  const empty = sizeOf(shape) === 0;
  if (empty && shape.length !== 1) suffixes.push(`size=${formatTuple(shape)}`);
  if (empty ? dtype !== 'float32' : !unprintedDtypes.includes(dtype)) suffixes.push(`dtype=torch.${dtype}`);
  if (autogradSuffix !== undefined) suffixes.push(autogradSuffix);
  return addSuffixes(
    prefix + formatValues(shape, storageDtype(dtype), values, prefix.length, options),
    suffixes,
    prefix.length,
    options.linewidth,
  );
}
