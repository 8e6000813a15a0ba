import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The README is the front door and `docs/` holds the rest: every relative link in them must open
 * from a clone (a file that exists, and a heading that exists when the link names one).
 */
const ROOT = resolve(import.meta.dirname, '../..');
const DOCS = [join(ROOT, 'README.md'), ...markdownIn(join(ROOT, 'docs'))];

function markdownIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? markdownIn(join(dir, entry.name))
      : entry.name.endsWith('.md')
        ? [join(dir, entry.name)]
        : [],
  );
}

/** Markdown outside code fences and inline code, where links are links. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsIn(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] as string)));
}

interface Link {
  readonly from: string;
  readonly target: string;
}

function relativeLinks(file: string): Link[] {
  const text = prose(readFileSync(file, 'utf8'));
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1] as string)
    .filter((target) => !/^[a-z]+:/i.test(target))
    .map((target) => ({ from: relative(ROOT, file), target }));
}

describe('the documentation', () => {
  const links = DOCS.flatMap(relativeLinks);

  it('has links to check (the README links into docs/)', () => {
    expect(links.some((l) => l.from === 'README.md' && l.target.startsWith('docs/'))).toBe(true);
  });

  it('links only to files and headings that exist in the repository', () => {
    const broken = links.filter(({ from, target }) => {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? join(ROOT, from) : resolve(dirname(join(ROOT, from)), path);
      if (!file.startsWith(ROOT) || !existsSync(file)) return true;
      return anchor !== undefined && file.endsWith('.md') && !anchorsIn(file).has(anchor);
    });
    expect(broken).toEqual([]);
  });
});
