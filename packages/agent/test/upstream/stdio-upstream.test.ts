import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_ACCESS_KEY_ID } from '../helpers/aws-test-env.js';
import { idKey } from '@airlock/core';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fixedCredentials, StdioConnector, type UpstreamSession } from '../../src/index.js';
import { CollectingSink } from '../helpers/collecting-sink.js';
import { everythingStdioConfig, ScriptFolder, stdioConfig } from '../helpers/mcp-servers.js';
import {
  initialize,
  initialized,
  MODERN_VERSION,
  openRequest,
  request,
  resultText,
  toolCall,
} from '../helpers/mcp-messages.js';

const logger = pino({ level: 'silent' });
const scripts = new ScriptFolder();
const sessions: UpstreamSession[] = [];

function connector(
  config = everythingStdioConfig(),
  credentials = fixedCredentials(undefined),
): StdioConnector {
  return new StdioConnector({ name: 'everything', config, credentials, logger });
}

function open(target: StdioConnector, sink: CollectingSink, overrides = {}): UpstreamSession {
  const session = target.open(openRequest('everything', overrides), sink);
  sessions.push(session);
  return session;
}

async function handshake(session: UpstreamSession, sink: CollectingSink): Promise<void> {
  await session.send(initialize(0));
  await sink.response(0);
  await session.send(initialized);
}

/** A minimal newline-delimited JSON-RPC server: answers initialize, then `onCall` for tools/call. */
function scriptServer(onCall: string): string {
  return `
const rl = require('node:readline').createInterface({ input: process.stdin });
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
rl.on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.method === 'initialize') {
    send({ jsonrpc: '2.0', id: msg.id, result: { protocolVersion: msg.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'script', version: '1' } } });
  } else if (msg.method === 'tools/call') {
    ${onCall}
  }
});`;
}

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.close()));
});
afterAll(() => scripts.cleanup());

describe('stdio connector with server-everything', () => {
  it('relays initialize, tools/list and tools/call echo', async () => {
    const sink = new CollectingSink();
    const session = open(connector(), sink);
    await session.send(initialize(0));
    const init = await sink.response(0);
    expect(init.meta.relatedRequest).toBe('0');
    expect(init.message).toMatchObject({ result: { serverInfo: { name: 'mcp-servers/everything' } } });
    await session.send(initialized);

    await session.send(request(1, 'tools/list'));
    const list = await sink.response(1);
    const names = ('result' in list.message ? (list.message.result['tools'] as { name: string }[]) : []).map(
      (t) => t.name,
    );
    expect(names).toContain('echo');
    expect(names).toContain('trigger-long-running-operation');

    await session.send(toolCall(2, 'echo', { message: 'through the airlock' }));
    const echo = await sink.response(2);
    expect(resultText(echo.message)).toBe('Echo: through the airlock');
    expect(echo.meta.relatedRequest).toBe('2');
    expect(sink.overlapping).toBe(0);
  });

  it('relates progress notifications to the request that asked for them, with two calls in flight', async () => {
    const sink = new CollectingSink();
    const session = open(connector(), sink);
    await handshake(session, sink);
    await session.send(
      toolCall(7, 'trigger-long-running-operation', { duration: 0.3, steps: 3 }, { progressToken: 'tok-7' }),
    );
    await session.send(
      toolCall(8, 'trigger-long-running-operation', { duration: 0.2, steps: 2 }, { progressToken: 8 }),
    );
    await sink.response(7);
    await sink.response(8);
    const progress = sink.received.filter(
      (r) => 'method' in r.message && r.message.method === 'notifications/progress',
    );
    const tokenOf = (r: (typeof progress)[number]) =>
      'params' in r.message ? r.message.params?.['progressToken'] : undefined;
    expect(progress).toHaveLength(5);
    for (const p of progress)
      expect(p.meta.relatedRequest).toBe(tokenOf(p) === 'tok-7' ? idKey(7) : idKey(8));
  });

  it('holds the server back while the sink is slow: one delivery at a time, in order', async () => {
    const chatty = scripts.write(
      'chatty.cjs',
      scriptServer(
        `for (let i = 0; i < 50; i++) send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: i } }); send({ jsonrpc: '2.0', id: msg.id, result: { content: [] } });`,
      ),
    );
    const sink = new CollectingSink(3);
    const session = open(connector(stdioConfig({ command: process.execPath, args: [chatty] })), sink);
    await handshake(session, sink);
    await session.send(toolCall(1, 'chatty', {}));
    await sink.response(1);
    const data = sink.received
      .filter((r) => 'method' in r.message)
      .map((r) => ('params' in r.message ? r.message.params?.['data'] : -1));
    expect(data).toEqual([...Array(50).keys()]);
    expect(sink.overlapping).toBe(0);
  });

  it('refuses modern-era exchanges: stdio connections are legacy-only', async () => {
    const sink = new CollectingSink();
    open(connector(), sink, { kind: 'exchange', era: 'modern', protocolVersion: MODERN_VERSION });
    const failure = await sink.ended;
    expect(failure?.code).toBe('protocol_era_mismatch');
    expect(failure?.message).toContain('2026-07-28');
    expect(failure?.message).toContain('legacy');
  });
});

describe('stdio connector with small script servers', () => {
  it('reports a server that exits mid-call as upstream_failed with its exit code and stderr; other sessions go on', async () => {
    const crashing = scripts.write(
      'crash.cjs',
      scriptServer(`process.stderr.write('about to fall over\\n'); setTimeout(() => process.exit(3), 20);`),
    );
    const crashSink = new CollectingSink();
    const crashSession = open(
      connector(stdioConfig({ command: process.execPath, args: [crashing] })),
      crashSink,
    );
    const healthySink = new CollectingSink();
    const healthy = open(connector(), healthySink);
    await handshake(healthy, healthySink);

    await handshake(crashSession, crashSink);
    await crashSession.send(toolCall(1, 'anything', {}));
    const failure = await crashSink.ended;
    expect(failure?.code).toBe('upstream_failed');
    expect(failure?.message).toContain('connection "everything" exited with code 3');
    expect(failure?.message).toContain('about to fall over');
    expect(failure?.message).toContain('start a new session');
    await expect(crashSession.send(toolCall(2, 'anything', {}))).rejects.toThrow();

    await healthy.send(toolCall(9, 'echo', { message: 'still here' }));
    expect(resultText((await healthySink.response(9)).message)).toBe('Echo: still here');
  });

  it('names the command when it cannot be started', async () => {
    const sink = new CollectingSink();
    open(connector(stdioConfig({ command: 'airlock-no-such-mcp-server' })), sink);
    const failure = await sink.ended;
    expect(failure?.code).toBe('upstream_failed');
    expect(failure?.message).toContain('command "airlock-no-such-mcp-server" was not found');
  });

  it('passes a 20 MiB result through intact', async () => {
    const size = 20 * 1024 * 1024;
    const big = scripts.write(
      'big.cjs',
      scriptServer(
        `const text = 'x'.repeat(${size - 1}) + 'y'; send({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text }] } });`,
      ),
    );
    const sink = new CollectingSink();
    const session = open(connector(stdioConfig({ command: process.execPath, args: [big] })), sink);
    await handshake(session, sink);
    await session.send(toolCall(1, 'big', {}));
    const text = resultText((await sink.response(1, 20_000)).message);
    expect(text.length).toBe(size);
    expect(text.endsWith('xy')).toBe(true);
  });

  it('stops the server on close: SIGTERM first, SIGKILL after the grace period', async () => {
    // The script says when its SIGTERM handler is in place: on a loaded machine node can take
    // longer than any fixed wait to start, and a SIGTERM before the handler kills it at once.
    const armed = join(scripts.dir, 'stubborn.armed');
    const stubborn = scripts.write(
      'stubborn.cjs',
      `process.on('SIGTERM', () => {}); require('node:fs').writeFileSync(${JSON.stringify(armed)}, ''); process.stdin.on('data', () => {}); setInterval(() => {}, 1000);`,
    );
    const sink = new CollectingSink();
    const session = open(
      connector(stdioConfig({ command: process.execPath, args: [stubborn], killGraceMs: 200 })),
      sink,
    );
    for (let i = 0; i < 200 && !existsSync(armed); i++) await new Promise((r) => setTimeout(r, 25));
    expect(existsSync(armed)).toBe(true);
    const started = Date.now();
    await session.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(await sink.ended).toBeUndefined();
  });
});

describe('AWS credential injection into stdio servers', () => {
  const reporter = () =>
    scripts.write(
      'env.cjs',
      scriptServer(
        `send({ jsonrpc: '2.0', id: msg.id, result: { content: [{ type: 'text', text: JSON.stringify({ key: process.env.AWS_ACCESS_KEY_ID ?? null, token: process.env.AWS_SESSION_TOKEN ?? null, region: process.env.AWS_REGION ?? null }) }] } });`,
      ),
    );
  const credentials = fixedCredentials({
    accessKeyId: 'AKIAFIXEDFORTEST0001',
    secretAccessKey: 'fixed-secret-not-real',
    sessionToken: 'fixed-session-token',
  });

  async function reportedEnv(inject: boolean): Promise<Record<string, string | null>> {
    const sink = new CollectingSink();
    const config = stdioConfig({
      command: process.execPath,
      args: [reporter()],
      aws: { inject, region: 'eu-west-1', durationSeconds: 900, sourceIdentity: true, sessionTags: true },
    });
    const session = open(connector(config, credentials), sink);
    await handshake(session, sink);
    await session.send(toolCall(1, 'env', {}));
    return JSON.parse(resultText((await sink.response(1)).message)) as Record<string, string | null>;
  }

  it('injects the resolved credentials and region when aws.inject is on', async () => {
    expect(await reportedEnv(true)).toEqual({
      key: 'AKIAFIXEDFORTEST0001',
      token: 'fixed-session-token',
      region: 'eu-west-1',
    });
  });

  it("passes neither the credentials nor the agent's own AWS environment when aws.inject is off", async () => {
    const env = await reportedEnv(false);
    expect(env['key']).toBeNull();
    expect(env['key']).not.toBe(ENV_ACCESS_KEY_ID);
  });
});
