// The notebook language service on its worker thread (dist/languageServiceWorker.js, from
// `node scripts/build.mjs`), as the extension uses it: cells posted, answers awaited, errors returned,
// typescript.js's code cache written by one worker and used by the next.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NotebookLanguageServiceClient } from '../../languageService/languageServiceClient';
import { loadTypeScript } from '../../languageService/typeScriptCodeCache';
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

  it('keeps typescript.js’s code cache and the engine’s names; the next worker answers from them', async () => {
    const codeCache = mkdtempSync(join(tmpdir(), 'attention-lab-code-cache-'));
    const cacheFiles = () => readdirSync(codeCache).filter((name) => name.endsWith('.v8cache'));
    const written = new Promise<void>((resolve) => {
      const watcher = watch(codeCache, () => {
        if (!cacheFiles().length) return;
        watcher.close();
        resolve();
      });
    });
    const open = () =>
      new NotebookLanguageServiceClient(
        join(repoRoot(), 'dist/languageServiceWorker.js'),
        {
          folder: join(repoRoot(), 'test/fixtures/notebookFolder'),
          notebookName: 'cached',
          engineDeclarations: join(repoRoot(), 'dist/engine.d.ts'),
        },
        codeCache,
      );
    const ask = async (service: NotebookLanguageServiceClient) => {
      service.updateCells([{ id: 'a', text: 'const t = tensor([1, 2]);\nt.', language: 'typescript' }]);
      const completions = await service.completions('a', 28);
      return completions?.entries.some((entry) => entry.name === 'softmax');
    };
    const first = open();
    assert.equal(await ask(first), true);
    await written;
    first.dispose();
    const [cacheFile] = cacheFiles();
    assert.match(cacheFile ?? '', /^typescript-5\.9\.3-\d+-\d+-nodev[\d.]+-\w+\.v8cache$/);
    const globals = readdirSync(codeCache).filter((name) => /^globals-[0-9a-f]{16}\.json$/.test(name));
    assert.equal(globals.length, 1, 'the engine’s export names are kept too');
    // V8 accepts the cache for typescript.js (it rejects one made for another source or flags).
    assert.equal(loadTypeScript(codeCache).cache, 'used');
    // The next worker declares the engine's globals (`tensor`) from the kept names, without a first program.
    const second = open();
    assert.equal(await ask(second), true);
    second.dispose();
    rmSync(codeCache, { recursive: true, force: true });
  });
});
