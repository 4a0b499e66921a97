/**
 * Training step and sampling against the PyTorch anchor, interleaved, with the flops achieved.
 *
 *   npx nx run bench:train-step                          # the four rows, 3 rounds (≈ 10 min on 2 cores)
 *   cd tools/bench && npm run train-step -- --rounds 1 --iterations 2 --batch 512 --samplers none
 *   npm run train-step -- --check yes --rounds 0         # only the flop-count check
 *
 * Rows (defaults): train parallel-adjoint at B = 512 and 5000, parallel-sample and sample (one
 * thread) of 10,000 points. The model, grid and optimiser are the anchor's
 * (/work/shared/anchors/torch_ref.py): two Fourier-time MLPs 3 × 128, N = 30 on the fixed grid
 * {tMin 1e-3, tMax 0.05, β 0.9}, g = 0.2, Adam 1e-3. A training iteration is: draw the batch,
 * gradients, optimizer step, read the loss back (the anchor's step()); a sampling iteration is one
 * draw (N steps of the backward SDE, last step noise-free; the anchor's `sample` mode).
 *
 * Rounds: each round runs, for every row, ours then the anchor (each in a fresh child process, one
 * warm-up then `iterations` timed iterations, median), so load that drifts during the run hits both
 * sides of a row alike. Each round starts with the matMul ceiling (peak.ts: one large product on one
 * thread and on as many threads as the parallel rows have shards). Reported per row: the medians
 * over rounds of ours and the anchor, the median of the per-round ratios, the 1-minute load average
 * before → after every child, the matMul flops of an iteration (flops.ts) and GFLOP/s, and those as
 * a fraction of the ceiling on the same number of threads: in the per-round table against that
 * round's measurement, in the summary the median of those per-round fractions (the VM's speed moves
 * between rounds, so a quotient of two rounds' figures means little). Each round also replays every row's own
 * matrix products alone (replay.ts: the same shapes, layouts and operand reuse, on the same threads,
 * nothing else): the ceiling of that row's work on this backend, and ours against it.
 *
 * Options (all optional):
 *   --batch 512,5000          batch sizes of the training rows
 *   --strategies LIST         training strategies: parallel-adjoint (default), adjoint, naive, parallel-naive
 *   --samplers LIST           parallel-sample,sample (default) or none
 *   --sample-points 10000     points per draw
 *   --rounds 3                interleaved rounds (0: none, e.g. with --check)
 *   --iterations 5            timed iterations per child (plus one warm-up)
 *   --steps 30                N
 *   --workers N               dataParallel workers (default cores − 1, plus the main thread's shard)
 *   --chunk-rows R            dataParallel's chunkRows (default 2048)
 *   --anchor yes|no           run the anchor (default: yes when `/usr/bin/python3 -c "import torch"` works)
 *   --peak yes|no             measure the matMul ceiling each round (default yes)
 *   --peak-shape 1024,1024,1024   m,k,n of the ceiling's product
 *   --replay yes|no           replay each row's own matMuls alone each round (replay.ts; default yes)
 *   --check yes|no            before the rounds, compare each row's derived flops with a tf.profile count
 *   --hidden 128              width of both networks (64: the toy2d main job's; the anchor then runs
 *                             through anchor_width.py, torch_ref.py with its width replaced)
 * The backend is `selectBackend()`'s (tfjs-node if it loads, else wasm; DIFFFLOW_BACKEND forces one).
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { adjointChunks, adjointIterationFlops, matMulFlopsOfKernels, samplingFlops, splitRows } from './flops.js';
import { median } from './stats.js';
import { measureMatMulPeak, type MatMulPeak } from './peak.js';
import { measureReplay, type ReplayResult } from './replay.js';
import { defaultChunkRows, driftCacheBytes, samplerPath, shapeOf, type WorkloadJob } from './workload.js';

const ANCHOR = '/work/shared/anchors/torch_ref.py';
/** Runs the anchor with its networks' width replaced (anchor_width.py): for `--hidden` other than 128. */
const ANCHOR_WIDTH = fileURLToPath(new URL('../anchor_width.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const STRATEGIES = ['parallel-adjoint', 'adjoint', 'parallel-naive', 'naive'] as const;
const SAMPLERS = ['parallel-sample', 'sample'] as const;

/** One row of the table: our workload and the anchor's command. */
interface Row {
  readonly label: string;
  readonly job: WorkloadJob;
  readonly anchor: { readonly mode: 'adjoint' | 'sample'; readonly batch: number };
}

/** What a child reports about one run. */
interface Run {
  readonly ok: boolean;
  readonly ms?: number;
  readonly times?: readonly number[];
  readonly cpuMs?: number;
  readonly peakRssMiB?: number;
  readonly backend?: string;
  readonly shards?: number;
  readonly note?: string;
  /** 1-minute load average when the child started and when it ended. */
  readonly load: readonly [number, number];
  /** One more iteration under tf.profile (this thread's kernels only: a parallel row's local shard). */
  readonly profile?: IterationProfile;
}

/** What tf.profile saw of one iteration on the calling thread. */
interface IterationProfile {
  /** Wall time of the profiled iteration (ms; the profiler's bookkeeping included). */
  readonly ms: number;
  readonly kernels: number;
  /** Σ of the kernels' own times (ms). */
  readonly kernelMs: number;
  readonly matMulKernels: number;
  readonly matMulMs: number;
  readonly matMulFlops: number;
}

const load1 = (): number => loadavg()[0] as number;

// ---------------------------------------------------------------- children

async function oursChild(job: WorkloadJob, iterations: number): Promise<Omit<Run, 'load'>> {
  const { startWorkload } = await import('./workload.js');
  const workload = await startWorkload(job);
  try {
    await workload.iteration(0); // warm-up: compiles kernels, packs weights, starts the workers' backends
    const times: number[] = [];
    const cpu: number[] = [];
    for (let it = 1; it <= iterations; it++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await workload.iteration(it);
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    const backend = workload.shards === 1 ? workload.backend : `${workload.backend} × ${workload.shards} shards`;
    const peakRssMiB = process.resourceUsage().maxRSS / 1024; // before the profiled iteration, which keeps every kernel's record
    const tf = await import('@tensorflow/tfjs-core');
    const t0 = performance.now();
    const info = await tf.profile(async () => void (await workload.iteration(iterations + 1)));
    const profiledMs = performance.now() - t0;
    const matMuls = info.kernels.filter((k) => k.name === 'BatchMatMul' || k.name === '_FusedMatMul');
    const kernelMs = (ks: typeof info.kernels): number => ks.reduce((n, k) => n + (k.kernelTimeMs as number), 0);
    const profile: IterationProfile = {
      ms: profiledMs,
      kernels: info.kernels.length,
      kernelMs: kernelMs(info.kernels),
      matMulKernels: matMuls.length,
      matMulMs: kernelMs(matMuls),
      matMulFlops: matMulFlopsOfKernels(matMuls).flops,
    };
    return { ok: true, ms: median(times), times, cpuMs: median(cpu), peakRssMiB, backend, shards: workload.shards, profile };
  } finally {
    await workload.dispose();
  }
}

/** The pieces a row's iteration is made of, each profiled once: returns the measured matMul flops of an iteration. */
async function checkChild(job: WorkloadJob, shards: number): Promise<{ flops: number; kernels: number; pieces: string }> {
  const tf = await import('@tensorflow/tfjs-core');
  const { adjointChunk, samplingShard, startBackend } = await import('./workload.js');
  await startBackend();
  const sizes =
    job.what === 'sample'
      ? splitRows(job.batch, shards)
      : adjointChunks({ batch: job.batch, steps: job.steps, shards, chunkRows: job.parallel ? (job.chunkRows ?? defaultChunkRows) : Infinity, driftCacheBytes });
  const counted = new Map<number, { flops: number; count: number }>();
  for (const rows of sizes) {
    if (counted.has(rows)) continue;
    const piece = job.what === 'sample' ? samplingShard(job.batch, 0, rows, job.steps, undefined, job.hidden) : adjointChunk(rows, job.steps, 0, undefined, job.hidden);
    counted.set(rows, matMulFlopsOfKernels((await tf.profile(() => piece.run())).kernels));
    piece.dispose();
  }
  const total = sizes.map((r) => counted.get(r) as { flops: number; count: number });
  return {
    flops: total.reduce((n, c) => n + c.flops, 0),
    kernels: total.reduce((n, c) => n + c.count, 0),
    pieces: [...counted.keys()].map((r) => `${sizes.filter((s) => s === r).length} × ${r} rows`).join(' + '),
  };
}

/** A child process run to its end: exit code, output, and the 1-minute load average before → after it. */
interface ChildRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly load: readonly [number, number];
}

/** Runs `command` with `args` (stdin closed), collecting its stdout and stderr. */
function runChild(command: string, args: readonly string[]): Promise<ChildRun> {
  const before = load1();
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err, load: [before, load1()] }));
  });
}

async function runAnchor(row: Row, iterations: number, steps: number): Promise<Run> {
  const hidden = row.job.hidden ?? 128;
  const script = hidden === 128 ? [ANCHOR] : [ANCHOR_WIDTH, ANCHOR, String(hidden)];
  const { code, out, err, load } = await runChild(PYTHON, [...script, row.anchor.mode, String(row.anchor.batch), String(iterations), String(steps)]);
  // torch adjoint B=512 N=30 ms_per_iter=1092.0 loss=1.227 peak_rss_mib=257
  const m = /ms_per_iter=([\d.]+) loss=(\S+) peak_rss_mib=(\d+)/.exec(out);
  if (code !== 0 || m === null) return { ok: false, note: `anchor exited ${code}: ${lastLine(err || out)}`, load };
  return { ok: true, ms: Number(m[1]), peakRssMiB: Number(m[3]), backend: `torch (2 threads${hidden === 128 ? '' : `, width ${hidden}`})`, load };
}

/** Runs this script as a child with one JSON request; resolves with the JSON line it prints. */
async function spawnSelf<T>(request: unknown): Promise<{ value?: T; note?: string; load: readonly [number, number] }> {
  const { code, out, err, load } = await runChild(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(request)]);
  const line = out.split('\n').find((l) => l.startsWith('{"reply"'));
  if (line === undefined) return { note: `exited ${code}: ${lastLine(err)}`, load };
  const { reply, error } = JSON.parse(line) as { reply: T | null; error?: string };
  return reply === null ? { note: error ?? 'failed', load } : { value: reply, load };
}

async function runOurs(row: Row, iterations: number): Promise<Run> {
  const r = await spawnSelf<Omit<Run, 'load'>>({ kind: 'ours', job: row.job, iterations });
  return r.value === undefined ? { ok: false, note: r.note, load: r.load } : { ...r.value, load: r.load };
}

// ---------------------------------------------------------------- flops of a row

/** Shards a row's iteration is split over. */
const shardsOf = (row: Row, parallelShards: number): number => (row.job.parallel ? parallelShards : 1);

/** matMul flops of one iteration of a row (null: not derived for this strategy). */
function rowFlops(row: Row, parallelShards: number): number | null {
  const { job } = row;
  const shards = shardsOf(row, parallelShards);
  const referenceShape = shapeOf(job.hidden ?? 128);
  if (job.what === 'sample') return samplingFlops(referenceShape, job.batch, job.steps, shards, samplerPath);
  if (job.what === 'naive') return null; // autodiff through `apply`: a different kernel mix, not derived
  const chunkRows = job.parallel ? (job.chunkRows ?? defaultChunkRows) : Infinity;
  return adjointIterationFlops(referenceShape, { batch: job.batch, steps: job.steps, shards, chunkRows, driftCacheBytes });
}

// ---------------------------------------------------------------- parent

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim() !== '' && !/^\s+at /.test(l));
  return (lines.find((l) => /Error|error/.test(l)) ?? lines[lines.length - 1] ?? '').slice(0, 200);
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

function ints(text: string, name: string, min: number): number[] {
  const values = text.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < min)) fail(`--${name} must be integers ≥ ${min} separated by commas, got '${text}'`);
  return values;
}

function yesNo(text: string | undefined, name: string, fallback: boolean): boolean {
  if (text === undefined) return fallback;
  if (text === 'yes' || text === 'true') return true;
  if (text === 'no' || text === 'false') return false;
  return fail(`--${name} must be yes or no, got '${text}'`);
}

function list<T extends string>(text: string | undefined, name: string, allowed: readonly T[], fallback: readonly T[]): T[] {
  if (text === undefined) return [...fallback];
  if (text === 'none') return [];
  const items = text.split(',').map((s) => s.trim());
  for (const s of items) if (!(allowed as readonly string[]).includes(s)) fail(`--${name}: '${s}' is not one of ${allowed.join(', ')} (or none)`);
  return items as T[];
}

const fmt = (v: number | undefined | null, digits = 0): string => (v === undefined || v === null || Number.isNaN(v) ? '—' : v.toFixed(digits));
const loads = (rs: readonly Run[]): string => rs.map((r) => `${r.load[0].toFixed(1)}→${r.load[1].toFixed(1)}`).join(', ');

async function childMain(request: { kind: 'ours'; job: WorkloadJob; iterations: number } | { kind: 'check'; job: WorkloadJob; shards: number }): Promise<void> {
  // Measure the footprint a compiled (JavaScript) run has: tsx turns on source maps, which makes
  // Node parse the .map files of every tfjs bundle it loads (~50 MiB). Off before tfjs loads.
  process.setSourceMapsEnabled(false);
  try {
    const reply = request.kind === 'ours' ? await oursChild(request.job, request.iterations) : await checkChild(request.job, request.shards);
    console.log(JSON.stringify({ reply }));
  } catch (error) {
    console.log(JSON.stringify({ reply: null, error: error instanceof Error ? error.message.split('\n')[0] : String(error) }));
  }
  process.exit(0);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return childMain(JSON.parse(argv[1] as string));
  const args = parseArgs(argv);
  const known = ['batch', 'strategies', 'samplers', 'sample-points', 'rounds', 'iterations', 'steps', 'workers', 'chunk-rows', 'anchor', 'peak', 'peak-shape', 'replay', 'check', 'hidden'];
  for (const k of args.keys()) if (!known.includes(k)) fail(`unknown option --${k} (known: ${known.join(', ')})`);
  const batches = ints(args.get('batch') ?? '512,5000', 'batch', 1);
  const strategies = list(args.get('strategies'), 'strategies', STRATEGIES, ['parallel-adjoint']);
  const samplers = list(args.get('samplers'), 'samplers', SAMPLERS, SAMPLERS);
  const points = ints(args.get('sample-points') ?? '10000', 'sample-points', 1)[0] as number;
  const rounds = ints(args.get('rounds') ?? '3', 'rounds', 0)[0] as number;
  const iterations = ints(args.get('iterations') ?? '5', 'iterations', 1)[0] as number;
  const steps = ints(args.get('steps') ?? '30', 'steps', 1)[0] as number;
  const hidden = ints(args.get('hidden') ?? '128', 'hidden', 1)[0] as number;
  const workers = args.has('workers') ? (ints(args.get('workers') as string, 'workers', 0)[0] as number) : null;
  const chunkRows = args.has('chunk-rows') ? (ints(args.get('chunk-rows') as string, 'chunk-rows', 1)[0] as number) : null;
  const torch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const anchor = yesNo(args.get('anchor'), 'anchor', torch);
  if (anchor && !torch) fail(`--anchor yes, but '${PYTHON} -c "import torch"' fails (the lead installs torch with setup-torch.sh)`);
  const peak = yesNo(args.get('peak'), 'peak', true);
  const peakShape = ints(args.get('peak-shape') ?? '1024,1024,1024', 'peak-shape', 1);
  if (peakShape.length !== 3) fail(`--peak-shape must be m,k,n, got '${args.get('peak-shape')}'`);
  const check = yesNo(args.get('check'), 'check', false);
  const replay = yesNo(args.get('replay'), 'replay', true);
  const nproc = availableParallelism();
  /** Shards of a parallel row: dataParallel's workers plus the calling thread's. */
  const parallelShards = (workers ?? Math.max(nproc - 1, 0)) + 1;

  const rows: Row[] = [];
  for (const batch of batches) {
    for (const s of strategies) {
      const job: WorkloadJob = { what: s.endsWith('naive') ? 'naive' : 'adjoint', batch, steps, parallel: s.startsWith('parallel-'), workers, chunkRows, hidden };
      rows.push({ label: `train ${s} B = ${batch}${hidden === 128 ? '' : `, width ${hidden}, N = ${steps}`}`, job, anchor: { mode: 'adjoint', batch } });
    }
  }
  for (const s of samplers) {
    const parallel = s === 'parallel-sample';
    const job: WorkloadJob = { what: 'sample', batch: points, steps, parallel, workers, chunkRows, hidden };
    rows.push({ label: `${parallel ? 'parallel-sample' : 'sample, one thread,'} ${points} points`, job, anchor: { mode: 'sample', batch: points } });
  }

  // BENCH_COMMIT names the code when the run is not in a git checkout (e.g. an exported snapshot)
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  const commit = git.status === 0 ? git.stdout.trim() : (process.env['BENCH_COMMIT'] ?? 'unknown');
  const dirty = git.status === 0 && spawnSync('git', ['status', '--porcelain', '--', '../../packages', '.'], { encoding: 'utf8' }).stdout.trim() !== '';
  console.log(
    `train-step: ${new Date().toISOString()}, commit ${commit}${dirty ? ' + uncommitted changes' : ''}, ${nproc} cores (${cpus()[0]?.model ?? '?'}), ` +
      `Node ${process.version}; ${rows.length} rows × ${rounds} rounds, ${iterations} timed iterations per child, N = ${steps}; anchor ${anchor ? 'on' : 'off'}; load ${load1().toFixed(2)}`,
  );

  if (check) {
    console.log('\n| row | derived GFLOP / iteration | profiled (tf.profile, matMul kernels) | pieces profiled | matMul kernels / iteration | agree |');
    console.log('|---|---:|---:|---|---:|---|');
    let bad = 0;
    for (const row of rows) {
      const derived = rowFlops(row, parallelShards);
      const r = await spawnSelf<{ flops: number; kernels: number; pieces: string }>({ kind: 'check', job: row.job, shards: shardsOf(row, parallelShards) });
      const agree = derived !== null && r.value !== undefined && derived === r.value.flops;
      if (!agree) bad++;
      console.log(`| ${row.label} | ${fmt(derived === null ? null : derived / 1e9, 3)} | ${r.value === undefined ? `failed: ${r.note}` : fmt(r.value.flops / 1e9, 3)} | ${r.value?.pieces ?? '—'} | ${r.value?.kernels ?? '—'} | ${agree ? 'yes' : 'NO'} |`);
    }
    if (bad > 0) {
      console.error(`train-step: the derived flop count differs from the profiled one in ${bad} row(s)`);
      process.exitCode = 1;
    }
  }
  if (rounds === 0) return;

  const peakThreads = [...new Set([1, ...rows.map((r) => shardsOf(r, parallelShards))])].sort((a, b) => a - b);
  const peaks = new Map<number, MatMulPeak[]>(peakThreads.map((t) => [t, []]));
  const ours = new Map<Row, Run[]>(rows.map((r) => [r, []]));
  const theirs = new Map<Row, Run[]>(rows.map((r) => [r, []]));
  /** Per row, per round: its own matMuls replayed alone (undefined: not run or failed). */
  const replays = new Map<Row, (ReplayResult | undefined)[]>(rows.map((r) => [r, []]));
  /** The rows replay.ts can replay: those with a derived flop count (the adjoint and the sampler). */
  const replayable = (row: Row): boolean => replay && row.job.what !== 'naive';
  for (let round = 1; round <= rounds; round++) {
    if (peak) {
      for (const t of peakThreads) {
        const before = load1();
        try {
          const p = await measureMatMulPeak(peakShape as [number, number, number], t, 10);
          peaks.get(t)?.push(p);
          console.error(`round ${round}: matMul ${peakShape.join('×')} on ${t} thread(s): ${p.gflops.toFixed(1)} GFLOP/s (per thread ${p.perThread.toFixed(1)}); load ${before.toFixed(1)}→${load1().toFixed(1)}`);
        } catch (error) {
          console.error(`round ${round}: matMul peak on ${t} thread(s) failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    for (const row of rows) {
      if (replayable(row)) {
        const before = load1();
        // a one-thread row runs its batch as one chunk (a finite count: the replay child gets it as JSON, where Infinity is null)
        const chunks = row.job.parallel ? (row.job.chunkRows ?? defaultChunkRows) : row.job.batch;
        try {
          const r = await measureReplay(row.job, shardsOf(row, parallelShards), chunks, 3);
          replays.get(row)?.push(r);
          console.error(`round ${round}: ${row.label}: its ${r.products} matMuls alone ${fmt(r.ms)} ms [threads ${r.perThread.map((t) => t.toFixed(0)).join(' ')}], ${fmt(r.flops / 1e9, 3)} GFLOP; load ${before.toFixed(1)}→${load1().toFixed(1)}`);
        } catch (error) {
          replays.get(row)?.push(undefined);
          console.error(`round ${round}: ${row.label}: replay failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      const o = await runOurs(row, iterations);
      ours.get(row)?.push(o);
      const detail = o.ok ? `${fmt(o.ms)} ms [${o.times?.map((t) => t.toFixed(0)).join(' ')}]` : `FAILED ${o.note}`;
      let line = `round ${round}: ${row.label}: ours ${detail}, load ${loads([o])}`;
      if (anchor) {
        const a = await runAnchor(row, iterations, steps);
        theirs.get(row)?.push(a);
        line += `; anchor ${a.ok ? `${fmt(a.ms)} ms` : `FAILED ${a.note}`}, load ${loads([a])}`;
        if (o.ok && a.ok) line += `; ratio ${((o.ms as number) / (a.ms as number)).toFixed(2)}`;
      }
      console.error(line);
    }
  }

  // ---- the tables
  /** The ceiling on `threads` threads measured at the start of round `k` (0-based). */
  const peakIn = (threads: number, k: number): number | undefined => peaks.get(threads)?.[k]?.gflops;
  /**
   * The ceiling of the run: the best of its rounds. A round's own measurement is lower whenever
   * another job held a core at that moment, which says nothing about what the backend can do.
   */
  const peakOf = (threads: number): number | undefined => {
    const ps = peaks.get(threads) ?? [];
    return ps.length === 0 ? undefined : Math.max(...ps.map((p) => p.gflops));
  };
  if (peak) {
    console.log(`\nmatMul ceiling, [${peakShape.join(', ')}] products, best of the rounds (per round: all threads' GFLOP/s):`);
    for (const t of peakThreads) {
      const ps = peaks.get(t) ?? [];
      console.log(`  ${t} thread(s): ${fmt(peakOf(t), 1)} GFLOP/s [${ps.map((p) => p.gflops.toFixed(1)).join(', ')}], per thread ${fmt(ps.length === 0 ? undefined : median(ps.map((p) => p.perThread)), 1)}`);
    }
  }
  console.log(`\nper round (ms per iteration, median of ${iterations}; load = 1-min load average before→after the child; nproc ${nproc}):\n`);
  /** GFLOP/s of a run, and as a fraction of the ceiling measured in the same round. */
  const rate = (row: Row, o: Run, k: number): { gflops?: number; fraction?: number } => {
    const flops = rowFlops(row, parallelShards);
    if (!o.ok || flops === null) return {};
    const gflops = flops / (o.ms as number) / 1e6;
    const ceiling = peakIn(shardsOf(row, parallelShards), k);
    return ceiling === undefined ? { gflops } : { gflops, fraction: gflops / ceiling };
  };
  const percent = (f: number | undefined): string => (f === undefined ? '—' : `${(100 * f).toFixed(0)} %`);
  const alone = (row: Row, k: number): number | undefined => replays.get(row)?.[k]?.ms;
  /** Round k's replay time over ours: the share of the iteration that is the products alone. */
  const aloneShare = (row: Row, k: number): number | undefined => {
    const o = ours.get(row)?.[k];
    const a = alone(row, k);
    return o?.ok === true && a !== undefined ? a / (o.ms as number) : undefined;
  };
  console.log('| row | round | ours ms | anchor ms | ratio | GFLOP/s | ceiling GFLOP/s (this round) | of ceiling | its matMuls alone ms | alone / ours | load ours | load anchor |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const row of rows) {
    const os = ours.get(row) ?? [];
    const as = theirs.get(row) ?? [];
    os.forEach((o, k) => {
      const a = as[k];
      const ratio = o.ok && a?.ok ? (o.ms as number) / (a.ms as number) : undefined;
      const r = rate(row, o, k);
      console.log(
        `| ${row.label} | ${k + 1} | ${o.ok ? fmt(o.ms) : `failed: ${o.note}`} | ${a === undefined ? '—' : a.ok ? fmt(a.ms) : 'failed'} | ${fmt(ratio, 2)} | ${fmt(r.gflops, 1)} | ${fmt(peakIn(shardsOf(row, parallelShards), k), 1)} | ${percent(r.fraction)} | ${fmt(alone(row, k))} | ${percent(aloneShare(row, k))} | ${loads([o])} | ${a === undefined ? '—' : loads([a])} |`,
      );
    });
  }
  console.log(
    `\nsummary (medians over ${rounds} round(s); ratio = median of the per-round ratios; GFLOP = matMul flops of one iteration, flops.ts; ` +
      `ceiling = the best of the run's rounds on as many threads; of ceiling = median over rounds of GFLOP/s over that round's ceiling; ` +
      `its matMuls alone = the row's own products replayed with nothing else on as many threads, median ms and GFLOP/s over rounds, ` +
      `and (of ceiling) that rate over the round's ceiling; alone / ours = median over rounds of the replay's time over ours: the ` +
      `share of an iteration the products take at the rate this backend runs them at these shapes):\n`,
  );
  console.log(
    '| row | backend | ours ms | anchor ms | ratio | GFLOP / iter | GFLOP/s | ceiling GFLOP/s (threads) | of ceiling | its matMuls alone ms | alone GFLOP/s (of ceiling) | alone / ours | ours CPU ms | peak RSS MiB (ours / anchor) | load range |',
  );
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const row of rows) {
    const os = (ours.get(row) ?? []).filter((o) => o.ok);
    const as = (theirs.get(row) ?? []).filter((a) => a.ok);
    const all = [...(ours.get(row) ?? []), ...(theirs.get(row) ?? [])];
    const ms = os.length === 0 ? undefined : median(os.map((o) => o.ms as number));
    const ams = as.length === 0 ? undefined : median(as.map((a) => a.ms as number));
    const flops = rowFlops(row, parallelShards);
    const gflops = flops === null || ms === undefined ? undefined : flops / ms / 1e6;
    const threads = shardsOf(row, parallelShards);
    const ceiling = peakOf(threads);
    // Per-round quotients, then their median: this VM's speed moves between rounds (the 1024³
    // ceiling measured 38 and 56 GFLOP/s in one quiet run), so a quotient of two rounds means little.
    const perRound = (f: (k: number) => number | undefined): number | undefined => {
      const vs = (ours.get(row) ?? []).map((_, k) => f(k)).filter((v): v is number => v !== undefined && Number.isFinite(v));
      return vs.length === 0 ? undefined : median(vs);
    };
    const ratio = perRound((k) => {
      const [o, a] = [ours.get(row)?.[k], theirs.get(row)?.[k]];
      return o?.ok === true && a?.ok === true ? (o.ms as number) / (a.ms as number) : undefined;
    });
    const ofCeiling = perRound((k) => rate(row, ours.get(row)?.[k] as Run, k).fraction);
    const aloneMs = perRound((k) => alone(row, k));
    /** GFLOP/s of round k's replay. */
    const aloneRateIn = (k: number): number | undefined => {
      const a = alone(row, k);
      return flops === null || a === undefined ? undefined : flops / a / 1e6;
    };
    const aloneRate = perRound(aloneRateIn);
    const aloneOfCeiling = perRound((k) => {
      const [r, c] = [aloneRateIn(k), peakIn(threads, k)];
      return r === undefined || c === undefined ? undefined : r / c;
    });
    const aloneShareMedian = perRound((k) => aloneShare(row, k));

    const levels = all.flatMap((r) => [...r.load]);
    const range = levels.length === 0 ? '—' : `${Math.min(...levels).toFixed(1)}–${Math.max(...levels).toFixed(1)}`;
    const rss = `${fmt(os.length === 0 ? undefined : Math.max(...os.map((o) => o.peakRssMiB as number)))} / ${fmt(as.length === 0 ? undefined : Math.max(...as.map((a) => a.peakRssMiB as number)))}`;
    console.log(
      `| ${row.label} | ${os[0]?.backend ?? 'failed'} | ${fmt(ms)} | ${fmt(ams)} | ${fmt(ratio, 2)} | ${fmt(flops === null ? null : flops / 1e9, 1)} | ${fmt(gflops, 1)} | ${fmt(ceiling, 1)} (${threads}) | ${percent(ofCeiling)} | ${fmt(aloneMs)} | ${fmt(aloneRate, 1)} (${percent(aloneOfCeiling)}) | ${percent(aloneShareMedian)} | ${fmt(os.length === 0 ? undefined : median(os.map((o) => o.cpuMs as number)))} | ${rss} | ${range} |`,
    );
  }

  console.log(
    `\nkernels (one more iteration per child under tf.profile, this thread's kernels only: a parallel row's main-thread shard and its ` +
      `share of the pool's work; medians over rounds): outside kernels = the child's median (unprofiled) iteration time − Σ kernel ` +
      `times, per kernel (dispatch, tidy/engine bookkeeping, reads back, and on a parallel row the wait for the worker; the profiler's ` +
      `own cost is left out); matMul GFLOP/s = the matMul kernels' flops over their own time; products' share = their time over the ` +
      `median iteration time:\n`,
  );
  console.log('| row | kernels / iteration (this thread) | of them matMuls | Σ kernel ms | iteration ms | µs outside kernels per kernel | matMul GFLOP/s (kernel time) | products\' share of the iteration |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const ps = (ours.get(row) ?? []).flatMap((o) => (o.ok && o.profile !== undefined ? [{ ...o.profile, ms: o.ms as number }] : []));
    const med = (f: (p: IterationProfile) => number): number | undefined => (ps.length === 0 ? undefined : median(ps.map(f)));
    console.log(
      `| ${row.label} | ${fmt(med((p) => p.kernels))} | ${fmt(med((p) => p.matMulKernels))} | ${fmt(med((p) => p.kernelMs))} | ${fmt(med((p) => p.ms))} | ${fmt(med((p) => (1000 * (p.ms - p.kernelMs)) / p.kernels), 1)} | ${fmt(med((p) => p.matMulFlops / p.matMulMs / 1e6), 1)} | ${percent(med((p) => p.matMulMs / p.ms))} |`,
    );
  }
}

await main();
