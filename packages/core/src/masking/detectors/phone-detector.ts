import { findPhoneNumbersInText } from 'libphonenumber-js';
import type { Detector } from './detector.js';

/**
 * Candidates: a run that starts with `+`, `(` or a digit and holds 7-15 digits with the
 * separators people write (space, dot, dash, parentheses). Only candidates with a `+` or a
 * separator go to the parser: a bare run of digits is far more often an id or a timestamp.
 */
const CANDIDATE = /(?<![\w+.-])(?:\+|\()?\d[\d ().-]{5,22}\d(?![\w.-]?\d)/g;
const HAS_SHAPE = /^\+|[ ().-]/;
const NATIONAL_TAIL = /(?:^|\D)\d{4}$/;

/**
 * Phone numbers, found by libphonenumber-js (Google's libphonenumber metadata: real numbering
 * plans, so dates, versions and amounts are not taken for phones). The parser runs only on
 * candidates from a cheap scan, never over whole texts, to keep the hot path fast. Numbers
 * without a country code are read as US numbers.
 */
export function phoneDetector(): Detector {
  return {
    name: 'phone',
    type: 'PHONE',
    scan(text, spans, rank = 0) {
      if (!/\d[\d ().-]{5}/.test(text)) return;
      CANDIDATE.lastIndex = 0;
      for (let m = CANDIDATE.exec(text); m !== null; m = CANDIDATE.exec(text)) {
        const candidate = m[0];
        if (!HAS_SHAPE.test(candidate)) continue;
        // National numbers end in a group of at least four digits (555-0199, 7946 0958); dates,
        // versions and amounts (2026-11-01, 1.2.3) do not, and are not worth the parser's time.
        if (candidate[0] !== '+' && !NATIONAL_TAIL.test(candidate)) continue;
        const digits = candidate.replace(/\D/g, '').length;
        if (digits < 7 || digits > 15) continue;
        for (const found of findPhoneNumbersInText(candidate, 'US')) {
          if (!found.number.isValid()) continue;
          spans.push({ start: m.index + found.startsAt, end: m.index + found.endsAt, type: 'PHONE', rank });
        }
      }
    },
  };
}
