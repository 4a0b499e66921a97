/**
 * Flags that arrive: every experiment target run the way the README says, through Nx
 * (`npx nx run toy2d:train --batchSize=3 …`), with a value other than its default for every flag
 * the command accepts, in one invocation per target. `--dryRun` makes each command decode its
 * flags exactly as it would run, print `{dryRun, flags, config}` and stop, so the test sees what
 * arrived without training. Nx takes some flag names for itself (`--batch`, `--parallel`,
 * `--verbose`, `--configuration`, …); no command has a flag of those names, and the test fails if
 * one reappears, because it would never arrive; one the command would have used (`--batch` for
 * `--batchSize`) is refused. Each target's help (`npx nx run <target> help`) lists exactly the
 * flags the command decodes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runProcess, runScript, type Ran } from '@diffflow/test-utils';
import { encodeNpyArray } from '@diffflow/datasets';
import { flagsListedIn } from '@diffflow/cli';

/** Flag names `nx run` keeps for itself (nx 24, `nx run --help`): a command flag of one of these names never arrives. */
const NX_RUN_OPTIONS = [
  'batch', 'parallel', 'maxParallel', 'verbose', 'configuration', 'c', 'exclude', 'runner', 'prod', 'graph', 'nxBail', 'nxIgnoreCycles',
  'skipNxCache', 'disableNxCache', 'skipRemoteCache', 'disableRemoteCache', 'excludeTaskDependencies', 'skipSync', 'cloud', 'dte',
  'useAgents', 'agents', 'outputStyle', 'tui', 'project', 'p', 'target', 't', 'help', 'version',
];

/** One `nx run` process per target (twelve), three at a time: 70 s at load 17 on the 2-core machine, over 120 s at load 32. */
const NX_BATCH_TIMEOUT = 600_000;

interface DryRun {
  readonly dryRun: string;
  readonly flags: readonly string[];
  readonly config: Record<string, unknown>;
}

const dryRunOf = (r: Ran, label: string): DryRun => {
  // Nx's stream output prefixes each line with the task's name
  const line = r.stdout.split('\n').find((l) => l.includes('{"dryRun"'));
  if (line === undefined) throw new Error(`${label}: no dry-run line (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(line.indexOf('{"dryRun"'))) as DryRun;
};

const directRuns = new Map<string, DryRun>();

/** The command an Nx target runs, directly (faster than Nx) and once per command: its defaults and flag list. */
function direct(script: string, args: readonly string[]): DryRun {
  const key = [script, ...args].join(' ');
  const known = directRuns.get(key);
  if (known !== undefined) return known;
  const r = runScript(join(repoRoot, script), [...args, '--dryRun'], { timeout: 60_000 });
  const found = dryRunOf(r, key);
  directRuns.set(key, found);
  return found;
}

/** `npx nx run <target> …` (asynchronous, so several targets can run at once). */
function nx(target: string, args: readonly string[]): Promise<Ran> {
  return runProcess('npx', ['nx', 'run', target, ...args, '--outputStyle=stream'], { env: { NX_DAEMON: 'false', NX_TUI: 'false' }, timeout: 0 });
}

const get = (o: Record<string, unknown>, dotted: string): unknown =>
  dotted.split('.').reduce<unknown>((acc, k) => (typeof acc === 'object' && acc !== null ? (acc as Record<string, unknown>)[k] : undefined), o);

/**
 * A value other than the default for every flag: `given` where listed, else from the default —
 * booleans negated, integers + 1, other numbers halved. A flag with neither is an error naming it,
 * so a new flag cannot go untested.
 */
function varied(defaults: DryRun, given: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const flag of defaults.flags) {
    const name = flag.slice(2);
    if (name in given) {
      out[name] = given[name];
      continue;
    }
    const d = get(defaults.config, name);
    if (typeof d === 'boolean') out[name] = !d;
    else if (typeof d === 'number') out[name] = Number.isInteger(d) ? d + 1 : d / 2;
    else throw new Error(`the test gives no value for ${flag} (default ${JSON.stringify(d)})`);
  }
  return out;
}

const asArgs = (values: Readonly<Record<string, unknown>>): string[] => Object.entries(values).map(([k, v]) => `--${k}=${Array.isArray(v) ? v.join(',') : String(v)}`);

/** One target: its script and command, the values it cannot vary by itself, and how a decoded value reads back. */
interface Target {
  readonly target: string;
  readonly script: string;
  readonly command: readonly string[];
  readonly given: Readonly<Record<string, unknown>>;
  /** Command-line text → decoded value, for flags whose codec parses text (lists). */
  readonly decoded?: Readonly<Record<string, unknown>>;
  /** Flags the command reads outside its schema, listed in its help after the schema's. */
  readonly extraFlags?: readonly string[];
}

const toy2d = 'packages/experiments/toy2d/src/cli.ts';
const images = 'packages/experiments/images/src/cli.ts';
const tabular = 'packages/experiments/tabular/src/cli.ts';

/** toy2d:train's --points names an [n, 2] .npy; the decoded config holds its rows. */
const pointsFile = '/tmp/nx-flags/points.npy';
mkdirSync('/tmp/nx-flags', { recursive: true });
writeFileSync(pointsFile, encodeNpyArray(Float32Array.of(1, 2, 3, 4), [2, 2]));

/** The sampler flags of every sample command (samplerFlags of @diffflow/cli): --sampler and each registry setting. */
const samplerGiven = { sampler: 'predictor-corrector', snr: 0.1, correctorSteps: 2, order: 2, lowerOrderFinal: false, posteriorVariance: true, rtol: 0.001, atol: 0.002, maxSteps: 50 };

/** Every registry setting as a compare target takes it (samplerSettingFields of @diffflow/cli), under `prefix` ('diffflow.', 'ddpm.' or none). */
const settingsGiven = (prefix: string): Record<string, unknown> => {
  const { sampler: _, ...settings } = samplerGiven;
  return Object.fromEntries(Object.entries({ lambda: 0.5, denoise: false, ...settings }).map(([k, v]) => [`${prefix}${k}`, v]));
};

const withoutLambda = ({ lambda: _, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;

const targets: readonly Target[] = [
  {
    target: 'toy2d:train',
    script: toy2d,
    command: ['train'],
    // its final samples' settings: every registry setting but λ, which is --sampleLambda
    given: { dataset: 'points', points: pointsFile, strategy: 'naive', workers: 1, sampler: 'heun', sampleLambda: 0.5, out: '/tmp/nx-flags/toy2d', ...withoutLambda(settingsGiven('')) },
    decoded: { points: [[1, 2], [3, 4]] },
  },
  {
    target: 'toy2d:sample',
    script: toy2d,
    command: ['sample'],
    given: { run: '/tmp/nx-flags/run', dataset: 'olympic', n: 7, steps: 9, lambda: 0.5, seed: 3, denoise: false, workers: 2, out: '/tmp/nx-flags/s', ...samplerGiven },
  },
  {
    target: 'toy2d:eval',
    script: 'packages/experiments/toy2d/src/eval_cli.ts',
    command: [],
    given: { run: '/tmp/nx-flags/run', dataset: 'olympic', n: 7, solver: 'rk4', steps: 9, rtol: 0.01, atol: 0.02, resolution: 16, draws: 2, seed: 3, out: '/tmp/nx-flags/e' },
  },
  {
    target: 'toy2d:compare',
    script: 'packages/experiments/compare/src/cli.ts',
    command: [],
    given: {
      quick: false, // --quick would swap the defaults under the flags; every leaf is given anyway
      sharpness: 'olympic,2spirals',
      topology: 'none',
      stepsDatasets: 'olympic',
      stepsList: '2,5',
      'diffflow.strategy': 'naive',
      'ddpm.variance': 'posterior',
      'diffflow.sampler': 'heun',
      'ddpm.sampler': 'dpm-solver',
      'eval.nllSolver': 'rk45',
      ...settingsGiven('diffflow.'),
      ...settingsGiven('ddpm.'),
      out: '/tmp/nx-flags/compare',
      ...Object.fromEntries(
        ['checkerboard', '8gaussians', '2spirals', 'swissroll', 'moons', 'circles', 'olympic', 'fourrings', 'pinwheel', 'sierpinski'].flatMap((d) =>
          ['diffflowIters', 'diffflowBatch', 'ddpmIters', 'ddpmBatch'].map((k, i) => [`budget.${d}.${k}`, 7 + i]),
        ),
      ),
    },
    decoded: { sharpness: ['olympic', '2spirals'], topology: [], stepsDatasets: ['olympic'], stepsList: [2, 5] },
    extraFlags: ['--config'],
  },
  { target: 'tabular:train', script: tabular, command: ['train'], given: { dataset: 'power', data: '/tmp/nx-flags/maf', activation: 'silu', strategy: 'naive', out: '/tmp/nx-flags/tab' } },
  {
    target: 'tabular:eval',
    script: tabular,
    command: ['eval'],
    given: { run: '/tmp/nx-flags/run', data: '/tmp/nx-flags/maf', n: 7, solver: 'rk4', steps: 9, rtol: 0.01, atol: 0.02, trace: 'exact', probes: 2, draws: 3, batchSize: 5, seed: 3, out: '/tmp/nx-flags/te' },
  },
  {
    target: 'tabular:sample',
    script: tabular,
    command: ['sample'],
    // a tabular run has no worker pool: every sampler flag but --workers
    given: { run: '/tmp/nx-flags/run', n: 7, steps: 9, lambda: 0.5, seed: 3, denoise: false, out: '/tmp/nx-flags/ts', ...samplerGiven },
  },
  {
    target: 'images:train',
    script: images,
    command: ['train'],
    given: { data: 'fashion', dataDir: '/tmp/nx-flags/idx', size: 28, fit: 'pad', preset: 'cpu', steps: '10,20', switchAt: '5', forward: 'vp', T: 0.5, lrDecay: 0.5, strategy: 'naive', sampler: 'heun', out: '/tmp/nx-flags/img', ...settingsGiven('') },
  },
  {
    target: 'images:sample',
    script: images,
    command: ['sample'],
    given: { run: '/tmp/nx-flags/run', n: 7, steps: 9, lambda: 0.5, seed: 3, denoise: false, workers: 2, out: '/tmp/nx-flags/is', ...samplerGiven },
  },
  {
    target: 'images:eval',
    script: images,
    command: ['eval'],
    given: {
      run: '/tmp/nx-flags/run', n: 7, solver: 'rk4', odeSteps: 9, rtol: 0.01, atol: 0.02, probes: 2, repeats: 2, elboSteps: 8, elboDraws: 3, gridBeta: 0.7, batchSize: 5, seed: 3, out: '/tmp/nx-flags/ie',
      fdSamples: 7, classifier: '/tmp/nx-flags/lenet',
    },
  },
  {
    target: 'images:classifier',
    script: images,
    command: ['classifier'],
    given: { data: 'fashion', dataDir: '/tmp/nx-flags/idx', size: 28, fit: 'pad', heldOut: 7, seed: 3, epochs: 2, batchSize: 5, lr: 0.01, out: '/tmp/nx-flags/ic', force: true },
  },
  {
    target: 'images:compare',
    script: images,
    command: ['compare'],
    given: {
      quick: false, // --quick would swap the defaults under the flags; every field is given anyway
      data: 'fashion', dataDir: '/tmp/nx-flags/idx', fit: 'pad', preset: 'tiny', steps: '10,20', switchAt: '5', forward: 'learned', strategy: 'naive', lrDecay: 0.5,
      diffflowRun: '/tmp/nx-flags/run', sampleSteps: '4,8', sampler: 'heun', classifier: '/tmp/nx-flags/lenet', out: '/tmp/nx-flags/icmp',
      ...settingsGiven(''),
    },
  },
];

describe('every flag of every experiment target arrives through Nx', () => {
  it('no command has a flag that Nx takes for itself', () => {
    for (const t of targets) {
      const flags = direct(t.script, t.command).flags.map((f) => f.slice(2).split('.')[0] as string);
      expect(flags.filter((f) => NX_RUN_OPTIONS.includes(f)), t.target).toEqual([]);
    }
  });

  it('each target, run through Nx with a non-default value for each flag, decodes every value', async () => {
    const plans = targets.map((t) => {
      const defaults = direct(t.script, t.command);
      const values = varied(defaults, t.given);
      expect(Object.keys(values).sort(), `${t.target}: one value per accepted flag`).toEqual(defaults.flags.map((f) => f.slice(2)).sort());
      return { t, values };
    });
    // three Nx processes at a time: each spends most of its time starting up
    const results: Ran[] = [];
    for (let i = 0; i < plans.length; i += 3) {
      results.push(...(await Promise.all(plans.slice(i, i + 3).map(({ t, values }) => nx(t.target, ['--dryRun', ...asArgs(values)])))));
    }
    plans.forEach(({ t, values }, i) => {
      const r = results[i] as Ran;
      expect(r.status, `${t.target}: ${r.stderr}`).toBe(0);
      const got = dryRunOf(r, t.target);
      for (const [name, value] of Object.entries(values)) {
        const want = t.decoded !== undefined && name in t.decoded ? t.decoded[name] : value;
        expect(get(got.config, name), `${t.target} --${name}`).toEqual(want);
      }
    });
  }, NX_BATCH_TIMEOUT);

  it('an invalid value fails through Nx with one line naming the flag, and the command exits 2', async () => {
    const r = await nx('toy2d:train', ['--batchSize=-3', '--out=/tmp/nx-flags/never']);
    expect(r.status).not.toBe(0); // Nx reports a failed task as 1
    expect(r.stdout + r.stderr).toMatch(/error: config field 'batchSize' \(from command line\): must be an integer >= 1, got -3/);
    const direct2 = runScript(join(repoRoot, toy2d), ['train', '--batchSize=-3', '--out=/tmp/nx-flags/never'], { timeout: 60_000 });
    expect(direct2.status).toBe(2);
    // the old name is refused, pointing at the new one (after `--`, which Nx passes on untouched)
    const old = await nx('toy2d:train', ['--', '--dryRun', '--batch=128']);
    expect(old.status).not.toBe(0);
    expect(old.stdout + old.stderr).toMatch(/unknown option '--batch'.*did you mean '--batchSize'\?.*every option explained: npx nx run toy2d:train help/);
  });

  it('a flag Nx takes for itself is refused when the command has its own flag for it, which the error names', async () => {
    const [batch, parallel, configuration] = await Promise.all([
      nx('toy2d:train', ['--batch=-3', '--out=/tmp/nx-flags/never']),
      nx('images:sample', ['--parallel=2', '--dryRun']),
      nx('toy2d:compare', ['-c', 'mine.json', '--dryRun']),
    ]);
    for (const [r, flag, own] of [[batch, '--batch', '--batchSize'], [parallel, '--parallel', '--workers'], [configuration, '-c', '--config']] as const) {
      expect(r.status, flag).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(`error: option '${flag}': is taken by Nx and never reaches the command; use ${own}`);
      expect(r.stdout).not.toContain('{"dryRun"');
    }
  });
});

/** Each target's help, `npx nx run <target> help`, with Nx's per-line task prefix taken off. */
describe('every experiment target explains each flag its schema decodes, through Nx', () => {
  const helps = new Map<string, Ran>();
  beforeAll(async () => {
    for (let i = 0; i < targets.length; i += 3) {
      const batch = targets.slice(i, i + 3);
      const ran = await Promise.all(batch.map((t) => nx(t.target, ['help'])));
      batch.forEach((t, j) => helps.set(t.target, ran[j] as Ran));
    }
  }, NX_BATCH_TIMEOUT);

  it.each(targets.map((t) => [t.target, t] as const))('%s help', (_, t) => {
    const r = helps.get(t.target) as Ran;
    expect(r.status, `${t.target}: ${r.stderr}`).toBe(0);
    // Nx prefixes each line with the project's name, coloured when it thinks a terminal or CI wants colour
    const text = stripVTControlCharacters(r.stdout).split('\n').map((l) => l.replace(/^[a-z0-9]+: /, '')).join('\n');
    expect(text).toContain(`Usage: npx nx run ${t.target} `);
    expect(flagsListedIn(text), t.target).toEqual([...direct(t.script, t.command).flags, ...(t.extraFlags ?? [])]);
    // every flag: a line of text, then what it allows and its default
    expect(text.match(/^ {6}allowed: /gm)?.length, t.target).toBe(flagsListedIn(text).length);
  });
});
