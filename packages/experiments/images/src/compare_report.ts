/**
 * What images:compare shows: the Table-4 rows (FD-LeNet and class coverage per model and N, the
 * held-out floor beside them) as a printed table, and the figure of samples per N.
 */
import type { ClassCoverage } from '@diffflow/metrics';
import { blankImage, drawText, encodePng, imageGridImage, panelsImage, textWidth } from '@diffflow/figures';
import { compareModels, modelTitles, type CompareModel } from '@diffflow/experiment';


/** One cell of Table 4: a model sampled with N steps. */
export interface CompareRow {
  readonly model: CompareModel;
  /** N, the sampler's steps. */
  readonly steps: number;
  /** FD-LeNet of the samples against the held-out images (lower is better). */
  readonly fd: number;
  readonly coverage: ClassCoverage;
  readonly samples: number;
  /** Seconds the samples took (sampling only). */
  readonly seconds: number;
}

/** The held-out floor: FD-LeNet of as many real training images as samples, against the same held-out images. */
export interface CompareFloor {
  readonly fd: number;
  readonly coverage: ClassCoverage;
  readonly images: number;
  readonly heldOut: number;
}

/** Coverage in a few characters: entropy / log(classes) and the classes present, e.g. "0.987 (10/10)". */
export function coverageCell(c: ClassCoverage): string {
  return `${c.entropyFraction.toFixed(3)} (${c.counts.length - c.missing.length}/${c.counts.length})`;
}

/**
 * The printed table: one line per N with both models' FD-LeNet and coverage, then the floor.
 * Columns are padded to line up in a terminal.
 * @throws RangeError when a (model, N) cell is missing
 */
export function renderCompareTable(steps: readonly number[], rows: readonly CompareRow[], floor: CompareFloor, title: string): string {
  const cell = (model: CompareModel, n: number): CompareRow => {
    const r = rows.find((x) => x.model === model && x.steps === n);
    if (r === undefined) throw new RangeError(`renderCompareTable: rows has no ${model} at N = ${n}`);
    return r;
  };
  const header = ['N', 'DiffFlow FD-LeNet', 'DDPM FD-LeNet', 'DiffFlow coverage', 'DDPM coverage'];
  const body = steps.map((n) => [String(n), cell('diffflow', n).fd.toFixed(3), cell('ddpm', n).fd.toFixed(3), coverageCell(cell('diffflow', n).coverage), coverageCell(cell('ddpm', n).coverage)]);
  const widths = header.map((h, k) => Math.max(h.length, ...body.map((b) => (b[k] as string).length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, k) => c.padStart(widths[k] as number)).join(' | ')} |`;
  return [
    title,
    line(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
    `floor (${floor.images} training images vs ${floor.heldOut} held-out): FD-LeNet ${floor.fd.toFixed(3)}, coverage ${coverageCell(floor.coverage)}`,
    'coverage: entropy of the predicted classes / log 10 (1 = uniform) and the classes present',
  ].join('\n');
}

/** Samples of one (model, N) for the figure: bytes [n, size, size, channels]. */
export interface FigureSamples {
  readonly model: CompareModel;
  readonly steps: number;
  readonly bytes: Uint8Array;
  readonly n: number;
}

/**
 * The figure of samples per N: one row per N (top: the fewest steps), DiffFlow left and DDPM right,
 * each panel a row of images titled with its model and N, under a title band.
 * @throws RangeError when a (model, N) panel is missing
 */
export function samplesPerStepsFigure(steps: readonly number[], samples: readonly FigureSamples[], size: number, channels: number, title: string): Buffer {
  const scale = size <= 16 ? 4 : 2;
  const panels = steps.flatMap((n) =>
    compareModels.map((model) => {
      const s = samples.find((x) => x.model === model && x.steps === n);
      if (s === undefined) throw new RangeError(`samplesPerStepsFigure: samples has no ${model} at N = ${n}`);
      return imageGridImage(s.bytes, s.n, size, size, channels, { columns: s.n, scale, gap: 2, title: `${modelTitles[model]}, N = ${n}` });
    }),
  );
  const grid = panelsImage(panels, { columns: compareModels.length, gap: 8 });
  const band = blankImage(Math.max(grid.width, textWidth(title, 2) + 8), 32);
  drawText(band, title, Math.floor(band.width / 2), 6, [40, 40, 40], { align: 'center', scale: 2 });
  return encodePng(panelsImage([band, grid], { columns: 1, gap: 4 }));
}
