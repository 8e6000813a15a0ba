import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { canonicalEventText, GENESIS_HASH, type RecordingEvent } from '@airlock/core';
import {
  LocalKeyFileWrapper,
  PgliteStore,
  sha256Hex,
  verifySession,
  type RecordingStore,
} from '@airlock/recording';
import { bigText, connectV1Client, waitFor } from '@airlock/testkit';
import { PGlite } from '@electric-sql/pglite';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAirlock } from './support/airlock-harness.js';
import { textOf } from './support/mcp-http.js';
import { startUpstreams, useTestAwsCredentials, type Upstreams } from './support/upstreams.js';

/**
 * What recording leaves on disk, through the whole product: with `recording.encryption.keyFile`
 * the store's message column (a large message's parts too) and both spools hold ciphertext only,
 * while the store still returns the messages as sent, with hash chains that verify; and retention
 * runs from startup.
 */
const MARKER = 'E2E-PLAINTEXT-MARKER-5d1e';
/** Characters of the large result: more than two of the store's parts once sealed (base64). */
const LARGE = 2 * 1024 * 1024;
let upstreams: Upstreams;
let dir: string;

beforeAll(async () => {
  useTestAwsCredentials();
  upstreams = await startUpstreams();
  dir = mkdtempSync(join(tmpdir(), 'airlock-at-rest-'));
});

afterAll(async () => {
  await upstreams?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function segmentBytes(spoolDir: string): Promise<Buffer> {
  const names = (await readdir(spoolDir)).filter((n) => n.endsWith('.seg'));
  return Buffer.concat(await Promise.all(names.map((n) => readFile(join(spoolDir, n)))));
}

describe('encryption at rest with a key file', () => {
  it('keeps store and spools free of plaintext, and the store returns messages that verify', async () => {
    const keyFile = join(dir, 'recording.key');
    await LocalKeyFileWrapper.createKeyFile(keyFile);
    const storeDir = join(dir, 'encrypted-store');
    const airlock = await startAirlock({
      connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
      recording: { spool: { fsync: 'never' }, store: { dataDir: storeDir }, encryption: { keyFile } },
    });
    let sessionId: string;
    let gatewaySpool: Buffer;
    let agentSpool: Buffer;
    try {
      const client = await connectV1Client(airlock.mcpUrl('kitchen-http'));
      const result = await client.callTool({ name: 'echo', arguments: { text: MARKER } });
      expect(textOf(result)).toContain(MARKER);
      // A result larger than a stored part (1 Mi characters): stored in parts, sealed like the rest.
      const large = await client.callTool({ name: 'big', arguments: { bytes: LARGE, suffix: MARKER } });
      expect(textOf(large) === bigText(LARGE) + MARKER).toBe(true);
      await (client.transport as StreamableHTTPClientTransport).terminateSession();
      await client.close();
      const store = airlock.gateway.recording?.store as RecordingStore;
      const events = await waitFor(
        'the recorded session from both sides',
        async () => {
          const page = await store.listSessions({ connection: 'kitchen-http', limit: 10 });
          const summary = page.sessions[0];
          if (!summary) return undefined;
          const all = await store.getEvents(summary.id);
          const ends = all.filter((e) => e.kind === 'session_end');
          return ends.length === 2 ? all : undefined;
        },
        { timeoutMs: 15_000 },
      );
      sessionId = events[0]?.sessionId as string;
      // Plaintext back out of the store, and both chains and their agreement verify.
      expect(JSON.stringify(events)).toContain(MARKER);
      expect(verifySession(events)).toMatchObject({ ok: true });
      const largeResults = events.filter((e) => JSON.stringify(e.message ?? {}).length > LARGE);
      expect(largeResults.map((e) => e.source).sort()).toEqual(['agent', 'gateway']);
      for (const event of largeResults) {
        expect(textOf((event.message as { result: unknown }).result) === bigText(LARGE) + MARKER).toBe(true);
      }
      const spoolDir = airlock.gateway.recording?.spoolDir as string;
      gatewaySpool = await segmentBytes(spoolDir);
      agentSpool = await segmentBytes(join(dirname(dirname(spoolDir)), 'agent', 'spool'));
    } finally {
      await airlock.close();
    }
    for (const spool of [gatewaySpool, agentSpool]) {
      expect(spool.length).toBeGreaterThan(0);
      expect(spool.includes(Buffer.from(MARKER))).toBe(false);
    }
    // The raw message column, read around the store.
    const db = await PGlite.create(storeDir);
    try {
      const rows = await db.query<{ message: string | null }>(
        'SELECT message FROM recording_events WHERE session_id = $1',
        [sessionId],
      );
      expect(rows.rows.length).toBeGreaterThan(0);
      for (const row of rows.rows) expect(row.message ?? '').not.toContain(MARKER);
      expect(rows.rows.map((r) => r.message ?? '').join('')).not.toContain('tools/call');
      // The large results' parts: ciphertext too.
      const parts = await db.query<{ body: string }>(
        `SELECT p.body FROM recording_event_parts p JOIN recording_events e ON e.id = p.event_id
         WHERE e.session_id = $1`,
        [sessionId],
      );
      expect(parts.rows.length).toBeGreaterThanOrEqual(2 * 3);
      for (const part of parts.rows) {
        expect(part.body).not.toContain(MARKER);
        expect(part.body).not.toContain('abcdefghijklmnopqrstuvwxyz');
      }
    } finally {
      await db.close();
    }
  }, 60_000);
});

/** A finished session, hash-chained, whose events are `daysAgo` old. */
function oldSession(sessionId: string, daysAgo: number): RecordingEvent[] {
  const at = new Date(Date.now() - daysAgo * 24 * 60 * 60 * 1000).toISOString();
  const base = {
    schema: 1,
    sessionId,
    source: 'gateway',
    at,
    identity: { subject: 'alice', groups: [] },
    connection: 'kitchen-http',
    era: 'legacy',
    protocolVersion: '2025-06-18',
  } as const;
  const start: Omit<RecordingEvent, 'hash'> = {
    ...base,
    id: `${sessionId}-1`,
    seq: 1,
    kind: 'session_start',
    start: {},
    prevHash: GENESIS_HASH,
  };
  const first: RecordingEvent = { ...start, hash: sha256Hex(canonicalEventText(start)) };
  const end: Omit<RecordingEvent, 'hash'> = {
    ...base,
    id: `${sessionId}-2`,
    seq: 2,
    kind: 'session_end',
    end: { reason: 'client_closed' },
    prevHash: first.hash,
  };
  return [first, { ...end, hash: sha256Hex(canonicalEventText(end)) }];
}

describe('retention', () => {
  it('runs at startup: an old session is purged, a recent one kept, and the purge is recorded', async () => {
    const storeDir = join(dir, 'retention-store');
    const seeded = await PgliteStore.open({ dataDir: storeDir });
    await seeded.migrate();
    await seeded.insertEvents([...oldSession('old-session', 40), ...oldSession('recent-session', 5)]);
    await seeded.close();

    const airlock = await startAirlock({
      connections: { 'kitchen-http': upstreams.connections['kitchen-http'] as Record<string, unknown> },
      recording: { spool: { fsync: 'never' }, store: { dataDir: storeDir }, retentionDays: 30 },
      startAgent: false,
    });
    try {
      const store = airlock.gateway.recording?.store as RecordingStore;
      const purge = await waitFor(
        'the retention audit event',
        async () => {
          const page = await store.listSessions({ connection: 'airlock', limit: 10 });
          for (const summary of page.sessions) {
            const events = await store.getEvents(summary.id);
            const warning = events.find((e) => e.warning?.code === 'retention_purge');
            if (warning) return warning;
          }
          return undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect(purge.purge).toMatchObject({ days: 30, sessions: 1, events: 2 });
      expect(await store.getEvents('old-session')).toEqual([]);
      expect(await store.getEvents('recent-session')).toHaveLength(2);
    } finally {
      await airlock.close();
    }
  }, 60_000);
});
