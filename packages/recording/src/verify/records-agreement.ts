import type { RecordingEvent, RecordingSource } from '@airlock/core';
import { CandidatePool } from './candidate-pool.js';
import { findInFlightCalls } from './in-flight-calls.js';
import type { RecordedEnds } from './lost-sides.js';
import { digestMessage, type MessageDigest } from './message-digest.js';
import type { AgreementMismatch, AgreementProblem, AgreementReport } from './verification-report.js';

/**
 * Do the gateway's and the agent's records of one session tell the same story? Requests travel
 * both ways (the client's to the server; the server's, such as sampling or elicitation, to the
 * client), and each answer travels back the other way:
 *
 * - Every client→server request the gateway forwarded (no decision, `pass`, `audit` or `approve`; a
 *   denied or held request never reaches the agent) appears in the agent's record with the same JSON-RPC
 *   id and method, and for `tools/call` the same tool name; every one the agent recorded was
 *   forwarded by the gateway.
 * - Every server→client request the agent got from the upstream appears in the gateway's record
 *   with the same id and method; every one the gateway recorded came from the agent.
 * - Every answer from the side that answers (the upstream's responses in the agent's record, the
 *   client's responses in the gateway's) appears on the other side with the same id and outcome.
 *
 * Only ids, methods, tool names and result-vs-error are compared, never whole bodies: the agent
 * masks responses BEFORE it records them and the gateway records what it forwarded after policy
 * (e.g. a filtered `tools/list`), so the same message legitimately differs in content between
 * the two records. The hash chains already prove each record's content is as written.
 * Notifications are not compared: either side may drop one by design (a client with no stream
 * open, a cancelled request's progress), so their absence proves nothing.
 *
 * JSON-RPC ids are not unique within a recording session (stateless modern-era requests each
 * start again at 1, and a client may reuse ids), so matching consumes candidates in record order.
 *
 * A session that lost a side (a process killed) leaves the calls in flight at that moment in one
 * record only: those are reported in `inFlight`, not as mismatches (see findInFlightCalls).
 */
export function checkAgreement(
  gatewayEvents: readonly RecordingEvent[],
  agentEvents: readonly RecordingEvent[],
): AgreementReport {
  const check = new AgreementCheck();
  for (const event of gatewayEvents) check.add(event, 'gateway');
  for (const event of agentEvents) check.add(event, 'agent');
  return check.report();
}

/**
 * `checkAgreement` fed one event at a time (say a page at a time from the store): it keeps a
 * MessageDigest per message, never the message, and compares when asked for the report.
 */
export class AgreementCheck {
  readonly #messages: Record<RecordingSource, MessageDigest[]> = { gateway: [], agent: [] };
  readonly #ends: Record<RecordingSource, string[]> = { gateway: [], agent: [] };
  #agentEvents = 0;

  /** Adds an event to one side's record (by default the side that recorded it). */
  add(event: RecordingEvent, side: RecordingSource = event.source): void {
    if (side === 'agent') this.#agentEvents += 1;
    if (event.kind === 'session_end') this.#ends[side].push(event.end?.reason ?? '');
    const digest = digestMessage(event);
    if (digest !== undefined) this.#messages[side].push(digest);
  }

  report(): AgreementReport {
    // Each record in its own order (stable: equal seqs keep the order they arrived in).
    return compareRecords(
      inRecordOrder(this.#messages.gateway),
      inRecordOrder(this.#messages.agent),
      this.#agentEvents,
      this.#ends,
    );
  }
}

const bySeq = (a: MessageDigest, b: MessageDigest) => a.seq - b.seq;

/**
 * One source's messages in the order it recorded them: by seq, or, when several gateways each
 * wrote a chain of the session, each chain by seq and the chains merged by time (ties: the chain
 * that comes first by name), so matching still meets each chain's messages in their own order.
 */
function inRecordOrder(digests: readonly MessageDigest[]): MessageDigest[] {
  const chains = new Map<string, MessageDigest[]>();
  for (const digest of digests) {
    const name = digest.chain ?? '';
    const chain = chains.get(name);
    if (chain) chain.push(digest);
    else chains.set(name, [digest]);
  }
  if (chains.size <= 1) return [...digests].sort(bySeq);
  const heads = [...chains.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, chain]) => ({ chain: chain.sort(bySeq), next: 0 }));
  const merged: MessageDigest[] = [];
  for (;;) {
    let earliest: (typeof heads)[number] | undefined;
    for (const head of heads) {
      const candidate = head.chain[head.next];
      if (candidate === undefined) continue;
      if (earliest === undefined || candidate.atMs < earliest.chain[earliest.next]!.atMs) earliest = head;
    }
    if (earliest === undefined) return merged;
    merged.push(earliest.chain[earliest.next]!);
    earliest.next += 1;
  }
}

function compareRecords(
  gateway: readonly MessageDigest[],
  agent: readonly MessageDigest[],
  agentEvents: number,
  ends: RecordedEnds,
): AgreementReport {
  const forwarded = gateway.filter(
    (e) => e.direction === 'client_to_server' && e.shape === 'request' && e.forwarded,
  );
  if (agentEvents === 0 && forwarded.length > 0) {
    const mismatch: AgreementMismatch = {
      source: 'agent',
      problem: 'agent_record_missing',
      detail: `the gateway forwarded ${forwarded.length} request(s) but the store holds no agent events for this session (agent recording off, or its events not delivered yet)`,
    };
    return { ok: false, matched: 0, mismatches: [mismatch], inFlight: [] };
  }
  const of = (
    events: readonly MessageDigest[],
    direction: MessageDigest['direction'],
    shape: MessageDigest['shape'],
  ) => events.filter((e) => e.direction === direction && e.shape === shape);
  const tallies = [
    // The client's requests: from the gateway's side to the agent's.
    matchRequests(forwarded, of(agent, 'client_to_server', 'request'), 'gateway', 'agent'),
    // The server's requests: from the agent's side to the gateway's.
    matchRequests(
      of(agent, 'server_to_client', 'request'),
      of(gateway, 'server_to_client', 'request'),
      'agent',
      'gateway',
    ),
    // The upstream's answers, then the client's.
    matchResponses(
      of(agent, 'server_to_client', 'response'),
      of(gateway, 'server_to_client', 'response'),
      'gateway',
    ),
    matchResponses(
      of(gateway, 'client_to_server', 'response'),
      of(agent, 'client_to_server', 'response'),
      'agent',
    ),
  ];
  const { mismatches, inFlight } = findInFlightCalls({
    gateway,
    agent,
    ends,
    reached: new Set(tallies.flatMap((tally) => tally.reached)),
    mismatches: tallies.flatMap((tally) =>
      tally.mismatches.map((mismatch) => ({ mismatch, digest: tally.about.get(mismatch) })),
    ),
  });
  return {
    ok: mismatches.length === 0,
    matched: tallies.reduce((sum, tally) => sum + tally.matched, 0),
    mismatches,
    inFlight,
  };
}

class Tally {
  matched = 0;
  readonly mismatches: AgreementMismatch[] = [];
  /** The message each mismatch is about. */
  readonly about = new Map<AgreementMismatch, MessageDigest>();
  /** Messages sent by one side that the other side recorded receiving, alike or not. */
  readonly reached: MessageDigest[] = [];

  report(event: MessageDigest, problem: AgreementProblem, detail: string): void {
    const mismatch: AgreementMismatch = {
      source: event.source,
      ...(event.chain === undefined ? {} : { chain: event.chain }),
      seq: event.seq,
      eventId: event.eventId,
      problem,
      detail,
    };
    this.mismatches.push(mismatch);
    this.about.set(mismatch, event);
  }
}

const missingIn = (side: RecordingSource): AgreementProblem =>
  side === 'agent' ? 'missing_in_agent' : 'missing_in_gateway';

/**
 * Requests `sent` by one side (the first to record them) against those `received` by the other;
 * unmatched ones on either side are reported.
 */
function matchRequests(
  sent: readonly MessageDigest[],
  received: readonly MessageDigest[],
  sender: RecordingSource,
  receiver: RecordingSource,
): Tally {
  const tally = new Tally();
  const pool = new CandidatePool(received, (e) => e.method);
  for (const request of sent) {
    const exact = pool.first(request.jsonRpcId, request.method);
    if (exact === undefined) {
      const other = pool.first(request.jsonRpcId);
      if (other === undefined) {
        tally.report(
          request,
          missingIn(receiver),
          `${describe(request)} was passed on by the ${sender} but is not in the ${receiver}'s record`,
        );
      } else {
        pool.take(other);
        tally.reached.push(request);
        tally.report(
          request,
          'method_differs',
          `${describe(request)}: the ${receiver} recorded method "${other.method}" (${receiver} seq ${other.seq}, event ${other.eventId})`,
        );
      }
      continue;
    }
    pool.take(exact);
    tally.reached.push(request);
    if (request.tool !== exact.tool) {
      tally.report(
        request,
        'tool_differs',
        `${describe(request)}: the ${receiver} recorded tool ${JSON.stringify(exact.tool ?? null)} (${receiver} seq ${exact.seq}, event ${exact.eventId})`,
      );
      continue;
    }
    tally.matched += 1;
  }
  for (const extra of pool.untaken()) {
    tally.report(
      extra,
      missingIn(sender),
      `${describe(extra)} is in the ${receiver}'s record but the ${sender} never recorded passing it on`,
    );
  }
  return tally;
}

/**
 * Answers recorded first by one side (`answered`) must be in `relayer`'s record with the same id
 * and outcome. Extra answers on the relaying side are not reported: the gateway also records
 * errors it gives itself (a denied request) that never reach the agent.
 */
function matchResponses(
  answered: readonly MessageDigest[],
  relayed: readonly MessageDigest[],
  relayer: RecordingSource,
): Tally {
  const tally = new Tally();
  const pool = new CandidatePool(relayed, (e) => e.outcome);
  for (const got of answered) {
    // Prefer a response with the same outcome: the gateway also records errors it answered itself
    // (a denied request), which may share an id with a forwarded one.
    const twin = pool.first(got.jsonRpcId, got.outcome) ?? pool.first(got.jsonRpcId);
    if (twin === undefined) {
      tally.report(
        got,
        missingIn(relayer),
        `the ${got.outcome} response to id ${idText(got.jsonRpcId)} in the ${got.source}'s record is not in the ${relayer}'s record`,
      );
      continue;
    }
    pool.take(twin);
    tally.reached.push(got);
    if (twin.outcome !== got.outcome) {
      tally.report(
        got,
        'outcome_differs',
        `the response to id ${idText(got.jsonRpcId)} is ${got.outcome} in the ${got.source}'s record but ${twin.outcome} in the ${relayer}'s (${relayer} seq ${twin.seq}, event ${twin.eventId})`,
      );
      continue;
    }
    tally.matched += 1;
  }
  return tally;
}

function idText(id: unknown): string {
  return JSON.stringify(id);
}

function describe(request: MessageDigest): string {
  const tool = request.tool;
  return `request id ${idText(request.jsonRpcId)} (${request.method}${tool === undefined ? '' : ` ${tool}`})`;
}
