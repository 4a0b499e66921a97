import { defineConfig } from 'vitest/config';
import { testSelection } from './e2e/selection.js';

/**
 * Unit tests (src/**\/*.test.ts) run in Node like every package's; the end-to-end tests
 * (e2e/**\/*.e2e.test.ts) build the site once (globalSetup), serve it on a loopback port and drive
 * Debian's headless Chromium through playwright-core. `PLAYGROUND_SKIP_E2E=1` leaves the end-to-end
 * tests and their build out (e2e/selection.ts) and says so at the start of the output.
 */
const selection = testSelection(process.env);
if (selection.notice !== null) console.log(selection.notice);

export default defineConfig({
  resolve: { conditions: ['@diffflow/source', 'module', 'import', 'node', 'default'] },
  ssr: { resolve: { conditions: ['@diffflow/source', 'module', 'import', 'node', 'default'], externalConditions: ['@diffflow/source'] } },
  test: {
    name: '@diffflow/playground',
    include: [...selection.include],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    globalSetup: [...selection.globalSetup],
    setupFiles: [new URL('../../tools/test-utils/src/setup.ts', import.meta.url).pathname],
  },
});
