/**
 * `attention-lab`, the package's command line (dist/cli.js). `attention-lab run NOTEBOOK.ipynb`
 * runs a notebook headless through the same kernel process VS Code uses (notebookRun.ts);
 * `attention-lab kernel ...` installs and serves it as a Jupyter kernel (jupyter/). Parsed
 * with Node's util.parseArgs: `--help` for each command, and a usage error (exit 2) names the bad flag.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { minOutputBytes } from '../protocol/outputPayloads';
import { JupyterKernel } from './jupyter/jupyterKernel';
import {
  defaultKernelName,
  installKernelSpec,
  kernelDisplayName,
  listKernelSpecs,
  removeKernelSpec,
  type SpecLocation,
} from './jupyter/kernelSpec';
import { LanguageServiceIntelligence } from './jupyter/languageServiceIntelligence';
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
  kernel SUBCOMMAND    install, list, remove or start the Jupyter kernel ('attention-lab kernel --help')
  help [COMMAND]       show this help, or a command's`;

const kernelHelp = `usage: attention-lab kernel SUBCOMMAND [options]

Attention Lab as a Jupyter kernel: Jupyter Notebook, JupyterLab, JupyterHub, nbclient/nbconvert,
papermill and VS Code's Jupyter extension run its cells in the same kernel process as VS Code.

subcommands:
  install [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT] [--backend NAME]
            write the kernelspec (kernel.json and logos) where Jupyter finds it: the user's data
            folder (--user), the active Python environment (--sys-prefix), DIR/share/jupyter
            (--prefix, e.g. for a container image), or by default the system's
            (/usr/local/share/jupyter); NAME defaults to '${defaultKernelName}', the name our .ipynb
            files carry; --backend pins the engine backend (default: auto)
  list      list the Attention Lab kernelspecs Jupyter finds, in its search order
  remove [--user | --sys-prefix | --prefix DIR] [--name NAME]
            remove a kernelspec (by default the first one named NAME that Jupyter finds)
  start --connection-file FILE [--backend NAME]
            serve the Jupyter protocol on the connection file's sockets (Jupyter runs this from
            kernel.json; there is no need to run it by hand)

options:
  -h, --help   show this help`;

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

/** util.parseArgs with a usage error that names the command. */
function parseCommand<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], command: string, options: T) {
  try {
    return parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>({
      args,
      options,
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, command);
  }
}

const locationFlags = {
  user: { type: 'boolean' },
  'sys-prefix': { type: 'boolean' },
  prefix: { type: 'string' },
  name: { type: 'string', default: defaultKernelName },
  help: { type: 'boolean', short: 'h' },
} as const;

function specLocation(values: { user?: boolean; 'sys-prefix'?: boolean; prefix?: string }): SpecLocation | undefined {
  const given = [values.user && '--user', values['sys-prefix'] && '--sys-prefix', values.prefix && '--prefix'];
  if (given.filter(Boolean).length > 1)
    throw new UsageError(`${given.filter(Boolean).join(' and ')} exclude each other`, 'kernel');
  if (values.user) return { kind: 'user' };
  if (values['sys-prefix']) return { kind: 'sys-prefix' };
  if (values.prefix !== undefined) return { kind: 'prefix', dir: values.prefix };
  return undefined;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string }).version;
}

async function kernelCommand(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') {
    if (subcommand === undefined) throw new UsageError('no subcommand given', 'kernel');
    console.log(kernelHelp);
    return exitCodes.ok;
  }
  if (subcommand === 'install') {
    const { values } = parseCommand(rest, 'kernel', {
      ...locationFlags,
      'display-name': { type: 'string', default: kernelDisplayName },
      backend: { type: 'string' },
    });
    if (values.help) return (console.log(kernelHelp), exitCodes.ok);
    const dir = installKernelSpec({
      location: specLocation(values) ?? { kind: 'system' },
      name: String(values.name),
      displayName: String(values['display-name']),
      backend: values.backend as string | undefined,
      cliPath: __filename,
      logosDir: join(__dirname, '../cli/jupyter/logos'),
      version: packageVersion(),
    });
    console.log(`installed kernelspec ${values.name} in ${dir}`);
    return exitCodes.ok;
  }
  if (subcommand === 'list') {
    const { values } = parseCommand(rest, 'kernel', { help: { type: 'boolean', short: 'h' } });
    if (values.help) return (console.log(kernelHelp), exitCodes.ok);
    const specs = listKernelSpecs();
    if (!specs.length)
      console.log("no Attention Lab kernelspec found (install one with 'attention-lab kernel install')");
    for (const { name, dir, spec } of specs) console.log(`${name.padEnd(20)} ${dir}  (${spec.display_name})`);
    return exitCodes.ok;
  }
  if (subcommand === 'remove') {
    const { values } = parseCommand(rest, 'kernel', locationFlags);
    if (values.help) return (console.log(kernelHelp), exitCodes.ok);
    console.log(`removed ${removeKernelSpec(String(values.name), specLocation(values))}`);
    return exitCodes.ok;
  }
  if (subcommand === 'start') {
    const { values } = parseCommand(rest, 'kernel', {
      'connection-file': { type: 'string' },
      backend: { type: 'string', default: 'auto' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) return (console.log(kernelHelp), exitCodes.ok);
    if (values['connection-file'] === undefined) throw new UsageError("'start' needs --connection-file FILE", 'kernel');
    const log = (line: string) => process.stderr.write(`[attention-lab kernel] ${line}\n`);
    await JupyterKernel.serve({
      connectionFile: String(values['connection-file']),
      kernelPath: join(__dirname, 'kernel.js'),
      backend: String(values.backend),
      log,
      // Beside dist/cli.js: the service's worker and the engine's declarations it types cells against.
      intelligence: (client) =>
        new LanguageServiceIntelligence(
          client,
          {
            worker: join(__dirname, 'languageServiceWorker.js'),
            engineDeclarations: join(__dirname, 'engine.d.ts'),
            folder: process.cwd(),
          },
          log,
        ),
    });
    return exitCodes.ok;
  }
  throw new UsageError(`unknown subcommand '${subcommand}'`, 'kernel');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined) throw new UsageError('no command given');
  if (command === '--help' || command === '-h' || (command === 'help' && !args.length)) {
    console.log(mainHelp);
    return exitCodes.ok;
  }
  if (command === 'help') {
    if (args[0] !== 'run' && args[0] !== 'kernel') throw new UsageError(`unknown command '${args[0]}'`);
    console.log(args[0] === 'run' ? runHelp : kernelHelp);
    return exitCodes.ok;
  }
  if (command === 'kernel') return kernelCommand(args);
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
