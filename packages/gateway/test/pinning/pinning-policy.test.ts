import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import {
  noRecording,
  parseConfig,
  type JsonRpcMessage,
  type MessagePolicy,
  type PinningMode,
  type PolicyDecision,
  type RelayContext,
} from '@airlock/core';
import { PostgresStore } from '@airlock/recording';
import { startPostgres, type RunningPostgres } from '@airlock/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPinningPolicy } from '../../src/pinning/pinning-policy.js';

/**
 * Tool pinning when its store stops answering: PostgreSQL reached through a TCP relay that can
 * go silent (a network partition: the connections stay open and nothing comes back). A tools/list
 * answer or a tool call must then go on as the connection's mode says within the store deadline:
 * the session's later messages wait behind it, so waiting for the store would hang the client.
 */
const DEADLINE_MS = 400;
const context: RelayContext = {
  sessionId: 'pinning-policy-test',
  connection: 'kitchen',
  caller: { subject: 'alice', email: 'alice@example.com', groups: [], anonymous: false },
  era: 'legacy',
  protocolVersion: '2025-11-25',
};
const toolsList = (id: number, description: string): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  result: { tools: [{ name: 'weather', description, inputSchema: { type: 'object' } }] },
});
const weatherCall: JsonRpcMessage = {
  jsonrpc: '2.0',
  id: 9,
  method: 'tools/call',
  params: { name: 'weather', arguments: {} },
};

/** A TCP relay that passes bytes both ways until `silence()`, then drops them (connections stay open). */
async function startSilenceableRelay(target: number) {
  const sockets = new Set<Socket>();
  let silent = false;
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (!silent) to.write(chunk);
      });
      from.on('error', () => undefined);
      from.on('close', () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    silence: () => {
      silent = true;
    },
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The decision, or 'hung' when there is none within three deadlines. */
async function decided(decision: PolicyDecision | Promise<PolicyDecision>): Promise<PolicyDecision | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 3 * DEADLINE_MS)));
  try {
    return await Promise.race([decision, hung]);
  } finally {
    clearTimeout(timer);
  }
}

let postgres: RunningPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});

function policyFor(mode: PinningMode, store: PostgresStore): MessagePolicy {
  const config = parseConfig(
    JSON.stringify({
      gateway: {
        tunnel: {
          listen: { host: '127.0.0.1', port: 0 },
          tls: { certFile: 'unused.crt', keyFile: 'unused.key' },
        },
        pinning: [{ connections: ['kitchen'], mode }],
      },
    }),
  ).gateway;
  if (config === undefined) throw new Error('the test configuration has no gateway section');
  return createPinningPolicy({
    config,
    store,
    recorder: noRecording,
    logger: pino({ enabled: false }),
    storeDeadlineMs: DEADLINE_MS,
  });
}

describe('tool pinning with a store that stops answering', () => {
  let relay: Awaited<ReturnType<typeof startSilenceableRelay>>;
  let store: PostgresStore;
  let database = 0;
  beforeEach(async () => {
    relay = await startSilenceableRelay(postgres.port);
    const url = new URL(await postgres.createDatabase(`pins_${++database}`));
    url.port = String(relay.port);
    store = PostgresStore.open({ connectionString: url.toString(), onIdleConnectionError: () => undefined });
    await store.migrate();
    return async () => {
      await relay.close();
      await store.close().catch(() => undefined);
    };
  });

  it('hide: refuses the list with recording_unavailable in time, and calls to the connection', async () => {
    const policy = policyFor('hide', store);
    const info = { requestMethod: 'tools/list' };
    const first = await decided(policy.evaluate(context, toolsList(1, 'Weather'), 'server_to_client', info));
    expect(first).toMatchObject({ action: 'pass', message: toolsList(1, 'Weather') }); // pinned on first use
    relay.silence();

    const list = await decided(
      policy.evaluate(context, toolsList(2, 'Weather, changed'), 'server_to_client', info),
    );
    expect(list).not.toBe('hung');
    const error = (list as { message: { error?: { code: number; message: string } } }).message.error;
    expect(error?.code).toBe(-32007);
    expect(error?.message).toMatch(/did not answer within 0.4 s .*pinning mode hide.*retry/);

    // Past the cached pins' lifetime the call needs the store too: refused, in time, saying why.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const call = await decided(policy.evaluate(context, weatherCall, 'client_to_server'));
    expect(call).toMatchObject({ action: 'deny', error: { code: 'recording_unavailable' } });
  }, 20_000);

  it('warn: passes the list unchanged in time', async () => {
    const policy = policyFor('warn', store);
    const info = { requestMethod: 'tools/list' };
    await decided(policy.evaluate(context, toolsList(1, 'Weather'), 'server_to_client', info));
    relay.silence();
    const list = await decided(
      policy.evaluate(context, toolsList(2, 'Weather, changed'), 'server_to_client', info),
    );
    expect(list).toMatchObject({ action: 'pass', message: toolsList(2, 'Weather, changed') });
  }, 20_000);
});
