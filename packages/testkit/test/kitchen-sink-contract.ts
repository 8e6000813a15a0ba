import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterEach, describe, expect, it } from 'vitest';
import { bigText, collectNotifications, type V1ClientOptions } from '../src/index.js';

type Connect = (options?: V1ClientOptions) => Promise<Client>;

function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}

/** The behaviour every transport of the kitchen sink must show to a v1 client. */
export function describeKitchenSinkContract(transport: string, connect: Connect): void {
  describe(`kitchen sink over ${transport}, v1 client`, () => {
    const clients: Client[] = [];
    const open = async (options?: V1ClientOptions): Promise<Client> => {
      const client = await connect(options);
      clients.push(client);
      return client;
    };
    afterEach(async () => {
      await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    });

    it('lists and calls tools', async () => {
      const client = await open();
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'echo',
          'add',
          'progress',
          'log',
          'sample',
          'elicit',
          'roots',
          'big',
          'slow',
        ]),
      );
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'héllo' } }))).toBe('héllo');
      expect(textOf(await client.callTool({ name: 'add', arguments: { a: 2, b: 40 } }))).toBe('42');
    });

    it('sends progress notifications with the request progressToken', async () => {
      const client = await open();
      const log = collectNotifications(client);
      const result = await client.callTool(
        { name: 'progress', arguments: { steps: 3, delayMs: 25 } },
        undefined,
        {
          onprogress: log.onprogress,
        },
      );
      expect(textOf(result)).toBe('completed 3 steps');
      expect(log.progress().map((p) => p['progress'])).toEqual([1, 2, 3]);
      expect(log.progress()[0]).toMatchObject({ total: 3, message: 'step 1 of 3' });
    });

    it('sends a logging notification during the call', async () => {
      const client = await open();
      const log = collectNotifications(client);
      await client.callTool({ name: 'log', arguments: { message: 'disk almost full', level: 'warning' } });
      // Related to the request, so it arrives before the response on the same stream.
      expect(log.logging()).toEqual([{ level: 'warning', logger: 'kitchen-sink', data: 'disk almost full' }]);
    });

    it('has sampling answered by the client handler', async () => {
      const client = await open({
        onSampling: (params) => `model says: ${JSON.stringify(params.messages[0]?.content)}`,
      });
      const result = await client.callTool({ name: 'sample', arguments: { prompt: 'Say hi' } });
      expect(textOf(result)).toBe('model says: {"type":"text","text":"Say hi"}');
    });

    it('has elicitation answered by the client handler', async () => {
      const client = await open({
        onElicitation: (params) => ({ action: 'accept', content: { answer: `yes to "${params.message}"` } }),
      });
      const result = await client.callTool({ name: 'elicit', arguments: { question: 'Deploy?' } });
      expect(textOf(result)).toBe('yes to "Deploy?"');
    });

    it('has roots/list answered by the client', async () => {
      const client = await open({ roots: [{ uri: 'file:///work', name: 'work' }] });
      const result = await client.callTool({ name: 'roots', arguments: {} });
      expect(JSON.parse(textOf(result))).toEqual([{ uri: 'file:///work', name: 'work' }]);
    });

    it('serves resources, templates and prompts', async () => {
      const client = await open();
      const resources = (await client.listResources()).resources.map((r) => r.uri);
      expect(resources).toEqual(expect.arrayContaining(['kitchen://readme', 'kitchen://items/1']));
      const readme = await client.readResource({ uri: 'kitchen://readme' });
      expect(readme.contents[0]).toMatchObject({ uri: 'kitchen://readme', mimeType: 'text/plain' });
      const templates = (await client.listResourceTemplates()).resourceTemplates;
      expect(templates.map((t) => t.uriTemplate)).toEqual(['kitchen://items/{id}']);
      const item = await client.readResource({ uri: 'kitchen://items/42' });
      expect(
        JSON.parse(String(item.contents[0] && 'text' in item.contents[0] ? item.contents[0].text : '')),
      ).toEqual({ id: '42', name: 'item 42' });
      expect((await client.listPrompts()).prompts.map((p) => p.name)).toEqual(['greet']);
      const prompt = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
      expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Hello, Ada!' });
    });

    it('returns a 1 MiB result intact', async () => {
      const client = await open();
      const bytes = 1024 * 1024;
      const result = await client.callTool({ name: 'big', arguments: { bytes } });
      const text = textOf(result);
      expect(text.length).toBe(bytes);
      expect(text === bigText(bytes)).toBe(true); // not toBe(bigText): a 1 MiB diff is unreadable
    });

    it('delivers notifications/tools/list_changed', async () => {
      const client = await open();
      const log = collectNotifications(client);
      await client.callTool({ name: 'notify-tools-changed', arguments: {} });
      await log.waitFor((n) => n.method === 'notifications/tools/list_changed');
      expect(log.listChanged()).toEqual(['notifications/tools/list_changed']);
    });
  });
}
