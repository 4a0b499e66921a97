import { SIERPINSKI_LEVEL, type ToyName } from './toy2d.js';

/** Radial standard deviation of the ring datasets (datasets' toy2d: radius ~ N(1, 0.001²)). */
const RING_STD = 0.001;

/**
 * Differential entropy H(p) = −E_p[log p] in nats, in the dataset's own coordinates, for the toy
 * distributions where it has a closed form; null for the others. Any model's expected NLL is
 * H(p) + KL(p ‖ q) ≥ H(p), so this is the floor of the NLL column.
 *
 * - checkerboard: uniform on 8 squares of side 2: log 32.
 * - sierpinski: uniform on the level-L carpet over [−1, 1]²: log(4 (8/9)^L).
 * - olympic / fourrings: k rings, angle uniform, radius N(1, σ²): in polar coordinates
 *   H(r, θ) = log 2π + ½ log(2πe σ²) per ring, and dx = r dr dθ adds E[log r] = −σ²/2 + O(σ⁴);
 *   the rings meet only in points, so the mixture adds log k (up to the tiny overlap of the bands).
 */
export function toyEntropy(name: ToyName): number | null {
  const ring = Math.log(2 * Math.PI) + 0.5 * Math.log(2 * Math.PI * Math.E * RING_STD * RING_STD) - (RING_STD * RING_STD) / 2;
  switch (name) {
    case 'checkerboard':
      return Math.log(32);
    case 'sierpinski':
      return Math.log(4 * (8 / 9) ** SIERPINSKI_LEVEL);
    case 'olympic':
      return ring + Math.log(5);
    case 'fourrings':
      return ring + Math.log(4);
    default:
      return null;
  }
}
