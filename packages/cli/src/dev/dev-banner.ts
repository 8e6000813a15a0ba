import type { DemoPerson } from '@airlock/dev-identity';
import type { DemoConnection } from './demo-upstreams.js';

export interface DevBannerOptions {
  readonly url: string;
  readonly connections: readonly DemoConnection[];
  readonly tunnelPort: number;
  readonly dataDir: string;
  /** Where sessions are recorded (gateway spool and PGlite store), when recording is on. */
  readonly recording?: { readonly spool: string; readonly store: string; readonly keyFile?: string };
  /** The demo identity provider, when logins are required (absent with --no-auth). */
  readonly identity?: {
    readonly issuer: string;
    readonly people: Readonly<Record<string, DemoPerson>>;
    /** One line per group: what the dev access rules give it. */
    readonly access: readonly string[];
  };
}

/** What `airlock dev` tells the person who started it: who can log in, where to point a client, and how. */
export function devBanner(options: DevBannerOptions): string {
  const { url, connections, identity } = options;
  const width = Math.max(...connections.map((c) => c.name.length));
  const first = connections[0]?.name ?? 'everything';
  const endpoints = [
    '  MCP endpoints (Streamable HTTP):',
    ...connections.map(
      (c) => `    ${c.name.padEnd(width)}  ${url}/mcp/${c.name}\n    ${' '.repeat(width)}  ${c.summary}`,
    ),
    '',
  ];
  const vault = connections.some((c) => c.name === 'vault')
    ? [
        '  Try masking, guardrails and tool pinning on "vault":',
        '    get_customer                 card, IBAN, email, phone, JWT, AWS keys: masked by the agent ([MASKED:TYPE:…last 4])',
        '    env                          the AWS credentials the agent injected: masked, whatever the configuration',
        '    drop_table                   refused by guardrail "no-drop-table"',
        '    delete_bucket                passes, audited (marked in the recording)',
        '    restart_service              held until an auditor approves: as alice, call it (the client waits);',
        `                                 as bob, airlock login --gateway ${url}, then airlock approvals list`,
        '                                 and airlock approvals approve <id> (it runs once; a retry gets the same result)',
        '    query "DROP TABLE x"         refused by rule pack destructive-sql',
        '    rotate_weather_description   then list tools again: "weather" changed (recorded) and now hides',
        '                                 instructions, so tool pinning and the prompt-injection pack hide it;',
        `                                 airlock tools list vault --gateway ${url} shows the diff;`,
        '                                 rotate again to restore it (or accept a change: airlock tools accept vault <tool>)',
        '    airlock sessions replay <id> shows what was masked and every guardrail decision',
        '',
      ]
    : [];
  const tail = [
    ...vault,
    `  Tunnel: agent "dev-agent" dialled 127.0.0.1:${options.tunnelPort} over TLS (certificate in ${options.dataDir}).`,
    ...(options.recording
      ? [
          `  Recording: every message, by gateway and agent; store (PGlite) in ${options.recording.store},`,
          `             spool in ${options.recording.spool}.`,
          ...(options.recording.keyFile
            ? [
                `             Messages encrypted at rest (AES-256-GCM), key file ${options.recording.keyFile}.`,
              ]
            : []),
        ]
      : []),
    '  Press Ctrl-C to stop.',
    '',
    'airlock dev: ready',
    '',
  ];
  if (identity === undefined) {
    return [
      '',
      'Airlock dev is running.',
      '  Unauthenticated: this gateway accepts requests without identity, so it listens on loopback only.',
      '',
      `  Console: ${url}/console   (no sign-in: auth is off)`,
      '',
      ...endpoints,
      '  Connect a client, for example:',
      `    claude mcp add --transport http ${first} ${url}/mcp/${first}`,
      `    { "mcpServers": { "${first}": { "type": "http", "url": "${url}/mcp/${first}" } } }`,
      `    npx @modelcontextprotocol/inspector   (transport "Streamable HTTP", URL ${url}/mcp/${first})`,
      '',
      ...tail,
    ].join('\n');
  }
  const people = Object.entries(identity.people);
  const idWidth = Math.max(...people.map(([id]) => id.length));
  const passWidth = Math.max(...people.map(([, p]) => (p.password ?? '').length));
  const groupsOf = (p: DemoPerson): string => (p.groups ?? []).join(', ') || '-';
  const groupWidth = Math.max(...people.map(([, p]) => groupsOf(p).length));
  const all = connections.map((c) => `-c ${c.name}`).join(' ');
  return [
    '',
    'Airlock dev is running.',
    `  Authenticated: every request needs a token from the demo identity provider at ${identity.issuer}.`,
    '',
    '  Demo people (username / password / groups):',
    ...people.map(
      ([id, p]) =>
        `    ${id.padEnd(idWidth)}  ${(p.password ?? '').padEnd(passWidth)}  ${groupsOf(p).padEnd(groupWidth)}  ${p.name}`,
    ),
    '  Access rules (gateway.access.rules):',
    ...identity.access.map((line) => `    ${line}`),
    '',
    `  Console: ${url}/console   (sign in as alice, bob or carol: bob sees every session and approves, alice manages agents and tools)`,
    '',
    ...endpoints,
    '  Log in (device code, or --browser for a browser redirect):',
    `    airlock login --gateway ${url} ${all}`,
    '',
    '  Connect a client, for example:',
    `    stdio (through the CLI):  { "mcpServers": { "${first}": { "command": "airlock", "args": ["connect", "${first}", "--gateway", "${url}"] } } }`,
    `    any HTTP client:          airlock proxy --gateway ${url}   then use http://127.0.0.1:8081/mcp/${first}`,
    `    OAuth-capable clients:    ${url}/mcp/${first}   (they find the provider from the 401)`,
    '',
    '  Try just-in-time access: carol may not use "everything" until someone grants it:',
    `    as carol:  airlock login --gateway ${url} -c everything`,
    '               airlock access request everything --duration 15m --reason "debugging a ticket"',
    '    as bob:    airlock access list   then   airlock access grant <id>',
    '    carol can use "everything" until the grant expires (or bob runs airlock access revoke <id>)',
    '',
    ...tail,
  ].join('\n');
}
