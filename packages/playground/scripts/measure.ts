/**
 * Measures the built playground in this machine's headless Chromium (Debian's, driven by
 * playwright-core; the site served by `vite preview` with the cross-origin-isolation headers):
 *
 * - `start`: navigation → the first trained samples on screen (the page's own clock,
 *   performance.now() when the samples plot is first drawn with samples; `from`: the pretrained
 *   model's stored first sight or the worker's draw; `liveMs`: the worker's first samples), when each kind of the
 *   worker's reports first came, the bytes every response of the visit brought (the worker's
 *   included), with the backend the page picked and why, `rounds` fresh pages;
 * - `learn`: seconds of training until ≥ 80 % of 1000 DiffFlow samples (λ = 1, N steps) lie
 *   within 0.3 of the drawn curve, on wasm: the starter heart from a new model, and a ring of radius
 *   2.5 drawn with the mouse (Train on drawing), for each variant of the query (e.g. '&lr=0.005');
 *   the samples are read whenever the page's plots refresh (about every 1.5 s). Also: when the page
 *   first showed the iteration whose samples met it (`reachedSeconds`; the rest is the wait for the
 *   next plot), and the browser's CPU seconds over the same time (all its processes, the CDP's
 *   SystemInfo: a cost that a loaded machine inflates far less than the wall clock);
 * - `latency`: per backend, pause (click → paused, the page's clock) and backend switch (menu →
 *   the old worker stopped, and → the model announced on the new backend) while training, after
 *   the page's spare worker for the target backend is up (builds that keep spares), with the
 *   browser's resident memory (all its processes, /proc) just before the switch;
 * - `size`: the built site's bytes (a first visit's are counted by `start`).
 *
 *   npx nx run playground:build && node --import tsx packages/playground/scripts/measure.ts start|learn|latency|size [rounds or seconds] [learn: query variants; latency: backends; comma-separated] [learn: shapes, heart,ring]
 *
 * Prints one JSON line per measurement. WebGL and WebGPU run on SwiftShader (CPU) here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { preview } from 'vite';
import { fileURLToPath } from 'node:url';
import type { PageState } from '../src/state.js';
import { nearShare, ringStroke } from '../src/draw/near_curve.js';
import { strokesToPoints } from '../src/draw/drawing.js';
import { starterShape } from '../src/draw/starter.js';
import { DRAW_SPACING } from '../src/pretrained.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const what = process.argv[2] ?? 'start';
const amount = Number(process.argv[3] ?? (what === 'learn' ? 40 : 3));
const variants = (process.argv[4] ?? '').split(',');
const args = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--no-sandbox'];

interface Hooks {
  state(): PageState;
  firstSamplesMs(): number | null;
  liveSamplesMs?(): number | null;
  firstSamplesFrom?(): 'stored' | 'worker' | null;
  firstReports(): Record<string, number>;
  pauseLatencies(): number[];
  switchLatencies(): { stopped: number; restored: number; from?: string }[];
  spareWorkers?(): { backend: string; ready: boolean; startedAt: number; readyAt: number | null }[];
}
const read = <T>(page: Page, f: (h: Hooks) => T): Promise<T> => page.evaluate(`(${f.toString()})(window.playground)`) as Promise<T>;

/** Resident memory of every process of the browser (kB, /proc's VmRSS; Linux). */
async function browserRssKB(b: Browser): Promise<number> {
  const cdp = await b.newBrowserCDPSession();
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { id: number }[] };
  await cdp.detach();
  let kB = 0;
  for (const { id } of info.processInfo) {
    const status = existsSync(`/proc/${id}/status`) ? readFileSync(`/proc/${id}/status`, 'utf8') : '';
    kB += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kB;
}

/** CPU seconds of every process of the browser so far (the CDP's SystemInfo.getProcessInfo). */
async function browserCpuSeconds(b: Browser): Promise<number> {
  const cdp = await b.newBrowserCDPSession();
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { cpuTime: number }[] };
  await cdp.detach();
  return info.processInfo.reduce((a, p) => a + p.cpuTime, 0);
}

/** The 1-minute load average (`uptime`'s first number). */
const loadAverage = (): number => Number(loadavg()[0]?.toFixed(1));

async function opened(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { playground?: Hooks }).playground?.state().visuals != null, undefined, { timeout: 120_000 });
  return page;
}

// PLAYGROUND_DIST: another build to measure (e.g. the previous commit's, for before/after in one run)
const server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 }, ...(process.env['PLAYGROUND_DIST'] === undefined ? {} : { build: { outDir: process.env['PLAYGROUND_DIST'] } }) });
const base = server.resolvedUrls?.local[0] ?? '';
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args });
try {
  if (what === 'start') {
    for (let r = 0; r < amount; r++) {
      // every response of the visit, the worker's included, until the first plots: what a first visit loads
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      const loaded: { url: string; bytes: number }[] = [];
      context.on('requestfinished', (req) => void req.sizes().then((z) => loaded.push({ url: req.url(), bytes: z.responseBodySize })).catch(() => undefined));
      const page = await context.newPage();
      await page.goto(base);
      await page.waitForFunction(() => (window as unknown as { playground?: Hooks }).playground?.state().visuals != null, undefined, { timeout: 120_000 });
      await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.firstSamplesMs() !== null);
      // (a build before the first sight has no liveSamplesMs: its first samples are the worker's)
      await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.liveSamplesMs?.() !== null);
      const s = await read(page, (h) => h.state());
      const ms = await read(page, (h) => h.firstSamplesMs());
      const liveMs = (await read(page, (h) => h.liveSamplesMs?.())) ?? ms;
      const from = (await read(page, (h) => h.firstSamplesFrom?.())) ?? 'worker';
      const reports = await read(page, (h) => h.firstReports());
      const nav = await page.evaluate(() => JSON.parse(JSON.stringify(performance.getEntriesByType('navigation')[0])) as { responseEnd: number; domContentLoadedEventEnd: number });
      const firstVisitBytes = loaded.reduce((a, x) => a + x.bytes, 0);
      // where the first second goes: when the page's script, the stored first sight and the worker's script arrived
      const arrivals = await page.evaluate(() =>
        Object.fromEntries(
          (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
            .filter((e) => /index-|sight\.json|worker-|\.wasm|pretrained\/.*\.bin/.test(e.name))
            .map((e) => [e.name.replace(/^.*\//, '').replace(/-[\w-]{8}\.js$/, '.js'), [Math.round(e.startTime), Math.round(e.responseEnd)]]),
        ),
      );
      console.log(JSON.stringify({ measure: 'navigation → trained samples on screen', ms: Math.round(ms as number), from, liveMs: Math.round(liveMs as number), firstVisitBytes, requests: loaded.length, domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd), fetchedMs: arrivals, firstReportMs: Object.fromEntries(Object.entries(reports).map(([k, v]) => [k, Math.round(v)])), iteration: s.iteration, backend: s.backend?.name, reason: s.backend?.reason }));
      await context.close();
    }
  } else if (what === 'learn') {
    const heart = strokesToPoints(starterShape(), DRAW_SPACING);
    const ring = ringStroke(2.5);
    const shapeNames = (process.argv[5] ?? 'heart,ring').split(',');
    for (const variant of variants)
      for (const shape of (['heart', 'ring'] as const).filter((x) => shapeNames.includes(x))) {
        const page = await opened(browser, `${base}?backend=wasm${variant}`);
        const curve = shape === 'heart' ? heart : strokesToPoints([ring], DRAW_SPACING);
        if (shape === 'ring') {
          await page.click('#clear-drawing');
          const box = (await page.locator('#draw').boundingBox()) as { x: number; y: number; width: number; height: number };
          // the data plot's axes: 44 px left margin, 10 right, 22 top, 34 bottom, [−4, 4]² (figure.ts)
          const toPage = ([x, y]: readonly [number, number]): [number, number] => [box.x + 44 + ((x + 4) / 8) * (box.width - 54), box.y + 22 + ((4 - y) / 8) * (box.height - 56)];
          await page.mouse.move(...toPage(ring[0] as [number, number]));
          await page.mouse.down();
          for (const p of ring.slice(1)) await page.mouse.move(...toPage(p));
          await page.mouse.up();
        } else {
          await page.click('#reset'); // a new model of the heart (the page opens on the pretrained one)
          await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.state().iteration === 0);
        }
        const sessions = (await read(page, (h) => h.state())).sessions;
        await page.click('#train');
        await page.waitForFunction((n) => (window as unknown as { playground: Hooks }).playground.state().sessions >= n, sessions);
        const started = Date.now();
        const cpu0 = await browserCpuSeconds(browser);
        // the page's iteration by its clock, every animation frame (when it first showed each; two
        // iterations within one frame leave the first unseen, so 'reached k' is the first seen ≥ k)
        // (a string: tsx would name the inner function with a helper the page does not have)
        await page.evaluate(`(() => {
          window.shownAt = {};
          const t0 = performance.now();
          const tick = () => {
            window.shownAt[window.playground.state().iteration] ??= performance.now() - t0;
            requestAnimationFrame(tick);
          };
          tick();
        })()`);
        let cpuSeconds: number | null = null;
        let learnedAt: number | null = null;
        let learnedIteration: number | null = null;
        let lastVisual = -1;
        let share = 0;
        while ((Date.now() - started) / 1000 < amount && learnedAt === null) {
          await page.waitForFunction((v) => {
            const s = (window as unknown as { playground: Hooks }).playground.state();
            return s.visuals !== null && s.visuals.iteration !== v && s.visuals.iteration > 0;
          }, lastVisual, { timeout: 60_000 });
          const s = await read(page, (h) => h.state());
          if (s.visuals === null) continue; // a new session was announced in between: its plots follow
          const v = s.visuals;
          lastVisual = v.iteration;
          share = nearShare(v.samples, curve, 0.3);
          if (share >= 0.8) {
            learnedAt = (Date.now() - started) / 1000;
            learnedIteration = v.iteration;
            cpuSeconds = (await browserCpuSeconds(browser)) - cpu0;
          }
        }
        const shownMs = learnedIteration === null ? null : await page.evaluate(`Math.min(...Object.entries(window.shownAt).filter(([i]) => Number(i) >= ${learnedIteration}).map(([, ms]) => ms))`) as number;
        const s = await read(page, (h) => h.state());
        console.log(JSON.stringify({ measure: 'seconds until ≥ 80 % of samples within 0.3 of the curve', shape, query: `?backend=wasm${variant}`, learnedAfterSeconds: learnedAt === null ? null : Number(learnedAt.toFixed(1)), learnedAtIteration: learnedIteration, reachedSeconds: shownMs === null || !Number.isFinite(shownMs) ? null : Number((shownMs / 1000).toFixed(1)), cpuSeconds: cpuSeconds === null ? null : Number(cpuSeconds.toFixed(1)), load: loadAverage(), lastShare: Number(share.toFixed(3)), iterations: s.iteration, itPerSec: Number(s.itPerSec.toFixed(1)), settings: s.settings }));
        await page.close();
      }
  } else if (what === 'latency') {
    const backends = (process.argv[4] ?? 'wasm,webgl,cpu').split(',');
    for (const b of backends) {
      const page = await opened(browser, `${base}?backend=${b}&dataset=moons`);
      for (let r = 0; r < amount; r++) {
        const it0 = (await read(page, (h) => h.state())).iteration;
        await page.click('#train');
        await page.waitForFunction((n) => (window as unknown as { playground: Hooks }).playground.state().iteration > n, it0, { timeout: 300_000 });
        await page.click('#train');
        await page.waitForFunction(() => !(window as unknown as { playground: Hooks }).playground.state().running, undefined, { timeout: 30_000 });
      }
      const pauses = await read(page, (h) => h.pauseLatencies());
      // a switch away from b while training, to wasm (to cpu from wasm)
      const to = b === 'wasm' ? 'cpu' : 'wasm';
      // (a build without spares has no spareWorkers: it switches to a fresh worker)
      const spareWait = Date.now();
      await page.waitForFunction((t) => (window as unknown as { playground: Hooks }).playground.spareWorkers?.().some((w) => w.backend === t && w.ready) ?? true, to, { timeout: 120_000 });
      const spareWaitMs = Date.now() - spareWait;
      const spare = (await read(page, (h) => h.spareWorkers?.() ?? [])).find((w) => w.backend === to);
      const spareStart = spare === undefined ? null : { startedMs: Math.round(spare.startedAt), upAfterMs: Math.round((spare.readyAt ?? Number.NaN) - spare.startedAt) };
      const it0 = (await read(page, (h) => h.state())).iteration;
      await page.click('#train');
      await page.waitForFunction((n) => (window as unknown as { playground: Hooks }).playground.state().iteration > n, it0, { timeout: 300_000 });
      const rssMB = Math.round((await browserRssKB(browser)) / 1024);
      await page.selectOption('#backend', to);
      await page.waitForFunction(() => (window as unknown as { playground: Hooks }).playground.switchLatencies().some((l) => Number.isFinite(l.restored)), undefined, { timeout: 120_000 });
      const [sw] = await read(page, (h) => h.switchLatencies());
      console.log(JSON.stringify({ measure: 'pause and switch latency (ms, the page clock)', backend: b, pauses: pauses.map((v) => Math.round(v)), switchTo: to, switchStopped: Math.round(sw?.stopped ?? Number.NaN), switchRestored: Math.round(sw?.restored ?? Number.NaN), switchFrom: sw?.from ?? 'fresh', spareWaitMs, spareStart, rssMB, load: loadAverage() }));
      await page.close();
    }
  } else if (what === 'size') {
    const dist = join(root, 'dist');
    const files: { path: string; bytes: number }[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push({ path: p.slice(dist.length + 1), bytes: statSync(p).size });
      }
    };
    walk(dist);
    const sum = (f: (p: string) => boolean): number => files.filter((x) => f(x.path)).reduce((a, x) => a + x.bytes, 0);
    // (what a first visit loads is measured by `start`, from the browser's responses)
    console.log(JSON.stringify({ measure: 'built site bytes', total: sum(() => true), pretrained: sum((p) => p.startsWith('pretrained/')), katexLazy: sum((p) => /katex|KaTeX/i.test(p)), files: files.filter((f) => f.bytes > 20_000).sort((a, b) => b.bytes - a.bytes) }));
  } else {
    console.error(`measure.ts: the first argument must be start, learn, latency or size, got '${what}'`);
    process.exitCode = 2;
  }
} finally {
  await browser.close();
  await server.close();
}
