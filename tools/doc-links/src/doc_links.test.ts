import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenLinks, headingAnchors, relativeLinks } from './doc_links.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');

describe('relativeLinks', () => {
  it('finds inline links and images, skips URLs and code', () => {
    const md = [
      'See [a](a.md), ![fig](figures/x.png "title") and [web](https://example.org).',
      '`[not](code.md)` and [anchor](#here)',
      '```sh',
      '[inside](fence.md)',
      '```',
      '[last](../b.md#sec)',
    ].join('\n');
    expect(relativeLinks(md)).toEqual([
      { target: 'a.md', line: 1 },
      { target: 'figures/x.png', line: 1 },
      { target: '#here', line: 2 },
      { target: '../b.md#sec', line: 6 },
    ]);
  });
});

describe('headingAnchors', () => {
  it('slugs headings as GitHub does, repeats numbered, code spans and links by their text', () => {
    const anchors = headingAnchors('# DiffFlow — a title\n## `toy2d:compare` — DiffFlow vs DDPM in 2-D\n## Tests\n## Tests\n### See [the guide](g.md)\n');
    expect([...anchors]).toEqual(['diffflow--a-title', 'toy2dcompare--diffflow-vs-ddpm-in-2-d', 'tests', 'tests-1', 'see-the-guide']);
  });
});

describe('brokenLinks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'doc-links-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a missing file and a missing heading, and nothing for links that resolve', () => {
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'b.md'), '# B\n## Section two\n');
    writeFileSync(join(dir, 'a.md'), '# A\n[ok](docs/b.md#section-two) [self](#a)\n[gone](docs/c.md)\n[bad anchor](docs/b.md#section-three)\n');
    expect(brokenLinks(dir)).toEqual([
      { target: 'docs/c.md', line: 3, file: 'a.md', reason: 'missing file' },
      { target: 'docs/b.md#section-three', line: 4, file: 'a.md', reason: 'missing anchor' },
    ]);
  });

  it("every relative link in the workspace's markdown resolves", () => {
    const broken = brokenLinks(workspaceRoot).map((b) => `${b.file}:${b.line}: ${b.target} (${b.reason})`);
    expect(broken).toEqual([]);
  });
});
