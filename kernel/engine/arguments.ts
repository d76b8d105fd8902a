/**
 * Argument checking shared by every op, module and forward: positional arguments of the right type,
 * and trailing options objects whose keys are all known. Errors name the call, the argument and what
 * would be right, in PyTorch's words ("argument 'dim' (position 2) must be int, not float"), with a
 * did-you-mean for PyTorch's snake_case spelling of an option (`batch_first` -> `batchFirst`).
 */
import { Tensor } from './tensor';

/** Checks one value and returns it typed; throws a TypeError naming `call` and `argument` otherwise. */
export type ArgumentCheck<T> = (value: unknown, call: string, argument: string, position?: number) => T;

/** What an options object may hold: each accepted key and the check its value must pass. */
export type OptionsSpec = Record<string, ArgumentCheck<unknown>>;

/** The validated options: each key's checked type, absent when the caller left it out. */
export type CheckedOptions<S extends OptionsSpec> = { [K in keyof S]?: ReturnType<S[K]> };

/** PyTorch's name for a value's type, as its argument errors print it ("must be int, not str"). */
export function typeName(value: unknown): string {
  if (value === undefined || value === null) return 'NoneType';
  if (value instanceof Tensor) return 'Tensor';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'function') return 'function';
  if (Array.isArray(value)) return 'list';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? name : 'dict';
}

function argumentError(call: string, argument: string, position: number | undefined, expected: string, value: unknown) {
  const where = position === undefined ? '' : ` (position ${position})`;
  return new TypeError(`${call}: argument '${argument}'${where} must be ${expected}, not ${typeName(value)}`);
}

/** A check from a predicate and the expected type's name. */
function check<T>(expected: string, accepts: (value: unknown) => boolean): ArgumentCheck<T> {
  return (value, call, argument, position) => {
    if (!accepts(value)) throw argumentError(call, argument, position, expected, value);
    return value as T;
  };
}

/** A boolean (PyTorch: bool). */
export const isBool = check<boolean>('bool', (v) => typeof v === 'boolean');
/** A finite or infinite number, NaN included (PyTorch: float; an int is accepted as in Python). */
export const isNumber = check<number>('float', (v) => typeof v === 'number');
/** A whole number (PyTorch: int): dims, sizes, counts, diagonals. */
export const isInt = check<number>('int', (v) => typeof v === 'number' && Number.isInteger(v));
/** A whole number or a list of them (PyTorch: int[] for dims, as in sum(x, [0, 1])). */
export const isIntOrInts = check<number | number[]>(
  'int or tuple of ints',
  (v) =>
    (typeof v === 'number' && Number.isInteger(v)) ||
    (Array.isArray(v) && v.every((d) => typeof d === 'number' && Number.isInteger(d))),
);
/** A tensor (PyTorch: Tensor). */
export const isTensor = check<Tensor>('Tensor', (v) => v instanceof Tensor);
/** A tensor or a Python-style number or bool (PyTorch: Tensor or Number). */
export const isTensorOrScalar = check<Tensor | number | boolean>(
  'Tensor or Number',
  (v) => v instanceof Tensor || typeof v === 'number' || typeof v === 'boolean',
);
/** A string (PyTorch: str). */
export const isString = check<string>('str', (v) => typeof v === 'string');

/** One of a fixed list of strings, e.g. a reduction mode. */
export function isOneOf<T extends string>(choices: readonly T[]): ArgumentCheck<T> {
  return (value, call, argument, position) => {
    if (typeof value !== 'string') throw argumentError(call, argument, position, 'str', value);
    if (!(choices as readonly string[]).includes(value)) {
      throw new Error(
        `${call}: argument '${argument}' must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got '${value}'`,
      );
    }
    return value as T;
  };
}

/** `value` or undefined/null (PyTorch: Optional[...]); null comes back as undefined. */
export function isOptional<T>(inner: ArgumentCheck<T>): ArgumentCheck<T | undefined> {
  return (value, call, argument, position) =>
    value === undefined || value === null ? undefined : inner(value, call, argument, position);
}

/** camelCase of a snake_case name: `batch_first` -> `batchFirst`, `masked_fill_` -> `maskedFill_`. */
export function camelCase(name: string): string {
  return name.replace(/([a-z0-9])_([a-z])/g, (_, before: string, letter: string) => before + letter.toUpperCase());
}

/** The accepted name a misspelt one most likely meant: its camelCase form, or the same name in another case. */
export function didYouMean(name: string, accepted: readonly string[]): string | undefined {
  const camel = camelCase(name);
  return accepted.find((candidate) => candidate === camel || candidate.toLowerCase() === name.toLowerCase());
}

/**
 * Checks a trailing options object against the keys `call` accepts and each value against its check.
 * undefined means no options. An unknown key is an error that lists the accepted ones.
 */
export function checkOptions<S extends OptionsSpec>(call: string, options: unknown, spec: S): CheckedOptions<S> {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options) || options instanceof Tensor) {
    throw new TypeError(`${call}: expected an options object as the last argument, not ${typeName(options)}`);
  }
  const accepted = Object.keys(spec);
  const checked: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(spec, key)) {
      const suggestion = didYouMean(key, accepted);
      const hint = suggestion ? ` did you mean '${suggestion}'?` : '';
      const list = accepted.length ? `accepted options: ${accepted.join(', ')}` : 'it takes no options';
      throw new TypeError(`${call}: unknown option '${key}';${hint} ${list}`);
    }
    if (value !== undefined) checked[key] = spec[key](value, call, key);
  }
  return checked as CheckedOptions<S>;
}

/**
 * A binary op's operand: a tensor, a number or a bool, named "Tensor" in the error as PyTorch's
 * `add(): argument 'other' (position 2) must be Tensor, not NoneType` does.
 */
export const isOperand = check<Tensor | number | boolean>(
  'Tensor',
  (v) => v instanceof Tensor || typeof v === 'number' || typeof v === 'boolean',
);
/** A number where PyTorch says Number, e.g. add's alpha or masked_fill's value. */
export const isScalarNumber = check<number>('Number', (v) => typeof v === 'number');

/** A trailing options object: a plain `{ ... }`, not a tensor, an array, a typed array or a class instance. */
export function isOptionsObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  if (value instanceof Tensor) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === null || prototype.constructor?.name === 'Object';
}

/**
 * Binds PyTorch-style arguments: positional values in the order of `positional`, then an optional
 * trailing options object whose keys may also name those parameters, as Python keywords do
 * (`x.sum(-1, true)`, `x.sum(-1, { keepdim: true })`, `x.sum({ dim: -1 })`). Every value passes its
 * check in `spec` (positional ones numbered from `firstPosition` in errors); too many positional
 * values, or one parameter given both ways, is an error.
 */
export function bindArguments<S extends OptionsSpec>(
  call: string,
  args: readonly unknown[],
  positional: readonly (keyof S & string)[],
  spec: S,
  firstPosition?: number,
): CheckedOptions<S> {
  let given = args.length;
  while (given > 0 && args[given - 1] === undefined) given--;
  // The common call passes nothing optional: no options object, no positional values to check.
  if (given === 0) return {};
  const options = isOptionsObject(args[given - 1]) ? args[given - 1] : undefined;
  const count = options === undefined ? given : given - 1;
  if (count > positional.length) {
    if (firstPosition === undefined) {
      const names = positional.join(', ');
      throw new TypeError(
        `${call}: takes at most ${positional.length} positional arguments (${names}), ${count} given`,
      );
    }
    // Python's words, counting the required parameters before the first optional one.
    const [least, most] = [firstPosition - 1, firstPosition - 1 + positional.length];
    const range = least === most ? `${most}` : `from ${least} to ${most}`;
    throw new TypeError(`${call}: takes ${range} positional arguments but ${least + count} were given`);
  }
  const bound: Record<string, unknown> = options === undefined ? {} : checkOptions(call, options, spec);
  // A plain loop, not forEach with a closure: this runs on every op call that passes an optional value.
  for (let i = 0; i < count; i++) {
    const value = args[i];
    if (value === undefined) continue;
    const name = positional[i];
    if (Object.hasOwn(bound, name)) throw new TypeError(`${call}: got multiple values for argument '${name}'`);
    bound[name] = spec[name](value, call, name, firstPosition === undefined ? undefined : firstPosition + i);
  }
  return bound as CheckedOptions<S>;
}

/**
 * The optional parameters PyTorch takes positionally or by keyword, in `spec`'s order from `position` on:
 * `flatten(x, 1)`, `flatten(x, { startDim: 1 })` and `flatten(x, 1, { endDim: 2 })` all work.
 */
export function optionalArguments<S extends OptionsSpec>(
  call: string,
  args: readonly unknown[],
  spec: S,
  position: number,
): CheckedOptions<S> {
  if (args.length === 0) return {};
  return bindArguments(call, args, Object.keys(spec), spec, position);
}

/** The index of the first value that is not a whole number, or -1 (a loop: view and expand call this on every use). */
function firstNonInt(values: readonly unknown[]): number {
  for (let i = 0; i < values.length; i++) {
    const d = values[i];
    if (typeof d !== 'number' || !Number.isInteger(d)) return i;
  }
  return -1;
}

/**
 * A list of ints given as separate arguments or as one array, the two ways PyTorch takes sizes and dims
 * (`x.view(2, 3)`, `x.view([2, 3])`), checked with PyTorch's texts; `expected` is PyTorch's name for the
 * list ('tuple of ints' for dims, 'tuple of SymInts' for sizes in 1.13).
 */
export function intsFromArgs(
  call: string,
  argument: string,
  args: readonly unknown[],
  position: number,
  expected = 'tuple of ints',
): number[] {
  if (args.length === 0) throw new TypeError(`${call}: missing 1 required positional arguments: "${argument}"`);
  if (args.length === 1 && Array.isArray(args[0])) {
    const list: readonly unknown[] = args[0];
    const bad = firstNonInt(list);
    if (bad >= 0) {
      throw new TypeError(
        `${call}: argument '${argument}' must be ${expected}, but found element of type ${typeName(list[bad])} at pos ${bad + 1}`,
      );
    }
    return [...(list as number[])];
  }
  const bad = firstNonInt(args);
  if (bad >= 0) throw argumentError(call, argument, position, expected, args[bad]);
  return [...(args as number[])];
}

/**
 * Runs an op's function form for a Tensor method. PyTorch counts a method's arguments from after self
 * (`x.matmul(1)`: "argument 'other' (position 1)", `torch.matmul(x, 1)`: position 2), so an argument error
 * from the function comes back with each position one lower.
 */
export function asMethod<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    throw methodError(error);
  }
}

/**
 * The error a Tensor method rethrows from its op's function form: a TypeError's argument positions one
 * lower, as {@link asMethod} does. The hot methods catch and call this directly, without a closure per call.
 */
export function methodError(error: unknown): unknown {
  if (error instanceof TypeError) {
    const shift = (text: string) => text.replace(/\(position (\d+)\)/, (_, n: string) => `(position ${Number(n) - 1})`);
    error.message = shift(error.message);
    if (error.stack) error.stack = shift(error.stack);
  }
  return error;
}

/** Python's list of names in its argument errors: `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`. */
function pythonNameList(names: readonly string[]): string {
  const quoted = names.map((name) => `'${name}'`);
  if (quoted.length < 3) return quoted.join(' and ');
  return `${quoted.slice(0, -1).join(', ')}, and ${quoted[quoted.length - 1]}`;
}

/**
 * Throws Python's "f() missing 2 required positional arguments: 'key' and 'value'" when any of the
 * `required` arguments (name -> value) is undefined. `call` is the function's name as Python prints it
 * ('MultiheadAttention.forward'); `kind` is 'keyword-only' for arguments passed in an options object.
 */
export function checkRequired(
  call: string,
  required: Record<string, unknown>,
  kind: 'positional' | 'keyword-only' = 'positional',
): void {
  let complete = true;
  for (const name in required) {
    if (required[name] === undefined) {
      complete = false;
      break;
    }
  }
  if (complete) return;
  const missing = Object.keys(required).filter((name) => required[name] === undefined);
  const plural = missing.length === 1 ? '' : 's';
  throw new TypeError(
    `${call}() missing ${missing.length} required ${kind} argument${plural}: ${pythonNameList(missing)}`,
  );
}

/** The argument lists `optionalArguments` accepts: values for a prefix of P, then optionally the options O. */
export type PositionalOrOptions<P extends unknown[], O> = P extends [...infer Leading, unknown]
  ? [...P, O?] | PositionalOrOptions<Leading, O>
  : [O?];
