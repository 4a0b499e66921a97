import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runScript, type Ran } from '@diffflow/test-utils';
import { classifierCommandFor, classifierDir, classifierSplitOf } from './classifier.js';

const cli = join(repoRoot, 'packages/experiments/images/src/cli.ts');
const images = (args: readonly string[]): Ran => runScript(cli, args);
const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('error:'));

describe('classifierDir / classifierSplitOf / classifierCommandFor', () => {
  it('names the presets’ split lenet-<data>-v1 and any other split by its fields', () => {
    const standard = classifierSplitOf({});
    expect(standard).toEqual({ data: 'mnist', dataDir: '', size: 32, fit: 'auto', heldOut: 2000, seed: 0 });
    expect(classifierDir(standard)).toBe('runs/classifiers/lenet-mnist-v1');
    expect(classifierDir({ ...standard, data: 'fashion' })).toBe('runs/classifiers/lenet-fashion-v1');
    expect(classifierDir({ ...standard, size: 8, heldOut: 8, seed: 3 })).toBe('runs/classifiers/lenet-mnist-size8-auto-heldout8-seed3-v1');
    expect(classifierCommandFor({ ...standard, data: 'fashion', heldOut: 100 })).toBe('npx nx run images:classifier --data=fashion --heldOut=100');
  });
});

describe('images classifier and FD-LeNet in images eval (end to end, 8×8)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'images-classifier-'));
  const classifier = join(dir, 'lenet');
  const run = join(dir, 'run');
  // the tiny preset's split: 8×8, 8 held-out digits, seed 0
  const split = ['--size=8', '--heldOut=8'];

  it('trains on the training split, prints held-out accuracy, writes the artifact, and reuses it', () => {
    const first = images(['classifier', ...split, '--epochs=1', `--out=${classifier}`]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/on 9,992 mnist training images 8×8×1 .*8 held-out images never seen/);
    expect(first.stderr).toMatch(/held-out accuracy \d+\.\d+ % on 8 images/);
    const meta = JSON.parse(readFileSync(join(classifier, 'lenet.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 'diffflow-lenet', version: 1, info: { split: { data: 'mnist', size: 8, heldOut: 8, seed: 0 }, trainImages: 9992, heldOutImages: 8 } });
    expect(existsSync(join(classifier, 'weights.npy'))).toBe(true);
    const again = images(['classifier', ...split, `--out=${classifier}`]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/already trained on this split .*--force retrains/);
    // the floor: 500 requested, the tiny split's 9,992 training images give them, against 8 held-out images
    expect(again.stderr).toMatch(/FD-LeNet floor: \d+\.\d+ \(500 training images vs the 8 held-out images/);
  });

  it('images eval reports FD-LeNet, its floor and class coverage, saying it is not the paper’s FID', () => {
    const trained = images(['train', '--preset=tiny', '--heldOut=8', '--iters=2', `--out=${run}`]);
    expect(trained.status, trained.stderr).toBe(0);
    const ev = images(['eval', `--run=${run}`, '--n=2', '--solver=rk4', '--odeSteps=2', '--fdSamples=6', `--classifier=${classifier}`, `--out=${join(dir, 'eval')}`]);
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stderr).toMatch(/FD-LeNet: \d+\.\d+ for 6 samples \(N = 3, λ = 0\) vs 8 held-out images; floor \d+\.\d+ \(6 training images/);
    expect(ev.stderr).toMatch(/not the paper's Inception FID and not comparable to it/);
    const result = JSON.parse(readFileSync(join(dir, 'eval', 'eval.json'), 'utf8'));
    expect(result.fdLenet).toMatchObject({ samples: 6, heldOut: 8, steps: 3, lambda: 0, classifier });
    for (const v of [result.fdLenet.fd, result.fdLenet.floor]) expect(v).toBeGreaterThanOrEqual(0);
    expect(result.fdLenet.coverage.counts.reduce((a: number, b: number) => a + b, 0)).toBe(6);
    expect(result.fdLenet.note).toMatch(/not the paper's Inception FID/);
  });

  it('a bad artifact or one of another split: one error line naming the file, exit 2, before any evaluation', () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    copyFileSync(join(classifier, 'lenet.json'), join(bad, 'lenet.json'));
    writeFileSync(join(bad, 'weights.npy'), 'not a .npy file');
    const r = images(['eval', `--run=${run}`, `--classifier=${bad}`, `--out=${join(dir, 'never')}`]);
    expect(r.status).toBe(2);
    expect(errorLines(r.stderr)).toEqual([expect.stringContaining(join(bad, 'weights.npy'))]);
    expect(existsSync(join(dir, 'never'))).toBe(false);

    const missing = images(['eval', `--run=${run}`, `--classifier=${join(dir, 'nothing')}`]);
    expect(missing.status).toBe(2);
    expect(errorLines(missing.stderr)).toEqual([expect.stringMatching(/nothing\/lenet.json.*images:classifier --data=mnist --size=8 --heldOut=8/)]);

    const other = join(dir, 'other');
    mkdirSync(other);
    copyFileSync(join(classifier, 'weights.npy'), join(other, 'weights.npy'));
    writeFileSync(join(other, 'lenet.json'), readFileSync(join(classifier, 'lenet.json'), 'utf8').replace('"heldOut": 8', '"heldOut": 9'));
    const wrong = images(['eval', `--run=${run}`, `--classifier=${other}`]);
    expect(wrong.status).toBe(2);
    expect(errorLines(wrong.stderr)).toEqual([expect.stringMatching(/other\/lenet.json.*trained on the split .*heldOut=9.*the run uses .*heldOut=8/)]);

    const one = images(['eval', `--run=${run}`, '--fdSamples=1']);
    expect(one.status).toBe(2);
    expect(errorLines(one.stderr)).toEqual([expect.stringMatching(/--fdSamples.*must be 0 .* or at least 2/)]);
  });
});
