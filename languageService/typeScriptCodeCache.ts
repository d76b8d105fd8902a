// Loads the `typescript` package's typescript.js (9 MB of JavaScript) through a V8 code cache, so a
// language service worker skips compiling it and the functions its first program and first answer
// ran: about a third of the CPU time to a notebook's first answer. The cache is written once, after
// that first answer (V8 then includes every function compiled so far), into a folder of the
// extension's own (its global storage), keyed by TypeScript's version, the file's size and mtime,
// and the runtime, so a changed typescript.js or Node never meets a stale cache; V8 rejects any
// cache it did not make for this source and flags, and the file is then compiled as usual.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** How typescript.js was loaded; `save()` writes the cache when it was missing or rejected. */
export interface TypeScriptLoad {
  cache: 'used' | 'rejected' | 'absent' | 'off';
  save(): void;
}

/**
 * Puts typescript.js into Node's module cache, compiled from `cacheFolder`'s code cache when it has
 * a valid one, so every later `require('typescript')` gets it. Without a folder, loads it as usual.
 */
export function loadTypeScript(cacheFolder: string | undefined): TypeScriptLoad {
  const requireHere = createRequire(__filename);
  const fileName = requireHere.resolve('typescript');
  if (!cacheFolder) {
    requireHere(fileName);
    return { cache: 'off', save: () => undefined };
  }
  const { size, mtimeMs } = statSync(fileName);
  const { version } = requireHere('typescript/package.json') as { version: string };
  const key = `typescript-${version}-${size}-${Math.round(mtimeMs)}-node${process.version}-${process.arch}`;
  const cacheFile = join(cacheFolder, `${key}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(readFileSync(fileName, 'utf8')), { filename: fileName, cachedData });
  const typeScriptModule = new Module(fileName, module);
  typeScriptModule.filename = fileName;
  typeScriptModule.paths = (Module as unknown as { _nodeModulePaths(from: string): string[] })._nodeModulePaths(
    dirname(fileName),
  );
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(
    typeScriptModule.exports,
    typeScriptModule.exports,
    createRequire(fileName),
    typeScriptModule,
    fileName,
    dirname(fileName),
  );
  typeScriptModule.loaded = true;
  requireHere.cache[fileName] = typeScriptModule;
  const cache = !cachedData ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  return {
    cache,
    save: () => {
      // Failing (a read-only or full disk), there is no cache this time: the next worker compiles typescript.js again.
      if (cache !== 'used') writeCacheFile(cacheFile, script.createCachedData());
    },
  };
}

/**
 * Writes a cache file whole under another name, then renames it, so that another worker never reads
 * half of it; answers whether it was written (a cache is an optimisation: failing to write one is no error).
 */
export function writeCacheFile(fileName: string, data: string | Uint8Array): boolean {
  const partial = `${fileName}.${process.pid}.${Date.now()}.partial`;
  try {
    mkdirSync(dirname(fileName), { recursive: true });
    writeFileSync(partial, data);
    renameSync(partial, fileName);
    return true;
  } catch {
    return false;
  }
}
