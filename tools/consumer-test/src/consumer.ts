/**
 * What the consumer test does, step by step: find the library packages, pack them, make a fresh
 * project outside the workspace that installs only the tarballs its programs need (plus registry
 * packages), type-check and run the programs there.
 */
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';

/** The package.json fields this test reads. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly scripts?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

/** A library package of the workspace: published (not private) and built (has a `build` script). */
export interface Library {
  readonly dir: string;
  readonly manifest: Manifest;
}

export const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/**
 * The library packages this test covers: the `@diffflow/*` devDependencies of `testManifest` (so
 * that Nx builds exactly them first), each found as `packages/<name>` and checked to be
 * publishable (not private, with a `build` script).
 */
export function libraries(workspaceRoot: string, testManifest: Manifest): Library[] {
  return Object.keys(testManifest.devDependencies ?? {})
    .filter((name) => name.startsWith('@diffflow/'))
    .map((name) => {
      const dir = join(workspaceRoot, 'packages', name.slice('@diffflow/'.length));
      const manifest = readManifest(dir);
      if (manifest.private === true || manifest.scripts?.['build'] === undefined) throw new Error(`${name}: not a publishable library (private, or no build script)`);
      return { dir, manifest };
    });
}

/** The packages a program imports by bare name (`@scope/name`, `name`), Node built-ins excluded. */
export function importedPackages(source: string): string[] {
  const names = ts.preProcessFile(source, true, true).importedFiles
    .map((f) => f.fileName)
    .filter((s) => !/^(\.|\/|#|node:)/.test(s))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
  return [...new Set(names)].sort();
}

/** `wanted` and every library they depend on (dependencies and peerDependencies), transitively. */
export function libraryClosure(wanted: readonly string[], libs: readonly Library[]): string[] {
  const byName = new Map(libs.map((lib) => [lib.manifest.name, lib]));
  const out = new Set<string>();
  const visit = (name: string): void => {
    const lib = byName.get(name);
    if (lib === undefined || out.has(name)) return;
    out.add(name);
    for (const dep of Object.keys({ ...lib.manifest.dependencies, ...lib.manifest.peerDependencies })) visit(dep);
  };
  wanted.forEach(visit);
  return [...out].sort();
}

/** What `npm pack --json` reports of one tarball. */
export interface PackResult {
  readonly name: string;
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** Packs one package into `destination` with npm (as `npm publish` would) and returns npm's report. */
export function pack(dir: string, destination: string, env: NodeJS.ProcessEnv): PackResult {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', destination], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const [result] = JSON.parse(out) as PackResult[];
  if (result === undefined) throw new Error(`npm pack in ${dir} reported nothing`);
  return result;
}

/**
 * A file a tarball may ship: compiled JavaScript, declarations, source maps, the TypeScript sources
 * the maps name (so stack traces resolve to files that exist), README, LICENSE, package.json.
 */
export function isShippable(path: string): boolean {
  if (['package.json', 'README.md', 'LICENSE'].includes(path)) return true;
  if (/\.(test|fixture)\./.test(path)) return false;
  if (path.startsWith('src/')) return path.endsWith('.ts') && !path.endsWith('.d.ts');
  if (!path.startsWith('dist/')) return false;
  return /\.(js|d\.ts|js\.map)$/.test(path);
}

/**
 * The environment for npm in the consumer project: the caller's, without the variables an
 * enclosing `npm run` sets for the workspace (they would make npm act on the workspace instead).
 */
export function consumerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => !/^(npm_package_|npm_lifecycle_|npm_config_(workspace|workspaces|include_workspace_root|prefix|global|local_prefix)$|INIT_CWD$)/i.test(key)),
  );
}

/** tsconfig for the consumer's programs under one module resolution; `outDir` set only for the one that emits. */
export function consumerTsconfig(resolution: 'nodenext' | 'bundler' | 'node10', files: readonly string[]): object {
  return {
    compilerOptions: {
      module: resolution === 'nodenext' ? 'nodenext' : 'esnext',
      moduleResolution: resolution,
      target: 'es2022',
      lib: ['es2022', 'dom'],
      types: ['node'],
      strict: true,
      // tfjs-core's own declarations need @types/long's global `Long`; our packages' types are
      // still checked through the programs (each program holds a @ts-expect-error that fails if
      // a type resolved to `any`).
      skipLibCheck: true,
      ...(resolution === 'nodenext' ? { outDir: 'out', rootDir: '.' } : { noEmit: true }),
    },
    files,
  };
}

/** Runs a command, returning its stdout; on failure the error carries stdout and stderr. */
export function run(command: string, args: readonly string[], options: ExecFileSyncOptions): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options }) as string;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`.trim());
  }
}

/** Writes `value` as formatted JSON. */
export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** The consumer's programs: every file copied into the project, and the entry points among them that get run. */
export interface Programs {
  readonly files: readonly string[];
  readonly entries: readonly string[];
}

/**
 * The programs the consumer runs: the workspace's examples/*.ts. Tests and configs are left out; a
 * file another one imports (`./budget.js`) is copied but not run.
 */
export function consumerPrograms(workspaceRoot: string): Programs {
  const dir = join(workspaceRoot, 'examples');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !/\.(test|config)\.ts$/.test(f))
    .map((f) => join(dir, f))
    .sort((a, b) => basename(a).localeCompare(basename(b)));
  const imported = new Set(
    files.flatMap((f) => ts.preProcessFile(readFileSync(f, 'utf8'), true, true).importedFiles.map((i) => i.fileName))
      .filter((s) => s.startsWith('./'))
      .map((s) => basename(s).replace(/\.js$/, '.ts')),
  );
  if (files.length === 0) throw new Error(`no programs in ${dir}`);
  return { files, entries: files.filter((f) => !imported.has(basename(f))) };
}

/** The marker comments around the root README's install recipe (its consumer steps). */
export const recipeMarkers = { start: '<!-- install-recipe:start -->', end: '<!-- install-recipe:end -->' } as const;

/** The README text between two marker comments; throws when either is missing. */
export function between(text: string, start: string, end: string): string {
  const i = text.indexOf(start);
  const j = text.indexOf(end, i + start.length);
  if (i < 0 || j < 0) throw new Error(`README.md: no section between ${start} and ${end}`);
  return text.slice(i + start.length, j);
}

/**
 * The shell blocks (```sh) of the README's install recipe, in order, each a list of command lines
 * (comments after `#` kept: the shell ignores them). The first block runs in the clone of this
 * repository, the others in the folder the user's project is made in.
 */
export function recipeBlocks(readme: string): string[][] {
  const section = between(readme, recipeMarkers.start, recipeMarkers.end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => (m[1] as string).split('\n').filter((line) => line.trim() !== ''));
  if (blocks.length < 2) throw new Error(`README.md: the install recipe needs a block for the clone and one for the project, found ${blocks.length}`);
  return blocks;
}

/** The short name of a library tarball's package: '@diffflow/sde-core' → 'sde-core'. */
export const shortName = (name: string): string => name.replace(/^@diffflow\//, '');

/**
 * The README's table of which tarballs each library needs: the library and every `@diffflow/*`
 * package it depends on, transitively ({@link libraryClosure}), as markdown rows.
 */
export function closureTable(libs: readonly Library[]): string {
  const rows = libs
    .map((lib) => lib.manifest.name)
    .sort()
    .map((name) => `| \`${name}\` | ${libraryClosure([name], libs).map(shortName).join(', ')} |`);
  return ['| you import | install these tarballs (`diffflow-<name>-<version>.tgz`) |', '|---|---|', ...rows].join('\n');
}

/** The marker comments around the README's closure table (inside the install recipe). */
export const closureMarkers = { start: '<!-- install-closure:start -->', end: '<!-- install-closure:end -->' } as const;

/**
 * The files a stack trace names under `node_modules/@diffflow/` (e.g.
 * `node_modules/@diffflow/sde-core/src/grid.ts`), without line and column, each once.
 */
export function diffflowFrames(stack: string): string[] {
  const files = [...stack.matchAll(/(node_modules\/@diffflow\/[^\s:()]+):\d+:\d+/g)].map((m) => m[1] as string);
  return [...new Set(files)];
}
