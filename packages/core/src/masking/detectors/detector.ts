/** A value found in a string: `[start, end)` in UTF-16 code units, and the type it is masked as. */
export interface Span {
  readonly start: number;
  readonly end: number;
  readonly type: string;
  /** Lower wins when two finds start at one place: injected values, then detectors in policy order. */
  readonly rank?: number;
}

/** One detector: finds the values of one kind in a string. */
export interface Detector {
  /** The configuration name (`aws_access_key_id`) or a custom detector's type. */
  readonly name: string;
  /** What `[MASKED:TYPE]` shows and findings record. */
  readonly type: string;
  /** Appends a span for every value to mask in `text`. */
  scan(text: string, spans: Span[], rank?: number): void;
}

export interface RegexDetectorSpec {
  /** Must have the `g` flag; add `d` when `group` is used. Written without nested unbounded quantifiers. */
  readonly pattern: RegExp;
  /** The capture group(s) that hold the value, first one that took part (default: the whole match). */
  readonly group?: number | readonly number[];
  /** Cheap test run first: false skips the pattern entirely (most strings hold no candidate). */
  readonly mayMatch?: (text: string) => boolean;
  /** Check digits or structure a candidate must pass. */
  readonly validate?: (value: string) => boolean;
  /** When set, a candidate counts only if this matches within `window` characters before it. */
  readonly context?: { readonly before: RegExp; readonly window: number };
  /** A candidate preceded by text this matches (within `window`) is not one (e.g. a URL's user info). */
  readonly notAfter?: { readonly before: RegExp; readonly window: number };
}

/** A detector built from one linear-time pattern plus optional prefilter, validation and context. */
export function regexDetector(name: string, spec: RegexDetectorSpec): Detector {
  const type = name.toUpperCase();
  const { pattern, mayMatch, validate, context, notAfter } = spec;
  const groups =
    spec.group === undefined ? undefined : typeof spec.group === 'number' ? [spec.group] : spec.group;
  return {
    name,
    type,
    scan(text, spans, rank = 0) {
      if (mayMatch !== undefined && !mayMatch(text)) return;
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        if (m[0].length === 0) {
          pattern.lastIndex++;
          continue;
        }
        let start = m.index;
        let value = m[0];
        if (groups !== undefined) {
          const group = groups.find((g) => m[g] !== undefined);
          const indices = group === undefined ? undefined : m.indices?.[group];
          if (group === undefined || indices === undefined) continue;
          start = indices[0];
          value = m[group] as string;
        }
        if (validate !== undefined && !validate(value)) continue;
        if (context !== undefined) {
          const before = text.slice(Math.max(0, start - context.window), start);
          if (!context.before.test(before)) continue;
        }
        if (notAfter !== undefined) {
          const before = text.slice(Math.max(0, start - notAfter.window), start);
          if (notAfter.before.test(before)) continue;
        }
        spans.push({ start, end: start + value.length, type, rank });
      }
    },
  };
}
