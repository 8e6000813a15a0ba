import type { JsonRpcId, JsonRpcMessage, RecordingEvent } from '@airlock/core';
import type { AgreementMismatch, AgreementReport } from './verification-report.js';

/**
 * Do the gateway's and the agent's records of one session tell the same story?
 *
 * - Every client→server request the gateway forwarded (no decision, `pass` or `approve`; a denied
 *   or held request never reaches the agent) appears in the agent's record with the same JSON-RPC
 *   id and method, and for `tools/call` the same tool name.
 * - Every client→server request the agent recorded was forwarded by the gateway.
 * - Every response the agent got from the upstream appears in the gateway's record with the same
 *   id and the same outcome (result or error).
 *
 * Only ids, methods, tool names and result-vs-error are compared, never whole bodies: the agent
 * masks responses BEFORE it records them and the gateway records what it forwarded after policy
 * (e.g. a filtered `tools/list`), so the same message legitimately differs in content between
 * the two records. The hash chains already prove each record's content is as written.
 *
 * JSON-RPC ids are not unique within a recording session (stateless modern-era requests each
 * start again at 1, and a client may reuse ids), so matching consumes candidates in record order.
 */
export function checkAgreement(
  gatewayEvents: readonly RecordingEvent[],
  agentEvents: readonly RecordingEvent[],
): AgreementReport {
  const gateway = messagesOf(gatewayEvents);
  const agent = messagesOf(agentEvents);
  const mismatches: AgreementMismatch[] = [];
  let matched = 0;

  const forwarded = gateway.filter(
    (e) => e.direction === 'client_to_server' && isRequestMessage(e.message) && wasForwarded(e),
  );
  const agentRequests = agent.filter(
    (e) => e.direction === 'client_to_server' && isRequestMessage(e.message),
  );
  if (agentEvents.length === 0 && forwarded.length > 0) {
    mismatches.push({
      source: 'agent',
      problem: 'agent_record_missing',
      detail: `the gateway forwarded ${forwarded.length} request(s) but the store holds no agent events for this session (agent recording off, or its events not delivered yet)`,
    });
    return { ok: false, matched, mismatches };
  }

  // Requests: gateway → agent, then what the agent holds that the gateway never forwarded.
  const unmatchedAgent = new Set(agentRequests);
  for (const sent of forwarded) {
    const request = sent.message as RequestLike;
    const sameId = agentRequests.filter((e) => unmatchedAgent.has(e) && sameJsonRpcId(e.message, request.id));
    const exact = sameId.find((e) => (e.message as RequestLike).method === request.method);
    if (exact === undefined) {
      const other = sameId[0];
      if (other === undefined) {
        mismatches.push(
          at(
            sent,
            'missing_in_agent',
            `${describe(request)} was forwarded by the gateway but is not in the agent's record`,
          ),
        );
      } else {
        unmatchedAgent.delete(other);
        mismatches.push(
          at(
            sent,
            'method_differs',
            `${describe(request)}: the agent recorded method "${(other.message as RequestLike).method}" (agent seq ${other.seq}, event ${other.id})`,
          ),
        );
      }
      continue;
    }
    unmatchedAgent.delete(exact);
    const sentTool = toolName(request);
    const gotTool = toolName(exact.message as RequestLike);
    if (sentTool !== gotTool) {
      mismatches.push(
        at(
          sent,
          'tool_differs',
          `${describe(request)}: the agent recorded tool ${JSON.stringify(gotTool ?? null)} (agent seq ${exact.seq}, event ${exact.id})`,
        ),
      );
      continue;
    }
    matched += 1;
  }
  for (const extra of agentRequests) {
    if (!unmatchedAgent.has(extra)) continue;
    mismatches.push(
      at(
        extra,
        'missing_in_gateway',
        `${describe(extra.message as RequestLike)} is in the agent's record but the gateway never recorded forwarding it`,
      ),
    );
  }

  // Responses: what the agent got from the upstream must be in the gateway's record.
  const gatewayResponses = gateway.filter((e) => e.direction === 'server_to_client' && isResponse(e.message));
  const unmatchedGateway = new Set(gatewayResponses);
  for (const got of agent) {
    if (got.direction !== 'server_to_client' || !isResponse(got.message)) continue;
    const response = got.message as ResponseLike;
    const candidates = gatewayResponses.filter(
      (e) => unmatchedGateway.has(e) && sameJsonRpcId(e.message, response.id),
    );
    // Prefer a response with the same outcome: the gateway also records errors it answered itself
    // (a denied request), which may share an id with a forwarded one.
    const twin = candidates.find((e) => outcome(e.message) === outcome(response)) ?? candidates[0];
    if (twin === undefined) {
      mismatches.push(
        at(
          got,
          'missing_in_gateway',
          `the ${outcome(response)} response to id ${idText(response.id)} the agent got is not in the gateway's record`,
        ),
      );
      continue;
    }
    unmatchedGateway.delete(twin);
    if (outcome(twin.message) !== outcome(response)) {
      mismatches.push(
        at(
          got,
          'outcome_differs',
          `the response to id ${idText(response.id)} is ${outcome(response)} in the agent's record but ${outcome(twin.message)} in the gateway's (gateway seq ${twin.seq}, event ${twin.id})`,
        ),
      );
      continue;
    }
    matched += 1;
  }
  return { ok: mismatches.length === 0, matched, mismatches };
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
  return action === undefined || action === 'pass' || action === 'approve';
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
