// The notebook language service (languageService/) over multi-cell notebooks and the built engine
// declarations (dist/engine.d.ts, from `node scripts/build.mjs`): completions, hover, signature help,
// diagnostics, definitions and references at given positions, across cells in the order they ran.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { NotebookLanguageService, type NotebookCellSource } from '../../languageService/notebookLanguageService';
import { repoRoot } from '../helpers/repoRoot';

const folder = join(repoRoot(), 'test/fixtures/notebookFolder');
let service: NotebookLanguageService;

/** Cells from texts where `|` marks the position asked about (at most one per notebook); ids are c1, c2, ... */
function notebook(texts: string[], executionOrders: (number | undefined)[] = []): { cellId: string; offset: number } {
  let at = { cellId: '', offset: -1 };
  const cells: NotebookCellSource[] = texts.map((text, i) => {
    const id = `c${i + 1}`;
    if (text.includes('|')) at = { cellId: id, offset: text.indexOf('|') };
    const order = executionOrders[i];
    return { id, text: text.replace('|', ''), language: 'typescript', ...(order ? { executionOrder: order } : {}) };
  });
  service.updateCells(cells);
  return at;
}

const messages = (cellId: string) => service.diagnostics(cellId).map((d) => `${d.code}: ${d.message}`);
const cell1 = "import { nn, randn } from 'attention-lab';\nconst mha = new nn.MultiheadAttention(8, 2);";

describe('notebook language service', () => {
  before(() => {
    service = new NotebookLanguageService({
      folder,
      notebookName: 'unit',
      engineDeclarations: join(repoRoot(), 'dist/engine.d.ts'),
    });
  });

  it('completes members of an earlier cell’s variable, with their documentation', () => {
    const at = notebook([cell1, 'const x = randn(2, 5, 8);\nmha.|']);
    const completions = service.completions(at.cellId, at.offset);
    const names = completions?.entries.map((entry) => entry.name) ?? [];
    for (const member of ['forward', 'inProjWeight', 'loadStateDict', 'numHeads'])
      assert.ok(names.includes(member), member);
    assert.equal(completions?.isMemberCompletion, true);
    const forward = service.completionDetails(at.cellId, at.offset, { name: 'forward' });
    assert.match(
      forward?.detail ?? '',
      /^\(method\) MultiheadAttention\.forward\(query: Tensor, key: Tensor, value: Tensor/,
    );
    assert.match(forward?.documentation ?? '', /attnOutput/);
  });

  it('completes the engine’s modules after `nn.` and engine globals without an import', () => {
    let at = notebook([cell1, 'nn.|']);
    const members = service.completions(at.cellId, at.offset)?.entries.map((entry) => entry.name) ?? [];
    assert.ok(members.includes('MultiheadAttention') && members.includes('Linear'), members.join());
    at = notebook(['const t = ten|']);
    const globals = service.completions(at.cellId, at.offset);
    assert.ok(globals?.entries.some((entry) => entry.name === 'tensor'));
    assert.ok(!globals?.entries.some((entry) => entry.name === 'matchMedia'), 'no browser globals');
    assert.deepEqual([globals?.replaceStart, globals?.replaceLength], [10, 3]);
  });

  it('hovers with the type and JSDoc of engine names and of names from earlier cells', () => {
    let at = notebook([cell1, 'const x = randn(2, 5, 8);\nconst [out] = mha.for|ward(x, x, x);']);
    const forward = service.hover(at.cellId, at.offset);
    assert.match(forward?.signature ?? '', /^\(method\) MultiheadAttention\.forward\(/);
    assert.match(forward?.documentation ?? '', /Shapes: query \(L, N, E\)/);
    assert.equal(forward?.isVariable, false);
    at = notebook([cell1, 'm|ha']);
    const mha = service.hover(at.cellId, at.offset);
    assert.equal(mha?.signature, 'const mha: nn.MultiheadAttention');
    assert.deepEqual([mha?.name, mha?.start, mha?.length, mha?.isVariable], ['mha', 0, 3, true]);
  });

  it('helps with the signature of an engine method and of a constructor’s options object', () => {
    let at = notebook([cell1, 'const x = randn(2, 5, 8);\nmha.forward(x, |']);
    const help = service.signatureHelp(at.cellId, at.offset);
    assert.match(help?.signatures[0]?.label ?? '', /^forward\(query: Tensor, key: Tensor, value: Tensor/);
    assert.equal(help?.activeParameter, 1);
    assert.equal(help?.signatures[0]?.parameters[1]?.label, 'key: Tensor');
    at = notebook([cell1, 'new nn.MultiheadAttention(8, 2, { batc| })']);
    const options = service.completions(at.cellId, at.offset)?.entries.map((entry) => entry.name) ?? [];
    assert.ok(options.includes('batchFirst'), options.join());
  });

  it('reports true type errors across cells, with TypeScript’s "did you mean"', () => {
    notebook([
      cell1,
      'const x = randn(2, 5, 8);',
      "const n: number = 'str';\nmha.forwrd(x, x, x);\nundefinedName123.foo();\nconst y = x + 1;\nnew nn.MultiheadAttention(8, 2, { batchFrist: true });",
    ]);
    const errors = messages('c3');
    assert.ok(errors.includes("2322: Type 'string' is not assignable to type 'number'."), errors.join('\n'));
    assert.ok(
      errors.some((e) => /^2551: Property 'forwrd' does not exist .*Did you mean 'forward'\?/.test(e)),
      errors.join('\n'),
    );
    assert.ok(errors.includes("2304: Cannot find name 'undefinedName123'."), errors.join('\n'));
    assert.ok(
      errors.some((e) => /^2365: Operator '\+' cannot be applied to types 'Tensor' and 'number'/.test(e)),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => /batchFrist/.test(e)),
      errors.join('\n'),
    );
    const first = service.diagnostics('c3')[0];
    assert.deepEqual([first?.start, first?.length, first?.category], [6, 1, 'error']);
  });

  it('reports none of the notebook noise: redeclared consts, top-level await, never-read top-level names', () => {
    notebook([
      cell1,
      'const mha = new nn.MultiheadAttention(16, 4);\nconst waited = await Promise.resolve(3);\nconst unused = 1;',
      'const mha = 5;\nconst k: number = waited + mha;',
      'const x = randn(2, 3);\ndisplay(x);',
      'const chart = display(plot({ loss: [2, 1] }, { logY: true }));\nchart.update(plot({ loss: [2, 1, 0.5] }));',
      "const name = prompt('Your name?', 'Ada');\nconst letters: number = name === null ? 0 : name.length;",
    ]);
    for (const cellId of ['c1', 'c2', 'c3', 'c4', 'c5', 'c6']) assert.deepEqual(messages(cellId), [], cellId);
  });

  it('carries names in execution order where cells ran, notebook order otherwise', () => {
    const texts = ['const v = 1;', 'const w = v.toFixed(2);', "const v = 'text';"];
    notebook(texts);
    assert.deepEqual(messages('c2'), []);
    // Cell 3 ran before cell 2 was (re-)run: cell 2 sees the string.
    notebook(texts, [1, 3, 2]);
    assert.deepEqual(messages('c2'), [
      `2551: Property 'toFixed' does not exist on type '"text"'. Did you mean 'fixed'?`,
    ]);
    // A cell that has not run sees every cell that has.
    const at = notebook([...texts, 'v|'], [1, 3, 2]);
    assert.equal(service.hover(at.cellId, at.offset)?.signature, 'const v: "text"');
  });

  it('resolves imports of npm packages from the notebook’s folder', () => {
    const at = notebook([
      "import greet from 'esm-only-greeter';\nimport { shout } from 'esm-only-greeter/loud';\nimport { greet as greetCjs } from 'cjs-greeter';",
      'shout(greet(greetCjs("a"))).|',
    ]);
    const names = service.completions(at.cellId, at.offset)?.entries.map((entry) => entry.name) ?? [];
    assert.ok(names.includes('toUpperCase'), names.join());
    assert.deepEqual(messages('c1'), []);
    assert.deepEqual(messages('c2'), []);
    assert.match(service.hover(at.cellId, 0)?.signature ?? '', /shout\(text: any\): string/);
    notebook(["import { nothing } from 'esm-only-greeter/loud';"]);
    assert.deepEqual(messages('c1'), ["2305: Module '\"esm-only-greeter/loud\"' has no exported member 'nothing'."]);
  });

  it('goes to definitions and finds references across cells', () => {
    let at = notebook([cell1, 'const x = randn(2, 3);\nm|ha.forward(x, x, x);\nmha.train();']);
    assert.deepEqual(service.definition(at.cellId, at.offset), [{ cellId: 'c1', start: 49, length: 3 }]);
    const references = service
      .references(at.cellId, at.offset)
      .map((r) => ('cellId' in r ? `${r.cellId}@${r.start}` : ''));
    assert.deepEqual(references.sort(), ['c1@49', 'c2@23', 'c2@45']);
    at = notebook([cell1, 'const x = ra|ndn(2, 3);']);
    const [randn] = service.definition(at.cellId, at.offset);
    assert.ok(randn && 'fileName' in randn && randn.fileName.endsWith('.d.ts'), JSON.stringify(randn));
  });

  it('reads the folder’s @types/node once a cell uses Node beyond its common globals, not before', () => {
    const lazy = new NotebookLanguageService({
      folder,
      notebookName: 'lazy',
      engineDeclarations: join(repoRoot(), 'dist/engine.d.ts'),
    });
    const timer = { id: 'a', text: 'const timer = setTimeout(() => 1, 5);', language: 'typescript' as const };
    lazy.updateCells([timer]);
    // Node's common globals, declared in short: a timer is `any` there, NodeJS.Timeout in @types/node.
    assert.match(lazy.hover('a', 7)?.signature ?? '', /^const timer: any$/);
    const usesNode = "const b = Buffer.from('x');\nprocess.exitCode = 1;\nb.";
    lazy.updateCells([timer, { id: 'b', text: usesNode, language: 'typescript' }]);
    const names = lazy.completions('b', usesNode.length)?.entries.map((entry) => entry.name) ?? [];
    assert.ok(names.includes('readUInt8'), names.slice(0, 20).join());
    assert.deepEqual(lazy.diagnostics('b'), []);
    assert.match(lazy.hover('a', 7)?.signature ?? '', /^const timer: NodeJS\.Timeout$/);
    lazy.dispose();
  });

  it('gives a folder without @types/node Node’s common globals, and the engine’s names as globals', () => {
    const bare = new NotebookLanguageService({
      folder: mkdtempSync(join(tmpdir(), 'attention-lab-bare-')),
      notebookName: 'bare',
      engineDeclarations: join(repoRoot(), 'dist/engine.d.ts'),
    });
    const text = 'const t = tensor([1, 2]);\nconsole.log(t.shape);\nsetTimeout(() => t.sum(), 5);\nprocess.env.HOME;';
    bare.updateCells([{ id: 'a', text, language: 'typescript' }]);
    assert.deepEqual(bare.diagnostics('a'), []);
    assert.match(bare.hover('a', 11)?.signature ?? '', /^\(alias\) tensor\(data: .*\): Tensor$/);
    const [definition] = bare.definition('a', 11);
    assert.ok(definition && 'fileName' in definition && /creation\.d\.ts$/.test(definition.fileName));
    bare.dispose();
  });
});
