import { describe, expect, it } from 'vitest';
import { lastPerIteration, median, parseTrainingHistory, summarizeHistory } from './training_history.js';

const line = (o: object): string => JSON.stringify({ phase: 'train', ...o });

describe('training history from metrics.jsonl', () => {
  it('keeps one model, orders by iteration, and lets a replayed iteration replace the first try', () => {
    const text = [
      line({ dataset: 'olympic', model: 'ddpm', iteration: 9, loss: 2, ms: 10 }),
      line({ dataset: 'olympic', model: 'ddpm', iteration: 19, loss: 1.5, ms: 30 }),
      line({ dataset: 'olympic', model: 'diffflow', iteration: 0, bound: 3, ms: 900 }),
      line({ dataset: 'moons', model: 'ddpm', iteration: 0, loss: 9, ms: 1 }),
      JSON.stringify({ phase: 'eval', dataset: 'olympic', model: 'ddpm', iteration: 29, loss: 0, ms: 0 }),
      // resumed from the checkpoint at iteration 10: iteration 19 runs again
      line({ dataset: 'olympic', model: 'ddpm', iteration: 19, loss: 1.25, ms: 20 }),
      '{"phase":"train","dataset":"olympic","model":"ddpm","itera', // cut short by a crash
      '',
    ].join('\n');
    const h = parseTrainingHistory(text, { phase: 'train', dataset: 'olympic', model: 'ddpm' }, 'loss');
    expect(h).toEqual({ iterations: [9, 19], losses: [2, 1.25], ms: [10, 20] });
    expect(parseTrainingHistory(text, { phase: 'train', dataset: 'olympic', model: 'diffflow' }, 'bound')).toEqual({ iterations: [0], losses: [3], ms: [900] });
  });

  it('summarises: time = iterations × mean logged ms, median ms, mean of the last 50 losses', () => {
    const h = { iterations: [9, 19, 29], losses: [3, 2, 1], ms: [10, 40, 20] };
    expect(summarizeHistory(h, 30)).toEqual({ seconds: (30 * 70) / 3 / 1000, msPerIterationMedian: 20, lossLast50: 2, logged: 3 });
    const long = { iterations: [...Array(60).keys()], losses: [...Array(60).keys()], ms: Array(60).fill(5) };
    expect(summarizeHistory(long, 60).lossLast50).toBe((10 + 59) / 2);
    expect(summarizeHistory(long, 60).msPerIterationMedian).toBe(5);
    expect(summarizeHistory({ iterations: [], losses: [], ms: [] }, 10)).toEqual({ seconds: null, msPerIterationMedian: null, lossLast50: null, logged: 0 });
  });

  it('lastPerIteration: the last accepted line of each iteration, in order; median of odd, even and empty lists', () => {
    const rows = lastPerIteration(
      [{ iteration: 2, ms: 1 }, { iteration: 1, ms: 2 }, { iteration: 2, ms: 3 }, { iteration: 1, ms: 'x' }, { ms: 9 }],
      (r) => typeof r['ms'] === 'number',
    );
    expect(rows).toEqual([{ iteration: 1, ms: 2 }, { iteration: 2, ms: 3 }]);
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), median([])]).toEqual([2, 2.5, null]);
  });
});
