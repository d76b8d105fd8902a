// Completion and inspection from the kernel's live scope, for the Jupyter front-end's
// complete/inspect requests: the names cells declared (V8's global lexical scope, through the
// inspector), the globals (engine exports, display, Node's), and after `a.b.` the properties of
// that value and its prototypes. Only a chain of plain names is ever evaluated, never a call.
import { Session } from 'node:inspector';
import { inspect as describeValue } from 'node:util';

const namePattern = /[A-Za-z_$][\w$]*$/;
/** `a.b.` or `a.b.pre` right before the cursor: the chain of names, and the partial name after its last dot. */
const memberPattern = /((?:[A-Za-z_$][\w$]*\s*\??\.\s*)*[A-Za-z_$][\w$]*)\s*\??\.\s*([A-Za-z_$][\w$]*)?$/;
const keywords = `await break case catch class const continue debugger default delete do else enum export extends
false finally for function if import in instanceof let new null return super switch this throw true try typeof var
void while with yield`.split(/\s+/);

let session: Session | undefined;

/** The let/const/class names cells declared at top level (they are not properties of globalThis). */
function declaredNames(): string[] {
  if (!session) {
    session = new Session();
    session.connect();
  }
  let names: string[] = [];
  // A session on its own thread answers synchronously.
  session.post('Runtime.globalLexicalScopeNames', {}, (error, result) => {
    if (!error) names = (result as { names: string[] }).names;
  });
  return names;
}

function propertyNames(value: unknown): string[] {
  const names = new Set<string>();
  for (
    let object: unknown = Object(value);
    object && object !== Object.prototype;
    object = Object.getPrototypeOf(object)
  )
    for (const name of Object.getOwnPropertyNames(object)) if (name !== 'constructor') names.add(name);
  return [...names];
}

/** The value a chain of names (`a.b.c`) reaches in the global scope, or undefined when any link is missing. */
function lookUp(chain: string): { value: unknown } | undefined {
  const [root, ...path] = chain.split(/\s*\??\.\s*/);
  let value: unknown;
  try {
    // An indirect eval of one name reads the cells' top-level let/const too, and cannot call anything.
    value = (0, eval)(root);
  } catch {
    return undefined;
  }
  for (const name of path) {
    if (value === null || value === undefined || !(name in Object(value))) return undefined;
    value = (value as Record<string, unknown>)[name];
  }
  return { value };
}

export function completeInScope(code: string, cursor: number): { matches: string[]; start: number; end: number } {
  const before = code.slice(0, cursor);
  const member = memberPattern.exec(before);
  const partial = (member ? (member[2] ?? '') : namePattern.exec(before)?.[0]) ?? '';
  const start = cursor - partial.length;
  let candidates: string[];
  if (member) candidates = propertyNames(lookUp(member[1])?.value);
  else if (partial) candidates = [...declaredNames(), ...propertyNames(globalThis), ...keywords];
  else candidates = [];
  const matches = [...new Set(candidates.filter((name) => name.startsWith(partial) && !name.startsWith('__')))];
  return { matches: matches.sort(), start, end: cursor };
}

function signatureOf(fn: (...args: unknown[]) => unknown): string {
  const source = Function.prototype.toString.call(fn);
  const header = source.slice(0, source.indexOf('{') >= 0 ? source.indexOf('{') : undefined).trim();
  // `function f(a)`, `class C`, a method's `f(a)`; an arrow's `(a) =>` gets its name in front.
  if (/^(async\s+)?(function|class)\b|^[\w$]+\s*\(/.test(header)) return header;
  return header.startsWith('(') ? `${fn.name}${header.replace(/\s*=>$/, '')}` : `${fn.name}(...)`;
}

/** The name (or `a.b.c` chain) at the cursor, described: a function's signature (its source at detail 1), else its value. */
export function inspectInScope(code: string, cursor: number, detailLevel: number): { text?: string } {
  const end = cursor + (/^[\w$]*/.exec(code.slice(cursor))?.[0].length ?? 0);
  const chain = /(?:[A-Za-z_$][\w$]*\s*\??\.\s*)*[A-Za-z_$][\w$]*$/.exec(code.slice(0, end))?.[0];
  const found = chain ? lookUp(chain) : undefined;
  if (!chain || !found) return {};
  const { value } = found;
  if (typeof value === 'function') {
    const fn = value as (...args: unknown[]) => unknown;
    return { text: detailLevel > 0 ? Function.prototype.toString.call(fn) : `${chain}: ${signatureOf(fn)}` };
  }
  // The bundler renames a class whose name another module uses too (`_Tensor`): show the source's name.
  const className = (value as { constructor?: { name?: string } } | null)?.constructor?.name?.replace(/^_+/, '');
  const type = value === null ? 'null' : typeof value === 'object' ? (className ?? 'Object') : typeof value;
  return { text: `${chain}: ${type}\n${describeValue(value, { depth: detailLevel > 0 ? 4 : 1 })}` };
}
