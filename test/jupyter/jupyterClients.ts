/**
 * For the Jupyter tests: an Attention Lab kernelspec installed into a temporary Jupyter data folder
 * (JUPYTER_PATH / JUPYTER_DATA_DIR point there, so a user's own Jupyter folders are never touched),
 * and Debian's real clients (jupyter_client, nbconvert) run against it with /usr/bin/python3.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/repoRoot';

export const systemPython = '/usr/bin/python3';

/** Why the Jupyter tests cannot run here, or undefined when Debian's Jupyter packages are installed. */
export function jupyterMissing(): string | undefined {
  const probe = spawnSync(systemPython, ['-c', 'import jupyter_client, nbclient, nbconvert'], { encoding: 'utf8' });
  return probe.status === 0
    ? undefined
    : 'needs python3-jupyter-client, python3-nbclient and jupyter-nbconvert (Debian packages)';
}

export interface JupyterHome {
  env: NodeJS.ProcessEnv;
  dataDir: string;
}

/** A fresh Jupyter data folder with the kernelspec `attention-lab` installed by the CLI (extra install flags allowed). */
export function installTestKernelSpec(extraFlags: string[] = []): JupyterHome {
  const dataDir = mkdtempSync(join(tmpdir(), 'attention-lab-jupyter-'));
  const env = {
    ...process.env,
    JUPYTER_DATA_DIR: dataDir,
    JUPYTER_PATH: dataDir,
    JUPYTER_CONFIG_DIR: join(dataDir, 'config'),
    JUPYTER_RUNTIME_DIR: join(dataDir, 'runtime'),
  };
  const cli = join(repoRoot(), 'dist/cli.js');
  const installed = spawnSync(process.execPath, [cli, 'kernel', 'install', '--user', ...extraFlags], {
    env,
    encoding: 'utf8',
  });
  if (installed.status !== 0) throw new Error(`kernel install failed: ${installed.stderr}`);
  return { env, dataDir };
}

export interface ProcessOutcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (waiting for its exit event) and answers what it printed. */
export function runToEnd(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = repoRoot(),
): Promise<ProcessOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
