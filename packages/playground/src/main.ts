/**
 * The page: controls, the drawing canvas and the plots. Training runs in `worker/worker.ts`, driven
 * through `TrainerHost` (trainer_host.ts); this module sends commands, folds the worker's reports
 * into `PageState` (state.ts) and draws. It opens on a pretrained model (pretrained.ts), applies
 * settings that keep the model's shape to the running model, asks before a setting that needs a
 * new one, and keeps each data set's model while another is shown.
 */
import { toyNames } from '@diffflow/datasets/toy2d';
import type { Bounds } from '@diffflow/figures/plot';
import { colorBar, figure, heatmap, legend, line, quiver, scatter, trails, type Figure } from './plot/figure.js';
import { DRAW_BOUNDS } from './plot/bounds.js';
import { initialState, reduce, type PageAction, type PageState } from './state.js';
import { MIN_DRAWN_POINTS, strokesToPoints, type Stroke } from './draw/drawing.js';
import { checkSettings, playgroundDefaults, withKindDefaults, type DatasetChoice, type PlaygroundSettings } from './settings.js';
import { starterShape } from './draw/starter.js';
import { DRAW_SPACING, pretrainedFor, sameShape, type PretrainedManifest } from './pretrained.js';
import { TrainerHost, type SwitchStart } from './trainer_host.js';
import { timeView } from './time_view.js';
import type { Report } from './worker/protocol.js';
import type { SamplerSettings } from './worker/model.js';
import { defaultPageSampler, PLOT_SAMPLES, samplerFromQuery, samplerOptions, samplerSpecOf } from './sampler_menu.js';
import { decodeFirstSight, firstSightFile, sameSampler, type FirstSight } from './first_sight.js';
import { defaultLambda } from '@diffflow/sde-core';
import { availableBackends, isBrowserBackend, type BrowserBackend } from './worker/backend_names.js';
import manifestJson from '../public/pretrained/manifest.json';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const MODEL_BOUNDS: Bounds = [-4, 4, -4, 4];
const FEW_STEPS = [1, 3, 10] as const;
const manifest = manifestJson as PretrainedManifest;

let state: PageState = initialState;
let strokes: Stroke[] = starterShape();
/** The drawing is still the starter heart (its pretrained model applies). */
let heartDrawing = true;
/** The drawing changed since the drawn model was made: Train starts a new model on it. */
let drawingChanged = false;
let heat: Extract<Report, { type: 'heatmap' }> | null = null;
let few: Extract<Report, { type: 'fewSteps' }> | null = null;
let timeIndex = 0;
let playing = false;
/** Checkpoints the page downloaded (the tests read the latest). */
let lastCheckpoint: { name: string; bytes: Uint8Array } | null = null;
/** Each data set's last model while another is shown (a snapshot's bytes), so switching back loses nothing. */
const parked = new Map<DatasetChoice, Uint8Array>();
/** Settings waiting for the user's yes (a new model). */
let pending: PlaygroundSettings | null = null;
/**
 * A pretrained model's stored first sight (first_sight.ts), shown while its worker starts: its
 * samples and data until the worker's first plots of a newer session, its log-density until the
 * worker's first map. `sessions`: the sessions announced when its model was asked for.
 */
let firstSight: { sight: FirstSight; dataset: DatasetChoice; sessions: number; liveSamples: boolean; liveDensity: boolean } | null = null;
/** The last first sight shown (the tests compare it with the worker's draw). */
let lastSight: FirstSight | null = null;
/** Bumped by every model the page asks for, so a late first-sight file of an earlier one is dropped. */
let modelRequest = 0;
/** Where each figure was drawn (the tests compare axes and sizes); the density's with the heat-map's iteration. */
const drawn = new Map<string, { bounds: Bounds; area: Figure['area']; heatIteration?: number; session?: number }>();

// spare workers on the other backends, started when the page is idle, make a switch a restore only
const host = new TrainerHost(
  () => new Worker(new URL('./worker/worker.ts', import.meta.url), { type: 'module' }),
  onReport,
  (run) => requestIdleCallback(run, { timeout: 2000 }),
);

// ---------------------------------------------------------------------------------------------
// form

const datasetSelect = $<HTMLSelectElement>('dataset');
for (const name of ['drawn', ...toyNames]) datasetSelect.add(new Option(name === 'drawn' ? 'drawn (your drawing)' : name, name));
const numberFields = ['steps', 'g', 'T', 'hidden', 'batch', 'lr', 'seed'] as const;
/** Fields that apply to the running model; the others (g, T, width, seed, data set) define a new one. */
const liveFields = ['steps', 'batch', 'lr', 'ddpm'] as const;

function writeForm(s: PlaygroundSettings): void {
  datasetSelect.value = s.dataset;
  for (const k of numberFields) $<HTMLInputElement>(k).value = String(s[k]);
  $<HTMLInputElement>('ddpm').checked = s.ddpm;
}

function readForm(): PlaygroundSettings {
  const num = (k: (typeof numberFields)[number]): number => Number($<HTMLInputElement>(k).value);
  return {
    dataset: datasetSelect.value as DatasetChoice,
    steps: num('steps'),
    g: num('g'),
    T: num('T'),
    hidden: num('hidden'),
    batch: num('batch'),
    lr: num('lr'),
    seed: num('seed'),
    ddpm: $<HTMLInputElement>('ddpm').checked,
  };
}

/**
 * The defaults with what the address overrides: `?dataset=moons&steps=20&g=0.3&T=0.1&hidden=32&batch=128&lr=0.005&seed=1&ddpm=0`
 * (and `backend=webgpu|webgl|wasm|cpu`, and `sampler=` one of the registry's names, `sampler_menu.ts`), so a
 * configuration can be shared as a link.
 */
function settingsFromQuery(q: URLSearchParams): PlaygroundSettings {
  const num = (k: string, d: number): number => (q.get(k) === null ? d : Number(q.get(k)));
  const d = playgroundDefaults;
  return {
    dataset: (q.get('dataset') ?? d.dataset) as DatasetChoice,
    steps: num('steps', d.steps),
    g: num('g', d.g),
    T: num('T', d.T),
    hidden: num('hidden', d.hidden),
    batch: num('batch', d.batch),
    lr: num('lr', d.lr),
    seed: num('seed', d.seed),
    ddpm: q.get('ddpm') === null ? d.ddpm : q.get('ddpm') !== '0',
  };
}

function drawnPoints(): Float32Array {
  return strokesToPoints(strokes, DRAW_SPACING);
}

/**
 * The form's settings with the defaults of the model's kind where the form has the other kind's
 * (settings.ts `withKindDefaults`): a drawing of the user's, and a new model of the starter heart
 * (`fresh`: Reset), take the drawn-shape defaults; a toy and the pretrained starter heart the
 * page's, the shape of their pretrained models.
 */
function kindDefaults(form: PlaygroundSettings, fresh = false): PlaygroundSettings {
  return withKindDefaults(form, form.dataset === 'drawn' && (!heartDrawing || fresh));
}

/** Checks settings; shows the problem and returns false when they are invalid. */
function valid(settings: PlaygroundSettings): boolean {
  const problem = checkSettings(settings);
  if (problem !== null) dispatch({ type: 'pageError', message: problem });
  return problem === null;
}

/**
 * A model for `settings`: the data set's parked model or its pretrained one when the shape agrees
 * (then the live settings applied to it), else a new one. False (and the reason shown) when a
 * drawing is too small to learn.
 */
async function startModel(settings: PlaygroundSettings, fresh = false): Promise<boolean> {
  if (!valid(settings)) return false;
  let points: Float32Array | null = null;
  if (settings.dataset === 'drawn') {
    points = drawnPoints();
    if (points.length / 2 < MIN_DRAWN_POINTS) {
      dispatch({ type: 'pageError', message: `draw a shape first (at least ${MIN_DRAWN_POINTS} points; it has ${points.length / 2})` });
      return false;
    }
  }
  const kept = fresh || (settings.dataset === 'drawn' && drawingChanged) ? undefined : parked.get(settings.dataset);
  const entry = fresh ? null : pretrainedFor(manifest, settings, settings.dataset !== 'drawn' || (heartDrawing && !drawingChanged));
  const request = ++modelRequest;
  firstSight = null;
  drawingChanged = false;
  if (kept !== undefined && keptShape.get(settings.dataset) !== undefined && sameShape(keptShape.get(settings.dataset) as PlaygroundSettings, settings)) {
    const bytes = kept.slice();
    host.send({ type: 'load', bytes, name: `your ${settings.dataset} model` }, [bytes.buffer]);
    host.send({ type: 'configure', settings });
    return true;
  }
  if (entry !== null) {
    void showFirstSight(entry.file, settings, request, state.sessions);
    try {
      const response = await fetch(new URL(`pretrained/${entry.file}`, document.baseURI));
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      host.send({ type: 'load', bytes, name: `pretrained/${entry.file}` }, [bytes.buffer]);
      if (!sameLive(entry.settings, settings)) host.send({ type: 'configure', settings });
      return true;
    } catch (e) {
      console.warn(`pretrained/${entry.file} could not be fetched (${e instanceof Error ? e.message : String(e)}); starting a new model`);
    }
  }
  host.send({ type: 'reset', settings, points }, points === null ? [] : [points.buffer]);
  return true;
}
/**
 * Fetches a pretrained model's first-sight file and shows it until the worker's own plots come —
 * unless another model was asked for meanwhile or the page samples differently (then the stored
 * samples are not the draw the worker will make). A missing or bad file only costs the early view.
 */
async function showFirstSight(checkpointFile: string, settings: PlaygroundSettings, request: number, sessions: number): Promise<void> {
  const file = firstSightFile(checkpointFile);
  try {
    // index.html starts the default page's file (the heart's) before this script has loaded
    const early = (window as { firstSightPrefetch?: { file: string; response: Promise<Response> } }).firstSightPrefetch;
    delete (window as { firstSightPrefetch?: unknown }).firstSightPrefetch;
    const response = await (early?.file === file ? early.response : fetch(new URL(`pretrained/${file}`, document.baseURI)));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const decoded = decodeFirstSight(await response.json(), file);
    if (decoded._tag === 'Left') throw new Error(decoded.left);
    if (request !== modelRequest || !sameSampler(decoded.right.sampler, { ...sampler(), seed: settings.seed })) return;
    // the worker's own plots of the model were faster: nothing to show
    const live = state.sessions > sessions;
    if (live && state.visuals !== null && heat !== null) return;
    lastSight = decoded.right;
    firstSight = { sight: decoded.right, dataset: settings.dataset, sessions, liveSamples: live && state.visuals !== null, liveDensity: live && heat !== null };
    redraw(['data', 'samples', 'density', 'stats']);
  } catch (e) {
    console.warn(`pretrained/${file} could not be shown (${e instanceof Error ? e.message : String(e)}); the worker's plots follow`);
  }
}
/** The first sight's samples and data while they are shown (null once the worker's plots of the model are up). */
const sightSamples = (): FirstSight | null => (firstSight !== null && !firstSight.liveSamples ? firstSight.sight : null);
/** The first sight's log-density while it is shown. */
const sightDensity = (): FirstSight | null => (firstSight !== null && !firstSight.liveDensity ? firstSight.sight : null);

/** The settings of each parked model. */
const keptShape = new Map<DatasetChoice, PlaygroundSettings>();

const sameLive = (a: PlaygroundSettings, b: PlaygroundSettings): boolean => liveFields.every((k) => a[k] === b[k]);

/** Keeps the current model (its latest snapshot) under its data set before another is shown. */
function parkCurrent(): void {
  const snap = host.latestSnapshot();
  if (state.settings !== null && snap !== null) {
    parked.set(state.settings.dataset, snap.bytes.slice());
    keptShape.set(state.settings.dataset, state.settings);
  }
}

const samplerSelect = $<HTMLSelectElement>('sampler-kind');
for (const o of samplerOptions) {
  const option = document.createElement('option');
  option.value = o.name;
  option.textContent = o.name;
  option.title = o.description;
  samplerSelect.append(option);
}

/** Shows the λ slider only for a sampler with a `lambda` setting; the menu's title is the chosen one's description. */
function showSamplerControls(): void {
  const chosen = samplerOptions.find((o) => o.name === samplerSelect.value);
  $('lambda-row').hidden = chosen?.hasLambda !== true;
  $<HTMLInputElement>('lambda').disabled = chosen?.hasLambda !== true;
  samplerSelect.title = chosen?.description ?? '';
}

/** The sampler settings of the form: the menu's sampler as a plain spec (λ when it has one), N steps, the session's seed. */
function sampler(): SamplerSettings {
  return {
    spec: samplerSpecOf(samplerSelect.value, Number($<HTMLInputElement>('lambda').value)),
    steps: Number($<HTMLInputElement>('sample-steps').value),
    n: PLOT_SAMPLES,
    seed: state.settings?.seed ?? 0,
  };
}

/** When the first samples were drawn (stored or live), ms since navigation started (performance.now()). */
let firstSamplesMs: number | null = null;
/** When the worker's first samples were drawn (ms since navigation), and where the first samples on screen came from. */
let liveSamplesMs: number | null = null;
let firstSamplesFrom: 'stored' | 'worker' | null = null;
/** Samples have been drawn (the first ones' source), the worker's samples have been drawn: stamped at the end of their frame. */
let samplesDrawn: 'stored' | 'worker' | null = null;
let liveDrawn = false;
/** Pause latencies of this page (ms, click → paused), for the tests and the measurements. */
const pauseLatencies: number[] = [];

$('train').addEventListener('click', async () => {
  if (state.running) {
    const t0 = performance.now();
    $('train').textContent = 'Pausing…'; // at once; the worker stops within PAUSE_ANSWER_MS
    await host.pause();
    pauseLatencies.push(performance.now() - t0);
    return;
  }
  const form = readForm();
  if (state.settings === null || drawingChanged || (form.dataset === 'drawn' && state.settings.dataset !== 'drawn')) {
    if (!(await startModel(kindDefaults(form), form.dataset === 'drawn'))) return;
    await host.settled(); // the new model first: Resume's time limit is for training, not for building it
  }
  const t0 = performance.now();
  await host.resume();
  resumeLatencies.push(performance.now() - t0);
});
/** Resume latencies (ms, click → training), for the tests and the measurements. */
const resumeLatencies: number[] = [];
$('reset').addEventListener('click', () => void startModel(kindDefaults(readForm(), true), true));

for (const k of numberFields) $(k).addEventListener('change', () => formChanged());
$('ddpm').addEventListener('change', () => formChanged());

/** A field changed: live fields apply to the model at once; the others ask first. */
function formChanged(): void {
  const form = readForm();
  const current = state.settings;
  if (!valid(form)) return;
  if (current === null) return;
  if (sameShape(current, form)) {
    dispatch({ type: 'dismissError' });
    host.send({ type: 'configure', settings: form });
    return;
  }
  pending = form;
  const changed = (['g', 'T', 'hidden', 'seed'] as const).filter((k) => form[k] !== current[k]).map((k) => (k === 'hidden' ? 'width' : k));
  $('confirm-text').textContent = `${changed.join(', ')} ${changed.length > 1 ? 'define' : 'defines'} the model: a new one starts from scratch (the current one is at iteration ${state.iteration}).`;
  redraw(['stats']);
}
$('confirm-yes').addEventListener('click', () => {
  if (pending !== null) void startModel(pending, true);
  pending = null;
  redraw(['stats']);
});
$('confirm-no').addEventListener('click', () => {
  pending = null;
  if (state.settings !== null) writeForm(state.settings);
  redraw(['stats']);
});

datasetSelect.addEventListener('change', () => {
  const form = readForm();
  if (form.dataset === 'drawn') {
    // the drawing's model, or the page waits for a drawing and Train
    redraw(['data']);
    if (strokes.length === 0 || drawnPoints().length / 2 < MIN_DRAWN_POINTS) return;
  }
  parkCurrent();
  void startModel(kindDefaults(form));
});
$('clear-drawing').addEventListener('click', () => {
  strokes = [];
  heartDrawing = false;
  drawingChanged = true;
  datasetSelect.value = 'drawn';
  redraw(['data', 'stats']);
});
$('starter-drawing').addEventListener('click', () => {
  strokes = starterShape();
  heartDrawing = true;
  drawingChanged = false;
  datasetSelect.value = 'drawn';
  parkCurrent();
  parked.delete('drawn');
  void startModel(kindDefaults(readForm()));
});
samplerSelect.addEventListener('change', () => {
  showSamplerControls();
  if (firstSight !== null) firstSight.liveSamples = true; // the stored samples are another sampler's
  // a non-shape setting: only the samples are drawn again, training goes on
  if (state.settings !== null) host.send({ type: 'sampler', sampler: sampler() });
});
for (const id of ['lambda', 'sample-steps']) {
  $(id).addEventListener('input', () => {
    $(`${id}-out`).textContent = $<HTMLInputElement>(id).value;
  });
  $(id).addEventListener('change', () => {
    if (firstSight !== null) firstSight.liveSamples = true;
    if (state.settings !== null) host.send({ type: 'sampler', sampler: sampler() });
  });
}
$<HTMLSelectElement>('backend').addEventListener('change', (e) => {
  const name = (e.target as HTMLSelectElement).value as BrowserBackend;
  const t0 = performance.now();
  switchStarted = t0;
  switchingTo = name;
  void host.switchBackend(name, 'chosen in the menu', state.running).then((from) => switchLatencies.push({ stopped: performance.now() - t0, restored: Number.NaN, from }));
});
/**
 * Backend-switch latencies (ms from the menu): `stopped` — the old worker gone, a new one starting;
 * `restored` — the model announced again on the new backend (plots follow); `from` — the new worker
 * was that backend's spare or a fresh one.
 */
const switchLatencies: { stopped: number; restored: number; from: SwitchStart }[] = [];
let switchStarted: number | null = null;
/** The backend the menu switched to, shown until the new worker reports it (the menu does not jump back). */
let switchingTo: BrowserBackend | null = null;
$('save').addEventListener('click', () => host.send({ type: 'save' }));
$('load').addEventListener('click', () => $<HTMLInputElement>('load-file').click());
$<HTMLInputElement>('load-file').addEventListener('change', async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (file === undefined) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  input.value = '';
  host.send({ type: 'load', bytes, name: file.name }, [bytes.buffer]);
});
$('error').addEventListener('click', () => dispatch({ type: 'dismissError' }));

// ---------------------------------------------------------------------------------------------
// drawing: pointer events (mouse, touch and pen alike)

const drawCanvas = $<HTMLCanvasElement>('draw');
let drawFigure: Figure | null = null;
let stroke: [number, number][] | null = null;

drawCanvas.addEventListener('pointerdown', (e) => {
  if (datasetSelect.value !== 'drawn' || drawFigure === null || !e.isPrimary) return;
  e.preventDefault();
  drawCanvas.setPointerCapture(e.pointerId);
  stroke = [drawFigure.toData(e.offsetX, e.offsetY)];
  strokes.push(stroke);
  heartDrawing = false;
  drawingChanged = true;
  redraw(['data', 'stats']);
});
drawCanvas.addEventListener('pointermove', (e) => {
  if (stroke === null || drawFigure === null || !e.isPrimary) return;
  const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [e];
  for (const c of events.length > 0 ? events : [e]) stroke.push(drawFigure.toData(c.offsetX, c.offsetY));
  redraw(['data']);
});
const endStroke = (): void => {
  stroke = null;
  redraw(['data', 'stats']);
};
drawCanvas.addEventListener('pointerup', endStroke);
drawCanvas.addEventListener('pointercancel', endStroke);

// ---------------------------------------------------------------------------------------------
// plots

function plot(id: string, o: Parameters<typeof figure>[1]): Figure {
  const f = figure($<HTMLCanvasElement>(id), o);
  drawn.set(id, { bounds: f.bounds, area: f.area });
  return f;
}

/** Hue by the angle of each point around the centre of `ref` (its colour follows it through time). */
function colorsByPosition(points: Float32Array): string[] {
  const n = points.length / 2;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < n; i++) {
    cx += (points[2 * i] as number) / n;
    cy += (points[2 * i + 1] as number) / n;
  }
  return Array.from({ length: n }, (_, i) => {
    const a = Math.atan2((points[2 * i + 1] as number) - cy, (points[2 * i] as number) - cx);
    return `hsl(${Math.round(((a + Math.PI) / (2 * Math.PI)) * 360)}, 75%, 45%)`;
  });
}

/** The window of the data-space plots: the session's (the worker's `plotBounds`), the drawing canvas's before one. */
function dataBounds(): Bounds {
  return sightSamples()?.bounds ?? state.visuals?.bounds ?? DRAW_BOUNDS;
}

function drawData(): void {
  const drawing = datasetSelect.value === 'drawn';
  const title = drawing ? 'Data: your drawing (drag to draw)' : `Data: ${datasetSelect.value}`;
  drawFigure = plot('draw', { title, xLabel: 'x₁', yLabel: 'x₂', bounds: drawing ? DRAW_BOUNDS : dataBounds() });
  const sight = sightSamples();
  if (drawing) scatter(drawFigure, drawnPoints(), '#111', 2.2);
  else if (sight !== null && firstSight?.dataset === datasetSelect.value) scatter(drawFigure, sight.data, '#111');
  else if (state.visuals !== null && state.settings?.dataset === datasetSelect.value) scatter(drawFigure, state.visuals.data, '#111');
}

function drawSamples(): void {
  const sight = sightSamples();
  const v = sight === null ? state.visuals : null;
  const bounds = dataBounds();
  const s = sight?.sampler ?? v?.sampler;
  const lambda = s?.spec.settings?.['lambda'];
  const tag = s === undefined ? '' : ` (${s.spec.name}, N = ${s.steps}${lambda === undefined ? '' : `, λ = ${String(lambda)}`})`;
  const f = plot('samples', { title: `DiffFlow samples${tag}`, xLabel: 'x₁', yLabel: 'x₂', bounds });
  const shown = sight?.samples ?? v?.samples ?? null;
  if (shown !== null) scatter(f, shown, '#1d4ed8');
  if (shown !== null && shown.length > 0) samplesDrawn ??= sight === null ? 'worker' : 'stored';
  if (v !== null && v.samples.length > 0) liveDrawn = true;
  const ddpmTitle = state.settings?.ddpm === false ? 'DDPM samples (baseline off)' : `DDPM samples${s === undefined ? '' : ` (${s.spec.name}, N = ${s.steps})`}`;
  const g = plot('ddpm-samples', { title: ddpmTitle, xLabel: 'x₁', yLabel: 'x₂', bounds });
  if (v?.ddpmSamples != null) scatter(g, v.ddpmSamples, '#b45309');
  // a sampler that cannot run a model: say so in its panel and under the menu
  const problem = v?.samplerProblem ?? { diffflow: null, ddpm: null };
  if (problem.diffflow !== null) note(f, 'this sampler cannot run DiffFlow (see the Sampler box)');
  if (problem.ddpm !== null) note(g, 'this sampler cannot run DDPM (see the Sampler box)');
  const lines = [problem.diffflow === null ? null : `DiffFlow: ${problem.diffflow}`, problem.ddpm === null ? null : `DDPM: ${problem.ddpm}`].filter((l) => l !== null);
  const box = $('sampler-problem');
  box.hidden = lines.length === 0;
  box.textContent = lines.join(' · ');
}

/** A red line of text in the middle of a figure's plot area. */
function note(f: Figure, text: string): void {
  f.ctx.save();
  f.ctx.fillStyle = '#b91c1c';
  f.ctx.font = '12px system-ui, sans-serif';
  f.ctx.textAlign = 'center';
  f.ctx.fillText(text, f.area.left + f.area.width / 2, f.area.top + f.area.height / 2);
  f.ctx.restore();
}

function drawDensity(): void {
  // the worker's map, or while it is computed the pretrained model's stored one
  const sight = heat === null ? sightDensity() : null;
  const map = heat ?? (sight === null ? null : { iteration: sight.iteration, bounds: sight.bounds, res: sight.density.res, logDensity: sight.density.logDensity });
  if (map === null) {
    // a new model trains its first seconds before its map is drawn (worker/refresh_schedule.ts)
    const title = state.running ? 'DiffFlow log-density (after the first seconds of training)' : 'DiffFlow log-density (computing…)';
    plot('density', { title, xLabel: 'x₁', yLabel: 'x₂', bounds: dataBounds() });
    return;
  }
  let hi = -Infinity;
  for (const v of map.logDensity) if (Number.isFinite(v)) hi = Math.max(hi, v);
  const f = plot('density', { title: `DiffFlow log p(x), iteration ${map.iteration}`, xLabel: 'x₁', yLabel: 'x₂', bounds: map.bounds });
  heatmap(f, map.logDensity, map.res, hi - 8, hi);
  colorBar(f, hi - 8, hi, 'log p(x)');
  if (heat !== null) drawn.set('density', { bounds: f.bounds, area: f.area, heatIteration: heat.iteration, session: state.sessions });
}

function drawLoss(): void {
  const a = state.diffflowCurve;
  const b = state.ddpmCurve;
  const all = [...a.losses, ...b.losses].filter(Number.isFinite);
  const its = [...a.iterations, ...b.iterations];
  const lo = all.length > 0 ? Math.min(...all) : 0;
  const hi = all.length > 0 ? Math.max(...all) : 1;
  const pad = 0.05 * (hi - lo || 1);
  const f = plot('loss-curve', {
    title: 'Training loss',
    xLabel: 'DiffFlow iteration (DDPM: same time)',
    yLabel: 'nats per sample',
    bounds: [Math.min(...its, 0), Math.max(10, ...its), lo - pad, hi + pad],
  });
  line(f, a.iterations, a.losses, '#1d4ed8');
  line(f, b.iterations, b.losses, '#b45309');
  legend(f, [
    { label: 'DiffFlow (trajectory bound)', color: '#1d4ed8' },
    { label: 'DDPM (L_simple)', color: '#b45309' },
  ]);
  if (a.iterations.length === 0 && state.iteration > 0) {
    // a CLI checkpoint (the pretrained models) brings no loss history: the curve starts at Train
    f.ctx.save();
    f.ctx.fillStyle = '#6b7280';
    f.ctx.font = '12px system-ui, sans-serif';
    f.ctx.textAlign = 'center';
    f.ctx.fillText(`trained to iteration ${state.iteration} by the CLI;`, f.area.left + f.area.width / 2, f.area.top + f.area.height / 2);
    f.ctx.fillText('the curve starts when you press Train', f.area.left + f.area.width / 2, f.area.top + f.area.height / 2 + 16);
    f.ctx.restore();
  }
}

function drawProcesses(): void {
  const v = state.visuals;
  const view = timeView(v?.forwardTimes ?? [], v?.backwardTimes ?? [], timeIndex);
  timeIndex = view.index;
  const slider = $<HTMLInputElement>('time');
  slider.max = String(view.max);
  slider.value = String(view.index);
  $('time-out').textContent = view.t === null ? '' : `t = ${view.t.toPrecision(3)} (forward i = ${view.forward} of ${(v?.forwardTimes.length ?? 1) - 1}, backward i = ${view.backward} of ${(v?.backwardTimes.length ?? 1) - 1})`;
  const fwd = plot('forward', { title: 'Learned forward process, x_t from data', xLabel: 'y₁ (model coordinates)', yLabel: 'y₂', bounds: MODEL_BOUNDS });
  const bwd = plot('backward', { title: 'Backward process (sampler), x_t from noise', xLabel: 'y₁ (model coordinates)', yLabel: 'y₂', bounds: MODEL_BOUNDS });
  const drift = plot('drift', { title: 'Learned forward drift f_θ(x, t)', xLabel: 'y₁ (model coordinates)', yLabel: 'y₂', bounds: MODEL_BOUNDS });
  if (v === null) return;
  const fColors = colorsByPosition(v.forward[0] as Float32Array);
  trails(fwd, v.forward, view.forward, fColors);
  scatter(fwd, v.forward[view.forward] as Float32Array, fColors, 2.2);
  // backward[i] is the sampler's state at its grid time i: it walks from i = M down to i
  const m = v.backward.length - 1;
  if (m < 0) note(bwd, 'this sampler cannot run DiffFlow');
  else {
    const bColors = colorsByPosition(v.backward[0] as Float32Array);
    trails(bwd, v.backward.slice().reverse(), m - view.backward, bColors);
    scatter(bwd, v.backward[view.backward] as Float32Array, bColors, 2.2);
  }
  quiver(drift, v.driftPoints, v.drift[Math.min(view.forward, v.drift.length - 1)] as Float32Array, 0.45);
}

function drawPlates(): void {
  const v = state.visuals;
  const n = v === null ? 0 : v.forward.length - 1;
  const picks = [0, Math.round(n / 4), Math.round(n / 2), Math.round((3 * n) / 4), n];
  const colors = v === null ? [] : colorsByPosition(v.forward[0] as Float32Array);
  picks.forEach((i, k) => {
    const t = v?.forwardTimes[i];
    const f = plot(`plate-${k}`, { title: `forward, t = ${t === undefined ? '–' : t.toPrecision(2)}`, xLabel: 'y₁', yLabel: 'y₂', bounds: MODEL_BOUNDS });
    if (v !== null) scatter(f, v.forward[i] as Float32Array, colors, 2);
  });
}

function drawFewSteps(): void {
  if (!$<HTMLDetailsElement>('few-steps').open) return;
  const bounds = dataBounds();
  FEW_STEPS.forEach((steps, k) => {
    const f = plot(`few-diffflow-${k}`, { title: `DiffFlow, N = ${steps}`, xLabel: 'x₁', yLabel: 'x₂', bounds });
    const d = few?.diffflow[k];
    if (d !== undefined) scatter(f, d, '#1d4ed8');
    const ddpm = few?.ddpm[k] ?? null;
    const g = plot(`few-ddpm-${k}`, { title: ddpm === null ? `DDPM, N = ${steps} (off)` : `DDPM, N = ${steps}`, xLabel: 'x₁', yLabel: 'x₂', bounds });
    if (ddpm !== null) scatter(g, ddpm, '#b45309');
  });
}

function drawStats(): void {
  const s = state;
  const fmt = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : '–');
  $('it').textContent = String(s.iteration);
  $('loss').textContent = fmt(s.loss, 3);
  $('rate').textContent = s.itPerSec > 0 ? fmt(s.itPerSec, 1) : '–';
  $('ddpm-it').textContent = String(s.ddpmIteration);
  $('ddpm-loss').textContent = fmt(s.ddpmCurve.losses.at(-1) ?? Number.NaN, 3);
  $('ddpm-rate').textContent = s.ddpmItPerSec > 0 ? fmt(s.ddpmItPerSec, 1) : '–';
  const what = s.settings === null ? (firstSight === null ? '' : ` · opening the pretrained ${firstSight.dataset === 'drawn' ? 'heart' : firstSight.dataset} (its stored samples shown)`) : ` · ${s.settings.dataset}, N = ${s.settings.steps}`;
  const hint = drawingChanged && datasetSelect.value === 'drawn' ? ' · Train learns your drawing (a new model)' : '';
  $('status').textContent = `${s.running ? 'training' : 'paused'}${what} · ${s.tensors} tensors${hint}`;
  $('train').textContent = s.running ? 'Pause' : drawingChanged && datasetSelect.value === 'drawn' ? 'Train on drawing' : s.iteration > 0 ? 'Resume' : 'Train';
  const err = $('error');
  err.textContent = s.error ?? '';
  err.classList.toggle('shown', s.error !== null);
  $('confirm').classList.toggle('shown', pending !== null);
  if (s.backend !== null) {
    const select = $<HTMLSelectElement>('backend');
    if (select.options.length !== s.backend.available.length) {
      select.innerHTML = '';
      for (const b of s.backend.available) select.add(new Option(b, b));
    }
    select.value = switchingTo ?? s.backend.name;
    $('backend-detail').textContent = switchingTo === null ? s.backend.detail : `switching to ${switchingTo}…`;
    $('backend-reason').textContent = switchingTo !== null || s.backend.reason === '' ? '' : `· ${s.backend.reason}`;
  }
}

// ---------------------------------------------------------------------------------------------
// reports

/** The page's parts, each redrawn only when what it shows changed (a progress report redraws two of them). */
const painters = {
  stats: () => drawStats(),
  loss: () => drawLoss(),
  data: () => drawData(),
  samples: () => drawSamples(),
  density: () => drawDensity(),
  processes: () => drawProcesses(),
  plates: () => drawPlates(),
  few: () => drawFewSteps(),
} as const;
type Part = keyof typeof painters;
const allParts = Object.keys(painters) as Part[];
/** What each report changes on screen. */
const partsOf: Partial<Record<PageAction['type'], Part[]>> = {
  progress: ['stats', 'loss'],
  status: ['stats', 'density'],
  backend: ['stats'],
  error: ['stats'],
  pageError: ['stats'],
  dismissError: ['stats'],
  settings: ['stats', 'samples', 'few'],
  visuals: ['data', 'samples', 'processes', 'plates', 'few'],
  heatmap: ['density'],
  fewSteps: ['few'],
  snapshot: [],
  checkpoint: [],
};

let frame = 0;
const dirty = new Set<Part>();
/** Redraws `parts` (all by default) on the next animation frame. */
function redraw(parts: readonly Part[] = allParts): void {
  for (const p of parts) dirty.add(p);
  if (frame !== 0) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    const now = [...dirty];
    dirty.clear();
    for (const p of now) painters[p]();
    // samples are on screen once the frame that drew them is done
    if (samplesDrawn !== null && firstSamplesMs === null) {
      firstSamplesMs = performance.now();
      firstSamplesFrom = samplesDrawn;
    }
    if (liveDrawn && liveSamplesMs === null) liveSamplesMs = performance.now();
  });
}
new ResizeObserver(() => redraw()).observe(document.querySelector('main') as HTMLElement);
matchMedia(`(resolution: ${devicePixelRatio}dppx)`).addEventListener('change', () => redraw());

function dispatch(action: PageAction): void {
  state = reduce(state, action);
  redraw(partsOf[action.type] ?? allParts);
}

/** When each kind of report first arrived, ms since navigation started (where the first second goes). */
const firstReports: Record<string, number> = {};

function onReport(r: Report): void {
  firstReports[r.type] ??= performance.now();
  // the worker's own plots of a model announced after the first sight was asked for replace it
  if (firstSight !== null && state.sessions > firstSight.sessions) {
    if (r.type === 'visuals') firstSight.liveSamples = true;
    if (r.type === 'heatmap') firstSight.liveDensity = true;
    if (firstSight.liveSamples && firstSight.liveDensity) firstSight = null;
  }
  if (r.type === 'heatmap') heat = r;
  if (r.type === 'backend') switchingTo = null;
  if (r.type === 'fewSteps') few = r;
  if (r.type === 'visuals' && $<HTMLDetailsElement>('few-steps').open) host.send({ type: 'fewSteps', steps: [...FEW_STEPS] });
  if (r.type === 'visuals' && !probed) {
    // the first plots are up: now list the backends and, unless the address names one, measure
    // them (the session moves if another is faster)
    probed = true;
    host.send({ type: 'probe', choose: wanted === null || !isBrowserBackend(wanted) });
    // and the backends that spare workers are kept for (the worker's own list queues behind its work)
    void availableBackends().then((b) => host.addAvailable(b));
  }
  if (r.type === 'session') {
    if (switchStarted !== null) {
      const last = switchLatencies.at(-1);
      if (last !== undefined) last.restored = performance.now() - switchStarted;
      switchStarted = null;
    }
    heat = null;
    few = null;
    pending = null;
    writeForm(r.settings);
    // a drawn model's cloud becomes the drawing (unless the user has drawn since)
    if (r.points !== null && r.settings.dataset === 'drawn' && !drawingChanged) strokes = pointsAsStrokes(r.points);
  }
  if (r.type === 'settings') writeForm(r.settings);
  if (r.type === 'checkpoint') {
    lastCheckpoint = { name: r.name, bytes: r.bytes.slice() };
    const url = URL.createObjectURL(new Blob([r.bytes as BlobPart], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = r.name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  dispatch(r);
}

/** A loaded drawn cloud shown as single-point strokes. */
function pointsAsStrokes(points: Float32Array): Stroke[] {
  const out: Stroke[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) out.push([[points[i] as number, points[i + 1] as number]]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// time slider, animation, panels

$<HTMLInputElement>('time').addEventListener('input', (e) => {
  timeIndex = Number((e.target as HTMLInputElement).value);
  redraw(['processes']);
});
$('play').addEventListener('click', () => {
  playing = !playing;
  $('play').textContent = playing ? '❚❚ Stop' : '▶ Animate';
  let direction = 1;
  let last = 0;
  const tick = (now: number): void => {
    if (!playing) return;
    const max = Number($<HTMLInputElement>('time').max);
    if (now - last > Math.max(60, 1500 / Math.max(1, max))) {
      last = now;
      if (timeIndex + direction > max || timeIndex + direction < 0) direction = -direction;
      timeIndex = Math.max(0, Math.min(max, timeIndex + direction));
      redraw(['processes']);
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});
$<HTMLDetailsElement>('few-steps').addEventListener('toggle', () => {
  if ($<HTMLDetailsElement>('few-steps').open) host.send({ type: 'fewSteps', steps: [...FEW_STEPS] });
  redraw(['few']);
});
$<HTMLDetailsElement>('explain').addEventListener('toggle', () => void renderMaths(), { once: true });

/** Typesets the explanation's equations with KaTeX, loaded only when the panel is first opened. */
async function renderMaths(): Promise<void> {
  const [{ default: katex }] = await Promise.all([import('katex'), import('katex/dist/katex.min.css')]);
  for (const el of document.querySelectorAll<HTMLElement>('#explain-body [data-tex]')) {
    katex.render(el.dataset['tex'] as string, el, { displayMode: true, throwOnError: false });
  }
}

// ---------------------------------------------------------------------------------------------
// start

const query = new URLSearchParams(location.search);
const initial = settingsFromQuery(query);
writeForm(initial);
$<HTMLInputElement>('lambda').value = String(defaultLambda);
$('lambda-out').textContent = String(defaultLambda);
const samplerChoice = samplerFromQuery(query.get('sampler'));
samplerSelect.value = samplerChoice.name;
showSamplerControls();
if (samplerChoice.problem !== null) dispatch({ type: 'pageError', message: samplerChoice.problem });
$<HTMLInputElement>('sample-steps').value = String(initial.steps);
$('sample-steps-out').textContent = String(initial.steps);
const wanted = query.get('backend');
/** The backends have been looked up (and measured when the address names none), once the first plots were up. */
let probed = false;
host.send(wanted !== null && isBrowserBackend(wanted) ? { type: 'init', backend: wanted, reason: `from the address (?backend=${wanted})` } : { type: 'init' });
if (initial.steps !== playgroundDefaults.steps || samplerChoice.name !== defaultPageSampler) host.send({ type: 'sampler', sampler: { ...sampler(), steps: initial.steps } });
void startModel(initial);
redraw();

/** For scripts and the end-to-end tests: the page's state, its last download and where its figures are. */
(window as unknown as { playground: unknown }).playground = {
  state: () => state,
  lastCheckpoint: () => lastCheckpoint,
  sampler,
  heat: () => (heat === null ? null : { iteration: heat.iteration, res: heat.res, bounds: heat.bounds }),
  figures: () => Object.fromEntries(drawn),
  time: () => {
    const v = state.visuals;
    return timeView(v?.forwardTimes ?? [], v?.backwardTimes ?? [], timeIndex);
  },
  pauseLatencies: () => [...pauseLatencies],
  resumeLatencies: () => [...resumeLatencies],
  switchLatencies: () => switchLatencies.map((l) => ({ ...l })),
  spareWorkers: () => host.spareWorkers(),
  snapshotIteration: () => host.latestSnapshot()?.iteration ?? null,
  drawnPointCount: () => drawnPoints().length / 2,
  firstSamplesMs: () => firstSamplesMs,
  liveSamplesMs: () => liveSamplesMs,
  firstSamplesFrom: () => firstSamplesFrom,
  storedSamples: () => (lastSight === null ? null : Array.from(lastSight.samples)),
  firstReports: () => ({ ...firstReports }),
  fewSteps: () => (few === null ? null : { iteration: few.iteration, steps: few.steps, ddpm: few.ddpm.map((d) => d !== null) }),
};
