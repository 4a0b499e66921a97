import { describe, expect, it } from 'vitest';
import { appendPoint, decodeHistory, emptyHistory, type Curve } from './curve.js';

describe('appendPoint', () => {
  it('appends until the limit, then halves keeping the newest point', () => {
    let c: Curve = { iterations: [], losses: [] };
    for (let i = 1; i <= 5; i++) c = appendPoint(c, i, -i, 5);
    expect(c.iterations).toEqual([1, 2, 3, 4, 5]);
    c = appendPoint(c, 6, -6, 5);
    expect(c.iterations).toEqual([1, 3, 5, 6]);
    expect(c.losses).toEqual([-1, -3, -5, -6]);
  });
});

describe('decodeHistory', () => {
  it('reads what JSON made of a history (NaN stored as null) and refuses malformed curves', () => {
    const history = { diffflow: { iterations: [1, 2], losses: [3, Number.NaN] }, ddpm: { iterations: [], losses: [] } };
    const decoded = decodeHistory(JSON.parse(JSON.stringify(history)));
    expect(decoded.diffflow.iterations).toEqual([1, 2]);
    expect(decoded.diffflow.losses[0]).toBe(3);
    expect(Number.isNaN(decoded.diffflow.losses[1])).toBe(true);
    expect(decodeHistory(undefined)).toEqual(emptyHistory);
    expect(decodeHistory({ diffflow: { iterations: [1], losses: [] } })).toEqual(emptyHistory);
    expect(decodeHistory({ diffflow: { iterations: ['a'], losses: [1] } }).diffflow.iterations).toEqual([]);
  });
});
