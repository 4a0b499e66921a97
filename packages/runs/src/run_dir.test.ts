import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { suiteTempDir } from '@diffflow/test-utils';
import type { ExperimentError } from '@diffflow/cli';
import { readNpy } from './npy.js';
import { configDifference, metricsRecords, openRunDir, type RunDir } from './run_dir.js';

const root = suiteTempDir('diffflow-rundir-');
let count = 0;
const fresh = () => join(root, `run${count++}`);

const ok = <A>(r: E.Either<ExperimentError, A>): A => {
  if (E.isLeft(r)) throw new Error(`expected a value, got ${JSON.stringify(r.left)}`);
  return r.right;
};

const config = { dataset: 'moons', lr: 0.01, model: { width: 64 }, out: 'x', resume: false };

/** Lists a folder with the content of each file, to check that a refusal wrote nothing. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out[join(e.parentPath, e.name)] = await readFile(join(e.parentPath, e.name), 'utf8');
  return out;
}

async function startedRun(dir: string): Promise<RunDir> {
  const run = ok(await openRunDir(dir, { config, resume: false })());
  ok(await run.writeConfig({ ...config, versions: { '@tensorflow/tfjs-core': '4.22.0' } })());
  ok(await run.appendMetrics({ iteration: 1, loss: 0.5 })());
  return run;
}

describe('openRunDir', () => {
  it('creates a missing folder (with parents) and writes every kind of file in it', async () => {
    const dir = join(fresh(), 'nested', 'deeper');
    const run = ok(await openRunDir(dir, { config, resume: false })());
    expect(run.path).toBe(dir);
    expect(run.resumed).toBe(false);
    expect((await stat(dir)).isDirectory()).toBe(true);

    ok(await run.writeConfig(config)());
    ok(await run.appendMetrics({ iteration: 1, loss: 0.5 })());
    ok(await run.appendMetrics({ iteration: 2, loss: Number.NaN, note: 'line\nbreak' })());
    ok(await run.writeSummary({ done: true })());
    ok(await run.writeNpy('samples.npy', new Float32Array([1, 2, 3, 4]), [2, 2])());
    ok(await run.writePng('figures/a.png', Buffer.from([0x89, 0x50, 0x4e, 0x47]))());
    ok(await run.saveCheckpoint('checkpoint.bin', { meta: { iteration: 2 }, tensors: { w: { shape: [1], data: new Float32Array([3]) } } })());

    expect(JSON.parse(await readFile(run.file('config.json'), 'utf8'))).toEqual(config);
    const lines = (await readFile(run.file('metrics.jsonl'), 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0] as string)).toEqual({ iteration: 1, loss: 0.5 });
    expect(JSON.parse(lines[1] as string)).toEqual({ iteration: 2, loss: null, note: 'line\nbreak' });
    expect(JSON.parse(await readFile(run.file('summary.json'), 'utf8'))).toEqual({ done: true });
    expect(ok(await readNpy(run.file('samples.npy'))()).shape).toEqual([2, 2]);
    expect((await readFile(run.file('figures/a.png'))).length).toBe(4);
    expect(ok(await run.loadCheckpoint('checkpoint.bin')()).meta).toEqual({ iteration: 2 });
  });

  it('keeps file names inside the run folder', async () => {
    const run = ok(await openRunDir(fresh(), { config, resume: false })());
    expect(() => run.file('../escape.json')).toThrow(RangeError);
    expect(() => run.file('/etc/passwd')).toThrow(RangeError);
    expect(() => run.writeNpy('a.npy', new Float32Array(3), [2, 2])).toThrow(RangeError);
  });

  it('accepts an empty folder', async () => {
    const dir = fresh();
    await mkdir(dir);
    expect(E.isRight(await openRunDir(dir, { config, resume: false })())).toBe(true);
  });

  it('refuses the same run without --resume, and resumes it with --resume (non-identity fields may differ)', async () => {
    const dir = fresh();
    await startedRun(dir);
    const before = await snapshot(dir);
    const again = await openRunDir(dir, { config, resume: false })();
    expect(again).toEqual(E.left({ _tag: 'OutputNotEmpty', dir, reason: 'it already holds this run; use --resume or another --out' }));
    expect(await snapshot(dir)).toEqual(before);

    const resumed = ok(await openRunDir(dir, { config: { ...config, out: 'elsewhere', resume: true }, resume: true })());
    expect(resumed.resumed).toBe(true);
    ok(await resumed.appendMetrics({ iteration: 2, loss: 0.4 })());
    expect((await readFile(resumed.file('metrics.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('refuses a folder holding another run, naming the field that differs, and writes nothing', async () => {
    const dir = fresh();
    await startedRun(dir);
    const before = await snapshot(dir);
    for (const resume of [false, true]) {
      const r = await openRunDir(dir, { config: { ...config, model: { width: 128 } }, resume })();
      expect(E.isLeft(r) && r.left._tag === 'OutputNotEmpty' && r.left.reason).toBe(
        'it holds another run (model.width is 64 there, 128 now); use another --out',
      );
    }
    const extraKey = await openRunDir(dir, { config: { ...config, seed: 3 }, resume: true })();
    expect(E.isLeft(extraKey) && extraKey.left._tag === 'OutputNotEmpty' && extraKey.left.reason).toMatch(/seed is not set there, 3 now/);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('honours a custom list of non-identity fields', async () => {
    const dir = fresh();
    await startedRun(dir);
    const r = await openRunDir(dir, { config: { ...config, lr: 0.5 }, resume: true, nonIdentity: ['out', 'resume', 'lr'] })();
    expect(E.isRight(r)).toBe(true);
  });

  it('refuses folders that are not runs of ours', async () => {
    const notes = fresh();
    await mkdir(notes);
    await writeFile(join(notes, 'thesis.tex'), 'precious');
    const r1 = await openRunDir(notes, { config, resume: true })();
    expect(E.isLeft(r1) && r1.left._tag === 'OutputNotEmpty' && r1.left.reason).toMatch(/no config\.json.*thesis\.tex/);
    expect(await readFile(join(notes, 'thesis.tex'), 'utf8')).toBe('precious');

    const mixed = fresh();
    await startedRun(mixed);
    await mkdir(join(mixed, 'sub'));
    await writeFile(join(mixed, 'sub', 'data.npy'), 'x');
    await writeFile(join(mixed, 'sub', 'notes.docx'), 'x');
    const r2 = await openRunDir(mixed, { config, resume: true })();
    expect(E.isLeft(r2) && r2.left._tag === 'OutputNotEmpty' && r2.left.reason).toMatch(/files a run does not write \(sub\/notes\.docx\)/);
    expect(E.isRight(await openRunDir(mixed, { config, resume: true, extraExtensions: ['.docx'] })())).toBe(true);

    const file = join(root, 'plain-file');
    await writeFile(file, 'x');
    const r3 = await openRunDir(file, { config, resume: true })();
    expect(r3).toEqual(E.left({ _tag: 'OutputNotEmpty', dir: file, reason: 'it is a file, not a folder' }));

    const broken = fresh();
    await mkdir(broken);
    await writeFile(join(broken, 'config.json'), '{"lr": ');
    const r4 = await openRunDir(broken, { config, resume: true })();
    expect(E.isLeft(r4) && r4.left._tag === 'OutputNotEmpty' && r4.left.reason).toMatch(/not valid JSON/);
  });

  it('ignores temporary files left by a crash and sample subfolders of the run', async () => {
    const dir = fresh();
    const run = await startedRun(dir);
    await writeFile(join(dir, '.checkpoint.bin.123.0badf00d.tmp'), 'partial');
    const sub = ok(await openRunDir(join(dir, 'sample-n100'), { config: { n: 100 }, resume: true })());
    ok(await sub.writeConfig({ n: 100 })());
    ok(await sub.writeNpy('samples.npy', new Float32Array(2), [1, 2])());
    expect(E.isRight(await openRunDir(run.path, { config, resume: true })())).toBe(true);

    const onlyTemp = fresh();
    await mkdir(onlyTemp);
    await writeFile(join(onlyTemp, '.config.json.99.deadbeef.tmp'), '{');
    expect(E.isRight(await openRunDir(onlyTemp, { config, resume: false })())).toBe(true);
  });
});

describe('configDifference', () => {
  it('compares as JSON, ignores keys only the stored config has, and names nested paths', () => {
    expect(configDifference({ a: 1, versions: { x: '1' } }, { a: 1 })).toBeUndefined();
    expect(configDifference({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 3] } })).toBe('b.c is [1,2] there, [1,3] now');
    expect(configDifference({ a: null }, { a: Number.NaN })).toBeUndefined();
    expect(configDifference({ a: 1, out: 'p' }, { a: 1, out: 'q' }, new Set(['out']))).toBeUndefined();
    expect(configDifference([1], { a: 1 })).toMatch(/does not hold an object/);
  });
});

describe('metricsRecords', () => {
  it('returns the JSON objects of the lines in order, skipping blank, cut-short and non-object lines', () => {
    const text = '{"iteration":1,"ms":2}\n\n[1,2]\n{"iteration":2,"ms":null}\n{"iteration":3,"m';
    expect(metricsRecords(text)).toEqual([{ iteration: 1, ms: 2 }, { iteration: 2, ms: null }]);
    expect(metricsRecords('')).toEqual([]);
  });
});
