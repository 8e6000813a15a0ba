// A lean MCP load generator: raw Streamable HTTP POSTs over keep-alive connections, so the
// numbers measure the servers on the path, not a client SDK's validation overhead.
import { connectV2Client } from '@airlock/testkit';
import { Pool } from 'undici';

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** Reads a Streamable HTTP answer (JSON or SSE) and returns the JSON-RPC response for `id`. */
async function readAnswer(res, id) {
  const text = await res.body.text();
  if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
  const type = String(res.headers['content-type'] ?? '');
  if (type.startsWith('application/json')) return JSON.parse(text);
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    // 2025-11-25 streams open with a priming event: an id and empty data (SEP-1699).
    const data = line.slice(5).trim();
    if (data.length === 0) continue;
    const message = JSON.parse(data);
    if (message.id === id) return message;
  }
  throw new Error(`no response with id ${id} in: ${text.slice(0, 300)}`);
}

/**
 * Initializes one 2025-era MCP session on `pool` (initialize, then notifications/initialized) and
 * returns the headers its requests carry; `initializedStatus` is the answer to the notification.
 */
export async function initializeSession(
  pool,
  path,
  { headers: extraHeaders = {}, clientName = 'airlock-bench' } = {},
) {
  const init = await pool.request({
    path,
    method: 'POST',
    headers: { ...HEADERS, ...extraHeaders },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: clientName, version: '1' },
      },
    }),
  });
  const sessionId = init.headers['mcp-session-id'];
  const initStatus = init.statusCode;
  const initAnswer = await readAnswer(init, 0);
  if (!sessionId || !initAnswer.result)
    throw new Error(`initialize failed at ${path}: ${JSON.stringify(initAnswer)}`);
  const headers = {
    ...HEADERS,
    ...extraHeaders,
    'mcp-session-id': sessionId,
    'mcp-protocol-version': initAnswer.result.protocolVersion,
  };
  const sent = await pool.request({
    path,
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await sent.body.text();
  return {
    sessionId,
    protocolVersion: initAnswer.result.protocolVersion,
    headers,
    initStatus,
    initializedStatus: sent.statusCode,
  };
}

/** One initialized MCP session over a keep-alive pool. */
export async function openSession(url, { connections = 64, headers: extraHeaders = {} } = {}) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const path = target.pathname;
  let nextId = 1;
  const { sessionId, protocolVersion, headers } = await initializeSession(pool, path, {
    headers: extraHeaders,
  }).catch((error) => {
    throw new Error(`${error.message} (${url})`);
  });

  return {
    sessionId,
    protocolVersion,
    async call(tool, args) {
      const id = nextId++;
      const res = await pool.request({
        path,
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: tool, arguments: args },
        }),
      });
      const answer = await readAnswer(res, id);
      if (!answer.result) throw new Error(`tools/call ${tool} failed: ${JSON.stringify(answer)}`);
      return answer.result;
    },
    async close() {
      const res = await pool.request({ path, method: 'DELETE', headers });
      await res.body.text();
      await pool.close();
    },
  };
}

/**
 * A 2026-07-28 (modern era) caller: the v2 SDK client pinned to that revision, so every call is a
 * stateless POST with its `_meta` envelope and the `MCP-Protocol-Version`, `Mcp-Method` and
 * `Mcp-Name` headers, as a new user's client sends it. Same `call`/`close` shape as `openSession`.
 */
export async function openModernSession(url, { headers = {} } = {}) {
  const client = await connectV2Client(url, { era: 'modern', headers, name: 'airlock-bench' });
  if (client.getProtocolEra() !== 'modern')
    throw new Error(`${url} did not negotiate the 2026-07-28 era (got ${client.getProtocolEra()})`);
  return {
    async call(tool, args) {
      const result = await client.callTool({ name: tool, arguments: args });
      if (result.isError) throw new Error(`tools/call ${tool} failed: ${JSON.stringify(result)}`);
      return result;
    },
    close: () => client.close(),
  };
}

/**
 * An existing session (`session` from openSession) used through another URL, e.g. a gateway that
 * does not own it. `close()` closes only this pool; the session stays open.
 */
export function joinSession(url, session, { connections = 64 } = {}) {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = {
    ...HEADERS,
    'mcp-session-id': session.sessionId,
    'mcp-protocol-version': session.protocolVersion,
  };
  let nextId = 1_000_000_000;
  return {
    async call(tool, args) {
      const id = nextId++;
      const res = await pool.request({
        path: target.pathname,
        method: 'POST',
        headers,
        body: JSON.stringify({
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: tool, arguments: args },
        }),
      });
      const answer = await readAnswer(res, id);
      if (!answer.result) throw new Error(`tools/call ${tool} failed: ${JSON.stringify(answer)}`);
      return answer.result;
    },
    close: () => pool.close(),
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** Sequential calls: latency distribution in milliseconds. */
export async function measureLatency(session, { calls, warmup }) {
  for (let i = 0; i < warmup; i++) await session.call('echo', { text: `warm ${i}` });
  const samples = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await session.call('echo', { text: `hello ${i}` });
    samples[i] = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return {
    calls,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1),
  };
}

/** `concurrency` callers for `durationMs`: completed calls per second. */
export async function measureThroughput(session, { concurrency, durationMs, warmupMs }) {
  const run = async (ms) => {
    const deadline = performance.now() + ms;
    let completed = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async (_, worker) => {
        while (performance.now() < deadline) {
          try {
            await session.call('echo', { text: `w${worker}` });
            completed++;
          } catch {
            failed++;
          }
        }
      }),
    );
    return { completed, failed };
  };
  await run(warmupMs);
  const start = performance.now();
  const { completed, failed } = await run(durationMs);
  const seconds = (performance.now() - start) / 1000;
  return { concurrency, seconds, completed, failed, callsPerSecond: completed / seconds };
}
