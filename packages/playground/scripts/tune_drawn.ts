/**
 * Tunes the defaults for drawn shapes in Node (wasm, one thread): for each variant of the
 * playground's settings (learning rate, width, N, batch, g, T), the iterations until ≥ 80 % of 1000
 * DiffFlow samples (EMA, the page's first sampler: euler-maruyama at the default λ, N steps) lie within 0.3 of the drawn curve — the starter heart and a
 * ring of radius 2.5 — checked every `every` iterations, and the median milliseconds per iteration.
 * Variants train in interleaved slices of `every` iterations, so machine load falls on all of them
 * alike; iterations to learn do not depend on load, and seconds = iterations × ms per iteration.
 *
 *   node --conditions=@diffflow/source --import tsx packages/playground/scripts/tune_drawn.ts [budget iterations] [every] [variants, ';'-separated] [shapes: heart,ring]
 *
 * A variant not in the list below is read as settings, e.g. 'g=1,lr=0.02,seed=1' (fields of
 * `PlaygroundSettings`, numbers).
 *
 * The variant 'from the pretrained heart' starts the ring from public/pretrained/heart.bin's
 * weights (`warmStartSession`: fine-tuning, iteration 0) instead of a fresh initialisation.
 * Prints one JSON line per (shape, variant).
 */
import { selectBackend } from '@diffflow/backend';
import { readFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { createSession, diffflowSamples, disposeSession, sessionFromCheckpoint, warmStartSession, type Session } from '../src/worker/model.js';
import { playgroundDefaults, type PlaygroundSettings } from '../src/settings.js';
import { strokesToPoints } from '../src/draw/drawing.js';
import { starterShape } from '../src/draw/starter.js';
import { nearShare, ringStroke } from '../src/draw/near_curve.js';
import { defaultSamplerSettings } from '../src/sampler_menu.js';

const budget = Number(process.argv[2] ?? 300);
const every = Number(process.argv[3] ?? 10);
await selectBackend({ prefer: 'wasm', quiet: true });

const only = process.argv[4]?.split(';');
const allVariants: Record<string, Partial<PlaygroundSettings>> = {
  defaults: {},
  'lr 2e-2': { lr: 2e-2 },
  'lr 5e-3': { lr: 5e-3 },
  'lr 1.5e-2': { lr: 1.5e-2 },
  'lr 1.5e-2, batch 128': { lr: 1.5e-2, batch: 128 },
  'lr 1.5e-2, N 6': { lr: 1.5e-2, steps: 6 },
  'T 0.1': { T: 0.1 },
  'g 0.5': { g: 0.5 },
  'g 0.3': { g: 0.3 },
  'g 1': { g: 1 },
  'g 0.5, T 0.1': { g: 0.5, T: 0.1 },
  'g 0.5, lr 1.5e-2': { g: 0.5, lr: 1.5e-2 },
  'g 0.5, N 6': { g: 0.5, steps: 6 },
  'g 1, lr 1.5e-2': { g: 1, lr: 1.5e-2 },
  'g 0.5, lr 2e-2': { g: 0.5, lr: 2e-2 },
  'g 0.5, lr 1.5e-2, seed 1': { g: 0.5, lr: 1.5e-2, seed: 1 },
  'seed 1': { seed: 1 },
  'g 1, lr 1.5e-2, seed 1': { g: 1, lr: 1.5e-2, seed: 1 },
  'g 1, lr 1.5e-2, seed 2': { g: 1, lr: 1.5e-2, seed: 2 },
  'g 0.5, lr 1.5e-2, seed 2': { g: 0.5, lr: 1.5e-2, seed: 2 },
  'seed 2': { seed: 2 },
  'width 32': { hidden: 32 },
  'batch 128': { batch: 128 },
  'N 6': { steps: 6 },
  'width 32, batch 128, lr 2e-2': { hidden: 32, batch: 128, lr: 2e-2 },
  'from the pretrained heart': {},
  'from the pretrained heart, batch 128': { batch: 128 },
};
/** A variant written as settings, 'g=1,lr=0.02' (numeric fields of `PlaygroundSettings`). */
function parsedVariant(text: string): Partial<PlaygroundSettings> {
  const out: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [key, value] = pair.split('=');
    if (key === undefined || value === undefined || !(key in playgroundDefaults) || key === 'dataset' || key === 'ddpm' || !Number.isFinite(Number(value))) {
      console.error(`tune_drawn.ts: variant '${text}' is neither a named variant nor 'field=number,…' with fields among ${Object.keys(playgroundDefaults).filter((k) => k !== 'dataset' && k !== 'ddpm').join(', ')}`);
      process.exit(2);
    }
    out[key] = Number(value);
  }
  return out as Partial<PlaygroundSettings>;
}
const variants = only === undefined ? allVariants : Object.fromEntries(only.map((k) => [k, allVariants[k] ?? parsedVariant(k)]));
const heartFile = new URL('../public/pretrained/heart.bin', import.meta.url);
const pretrainedHeart = sessionFromCheckpoint(new Uint8Array(readFileSync(heartFile)), heartFile.pathname);
if (E.isLeft(pretrainedHeart)) throw new Error(pretrainedHeart.left);
const allShapes = { heart: strokesToPoints(starterShape(), 0.05), ring: strokesToPoints([ringStroke(2.5)], 0.05) };
const shapeNames = (process.argv[5] ?? 'heart,ring').split(',');
const shapes: Record<string, Float32Array> = Object.fromEntries(Object.entries(allShapes).filter(([k]) => shapeNames.includes(k)));

interface Run {
  shape: string;
  variant: string;
  session: Session;
  ms: number[];
  learnedAt: number | null;
  learnedIteration: number | null;
  share: number;
}
const runs: Run[] = [];
for (const [shape, points] of Object.entries(shapes))
  for (const [variant, change] of Object.entries(variants)) {
    if (variant.startsWith('from the pretrained heart') && shape === 'heart') continue;
    const settings: PlaygroundSettings = { ...playgroundDefaults, dataset: 'drawn', ...change };
    const session = variant.startsWith('from the pretrained heart') ? warmStartSession(pretrainedHeart.right, settings, points) : createSession(settings, points);
    runs.push({ shape, variant, session, ms: [], learnedAt: null, learnedIteration: null, share: 0 });
  }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
while (runs.some((r) => r.learnedAt === null && r.session.trainer.iteration < budget)) {
  for (const r of runs) {
    if (r.learnedAt !== null || r.session.trainer.iteration >= budget) continue;
    for (let k = 0; k < every; k++) r.ms.push(r.session.trainer.step().ms);
    const s = r.session.settings;
    const run = diffflowSamples(r.session, defaultSamplerSettings(s.steps, s.seed));
    if (!run.ok) throw new Error(run.problem);
    const { samples } = run.value;
    r.share = nearShare(samples, shapes[r.shape] as Float32Array, 0.3);
    if (r.share >= 0.8) {
      r.learnedIteration = r.session.trainer.iteration;
      r.learnedAt = (r.learnedIteration * median(r.ms)) / 1000;
    }
  }
}
for (const r of runs) {
  const it = r.session.trainer.iteration;
  console.log(JSON.stringify({ shape: r.shape, variant: r.variant, learnedAtIteration: r.learnedIteration, msPerIterationMedian: Number(median(r.ms).toFixed(1)), learnedAfterTrainingSeconds: r.learnedAt === null ? null : Number(r.learnedAt.toFixed(1)), iterations: it, shareAtEnd: Number(r.share.toFixed(3)) }));
  disposeSession(r.session);
}
