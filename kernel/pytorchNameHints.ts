// PyTorch's snake_case names in a cell (`x.masked_fill(...)`, `F.layer_norm`, `manual_seed(1)`)
// fail in JS with "x.masked_fill is not a function"; the kernel adds "(did you mean maskedFill?)"
// when the camelCase name is one the engine has. No second API: only the error's message changes.
import { camelCase } from './engine/arguments';

// V8's texts for calling a missing member (`x.masked_fill()`, `new nn.multihead_attention()`,
// `const [a, b] = x.top_k()`, `(0, lab.manual_seed)()`) and for reading a missing global.
const notCallable =
  /([A-Za-z_$][\w$]*)\)? is not a (?:function|constructor)(?: or its return value is not (?:async )?iterable)?$/;
const notDefined = /^([A-Za-z_$][\w$]*) is not defined$/;

/** The message of an error a cell threw, with a did-you-mean when it called a PyTorch name the engine spells in camelCase. */
export function withPytorchNameHint(error: Error, engine: Record<string, unknown>): string {
  const { message } = error;
  const missing =
    error.name === 'TypeError'
      ? notCallable.exec(message)
      : error.name === 'ReferenceError'
        ? notDefined.exec(message)
        : null;
  if (!missing) return message;
  const name = missing[1];
  const camel = camelCase(name);
  if (camel === name) return message;
  // A bare name can only mean a global (the engine's exports are the cells' globals).
  const known = error.name === 'ReferenceError' ? new Set(Object.keys(engine)) : engineMemberNames(engine);
  return known.has(camel) ? `${message} (did you mean ${camel}?)` : message;
}

/**
 * Every name a cell can reach on the engine: its exports, the members of its namespaces (nn, F,
 * ...), and the methods and properties of its classes (Tensor, nn.Linear, ...) and their bases.
 */
function engineMemberNames(engine: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  const addClass = (value: unknown) => {
    if (typeof value !== 'function') return;
    for (const name of Object.getOwnPropertyNames(value)) names.add(name);
    for (let proto = value.prototype as object | null; proto && proto !== Object.prototype;) {
      for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
      proto = Object.getPrototypeOf(proto) as object | null;
    }
  };
  for (const [name, value] of Object.entries(engine)) {
    names.add(name);
    addClass(value);
    if (value && typeof value === 'object') {
      for (const [member, memberValue] of Object.entries(value)) {
        names.add(member);
        addClass(memberValue);
      }
    }
  }
  return names;
}
