/**
 * The two-thread ceiling of a row split, measured (issue 27): how fast can *any* split of a training
 * iteration's rows over two threads be on this machine, and how close does the pool come?
 *
 *   node dist/row_split_ceiling.js                                   # width 64, B = 512, N = 30 (the main job's), 8 rounds
 *   node dist/row_split_ceiling.js --batch 256 --steps 10            # the playground's
 *   node dist/row_split_ceiling.js --rounds 16 --iterations 5 --warmup 1 --hidden 64
 *
 * Four child processes, each started once and warmed up (two iterations), then driven by lines on
 * stdin/stdout (line_child.ts):
 *   whole  one thread, the whole batch (the workload's one-thread iteration);
 *   pool   `dataParallel` on two threads (one worker and the calling thread's shard; the workload's
 *          parallel iteration);
 *   half 0, half 1   one thread each on rows [0, B/2) and [B/2, B) of the same batch: those rows of
 *          x_0 and of the batch's forward noise, as a shard gets them.
 * Every timed unit is a whole training iteration: gradients + Adam + the loss read back.
 *
 * Each round runs the four units below in an order rotated from round to round; each unit runs
 * `--warmup` untimed, then `--iterations` timed iterations, on the same iteration indices (the same
 * batches) as the other units of the round:
 *   (i) whole;
 *   (ii) pool;
 *   (iii) the pair: half 0 and half 1 are told to start each iteration at the same moment (one line
 *        each, then both replies awaited). An iteration's time runs from the first half's start to
 *        the last half's end, on the machine's monotonic clock; the start skew is reported. This is
 *        the best a row split into two independent halves can do, with no synchronisation at all;
 *   (iv) one half alone (half 0 in rounds 1, 3, …, half 1 in 2, 4, …).
 * A round's figure for a unit is the median of its timed iterations, as the children time them (no
 * pipe latency inside).
 *
 * Printed: each unit's median over rounds (min–max); the medians of the per-round ratios (pool
 * speed-up (i)/(ii), ceiling speed-up (i)/(iii), pool ÷ ceiling (iii)/(ii), half ÷ whole (iv)/(i),
 * contention (iii)/(iv)); every round's figures; and the 1-minute load average before and after.
 * Each child also reports its CPU time (all its threads). The contention in CPU time (a half in the
 * pair ÷ alone) leaves out the time a process waits for a core while other jobs run. Both halves'
 * CPU ÷ the whole's is the work a split into two takes.
 * Bad flags: one line naming the flag, exit 2. No child outlives the run (killed on every exit).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startLineChild, serveLines, type LineChild } from './line_child.js';
import { median } from './stats.js';
import type { WorkloadJob } from './workload.js';

/** The configuration and the sizes of the measurement. */
export interface CeilingOptions {
  /** Width of both networks. */
  readonly hidden: number;
  /** B: rows of the whole batch; the halves get ⌊B/2⌋ and B − ⌊B/2⌋ (the pool's split). */
  readonly batch: number;
  /** N: steps of the grid. */
  readonly steps: number;
  readonly rounds: number;
  /** Timed iterations of every unit in a round. */
  readonly iterations: number;
  /** Untimed iterations of every unit before its timed ones in a round. */
  readonly warmup: number;
}

/** The defaults: the main job's configuration. */
export const defaultCeilingOptions: CeilingOptions = { hidden: 64, batch: 512, steps: 30, rounds: 8, iterations: 5, warmup: 1 };

const FLAGS: { readonly [K in keyof CeilingOptions]: number } = { hidden: 1, batch: 2, steps: 1, rounds: 1, iterations: 1, warmup: 0 };

/** Parses the command line; throws a RangeError naming the flag and what it allows. */
export function parseCeilingOptions(argv: readonly string[]): CeilingOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options: Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' }])), strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new RangeError(`${error instanceof Error ? error.message : String(error)} (flags: ${Object.keys(FLAGS).map((k) => `--${k}`).join(', ')})`);
  }
  const out: Record<string, number> = { ...defaultCeilingOptions };
  for (const [name, least] of Object.entries(FLAGS)) {
    const text = values[name];
    if (typeof text !== 'string') continue;
    const value = Number(text);
    if (text.trim() === '' || !Number.isInteger(value) || value < least) throw new RangeError(`--${name} must be an integer ≥ ${least}, got '${text}'`);
    out[name] = value;
  }
  return out as unknown as CeilingOptions;
}

/** The rows of the two halves: the pool's split of B rows over two shards. */
export function halves(batch: number): [[number, number], [number, number]] {
  const mid = Math.floor(batch / 2);
  return [
    [0, mid],
    [mid, batch],
  ];
}

/** One round's figures: each unit's median ms over its timed iterations, and the load. */
export interface Round {
  /** (i) one thread, the whole batch. */
  readonly whole: number;
  /** (ii) the pool on two threads. */
  readonly pool: number;
  /** (iii) the pair: per iteration the first start to the last end, median over iterations. */
  readonly pair: number;
  /** Each half's own median within the pair (rows [0, B/2), [B/2, B)). */
  readonly pairHalves: readonly [number, number];
  /** How far apart the two halves of the pair started an iteration (ms; median over the round's). */
  readonly pairSkew: number;
  /** (iv) one half alone. */
  readonly half: number;
  /** Which half ran alone (0 or 1). */
  readonly halfIndex: 0 | 1;
  /** CPU ms per iteration (median; all of the process's threads): the same units, each half of the pair its own. */
  readonly cpu: { readonly whole: number; readonly pool: number; readonly pairHalves: readonly [number, number]; readonly half: number };
  /** 1-minute load average at the start and at the end of the round. */
  readonly load: readonly [number, number];
}

/** A median with the range it summarises. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

const spread = (values: readonly number[]): Spread => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });

/** The summary of all rounds: each unit over rounds, and the medians of the per-round ratios. */
export interface CeilingSummary {
  readonly whole: Spread;
  readonly pool: Spread;
  readonly pair: Spread;
  readonly half: Spread;
  /** (i)/(ii): how much faster the pool is than one thread. */
  readonly poolSpeedup: Spread;
  /** (i)/(iii): how much faster two independent halves at once are than one thread — the ceiling. */
  readonly ceilingSpeedup: Spread;
  /** (iii)/(ii) = pool speed-up ÷ ceiling speed-up: 1 reaches the ceiling; below 1 is the pool's own cost. */
  readonly poolOverCeiling: Spread;
  /** (iv)/(i): what a half batch costs against a whole one alone (0.5 if the cost were all per row). */
  readonly halfOverWhole: Spread;
  /** (iii)/(iv): how much two halves at once slow each other (1 if they did not). */
  readonly contention: Spread;
  /** CPU ms per iteration of each unit over rounds (the pair: both halves together). */
  readonly cpu: { readonly whole: Spread; readonly pool: Spread; readonly pair: Spread; readonly half: Spread };
  /**
   * The CPU time of the half that also ran alone, in the pair ÷ alone: the contention without the
   * time a process waits for a core (which wall time counts when other jobs run).
   */
  readonly contentionCpu: Spread;
  /** Both halves' CPU in the pair ÷ one thread's on the whole batch: the work a split into two takes. */
  readonly splitWorkCpu: Spread;
  /**
   * (i)'s CPU ÷ the slower half's CPU in the pair: the split's ratio of work, which changes little
   * while other jobs take a core. Not a wall-clock speed-up: a one-thread process alone also uses
   * some of the second core (V8's background threads), which this counts as work.
   */
  readonly ceilingSpeedupCpu: Spread;
  /** The pair's start skew (ms) over rounds. */
  readonly pairSkew: Spread;
}

/** Summarises rounds (at least one): medians over rounds and medians of the per-round ratios. */
export function summariseRounds(rounds: readonly Round[]): CeilingSummary {
  if (rounds.length === 0) throw new RangeError('summariseRounds: rounds must not be empty');
  const of = (f: (r: Round) => number): Spread => spread(rounds.map(f));
  return {
    whole: of((r) => r.whole),
    pool: of((r) => r.pool),
    pair: of((r) => r.pair),
    half: of((r) => r.half),
    poolSpeedup: of((r) => r.whole / r.pool),
    ceilingSpeedup: of((r) => r.whole / r.pair),
    poolOverCeiling: of((r) => r.pair / r.pool),
    halfOverWhole: of((r) => r.half / r.whole),
    contention: of((r) => r.pair / r.half),
    cpu: { whole: of((r) => r.cpu.whole), pool: of((r) => r.cpu.pool), pair: of((r) => r.cpu.pairHalves[0] + r.cpu.pairHalves[1]), half: of((r) => r.cpu.half) },
    contentionCpu: of((r) => r.cpu.pairHalves[r.halfIndex] / r.cpu.half),
    splitWorkCpu: of((r) => (r.cpu.pairHalves[0] + r.cpu.pairHalves[1]) / r.cpu.whole),
    ceilingSpeedupCpu: of((r) => r.cpu.whole / Math.max(...r.cpu.pairHalves)),
    pairSkew: of((r) => r.pairSkew),
  };
}

/** The order of the four units in round `round`: rotated by one each round. */
export function unitOrder(round: number): Unit[] {
  const k = round % UNITS.length;
  return [...UNITS.slice(k), ...UNITS.slice(0, k)];
}

/** The four timed units of a round. */
export type Unit = 'whole' | 'pool' | 'pair' | 'half';
const UNITS: readonly Unit[] = ['whole', 'pool', 'pair', 'half'];

const ms = (s: Spread): string => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
const ratio = (s: Spread): string => `**${s.median.toFixed(2)}** (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;

/** The tables as markdown lines: the units, the ratios, every round; loads of the whole run. */
export function formatCeiling(options: CeilingOptions, rounds: readonly Round[], load: readonly [number, number]): string[] {
  const s = summariseRounds(rounds);
  const [h0, h1] = halves(options.batch);
  const config = `width ${options.hidden}, B = ${options.batch}, N = ${options.steps}`;
  return [
    `row-split ceiling, ${config}: ${rounds.length} interleaved rounds of ${options.warmup} untimed + ${options.iterations} timed iterations per unit (gradients + Adam + loss read back); 1-minute load ${load[0].toFixed(2)} → ${load[1].toFixed(2)}`,
    '',
    '| unit | ms per iteration, median over rounds (min–max) | CPU ms per iteration (all threads; the pair: both) |',
    '|---|---:|---:|',
    `| (i) one thread, B = ${options.batch} | ${ms(s.whole)} | ${ms(s.cpu.whole)} |`,
    `| (ii) pool, two threads (dataParallel, one worker + this thread) | ${ms(s.pool)} | ${ms(s.cpu.pool)} |`,
    `| (iii) ceiling: two one-thread processes at once, rows [${h0[0]}, ${h0[1]}) and [${h1[0]}, ${h1[1]}), first start to last end | ${ms(s.pair)} | ${ms(s.cpu.pair)} |`,
    `| (iv) one half alone, B = ${h0[1] - h0[0]} | ${ms(s.half)} | ${ms(s.cpu.half)} |`,
    '',
    '| ratio (median of per-round ratios, min–max) | value |',
    '|---|---:|',
    `| pool speed-up (i)/(ii) | ${ratio(s.poolSpeedup)} |`,
    `| ceiling speed-up (i)/(iii) | ${ratio(s.ceilingSpeedup)} |`,
    `| pool ÷ ceiling (iii)/(ii) | ${ratio(s.poolOverCeiling)} |`,
    `| half ÷ whole (iv)/(i) | ${ratio(s.halfOverWhole)} |`,
    `| contention (iii)/(iv) | ${ratio(s.contention)} |`,
    `| contention, CPU: the lone half's CPU in the pair ÷ alone | ${ratio(s.contentionCpu)} |`,
    `| work of the split, CPU: both halves ÷ whole | ${ratio(s.splitWorkCpu)} |`,
    `| ceiling speed-up, CPU: (i)'s CPU ÷ the slower half's CPU in the pair (work, not wall time) | ${ratio(s.ceilingSpeedupCpu)} |`,
    '',
    `The pair's halves started each iteration within ${s.pairSkew.median.toFixed(2)} ms of each other (median over rounds; the worst round's median ${s.pairSkew.max.toFixed(2)} ms).`,
    '',
    '| round | order | (i) whole | (ii) pool | (iii) pair: half 0 · half 1 → first start to last end | (iv) half alone | load |',
    '|---:|---|---:|---:|---|---:|---|',
    ...rounds.map(
      (r, k) =>
        `| ${k + 1} | ${unitOrder(k).join(', ')} | ${r.whole.toFixed(0)} | ${r.pool.toFixed(0)} | ${r.pairHalves[0].toFixed(0)} · ${r.pairHalves[1].toFixed(0)} → ${r.pair.toFixed(0)} | ${r.half.toFixed(0)} (half ${r.halfIndex}) | ${r.load[0].toFixed(1)} → ${r.load[1].toFixed(1)} |`,
    ),
  ];
}

/** One iteration as its child timed it. */
interface Timed {
  readonly wall: number;
  readonly cpu: number;
  /** When it started: ms on the system's monotonic clock (`process.hrtime`), the same in every process. */
  readonly start: number;
}

// ---------------------------------------------------------------- children

const TAG = '@ceiling';
const here = fileURLToPath(import.meta.url);

/** Milliseconds on CLOCK_MONOTONIC: one clock for all processes of the machine (µs precision kept). */
const monotonicMs = (): number => Number(process.hrtime.bigint() / 1000n) / 1000;

/** A child: starts its workload, warms it up, announces itself, then runs `run <iteration>` lines. */
async function childMain(job: WorkloadJob): Promise<void> {
  const { startWorkload } = await import('./workload.js');
  const workload = await startWorkload(job);
  for (let it = 0; it < 2; it++) await workload.iteration(it); // compiles kernels, starts the worker's backend
  process.stdout.write(`${TAG} ready ${workload.shards}\n`);
  serveLines(
    TAG,
    async (line) => {
      const m = /^run (\d+)$/.exec(line);
      if (m === null) throw new Error(`row-split-ceiling child: unknown request '${line}'`);
      const c0 = process.cpuUsage();
      const t0 = monotonicMs();
      await workload.iteration(Number(m[1]));
      const wall = monotonicMs() - t0;
      const c = process.cpuUsage(c0);
      return `${wall.toFixed(3)} ${((c.user + c.system) / 1000).toFixed(3)} ${t0.toFixed(3)}`;
    },
    () => workload.dispose(),
  );
}

/** A started child and the shards its workload runs on. */
interface Started {
  readonly child: LineChild;
  readonly shards: number;
}

async function startChild(name: string, job: WorkloadJob): Promise<Started> {
  const child = startLineChild(process.execPath, [...process.execArgv, here, '--child', JSON.stringify(job)], TAG, name);
  const ready = await child.ask(null);
  const m = /^ready (\d+)$/.exec(ready);
  if (m === null) throw new Error(`${name}: expected 'ready', got '${ready}'`);
  return { child, shards: Number(m[1]) };
}

/** One timed iteration of a child: its own wall and CPU ms. */
async function runOnce(child: LineChild, iteration: number): Promise<Timed> {
  const reply = await child.ask(`run ${iteration}`);
  const [wall, cpu, start] = reply.split(' ').map(Number);
  if (wall === undefined || cpu === undefined || start === undefined || ![wall, cpu, start].every(Number.isFinite)) throw new Error(`expected 'wall cpu start', got '${reply}'`);
  return { wall, cpu, start };
}

async function measure(options: CeilingOptions): Promise<Round[]> {
  const base = { what: 'adjoint', batch: options.batch, steps: options.steps, hidden: options.hidden, workers: null, chunkRows: null } as const;
  const [rows0, rows1] = halves(options.batch);
  // started one after another, so that their start-up (wasm compile, warm-up) does not overlap
  const children: LineChild[] = [];
  try {
    const start = async (name: string, job: WorkloadJob): Promise<Started> => {
      const s = await startChild(name, job);
      children.push(s.child);
      return s;
    };
    const whole = await start('whole', { ...base, parallel: false });
    const pool = await start('pool', { ...base, parallel: true, workers: 1 });
    if (pool.shards !== 2) throw new Error(`the pool runs ${pool.shards} shards, not 2`);
    const half0 = await start('half 0', { ...base, parallel: false, rows: rows0 });
    const half1 = await start('half 1', { ...base, parallel: false, rows: rows1 });
    const rounds: Round[] = [];
    const perRound = options.warmup + options.iterations;
    for (let r = 0; r < options.rounds; r++) {
      const load0 = loadavg()[0] as number;
      const first = 2 + r * perRound; // the same iteration indices (batches) for every unit of the round
      const times = async <T>(once: (it: number) => Promise<T>): Promise<T[]> => {
        const out: T[] = [];
        for (let j = 0; j < perRound; j++) {
          const t = await once(first + j);
          if (j >= options.warmup) out.push(t);
        }
        return out;
      };
      const halfIndex = (r % 2) as 0 | 1;
      const wall: Partial<Record<Unit, number>> = {};
      const cpu: Partial<Record<Unit, number>> = {};
      let pairHalves: [number, number] = [0, 0];
      let pairSkew = 0;
      let pairHalvesCpu: [number, number] = [0, 0];
      for (const unit of unitOrder(r)) {
        if (unit === 'pair') {
          // both told at once
          const timed = await times(async (it) => (await Promise.all([runOnce(half0.child, it), runOnce(half1.child, it)])) as [Timed, Timed]);
          // from the first start to the last end: a late start (a busy core, the pipe) counts, as a pool's would
          wall.pair = median(timed.map(([a, b]) => Math.max(a.start + a.wall, b.start + b.wall) - Math.min(a.start, b.start)));
          pairHalves = [median(timed.map((p) => p[0].wall)), median(timed.map((p) => p[1].wall))];
          pairSkew = median(timed.map(([a, b]) => Math.abs(a.start - b.start)));
          pairHalvesCpu = [median(timed.map((p) => p[0].cpu)), median(timed.map((p) => p[1].cpu))];
        } else {
          const child = unit === 'whole' ? whole.child : unit === 'pool' ? pool.child : (halfIndex === 0 ? half0 : half1).child;
          const timed = await times((it) => runOnce(child, it));
          wall[unit] = median(timed.map((t) => t.wall));
          cpu[unit] = median(timed.map((t) => t.cpu));
        }
      }
      const round: Round = {
        whole: wall.whole as number,
        pool: wall.pool as number,
        pair: wall.pair as number,
        pairHalves,
        pairSkew,
        half: wall.half as number,
        halfIndex,
        cpu: { whole: cpu.whole as number, pool: cpu.pool as number, pairHalves: pairHalvesCpu, half: cpu.half as number },
        load: [load0, loadavg()[0] as number],
      };
      rounds.push(round);
      console.error(
        `round ${r + 1}/${options.rounds}: whole ${round.whole.toFixed(0)}, pool ${round.pool.toFixed(0)}, pair ${round.pair.toFixed(0)}, half ${round.half.toFixed(0)} ms; load ${round.load[1].toFixed(2)}`,
      );
    }
    return rounds;
  } finally {
    await Promise.all(children.map((c) => c.kill()));
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return childMain(JSON.parse(argv[1] as string) as WorkloadJob);
  let options: CeilingOptions;
  try {
    options = parseCeilingOptions(argv);
  } catch (error) {
    console.error(`row-split-ceiling: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  const load0 = loadavg()[0] as number;
  console.error(`row-split-ceiling: ${new Date().toISOString()}, load ${load0.toFixed(2)}; width ${options.hidden}, B = ${options.batch}, N = ${options.steps}, ${options.rounds} rounds`);
  const rounds = await measure(options);
  console.log(`\n${formatCeiling(options, rounds, [load0, loadavg()[0] as number]).join('\n')}\n`);
}

if (process.argv[1] === here) await main();
