/**
 * Measures the built playground in this machine's headless Chromium, per backend: DiffFlow
 * iterations per second at the default settings (the starter heart, N = 10, B = 256, width 64,
 * DDPM as the page defaults it, off unless the query says `&ddpm=1`) and the seconds until the drawn shape is learned recognisably — at least 80% of
 * 1000 DiffFlow samples (λ = 1, N = 10) within 0.3 of the drawn curve (the heart is 5.3 wide).
 *
 *   npx nx run playground:build && node --import tsx packages/playground/scripts/measure.ts [seconds] [extra query] [backend filter]
 *
 * e.g. `… measure.ts 60 '&ddpm=0' wasm` measures the wasm runs with DDPM off. A screenshot of each
 * page after 30 s goes to /tmp/playground-<backend>-30s.png.
 * Prints one JSON line per backend. WebGL and WebGPU run on SwiftShader (CPU) here.
 */
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { fileURLToPath } from 'node:url';
import type { PageState } from '../src/state.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.argv[2] ?? 60);
const extraQuery = process.argv[3] ?? '';
const only = process.argv[4] ?? '';
const swiftshader = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', '--no-sandbox'];
const webgpu = [...swiftshader, '--enable-unsafe-webgpu', '--enable-features=Vulkan,WebGPU'];

const runs = [
  { label: 'webgpu (SwiftShader)', query: '?backend=webgpu', args: webgpu, isolated: true },
  { label: 'webgl (SwiftShader)', query: '?backend=webgl', args: swiftshader, isolated: true },
  { label: 'wasm, threads (cross-origin isolated)', query: '?backend=wasm', args: swiftshader, isolated: true },
  { label: 'wasm, one thread (no COOP/COEP headers)', query: '?backend=wasm', args: swiftshader, isolated: false },
  { label: 'cpu', query: '?backend=cpu', args: swiftshader, isolated: true },
];

/** Share of samples within `radius` of some point of `curve` (both [n, 2]). */
function nearShare(samples: Float32Array, curve: Float32Array, radius: number): number {
  let near = 0;
  for (let i = 0; i < samples.length; i += 2) {
    for (let j = 0; j < curve.length; j += 2) {
      if (Math.hypot((samples[i] as number) - (curve[j] as number), (samples[i + 1] as number) - (curve[j + 1] as number)) < radius) {
        near++;
        break;
      }
    }
  }
  return near / (samples.length / 2);
}

const isolated = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } });
const plain = await preview({ root, configFile: false, base: './', logLevel: 'warn', preview: { host: '127.0.0.1', port: 0 } });
for (const run of runs.filter((r) => r.label.includes(only))) {
  const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: run.args });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const url = ((run.isolated ? isolated : plain).resolvedUrls?.local[0] ?? '') + run.query + extraQuery;
  await page.goto(url);
  const read = (): Promise<PageState> => page.evaluate(() => (window as unknown as { playground: { state(): PageState } }).playground.state());
  try {
    await page.waitForFunction(() => (window as unknown as { playground?: { state(): PageState } }).playground?.state().visuals != null, undefined, { timeout: 120_000 });
  } catch {
    console.log(JSON.stringify({ backend: run.label, error: 'did not start', detail: (await read()).error }));
    await browser.close();
    continue;
  }
  const first = await read();
  const curve = first.visuals?.data as Float32Array;
  await page.click('#train');
  const started = Date.now();
  let recognisedAt: number | null = null;
  let recognisedIteration: number | null = null;
  let lastVisual = -1;
  const marks: { t: number; it: number }[] = [];
  let shot = false;
  while ((Date.now() - started) / 1000 < seconds) {
    await page.waitForTimeout(1000);
    const s = await read();
    const t = (Date.now() - started) / 1000;
    marks.push({ t, it: s.iteration });
    if (!shot && t >= 30) {
      shot = true;
      await page.screenshot({ path: `/tmp/playground-${run.label.split(/[ ,]/)[0]}${run.isolated ? '' : '-plain'}-30s.png`, fullPage: true });
    }
    if (s.visuals !== null && s.visuals.iteration !== lastVisual) {
      lastVisual = s.visuals.iteration;
      if (recognisedAt === null && nearShare(s.visuals.samples, curve, 0.3) >= 0.8) {
        recognisedAt = t;
        recognisedIteration = s.visuals.iteration;
      }
    }
  }
  const end = marks.at(-1) as { t: number; it: number };
  const mid = marks.find((m) => m.t >= seconds / 3) ?? marks[0] ?? end;
  const s = await read();
  console.log(
    JSON.stringify({
      backend: run.label,
      query: run.query + extraQuery,
      detail: s.backend?.detail,
      seconds,
      diffflowIterations: s.iteration,
      ddpmIterations: s.ddpmIteration,
      diffflowItPerSecSteady: Number(((end.it - mid.it) / (end.t - mid.t)).toFixed(2)),
      recognisableAfterSeconds: recognisedAt === null ? null : Number(recognisedAt.toFixed(1)),
      recognisableAtIteration: recognisedIteration,
      finalShareNearCurve: s.visuals === null ? null : Number(nearShare(s.visuals.samples, curve, 0.3).toFixed(3)),
    }),
  );
  await browser.close();
}
await isolated.close();
await plain.close();
