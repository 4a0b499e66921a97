import type { SamplerSettings } from '@diffflow/cli';
import { orThrow, samplerLabel } from '@diffflow/cli';
import { openRunDir, type RunDir } from '@diffflow/runs';

/** The output folder of a sample command, opened, with its config.json written. */
export interface SampleDir {
  /** The folder (a run folder of `@diffflow/runs`: writeNpy, writePng, writeSummary …). */
  readonly dir: RunDir;
  /** The sampler and its settings as a folder-name part (`samplerLabel` of `@diffflow/cli`), e.g. `lambda0` or `heun`. */
  readonly label: string;
  /** What config.json holds: `{ run, ...extra, n, steps, lambda, seed, denoise, sampler }`. */
  readonly identity: Readonly<Record<string, unknown>>;
}

/** The default output folder of sampling the run at `runPath` with `settings`: `<run>/sample-n<n>-N<steps>-<label>-seed<seed>`. */
export function defaultSampleOut(runPath: string, settings: Pick<SamplerSettings, 'n' | 'steps' | 'seed' | 'sampler'>): string {
  return `${runPath}/sample-n${settings.n}-N${settings.steps}-${samplerLabel(settings.sampler)}-seed${settings.seed}`;
}

/**
 * Opens the output folder of a sample command — `out`, default {@link defaultSampleOut} — and
 * writes its config.json: the run folder it samples, `extra` (e.g. the checkpoint's iteration), and
 * the sampler settings. The same command run again with the same settings writes into the same
 * folder; a folder that holds other files or another sampling is refused.
 * @param extra more identity keys, written after `run` and before the settings, in their order
 * @throws ExperimentFailure (exit 2) `OutputNotEmpty` for a folder holding something else; `IoFailed` when it cannot be created
 */
export async function openSampleDir(runPath: string, out: string | undefined, settings: SamplerSettings, extra: Readonly<Record<string, unknown>> = {}): Promise<SampleDir> {
  const { n, steps, lambda, seed, denoise, sampler } = settings;
  const identity = { run: runPath, ...extra, n, steps, lambda, seed, denoise, sampler };
  const dir = await orThrow(openRunDir(out ?? defaultSampleOut(runPath, settings), { config: identity, resume: true }));
  await orThrow(dir.writeConfig(identity));
  return { dir, label: samplerLabel(sampler), identity };
}
