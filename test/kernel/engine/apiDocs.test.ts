// Every public engine name has a JSDoc, read from the shipped declarations (dist/engine.d.ts, what
// the editor's hover, completion and signature help show): each export (namespaces walked), each
// public member of an exported class, each property of an exported interface or object type, and
// each option of an options object a public function or method takes. An option, function or method
// whose PyTorch name differs (camelCase for snake_case) says it: "(PyTorch: batch_first)".
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../../helpers/repoRoot';

/** The engine's API as `attention-lab` importers see it, with the names that lack what they need. */
interface DocReport {
  /** Every public name walked, as `nn.MultiheadAttention.forward` or `F.pad options.mode`. */
  names: Set<string>;
  undocumented: string[];
  /** camelCase options, functions and methods whose doc does not name PyTorch's snake_case spelling. */
  withoutPytorchName: string[];
}

/**
 * camelCase functions and methods with no PyTorch (or d2l, labml) counterpart of that spelling; every other
 * one names its snake_case original in its doc (`torch.count_nonzero`, `(PyTorch: state_dict)`).
 */
const engineOnlyNames = new Set([
  // The engine's own: no PyTorch counterpart.
  'toView',
  'withLayout',
  'dataSync',
  'toArray',
  'toString',
  'getBackend',
  'setBackend',
  'attentionWeightsInfo',
  'tagAttentionWeights',
  'watchSaved',
  // torch spells these as one word: get_printoptions, set_printoptions (their docs say so).
  'getPrintOptions',
  'setPrintOptions',
]);

/** PyTorch's snake_case spelling of a camelCase option name (`batchFirst` → `batch_first`). */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function walkDeclarations(declarationFile: string): DocReport {
  const program = ts.createProgram([declarationFile], { noEmit: true, skipLibCheck: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(declarationFile);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`no module in ${declarationFile}`);
  const report: DocReport = { names: new Set(), undocumented: [], withoutPytorchName: [] };
  const seen = new Set<ts.Node>();
  const visitedTypes = new Set<ts.Type>();

  const docOf = (symbol: ts.Symbol) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const resolve = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  /** Reports a name once per declaration (an inherited member counts where it is declared). */
  const firstVisit = (symbol: ts.Symbol) => {
    const declaration = symbol.declarations?.[0];
    if (!declaration || seen.has(declaration)) return false;
    seen.add(declaration);
    return true;
  };
  const requireDoc = (symbol: ts.Symbol, name: string) => {
    report.names.add(name);
    const doc = docOf(symbol);
    if (!doc) report.undocumented.push(name);
    const snake = snakeCase(symbol.name);
    const callable = symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Method);
    if (callable && snake !== symbol.name && !engineOnlyNames.has(symbol.name) && !doc.includes(snake))
      report.withoutPytorchName.push(`${name} (PyTorch: ${snake})`);
  };
  const isPublic = (symbol: ts.Symbol) => {
    const declaration = symbol.declarations?.[0];
    if (!declaration || symbol.name.startsWith('#') || symbol.name.startsWith('__')) return false;
    if (ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'internal')) return false;
    return !(ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected));
  };

  /**
   * The properties of an engine object type: an exported interface's, or an options object's (a type
   * literal or an `...Options` interface a function takes), which also name PyTorch's spelling.
   */
  const inEngine = (node: ts.Node) => node.getSourceFile().fileName.includes('/dist/types/');
  /**
   * The properties of an engine object type: an exported interface's, or an options object's (a type
   * literal, an intersection, or an `...Options` interface a function takes), which also name PyTorch's
   * spelling. An intersection's properties are checked merged, as the editor shows them.
   */
  const walkProperties = (type: ts.Type, owner: string, fromParameter: boolean): void => {
    if (type.isUnion()) {
      for (const part of type.types) walkProperties(part, owner, fromParameter);
      return;
    }
    if (!(type.flags & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) || visitedTypes.has(type)) return;
    visitedTypes.add(type);
    // Positional-or-options rest parameters: `...args: [dropout?, ...] | [MultiheadAttentionOptions]`.
    if (checker.isTupleType(type)) {
      for (const element of checker.getTypeArguments(type as ts.TypeReference))
        walkProperties(element, owner, fromParameter);
      return;
    }
    if (type.getCallSignatures().length || checker.isArrayLikeType(type)) return;
    let isOption = fromParameter;
    if (!type.isIntersection()) {
      const declaration = type.symbol?.declarations?.[0];
      if (!declaration || !inEngine(declaration)) return;
      const literal = ts.isTypeLiteralNode(declaration);
      const optionsInterface = ts.isInterfaceDeclaration(declaration) && /Options$/.test(declaration.name.text);
      if (fromParameter ? !literal && !optionsInterface : !literal && !ts.isInterfaceDeclaration(declaration)) return;
      isOption = literal || optionsInterface;
    }
    for (const property of checker.getPropertiesOfType(type)) {
      const declaration = property.declarations?.[0];
      if (!declaration || !inEngine(declaration) || !firstVisit(property)) continue;
      const name = `${owner} options.${property.name}`;
      requireDoc(property, name);
      const pytorchName = snakeCase(property.name);
      // d2l's and labml's modules name their own (PyTorch-code) keyword: "(d2l: valid_lens)".
      const named = new RegExp(`\\((PyTorch|d2l|labml): ${pytorchName}\\)`);
      if (isOption && pytorchName !== property.name && !named.test(docOf(property)))
        report.withoutPytorchName.push(`${name} (PyTorch: ${pytorchName})`);
    }
  };
  const walkSignatures = (symbol: ts.Symbol, name: string) => {
    const type = checker.getTypeOfSymbol(symbol);
    for (const signature of [...type.getCallSignatures(), ...type.getConstructSignatures()]) {
      for (const parameter of signature.getParameters()) {
        const parameterType = checker.getNonNullableType(checker.getTypeOfSymbol(parameter));
        walkProperties(parameterType, name, true);
      }
    }
  };
  const walkMembers = (properties: ts.Symbol[], owner: string) => {
    for (const member of properties) {
      if (!isPublic(member) || member.name === 'prototype' || !firstVisit(member)) continue;
      const name = `${owner}.${member.name}`;
      requireDoc(member, name);
      walkSignatures(member, name);
    }
  };
  /** A class's own public constructor: signature help on `new nn.Linear(` shows its doc. */
  const walkConstructors = (symbol: ts.Symbol, name: string) => {
    for (const signature of checker.getTypeOfSymbol(symbol).getConstructSignatures()) {
      const declaration = signature.getDeclaration();
      if (!declaration || !ts.isConstructorDeclaration(declaration) || seen.has(declaration)) continue;
      seen.add(declaration);
      if (ts.getCombinedModifierFlags(declaration) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue;
      report.names.add(`${name}.constructor`);
      if (!ts.displayPartsToString(signature.getDocumentationComment(checker)).trim())
        report.undocumented.push(`${name}.constructor`);
    }
  };
  const walkExport = (exported: ts.Symbol, name: string) => {
    const symbol = resolve(exported);
    if (symbol.flags & ts.SymbolFlags.Module) {
      for (const inner of checker.getExportsOfModule(symbol)) walkExport(inner, `${name}.${inner.name}`);
      return;
    }
    if (!firstVisit(symbol)) return;
    requireDoc(symbol, name);
    walkSignatures(symbol, name);
    if (symbol.flags & ts.SymbolFlags.Class) {
      walkConstructors(symbol, name);
      walkMembers(checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)), name);
      walkMembers(checker.getPropertiesOfType(checker.getTypeOfSymbol(symbol)), name);
    } else if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
      walkProperties(checker.getDeclaredTypeOfSymbol(symbol), name, false);
    }
  };
  for (const exported of checker.getExportsOfModule(moduleSymbol)) walkExport(exported, exported.name);
  return report;
}

describe('engine API documentation', () => {
  const declarationFile = join(repoRoot(), 'dist/engine.d.ts');
  const report = () => {
    assert.ok(existsSync(declarationFile), 'dist/engine.d.ts is missing: run `node scripts/build.mjs` first');
    return walkDeclarations(declarationFile);
  };
  let walked: DocReport | undefined;
  const docs = () => (walked ??= report());

  it('walks the whole public API: namespaces, class members, and options objects', () => {
    const { names } = docs();
    for (const name of [
      'randn',
      'Tensor.matmul',
      'Tensor.shape',
      'nn.MultiheadAttention',
      'nn.MultiheadAttention.forward',
      'nn.MultiheadAttention.inProjWeight',
      'nn.MultiheadAttention options.batchFirst',
      'nn.Module.loadStateDict',
      'F.scaledDotProductAttention',
      'optim.Optimizer.step',
    ])
      assert.ok(names.has(name), `${name} is not among the ${names.size} names walked:\n${[...names].join('\n')}`);
  });

  it('has a JSDoc on every public name', () => {
    const { undocumented } = docs();
    assert.deepEqual(
      undocumented,
      [],
      `${undocumented.length} public names have no JSDoc:\n${undocumented.join('\n')}`,
    );
  });

  it("names PyTorch's spelling in the doc of every camelCase option, function and method", () => {
    const { withoutPytorchName } = docs();
    assert.deepEqual(
      withoutPytorchName,
      [],
      `${withoutPytorchName.length} names do not give PyTorch's spelling:\n${withoutPytorchName.join('\n')}`,
    );
  });
});
