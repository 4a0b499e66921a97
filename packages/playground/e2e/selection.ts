/**
 * Which of the playground's test files run: the unit tests always, the end-to-end tests (a Vite
 * build, two loopback servers, Debian's headless Chromium) unless `PLAYGROUND_SKIP_E2E=1` — for a
 * machine without chromium, or a quick unit run. CI leaves the variable unset and runs them all.
 * Read by vitest.config.ts; pure, so it is tested on its own (selection.test.ts).
 */

/** The environment variable that skips the end-to-end tests when set to '1'. */
export const SKIP_E2E_VARIABLE = 'PLAYGROUND_SKIP_E2E';

/** The unit tests (Node) and the end-to-end tests (browser), as vitest include patterns. */
export const UNIT_TESTS = ['src/**/*.test.ts', 'e2e/selection.test.ts'] as const;
export const E2E_TESTS = ['e2e/**/*.e2e.test.ts'] as const;

/** The files vitest runs, the global setup that builds and serves the site, and the line to print when skipping. */
export interface TestSelection {
  readonly include: readonly string[];
  readonly globalSetup: readonly string[];
  /** Said in the test output when the end-to-end tests are skipped; null when they run. */
  readonly notice: string | null;
}

/** The selection for an environment: `PLAYGROUND_SKIP_E2E=1` drops the end-to-end files and their global setup. */
export function testSelection(env: Readonly<Record<string, string | undefined>>): TestSelection {
  if (env[SKIP_E2E_VARIABLE] === '1') {
    return {
      include: [...UNIT_TESTS],
      globalSetup: [],
      notice: `[playground] ${SKIP_E2E_VARIABLE}=1: skipping the end-to-end tests (${E2E_TESTS.join(', ')}: vite build + headless Chromium); unit tests only`,
    };
  }
  return { include: [...UNIT_TESTS, ...E2E_TESTS], globalSetup: ['e2e/global_setup.ts'], notice: null };
}
