// Every example notebook executed by nbclient (`jupyter nbconvert --to notebook --execute`) with
// the installed Attention Lab kernelspec: each cell's outputs equal those the headless runner
// (`attention-lab run`) writes for the same notebook on the same engine backend.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { joinLines, parseNotebook, type JupyterOutput } from '../../cli/notebookFile';
import { repoRoot } from '../helpers/repoRoot';
import { installTestKernelSpec, jupyterMissing, runToEnd, systemPython, type JupyterHome } from './jupyterClients';

const examples = join(repoRoot(), 'examples');
const backend = 'reference';

/** A run's measured durations ("11.0 s", "123.1 ms") differ between any two runs; the rest must not. */
const withoutDurations = (text: string) => text.replace(/\d+(\.\d+)? m?s\b/g, '<duration>');

/** An output as both writers agree on it: type, stream text, data with text joined, error name and message. */
function comparable(output: JupyterOutput): unknown {
  const data = Object.fromEntries(
    Object.entries(output.data ?? {}).map(([mime, value]) => [
      mime,
      typeof value === 'string' || Array.isArray(value) ? joinLines(value as string[]) : value,
    ]),
  );
  return {
    type: output.output_type,
    ...(output.name ? { name: output.name, text: withoutDurations(joinLines(output.text)) } : {}),
    ...(output.data ? { data } : {}),
    ...(output.ename ? { ename: output.ename, evalue: output.evalue } : {}),
  };
}

function cellOutputs(path: string): unknown[][] {
  const notebook = parseNotebook(readFileSync(path, 'utf8'), path);
  return notebook.cells.filter((cell) => cell.cell_type === 'code').map((cell) => (cell.outputs ?? []).map(comparable));
}

describe('example notebooks under nbclient (jupyter nbconvert --execute)', { skip: jupyterMissing() }, () => {
  let home: JupyterHome;
  before(() => {
    home = installTestKernelSpec(['--backend', backend]);
  });

  for (const name of readdirSync(examples).filter((file) => file.endsWith('.ipynb'))) {
    it(`${name}: every cell runs, with the outputs the headless runner writes`, async () => {
      const outDir = mkdtempSync(join(tmpdir(), 'attention-lab-nbconvert-'));
      const notebook = join(examples, name);
      const converted = await runToEnd(
        systemPython,
        ['-m', 'nbconvert', '--to', 'notebook', '--execute', notebook, '--output-dir', outDir],
        home.env,
        examples,
      );
      assert.equal(converted.status, 0, converted.stderr);
      const byRunner = join(outDir, `${basename(name, '.ipynb')}.runner.ipynb`);
      const run = await runToEnd(
        process.execPath,
        [join(repoRoot(), 'dist/cli.js'), 'run', notebook, '-o', byRunner, '--backend', backend, '--quiet'],
        home.env,
      );
      assert.equal(run.status, 0, run.stderr);
      const viaJupyter = cellOutputs(join(outDir, name));
      assert.ok(viaJupyter.flat().length > 0, 'the notebook printed or displayed something');
      assert.deepEqual(viaJupyter, cellOutputs(byRunner));
    });
  }
});
