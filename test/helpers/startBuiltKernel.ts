/**
 * The built kernel (dist/kernel.js) started as the extension starts it, for the kernel, runner and
 * renderer tests and the benchmark: one place that knows the bundle's path and the default folder.
 */
import { join } from 'node:path';
import { KernelClient, type KernelStartOptions } from '../../extension/kernelClient';
import { repoRoot } from './repoRoot';

/** A backend to run on (or 'auto'); the folder and a notification handler only where a caller needs its own. */
export type BuiltKernelOptions = Omit<KernelStartOptions, 'kernelPath' | 'cwd' | 'onNotification' | 'backend'> &
  Partial<Pick<KernelStartOptions, 'cwd' | 'onNotification'>> & { backend: string };

/** Starts dist/kernel.js in `cwd` (default: the repository root); notifications are dropped unless handled. */
export function startBuiltKernel(options: BuiltKernelOptions): ReturnType<typeof KernelClient.start> {
  const root = repoRoot();
  const defaults = { kernelPath: join(root, 'dist/kernel.js'), cwd: root, onNotification: () => undefined };
  return KernelClient.start({ ...defaults, ...options });
}
