import { defineConfig } from 'vitest/config';

/**
 * The vitest configuration every package shares. Workspace packages resolve through the
 * `@diffflow/source` export condition, so tests run on the TypeScript sources without a build.
 */
export function packageTestConfig(name: string) {
  return defineConfig({
    resolve: { conditions: ['@diffflow/source', 'module', 'import', 'node', 'default'] },
    ssr: { resolve: { conditions: ['@diffflow/source', 'module', 'import', 'node', 'default'], externalConditions: ['@diffflow/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts'],
      environment: 'node',
      pool: 'forks',
      testTimeout: 120_000,
      hookTimeout: 120_000,
      setupFiles: [new URL('./tools/test-utils/src/setup.ts', import.meta.url).pathname],
    },
  });
}
