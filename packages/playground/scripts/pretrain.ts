/**
 * Regenerates the page's pretrained models with our own CLI: one `toy2d:train` run per built-in toy
 * and one for the starter heart (toy2d's dataset 'points', its cloud as `--points=<file.npy>`), each
 * at the playground's model shape and training settings (`playgroundDefaults`: width, N, g, T,
 * batch, learning rate, seed; naive gradients, as the page's were when the committed files were made —
 * the page now trains with the adjoint, the same gradients up to float rounding), on one thread (`--workers=1`). Each
 * run's `checkpoint.bin` becomes `public/pretrained/<name>.bin`, served beside the page, and
 * `public/pretrained/manifest.json` records what each file holds (settings, iteration, bytes, the
 * run's held-out −ELBO and, for the toys with a known support, the inside fraction).
 *
 *   npx nx run playground:pretrain                     # every toy and the heart, 600 iterations each
 *   npx nx run playground:pretrain --iters=300 --only=moons,heart
 *   npx nx run playground:pretrain --sights            # only the first-sight files, from the committed checkpoints
 *
 * Beside each checkpoint it writes `<name>.sight.json` (first_sight.ts): the samples, data and
 * log-density map the page's worker first draws of it, computed here by the worker's own code
 * (`firstSightOf`, wasm), so the page shows the trained model before its worker is up.
 *
 * The runs' folders go to a temporary directory (removed at the end); the page's checkpoint loader
 * reads the files (`sessionFromCheckpoint`), so Train continues from them with Adam's state and the EMA.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeNpyArray } from '@diffflow/datasets';
import { toyNames } from '@diffflow/datasets/toy2d';
import { playgroundDefaults } from '../src/settings.js';
import { strokesToPoints } from '../src/draw/drawing.js';
import { DRAW_SPACING, pretrainedKeys, type PretrainedEntry, type PretrainedManifest } from '../src/pretrained.js';
import { starterShape } from '../src/draw/starter.js';
import { selectBackend } from '@diffflow/backend';
import * as E from 'fp-ts/lib/Either.js';
import { disposeSession, firstSightOf, HEATMAP_RES, sessionFromCheckpoint } from '../src/worker/model.js';
import { encodeFirstSight, firstSightFile } from '../src/first_sight.js';
import { defaultSamplerSettings } from '../src/sampler_menu.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const outDir = fileURLToPath(new URL('../public/pretrained', import.meta.url));
const flag = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const iters = Number(flag('iters') ?? 600);
const sightsOnly = process.argv.includes('--sights');
const only = flag('only')?.split(',') ?? [...pretrainedKeys];
const unknown = only.filter((k) => !(pretrainedKeys as readonly string[]).includes(k));
if (!Number.isInteger(iters) || iters < 1 || unknown.length > 0) {
  console.error(
    unknown.length > 0
      ? `--only: unknown name(s) ${unknown.join(', ')}; allowed: ${pretrainedKeys.join(', ')}`
      : `--iters must be an integer ≥ 1, got ${flag('iters')}`,
  );
  process.exit(2);
}

const d = playgroundDefaults;
const work = mkdtempSync(join(tmpdir(), 'playground-pretrain-'));
mkdirSync(outDir, { recursive: true });
const manifestPath = join(outDir, 'manifest.json');
let manifest: PretrainedManifest = {};
try {
  manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PretrainedManifest;
} catch {
  // a first run
}

/** Writes `<key>.sight.json` from the pretrained checkpoint `entry.file` (the worker's first plots of it). */
function writeSight(entry: PretrainedEntry): void {
  const file = join(outDir, entry.file);
  const restored = sessionFromCheckpoint(new Uint8Array(readFileSync(file)), entry.file);
  if (E.isLeft(restored)) throw new Error(restored.left);
  try {
    const sight = firstSightOf(restored.right, defaultSamplerSettings(entry.settings.steps, entry.settings.seed), HEATMAP_RES.start);
    writeFileSync(join(outDir, firstSightFile(entry.file)), encodeFirstSight(sight));
  } finally {
    disposeSession(restored.right);
  }
  console.log(`[pretrain] ${firstSightFile(entry.file)}: ${statSync(join(outDir, firstSightFile(entry.file))).size} bytes`);
}

await selectBackend({ prefer: 'wasm', quiet: true });
try {
  for (const key of only) {
    if (sightsOnly) {
      const entry = manifest[key as keyof PretrainedManifest];
      if (entry === undefined) throw new Error(`--sights: the manifest has no ${key}; train it first`);
      writeSight(entry);
      continue;
    }
    const out = join(work, key);
    const data: string[] = [];
    if (key === 'heart') {
      const npy = join(work, 'heart.npy');
      const points = strokesToPoints(starterShape(), DRAW_SPACING);
      writeFileSync(npy, encodeNpyArray(points, [points.length / 2, 2]));
      data.push(`--points=${npy}`);
    } else {
      if (!(toyNames as readonly string[]).includes(key)) throw new Error(`not a toy: ${key}`);
      data.push(`--dataset=${key}`);
    }
    const args = [
      '--conditions=@diffflow/source',
      '--import',
      'tsx',
      'packages/experiments/toy2d/src/cli.ts',
      'train',
      ...data,
      `--iters=${iters}`,
      `--batchSize=${d.batch}`,
      `--steps=${d.steps}`,
      `--g=${d.g}`,
      `--T=${d.T}`,
      `--hidden=${d.hidden}`,
      `--lr=${d.lr}`,
      `--seed=${d.seed}`,
      '--strategy=naive',
      '--workers=1',
      '--samples=1000',
      '--sampleLambda=1',
      `--checkpointEvery=${iters}`,
      `--out=${out}`,
    ];
    console.log(`[pretrain] ${key}: node ${args.slice(3).join(' ')}`);
    const started = Date.now();
    const r = spawnSync('node', args, { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DIFFFLOW_BACKEND: 'wasm' } });
    if (r.status !== 0) throw new Error(`toy2d:train for ${key} exited with ${r.status}`);
    const file = join(outDir, `${key}.bin`);
    copyFileSync(join(out, 'checkpoint.bin'), file);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    const entry: PretrainedEntry = {
      file: `${key}.bin`,
      settings: { ...d, dataset: key === 'heart' ? 'drawn' : (key as PretrainedEntry['settings']['dataset']) },
      iteration: iters,
      bytes: statSync(file).size,
      heldOutNegativeElbo: typeof summary['heldOutNegativeElbo'] === 'number' ? summary['heldOutNegativeElbo'] : null,
      insideSupport: typeof summary['insideSupport'] === 'number' ? summary['insideSupport'] : null,
      trainedSeconds: Math.round((Date.now() - started) / 1000),
    };
    manifest = { ...manifest, [key]: entry };
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`[pretrain] ${key}: ${entry.bytes} bytes, ${entry.trainedSeconds} s`);
    writeSight(entry);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
