import { isValidIban } from '../validation/iban.js';
import { isIpv4, isIpv6 } from '../validation/ip.js';
import { hasCardIssuerPrefix, passesLuhn } from '../validation/luhn.js';
import { isPlausibleSsn } from '../validation/ssn.js';
import { regexDetector, type Detector } from './detector.js';

const hasDigitRun = (length: number): ((text: string) => boolean) => {
  const run = new RegExp(`\\d{${length}}`);
  return (text) => run.test(text);
};

/**
 * Personal data (email, cards, IBANs, SSNs) and network addresses. The phone detector is not here:
 * its parser loads only for a policy that names it (builtin-detectors.ts).
 */
export function piiDetectors(): Record<string, Detector> {
  return {
    email: regexDetector('email', {
      pattern:
        /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z0-9-])/g,
      mayMatch: (t) => t.includes('@'),
      // `scheme://user:password@host` is a connection string (url_password's), not an address.
      notAfter: { before: /:\/\/[^\s/@]{0,256}:$/, window: 300 },
    }),
    payment_card: regexDetector('payment_card', {
      // 12-19 digits, optionally grouped by single spaces or dashes; then Luhn and an issuer prefix.
      pattern: /(?<![\d.-])\d(?:[ -]?\d){11,18}(?![\d-])/g,
      mayMatch: hasDigitRun(4),
      validate: (value) => {
        const digits = value.replace(/[ -]/g, '');
        return passesLuhn(digits) && hasCardIssuerPrefix(digits);
      },
    }),
    iban: regexDetector('iban', {
      pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g,
      mayMatch: (t) => /[A-Z]{2}\d\d/.test(t),
      validate: isValidIban,
    }),
    us_ssn: regexDetector('us_ssn', {
      // Only the written forms (123-45-6789, 123 45 6789): nine bare digits are far more often an id.
      pattern: /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])/g,
      mayMatch: (t) => /\d{3}[- ]\d\d[- ]\d{4}/.test(t),
      validate: (value) => isPlausibleSsn(value.slice(0, 3), value.slice(4, 6), value.slice(7)),
    }),
    ipv4: regexDetector('ipv4', {
      // Not part of a longer dotted run (1.2.3.4.5 is a version, not an address).
      pattern: /(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\.?\d)/g,
      mayMatch: (t) => /\d\.\d/.test(t),
      validate: isIpv4,
    }),
    ipv6: regexDetector('ipv6', {
      pattern: /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![\w:])/g,
      mayMatch: (t) => t.includes(':'),
      validate: (value) => (value.includes('::') || value.split(':').length === 8 ? isIpv6(value) : false),
    }),
  };
}
