/**
 * `attention-lab kernel install|list|remove`: the kernelspec Jupyter finds this kernel by — a
 * folder `kernels/attention-lab/` holding kernel.json (how to start it, with `{connection_file}`)
 * and two logos — in the data folders jupyter_client searches (jupyter_core's paths: the user's,
 * a Python environment's, or the system's).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { writeFileAtomically } from '../atomicWrite';

/** The kernelspec name our .ipynb files carry in metadata.kernelspec.name. */
export const defaultKernelName = 'attention-lab';
export const kernelDisplayName = 'Attention Lab (TypeScript)';
const logoNames = ['logo-32x32.png', 'logo-64x64.png'];

/** Where a kernelspec goes: the user's data folder, a Python environment's, a prefix, or the system's. */
export type SpecLocation =
  { kind: 'user' } | { kind: 'sys-prefix' } | { kind: 'prefix'; dir: string } | { kind: 'system' };

/** jupyter_core's user data folder (JUPYTER_DATA_DIR, else the platform's). */
function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return resolve(process.env.JUPYTER_DATA_DIR);
  if (process.platform === 'darwin') return join(homedir(), 'Library/Jupyter');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? homedir(), 'jupyter');
  return join(process.env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'jupyter');
}

/** jupyter_core's system data folders, first the one `jupyter kernelspec install` writes to. */
function systemDataDirs(): string[] {
  if (process.platform === 'win32') return [join(process.env.PROGRAMDATA ?? 'C:\\ProgramData', 'jupyter')];
  return ['/usr/local/share/jupyter', '/usr/share/jupyter'];
}

/** The active Python environment's prefix: a virtualenv's or conda's, else what `python3` says. */
function pythonPrefix(): string {
  const active = process.env.VIRTUAL_ENV || process.env.CONDA_PREFIX;
  if (active) return active;
  for (const python of ['python3', 'python']) {
    const asked = spawnSync(python, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' });
    if (asked.status === 0 && asked.stdout.trim()) return asked.stdout.trim();
  }
  throw new Error('--sys-prefix: no active Python environment (VIRTUAL_ENV, CONDA_PREFIX) and no python3 on PATH');
}

export function kernelsDir(location: SpecLocation): string {
  switch (location.kind) {
    case 'user':
      return join(userDataDir(), 'kernels');
    case 'sys-prefix':
      return join(pythonPrefix(), 'share/jupyter/kernels');
    case 'prefix':
      return join(resolve(location.dir), 'share/jupyter/kernels');
    case 'system':
      return join(systemDataDirs()[0], 'kernels');
  }
}

/** Every kernels folder Jupyter searches, in its order (JUPYTER_PATH, the user's, the environment's, the system's). */
function searchedKernelsDirs(): string[] {
  const fromEnv = (process.env.JUPYTER_PATH ?? '').split(delimiter).filter(Boolean);
  const environment = process.env.VIRTUAL_ENV || process.env.CONDA_PREFIX;
  const dataDirs = [
    ...fromEnv,
    userDataDir(),
    ...(environment ? [join(environment, 'share/jupyter')] : []),
    ...systemDataDirs(),
  ];
  return [...new Set(dataDirs.map((dir) => join(resolve(dir), 'kernels')))];
}

export interface KernelJson {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: 'message' | 'signal';
  metadata: { attention_lab: { version: string } };
}

/** kernel.json: this Node runs dist/cli.js (absolute paths, so Jupyter needs no `node` on its PATH). */
export function kernelJson(
  cliPath: string,
  version: string,
  backend: string | undefined,
  displayName: string,
): KernelJson {
  return {
    argv: [
      process.execPath,
      cliPath,
      'kernel',
      'start',
      ...(backend ? ['--backend', backend] : []),
      '--connection-file',
      '{connection_file}',
    ],
    display_name: displayName,
    language: 'typescript',
    // Interrupts arrive as interrupt_request on the control socket: the kernel stops the cell and keeps its state.
    interrupt_mode: 'message',
    metadata: { attention_lab: { version } },
  };
}

export interface InstallOptions {
  location: SpecLocation;
  name: string;
  displayName: string;
  backend?: string;
  cliPath: string;
  logosDir: string;
  version: string;
}

/** Writes the kernelspec folder (replacing an older one of the same name) and answers its path. */
export function installKernelSpec(options: InstallOptions): string {
  const dir = join(kernelsDir(options.location), options.name);
  mkdirSync(dir, { recursive: true });
  const spec = kernelJson(options.cliPath, options.version, options.backend, options.displayName);
  writeFileAtomically(join(dir, 'kernel.json'), `${JSON.stringify(spec, null, 2)}\n`);
  for (const logo of logoNames) copyFileSync(join(options.logosDir, logo), join(dir, logo));
  return dir;
}

export interface InstalledSpec {
  name: string;
  dir: string;
  spec: KernelJson;
}

/** The Attention Lab kernelspecs Jupyter would find; the first of a name is the one it uses. */
export function listKernelSpecs(): InstalledSpec[] {
  const found: InstalledSpec[] = [];
  for (const kernels of searchedKernelsDirs()) {
    if (!existsSync(kernels)) continue;
    for (const name of readdirSync(kernels).sort()) {
      const file = join(kernels, name, 'kernel.json');
      if (!existsSync(file)) continue;
      try {
        const spec = JSON.parse(readFileSync(file, 'utf8')) as KernelJson;
        if (spec.metadata?.attention_lab) found.push({ name, dir: join(kernels, name), spec });
      } catch {
        // Not a readable kernel.json: not one of ours to list.
      }
    }
  }
  return found;
}

/** Removes the kernelspec `name` from `location`, or the first one Jupyter finds; answers the removed folder. */
export function removeKernelSpec(name: string, location?: SpecLocation): string {
  const dir = location
    ? join(kernelsDir(location), name)
    : listKernelSpecs().find((installed) => installed.name === name)?.dir;
  if (!dir || !existsSync(join(dir, 'kernel.json')))
    throw new Error(`no Attention Lab kernelspec '${name}'${location ? ` in ${kernelsDir(location)}` : ''}`);
  rmSync(dir, { recursive: true, force: true });
  return dir;
}
