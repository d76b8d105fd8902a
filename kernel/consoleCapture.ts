// What cells print (console methods, process.stdout/stderr writes) becomes stream text for the
// client instead of the kernel process's own output: the caller decides which cell it goes to.
import { formatWithOptions } from 'node:util';

/** Replaces console's methods and the process's stdout/stderr writes with `write(stream, text)`. */
export function captureConsole(write: (stream: 'stdout' | 'stderr', text: string) => void): void {
  const format = (args: unknown[]) => `${formatWithOptions({ colors: false, depth: 4 }, ...args)}\n`;
  const toStdout = (...args: unknown[]) => write('stdout', format(args));
  const toStderr = (...args: unknown[]) => write('stderr', format(args));
  Object.assign(console, { log: toStdout, info: toStdout, debug: toStdout, warn: toStderr, error: toStderr });
  console.trace = (...args: unknown[]) => {
    const stack = new Error().stack?.split('\n').slice(2).join('\n') ?? '';
    write('stderr', `Trace: ${format(args)}${stack}\n`);
  };
  console.dir = (value: unknown) => toStdout(value);
  for (const [stream, name] of [
    [process.stdout, 'stdout'],
    [process.stderr, 'stderr'],
  ] as const) {
    stream.write = ((chunk: string | Uint8Array) => {
      write(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof stream.write;
  }
}
