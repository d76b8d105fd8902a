/**
 * nn.Module: named parameters and child modules in registration order, PyTorch's state_dict keys,
 * loadStateDict with PyTorch's error messages, train/eval, and the module repr.
 */
import { isBool, isInt, isNumber, type ArgumentCheck } from '../arguments';
import type { TypedArray } from '../dtype';
import { tensor } from '../ops/creation';
import { torchSize } from '../shape';
import { Tensor, type NestedArray } from '../tensor';

/** A state_dict value: a tensor, nested numbers, or a flat typed array in the parameter's shape. */
export type StateValue = Tensor | NestedArray | TypedArray;

/** nn.Module: the base class of every layer and attention module. */
export abstract class Module {
  training = true;
  private readonly parameterSlots = new Map<string, Tensor | null>();
  private readonly children = new Map<string, Module>();

  /** The class name PyTorch would print (override for namespaced classes such as d2l's). */
  get moduleName(): string {
    return this.constructor.name;
  }

  protected registerParameter(name: string, value: Tensor | null): void {
    this.parameterSlots.set(name, value);
  }

  protected registerModule<M extends Module>(name: string, module: M): M {
    this.children.set(name, module);
    return module;
  }

  protected parameter(name: string): Tensor | null {
    return this.parameterSlots.get(name) ?? null;
  }

  /** Like parameter(), for parameters that are always present. */
  protected requiredParameter(name: string): Tensor {
    const value = this.parameterSlots.get(name);
    if (!value) throw new Error(`${this.moduleName}: parameter '${name}' is not initialised yet`);
    return value;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    const own = [...this.parameterSlots].flatMap(([name, t]) => (t ? [[prefix + name, t] as [string, Tensor]] : []));
    const nested = [...this.children].flatMap(([name, child]) => child.namedParameters(`${prefix}${name}.`));
    return [...own, ...nested];
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.namedParameters());
  }

  /** Sets a parameter slot (a lazy one takes any shape); called by loadStateDict. */
  protected assignParameter(name: string, value: Tensor): void {
    this.parameterSlots.set(name, value);
  }

  /** Slots that accept a shape on load because they are not materialised yet (LazyLinear). */
  protected isLazy(_name: string): boolean {
    return false;
  }

  /**
   * Copies values into the parameters by PyTorch key ('in_proj_weight', 'out_proj.bias'). Missing,
   * unexpected and mis-shaped keys are errors, worded as PyTorch words them.
   */
  loadStateDict(state: Record<string, StateValue>, strict = true): this {
    const slots = this.allSlots();
    const problems: string[] = [];
    const missing = [...slots.keys()].filter((key) => !(key in state) && slots.get(key)!.current !== null);
    const unexpected = Object.keys(state).filter((key) => !slots.has(key));
    const quoted = (keys: string[]) => keys.map((k) => `"${k}"`).join(', ');
    if (strict && missing.length) problems.push(`Missing key(s) in state_dict: ${quoted(missing)}. `);
    if (strict && unexpected.length) problems.push(`Unexpected key(s) in state_dict: ${quoted(unexpected)}. `);
    const updates: [Slot, Tensor][] = [];
    for (const [key, value] of Object.entries(state)) {
      const slot = slots.get(key);
      if (!slot) continue;
      const target = slot.current;
      const loaded = toTensor(value, target);
      const sameShape = target?.ndim === loaded.ndim && target.shape.every((d, i) => d === loaded.shape[i]);
      if (target && !slot.owner.isLazy(slot.name) && !sameShape) {
        problems.push(
          `size mismatch for ${key}: copying a param with shape ${torchSize(loaded.shape)} from checkpoint, ` +
            `the shape in current model is ${torchSize(target.shape)}.`,
        );
        continue;
      }
      updates.push([slot, loaded.float()]);
    }
    if (problems.length) {
      throw new Error(
        `loadStateDict: Error(s) in loading state_dict for ${this.moduleName}:\n\t${problems.join('\n\t')}`,
      );
    }
    for (const [slot, value] of updates) slot.owner.assignParameter(slot.name, value);
    return this;
  }

  private allSlots(prefix = ''): Map<string, Slot> {
    const slots = new Map<string, Slot>();
    for (const [name, current] of this.parameterSlots) {
      if (current !== null || this.isLazy(name)) slots.set(prefix + name, { owner: this, name, current });
    }
    for (const [name, child] of this.children) {
      for (const [key, slot] of child.allSlots(`${prefix}${name}.`)) slots.set(key, slot);
    }
    return slots;
  }

  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** What PyTorch prints inside the parentheses (e.g. 'in_features=8, out_features=8, bias=True'). */
  protected extraRepr(): string {
    return '';
  }

  /** PyTorch's module repr: `Name(extra)` or `Name(\n  (child): ...\n)`. */
  toString(): string {
    const lines = [...this.children].map(([name, child]) => `(${name}): ${child.toString().replace(/\n/g, '\n  ')}`);
    const extra = this.extraRepr();
    if (lines.length === 0) return `${this.moduleName}(${extra})`;
    const body = [...(extra ? extra.split('\n') : []), ...lines].map((l) => `  ${l}`).join('\n');
    return `${this.moduleName}(\n${body}\n)`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

interface Slot {
  owner: Module;
  name: string;
  current: Tensor | null;
}

/** A flat typed array takes the parameter's shape when it has as many values. */
function toTensor(value: StateValue, target: Tensor | null): Tensor {
  if (value instanceof Tensor) return value;
  if (ArrayBuffer.isView(value) && target && value.length === target.numel()) {
    return tensor(value, { shape: target.shape });
  }
  return tensor(value as NestedArray);
}

/** Python's repr of a bool, for extraRepr strings. */
export function pyBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** A layer size (PyTorch: int): a whole number, not negative. */
export const isSize: ArgumentCheck<number> = (value, call, argument, position) => {
  const size = isInt(value, call, argument, position);
  if (size < 0) throw new Error(`${call}: argument '${argument}' must not be negative, got ${size}`);
  return size;
};

/** A dropout probability (PyTorch: float), with torch's error outside [0, 1]. */
export const isProbability: ArgumentCheck<number> = (value, call, argument, position) => {
  const p = isNumber(value, call, argument, position);
  if (!(p >= 0 && p <= 1)) throw new Error(`${call}: dropout probability has to be between 0 and 1, but got ${p}`);
  return p;
};

/**
 * PyTorch's `inplace` flag: false is accepted; true is an error, since tensors here are never
 * modified in place and code that ignores the returned tensor would silently skip the op.
 */
export const isNotInplace: ArgumentCheck<false> = (value, call, argument, position) => {
  if (isBool(value, call, argument, position)) {
    throw new Error(`${call}: inplace=True is not supported (tensors are not modified in place); use the result`);
  }
  return false;
};
