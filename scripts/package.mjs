// Packages the extension as a .vsix with @vscode/vsce: builds the bundles, then packs dist/ with the
// one runtime dependency, esbuild (a native binary, so the .vsix targets this platform). gpu.js and
// acorn are inside the bundles; headless-gl is left out: the engine reports it unavailable and runs
// on its native C kernels or gpu.js's WebAssembly backend. Writes attention-lab.vsix at the root.
import { execFileSync } from 'node:child_process';

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
