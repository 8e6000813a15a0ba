import type { AgentView, EnrollAgentResponse } from '@airlock/core';

/** `airlock agents list` as a table: one agent per line, columns padded to fit. */
export function agentsTable(agents: readonly AgentView[], now: Date = new Date()): string {
  if (agents.length === 0) {
    return 'No agents are enrolled on this gateway. Enroll one with: airlock agents create <name> --connections <a,b>\n';
  }
  const header = ['NAME', 'STATUS', 'VERSION', 'CONNECTIONS', 'SERVING', 'SESSIONS', 'LAST SEEN', 'SOURCE'];
  const rows = agents.map((a) => [
    a.name,
    a.revokedAt !== undefined ? 'revoked' : a.connected ? 'connected' : 'disconnected',
    a.version || '-',
    a.enrolledConnections.length > 0 ? a.enrolledConnections.join(',') : '(any)',
    a.connections.length > 0 ? a.connections.join(',') : '-',
    String(a.activeSessions),
    a.lastSeenAt === undefined ? 'never' : ago(new Date(a.lastSeenAt), now),
    a.source,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

function ago(then: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 120) return `${seconds}s ago`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h ago`;
  return then.toISOString();
}

/** What `airlock agents create` prints: the token (once) and the agent configuration to paste. */
export function enrolledAgentText(enrolled: EnrollAgentResponse, gatewayUrl: string): string {
  const host = hostOf(gatewayUrl);
  const connections = enrolled.connections
    .map((c) => `    ${c}: { transport: http, url: "http://<upstream>/mcp" }   # or stdio: command, args`)
    .join('\n');
  return `Agent "${enrolled.name}" is enrolled for: ${enrolled.connections.join(', ')}.

Its token, shown this once (the gateway keeps only its SHA-256):

  ${enrolled.token}

Put it in a file only the agent can read (or in AIRLOCK_AGENT__TOKEN), then run
"airlock agent --config agent.yaml" with:

agent:
  id: ${enrolled.name}
  tokenFile: /etc/airlock/agent.token
  gateways:
    - address: "${host}:8443"   # the gateway's tunnel listener (gateway.tunnel.listen)
      caFile: /etc/airlock/gateway-ca.pem
  connections:
${connections}

Connections the agent announces beyond these are ignored. Revoke it with: airlock agents revoke ${enrolled.name}
`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '<gateway host>';
  }
}
