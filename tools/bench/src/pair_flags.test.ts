import { describe, expect, it } from 'vitest';
import { pairFlags, parsePairs } from './pair_flags.js';

const throwing = (line: string): never => {
  throw new Error(line);
};

describe('pairFlags', () => {
  it('reads --name value pairs', () => {
    expect(parsePairs(['--hidden', '64', '--base', '/tmp/b'])).toEqual({ hidden: '64', base: '/tmp/b' });
  });

  it('integers: the value, the fallback when absent, one line naming the flag otherwise', () => {
    const f = pairFlags('tool', ['--rounds', '8', '--batch', '2.5', '--steps', '0'], throwing);
    expect(f.integer('rounds', 3)).toBe(8);
    expect(f.integer('hidden', 64)).toBe(64);
    expect(() => f.integer('batch', 512)).toThrow("tool: --batch must be an integer ≥ 0, got '2.5'");
    expect(f.integer('steps', 30)).toBe(0);
    expect(() => f.integer('steps', 30, 1)).toThrow("tool: --steps must be an integer ≥ 1, got '0'");
  });

  it('required strings name the flag and what it is', () => {
    const f = pairFlags('versus_tree', ['--this', '/tmp/a'], throwing);
    expect(f.required('this', 'dir')).toBe('/tmp/a');
    expect(() => f.required('base', 'a checkout of the other commit')).toThrow('versus_tree: --base <a checkout of the other commit> is required');
  });
});
