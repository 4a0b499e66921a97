/**
 * The training worker: owns the backend and the session, trains while running (one DiffFlow
 * iteration, then DDPM iterations until DDPM has had the same wall-clock time), and reports
 * progress after every iteration, plots about every 1.5 s and the heat-map about every 6 s.
 * Between iterations it yields to its message queue, so pause, sampler changes and saves are
 * handled at once and the page never waits on training.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultLambda } from '@diffflow/sde-core';
import * as E from 'fp-ts/lib/Either.js';
import { availableBackends, pickBackend, startBackend, type BackendReport, type BrowserBackend } from './backend.js';
import {
  checkpointBytes,
  createSession,
  ddpmSamples,
  diffflowSamples,
  disposeSession,
  driftField,
  evaluationGrid,
  forwardStates,
  logDensityPicture,
  sessionFromCheckpoint,
  type SamplerSettings,
  type Session,
} from './model.js';
import type { Command, Progress, Report } from './protocol.js';
import { squareBounds } from '@diffflow/runs/plot';

const VISUAL_EVERY_MS = 1500;
const HEATMAP_EVERY_MS = 6000;
const HEATMAP_RES = 28;
const PLOT_SAMPLES = 1000;
const TRAJECTORY_POINTS = 400;

let backend: BackendReport | null = null;
let session: Session | null = null;
let running = false;
/** Bumped whenever a training loop is started or stopped, so a stale loop never resumes. */
let generation = 0;
let sampler: SamplerSettings = { lambda: defaultLambda, steps: 10, n: PLOT_SAMPLES, seed: 0 };
let lastVisual = 0;
let lastHeatmap = 0;
/** What the last plots and heat-map cost (ms): they are refreshed at most every 4× that, so slow backends keep training. */
let visualCost = 0;
let heatmapCost = 0;
/** Time DiffFlow and DDPM have trained (ms), so DDPM gets the same share. */
let diffflowMs = 0;
let ddpmMs = 0;
const recent: { diffflow: number[]; ddpm: number[] } = { diffflow: [], ddpm: [] };

const post = (r: Report, transfer: Transferable[] = []): void => (self as unknown as Worker).postMessage(r, transfer);
const fail = (context: string, e: unknown): void => post({ type: 'error', context, message: e instanceof Error ? e.message : String(e) });

/** Iterations per second over the last 10 iterations or 2 s, whichever is more. */
function rate(stamps: number[], now: number): number {
  stamps.push(now);
  while (stamps.length > 10 && now - (stamps[0] as number) > 2000) stamps.shift();
  return stamps.length < 2 ? 0 : (1000 * (stamps.length - 1)) / (now - (stamps[0] as number));
}

function announceSession(s: Session): void {
  post({
    type: 'session',
    settings: s.settings,
    points: s.points === null ? null : s.points.slice(),
    iteration: s.trainer.iteration,
    ddpmIteration: s.ddpm?.trainer.iteration ?? 0,
    parameters: s.model.sde.drift.parameterCount + s.model.score.parameterCount,
  });
}

function replaceSession(next: Session): void {
  if (session !== null) disposeSession(session);
  session = next;
  diffflowMs = 0;
  ddpmMs = 0;
  recent.diffflow = [];
  recent.ddpm = [];
  sampler = { ...sampler, steps: next.settings.steps, seed: next.settings.seed };
  announceSession(next);
  sendVisuals();
  lastHeatmap = performance.now(); // the first heat-map comes during training (or on pause)
}

function sendVisuals(): void {
  if (session === null) return;
  const started = performance.now();
  const s = session;
  const { samples } = diffflowSamples(s, sampler, false);
  const backward = diffflowSamples(s, { ...sampler, n: TRAJECTORY_POINTS }, true).states;
  const field = driftField(s, 15, 3);
  const forward = forwardStates(s, TRAJECTORY_POINTS);
  const ddpm = ddpmSamples(s, sampler);
  post({
    type: 'visuals',
    visuals: {
      iteration: s.trainer.iteration,
      data: s.plotData.slice(),
      samples,
      ddpmSamples: ddpm,
      forward,
      backward,
      times: [...evaluationGrid(s.settings, sampler.steps)],
      driftPoints: field.points,
      drift: field.drift,
      sampler,
    },
  });
  lastVisual = performance.now();
  visualCost = lastVisual - started;
}

function sendHeatmap(): void {
  if (session === null) return;
  const started = performance.now();
  const bounds = squareBounds(session.plotData);
  const logDensity = logDensityPicture(session, bounds, HEATMAP_RES);
  post({ type: 'heatmap', iteration: session.trainer.iteration, bounds, res: HEATMAP_RES, logDensity, ms: performance.now() - started }, [logDensity.buffer]);
  lastHeatmap = performance.now();
  heatmapCost = lastHeatmap - started;
}

/** One round of training: a DiffFlow iteration, then DDPM iterations up to the same time. */
function trainRound(s: Session): void {
  const m = s.trainer.step();
  diffflowMs += m.ms;
  const now = performance.now();
  const diffflow: Progress = { iteration: s.trainer.iteration, loss: m.bound, itPerSec: rate(recent.diffflow, now) };
  let ddpm: Progress | null = null;
  if (s.ddpm !== null) {
    let last = Number.NaN;
    do {
      const d = s.ddpm.trainer.step();
      ddpmMs += d.ms;
      last = d.loss;
      rate(recent.ddpm, performance.now());
    } while (ddpmMs < diffflowMs);
    ddpm = { iteration: s.ddpm.trainer.iteration, loss: last, itPerSec: rate(recent.ddpm, performance.now()) };
  }
  post({ type: 'progress', diffflow, ddpm, tensors: tf.memory().numTensors });
}

/** Gives the message queue a turn (a macrotask) between iterations. */
const yieldToMessages = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function start(): void {
  running = true;
  generation += 1;
  post({ type: 'status', running });
  void loop(generation);
}

function stop(): void {
  running = false;
  generation += 1;
  post({ type: 'status', running });
}

async function loop(mine: number): Promise<void> {
  while (running && mine === generation && session !== null) {
    try {
      trainRound(session);
      const now = performance.now();
      if (now - lastVisual > Math.max(VISUAL_EVERY_MS, 4 * visualCost)) sendVisuals();
      else if (now - lastHeatmap > Math.max(HEATMAP_EVERY_MS, 4 * heatmapCost)) sendHeatmap();
    } catch (e) {
      stop();
      fail('training', e);
    }
    await yieldToMessages();
  }
}

async function useBackend(name: BrowserBackend | undefined): Promise<void> {
  // Variables live on a backend: move the session across through a checkpoint.
  const saved = session === null || backend === null ? null : checkpointBytes(session, backend.name);
  if (session !== null) {
    disposeSession(session);
    session = null;
  }
  backend = name === undefined ? await pickBackend() : await startBackend(name);
  post({ type: 'backend', name: backend.name, detail: backend.detail, available: await availableBackends() });
  if (saved !== null) {
    const restored = sessionFromCheckpoint(saved, 'session');
    if (E.isLeft(restored)) throw new Error(restored.left);
    replaceSession(restored.right);
  }
}

async function handle(c: Command): Promise<void> {
  switch (c.type) {
    case 'init':
    case 'setBackend': {
      const wasRunning = running;
      if (running) stop();
      await useBackend(c.backend);
      if (wasRunning && session !== null) start();
      return;
    }
    case 'reset':
      stop();
      replaceSession(createSession(c.settings, c.points));
      return;
    case 'run':
      if (session === null || running) return;
      start();
      return;
    case 'pause':
      stop();
      if (session !== null) {
        sendVisuals();
        sendHeatmap();
      }
      return;
    case 'sampler':
      sampler = c.sampler;
      if (session !== null) sendVisuals();
      return;
    case 'heatmap':
      sendHeatmap();
      return;
    case 'save': {
      if (session === null || backend === null) return;
      const bytes = checkpointBytes(session, backend.name);
      const name = `checkpoint-${session.settings.dataset}-seed${session.settings.seed}-it${session.trainer.iteration}.bin`;
      post({ type: 'checkpoint', bytes, name }, [bytes.buffer]);
      return;
    }
    case 'load': {
      // Decode and build everything first: a bad file leaves the running session as it was.
      const loaded = sessionFromCheckpoint(c.bytes, c.name);
      if (E.isLeft(loaded)) {
        fail('checkpoint', loaded.left);
        return;
      }
      stop();
      replaceSession(loaded.right);
      return;
    }
  }
}

/** Commands run one at a time, in order. */
let queue: Promise<void> = Promise.resolve();
self.onmessage = (event: MessageEvent<Command>) => {
  queue = queue.then(() => handle(event.data)).catch((e: unknown) => fail(event.data.type, e));
};
