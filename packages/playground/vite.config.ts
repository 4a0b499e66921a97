import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/**
 * Cross-origin isolation: with these two headers the page may use SharedArrayBuffer, so tfjs's
 * wasm backend runs multi-threaded. Without them (any plain static server) it runs on one thread.
 * `serve` and `preview` send them; see the README for other servers.
 */
export const crossOriginIsolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Dev server only: `@diffflow/datasets` → its browser-safe parts (src/dev/datasets_browser.ts), and
 * Node built-ins imported by library modules the page does not call become modules whose functions
 * throw if called. `vite build` drops those modules (tree-shaking); the dev
 * server loads every module of an entry, and its own stand-in throws as soon as a named import is
 * bound.
 */
function devServerShims(): Plugin {
  const prefix = '\0node-stub:';
  return {
    name: 'diffflow:dev-server-shims',
    apply: 'serve',
    enforce: 'pre',
    resolveId(id) {
      if (id === '@diffflow/datasets') return here('./src/dev/datasets_browser.ts');
      return isBuiltin(id) ? prefix + id : null;
    },
    async load(id) {
      if (!id.startsWith(prefix)) return null;
      const name = id.slice(prefix.length);
      const names = Object.keys(await import(name)).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      const stub = `() => { throw new Error(${JSON.stringify(`${name} is not available in the browser`)}); }`;
      return [`const stub = ${stub};`, ...names.map((k) => `export const ${k} = stub;`), 'export default {};'].join('\n');
    },
  };
}

export default defineConfig({
  plugins: [devServerShims()],
  root: here('.'),
  base: './',
  resolve: {
    conditions: ['@diffflow/source', 'browser', 'module', 'import', 'default'],
  },
  worker: { format: 'es', plugins: () => [devServerShims()] },
  server: { headers: crossOriginIsolationHeaders },
  preview: { headers: crossOriginIsolationHeaders },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true, chunkSizeWarningLimit: 8192, minify: 'esbuild' },
});
