// Runs every built test (out/test/**/*.test.js) with node's test runner. The headless-gl backend
// needs an X display: without one, the run is wrapped in xvfb-run when it is installed. The
// end-to-end tests need a real VS Code: code-server is installed into .cache/test-vscode first.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const files = (function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? find(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );
})(join(root, 'out/test'));

const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((part) => f.includes(part))) : files;
if (selected.some((f) => f.includes(join('out/test', 'e2e')))) {
  const install = spawnSync('bash', [join(root, 'scripts/installTestVscode.sh'), join(root, '.cache/test-vscode')], {
    stdio: 'inherit',
    cwd: root,
  });
  if (install.status !== 0) process.exit(install.status ?? 1);
}
const nodeArgs = ['--enable-source-maps', '--test', '--test-reporter=spec', ...selected];
const hasXvfb = spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status === 0;
const [command, args] =
  !process.env.DISPLAY && hasXvfb
    ? ['xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
if (!process.env.DISPLAY && !hasXvfb)
  console.log('no X display and no xvfb-run: gpujs-headlessgl will be reported as skipped');
const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
