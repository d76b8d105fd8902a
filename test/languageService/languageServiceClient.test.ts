// The notebook language service on its worker thread (dist/languageServiceWorker.js, from
// `node scripts/build.mjs`), as the extension uses it: cells posted, answers awaited, errors returned.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NotebookLanguageServiceClient } from '../../languageService/languageServiceClient';
import { repoRoot } from '../helpers/repoRoot';

describe('notebook language service client (worker thread)', () => {
  const client = new NotebookLanguageServiceClient(join(repoRoot(), 'dist/languageServiceWorker.js'), {
    folder: join(repoRoot(), 'test/fixtures/notebookFolder'),
    notebookName: 'client',
    engineDeclarations: join(repoRoot(), 'dist/engine.d.ts'),
  });
  after(() => client.dispose());

  it('answers with the cells posted before the request', async () => {
    const cell1 = "import { nn } from 'attention-lab';\nconst mha = new nn.MultiheadAttention(8, 2);";
    client.updateCells([
      { id: 'a', text: cell1, language: 'typescript' },
      { id: 'b', text: 'mha.', language: 'typescript' },
    ]);
    const completions = await client.completions('b', 4);
    assert.ok(completions?.entries.some((entry) => entry.name === 'inProjWeight'));
    client.updateCells([
      { id: 'a', text: cell1, language: 'typescript' },
      { id: 'b', text: 'mha.forwad(1);', language: 'typescript' },
    ]);
    const [error] = await client.diagnostics('b');
    assert.match(error?.message ?? '', /Property 'forwad' does not exist .* Did you mean 'forward'\?/);
  });

  it('rejects a request the service throws on, and keeps answering', async () => {
    // No completion entry to detail: the service throws a TypeError, which comes back as a rejection.
    await assert.rejects(client.completionDetails('b', 0, null as never), /notebook language service: TypeError/);
    assert.deepEqual(await client.diagnostics('unknown cell'), []);
  });
});
