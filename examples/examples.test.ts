import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

/**
 * Runs every example program with a tiny budget (2 training iterations) and checks that it prints
 * finite numbers, and that it frees every tensor it made (users copy examples). The programs are
 * imported, so their top-level code runs once here.
 */
const programs = ['00_readme', '01_diffflow_toy2d', '02_vp_subvp_ve', '03_own_network', '04_own_sde', '05_likelihood', '06_own_sampler', '07_own_experiment'] as const;

/** Command-line arguments a program gets (the others read none): its own run folder, fresh. */
const out = mkdtempSync(join(tmpdir(), 'diffflow-examples-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));
const argsOf: Partial<Record<(typeof programs)[number], string[]>> = { '07_own_experiment': [`--out=${join(out, 'own-experiment')}`] };

describe('examples', () => {
  const argv = process.argv;
  afterEach(() => {
    vi.restoreAllMocks();
    process.argv = argv;
  });

  it.each(programs)('%s runs end to end, prints finite numbers and leaks no tensor', async (name) => {
    process.env['DIFFFLOW_EXAMPLE_ITERATIONS'] = '2';
    process.argv = [process.execPath, `${name}.ts`, ...(argsOf[name] ?? [])];
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    const before = tf.memory().numTensors;
    await import(`./${name}.ts`);
    expect(tf.memory().numTensors, `${name}: tensors left alive`).toBe(before);
    expect(lines.length).toBeGreaterThan(0);
    const numbers = lines.join(' ').match(/-?\d+\.\d+|NaN|Infinity/g) ?? [];
    expect(numbers.length).toBeGreaterThan(0);
    for (const n of numbers) expect(Number.isFinite(Number(n)), `${name}: ${lines.join(' | ')}`).toBe(true);
  });
});

describe("the root README's example", () => {
  it('is examples/00_readme.ts, verbatim: the block after its marker equals the file', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /<!-- example: examples\/00_readme\.ts -->\n```ts\n([\s\S]*?)\n```/.exec(readme);
    expect(block, 'README.md has no ts block after <!-- example: examples/00_readme.ts -->').not.toBeNull();
    expect(block?.[1]).toBe(readFileSync(new URL('./00_readme.ts', import.meta.url), 'utf8').trimEnd());
  });
});

describe('07_own_experiment', () => {
  it('leaves a run folder: config.json, metrics.jsonl with one line per iteration, the checkpoint, samples, summary', () => {
    const dir = join(out, 'own-experiment');
    expect(readdirSync(dir).sort()).toEqual(['checkpoint.bin', 'config.json', 'metrics.jsonl', 'samples.npy', 'samples.png', 'summary.json']);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ dataset: 'moons', iters: 2 });
  });
});
