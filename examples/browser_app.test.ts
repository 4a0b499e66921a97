import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

/**
 * The browser guide's page (browser/index.html + main.ts) bundles with Vite under the `browser`
 * condition: the build succeeds, the bundle holds the page's code and tfjs-core's browser gradient
 * registration, and it imports no Node built-in. (`@diffflow/source` makes Vite read the packages'
 * TypeScript sources, as the playground does, so no package build is needed first.)
 */
describe('examples/browser: a page importing the packages', () => {
  it('bundles with Vite for the browser, with no Node built-in left in the output', async () => {
    const result = (await build({
      configFile: fileURLToPath(new URL('./browser/vite.config.ts', import.meta.url)),
      logLevel: 'silent',
      build: { write: false, minify: false },
    })) as Rollup.RollupOutput;
    const chunks = result.output.filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
    expect(chunks.length).toBeGreaterThan(0);
    const code = chunks.map((c) => c.code).join('\n');
    expect(code).toContain('256 samples');
    const modules = chunks.flatMap((c) => Object.keys(c.modules));
    expect(modules.some((m) => m.includes('register_all_gradients'))).toBe(true);
    expect(modules.filter((m) => m.includes('tfjs_gradients') || m.includes('gradients_dev'))).toEqual([]);
    // Vite replaces a Node built-in a browser bundle imports by an empty stand-in module named after it
    expect(modules.filter((m) => m.startsWith('__vite-browser-external:'))).toEqual([]);
    const builtins = new Set([...builtinModules, ...builtinModules.map((b) => `node:${b}`)]);
    expect(chunks.flatMap((c) => c.imports.concat(c.dynamicImports)).filter((i) => builtins.has(i))).toEqual([]);
  }, 240_000);
});
