/**
 * A child process driven by lines: the parent writes a request line to its stdin and waits for the
 * next stdout line that starts with a tag (other lines pass through to stderr). Used where children
 * must stay alive between requests — e.g. to start several at once on a common signal — and where
 * none may outlive the parent: every child started here is killed when the parent exits, and
 * {@link serveLines} makes a child end by itself when its stdin closes (the parent died).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A started child: one request at a time. */
export interface LineChild {
  /** The child's process id. */
  readonly pid: number;
  /**
   * Writes `line` (when given) and resolves with the rest of the next stdout line that starts with
   * `tag + ' '`; rejects when the child exits first (its last stderr line in the message).
   */
  ask(line: string | null): Promise<string>;
  /** Kills the child (SIGKILL) unless it has ended; resolves when it has. */
  kill(): Promise<void>;
  /** Closes the child's stdin and resolves with its exit code (or signal) once it has ended by itself. */
  end(): Promise<number | string>;
}

/** Children started by {@link startLineChild} and not yet ended: killed when this process exits. */
const running = new Set<ChildProcessWithoutNullStreams>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGKILL');
      process.exit(signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 129);
    });
  }
}

/** The number of children started here that are still running (for tests and checks). */
export function runningChildren(): number {
  return running.size;
}

/**
 * Starts `command args` with piped stdin/stdout/stderr. `tag` marks the protocol's lines on stdout
 * (e.g. '@ceiling'); the child's other output goes to this process's stderr, prefixed with `name`.
 */
export function startLineChild(command: string, args: readonly string[], tag: string, name: string): LineChild {
  if (tag === '' || /\s/.test(tag)) throw new RangeError(`startLineChild: tag must be one word, got '${tag}'`);
  installExitHook();
  const child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  const replies: string[] = [];
  let waiting: { resolve: (s: string) => void; reject: (e: Error) => void } | null = null;
  let lastErr = '';
  let ended: string | null = null;
  const ends = new Promise<number | string>((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      ended = `${name} (pid ${child.pid}) exited with ${code ?? signal}${lastErr === '' ? '' : `: ${lastErr}`}`;
      waiting?.reject(new Error(ended));
      waiting = null;
      resolve(code ?? (signal as string));
    });
  });
  child.stdin.on('error', () => undefined); // a write after the child died: the 'close' handler reports it
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith(`${tag} `)) {
      process.stderr.write(`[${name}] ${line}\n`);
      return;
    }
    const reply = line.slice(tag.length + 1);
    if (waiting === null) replies.push(reply);
    else {
      waiting.resolve(reply);
      waiting = null;
    }
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (line.trim() !== '') lastErr = line.trim();
    process.stderr.write(`[${name}] ${line}\n`);
  });
  const ask = (line: string | null): Promise<string> => {
    if (waiting !== null) return Promise.reject(new Error(`${name}: a request is already waiting`));
    const queued = replies.shift();
    if (line !== null && ended === null) child.stdin.write(`${line}\n`);
    if (queued !== undefined) return Promise.resolve(queued);
    if (ended !== null) return Promise.reject(new Error(ended));
    return new Promise((resolve, reject) => (waiting = { resolve, reject }));
  };
  const kill = async (): Promise<void> => {
    if (ended === null) child.kill('SIGKILL');
    await ends;
  };
  const end = (): Promise<number | string> => {
    child.stdin.end();
    return ends;
  };
  return { pid: child.pid as number, ask, kill, end };
}

/**
 * The child's side: calls `handle` for every stdin line in order (one at a time) and writes what it
 * returns as `tag + ' ' + reply`; when stdin ends (the parent closed it or died) or `handle` throws,
 * calls `close` and exits (code 0, or 1 after writing the error to stderr).
 */
export function serveLines(tag: string, handle: (line: string) => Promise<string | null>, close: () => Promise<void>): void {
  process.stdout.on('error', () => process.exit(1)); // the parent is gone
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  const finish = (code: number): void => {
    queue = queue.then(async () => {
      await close();
      process.exit(code);
    });
  };
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      try {
        const reply = await handle(line);
        if (reply !== null) process.stdout.write(`${tag} ${reply}\n`);
      } catch (error) {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        await close();
        process.exit(1);
      }
    });
  });
  lines.on('close', () => finish(0));
}
