import { defineConfig } from 'vitest/config';

// No tfjs here: this project reads files only, so it skips the shared setup (backend start).
export default defineConfig({ test: { name: '@diffflow/declared-imports', include: ['src/**/*.test.ts'], environment: 'node' } });
