// A PyTorch snake_case name called in a cell fails with a did-you-mean for the engine's camelCase
// name: the rewrite on its own, then in a real kernel process (cells' errors and a shape's output).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as engine from '../../kernel/engine/index';
import { withPytorchNameHint } from '../../kernel/pytorchNameHints';
import type { KernelClient } from '../../extension/kernelClient';
import type { CellError, ExecuteResult } from '../../protocol/kernelProtocol';
import { repoRoot } from '../helpers/repoRoot';
import { startBuiltKernel } from '../helpers/startBuiltKernel';

const engineObject = engine as unknown as Record<string, unknown>;
const hinted = (error: Error) => withPytorchNameHint(error, engineObject);

describe('PyTorch name hints', () => {
  it('names the camelCase method, function or module member the engine has', () => {
    assert.equal(
      hinted(new TypeError('x.masked_fill is not a function')),
      'x.masked_fill is not a function (did you mean maskedFill?)',
    );
    assert.equal(
      hinted(new TypeError('F.layer_norm is not a function')),
      'F.layer_norm is not a function (did you mean layerNorm?)',
    );
    assert.equal(
      hinted(new TypeError('q.transpose(...).log_softmax is not a function')),
      'q.transpose(...).log_softmax is not a function (did you mean logSoftmax?)',
    );
    assert.equal(
      hinted(new TypeError('(0 , lab.manual_seed) is not a function')),
      '(0 , lab.manual_seed) is not a function (did you mean manualSeed?)',
    );
    assert.equal(
      hinted(new TypeError('mha.named_parameters is not a function')),
      'mha.named_parameters is not a function (did you mean namedParameters?)',
    );
    assert.equal(
      hinted(new TypeError('x.is_contiguous is not a function or its return value is not iterable')),
      'x.is_contiguous is not a function or its return value is not iterable (did you mean isContiguous?)',
    );
  });

  it('names a global for a bare snake_case name', () => {
    assert.equal(
      hinted(new ReferenceError('manual_seed is not defined')),
      'manual_seed is not defined (did you mean manualSeed?)',
    );
    // logSoftmax is a global and a method; layerNorm only a member of F, so no global to name.
    assert.equal(
      hinted(new ReferenceError('log_softmax is not defined')),
      'log_softmax is not defined (did you mean logSoftmax?)',
    );
    assert.equal(hinted(new ReferenceError('layer_norm is not defined')), 'layer_norm is not defined');
  });

  it('leaves other errors as they are', () => {
    for (const error of [
      new TypeError('x.no_such_op is not a function'), // noSuchOp is not an engine name
      new TypeError('tensors.filter is not a function'), // not snake_case
      new Error('x.masked_fill is not a function'), // not a TypeError
      new TypeError("Cannot read properties of undefined (reading 'masked_fill')"),
      new ReferenceError('my_helper is not defined'),
    ]) {
      assert.equal(hinted(error), error.message);
    }
  });
});

describe('PyTorch name hints in the kernel process', () => {
  let client: KernelClient;
  let cellCount = 0;
  const run = (code: string): Promise<ExecuteResult> => {
    cellCount++;
    return client.execute(`hint-${cellCount}`, `cell ${cellCount}`, code, 'typescript');
  };
  const cellError = (result: ExecuteResult): CellError => {
    if (result.status !== 'error') assert.fail(`expected an error, got ${JSON.stringify(result)}`);
    return result.error;
  };

  before(async () => {
    ({ client } = await startBuiltKernel({
      cwd: join(repoRoot(), 'test/fixtures/notebookFolder'),
      backend: 'reference',
    }));
  });
  after(async () => {
    await client.shutdown();
  });

  it("rewrites a cell's TypeError for a snake_case method, in the message and the traceback", async () => {
    const error = cellError(await run('const x = zeros(2, 3);\nx.masked_fill(x.gt(0), 1);'));
    assert.equal(error.name, 'TypeError');
    assert.equal(error.message, 'x.masked_fill is not a function (did you mean maskedFill?)');
    assert.equal(error.traceback[0], 'TypeError: x.masked_fill is not a function (did you mean maskedFill?)');
    assert.match(error.traceback[1], new RegExp(`cell ${cellCount}:2:3`));
  });

  it('rewrites F.layer_norm, a bare manual_seed and an imported snake_case name', async () => {
    assert.equal(
      cellError(await run('F.layer_norm(zeros(2, 3), [3])')).message,
      'F.layer_norm is not a function (did you mean layerNorm?)',
    );
    assert.equal(
      cellError(await run('manual_seed(1)')).message,
      'manual_seed is not defined (did you mean manualSeed?)',
    );
    const imported = cellError(await run("import * as lab from 'attention-lab';\nlab.manual_seed(1);"));
    assert.match(imported.message, /manual_seed is not a function \(did you mean manualSeed\?\)$/);
  });

  it('keeps the message of an error with no PyTorch name in it', async () => {
    assert.equal(cellError(await run('zeros(2).no_such_op()')).message, 'zeros(...).no_such_op is not a function');
  });

  it('shows a shape as torch.Size', async () => {
    const result = await run('zeros(2, 3).shape');
    assert.equal(result.status, 'ok');
    const items = result.status === 'ok' ? result.outputs.flatMap((bundle) => bundle.items) : [];
    assert.deepEqual(items, [{ mime: 'text/plain', data: 'torch.Size([2, 3])' }]);
  });
});
