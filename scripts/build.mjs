// Builds the bundles with esbuild: `dist/engine.js` (+ `dist/engine.d.ts`) for plain Node, the
// kernel process (`dist/kernel.js` and its control thread), the headless runner and Jupyter kernel
// (`dist/cli.js`), the VS Code extension (`dist/extension.js`), the notebook language service's
// worker thread (`dist/languageServiceWorker.js`, which the extension and `attention-lab kernel
// start` both load from beside themselves, with dist/engine.d.ts) and the notebook renderer
// (`dist/renderer.js`); with --tests, every test/**/*.test.ts into out/test for node's test
// runner; with --bench, the benchmark (bench/) into out/bench.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// gpu.js and acorn are bundled; the optional native module gl, zeromq and esbuild (native
// binaries), and typescript (the notebook language service reads its lib .d.ts files beside it)
// stay in node_modules, and `vscode` is provided by the host.
const native = ['gl', 'esbuild', 'zeromq', 'vscode', 'typescript'];
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'linked',
  external: native,
  logLevel: 'warning',
};

/**
 * Compiles the native backend's C kernels (every .c file in kernel/engine/backends/nativeKernels/)
 * into dist/attentionLabNative.node with the system C compiler (Node-API headers from
 * node-api-headers). Without a compiler the engine still runs: the registry reports the native
 * backend unavailable and says why.
 */
function buildNativeKernels() {
  const output = join(root, 'dist/attentionLabNative.node');
  const sourceDir = join(root, 'kernel/engine/backends/nativeKernels');
  const sources = readdirSync(sourceDir)
    .filter((name) => name.endsWith('.c'))
    .sort();
  const simd = process.arch === 'x64' ? ['-march=x86-64-v3'] : [];
  const linkage = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
  const args = [
    '-O3',
    ...simd,
    '-fno-math-errno',
    '-fPIC',
    '-shared',
    '-fvisibility=hidden',
    '-pthread',
    '-Wall',
    '-I',
    join(root, 'node_modules/node-api-headers/include'),
    ...linkage,
    '-o',
    output,
    ...sources,
    '-lm',
  ];
  try {
    execFileSync(process.env.CC || 'cc', args, { stdio: 'inherit', cwd: sourceDir });
    console.log('built dist/attentionLabNative.node');
  } catch (error) {
    console.warn(
      `warning: the native backend's C kernels did not build (${error.message.split('\n')[0]}); the engine runs on its other backends`,
    );
  }
}

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

if (process.argv.includes('--bench')) {
  // tfjs stays in node_modules, except its gradients: tfjs-core's Node bundle registers none (only the
  // @tensorflow/tfjs package does), so their ES modules are bundled; they register into tfjs's global registry.
  const tfjsGradients = {
    name: 'tfjs-gradients',
    setup(build) {
      build.onResolve({ filter: /^@tensorflow\/tfjs-core\/dist\/register_all_gradients$/ }, (args) => ({
        path: join(root, 'node_modules', `${args.path}.js`),
      }));
    },
  };
  await build({
    ...common,
    external: [...native, 'playwright-core', '@tensorflow/*'],
    plugins: [tfjsGradients],
    entryPoints: [join(root, 'bench/runBenchmark.ts')],
    outfile: join(root, 'out/bench/runBenchmark.js'),
  });
  console.log('built out/bench/runBenchmark.js');
} else if (process.argv.includes('--tests')) {
  rmSync(join(root, 'out'), { recursive: true, force: true });
  const entryPoints = findTests(join(root, 'test'));
  await build({
    ...common,
    external: [...native, 'playwright-core'],
    entryPoints,
    outdir: join(root, 'out/test'),
    outbase: join(root, 'test'),
  });
  console.log(`built ${entryPoints.length} test files into out/test`);
} else {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: [join(root, 'kernel/engine/index.ts')],
    outfile: join(root, 'dist/engine.js'),
  });
  await build({ ...common, entryPoints: [join(root, 'kernel/main.ts')], outfile: join(root, 'dist/kernel.js') });
  await build({
    ...common,
    entryPoints: [join(root, 'kernel/kernelControl.ts')],
    outfile: join(root, 'dist/kernelControl.js'),
  });
  await build({
    ...common,
    entryPoints: [join(root, 'cli/attentionLab.ts')],
    outfile: join(root, 'dist/cli.js'),
    banner: { js: '#!/usr/bin/env node' },
  });
  chmodSync(join(root, 'dist/cli.js'), 0o755);
  await build({
    ...common,
    entryPoints: [join(root, 'extension/extension.ts')],
    outfile: join(root, 'dist/extension.js'),
  });
  await build({
    ...common,
    entryPoints: [join(root, 'languageService/languageServiceWorker.ts')],
    outfile: join(root, 'dist/languageServiceWorker.js'),
  });
  await build({
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    sourcemap: 'linked',
    logLevel: 'warning',
    entryPoints: [join(root, 'webview/renderer.ts')],
    outfile: join(root, 'dist/renderer.js'),
  });
  execFileSync(
    join(root, 'node_modules/.bin/tsc'),
    [
      '-p',
      root,
      '--noEmit',
      'false',
      '--emitDeclarationOnly',
      '--declaration',
      '--outDir',
      join(root, 'dist/types'),
      '--rootDir',
      root,
    ],
    { stdio: 'inherit' },
  );
  const types = relative(join(root, 'dist'), join(root, 'dist/types/kernel/engine/index'));
  writeFileSync(join(root, 'dist/engine.d.ts'), `export * from './${types}';\n`);
  console.log('built dist/engine.js and dist/engine.d.ts');
  buildNativeKernels();
}
