import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runScript, type Ran } from '@diffflow/test-utils';
import { decodePng } from '@diffflow/figures';

const cli = join(repoRoot, 'packages/experiments/compare/src/cli.ts');

const compare = (args: readonly string[]): Ran => runScript(cli, args);

/** results.json without its wall-clock parts (what a replay must reproduce exactly). */
function numbers(path: string): unknown {
  const r = JSON.parse(readFileSync(path, 'utf8'));
  return { sharpness: r.sharpness.map((s: { rows: { nll: object }[] }) => ({ ...s, rows: s.rows.map((x) => ({ ...x, nll: { ...x.nll, seconds: 0 } })) })), steps: r.steps, topology: r.topology };
}

describe('toy2d:compare command line (end to end, --quick)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'compare-'));
  const out = join(dir, 'run');

  it('runs every experiment and writes results.json, results.md and the figures', () => {
    const r = compare(['--quick', `--out=${out}`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/compare olympic diffflow/); // progress lines
    const files = readdirSync(out);
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'results.json',
      'results.md',
      'sharpness-olympic.png',
      'sharpness-2spirals.png',
      'steps-olympic.png',
      'steps-samples-olympic.png',
      'topology-fourrings.png',
      'training-olympic.png',
    ]) {
      expect(files, f).toContain(f);
    }
    // panels: data | DiffFlow | DDPM-N | DDPM-K side by side, and 2 rows of trajectory snapshots
    const sharp = decodePng(readFileSync(join(out, 'sharpness-olympic.png')));
    expect(sharp.width).toBeGreaterThan(3.5 * sharp.height);
    const topo = decodePng(readFileSync(join(out, 'topology-fourrings.png')));
    expect(topo.width).toBeGreaterThan(1.5 * topo.height);

    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.quick).toBe(true);
    expect(results.sharpness.map((s: { dataset: string }) => s.dataset)).toEqual(['olympic', '2spirals']);
    for (const s of results.sharpness) {
      expect(s.rows.map((x: { model: string; steps: number }) => `${x.model}/${x.steps}`)).toEqual(['diffflow/5', 'ddpm/5', 'ddpm/50']);
      for (const row of s.rows) {
        expect(Number.isFinite(row.nll.nats), JSON.stringify(row.nll)).toBe(true);
        expect(Number.isFinite(row.quality.energy)).toBe(true);
      }
      // olympic has a known support (a fraction in [0, 1]), 2spirals does not (null)
      if (s.dataset === 'olympic') expect(s.floor.support).toBeGreaterThan(0.99);
      else expect(s.floor.support).toBeNull();
    }
    expect(results.steps[0].steps).toEqual([2, 5]);
    expect(results.steps[0].diffflow).toHaveLength(2);
    const topology = results.topology[0].records;
    expect(topology.map((x: { model: string }) => x.model)).toEqual(['diffflow', 'ddpm']);
    // the VP SDE scatters the rings: purity ends near chance; both start from the same points
    const ddpm = topology[1];
    expect(ddpm.purity[0]).toBeCloseTo(topology[0].purity[0], 1);
    expect(ddpm.purity.at(-1)).toBeLessThan(ddpm.chance + 0.15);
    expect(ddpm.times.at(-1)).toBe(1);

    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/## 1\. Sharpness/);
    expect(md).toMatch(/## 2\. Topology/);
    expect(md).toMatch(/## 3\. Sample quality against the number of steps N/);
    expect(md).toMatch(/--quick/);
    expect(md).toContain(results.sharpness[0].rows[0].nll.nats.toFixed(3));
  });

  it('refuses to overwrite the run or mix in another; --resume replays it to the same numbers', () => {
    const again = compare(['--quick', `--out=${out}`]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^error: .*already holds this run/m);
    const other = compare(['--quick', '--seed=1', `--out=${out}`]);
    expect(other.status).toBe(2);
    expect(other.stderr).toMatch(/^error: .*another run .*seed/m);

    const before = numbers(join(out, 'results.json'));
    const training = (): unknown[] =>
      JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).training.map(({ iterationsThisRun: _, ...rest }: { iterationsThisRun: number }) => rest);
    const trainedBefore = training();
    const resumed = compare(['--quick', '--resume', `--out=${out}`]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed from .*olympic-diffflow\.bin at iteration 3/);
    expect(numbers(join(out, 'results.json'))).toEqual(before);
    // nothing was trained again, and the training record (time, losses) still describes the first process's training
    const after = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).training;
    expect(after.every((t: { iterationsThisRun: number }) => t.iterationsThisRun === 0)).toBe(true);
    expect(training()).toEqual(trainedBefore);
    expect(after[0].seconds).toBeGreaterThan(0);
  });

  it('rejects a bad flag with one clear line, exit 2, nothing written (each bad field: config.test.ts)', () => {
    const target = join(dir, 'bad');
    const r = compare(['--quick', '--stepsList=5,60', `--out=${target}`]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('error:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/stepsList.*ddpm\.K = 50/);
    expect(existsSync(target)).toBe(false);
  });
});
