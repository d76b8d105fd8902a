// The built kernel (dist/kernel.js) as a real child process, driven over the protocol without
// VS Code: handshake, persistence, imports, streaming order, late output, displays, errors,
// interrupt, prompt() input requests, restart and crash. Uses the reference backend so values are exact and fast.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  KernelCrashedError,
  unsupportedInputMessage,
  type KernelClient,
  type KernelStartOptions,
} from '../../extension/kernelClient';
import type { ExecuteResult, InputRequest, KernelNotification, OutputBundle } from '../../protocol/kernelProtocol';
import { mimeTypes } from '../../protocol/mimeTypes';
import type { AttentionOutput, TensorOutput } from '../../protocol/outputPayloads';
import { decodeTensor } from '../../protocol/tensorWire';
import { repoRoot } from '../helpers/repoRoot';
import { startBuiltKernel } from '../helpers/startBuiltKernel';

const notebookFolder = join(repoRoot(), 'test/fixtures/notebookFolder');

interface Kernel {
  client: KernelClient;
  notes: KernelNotification[];
  run(code: string, language?: 'typescript' | 'javascript'): Promise<ExecuteResult>;
  /** Resolves when a cell has printed `line` (output streams out even while a cell is busy). */
  printed(line: string): Promise<void>;
}

let cellCount = 0;

async function startKernel(
  nodeOptions: string[] = [],
  onInputRequest?: KernelStartOptions['onInputRequest'],
): Promise<Kernel> {
  const notes: KernelNotification[] = [];
  const waits = new Set<() => void>();
  const { client } = await startBuiltKernel({
    cwd: notebookFolder,
    backend: 'reference',
    nodeOptions,
    onInputRequest,
    onNotification: (n) => {
      notes.push(n);
      waits.forEach((check) => check());
    },
  });
  const hasPrinted = (line: string) => notes.some((n) => n.type === 'stream' && n.text.includes(`${line}\n`));
  return {
    client,
    notes,
    printed: (line) =>
      new Promise((resolve) => {
        const check = () => {
          if (!hasPrinted(line)) return;
          waits.delete(check);
          resolve();
        };
        waits.add(check);
        check();
      }),
    run: (code, language = 'typescript') => {
      cellCount++;
      return client.execute(`cell-${cellCount}`, `cell ${cellCount}`, code, language);
    },
  };
}

function ok(result: ExecuteResult): OutputBundle[] {
  if (result.status !== 'ok') assert.fail(`expected ok, got ${JSON.stringify(result)}`);
  return result.outputs;
}

function text(result: ExecuteResult): string {
  return ok(result)
    .map((b) => b.items.find((i) => i.mime === 'text/plain')?.data ?? '')
    .join('\n');
}

function streamText(notes: KernelNotification[], cellId: string): string {
  return notes
    .filter((n) => n.type === 'stream' && n.cellId === cellId)
    .map((n) => (n.type === 'stream' ? n.text : ''))
    .join('');
}

describe('kernel process', () => {
  let kernel: Kernel;
  before(async () => {
    kernel = await startKernel();
  });
  after(async () => {
    await kernel.client.shutdown();
  });

  it('answers the handshake with its protocol version and the backend cells run on', async () => {
    const { client, hello } = await startBuiltKernel({ cwd: notebookFolder, backend: 'reference' });
    assert.equal(hello.protocolVersion, 3);
    assert.equal(hello.backend, 'reference');
    assert.ok(hello.backends.some((b) => b.name === 'gpujs-cpu'));
    assert.ok(hello.pid > 0 && hello.pid !== process.pid);
    await client.shutdown();
  });

  it('keeps top-level declarations across cells and lets a cell re-run without "already declared"', async () => {
    const cell =
      'const base: number = 40; let count = 1; function twice(x: number) { return 2 * x; } class Box { constructor(readonly v: number) {} }';
    ok(await kernel.run(cell));
    ok(await kernel.run(cell));
    assert.equal(text(await kernel.run('count += 1; new Box(twice(base) + count).v')), '82');
    assert.equal(text(await kernel.run('const base = 1; base')), '1');
  });

  it('supports top-level await and shows the value of the last expression', async () => {
    assert.equal(
      text(await kernel.run('const answer = await new Promise<number>((r) => setTimeout(() => r(42), 20));\nanswer')),
      '42',
    );
    assert.deepEqual(ok(await kernel.run('let nothing = 1;')), []);
    assert.equal(text(await kernel.run("({ a: [1, 2], s: 'text' })")), "{ a: [ 1, 2 ], s: 'text' }");
  });

  it('imports the engine, CommonJS and ESM-only packages from the notebook folder, and the imports persist', async () => {
    ok(
      await kernel.run(
        "import { greet } from 'cjs-greeter';\nimport greetEsm, { kind } from 'esm-only-greeter';\nimport { shout } from 'esm-only-greeter/loud';\nimport * as lab from 'attention-lab';",
      ),
    );
    assert.equal(
      text(
        await kernel.run("[greet('a'), greetEsm('b'), kind, shout('c'), typeof lab.nn.MultiheadAttention].join(' | ')"),
      ),
      'hello, a (from CommonJS) | hello, b (from ESM) | esm-only | C! | function',
    );
    assert.equal(
      text(await kernel.run("const path = require('node:path'); path.basename(process.cwd())")),
      'notebookFolder',
    );
    assert.equal(text(await kernel.run("const { kind: k2 } = await import('esm-only-greeter'); k2")), 'esm-only');
    const missing = await kernel.run("import { x } from 'no-such-package';");
    assert.equal(missing.status, 'error');
    assert.match(missing.status === 'error' ? missing.error.message : '', /Cannot find module 'no-such-package'/);
  });

  it('preloads the engine names as globals', async () => {
    assert.equal(
      text(
        await kernel.run(
          'manualSeed(0); [typeof nn.MultiheadAttention, typeof randn, typeof d2l.MultiHeadAttention, zeros(2, 3).shape.join("x")].join(" ")',
        ),
      ),
      'function function function 2x3',
    );
  });

  it('streams console output into the cell in order, interleaved with displays', async () => {
    const before = kernel.notes.length;
    const id = `cell-${cellCount + 1}`;
    ok(
      await kernel.run(
        "console.log('one'); display('shown'); console.error('two', { n: 2 }); process.stdout.write('three\\n'); 'done'",
      ),
    );
    const mine = kernel.notes.slice(before).filter((n) => n.cellId === id);
    assert.deepEqual(
      mine.map((n) =>
        n.type === 'stream' ? `${n.stream}:${n.text}` : `${n.type}:${'bundle' in n ? n.bundle.items[0].data : ''}`,
      ),
      ['stdout:one\n', 'display:shown', 'stderr:two { n: 2 }\n', 'stdout:three\n'],
    );
  });

  it('routes output from timers and promises of a finished cell to that cell while a later cell runs', async () => {
    const early = `cell-${cellCount + 1}`;
    ok(
      await kernel.run(
        "setTimeout(() => console.log('late timer'), 150);\nnew Promise((r) => setTimeout(r, 250)).then(() => console.log('late promise'));\n'scheduled'",
      ),
    );
    const later = `cell-${cellCount + 1}`;
    ok(
      await kernel.run(
        "console.log('later starts'); await new Promise((r) => setTimeout(r, 400)); console.log('later ends')",
      ),
    );
    assert.equal(streamText(kernel.notes, early), 'late timer\nlate promise\n');
    assert.equal(streamText(kernel.notes, later), 'later starts\nlater ends\n');
  });

  it("reports a timer's uncaught error and an unhandled rejection as errors of the cell that started them", async () => {
    const early = `cell-${cellCount + 1}`;
    ok(
      await kernel.run(
        [
          'const go = new Promise((resolve) => ((globalThis as any).go = resolve));',
          'const thrown = go.then(() => new Promise<void>((done) => setTimeout(() => {',
          "  Promise.reject(new RangeError('nobody caught this'));",
          '  done();',
          "  throw new TypeError('timer failed');",
          '})));',
          "'scheduled'",
        ].join('\n'),
      ),
    );
    const later = `cell-${cellCount + 1}`;
    ok(
      await kernel.run("(globalThis as any).go();\nawait thrown;\nawait new Promise((r) => setImmediate(r));\n'later'"),
    );
    const asyncErrors = kernel.notes.filter((n) => n.type === 'asyncError');
    assert.deepEqual(
      asyncErrors.map((n) => n.cellId),
      [early, early],
    );
    const byName = Object.fromEntries(asyncErrors.map((n) => (n.type === 'asyncError' ? [n.error.name, n.error] : [])));
    assert.equal(byName.TypeError.message, 'timer failed');
    assert.equal(byName.TypeError.traceback[0], 'Uncaught TypeError: timer failed');
    assert.match(byName.TypeError.traceback[1], /\(cell \d+:5:9\)$/);
    assert.equal(byName.RangeError.traceback[0], 'Uncaught (in promise) RangeError: nobody caught this');
    assert.equal(streamText(kernel.notes, later), '', 'nothing of it printed into the later cell');
  });

  it('answers which cells have timers pending, and once none has', async () => {
    const id = `cell-${cellCount + 1}`;
    ok(
      await kernel.run(
        'const ticker = setInterval(() => {}, 1000);\nconst waiting = setTimeout(() => {}, 60_000);\nsetTimeout(() => {}, 60_000).unref();',
      ),
    );
    const now = await kernel.client.request('pendingWork', { untilNone: false });
    assert.deepEqual(now.timersByCell, { [id]: 2 }, "an unref'd timer does not count");
    const settled = kernel.client.request('pendingWork', { untilNone: true });
    ok(await kernel.run('clearInterval(ticker);\nclearTimeout(waiting);'));
    assert.deepEqual((await settled).timersByCell, {});
  });

  it('display returns a handle whose update replaces that output', async () => {
    const before = kernel.notes.length;
    ok(
      await kernel.run('const handle = display(tensor([1, 2]));\nhandle.update(tensor([3, 4, 5]));\nhandle.displayId'),
    );
    const [shown, updated] = kernel.notes
      .slice(before)
      .filter((n) => n.type === 'display' || n.type === 'updateDisplay');
    assert.equal(shown.type, 'display');
    assert.equal(updated.type, 'updateDisplay');
    if (!('bundle' in shown) || !('bundle' in updated)) assert.fail('expected displays');
    assert.equal(shown.bundle.displayId, updated.bundle.displayId);
    assert.equal(updated.bundle.items.find((i) => i.mime === 'text/plain')?.data, 'tensor([3, 4, 5])');
  });

  it("streams a busy synchronous loop's display updates while it still runs (a training loop's live chart)", async () => {
    const before = kernel.notes.length;
    const busy = kernel.run(
      'const live = display(tensor([0]));\nfor (let step = 1; step <= 3; step++) live.update(tensor([step]));\n' +
        "console.log('updated');\nwhile (true) {}",
    );
    await kernel.printed('updated');
    const shown = kernel.notes
      .slice(before)
      .flatMap((n) => (n.type === 'display' || n.type === 'updateDisplay' ? [n] : []))
      .map((n) => `${n.type} ${n.bundle.items.find((i) => i.mime === 'text/plain')?.data}`);
    assert.deepEqual(shown, [
      'display tensor([0])',
      'updateDisplay tensor([1])',
      'updateDisplay tensor([2])',
      'updateDisplay tensor([3])',
    ]);
    assert.equal(await kernel.client.interrupt(), true);
    assert.deepEqual(await busy, { status: 'interrupted' });
  });

  it('shows a tensor as the tensor mime with PyTorch repr, and attention weights as the attention mime', async () => {
    const outputs = ok(
      await kernel.run(
        'manualSeed(0);\nconst mha = new nn.MultiheadAttention(6, 3);\nconst x = randn(4, 2, 6);\nmha.forward(x, x, x)',
      ),
    );
    assert.equal(outputs.length, 2);
    const [out, weights] = outputs;
    const tensorItem = out.items.find((i) => i.mime === mimeTypes.tensor);
    assert.ok(tensorItem);
    const payload = JSON.parse(tensorItem.data) as TensorOutput;
    assert.deepEqual(payload.shape, [4, 2, 6]);
    assert.equal(payload.backend, 'reference');
    assert.equal(out.items.find((i) => i.mime === 'text/plain')?.data, payload.text);
    assert.match(payload.text, /^tensor\(\[\[\[/);
    const attentionItem = weights.items.find((i) => i.mime === mimeTypes.attention);
    assert.ok(attentionItem);
    const attention = JSON.parse(attentionItem.data) as AttentionOutput;
    assert.deepEqual(attention.sourceShape, [2, 4, 4]);
    assert.equal(attention.averagedHeads, 3);
    const decoded = decodeTensor(attention.weights);
    assert.deepEqual(decoded.shape, [2, 1, 4, 4]);
    for (let row = 0; row < 8; row++) {
      const sum = decoded.values.slice(row * 4, row * 4 + 4).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${row} sums to ${sum}`);
    }
    const labelled = ok(
      await kernel.run(
        "attention(mha.forward(x, x, x, { averageAttnWeights: false })[1], { queries: ['a', 'b', 'c', 'd'], keys: ['a', 'b', 'c', 'd'], title: 'heads' })",
      ),
    );
    const perHead = JSON.parse(labelled[0].items[0].data) as AttentionOutput;
    assert.deepEqual(perHead.weights.shape, [2, 3, 4, 4]);
    assert.deepEqual(perHead.queries, ['a', 'b', 'c', 'd']);
    assert.equal(perHead.title, 'heads');
  });

  it('reports a compile error at its cell line and column', async () => {
    const result = await kernel.run('const fine = 1;\nconst broken: number = ;');
    assert.equal(result.status, 'error');
    if (result.status !== 'error') return;
    assert.equal(result.error.name, 'CompileError');
    assert.match(result.error.traceback.join('\n'), new RegExp(`at cell ${cellCount}:2:24`));
  });

  it('maps a runtime stack to cell lines, and keeps the engine shape error message', async () => {
    const result = await kernel.run(
      'type Pair = [number, number];\nfunction explode(p: Pair): number {\n  throw new RangeError(`bad ${p[0]}`);\n}\nexplode([1, 2]);',
    );
    assert.equal(result.status, 'error');
    if (result.status !== 'error') return;
    assert.deepEqual([result.error.name, result.error.message], ['RangeError', 'bad 1']);
    assert.match(result.error.traceback[1], new RegExp(`at explode \\(cell ${cellCount}:3:9\\)`));
    assert.match(result.error.traceback[2], new RegExp(`cell ${cellCount}:5:1`));
    const shapes = await kernel.run('randn(2, 3).matmul(randn(2, 3))');
    assert.equal(
      shapes.status === 'error' && shapes.error.message,
      'matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)',
    );
  });

  it("throws IPython's StdinNotImplementedError text from prompt() when the client has no input handler", async () => {
    const result = await kernel.run("prompt('Your name?')");
    assert.equal(result.status, 'error');
    if (result.status === 'error')
      assert.deepEqual(
        [result.error.name, result.error.message],
        ['StdinNotImplementedError', unsupportedInputMessage],
      );
  });

  it('interrupts a synchronous busy loop and a pending await, keeping every variable', async () => {
    ok(await kernel.run('let survivor = 41;'));
    const busy = kernel.run("survivor += 1;\nconsole.log('spinning');\nwhile (true) {}");
    await kernel.printed('spinning');
    assert.equal(await kernel.client.interrupt(), true);
    assert.deepEqual(await busy, { status: 'interrupted' });
    const pending = kernel.run("console.log('waiting');\nawait new Promise(() => {});");
    await kernel.printed('waiting');
    assert.equal(await kernel.client.interrupt(), true);
    assert.deepEqual(await pending, { status: 'interrupted' });
    const resumed = kernel.run(
      "await new Promise((r) => setTimeout(r, 20));\nsurvivor += 1;\nconsole.log('spinning again');\nfor (;;) {}",
    );
    await kernel.printed('spinning again');
    await kernel.client.interrupt();
    assert.deepEqual(await resumed, { status: 'interrupted' });
    assert.equal(text(await kernel.run('survivor')), '43');
    assert.equal(await kernel.client.interrupt(), false);
  });
});

/** A cell's prompt() as the test sees it: what it asked, and the function that answers it. */
interface AskedInput {
  request: InputRequest;
  answer: (value: string | null) => void;
}

/** The client's side of prompt(): each request waits until the test answers it (or fails it with `refusal`). */
class InputDesk {
  refusal: string | undefined;
  private readonly asked: AskedInput[] = [];
  private wake: (() => void) | undefined;

  readonly onInputRequest = (request: InputRequest): Promise<string | null> => {
    if (this.refusal) return Promise.reject(new Error(this.refusal));
    return new Promise((answer) => {
      this.asked.push({ request, answer });
      this.wake?.();
    });
  };

  /** The next request a cell sends, once it has arrived. */
  async next(): Promise<AskedInput> {
    while (!this.asked.length) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.asked.shift() as AskedInput;
  }
}

describe("prompt() as the client's input request", () => {
  const desk = new InputDesk();
  let kernel: Kernel;
  before(async () => {
    kernel = await startKernel([], desk.onInputRequest);
  });
  after(async () => {
    await kernel.client.shutdown();
  });

  it('blocks the cell until the client answers and returns the text entered, or null on cancel', async () => {
    const cell = kernel.run(
      "console.log('asking');\nconst name = prompt('Your name?', 'Ada');\nconst age = prompt(42);\n[name, age]",
    );
    const first = await desk.next();
    assert.deepEqual(first.request, {
      type: 'inputRequest',
      inputId: first.request.inputId,
      cellId: `cell-${cellCount}`,
      prompt: 'Your name?',
      defaultValue: 'Ada',
    });
    assert.equal(streamText(kernel.notes, `cell-${cellCount}`), 'asking\n', 'output before the prompt came first');
    const names = await kernel.client.variables(['name']);
    assert.deepEqual(names, [], 'the cell is still blocked in its first prompt()');
    first.answer('Grace');
    const second = await desk.next();
    assert.deepEqual([second.request.prompt, second.request.defaultValue], ['42', null]);
    second.answer(null);
    assert.equal(text(await cell), "[ 'Grace', null ]");
  });

  it('throws StdinNotImplementedError with the reason of a client that cannot ask', async () => {
    desk.refusal = 'prompt() was called, but this frontend does not support input requests.';
    try {
      const result = await kernel.run("let reached = false;\nprompt('x');\nreached = true;");
      assert.deepEqual(result, {
        status: 'error',
        error: {
          name: 'StdinNotImplementedError',
          message: desk.refusal,
          traceback: [`StdinNotImplementedError: ${desk.refusal}`, `    at cell ${cellCount}:2:1`],
        },
      });
      assert.equal(text(await kernel.run('reached')), 'false');
    } finally {
      desk.refusal = undefined;
    }
  });

  it('ends the wait on interrupt, keeps every variable, and drops the late answer', async () => {
    const cell = kernel.run("let kept = 7;\nconst typed = prompt('never answered');\nkept = 0;");
    const unanswered = await desk.next();
    assert.equal(await kernel.client.interrupt(), true);
    assert.deepEqual(await cell, { status: 'interrupted' });
    unanswered.answer('too late');
    const next = kernel.run("[kept, prompt('again')]");
    (await desk.next()).answer('fresh');
    assert.equal(text(await next), "[ 7, 'fresh' ]");
  });
});

describe('kernel cell results and variables', () => {
  let kernel: Kernel;
  const backend = 'reference'; // startKernel's
  before(async () => {
    kernel = await startKernel();
  });
  after(async () => {
    await kernel.client.shutdown();
  });

  it('shows no result for a cell that ends with a declaration, and the last expression otherwise', async () => {
    const importThenDeclare = "import { nn, randn } from 'attention-lab'; const mha = new nn.MultiheadAttention(8, 2);";
    assert.deepEqual(ok(await kernel.run(importThenDeclare)), []);
    assert.deepEqual(ok(await kernel.run("import * as lab from 'attention-lab';")), []);
    assert.deepEqual(ok(await kernel.run("import { zeros } from 'attention-lab';")), []);
    assert.deepEqual(ok(await kernel.run('7 * 6;\nfunction later() { return 1; }')), []);
    assert.deepEqual(ok(await kernel.run('7 * 6;\nclass Later {}')), []);
    assert.deepEqual(ok(await kernel.run('7 * 6;\nvar v = 1, w = 2;')), []);
    assert.deepEqual(ok(await kernel.run('let a = 1;\n// a comment after the declaration')), []);
    assert.equal(text(await kernel.run('const b = 40;\nb + 2')), '42');
    assert.equal(text(await kernel.run("import { ones } from 'attention-lab';\nones(2).sum().item()")), '2');
    assert.equal(text(await kernel.run('mha.embedDim')), '8');
  });

  it("answers a variables request with a tensor's shape, dtype and backend, and other values' types", async () => {
    ok(
      await kernel.run(
        "const x = randn(2, 5, 8); const ids = tensor([1, 2]); let label = 'q';\n" +
          'const { first, rest: [second] } = { first: 1, rest: [true] };\nfunction helper() {}\nclass Model {}',
      ),
    );
    assert.deepEqual(await kernel.client.variables(['x', 'ids']), [
      { name: 'x', type: 'Tensor', tensor: { shape: [2, 5, 8], dtype: 'float32', backend } },
      { name: 'ids', type: 'Tensor', tensor: { shape: [2], dtype: 'int64', backend } },
    ]);
    const types = await kernel.client.variables(['label', 'first', 'second', 'helper', 'Model', 'mha', 'undeclared']);
    assert.deepEqual(
      types.map((v) => `${v.name}: ${v.type}`),
      [
        'label: string',
        'first: number',
        'second: boolean',
        'helper: function',
        'Model: class',
        'mha: MultiheadAttention',
      ],
    );
    const all = (await kernel.client.variables()).map((v) => v.name);
    assert.deepEqual(all.slice(0, 3), ['nn', 'randn', 'mha']);
    assert.ok(['x', 'ids', 'label', 'first', 'second', 'helper', 'Model'].every((name) => all.includes(name)));
  });

  it('runs no user code to answer: a global getter is not called and a proxy trap does not fire', async () => {
    ok(
      await kernel.run(
        "Object.defineProperty(globalThis, 'lazy', { get() { console.log('getter ran'); return 1; } });\n" +
          "const trap = new Proxy({}, { getPrototypeOf() { console.log('trap ran'); return null; } });\n" +
          "const bare = Object.create(null); const weird = { constructor: 'not a function' };\n" +
          'const trapped = new Proxy({}, { getPrototypeOf() { console.log("trap ran"); return null; },\n' +
          '  getOwnPropertyDescriptor() { console.log("trap ran"); return undefined; } });\n' +
          'const heir = Object.create(trapped);',
      ),
    );
    assert.deepEqual(
      (await kernel.client.variables(['lazy', 'trap', 'bare', 'weird', 'heir'])).map((v) => `${v.name}: ${v.type}`),
      ['lazy: accessor', 'trap: Proxy', 'bare: Object', 'weird: Object', 'heir: Object'],
    );
    assert.doesNotMatch(streamText(kernel.notes, `cell-${cellCount}`), /ran/);
  });

  it('answers while a cell is busy in a synchronous loop, with the variables the busy cell declared', async () => {
    let settled = false;
    const busy = kernel.run("const during = zeros(3, 4);\nconsole.log('busy now');\nwhile (true) {}");
    void busy.then(() => (settled = true));
    await kernel.printed('busy now');
    assert.deepEqual(await kernel.client.variables(['during', 'x']), [
      { name: 'during', type: 'Tensor', tensor: { shape: [3, 4], dtype: 'float32', backend } },
      { name: 'x', type: 'Tensor', tensor: { shape: [2, 5, 8], dtype: 'float32', backend } },
    ]);
    assert.equal(settled, false, 'the cell is still running while its variables were read');
    assert.equal(await kernel.client.interrupt(), true);
    assert.deepEqual(await busy, { status: 'interrupted' });
    assert.deepEqual(await kernel.client.variables(['during']), [
      { name: 'during', type: 'Tensor', tensor: { shape: [3, 4], dtype: 'float32', backend } },
    ]);
  });
});

describe('kernel lifecycle', () => {
  it('restart gives a fresh scope', async () => {
    const first = await startKernel();
    ok(await first.run('const remembered = 1;'));
    await first.client.shutdown();
    assert.equal((await first.client.exited).expected, true);
    const second = await startKernel();
    assert.equal(text(await second.run('typeof remembered')), 'undefined');
    await second.client.shutdown();
  });

  it('reports a kernel that runs out of memory, and the next kernel starts clean', async () => {
    const kernel = await startKernel(['--max-old-space-size=48']);
    ok(await kernel.run('const hoard: number[][] = [];'));
    await assert.rejects(
      kernel.run('while (true) hoard.push(new Array(100000).fill(Math.random()));'),
      (error: unknown) => {
        assert.ok(error instanceof KernelCrashedError);
        assert.match(error.message, /out of memory/);
        return true;
      },
    );
    assert.equal(kernel.client.alive, false);
    await assert.rejects(kernel.run('1'), KernelCrashedError);
    const fresh = await startKernel();
    assert.equal(text(await fresh.run('typeof hoard')), 'undefined');
    await fresh.client.shutdown();
  });
});
