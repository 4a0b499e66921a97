import { describe, expect, it } from 'vitest';
import { TrainerHost } from './trainer_host.js';
import type { Command, Report, Visuals } from './worker/protocol.js';
import type { BrowserBackend } from './worker/backend_names.js';

/** A worker that records what it is sent; the test speaks for it with `say`. */
class FakeWorker {
  readonly sent: Command[] = [];
  terminated = false;
  onmessage: ((e: MessageEvent<Report>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  postMessage(c: Command): void {
    this.sent.push(c);
  }
  terminate(): void {
    this.terminated = true;
  }
  say(r: Report): void {
    this.onmessage?.({ data: r } as MessageEvent<Report>);
  }
  types(): string[] {
    return this.sent.map((c) => c.type);
  }
}

const backendReport = (name: BrowserBackend, available: BrowserBackend[]): Report => ({ type: 'backend', name, detail: '', reason: 'measured', available });
/** The plots' report (its content is not read by the host). */
const plots = { type: 'visuals', visuals: {} as Visuals } as Report;

/** A host with fake workers, its reports, and the idle callbacks it asked for (run by the test). */
function setUp(spares: boolean) {
  const workers: FakeWorker[] = [];
  const reports: Report[] = [];
  const idle: (() => void)[] = [];
  const host = new TrainerHost(
    () => {
      const w = new FakeWorker();
      workers.push(w);
      return w as unknown as Worker;
    },
    (r) => reports.push(r),
    spares ? (run) => idle.push(run) : null,
  );
  const runIdle = (): void => {
    for (const f of idle.splice(0)) f();
  };
  return { host, workers, reports, idle, runIdle };
}

/** The first worker on wasm with a session drawn, the other backends known (the probe's report). */
function started(spares: boolean) {
  const s = setUp(spares);
  const first = s.workers[0] as FakeWorker;
  first.say(backendReport('wasm', ['wasm']));
  first.say(plots);
  first.say({ type: 'snapshot', bytes: new Uint8Array([1, 2, 3]), iteration: 7 });
  first.say(backendReport('wasm', ['webgl', 'wasm', 'cpu']));
  return { ...s, first };
}

describe('TrainerHost spare workers', () => {
  it('without whenIdle keeps none: a switch starts a fresh worker and restores the snapshot there', async () => {
    const { host, workers, first } = started(false);
    expect(workers).toHaveLength(1);
    const switching = host.switchBackend('cpu', 'chosen in the menu', true);
    first.say({ type: 'snapshot', bytes: new Uint8Array([4, 5]), iteration: 9 });
    expect(await switching).toBe('fresh');
    const next = workers[1] as FakeWorker;
    expect(first.terminated).toBe(true);
    expect(next.types()).toEqual(['init', 'load', 'run', 'probe']);
    expect(next.sent[0]).toEqual({ type: 'init', backend: 'cpu', reason: 'chosen in the menu' });
    expect(Array.from((next.sent[1] as Extract<Command, { type: 'load' }>).bytes)).toEqual([4, 5]);
  });

  it('starts a spare for each other available backend once the plots are up and the page is idle, and passes none of their reports on', () => {
    const s = setUp(true);
    const first = s.workers[0] as FakeWorker;
    first.say(backendReport('wasm', ['webgl', 'wasm', 'cpu']));
    expect(s.idle).toHaveLength(0); // no plots yet: the first load is not slowed down
    first.say(plots);
    expect(s.idle).toHaveLength(1);
    expect(s.workers).toHaveLength(1); // only when idle
    s.runIdle();
    expect(s.workers).toHaveLength(3);
    expect(s.workers.slice(1).map((w) => w.sent)).toEqual([
      [{ type: 'init', backend: 'webgl', reason: '' }],
      [{ type: 'init', backend: 'cpu', reason: '' }],
    ]);
    expect(s.host.spareWorkers().map(({ backend, ready, readyAt }) => ({ backend, ready, readyAt }))).toEqual([
      { backend: 'webgl', ready: false, readyAt: null },
      { backend: 'cpu', ready: false, readyAt: null },
    ]);
    const reportsBefore = s.reports.length;
    (s.workers[2] as FakeWorker).say(backendReport('cpu', ['cpu']));
    expect(s.host.spareWorkers().find((w) => w.backend === 'cpu')?.ready).toBe(true);
    expect(s.reports).toHaveLength(reportsBefore);
    // more plots start nothing more
    first.say(plots);
    s.runIdle();
    expect(s.workers).toHaveLength(3);
  });

  it('a switch takes the backend\'s spare (no new worker), restores the freshest snapshot in it, and refills the old backend\'s spare after the new plots', async () => {
    const s = started(true);
    s.runIdle();
    const cpuSpare = s.workers[2] as FakeWorker; // webgl's, then cpu's
    cpuSpare.say(backendReport('cpu', ['cpu']));
    const count = s.workers.length;
    const switching = s.host.switchBackend('cpu', 'chosen in the menu', true);
    expect(s.first.sent.at(-1)).toEqual({ type: 'snapshot' });
    s.first.say({ type: 'snapshot', bytes: new Uint8Array([8]), iteration: 11 });
    expect(await switching).toBe('spare');
    expect(s.workers).toHaveLength(count);
    expect(s.first.terminated).toBe(true);
    expect(cpuSpare.types()).toEqual(['init', 'init', 'load', 'run', 'probe']);
    expect(cpuSpare.sent[1]).toEqual({ type: 'init', backend: 'cpu', reason: 'chosen in the menu' });
    expect(Array.from((cpuSpare.sent[2] as Extract<Command, { type: 'load' }>).bytes)).toEqual([8]);
    expect(s.host.spareWorkers().map((w) => w.backend)).toEqual(['webgl']);
    // the new worker's reports are passed on now; the spare for wasm waits for its plots
    cpuSpare.say(backendReport('cpu', ['webgl', 'wasm', 'cpu']));
    cpuSpare.say({ type: 'session', settings: {} as never, points: null, iteration: 11, ddpmIteration: 0, parameters: 1, history: { diffflow: { iterations: [], losses: [] }, ddpm: { iterations: [], losses: [] } } });
    expect(s.reports.at(-1)?.type).toBe('session');
    s.runIdle();
    expect(s.workers).toHaveLength(count);
    cpuSpare.say(plots);
    s.runIdle();
    expect(s.workers).toHaveLength(count + 1);
    expect((s.workers.at(-1) as FakeWorker).sent).toEqual([{ type: 'init', backend: 'wasm', reason: '' }]);
    expect(s.host.spareWorkers().map((w) => w.backend).sort()).toEqual(['wasm', 'webgl']);
  });

  it('a spare that cannot start its backend (falls back, or fails) is ended and not started again', () => {
    const s = started(true);
    s.runIdle();
    const webgl = s.workers[1] as FakeWorker;
    webgl.say(backendReport('wasm', ['wasm'])); // "webgl did not start; using wasm"
    expect(webgl.terminated).toBe(true);
    expect(s.host.spareWorkers().map((w) => w.backend)).toEqual(['cpu']);
    const cpu = s.workers[2] as FakeWorker;
    cpu.onerror?.({ message: 'script failed' } as ErrorEvent);
    expect(cpu.terminated).toBe(true);
    s.first.say(backendReport('wasm', ['webgl', 'wasm', 'cpu']));
    s.runIdle();
    expect(s.workers).toHaveLength(3);
    expect(s.host.spareWorkers()).toEqual([]);
  });

  it('keeps the spares when a pause replaces the worker by a fresh one (which lists only its own backend until it probes)', async () => {
    const s = started(true);
    s.runIdle();
    const pausing = s.host.pause(); // the worker does not answer: replaced after PAUSE_ANSWER_MS
    expect(await pausing).toBe('replaced');
    const fresh = s.workers.at(-1) as FakeWorker;
    expect(fresh.types()).toEqual(['init', 'load', 'probe']);
    fresh.say(backendReport('wasm', ['wasm']));
    fresh.say(plots);
    s.runIdle();
    expect(s.host.spareWorkers().map((w) => w.backend)).toEqual(['webgl', 'cpu']);
    expect(s.workers.filter((w) => w.terminated)).toEqual([s.first]);
  });

  it('takes the page\'s own list of backends (addAvailable): spares start once the plots are up, without the worker\'s probe', () => {
    const s = setUp(true);
    const first = s.workers[0] as FakeWorker;
    first.say(backendReport('cpu', ['cpu']));
    s.host.addAvailable(['wasm', 'cpu']);
    s.runIdle();
    expect(s.workers).toHaveLength(1); // no plots yet
    first.say(plots);
    s.runIdle();
    expect(s.workers.slice(1).map((w) => w.sent)).toEqual([[{ type: 'init', backend: 'wasm', reason: '' }]]);
  });

  it('ends the spare of a backend that became the current one (the probe moved the session)', () => {
    const s = started(true);
    s.runIdle();
    const webgl = s.workers[1] as FakeWorker;
    s.first.say(backendReport('webgl', ['webgl', 'wasm', 'cpu']));
    expect(webgl.terminated).toBe(true);
    s.runIdle();
    expect(s.host.spareWorkers().map((w) => w.backend).sort()).toEqual(['cpu', 'wasm']);
  });
});
