/**
 * Tunes the defaults for drawn shapes in Node (wasm, one thread): for each variant of the
 * playground's settings (learning rate, width, N, batch), the training seconds until ≥ 80 % of 1000
 * DiffFlow samples (EMA, λ = 1, N steps) lie within 0.3 of the drawn curve — the starter heart and a
 * ring of radius 2.5. Variants train in interleaved rounds of `slice` seconds each, so machine load
 * falls on all of them alike; sampling for the check is not counted as training time.
 *
 *   node --conditions=@diffflow/source --import tsx packages/playground/scripts/tune_drawn.ts [budget s] [slice s]
 *
 * Prints one JSON line per (shape, variant) and a table.
 */
import { selectBackend } from '@diffflow/backend';
import { createSession, diffflowSamples, disposeSession, type Session } from '../src/worker/model.js';
import { playgroundDefaults, type PlaygroundSettings } from '../src/settings.js';
import { strokesToPoints } from '../src/draw/drawing.js';
import { starterShape } from '../src/draw/starter.js';
import { nearShare, ringStroke } from '../src/draw/near_curve.js';

const budget = Number(process.argv[2] ?? 20);
const slice = Number(process.argv[3] ?? 1);
await selectBackend({ prefer: 'wasm', quiet: true });

const variants: Record<string, Partial<PlaygroundSettings>> = {
  defaults: {},
  'lr 2e-2': { lr: 2e-2 },
  'lr 5e-3': { lr: 5e-3 },
  'width 32': { hidden: 32 },
  'batch 128': { batch: 128 },
  'N 6': { steps: 6 },
  'width 32, batch 128, lr 2e-2': { hidden: 32, batch: 128, lr: 2e-2 },
};
const shapes = { heart: strokesToPoints(starterShape(), 0.05), ring: strokesToPoints([ringStroke(2.5)], 0.05) };

interface Run {
  shape: string;
  variant: string;
  session: Session;
  trained: number;
  learnedAt: number | null;
  learnedIteration: number | null;
  share: number;
}
const runs: Run[] = [];
for (const [shape, points] of Object.entries(shapes))
  for (const [variant, change] of Object.entries(variants))
    runs.push({ shape, variant, session: createSession({ ...playgroundDefaults, dataset: 'drawn', ...change }, points), trained: 0, learnedAt: null, learnedIteration: null, share: 0 });

while (runs.some((r) => r.learnedAt === null && r.trained < budget)) {
  for (const r of runs) {
    if (r.learnedAt !== null || r.trained >= budget) continue;
    const started = performance.now();
    while (performance.now() - started < 1000 * slice) r.session.trainer.step();
    r.trained += (performance.now() - started) / 1000;
    const s = r.session.settings;
    const { samples } = diffflowSamples(r.session, { lambda: 1, steps: s.steps, n: 1000, seed: s.seed });
    r.share = nearShare(samples, shapes[r.shape as keyof typeof shapes], 0.3);
    if (r.share >= 0.8) {
      r.learnedAt = r.trained;
      r.learnedIteration = r.session.trainer.iteration;
    }
  }
}
for (const r of runs) {
  const it = r.session.trainer.iteration;
  console.log(JSON.stringify({ shape: r.shape, variant: r.variant, learnedAfterSeconds: r.learnedAt === null ? null : Number(r.learnedAt.toFixed(1)), learnedAtIteration: r.learnedIteration, iterations: it, itPerSec: Number((it / r.trained).toFixed(1)), shareAtEnd: Number(r.share.toFixed(3)) }));
  disposeSession(r.session);
}
