import { describeAccessStep, describeAwsCredentials, describeApprovalStep } from '@airlock/core';
import type { RecordingEvent } from '@airlock/core';
import type { AuditItem } from './audit-item.js';

/**
 * One line per item for `airlock audit tail`. Readable: time, session, source, direction, what
 * (method and tool, or lifecycle), subject, connection; chain breaks stand out. JSON: one object
 * per line, `{"type":"event","verified":…,"event":{…}}` or the break/notice item as is.
 * Events never hold a token (identity is subject, email, groups and a token id), so neither does
 * the output; message parameters and results are left out of the readable form.
 */
export function formatAuditItem(item: AuditItem, json: boolean): string {
  if (json) return `${JSON.stringify(item)}\n`;
  switch (item.type) {
    case 'event':
      return `${readableEvent(item.event)}${item.verified ? '' : '  [UNVERIFIED]'}\n`;
    case 'chain_break':
      return (
        `!!! CHAIN BREAK !!! session ${item.sessionId} (${item.source}) seq ${item.break.seq}` +
        `${item.break.eventId !== undefined ? ` event ${item.break.eventId}` : ''}: ` +
        `${item.break.problem.toUpperCase()} — ${item.break.detail}\n`
      );
    case 'chain_joined':
      return `--- session ${item.sessionId} (${item.source}): following from seq ${item.seq}; earlier events were not read\n`;
    case 'invalid_record':
      return `!!! INVALID RECORD${item.shardId ? ` ${item.shardId}/${item.sequenceNumber}` : ''}: ${item.reason}\n`;
  }
}

function readableEvent(event: RecordingEvent): string {
  const arrow =
    event.direction === 'client_to_server' ? 'c→s' : event.direction === 'server_to_client' ? 's→c' : '   ';
  const who = event.identity.email
    ? `${event.identity.subject} <${event.identity.email}>`
    : event.identity.subject;
  return [
    event.at,
    event.sessionId,
    event.source.padEnd(7),
    `#${event.seq}`,
    arrow,
    what(event),
    `by ${who}`,
    `on ${event.connection}`,
  ].join('  ');
}

function what(event: RecordingEvent): string {
  switch (event.kind) {
    case 'session_start':
      return `SESSION START (${event.era} ${event.protocolVersion}${clientName(event)})`;
    case 'session_end':
      return `SESSION END (${event.end?.reason ?? 'unknown reason'})`;
    case 'warning':
      return `WARNING ${event.warning?.code ?? ''}: ${event.warning?.message ?? ''}`;
    case 'message':
      return describeMessage(event);
    case 'approval':
      return event.approval ? describeApprovalStep(event.approval) : 'APPROVAL';
    case 'access':
      return event.access ? describeAccessStep(event.access) : 'ACCESS';
    case 'aws_credentials':
      return event.awsCredentials ? describeAwsCredentials(event.awsCredentials) : 'AWS ROLE';
    default:
      return String(event.kind);
  }
}

function describeMessage(event: RecordingEvent): string {
  const message = event.message as Record<string, unknown> | undefined;
  if (message === undefined) return 'message';
  const decision =
    event.decision && event.decision.action !== 'pass' ? ` [${event.decision.action.toUpperCase()}]` : '';
  const masked = event.masking && event.masking.length > 0 ? ` [masked ${event.masking.length}]` : '';
  if (typeof message.method === 'string') {
    const params = message.params as Record<string, unknown> | undefined;
    const tool = message.method === 'tools/call' && typeof params?.name === 'string' ? ` ${params.name}` : '';
    const id = 'id' in message ? ` (id ${String(message.id)})` : '';
    return `${message.method}${tool}${id}${decision}${masked}`;
  }
  if ('error' in message) {
    const error = message.error as { code?: unknown } | undefined;
    return `error ${String(error?.code)} (id ${String(message.id)})${decision}${masked}`;
  }
  return `result (id ${String(message.id)})${decision}${masked}`;
}

function clientName(event: RecordingEvent): string {
  const info = event.start?.clientInfo;
  return info && typeof info.name === 'string' ? `, client ${info.name}` : '';
}
