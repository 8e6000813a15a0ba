import {
  verifyChain,
  type Direction,
  type JsonRpcId,
  type JsonRpcMessage,
  type RecordingEvent,
  type RecordingSource,
} from '@airlock/core';
import {
  sha256Hex,
  type AgreementMismatch,
  type AgreementProblem,
  type AgreementReport,
  type ChainReport,
  type SessionVerification,
} from '../../../src/index.js';

/**
 * The agreement check as it was before it learned to run on digests a page at a time: whole
 * events, linear scans. Kept only as the oracle the streaming check must agree with, report for
 * report and text for text.
 */
export function referenceAgreement(
  gatewayEvents: readonly RecordingEvent[],
  agentEvents: readonly RecordingEvent[],
): AgreementReport {
  const gateway = messagesOf(gatewayEvents);
  const agent = messagesOf(agentEvents);
  const forwarded = gateway.filter(
    (e) => e.direction === 'client_to_server' && isRequestMessage(e.message) && wasForwarded(e),
  );
  if (agentEvents.length === 0 && forwarded.length > 0) {
    const mismatch: AgreementMismatch = {
      source: 'agent',
      problem: 'agent_record_missing',
      detail: `the gateway forwarded ${forwarded.length} request(s) but the store holds no agent events for this session (agent recording off, or its events not delivered yet)`,
    };
    return { ok: false, matched: 0, mismatches: [mismatch], inFlight: [] };
  }
  const requests = (events: readonly MessageEvent[], direction: Direction) =>
    events.filter((e) => e.direction === direction && isRequestMessage(e.message));
  const responses = (events: readonly MessageEvent[], direction: Direction) =>
    events.filter((e) => e.direction === direction && isResponse(e.message));
  const tallies = [
    // The client's requests: from the gateway's side to the agent's.
    matchRequests(forwarded, requests(agent, 'client_to_server'), 'gateway', 'agent'),
    // The server's requests: from the agent's side to the gateway's.
    matchRequests(
      requests(agent, 'server_to_client'),
      requests(gateway, 'server_to_client'),
      'agent',
      'gateway',
    ),
    // The upstream's answers, then the client's.
    matchResponses(responses(agent, 'server_to_client'), responses(gateway, 'server_to_client'), 'gateway'),
    matchResponses(responses(gateway, 'client_to_server'), responses(agent, 'client_to_server'), 'agent'),
  ];
  const mismatches = tallies.flatMap((tally) => tally.mismatches);
  return {
    ok: mismatches.length === 0,
    matched: tallies.reduce((sum, tally) => sum + tally.matched, 0),
    mismatches,
    // The oracle's sessions end normally or not at all, never with a side lost: no call is in flight.
    inFlight: [],
  };
}

interface Tally {
  matched: number;
  readonly mismatches: AgreementMismatch[];
}

const missingIn = (side: RecordingSource): AgreementProblem =>
  side === 'agent' ? 'missing_in_agent' : 'missing_in_gateway';

/**
 * Requests `sent` by one side (the first to record them) against those `received` by the other;
 * unmatched ones on either side are reported.
 */
function matchRequests(
  sent: readonly MessageEvent[],
  received: readonly MessageEvent[],
  sender: RecordingSource,
  receiver: RecordingSource,
): Tally {
  const tally: Tally = { matched: 0, mismatches: [] };
  const unmatched = new Set(received);
  for (const event of sent) {
    const request = event.message as RequestLike;
    const sameId = received.filter((e) => unmatched.has(e) && sameJsonRpcId(e.message, request.id));
    const exact = sameId.find((e) => (e.message as RequestLike).method === request.method);
    if (exact === undefined) {
      const other = sameId[0];
      if (other === undefined) {
        tally.mismatches.push(
          at(
            event,
            missingIn(receiver),
            `${describe(request)} was passed on by the ${sender} but is not in the ${receiver}'s record`,
          ),
        );
      } else {
        unmatched.delete(other);
        tally.mismatches.push(
          at(
            event,
            'method_differs',
            `${describe(request)}: the ${receiver} recorded method "${(other.message as RequestLike).method}" (${receiver} seq ${other.seq}, event ${other.id})`,
          ),
        );
      }
      continue;
    }
    unmatched.delete(exact);
    const sentTool = toolName(request);
    const gotTool = toolName(exact.message as RequestLike);
    if (sentTool !== gotTool) {
      tally.mismatches.push(
        at(
          event,
          'tool_differs',
          `${describe(request)}: the ${receiver} recorded tool ${JSON.stringify(gotTool ?? null)} (${receiver} seq ${exact.seq}, event ${exact.id})`,
        ),
      );
      continue;
    }
    tally.matched += 1;
  }
  for (const extra of received) {
    if (!unmatched.has(extra)) continue;
    tally.mismatches.push(
      at(
        extra,
        missingIn(sender),
        `${describe(extra.message as RequestLike)} is in the ${receiver}'s record but the ${sender} never recorded passing it on`,
      ),
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
  answered: readonly MessageEvent[],
  relayed: readonly MessageEvent[],
  relayer: RecordingSource,
): Tally {
  const tally: Tally = { matched: 0, mismatches: [] };
  const unmatched = new Set(relayed);
  for (const got of answered) {
    const response = got.message as ResponseLike;
    const candidates = relayed.filter((e) => unmatched.has(e) && sameJsonRpcId(e.message, response.id));
    // Prefer a response with the same outcome: the gateway also records errors it answered itself
    // (a denied request), which may share an id with a forwarded one.
    const twin = candidates.find((e) => outcome(e.message) === outcome(response)) ?? candidates[0];
    if (twin === undefined) {
      tally.mismatches.push(
        at(
          got,
          missingIn(relayer),
          `the ${outcome(response)} response to id ${idText(response.id)} in the ${got.source}'s record is not in the ${relayer}'s record`,
        ),
      );
      continue;
    }
    unmatched.delete(twin);
    if (outcome(twin.message) !== outcome(response)) {
      tally.mismatches.push(
        at(
          got,
          'outcome_differs',
          `the response to id ${idText(response.id)} is ${outcome(response)} in the ${got.source}'s record but ${outcome(twin.message)} in the ${relayer}'s (${relayer} seq ${twin.seq}, event ${twin.id})`,
        ),
      );
      continue;
    }
    tally.matched += 1;
  }
  return tally;
}

interface RequestLike {
  readonly id: JsonRpcId;
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

interface ResponseLike {
  readonly id: JsonRpcId | null;
  readonly result?: unknown;
  readonly error?: unknown;
}

type MessageEvent = RecordingEvent & { readonly message: JsonRpcMessage };

function messagesOf(events: readonly RecordingEvent[]): MessageEvent[] {
  return events
    .filter((e): e is MessageEvent => e.kind === 'message' && e.message !== undefined)
    .sort((a, b) => a.seq - b.seq);
}

function wasForwarded(event: RecordingEvent): boolean {
  const action = event.decision?.action;
  return action === undefined || action === 'pass' || action === 'audit' || action === 'approve';
}

function isRequestMessage(message: JsonRpcMessage): boolean {
  return typeof message === 'object' && message !== null && 'method' in message && 'id' in message;
}

function isResponse(message: JsonRpcMessage): boolean {
  return typeof message === 'object' && message !== null && !('method' in message) && 'id' in message;
}

function outcome(message: unknown): 'error' | 'result' {
  return typeof message === 'object' && message !== null && 'error' in message ? 'error' : 'result';
}

function sameJsonRpcId(message: JsonRpcMessage, id: JsonRpcId | null): boolean {
  // 1 and "1" are different ids in JSON-RPC.
  return (message as { id?: unknown }).id === id;
}

function toolName(request: RequestLike): string | undefined {
  if (request.method !== 'tools/call') return undefined;
  const name = request.params?.['name'];
  return typeof name === 'string' ? name : undefined;
}

function idText(id: JsonRpcId | null): string {
  return JSON.stringify(id);
}

function describe(request: RequestLike): string {
  const tool = toolName(request);
  return `request id ${idText(request.id)} (${request.method}${tool === undefined ? '' : ` ${tool}`})`;
}

function at(event: RecordingEvent, problem: AgreementMismatch['problem'], detail: string): AgreementMismatch {
  return { source: event.source, seq: event.seq, eventId: event.id, problem, detail };
}

/** `verifySession` as it was: whole chains through core's verifyChain, then the reference check. */
export function referenceVerification(events: readonly RecordingEvent[]): SessionVerification {
  const bySource: Record<RecordingSource, RecordingEvent[]> = { gateway: [], agent: [] };
  for (const event of events) bySource[event.source].push(event);
  const chain = (source: RecordingSource): ChainReport => ({
    events: bySource[source].length,
    breaks: verifyChain(bySource[source], sha256Hex),
  });
  const chains = { gateway: chain('gateway'), agent: chain('agent') };
  const agreement = referenceAgreement(bySource.gateway, bySource.agent);
  return {
    ok: chains.gateway.breaks.length === 0 && chains.agent.breaks.length === 0 && agreement.ok,
    sessionId: events[0]?.sessionId,
    chains,
    agreement,
  };
}
