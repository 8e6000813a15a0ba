import type { MaskingReplacementConfig } from '../config/masking-schema.js';
import type { Detector, Span } from './detectors/detector.js';
import type { InjectedSecret } from './masking-policy.js';

/** The rank of the agent's injected values: before every detector when finds start at one place. */
const INJECTED_RANK = -1;

/** How found values are written over. */
export interface Replacer {
  readonly replacement: MaskingReplacementConfig;
  readonly keyedHash: ((text: string) => string) | undefined;
}

/** What masking one string found: its masked text and the count per type. */
export interface MaskedText {
  readonly text: string;
  readonly counts: ReadonlyMap<string, number>;
}

function replacementFor(span: Span, value: string, replacer: Replacer): string {
  const { type } = span;
  // What the agent injected (its own credentials) never leaves in any form, not even a tail.
  if (span.rank === INJECTED_RANK) return `[MASKED:${type}]`;
  const { style, keepLast } = replacer.replacement;
  if (style === 'hash' && replacer.keyedHash !== undefined) {
    return `[MASKED:${type}:${replacer.keyedHash(value).slice(0, 12)}]`;
  }
  // Keep the tail only where the rest still hides most of the value.
  if (style === 'partial' && value.length >= keepLast * 4) {
    return `[MASKED:${type}:…${value.slice(value.length - keepLast)}]`;
  }
  return `[MASKED:${type}]`;
}

/** Finds the agent's own injected values: exact substrings, whatever the policy. */
export function scanInjected(text: string, injected: readonly InjectedSecret[], spans: Span[]): void {
  for (const secret of injected) {
    for (
      let at = text.indexOf(secret.value);
      at !== -1;
      at = text.indexOf(secret.value, at + secret.value.length)
    ) {
      spans.push({ start: at, end: at + secret.value.length, type: secret.type, rank: INJECTED_RANK });
    }
  }
}

/**
 * Scans `text` (from `from` to `to`, default all of it) with every detector and the injected
 * values. Returns the spans to mask, sorted and merged: overlapping finds become one masked run
 * (typed by the earliest), so no character any detector claimed stays visible.
 */
export function findSpans(
  text: string,
  detectors: readonly Detector[],
  injected: readonly InjectedSecret[],
): Span[] {
  const spans: Span[] = [];
  if (injected.length > 0) scanInjected(text, injected, spans);
  for (let i = 0; i < detectors.length; i++) detectors[i]!.scan(text, spans, i);
  if (spans.length <= 1) return spans;
  spans.sort((a, b) => a.start - b.start || (a.rank ?? 0) - (b.rank ?? 0) || b.end - a.end);
  const merged: Span[] = [];
  let current = spans[0] as Span;
  for (let i = 1; i < spans.length; i++) {
    const next = spans[i] as Span;
    if (next.start < current.end) {
      if (next.end > current.end) current = { ...current, end: next.end };
    } else {
      merged.push(current);
      current = next;
    }
  }
  merged.push(current);
  return merged;
}

/** Writes the replacements over `spans` (sorted, disjoint) and counts them per type. */
export function applySpans(text: string, spans: readonly Span[], replacer: Replacer): MaskedText {
  const counts = new Map<string, number>();
  let out = '';
  let last = 0;
  for (const span of spans) {
    out += text.slice(last, span.start) + replacementFor(span, text.slice(span.start, span.end), replacer);
    last = span.end;
    counts.set(span.type, (counts.get(span.type) ?? 0) + 1);
  }
  return { text: out + text.slice(last), counts };
}

/** Masks one string; undefined when nothing in it is masked (the common case allocates nothing). */
export function maskText(
  text: string,
  detectors: readonly Detector[],
  injected: readonly InjectedSecret[],
  replacer: Replacer,
): MaskedText | undefined {
  const spans = findSpans(text, detectors, injected);
  return spans.length === 0 ? undefined : applySpans(text, spans, replacer);
}
