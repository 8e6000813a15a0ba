import type { Direction, RecordingSource } from '@airlock/core';
import { CandidatePool } from './candidate-pool.js';
import { lostSides, type RecordedEnds } from './lost-sides.js';
import type { MessageDigest } from './message-digest.js';
import type { AgreementMismatch, InFlightCall } from './verification-report.js';

/** What the agreement check found, for `findInFlightCalls` to sort into disagreements and calls cut off. */
export interface AgreementFindings {
  /** Each side's messages in seq order. */
  readonly gateway: readonly MessageDigest[];
  readonly agent: readonly MessageDigest[];
  readonly ends: RecordedEnds;
  /** Messages a side sent that the other side recorded receiving (alike or not). */
  readonly reached: ReadonlySet<MessageDigest>;
  /** Every mismatch; `digest` is the message a `missing_in_*` one is about. */
  readonly mismatches: readonly { readonly mismatch: AgreementMismatch; readonly digest?: MessageDigest }[];
}

/**
 * Tells a crash from a disagreement. When a side is lost mid-session (see `lostSides`), the calls
 * in flight at that moment are in one record and not the other: both sides spool a message
 * before passing it on, so the gateway may hold a request the agent never received, the agent an
 * answer the gateway never received. Such a message is excused, reported in `inFlight` instead
 * of `mismatches`, only when all of these hold:
 *
 * - it was sent by the side that holds it (the gateway sends client→server messages, the agent
 *   server→client ones): a message only the receiver holds cannot come from a crash;
 * - it is trailing: nothing its sender sent after it reached the other side, so the stream between
 *   them stops there (a message missing before one that arrived is a gap, not a crash);
 * - it is unanswered: a request with no answer in its sender's record; an answer to a request the
 *   other side still holds unanswered. A call whose answer is recorded anywhere was answered, and
 *   each side recorded its part of it before passing it on, so both must hold it.
 *
 * Everything else stays a mismatch. What this leniency cannot tell apart from a crash is a record
 * cut back by exactly the unanswered messages at its end in a lost session, which is what the
 * crash itself leaves; the calls are still named, so nothing disappears silently.
 * Calls both sides recorded and neither answered, trailing in a lost session, are named too
 * (`unanswered`): they agree, but an auditor should know they never completed.
 */
export function findInFlightCalls(findings: AgreementFindings): {
  readonly mismatches: AgreementMismatch[];
  readonly inFlight: InFlightCall[];
} {
  const all = findings.mismatches.map((m) => m.mismatch);
  const lost = lostSides(findings.ends);
  if (lost.size === 0) return { mismatches: all, inFlight: [] };
  const records: Record<RecordingSource, readonly MessageDigest[]> = {
    gateway: findings.gateway,
    agent: findings.agent,
  };
  const lastReached = { gateway: 0, agent: 0 };
  for (const d of findings.reached) lastReached[d.source] = Math.max(lastReached[d.source], d.seq);
  const flows = {
    client_to_server: flowOf(records, 'client_to_server'),
    server_to_client: flowOf(records, 'server_to_client'),
  };
  const lostOne = (holder: RecordingSource): RecordingSource =>
    lost.size === 1 ? [...lost][0]! : holder === 'gateway' ? 'agent' : 'gateway';

  const mismatches: AgreementMismatch[] = [];
  const inFlight: InFlightCall[] = [];
  for (const { mismatch, digest: d } of findings.mismatches) {
    const direction = d?.direction;
    const excused =
      d !== undefined &&
      direction !== undefined &&
      (mismatch.problem === 'missing_in_agent' || mismatch.problem === 'missing_in_gateway') &&
      d.source === senderOf(direction) &&
      d.seq > lastReached[d.source] &&
      (d.shape === 'request'
        ? flows[direction].senderPending.has(d)
        : flows[opposite(direction)].senderPendingIds.has(d.jsonRpcId));
    if (!excused) {
      mismatches.push(mismatch);
      continue;
    }
    const side = lostOne(d.source);
    inFlight.push(note(d, side, 'not_received', notReceivedText(d, side)));
  }
  for (const direction of ['client_to_server', 'server_to_client'] as const) {
    const flow = flows[direction];
    for (const d of flow.senderPending) {
      if (!findings.reached.has(d) || d.seq < flow.lastAnswered) continue;
      if (!flow.receiverPendingIds.has(d.jsonRpcId)) continue;
      const side = lostOne(d.source);
      inFlight.push(note(d, side, 'unanswered', unansweredText(d, side)));
    }
  }
  inFlight.sort((a, b) => (a.source === b.source ? a.seq - b.seq : a.source === 'gateway' ? -1 : 1));
  return { mismatches, inFlight };
}

/** Client→server messages are sent by the gateway, server→client ones by the agent. */
function senderOf(direction: Direction): RecordingSource {
  return direction === 'client_to_server' ? 'gateway' : 'agent';
}

function opposite(direction: Direction): Direction {
  return direction === 'client_to_server' ? 'server_to_client' : 'client_to_server';
}

interface Flow {
  /** Requests its sender recorded and holds no answer to. */
  readonly senderPending: ReadonlySet<MessageDigest>;
  /** The JSON-RPC ids of `senderPending` (Set keys compare like `===`, as matching does). */
  readonly senderPendingIds: ReadonlySet<unknown>;
  /** The ids of the requests its receiver recorded and holds no answer to. */
  readonly receiverPendingIds: ReadonlySet<unknown>;
  /** seq of the sender's last request that its record shows answered (0 for none). */
  readonly lastAnswered: number;
}

/** The requests travelling one way, and which of them each side's record leaves unanswered. */
function flowOf(records: Record<RecordingSource, readonly MessageDigest[]>, direction: Direction): Flow {
  const sender = senderOf(direction);
  const receiver = sender === 'gateway' ? 'agent' : 'gateway';
  const requests = (side: RecordingSource) =>
    records[side].filter(
      (d) =>
        d.direction === direction &&
        d.shape === 'request' &&
        // A request the gateway denied or held never went on; its answer is the gateway's own.
        (side !== 'gateway' || direction !== 'client_to_server' || d.forwarded),
    );
  const answers = (side: RecordingSource) =>
    records[side].filter((d) => d.direction === opposite(direction) && d.shape === 'response');
  const sent = requests(sender);
  const senderPending = unanswered(sent, answers(sender));
  const lastAnswered = sent.reduce((last, d) => (senderPending.has(d) ? last : Math.max(last, d.seq)), 0);
  const ids = (pending: ReadonlySet<MessageDigest>) => new Set([...pending].map((d) => d.jsonRpcId));
  return {
    senderPending,
    senderPendingIds: ids(senderPending),
    receiverPendingIds: ids(unanswered(requests(receiver), answers(receiver))),
    lastAnswered,
  };
}

/** Requests left without an answer, each answer taking the first open request with its id. */
function unanswered(
  requests: readonly MessageDigest[],
  answers: readonly MessageDigest[],
): Set<MessageDigest> {
  const pool = new CandidatePool(requests, () => undefined);
  for (const answer of answers) {
    const request = pool.first(answer.jsonRpcId);
    if (request !== undefined) pool.take(request);
  }
  return new Set(pool.untaken());
}

function note(
  d: MessageDigest,
  lost: RecordingSource,
  state: InFlightCall['state'],
  detail: string,
): InFlightCall {
  return { source: d.source, seq: d.seq, eventId: d.eventId, lost, state, detail };
}

const idText = (id: unknown): string => JSON.stringify(id);

function what(d: MessageDigest): string {
  return `request id ${idText(d.jsonRpcId)} (${d.method}${d.tool === undefined ? '' : ` ${d.tool}`})`;
}

function notReceivedText(d: MessageDigest, lost: RecordingSource): string {
  const when = `in flight when the ${lost} was lost`;
  const other = d.source === 'gateway' ? 'agent' : 'gateway';
  if (d.shape === 'request') {
    return d.source === 'gateway'
      ? `${what(d)} was passed on by the gateway but is not in the agent's record: it was ${when}, so it never reached the MCP server and the client got no answer`
      : `${what(d)} from the MCP server is in the agent's record but not in the gateway's: it was ${when}, so it never reached the client and the server got no answer`;
  }
  const whose = d.source === 'agent' ? "the MCP server's" : "the client's";
  const never = d.source === 'agent' ? 'the client never received it' : 'the MCP server never received it';
  return `${whose} ${d.outcome} response to id ${idText(d.jsonRpcId)} is in the ${d.source}'s record but not in the ${other}'s: it was ${when}, so ${never}`;
}

function unansweredText(d: MessageDigest, lost: RecordingSource): string {
  const actor = d.source === 'gateway' ? 'the MCP server' : 'the client';
  const receiver = d.source === 'gateway' ? 'agent' : 'gateway';
  return `${what(d)} reached the ${receiver} but neither record holds an answer: it was in flight when the ${lost} was lost; ${actor} may have acted on it`;
}
