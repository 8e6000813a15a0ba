import {
  AirlockError,
  eraOf,
  expandDetectorNames,
  type Caller,
  type ConnectionEra,
  type MaskingPolicy,
  type SessionOpenRequest,
} from '@airlock/core';
import type {
  MaskingPolicy as WireMaskingPolicy,
  MaskingPolicy__Output,
} from '../generated/airlock/tunnel/v1/MaskingPolicy.js';
import type { Caller__Output } from '../generated/airlock/tunnel/v1/Caller.js';
import type { Failure, Failure__Output } from '../generated/airlock/tunnel/v1/Failure.js';
import type { OpenSession, OpenSession__Output } from '../generated/airlock/tunnel/v1/OpenSession.js';
import type { ProtocolEra__Output } from '../generated/airlock/tunnel/v1/ProtocolEra.js';
import type { Transport__Output } from '../generated/airlock/tunnel/v1/Transport.js';

/** How an agent reaches one MCP server. */
export type ConnectionTransport = 'stdio' | 'http';

/** One connection an agent announces in its Hello. */
export interface AnnouncedConnection {
  readonly name: string;
  readonly transport: ConnectionTransport;
  readonly eras: readonly ConnectionEra[];
}

export function transportToWire(transport: ConnectionTransport): Transport__Output {
  return transport === 'stdio' ? 'TRANSPORT_STDIO' : 'TRANSPORT_HTTP';
}

export function transportFromWire(transport: Transport__Output): ConnectionTransport | undefined {
  if (transport === 'TRANSPORT_STDIO') return 'stdio';
  if (transport === 'TRANSPORT_HTTP') return 'http';
  return undefined;
}

export function eraToWire(era: ConnectionEra): ProtocolEra__Output {
  return era === 'modern' ? 'PROTOCOL_ERA_MODERN' : 'PROTOCOL_ERA_LEGACY';
}

export function eraFromWire(era: ProtocolEra__Output): ConnectionEra | undefined {
  if (era === 'PROTOCOL_ERA_LEGACY') return 'legacy';
  if (era === 'PROTOCOL_ERA_MODERN') return 'modern';
  return undefined;
}

export function failureToWire(error: AirlockError): Failure {
  return { code: error.code, message: error.message };
}

export function failureFromWire(failure: Failure__Output): AirlockError {
  return AirlockError.fromWire(failure.code, failure.message);
}

export function openSessionToWire(openId: string, request: SessionOpenRequest): OpenSession {
  const { caller } = request;
  return {
    openId,
    connection: request.connection,
    sessionId: request.sessionId,
    kind: request.kind === 'session' ? 'SESSION_KIND_SESSION' : 'SESSION_KIND_EXCHANGE',
    protocolVersion: request.protocolVersion,
    era: eraToWire(request.era),
    caller: {
      subject: caller.subject,
      email: caller.email ?? '',
      groups: [...caller.groups],
      tokenId: caller.tokenId ?? '',
      anonymous: caller.anonymous,
    },
    forwardHeaders: { ...request.forwardHeaders },
    ...(request.masking ? { masking: wireMaskingOf(request.masking) } : {}),
  };
}

/** The gateway's policy of a connection is one frozen object: its wire form is made once. */
const wirePolicies = new WeakMap<MaskingPolicy, WireMaskingPolicy>();

function wireMaskingOf(policy: MaskingPolicy): WireMaskingPolicy {
  if (!Object.isFrozen(policy)) return maskingPolicyToWire(policy);
  let wire = wirePolicies.get(policy);
  if (wire === undefined) {
    wire = maskingPolicyToWire(policy);
    wirePolicies.set(policy, wire);
  }
  return wire;
}

const STYLE_TO_WIRE = {
  type: 'REPLACEMENT_STYLE_TYPE',
  partial: 'REPLACEMENT_STYLE_PARTIAL',
  hash: 'REPLACEMENT_STYLE_HASH',
} as const;

export function maskingPolicyToWire(policy: MaskingPolicy): WireMaskingPolicy {
  return {
    detectors: [...policy.detectors],
    custom: policy.custom.map((c) => ({
      type: c.type,
      pattern: c.pattern,
      keywords: [...c.keywords],
      keywordWindow: c.keywordWindow,
      validation:
        c.validate === 'luhn'
          ? 'DETECTOR_VALIDATION_LUHN'
          : c.validate === 'mod97'
            ? 'DETECTOR_VALIDATION_MOD97'
            : 'DETECTOR_VALIDATION_UNSPECIFIED',
    })),
    replacementStyle: STYLE_TO_WIRE[policy.replacement.style],
    keepLast: policy.replacement.keepLast,
  };
}

/**
 * The gateway's masking request. Detector names this agent does not know (a newer gateway) are
 * dropped here and the agent's floor still applies; unknown styles fall back to `[MASKED:TYPE]`,
 * the style that reveals least.
 */
export function maskingPolicyFromWire(policy: MaskingPolicy__Output): MaskingPolicy {
  // A gateway sends the same policy in every OpenSession of a connection (one per modern-era
  // exchange): the same wire policy yields the same frozen object, which the agent's masker cache
  // recognises without rebuilding the effective policy. Decoding it cost about 15 µs an exchange.
  const key = wirePolicyKey(policy);
  let decoded = decodedPolicies.get(key);
  if (decoded === undefined) {
    decoded = deepFreeze(decodeMaskingPolicy(policy));
    if (decodedPolicies.size >= MAX_DECODED_POLICIES)
      decodedPolicies.delete(decodedPolicies.keys().next().value as string);
    decodedPolicies.set(key, decoded);
  }
  return decoded;
}

const MAX_DECODED_POLICIES = 64;
const decodedPolicies = new Map<string, MaskingPolicy>();

/** Every field maskingPolicyFromWire reads, in one string (JSON only for custom detectors, which are rare). */
function wirePolicyKey(policy: MaskingPolicy__Output): string {
  const custom =
    policy.custom.length === 0
      ? ''
      : JSON.stringify(
          policy.custom.map((c) => [c.type, c.pattern, c.keywords, c.keywordWindow, c.validation]),
        );
  // JSON keeps names apart whatever they hold: a gateway may send names this agent does not know.
  return `${policy.replacementStyle} ${policy.keepLast} ${JSON.stringify(policy.detectors)}${custom}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

function decodeMaskingPolicy(policy: MaskingPolicy__Output): MaskingPolicy {
  const style =
    policy.replacementStyle === 'REPLACEMENT_STYLE_PARTIAL'
      ? 'partial'
      : policy.replacementStyle === 'REPLACEMENT_STYLE_HASH'
        ? 'hash'
        : 'type';
  return {
    detectors: expandDetectorNames(policy.detectors),
    custom: policy.custom.map((c) => ({
      type: c.type,
      pattern: c.pattern,
      keywords: [...c.keywords],
      keywordWindow: c.keywordWindow || 64,
      ...(c.validation === 'DETECTOR_VALIDATION_LUHN'
        ? { validate: 'luhn' as const }
        : c.validation === 'DETECTOR_VALIDATION_MOD97'
          ? { validate: 'mod97' as const }
          : {}),
    })),
    replacement: { style, keepLast: Math.min(8, Math.max(1, policy.keepLast || 4)) },
  };
}

function callerFromWire(caller: Caller__Output | null): Caller {
  if (!caller) return { subject: '', groups: [], anonymous: true };
  return {
    subject: caller.subject,
    ...(caller.email ? { email: caller.email } : {}),
    groups: [...caller.groups],
    ...(caller.tokenId ? { tokenId: caller.tokenId } : {}),
    anonymous: caller.anonymous,
  };
}

/** Parses an OpenSession from the gateway; throws AirlockError(invalid_request) when it is unusable. */
export function openSessionFromWire(message: OpenSession__Output): SessionOpenRequest {
  if (!message.openId || !message.connection || !message.sessionId) {
    throw new AirlockError(
      'invalid_request',
      'The gateway sent an OpenSession without open id, connection or session id; upgrade the gateway and agent to matching versions.',
    );
  }
  if (message.kind !== 'SESSION_KIND_SESSION' && message.kind !== 'SESSION_KIND_EXCHANGE') {
    throw new AirlockError(
      'invalid_request',
      `The gateway asked for a session of unknown kind "${message.kind}"; upgrade the agent to the gateway's version.`,
    );
  }
  return {
    sessionId: message.sessionId,
    connection: message.connection,
    kind: message.kind === 'SESSION_KIND_SESSION' ? 'session' : 'exchange',
    protocolVersion: message.protocolVersion,
    // Gateways that predate the era field leave it unspecified: infer it from the revision.
    era: eraFromWire(message.era) ?? eraOf(message.protocolVersion),
    caller: callerFromWire(message.caller),
    forwardHeaders: { ...message.forwardHeaders },
    ...(message.masking ? { masking: maskingPolicyFromWire(message.masking) } : {}),
  };
}
