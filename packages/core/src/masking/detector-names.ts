/**
 * The built-in detectors by name, and the named groups a configuration may use instead of
 * listing them. Each detector's type (what `[MASKED:TYPE]` shows) is its name in upper case.
 */
export const SECRET_DETECTORS = [
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'github_token',
  'gitlab_token',
  'slack_token',
  'stripe_key',
  'google_api_key',
  'vendor_token',
  // Before bearer_token: a JWT after "Bearer" is typed by what it is (the more specific wins ties).
  'jwt',
  'bearer_token',
  'private_key',
  'url_password',
] as const;

export const PII_DETECTORS = ['email', 'payment_card', 'iban', 'us_ssn', 'phone'] as const;

export const NETWORK_DETECTORS = ['ipv4', 'ipv6'] as const;

export const BUILTIN_DETECTORS = [...SECRET_DETECTORS, ...PII_DETECTORS, ...NETWORK_DETECTORS] as const;

export type BuiltinDetectorName = (typeof BUILTIN_DETECTORS)[number];

/**
 * Groups: `secrets` (credentials and tokens), `pii` (personal data), `network` (IP addresses),
 * `default` (secrets + pii: what a connection gets when nothing is configured), `all`.
 */
export const DETECTOR_GROUPS: Readonly<Record<string, readonly BuiltinDetectorName[]>> = Object.freeze({
  secrets: SECRET_DETECTORS,
  pii: PII_DETECTORS,
  network: NETWORK_DETECTORS,
  default: [...SECRET_DETECTORS, ...PII_DETECTORS],
  all: BUILTIN_DETECTORS,
});

const builtin = new Set<string>(BUILTIN_DETECTORS);

export function isBuiltinDetector(name: string): name is BuiltinDetectorName {
  return builtin.has(name);
}

/** Expands detector and group names into detector names (in catalogue order, no duplicates). */
export function expandDetectorNames(names: readonly string[]): BuiltinDetectorName[] {
  const wanted = new Set<string>();
  for (const name of names) {
    const group = DETECTOR_GROUPS[name];
    if (group) for (const d of group) wanted.add(d);
    else if (builtin.has(name)) wanted.add(name);
  }
  return BUILTIN_DETECTORS.filter((d) => wanted.has(d));
}

/** Undefined when `name` is a detector or group; else what is wrong, naming what is allowed. */
export function detectorNameProblem(name: string): string | undefined {
  if (builtin.has(name) || DETECTOR_GROUPS[name] !== undefined) return undefined;
  return `unknown detector "${name}"; use a group (${Object.keys(DETECTOR_GROUPS).join(', ')}) or one of: ${BUILTIN_DETECTORS.join(', ')}`;
}
