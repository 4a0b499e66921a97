/**
 * Memory of one training iteration, stochastic adjoint vs naive backprop (fact sheet §2.5).
 *
 *   npx nx run bench:memory                     # N = 10, 30, 100; B = 5000; both strategies; PyTorch anchor
 *   node --conditions=@diffflow/source --import tsx src/memory.ts --steps 10,30 --batch 1000 --no-torch
 *
 * Model: the 2-D reference (two fourierMlp 3 × 128, g = 0.2, fixedGrid {tMin 1e-3, tMax 0.05, β 0.9}).
 * One iteration = gradients of the trajectory KL + one Adam update. Every (strategy, N) runs in a
 * fresh child process, because the wasm heap never shrinks. A child that fails (the wasm heap is
 * exhausted, or the process dies) is reported as "out of memory" with its error, not retried.
 *
 * Columns:
 *   tfjs peak   – tf.profile's peakBytes minus the bytes held before the iteration (tensor memory the
 *                 iteration needs at its worst moment; exact, counted by the tfjs engine)
 *   wasm heap   – the wasm backend's linear memory after the iteration (grows, never shrinks)
 *   peak RSS    – process.resourceUsage().maxRSS of the child (whole process: Node, tfjs, wasm heap)
 *   CPU time    – user + system CPU seconds of the iteration (the wasm backend runs on one thread)
 *   torch RSS   – peak RSS of the PyTorch anchor (torch_ref.py MODE B 1 N: 1 warm-up + 1 timed iteration)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@diffflow/backend';
import { constantDiffusion, diffflowSde, diffusionModel, fixedGrid, forwardNoise, replayableNormal, replayableUniforms } from '@diffflow/sde-core';
import { fourierMlp } from '@diffflow/networks';
import { disposeGradientResult, gradientStrategy, gradientStrategyNames, type GradientStrategyName } from '@diffflow/adjoint';

const MIB = 1024 * 1024;
const DIM = 2;
const TORCH_PYTHON = '/usr/bin/python3';
const TORCH_ANCHOR = '/work/shared/anchors/torch_ref.py';

/** What a child reports: one JSON line on stdout. */
interface ChildReport {
  readonly strategy: GradientStrategyName;
  readonly steps: number;
  readonly batch: number;
  readonly backend: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly tfjsPeakBytes?: number;
  readonly wasmHeapBytes?: number | null;
  readonly baselineRssKiB: number;
  readonly peakRssKiB: number;
  /** CPU time of the iteration (user + system), robust to other processes on the machine. */
  readonly cpuSeconds?: number;
  readonly loss?: number;
}

// ---------------------------------------------------------------- child: one configuration

async function child(strategyName: GradientStrategyName, steps: number, batch: number): Promise<void> {
  const info = await selectBackend({ quiet: true });
  const drift = fourierMlp({ dim: DIM, seed: 1, name: 'drift' });
  const score = fourierMlp({ dim: DIM, seed: 2, name: 'score' });
  const model = diffusionModel(diffflowSde({ drift, diffusion: constantDiffusion(0.2) }), score);
  const grid = fixedGrid({ steps, tMin: 1e-3, tMax: 0.05, beta: 0.9 });
  const x0 = referenceData(batch);
  const optimizer = tf.train.adam(1e-3);
  const strategy = gradientStrategy(strategyName);
  const base = { strategy: strategyName, steps, batch, backend: info.name };
  const baselineRssKiB = process.resourceUsage().maxRSS;
  const bytesBefore = tf.memory().numBytes;
  const started = process.cpuUsage();
  let loss = Number.NaN;
  let report: ChildReport;
  try {
    const profile = await tf.profile(() => {
      const result = strategy(model, x0, grid, forwardNoise(0, 0));
      optimizer.applyGradients(Object.entries(result.grads).map(([name, tensor]) => ({ name, tensor })));
      loss = result.loss.objective.dataSync()[0] as number;
      disposeGradientResult(result);
    });
    report = {
      ...base,
      ok: true,
      tfjsPeakBytes: profile.peakBytes - bytesBefore,
      wasmHeapBytes: wasmHeapBytes(),
      baselineRssKiB,
      peakRssKiB: process.resourceUsage().maxRSS,
      cpuSeconds: cpuSince(started),
      loss,
    };
  } catch (e) {
    report = { ...base, ok: false, error: firstLine(e), wasmHeapBytes: wasmHeapBytes(), baselineRssKiB, peakRssKiB: process.resourceUsage().maxRSS };
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** The 2-D toy data of the anchor: N(0, 0.5²) around one of the four corners (±1, ±1). */
function referenceData(batch: number): tf.Tensor2D {
  return tf.tidy(() => {
    const jitter = replayableNormal([batch, DIM], { seed: 0, purpose: 'data', iteration: 0, step: 0 });
    const corners = Float32Array.from(replayableUniforms(batch * DIM, { seed: 0, purpose: 'data', iteration: 0, step: 1 }), (u) => (u < 0.5 ? -1 : 1));
    return tf.add(tf.mul(jitter, 0.5), tf.tensor2d(corners, [batch, DIM])) as tf.Tensor2D;
  });
}

/** Size of the wasm backend's linear memory, or null on another backend. */
function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? null;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return (text.split('\n')[0] ?? text).slice(0, 160);
}

// ---------------------------------------------------------------- parent: the table

interface Options {
  readonly steps: readonly number[];
  readonly batch: number;
  readonly strategies: readonly GradientStrategyName[];
  readonly torch: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let steps = [10, 30, 100];
  let batch = 5000;
  let strategies: GradientStrategyName[] = ['naive', 'adjoint'];
  let torch = true;
  const ints = (flag: string, v: string | undefined): number[] => {
    const out = (v ?? '').split(',').map(Number);
    if (v === undefined || out.some((n) => !Number.isInteger(n) || n < 1)) usage(`${flag} takes positive integers separated by commas, got '${v ?? ''}'`);
    return out;
  };
  for (let k = 0; k < argv.length; k++) {
    const flag = argv[k];
    if (flag === '--steps') steps = ints(flag, argv[++k]);
    else if (flag === '--batch') batch = ints(flag, argv[++k])[0] as number;
    else if (flag === '--strategies') {
      const v = argv[++k] ?? '';
      strategies = v.split(',') as GradientStrategyName[];
      if (strategies.some((s) => !(gradientStrategyNames as readonly string[]).includes(s))) usage(`--strategies takes ${gradientStrategyNames.join(', ')}, got '${v}'`);
    } else if (flag === '--no-torch') torch = false;
    else usage(`unknown argument '${flag}'`);
  }
  return { steps, batch, strategies, torch };
}

function usage(message: string): never {
  console.error(`memory: ${message} (usage: memory.ts [--steps 10,30,100] [--batch 5000] [--strategies naive,adjoint] [--no-torch])`);
  process.exit(2);
}

function runChild(strategy: GradientStrategyName, steps: number, batch: number): ChildReport {
  const script = fileURLToPath(import.meta.url);
  const out = spawnSync(process.execPath, [...process.execArgv, script, '--child', strategy, String(steps), String(batch)], {
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 16 * MIB,
  });
  const line = out.stdout.split('\n').find((l) => l.startsWith('{'));
  if (line !== undefined) return JSON.parse(line) as ChildReport;
  const why = out.signal !== null ? `killed by ${out.signal}` : `exit code ${out.status}`;
  const last = out.stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-1)[0] ?? '';
  return { strategy, steps, batch, backend: '?', ok: false, error: `${why}: ${last.slice(0, 160)}`, baselineRssKiB: 0, peakRssKiB: 0 };
}

interface TorchReport {
  readonly ok: boolean;
  readonly peakRssMiB?: number;
  readonly msPerIteration?: number;
  readonly error?: string;
}

function torchAvailable(): string | null {
  if (!existsSync(TORCH_PYTHON) || !existsSync(TORCH_ANCHOR)) return `${TORCH_PYTHON} or ${TORCH_ANCHOR} missing`;
  const probe = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? null : `torch is not importable by ${TORCH_PYTHON}`;
}

function runTorch(strategy: GradientStrategyName, steps: number, batch: number): TorchReport {
  const out = spawnSync(TORCH_PYTHON, [TORCH_ANCHOR, strategy, String(batch), '1', String(steps)], { encoding: 'utf8', maxBuffer: 16 * MIB });
  const rss = /peak_rss_mib=(\d+(?:\.\d+)?)/.exec(out.stdout);
  const ms = /ms_per_iter=(\d+(?:\.\d+)?)/.exec(out.stdout);
  if (out.status === 0 && rss !== null) return { ok: true, peakRssMiB: Number(rss[1]), msPerIteration: Number(ms?.[1]) };
  const why = out.signal !== null ? `killed by ${out.signal}` : `exit code ${out.status}`;
  return { ok: false, error: `${why}: ${(out.stderr.trim().split('\n').slice(-1)[0] ?? '').slice(0, 120)}` };
}

const mib = (bytes: number | null | undefined): string => (bytes === null || bytes === undefined ? '–' : (bytes / MIB).toFixed(1));

async function parent(options: Options): Promise<void> {
  const torchMissing = options.torch ? torchAvailable() : 'skipped (--no-torch)';
  const rows: { tfjs: ChildReport; torch: TorchReport | null }[] = [];
  for (const steps of options.steps) {
    for (const strategy of options.strategies) {
      process.stderr.write(`[memory] ${strategy} N=${steps} B=${options.batch} … `);
      const tfjs = runChild(strategy, steps, options.batch);
      const torch = torchMissing === null ? runTorch(strategy, steps, options.batch) : null;
      process.stderr.write(`${tfjs.ok ? `${mib(tfjs.tfjsPeakBytes)} MiB tensors` : 'out of memory'}\n`);
      rows.push({ tfjs, torch });
    }
  }
  const backend = rows.find((r) => r.tfjs.backend !== '?')?.tfjs.backend ?? '?';
  const lines = [
    `Memory of one training iteration (gradients + Adam), 2-D reference model, B = ${options.batch}, backend ${backend}, Node ${process.version}`,
    '',
    '| N | strategy | tfjs peak (MiB) | wasm heap (MiB) | peak RSS (MiB) | CPU time (s) | torch peak RSS (MiB) |',
    '|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const { tfjs, torch } of rows) {
    const torchCell = torch === null ? '–' : torch.ok ? (torch.peakRssMiB as number).toFixed(0) : `failed (${torch.error})`;
    if (tfjs.ok) {
      lines.push(
        `| ${tfjs.steps} | ${tfjs.strategy} | ${mib(tfjs.tfjsPeakBytes)} | ${mib(tfjs.wasmHeapBytes)} | ${(tfjs.peakRssKiB / 1024).toFixed(0)} | ${(tfjs.cpuSeconds as number).toFixed(1)} | ${torchCell} |`,
      );
    } else {
      lines.push(`| ${tfjs.steps} | ${tfjs.strategy} | out of memory (${tfjs.error}) | ${mib(tfjs.wasmHeapBytes)} | ${tfjs.peakRssKiB > 0 ? (tfjs.peakRssKiB / 1024).toFixed(0) : '–'} | – | ${torchCell} |`);
    }
  }
  lines.push('');
  if (torchMissing !== null) lines.push(`PyTorch anchor: ${torchMissing}.`);
  lines.push(...summary(rows.map((r) => r.tfjs), options.batch));
  console.log(lines.join('\n'));
}

/** The two claims: adjoint growth with N ≈ the cached states; adjoint ≤ 25 % of naive at N = 30. */
function summary(reports: readonly ChildReport[], batch: number): string[] {
  const out: string[] = [];
  const peak = (s: GradientStrategyName, n: number): number | undefined => reports.find((r) => r.strategy === s && r.steps === n && r.ok)?.tfjsPeakBytes;
  const adj = reports.filter((r) => r.strategy === 'adjoint' && r.ok).sort((a, b) => a.steps - b.steps);
  const lo = adj[0];
  const hi = adj[adj.length - 1];
  if (lo !== undefined && hi !== undefined && hi.steps > lo.steps) {
    const grew = (hi.tfjsPeakBytes as number) - (lo.tfjsPeakBytes as number);
    const states = (hi.steps - lo.steps) * batch * DIM * 4;
    out.push(
      `Adjoint tfjs peak, N = ${lo.steps} → ${hi.steps}: grows by ${mib(grew)} MiB; the ${hi.steps - lo.steps} extra cached states (B·D·4 bytes each) are ${mib(states)} MiB.`,
    );
  }
  for (const n of [...new Set(reports.map((r) => r.steps))]) {
    const a = peak('adjoint', n);
    const v = peak('naive', n);
    const naiveFailed = reports.some((r) => r.strategy === 'naive' && r.steps === n && !r.ok);
    if (a !== undefined && v !== undefined) out.push(`N = ${n}: adjoint / naive tfjs peak = ${((100 * a) / v).toFixed(1)} %.`);
    else if (a !== undefined && naiveFailed) {
      // naive failed to allocate with the wasm heap at its size then: it needs more than that
      const heap = reports.find((r) => r.strategy === 'naive' && r.steps === n)?.wasmHeapBytes;
      out.push(
        heap === null || heap === undefined
          ? `N = ${n}: naive ran out of memory; adjoint peak ${mib(a)} MiB.`
          : `N = ${n}: naive ran out of memory with a ${mib(heap)} MiB wasm heap, so adjoint / naive < ${((100 * a) / heap).toFixed(1)} % (adjoint peak ${mib(a)} MiB).`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------- entry

const argv = process.argv.slice(2);
if (argv[0] === '--child') {
  const [, strategy, steps, batch] = argv;
  await child(strategy as GradientStrategyName, Number(steps), Number(batch));
} else {
  await parent(parseOptions(argv));
}
