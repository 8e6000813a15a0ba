import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectNotifications,
  connectV2Client,
  MODERN_PROTOCOL_VERSION,
  startModernHttp,
  startServerProcess,
  testkitBins,
  type RunningServer,
} from '../src/index.js';

describe('modern server (2026-07-28), v2 client', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startModernHttp({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('negotiates the modern era through server/discover', async () => {
    const client = await connectV2Client(server.url, { era: 'modern' });
    try {
      expect(client.getProtocolEra()).toBe('modern');
      expect(client.getNegotiatedProtocolVersion()).toBe(MODERN_PROTOCOL_VERSION);
      const discovered = await client.discover();
      expect(discovered.supportedVersions).toContain(MODERN_PROTOCOL_VERSION);
      expect(discovered.capabilities.tools).toBeDefined();
    } finally {
      await client.close();
    }
  });

  it('lists and calls tools, with progress during the call', async () => {
    const client = await connectV2Client(server.url, { era: 'modern' });
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo', 'progress']);
      const echo = await client.callTool({ name: 'echo', arguments: { text: 'stateless' } });
      expect(echo.content).toEqual([{ type: 'text', text: 'stateless' }]);
      const log = collectNotifications(client);
      await client.callTool(
        { name: 'progress', arguments: { steps: 2, delayMs: 5 } },
        { onprogress: log.onprogress },
      );
      expect(log.progress().map((p) => p['progress'])).toEqual([1, 2]);
    } finally {
      await client.close();
    }
  });

  it('serves a resource and a prompt', async () => {
    const client = await connectV2Client(server.url, { era: 'modern' });
    try {
      const readme = await client.readResource({ uri: 'modern://readme' });
      expect(readme.contents[0]).toMatchObject({
        uri: 'modern://readme',
        text: 'Served statelessly, 2026-07-28.',
      });
      const prompt = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
      expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Hello, Ada!' });
    } finally {
      await client.close();
    }
  });

  it('also answers a 2025-era client statelessly (legacy: stateless)', async () => {
    const client = await connectV2Client(server.url, { era: 'legacy' });
    try {
      expect(client.getProtocolEra()).toBe('legacy');
      expect((await client.callTool({ name: 'echo', arguments: { text: 'old' } })).content).toEqual([
        { type: 'text', text: 'old' },
      ]);
    } finally {
      await client.close();
    }
  });

  it('the auto era picks modern when the server offers it', async () => {
    const client = await connectV2Client(server.url, { era: 'auto' });
    try {
      expect(client.getProtocolEra()).toBe('modern');
    } finally {
      await client.close();
    }
  });
});

describe('modern-http bin with --legacy reject', () => {
  it('serves modern clients and refuses 2025-era ones', async () => {
    const proc = await startServerProcess(testkitBins.modernHttp, ['--port', '0', '--legacy', 'reject']);
    try {
      const modern = await connectV2Client(proc.url, { era: 'modern' });
      expect((await modern.listTools()).tools).toHaveLength(2);
      await modern.close();
      await expect(connectV2Client(proc.url, { era: 'legacy' })).rejects.toThrow(
        /Unsupported protocol version/,
      );
    } finally {
      await proc.close();
    }
  });
});
