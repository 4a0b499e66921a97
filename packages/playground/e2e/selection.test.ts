import { describe, expect, it } from 'vitest';
import config from '../vitest.config.js';
import { E2E_TESTS, testSelection, UNIT_TESTS } from './selection.js';

describe('testSelection', () => {
  it('runs the unit and the end-to-end tests by default (CI), with the global setup that builds and serves the site', () => {
    for (const env of [{}, { PLAYGROUND_SKIP_E2E: '0' }, { PLAYGROUND_SKIP_E2E: '' }]) {
      const s = testSelection(env);
      expect(s.include).toEqual([...UNIT_TESTS, ...E2E_TESTS]);
      expect(s.globalSetup).toEqual(['e2e/global_setup.ts']);
      expect(s.notice).toBeNull();
    }
  });

  it('PLAYGROUND_SKIP_E2E=1 drops the end-to-end files and the build, and says so', () => {
    const s = testSelection({ PLAYGROUND_SKIP_E2E: '1' });
    expect(s.include).toEqual([...UNIT_TESTS]);
    expect(s.include.some((p) => p.includes('.e2e.'))).toBe(false);
    expect(s.globalSetup).toEqual([]);
    expect(s.notice).toMatch(/PLAYGROUND_SKIP_E2E=1: skipping the end-to-end tests/);
  });

  it("is what vitest.config.ts uses for this process's environment", () => {
    const s = testSelection(process.env);
    expect(config.test?.include).toEqual(s.include);
    expect(config.test?.globalSetup).toEqual(s.globalSetup);
  });
});
