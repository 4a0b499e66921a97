/**
 * Training step and sampling against the PyTorch anchor, side by side in one run.
 *
 *   npx nx run bench:train-step                       # everything (several minutes on 2 cores)
 *   npx nx run bench:train-step -- --batch 512 --strategies adjoint,parallel-adjoint --sample no
 *   (or: cd tools/bench && npm run train-step -- …)
 *
 * The model, grid and optimiser are the anchor's (/work/shared/anchors/torch_ref.py): two Fourier-time
 * MLPs 3 × 128, N = 30 on the fixed grid {tMin 1e-3, tMax 0.05, β 0.9}, g = 0.2, Adam 1e-3. An
 * iteration is: draw the batch, gradients, optimizer step, read the loss back (the anchor's step()).
 * Every configuration runs in its own child process (ours and the anchor's alike), so each peak RSS
 * is that configuration's alone; the anchor is started as `/usr/bin/python3 torch_ref.py MODE B ITERS`
 * when torch imports. Times are medians over the timed iterations after one warm-up iteration.
 *
 * Options (all optional):
 *   --batch 512,5000        batch sizes of the training step
 *   --iterations 5          timed iterations per configuration (plus one warm-up)
 *   --strategies LIST       of naive, adjoint, parallel-naive, parallel-adjoint (default: all but
 *                           naive at B ≥ 2048, which exceeds the wasm heap)
 *   --workers N             worker threads of the parallel strategies (default: cores − 1, plus the
 *                           main thread's own shard)
 *   --chunk-rows R          most rows a shard runs at once (dataParallel's chunkRows, default 2048)
 *   --anchor yes|no         run the PyTorch anchor too (default: yes when torch imports)
 *   --sample yes|no         time sampling too (default yes)
 *   --sample-points 10000   points per draw (N steps of the backward SDE, last step noise-free)
 *   --rounds 1              repeat the whole list this many times, alternating ours and the
 *                           anchor's (medians over rounds: on a shared machine the load drifts)
 *   --steps 30              N
 * The backend is `selectBackend()`'s (tfjs-node if it loads, else wasm; DIFFFLOW_BACKEND forces one).
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const ANCHOR = '/work/shared/anchors/torch_ref.py';
const PYTHON = '/usr/bin/python3';
const STRATEGIES = ['naive', 'adjoint', 'parallel-naive', 'parallel-adjoint'] as const;
type Strategy = (typeof STRATEGIES)[number];
const SAMPLERS = ['sample', 'parallel-sample'] as const;
type Sampler = (typeof SAMPLERS)[number];

/** One configuration, run in a child process. */
type Job =
  | {
      readonly kind: 'ours';
      readonly what: Strategy | Sampler;
      readonly batch: number;
      readonly iterations: number;
      readonly steps: number;
      readonly workers: number | null;
      readonly chunkRows: number | null;
    }
  | { readonly kind: 'anchor'; readonly what: 'adjoint' | 'sample'; readonly batch: number; readonly iterations: number; readonly steps: number };

/** What a child reports. */
interface Outcome {
  readonly job: Job;
  readonly ok: boolean;
  readonly msPerIter?: number;
  readonly times?: readonly number[];
  readonly loss?: number;
  readonly peakRssMiB?: number;
  readonly backend?: string;
  readonly note?: string;
  /** CPU time (all threads) per timed iteration, median: less sensitive than wall time to other load. */
  readonly cpuMsPerIter?: number;
  /** 1-minute load average when the configuration started and ended (the machine is shared). */
  readonly load?: readonly [number, number];
}

// ---------------------------------------------------------------- child: one configuration, ours

async function runOurs(job: Job & { kind: 'ours' }): Promise<Outcome> {
  const tf = await import('@tensorflow/tfjs-core');
  const { selectBackend } = await import('@diffflow/backend');
  const { fixedGrid, replayableNormals, replayableUniforms, forwardNoise } = await import('@diffflow/sde-core');
  const { gradientStrategy, disposeGradientResult, dataParallel, modelFromSpec, sampleRows } = await import('@diffflow/adjoint');
  const info = await selectBackend({ quiet: true });
  const spec = {
    drift: { dim: 2, hidden: 128, layers: 3, seed: 1, name: 'drift' },
    score: { dim: 2, hidden: 128, layers: 3, seed: 2, name: 'score' },
    diffusion: { kind: 'constant', value: 0.2 },
  } as const;
  const model = modelFromSpec(spec);
  const grid = fixedGrid({ steps: job.steps, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
  const parallel = job.what.startsWith('parallel-');
  const inner = job.what.endsWith('naive') ? 'naive' : 'adjoint';
  const pool = parallel
    ? await dataParallel({ spec, strategy: inner, ...(job.workers === null ? {} : { workers: job.workers }), ...(job.chunkRows === null ? {} : { chunkRows: job.chunkRows }) })
    : null;
  const optimizer = tf.train.adam(1e-3);
  const seed = 0;
  /** The anchor's data: N(0, 0.5²) around a random corner (±1, ±1); the timing does not depend on it. */
  const batchAt = (iteration: number) => {
    const normal = replayableNormals(2 * job.batch, { seed, purpose: 'data', iteration, step: 0 });
    const corner = replayableUniforms(2 * job.batch, { seed, purpose: 'data/corner', iteration, step: 0 });
    return tf.tensor2d(Float32Array.from(normal, (z, i) => 0.5 * z + ((corner[i] as number) < 0.5 ? -1 : 1)), [job.batch, 2]);
  };
  const sampling = job.what === 'sample' || job.what === 'parallel-sample';
  const iteration = async (it: number): Promise<number> => {
    if (sampling) {
      const options = { n: job.batch, grid, seed: it };
      const x = pool === null ? sampleRows(model, [0, job.batch], 2, options) : await pool.sample(model, options);
      const v = tf.tidy(() => tf.mean(tf.abs(x)).dataSync()[0] as number);
      x.dispose();
      return v;
    }
    const x0 = batchAt(it);
    const result = pool === null ? gradientStrategy(inner)(model, x0, grid, forwardNoise(seed, it)) : await pool.gradients(model, x0, grid, { seed, iteration: it });
    optimizer.applyGradients(Object.entries(result.grads).map(([name, tensor]) => ({ name, tensor })));
    const loss = result.loss.bound.dataSync()[0] as number;
    disposeGradientResult(result);
    x0.dispose();
    return loss;
  };
  try {
    await iteration(0); // warm-up: compiles kernels, packs weights, starts nothing new afterwards
    const times: number[] = [];
    const cpu: number[] = [];
    let loss = Number.NaN;
    for (let it = 1; it <= job.iterations; it++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      loss = await iteration(it);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    const backend = pool === null ? info.name : `${info.name} × ${pool.shards} shards`;
    return { job, ok: true, msPerIter: median(times), times, cpuMsPerIter: median(cpu), loss, peakRssMiB: process.resourceUsage().maxRSS / 1024, backend };
  } finally {
    await pool?.dispose();
  }
}

// ---------------------------------------------------------------- child: the anchor

function runAnchor(job: Job & { kind: 'anchor' }): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [ANCHOR, job.what, String(job.batch), String(job.iterations), String(job.steps)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      // torch adjoint B=512 N=30 ms_per_iter=1092.0 loss=1.227 peak_rss_mib=257
      const m = /ms_per_iter=([\d.]+) loss=(\S+) peak_rss_mib=(\d+)/.exec(out);
      if (code !== 0 || m === null) resolve({ job, ok: false, note: `anchor exited ${code}: ${lastLine(err || out)}` });
      else resolve({ job, ok: true, msPerIter: Number(m[1]), loss: Number(m[2]), peakRssMiB: Number(m[3]), backend: 'torch (2 threads)' });
    });
  });
}

// ---------------------------------------------------------------- parent

async function runChild(job: Job): Promise<Outcome> {
  const before = loadavg()[0] as number;
  const outcome = await (job.kind === 'anchor' ? runAnchor(job) : spawnOurs(job));
  return { ...outcome, load: [before, loadavg()[0] as number] };
}

function spawnOurs(job: Job & { kind: 'ours' }): Promise<Outcome> {
  return new Promise((resolve) => {
    const script = fileURLToPath(import.meta.url);
    const child = spawn(process.execPath, [...process.execArgv, script, '--child', JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"job"'));
      if (line !== undefined) resolve(JSON.parse(line) as Outcome);
      else resolve({ job, ok: false, note: `exited ${code}: ${lastLine(err)}` });
    });
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
  return (lines.find((l) => /Error|error/.test(l)) ?? lines[lines.length - 1] ?? '').slice(0, 200);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

function parseArgs(argv: readonly string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) fail(`unexpected argument '${a}' (options are --name value)`);
    const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) fail(`--${name} needs a value`);
    args.set(name, value);
  }
  return args;
}

function fail(message: string): never {
  console.error(`train-step: ${message}`);
  process.exit(2);
}

function positiveInts(text: string, name: string): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) fail(`--${name} must be positive integers separated by commas, got '${text}'`);
  return values;
}

function yesNo(text: string | undefined, name: string, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  if (text === 'yes' || text === 'true') return true;
  if (text === 'no' || text === 'false') return false;
  return fail(`--${name} must be yes or no, got '${text}'`);
}

const fmt = (v: number | undefined, digits = 0): string => (v === undefined ? '—' : v.toFixed(digits));

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    // Measure the footprint a compiled (JavaScript) run has: tsx turns on source maps, which makes
    // Node parse the .map files of every tfjs bundle it loads (~50 MiB). Off before tfjs loads.
    process.setSourceMapsEnabled(false);
    const job = JSON.parse(argv[1] as string) as Job & { kind: 'ours' };
    try {
      console.log(JSON.stringify(await runOurs(job)));
    } catch (error) {
      console.log(JSON.stringify({ job, ok: false, note: error instanceof Error ? error.message.split('\n')[0] : String(error) }));
    }
    process.exit(0);
  }
  const args = parseArgs(argv);
  const known = new Set(['batch', 'iterations', 'strategies', 'workers', 'chunk-rows', 'anchor', 'sample', 'sample-points', 'rounds', 'steps']);
  for (const k of args.keys()) if (!known.has(k)) fail(`unknown option --${k} (known: ${[...known].join(', ')})`);
  const batches = positiveInts(args.get('batch') ?? '512,5000', 'batch');
  const iterations = positiveInts(args.get('iterations') ?? '5', 'iterations')[0] as number;
  const rounds = positiveInts(args.get('rounds') ?? '1', 'rounds')[0] as number;
  const steps = positiveInts(args.get('steps') ?? '30', 'steps')[0] as number;
  const samplePoints = positiveInts(args.get('sample-points') ?? '10000', 'sample-points')[0] as number;
  const workersArg = args.get('workers');
  const workers = workersArg === undefined ? null : Number(workersArg);
  if (workers !== null && !(Number.isInteger(workers) && workers >= 0)) fail(`--workers must be an integer ≥ 0, got '${workersArg}'`);
  const chunkArg = args.get('chunk-rows');
  const chunkRows = chunkArg === undefined ? null : (positiveInts(chunkArg, 'chunk-rows')[0] as number);
  const explicit = args.get('strategies')?.split(',').map((s) => s.trim());
  explicit?.forEach((s) => (STRATEGIES as readonly string[]).includes(s) || fail(`--strategies: '${s}' is not one of ${STRATEGIES.join(', ')}`));
  const torch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const anchor = yesNo(args.get('anchor'), 'anchor', torch);
  if (anchor && !torch) fail(`--anchor yes, but '${PYTHON} -c "import torch"' fails (the lead installs torch with setup-torch.sh)`);
  const sample = yesNo(args.get('sample'), 'sample', true);

  const jobs: Job[] = [];
  for (const batch of batches) {
    const strategies = (explicit ?? STRATEGIES.filter((s) => !(s === 'naive' || s === 'parallel-naive') || batch < 2048)) as Strategy[];
    for (const what of strategies) jobs.push({ kind: 'ours', what, batch, iterations, steps, workers, chunkRows });
    if (anchor) jobs.push({ kind: 'anchor', what: 'adjoint', batch, iterations, steps });
  }
  if (sample) {
    for (const what of SAMPLERS) jobs.push({ kind: 'ours', what, batch: samplePoints, iterations, steps, workers, chunkRows });
    if (anchor) jobs.push({ kind: 'anchor', what: 'sample', batch: samplePoints, iterations, steps });
  }

  console.error(`train-step: ${jobs.length} configurations × ${rounds} round(s), ${iterations} timed iterations each, ${availableParallelism()} cores; anchor ${anchor ? 'on' : 'off'}`);
  const results = new Map<string, Outcome[]>();
  const keyOf = (j: Job): string => JSON.stringify(j);
  for (let r = 0; r < rounds; r++) {
    for (const job of jobs) {
      const o = await runChild(job);
      (results.get(keyOf(job)) ?? results.set(keyOf(job), []).get(keyOf(job)) ?? []).push(o);
      const label = job.kind === 'anchor' ? `torch ${job.what}` : job.what;
      const detail = o.ok
        ? `${fmt(o.msPerIter)} ms/iter${o.cpuMsPerIter === undefined ? '' : ` (cpu ${fmt(o.cpuMsPerIter)})`}, peak ${fmt(o.peakRssMiB)} MiB${o.times ? ` [${o.times.map((t) => t.toFixed(0)).join(' ')}]` : ''}`
        : `FAILED ${o.note}`;
      console.error(`  ${label} B=${job.batch}: ${detail}; load ${o.load?.map((l) => l.toFixed(1)).join('→')}`);
    }
  }

  /** Median over rounds of one configuration's ms/iter, and the largest peak. */
  const summary = (job: Job): { ms?: number; cpu?: number; peak?: number; load?: number; ok: boolean; note?: string; backend?: string; loss?: number } => {
    const os = results.get(keyOf(job)) ?? [];
    const good = os.filter((o) => o.ok);
    if (good.length === 0) return { ok: false, note: os[0]?.note ?? 'not run' };
    return {
      ok: true,
      ms: median(good.map((o) => o.msPerIter as number)),
      ...(good.every((o) => o.cpuMsPerIter !== undefined) ? { cpu: median(good.map((o) => o.cpuMsPerIter as number)) } : {}),
      load: median(good.map((o) => o.load?.[0] ?? Number.NaN)),
      peak: Math.max(...good.map((o) => o.peakRssMiB as number)),
      backend: good[0]?.backend,
      loss: good[good.length - 1]?.loss,
    };
  };
  console.log('| what | B | backend | ms / iteration (median) | CPU ms | anchor ms | ratio to anchor | peak RSS MiB | anchor peak MiB | load (ours / anchor) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const job of jobs) {
    if (job.kind === 'anchor') continue;
    const mine = summary(job);
    const sampling = job.what === 'sample' || job.what === 'parallel-sample';
    const a = anchor ? summary({ kind: 'anchor', what: sampling ? 'sample' : 'adjoint', batch: job.batch, iterations, steps }) : undefined;
    const ratio = mine.ms !== undefined && a?.ms !== undefined ? (mine.ms / a.ms).toFixed(2) : '—';
    const what = sampling ? `${job.what} (${job.batch} points, N = ${steps})` : `train ${job.what}`;
    const load = `${fmt(mine.load, 1)} / ${fmt(a?.load, 1)}`;
    if (!mine.ok) console.log(`| ${what} | ${job.batch} | — | failed: ${mine.note} | — | ${fmt(a?.ms)} | — | — | ${fmt(a?.peak)} | ${load} |`);
    else console.log(`| ${what} | ${job.batch} | ${mine.backend} | ${fmt(mine.ms)} | ${fmt(mine.cpu)} | ${fmt(a?.ms)} | ${ratio} | ${fmt(mine.peak)} | ${fmt(a?.peak)} | ${load} |`);
  }
}

await main();
