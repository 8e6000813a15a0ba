import { RE2JS } from 're2js';
import { AirlockError } from '../../errors/airlock-error.js';
import type { CustomDetectorConfig } from '../../config/masking-schema.js';
import { isValidIban } from '../validation/iban.js';
import { passesLuhn } from '../validation/luhn.js';
import type { Detector } from './detector.js';

/**
 * Why a custom pattern cannot be used, or undefined. Patterns run on RE2 (re2js): matching is
 * linear in the input whatever the pattern, so `(a+)+$` is harmless; what RE2 cannot run
 * (backreferences, lookaround) is refused here, at startup, rather than at the first message.
 */
export function customDetectorProblem(
  config: Pick<CustomDetectorConfig, 'pattern' | 'type'>,
): string | undefined {
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(config.pattern);
  } catch (error) {
    return `pattern of custom detector "${config.type}" cannot run on the linear-time engine (RE2 syntax: no backreferences or lookaround): ${(error as Error).message}`;
  }
  if (compiled.matches('')) {
    return `pattern of custom detector "${config.type}" matches the empty string; it must match at least one character`;
  }
  return undefined;
}

const validators: Record<NonNullable<CustomDetectorConfig['validate']>, (value: string) => boolean> = {
  luhn: (value) => passesLuhn(value.replace(/\D/g, '')),
  mod97: isValidIban,
};

/** A configured detector: RE2 pattern, optional keywords before the match, optional check digits. */
export function customDetector(config: CustomDetectorConfig): Detector {
  const problem = customDetectorProblem(config);
  if (problem !== undefined) {
    throw new AirlockError('config_invalid', `${problem}. Fix the pattern in the masking configuration.`);
  }
  const pattern = RE2JS.compile(config.pattern);
  const validate = config.validate === undefined ? undefined : validators[config.validate];
  const keywords = config.keywords.map((k) => k.toLowerCase());
  const type = config.type.toUpperCase();
  return {
    name: config.type,
    type,
    scan(text, spans, rank = 0) {
      // A keyword must appear somewhere before anything can count: skip the pattern otherwise.
      if (keywords.length > 0) {
        const lower = text.toLowerCase();
        if (!keywords.some((k) => lower.includes(k))) return;
      }
      const matcher = pattern.matcher(text);
      while (matcher.find()) {
        const start = matcher.start();
        const end = matcher.end();
        if (end <= start) continue;
        if (validate !== undefined && !validate(text.slice(start, end))) continue;
        if (keywords.length > 0) {
          const before = text.slice(Math.max(0, start - config.keywordWindow), start).toLowerCase();
          if (!keywords.some((k) => before.includes(k))) continue;
        }
        spans.push({ start, end, type, rank });
      }
    },
  };
}
