import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

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

export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    conditions: ['source', 'browser', 'module', 'import', 'default'],
  },
  worker: { format: 'es' },
  server: { headers: crossOriginIsolationHeaders },
  preview: { headers: crossOriginIsolationHeaders },
  build: { outDir: 'dist', target: 'es2022', emptyOutDir: true, chunkSizeWarningLimit: 8192, minify: 'esbuild' },
});
