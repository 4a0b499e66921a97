import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * Runs every example program with a tiny budget (2 training iterations) and checks that it prints
 * finite numbers, and that it frees every tensor it made (users copy examples). The programs are
 * imported, so their top-level code runs once here.
 */
const programs = ['01_diffflow_toy2d', '02_vp_subvp_ve', '03_own_network', '04_own_sde', '05_likelihood', '06_own_sampler'] as const;

describe('examples', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(programs)('%s runs end to end, prints finite numbers and leaks no tensor', async (name) => {
    process.env['DIFFFLOW_EXAMPLE_ITERATIONS'] = '2';
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
