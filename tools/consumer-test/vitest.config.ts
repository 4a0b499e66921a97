import { defineConfig } from 'vitest/config';

// No shared tfjs setup: everything tfjs runs in the consumer project, in child processes.
export default defineConfig({
  test: { name: '@diffflow/consumer-test', include: ['src/**/*.test.ts'], environment: 'node', testTimeout: 180_000, hookTimeout: 300_000 },
});
