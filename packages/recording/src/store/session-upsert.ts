import type { SessionDelta } from './session-delta.js';
import { pgJson } from './pg-text.js';

// A delta's end replaces the row's when the row has none, or has only the agent's and this is the
// gateway's (see preferredEnd in session-delta.ts).
const TAKE_NEW_END = `(EXCLUDED.end_source IS NOT NULL AND (s.end_source IS NULL
  OR (s.end_source = 'agent' AND EXCLUDED.end_source = 'gateway')))`;

/**
 * Merges every session delta of a batch into `recording_sessions` in one statement. One statement
 * per session was most of the cost of storing a batch (measured in PGlite: 32 sessions in a batch
 * of 100 events, ~80 % of the batch's time went to the 32 upserts), since each statement pays
 * parsing, planning and a round trip. The deltas have distinct ids (one per session), as ON
 * CONFLICT DO UPDATE needs; they are sorted by id, so concurrent batches lock rows in one order.
 */
export const UPSERT_SESSIONS = `
INSERT INTO recording_sessions AS s (id, subject, email, groups, connection, era, protocol_version,
  gateway_id, agent_id, started_at, last_event_at, ended_at, status, end_reason, end_code, end_source,
  tools, event_count, gateway_message_count, agent_message_count, warning_count, client_name,
  gateway_masked_count, agent_masked_count, denied_count, held_count)
SELECT id, subject, email, groups, connection, era, protocol_version, gateway_id, agent_id,
  started_at::timestamptz, last_event_at::timestamptz, ended_at::timestamptz, status, end_reason,
  end_code, end_source, tools, event_count, gateway_message_count, agent_message_count, warning_count,
  client_name, gateway_masked_count, agent_masked_count, denied_count, held_count
FROM json_to_recordset($1::json) AS t(id text, subject text, email text, groups text[],
  connection text, era text, protocol_version text, gateway_id text, agent_id text, started_at text,
  last_event_at text, ended_at text, status text, end_reason text, end_code text, end_source text,
  tools text[], event_count integer, gateway_message_count integer, agent_message_count integer,
  warning_count integer, client_name text, gateway_masked_count integer,
  agent_masked_count integer, denied_count integer, held_count integer)
ORDER BY id
ON CONFLICT (id) DO UPDATE SET
  email = COALESCE(s.email, EXCLUDED.email),
  gateway_id = COALESCE(s.gateway_id, EXCLUDED.gateway_id),
  agent_id = COALESCE(s.agent_id, EXCLUDED.agent_id),
  started_at = LEAST(s.started_at, EXCLUDED.started_at),
  last_event_at = GREATEST(s.last_event_at, EXCLUDED.last_event_at),
  ended_at = CASE WHEN ${TAKE_NEW_END} THEN EXCLUDED.ended_at ELSE s.ended_at END,
  status = CASE WHEN ${TAKE_NEW_END} THEN EXCLUDED.status ELSE s.status END,
  end_reason = CASE WHEN ${TAKE_NEW_END} THEN EXCLUDED.end_reason ELSE s.end_reason END,
  end_code = CASE WHEN ${TAKE_NEW_END} THEN EXCLUDED.end_code ELSE s.end_code END,
  end_source = CASE WHEN ${TAKE_NEW_END} THEN EXCLUDED.end_source ELSE s.end_source END,
  tools = CASE WHEN EXCLUDED.tools <@ s.tools THEN s.tools
    ELSE ARRAY(SELECT DISTINCT t FROM unnest(s.tools || EXCLUDED.tools) AS t ORDER BY t) END,
  event_count = s.event_count + EXCLUDED.event_count,
  gateway_message_count = s.gateway_message_count + EXCLUDED.gateway_message_count,
  agent_message_count = s.agent_message_count + EXCLUDED.agent_message_count,
  warning_count = s.warning_count + EXCLUDED.warning_count,
  client_name = COALESCE(s.client_name, EXCLUDED.client_name),
  gateway_masked_count = s.gateway_masked_count + EXCLUDED.gateway_masked_count,
  agent_masked_count = s.agent_masked_count + EXCLUDED.agent_masked_count,
  denied_count = s.denied_count + EXCLUDED.denied_count,
  held_count = s.held_count + EXCLUDED.held_count`;

/**
 * The one JSON parameter of UPSERT_SESSIONS. pgJson puts every string through pgText (NUL and lone
 * surrogates become U+FFFD), as the per-value parameters did before.
 */
export function upsertSessionsParam(deltas: readonly SessionDelta[]): string {
  return pgJson(
    deltas.map((d) => ({
      id: d.id,
      subject: d.subject,
      email: d.email,
      groups: d.groups,
      connection: d.connection,
      era: d.era,
      protocol_version: d.protocolVersion,
      gateway_id: d.gatewayId,
      agent_id: d.agentId,
      started_at: d.startedAt,
      last_event_at: d.lastEventAt,
      ended_at: d.end?.at ?? null,
      status: d.end?.status ?? 'open',
      end_reason: d.end?.reason ?? null,
      end_code: d.end?.code ?? null,
      end_source: d.end?.source ?? null,
      tools: d.tools,
      event_count: d.eventCount,
      gateway_message_count: d.gatewayMessageCount,
      agent_message_count: d.agentMessageCount,
      warning_count: d.warningCount,
      client_name: d.clientName,
      gateway_masked_count: d.gatewayMaskedCount,
      agent_masked_count: d.agentMaskedCount,
      denied_count: d.deniedCount,
      held_count: d.heldCount,
    })),
  );
}
