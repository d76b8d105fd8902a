// Enforces the architecture's layers on every import in the product folders: each rule names
// which files it covers, what they may not import, and why (the message printed when broken).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
// Every module of the backends folder but the registry, as import targets (repository paths without extension).
const backendsFolder = 'kernel/engine/backends';
const backendFiles = readdirSync(join(root, backendsFolder))
  .filter((name) => /\.(ts|tsx|mts)$/.test(name))
  .map((name) => `${backendsFolder}/${name.replace(/\.[^.]+$/, '')}`)
  .filter((path) => path !== `${backendsFolder}/registry`);

const rules = [
  {
    files: /^protocol\//,
    forbid: (target) => !target.startsWith('protocol/'),
    why: 'protocol/ is shared by all three processes and imports nothing outside itself (no node:, vscode, DOM or gpu.js).',
  },
  {
    files: /^webview\//,
    forbid: (target) =>
      !/^(webview|protocol)\//.test(target) &&
      target !== '@vscode/webview-ui-toolkit' &&
      target !== 'vscode-notebook-renderer',
    why: 'webview/ runs in the browser sandbox: it imports only protocol/, the webview UI toolkit and the renderer API types.',
  },
  {
    files: /^kernel\//,
    forbid: (target) => target === 'vscode' || /^(extension|webview)\//.test(target),
    why: 'kernel/ is a child Node process: it never imports vscode, extension/ or webview/.',
  },
  {
    files: /^languageService\//,
    forbid: (target) => !/^(languageService|protocol)\//.test(target) && !/^(typescript|node:.*)$/.test(target),
    why: 'languageService/ (the notebook language service) is shared by the editor and the kernel front-ends: it imports only protocol/, node: modules and typescript.',
  },
  {
    files: /^extension\//,
    forbid: (target) => /^(kernel|webview|cli)\//.test(target),
    why: 'extension/ sees the kernel only through protocol/ messages, never its code.',
  },
  {
    files: /^extension\/kernelClient\.ts$/,
    forbid: (target) => target === 'vscode',
    why: 'kernelClient.ts is shared with the headless runner, which has no vscode module.',
  },
  {
    files: /^cli\//,
    forbid: (target) =>
      target === 'vscode' ||
      /^(kernel|webview)\//.test(target) ||
      (target.startsWith('extension/') && target !== 'extension/kernelClient'),
    why: 'cli/ (the headless runner) drives a kernel process through extension/kernelClient, protocol/ and languageService/ only.',
  },
  {
    files: /^kernel\/engine\//,
    forbid: (target, file) => target === 'gpu.js' && file !== 'kernel/engine/backends/gpujs.ts',
    why: 'only backends/gpujs.ts knows gpu.js.',
  },
  {
    files: /^kernel\//,
    forbid: (target, file) => backendFiles.includes(target) && !file.startsWith(`${backendsFolder}/`),
    why: 'ops, tensors and the kernel see backends only through the Backend interface and the registry.',
  },
];

function sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|mts)$/.test(e.name) ? [path] : [];
  });
}

/** Import specifiers (statements that start a line), relative ones resolved to repository paths without extension. */
function importsOf(file) {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [
    ...text.matchAll(
      /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/gm,
    ),
  ]
    .map((m) => m[1] ?? m[2] ?? m[3])
    // Imports written inside template strings (code the language service generates) are not imports.
    .filter((s) => !s.includes('${'));
  return specifiers.map((s) =>
    s.startsWith('.') ? relative(root, resolve(root, dirname(file), s)).replace(/\/index$/, '') : s,
  );
}

const problems = [];
const files = ['protocol', 'extension', 'kernel', 'webview', 'cli', 'languageService'].flatMap(sourceFiles);
for (const file of files) {
  for (const target of importsOf(file)) {
    for (const rule of rules) {
      if (rule.files.test(file) && rule.forbid(target, file))
        problems.push(`${file}: imports '${target}': ${rule.why}`);
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`layers ok: ${files.length} files checked against ${rules.length} rules`);
