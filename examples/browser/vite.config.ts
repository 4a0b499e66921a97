import { defineConfig } from 'vite';

// Inside this repository the packages are read from their TypeScript sources (`@diffflow/source`),
// so the page needs no build of the packages first. An application outside the repository leaves
// the conditions at Vite's defaults and gets the packages' `dist/` through `browser` / `default`.
export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ['@diffflow/source', 'browser', 'module', 'import', 'default'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 8192 },
});
