import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';

/** One relative link in a markdown file. */
export interface MarkdownLink {
  /** The link target as written, e.g. `../results/main-job.md#2026-12-03`. */
  readonly target: string;
  /** 1-based line of the link in its file. */
  readonly line: number;
}

/** A link whose file or heading does not exist. */
export interface BrokenLink extends MarkdownLink {
  /** The markdown file holding the link, relative to the scanned root. */
  readonly file: string;
  /** What is missing: the file, or the heading (anchor) in an existing markdown file. */
  readonly reason: 'missing file' | 'missing anchor';
}

const skippedFolders = new Set(['node_modules', 'dist', 'coverage', '.nx', '.git', 'runs', 'out', 'tmp']);

/** Every `*.md` file under `root`, build outputs, run folders and dependencies left out. */
export function markdownFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (skippedFolders.has(entry)) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.md')) found.push(path);
    }
  };
  walk(root);
  return found.sort();
}

/** The markdown with fenced code blocks blanked out (line count kept) and inline code spans removed. */
function proseOnly(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split('\n').map((line) => {
    const opening = /^\s*(```+|~~~+)/.exec(line);
    if (fence !== null) {
      if (opening !== null && opening[1]!.startsWith(fence)) fence = null;
      return '';
    }
    if (opening !== null) {
      fence = opening[1]!;
      return '';
    }
    return line.replace(/(`+)[^`]*?\1/g, '');
  });
}

/**
 * The relative links of a markdown text: inline links and images `[text](target)` outside code,
 * without URLs (`http:`, `mailto:`, …). A bare `#anchor` is returned as written.
 */
export function relativeLinks(markdown: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  proseOnly(markdown).forEach((line, i) => {
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ target, line: i + 1 });
    }
  });
  return links;
}

/** The anchors GitHub gives a markdown file's headings (`## A b` → `a-b`; repeats get `-1`, `-2`). */
export function headingAnchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const line of proseOnly(markdown.replace(/`([^`]*)`/g, '$1'))) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null) continue;
    const text = m[1]!.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    anchors.add(slugger.slug(text));
  }
  return anchors;
}

/** The links of the markdown files under `root` whose file or anchor does not exist. */
export function brokenLinks(root: string, files: readonly string[] = markdownFiles(root)): BrokenLink[] {
  const anchorsOf = new Map<string, Set<string>>();
  const anchors = (path: string): Set<string> => {
    let set = anchorsOf.get(path);
    if (set === undefined) anchorsOf.set(path, (set = headingAnchors(readFileSync(path, 'utf8'))));
    return set;
  };
  const broken: BrokenLink[] = [];
  for (const file of files) {
    for (const link of relativeLinks(readFileSync(file, 'utf8'))) {
      const [pathPart = '', anchor] = link.target.split('#', 2);
      const target = pathPart === '' ? file : resolve(dirname(file), decodeURIComponent(pathPart));
      const at = { ...link, file: relative(root, file) };
      if (!existsSync(target)) broken.push({ ...at, reason: 'missing file' });
      else if (anchor !== undefined && anchor !== '' && target.endsWith('.md') && !anchors(target).has(decodeURIComponent(anchor))) {
        broken.push({ ...at, reason: 'missing anchor' });
      }
    }
  }
  return broken;
}
