import './helpers/aws-test-env.js';
import { Writable } from 'node:stream';
import { AirlockError, type JsonRpcMessage, type RecordedMessage, type ResponseMasker } from '@airlock/core';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { bridgeSession, fixedCredentials, StdioConnector } from '../src/index.js';
import { GatewaySide } from './helpers/gateway-side.js';
import { everythingStdioConfig, ScriptFolder, stdioConfig } from './helpers/mcp-servers.js';
import {
  initialize,
  initialized,
  openRequest,
  request,
  resultText,
  toolCall,
} from './helpers/mcp-messages.js';
import { memoryStreamPair } from './helpers/memory-tunnel-stream.js';

const scripts = new ScriptFolder();
afterAll(() => scripts.cleanup());

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, destination), lines };
}

/** Masks the word "hunter2" in tools/call text results. */
const masker: ResponseMasker = {
  mask: (_context, message) => ({
    message: JSON.parse(JSON.stringify(message).replaceAll('hunter2', '[masked]')) as JsonRpcMessage,
    findings: [],
  }),
};

function connector(config = everythingStdioConfig()) {
  return new StdioConnector({
    name: 'everything',
    config,
    credentials: fixedCredentials(undefined),
    logger: pino({ level: 'silent' }),
  });
}

describe('bridgeSession', () => {
  it('relays client messages upstream and masked, recorded answers back with their related request', async () => {
    const { agent, gateway: gatewayStream } = memoryStreamPair('s-1');
    const gateway = new GatewaySide(gatewayStream);
    const recorded: RecordedMessage[] = [];
    const ends: string[] = [];
    const { logger, lines } = capturingLogger();
    const bridged = bridgeSession({
      request: openRequest('everything', { sessionId: 's-1' }),
      stream: agent,
      connector: connector(),
      logger,
      masker,
      recorder: {
        record: (_c, entry) => void recorded.push(entry),
        end: (_c, reason) => void ends.push(reason),
      },
    });

    await gateway.send(initialize(0));
    await gateway.response(0);
    await gateway.send(initialized);
    await gateway.send(toolCall(1, 'echo', { message: 'password hunter2' }));
    const echo = await gateway.response(1);
    expect(resultText(echo.message)).toBe('Echo: password [masked]');
    expect(echo.meta.relatedRequest).toBe('1');

    const toServer = recorded.filter((r) => r.direction === 'client_to_server');
    const toClient = recorded.filter((r) => r.direction === 'server_to_client');
    expect(toServer.map((r) => ('method' in r.message ? r.message.method : 'response'))).toEqual([
      'initialize',
      'notifications/initialized',
      'tools/call',
    ]);
    expect(recorded.every((r) => r.source === 'agent')).toBe(true);
    // The recording holds what the client received: masked.
    expect(JSON.stringify(toClient)).not.toContain('hunter2');

    const info = lines.filter((l) => l['msg'] === 'request');
    expect(info.map((l) => [l['method'], l['id'], l['outcome']])).toEqual([
      ['initialize', '0', 'result'],
      ['tools/call', '1', 'result'],
    ]);
    expect(info[1]).toMatchObject({ sessionId: 's-1', connection: 'everything', subject: 'anonymous' });
    expect(typeof info[1]?.['durationMs']).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('hunter2');

    // The client goes away: the server process is stopped and the recording closed.
    gatewayStream.end();
    await bridged.done;
    expect(ends).toHaveLength(1);
  });

  it('ends the tunnel stream with the upstream failure when the server crashes', async () => {
    const crash = scripts.write(
      'exit-now.cjs',
      `process.stderr.write('no config found\\n'); process.exit(2);`,
    );
    const { agent, gateway: gatewayStream } = memoryStreamPair('s-2');
    const gateway = new GatewaySide(gatewayStream);
    const bridged = bridgeSession({
      request: openRequest('everything', { sessionId: 's-2' }),
      stream: agent,
      connector: connector(stdioConfig({ command: process.execPath, args: [crash] })),
      logger: pino({ level: 'silent' }),
    });
    const failure = await gateway.ended;
    expect(failure?.code).toBe('upstream_failed');
    expect(failure?.message).toContain('exited with code 2');
    expect(failure?.message).toContain('no config found');
    await bridged.done;
  });

  it('refuses a request the recorder cannot record (strict recording fails closed)', async () => {
    const { agent, gateway: gatewayStream } = memoryStreamPair('s-3');
    const gateway = new GatewaySide(gatewayStream);
    const bridged = bridgeSession({
      request: openRequest('everything', { sessionId: 's-3' }),
      stream: agent,
      connector: connector(),
      logger: pino({ level: 'silent' }),
      recorder: {
        record: (_c, entry) => {
          if ('method' in entry.message && entry.message.method === 'tools/list') {
            throw new AirlockError('internal', 'The recording spool is full; the call was refused.');
          }
        },
        end: () => undefined,
      },
    });
    await gateway.send(initialize(0));
    await gateway.response(0);
    await gateway.send(request(1, 'tools/list'));
    const refused = await gateway.response(1);
    expect(refused.message).toMatchObject({
      error: { message: 'The recording spool is full; the call was refused.' },
    });
    await bridged.close();
  });
});
