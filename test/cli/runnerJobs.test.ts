// The headless runner as a job runner (dist/cli.js as a real process): --timeout through the
// kernel's interrupt, SIGINT/SIGTERM during a long cell, a kernel killed mid-run, async errors in
// the cell that started them, --allow-errors, papermill-style parameters, prompt() failing at once
// (no input in a headless run), the wait for pending
// timers, atomic writes and the command line's usage errors. Every wait is for an event: the
// runner's exit, a line it printed, a file appearing.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { joinLines, parseNotebook, type JupyterCell, type JupyterNotebook } from '../../cli/notebookFile';
import { noInputMessage } from '../../cli/notebookRun';
import { repoRoot } from '../helpers/repoRoot';

interface Runner {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once the runner printed `text` on stdout. */
  printed(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

type CellSpec = string | { source: string; tags?: string[] };

/** Writes a notebook of TypeScript code cells into a fresh folder and answers its path. */
function writeNotebook(cells: CellSpec[]): string {
  const folder = mkdtempSync(join(tmpdir(), 'attention-lab-job-'));
  const notebook: JupyterNotebook = {
    cells: cells.map((spec): JupyterCell => {
      const { source, tags } = typeof spec === 'string' ? { source: spec, tags: undefined } : spec;
      return { cell_type: 'code', source, metadata: tags ? { tags } : {}, outputs: [], execution_count: null };
    }),
    metadata: { language_info: { name: 'typescript' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  const path = join(folder, 'job.ipynb');
  writeFileSync(path, JSON.stringify(notebook));
  return path;
}

function startRunner(args: string[]): Runner {
  const child = spawn(process.execPath, [join(repoRoot(), 'dist/cli.js'), ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  const waits = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    waits.forEach((check) => check());
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    printed: (text) =>
      new Promise((resolve) => {
        const check = () => {
          if (!stdout.includes(text)) return;
          waits.delete(check);
          resolve();
        };
        waits.add(check);
        check();
      }),
  };
}

async function run(notebookPath: string, ...args: string[]) {
  const runner = startRunner(['run', notebookPath, '--backend', 'reference', ...args]);
  const { code } = await runner.exited;
  return { code, stdout: runner.stdout(), stderr: runner.stderr() };
}

function readOutput(notebookPath: string): JupyterCell[] {
  const path = notebookPath.replace(/\.ipynb$/, '.out.ipynb');
  return parseNotebook(readFileSync(path, 'utf8'), path).cells;
}

function streamText(cell: JupyterCell): string {
  return (cell.outputs ?? [])
    .filter((o) => o.output_type === 'stream')
    .map((o) => joinLines(o.text))
    .join('');
}

function errors(cell: JupyterCell): { ename?: string; evalue?: string; traceback?: string[] }[] {
  return (cell.outputs ?? []).filter((o) => o.output_type === 'error');
}

describe('attention-lab run as a job', () => {
  it('--timeout interrupts a busy cell, records the timeout in it, keeps earlier outputs and exits 1', async () => {
    const path = writeNotebook(["console.log('first ran'); 6 * 7", 'let spins = 0;\nwhile (true) spins++;', "'never'"]);
    const { code, stderr } = await run(path, '--timeout', '2');
    assert.equal(code, 1);
    assert.match(stderr, /CellTimeoutError: cell timed out after 2 s/);
    const [first, busy, after] = readOutput(path);
    assert.equal(streamText(first), 'first ran\n');
    assert.deepEqual(first.outputs?.[1].data, { 'text/plain': ['42'] });
    assert.deepEqual(
      errors(busy).map((e) => [e.ename, e.evalue]),
      [['CellTimeoutError', 'cell timed out after 2 s']],
    );
    assert.deepEqual([after.execution_count, after.outputs], [null, []]);
  });

  it('kills the kernel when a timed-out cell does not stop at the interrupt (blocked outside JavaScript)', async () => {
    const blocked = "import { execSync } from 'node:child_process';\nconsole.log('blocking');\nexecSync('sleep 30');";
    const path = writeNotebook(["console.log('first ran')", blocked, "'never'"]);
    const { code } = await run(path, '--timeout', '1', '--allow-errors');
    assert.equal(code, 1, 'a dead kernel fails the run, also with --allow-errors');
    const [first, stuck, after] = readOutput(path);
    assert.equal(streamText(first), 'first ran\n');
    assert.equal(streamText(stuck), 'blocking\n');
    assert.deepEqual(
      errors(stuck).map((e) => [e.ename, e.evalue, e.traceback?.[1]]),
      [
        [
          'CellTimeoutError',
          'cell timed out after 1 s',
          '    at cell 2 (the cell did not stop at the interrupt, so the kernel was killed)',
        ],
      ],
    );
    assert.equal(after.execution_count, null);
  });

  for (const [signal, exitCode, longCell] of [
    ['SIGINT', 130, "console.log('long cell started');\nwhile (true) {}"],
    ['SIGTERM', 143, "console.log('long cell started');\nawait new Promise(() => {});"],
  ] as const) {
    it(`${signal} interrupts the running cell, writes everything that ran and exits ${exitCode}`, async () => {
      const path = writeNotebook(["console.log('first ran')", longCell, "console.log('never')"]);
      const runner = startRunner(['run', path, '--backend', 'reference']);
      await runner.printed('long cell started\n');
      runner.child.kill(signal);
      const { code } = await runner.exited;
      assert.equal(code, exitCode, runner.stderr());
      const [first, long, after] = readOutput(path);
      assert.equal(streamText(first), 'first ran\n');
      assert.equal(streamText(long), 'long cell started\n');
      assert.deepEqual(
        errors(long).map((e) => [e.ename, e.evalue]),
        [['Interrupted', `the run was stopped by ${signal}`]],
      );
      assert.equal(long.execution_count, 2);
      assert.deepEqual([after.execution_count, after.outputs], [null, []]);
    });
  }

  it('writes what ran and the crash in the running cell when the kernel dies mid-run', async () => {
    // The kill is a cell of its own: output printed just before a kill may die with the process (as
    // in any kernel), while a finished cell's output has reached the runner before the next cell starts.
    const path = writeNotebook([
      "console.log('first ran')",
      "console.log('about to die')",
      'process.kill(process.pid);',
      "'never'",
    ]);
    const { code, stderr } = await run(path);
    assert.equal(code, 1);
    assert.match(stderr, /The kernel process was killed by SIGTERM/);
    const [first, second, dying, after] = readOutput(path);
    assert.equal(streamText(first), 'first ran\n');
    assert.equal(streamText(second), 'about to die\n');
    assert.equal(streamText(dying), '');
    assert.deepEqual(
      errors(dying).map((e) => [e.ename, e.evalue]),
      [['KernelDied', 'The kernel process was killed by SIGTERM.']],
    );
    assert.equal(after.execution_count, null);
  });

  it("puts a timer's uncaught error and an unhandled rejection in the cell that started them, and fails the run", async () => {
    const path = writeNotebook([
      [
        'const released = new Promise((resolve) => ((globalThis as any).release = resolve));',
        'const late = released.then(() => new Promise<void>((done) => setTimeout(() => {',
        "  Promise.reject(new Error('rejected late'));",
        '  done();',
        "  throw new Error('timer threw');",
        '})));',
        "'scheduled'",
      ].join('\n'),
      // Node reports an unhandled rejection once the promise jobs ran: the next turn of the event loop.
      "(globalThis as any).release();\nawait late;\nawait new Promise((r) => setImmediate(r));\nconsole.log('second cell ran')",
      "console.log('never')",
    ]);
    const { code, stderr } = await run(path);
    assert.equal(code, 1, stderr);
    const [first, second, third] = readOutput(path);
    const firstErrors = errors(first);
    assert.deepEqual(firstErrors.map((e) => [e.ename, e.evalue]).sort(), [
      ['Error', 'rejected late'],
      ['Error', 'timer threw'],
    ]);
    assert.ok(firstErrors.some((e) => e.traceback?.[0] === 'Uncaught Error: timer threw'));
    assert.ok(firstErrors.some((e) => e.traceback?.[0] === 'Uncaught (in promise) Error: rejected late'));
    assert.ok(firstErrors.every((e) => e.traceback?.some((line) => /\(?cell 1:\d+:\d+\)?/.test(line))));
    assert.deepEqual(errors(second), []);
    assert.equal(streamText(second), 'second cell ran\n');
    assert.equal(third.execution_count, null, 'a failure stops the run before the next cell');
  });

  it('writes no output for a cell that ends with a declaration, and the result of one that ends with an expression', async () => {
    const path = writeNotebook([
      "import { nn, randn } from 'attention-lab'; const mha = new nn.MultiheadAttention(8, 2);",
      'mha.embedDim',
    ]);
    const { code, stderr } = await run(path);
    assert.equal(code, 0, stderr);
    const [declaring, expression] = readOutput(path);
    assert.deepEqual(declaring.outputs, []);
    assert.deepEqual(
      (expression.outputs ?? []).map((o) => [o.output_type, joinLines(o.data?.['text/plain'] as string | string[])]),
      [['execute_result', '8']],
    );
  });

  it('clearOutput() empties the cell at once; with { wait: true } when its next output arrives', async () => {
    const path = writeNotebook([
      "console.log('first');\nclearOutput();\nconsole.log('second');",
      "console.log('old');\ndisplay('old view');\nclearOutput({ wait: true });\nconsole.log('new');\n1 + 1",
      "console.log('stays');\nclearOutput({ wait: true });",
      'clearOutput({ wiat: true });',
    ]);
    const { code } = await run(path, '--allow-errors');
    assert.equal(code, 0);
    const [cleared, waited, nothingAfter, misspelled] = readOutput(path);
    const kinds = (cell: JupyterCell) => (cell.outputs ?? []).map((o) => o.output_type);
    assert.deepEqual([kinds(cleared), streamText(cleared)], [['stream'], 'second\n']);
    assert.deepEqual([kinds(waited), streamText(waited)], [['stream', 'execute_result'], 'new\n']);
    assert.deepEqual([kinds(nothingAfter), streamText(nothingAfter)], [['stream'], 'stays\n']);
    assert.match(errors(misspelled)[0]?.evalue ?? '', /clearOutput.*'wiat'.*wait/);
  });

  it('fails a cell that calls prompt() at once, pointing to -p parameters, and runs no cell after it', async () => {
    const path = writeNotebook([
      "let answered = 'no';\nconst name = prompt('Your name?');\nanswered = 'yes';",
      'answered',
    ]);
    const { code, stderr } = await run(path);
    assert.equal(code, 1);
    assert.match(noInputMessage, /^prompt\(\) was called, but the headless runner has no input: .* -p NAME VALUE/);
    assert.ok(stderr.includes(noInputMessage), stderr);
    const [asking, after] = readOutput(path);
    assert.deepEqual(
      errors(asking).map((e) => [e.ename, e.evalue, e.traceback?.[1]]),
      [['StdinNotImplementedError', noInputMessage, '    at cell 1:2:14']],
    );
    assert.deepEqual(after.outputs, []);
  });

  it('waits for the pending timers of the last cell, so their output and errors land in it', async () => {
    // Whenever the timers fire (before or after the runner asks which are pending), their output
    // reaches the kernel's channel before the answer that none is left.
    const path = writeNotebook([
      "setTimeout(() => { console.log('late output'); setTimeout(() => { throw new Error('later still'); }, 20); }, 500);",
    ]);
    const { code } = await run(path);
    assert.equal(code, 1);
    const [cell] = readOutput(path);
    assert.equal(streamText(cell), 'late output\n');
    assert.deepEqual(
      errors(cell).map((e) => e.evalue),
      ['later still'],
    );
  });

  it('stops waiting for a timer that never ends at --timeout, and the run still succeeds', async () => {
    const path = writeNotebook(["setInterval(() => {}, 1000); setTimeout(() => {}, 10).unref(); 'ticking'"]);
    // The bound is also each cell's: long enough that the cell itself never reaches it.
    const { code, stdout, stderr } = await run(path, '--timeout', '5');
    assert.equal(code, 0, stderr);
    assert.match(stdout, /waiting for pending timers \(1 of cell 1\)/);
    assert.match(stderr, /stopped waiting for pending timers after 5 s/);
  });

  it('--allow-errors runs on past failing and timed-out cells and exits 0', async () => {
    const path = writeNotebook([
      "throw new Error('first fails')",
      'while (true) {}',
      "setTimeout(() => { throw new Error('async fails') }); 'scheduled'",
      "await new Promise((r) => setTimeout(r, 0));\nconsole.log('last ran')",
    ]);
    const { code, stderr } = await run(path, '--allow-errors', '--timeout', '3');
    assert.equal(code, 0, stderr);
    const cells = readOutput(path);
    assert.deepEqual(
      cells.map((cell) => errors(cell).map((e) => e.ename)),
      [['Error'], ['CellTimeoutError'], ['Error'], []],
    );
    assert.equal(streamText(cells[3]), 'last ran\n');
  });

  it('injects -p parameters papermill-style after the parameters cell, typed as papermill types them', async () => {
    const path = writeNotebook([
      { source: "let learningRate = 0.1;\nconst label = 'default';\nconst epochs = 1;", tags: ['parameters'] },
      'console.log(JSON.stringify({ learningRate, label, epochs, verbose, shape }))',
    ]);
    const { code, stderr } = await run(
      path,
      ...['-p', 'learningRate', '-0.05', '-p', 'label', 'run 7', '-p', 'epochs', '3', '-r', 'verbose', 'True'],
      ...['-p', 'shape', '[2, 3]'],
    );
    assert.equal(code, 0, stderr);
    assert.match(stderr, /the parameters cell does not declare 'verbose'/);
    const [parameters, injected, printed] = readOutput(path);
    assert.deepEqual(parameters.metadata.tags, ['parameters']);
    assert.deepEqual(injected.metadata.tags, ['injected-parameters']);
    assert.equal(
      joinLines(injected.source),
      '// Parameters\nlet learningRate = -0.05;\nconst label = "run 7";\nconst epochs = 3;\nconst verbose = "True";\nconst shape = [2,3];',
    );
    assert.match(injected.id ?? '', /^[0-9a-f]{8}$/);
    assert.deepEqual(JSON.parse(streamText(printed)), {
      learningRate: -0.05,
      label: 'run 7',
      epochs: 3,
      verbose: 'True',
      shape: [2, 3],
    });
  });

  it('puts parameters in a new first cell when no cell is tagged parameters, and replaces an injected one', async () => {
    const path = writeNotebook([
      { source: '// Parameters\nconst size = 1;', tags: ['injected-parameters'] },
      'console.log(size, typeof enabled)',
    ]);
    const { code, stderr } = await run(path, '-p', 'size', '4', '-p', 'enabled', 'false');
    assert.equal(code, 0, stderr);
    assert.match(stderr, /no cell is tagged 'parameters'/);
    const cells = readOutput(path);
    assert.equal(cells.length, 2);
    assert.equal(joinLines(cells[0].source), '// Parameters\nconst size = 4;\nconst enabled = false;');
    assert.equal(streamText(cells[1]), '4 boolean\n');
  });

  it('writes NOTEBOOK.out.ipynb by default, overwrites the input only with --inplace, and leaves no temporary file', async () => {
    const path = writeNotebook(['6 * 7']);
    const original = readFileSync(path, 'utf8');
    assert.equal((await run(path)).code, 0);
    assert.equal(readFileSync(path, 'utf8'), original);
    assert.deepEqual(readOutput(path)[0].outputs?.[0].data, { 'text/plain': ['42'] });
    assert.equal((await run(path, '--inplace')).code, 0);
    const inPlace = parseNotebook(readFileSync(path, 'utf8'), path);
    assert.deepEqual(inPlace.cells[0].outputs?.[0].data, { 'text/plain': ['42'] });
    const folder = join(path, '..');
    assert.deepEqual(readdirSync(folder).sort(), ['job.ipynb', 'job.out.ipynb']);
  });

  it('leaves the old output file whole when the runner is killed while writing', async () => {
    // About 10 MB of output, so the write is still going when the temporary file appears.
    const path = writeNotebook(["console.log('x'.repeat(10_000_000))"]);
    const folder = join(path, '..');
    const outPath = join(folder, 'job.out.ipynb');
    const old = `${JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 })}\n`;
    writeFileSync(outPath, old);
    const runner = startRunner(['run', path, '--backend', 'reference', '--quiet']);
    const watcher = watch(folder, (_event, name) => {
      if (name?.startsWith('.job.out.ipynb.') && name.endsWith('.tmp')) runner.child.kill('SIGKILL');
    });
    const { signal } = await runner.exited;
    watcher.close();
    assert.equal(signal, 'SIGKILL');
    const leftovers = readdirSync(folder).filter((name) => name.endsWith('.tmp'));
    const written = readFileSync(outPath, 'utf8');
    // Killed before the rename (the temporary file is left): the old file is untouched. Killed after
    // it: the new file is whole. Never anything in between.
    if (leftovers.length) assert.equal(written, old);
    else assert.equal(joinLines(parseNotebook(written, outPath).cells[0].outputs?.[0].text).length, 10_000_001);
  });

  it('answers --help per command and names a bad flag in a usage error (exit 2)', async () => {
    const help = startRunner(['run', '--help']);
    assert.equal((await help.exited).code, 0);
    assert.match(help.stdout(), /usage: attention-lab run NOTEBOOK\.ipynb/);
    assert.match(help.stdout(), /--allow-errors/);
    for (const [args, named] of [
      [['run', 'job.ipynb', '--bogus'], /Unknown option '--bogus'/],
      [['run', 'job.ipynb', '--timeout', 'soon'], /'--timeout' needs a number of seconds above 0, got 'soon'/],
      [['run', 'job.ipynb', '-p', 'alpha'], /option '-p' needs NAME VALUE/],
      [['run', 'job.ipynb', '--inplace', '-o', 'x.ipynb'], /'--inplace' and '--output' exclude each other/],
      [['launch'], /unknown command 'launch'/],
    ] as const) {
      const runner = startRunner([...args]);
      assert.equal((await runner.exited).code, 2, args.join(' '));
      assert.match(runner.stderr(), named);
      assert.match(runner.stderr(), /Try 'attention-lab( run)? --help'/);
    }
  });
});
