/**
 * What the finiteness checks on every field evaluation cost (sde-core's `checkFinite`: one scalar
 * read-back per drift/score value, and per pull-back in the adjoint): the same work with the checks
 * on and off (`setFiniteChecks`), interleaved in rounds on one thread so that load drifting during
 * the run hits both alike.
 *
 *   node --conditions=@diffflow/source --import tsx tools/bench/src/finite_checks.ts
 *   node --conditions=@diffflow/source --import tsx tools/bench/src/finite_checks.ts --rounds 9 --iterations 5
 *
 * Rows: the adjoint gradient of the reference model (two Fourier MLPs 3 × 128, N = 30) on a
 * training chunk of 256 and of 1,250 rows (the two-thread shard at B = 512 and B = 5000), and
 * `sampleMarginal` of 2,000 points. Each round times every row with the checks on, then off (the
 * order flips every round), `--iterations` runs each after one warm-up, median. Printed: every
 * round, then per row the median over rounds of on, off, and of the per-round ratio on/off, with
 * the 1-minute load average before and after. Then the checks alone, which load disturbs less: the
 * median time of one `checkFinite` on a [B, 2] tensor (over 2,000 calls) times the number of checks
 * of the row (the adjoint: N drift values in the rollout, F_N, N score values and 2N pull-backs =
 * 4N + 1; the sampler: 2N per chunk of 1,024), against the row's median time with the checks off.
 * The backend is `selectBackend()`'s (DIFFFLOW_BACKEND forces one).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { checkFinite, setFiniteChecks } from '@diffflow/sde-core';
import { median } from './stats.js';
import { adjointChunk, samplingShard, startBackend, type Piece } from './workload.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, iterations: { type: 'string', default: '5' }, steps: { type: 'string', default: '30' } } });
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
const steps = Number(values.steps);
for (const [flag, v] of [['--rounds', rounds], ['--iterations', iterations], ['--steps', steps]] as const) {
  if (!Number.isInteger(v) || v < 1) {
    console.error(`${flag} must be an integer ≥ 1, got ${String(values[flag.slice(2) as 'rounds'])}`);
    process.exit(2);
  }
}

const backend = await startBackend();
const rows: { label: string; piece: Piece }[] = [
  { label: 'adjoint, 256 rows', piece: adjointChunk(256, steps) },
  { label: 'adjoint, 1,250 rows', piece: adjointChunk(1250, steps) },
  { label: 'sampleMarginal, 2,000 points', piece: samplingShard(2000, 0, 2000, steps) },
];

/** Median ms of `iterations` runs after one warm-up, with the checks on or off. */
function time(piece: Piece, checks: boolean): number {
  const previous = setFiniteChecks(checks);
  try {
    piece.run();
    const ms: number[] = [];
    for (let k = 0; k < iterations; k++) {
      const start = performance.now();
      piece.run();
      ms.push(performance.now() - start);
    }
    return median(ms);
  } finally {
    setFiniteChecks(previous);
  }
}

const load0 = loadavg()[0] as number;
console.log(`finite checks: backend ${backend}, N = ${steps}, ${rounds} rounds × ${iterations} iterations, load ${load0.toFixed(2)}`);
console.log('| round | row | checks on (ms) | off (ms) | on/off |');
console.log('|---|---|---|---|---|');
const results = rows.map(() => ({ on: [] as number[], off: [] as number[], ratio: [] as number[] }));
for (let r = 0; r < rounds; r++) {
  rows.forEach((row, k) => {
    const order = r % 2 === 0 ? [true, false] : [false, true];
    const [a, b] = order.map((checks) => time(row.piece, checks)) as [number, number];
    const on = order[0] ? a : b;
    const off = order[0] ? b : a;
    const res = results[k]!;
    res.on.push(on);
    res.off.push(off);
    res.ratio.push(on / off);
    console.log(`| ${r + 1} | ${row.label} | ${on.toFixed(1)} | ${off.toFixed(1)} | ${(on / off).toFixed(3)} |`);
  });
}
const load1 = loadavg()[0] as number;
console.log(`\nsummary (medians over ${rounds} rounds; load ${load0.toFixed(2)} → ${load1.toFixed(2)})`);
console.log('| row | checks on (ms) | off (ms) | median on/off | range of on/off |');
console.log('|---|---|---|---|---|');
rows.forEach((row, k) => {
  const res = results[k]!;
  console.log(
    `| ${row.label} | ${median(res.on).toFixed(1)} | ${median(res.off).toFixed(1)} | ${median(res.ratio).toFixed(3)} | ${Math.min(...res.ratio).toFixed(3)} … ${Math.max(...res.ratio).toFixed(3)} |`,
  );
});

/** Median µs of one finiteness check of a finite [rows, 2] tensor. */
function checkMicros(rowsOfX: number): number {
  const x = tf.ones([rowsOfX, 2]);
  const field = { name: 'f' };
  const per: number[] = [];
  for (let block = 0; block < 20; block++) {
    const start = performance.now();
    for (let k = 0; k < 100; k++) checkFinite(field, 'drift', x, { t: 0.5, step: k });
    per.push(((performance.now() - start) * 1000) / 100);
  }
  x.dispose();
  return median(per);
}
const isolated = [
  { row: 0, rowsOfX: 256, checks: 4 * steps + 1 },
  { row: 1, rowsOfX: 1250, checks: 4 * steps + 1 },
  { row: 2, rowsOfX: 1024, checks: 2 * steps * Math.ceil(2000 / 1024) },
];
console.log(`\nthe checks alone (load ${(loadavg()[0] as number).toFixed(2)})`);
console.log('| row | checks per run | µs per check (median) | ms of checks per run | share of the run with checks off |');
console.log('|---|---|---|---|---|');
for (const { row, rowsOfX, checks } of isolated) {
  const us = checkMicros(rowsOfX);
  const ms = (checks * us) / 1000;
  console.log(`| ${rows[row]!.label} | ${checks} | ${us.toFixed(1)} | ${ms.toFixed(2)} | ${((100 * ms) / median(results[row]!.off)).toFixed(2)} % |`);
}
for (const row of rows) row.piece.dispose();
