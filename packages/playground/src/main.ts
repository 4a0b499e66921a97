/**
 * The page: controls, the drawing canvas and the plots. Training runs in `worker/worker.ts`; this
 * module only sends commands, folds the worker's reports into `PageState` (state.ts) and draws.
 */
import { toyNames } from '@diffflow/datasets/toy2d';
import { figure, heatmap, legend, line, quiver, scatter, trails, type Figure } from './plot/figure.js';
import { squareBounds, type Bounds } from '@diffflow/runs/plot';
import { initialState, reduce, type PageAction, type PageState } from './state.js';
import { MIN_DRAWN_POINTS, strokesToPoints, type Stroke } from './draw/drawing.js';
import { checkSettings, playgroundDefaults, type DatasetChoice, type PlaygroundSettings } from './settings.js';
import { starterShape } from './draw/starter.js';
import type { Command, Report } from './worker/protocol.js';
import type { BrowserBackend } from './worker/backend.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const MODEL_BOUNDS: Bounds = [-4, 4, -4, 4];
const DRAW_BOUNDS: Bounds = [-4, 4, -4, 4];
const DRAW_SPACING = 0.05;

const worker = new Worker(new URL('./worker/worker.ts', import.meta.url), { type: 'module' });
const send = (c: Command, transfer: Transferable[] = []): void => worker.postMessage(c, transfer);

let state: PageState = initialState;
let strokes: Stroke[] = starterShape();
let heat: Extract<Report, { type: 'heatmap' }> | null = null;
let timeIndex = 0;
let playing = false;
/** The session's settings differ from the form's: Train starts a new session. */
let dirty = true;
/** Checkpoints the page downloaded (the tests read the latest). */
let lastCheckpoint: { name: string; bytes: Uint8Array } | null = null;

// ---------------------------------------------------------------------------------------------
// form

const datasetSelect = $<HTMLSelectElement>('dataset');
for (const name of ['drawn', ...toyNames]) datasetSelect.add(new Option(name === 'drawn' ? 'drawn (your drawing)' : name, name));
const numberFields = ['steps', 'g', 'T', 'hidden', 'batch', 'seed'] as const;

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
    seed: num('seed'),
    ddpm: $<HTMLInputElement>('ddpm').checked,
  };
}

/**
 * The defaults with what the address overrides: `?dataset=moons&steps=20&g=0.3&T=0.1&hidden=32&batch=128&seed=1&ddpm=0`
 * (and `backend=webgpu|webgl|wasm|cpu`), so a configuration can be shared as a link.
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
    seed: num('seed', d.seed),
    ddpm: q.get('ddpm') === null ? d.ddpm : q.get('ddpm') !== '0',
  };
}

function drawnPoints(): Float32Array {
  return strokesToPoints(strokes, DRAW_SPACING);
}

/** Sends a new session for the form's settings; false (and an error shown) when they are invalid. */
function resetSession(): boolean {
  const settings = readForm();
  const problem = checkSettings(settings);
  if (problem !== null) {
    dispatch({ type: 'pageError', message: problem });
    return false;
  }
  let points: Float32Array | null = null;
  if (settings.dataset === 'drawn') {
    points = drawnPoints();
    if (points.length / 2 < MIN_DRAWN_POINTS) {
      dispatch({ type: 'pageError', message: `draw a shape first (at least ${MIN_DRAWN_POINTS} points; it has ${points.length / 2})` });
      return false;
    }
  }
  send({ type: 'reset', settings, points }, points === null ? [] : [points.buffer]);
  dirty = false;
  return true;
}

function sampler() {
  return {
    lambda: Number($<HTMLInputElement>('lambda').value),
    steps: Number($<HTMLInputElement>('sample-steps').value),
    n: 1000,
    seed: state.settings?.seed ?? 0,
  };
}

$('train').addEventListener('click', () => {
  if (state.running) {
    send({ type: 'pause' });
    return;
  }
  if (dirty && !resetSession()) return;
  send({ type: 'run' });
});
$('reset').addEventListener('click', () => void resetSession());
for (const k of [...numberFields, 'ddpm']) $(k).addEventListener('change', () => (dirty = true));
datasetSelect.addEventListener('change', () => {
  dirty = true;
  drawData();
});
$('clear-drawing').addEventListener('click', () => {
  strokes = [];
  dirty = true;
  datasetSelect.value = 'drawn';
  drawData();
});
$('starter-drawing').addEventListener('click', () => {
  strokes = starterShape();
  dirty = true;
  datasetSelect.value = 'drawn';
  drawData();
});
for (const id of ['lambda', 'sample-steps']) {
  $(id).addEventListener('input', () => {
    $(`${id}-out`).textContent = $<HTMLInputElement>(id).value;
  });
  $(id).addEventListener('change', () => {
    if (state.settings !== null) send({ type: 'sampler', sampler: sampler() });
  });
}
$<HTMLSelectElement>('backend').addEventListener('change', (e) => send({ type: 'setBackend', backend: (e.target as HTMLSelectElement).value as BrowserBackend }));
$('save').addEventListener('click', () => send({ type: 'save' }));
$('load').addEventListener('click', () => $<HTMLInputElement>('load-file').click());
$<HTMLInputElement>('load-file').addEventListener('change', async (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  if (file === undefined) return;
  const bytes = new Uint8Array(await file.arrayBuffer());
  input.value = '';
  send({ type: 'load', bytes, name: file.name }, [bytes.buffer]);
});
$('error').addEventListener('click', () => dispatch({ type: 'dismissError' }));

// ---------------------------------------------------------------------------------------------
// drawing

const drawCanvas = $<HTMLCanvasElement>('draw');
let drawFigure: Figure | null = null;
let stroke: [number, number][] | null = null;

function canvasPoint(e: MouseEvent): [number, number] {
  const rect = drawCanvas.getBoundingClientRect();
  return [((e.clientX - rect.left) * drawCanvas.width) / rect.width, ((e.clientY - rect.top) * drawCanvas.height) / rect.height];
}

drawCanvas.addEventListener('mousedown', (e) => {
  if (datasetSelect.value !== 'drawn' || drawFigure === null) return;
  const [cx, cy] = canvasPoint(e);
  stroke = [drawFigure.toData(cx, cy)];
  strokes.push(stroke);
  dirty = true;
  drawData();
});
drawCanvas.addEventListener('mousemove', (e) => {
  if (stroke === null || drawFigure === null) return;
  const [cx, cy] = canvasPoint(e);
  stroke.push(drawFigure.toData(cx, cy));
  drawData();
});
window.addEventListener('mouseup', () => (stroke = null));

// ---------------------------------------------------------------------------------------------
// plots

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

function dataBounds(): Bounds {
  if (datasetSelect.value === 'drawn' && (state.settings === null || state.settings.dataset === 'drawn')) return DRAW_BOUNDS;
  return state.visuals !== null ? squareBounds(state.visuals.data) : DRAW_BOUNDS;
}

function drawData(): void {
  const drawing = datasetSelect.value === 'drawn';
  const title = drawing ? 'Data: your drawing (drag to draw)' : `Data: ${datasetSelect.value}`;
  drawFigure = figure(drawCanvas, { title, xLabel: 'x₁', yLabel: 'x₂', bounds: drawing ? DRAW_BOUNDS : dataBounds() });
  if (drawing) {
    const pts = drawnPoints();
    scatter(drawFigure, pts, '#111', 2.2);
  } else if (state.visuals !== null && state.settings?.dataset === datasetSelect.value) {
    scatter(drawFigure, state.visuals.data, '#111');
  }
}

function drawSamples(): void {
  const v = state.visuals;
  const bounds = dataBounds();
  const s = v?.sampler;
  const tag = s === undefined ? '' : ` (N = ${s.steps}, λ = ${s.lambda})`;
  const f = figure($<HTMLCanvasElement>('samples'), { title: `DiffFlow samples${tag}`, xLabel: 'x₁', yLabel: 'x₂', bounds });
  if (v !== null) scatter(f, v.samples, '#1d4ed8');
  const ddpmTitle = state.settings?.ddpm === false ? 'DDPM samples (baseline off)' : `DDPM samples${s === undefined ? '' : ` (N = ${s.steps}, ancestral)`}`;
  const g = figure($<HTMLCanvasElement>('ddpm-samples'), { title: ddpmTitle, xLabel: 'x₁', yLabel: 'x₂', bounds });
  if (v?.ddpmSamples != null) scatter(g, v.ddpmSamples, '#b45309');
}

function drawDensity(): void {
  const canvas = $<HTMLCanvasElement>('density');
  if (heat === null) {
    figure(canvas, { title: 'DiffFlow log-density', xLabel: 'x₁', yLabel: 'x₂', bounds: dataBounds() });
    return;
  }
  let hi = -Infinity;
  for (const v of heat.logDensity) if (Number.isFinite(v)) hi = Math.max(hi, v);
  const f = figure(canvas, { title: `DiffFlow log p(x) (it ${heat.iteration}; max ${hi.toFixed(1)})`, xLabel: 'x₁', yLabel: 'x₂', bounds: heat.bounds });
  heatmap(f, heat.logDensity, heat.res, hi - 8, hi);
}

function drawLoss(): void {
  const a = state.diffflowCurve;
  const b = state.ddpmCurve;
  const all = [...a.losses, ...b.losses].filter(Number.isFinite);
  const its = [...a.iterations, ...b.iterations];
  const lo = all.length > 0 ? Math.min(...all) : 0;
  const hi = all.length > 0 ? Math.max(...all) : 1;
  const pad = 0.05 * (hi - lo || 1);
  const f = figure($<HTMLCanvasElement>('loss-curve'), {
    title: 'Training loss',
    xLabel: 'DiffFlow iteration (DDPM: same time)',
    yLabel: 'nats per sample',
    bounds: [0, Math.max(10, ...its), lo - pad, hi + pad],
  });
  line(f, a.iterations, a.losses, '#1d4ed8');
  line(f, b.iterations, b.losses, '#b45309');
  legend(f, [
    { label: 'DiffFlow (trajectory bound)', color: '#1d4ed8' },
    { label: 'DDPM (L_simple)', color: '#b45309' },
  ]);
}

function drawProcesses(): void {
  const v = state.visuals;
  const n = v === null ? 0 : v.forward.length - 1;
  const slider = $<HTMLInputElement>('time');
  slider.max = String(Math.max(0, n));
  timeIndex = Math.min(timeIndex, n);
  const t = v?.times[Math.min(timeIndex, v.times.length - 1)];
  $('time-out').textContent = t === undefined ? '' : `i = ${timeIndex}, t = ${t.toPrecision(3)}`;
  const fwd = figure($<HTMLCanvasElement>('forward'), { title: `Learned forward process, x_t from data`, xLabel: 'y₁ (model coordinates)', yLabel: 'y₂', bounds: MODEL_BOUNDS });
  const bwd = figure($<HTMLCanvasElement>('backward'), { title: `Backward process (sampler), x_t from noise`, xLabel: 'y₁ (model coordinates)', yLabel: 'y₂', bounds: MODEL_BOUNDS });
  const drift = figure($<HTMLCanvasElement>('drift'), { title: 'Learned forward drift f_θ(x, t)', xLabel: 'y₁ (model coordinates)', yLabel: 'y₂', bounds: MODEL_BOUNDS });
  if (v === null) return;
  const fColors = colorsByPosition(v.forward[0] as Float32Array);
  trails(fwd, v.forward, timeIndex, fColors);
  scatter(fwd, v.forward[timeIndex] as Float32Array, fColors, 2.2);
  // backward[i] is the state at grid time i: the sampler walks from i = N down to i.
  const m = v.backward.length - 1;
  const bi = Math.min(timeIndex, m);
  const bColors = colorsByPosition(v.backward[0] as Float32Array);
  const reversed = v.backward.slice().reverse();
  trails(bwd, reversed, m - bi, bColors);
  scatter(bwd, v.backward[bi] as Float32Array, bColors, 2.2);
  quiver(drift, v.driftPoints, v.drift[Math.min(timeIndex, v.drift.length - 1)] as Float32Array, 0.45);
}

function drawPlates(): void {
  const canvas = $<HTMLCanvasElement>('plates');
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const v = state.visuals;
  const n = v === null ? 0 : v.forward.length - 1;
  const picks = [...new Set([0, Math.round(n / 4), Math.round(n / 2), Math.round((3 * n) / 4), n])];
  const w = Math.floor(canvas.width / 5);
  const colors = v === null ? [] : colorsByPosition(v.forward[0] as Float32Array);
  picks.forEach((i, k) => {
    const panel = document.createElement('canvas');
    panel.width = w;
    panel.height = canvas.height;
    const t = v?.times[i];
    const f = figure(panel, { title: `forward snapshot t = ${t === undefined ? '–' : t.toPrecision(2)}`, xLabel: 'y₁', yLabel: 'y₂', bounds: MODEL_BOUNDS });
    if (v !== null) scatter(f, v.forward[i] as Float32Array, colors, 2);
    ctx.drawImage(panel, k * w, 0);
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
  $('status').textContent = `${s.running ? 'training' : 'paused'}${s.settings === null ? '' : ` · ${s.settings.dataset}, N = ${s.settings.steps}`} · ${s.tensors} tensors`;
  $('train').textContent = s.running ? 'Pause' : s.iteration > 0 && !dirty ? 'Resume' : 'Train';
  const err = $('error');
  err.textContent = s.error ?? '';
  err.classList.toggle('shown', s.error !== null);
  if (s.backend !== null) {
    const select = $<HTMLSelectElement>('backend');
    if (select.options.length !== s.backend.available.length) {
      select.innerHTML = '';
      for (const b of s.backend.available) select.add(new Option(b, b));
    }
    select.value = s.backend.name;
    $('backend-detail').textContent = s.backend.detail;
  }
}

// ---------------------------------------------------------------------------------------------
// reports

let frame = 0;
function redraw(): void {
  if (frame !== 0) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    drawStats();
    drawLoss();
    drawData();
    drawSamples();
    drawDensity();
    drawProcesses();
    drawPlates();
  });
}

function dispatch(action: PageAction): void {
  state = reduce(state, action);
  redraw();
}

worker.onmessage = (event: MessageEvent<Report>) => {
  const r = event.data;
  if (r.type === 'heatmap') heat = r;
  if (r.type === 'session') {
    heat = null;
    writeForm(r.settings);
    if (r.points !== null) strokes = pointsAsStrokes(r.points);
    $<HTMLInputElement>('sample-steps').value = String(r.settings.steps);
    $('sample-steps-out').textContent = String(r.settings.steps);
    dirty = false;
  }
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
};
worker.onerror = (e) => dispatch({ type: 'pageError', message: `worker: ${e.message}` });

/** A loaded drawn cloud shown as single-point strokes. */
function pointsAsStrokes(points: Float32Array): Stroke[] {
  const out: Stroke[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) out.push([[points[i] as number, points[i + 1] as number]]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// time slider and animation

$<HTMLInputElement>('time').addEventListener('input', (e) => {
  timeIndex = Number((e.target as HTMLInputElement).value);
  redraw();
});
$('play').addEventListener('click', () => {
  playing = !playing;
  $('play').textContent = playing ? '❚❚ Stop' : '▶ Animate';
  let direction = 1;
  let last = 0;
  const tick = (now: number): void => {
    if (!playing) return;
    const n = state.visuals === null ? 0 : state.visuals.forward.length - 1;
    if (now - last > Math.max(60, 1500 / Math.max(1, n))) {
      last = now;
      if (timeIndex + direction > n || timeIndex + direction < 0) direction = -direction;
      timeIndex = Math.max(0, Math.min(n, timeIndex + direction));
      $<HTMLInputElement>('time').value = String(timeIndex);
      redraw();
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});

// ---------------------------------------------------------------------------------------------
// start

writeForm(settingsFromQuery(new URLSearchParams(location.search)));
$<HTMLInputElement>('lambda').value = '1';
$('lambda-out').textContent = '1';
$<HTMLInputElement>('sample-steps').value = $<HTMLInputElement>('steps').value;
$('sample-steps-out').textContent = $<HTMLInputElement>('steps').value;
const wanted = new URLSearchParams(location.search).get('backend');
send(wanted === null ? { type: 'init' } : { type: 'init', backend: wanted as BrowserBackend });
resetSession();
redraw();

/** For scripts and the end-to-end tests: the page's state and the last checkpoint it downloaded. */
(window as unknown as { playground: unknown }).playground = {
  state: () => state,
  lastCheckpoint: () => lastCheckpoint,
  sampler,
};
