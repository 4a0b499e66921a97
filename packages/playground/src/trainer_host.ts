/**
 * The page's side of the training worker: sends commands, passes reports on, keeps the worker's
 * latest in-memory checkpoint ("snapshot"), and never lets a busy worker hold a control up. A pause
 * or resume the worker does not answer within `PAUSE_ANSWER_MS` (a long kernel on a slow backend)
 * and every backend switch replace the worker with a fresh one that restores the last snapshot — the
 * iterations since that snapshot are lost, the model, its optimiser state and loss history are not.
 * A switch starts the new worker on the new backend at once, while the old one still trains and
 * sends its freshest snapshot, so the new worker's start (script, backend, wasm threads) overlaps
 * the wait instead of following it.
 *
 * With `whenIdle`, the host keeps **spare workers**: one per other backend the page has (the
 * workers' `available` and the page's own look-up, `addAvailable`), each with its script loaded
 * and its backend started (wasm compiled, its thread pool up) but no session. A switch to that
 * backend takes its spare, so what is left is the snapshot's wait and its restore. Spares start
 * once the current worker's plots are up (not during the first load or a restore), at `whenIdle`;
 * after a switch the old backend's spare starts again after the new worker's first plots.
 */
import type { Command, Report } from './worker/protocol.js';
import type { BrowserBackend } from './worker/backend_names.js';

/** How long a pause waits for the worker's own answer before the worker is replaced (ms). */
export const PAUSE_ANSWER_MS = 600;
/** How long a backend switch waits for a fresh snapshot before using the last one (ms). */
export const SNAPSHOT_WAIT_MS = 300;

type SessionCommand = Extract<Command, { type: 'reset' | 'load' | 'configure' }>;

/** The error contexts that answer a session command (the worker names the failed command's type, or 'checkpoint'). */
const answers = new Set(['reset', 'load', 'configure', 'checkpoint']);

/** A session command with its typed arrays copied (the originals are transferred to the worker). */
function copyOf(c: SessionCommand): SessionCommand {
  if (c.type === 'reset') return { ...c, points: c.points === null ? null : c.points.slice() };
  if (c.type === 'load') return { ...c, bytes: c.bytes.slice() };
  return c;
}

function transferOf(c: SessionCommand): Transferable[] {
  if (c.type === 'reset') return c.points === null ? [] : [c.points.buffer];
  return c.type === 'load' ? [c.bytes.buffer] : [];
}

/** What a replaced worker is restarted with. */
interface Restart {
  readonly backend: BrowserBackend | undefined;
  readonly reason: string;
  readonly run: boolean;
}

/** A worker started on a backend and left idle, for a switch to that backend (`ready`: its backend is up). */
interface Spare {
  readonly worker: Worker;
  /** performance.now() when it was started, and when its backend was up (null until then). */
  readonly startedAt: number;
  readyAt: number | null;
}

/** How a backend switch got its worker: a spare already started on that backend, or a fresh one. */
export type SwitchStart = 'spare' | 'fresh';

/** The training worker as the page sees it (one at a time; replaced when it does not answer). */
export class TrainerHost {
  private worker: Worker;
  private snapshot: { readonly bytes: Uint8Array; readonly iteration: number } | null = null;
  private backend: { readonly name: BrowserBackend; readonly reason: string } | null = null;
  private waiters: ((r: Report) => boolean)[] = [];
  /**
   * Commands that change the session and have not been answered yet (copies): a fresh worker gets
   * them again after the snapshot, so a model asked for just before a replacement is not lost.
   */
  private inFlight: SessionCommand[] = [];
  /** The last sampler settings sent: a fresh worker gets them too. */
  private sampler: Extract<Command, { type: 'sampler' }> | null = null;
  /** A worker started for a backend switch, not yet in use, and its reports so far (passed on once it is). */
  private prepared: { readonly worker: Worker; readonly reports: Report[] } | null = null;
  /** Idle workers by the backend they started (`whenIdle` given). */
  private readonly spares = new Map<BrowserBackend, Spare>();
  /** The backends the page can run (every backend report's `available` and `addAvailable`'s so far). */
  private available: readonly BrowserBackend[] = [];
  /** Backends whose spare failed to load (a script error): not started again. */
  private readonly broken = new Set<BrowserBackend>();
  /** The current worker has drawn its session (spares may start); else they wait for its plots (`refillAtPlots`). */
  private plotsUp = false;
  private refillAtPlots = false;

  /**
   * @param create makes a new worker (the same script each time)
   * @param onReport every report of the current worker; a replaced worker's are never passed on
   * @param whenIdle runs a function when the page is idle (e.g. `requestIdleCallback`); given, the
   *   host keeps a spare worker for each other available backend, else a switch starts a fresh one
   */
  constructor(
    private readonly create: () => Worker,
    private readonly onReport: (r: Report) => void,
    private readonly whenIdle: ((run: () => void) => void) | null = null,
  ) {
    this.worker = this.spawn();
  }

  /** The spare workers: the backend each started, whether that backend is up, when it was started and when it was up (performance.now(), ms). */
  spareWorkers(): { readonly backend: BrowserBackend; readonly ready: boolean; readonly startedAt: number; readonly readyAt: number | null }[] {
    return [...this.spares].map(([backend, s]) => ({ backend, ready: s.readyAt !== null, startedAt: s.startedAt, readyAt: s.readyAt }));
  }

  /** Sends a command to the current worker (`transfer`: typed arrays' buffers handed over, not copied). */
  send(c: Command, transfer: Transferable[] = []): void {
    if (c.type === 'sampler') this.sampler = c;
    if (c.type === 'reset' || c.type === 'load' || c.type === 'configure') this.inFlight.push(copyOf(c));
    this.worker.postMessage(c, transfer);
  }

  /** Resolves when the session commands sent so far are answered (or after `ms`). */
  async settled(ms = 30_000): Promise<void> {
    const t0 = performance.now();
    while (this.inFlight.length > 0 && performance.now() - t0 < ms) await this.next((r) => r.type === 'session' || r.type === 'settings' || r.type === 'error', ms);
  }

  /** The latest in-memory checkpoint and its iteration (null before the first). */
  latestSnapshot(): { readonly bytes: Uint8Array; readonly iteration: number } | null {
    return this.snapshot;
  }

  /**
   * Pauses training within `PAUSE_ANSWER_MS` (+ the time to start a worker): the worker's own answer,
   * or else a fresh worker restored from the last snapshot, paused.
   * @returns how the pause happened
   */
  async pause(): Promise<'answered' | 'replaced'> {
    const answered = this.next((r) => r.type === 'status' && !r.running, PAUSE_ANSWER_MS);
    this.send({ type: 'pause' });
    if ((await answered) !== null) return 'answered';
    this.replace({ backend: this.backend?.name, reason: this.backend?.reason ?? '', run: false });
    return 'replaced';
  }

  /**
   * Resumes training within `PAUSE_ANSWER_MS` (+ the time to start a worker): the worker's own
   * answer, or else (a worker still busy with a long kernel) a fresh one restored from the last
   * snapshot, training.
   */
  async resume(): Promise<'answered' | 'replaced'> {
    const answered = this.next((r) => r.type === 'status' && r.running, PAUSE_ANSWER_MS);
    this.send({ type: 'run' });
    if ((await answered) !== null) return 'answered';
    this.replace({ backend: this.backend?.name, reason: this.backend?.reason ?? '', run: true });
    return 'replaced';
  }

  /**
   * Moves the session to another backend in that backend's spare worker, or a fresh one (with the
   * freshest snapshot it can get); `run` resumes training there.
   * @returns where the new worker came from
   */
  async switchBackend(name: BrowserBackend, reason: string, run: boolean): Promise<SwitchStart> {
    this.prepared?.worker.terminate(); // an earlier switch not yet done
    const spare = this.spares.get(name);
    this.spares.delete(name);
    const prepared = { worker: spare?.worker ?? this.spawn(), reports: [] as Report[] };
    this.prepared = prepared;
    // a spare has started `name` already: this init only reports it again, with the reason
    prepared.worker.postMessage({ type: 'init', backend: name, reason } satisfies Command);
    const fresh = this.next((r) => r.type === 'snapshot', SNAPSHOT_WAIT_MS);
    this.send({ type: 'snapshot' });
    await fresh;
    const from: SwitchStart = spare === undefined ? 'fresh' : 'spare';
    if (this.prepared !== prepared) return from; // a later switch took over
    this.prepared = null;
    this.replace({ backend: name, reason, run }, prepared);
    return from;
  }

  /** Resolves with the first report `match` accepts within `ms`, else null. */
  private next(match: (r: Report) => boolean, ms: number): Promise<Report | null> {
    return new Promise((resolve) => {
      const waiter = (r: Report): boolean => {
        if (!match(r)) return false;
        clearTimeout(timer);
        resolve(r);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(null);
      }, ms);
      this.waiters.push(waiter);
    });
  }

  private spawn(): Worker {
    const worker = this.create();
    worker.onmessage = (event: MessageEvent<Report>) => {
      if (worker === this.prepared?.worker) this.prepared.reports.push(event.data);
      else if (worker === this.worker) this.receive(event.data);
      else this.fromSpare(worker, event.data); // else: a replaced worker's last words
    };
    worker.onerror = (e) => {
      if (worker === this.worker) this.onReport({ type: 'error', context: 'worker', message: e.message });
      else if (worker === this.prepared?.worker) this.prepared.reports.push({ type: 'error', context: 'worker', message: e.message });
      else this.dropSpare(worker);
    };
    return worker;
  }

  /** A spare's report: its backend is up (on the backend it was started for), or it is of no use. */
  private fromSpare(worker: Worker, r: Report): void {
    const entry = [...this.spares].find(([, s]) => s.worker === worker);
    if (entry === undefined) return;
    const [name, spare] = entry;
    if (r.type === 'backend' && r.name === name) spare.readyAt ??= performance.now();
    else if (r.type === 'backend' || r.type === 'error') this.dropSpare(worker); // fell back to another backend, or failed
  }

  /** Ends a spare that failed; its backend gets no other. */
  private dropSpare(worker: Worker): void {
    for (const [name, s] of this.spares)
      if (s.worker === worker) {
        worker.terminate();
        this.spares.delete(name);
        this.broken.add(name);
      }
  }

  /** The backends that should have a spare: the other available ones (none without `whenIdle`). */
  private spareTargets(): BrowserBackend[] {
    if (this.whenIdle === null || this.backend === null) return [];
    const current = this.backend.name;
    return this.available.filter((b) => b !== current && !this.broken.has(b));
  }

  /** Ends spares no longer wanted (e.g. of the backend now in use) and, with `start`, starts the missing ones when the page is idle. */
  private refill(start: boolean): void {
    const targets = this.spareTargets();
    for (const [name, s] of this.spares)
      if (!targets.includes(name)) {
        s.worker.terminate();
        this.spares.delete(name);
      }
    const whenIdle = this.whenIdle;
    if (!start || whenIdle === null || targets.every((b) => this.spares.has(b))) return;
    whenIdle(() => {
      for (const name of this.spareTargets())
        if (!this.spares.has(name)) {
          const worker = this.spawn();
          this.spares.set(name, { worker, startedAt: performance.now(), readyAt: null });
          worker.postMessage({ type: 'init', backend: name, reason: '' } satisfies Command);
        }
    });
  }

  /**
   * Backends that exist here, looked up by the page itself (`availableBackends`), so spares need
   * not wait for the worker's own look-up (which queues behind its plots and density map: tens of
   * seconds on cpu). Spares start when the current worker's plots are up and the page is idle.
   */
  addAvailable(backends: readonly BrowserBackend[]): void {
    this.available = [...new Set([...this.available, ...backends])];
    if (this.plotsUp) this.refill(true);
    else this.refillAtPlots = true;
  }

  /** A report of the current worker. */
  private receive(r: Report): void {
    if (r.type === 'snapshot') this.snapshot = { bytes: r.bytes, iteration: r.iteration };
    if (r.type === 'backend') {
      this.backend = { name: r.name, reason: r.reason };
      // the backends known so far: a fresh worker lists only its own until it has probed the others
      this.available = [...new Set([...this.available, ...r.available])];
    }
    // spares start once the current worker's plots are up: never during the first load or a restore
    if (r.type === 'session') this.plotsUp = false;
    if (r.type === 'backend') {
      this.refill(this.plotsUp);
      this.refillAtPlots = !this.plotsUp;
    }
    if (r.type === 'visuals') {
      this.plotsUp = true;
      if (this.refillAtPlots) this.refill(true);
      this.refillAtPlots = false;
    }
    if (r.type === 'session' || r.type === 'settings' || (r.type === 'error' && answers.has(r.context))) this.inFlight.shift();
    this.waiters = this.waiters.filter((w) => !w(r));
    this.onReport(r);
  }

  /**
   * Terminates the worker (mid-kernel if need be) and restores the last snapshot in a fresh one —
   * `prepared`, already started on `r.backend` (its reports so far are passed on now), or a new one.
   */
  private replace(r: Restart, prepared: { readonly worker: Worker; readonly reports: Report[] } | null = null): void {
    const saved = this.snapshot;
    this.worker.terminate();
    this.plotsUp = false;
    this.onReport({ type: 'status', running: false });
    if (prepared === null) {
      this.worker = this.spawn();
      this.send(r.backend === undefined ? { type: 'init' } : { type: 'init', backend: r.backend, reason: r.reason });
    } else {
      this.worker = prepared.worker;
      for (const report of prepared.reports.splice(0)) this.receive(report);
    }
    if (this.sampler !== null) this.send(this.sampler);
    const again = this.inFlight;
    this.inFlight = [];
    if (saved !== null) {
      const bytes = saved.bytes.slice();
      this.send({ type: 'load', bytes, name: `the in-memory checkpoint of iteration ${saved.iteration}` }, [bytes.buffer]);
    }
    for (const c of again) {
      const copy = copyOf(c);
      this.send(copy, transferOf(copy));
    }
    if (r.run) this.send({ type: 'run' });
    this.send({ type: 'probe', choose: false }); // the menu's list of backends, after the model is back
  }
}
