import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  between,
  closureMarkers,
  closureTable,
  consumerEnv,
  consumerPrograms,
  consumerTsconfig,
  diffflowFrames,
  importedPackages,
  isShippable,
  libraries,
  libraryClosure,
  readManifest,
  recipeBlocks,
  run,
  writeJson,
} from './consumer.js';

const workspaceRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** Whether a library's shipped sources (src/, tests left out) import @tensorflow/tfjs-core. */
function importsTfjsCore(dir: string): boolean {
  const files = (readdirSync(join(dir, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !/\.(test|fixture)\.ts$/.test(f));
  return files.some((f) => importedPackages(readFileSync(join(dir, 'src', f), 'utf8')).includes('@tensorflow/tfjs-core'));
}

const readme = readFileSync(join(workspaceRoot, 'README.md'), 'utf8');
const libs = libraries(workspaceRoot, readManifest(fileURLToPath(new URL('..', import.meta.url))));
const programs = consumerPrograms(workspaceRoot);
const env = consumerEnv(process.env);
const work = mkdtempSync(join(tmpdir(), 'diffflow-consumer-'));
const tarballs = join(workspaceRoot, 'tarballs');
/** The user's project the README's recipe makes (its `mkdir … && cd …`), found after it ran. */
let project = '';
/** What the recipe printed. */
let recipeOutput = '';
/** The paths inside each tarball, by package name. */
const contents = new Map<string, string[]>();
let installed: string[] = [];

/** A version for a registry package the programs import: the workspace's own pin or range. */
function registryVersion(name: string): string {
  const manifests = [readManifest(workspaceRoot), ...libs.map((lib) => lib.manifest)];
  for (const m of manifests) {
    const version = m.dependencies?.[name] ?? m.devDependencies?.[name] ?? m.peerDependencies?.[name];
    if (version !== undefined) return version;
  }
  throw new Error(`the programs import ${name}, which no workspace package.json pins`);
}

beforeAll(() => {
  // The README's own install recipe, its lines as written: the first block in this clone (npm ci
  // left out: `npm test` runs after it, and it would reinstall the workspace under the running
  // test), the rest in a temporary folder outside the workspace, in one shell so that its
  // variables and `cd` carry over as they do for a user. The libraries were built by Nx first
  // (this target dependsOn ^build), so pack:libs's own build is a cache hit.
  const [clone, ...rest] = recipeBlocks(readme);
  const script = [
    'set -euo pipefail',
    `cd ${JSON.stringify(workspaceRoot)}`,
    ...clone!.filter((line) => !/^npm ci\b/.test(line.trim())),
    `cd ${JSON.stringify(work)}`,
    ...rest.flat(),
    'echo "RECIPE-PROJECT=$PWD"',
  ].join('\n');
  recipeOutput = run('bash', ['-c', script], { env, timeout: 600_000 });
  project = /RECIPE-PROJECT=(.*)/.exec(recipeOutput)?.[1]?.trim() ?? '';
  for (const file of readdirSync(tarballs).filter((f) => f.endsWith('.tgz'))) {
    const paths = run('tar', ['-tzf', join(tarballs, file)], {}).split('\n').filter((p) => p !== '' && !p.endsWith('/')).map((p) => p.replace(/^package\//, ''));
    const name = (JSON.parse(run('tar', ['-xzOf', join(tarballs, file), 'package/package.json'], {})) as { name: string }).name;
    contents.set(name, paths);
  }
  // the programs (the workspace's examples) in that project, with what type-checking them needs
  const imports = [...new Set(programs.files.flatMap((p) => importedPackages(readFileSync(p, 'utf8'))))];
  installed = libraryClosure(imports.filter((name) => contents.has(name)), libs);
  const registry = imports.filter((name) => !contents.has(name) && name !== '@tensorflow/tfjs-core').concat(['typescript', '@types/node']);
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...registry.map((name) => `${name}@${registryVersion(name)}`)], { cwd: project, env, timeout: 300_000 });
  for (const program of programs.files) copyFileSync(program, join(project, basename(program)));
}, 900_000);

afterAll(() => {
  if (process.env['DIFFFLOW_KEEP_CONSUMER'] === undefined) rmSync(work, { recursive: true, force: true });
  else console.log(`consumer project kept at ${project}`);
});

describe("the README's install recipe, run as written", () => {
  it('makes an ES-module project outside the workspace with every library tarball, and its check prints a backend', () => {
    expect(project.startsWith(work)).toBe(true);
    expect(project.startsWith(workspaceRoot)).toBe(false);
    expect(readManifest(project)).toMatchObject({ type: 'module' });
    const deps = Object.keys(readManifest(project).dependencies ?? {});
    expect(deps).toEqual(expect.arrayContaining([...libs.map((lib) => lib.manifest.name), '@tensorflow/tfjs-core']));
    expect(recipeOutput).toMatch(/^(wasm|cpu|tensorflow|webgl)$/m);
  });

  it('states which tarballs each package needs: the table is the libraries’ @diffflow/* dependency closure', () => {
    expect(between(readme, closureMarkers.start, closureMarkers.end).trim()).toBe(closureTable(libs));
  });
});

describe('the packed library packages', () => {
  it('are the library packages', () => {
    expect(libs.map((lib) => lib.manifest.name)).toEqual(expect.arrayContaining(['@diffflow/sde-core', '@diffflow/backend', '@diffflow/likelihood']));
  });

  it('are packed by npm run pack:libs, one tarball each', () => {
    expect([...contents.keys()].sort()).toEqual(libs.map((lib) => lib.manifest.name).sort());
  });

  it('ship dist (.js, .d.ts, maps), the sources the maps name, README, LICENSE and package.json only: no tests, fixtures or build info', () => {
    for (const [name, paths] of contents) {
      expect(paths.filter((path) => !isShippable(path)), name).toEqual([]);
      expect(paths, name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
    }
  });

  it('depend on each other with ^ ranges, and on tfjs-core as a peer when they use tensors, never on the @tensorflow/tfjs union', () => {
    for (const lib of libs) {
      const { dependencies = {}, peerDependencies = {} } = lib.manifest;
      for (const [dep, range] of Object.entries(dependencies)) if (dep.startsWith('@diffflow/')) expect(range, `${lib.manifest.name} → ${dep}`).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(Object.keys(dependencies), lib.manifest.name).not.toContain('@tensorflow/tfjs');
      expect(Object.keys(dependencies), lib.manifest.name).not.toContain('@tensorflow/tfjs-core');
      // A library uses tensors when it imports tfjs-core or stands on another @diffflow library
      // (they all do); one that does neither (@diffflow/figures: pixels and PNG bytes) asks no peer.
      const usesTensors = importsTfjsCore(lib.dir) || Object.keys(dependencies).some((dep) => dep.startsWith('@diffflow/'));
      expect(peerDependencies['@tensorflow/tfjs-core'] !== undefined, lib.manifest.name).toBe(usesTensors);
    }
  });

  it.each(libs.map((lib) => lib.manifest.name))('%s passes publint (strict) and arethetypeswrong', (name) => {
    const file = join(tarballs, `${name.replace(/^@/, '').replace('/', '-')}-${libs.find((lib) => lib.manifest.name === name)!.manifest.version}.tgz`);
    const bin = (tool: string): string => join(workspaceRoot, 'node_modules', '.bin', tool);
    expect(run(bin('publint'), ['run', file, '--strict'], { env })).toMatch(/All good!/);
    // ES modules only: a CommonJS `require` resolving to ESM is by design (Node ≥ 20.19 loads it); every other rule applies
    run(bin('attw'), [file, '--ignore-rules', 'cjs-resolves-to-esm', '--format', 'table-flipped'], { env });
  });
});

describe('a fresh project outside the workspace', () => {
  it('the examples import packages that were installed', () => {
    expect(installed.length).toBeGreaterThan(0);
    for (const name of installed) expect(existsSync(join(project, 'node_modules', name, 'package.json')), name).toBe(true);
  });

  it('has every source file the installed source maps name', () => {
    for (const name of Object.keys(readManifest(project).dependencies ?? {}).filter((n) => n.startsWith('@diffflow/'))) {
      const dist = join(project, 'node_modules', name, 'dist');
      const maps = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js.map'));
      expect(maps.length, name).toBeGreaterThan(0);
      for (const map of maps) {
        const { sources } = JSON.parse(readFileSync(join(dist, map), 'utf8')) as { sources: string[] };
        for (const source of sources) expect(existsSync(join(dist, map, '..', source)), `${name}: ${map} names ${source}`).toBe(true);
      }
    }
  });

  it('gives stack traces that name files the tarballs ship, with and without --enable-source-maps', () => {
    const script = "import { fixedGrid } from '@diffflow/sde-core'; try { fixedGrid({ steps: 0, tMin: 0, tMax: 1, beta: 1 }); } catch (e) { console.log(e.stack); }";
    for (const flags of [[], ['--enable-source-maps']]) {
      const stack = run(process.execPath, [...flags, '--input-type=module', '-e', script], { cwd: project, env });
      const frames = diffflowFrames(stack);
      expect(frames.length, stack).toBeGreaterThan(0);
      expect(frames.some((f) => f.endsWith(flags.length === 0 ? '.js' : '.ts')), stack).toBe(true);
      for (const frame of frames) expect(existsSync(join(project, frame)), `${frame} (in ${stack})`).toBe(true);
    }
  });

  it.each(['nodenext', 'bundler', 'node10'] as const)('type-checks the programs under moduleResolution %s', (resolution) => {
    writeJson(join(project, `tsconfig.${resolution}.json`), consumerTsconfig(resolution, programs.files.map((p) => basename(p))));
    run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', `tsconfig.${resolution}.json`], { cwd: project, env });
  });

  it.each(programs.entries.map((p) => basename(p)))('runs %s through the public API with a tiny budget', (program) => {
    const compiled = join(project, 'out', program.replace(/\.ts$/, '.js'));
    const stdout = run(process.execPath, [compiled], { cwd: project, env: { ...env, DIFFFLOW_EXAMPLE_ITERATIONS: '2' }, timeout: 120_000 });
    expect(stdout.trim()).not.toBe('');
    expect(stdout).not.toMatch(/\bNaN\b|Infinity/);
  });

  it("bundles @diffflow/backend for the browser with tfjs-core's register_all_gradients and no Node built-in", async () => {
    writeFileSync(join(project, 'browser.mjs'), `import { registerGradients } from '@diffflow/backend';\nawait registerGradients();\n`);
    const result = await build({ entryPoints: [join(project, 'browser.mjs')], absWorkingDir: project, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js');
    expect(inputs.filter((path) => path.startsWith('node:') || path.includes('tfjs_gradients'))).toEqual([]);
  });

  it("resolves to dist even for a bundler that sets the common 'source' condition (the workspace's own condition is namespaced)", async () => {
    writeFileSync(join(project, 'conditions.mjs'), installed.map((name, i) => `import * as m${i} from '${name}';\nconsole.log(Object.keys(m${i}).length);`).join('\n'));
    const result = await build({ entryPoints: [join(project, 'conditions.mjs')], absWorkingDir: project, bundle: true, platform: 'node', format: 'esm', conditions: ['source', 'development'], write: false, metafile: true, logLevel: 'silent', external: ['@tensorflow/*'] });
    const ours = Object.keys(result.metafile.inputs).filter((path) => path.includes('node_modules/@diffflow/'));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((path) => !/node_modules\/@diffflow\/[^/]+\/dist\//.test(path))).toEqual([]);
  });

  it("imports every installed package without side effects: no gradient registered, Node's module loader untouched", () => {
    const script = `
      import { createRequire } from 'node:module';
      const nodeModule = createRequire(import.meta.url)('node:module');
      const load = nodeModule._load;
      const tf = await import('@tensorflow/tfjs-core');
      for (const name of ${JSON.stringify(installed)}) await import(name);
      console.log(JSON.stringify({ registered: tf.getGradient('Tanh') !== undefined, loaderUntouched: nodeModule._load === load }));`;
    const stdout = run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ registered: false, loaderUntouched: true });
  });

  it.skipIf(!(process.features as { require_module?: boolean }).require_module)("loads every installed package with require() (Node's require(esm))", () => {
    const script = `for (const name of ${JSON.stringify(installed)}) { const m = require(name); if (Object.keys(m).length === 0) throw new Error(name + ': no exports'); } console.log('ok');`;
    expect(run(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: project, env }).trim()).toBe('ok');
  });
});
