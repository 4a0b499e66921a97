import { describe, expect, it } from 'vitest';
import { defaultCeilingOptions, formatCeiling, halves, parseCeilingOptions, summariseRounds, unitOrder, type Round } from './row_split_ceiling.js';

/** A round whose CPU times equal its wall times unless given. */
const round = (whole: number, pool: number, pairHalves: [number, number], half: number, halfIndex: 0 | 1 = 0, cpu?: Round['cpu']): Round => ({
  whole,
  pool,
  pair: Math.max(...pairHalves),
  pairHalves,
  pairSkew: 0.25,
  half,
  halfIndex,
  cpu: cpu ?? { whole, pool, pairHalves, half },
  load: [1, 1.5],
});

describe('row_split_ceiling', () => {
  it('parses flags, defaulting to the main job, and names a bad flag', () => {
    expect(parseCeilingOptions([])).toEqual(defaultCeilingOptions);
    expect(parseCeilingOptions(['--batch', '256', '--steps=10', '--rounds', '3', '--warmup', '0'])).toEqual({ ...defaultCeilingOptions, batch: 256, steps: 10, rounds: 3, warmup: 0 });
    expect(() => parseCeilingOptions(['--batch', '1'])).toThrow(/--batch must be an integer ≥ 2, got '1'/);
    expect(() => parseCeilingOptions(['--rounds', '2.5'])).toThrow(/--rounds must be an integer ≥ 1/);
    expect(() => parseCeilingOptions(['--steps', ''])).toThrow(/--steps must be an integer ≥ 1/);
    expect(() => parseCeilingOptions(['--threads', '2'])).toThrow(RangeError);
    expect(() => parseCeilingOptions(['--threads', '2'])).toThrow(/--threads/);
    expect(() => parseCeilingOptions(['extra'])).toThrow(RangeError);
  });

  it('splits the rows as the pool does (the calling thread takes the larger half of an odd batch)', () => {
    expect(halves(512)).toEqual([
      [0, 256],
      [256, 512],
    ]);
    expect(halves(5)).toEqual([
      [0, 2],
      [2, 5],
    ]);
  });

  it('rotates the units from round to round, each once per round', () => {
    expect(unitOrder(0)).toEqual(['whole', 'pool', 'pair', 'half']);
    expect(unitOrder(1)).toEqual(['pool', 'pair', 'half', 'whole']);
    expect(unitOrder(4)).toEqual(unitOrder(0));
    for (let r = 0; r < 4; r++) expect([...unitOrder(r)].sort()).toEqual(['half', 'pair', 'pool', 'whole']);
  });

  it('takes the medians of the per-round ratios, not the ratio of the medians', () => {
    // round 2 is slow across the board (the VM), which a ratio of medians would mix across rounds
    const rounds = [round(200, 125, [110, 100], 100), round(400, 320, [240, 250], 200, 1), round(180, 120, [100, 95], 90)];
    const s = summariseRounds(rounds);
    expect(s.whole).toEqual({ median: 200, min: 180, max: 400 });
    expect(s.pair).toEqual({ median: 110, min: 100, max: 250 });
    expect(s.poolSpeedup.median).toBeCloseTo(1.5, 12); // 1.6, 1.25, 1.5
    expect(s.ceilingSpeedup.median).toBeCloseTo(1.8, 12); // 200/110 = 1.818…, 400/250 = 1.6, 1.8
    expect(s.ceilingSpeedup.min).toBeCloseTo(1.6, 12);
    expect(s.poolOverCeiling.median).toBeCloseTo(100 / 120, 12); // 0.88, 0.78125, 0.8333…
    expect(s.halfOverWhole.median).toBeCloseTo(0.5, 12); // 0.5, 0.5, 0.5
    expect(s.contention.median).toBeCloseTo(100 / 90, 12); // 1.1, 1.25, 1.111…
    expect(s.contention.max).toBeCloseTo(1.25, 12);
  });

  it('makes pool ÷ ceiling the quotient of the two speed-ups in every round', () => {
    const r = round(300, 200, [160, 150], 140);
    const s = summariseRounds([r]);
    expect(s.poolOverCeiling.median).toBeCloseTo(s.poolSpeedup.median / s.ceilingSpeedup.median, 12);
    expect(s.contention.median * s.halfOverWhole.median).toBeCloseTo(1 / s.ceilingSpeedup.median, 12);
  });

  it('compares CPU times of the same half in the pair and alone, and both halves with the whole', () => {
    // half 1 ran alone: its CPU in the pair (66) against alone (60); the pair waited for cores (wall 120)
    const r = round(200, 130, [120, 120], 70, 1, { whole: 180, pool: 260, pairHalves: [64, 66], half: 60 });
    const s = summariseRounds([r, { ...r, halfIndex: 0 }]);
    expect(s.contentionCpu.max).toBeCloseTo(66 / 60, 12);
    expect(s.contentionCpu.min).toBeCloseTo(64 / 60, 12);
    expect(s.splitWorkCpu.median).toBeCloseTo(130 / 180, 12);
    expect(s.cpu.pair.median).toBe(130);
    expect(s.contention.median).toBeCloseTo(120 / 70, 12); // wall time counts the waiting
    expect(s.ceilingSpeedupCpu.median).toBeCloseTo(180 / 66, 12); // the slower half in CPU time
    expect(s.ceilingSpeedup.median).toBeCloseTo(200 / 120, 12);
  });

  it('refuses to summarise nothing', () => {
    expect(() => summariseRounds([])).toThrow(RangeError);
  });

  it('prints the units, the ratios and every round, with the load', () => {
    const lines = formatCeiling(defaultCeilingOptions, [round(200, 125, [110, 100], 100), round(180, 120, [100, 95], 90, 1)], [0.5, 1.25]);
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/width 64, B = 512, N = 30: 2 interleaved rounds .* load 0\.50 → 1\.25/);
    expect(text).toContain('| (i) one thread, B = 512 | 190 (180–200) | 190 (180–200) |');
    expect(text).toContain('| work of the split, CPU: both halves ÷ whole | **1.07** (1.05–1.08) |');
    expect(text).toContain('rows [0, 256) and [256, 512)');
    expect(text).toContain('| ceiling speed-up (i)/(iii) | **1.81** (1.80–1.82) |');
    expect(text).toContain('within 0.25 ms of each other');
    expect(text).toContain('| 2 | pool, pair, half, whole | 180 | 120 | 100 · 95 → 100 | 90 (half 1) | 1.0 → 1.5 |');
  });
});
