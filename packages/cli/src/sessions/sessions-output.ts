import { describeAccessStep, describeAwsCredentials, describeApprovalStep } from '@airlock/core/client';
import type { JsonRpcMessage, RecordingEvent } from '@airlock/core';
import type { SessionSummary, SessionVerification } from '@airlock/recording';

/** `airlock sessions list`: one line per session, newest first. */
export function sessionsTable(sessions: readonly SessionSummary[], nextCursor: string | undefined): string {
  if (sessions.length === 0) return 'No recorded sessions match.\n';
  const rows = [
    ['STARTED', 'SESSION', 'USER', 'CLIENT', 'CONNECTION', 'STATUS', 'EVENTS', 'MARKERS', 'TOOLS'],
    ...sessions.map((s) => [
      s.startedAt,
      s.id,
      s.email ?? s.subject,
      s.clientName ?? '-',
      s.connection,
      s.status,
      String(s.eventCount),
      markersText(s) || '-',
      s.tools.join(',') || '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const text = rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  return `${text}\n${nextCursor ? `\nMore sessions: add --cursor ${nextCursor}\n` : ''}`;
}

/**
 * What stands out in a session: masked values, denied messages, held calls (`masked=2,held=1`).
 * `?? 0`: a gateway older than these counts sends none.
 */
export function markersText(s: SessionSummary): string {
  const marks: [string, number | undefined][] = [
    ['masked', s.maskedCount],
    ['denied', s.deniedCount],
    ['held', s.heldCount],
  ];
  return marks
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([name, n]) => `${name}=${n}`)
    .join(',');
}

/** `airlock sessions show`: the metadata and a short summary. */
export function sessionText(s: SessionSummary): string {
  const lines = [
    `Session     ${s.id}`,
    `User        ${s.subject}${s.email ? ` <${s.email}>` : ''}${s.groups.length > 0 ? ` (groups: ${s.groups.join(', ')})` : ''}`,
    `Client      ${s.clientName ?? '-'}`,
    `Connection  ${s.connection}`,
    `Started     ${s.startedAt}`,
    `Ended       ${s.endedAt ?? `- (last event ${s.lastEventAt})`}`,
    `Duration    ${duration(s)}`,
    `Status      ${s.status}${s.endReason ? ` (${s.endReason}${s.endCode ? `, ${s.endCode}` : ''})` : ''}`,
    `Protocol    ${s.era} ${s.protocolVersion}`,
    `Gateway     ${s.gatewayId ?? '-'}`,
    `Agent       ${s.agentId ?? '-'}`,
    `Tools       ${s.tools.join(', ') || '-'}`,
    `Events      ${s.eventCount} (gateway messages ${s.gatewayMessageCount}, agent messages ${s.agentMessageCount}, warnings ${s.warningCount})`,
    `Markers     ${markersText(s) || '-'}`,
  ];
  return `${lines.join('\n')}\n`;
}

function duration(s: SessionSummary): string {
  const ms = Date.parse(s.endedAt ?? s.lastEventAt) - Date.parse(s.startedAt);
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${ms} ms`;
  const seconds = Math.round(ms / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** One event of `airlock sessions replay`: a header line, annotations, then the message. */
export function replayText(event: RecordingEvent): string {
  const head = `[${event.at}] ${event.source}${event.chain ? `:${event.chain}` : ''} #${event.seq}`;
  switch (event.kind) {
    case 'session_start':
      return `${head}  session started\n`;
    case 'session_end':
      return `${head}  session ended${event.end ? `: ${event.end.reason}` : ''}\n`;
    case 'warning':
      return `${head}  WARNING ${event.warning?.code ?? ''} ${event.warning?.message ?? ''}\n`;
    case 'tool_changed': {
      const change = event.toolChange;
      const fields = (change?.diff ?? []).map((d) => d.field).join(', ');
      return `${head}  TOOL ${change?.change === 'new' ? 'NEW' : 'CHANGED'} ${change?.tool ?? '?'} (${change?.outcome ?? ''})${fields ? `: ${fields}` : ''}; fingerprint ${change?.oldFingerprint?.slice(0, 12) ?? '-'} -> ${change?.newFingerprint?.slice(0, 12) ?? '-'}\n`;
    }
    case 'approval':
      return `${head}  ${event.approval ? describeApprovalStep(event.approval) : 'APPROVAL'}\n`;
    case 'access':
      return `${head}  ${event.access ? describeAccessStep(event.access) : 'ACCESS'}\n`;
    case 'aws_credentials':
      return `${head}  ${event.awsCredentials ? describeAwsCredentials(event.awsCredentials) : 'AWS ROLE'}\n`;
    default: {
      const lines = [`${head}  ${arrow(event)}  ${label(event.message)}`];
      if (event.decision) {
        lines.push(
          `  decision: ${event.decision.action}${event.decision.rule ? ` (rule ${event.decision.rule})` : ''}${
            event.decision.guardrails?.length
              ? ` [guardrails: ${event.decision.guardrails.map((g) => `${g.rule} ${g.action}`).join(', ')}]`
              : ''
          }`,
        );
      }
      for (const f of event.masking ?? []) lines.push(`  masked: ${f.type} at ${f.path} x${f.count}`);
      if (event.message !== undefined) {
        lines.push(
          ...JSON.stringify(event.message, null, 2)
            .split('\n')
            .map((l) => `    ${l}`),
        );
      }
      return `${lines.join('\n')}\n`;
    }
  }
}

function arrow(event: RecordingEvent): string {
  if (event.direction === 'client_to_server') return 'client -> server';
  if (event.direction === 'server_to_client') return 'client <- server';
  return 'message';
}

function label(message: JsonRpcMessage | undefined): string {
  if (message === undefined) return '(no message)';
  if ('method' in message) {
    const tool = message.method === 'tools/call' ? message.params?.['name'] : undefined;
    const id = 'id' in message ? ` (id ${JSON.stringify(message.id)})` : ' (notification)';
    return `${message.method}${typeof tool === 'string' ? ` ${tool}` : ''}${id}`;
  }
  return `${'error' in message ? 'error response' : 'response'} to id ${JSON.stringify(message.id)}`;
}

/**
 * `airlock verify`: the verdict, then every break and mismatch with its source, seq and event id,
 * then the calls in flight when a side was lost (named apart: they do not fail the session).
 */
export function verificationText(sessionId: string, report: SessionVerification): string {
  // `?? []`: a report from a gateway older than the in-flight notes has none.
  const inFlight = report.agreement.inFlight ?? [];
  const lostSides = [...new Set(inFlight.map((c) => c.lost))];
  const cutOff =
    inFlight.length === 0
      ? ''
      : `; ${inFlight.length} call(s) in flight when the ${lostSides.join(' and the ')} was lost`;
  const lines = [
    `Session ${sessionId}: ${report.ok ? 'verified, recording intact' : 'verification FAILED'}${cutOff}`,
  ];
  for (const source of ['gateway', 'agent'] as const) {
    const chain = report.chains[source];
    lines.push(
      `  ${source} chain: ${chain.events} events, ${chain.breaks.length === 0 ? 'intact' : `${chain.breaks.length} break(s)`}`,
    );
    // Several gateways each wrote a chain of this session (a modern-era group across a cluster).
    if (source === 'gateway') {
      for (const c of report.gatewayChains ?? []) {
        lines.push(
          `    chain ${c.chain}${c.gatewayId ? ` (gateway ${c.gatewayId})` : ''}: ${c.events} events, ${c.breaks.length === 0 ? 'intact' : `${c.breaks.length} break(s)`}`,
        );
      }
    }
    for (const b of chain.breaks) {
      lines.push(
        `    ${source}${b.chain ? ` chain ${b.chain}` : ''} seq ${b.seq}${b.eventId ? ` (event ${b.eventId})` : ''}: ${b.problem}: ${b.detail}`,
      );
    }
  }
  const { agreement } = report;
  lines.push(
    `  agreement: ${agreement.matched} matched, ${agreement.mismatches.length === 0 ? 'records agree' : `${agreement.mismatches.length} mismatch(es)`}`,
  );
  for (const m of agreement.mismatches) {
    const where = [m.source, m.chain && `chain ${m.chain}`, m.seq === undefined ? undefined : `seq ${m.seq}`]
      .filter(Boolean)
      .join(' ');
    lines.push(`    ${where}${m.eventId ? ` (event ${m.eventId})` : ''}: ${m.problem}: ${m.detail}`);
  }
  for (const lost of lostSides) {
    lines.push(
      `  in flight when the ${lost} was lost (not a disagreement: the ${lost === 'agent' ? 'gateway' : 'agent'} ended the session ${lost}_lost and the ${lost}'s record stops there; these calls never completed):`,
    );
    for (const c of inFlight.filter((call) => call.lost === lost)) {
      lines.push(`    ${c.source} seq ${c.seq} (event ${c.eventId}): ${c.state}: ${c.detail}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
