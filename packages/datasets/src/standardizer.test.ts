import { describe, expect, it } from 'vitest';
import { fitNormalizer, normalizerLogDet } from './normalizer.js';
import { decodeStandardizer, destandardize, fitStandardizer, standardizationLogDet, standardize, standardizeColumns, standardizeRows, standardizerLogDet } from './standardizer.js';

const matrix = (rows: number[][]) => ({ data: Float32Array.from(rows.flat()), rows: rows.length, cols: rows[0]!.length });

describe('standardisation', () => {
  const m = matrix([
    [1, 10],
    [3, 10],
    [5, 16],
    [7, 4],
  ]);

  it('fits the train mean and population std; standardised columns have mean 0 and std 1', () => {
    const s = fitStandardizer(m);
    expect(s.mean).toEqual([4, 10]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(5), 12);
    expect(s.std[1]).toBeCloseTo(Math.sqrt(18), 12);
    const y = standardize(s, m.data);
    for (let j = 0; j < 2; j++) {
      const col = [0, 1, 2, 3].map((i) => y[i * 2 + j]!);
      expect(Math.abs(col.reduce((a, b) => a + b, 0) / 4)).toBeLessThan(1e-6);
      expect(Math.abs(col.reduce((a, b) => a + b * b, 0) / 4 - 1)).toBeLessThan(1e-6);
    }
  });

  it('log|det ∂y/∂x| = −Σ log σ, checked by finite differences of the map', () => {
    const s = fitStandardizer(m);
    const h = 0.5;
    const base = standardize(s, Float32Array.of(2, 9));
    let logDet = 0;
    for (let j = 0; j < 2; j++) {
      const x = Float32Array.of(2, 9);
      x[j]! += h;
      logDet += Math.log((standardize(s, x)[j]! - base[j]!) / h);
    }
    expect(standardizerLogDet(s)).toBeCloseTo(logDet, 5);
    expect(standardizerLogDet(s)).toBeCloseTo(-0.5 * Math.log(5 * 18), 12);
  });

  it('destandardize inverts standardize (x = y·σ + μ) and refuses rows of another width', () => {
    const s = fitStandardizer(m);
    const x = Float32Array.from(m.data);
    const back = destandardize(s, standardize(s, x));
    for (let i = 0; i < x.length; i++) expect(back[i]).toBeCloseTo(x[i]!, 5);
    expect(Array.from(destandardize({ dim: 2, mean: [1, -2], std: [2, 0.5] }, [0, 0, 1, 2]))).toEqual([1, -2, 3, -1]);
    expect(() => destandardize(s, [1, 2, 3])).toThrow(/destandardize: y must be \[n, 2\]/);
  });

  it('a constant column gets std 1 instead of a division by zero', () => {
    expect(fitStandardizer(matrix([[2], [2], [2]])).std).toEqual([1]);
  });

  it('decodeStandardizer accepts what a checkpoint stores and rejects anything else', () => {
    const s = fitStandardizer(m);
    expect(decodeStandardizer(JSON.parse(JSON.stringify(s)), 2)).toEqual(s);
    expect(decodeStandardizer(JSON.parse(JSON.stringify(s)), 3)).toBeUndefined();
    expect(decodeStandardizer({ mean: [0], std: [0] })).toBeUndefined();
    expect(decodeStandardizer({ mean: [0, 1], std: [1] })).toBeUndefined();
    expect(decodeStandardizer(null)).toBeUndefined();
  });
});

describe('standardizeRows / standardizationLogDet', () => {
  it('is (x · scale − mean) / std per coordinate, in float32 or float64, the same numbers as each caller', () => {
    const x = Float64Array.of(1, 2, 3, 4, 5, 6);
    const f64 = standardizeRows(x, [1, 2], [2, 4], new Float64Array(6), 0.5);
    expect(Array.from(f64)).toEqual([(0.5 - 1) / 2, (1 - 2) / 4, (1.5 - 1) / 2, (2 - 2) / 4, (2.5 - 1) / 2, (3 - 2) / 4]);
    const f32 = standardizeRows(x, [1, 2], [2, 4], new Float32Array(6), 0.5);
    expect(Array.from(f32)).toEqual(Array.from(f64, Math.fround));
    // the float64 matrix form of the MAF preprocessing
    const m = standardizeColumns({ data: x, rows: 3, cols: 2 }, Float64Array.of(1, 2), Float64Array.of(2, 4));
    expect(Array.from(m.data)).toEqual(Array.from(standardizeRows(x, [1, 2], [2, 4], new Float64Array(6))));
    expect(() => standardizeRows(Float64Array.of(1, 2, 3), [0, 0], [1, 1], new Float64Array(3))).toThrow(RangeError);
    expect(() => standardizeRows(x, [0, 0], [1], new Float64Array(6))).toThrow(RangeError);
  });

  it('log|det ∂y/∂x| = dim·log(scale) − Σ log std, checked against finite differences of the 2-D normaliser', () => {
    expect(standardizationLogDet([2, 4])).toBe(-(Math.log(2) + Math.log(4)));
    expect(standardizationLogDet([2, 4], 0.5)).toBeCloseTo(2 * Math.log(0.5) - Math.log(8), 14);
    const data = Float64Array.from({ length: 200 }, (_, i) => Math.sin(i) * (i % 2 === 0 ? 3 : 0.2));
    const n = fitNormalizer(data, 2);
    const y0 = n.normalize(Float64Array.of(0, 0));
    const y1 = n.normalize(Float64Array.of(1, 1));
    // float32 outputs: the difference quotient carries ~1e-7 relative rounding
    expect(normalizerLogDet(n)).toBeCloseTo(Math.log(Math.abs(y1[0]! - y0[0]!)) + Math.log(Math.abs(y1[1]! - y0[1]!)), 5);
  });
});
