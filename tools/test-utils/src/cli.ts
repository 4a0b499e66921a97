/**
 * Running the workspace's own TypeScript entry points in a child process, the way the Nx targets
 * run them: `node --conditions=@diffflow/source --import tsx <script> …args` from the repository
 * root, on the sources (no build).
 */
import { spawn, spawnSync } from 'node:child_process';

/** The repository root (absolute, with a trailing slash). */
export const repoRoot: string = new URL('../../../', import.meta.url).pathname;

/** Node's arguments that run a workspace TypeScript file on the sources: the export condition and tsx. */
export const SOURCE_NODE_ARGS: readonly string[] = ['--conditions=@diffflow/source', '--import', 'tsx'];

/** How a child process ended and what it printed. */
export interface Ran {
  /** Exit code; null when it was killed (by the timeout, for one). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runScript} / {@link runScriptAsync} / {@link runProcess}. */
export interface RunOptions {
  /** Variables set over this process's environment (default for scripts: `DIFFFLOW_BACKEND=wasm`, the embedded default). */
  readonly env?: Readonly<Record<string, string>>;
  /** Milliseconds before the child is killed (default 120 000; 0 for no limit). */
  readonly timeout?: number;
  /** Working folder (default {@link repoRoot}); for a script, one inside the repository (where `tsx` resolves). */
  readonly cwd?: string;
}

const DEFAULT_TIMEOUT_MS = 120_000;
const scriptEnv = { DIFFFLOW_BACKEND: 'wasm' };

/**
 * Runs the workspace TypeScript file `script` with `args` in a child process and waits for it
 * (blocking this thread): `node --conditions=@diffflow/source --import tsx script …args`, from the
 * repository root, with `DIFFFLOW_BACKEND=wasm` unless `options.env` says otherwise.
 */
export function runScript(script: string, args: readonly string[], options: RunOptions = {}): Ran {
  const r = spawnSync(process.execPath, [...SOURCE_NODE_ARGS, script, ...args], {
    cwd: options.cwd ?? repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ...(options.env ?? scriptEnv) },
    timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** {@link runScript} without blocking the event loop, so several scripts run at once. */
export function runScriptAsync(script: string, args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  return runProcess(process.execPath, [...SOURCE_NODE_ARGS, script, ...args], { ...options, env: options.env ?? scriptEnv });
}

/**
 * Runs any `command` with `args` in a child process, collecting its output, without blocking the
 * event loop; resolves when it has exited (rejects only when it could not be started).
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
