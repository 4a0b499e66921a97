import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consumerEnv,
  consumerPrograms,
  consumerTsconfig,
  importedPackages,
  isShippable,
  libraries,
  libraryClosure,
  pack,
  readManifest,
  run,
  writeJson,
  type PackResult,
} from './consumer.js';

const workspaceRoot = fileURLToPath(new URL('../../..', import.meta.url));
const libs = libraries(workspaceRoot, readManifest(fileURLToPath(new URL('..', import.meta.url))));
const programs = consumerPrograms(workspaceRoot);
const env = consumerEnv(process.env);
const work = mkdtempSync(join(tmpdir(), 'diffflow-consumer-'));
const project = join(work, 'consumer');
const packed = new Map<string, PackResult>();
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
  // The libraries were built by Nx first (this target dependsOn ^build).
  mkdirSync(join(work, 'tarballs'));
  for (const lib of libs) packed.set(lib.manifest.name, pack(lib.dir, join(work, 'tarballs'), env));
  const imports = [...new Set(programs.files.flatMap((p) => importedPackages(readFileSync(p, 'utf8'))))];
  installed = libraryClosure(imports.filter((name) => packed.has(name)), libs);
  const registry = imports.filter((name) => !packed.has(name)).concat(['typescript', '@types/node']);
  mkdirSync(project);
  writeJson(join(project, 'package.json'), { name: 'diffflow-consumer', private: true, type: 'module' });
  const specs = [
    ...installed.map((name) => join(work, 'tarballs', packed.get(name)!.filename)),
    ...registry.map((name) => `${name}@${registryVersion(name)}`),
  ];
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], { cwd: project, env });
  for (const program of programs.files) copyFileSync(program, join(project, basename(program)));
}, 300_000);

afterAll(() => {
  if (process.env['DIFFFLOW_KEEP_CONSUMER'] === undefined) rmSync(work, { recursive: true, force: true });
  else console.log(`consumer project kept at ${project}`);
});

describe('the packed library packages', () => {
  it('are the library packages', () => {
    expect(libs.map((lib) => lib.manifest.name)).toEqual(expect.arrayContaining(['@diffflow/sde-core', '@diffflow/backend', '@diffflow/likelihood']));
  });

  it('ship dist (.js, .d.ts, maps), README, LICENSE and package.json only: no tests, fixtures or build info', () => {
    for (const [name, result] of packed) {
      const paths = result.files.map((f) => f.path);
      expect(paths.filter((path) => !isShippable(path)), name).toEqual([]);
      expect(paths, name).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']));
    }
  });

  it('depend on each other with ^ ranges, and on tfjs-core as a peer, never on the @tensorflow/tfjs union', () => {
    for (const lib of libs) {
      const { dependencies = {}, peerDependencies = {} } = lib.manifest;
      for (const [dep, range] of Object.entries(dependencies)) if (dep.startsWith('@diffflow/')) expect(range, `${lib.manifest.name} → ${dep}`).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(Object.keys(dependencies), lib.manifest.name).not.toContain('@tensorflow/tfjs');
      expect(peerDependencies['@tensorflow/tfjs-core'], lib.manifest.name).toBeDefined();
    }
  });
});

describe('a fresh project outside the workspace', () => {
  it('installs only the tarballs its programs need', () => {
    expect(installed.length).toBeGreaterThan(0);
    expect(project.startsWith(workspaceRoot)).toBe(false);
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
