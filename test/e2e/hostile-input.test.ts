import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import { startFirstWinsUpstream, type FirstWinsUpstream } from './support/first-wins-upstream.js';
import { expectRpcError, mcpPost, openRawSession, resultOf, textOf, toolCall } from './support/mcp-http.js';

/**
 * Bodies built to make parts of the path disagree or fall over, through the real gateway + agent:
 * duplicate keys (policy judges one copy, a first-wins server runs the other) and nesting deep
 * enough to overflow recursive code, from the client and from the MCP server.
 */
const DEEP = 50_000;

// A stdio MCP server that answers `deep` and `duplicate` with messages Airlock must refuse.
const HOSTILE_STDIO = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const send = (s) => process.stdout.write(s + '\\n');
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  const id = JSON.stringify(m.id);
  if (m.method === 'initialize') send('{"jsonrpc":"2.0","id":' + id + ',"result":{"protocolVersion":"' + m.params.protocolVersion + '","capabilities":{"tools":{}},"serverInfo":{"name":"hostile","version":"1"}}}');
  else if (m.method === 'tools/list') send('{"jsonrpc":"2.0","id":' + id + ',"result":{"tools":[{"name":"echo","inputSchema":{"type":"object"}}]}}');
  else if (m.params.name === 'deep') send('{"jsonrpc":"2.0","id":' + id + ',"result":{"content":[],"structuredContent":' + '['.repeat(${DEEP}) + ']'.repeat(${DEEP}) + '}}');
  else if (m.params.name === 'duplicate') send('{"jsonrpc":"2.0","id":' + id + ',"result":{"content":[{"type":"text","text":"one","text":"two"}]}}');
  else send('{"jsonrpc":"2.0","id":' + id + ',"result":{"content":[{"type":"text","text":"echo ran"}]}}');
});
`;

let upstream: FirstWinsUpstream;
let airlock: AirlockHarness;
let firstWins: string;

beforeAll(async () => {
  upstream = await startFirstWinsUpstream();
  airlock = await startAirlock({
    connections: {
      'first-wins': { transport: 'http', url: upstream.url },
      'hostile-stdio': { transport: 'stdio', command: process.execPath, args: ['-e', HOSTILE_STDIO] },
    },
    gateway: {
      guardrails: {
        rules: [{ name: 'no-env', tool: 'get-env', action: 'deny', message: 'get-env is off limits.' }],
      },
    },
  });
  firstWins = airlock.mcpUrl('first-wins');
});

afterAll(async () => {
  await airlock?.close();
  await upstream?.close();
});

/** A tools/call whose params carry `name` twice, in the given order. */
function duplicateNameCall(id: number, first: string, second: string): string {
  return `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${first}","name":"${second}","arguments":{}}}`;
}

describe('duplicate keys in a client body', () => {
  it('control: echo runs and get-env is denied by the guardrail', async () => {
    const sessionId = await openRawSession(firstWins);
    expect(textOf(resultOf(await mcpPost(firstWins, toolCall(2, 'echo', {}), { sessionId })))).toBe(
      'echo ran',
    );
    const denied = await mcpPost(firstWins, toolCall(3, 'get-env', {}), { sessionId });
    expect(denied.messages[0]).toMatchObject({ error: { message: expect.stringMatching(/off limits/) } });
    expect(upstream.executed).not.toContain('get-env');
  });

  it('refuses {"name":"get-env","name":"echo"} with 400 / -32600 naming the key; the first-wins server runs nothing', async () => {
    const sessionId = await openRawSession(firstWins);
    const before = upstream.executed.length;
    for (const [first, second] of [
      ['get-env', 'echo'],
      ['echo', 'get-env'],
    ] as const) {
      const answer = await mcpPost(firstWins, duplicateNameCall(4, first, second), { sessionId });
      const error = expectRpcError(
        answer,
        400,
        -32600,
        /key "name" twice in the object at params/,
        /send each key once/,
      );
      expect(error.data).toMatchObject({ duplicateKey: 'name', path: 'params' });
    }
    expect(upstream.executed.slice(before)).toEqual([]);
    // The session is unharmed.
    expect(textOf(resultOf(await mcpPost(firstWins, toolCall(5, 'echo', {}), { sessionId })))).toBe(
      'echo ran',
    );
  });

  it('refuses a key repeated through an escape ("n\\u0061me")', async () => {
    const sessionId = await openRawSession(firstWins);
    const body =
      '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get-env","n\\u0061me":"echo"}}';
    expectRpcError(await mcpPost(firstWins, body, { sessionId }), 400, -32600, /key "name" twice/);
    expect(upstream.executed).not.toContain('get-env');
  });
});

describe('deep nesting', () => {
  it(`refuses a ${DEEP}-level client body (~100 KB) with 400 / -32600 naming the limit, not -32603`, async () => {
    const sessionId = await openRawSession(firstWins);
    const body = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"x":${'['.repeat(DEEP)}${']'.repeat(DEEP)}}}}`;
    const answer = await mcpPost(firstWins, body, { sessionId });
    expectRpcError(answer, 400, -32600, /deeper than 64 levels \(at params\.arguments\.x/, /Flatten/);
    expect(textOf(resultOf(await mcpPost(firstWins, toolCall(8, 'echo', {}), { sessionId })))).toBe(
      'echo ran',
    );
  });

  for (const connection of ['first-wins', 'hostile-stdio']) {
    it(`answers a ${DEEP}-level or duplicate-key result from the ${connection} server with an error, and keeps serving`, async () => {
      const url = airlock.mcpUrl(connection);
      const sessionId = await openRawSession(url);
      const deep = await mcpPost(url, toolCall(9, 'deep', {}), { sessionId });
      expect(deep.status).toBe(200);
      expect(deep.messages.at(-1)).toMatchObject({
        id: 9,
        error: { code: -32002, message: expect.stringMatching(/deeper than 64 levels/) },
      });
      const duplicate = await mcpPost(url, toolCall(10, 'duplicate', {}), { sessionId });
      expect(duplicate.messages.at(-1)).toMatchObject({
        id: 10,
        error: { code: -32002, message: expect.stringMatching(/key "text" twice/) },
      });
      expect(textOf(resultOf(await mcpPost(url, toolCall(11, 'echo', {}), { sessionId })))).toBe('echo ran');
    });
  }
});
