/**
 * The built playground in Debian's headless Chromium (playwright-core driving the system browser;
 * nothing is downloaded): it opens on a pretrained model with trained samples before any click,
 * picks wasm here by measurement and says why, loads without console errors, trains on wasm and on
 * WebGL (SwiftShader here) with finite, falling loss, learns from a shape drawn with mouse events
 * and draws from touch, keeps the iteration when the DDPM baseline is switched on, pauses within a
 * second on cpu, switches backends within a second into spare workers, scrubs time with sampler steps ≠ N, keeps a new model's density map
 * back during its first seconds of training, draws the log-density after an upload and a
 * backend switch on the samples' axes with a colour bar, draws sharp canvases at DPR 2 and lays
 * out from 360 px to 1400 px, downloads a checkpoint that Node's library code loads and samples
 * identically, and refuses a malformed upload without changing anything.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import * as E from 'fp-ts/lib/Either.js';
import { fixedGrid } from '@diffflow/sde-core';
import { sampleMarginal } from '@diffflow/likelihood';
import { purposeSeed, namedParameters } from '@diffflow/training';
import { assignTensors, decodeCheckpoint } from '@diffflow/runs';
import type { PageState } from '../src/state.js';
import { drawnShapeDefaults, playgroundDefaults } from '../src/settings.js';
import { toyModel } from '@diffflow/experiment-toy2d/browser';

/** Debian's chromium (CI installs it in .ci/run), or CHROMIUM_PATH. */
function chromiumPath(): string {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  return execFileSync('which', ['chromium']).toString().trim();
}

/** WebGL through SwiftShader (no GPU here); the flags are harmless where a GPU exists. */
const CHROMIUM_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--no-sandbox'];

let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
});

interface Opened {
  readonly page: Page;
  readonly errors: string[];
}

type PageOptions = Parameters<Browser['newPage']>[0];

async function open(query: string, url = inject('isolatedUrl'), options: PageOptions = {}): Promise<Opened> {
  const page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1400, height: 1000 }, ...options });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}${query}`);
  // The page starts a session for the address's settings at once: wait for its first plots.
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { playground?: { state(): PageState } }).playground?.state();
      return s !== undefined && s.backend !== null && s.sessions >= 1 && s.visuals !== null;
    },
    undefined,
    { timeout: 90_000 },
  );
  return { page, errors };
}

const state = (page: Page): Promise<PageState> => page.evaluate(() => (window as unknown as { playground: { state(): PageState } }).playground.state());

/** What the page exposes for tests beyond its state (main.ts). */
interface Hooks {
  state(): PageState;
  heat(): { iteration: number; res: number; bounds: number[] } | null;
  figures(): Record<string, { bounds: number[]; area: { left: number; top: number; width: number; height: number }; heatIteration?: number; session?: number }>;
  time(): { index: number; max: number; t: number | null; forward: number; backward: number };
  drawnPointCount(): number;
}
const hooks = <T>(page: Page, f: (h: Hooks) => T): Promise<T> =>
  page.evaluate(`(${f.toString()})(window.playground)`) as Promise<T>;

/** Clicks Train and waits until DiffFlow has done `iterations` iterations, then pauses. */
async function trainFor(page: Page, iterations: number): Promise<PageState> {
  await page.click('#train');
  await page.waitForFunction((n) => (window as unknown as { playground: { state(): PageState } }).playground.state().iteration >= n, iterations, {
    timeout: 90_000,
  });
  await page.click('#train'); // pause
  await page.waitForFunction(() => !(window as unknown as { playground: { state(): PageState } }).playground.state().running);
  return state(page);
}

/** Loss of the first and the last five logged iterations. */
function lossEnds(s: PageState): { first: number; last: number } {
  const l = s.diffflowCurve.losses;
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { first: mean(l.slice(0, 5)), last: mean(l.slice(-5)) };
}

/** Fraction of a canvas's plot area (inside the axes' margins) that is not white. */
function inkOf(canvasId: string): number {
  const c = document.getElementById(canvasId) as HTMLCanvasElement;
  const k = c.width / Math.max(1, c.clientWidth);
  const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(Math.round(50 * k), Math.round(30 * k), Math.round(c.width - 62 * k), Math.round(c.height - 66 * k)).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) if ((d[i] as number) + (d[i + 1] as number) + (d[i + 2] as number) < 600) ink++;
  return ink / (d.length / 4);
}

/** Waits (up to 10 s) until a canvas shows at least `least` ink: the page draws on its next animation frame. */
async function waitForInk(page: Page, id: string, least: number): Promise<void> {
  await page.waitForFunction(`(${inkOf.toString()})(${JSON.stringify(id)}) > ${least}`, undefined, { timeout: 10_000 });
}

/** Clicks Reset (new models for the form's settings) and waits for the new session's plots. */
async function resetAndWait(page: Page): Promise<PageState> {
  const sessions = (await state(page)).sessions;
  await page.click('#reset');
  await page.waitForFunction((n) => {
    const s = (window as unknown as { playground: { state(): PageState } }).playground.state();
    return s.sessions > n && s.visuals !== null;
  }, sessions);
  return state(page);
}

/** Small models, so that SwiftShader's WebGL and a loaded 2-core CI machine finish in time. */
const SMALL = 'hidden=32&batch=128&steps=6';

describe('the built playground in headless Chromium', () => {
  it('opens on a pretrained model: trained samples before any click, wasm picked by measurement with the reason shown', async () => {
    const { page, errors } = await open('');
    const s = await state(page);
    // the starter heart's pretrained model (npx nx run playground:pretrain), not a fresh one
    expect(s.settings?.dataset).toBe('drawn');
    expect(s.iteration).toBeGreaterThanOrEqual(100);
    expect(s.running).toBe(false);
    expect(s.diffflowCurve.iterations.length).toBe(0); // a CLI checkpoint brings no page history
    await waitForInk(page, 'samples', 0.002);
    expect((await state(page)).sessions).toBe(1); // drawn before any click: nothing but the pretrained model
    // no GPU here: WebGL is SwiftShader, so wasm, and the header says why (after the first plots:
    // the page starts on wasm and measures the others then)
    await page.waitForFunction(() => /software-rendered/.test(document.getElementById('backend-reason')?.textContent ?? ''), undefined, { timeout: 30_000 });
    expect((await state(page)).backend?.name).toBe('wasm');
    expect(await page.locator('#backend-reason').textContent()).toMatch(/WebGL is software-rendered here \(SwiftShader\); using wasm/);
    // the density map follows on its own, with the samples' axes
    await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.heat() !== null, undefined, { timeout: 60_000 });
    // the explanation typesets its equations when opened
    await page.click('#explain summary');
    await page.waitForFunction(() => document.querySelectorAll('#explain-body .katex').length >= 4);
    // the pretrained heart keeps the page's settings; a new model of it (Reset) takes the drawn-shape
    // defaults, which learn it in about half the iterations (docs/results/playground.md)
    expect(s.settings?.g).toBe(playgroundDefaults.g);
    const fresh = await resetAndWait(page);
    expect(fresh.iteration).toBe(0);
    expect(fresh.settings).toMatchObject(drawnShapeDefaults);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each([
    ['the heart (no query; its file fetched by index.html)', ''],
    ['moons', '?dataset=moons'],
  ])('%s: shows the pretrained model\'s stored samples before its worker is up, and the worker\'s first samples are the same draw', async (_label, query) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${inject('isolatedUrl')}${query}`);
    type Early = { firstSamplesFrom(): string | null; firstSamplesMs(): number | null; liveSamplesMs(): number | null; firstReports(): Record<string, number>; storedSamples(): number[] | null };
    await page.waitForFunction(() => (window as unknown as { playground?: Early }).playground?.liveSamplesMs() != null, undefined, { timeout: 90_000 });
    const early = await page.evaluate(() => {
      const p = (window as unknown as { playground: Early & { state(): PageState } }).playground;
      return { from: p.firstSamplesFrom(), first: p.firstSamplesMs(), live: p.liveSamplesMs(), worker: p.firstReports()['backend'], stored: p.storedSamples(), samples: Array.from(p.state().visuals?.samples ?? []) };
    });
    // the first samples on screen were the stored ones, before the worker's own
    expect(early.from).toBe('stored');
    expect(early.first as number).toBeLessThan(early.live as number);
    // the same model, sampler and seed: the worker's draw equals the stored one (4 decimals, float32 on another machine's wasm)
    expect(early.stored?.length).toBe(early.samples.length);
    const diff = early.samples.reduce((m, v, i) => Math.max(m, Math.abs(v - ((early.stored as number[])[i] as number))), 0);
    expect(diff).toBeLessThan(1e-3);
    console.log(`[playground e2e] first sight ${query || '(heart)'}: stored samples at ${early.first?.toFixed(0)} ms, worker's backend at ${early.worker?.toFixed(0)} ms, its samples at ${early.live?.toFixed(0)} ms (max difference ${diff.toExponential(1)})`);
    await page.close();
  });

  it('does not show stored samples under another sampler than they were drawn with (?sampler=heun)', async () => {
    const { page } = await open('?sampler=heun');
    await page.waitForFunction(() => (window as unknown as { playground: { liveSamplesMs(): number | null } }).playground.liveSamplesMs() !== null);
    expect(await page.evaluate(() => (window as unknown as { playground: { firstSamplesFrom(): string | null } }).playground.firstSamplesFrom())).toBe('worker');
    await page.close();
  });

  it('works under any base path: served from /diffflow-playground/ without headers, it opens on the pretrained model', async () => {
    const url = inject('subpathUrl');
    expect(new URL(url).pathname).toBe('/diffflow-playground/');
    const { page, errors } = await open('', url);
    const s = await state(page);
    expect(s.iteration).toBeGreaterThanOrEqual(100);
    expect(s.backend?.detail).toMatch(/single-threaded/);
    await waitForInk(page, 'samples', 0.002);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('ticking the DDPM baseline keeps the model and its iteration; training goes on from there', async () => {
    const { page, errors } = await open(`?backend=wasm&dataset=moons&${SMALL}&ddpm=0`);
    const before = await trainFor(page, 5);
    await page.click('#ddpm');
    await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.state().settings?.ddpm === true);
    const after = await state(page);
    expect(after.iteration).toBe(before.iteration);
    expect(after.sessions).toBe(before.sessions);
    expect(after.diffflowCurve).toEqual(before.diffflowCurve);
    const more = await trainFor(page, before.iteration + 3);
    expect(more.ddpmIteration).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a setting that defines the model asks first: keeping the model restores the form, starting one resets it', async () => {
    const { page } = await open(`?backend=wasm&dataset=moons&${SMALL}&ddpm=0`);
    const before = await trainFor(page, 3);
    await page.fill('#hidden', '16');
    await page.locator('#hidden').dispatchEvent('change');
    await page.locator('#confirm').waitFor({ state: 'visible' });
    expect(await page.locator('#confirm-text').textContent()).toMatch(/^width defines the model/);
    await page.click('#confirm-no');
    await page.locator('#confirm').waitFor({ state: 'hidden' });
    expect(await page.inputValue('#hidden')).toBe('32');
    expect((await state(page)).iteration).toBe(before.iteration);
    await page.fill('#hidden', '16');
    await page.locator('#hidden').dispatchEvent('change');
    await page.click('#confirm-yes');
    await page.waitForFunction((n) => (window as unknown as { playground: Hooks }).playground.state().sessions > n, before.sessions);
    const after = await state(page);
    expect(after.settings?.hidden).toBe(16);
    expect(after.iteration).toBe(0);
    await page.close();
  });

  it('pauses within a second on cpu, also mid-iteration (the busy worker is replaced by one restored from its last snapshot)', async () => {
    // width 64 and B = 512 on plain JavaScript: iterations of seconds, so the pause lands inside one
    const { page, errors } = await open(`?backend=cpu&dataset=moons&hidden=64&batch=512&steps=10&ddpm=0`);
    const start = (await state(page)).iteration;
    await page.click('#train');
    await page.waitForFunction((n) => (window as unknown as { playground: Hooks }).playground.state().iteration >= n + 1, start, { timeout: 120_000 });
    const t0 = Date.now();
    await page.click('#train');
    await page.waitForFunction(() => !(window as unknown as { playground: Hooks }).playground.state().running, undefined, { timeout: 10_000 });
    const endToEnd = Date.now() - t0;
    // the page's own clock, click event → paused (playwright's click and polling add their own time under load)
    const [inPage] = await hooks(page, (h) => (h as unknown as { pauseLatencies(): number[] }).pauseLatencies());
    console.log(`[playground e2e] pause on cpu: ${inPage?.toFixed(0)} ms in the page, ${endToEnd} ms through playwright`);
    expect(inPage).toBeLessThan(1000);
    // the model is back, paused on cpu: plots of an iteration ≥ the one training started from
    await page.waitForFunction((n) => {
      const s = (window as unknown as { playground: Hooks }).playground.state();
      return s.visuals !== null && s.visuals.iteration >= n && !s.running;
    }, start, { timeout: 120_000 });
    expect((await state(page)).backend?.name).toBe('cpu');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('switches backends within a second through spare workers: wasm → cpu → wasm, each into a spare started while idle, training and its iteration kept', async () => {
    const { page, errors } = await open(`?backend=wasm&dataset=moons&${SMALL}&ddpm=0`);
    type SwitchHooks = {
      state(): PageState;
      spareWorkers(): { backend: string; ready: boolean }[];
      snapshotIteration(): number | null;
      switchLatencies(): { stopped: number; restored: number; from: string }[];
    };
    const spareUp = (to: string) =>
      page.waitForFunction((t) => (window as unknown as { playground: SwitchHooks }).playground.spareWorkers().some((w) => w.backend === t && w.ready), to, { timeout: 90_000 });
    const switchTo = async (to: string, k: number) => {
      await spareUp(to);
      const before = (await state(page)).iteration;
      const snapshotBefore = (await page.evaluate(() => (window as unknown as { playground: SwitchHooks }).playground.snapshotIteration())) ?? 0;
      await page.selectOption('#backend', to);
      // the iteration the model is announced with on the new backend
      const restored = await page.waitForFunction(
        ([t, n]) => {
          const p = (window as unknown as { playground: SwitchHooks }).playground;
          const s = p.state();
          return s.backend?.name === t && Number.isFinite(p.switchLatencies()[n as number]?.restored) ? s.iteration : false;
        },
        [to, k] as const,
        { timeout: 90_000, polling: 10 },
      );
      const atRestore = (await restored.jsonValue()) as number;
      const latency = (await page.evaluate(() => (window as unknown as { playground: SwitchHooks }).playground.switchLatencies()))[k];
      console.log(`[playground e2e] switch to ${to}: old worker stopped ${latency?.stopped.toFixed(0)} ms, model back ${latency?.restored.toFixed(0)} ms, into a ${latency?.from} worker`);
      expect(latency?.from).toBe('spare');
      // the goal is 1 s (the page's clock, menu → the model announced on the new backend); what
      // is left after a spare is the snapshot's last ≤ 0.3 s and the restore
      expect(latency?.restored).toBeLessThan(1000);
      // the model came along (at least the snapshot the page held at the switch), and training goes on past the switch
      expect(atRestore).toBeGreaterThanOrEqual(Math.max(1, snapshotBefore));
      await page.waitForFunction((n) => (window as unknown as { playground: SwitchHooks }).playground.state().iteration > n, before, { timeout: 60_000 });
    };
    await page.click('#train');
    // a snapshot of a trained model (≥ 5 iterations) in the page's memory before the switch
    await page.waitForFunction(() => ((window as unknown as { playground: SwitchHooks }).playground.snapshotIteration() ?? 0) >= 5, undefined, { timeout: 60_000 });
    await switchTo('cpu', 0);
    // the old backend's spare is started again after the new worker's plots, so switching back is as quick
    await switchTo('wasm', 1);
    expect((await state(page)).diffflowCurve.iterations.length).toBeGreaterThan(3);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the sampler menu lists the registry; heun draws samples, dpm-solver says it cannot run DiffFlow (but runs the VP DDPM); training is kept', async () => {
    const { page, errors } = await open(`?backend=wasm&dataset=moons&${SMALL}&ddpm=1`);
    const before = await trainFor(page, 5);
    const options = await page.locator('#sampler-kind option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, (o as HTMLOptionElement).title]));
    expect(options.map(([name]) => name)).toEqual(['euler-maruyama', 'heun', 'predictor-corrector', 'dpm-solver', 'dpm-solver-sde', 'ddpm-ancestral', 'rk45']);
    expect(options.every(([, title]) => (title ?? '').length > 10)).toBe(true);
    expect(await page.locator('#lambda-row').isVisible()).toBe(true);
    const chosen = (name: string) => page.waitForFunction((n) => (window as unknown as { playground: Hooks }).playground.state().visuals?.sampler.spec.name === n, name, { timeout: 30_000 });

    await page.selectOption('#sampler-kind', 'heun');
    await chosen('heun');
    expect(await page.locator('#lambda-row').isVisible()).toBe(false); // heun has no λ
    await waitForInk(page, 'samples', 0.002);
    const problem = page.locator('#sampler-problem');
    await problem.waitFor({ state: 'hidden', timeout: 30_000 }); // the menu's note follows the state on the next paint

    await page.selectOption('#sampler-kind', 'dpm-solver');
    await chosen('dpm-solver');
    await problem.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await problem.textContent()).toMatch(/DiffFlow: sampler 'dpm-solver' needs an SDE with a fixed linear drift/);
    const s = await state(page);
    expect(s.visuals?.samples.length).toBe(0);
    expect(s.visuals?.samplerProblem.ddpm).toBeNull(); // the DDPM baseline is a VP SDE: dpm-solver runs it
    expect(s.visuals?.ddpmSamples?.length).toBe(2000);
    // changing the sampler redraws the samples only: the same model at the same iteration
    expect(s.iteration).toBe(before.iteration);
    expect(s.sessions).toBe(before.sessions);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the time slider reaches T on both processes when the sampler steps (100) differ from N (6)', async () => {
    const { page } = await open(`?backend=wasm&dataset=moons&${SMALL}&ddpm=0`);
    await page.locator('#sample-steps').fill('100');
    await page.locator('#sample-steps').dispatchEvent('change');
    await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.state().visuals?.sampler.steps === 100);
    await page.locator('#time').fill('100');
    await page.locator('#time').dispatchEvent('input');
    const end = await hooks(page, (h) => h.time());
    expect(end).toMatchObject({ index: 100, max: 100, forward: 6, backward: 100 });
    expect(end.t).toBeCloseTo(0.05, 6);
    await page.locator('#time').fill('0');
    await page.locator('#time').dispatchEvent('input');
    expect(await hooks(page, (h) => h.time())).toMatchObject({ index: 0, forward: 0, backward: 0 });
    await page.close();
  });

  it('a new model: its density map comes after a second idle, then waits while its first seconds train (samples refreshing), then follows', async () => {
    const { page, errors } = await open(`?backend=wasm&${SMALL}&ddpm=0`);
    await resetAndWait(page);
    // left idle, the new model's map is drawn (iteration 0)
    await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.heat()?.iteration === 0, undefined, { timeout: 60_000 });
    await page.click('#train');
    // three refreshes of the samples while training (≈ 1.5 s apart), and no map of the trained model
    // yet: the map waits for NEW_MODEL_MAP_WAIT_MS (10 s) of training (worker/refresh_schedule.ts);
    // without the wait a map would come 4 s after the idle one, before the third refresh
    let seen = 0;
    for (let k = 0; k < 3; k++) {
      await page.waitForFunction((v) => ((window as unknown as { playground: Hooks }).playground.state().visuals?.iteration ?? 0) > v, seen, { timeout: 60_000 });
      seen = (await state(page)).visuals?.iteration ?? 0;
      expect((await hooks(page, (h) => h.heat()))?.iteration).toBe(0);
    }
    expect(await page.evaluate(() => (window as unknown as { playground: Hooks }).playground.state().running)).toBe(true);
    // then the trained model's map follows on its own
    await page.waitForFunction(() => ((window as unknown as { playground: Hooks }).playground.heat()?.iteration ?? 0) > 0, undefined, { timeout: 120_000 });
    await page.click('#train'); // pause
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the log-density after an upload and after a backend switch, on the samples\' axes, with a colour bar', async () => {
    const { page, errors } = await open(`?backend=wasm&dataset=moons&${SMALL}&ddpm=0`);
    await trainFor(page, 4);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    const path = join(await mkdtemp(join(tmpdir(), 'playground-')), 'moons.bin');
    await download.saveAs(path);
    const sessions = (await state(page)).sessions;
    await page.setInputFiles('#load-file', path);
    await page.waitForFunction((n) => (window as unknown as { playground: Hooks }).playground.state().sessions > n, sessions);
    await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.heat() !== null, undefined, { timeout: 60_000 });
    const loaded = await state(page);
    expect(loaded.diffflowCurve.iterations.length).toBeGreaterThanOrEqual(4); // the history came back with the file
    const beforeSwitch = (await state(page)).sessions;
    await page.selectOption('#backend', 'cpu');
    // the model announced again on cpu (a spare worker reports its backend before the model is back), then its map
    await page.waitForFunction((n) => {
      const p = (window as unknown as { playground: Hooks }).playground;
      return p.state().backend?.name === 'cpu' && p.state().sessions > n && p.heat() !== null && p.state().iteration >= 4;
    }, beforeSwitch, { timeout: 90_000 });
    // and drawn (on the next animation frame)
    await page.waitForFunction(() => {
      const p = (window as unknown as { playground: Hooks }).playground;
      return p.figures()['density']?.session === p.state().sessions;
    });
    const figs = await hooks(page, (h) => h.figures());
    expect(figs['density']?.bounds).toEqual(figs['samples']?.bounds);
    expect(figs['density']?.area).toEqual(figs['samples']?.area);
    // the colour bar's ramp (its brightest yellow at the top) sits in the density plot's top-right
    // corner: figure.ts's colorBar at 10 px from the right margin, its bar from x = right − 72 to − 62
    const barYellow = await page.evaluate(() => {
      const c = document.getElementById('density') as HTMLCanvasElement;
      const k = c.width / c.clientWidth;
      const d = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(Math.round(c.width - 67 * k), Math.round(45 * k), 1, 1).data;
      return [d[0], d[1], d[2]];
    });
    expect(barYellow[0]).toBeGreaterThan(200);
    expect(barYellow[2]).toBeLessThan(120);
    expect((await state(page)).diffflowCurve.iterations.length).toBeGreaterThanOrEqual(4); // and survived the switch
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a touch drag draws on the data plot (pointer events)', async () => {
    const { page, errors } = await open(`?backend=wasm&${SMALL}&ddpm=0`, inject('isolatedUrl'), { hasTouch: true, isMobile: true, viewport: { width: 390, height: 844 } });
    // cross-origin isolated: tfjs's threaded wasm (a shared heap), and the networks' kernels built for it
    expect((await state(page)).backend?.detail).toMatch(/multi-threaded.*DiffFlow's SIMD kernels/);
    await page.click('#clear-drawing');
    expect(await hooks(page, (h) => h.drawnPointCount())).toBe(0);
    await page.locator('#draw').scrollIntoViewIfNeeded();
    const box = (await page.locator('#draw').boundingBox()) as { x: number; y: number; width: number; height: number };
    const cdp = await page.context().newCDPSession(page);
    const at = (k: number) => [{ x: box.x + (0.3 + 0.04 * k) * box.width, y: box.y + 0.5 * box.height }];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
    for (let k = 1; k <= 10; k++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(k) });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    // a 3.2-unit stroke resampled every 0.05: about 60 points
    expect(await hooks(page, (h) => h.drawnPointCount())).toBeGreaterThan(40);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws its canvases at the device pixel ratio (DPR 2: twice the CSS pixels)', async () => {
    const { page } = await open(`?backend=wasm&dataset=moons&${SMALL}`, inject('isolatedUrl'), { deviceScaleFactor: 2 });
    const sizes = await page.evaluate(() => [...document.querySelectorAll<HTMLCanvasElement>('canvas.plot')].filter((c) => c.checkVisibility()).map((c) => ({ id: c.id, w: c.width, css: c.clientWidth, h: c.height, cssH: c.clientHeight })));
    expect(sizes.length).toBeGreaterThanOrEqual(13);
    for (const s of sizes) {
      expect(Math.abs(s.w - 2 * s.css), s.id).toBeLessThanOrEqual(1);
      expect(Math.abs(s.h - 2 * s.cssH), s.id).toBeLessThanOrEqual(1);
    }
    await page.close();
  });

  for (const width of [360, 1400]) {
    it(`lays out at ${width} px: no plot smaller than its minimum (screenshot in the temp folder)`, async () => {
      const { page } = await open(`?backend=wasm&dataset=moons&${SMALL}`, inject('isolatedUrl'), { viewport: { width, height: 900 } });
      await page.click('#few-steps summary');
      const canvases = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLCanvasElement>('canvas.plot')].map((c) => ({ id: c.id, w: c.clientWidth, h: c.clientHeight, small: c.closest('.strip') !== null })),
      );
      for (const c of canvases) {
        expect(c.w, c.id).toBeGreaterThanOrEqual(c.small ? 140 : 280);
        expect(c.h, c.id).toBeGreaterThanOrEqual(c.small ? 140 : 260);
      }
      // nothing wider than the window
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const shot = join(tmpdir(), `playground-${width}px.png`);
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`[playground e2e] screenshot: ${shot}`);
      await page.close();
    });
  }

  it('loads with no console errors and trains on wasm: ≥ 20 iterations, finite falling loss, samples drawn', async () => {
    const { page, errors } = await open(`?backend=wasm&dataset=8gaussians&${SMALL}&ddpm=1`);
    expect((await state(page)).backend?.name).toBe('wasm');
    const s = await trainFor(page, 20);
    expect(s.iteration).toBeGreaterThanOrEqual(20);
    expect(s.diffflowCurve.losses.every(Number.isFinite)).toBe(true);
    const { first, last } = lossEnds(s);
    expect(last).toBeLessThan(first);
    expect(s.ddpmIteration).toBeGreaterThan(0);
    await page.waitForFunction(() => (window as unknown as { playground: { state(): PageState } }).playground.state().visuals !== null);
    await waitForInk(page, 'samples', 0.002);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trains on WebGL (SwiftShader): ≥ 20 iterations, finite falling loss', async () => {
    const { page, errors } = await open(`?backend=webgl&dataset=8gaussians&${SMALL}&ddpm=0`);
    expect((await state(page)).backend?.name).toBe('webgl');
    const s = await trainFor(page, 20);
    expect(s.diffflowCurve.losses.every(Number.isFinite)).toBe(true);
    const { first, last } = lossEnds(s);
    expect(last).toBeLessThan(first);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('trains on a shape drawn with mouse events', async () => {
    const { page, errors } = await open(`?backend=wasm&${SMALL}&ddpm=0`, inject('plainUrl'));
    // Served without the cross-origin-isolation headers: wasm runs, single-threaded, with the networks' own kernels.
    expect((await state(page)).backend?.detail).toMatch(/single-threaded.*DiffFlow's SIMD kernels/);
    await page.click('#clear-drawing');
    const box = (await page.locator('#draw').boundingBox()) as { x: number; y: number; width: number; height: number };
    // An "L": down the left side, then along the bottom.
    await page.mouse.move(box.x + 0.35 * box.width, box.y + 0.25 * box.height);
    await page.mouse.down();
    for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + 0.35 * box.width, box.y + (0.25 + 0.05 * k) * box.height);
    for (let k = 1; k <= 10; k++) await page.mouse.move(box.x + (0.35 + 0.03 * k) * box.width, box.y + 0.75 * box.height);
    await page.mouse.up();
    const before = await resetAndWait(page);
    expect(before.settings?.dataset).toBe('drawn');
    // a drawing of the user's gets the drawn-shape defaults (g, learning rate), shown in the form
    expect(before.settings).toMatchObject(drawnShapeDefaults);
    expect(Number(await page.inputValue('#g'))).toBe(drawnShapeDefaults.g);
    // The drawn cloud is what the worker trains on: an L inside x₁ < 0, spanning x₂ from about 2 to −2.
    const data = before.visuals?.data as Float32Array;
    const xs = Array.from(data).filter((_, i) => i % 2 === 0);
    const ys = Array.from(data).filter((_, i) => i % 2 === 1);
    expect(Math.min(...xs)).toBeLessThan(-0.8);
    expect(Math.max(...ys) - Math.min(...ys)).toBeGreaterThan(2.5);
    const s = await trainFor(page, 20);
    expect(s.settings?.dataset).toBe('drawn');
    const { first, last } = lossEnds(s);
    expect(last).toBeLessThan(first);
    await waitForInk(page, 'samples', 0.002);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('downloads a checkpoint that Node loads through the library and samples identically (same seed)', async () => {
    const { page } = await open(`?backend=wasm&dataset=moons&${SMALL}`);
    await trainFor(page, 10);
    await page.waitForFunction(() => {
      const s = (window as unknown as { playground: { state(): PageState } }).playground.state();
      return s.visuals !== null && s.visuals.iteration === s.iteration;
    });
    const s = await state(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save')]);
    const dir = await mkdtemp(join(tmpdir(), 'playground-'));
    const path = join(dir, 'checkpoint.bin');
    await download.saveAs(path);
    await page.close();

    const ckpt = decodeCheckpoint(new Uint8Array(await readFile(path)), path);
    if (E.isLeft(ckpt)) throw new Error(ckpt.left.reason);
    const meta = ckpt.right.meta as { config: { dataset: string; hidden: number; layers: number; g: number; seed: number; steps: number; tMin: number; T: number; beta: number }; iteration: number; normalizer: { scale: number; mean: number[]; std: number[] } };
    expect(meta.iteration).toBe(s.iteration);
    expect(meta.config.dataset).toBe('moons');
    const model = toyModel(meta.config);
    const assigned = assignTensors(namedParameters(model), ckpt.right.tensors, 'ema', { source: path });
    expect(E.isRight(assigned)).toBe(true);
    const sampler = s.visuals?.sampler as { spec: { name: string; settings: { lambda: number } }; steps: number; n: number; seed: number };
    expect(sampler.spec.name).toBe('euler-maruyama');
    const { samples } = sampleMarginal(model, {
      grid: fixedGrid({ steps: sampler.steps, tMin: meta.config.tMin, tMax: meta.config.T, beta: meta.config.beta }),
      lambda: sampler.spec.settings.lambda,
      n: sampler.n,
      shape: [2],
      seed: purposeSeed(sampler.seed, 'sample'),
      denoise: true,
    });
    const y = samples.dataSync() as Float32Array;
    samples.dispose();
    model.sde.drift.dispose();
    model.score.dispose();
    // Back to data coordinates with the stored normaliser: x = (y·std + mean) / scale.
    const { scale, mean, std } = meta.normalizer;
    const pageSamples = s.visuals?.samples as Float32Array;
    let worst = 0;
    for (let i = 0; i < y.length; i++) {
      const x = ((y[i] as number) * (std[i % 2] as number) + (mean[i % 2] as number)) / scale;
      worst = Math.max(worst, Math.abs(x - (pageSamples[i] as number)));
    }
    // Same backend (wasm), same keyed noise: equal up to float32 rounding of the normaliser.
    expect(worst).toBeLessThan(1e-3);
  });

  it('shows an error for a malformed upload and changes nothing', async () => {
    const { page } = await open(`?backend=wasm&dataset=moons&${SMALL}&ddpm=0`);
    await trainFor(page, 3);
    const before = await state(page);
    const dir = await mkdtemp(join(tmpdir(), 'playground-'));
    const bad = join(dir, 'broken.bin');
    await writeFile(bad, new TextEncoder().encode('DFLOWCKP this is not really a checkpoint'));
    await page.setInputFiles('#load-file', bad);
    await page.waitForFunction(() => (window as unknown as { playground: { state(): PageState } }).playground.state().error !== null);
    const after = await state(page);
    expect(after.error).toMatch(/broken\.bin/);
    // the state changes at once, the page draws it on its next animation frame: wait for that (a
    // check right after the state was flaky in CI); throws if the error never shows within 10 s
    await page.locator('#error').waitFor({ state: 'visible', timeout: 10_000 });
    expect(after.iteration).toBe(before.iteration);
    expect(after.settings).toEqual(before.settings);
    expect(after.diffflowCurve).toEqual(before.diffflowCurve);
    await page.close();
  });
});
