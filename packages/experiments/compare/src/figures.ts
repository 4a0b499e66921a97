/**
 * The comparison's figures (PNG): every panel titled, on axes with ticks and labels (the legend of
 * the colours is in results.md). Colours: DiffFlow is categorical colour 0 (blue), DDPM colour 1
 * (orange), the data-vs-data floor grey.
 */
import { linePlotImage, panelsPng, scatterImage, type Bounds, type RgbaImage } from '@diffflow/figures';
import { compareColours as COLOURS, modelTitles, type CompareModel } from '@diffflow/experiment';
import type { ForwardSnapshots } from './evaluate.js';

/** A titled panel of points ([n, 2] row-major). */
export interface TitledPoints {
  readonly title: string;
  readonly points: Float32Array;
}

/** Axis labels of the 2-D scatters. */
const PLANE = { xLabel: 'x1', yLabel: 'x2' } as const;

/** data | DiffFlow | DDPM at N | DDPM at K, one titled density scatter each, on the data's bounds. */
export function sharpnessFigure(panels: readonly TitledPoints[], bounds: Bounds, size = 320): Buffer {
  return panelsPng(
    panels.map((p) => scatterImage(p.points, { size, bounds, title: p.title, ...PLANE })),
    { columns: panels.length, gap: 6 },
  );
}

/** Two rows (DiffFlow, DDPM) of forward snapshots t_0 … T, points coloured by ring, on [−4, 4]² (normalised coordinates). */
export function topologyFigure(rows: readonly ForwardSnapshots[], labels: Int32Array, size = 200): Buffer {
  const columns = Math.max(...rows.map((r) => r.states.length));
  const images: RgbaImage[] = rows.flatMap((r) =>
    r.states.map((s, i) => scatterImage(s, { size, bounds: [-4, 4, -4, 4], labels, title: `${modelTitles[r.model]}, t = ${Number((r.times[i] ?? Number.NaN).toPrecision(2))}`, ...PLANE })),
  );
  return panelsPng(images, { columns, gap: 6 });
}

/** Metric against N on a log-N axis: DiffFlow, DDPM and the data-vs-data floor, one plot per metric, titled with its `name`. */
export function stepsFigure(steps: readonly number[], metrics: readonly { name: string; diffflow: (number | null)[]; ddpm: (number | null)[]; floor: number }[]): Buffer {
  const plots = metrics.map((m) =>
    linePlotImage(
      [
        { x: [...steps], y: m.diffflow.map((v) => v ?? Number.NaN), color: COLOURS.diffflow },
        { x: [...steps], y: m.ddpm.map((v) => v ?? Number.NaN), color: COLOURS.ddpm },
        { x: [steps[0]!, steps[steps.length - 1]!], y: [m.floor, m.floor], color: COLOURS.floor },
      ],
      { logX: steps.length > 1 && steps[0]! > 0, width: 420, height: 300, title: m.name, xLabel: 'N (steps)', yLabel: m.name },
    ),
  );
  return panelsPng(plots, { columns: plots.length, gap: 10 });
}

/** Samples at each N of `steps`: row 1 DiffFlow, row 2 DDPM. */
export function stepsSamplesFigure(steps: readonly number[], diffflow: readonly Float32Array[], ddpm: readonly Float32Array[], bounds: Bounds, size = 180): Buffer {
  const title = (model: CompareModel, i: number) => `${modelTitles[model]}, N = ${steps[i] ?? '?'}`;
  const images = [...diffflow.map((p, i) => scatterImage(p, { size, bounds, title: title('diffflow', i), ...PLANE })), ...ddpm.map((p, i) => scatterImage(p, { size, bounds, title: title('ddpm', i), ...PLANE }))];
  return panelsPng(images, { columns: diffflow.length, gap: 4 });
}

/** A logged loss curve: iteration indices and losses. */
export interface LossCurve {
  readonly iterations: readonly number[];
  readonly losses: readonly number[];
}

/** Training losses against iteration: DiffFlow's bound (left), DDPM's L_simple (right), each a moving average over 20 logged points. */
export function trainingFigure(diffflow: LossCurve, ddpm: LossCurve): Buffer | undefined {
  const smooth = (c: LossCurve): { x: number[]; y: number[] } => {
    const w = 20;
    const y: number[] = [];
    for (let i = 0; i < c.losses.length; i++) {
      const lo = Math.max(0, i - w + 1);
      let s = 0;
      for (let j = lo; j <= i; j++) s += c.losses[j] as number;
      y.push(s / (i - lo + 1));
    }
    return { x: c.iterations.map((i) => i + 1), y };
  };
  const plots = [
    { c: diffflow, color: COLOURS.diffflow, title: 'DiffFlow: loss bound' },
    { c: ddpm, color: COLOURS.ddpm, title: 'DDPM: L_simple' },
  ]
    .filter((p) => p.c.losses.length >= 2)
    .map((p) => linePlotImage([{ ...smooth(p.c), color: p.color }], { width: 420, height: 300, title: p.title, xLabel: 'iteration', yLabel: 'loss (mean of 20)' }));
  return plots.length === 0 ? undefined : panelsPng(plots, { columns: plots.length, gap: 10 });
}
