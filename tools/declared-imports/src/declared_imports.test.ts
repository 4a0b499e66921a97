import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importedSpecifiers, isDevFile, packageOf, rootDevDependencies, undeclaredImports, workspacePackages } from './declared_imports.js';

const workspaceRoot = fileURLToPath(new URL('../../..', import.meta.url));

describe('packageOf', () => {
  it('names the package of a bare specifier and skips relative paths, subpath imports and built-ins', () => {
    expect(packageOf('@tensorflow/tfjs-core')).toBe('@tensorflow/tfjs-core');
    expect(packageOf('@tensorflow/tfjs-core/dist/register_all_gradients.js')).toBe('@tensorflow/tfjs-core');
    expect(packageOf('fp-ts/Either')).toBe('fp-ts');
    for (const skipped of ['./grid.js', '../x', '/abs', '#tfjs-gradients', 'node:fs', 'fs', 'worker_threads', 'fs/promises']) expect(packageOf(skipped)).toBeNull();
  });
});

describe('isDevFile', () => {
  it('counts tests, fixtures, configs and files outside src/ as dev files', () => {
    expect(['src/a.test.ts', 'src/ou_mixture.fixture.ts', 'vitest.config.ts', 'scripts/x.mjs'].every(isDevFile)).toBe(true);
    expect(['src/index.ts', 'src/tabular/hdf5.ts'].some(isDevFile)).toBe(false);
  });
});

describe('importedSpecifiers', () => {
  it('finds static, type-only, side-effect, re-export, dynamic and require imports', () => {
    const text = `import a from 'a'; import type { B } from 'b'; import 'c'; export * from 'd'; const e = await import('e'); const f = require('f');`;
    expect(importedSpecifiers(text).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });
});

describe('undeclaredImports', () => {
  it('flags shipped code that imports a devDependency, and accepts it (or a shared tool) in a test', () => {
    const dir = mkdtempSync(join(tmpdir(), 'declared-imports-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', dependencies: { a: '1' }, devDependencies: { v: '1' } }));
    writeFileSync(join(dir, 'src', 'index.ts'), `import { a } from 'a'; import { v } from 'v'; import { self } from 'p'; import 'node:fs';`);
    writeFileSync(join(dir, 'src', 'index.test.ts'), `import { v } from 'v'; import { w } from 'w'; import { it } from 'vitest';`);
    expect(undeclaredImports(dir, ['vitest'])).toEqual([
      { file: 'src/index.test.ts', specifier: 'w', packageName: 'w', needs: 'dev' },
      { file: 'src/index.ts', specifier: 'v', packageName: 'v', needs: 'runtime' },
    ]);
  });
});

describe('every workspace package declares what it imports', () => {
  const packages = workspacePackages(workspaceRoot);
  const shared = rootDevDependencies(workspaceRoot);
  it('finds the library packages', () => {
    const names = packages.map((dir) => relative(workspaceRoot, dir));
    expect(names).toEqual(expect.arrayContaining(['packages/sde-core', 'packages/backend', 'tools/test-utils']));
  });
  it.each(packages.map((dir) => [relative(workspaceRoot, dir), dir]))('%s', (_name, dir) => {
    const found = undeclaredImports(dir, shared).map((u) => `${u.file} imports '${u.specifier}': declare ${u.packageName} in ${u.needs === 'runtime' ? 'dependencies or peerDependencies' : 'devDependencies'}`);
    expect(found).toEqual([]);
  });
});
