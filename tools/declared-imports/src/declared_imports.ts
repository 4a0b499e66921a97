import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** The dependency fields of a package.json this check reads. */
export interface Manifest {
  readonly name: string;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly workspaces?: readonly string[];
}

/** One import a package makes without declaring it. */
export interface UndeclaredImport {
  readonly file: string;
  readonly specifier: string;
  readonly packageName: string;
  /** Where it must be declared: `dependencies`/`peerDependencies` for shipped code, any field for tests and tooling. */
  readonly needs: 'runtime' | 'dev';
}

const builtins = new Set(builtinModules);
const sourceExtensions = /\.(ts|mts|cts|tsx|js|mjs|cjs)$/;
const skippedFolders = new Set(['node_modules', 'dist', 'coverage', '.nx', 'runs', 'out', 'tmp']);

/**
 * The package a bare module specifier names (`@scope/name/sub` → `@scope/name`, `fp-ts/Either` →
 * `fp-ts`), or null for relative paths, absolute paths, `#subpath` imports, URLs and Node
 * built-ins (`node:fs`, `fs`).
 */
export function packageOf(specifier: string): string | null {
  if (/^(\.|\/|#|[a-z]+:)/.test(specifier) || builtins.has(specifier) || builtins.has(specifier.split('/')[0]!)) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Test and tooling files, whose imports may come from devDependencies: `*.test.*`, `*.fixture.*`,
 * config files, and anything outside `src/` (scripts, benchmarks' helpers).
 */
export function isDevFile(pathInPackage: string): boolean {
  return !pathInPackage.startsWith('src/') || /\.(test|fixture)\.[cm]?[jt]sx?$/.test(pathInPackage) || /(^|\/)vitest\.config\./.test(pathInPackage);
}

/** Every module specifier a source file imports, re-exports, `import()`s or `require()`s with a literal. */
export function importedSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

function sourceFiles(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return skippedFolders.has(entry) || (dir !== root && existsManifest(path)) ? [] : sourceFiles(root, path);
    return sourceExtensions.test(entry) && !entry.endsWith('.d.ts') && !entry.endsWith('.d.mts') ? [path] : [];
  });
}

function existsManifest(dir: string): boolean {
  try {
    return statSync(join(dir, 'package.json')).isFile();
  } catch {
    return false;
  }
}

/**
 * The imports of the package in `packageDir` that its package.json does not declare. Shipped code
 * (non-test files under `src/`) must find each package in `dependencies`, `peerDependencies` or
 * `optionalDependencies`; test and tooling files may also use `devDependencies` and the
 * workspace-wide tools in `sharedDevDependencies` (the root package.json's devDependencies:
 * vitest, typescript, tsx). A package may import itself by name.
 */
export function undeclaredImports(packageDir: string, sharedDevDependencies: readonly string[] = []): UndeclaredImport[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Manifest;
  const runtime = new Set([manifest.name, ...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies })]);
  const dev = new Set([...runtime, ...Object.keys(manifest.devDependencies ?? {}), ...sharedDevDependencies]);
  return sourceFiles(packageDir).flatMap((path) => {
    const file = relative(packageDir, path);
    const needs = isDevFile(file) ? 'dev' : 'runtime';
    const declared = needs === 'dev' ? dev : runtime;
    return importedSpecifiers(readFileSync(path, 'utf8')).flatMap((specifier) => {
      const packageName = packageOf(specifier);
      return packageName === null || declared.has(packageName) ? [] : [{ file, specifier, packageName, needs }];
    });
  });
}

/** The root package.json's devDependencies: tools every workspace package's tests may use. */
export function rootDevDependencies(workspaceRoot: string): string[] {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as Manifest;
  return Object.keys(manifest.devDependencies ?? {});
}

/** The folders of the workspace's packages: root package.json's `workspaces` globs (`dir/*` or `dir`) that hold a package.json. */
export function workspacePackages(workspaceRoot: string): string[] {
  const manifest = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as Manifest;
  return (manifest.workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return existsManifest(join(workspaceRoot, pattern)) ? [join(workspaceRoot, pattern)] : [];
    const parent = join(workspaceRoot, pattern.slice(0, -2));
    let entries: string[] = [];
    try {
      entries = readdirSync(parent);
    } catch {
      return [];
    }
    return entries.map((entry) => join(parent, entry)).filter((dir) => statSync(dir).isDirectory() && existsManifest(dir));
  });
}
