import { defineConfig } from 'vitest/config';

// No tfjs here: this project reads markdown files only, so it skips the shared setup (backend start).
export default defineConfig({ test: { name: '@diffflow/doc-links', include: ['src/**/*.test.ts'], environment: 'node' } });
