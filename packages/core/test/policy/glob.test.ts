import { describe, expect, it } from 'vitest';
import { compileGlob, globProblem } from '../../src/policy/glob.js';

const matches = (pattern: string, text: string): boolean => compileGlob(pattern)(text);

describe('access-rule globs', () => {
  it('matches literals exactly and case-sensitively', () => {
    expect(matches('echo', 'echo')).toBe(true);
    expect(matches('echo', 'echo2')).toBe(false);
    expect(matches('echo', 'Echo')).toBe(false);
  });

  it('lets * match any run of characters, slashes, dots and newlines included', () => {
    expect(matches('*', '')).toBe(true);
    expect(matches('delete_*', 'delete_db')).toBe(true);
    expect(matches('delete_*', 'drop_db')).toBe(false);
    expect(matches('*_prod', 'db_prod')).toBe(true);
    expect(matches('kitchen://items/*', 'kitchen://items/1/deeper')).toBe(true);
    expect(matches('kitchen://items/*', 'kitchen://readme')).toBe(false);
    // The cases a path glob (picomatch) misses, each a deny-list bypass if missed.
    for (const name of ['..', '../x', './x', '.', 'a\nb', 'secret/../x'])
      expect(matches('*', name)).toBe(true);
    expect(matches('secret*', 'secret/../x')).toBe(true);
    expect(matches('file:///etc/*', 'file:///etc/../etc/passwd')).toBe(true);
  });

  it('places pieces between stars correctly, without overlapping the ends', () => {
    expect(matches('a*b*c', 'abc')).toBe(true);
    expect(matches('a*b*c', 'axxbyyc')).toBe(true);
    expect(matches('a*b*c', 'acb')).toBe(false);
    expect(matches('ab*ba', 'aba')).toBe(false);
    expect(matches('*ab*ab*', 'xabyab')).toBe(true);
    expect(matches('*ab*ab*', 'xab')).toBe(false);
    expect(matches('**', 'anything')).toBe(true);
  });

  it('lets ? match exactly one character and \\ escape a special one', () => {
    expect(matches('item-?', 'item-1')).toBe(true);
    expect(matches('item-?', 'item-12')).toBe(false);
    expect(matches('a?c*d?f', 'abcXdef')).toBe(true);
    expect(matches('what\\?', 'what?')).toBe(true);
    expect(matches('what\\?', 'whats')).toBe(false);
    expect(matches('star\\*', 'star*')).toBe(true);
    expect(matches('star\\*', 'stars')).toBe(false);
  });

  it('stays fast on a pattern that makes a backtracking RegExp take minutes', () => {
    const started = performance.now();
    expect(matches('*a*a*a*a*a*b', 'a'.repeat(100_000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('rejects globs that would not mean what they seem to', () => {
    expect(globProblem('')).toMatch(/empty/);
    expect(globProblem('!echo')).toMatch(/negation.*deny/);
    expect(globProblem('[abc]')).toMatch(/reserved/);
    expect(globProblem('{echo,add}')).toMatch(/reserved.*list each glob separately/);
    expect(globProblem('trailing\\')).toMatch(/lone/);
    expect(globProblem('x'.repeat(513))).toMatch(/at most 512/);
    expect(globProblem('\\[literal\\]')).toBeUndefined();
    expect(() => compileGlob('[x')).toThrow(/reserved/);
  });
});
