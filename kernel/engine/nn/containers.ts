/**
 * The containers: nn.Sequential, nn.ModuleList and nn.ModuleDict. Their children are registered under
 * PyTorch's keys ('0', '1', ... or the dict's keys), so `layers.0.linear1.weight` is a state_dict key.
 */
import { isInt } from '../arguments';
import { Module } from './module';

/** Python's index into a sequence of `length` items (negative counts from the end), with torch's IndexError. */
function itemIndex(call: string, index: number, length: number): number {
  isInt(index, call, 'idx', 1);
  if (index < -length || index >= length) throw new Error(`${call}: index ${index} is out of range`);
  return index < 0 ? index + length : index;
}

/** Shared by Sequential and ModuleList: children keyed '0', '1', ... in order. */
abstract class IndexedModules<M extends Module> extends Module {
  /** The modules in order. */
  protected items(): M[] {
    return this.children() as M[];
  }

  /** Re-registers the modules under the keys '0', '1', ... (after an insert). */
  protected setItems(modules: readonly M[]): void {
    this.removeModules(this.namedChildren().map(([name]) => name));
    modules.forEach((module, index) => this.registerModule(String(index), module));
  }

  /** How many modules it holds (Python: len). */
  override get length(): number {
    return this.items().length;
  }

  /** The module at `index`; negative indices count from the end (Python: self[idx]). */
  at(index: number): M {
    const items = this.items();
    return items[itemIndex(this.moduleName, index, items.length)];
  }

  /** The module at `index` (the same as at()). */
  get(index: number): M {
    return this.at(index);
  }

  /** Adds a module at the end and returns this container. */
  append(module: M): this {
    if (!(module instanceof Module)) throw new Error(`${this.moduleName}.append: ${String(module)} is not a Module`);
    this.registerModule(String(this.length), module);
    return this;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items()[Symbol.iterator]();
  }
}

/**
 * nn.Sequential: calls its modules in order, each on the previous one's output. `new nn.Sequential(a, b, c)`,
 * or with names: `new nn.Sequential({ fc: new nn.Linear(4, 8), act: new nn.ReLU() })`.
 */
export class Sequential<M extends Module = Module> extends IndexedModules<M> {
  /** `new nn.Sequential(a, b, c)` (children 0, 1, 2) or `new nn.Sequential({ name: module, ... })`. */
  constructor(...modules: M[] | [Record<string, M>]) {
    super();
    const named =
      modules.length === 1 && !(modules[0] instanceof Module)
        ? Object.entries(modules[0] as Record<string, M>)
        : (modules as M[]).map((module, index): [string, M] => [String(index), module]);
    for (const [name, module] of named) {
      if (!(module instanceof Module)) throw new Error(`Sequential: ${String(module)} is not a Module subclass`);
      this.registerModule(name, module);
    }
  }

  /** The input passed through every module in order. */
  forward(input: unknown): unknown {
    return this.items().reduce((value, module) => module(value), input);
  }
}

/** nn.ModuleList: a list of modules whose parameters are registered (`layers.0.weight`); it has no forward. */
export class ModuleList<M extends Module = Module> extends IndexedModules<M> {
  /** Registers each module as a child named by its index: 0, 1, ... */
  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** Appends every module of `modules`. */
  extend(modules: Iterable<M>): this {
    for (const module of modules) this.append(module);
    return this;
  }

  /** Inserts `module` before `index` (Python's list.insert: a negative or large index clamps). */
  insert(index: number, module: M): void {
    isInt(index, 'ModuleList.insert', 'index', 1);
    const items = this.items();
    const at = index < 0 ? Math.max(0, items.length + index) : Math.min(index, items.length);
    items.splice(at, 0, module);
    this.setItems(items);
  }

  forward(): never {
    throw new Error('ModuleList: Module [ModuleList] is missing the required "forward" function');
  }
}

/** nn.ModuleDict: modules by name, in insertion order; it has no forward. `new nn.ModuleDict({ enc, dec })`. */
export class ModuleDict<M extends Module = Module> extends Module {
  /** Registers each module as a child under its key, in insertion order. */
  constructor(modules: Record<string, M> = {}) {
    super();
    this.update(modules);
  }

  /** The module under `key` (Python: self[key]); a missing key is a KeyError. */
  get(key: string): M {
    const entry = this.namedChildren().find(([name]) => name === key);
    if (!entry) throw new Error(`ModuleDict: KeyError: '${key}'`);
    return entry[1] as M;
  }

  /** Sets (or replaces, keeping its place) the module under `key`. */
  set(key: string, module: M): this {
    if (!(module instanceof Module)) throw new Error(`ModuleDict: ${String(module)} is not a Module subclass`);
    this.registerModule(key, module);
    return this;
  }

  /** Whether `key` is in the dict (Python: key in self). */
  has(key: string): boolean {
    return this.keys().includes(key);
  }

  /** Removes `key` and returns its module (Python: pop). */
  pop(key: string): M {
    const module = this.get(key);
    this.removeModules([key]);
    return module;
  }

  /** Adds every entry of `modules`. */
  update(modules: Record<string, M>): this {
    for (const [key, module] of Object.entries(modules)) this.set(key, module);
    return this;
  }

  /** The keys in insertion order. */
  keys(): string[] {
    return this.namedChildren().map(([name]) => name);
  }

  /** The modules in insertion order. */
  values(): M[] {
    return this.children() as M[];
  }

  /** The [key, module] pairs in insertion order. */
  items(): [string, M][] {
    return this.namedChildren() as [string, M][];
  }

  /** How many modules it holds (Python: len). */
  override get length(): number {
    return this.keys().length;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleDict: Module [ModuleDict] is missing the required "forward" function');
  }
}
