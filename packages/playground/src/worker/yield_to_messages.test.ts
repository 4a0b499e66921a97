import { describe, expect, it } from 'vitest';
import { messageYield } from './yield_to_messages.js';

describe('messageYield', () => {
  it('resolves in a later task, after the microtasks queued before it', async () => {
    const y = messageYield();
    const order: string[] = [];
    const done = y().then(() => order.push('yield'));
    void Promise.resolve().then(() => order.push('microtask'));
    await done;
    expect(order).toEqual(['microtask', 'yield']);
  });

  it('resolves every pending yield, in the order they were asked for', async () => {
    const y = messageYield();
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((k) => y().then(() => order.push(k))));
    expect(order).toEqual([0, 1, 2, 3]);
  });
});
