/**
 * `attention-lab run NOTEBOOK.ipynb [-o OUT.ipynb] [--backend NAME]`: the headless runner. It runs
 * every code cell through the same kernel process VS Code uses (dist/kernel.js over fd 3), prints
 * each cell's text output, writes the outputs into the .ipynb as VS Code would, and exits 1 when a
 * cell fails (the cells after it are not run).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { KernelNotification, OutputBundle } from '../protocol/kernelProtocol';
import { minOutputBytes } from '../protocol/outputPayloads';
import { KernelClient } from '../extension/kernelClient';
import {
  appendStream,
  bundleOutput,
  cellLanguage,
  errorOutput,
  joinLines,
  parseNotebook,
  type JupyterOutput,
} from './notebookFile';

const usage = `usage: attention-lab run NOTEBOOK.ipynb [-o OUT.ipynb] [--backend auto|NAME] [--max-output-bytes N] [--quiet]
  Runs every TypeScript/JavaScript cell in a fresh kernel and writes the outputs
  (to OUT.ipynb, or back into NOTEBOOK.ipynb). Exits 1 when a cell fails.
  --max-output-bytes N: the cap on each tensor, attention or stage output (default 1048576).`;

interface RunOptions {
  notebookPath: string;
  outputPath: string;
  backend: string;
  quiet: boolean;
  /** The cap on each rich output (--max-output-bytes); the kernel's default when absent. */
  maxOutputBytes?: number;
}

function parseArguments(argv: string[]): RunOptions {
  const [command, ...rest] = argv;
  if (command !== 'run') throw new Error(usage);
  let notebookPath: string | undefined;
  let outputPath: string | undefined;
  let backend = 'auto';
  let quiet = false;
  let maxOutputBytes: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '-o' || arg === '--output') outputPath = rest[++i];
    // Output cap (issue 17, bounded outputs): checked here so a bad value fails before the kernel starts.
    else if (arg === '--max-output-bytes') maxOutputBytes = parseMaxOutputBytes(rest[++i]);
    else if (arg === '--backend') backend = rest[++i];
    else if (arg === '--quiet') quiet = true;
    else if (!arg.startsWith('-') && !notebookPath) notebookPath = arg;
    else throw new Error(`unknown argument '${arg}'\n${usage}`);
  }
  if (!notebookPath || !backend) throw new Error(usage);
  return {
    notebookPath: resolve(notebookPath),
    outputPath: resolve(outputPath ?? notebookPath),
    backend,
    quiet,
    maxOutputBytes,
  };
}

/** `--max-output-bytes N`: a whole number of bytes, at least the protocol's minimum. */
export function parseMaxOutputBytes(text: string | undefined): number {
  const bytes = Number(text);
  if (!text || !Number.isInteger(bytes) || bytes < minOutputBytes)
    throw new Error(
      `--max-output-bytes: expected a whole number of bytes, at least ${minOutputBytes}; got '${text ?? ''}'`,
    );
  return bytes;
}

function textOf(bundle: OutputBundle): string {
  return (
    bundle.items.find((item) => item.mime === 'text/plain')?.data ??
    `[${bundle.items.map((item) => item.mime).join(', ')}]`
  );
}

export async function runNotebook(options: RunOptions): Promise<number> {
  const notebook = parseNotebook(readFileSync(options.notebookPath, 'utf8'), options.notebookPath);
  const outputsByCell = new Map<string, JupyterOutput[]>();
  const print = (text: string, stream: 'stdout' | 'stderr' = 'stdout') => {
    if (!options.quiet) process[stream].write(text);
  };
  const onNotification = (message: KernelNotification) => {
    const outputs = outputsByCell.get(message.cellId);
    if (!outputs) return;
    if (message.type === 'stream') {
      appendStream(outputs, message.stream, message.text);
      print(message.text, message.stream);
    } else if (message.type === 'display') {
      outputs.push(bundleOutput(message.bundle));
      print(`${textOf(message.bundle)}\n`);
    } else {
      const at = outputs.findIndex(
        (o) => (o.metadata?.transient as { display_id?: string } | undefined)?.display_id === message.bundle.displayId,
      );
      if (at >= 0) outputs[at] = bundleOutput(message.bundle);
      print(`${textOf(message.bundle)}\n`);
    }
  };
  const { client, hello } = await KernelClient.start({
    kernelPath: join(__dirname, 'kernel.js'),
    cwd: dirname(options.notebookPath),
    backend: options.backend,
    maxOutputBytes: options.maxOutputBytes,
    onNotification,
    onProcessOutput: (stream, text) => print(text, stream),
  });
  print(`attention-lab: ${options.notebookPath}\nkernel pid ${hello.pid}, engine backend ${hello.backend}\n`);
  let executionCount = 0;
  let failed = false;
  try {
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== 'code') continue;
      const language = cellLanguage(cell, notebook);
      const source = joinLines(cell.source);
      if (failed || !language) {
        if (!language)
          print(
            `\n── cell ${index + 1}: skipped (language ${cell.metadata.vscode?.languageId} is not TypeScript or JavaScript)\n`,
          );
        continue;
      }
      const cellId = `cell-${index}`;
      const outputs: JupyterOutput[] = [];
      outputsByCell.set(cellId, outputs);
      cell.outputs = outputs;
      cell.execution_count = ++executionCount;
      print(`\n── cell ${index + 1} [${executionCount}] ──\n`);
      const started = new Date();
      const result = await client.execute(cellId, `cell ${index + 1}`, source, language).catch((error: Error) => ({
        status: 'error' as const,
        error: { name: 'KernelDied', message: error.message, traceback: [error.message] },
      }));
      cell.metadata.execution = {
        'iopub.execute_input': started.toISOString(),
        'shell.execute_reply': new Date().toISOString(),
      };
      if (result.status === 'ok') {
        result.outputs.forEach((bundle, i) => {
          outputs.push(bundleOutput(bundle, i === result.outputs.length - 1 ? executionCount : undefined));
          print(`${textOf(bundle)}\n`);
        });
      } else {
        const error =
          result.status === 'error'
            ? result.error
            : { name: 'Interrupted', message: 'the cell was interrupted', traceback: ['Interrupted'] };
        outputs.push(errorOutput(error));
        print(`${error.traceback.join('\n')}\n`, 'stderr');
        failed = true;
      }
    }
  } finally {
    await client.shutdown();
  }
  mkdirSync(dirname(options.outputPath), { recursive: true });
  writeFileSync(options.outputPath, `${JSON.stringify(notebook, null, 1)}\n`);
  print(`\n${failed ? 'failed' : 'ok'}: ${executionCount} cells run, outputs written to ${options.outputPath}\n`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  let options: RunOptions;
  try {
    options = parseArguments(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  runNotebook(options).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`attention-lab: ${error.message}`);
      process.exit(1);
    },
  );
}
