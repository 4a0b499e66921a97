import { describe, expect, it } from 'vitest';
import { runningChildren, startLineChild } from './line_child.js';

/** A child that announces itself, then answers `echo X` with its tag and X, `die` by exiting 3. */
const script = `
process.stdout.write('@t ready\\n');
require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => {
  if (l === 'die') { console.error('asked to die'); process.exit(3); }
  process.stdout.write('noise not for the parent\\n');
  process.stdout.write('@t ' + l.replace(/^echo /, '') + '\\n');
});`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('line_child', () => {
  it('answers requests in order, skipping untagged lines, and ends when killed', async () => {
    const child = startLineChild(process.execPath, ['-e', script], '@t', 'echo');
    expect(await child.ask(null)).toBe('ready');
    expect(await child.ask('echo one')).toBe('one');
    expect(await child.ask('echo two words')).toBe('two words');
    expect(runningChildren()).toBe(1);
    await child.kill();
    expect(alive(child.pid)).toBe(false);
    expect(runningChildren()).toBe(0);
    await expect(child.ask('echo late')).rejects.toThrow(/echo \(pid \d+\) exited with SIGKILL/);
  });

  it('rejects a waiting request when the child exits, with its last stderr line', async () => {
    const child = startLineChild(process.execPath, ['-e', script], '@t', 'dying');
    await child.ask(null);
    await expect(child.ask('die')).rejects.toThrow(/dying \(pid \d+\) exited with 3: asked to die/);
    expect(alive(child.pid)).toBe(false);
    await child.kill(); // already ended: resolves
  });

  it('refuses a tag that is not one word', () => {
    expect(() => startLineChild(process.execPath, ['-e', ''], 'two words', 'x')).toThrow(RangeError);
  });
});
