import { describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { decodeNormalizer, fitNormalizer, normalizerFromJson, NORMALIZER_MAX_ABS } from './normalizer.js';
import { sampleToy } from './toy2d.js';

describe('fitNormalizer', () => {
  it('matches a hand computation: scale = 0.85 / max|x|, then population mean and std', () => {
    // x = [[1, 2], [3, -4]]: max|x| = 4, scale = 0.2125; scaled rows [0.2125, 0.425], [0.6375, -0.85]
    const n = fitNormalizer(new Float32Array([1, 2, 3, -4]), 2);
    expect(n.scale).toBeCloseTo(0.85 / 4, 12);
    expect(n.mean[0]).toBeCloseTo(0.425, 6);
    expect(n.mean[1]).toBeCloseTo(-0.2125, 6);
    expect(n.std[0]).toBeCloseTo(0.2125, 6);
    expect(n.std[1]).toBeCloseTo(0.6375, 6);
    expect(Array.from(n.normalize(new Float32Array([1, 2, 3, -4])))).toEqual([-1, 1, 1, -1].map((v) => expect.closeTo(v, 6)));
  });

  it('normalised training data have mean 0 and std 1 per coordinate', () => {
    const x = sampleToy('olympic', 5000, { seed: 1, iteration: 0 });
    const norm = fitNormalizer(x, 2);
    const y = norm.normalize(x);
    for (const j of [0, 1]) {
      let m = 0;
      let s = 0;
      for (let i = j; i < y.length; i += 2) m += y[i]!;
      m /= 5000;
      for (let i = j; i < y.length; i += 2) s += (y[i]! - m) ** 2;
      // float32 output: tolerances at float32 resolution over 5000 terms
      expect(Math.abs(m)).toBeLessThan(1e-5);
      expect(Math.abs(Math.sqrt(s / 5000) - 1)).toBeLessThan(1e-5);
    }
    let maxAbs = 0;
    for (const v of x) maxAbs = Math.max(maxAbs, Math.abs(v));
    expect(norm.scale * maxAbs).toBeCloseTo(NORMALIZER_MAX_ABS, 6);
  });

  it('denormalize ∘ normalize = id and normalize ∘ denormalize = id (float32, rel. 1e-6)', () => {
    const x = sampleToy('checkerboard', 2000, { seed: 2, iteration: 0 });
    const norm = fitNormalizer(x, 2);
    const back = norm.denormalize(norm.normalize(x));
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i]! - x[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(x[i]!)));
    const y = new Float32Array([-2, 0.5, 3, -1]);
    const again = norm.normalize(norm.denormalize(y));
    for (let i = 0; i < y.length; i++) expect(Math.abs(again[i]! - y[i]!)).toBeLessThan(1e-5);
  });

  it('survives a JSON round trip exactly', () => {
    const x = sampleToy('moons', 1000, { seed: 3, iteration: 0 });
    const norm = fitNormalizer(x, 2);
    const copy = normalizerFromJson(JSON.parse(JSON.stringify(norm.toJSON())));
    expect(copy.normalize(x)).toEqual(norm.normalize(x));
    expect(copy.toJSON()).toEqual(norm.toJSON());
  });

  it('names the bad argument', () => {
    expect(() => fitNormalizer(new Float32Array(5), 2)).toThrow(/not a multiple of dim 2/);
    expect(() => fitNormalizer(new Float32Array([1, 1]), 2)).toThrow(/at least 2 rows/);
    expect(() => fitNormalizer(new Float32Array([1, 2, 1, 3]), 2)).toThrow(/coordinate 0 is constant/);
    expect(() => fitNormalizer(new Float32Array([0, 0, 0, 0]), 2)).toThrow(/all zero/);
    expect(() => fitNormalizer(new Float32Array([NaN, 1, 2, 3]), 2)).toThrow(/finite/);
    const norm = fitNormalizer(new Float32Array([1, 2, 3, 4]), 2);
    expect(() => norm.normalize(new Float32Array(3))).toThrow(/normalize: input length 3/);
    expect(() => normalizerFromJson({ dim: 2, scale: 1, mean: [0], std: [1, 1] })).toThrow(/mean must be an array of length 2/);
  });
});

describe('decodeNormalizer', () => {
  it('returns a Malformed error naming the source for bad JSON', () => {
    const bad = decodeNormalizer({ dim: 1, scale: 1, mean: [0], std: [0] }, 'run/checkpoint.json');
    expect(bad).toEqual(E.left({ _tag: 'Malformed', path: 'run/checkpoint.json', reason: 'normalizer: std entries must be > 0' }));
    expect(E.isLeft(decodeNormalizer('nope', 'x'))).toBe(true);
    const good = decodeNormalizer({ dim: 1, scale: 2, mean: [1], std: [4] }, 'x');
    expect(E.isRight(good) && Array.from(good.right.normalize(new Float32Array([2.5])))).toEqual([1]);
  });
});
