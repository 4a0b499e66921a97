/**
 * The main job's pace over its whole training: runs `toy2d train` (the command `npx nx run
 * toy2d:train` runs, with its defaults unless flags are given) into a fresh folder, then prints the
 * median ms per iteration of every block of 200 iterations from its metrics.jsonl, each against the
 * median of the first 800 iterations (before the first learning-rate step), with the 1-minute load
 * average seen during the block. Issue 27's goal: every block within 10 % of that median.
 *
 *   node dist/train_blocks.js                               # the main job's defaults (2400 iterations)
 *   node dist/train_blocks.js --workers=1                   # the same on one thread
 *   node dist/train_blocks.js --run /tmp/some-run           # only the table of a finished run
 *   node dist/train_blocks.js --block 100 --base 400 --iters=1200 --lrDecayEvery=400
 *
 * Every flag other than --run, --block and --base goes to `toy2d train` as it is. Exit code 1 when
 * a block misses the goal (a table is a measurement; the exit code lets a script notice).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

/** One block of iterations: [start, end), its median and tenth-percentile ms, and the loads seen. */
export interface Block {
  readonly start: number;
  readonly end: number;
  readonly medianMs: number;
  readonly p10Ms: number;
  readonly lr: number;
}

/** Blocks of `size` iterations of a run's per-iteration times (metrics.jsonl's `ms`, in order). */
export function blocksOf(records: readonly { readonly ms: number; readonly lr: number }[], size: number): Block[] {
  const out: Block[] = [];
  for (let start = 0; start < records.length; start += size) {
    const part = records.slice(start, start + size);
    const sorted = part.map((r) => r.ms).sort((a, b) => a - b);
    out.push({ start, end: start + part.length, medianMs: median(sorted), p10Ms: sorted[Math.floor(0.1 * sorted.length)] as number, lr: (part[part.length - 1] as { lr: number }).lr });
  }
  return out;
}

/** The median ms of the first `base` iterations, and each block's median over it. */
export function paceAgainstStart(records: readonly { readonly ms: number }[], blocks: readonly Block[], base: number): { baseMs: number; ratios: number[] } {
  const baseMs = median(records.slice(0, base).map((r) => r.ms));
  return { baseMs, ratios: blocks.map((b) => b.medianMs / baseMs) };
}

const here = fileURLToPath(import.meta.url);
/** The repository root: tools/bench/{src,dist}/ → three levels up. */
const root = join(here, '..', '..', '..', '..');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const take = (name: string): string | undefined => {
    const k = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (k < 0) return undefined;
    const a = argv[k] as string;
    const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[k + 1];
    argv.splice(k, a.includes('=') ? 1 : 2);
    return value;
  };
  const bad = (message: string): never => {
    console.error(`train-blocks: ${message}`);
    process.exit(2);
  };
  const runArg = take('run');
  const block = Number(take('block') ?? '200');
  const base = Number(take('base') ?? '800');
  if (!Number.isInteger(block) || block < 1) bad(`--block must be an integer ≥ 1, got ${block}`);
  if (!Number.isInteger(base) || base < 1) bad(`--base must be an integer ≥ 1, got ${base}`);
  const loads: { line: number; load: number }[] = [];
  let run = runArg;
  const started = new Date().toISOString();
  if (run === undefined) {
    run = mkdtempSync(join(tmpdir(), 'train-blocks-'));
    const cli = join(root, 'packages', 'experiments', 'toy2d', 'src', 'cli.ts');
    const args = ['--conditions=@diffflow/source', '--import', 'tsx', cli, 'train', `--out=${run}`, ...argv];
    console.log(`train-blocks: ${started}, load ${loadavg()[0]?.toFixed(2)}; node ${args.slice(3).join(' ')}`);
    const metrics = join(run, 'metrics.jsonl');
    const lines = (): number => (existsSync(metrics) ? readFileSync(metrics, 'utf8').split('\n').filter((l) => l !== '').length : 0);
    const sampler = setInterval(() => loads.push({ line: lines(), load: loadavg()[0] as number }), 5000);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('close', resolve);
    });
    clearInterval(sampler);
    if (code !== 0) bad(`toy2d train exited with ${code}`);
  } else if (argv.length > 0) bad(`--run summarises a finished run; training flags (${argv.join(' ')}) make no sense with it`);
  const records = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { ms: number; lr: number });
  if (records.length < base) bad(`${run} has ${records.length} iterations, fewer than --base ${base}`);
  const blocks = blocksOf(records, block);
  const { baseMs, ratios } = paceAgainstStart(records, blocks, base);
  const loadIn = (b: Block): string => {
    const ls = loads.filter((l) => l.line >= b.start && l.line <= b.end).map((l) => l.load);
    return ls.length === 0 ? '—' : `${Math.min(...ls).toFixed(1)}–${Math.max(...ls).toFixed(1)}`;
  };
  console.log(`\nper block of ${block} iterations (${run}; ms from metrics.jsonl; load = 1-minute load average sampled every 5 s during the block):\n`);
  console.log(`| iterations | lr | median ms | p10 ms | median / first ${base} iterations' median | load |`);
  console.log('|---|---:|---:|---:|---:|---|');
  blocks.forEach((b, k) => console.log(`| ${b.start + 1}–${b.end} | ${b.lr} | ${b.medianMs.toFixed(0)} | ${b.p10Ms.toFixed(0)} | ${(ratios[k] as number).toFixed(2)} | ${loadIn(b)} |`));
  const worst = Math.max(...ratios);
  const summaryPath = join(run, 'summary.json');
  if (existsSync(summaryPath)) {
    const s = JSON.parse(readFileSync(summaryPath, 'utf8')) as { trainSeconds: number; insideSupport: number | null; heldOutNegativeElbo: number; threads: number };
    console.log(`\ntraining ${s.trainSeconds.toFixed(0)} s on ${s.threads} thread(s); ${s.insideSupport === null ? '' : `${(100 * s.insideSupport).toFixed(1)} % inside; `}held-out −ELBO ${s.heldOutNegativeElbo.toFixed(4)} nats`);
  }
  const ok = worst <= 1.1;
  console.log(`${ok ? 'PASS' : 'FAIL'}  every block within 10 % of the first ${base} iterations' median (${baseMs.toFixed(0)} ms): slowest block ${worst.toFixed(2)}×; load ${loadavg()[0]?.toFixed(2)} at the end`);
  if (!ok) process.exitCode = 1;
}

if (process.argv[1] === here) await main();
