import { describeAccessStep, describeAwsCredentials, describeApprovalStep } from '@airlock/core';
import type { JsonRpcMessage, RecordingEvent } from '@airlock/core';
import type { SessionSummary } from '@airlock/recording';

/**
 * A session as a Markdown document a person can read: who, when, which connection and how it
 * ended, then every event in time order with its direction, method or tool, masking findings,
 * policy decision and the message as pretty JSON. Gateway and agent events are interleaved: the
 * gateway's show what the client received, the agent's carry the masking findings.
 */
export function markdownTranscript(session: SessionSummary, events: readonly RecordingEvent[]): string {
  const text = transcriptHead(session) + inTimeOrder(events).map(transcriptEntry).join('');
  return `${text.trimEnd()}\n`;
}

/**
 * The transcript's opening: the session's metadata up to the `## Transcript` heading. Followed by
 * one `transcriptEntry` per event, it is the transcript, written as the events are read.
 */
export function transcriptHead(session: SessionSummary): string {
  const lines: string[] = [];
  lines.push(`# Session ${session.id}`, '');
  const who = session.email ? `${session.subject} (${session.email})` : session.subject;
  lines.push(`- **Who:** ${who}${session.groups.length > 0 ? `, groups ${session.groups.join(', ')}` : ''}`);
  lines.push(`- **Connection:** ${session.connection}`);
  lines.push(
    `- **When:** ${session.startedAt} → ${session.endedAt ?? `${session.lastEventAt} (still open)`}`,
  );
  const ending = session.endReason
    ? ` (${session.endReason}${session.endCode ? `, ${session.endCode}` : ''})`
    : '';
  lines.push(`- **Status:** ${session.status}${ending}`);
  lines.push(`- **Protocol:** ${session.era} ${session.protocolVersion}`);
  if (session.gatewayId || session.agentId) {
    lines.push(`- **Gateway / agent:** ${session.gatewayId ?? '?'} / ${session.agentId ?? '?'}`);
  }
  if (session.tools.length > 0) lines.push(`- **Tools called:** ${session.tools.join(', ')}`);
  lines.push(
    `- **Events:** ${session.eventCount} (gateway messages ${session.gatewayMessageCount}, agent messages ${session.agentMessageCount}, warnings ${session.warningCount})`,
  );
  lines.push('', '## Transcript');
  return `${lines.join('\n')}\n`;
}

/** One event of the transcript: a blank line, its `###` heading, annotations and message. */
export function transcriptEntry(event: RecordingEvent): string {
  return `\n${eventLines(event).join('\n')}\n`;
}

/** By time, then gateway before agent, then seq: the order a reader expects a conversation in. */
export function inTimeOrder(events: readonly RecordingEvent[]): RecordingEvent[] {
  return [...events].sort(
    (a, b) =>
      Date.parse(a.at) - Date.parse(b.at) ||
      (a.source === b.source ? 0 : a.source === 'gateway' ? -1 : 1) ||
      a.seq - b.seq,
  );
}

function eventLines(event: RecordingEvent): string[] {
  const where = `${event.at} · ${event.source}${event.chain ? `:${event.chain}` : ''} #${event.seq}`;
  switch (event.kind) {
    case 'session_start':
      return [`### ${where} · session started`];
    case 'session_end':
      return [
        `### ${where} · session ended${event.end ? `: ${event.end.reason}${event.end.code ? ` (${event.end.code})` : ''}` : ''}`,
      ];
    case 'warning':
      return [
        `### ${where} · ⚠ warning${event.warning ? ` ${event.warning.code}` : ''}`,
        ...(event.warning ? ['', event.warning.message] : []),
      ];
    case 'message': {
      const lines = [`### ${where} · ${arrow(event)} · ${label(event.message)}`];
      if (event.decision) {
        const { action, rule, reason } = event.decision;
        lines.push(
          '',
          `**Decision:** ${action}${rule ? ` (rule ${rule})` : ''}${reason ? ` — ${reason}` : ''}`,
        );
      }
      if (event.masking && event.masking.length > 0) {
        const found = event.masking.map((f) => `${f.type} at \`${f.path}\` ×${f.count}`).join('; ');
        lines.push('', `**Masked:** ${found}`);
      }
      if (event.message !== undefined) lines.push('', ...codeBlock(JSON.stringify(event.message, null, 2)));
      return lines;
    }
    case 'approval':
      return [`### ${where} · ${event.approval ? describeApprovalStep(event.approval) : 'approval'}`];
    case 'access':
      return [`### ${where} · ${event.access ? describeAccessStep(event.access) : 'access'}`];
    case 'aws_credentials':
      return [
        `### ${where} · ${event.awsCredentials ? describeAwsCredentials(event.awsCredentials) : 'AWS role'}`,
      ];
    default:
      return [`### ${where} · ${String(event.kind)}`];
  }
}

function arrow(event: RecordingEvent): string {
  if (event.direction === 'client_to_server') return 'client → server';
  if (event.direction === 'server_to_client') return 'client ← server';
  return 'message';
}

/** `tools/call echo`, `initialize`, `response to 3`, `error response to 3`. */
export function label(message: JsonRpcMessage | undefined): string {
  if (message === undefined) return '(no message)';
  if ('method' in message) {
    const tool = message.method === 'tools/call' ? message.params?.['name'] : undefined;
    const id = 'id' in message ? ` (id ${JSON.stringify(message.id)})` : ' (notification)';
    return `${message.method}${typeof tool === 'string' ? ` \`${tool}\`` : ''}${id}`;
  }
  return `${'error' in message ? 'error response' : 'response'} to id ${JSON.stringify(message.id)}`;
}

/** A fenced block whose fence is longer than any run of backticks inside (a string may hold ```). */
function codeBlock(text: string): string[] {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}json`, text, fence];
}
