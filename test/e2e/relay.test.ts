import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { collectNotifications, connectV1Client, connectV2Client } from '@airlock/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock, type AirlockHarness } from './support/airlock-harness.js';
import {
  startUpstreams,
  TEST_AWS_ACCESS_KEY_ID,
  useTestAwsCredentials,
  type Upstreams,
} from './support/upstreams.js';

/**
 * The whole data path with real parts: MCP SDK clients → gateway (Streamable HTTP) → gRPC tunnel
 * over TLS → agent → real MCP servers over stdio and Streamable HTTP.
 */
let upstreams: Upstreams;
let airlock: AirlockHarness;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  airlock = await startAirlock({ connections: upstreams.connections });
});

afterAll(async () => {
  await airlock?.close();
  await upstreams?.close();
});

type AnyClient = Awaited<ReturnType<typeof connectV1Client>> | Awaited<ReturnType<typeof connectV2Client>>;

const clients: Record<
  string,
  (url: string, answers: { sampling: string; elicited: string }) => Promise<AnyClient>
> = {
  'v1 SDK client': (url, answers) =>
    connectV1Client(url, {
      onSampling: () => answers.sampling,
      onElicitation: () => ({ action: 'accept', content: { answer: answers.elicited } }),
      roots: [{ uri: 'file:///work', name: 'work' }],
    }),
  'v2 SDK client (2025 era)': (url, answers) =>
    connectV2Client(url, {
      era: 'legacy',
      onSampling: () => answers.sampling,
      onElicitation: () => ({ action: 'accept', content: { answer: answers.elicited } }),
      roots: [{ uri: 'file:///work', name: 'work' }],
    }),
};

/** v1's callTool takes (params, resultSchema, options); v2's takes (params, options). */
function callWithProgress(
  client: AnyClient,
  params: { name: string; arguments: Record<string, unknown> },
  onprogress: (p: Record<string, unknown>) => void,
) {
  if (client instanceof V1Client) return client.callTool(params, undefined, { onprogress });
  return (client as Awaited<ReturnType<typeof connectV2Client>>).callTool(params, { onprogress });
}

function textOf(result: unknown): string {
  const content = (result as { content: { type: string; text?: string }[] }).content;
  return content.map((c) => c.text ?? '').join('');
}

for (const connection of ['kitchen-stdio', 'kitchen-http']) {
  for (const [clientName, connect] of Object.entries(clients)) {
    describe(`${clientName} → Airlock → ${connection}`, () => {
      let client: AnyClient;
      const answers = { sampling: `sampled via ${connection}`, elicited: `elicited via ${connection}` };

      beforeAll(async () => {
        client = await connect(airlock.mcpUrl(connection), answers);
      });
      afterAll(async () => {
        await client?.close();
      });

      it('lists and calls tools', async () => {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toEqual(
          expect.arrayContaining(['echo', 'add', 'progress', 'sample', 'elicit']),
        );
        expect(
          textOf(await client.callTool({ name: 'echo', arguments: { text: 'through the airlock' } })),
        ).toBe('through the airlock');
        expect(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } }))).toBe('42');
      });

      it('reads resources and templates, gets prompts', async () => {
        const { resources } = await client.listResources();
        expect(resources.map((r) => r.uri)).toContain('kitchen://readme');
        const { resourceTemplates } = await client.listResourceTemplates();
        expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('kitchen://items/{id}');
        const read = await client.readResource({ uri: 'kitchen://items/7' });
        expect(JSON.parse((read.contents[0] as { text: string }).text)).toEqual({ id: '7', name: 'item 7' });
        const prompt = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
        expect(prompt.messages[0]?.content).toMatchObject({ type: 'text', text: 'Hello, Ada!' });
      });

      it('relays progress and logging notifications', async () => {
        const log = collectNotifications(client);
        await callWithProgress(
          client,
          { name: 'progress', arguments: { steps: 3, delayMs: 5 } },
          log.onprogress,
        );
        expect(log.progress().map((p) => p['progress'])).toEqual([1, 2, 3]);
        await client.setLoggingLevel('debug');
        await client.callTool({
          name: 'log',
          arguments: { message: 'hello from upstream', level: 'warning' },
        });
        const logged = await log.waitFor((n) => n.method === 'notifications/message');
        expect(logged.params).toMatchObject({ level: 'warning', data: 'hello from upstream' });
      });

      it('answers sampling, elicitation and roots requests from the server', async () => {
        expect(
          textOf(await client.callTool({ name: 'sample', arguments: { prompt: 'write a haiku' } })),
        ).toBe(answers.sampling);
        expect(
          textOf(await client.callTool({ name: 'elicit', arguments: { question: 'favourite colour?' } })),
        ).toBe(answers.elicited);
        expect(textOf(await client.callTool({ name: 'roots', arguments: {} }))).toContain('file:///work');
      });

      it('relays list_changed notifications that belong to no request', async () => {
        const log = collectNotifications(client);
        await client.callTool({ name: 'notify-tools-changed', arguments: {} });
        await log.waitFor((n) => n.method === 'notifications/tools/list_changed');
      });
    });
  }
}

describe('stdio upstream credentials', () => {
  it("injects the agent's AWS credentials into the server it spawns", async () => {
    const client = await connectV1Client(airlock.mcpUrl('kitchen-stdio'));
    try {
      // The server got the key; what reaches the client is masked (the agent masks what it injected).
      expect(textOf(await client.callTool({ name: 'env', arguments: { name: 'AWS_ACCESS_KEY_ID' } }))).toBe(
        '[MASKED:AWS_ACCESS_KEY_ID]',
      );
      expect(airlock.logs()).not.toContain(TEST_AWS_ACCESS_KEY_ID);
      expect(textOf(await client.callTool({ name: 'env', arguments: { name: 'AWS_REGION' } }))).toBe(
        'eu-west-1',
      );
    } finally {
      await client.close();
    }
    expect(airlock.logs()).not.toContain('airlock-e2e-secret-access-key-not-real');
  });
});

describe('v2 SDK client (2026-07-28) → Airlock → modern HTTP server', () => {
  it('discovers, lists and calls tools over stateless requests', async () => {
    const client = await connectV2Client(airlock.mcpUrl('modern'), { era: 'modern' });
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('echo');
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'modern hello' } }))).toContain(
        'modern hello',
      );
      const log = collectNotifications(client);
      await client.callTool(
        { name: 'progress', arguments: { steps: 2, delayMs: 5 } },
        { onprogress: log.onprogress },
      );
      expect(log.progress().length).toBe(2);
    } finally {
      await client.close();
    }
  });
});
