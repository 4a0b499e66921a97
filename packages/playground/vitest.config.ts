import { defineConfig } from 'vitest/config';

/**
 * Unit tests (src/**\/*.test.ts) run in Node like every package's; the end-to-end tests
 * (e2e/**\/*.e2e.test.ts) build the site once (globalSetup), serve it on a loopback port and drive
 * Debian's headless Chromium through playwright-core.
 */
export default defineConfig({
  resolve: { conditions: ['source', 'module', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['source', 'module', 'import', 'node', 'default'], externalConditions: ['source'] } },
  test: {
    name: '@diffflow/playground',
    include: ['src/**/*.test.ts', 'e2e/**/*.e2e.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: ['e2e/global_setup.ts'],
    setupFiles: [new URL('../../tools/test-utils/src/setup.ts', import.meta.url).pathname],
  },
});
