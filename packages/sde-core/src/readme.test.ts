/**
 * The README's own-prior block, run as written: it is cut out of README.md (between its
 * readme-snippet markers), written beside the package's sources and imported, so the README cannot
 * describe a prior that does not work.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '@diffflow/test-utils';
import { constantDiffusion, linearDrift, sde, type Prior } from './index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The code of the README block between `<!-- readme-snippet:NAME:start -->` and its end marker. */
function readmeSnippet(readme: string, name: string): string {
  const m = new RegExp(`<!-- readme-snippet:${name}:start -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\s*<!-- readme-snippet:${name}:end -->`).exec(readme);
  if (m === null) throw new Error(`README.md has no readme-snippet '${name}'`);
  return m[1] as string;
}

const dir = `${root}.readme-snippets-${process.pid}/`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README: your own prior', () => {
  it('constructs a prior exactly as the README shows, and it samples rows [start, end) and has a [B] log-density', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}own_prior.ts`, readmeSnippet(readFileSync(`${root}README.md`, 'utf8'), 'own-prior'));
    const { shiftedPrior } = (await import(/* @vite-ignore */ `${dir}own_prior.ts`)) as { shiftedPrior: (mu: readonly [number, number]) => Prior };
    const prior = shiftedPrior([1, -1]);
    const sde1 = sde({ drift: linearDrift(() => -1), diffusion: constantDiffusion(1), prior, interval: [0, 1] });
    expect(sde1.prior.name).toBe('N([1, -1], I)');
    expectNoLeaks(() => {
      const whole = prior.sample([0, 6], [2], 3);
      const parts: tf.Tensor[] = [prior.sample([0, 4], [2], 3), prior.sample([4, 6], [2], 3)];
      expect(whole.shape).toEqual([6, 2]);
      const joined = tf.concat(parts, 0);
      expect(Array.from(joined.dataSync())).toEqual(Array.from(whole.dataSync())); // any split of the rows, the same draw
      const at = tf.tensor2d([1, -1, 2, -1], [2, 2]);
      const logp = prior.logDensity(at);
      expect(logp.shape).toEqual([2]);
      expect(logp.dataSync()[0]).toBeCloseTo(-Math.log(2 * Math.PI), 5);
      expect(logp.dataSync()[1]).toBeCloseTo(-0.5 - Math.log(2 * Math.PI), 5);
      return [whole, ...parts, joined, at, logp];
    });
  });
});
