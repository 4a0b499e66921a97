import { describe, expect, it } from 'vitest';
import { formatDuration, formatLoss, progressBar, type ProgressStream } from './progress.js';

function sink(isTTY: boolean): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 120, write: (s: string) => chunks.push(s), text: () => chunks.join('') };
}

describe('progressBar, plain lines (not a terminal)', () => {
  it('prints about every 5%, with iteration/total, loss, it/s and ETA', () => {
    const out = sink(false);
    let clock = 0;
    const bar = progressBar({ total: 200, label: 'toy2d moons', stream: out, now: () => clock });
    for (let it = 1; it <= 200; it++) {
      clock += 50; // 20 it/s
      bar.update(it, { loss: 1 / it });
    }
    bar.stop();
    const lines = out.text().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(20);
    expect(lines.length).toBeLessThanOrEqual(22);
    expect(lines[0]).toMatch(/^toy2d moons 1\/200 \(0%\) loss 1 \? it\/s ETA \?$/);
    expect(lines).toContain('toy2d moons 100/200 (50%) loss 0.01 20.0 it/s ETA 5s');
    expect(lines[lines.length - 1]).toMatch(/^toy2d moons 200\/200 \(100%\) loss 0.005 20.0 it\/s ETA 0s$/);
  });

  it('prints every 10 s when 5% takes longer, and uses the given it/s', () => {
    const out = sink(false);
    let clock = 0;
    const bar = progressBar({ total: 10_000, label: 'slow', stream: out, now: () => clock });
    for (let it = 1; it <= 40; it++) {
      clock += 1000; // 1 it/s: 5% would take 500 s
      bar.update(it, { loss: 2, itPerSec: 1 });
    }
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1 + 3); // first update, then at 11 s, 21 s, 31 s
    expect(lines[1]).toMatch(/^slow 11\/10000 \(0%\) loss 2 1\.00 it\/s ETA 2h46m$/);
    bar.stop();
    expect(out.text().trim().split('\n')).toHaveLength(5); // stop prints the last state once
    bar.stop();
    bar.update(50, { loss: 1 });
    expect(out.text().trim().split('\n')).toHaveLength(5);
  });

  it('counts a resumed run from where it resumed', () => {
    const out = sink(false);
    let clock = 0;
    const bar = progressBar({ total: 1000, label: 'r', stream: out, now: () => clock, percentStep: 50 });
    bar.update(800, { loss: 1 });
    clock += 10_000;
    bar.update(900, { loss: 1 }); // 100 it in 10 s → 10 it/s, 100 left → 10 s
    expect(out.text()).toContain('r 900/1000 (90%) loss 1 10.0 it/s ETA 10s');
  });
});

describe('progressBar.restartRate', () => {
  it('measures the ETA afresh after a phase change (fast iterations, then slow ones)', () => {
    const out = sink(false);
    let clock = 0;
    const bar = progressBar({ total: 200, label: 'p', stream: out, now: () => clock, percentStep: 50 });
    for (let it = 1; it <= 100; it++) {
      clock += 100; // 10 it/s
      bar.update(it, { loss: 1, itPerSec: 10 });
    }
    bar.restartRate();
    for (let it = 101; it <= 150; it++) {
      clock += 1000; // 1 it/s
      bar.update(it, { loss: 1, itPerSec: 1 });
    }
    bar.stop();
    // 50 left at 1 it/s: 50 s (the average since the start, 150 it in 60 s, would say 20 s)
    expect(out.text().trim().split('\n').at(-1)).toBe('p 150/200 (75%) loss 1 1.00 it/s ETA 50s');
  });
});

describe('progressBar, live (terminal)', () => {
  it('draws a cli-progress bar with the loss, rate and ETA', () => {
    const out = sink(true);
    const bar = progressBar({ total: 100, label: 'live', stream: out, tty: true });
    bar.update(10, { loss: 0.123456, itPerSec: 42 });
    bar.update(20, { loss: 0.1, itPerSec: 42 });
    bar.stop();
    const text = out.text();
    expect(text).toMatch(/live \[[=-]+\] \d+\/100 \| loss 0\.1\d* \| 42\.0 it\/s \| ETA/);
  });
});

describe('formatting', () => {
  it('formats losses and durations compactly', () => {
    expect(formatLoss(0.123456789)).toBe('0.12346');
    expect(formatLoss(1234.5678)).toBe('1234.6');
    expect(formatLoss(1e-5)).toBe('1.000e-5');
    expect(formatLoss(Number.NaN)).toBe('nan');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(undefined)).toBe('?');
  });
});
