// The Jupyter kernel through Debian's jupyter_client (KernelManager + BlockingKernelClient), one
// scenario per client process (protocolScenarios.py): kernel_info, results, streams, display and
// update, errors with cell lines, stop_on_error, late output under its own request, complete and
// inspect (the editor's language service over the cells that ran, live tensors), is_complete,
// history, interrupt of a busy loop with state kept, prompt() as stdin's input_request (answered,
// refused, interrupted), restart, a message with a wrong signature dropped, and a shutdown that
// leaves no process; then kernel list/remove.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../helpers/repoRoot';
import { installTestKernelSpec, jupyterMissing, runToEnd, systemPython, type JupyterHome } from './jupyterClients';

const skip = jupyterMissing();
const scenarios = join(repoRoot(), 'test/jupyter/protocolScenarios.py');

interface Message {
  msg_type: string;
  content: Record<string, unknown>;
}
interface Completion {
  matches: string[];
  cursor_start: number;
  cursor_end: number;
  metadata: {
    _jupyter_types_experimental: { text: string; type: string; signature: string; start: number; end: number }[];
  };
}
interface Inspection {
  found: boolean;
  data: Record<string, string>;
}
interface Execution {
  reply: Record<string, unknown>;
  iopub: Message[];
}

describe('attention-lab as a Jupyter kernel (jupyter_client)', { skip }, () => {
  let home: JupyterHome;
  before(() => {
    home = installTestKernelSpec(['--backend', 'reference']);
  });

  async function scenario(name: string, ...args: string[]): Promise<Record<string, unknown>> {
    const { status, stdout, stderr } = await runToEnd(systemPython, [scenarios, name, ...args], home.env);
    assert.equal(status, 0, `${name} failed:\n${stderr}`);
    return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  }

  it('writes a kernelspec Jupyter reads: argv with {connection_file}, message interrupts, logos', () => {
    const dir = join(home.dataDir, 'kernels/attention-lab');
    const spec = JSON.parse(readFileSync(join(dir, 'kernel.json'), 'utf8'));
    assert.equal(spec.display_name, 'Attention Lab (TypeScript)');
    assert.equal(spec.language, 'typescript');
    assert.equal(spec.interrupt_mode, 'message');
    assert.deepEqual(spec.argv.slice(1), [
      join(repoRoot(), 'dist/cli.js'),
      'kernel',
      'start',
      '--backend',
      'reference',
      '--connection-file',
      '{connection_file}',
    ]);
    for (const logo of ['logo-32x32.png', 'logo-64x64.png'])
      assert.equal(readFileSync(join(dir, logo)).subarray(1, 4).toString(), 'PNG');
    const listed = spawnSync(systemPython, ['-m', 'jupyter_client.kernelspecapp', 'list', '--json'], {
      env: home.env,
      encoding: 'utf8',
    });
    const specs = JSON.parse(listed.stdout).kernelspecs as Record<string, { resource_dir: string }>;
    assert.equal(specs['attention-lab']?.resource_dir, dir, 'jupyter_client finds it under the temporary JUPYTER_PATH');
  });

  it('answers kernel_info, execute, display/update, clear_output, errors, complete, inspect, is_complete and history', async () => {
    const found = await scenario('basics');
    const info = found.kernel_info as { protocol_version: string; language_info: { name: string } };
    assert.equal(info.protocol_version, '5.3');
    assert.equal(info.language_info.name, 'typescript');

    const result = found.result as Execution;
    assert.deepEqual(
      result.iopub.map((m) => m.msg_type),
      ['status', 'execute_input', 'stream', 'execute_result', 'status'],
    );
    assert.deepEqual(result.iopub[2].content, { name: 'stdout', text: 'rows 2\n' });
    const data = result.iopub[3].content.data as Record<string, unknown>;
    assert.equal(data['text/plain'], 'tensor(10)');
    assert.equal((data['application/vnd.attention-lab.tensor+json'] as { kind: string }).kind, 'tensor');
    assert.deepEqual(result.reply, { status: 'ok', execution_count: 1, user_expressions: {}, payload: [] });

    const display = (found.display as Execution).iopub.slice(2, 5);
    assert.deepEqual(
      display.map((m) => [m.msg_type, (m.content.data as Record<string, string> | undefined)?.['text/plain']]),
      [
        ['display_data', 'first'],
        ['update_display_data', 'second'],
        ['stream', undefined],
      ],
    );
    assert.equal(
      (display[0].content.transient as { display_id: string }).display_id,
      (display[1].content.transient as { display_id: string }).display_id,
    );

    const clear = (found.clear as Execution).iopub.slice(2, 5);
    assert.deepEqual(
      clear.map((m) => [m.msg_type, m.content]),
      [
        ['stream', { name: 'stdout', text: 'gone\n' }],
        ['clear_output', { wait: true }],
        ['stream', { name: 'stdout', text: 'shown\n' }],
      ],
    );

    const error = found.error as Execution;
    assert.equal(error.reply.status, 'error');
    assert.equal(error.reply.ename, 'RangeError');
    assert.deepEqual(error.reply.traceback, ['RangeError: bad index', '    at f (In [3]:2:9)', '    at In [3]:4:1']);
    assert.ok(error.iopub.some((m) => m.msg_type === 'error'));

    const silent = found.silent as Execution;
    assert.deepEqual(
      silent.iopub.map((m) => m.msg_type),
      ['status', 'stream', 'status'],
      'no execute_input or result when silent',
    );
    assert.equal((found.after_silent as Execution).reply.execution_count, 4, 'a silent cell takes no execution count');

    const member = found.complete_member as Completion;
    assert.deepEqual([member.matches, member.cursor_start, member.cursor_end], [['sub', 'sub_', 'sum'], 2, 4]);
    assert.deepEqual(
      member.metadata._jupyter_types_experimental.map(({ text, type, start, end }) => [text, type, start, end]),
      [
        ['sub', 'method', 2, 4],
        ['sub_', 'method', 2, 4],
        ['sum', 'method', 2, 4],
      ],
    );
    assert.match(member.metadata._jupyter_types_experimental[0].signature, /^\(method\) Tensor\.sub\(other: /);
    assert.deepEqual((found.complete_global as Completion).matches, ['handle']);
    const inspected = found.inspect as Inspection;
    assert.match(inspected.data['text/plain'], /^\(alias\) softmax\(input: Tensor/);
    assert.match(inspected.data['text/markdown'], /^```typescript\n\(alias\) softmax\(/);
    assert.equal(
      (found.inspect_value as Inspection).data['text/plain'],
      'x: Tensor (2, 2) int64 · reference\nconst x: Tensor',
      'the live shape, dtype and backend, then the static type',
    );
    assert.equal((found.inspect_missing as Inspection).found, false);

    assert.deepEqual(found.is_complete, {
      'const a = 1': { status: 'complete' },
      'function g() {\n  return 1;': { status: 'incomplete', indent: '  ' },
      'for (const i of [1, 2]) {': { status: 'incomplete', indent: '  ' },
      'const = 3': { status: 'invalid' },
      'x.sum(': { status: 'incomplete', indent: '  ' },
    });
    assert.deepEqual((found.history as { history: unknown }).history, [
      [1, 3, 'function f() {\n  throw new RangeError("bad index");\n}\nf()'],
      [1, 4, 'x.shape'],
    ]);
    assert.deepEqual(found.comm_info, { status: 'ok', comms: {} });
    assert.deepEqual(found.stop_on_error, ['ok', 'error', 'aborted']);
    assert.equal(found.ran_after_error, 'undefined');
    const late = found.late_output as { parent: string; first: string; second: string };
    assert.equal(late.parent, late.first, 'a timer prints under the request of the cell that started it');
  });

  it("completes and inspects from the editor's language service over the cells that ran, live tensors included", async (t) => {
    const found = await scenario('language_service');
    const matches = (key: string) => (found[key] as Completion).matches;
    const member = found.member as Completion;
    assert.deepEqual([member.matches, member.cursor_start, member.cursor_end], [['inProjBias', 'inProjWeight'], 4, 7]);
    assert.deepEqual(
      member.metadata._jupyter_types_experimental.map(({ type, signature }) => [type, signature]),
      [
        ['getter', '(property) MultiheadAttention.inProjBias: Tensor | null'],
        ['getter', '(property) MultiheadAttention.inProjWeight: Tensor | null'],
      ],
    );
    assert.deepEqual(matches('namespace'), ['MultiheadAttention']);
    assert.equal((found.namespace as Completion).metadata._jupyter_types_experimental[0].type, 'class');
    assert.equal(matches('earlier_cell_name')[0], 'mha', "an earlier cell's name ranks first");
    assert.ok(matches('earlier_cell_name').includes('matmul'), 'the engine globals are there');
    const emoji = found.emoji_before_cursor as Completion;
    assert.deepEqual(
      [emoji.matches, emoji.cursor_start, emoji.cursor_end],
      [['inProjBias', 'inProjWeight'], 19, 22],
      'cursor positions count unicode code points: the emoji is one',
    );
    const insideWord = found.inside_word as Completion;
    assert.deepEqual([insideWord.cursor_start, insideWord.cursor_end], [4, 11], 'the whole word is replaced');
    assert.deepEqual(matches('eval_global'), ['madeByEval'], 'a global made at run time, from the live scope');
    assert.deepEqual(matches('eval_member'), ['alpha'], 'a value the service cannot type: its live properties');

    const method = (found.method as Inspection).data;
    assert.match(
      method['text/plain'],
      /^\(method\) MultiheadAttention\.forward\(query: Tensor, key: Tensor, value: Tensor/,
    );
    assert.match(method['text/plain'], /\n\nReturns \[attnOutput, attnWeights \| null\]/, 'with its JSDoc');
    assert.match(method['text/markdown'], /^```typescript\n\(method\) MultiheadAttention\.forward\(/);
    assert.equal((found.earlier_cell_type as Inspection).data['text/plain'], 'const mha: nn.MultiheadAttention');
    const tensor = (found.tensor as Inspection).data;
    assert.equal(tensor['text/plain'], 'q: Tensor (2, 5, 8) float32 · reference\nconst q: Tensor');
    assert.equal(
      tensor['text/markdown'],
      '```text\nq: Tensor (2, 5, 8) float32 · reference\n```\n\n```typescript\nconst q: Tensor\n```',
    );
    assert.match(
      (found.call as Inspection).data['text/plain'],
      /^forward\(query: Tensor, key: Tensor/,
      'inside a call',
    );
    assert.equal((found.eval_value as Inspection).data['text/plain'], 'v: Array\n[ 1, 2 ]\nconst v: any');
    assert.equal((found.missing as Inspection).found, false);
    // A measurement, not a limit: the service starts on the first question (the TypeScript program is built then).
    t.diagnostic(
      `first complete_request answered in ${Number(found.first_answer_s).toFixed(2)} s, the next in ` +
        `${Number(found.second_answer_s).toFixed(2)} s (load average ${loadavg()[0].toFixed(1)})`,
    );
  });

  it('interrupts `while (true) {}` through interrupt_request and keeps every variable', async () => {
    const found = await scenario('interrupt');
    const reply = found.interrupted_reply as Record<string, unknown>;
    assert.equal(reply.status, 'error');
    assert.equal(reply.ename, 'Interrupted');
    assert.equal(found.after, '42');
  });

  it("answers prompt() with stdin's input_request and input_reply, refuses it without allow_stdin, interrupts it", async () => {
    const found = await scenario('stdin');
    const request = found.request as { content: unknown; parent: string; asked: string };
    assert.deepEqual(request.content, { prompt: 'Your name?', password: false });
    assert.equal(request.parent, request.asked, 'the input_request carries the execute request as its parent');
    assert.equal((found.answered_reply as { status: string }).status, 'ok');
    assert.equal(found.answered_result, 'hello Grace');
    const refused = found.refused_reply as Record<string, unknown>;
    assert.equal(refused.status, 'error');
    assert.equal(refused.ename, 'StdinNotImplementedError');
    assert.equal(refused.evalue, 'prompt() was called, but this frontend does not support input requests.');
    assert.equal(found.unanswered_parent, true);
    const interrupted = found.interrupted_reply as Record<string, unknown>;
    assert.equal(interrupted.status, 'error');
    assert.equal(interrupted.ename, 'Interrupted');
    assert.equal(found.after, '42', 'the interrupted cell ran up to its prompt(), and kept its variables');
  });

  it('restarts into a fresh kernel process', async () => {
    const found = await scenario('restart');
    assert.notEqual(found.pid_before, found.pid_after);
    assert.equal(found.kept_after, 'undefined');
  });

  it('drops and logs a message signed with the wrong key, never running it', async () => {
    const found = await scenario('wrong_signature', join(home.dataDir, 'kernel-stderr.log'));
    assert.equal(found.forged, 'undefined');
    assert.match(String(found.log), /dropped a message on shell: bad HMAC-SHA256 signature/);
  });

  it('shuts down on shutdown_request leaving no process behind', async () => {
    const found = await scenario('shutdown');
    assert.equal(found.front_end_alive, false);
    assert.equal(found.kernel_alive, false, `kernel process ${found.kernel_pid} outlived the shutdown`);
  });

  after(() => {
    if (!home) return;
    const cli = join(repoRoot(), 'dist/cli.js');
    const listed = spawnSync(process.execPath, [cli, 'kernel', 'list'], { env: home.env, encoding: 'utf8' });
    assert.match(listed.stdout, /^attention-lab\s/m);
    const removed = spawnSync(process.execPath, [cli, 'kernel', 'remove', '--user'], {
      env: home.env,
      encoding: 'utf8',
    });
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(existsSync(join(home.dataDir, 'kernels/attention-lab')), false);
  });
});
