import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '@diffflow/runs/checkpoint';
import { fixedGrid } from '@diffflow/sde-core';
import { probabilityFlowNll, sampleMarginal } from '@diffflow/likelihood';
import { pointCloud, pointCloudLogDensity, samplePointCloud } from '@diffflow/datasets/toy2d';
import { purposeSeed } from '@diffflow/training';
import { normalizerLogDet, resolveToy2dConfig, toy2dDefaults } from '@diffflow/experiment-toy2d';
import { repoRoot, runScriptAsync } from '@diffflow/test-utils';
import { checkpointBytes, createSession, ddpmSamples, diffflowSamples, disposeSession, DRAWN_JITTER, logDensityPicture, retrain, sessionFromCheckpoint, warmStartSession, toy2dConfigOf, type PlaygroundSettings } from './model.js';

const small: PlaygroundSettings = { dataset: 'moons', steps: 3, g: 0.2, T: 0.05, hidden: 8, batch: 16, lr: 1e-2, seed: 4, ddpm: true };
const sampler = { spec: { name: 'euler-maruyama', settings: { lambda: 1 } }, steps: 3, n: 64, seed: 4 };
/** The samples of a sampler that runs the model. */
const drawn = (r: ReturnType<typeof diffflowSamples>): Float32Array => {
  if (!r.ok) throw new Error(r.problem);
  return r.value.samples;
};

describe('sampling with the menu\'s sampler', () => {
  it('euler-maruyama is sampleMarginal\'s draw bit for bit; heun and dpm-solver run the VP DDPM baseline; dpm-solver on DiffFlow gives its message; nothing leaks', () => {
    const before = tf.memory().numTensors;
    const s = createSession(small, null);
    s.trainer.step();
    s.ddpm?.trainer.step();
    const em = drawn(diffflowSamples(s, sampler));
    const direct = s.trainer.ema.withAveraged(() => {
      const out = sampleMarginal(s.model, { grid: fixedGrid({ steps: 3, tMin: 1e-3, tMax: small.T, beta: toy2dDefaults.beta }), lambda: 1, n: 64, shape: [2], seed: purposeSeed(4, 'sample'), denoise: true });
      const y = s.normalizer.denormalize(out.samples.dataSync() as Float32Array);
      out.samples.dispose();
      return y;
    });
    expect(em).toEqual(direct);

    const heun = diffflowSamples(s, { ...sampler, spec: { name: 'heun' } }, true);
    expect(heun.ok).toBe(true);
    if (heun.ok) {
      expect(heun.value.samples.every(Number.isFinite)).toBe(true);
      expect(heun.value.states).toHaveLength(4);
    }
    const dpm = { ...sampler, spec: { name: 'dpm-solver' } };
    const refused = diffflowSamples(s, dpm, true);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.problem).toContain("sampler 'dpm-solver' needs an SDE with a fixed linear drift");
    for (const spec of [{ name: 'dpm-solver' }, { name: 'heun' }, { name: 'ddpm-ancestral' }, sampler.spec]) {
      const d = ddpmSamples(s, { ...sampler, spec });
      expect(d?.ok, spec.name).toBe(true);
      if (d?.ok === true) {
        expect(d.value).toHaveLength(2 * 64);
        expect(d.value.every(Number.isFinite)).toBe(true);
      }
    }
    expect(ddpmSamples({ ...s, ddpm: null }, sampler)).toBeNull();
    disposeSession(s);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('retrain: settings of the same model applied without a reset', () => {
  it('DDPM on and off, N, batch and learning rate keep DiffFlow\'s iteration, weights and EMA, and leak nothing', () => {
    const before = tf.memory().numTensors;
    const a = createSession({ ...small, ddpm: false }, null);
    a.trainer.step();
    a.trainer.step();
    const samples = drawn(diffflowSamples(a, sampler));
    const b = retrain(a, { ...small, ddpm: true, steps: 5, batch: 32, lr: 5e-3 });
    expect(b.trainer.iteration).toBe(2);
    expect(b.ddpm?.trainer.iteration).toBe(0);
    expect(b.settings.steps).toBe(5);
    expect(drawn(diffflowSamples(b, sampler))).toEqual(samples);
    b.trainer.step();
    b.ddpm?.trainer.step();
    const c = retrain(b, { ...small, ddpm: true });
    expect(c.ddpm?.trainer.iteration).toBe(1);
    const d = retrain(c, { ...small, ddpm: false });
    expect(d.ddpm).toBeNull();
    expect(d.trainer.iteration).toBe(3);
    disposeSession(d);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a change of the model\'s shape', () => {
    const a = createSession({ ...small, ddpm: false }, null);
    expect(() => retrain(a, { ...small, ddpm: false, hidden: 16 })).toThrow(/dataset, hidden, g, T, seed must stay/);
    expect(() => retrain(a, { ...small, ddpm: false, batch: 1 })).toThrow(RangeError);
    disposeSession(a);
  });
});

describe('warmStartSession: a trained model fine-tuned on new data', () => {
  it("starts from the model's weights, Adam and EMA with the new data's normaliser at iteration 0, leaving the model as it was", () => {
    const before = tf.memory().numTensors;
    const ring = Float32Array.from({ length: 40 }, (_, i) => 2 * (i % 2 === 0 ? Math.cos(Math.PI * (i >> 1) / 10) : Math.sin(Math.PI * (i >> 1) / 10)));
    const line = Float32Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? i / 10 : 0.1));
    const a = createSession({ ...small, dataset: 'drawn', ddpm: false }, ring);
    a.trainer.step();
    const b = warmStartSession(a, { ...small, dataset: 'drawn', ddpm: false, batch: 32 }, line);
    expect(b.trainer.iteration).toBe(0);
    expect(b.points).toEqual(line);
    expect(b.normalizer.toJSON()).not.toEqual(a.normalizer.toJSON());
    // the same networks' values: the EMA score at the same model-coordinate points agrees
    const ya = a.trainer.ema.withAveraged(() => tf.tidy(() => a.model.score.apply(tf.zeros([3, 2]), 0.01).dataSync()));
    const yb = b.trainer.ema.withAveraged(() => tf.tidy(() => b.model.score.apply(tf.zeros([3, 2]), 0.01).dataSync()));
    expect(Array.from(yb)).toEqual(Array.from(ya));
    expect(a.trainer.iteration).toBe(1);
    expect(() => warmStartSession(a, { ...small, dataset: 'drawn', ddpm: false, hidden: 16 }, line)).toThrow(/must be those of the model/);
    disposeSession(a);
    disposeSession(b);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('checkpoints in the CLI format', () => {
  it('round-trip a session: same iteration, same EMA samples, and no tensor left behind', () => {
    const before = tf.memory().numTensors;
    const a = createSession(small, null);
    a.trainer.step();
    a.trainer.step();
    a.ddpm?.trainer.step();
    const bytes = checkpointBytes(a, 'wasm');
    const b = sessionFromCheckpoint(bytes, 'a.bin');
    if (E.isLeft(b)) throw new Error(b.left);
    expect(b.right.trainer.iteration).toBe(2);
    expect(b.right.ddpm?.trainer.iteration).toBe(1);
    expect(b.right.settings).toEqual(small);
    expect(drawn(diffflowSamples(b.right, sampler))).toEqual(drawn(diffflowSamples(a, sampler)));
    expect(b.right.history).toEqual(a.history);
    disposeSession(a);
    disposeSession(b.right);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stores the toy2d configuration the CLI's codec decodes, field for field (a drawing as dataset 'points')", () => {
    const stored = toy2dConfigOf(small, 'moons', 2);
    const decoded = resolveToy2dConfig(stored);
    if (E.isLeft(decoded)) throw new Error(JSON.stringify(decoded.left));
    expect(decoded.right).toEqual(stored);
    expect(Object.keys(stored).sort()).toEqual(Object.keys(toy2dDefaults).sort());
    const drawn = toy2dConfigOf({ ...small, dataset: 'drawn' }, pointCloud([0, 1, 2, 3], 0.05), 2);
    expect(drawn).toMatchObject({ dataset: 'points', points: [[0, 1], [2, 3]], jitter: 0.05 });
    expect(resolveToy2dConfig(drawn)).toEqual(E.right(drawn));
  });

  it("keeps a drawn cloud in the checkpoint's config (toy2d dataset 'points') and restores it", () => {
    const points = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    const a = createSession({ ...small, dataset: 'drawn', ddpm: false }, points);
    const bytes = checkpointBytes(a, 'cpu');
    const ckpt = decodeCheckpoint(bytes, 'drawn.bin');
    if (E.isLeft(ckpt)) throw new Error(ckpt.left.reason);
    expect(ckpt.right.meta['config']).toMatchObject({ dataset: 'points', jitter: DRAWN_JITTER });
    expect((ckpt.right.meta['config'] as { points: number[][] }).points.flat()).toEqual(Array.from(points));
    const b = sessionFromCheckpoint(bytes, 'drawn.bin');
    if (E.isLeft(b)) throw new Error(b.left);
    expect(b.right.points).toEqual(points);
    expect(b.right.settings.dataset).toBe('drawn');
    expect(b.right.data).toEqual(a.data);
    expect(b.right.ddpm).toBeNull();
    disposeSession(a);
    disposeSession(b.right);
  });

  it('samples a CLI-trained points run in the page: its cloud and jitter come from config.points and config.jitter', () => {
    const a = createSession({ ...small, dataset: 'drawn', ddpm: false }, Float32Array.of(0, 0, 1, 1, 2, 0), undefined, 0.2);
    const ckpt = decodeCheckpoint(checkpointBytes(a, 'cpu'), 'cli.bin');
    if (E.isLeft(ckpt)) throw new Error(ckpt.left.reason);
    const { playground: _page, ...meta } = ckpt.right.meta; // what toy2d:train writes: no playground block
    const b = sessionFromCheckpoint(encodeCheckpoint({ ...ckpt.right, meta }), 'cli.bin');
    if (E.isLeft(b)) throw new Error(b.left);
    expect(b.right.settings.dataset).toBe('drawn');
    expect(b.right.data).toEqual(pointCloud([0, 0, 1, 1, 2, 0], 0.2));
    expect(drawn(diffflowSamples(b.right, sampler))).toEqual(drawn(diffflowSamples(a, sampler)));
    const noCloud = encodeCheckpoint({ ...ckpt.right, meta: { ...meta, config: { ...(meta['config'] as object), points: [[0, 0]] } } });
    expect(sessionFromCheckpoint(noCloud, 'c.bin')).toEqual(E.left(expect.stringMatching(/^c\.bin: .*config\.points must hold at least 2 finite \[x, y\] pairs/)));
    disposeSession(a);
    disposeSession(b.right);
  });

  it('refuses foreign, truncated and incompatible files with one line naming the file, building nothing', () => {
    const before = tf.memory().numTensors;
    const foreign = sessionFromCheckpoint(new TextEncoder().encode('hello'), 'x.bin');
    expect(foreign).toEqual(E.left(expect.stringMatching(/^x\.bin: not a DiffFlow checkpoint/)));
    const a = createSession({ ...small, ddpm: false }, null);
    const bytes = checkpointBytes(a, 'cpu');
    disposeSession(a);
    expect(sessionFromCheckpoint(bytes.subarray(0, bytes.length - 9), 't.bin')).toEqual(E.left(expect.stringMatching(/^t\.bin: truncated/)));
    const ckpt = decodeCheckpoint(bytes, 'ok.bin');
    if (E.isLeft(ckpt)) throw new Error(ckpt.left.reason);
    const deeper = encodeCheckpoint({ ...ckpt.right, meta: { ...ckpt.right.meta, config: { ...(ckpt.right.meta['config'] as object), layers: 2 } } });
    expect(sessionFromCheckpoint(deeper, 'd.bin')).toEqual(E.left(expect.stringMatching(/^d\.bin: its networks have 2 hidden layers/)));
    const { ['ema/score/output.weight']: _dropped, ...tensors } = ckpt.right.tensors;
    const missing = encodeCheckpoint({ ...ckpt.right, tensors });
    expect(sessionFromCheckpoint(missing, 'm.bin')).toEqual(E.left(expect.stringMatching(/^m\.bin: .*ema\/score/)));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the loss history in a checkpoint', () => {
  it('survives the round trip (meta.playground.history); a CLI checkpoint has none', () => {
    const a = createSession({ ...small, ddpm: false }, null);
    const history = { diffflow: { iterations: [1, 2], losses: [3.5, Number.NaN] }, ddpm: { iterations: [], losses: [] } };
    const b = sessionFromCheckpoint(checkpointBytes(a, 'wasm', history), 'h.bin');
    if (E.isLeft(b)) throw new Error(b.left);
    expect(b.right.history.diffflow.iterations).toEqual([1, 2]);
    expect(b.right.history.diffflow.losses[0]).toBe(3.5);
    expect(Number.isNaN(b.right.history.diffflow.losses[1])).toBe(true);
    const ckpt = decodeCheckpoint(checkpointBytes(a, 'wasm', history), 'h.bin');
    if (E.isLeft(ckpt)) throw new Error(ckpt.left.reason);
    const { playground: _page, ...meta } = ckpt.right.meta;
    const c = sessionFromCheckpoint(encodeCheckpoint({ ...ckpt.right, meta }), 'cli.bin');
    if (E.isLeft(c)) throw new Error(c.left);
    expect(c.right.history.diffflow.iterations).toEqual([]);
    for (const s of [a, b.right, c.right]) disposeSession(s);
  });
});

describe("a drawn set's checkpoint evaluated by toy2d:eval", () => {
  it('the CLI evaluates the bytes checkpointBytes writes: finite NLL, and the numbers of the library called directly', async () => {
    // a ring of 48 drawn points, radius 2, and a few training steps
    const points = Float32Array.from({ length: 96 }, (_, i) => 2 * (i % 2 === 0 ? Math.cos(Math.PI * (i >> 1) / 24) : Math.sin(Math.PI * (i >> 1) / 24)));
    const settings: PlaygroundSettings = { ...small, dataset: 'drawn', ddpm: false };
    const session = createSession(settings, points);
    for (let i = 0; i < 3; i++) session.trainer.step();
    const dir = mkdtempSync(join(tmpdir(), 'playground-eval-'));
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'checkpoint.bin'), checkpointBytes(session, 'wasm'));
    const n = 40;
    try {
      const out = join(dir, 'eval');
      const r = await runScriptAsync(join(repoRoot, 'packages/experiments/toy2d/src/eval_cli.ts'), [`--run=${run}`, `--n=${n}`, '--solver=rk4', '--resolution=8', '--draws=1', `--out=${out}`], { timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/toy2d eval: points \(n = 48\)/);
      const report = JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8'));
      expect(report).toMatchObject({ dataset: 'points', checkpointIteration: 3, heldOut: { n, cloudPoints: 48, jitter: DRAWN_JITTER } });
      for (const v of [report.nll.nats, report.negativeElbo.nats, report.dataNll, report.heatmap.massInBox]) expect(Number.isFinite(v), JSON.stringify(report)).toBe(true);

      // the library directly: the session's EMA model on n points of the cloud keyed (purposeSeed(seed, 'test'), 0),
      // RK4 on the run's grid, moved to data coordinates by the normaliser's log-det
      const cloud = pointCloud(points, DRAWN_JITTER);
      const x = samplePointCloud(cloud, n, { seed: purposeSeed(settings.seed, 'test'), iteration: 0 });
      const grid = fixedGrid({ steps: settings.steps, tMin: toy2dDefaults.tMin, tMax: settings.T, beta: toy2dDefaults.beta });
      const nll = session.trainer.ema.withAveraged(() => {
        const y = tf.tensor2d(session.normalizer.normalize(x), [n, 2]);
        const result = probabilityFlowNll(session.model, y, { grid, solver: 'rk4', trace: { kind: 'exact' } });
        y.dispose();
        return result.nll;
      });
      const logDet = normalizerLogDet(session.normalizer);
      const direct = nll.reduce((a, v) => a + v, 0) / n - logDet;
      // the same float32 computation in another process (wasm both): agreement to 1e-4 nats
      expect(Math.abs(report.nll.nats - direct)).toBeLessThan(1e-4);
      expect(Math.abs(report.normalizerLogDet - logDet)).toBeLessThan(1e-6);
      const dataNll = -pointCloudLogDensity(cloud, x).reduce((a, v) => a + v, 0) / n;
      expect(report.dataNll).toBeCloseTo(dataNll, 10);

      // the page's heat-map of the CLI's box is the CLI's (likelihood's dataLogDensityGrid both, RK4 on the same grid):
      // its maximum and its mass in the box Σ p_x · pixel area
      const { bounds, resolution, logDensityMax, massInBox } = report.heatmap as { bounds: [number, number, number, number]; resolution: number; logDensityMax: number; massInBox: number };
      const picture = logDensityPicture(session, bounds, resolution);
      const pixelArea = ((bounds[1] - bounds[0]) / resolution) * ((bounds[3] - bounds[2]) / resolution);
      expect(Math.abs(picture.reduce((a, v) => Math.max(a, v), -Infinity) - logDensityMax)).toBeLessThan(1e-4);
      expect(Math.abs(picture.reduce((a, v) => a + Math.exp(v) * pixelArea, 0) - massInBox)).toBeLessThan(1e-4 * massInBox);
    } finally {
      disposeSession(session);
    }
  }, 150_000);
});
