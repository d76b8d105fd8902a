// Packages the extension as a .vsix with @vscode/vsce: builds the bundles, then packs dist/ (with
// the engine's .d.ts files) and the runtime dependencies: esbuild (a native binary, so the .vsix
// targets this platform) and typescript (the notebook language service, with its ECMAScript lib
// .d.ts files; .vscodeignore picks the files). gpu.js and acorn are inside the bundles; headless-gl
// is left out: the engine reports it unavailable and runs on its native C kernels or gpu.js's
// WebAssembly backend. Checks that the .vsix carries what IntelliSense needs. Writes
// attention-lab.vsix at the root.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const target = `${process.platform}-${process.arch}`;
const run = (file, args) => execFileSync(file, args, { cwd: root, stdio: 'inherit' });

run(process.execPath, ['scripts/build.mjs']);
run(process.execPath, [
  'node_modules/@vscode/vsce/vsce',
  'package',
  '--target',
  target,
  '--no-rewrite-relative-links',
  '--allow-missing-repository',
  '--out',
  'attention-lab.vsix',
]);

// What cells' IntelliSense loads at runtime: a .vsix without it answers nothing, so fail here.
const zip = readFileSync(new URL('../attention-lab.vsix', import.meta.url)).toString('latin1');
const required = [
  'extension/dist/languageServiceWorker.js',
  'extension/dist/engine.d.ts',
  'extension/syntaxes/attention-lab-typescript.tmLanguage.json',
  'extension/syntaxes/attention-lab-typescript.language-configuration.json',
  'extension/dist/types/kernel/engine/index.d.ts',
  'extension/dist/types/kernel/displayHandle.d.ts',
  'extension/node_modules/typescript/lib/typescript.js',
  'extension/node_modules/typescript/lib/lib.es2022.d.ts',
  'extension/node_modules/typescript/lib/lib.es5.d.ts',
];
const missing = required.filter((path) => !zip.includes(path));
if (missing.length) {
  console.error(`attention-lab.vsix lacks ${missing.join(', ')}`);
  process.exit(1);
}
