/**
 * nn.Module: named parameters and child modules in registration order, PyTorch's state_dict keys,
 * loadStateDict with PyTorch's error messages, train/eval, and the module repr.
 *
 * Modules are callable (`mha(q, k, v)` is `mha.forward(q, k, v)`): the constructor returns a function
 * whose prototype is the subclass's, so class fields, methods and `instanceof` work as on any object.
 * A user's subclass registers what its fields hold, found when asked, in definition order: modules,
 * `nn.Parameter`s and arrays of modules (PyTorch's `__setattr__` registration without the calls).
 * Engine modules register under PyTorch's snake_case keys (`registerParameter('in_proj_weight', ...)`)
 * and expose camelCase accessors; a field holding a registered module is not registered twice.
 */
import { checkOptions, isBool, isInt, isNumber, type ArgumentCheck } from '../arguments';
import type { TypedArray } from '../dtype';
import { noGrad } from '../autograd/gradMode';
import { zeroGrads } from '../autograd/zeroGrads';
import { tensor } from '../ops/creation';
import { copy_ } from '../ops/inplace';
import { torchSize } from '../shape';
import { Tensor, type NestedArray } from '../tensor';
import { asParameter, Parameter, setRequiresGrad } from './parameter';

/** A state_dict value: a tensor, nested numbers, or a flat typed array in the parameter's shape. */
export type StateValue = Tensor | NestedArray | TypedArray;

/** Module state set on the callable the constructor returns (class-field initialisers would set the discarded `this`). */
interface ModuleInternals {
  training: boolean;
  parameterSlots: Map<string, Tensor | null>;
  childSlots: Map<string, Module>;
}

/**
 * A function object calling `forward` with the given prototype: what `new SomeModule()` returns. A function's
 * own `name` and `length` would hide getters of those names (ModuleList.length), so they are removed where the
 * class has such a getter, and only there: deleting puts the object's properties in V8's slow dictionary mode.
 * (A class field `name = ...` simply redefines the own property.)
 */
function callableInstance(prototype: object): Module {
  const callable = (...args: unknown[]): unknown => (callable as unknown as Module).forward(...args);
  if ('name' in prototype) delete (callable as { name?: string }).name;
  if ('length' in prototype) delete (callable as { length?: number }).length;
  Object.setPrototypeOf(callable, prototype);
  return callable as unknown as Module;
}

/** A slot loadStateDict can fill: a registered parameter or a field holding an nn.Parameter. */
interface Slot {
  current: Tensor | null;
  /** Accepts any shape (a lazy parameter not materialised yet). */
  lazy: boolean;
  assign(value: Tensor): void;
}

/**
 * Calling a module calls its forward with the same arguments: `block(x)` is `block.forward(x)`. Engine
 * modules declare their forward's signature here too (declaration merging); a user's subclass gets
 * this untyped one, or a typed one with `interface Block { (x: Tensor): Tensor }` next to `class Block`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Module {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (...args: any[]): any;
}

/** nn.Module: the base class of every layer and attention module, and of a user's own modules. */
export abstract class Module {
  /** True in training mode (dropout active); set recursively by train() and eval(). */
  declare training: boolean;
  declare private readonly parameterSlots: Map<string, Tensor | null>;
  declare private readonly childSlots: Map<string, Module>;

  /** A module with no parameters or children yet; subclasses register theirs (`super()` first, as in PyTorch). */
  constructor() {
    const module = callableInstance(new.target.prototype);
    const internals: ModuleInternals = { training: true, parameterSlots: new Map(), childSlots: new Map() };
    // Not enumerable: the field scan of a user's subclass looks at enumerable own properties only.
    for (const [key, value] of Object.entries(internals)) {
      Object.defineProperty(module, key, { value, writable: key === 'training', enumerable: false });
    }
    return module;
  }

  /** The module's computation; calling the module calls it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  abstract forward(...args: any[]): any;

  /** The class name PyTorch would print (override for namespaced classes such as d2l's). */
  get moduleName(): string {
    return this.constructor.name;
  }

  /** Registers a parameter under a PyTorch key (PyTorch: register_parameter); null keeps an empty slot. */
  protected registerParameter(name: string, value: Tensor | null): void {
    this.parameterSlots.set(name, value && asParameter(value));
  }

  /** Registers a child module under a PyTorch key (PyTorch: register_module) and returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.childSlots.set(name, module);
    return module;
  }

  /** Removes registered child modules (containers re-register theirs when their order changes). */
  protected removeModules(names: Iterable<string>): void {
    for (const name of names) this.childSlots.delete(name);
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

  /** A registered child module by its PyTorch key. */
  protected submodule<M extends Module>(name: string): M {
    return this.childSlots.get(name) as M;
  }

  /** Enumerable own fields in definition order (a user's subclass's class fields). */
  private fields(): [string, unknown][] {
    return Object.entries(this);
  }

  /** This module's own parameters with their keys: registered ones, then nn.Parameter fields. */
  private ownParameters(): [string, Tensor][] {
    const registered = [...this.parameterSlots].flatMap(([name, t]) => (t ? [[name, t] as [string, Tensor]] : []));
    const known = new Set(registered.map(([, t]) => t));
    const fields = this.fields().filter(
      (entry): entry is [string, Parameter] => entry[1] instanceof Parameter && !known.has(entry[1]),
    );
    return [...registered, ...fields];
  }

  /**
   * Parameters with their state_dict keys (`attn.in_proj_weight`, `layers.0.linear1.weight`), each once,
   * the module's own first and then its children's in order (PyTorch: named_parameters).
   */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    return this.parameterEntries(prefix).filter(([, t]) => !seen.has(t) && seen.add(t));
  }

  /** Every parameter entry, shared ones as often as they are held (the state_dict's view). */
  private parameterEntries(prefix: string): [string, Tensor][] {
    const own = this.ownParameters().map(([name, t]): [string, Tensor] => [prefix + name, t]);
    const nested = this.namedChildren().flatMap(([name, child]) => child.parameterEntries(`${prefix}${name}.`));
    return [...own, ...nested];
  }

  /** The parameters, each once, in namedParameters' order: what an optimizer takes. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /**
   * The direct children with their names: registered ones, then fields holding a module or an array of
   * modules (shown and keyed as a ModuleList: `layers.0`), in definition order. (PyTorch: named_children)
   */
  namedChildren(): [string, Module][] {
    const registered = [...this.childSlots];
    const known = new Set<unknown>(registered.map(([, m]) => m));
    const fields = this.fields().flatMap(([name, value]): [string, Module][] => {
      if (value instanceof Module) return known.has(value) ? [] : [[name, value]];
      if (isModuleArray(value)) return [[name, new ModuleArray(value)]];
      return [];
    });
    return [...registered, ...fields];
  }

  /** The direct children (PyTorch: children). */
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and every module below it, each once, depth first, with dotted names ('' for this one).
   * (PyTorch: named_modules)
   */
  namedModules(prefix = ''): [string, Module][] {
    const seen = new Set<Module>();
    const visit = (module: Module, name: string): [string, Module][] => {
      if (seen.has(module)) return [];
      seen.add(module);
      const below = module.namedChildren().flatMap(([child, m]) => visit(m, name ? `${name}.${child}` : child));
      return [[name, module], ...below];
    };
    return visit(this, prefix);
  }

  /** This module and every module below it (PyTorch: modules). */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter by its PyTorch key, in PyTorch's order. (PyTorch: state_dict) */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.parameterEntries(''));
  }

  /** Sets a parameter slot (a lazy one takes any shape); called by loadStateDict. */
  protected assignParameter(name: string, value: Tensor): void {
    this.parameterSlots.set(name, asParameter(value));
  }

  /** Slots that accept a shape on load because they are not materialised yet (LazyLinear). */
  protected isLazy(_name: string): boolean {
    return false;
  }

  /**
   * Copies values into the parameters by PyTorch key ('in_proj_weight', 'out_proj.bias'). Missing,
   * unexpected and mis-shaped keys are errors, worded as PyTorch words them. (PyTorch: load_state_dict)
   */
  loadStateDict(state: Record<string, StateValue>, strict = true): this {
    const slots = this.allSlots('');
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
      if (target && !slot.lazy && !sameShape) {
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
    // As torch: values are copied into the existing parameters (an optimizer holding them sees the load);
    // a lazy or empty slot takes the value as a new parameter.
    noGrad(() => {
      for (const [slot, value] of updates) {
        if (slot.current && !slot.lazy) copy_(slot.current, value);
        else slot.assign(value);
      }
    });
    return this;
  }

  private allSlots(prefix: string): Map<string, Slot> {
    const slots = new Map<string, Slot>();
    for (const [name, current] of this.parameterSlots) {
      const lazy = this.isLazy(name);
      if (current !== null || lazy) {
        slots.set(prefix + name, { current, lazy, assign: (value) => this.assignParameter(name, value) });
      }
    }
    for (const [name, current] of this.ownParameters()) {
      if (this.parameterSlots.has(name)) continue;
      const assign = (value: Tensor) =>
        Object.assign(this, { [name]: new Parameter(value, parameterRequiresGrad(current)) });
      slots.set(prefix + name, { current, lazy: false, assign });
    }
    for (const [name, child] of this.namedChildren()) {
      for (const [key, slot] of child.allSlots(`${prefix}${name}.`)) slots.set(key, slot);
    }
    return slots;
  }

  /** Training mode for this module and every module below it (dropout on); eval() is train(false). */
  train(mode = true): this {
    for (const module of this.modules()) module.training = mode;
    return this;
  }

  /** Evaluation mode for this module and every module below it (dropout off). */
  eval(): this {
    return this.train(false);
  }

  /**
   * Zeroes every parameter's `.grad` in place, as torch 1.13's zero_grad(set_to_none=False); with
   * `{ setToNone: true }` (PyTorch: set_to_none) the grads become null.
   */
  zeroGrad(options?: {
    /** Sets each grad to null instead of zeroing it; default false (PyTorch: set_to_none). */
    setToNone?: boolean;
  }): void {
    const { setToNone = false } = checkOptions(`${this.moduleName}.zeroGrad`, options, { setToNone: isBool });
    zeroGrads(this.parameters(), setToNone);
  }

  /** Sets requiresGrad on every parameter: `requiresGrad_(false)` freezes the module. (PyTorch: requires_grad_) */
  requiresGrad_(requiresGrad = true): this {
    for (const parameter of this.parameters()) setRequiresGrad(parameter, requiresGrad);
    return this;
  }

  /** Calls fn on every child module (recursively) and then on this one, as PyTorch's apply does. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** What PyTorch prints inside the parentheses (e.g. 'in_features=8, out_features=8, bias=True'). */
  protected extraRepr(): string {
    return '';
  }

  /** PyTorch's module repr: `Name(extra)` or `Name(\n  (child): ...\n)`. */
  toString(): string {
    const children = this.namedChildren().map(
      ([name, child]) => `(${name}): ${child.toString().replace(/\n/g, '\n  ')}`,
    );
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    if (extraLines.length === 1 && children.length === 0) return `${this.moduleName}(${extra})`;
    const lines = [...extraLines, ...children];
    return lines.length ? `${this.moduleName}(\n${lines.map((l) => `  ${l}`).join('\n')}\n)` : `${this.moduleName}()`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A non-empty array whose items are all modules (a field that registers as a ModuleList). */
function isModuleArray(value: unknown): value is Module[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => item instanceof Module);
}

/** An array field of a user's module seen as the ModuleList PyTorch would hold: children '0', '1', ... */
class ModuleArray extends Module {
  constructor(modules: readonly Module[]) {
    super();
    modules.forEach((module, index) => this.registerModule(String(index), module));
  }
  override get moduleName(): string {
    return 'ModuleList';
  }
  forward(): never {
    throw new Error('ModuleList: forward is not defined (call the modules it holds)');
  }
}

/** Whether a parameter being replaced on load required grad (a new one keeps its flag). */
function parameterRequiresGrad(parameter: Tensor | null): boolean {
  return !parameter || parameter.requiresGrad;
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

/**
 * A deep copy of a module (Python's copy.deepcopy, as torch's _get_clones uses it): its own parameters, child
 * modules and arrays, with shared references kept shared; other values (numbers, options, functions) are kept.
 */
export function deepCopyModule<M extends Module>(module: M): M {
  const copies = new Map<unknown, unknown>();
  const copy = (value: unknown): unknown => {
    if (copies.has(value)) return copies.get(value);
    if (value instanceof Parameter) {
      const parameter = new Parameter(value.detach().clone(), parameterRequiresGrad(value));
      copies.set(value, parameter);
      return parameter;
    }
    if (value instanceof Map) {
      const map = new Map();
      copies.set(value, map);
      for (const [key, item] of value) map.set(key, copy(item));
      return map;
    }
    if (Array.isArray(value)) {
      const array: unknown[] = [];
      copies.set(value, array);
      for (const item of value) array.push(copy(item));
      return array;
    }
    if (!(value instanceof Module)) return value;
    const clone = callableInstance(Object.getPrototypeOf(value) as object);
    copies.set(value, clone);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      if ((key === 'name' || key === 'length') && !descriptor.writable && !descriptor.get) continue; // the function's own
      Object.defineProperty(clone, key, { ...descriptor, value: copy(descriptor.value) });
    }
    return clone;
  };
  return copy(module) as M;
}
