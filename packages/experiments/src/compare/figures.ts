/**
 * The comparison's figures (PNG, no text: the legend of each is in results.md). Colours: DiffFlow
 * is categorical colour 0 (blue), DDPM colour 1 (orange), the data-vs-data floor grey.
 */
import { categoricalPalette, linePlotImage, panelsPng, scatterImage, type Bounds, type RgbaImage } from '../io/index.js';
import type { ForwardSnapshots } from './evaluate.js';

const DIFFFLOW = categoricalPalette[0]!;
const DDPM = categoricalPalette[1]!;
const FLOOR = categoricalPalette[7]!;

/** data | DiffFlow | DDPM at N | DDPM at K, one density scatter each, on the data's bounds. */
export function sharpnessFigure(panels: readonly Float32Array[], bounds: Bounds, size = 320): Buffer {
  return panelsPng(
    panels.map((p) => scatterImage(p, { size, bounds })),
    { columns: panels.length, gap: 6 },
  );
}

/** Two rows (DiffFlow, DDPM) of forward snapshots t_0 … T, points coloured by ring, on [−4, 4]² (normalised coordinates). */
export function topologyFigure(rows: readonly ForwardSnapshots[], labels: Int32Array, size = 200): Buffer {
  const columns = Math.max(...rows.map((r) => r.states.length));
  const images: RgbaImage[] = rows.flatMap((r) => r.states.map((s) => scatterImage(s, { size, bounds: [-4, 4, -4, 4], labels })));
  return panelsPng(images, { columns, gap: 6 });
}

/** Metric against N on a log-N axis: DiffFlow, DDPM and the data-vs-data floor, one plot per metric. */
export function stepsFigure(steps: readonly number[], metrics: readonly { diffflow: (number | null)[]; ddpm: (number | null)[]; floor: number }[]): Buffer {
  const plots = metrics.map((m) =>
    linePlotImage(
      [
        { x: [...steps], y: m.diffflow.map((v) => v ?? Number.NaN), color: DIFFFLOW },
        { x: [...steps], y: m.ddpm.map((v) => v ?? Number.NaN), color: DDPM },
        { x: [steps[0]!, steps[steps.length - 1]!], y: [m.floor, m.floor], color: FLOOR },
      ],
      { logX: steps.length > 1 && steps[0]! > 0, width: 420, height: 300 },
    ),
  );
  return panelsPng(plots, { columns: plots.length, gap: 10 });
}

/** Samples at each N: row 1 DiffFlow, row 2 DDPM. */
export function stepsSamplesFigure(diffflow: readonly Float32Array[], ddpm: readonly Float32Array[], bounds: Bounds, size = 180): Buffer {
  const images = [...diffflow, ...ddpm].map((p) => scatterImage(p, { size, bounds }));
  return panelsPng(images, { columns: diffflow.length, gap: 4 });
}

/** Training losses against iteration: DiffFlow's bound (left), DDPM's L_simple (right), each smoothed over 20 iterations. */
export function trainingFigure(diffflow: readonly number[], ddpm: readonly number[]): Buffer | undefined {
  const smooth = (v: readonly number[]): { x: number[]; y: number[] } => {
    const w = 20;
    const x: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < v.length; i++) {
      const lo = Math.max(0, i - w + 1);
      let s = 0;
      for (let j = lo; j <= i; j++) s += v[j] as number;
      x.push(i + 1);
      y.push(s / (i - lo + 1));
    }
    return { x, y };
  };
  const plots = [
    { v: diffflow, color: DIFFFLOW },
    { v: ddpm, color: DDPM },
  ]
    .filter((p) => p.v.length >= 2)
    .map((p) => linePlotImage([{ ...smooth(p.v), color: p.color }], { width: 420, height: 300 }));
  return plots.length === 0 ? undefined : panelsPng(plots, { columns: plots.length, gap: 10 });
}
