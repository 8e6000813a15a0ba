/**
 * Globs for access rules: tool and prompt names, resource URIs, connection names.
 *
 * `*` matches any run of characters (none included, `/`, `.` and newlines too), `?` exactly one,
 * `\` makes the next character literal. Nothing else is special. These are names, not paths, so
 * path-glob rules (a `*` that stops at `/`, never matches `..` segments, or `[...]` classes) would
 * be surprises — and in a deny list a surprise is a bypass.
 *
 * Why not picomatch: it is built for paths (its `*` refuses `..` segments, so `deny: ['*']` misses a
 * tool named `../x`) and compiles to a backtracking RegExp: `*a*a*a*a*a*b` against 200 `a`s ran for
 * minutes. The name is client-chosen, so that is a denial of service on the gateway. This matcher
 * splits on `*` and places each piece leftmost, which is correct for `*` (a later piece can only
 * gain from an earlier one taken as early as possible) and never backtracks across a `*`: the cost
 * is bounded by name length × pattern length.
 */
export type GlobMatcher = (text: string) => boolean;

/** Longest accepted glob; rules are written by people, and the bound keeps matching cheap. */
export const MAX_GLOB_LENGTH = 512;

interface Piece {
  /** Literal characters, with `undefined` for `?`. */
  readonly chars: readonly (string | undefined)[];
  readonly literal: string | undefined;
}

/** Why `pattern` is not a valid glob, or undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'a glob must not be empty';
  if (pattern.length > MAX_GLOB_LENGTH) return `a glob is at most ${MAX_GLOB_LENGTH} characters`;
  if (pattern.startsWith('!')) {
    return `"${pattern}": negation ("!") is not supported; put the glob in "deny" instead`;
  }
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      if (i === pattern.length - 1) return `"${pattern}" ends with a lone "\\"; write "\\\\" for a backslash`;
      i++;
    } else if ('[]{}'.includes(c)) {
      return `"${pattern}": "${c}" is reserved (no character classes or {a,b} alternatives); list each glob separately, or write "\\${c}" for the character itself`;
    }
  }
  return undefined;
}

function splitPieces(pattern: string): Piece[] {
  const pieces: Piece[] = [];
  let chars: (string | undefined)[] = [];
  const flush = () => {
    pieces.push({
      chars,
      literal: chars.every((c) => c !== undefined) ? chars.join('') : undefined,
    });
    chars = [];
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') chars.push(pattern[++i]);
    else if (c === '?') chars.push(undefined);
    else if (c === '*') flush();
    else chars.push(c);
  }
  flush();
  return pieces;
}

function matchesAt(piece: Piece, text: string, at: number): boolean {
  for (let i = 0; i < piece.chars.length; i++) {
    const expected = piece.chars[i];
    if (expected !== undefined && text[at + i] !== expected) return false;
  }
  return true;
}

/** The first index ≥ from where `piece` matches, or -1. */
function find(piece: Piece, text: string, from: number): number {
  if (piece.literal !== undefined) return text.indexOf(piece.literal, from);
  for (let at = from; at + piece.chars.length <= text.length; at++) if (matchesAt(piece, text, at)) return at;
  return -1;
}

/** Compiles a glob (check it with {@link globProblem} first; an invalid glob throws). */
export function compileGlob(pattern: string): GlobMatcher {
  const problem = globProblem(pattern);
  if (problem !== undefined) throw new TypeError(problem);
  const pieces = splitPieces(pattern);
  if (pieces.length === 1) {
    const only = pieces[0] as Piece;
    if (only.literal !== undefined) {
      const literal = only.literal;
      return (text) => text === literal;
    }
    return (text) => text.length === only.chars.length && matchesAt(only, text, 0);
  }
  const first = pieces[0] as Piece;
  const last = pieces[pieces.length - 1] as Piece;
  const middle = pieces.slice(1, -1);
  const minLength = pieces.reduce((n, p) => n + p.chars.length, 0);
  return (text) => {
    if (text.length < minLength) return false;
    if (!matchesAt(first, text, 0)) return false;
    const tailStart = text.length - last.chars.length;
    if (!matchesAt(last, text, tailStart)) return false;
    let at = first.chars.length;
    for (const piece of middle) {
      const found = find(piece, text, at);
      if (found === -1 || found + piece.chars.length > tailStart) return false;
      at = found + piece.chars.length;
    }
    return true;
  };
}
