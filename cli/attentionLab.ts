/**
 * `attention-lab`, the package's command line (dist/cli.js). `attention-lab run NOTEBOOK.ipynb`
 * runs a notebook headless through the same kernel process VS Code uses (notebookRun.ts). Parsed
 * with Node's util.parseArgs: `--help` for each command, and a usage error (exit 2) names the bad flag.
 */
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { minOutputBytes } from '../protocol/outputPayloads';
import { parseParameterValue, type NotebookParameter } from './notebookParameters';
import { exitCodes, NotebookRun, type RunOptions } from './notebookRun';

const exitUsage = 2;

/** `--max-output-bytes N`: a whole number of bytes, at least the protocol's minimum. */
function isOutputCap(text: string): boolean {
  const bytes = Number(text);
  return text.trim() !== '' && Number.isInteger(bytes) && bytes >= minOutputBytes;
}

const runHelp = `usage: attention-lab run NOTEBOOK.ipynb [options]

Runs every TypeScript/JavaScript cell of NOTEBOOK.ipynb, in order, in a fresh kernel, and writes
the notebook with its outputs (by default to NOTEBOOK.out.ipynb next to it).

options:
  -o, --output OUT.ipynb   write the executed notebook here
      --inplace            overwrite NOTEBOOK.ipynb itself
  -p, --parameter NAME VALUE
                           set a parameter, papermill-style (repeatable): VALUE is a number,
                           true/false (True/False), null (None), JSON, or else a string; injected as
                           a cell tagged 'injected-parameters' after the cell tagged 'parameters'
  -r, --parameter-raw NAME VALUE
                           the same, VALUE always a string
      --timeout SECONDS    interrupt a cell that runs longer, record "cell timed out after SECONDS s"
                           in it and stop (default: no limit); also bounds the wait for pending timers
      --allow-errors       run on past failing cells, and exit 0
      --backend NAME       engine backend: auto (default), native, gpujs-headlessgl, gpujs-webasm,
                           gpujs-cpu, reference
      --max-output-bytes N the cap on each tensor, attention or stages output (default 1048576):
                           a bigger tensor is shown as block means of every element plus its
                           leading block
  -q, --quiet              print nothing but the runner's own errors
  -h, --help               show this help

exit codes: 0 every cell ran without error; 1 a cell failed, timed out, threw from a timer or
promise, or the kernel died; 2 a usage error; 130 / 143 stopped by SIGINT / SIGTERM (the cell
that was running is interrupted and the notebook is written with everything that ran).`;

const mainHelp = `usage: attention-lab COMMAND [options]

commands:
  run NOTEBOOK.ipynb   run a notebook headless and write its outputs ('attention-lab run --help')
  help [COMMAND]       show this help, or a command's`;

class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const parameterFlags = new Map([
  ['-p', 'typed'],
  ['--parameter', 'typed'],
  ['-r', 'raw'],
  ['--parameter-raw', 'raw'],
]);

/** Takes `-p NAME VALUE` pairs out of `args` (two values, which parseArgs does not do; VALUE may start with '-'). */
function takeParameters(args: string[]): { rest: string[]; parameters: NotebookParameter[] } {
  const rest: string[] = [];
  const parameters: NotebookParameter[] = [];
  for (let i = 0; i < args.length; i++) {
    const kind = parameterFlags.get(args[i]);
    if (args[i] === '--') {
      rest.push(...args.slice(i));
      break;
    }
    if (!kind) {
      rest.push(args[i]);
      continue;
    }
    const [name, value] = [args[i + 1], args[i + 2]];
    if (name === undefined || value === undefined) throw new UsageError(`option '${args[i]}' needs NAME VALUE`, 'run');
    parameters.push({ name, value: kind === 'raw' ? value : parseParameterValue(value) });
    i += 2;
  }
  return { rest, parameters };
}

function parseRunArguments(args: string[]): RunOptions | 'help' {
  const { rest, parameters } = takeParameters(args);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        output: { type: 'string', short: 'o' },
        inplace: { type: 'boolean' },
        timeout: { type: 'string' },
        'allow-errors': { type: 'boolean' },
        backend: { type: 'string', default: 'auto' },
        'max-output-bytes': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, 'run');
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length ? `one notebook at a time, got ${positionals.join(' ')}` : 'no notebook given',
      'run',
    );
  if (values.inplace && values.output !== undefined)
    throw new UsageError("'--inplace' and '--output' exclude each other", 'run');
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!(timeoutSeconds > 0) || !Number.isFinite(timeoutSeconds))
      throw new UsageError(`option '--timeout' needs a number of seconds above 0, got '${values.timeout}'`, 'run');
  }
  const maxOutputBytes = values['max-output-bytes'];
  if (maxOutputBytes !== undefined && !isOutputCap(maxOutputBytes))
    throw new UsageError(
      `option '--max-output-bytes' needs a whole number of bytes, at least ${minOutputBytes}, got '${maxOutputBytes}'`,
      'run',
    );
  const notebookPath = resolve(positionals[0]);
  const defaultOutput = join(dirname(notebookPath), `${basename(notebookPath, extname(notebookPath))}.out.ipynb`);
  return {
    notebookPath,
    outputPath: values.inplace ? notebookPath : resolve(values.output ?? defaultOutput),
    backend: values.backend,
    quiet: values.quiet === true,
    timeoutSeconds,
    allowErrors: values['allow-errors'] === true,
    parameters,
    maxOutputBytes: maxOutputBytes === undefined ? undefined : Number(maxOutputBytes),
  };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) throw new UsageError('no command given');
  if (command === '--help' || command === '-h' || (command === 'help' && !args.length)) {
    console.log(mainHelp);
    return exitCodes.ok;
  }
  if (command === 'help') {
    if (args[0] !== 'run') throw new UsageError(`unknown command '${args[0]}'`);
    console.log(runHelp);
    return exitCodes.ok;
  }
  if (command !== 'run') throw new UsageError(`unknown command '${command}'`);
  const options = parseRunArguments(args);
  if (options === 'help') {
    console.log(runHelp);
    return exitCodes.ok;
  }
  const run = new NotebookRun(options);
  process.on('SIGINT', () => run.stop('SIGINT'));
  process.on('SIGTERM', () => run.stop('SIGTERM'));
  return run.run();
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      if (error instanceof UsageError) {
        const help = error.command ? `attention-lab ${error.command} --help` : 'attention-lab --help';
        console.error(`attention-lab${error.command ? ` ${error.command}` : ''}: ${error.message}\nTry '${help}'.`);
        process.exit(exitUsage);
      }
      console.error(`attention-lab: ${error.message}`);
      process.exit(exitCodes.failed);
    },
  );
}
