/**
 * The training worker: owns the backend and the session, trains while running (one DiffFlow
 * iteration, then DDPM iterations until DDPM has had the same wall-clock time), and reports
 * progress after every iteration. Plots, the log-density map and in-memory checkpoints
 * ("snapshots", which let the page restore the session in a fresh worker) each run on a time
 * budget that adapts to their cost (`RefreshSchedule`), so slow backends keep training; a new
 * model trains its first seconds without the density map. Between iterations it yields
 * to its message queue, so pause, setting and sampler changes and saves are handled at once; the
 * page terminates a worker that does not answer in time and restores its last snapshot elsewhere
 * (main.ts), so no control waits on a long kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultLambda } from '@diffflow/sde-core';
import * as E from 'fp-ts/lib/Either.js';
import { availableBackends, firstBackend, probeBackends, startBackend, type BackendReport, type BrowserBackend } from './backend.js';
import { chooseBackend } from './backend_choice.js';
import {
  checkpointBytes,
  createSession,
  ddpmSamples,
  diffflowSamples,
  disposeSession,
  driftField,
  evaluationGrid,
  forwardStates,
  HEATMAP_RES,
  logDensityPicture,
  retrain,
  sessionFromCheckpoint,
  type SamplerSettings,
  type Session,
} from './model.js';
import type { Command, Progress, Report } from './protocol.js';
import { appendPoint, type LossHistory } from '../curve.js';
import { defaultPageSampler, PLOT_SAMPLES, samplerSpecOf } from '../sampler_menu.js';
import { plotBounds } from '../plot/bounds.js';
import { RefreshSchedule, type Refresh } from './refresh_schedule.js';
import { yieldToMessages } from './yield_to_messages.js';

/** A new model left idle gets its density map after this long (ms); one that trains waits for `NEW_MODEL_MAP_WAIT_MS` of training. */
const NEW_MODEL_IDLE_MAP_MS = 1000;
/** The log-density map's time budget: its resolution adapts so one map costs about this much (ms). */
const HEATMAP_BUDGET_MS = 400;
const TRAJECTORY_POINTS = 400;

let backend: BackendReport | null = null;
let session: Session | null = null;
let history: LossHistory = { diffflow: { iterations: [], losses: [] }, ddpm: { iterations: [], losses: [] } };
let running = false;
/** Bumped whenever a training loop is started or stopped, so a stale loop never resumes. */
let generation = 0;
let sampler: SamplerSettings = { spec: samplerSpecOf(defaultPageSampler, defaultLambda), steps: 10, n: PLOT_SAMPLES, seed: 0 };
let heatmapRes: number = HEATMAP_RES.start;
const schedule = new RefreshSchedule();
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

function resetClocks(): void {
  diffflowMs = 0;
  ddpmMs = 0;
  recent.diffflow = [];
  recent.ddpm = [];
}

/** Makes `next` the session; `fresh`: a new model (Reset, a new drawing), whose density map waits for its first seconds of training. */
function replaceSession(next: Session, fresh = false): void {
  if (session !== null) disposeSession(session);
  session = next;
  history = next.history;
  resetClocks();
  sampler = { ...sampler, seed: next.settings.seed };
  post({
    type: 'session',
    settings: next.settings,
    points: next.points === null ? null : next.points.slice(),
    iteration: next.trainer.iteration,
    ddpmIteration: next.ddpm?.trainer.iteration ?? 0,
    parameters: next.model.sde.drift.parameterCount + next.model.score.parameterCount,
    history,
  });
  // A new or restored model is drawn at once and kept in the page's memory; a restored one's
  // density map follows, a new one's once it has trained a few seconds (or sat idle a second).
  sendSnapshot();
  sendVisuals();
  if (!fresh) {
    heatmapSoon();
    return;
  }
  schedule.newModel();
  setTimeout(() => {
    if (!running && session === next && schedule.mapWaiting) sendHeatmap();
  }, NEW_MODEL_IDLE_MAP_MS);
}

/**
 * The density map after the commands already waiting (a Resume right after a load or a pause is
 * not held up by it): at once when idle, else in the training loop's next round (it is overdue).
 */
function heatmapSoon(): void {
  schedule.mapNow();
  const s = session;
  setTimeout(() => {
    if (!running && session === s && schedule.overdue('heatmap', performance.now()) === Infinity) sendHeatmap();
  }, 0);
}

function timed(kind: Refresh, work: () => void): void {
  const started = performance.now();
  work();
  schedule.ran(kind, started, performance.now());
}

function sendVisuals(): void {
  const s = session;
  if (s === null) return;
  timed('visuals', () => {
    // one sampler run: its samples, and the trajectories of its first TRAJECTORY_POINTS points
    // (or, when the chosen sampler cannot run the model, its message in place of the samples)
    const run = diffflowSamples(s, sampler, true);
    const samples = run.ok ? run.value.samples : new Float32Array(0);
    const backward = run.ok ? run.value.states.map((x) => x.slice(0, 2 * TRAJECTORY_POINTS)) : [];
    const field = driftField(s, 15, 3);
    const forward = forwardStates(s, TRAJECTORY_POINTS);
    const ddpm = ddpmSamples(s, sampler);
    post({
      type: 'visuals',
      visuals: {
        iteration: s.trainer.iteration,
        bounds: plotBounds(s.settings.dataset, s.plotData),
        data: s.plotData.slice(),
        samples,
        ddpmSamples: ddpm?.ok === true ? ddpm.value : null,
        samplerProblem: { diffflow: run.ok ? null : run.problem, ddpm: ddpm?.ok === false ? ddpm.problem : null },
        forward,
        forwardTimes: [...evaluationGrid(s.settings)],
        backward,
        backwardTimes: [...evaluationGrid(s.settings, sampler.steps)],
        driftPoints: field.points,
        drift: field.drift,
        sampler,
      },
    });
  });
}

function sendHeatmap(): void {
  const s = session;
  if (s === null) return;
  timed('heatmap', () => {
    const bounds = plotBounds(s.settings.dataset, s.plotData);
    const started = performance.now();
    const logDensity = logDensityPicture(s, bounds, heatmapRes);
    const ms = performance.now() - started;
    post({ type: 'heatmap', iteration: s.trainer.iteration, bounds, res: heatmapRes, logDensity, ms }, [logDensity.buffer]);
    // the next map's resolution: cost grows with res², so scale res by √(budget / cost)
    const next = Math.round(heatmapRes * Math.sqrt(HEATMAP_BUDGET_MS / Math.max(1, ms)));
    heatmapRes = Math.min(HEATMAP_RES.max, Math.max(HEATMAP_RES.min, next));
  });
}

function sendSnapshot(): void {
  const s = session;
  if (s === null || backend === null) return;
  const b = backend;
  timed('snapshot', () => {
    const bytes = checkpointBytes(s, b.name, history);
    post({ type: 'snapshot', bytes, iteration: s.trainer.iteration }, [bytes.buffer]);
  });
}

/** One round of training: a DiffFlow iteration, then DDPM iterations up to the same time. */
function trainRound(s: Session): void {
  const m = s.trainer.step();
  diffflowMs += m.ms;
  const now = performance.now();
  const diffflow: Progress = { iteration: s.trainer.iteration, loss: m.bound, itPerSec: rate(recent.diffflow, now) };
  let ddpm: Progress | null = null;
  if (s.ddpm !== null) {
    let lastLoss = Number.NaN;
    do {
      const d = s.ddpm.trainer.step();
      ddpmMs += d.ms;
      lastLoss = d.loss;
      rate(recent.ddpm, performance.now());
    } while (ddpmMs < diffflowMs);
    ddpm = { iteration: s.ddpm.trainer.iteration, loss: lastLoss, itPerSec: rate(recent.ddpm, performance.now()) };
  }
  history = {
    diffflow: appendPoint(history.diffflow, diffflow.iteration, diffflow.loss),
    ddpm: ddpm === null ? history.ddpm : appendPoint(history.ddpm, diffflow.iteration, ddpm.loss),
  };
  post({ type: 'progress', diffflow, ddpm, tensors: tf.memory().numTensors });
}

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
      const started = performance.now();
      trainRound(session);
      // a pause or a setting waiting since the iteration goes first, before any refresh
      await yieldToMessages();
      if (!running || mine !== generation || session === null) return;
      // one plot per round at most, the more overdue first, so neither starves the other
      const plot = schedule.plotDue(performance.now());
      if (plot !== null) (plot === 'heatmap' ? sendHeatmap : sendVisuals)();
      if (schedule.overdue('snapshot', performance.now()) >= 1) sendSnapshot();
      schedule.trained(performance.now() - started);
    } catch (e) {
      stop();
      fail('training', e);
    }
    await yieldToMessages();
  }
}

/** Starts `name` (with the reason shown), or `firstBackend` until `probe` has measured the others. */
async function useBackend(name: BrowserBackend | undefined, reason: string): Promise<void> {
  const wanted = name ?? firstBackend();
  try {
    backend = await startBackend(wanted, name === undefined ? 'measuring the other backends…' : reason);
  } catch (e) {
    const fallback = firstBackend();
    backend = { ...(await startBackend(fallback, '')), reason: `${wanted} did not start (${e instanceof Error ? e.message : String(e)}); using ${fallback}` };
  }
  postBackend();
}

/** The backends that exist here, once looked up (`probe`; creating a WebGL context takes a while on a software renderer). */
let available: BrowserBackend[] | null = null;

function postBackend(): void {
  if (backend !== null) post({ type: 'backend', name: backend.name, detail: backend.detail, reason: backend.reason, available: available ?? [backend.name] });
}

/**
 * Looks up the backends that exist here (for the menu) and, with `choose`, measures them
 * (`probeBackends`) and moves the session to the fastest (`chooseBackend`) through an in-memory
 * checkpoint when it is not the one in use.
 */
async function probe(choose: boolean): Promise<void> {
  if (backend === null) return;
  available = await availableBackends();
  if (!choose) {
    postBackend();
    return;
  }
  const choice = chooseBackend(await probeBackends(backend.name));
  if (choice.name === backend.name) {
    backend = { ...backend, reason: choice.reason };
    postBackend();
    return;
  }
  const wasRunning = running;
  if (running) stop();
  const saved = session === null ? null : checkpointBytes(session, backend.name, history);
  if (session !== null) disposeSession(session);
  session = null;
  backend = await startBackend(choice.name, choice.reason);
  postBackend();
  if (saved !== null) {
    const restored = sessionFromCheckpoint(saved, 'the in-memory checkpoint');
    if (E.isLeft(restored)) throw new Error(restored.left);
    replaceSession(restored.right);
  }
  if (wasRunning) start();
}

async function handle(c: Command): Promise<void> {
  switch (c.type) {
    case 'init':
      await useBackend(c.backend, c.reason ?? 'chosen in the menu');
      return;
    case 'probe':
      await probe(c.choose);
      return;
    case 'reset':
      stop();
      replaceSession(createSession(c.settings, c.points), true);
      return;
    case 'configure': {
      if (session === null) return;
      const next = retrain(session, c.settings, history);
      session = next;
      resetClocks();
      post({ type: 'settings', settings: next.settings, iteration: next.trainer.iteration, ddpmIteration: next.ddpm?.trainer.iteration ?? 0 });
      if (!running) sendVisuals();
      return;
    }
    case 'run':
      if (session === null || running) return;
      start();
      return;
    case 'pause':
      stop();
      if (session !== null) {
        sendSnapshot();
        sendVisuals();
        heatmapSoon();
      }
      return;
    case 'sampler':
      sampler = { ...c.sampler, seed: session?.settings.seed ?? c.sampler.seed };
      if (session !== null) sendVisuals();
      return;
    case 'heatmap':
      sendHeatmap();
      return;
    case 'fewSteps': {
      const s = session;
      if (s === null) return;
      // a sampler that cannot run a model leaves its panels empty (the samples panel says why)
      const diffflow = c.steps.map((steps) => {
        const run = diffflowSamples(s, { ...sampler, steps, n: 500 });
        return run.ok ? run.value.samples : new Float32Array(0);
      });
      const ddpm = c.steps.map((steps) => {
        const run = ddpmSamples(s, { ...sampler, steps, n: 500 });
        return run === null ? null : run.ok ? run.value : new Float32Array(0);
      });
      post({ type: 'fewSteps', iteration: s.trainer.iteration, steps: c.steps, sampler: sampler.spec, diffflow, ddpm });
      return;
    }
    case 'save': {
      if (session === null || backend === null) return;
      const bytes = checkpointBytes(session, backend.name, history);
      const name = `checkpoint-${session.settings.dataset}-seed${session.settings.seed}-it${session.trainer.iteration}.bin`;
      post({ type: 'checkpoint', bytes, name }, [bytes.buffer]);
      return;
    }
    case 'snapshot':
      sendSnapshot();
      return;
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
