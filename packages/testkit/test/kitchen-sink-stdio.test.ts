import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import {
  createV1Client,
  KITCHEN_SINK_CRASH_EXIT_CODE,
  testkitBins,
  type V1ClientOptions,
} from '../src/index.js';
import { describeKitchenSinkContract } from './kitchen-sink-contract.js';

async function connectStdio(options: V1ClientOptions = {}, env: Record<string, string> = {}) {
  const client = createV1Client(options);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [testkitBins.kitchenSinkStdio],
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stderr: 'pipe',
  });
  await client.connect(transport);
  return { client, transport };
}

describeKitchenSinkContract('stdio', async (options) => (await connectStdio(options)).client);

describe('kitchen sink over stdio, process behaviour', () => {
  it('sees the environment it was started with', async () => {
    const { client } = await connectStdio({}, { AIRLOCK_TEST_SECRET: 's3cr3t' });
    try {
      const set = await client.callTool({ name: 'env', arguments: { name: 'AIRLOCK_TEST_SECRET' } });
      expect(set.content).toEqual([{ type: 'text', text: 's3cr3t' }]);
      const unset = await client.callTool({ name: 'env', arguments: { name: 'AIRLOCK_NOT_SET' } });
      expect(unset.content).toEqual([{ type: 'text', text: '(unset)' }]);
    } finally {
      await client.close();
    }
  });

  it(`exits with code ${KITCHEN_SINK_CRASH_EXIT_CODE} mid-call on crash, failing the call`, async () => {
    const { client, transport } = await connectStdio();
    const pid = transport.pid!;
    const closed = new Promise<void>((resolve) => {
      client.onclose = resolve;
    });
    await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow(/closed/i);
    await closed;
    // The process is gone: signal 0 probes for existence.
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
