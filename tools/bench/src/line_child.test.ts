import { fileURLToPath } from 'node:url';
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

  /** A child serving lines with serveLines (this file's sources, through tsx): `fail` throws, anything else is echoed; its close() says 'closed'. */
  const server = (): ReturnType<typeof startLineChild> => {
    const module = fileURLToPath(new URL('./line_child.ts', import.meta.url));
    const body = `const { serveLines } = await import(${JSON.stringify(module)});
process.stdout.write('@s ready\\n');
serveLines('@s', async (l) => { if (l === 'fail') throw new Error('refused ' + l); return l; }, async () => { process.stdout.write('@s closed\\n'); });`;
    return startLineChild(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', body], '@s', 'server');
  };

  it('serveLines answers in order and ends by itself, closing first, when its stdin closes (the parent gone)', async () => {
    const child = server();
    expect(await child.ask(null)).toBe('ready');
    expect(await child.ask('a')).toBe('a');
    expect(await child.ask('b c')).toBe('b c');
    expect(await child.end()).toBe(0);
    expect(await child.ask(null)).toBe('closed'); // written by its close() before it exited
    expect(alive(child.pid)).toBe(false);
  }, 30_000);

  it('serveLines closes and ends with code 1 and the message when a request throws', async () => {
    const child = server();
    await child.ask(null);
    expect(await child.ask('fail')).toBe('closed'); // its close() ran, then it exited
    await expect(child.ask(null)).rejects.toThrow(/server \(pid \d+\) exited with 1: refused fail/);
  }, 30_000);

  it('refuses a tag that is not one word', () => {
    expect(() => startLineChild(process.execPath, ['-e', ''], 'two words', 'x')).toThrow(RangeError);
  });
});
