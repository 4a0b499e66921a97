import type { ToyName } from '@diffflow/datasets';
import { samplerSettingFlags } from '@diffflow/cli';
import type { CompareConfig, DatasetBudget } from './config.js';
import { FINE_SCALE, type NllRecord, type SampleQuality, type TopologyRecord } from './evaluate.js';
import type { TrainingRecord } from './models.js';
import { defaultLambda } from '@diffflow/sde-core';
import { modelTitles, type CompareModel } from '@diffflow/experiment';

/** One row of the sharpness table: a model and the sampler used for its samples. */
export interface SharpnessRow {
  readonly model: CompareModel;
  /** Sampling steps N. */
  readonly steps: number;
  readonly sampler: string;
  /** The model's test NLL (the same for both DDPM rows: it does not depend on the sampler). */
  readonly nll: NllRecord;
  readonly quality: SampleQuality;
}

export interface SharpnessRecord {
  readonly dataset: ToyName;
  /** The median-heuristic bandwidth ℓ (dataset coordinates). */
  readonly bandwidth: number;
  /** The support tolerances: the dataset's own and the relaxed one (null: support unknown). */
  readonly tolerance: number | null;
  readonly relaxedTolerance: number | null;
  readonly rows: readonly SharpnessRow[];
  /** An independent held-out sample scored like the models: what a perfect model gets. */
  readonly floor: SampleQuality;
  /** The data's differential entropy (nats), the floor of the expected NLL; null where it has no closed form. */
  readonly entropy: number | null;
  readonly figure: string;
}

export interface StepsRecord {
  readonly dataset: ToyName;
  readonly steps: readonly number[];
  readonly diffflow: readonly SampleQuality[];
  readonly ddpm: readonly SampleQuality[];
  readonly floor: SampleQuality;
  readonly figure: string;
  readonly samplesFigure: string;
}

export interface TopologyResult {
  readonly dataset: ToyName;
  readonly records: readonly TopologyRecord[];
  readonly figure: string;
}

export interface CompareResults {
  readonly title: string;
  readonly seed: number;
  readonly quick: boolean;
  readonly backend: string;
  readonly parameters: { readonly diffflow: number; readonly ddpm: number; readonly ddpmHidden: number };
  readonly budgets: Record<string, Required<DatasetBudget>>;
  readonly settings: {
    readonly diffflow: CompareConfig['diffflow'];
    readonly ddpm: CompareConfig['ddpm'];
    readonly eval: CompareConfig['eval'];
    readonly stepsList: readonly number[];
    readonly ddpmWorker: boolean;
  };
  readonly training: readonly Omit<TrainingRecord, 'curve'>[];
  readonly sharpness: readonly SharpnessRecord[];
  readonly steps: readonly StepsRecord[];
  readonly topology: readonly TopologyResult[];
  readonly seconds: { readonly training: number; readonly evaluation: number; readonly total: number };
}

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits));
const sci = (v: number | null | undefined): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(4) : v.toExponential(2);
};
const pct = (v: number | null): string => (v === null ? 'n/a' : `${(100 * v).toFixed(1)} %`);
const nll = (r: NllRecord): string => (r.nats === null ? `failed (${r.error ?? '?'})` : `${fmt(r.nats)} ± ${fmt(r.standardError)}`);
/** The sampler settings given beside a record's `sampler` (`snr = 0.2, correctorSteps = 2`), or 'its default settings'. */
const settingsText = (r: Readonly<Record<string, unknown>>): string => {
  const given = Object.keys(samplerSettingFlags).filter((k) => r[k] !== undefined).map((k) => `${k} = ${String(r[k])}`);
  return given.length === 0 ? 'its default settings' : given.join(', ');
};
const duration = (s: number): string => (s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

/** results.md: the budgets, then one table per experiment, with what each column means. */
export function renderMarkdown(r: CompareResults): string {
  const L: string[] = [];
  const d = r.settings.diffflow;
  const q = r.settings.ddpm;
  const e = r.settings.eval;
  L.push(`# ${r.title}`, '');
  L.push(
    `Seed ${r.seed}, backend ${r.backend}${r.quick ? ', **--quick (smoke-test budgets: the numbers mean nothing)**' : ''}. ` +
      `Wall time of the process that wrote this file: ${duration(r.seconds.total)} (training ${duration(r.seconds.training)}, evaluation ${duration(r.seconds.evaluation)})` +
      `${r.training.some((t) => t.iterationsThisRun < t.iterations) ? '; some models were trained by an earlier process (--resume), see the table' : ''}.`,
    '',
  );
  L.push('## Models and budgets', '');
  L.push(
    `- **DiffFlow**: drift + score, two Fourier MLPs ${d.layers} × ${d.hidden} (${r.parameters.diffflow.toLocaleString('en-US')} parameters), ` +
      `g = ${d.g}, fixed grid uniform in t^${d.beta} over [${d.tMin}, ${d.T}], **trained at N = ${d.trainSteps}**, ` +
      `Adam ${d.lr} (×${d.lrDecay} every ${d.lrDecayEvery}), clip ${d.clip}, EMA ${d.ema}, ${d.strategy} gradients. ` +
      `Sampled with the registry's ${d.sampler} (${settingsText(d)}) on the fixed grid with N steps.`,
    `- **DDPM**: one ε-network, Fourier MLP ${d.layers} × ${r.parameters.ddpmHidden} (${r.parameters.ddpm.toLocaleString('en-US')} parameters), ` +
      `VP SDE β ∈ [${q.betaMin}, ${q.betaMax}], K = ${q.K}, L_simple with t ~ U(${q.lossTMin}, 1), Adam ${q.lr} (×${q.lrDecay} every ${q.lrDecayEvery}), ` +
      `clip ${q.clip}, EMA ${q.ema}. ` +
      (q.sampler === 'ancestral'
        ? `Sampled with the ancestral chain (σ² = ${q.variance === 'beta' ? 'β' : 'posterior β̃'}), strided to N of K steps as improved-DDPM does.`
        : `Sampled with the registry's ${q.sampler} (${settingsText(q)}) on the VP SDE, N steps uniform in t over [${e.ddpmNllTMin}, 1].`),
    `- Both see the same data stream (fresh points every iteration, normalised as toy2d does).`,
    '',
  );
  L.push(
    'Training time = iterations × the mean logged time of an iteration (metrics.jsonl; every DiffFlow iteration, every 10th DDPM one), over every process that trained the model. ' +
      (r.settings.ddpmWorker ? 'DDPM trained in a worker thread at the same time as DiffFlow (`--ddpmWorker`), so a dataset took the longer of the two.' : 'The models trained one after the other.'),
    '',
  );
  L.push('| dataset | DiffFlow iters × batch | DiffFlow time | DDPM iters × batch | DDPM time |', '|---|---|---|---|---|');
  for (const [dataset, b] of Object.entries(r.budgets)) {
    const tr = (m: CompareModel): string => {
      const t = r.training.find((x) => x.dataset === dataset && x.model === m);
      if (t === undefined) return '—';
      const resumed = t.iterationsThisRun < t.iterations ? ` (${t.iterationsThisRun} this run)` : '';
      return `${t.seconds === null ? '—' : duration(t.seconds)}${resumed}, ${fmt(t.msPerIterationMedian, 0)} ms/it`;
    };
    L.push(`| ${dataset} | ${b.diffflowIters} × ${b.diffflowBatch} | ${tr('diffflow')} | ${b.ddpmIters} × ${b.ddpmBatch} | ${tr('ddpm')} |`);
  }
  L.push('');

  if (r.sharpness.length > 0) {
    L.push('## 1. Sharpness', '');
    L.push(
      `Test NLL: nats per sample in the dataset's own coordinates (lower is better), probability-flow ODE with the exact trace ` +
        `(${e.nllSolver === 'rk4' ? `RK4: DiffFlow ${e.diffflowNllSteps} steps on its grid over [${d.tMin}, ${d.T}], DDPM ${e.ddpmNllSteps} steps uniform in √t over [${e.ddpmNllTMin}, 1]` : `RK45, rtol = atol = ${e.tolerance}`}), ` +
        `on ${e.nllPoints} held-out points; ± one standard error. Both models go through the same likelihood code (DDPM as \`ddpmModel\`). ` +
        `H on the "data" row = the data's differential entropy where it has a closed form: no model's expected NLL can be below it. ` +
        `Sample statistics use ${e.samples} samples against ${e.heldOut} held-out points: inside = fraction of samples within the dataset's support tolerance ` +
        `(datasets' \`insideSupport\`: exact membership for checkerboard and the carpet, 4σ of the radial noise for the rings; n/a where the support is unknown), ` +
        `and within the relaxed tolerance max(that, ${e.relaxedSupport} ℓ) (tolerances per dataset below); MMD² with the RBF kernel at ℓ = the median pairwise distance of the held-out set ` +
        `(the median heuristic) and at ℓ/${FINE_SCALE} (fine scale: the median bandwidth smooths over the detail sharpness is about), and the energy distance; ` +
        `all three unbiased (values slightly below 0 mean "indistinguishable"). "data" = a second held-out sample scored the same way: the floor a perfect model reaches.`,
      '',
    );
    L.push(`| dataset | model | sampler | NLL (nats) | inside | inside (relaxed) | MMD² (ℓ) | MMD² (ℓ/${FINE_SCALE}) | energy |`, '|---|---|---|---|---|---|---|---|---|');
    for (const s of r.sharpness) {
      const q = (x: SampleQuality): string => `${pct(x.support)} | ${pct(x.supportRelaxed)} | ${sci(x.mmd2)} | ${sci(x.mmd2Fine)} | ${sci(x.energy)}`;
      for (const row of s.rows) L.push(`| ${s.dataset} | ${modelTitles[row.model]} | ${row.sampler} | ${nll(row.nll)} | ${q(row.quality)} |`);
      L.push(`| ${s.dataset} | data | held-out vs held-out | ${s.entropy === null ? '—' : `H = ${fmt(s.entropy)}`} | ${q(s.floor)} |`);
    }
    L.push('');
    const bad = r.sharpness.flatMap((s) => s.rows.filter((x) => x.quality.nonFinite > 0).map((x) => `${s.dataset} ${modelTitles[x.model]} N = ${x.steps}: ${x.quality.nonFinite}`));
    if (bad.length > 0) L.push(`Non-finite samples (left out of MMD²/energy, counted outside the support): ${bad.join('; ')}.`, '');
    L.push(
      `Per dataset (dataset coordinates): ${r.sharpness
        .map((s) => `${s.dataset}: ℓ = ${fmt(s.bandwidth)}${s.tolerance === null ? '' : `, tolerance ${sci(s.tolerance)}, relaxed ${sci(s.relaxedTolerance)}`}`)
        .join('; ')}.`,
      '',
    );
    L.push(`Figures \`sharpness-<dataset>.png\`, left to right: held-out data | DiffFlow (N = ${d.sampleSteps}) | DDPM (N = ${d.sampleSteps}) | DDPM (N = ${q.K}).`, '');
  }

  if (r.topology.length > 0) {
    L.push('## 2. Topology (paper Fig. 4)', '');
    L.push(
      `Forward (data → noise) trajectories of ${e.trajectoryPoints} ring points, coloured by ring: DiffFlow's learned SDE (EMA drift, its training grid over [${d.tMin}, ${d.T}]) ` +
        `and DDPM's VP SDE (${q.K} Euler–Maruyama steps over [0, 1]), at ${e.snapshots} times evenly spaced in each process's own time. ` +
        `Purity = mean fraction of a point's ${e.purityK} nearest neighbours on the same ring (1: rings move as separate "plates"; chance = Σ p_ring²: fully mixed). ` +
        `To N(0, I): energy distance and fine-scale MMD² (ℓ = median/${FINE_SCALE} of the normal sample) between x_T and a standard normal sample ` +
        `(normalised coordinates; ≈ 0 when the prior is reached).`,
      '',
    );
    const cols = Math.max(...r.topology.flatMap((t) => t.records.map((x) => x.times.length)));
    L.push(`| dataset | model | ${Array.from({ length: cols }, (_, i) => `purity @ snapshot ${i}`).join(' | ')} | chance | x_T to N(0, I): energy | MMD² (fine) |`);
    L.push(`|---|---|${'---|'.repeat(cols)}---|---|---|`);
    for (const t of r.topology) {
      for (const x of t.records) {
        const cells = Array.from({ length: cols }, (_, i) => (x.times[i] === undefined ? '' : `${fmt(x.purity[i])} (t = ${sci(x.times[i])})`));
        L.push(`| ${t.dataset} | ${modelTitles[x.model]} | ${cells.join(' | ')} | ${fmt(x.chance)} | ${sci(x.energyToPrior)} | ${sci(x.mmd2FineToPrior)} |`);
      }
    }
    L.push('', 'Figures `topology-<dataset>.png`: top row DiffFlow, bottom row DDPM, t_0 → T left to right, on [−4, 4]² in normalised coordinates.', '');
  }

  if (r.steps.length > 0) {
    L.push('## 3. Sample quality against the number of steps N', '');
    L.push(
      `DiffFlow: ${d.sampler === 'euler-maruyama' ? `euler-maruyama (λ = ${d.lambda ?? defaultLambda}: 1 the backward SDE, 0 the probability-flow ODE)` : d.sampler} on its fixed grid with N steps — **it was trained at N = ${d.trainSteps} only**, so other N are off its training grid. ` +
        `DDPM: ${q.sampler === 'ancestral' ? `ancestral chain strided to N of its K = ${q.K} steps` : `${q.sampler} on the VP SDE, N steps uniform in t`}. Same statistics as §1 (${e.samples} samples vs ${e.heldOut} held-out points).`,
      '',
    );
    L.push(
      `| dataset | N | energy: DiffFlow | DDPM | MMD² (ℓ): DiffFlow | DDPM | MMD² (ℓ/${FINE_SCALE}): DiffFlow | DDPM | inside: DiffFlow | DDPM | relaxed: DiffFlow | DDPM |`,
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const s of r.steps) {
      s.steps.forEach((n, i) => {
        const a = s.diffflow[i] as SampleQuality;
        const b = s.ddpm[i] as SampleQuality;
        L.push(
          `| ${s.dataset} | ${n} | ${sci(a.energy)} | ${sci(b.energy)} | ${sci(a.mmd2)} | ${sci(b.mmd2)} | ${sci(a.mmd2Fine)} | ${sci(b.mmd2Fine)} | ` +
            `${pct(a.support)} | ${pct(b.support)} | ${pct(a.supportRelaxed)} | ${pct(b.supportRelaxed)} |`,
        );
      });
      L.push(`| ${s.dataset} | data floor | ${sci(s.floor.energy)} | | ${sci(s.floor.mmd2)} | | ${sci(s.floor.mmd2Fine)} | | ${pct(s.floor.support)} | | ${pct(s.floor.supportRelaxed)} | |`);
    }
    L.push(
      '',
      `Figures \`steps-<dataset>.png\`: energy distance, MMD² (ℓ) and MMD² (ℓ/${FINE_SCALE}), left to right, against N (log axis); blue DiffFlow, orange DDPM, grey the data floor. ` +
        '`steps-samples-<dataset>.png`: the samples, top row DiffFlow, bottom row DDPM, N increasing left to right.',
      '',
    );
  }
  L.push('`training-<dataset>.png`: training loss against iteration (20-iteration moving average): DiffFlow bound (left, blue), DDPM L_simple (right, orange).', '');
  return `${L.join('\n')}\n`;
}
