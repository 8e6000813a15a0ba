import type { JsonRpcMessage } from '../mcp/jsonrpc.js';
import { canonicalJson } from './canonical-json.js';
import type { ProtocolEra } from '../mcp/protocol-eras.js';
import type { Direction } from '../relay/relay-context.js';

/**
 * The recording event: what the spool holds, what the store indexes and what Kinesis consumers
 * read. Security teams build on this shape: add optional fields, never change or remove one.
 *
 * Version 2 adds masking findings on agent events, guardrail decisions (`decision.rule`,
 * `decision.guardrails`), and `tool_changed` events (`toolChange`). A version 1 event is a valid
 * version 2 event without them; readers accept both, writers write 2. Later additions (the
 * `approval`, `access` and `aws_credentials` kinds with their fields, and `chain` for sessions that
 * several gateways record) are optional fields and kinds of version 2.
 */
export const RECORDING_SCHEMA_VERSION = 2 as const;

/** Every schema version a reader accepts. */
export const READABLE_SCHEMA_VERSIONS: readonly number[] = Object.freeze([1, 2]);

export type RecordingSource = 'gateway' | 'agent';

export type RecordingEventKind =
  /** A session (legacy) or a modern-era request group begins. */
  | 'session_start'
  /** One JSON-RPC message, as it passed this source. */
  | 'message'
  /** The session is over; `end.reason` says why. */
  | 'session_end'
  /** Something an auditor must know about the recording itself (best-effort spool failure, ...). */
  | 'warning'
  /** A tool definition on a connection appeared or changed (pinning); `toolChange` says how. */
  | 'tool_changed'
  /** A step of a held call's approval (held, a vote, decided, released, its outcome); `approval`. */
  | 'approval'
  /** A step of a just-in-time access grant (requested, granted, used, ended); `access`. */
  | 'access'
  /** The agent assumed an IAM role for this session's person (agent side); `awsCredentials`. */
  | 'aws_credentials';

/** Who acted: identity only, never a token. */
export interface RecordedIdentity {
  readonly subject: string;
  readonly email?: string | undefined;
  readonly groups: readonly string[];
  readonly tokenId?: string | undefined;
}

/**
 * What masking changed in a message: the detector type, the JSON path of the string (e.g.
 * `result.content[0].text`) and how many values it masked there. Never the unmasked value, never
 * an unkeyed hash of it.
 */
export interface MaskingFinding {
  readonly type: string;
  readonly path: string;
  readonly count: number;
}

/** One guardrail rule that matched a message, and what it did. */
export interface GuardrailMatch {
  readonly rule: string;
  readonly action: 'deny' | 'approve' | 'allow' | 'audit';
  /** The pack the rule came from, when it came from one. */
  readonly pack?: string | undefined;
}

export interface RecordedDecision {
  /**
   * What happened to the message at this source: `pass`, `deny` (refused: access rule,
   * guardrail, pinning), `audit` (passed, marked by a guardrail), `hold` / `approve` / `reject`
   * (approvals), `hide` (a tool filtered out of a list by pinning or a description guardrail).
   */
  readonly action: 'pass' | 'deny' | 'audit' | 'hold' | 'approve' | 'reject' | 'hide';
  /** The deciding rule: `guardrail:<name>`, `access:#<n>`, `pinning`, ... */
  readonly rule?: string | undefined;
  readonly reason?: string | undefined;
  /** Every guardrail that matched (first match decides; `audit` marks go on). */
  readonly guardrails?: readonly GuardrailMatch[] | undefined;
}

/** A tool that appeared or changed on a connection (on a `tool_changed` event). */
export interface ToolChange {
  readonly tool: string;
  readonly change: 'new' | 'changed' | 'removed';
  /** SHA-256 of the canonical JSON of the previous definition (absent for `new`). */
  readonly oldFingerprint?: string | undefined;
  readonly newFingerprint?: string | undefined;
  /** Which fields differ (`description`, `inputSchema`, ...), with old and new values. */
  readonly diff?:
    readonly { readonly field: string; readonly old?: unknown; readonly new?: unknown }[] | undefined;
  /** What the gateway did: `warn` (passed), `hide`, `block`; `hidden_by_guardrail:<rule>`. */
  readonly outcome: string;
}

/** One step of a held call's approval, in the chain of the session that asked for it. */
export interface RecordedApproval {
  readonly id: string;
  /**
   * `held` (the call is waiting), `joined` (a retry of the same call waits on the same approval),
   * `vote` (one person approved or denied, `decision`), `approved` / `denied` / `expired` (the
   * decision), `released` (sent on, once), `outcome` (the answer of the one execution), `replayed`
   * (a retry answered with the stored outcome or decision, not run again).
   */
  readonly step:
    'held' | 'joined' | 'vote' | 'approved' | 'denied' | 'expired' | 'released' | 'outcome' | 'replayed';
  /** SHA-256 of the canonical request (connection, caller, method, params): what was approved. */
  readonly digest?: string | undefined;
  readonly rule?: string | undefined;
  /** The client's JSON-RPC id of the held request in this session. */
  readonly requestId?: string | number | undefined;
  /** Who voted (subject), with their groups, on a `vote`. */
  readonly by?: string | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly decision?: 'approve' | 'deny' | undefined;
  readonly reason?: string | undefined;
  /** On `outcome` / `replayed`: whether the answer was a result or an error. */
  readonly outcome?: 'result' | 'error' | undefined;
}

/** One step of a just-in-time access grant. */
export interface RecordedAccessGrant {
  readonly grantId: string;
  /**
   * `requested`, `granted`, `denied`, `revoked` (the grant's life, each in the system session
   * `airlock-access:<grant>:<step>`), `used` (a session admitted only by the grant, in its chain)
   * and `ended` (that session ended because the grant expired or was revoked).
   */
  readonly step: 'requested' | 'granted' | 'denied' | 'revoked' | 'used' | 'ended';
  readonly connection: string;
  /** Tool globs the grant covers; absent: the whole connection. */
  readonly tools?: readonly string[] | undefined;
  /** Who decided or revoked (subject). */
  readonly by?: string | undefined;
  readonly reason?: string | undefined;
  readonly expiresAt?: string | undefined;
}

/**
 * Which AWS identity the agent gave a session: the role it assumed for the person and how the
 * person was attributed. Never a credential (no key id, secret or token).
 */
export interface RecordedAwsCredentials {
  readonly roleArn: string;
  readonly roleSessionName: string;
  /** The STS SourceIdentity set (absent when the connection sets `sourceIdentity: false`). */
  readonly sourceIdentity?: string | undefined;
  /** The session tag keys set; empty when the role refused tags (or tags are off). */
  readonly sessionTags: readonly string[];
  /** When the temporary credentials expire (ISO-8601). */
  readonly expiresAt?: string | undefined;
  /** How the credentials reach the upstream: its environment (stdio) or SigV4 signatures (HTTP). */
  readonly use: 'environment' | 'sigv4';
}

/**
 * A recorded event on its way from a spool to a destination: the event, and its UTF-8 JSON exactly
 * as spooled when the spool has it. Reading `event` may parse that JSON (a large record read back
 * from disk is parsed only when something asks for its event), so a destination that sends JSON
 * sends `json` when there and reads `event` only where it is not.
 */
export interface SpooledEvent {
  readonly event: RecordingEvent;
  readonly json?: Buffer | undefined;
}

export interface RecordingEvent {
  /** The version it was written with (1 or 2); see RECORDING_SCHEMA_VERSION. */
  readonly schema: 1 | typeof RECORDING_SCHEMA_VERSION;
  /** Globally unique; delivery is at-least-once, so consumers deduplicate by it. */
  readonly id: string;
  readonly sessionId: string;
  readonly source: RecordingSource;
  /**
   * The chain this event belongs to when several processes of one source record the session: a
   * modern-era group served by several gateways of a cluster has one gateway chain per gateway,
   * named by its session tag. Absent (every single-gateway recording, every agent event, every
   * event written before it existed): the session has one chain per source.
   */
  readonly chain?: string | undefined;
  /** Gap-free per (sessionId, source, chain), starting at 1. */
  readonly seq: number;
  /** ISO-8601 with milliseconds, UTC. */
  readonly at: string;
  readonly kind: RecordingEventKind;
  readonly identity: RecordedIdentity;
  readonly connection: string;
  readonly gatewayId?: string | undefined;
  readonly agentId?: string | undefined;
  readonly era: ProtocolEra;
  readonly protocolVersion: string;
  readonly direction?: Direction | undefined;
  /** The full message as delivered (after masking on the agent side). */
  readonly message?: JsonRpcMessage | undefined;
  readonly masking?: readonly MaskingFinding[] | undefined;
  readonly decision?: RecordedDecision | undefined;
  readonly start?: { readonly clientInfo?: Record<string, unknown> | undefined } | undefined;
  readonly end?: { readonly reason: string; readonly code?: string | undefined } | undefined;
  readonly warning?: { readonly code: string; readonly message: string } | undefined;
  readonly toolChange?: ToolChange | undefined;
  readonly approval?: RecordedApproval | undefined;
  readonly access?: RecordedAccessGrant | undefined;
  readonly awsCredentials?: RecordedAwsCredentials | undefined;
  /**
   * What a retention run deleted (on a `warning` event with code `retention_purge`, in the system
   * session `airlock-retention:<job>`): the cutoff, and counts from the store and the spool.
   */
  readonly purge?:
    | {
        readonly cutoff: string;
        readonly days: number;
        readonly sessions: number;
        readonly events: number;
        readonly spoolSegments: number;
      }
    | undefined;
  /** `hash` of the previous event of this (sessionId, source); 64 zeros for seq 1. */
  readonly prevHash: string;
  /** SHA-256 (hex) of `canonicalEventText(event)`: every field but `hash`, canonically ordered. */
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/**
 * The exact text a hash covers: the event without `hash`, with object keys sorted at every depth
 * and no insignificant white space, so producers and verifiers in any language agree.
 */
export function canonicalEventText(event: Omit<RecordingEvent, 'hash'> | RecordingEvent): string {
  if (!('hash' in event)) return canonicalJson(event); // an event being sealed: no copy needed
  const { hash: _hash, ...rest } = event;
  return canonicalJson(rest);
}

export interface ChainBreak {
  /** The chain broken, when the session has several of its source (see `RecordingEvent.chain`). */
  readonly chain?: string | undefined;
  readonly seq: number;
  readonly eventId: string | undefined;
  readonly problem: 'gap' | 'hash_mismatch' | 'prev_hash_mismatch' | 'duplicate';
  readonly detail: string;
}

/**
 * Names one chain of a session: the source, plus the writer's chain name when several processes of
 * that source record the session (`gateway:1a2b3c4d`); just the source otherwise.
 */
export function chainKeyOf(event: Pick<RecordingEvent, 'source' | 'chain'>): string {
  return event.chain === undefined ? event.source : `${event.source}:${event.chain}`;
}

/**
 * Checks one (sessionId, source, chain) chain, events in any order: seq gap-free from 1, each hash
 * matching its content, each prevHash matching its predecessor. `sha256Hex` is injected so this
 * module stays free of I/O imports.
 */
export function verifyChain(
  events: readonly RecordingEvent[],
  sha256Hex: (text: string) => string,
): ChainBreak[] {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const breaks: ChainBreak[] = [];
  let previous: RecordingEvent | undefined;
  for (const event of sorted) {
    const expectedSeq = (previous?.seq ?? 0) + 1;
    if (previous && event.seq === previous.seq) {
      breaks.push({
        seq: event.seq,
        eventId: event.id,
        problem: 'duplicate',
        detail: `seq ${event.seq} appears twice`,
      });
      continue;
    }
    if (event.seq !== expectedSeq) {
      breaks.push({
        seq: expectedSeq,
        eventId: undefined,
        problem: 'gap',
        detail: `events ${expectedSeq}..${event.seq - 1} are missing`,
      });
    }
    const consecutive = previous !== undefined && event.seq === previous.seq + 1;
    breaks.push(...checkChainLink(event, consecutive ? previous?.hash : undefined, sha256Hex));
    previous = event;
  }
  return breaks;
}

/**
 * Checks one event as the next link of its chain (the incremental form of `verifyChain`, used by
 * stream consumers): its hash must match its content, and its `prevHash` must be the genesis hash
 * (seq 1) or `previousHash` when the predecessor is known.
 */
export function checkChainLink(
  event: RecordingEvent,
  previousHash: string | undefined,
  sha256Hex: (text: string) => string,
): ChainBreak[] {
  const breaks: ChainBreak[] = [];
  const actual = sha256Hex(canonicalEventText(event));
  if (actual !== event.hash) {
    breaks.push({
      seq: event.seq,
      eventId: event.id,
      problem: 'hash_mismatch',
      detail: `content does not match its hash (recomputed ${actual.slice(0, 12)}…, recorded ${event.hash.slice(0, 12)}…)`,
    });
  }
  const expectedPrev = event.seq === 1 ? GENESIS_HASH : previousHash;
  if (expectedPrev !== undefined && event.prevHash !== expectedPrev) {
    breaks.push({
      seq: event.seq,
      eventId: event.id,
      problem: 'prev_hash_mismatch',
      detail: `prevHash does not match the hash of seq ${event.seq - 1}`,
    });
  }
  return breaks;
}
