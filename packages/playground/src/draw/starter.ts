import type { Stroke } from './drawing.js';

/**
 * The drawing a first visit starts with, so Train works at once: a heart,
 * (16 sin³ s, 13 cos s − 5 cos 2s − 2 cos 3s − cos 4s) / 6 for s ∈ [0, 2π], as one closed stroke.
 */
export function starterShape(): Stroke[] {
  const stroke: [number, number][] = [];
  for (let k = 0; k <= 120; k++) {
    const s = (2 * Math.PI * k) / 120;
    stroke.push([(16 * Math.sin(s) ** 3) / 6, (13 * Math.cos(s) - 5 * Math.cos(2 * s) - 2 * Math.cos(3 * s) - Math.cos(4 * s)) / 6 + 0.3]);
  }
  return [stroke];
}
