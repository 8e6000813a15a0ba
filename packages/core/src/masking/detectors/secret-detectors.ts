import { hasJwtHeader } from '../validation/jwt.js';
import { regexDetector, type Detector } from './detector.js';

/**
 * Credential and token detectors. The token formats follow the public rule set of gitleaks
 * (config/gitleaks.toml: aws-access-token, github-pat, gitlab-pat, slack-*, stripe-access-token,
 * gcp-api-key, npm-access-token, openai-api-key, anthropic-api-key, sendgrid-api-token, ...),
 * rewritten here rather than loaded: its rules are Go RE2 patterns meant for whole files, many
 * with lookarounds V8 runs differently, and running ~200 of them over every string of every
 * message would miss the hot-path budget. Each pattern below is anchored on a literal prefix or a
 * keyword, has no nested unbounded quantifier, and bounds every run that could scan on from a
 * prefix (a PEM body, white space), so even a string of many prefixes stays linear in V8.
 */

const AWS_KEY_ID_PREFIXES = 'AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA';

/** 40 characters of base64 with mixed case and a digit: a 40-hex commit id is never one. */
function looksRandom40(value: string): boolean {
  return /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value);
}

const mayHaveAwsContext = (text: string): boolean => /aws|secret|session|security/i.test(text);

export function secretDetectors(): Record<string, Detector> {
  return {
    aws_access_key_id: regexDetector('aws_access_key_id', {
      pattern: new RegExp(`(?<![A-Z0-9])(?:${AWS_KEY_ID_PREFIXES})[A-Z2-7]{16}(?![A-Z0-9])`, 'g'),
      mayMatch: (t) => /A[BCGIKNPRS][A-Z]A/.test(t),
    }),
    aws_secret_access_key: regexDetector('aws_secret_access_key', {
      pattern: /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
      mayMatch: mayHaveAwsContext,
      validate: looksRandom40,
      // Only near words that name it: a random 40-character string alone is too common to mask.
      context: { before: /aws|secret/i, window: 100 },
    }),
    aws_session_token: regexDetector('aws_session_token', {
      pattern:
        /(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{40,}|(?<=(?:session_token|security_token|sessiontoken|security-token)["'\s:=]{1,6})[A-Za-z0-9/+=]{100,}/gi,
      mayMatch: (t) => /IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz|session.?token|security.?token/i.test(t),
    }),
    github_token: regexDetector('github_token', {
      pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/g,
      mayMatch: (t) => t.includes('gh') || t.includes('github_pat_'),
    }),
    gitlab_token: regexDetector('gitlab_token', {
      pattern: /\b(?:glpat|gldt|glrt|glptt|glft|glsoat)-[A-Za-z0-9_-]{20,}/g,
      mayMatch: (t) => t.includes('gl'),
    }),
    slack_token: regexDetector('slack_token', {
      pattern:
        /\bxox[abposre]-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{20,}/g,
      mayMatch: (t) => t.includes('xox') || t.includes('hooks.slack.com'),
    }),
    stripe_key: regexDetector('stripe_key', {
      // Publishable keys (pk_) are public by design; secret and restricted keys are not.
      pattern: /\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,}/g,
      mayMatch: (t) => t.includes('k_live_') || t.includes('k_test_') || t.includes('k_prod_'),
    }),
    google_api_key: regexDetector('google_api_key', {
      pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
      mayMatch: (t) => t.includes('AIza'),
    }),
    vendor_token: regexDetector('vendor_token', {
      pattern: new RegExp(
        [
          'sk-ant-(?:api|admin)\\d\\d-[A-Za-z0-9_-]{80,}', // Anthropic
          'sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}', // OpenAI project / service keys
          'sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}', // OpenAI legacy
          'npm_[A-Za-z0-9]{36}', // npm
          'SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}', // SendGrid
          'SK[0-9a-fA-F]{32}', // Twilio API key
          'shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}', // Shopify
          'hf_[A-Za-z]{34}', // Hugging Face
          'dop_v1_[a-f0-9]{64}', // DigitalOcean
          'pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}', // PyPI
          'dp\\.pt\\.[A-Za-z0-9]{43}', // Doppler
          'glc_[A-Za-z0-9+/]{32,}={0,2}', // Grafana Cloud
          'xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}', // Brevo
        ]
          .map((p) => `\\b${p}`)
          .join('|'),
        'g',
      ),
      mayMatch: (t) => /sk-|npm_|SG\.|SK[0-9a-f]|shp|hf_|dop_v1_|pypi-|dp\.pt\.|glc_|xkeysib-/.test(t),
    }),
    bearer_token: regexDetector('bearer_token', {
      pattern: /\b(?:[Bb]earer|[Bb]asic|[Tt]oken)[ \t]{1,8}([A-Za-z0-9._~+/-]{16,}={0,2})/dg,
      group: 1,
      mayMatch: (t) => /earer|asic|oken/.test(t),
    }),
    jwt: regexDetector('jwt', {
      pattern:
        /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?/g,
      mayMatch: (t) => t.includes('eyJ'),
      validate: hasJwtHeader,
    }),
    private_key: regexDetector('private_key', {
      // The whole block; an unterminated one (cut-off output) from its header to the end of the base64.
      pattern:
        /-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,16384}?-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s:,-]{0,16384})/g,
      mayMatch: (t) => t.includes('PRIVATE KEY'),
    }),
    url_password: regexDetector('url_password', {
      // scheme://user:PASSWORD@host, and password=... in key=value connection strings.
      pattern:
        /\b[A-Za-z][A-Za-z0-9+.-]{1,30}:\/\/[^\s:@/?#]{0,256}:([^\s@/?#]{1,256})@|\b(?:password|passwd|pwd)\s{0,8}[=:]\s{0,8}["']?([^\s;"'&,}]{3,256})/dgi,
      group: [1, 2],
      mayMatch: (t) => t.includes('://') || /pass|pwd/i.test(t),
    }),
  };
}
