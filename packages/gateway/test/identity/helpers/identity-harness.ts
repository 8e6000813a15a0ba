import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import {
  AirlockError,
  configSchema,
  type GatewayConfig,
  type IdentityResolver,
  type SessionOpenRequest,
} from '@airlock/core';
import { TEST_CLIENTS, type TestIdentityProvider } from '@airlock/testkit';
import { pino, type Logger } from 'pino';
import { startGatewayHttp, type AgentDirectory, type GatewayHttp } from '../../../src/index.js';

export const PUBLIC_URL = 'https://airlock.example.test';
export const CONNECTIONS = ['demo', 'other', 'opaque'] as const;

export function resourceOf(connection: string): string {
  return `${PUBLIC_URL}/mcp/${connection}`;
}

/** Every log line the gateways of a test file wrote, to prove no token ever reached a log. */
export class CapturedLogs {
  readonly lines: string[] = [];
  readonly logger: Logger = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.lines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );

  text(): string {
    return this.lines.join('');
  }
}

/**
 * An agent directory with no agent: a request that passes authentication reaches `openSession`
 * and gets 503 agent_unavailable, which proves it passed. It keeps the caller it was asked for.
 */
export class NoAgentDirectory implements AgentDirectory {
  readonly opened: SessionOpenRequest[] = [];
  connection(): undefined {
    return undefined;
  }
  openSession(request: SessionOpenRequest): Promise<never> {
    this.opened.push(request);
    return Promise.reject(new AirlockError('agent_unavailable', 'no agent serves this connection (test)'));
  }
}

export interface GatewayUnderTest {
  readonly http: GatewayHttp;
  readonly directory: NoAgentDirectory;
  readonly config: GatewayConfig;
  post(
    connection: string,
    token?: string,
    options?: { query?: string; authorization?: string },
  ): Promise<Response>;
  close(): Promise<void>;
}

export const secretDir = mkdtempSync(join(tmpdir(), 'airlock-identity-'));
export const gatewaySecretFile = join(secretDir, 'introspection-secret');
writeFileSync(gatewaySecretFile, `${TEST_CLIENTS.gateway.clientSecret}\n`, { mode: 0o600 });
// Each test file that loads this harness gets its own directory, removed when the file is done.
afterAll(() => rmSync(secretDir, { recursive: true, force: true }));

export function oidcGatewayConfig(
  idp: Pick<TestIdentityProvider, 'issuer'>,
  auth: Record<string, unknown> = {},
): GatewayConfig {
  const parsed = configSchema.parse({
    gateway: {
      listen: { host: '127.0.0.1', port: 0 },
      publicUrl: PUBLIC_URL,
      tunnel: { tls: { certFile: 'unused.pem', keyFile: 'unused.key' } },
      auth: {
        mode: 'oidc',
        issuers: [
          {
            issuer: idp.issuer,
            introspection: { clientId: TEST_CLIENTS.gateway.clientId, clientSecretFile: gatewaySecretFile },
          },
        ],
        ...auth,
      },
      // These tests are about identity, not access: every verified caller may use every connection.
      access: { rules: [{ groups: ['*'], connections: ['*'] }] },
    },
  });
  return parsed.gateway as GatewayConfig;
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'identity-test', version: '1' },
  },
});

export async function startGatewayUnderTest(
  config: GatewayConfig,
  logs: CapturedLogs,
  identity?: IdentityResolver,
): Promise<GatewayUnderTest> {
  const directory = new NoAgentDirectory();
  const http = await startGatewayHttp({
    config,
    directory,
    configuredConnections: [...CONNECTIONS],
    logger: logs.logger,
    ...(identity ? { identity } : {}),
  });
  return {
    http,
    directory,
    config,
    post: (connection, token, options = {}) => {
      const authorization = options.authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
      return fetch(`http://127.0.0.1:${http.port}/mcp/${connection}${options.query ?? ''}`, {
        method: 'POST',
        headers: {
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: INITIALIZE,
      });
    },
    close: () => http.close(),
  };
}

/** Parses an RFC 6750 challenge into its scheme and parameters. */
export function parseChallenge(header: string | null): { scheme: string; params: Record<string, string> } {
  if (header === null) throw new Error('no WWW-Authenticate header');
  const space = header.indexOf(' ');
  const params: Record<string, string> = {};
  for (const match of header.slice(space + 1).matchAll(/([a-z_]+)="([^"]*)"/g))
    params[match[1] as string] = match[2] as string;
  return { scheme: header.slice(0, space), params };
}

export async function errorBody(
  response: Response,
): Promise<{ message: string; data: Record<string, unknown> }> {
  const body = (await response.json()) as { error: { message: string; data: Record<string, unknown> } };
  return body.error;
}
