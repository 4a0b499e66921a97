/**
 * How recognisable a learned drawing is: the share of samples that lie within `radius` of the drawn
 * curve (the criterion of the playground's measurements: ≥ 80 % within 0.3 = "learned").
 */

/**
 * Share of `samples` ([n, 2]) within `radius` of some point of `curve` ([m, 2]), both row-major in
 * the same coordinates. O(n·m): meant for the page's 1000 samples against a drawing's few hundred points.
 * @returns a number in [0, 1]; 0 for no samples
 */
export function nearShare(samples: Float32Array, curve: Float32Array, radius: number): number {
  if (!(radius > 0)) throw new RangeError(`nearShare: radius must be > 0, got ${radius}`);
  if (curve.length < 2) throw new RangeError('nearShare: curve must hold at least one point');
  const n = Math.floor(samples.length / 2);
  if (n === 0) return 0;
  const r2 = radius * radius;
  let near = 0;
  for (let i = 0; i < n; i++) {
    const x = samples[2 * i] as number;
    const y = samples[2 * i + 1] as number;
    for (let j = 0; j + 1 < curve.length; j += 2) {
      const dx = x - (curve[j] as number);
      const dy = y - (curve[j + 1] as number);
      if (dx * dx + dy * dy < r2) {
        near++;
        break;
      }
    }
  }
  return near / n;
}

/** A closed circle of `radius` around the origin as one stroke of `points` + 1 points (the drawn ring of the measurements). */
export function ringStroke(radius: number, points = 120): [number, number][] {
  return Array.from({ length: points + 1 }, (_, k) => {
    const a = (2 * Math.PI * k) / points;
    return [radius * Math.cos(a), radius * Math.sin(a)] as [number, number];
  });
}
