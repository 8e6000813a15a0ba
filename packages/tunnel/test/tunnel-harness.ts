import type { AirlockError, SessionOpenRequest } from '@airlock/core';
import { pino, type Logger } from 'pino';
import {
  createSelfSignedCertificate,
  EnrolledAgentAuthenticator,
  hashAgentToken,
  TunnelClient,
  TunnelServer,
  type AnnouncedConnection,
  type TunnelClientOptions,
  type TunnelServerOptions,
  type TunnelStream,
} from '../src/index.js';

export const AGENT_ID = 'agent-a';
export const AGENT_TOKEN = 'alk_test-token-0123456789abcdefghijklmnop';

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: string[];
  text(): string;
}

/** A pino logger whose output is kept in memory, to assert on what gets logged. */
export function captureLog(level: pino.Level = 'debug'): CapturedLog {
  const lines: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, text: () => lines.join('') };
}

let certificate: Promise<{ cert: Buffer; key: Buffer }> | undefined;
export function testCertificate(): Promise<{ cert: Buffer; key: Buffer }> {
  certificate ??= createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] }).then((c) => ({
    cert: Buffer.from(c.cert),
    key: Buffer.from(c.key),
  }));
  return certificate;
}

export async function startServer(
  overrides: Partial<TunnelServerOptions> & { enrolledConnections?: string[] } = {},
): Promise<TunnelServer> {
  const { cert, key } = await testCertificate();
  return TunnelServer.listen({
    host: '127.0.0.1',
    port: 0,
    tls: { cert, key },
    gatewayId: 'gw-test',
    heartbeatIntervalMs: 1000,
    openTimeoutMs: 2000,
    authenticator: new EnrolledAgentAuthenticator([
      {
        id: AGENT_ID,
        tokenSha256: hashAgentToken(AGENT_TOKEN),
        connections: overrides.enrolledConnections ?? [],
      },
    ]),
    logger: captureLog('info').logger,
    ...overrides,
  });
}

export const ECHO: AnnouncedConnection = { name: 'echo', transport: 'stdio', eras: ['legacy', 'modern'] };

/** An agent whose every session echoes each message back with relatedRequest/httpStatus set. */
export function echoSessions(request: SessionOpenRequest, stream: TunnelStream): void {
  stream.setHandler({
    onMessage: (message) => {
      void stream
        .send(message.data, { relatedRequest: `echo:${message.relatedRequest ?? ''}`, httpStatus: 202 })
        .catch(() => undefined);
    },
    onEnd: () => stream.end(),
  });
  void request;
}

export async function startClient(
  port: number,
  overrides: Partial<TunnelClientOptions> = {},
): Promise<TunnelClient> {
  const { cert } = await testCertificate();
  const client = new TunnelClient({
    address: `127.0.0.1:${port}`,
    // serverName: the certificate names localhost; also keeps Node from warning about an IP as SNI.
    tls: { ca: cert, serverName: 'localhost' },
    agentId: AGENT_ID,
    token: AGENT_TOKEN,
    version: '0.1.0-test',
    connections: [ECHO],
    heartbeatIntervalMs: 1000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    logger: captureLog('info').logger,
    onSession: echoSessions,
    ...overrides,
  });
  client.start();
  return client;
}

export function connected(client: TunnelClient): Promise<void> {
  if (client.state === 'connected') return Promise.resolve();
  return new Promise((resolve) => client.once('connected', () => resolve()));
}

export function sessionRequest(sessionId: string, connection = 'echo'): SessionOpenRequest {
  return {
    sessionId,
    connection,
    caller: { subject: 'user-1', email: 'u@example.com', groups: ['eng'], anonymous: false },
    era: 'legacy',
    protocolVersion: '2025-06-18',
    kind: 'session',
    forwardHeaders: { 'mcp-param-region': 'eu-west-1' },
  };
}

/** A modern-era (2026-07-28) exchange's open request. */
export function exchangeRequest(sessionId: string): SessionOpenRequest {
  return { ...sessionRequest(sessionId), era: 'modern', protocolVersion: '2026-07-28', kind: 'exchange' };
}

export interface Received {
  readonly messages: { data: Buffer; relatedRequest?: string | undefined; httpStatus?: number | undefined }[];
  readonly ended: Promise<AirlockError | undefined>;
  next(): Promise<{ data: Buffer; relatedRequest?: string | undefined; httpStatus?: number | undefined }>;
}

/** Installs a handler that collects messages and exposes the end as a promise. */
export function collect(stream: TunnelStream): Received {
  const messages: Received['messages'] = [];
  const waiters: ((m: Received['messages'][number]) => void)[] = [];
  let endResolve!: (failure: AirlockError | undefined) => void;
  const ended = new Promise<AirlockError | undefined>((r) => (endResolve = r));
  stream.setHandler({
    onMessage: (m) => {
      const waiter = waiters.shift();
      if (waiter) waiter(m);
      else messages.push(m);
    },
    onEnd: (failure) => endResolve(failure),
  });
  return {
    messages,
    ended,
    next: () => {
      const m = messages.shift();
      return m ? Promise.resolve(m) : new Promise((resolve) => waiters.push(resolve));
    },
  };
}

export async function waitUntil(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
