// Resolves cells' imports the way the notebook's folder sees them: 'attention-lab' is the engine,
// builtins load directly, CommonJS packages through `require`, ESM-only packages (an `exports` map
// with only an `import` condition, or `"type": "module"`) through a real dynamic `import()`.
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ModuleLoader {
  /** `require` as seen from the notebook's folder ('attention-lab' gives the engine). */
  require: NodeJS.Require;
  importModule(specifier: string): Promise<unknown>;
  /** The default export as `import x from` sees it (esbuild's interop for CommonJS). */
  defaultOf(module: unknown): unknown;
  /** Scratch slot the compiled imports use between loading and destructuring. */
  lastModule: unknown;
}

const esmConditions = ['import', 'node', 'default'];

export function createModuleLoader(notebookDir: string, engine: object): ModuleLoader {
  const notebookRequire = createRequire(join(notebookDir, '__notebook__.js'));
  const requireFromNotebook = Object.assign(
    (id: string) => (id === 'attention-lab' ? engine : notebookRequire(id)),
    notebookRequire,
  ) as NodeJS.Require;
  const dynamicImport = (url: string) => import(url);

  async function importModule(specifier: string): Promise<unknown> {
    if (specifier === 'attention-lab') return engine;
    if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return notebookRequire(specifier);
    let resolved: string;
    try {
      resolved = notebookRequire.resolve(specifier);
    } catch (error) {
      const esmEntry = resolveEsmPackage(specifier, notebookDir);
      if (!esmEntry)
        throw new Error(
          `Cannot find module '${specifier}' from the notebook's folder ${notebookDir}: ${(error as Error).message.split('\n')[0]}`,
        );
      resolved = esmEntry;
    }
    if (isEsmFile(resolved)) return dynamicImport(pathToFileURL(resolved).href);
    try {
      return notebookRequire(resolved);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM')
        return dynamicImport(pathToFileURL(resolved).href);
      throw error;
    }
  }

  function defaultOf(module: unknown): unknown {
    if (module && typeof module === 'object') {
      const record = module as Record<string | symbol, unknown>;
      if (record[Symbol.toStringTag] === 'Module' || record.__esModule) return record.default;
    }
    return module;
  }

  return { require: requireFromNotebook, importModule, defaultOf, lastModule: undefined };
}

function nearestPackageJson(file: string): { type?: string } | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return JSON.parse(readFileSync(candidate, 'utf8')) as { type?: string };
    if (dirname(dir) === dir) return undefined;
  }
}

function isEsmFile(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  return file.endsWith('.js') && nearestPackageJson(file)?.type === 'module';
}

type ExportsField = string | null | ExportsField[] | { [key: string]: ExportsField };

/** Picks the target for `import` from a package.json `exports` value (conditions and subpaths). */
function exportTarget(exports: ExportsField, subpath: string): string | undefined {
  if (typeof exports === 'string') return subpath === '.' ? exports : undefined;
  if (exports === null) return undefined;
  if (Array.isArray(exports)) return exports.map((entry) => exportTarget(entry, subpath)).find((t) => t !== undefined);
  const keys = Object.keys(exports);
  if (keys.some((key) => key.startsWith('.'))) {
    const entry = exports[subpath];
    return entry === undefined ? undefined : exportTarget(entry, '.');
  }
  for (const condition of esmConditions) {
    if (condition in exports) {
      const target = exportTarget(exports[condition], subpath);
      if (target !== undefined) return target;
    }
  }
  return undefined;
}

/** Finds an ESM-only package's entry under the node_modules folders above `fromDir`. */
function resolveEsmPackage(specifier: string, fromDir: string): string | undefined {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join('/')}` : '.';
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const packageDir = join(dir, 'node_modules', name);
    const manifestPath = join(packageDir, 'package.json');
    if (existsSync(manifestPath)) {
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        exports?: ExportsField;
        module?: string;
        main?: string;
      };
      const target =
        manifest.exports !== undefined
          ? exportTarget(manifest.exports, subpath)
          : subpath === '.'
            ? (manifest.module ?? manifest.main ?? 'index.js')
            : subpath;
      return target === undefined ? undefined : join(packageDir, target);
    }
    if (dirname(dir) === dir) return undefined;
  }
}
