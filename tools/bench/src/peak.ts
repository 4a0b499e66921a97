/**
 * The matMul ceiling of the backend, measured: GFLOP/s of one large product [m, k]·[k, n] repeated
 * on T threads at once, each thread a process of its own with its own backend (as `dataParallel`'s
 * workers each have their own: wasm runs one thread per backend in Node). All T start together
 * (each warms up, then waits for a common "go"), and the rate is T · reps · 2mkn over the wall time
 * from the first start to the last finish, so a thread slowed by other load lowers it.
 *
 *   node dist/peak.js [m k n reps threads]     # prints one JSON line per thread count
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

/** One measurement of the ceiling. */
export interface MatMulPeak {
  readonly shape: readonly [number, number, number];
  readonly threads: number;
  /** All threads together: T · reps · 2mkn / wall time. */
  readonly gflops: number;
  /** Median over threads of each thread's median GFLOP/s per product. */
  readonly perThread: number;
}

const here = fileURLToPath(import.meta.url);

/**
 * Runs `script` once per argument list, each a child process of this Node (same flags), started
 * together: every child prepares, prints `ready` (see {@link waitForGo}) and waits; once all are
 * ready each gets `go` and runs, then prints one JSON line. Resolves with those lines, parsed, in
 * the order of `argLists`; rejects when a child exits non-zero (the others are killed).
 */
export function runTogether<T>(script: string, argLists: readonly (readonly string[])[]): Promise<T[]> {
  const count = argLists.length;
  return new Promise((resolve, reject) => {
    const children = argLists.map((args) => spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
    const outs = children.map(() => '');
    const results: (T | undefined)[] = children.map(() => undefined);
    let ready = 0;
    let done = 0;
    children.forEach((child, c) => {
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        outs[c] += d.toString();
        const lines = (outs[c] as string).split('\n');
        outs[c] = lines.pop() as string;
        for (const line of lines) {
          if (line === 'ready' && ++ready === count) children.forEach((ch) => ch.stdin.write('go\n'));
          else if (line.startsWith('{')) results[c] = JSON.parse(line) as T;
        }
      });
      child.on('close', (code) => {
        if (code !== 0 || results[c] === undefined) {
          children.forEach((ch) => ch.kill());
          reject(new Error(`a thread exited ${code}: ${err.trim().split('\n').pop() ?? ''}`));
          return;
        }
        if (++done === count) resolve(results as T[]);
      });
    });
  });
}

/** The child's side of {@link runTogether}: says `ready`, resolves at `go`. */
export function waitForGo(): Promise<void> {
  console.log('ready');
  return new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
}

/** Measures [m, k]·[k, n] on `threads` processes at once, `reps` products each (after one warm-up). */
export async function measureMatMulPeak(shape: readonly [number, number, number], threads: number, reps: number): Promise<MatMulPeak> {
  const [m, k, n] = shape;
  const flops = 2 * m * k * n;
  const args = ['--peak-child', String(m), String(k), String(n), String(reps)];
  let results: { start: number; end: number; times: number[] }[];
  try {
    results = await runTogether(here, Array.from({ length: threads }, () => args));
  } catch (error) {
    throw new Error(`matMul peak: ${error instanceof Error ? error.message : String(error)}`);
  }
  const wall = Math.max(...results.map((r) => r.end)) - Math.min(...results.map((r) => r.start));
  const perThread = median(results.map((r) => flops / median(r.times) / 1e6));
  return { shape: [m, k, n], threads, gflops: (threads * reps * flops) / wall / 1e6, perThread };
}

/** A thread of the measurement: warm up, say "ready", wait for "go", run, print the times. */
async function peakChild(m: number, k: number, n: number, reps: number): Promise<void> {
  process.setSourceMapsEnabled(false);
  const tf = await import('@tensorflow/tfjs-core');
  const { startBackend } = await import('./workload.js');
  await startBackend();
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  tf.matMul(a, b).dataSync();
  await waitForGo();
  const times: number[] = [];
  const start = performance.timeOrigin + performance.now();
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    c.dataSync();
    times.push(performance.now() - t0);
    c.dispose();
  }
  const end = performance.timeOrigin + performance.now();
  console.log(JSON.stringify({ start, end, times }));
  process.exit(0);
}

if (process.argv[1] === here) {
  const args = process.argv.slice(2);
  if (args[0] === '--peak-child') {
    const [m, k, n, reps] = args.slice(1).map(Number) as [number, number, number, number];
    await peakChild(m, k, n, reps);
  } else {
    const [m = 1024, k = 1024, n = 1024, reps = 10, threads = 2] = args.map(Number);
    for (let t = 1; t <= threads; t++) console.log(JSON.stringify(await measureMatMulPeak([m, k, n], t, reps)));
  }
}
