import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { repoRoot, runProcess, runScript, runScriptAsync, type Ran } from './cli.js';

const fixture = join(repoRoot, 'tools/test-utils/src/cli.fixture.ts');

const seen = (r: Ran): { args: string[]; backend: string | null; cwd: string; resolved: string } => JSON.parse(r.stdout);

describe('runScript / runScriptAsync', () => {
  it('run a workspace TypeScript file on the sources, from the repository root, on wasm, and report its exit and output', async () => {
    for (const r of [runScript(fixture, ['3', '--a=1', 'b']), await runScriptAsync(fixture, ['3', '--a=1', 'b'])]) {
      expect(r.status, r.stderr).toBe(3);
      expect(r.stderr).toContain('fixture: to stderr');
      const s = seen(r);
      expect(s.args).toEqual(['--a=1', 'b']);
      expect(s.backend).toBe('wasm');
      expect(join(s.cwd, '/')).toBe(repoRoot);
      // the @diffflow/source condition: a workspace package resolves to its TypeScript sources
      expect(s.resolved).toMatch(/\/packages\/backend\/src\/index\.ts$/);
    }
  });

  it('take the environment, the working folder and the time limit from the options', async () => {
    const dir = join(repoRoot, 'packages');
    const r = runScript(fixture, ['0'], { env: { DIFFFLOW_BACKEND: 'cpu' }, cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(seen(r)).toMatchObject({ backend: 'cpu', cwd: dir });
    const a = await runScriptAsync(fixture, ['0'], { env: { DIFFFLOW_BACKEND: 'cpu' } });
    expect(seen(a).backend).toBe('cpu');
    // killed by the limit: no exit code
    expect(runScript(fixture, ['0', '--hang'], { timeout: 3_000 }).status).toBeNull();
    expect((await runScriptAsync(fixture, ['0', '--hang'], { timeout: 3_000 })).status).toBeNull();
  });
});

describe('runProcess', () => {
  it('runs any command, collecting stdout and stderr, and rejects one that cannot start', async () => {
    const r = await runProcess(process.execPath, ['-e', 'process.stdout.write("out"); process.stderr.write("err"); process.exitCode = 4']);
    expect(r).toEqual({ status: 4, stdout: 'out', stderr: 'err' });
    await expect(runProcess(join(tmpdir(), 'no-such-command-here'), [])).rejects.toThrow(/ENOENT/);
  });
});
