import type { CustomDetectorConfig, GatewayMaskingRuleConfig } from '../config/masking-schema.js';
import { canonicalJson } from '../recording/canonical-json.js';
import { expandDetectorNames } from './detector-names.js';
import type { MaskingPolicy } from './masking-policy.js';

const DEFAULT_REPLACEMENT = Object.freeze({ style: 'type' as const, keepLast: 4 });

/** The policy a gateway masking entry asks for; no entry = the `default` detectors, `[MASKED:TYPE]`. */
export function maskingPolicyFromRule(rule: GatewayMaskingRuleConfig | undefined): MaskingPolicy {
  if (rule === undefined) {
    return { detectors: expandDetectorNames(['default']), custom: [], replacement: DEFAULT_REPLACEMENT };
  }
  if (!rule.enabled) return { detectors: [], custom: [], replacement: rule.replacement };
  return {
    detectors: expandDetectorNames(rule.detectors),
    custom: rule.custom,
    replacement: rule.replacement,
  };
}

/**
 * What the agent applies: the gateway's request raised to the agent's floor. The floor only adds
 * (detectors and custom detectors are unions), so no gateway can turn off what the agent's own
 * configuration requires; the replacement style is the gateway's.
 */
export function effectiveMaskingPolicy(
  requested: MaskingPolicy | undefined,
  floor: { readonly detectors: readonly string[]; readonly custom: readonly CustomDetectorConfig[] },
): MaskingPolicy {
  const detectors = expandDetectorNames([...(requested?.detectors ?? []), ...floor.detectors]);
  const custom: CustomDetectorConfig[] = [];
  const seen = new Set<string>();
  for (const detector of [...(requested?.custom ?? []), ...floor.custom]) {
    const key = canonicalJson(detector);
    if (seen.has(key)) continue;
    seen.add(key);
    custom.push(detector);
  }
  return { detectors, custom, replacement: requested?.replacement ?? DEFAULT_REPLACEMENT };
}
