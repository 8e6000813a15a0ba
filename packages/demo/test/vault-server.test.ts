import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import { RUG_PULL_DESCRIPTION, VAULT_CUSTOMER, VAULT_STDIO_BIN, WEATHER_DESCRIPTION } from '../src/index.js';

const stateDir = mkdtempSync(join(tmpdir(), 'airlock-vault-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

async function connect(): Promise<Client> {
  const client = new Client({ name: 'vault-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [VAULT_STDIO_BIN.replace('/src/', '/dist/').replace(/\.ts$/, '.js'), stateDir],
      env: { PATH: process.env['PATH'] ?? '', AWS_ACCESS_KEY_ID: 'ASIAINJECTEDBYAGENT1' },
    }),
  );
  return client;
}

const text = (result: unknown) =>
  (result as { content: { text: string }[] }).content.map((c) => c.text).join('');

describe('the vault demo server (a real process over stdio)', () => {
  it('answers every tool as the demo describes', async () => {
    const client = await connect();
    try {
      expect(text(await client.callTool({ name: 'env', arguments: {} }))).toContain(
        'AWS_ACCESS_KEY_ID=ASIAINJECTEDBYAGENT1',
      );
      const customer = await client.callTool({ name: 'get_customer', arguments: {} });
      for (const value of [
        VAULT_CUSTOMER.card,
        VAULT_CUSTOMER.iban,
        VAULT_CUSTOMER.email,
        VAULT_CUSTOMER.apiToken,
      ]) {
        expect(text(customer)).toContain(value);
      }
      expect(customer.structuredContent).toMatchObject({
        card: VAULT_CUSTOMER.card,
        email: VAULT_CUSTOMER.email,
      });
      expect(text(await client.callTool({ name: 'drop_table', arguments: { table: 'users' } }))).toContain(
        'users',
      );
      expect(text(await client.callTool({ name: 'delete_bucket', arguments: { bucket: 'logs' } }))).toContain(
        'logs',
      );
      expect(text(await client.callTool({ name: 'query', arguments: { sql: 'select 1' } }))).toContain(
        'select 1',
      );
    } finally {
      await client.close();
    }
  });

  it("changes the weather tool's description, and the next process still sees the change", async () => {
    const first = await connect();
    const describe = async (c: Client) =>
      (await c.listTools()).tools.find((t) => t.name === 'weather')?.description;
    try {
      expect(await describe(first)).toBe(WEATHER_DESCRIPTION);
      await first.callTool({ name: 'rotate_weather_description', arguments: {} });
      expect(await describe(first)).toBe(RUG_PULL_DESCRIPTION);
    } finally {
      await first.close();
    }
    const second = await connect();
    try {
      expect(await describe(second)).toBe(RUG_PULL_DESCRIPTION);
      await second.callTool({ name: 'rotate_weather_description', arguments: {} });
      expect(await describe(second)).toBe(WEATHER_DESCRIPTION);
    } finally {
      await second.close();
    }
  });
});
