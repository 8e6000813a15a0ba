// Properties over every reader of untrusted bytes on the relay path, shared by the CI test
// (hostile-inputs.test.ts, a few thousand inputs) and the long run (test/bench/fuzz-inputs.mjs,
// 1,000,000). Each input must be answered with an Airlock error (which the gateway turns into a
// JSON-RPC error) or passed through intact; nothing may crash with another error or hang.
// Plain JavaScript over the built packages (dist) so the long run needs no TypeScript loader;
// the agent's readers are internal, hence the paths into its dist.
import { isDeepStrictEqual } from 'node:util';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { AirlockError, classifyInbound, decodeMcpHeaderValue, parseJsonRpcMessage } from '@airlock/core';
import { relayResponseBody } from '../../packages/agent/dist/upstream/http-response.js';
import { LineSplitter } from '../../packages/agent/dist/upstream/line-splitter.js';
import { readSseEvents } from '../../packages/agent/dist/upstream/sse-reader.js';

/** Codes a malformed message may be refused with: -32700 and -32600. */
const MESSAGE_REFUSALS = new Set(['parse_error', 'invalid_request']);
/** A reader that has not settled by now, on input already fully in memory, is hung. */
const HANG_MS = 5_000;
const MAX_MESSAGE_BYTES = 64 * 1024;

function fail(why, detail) {
  throw new Error(`${why}: ${detail}`);
}

function expectRefusal(error, codes = MESSAGE_REFUSALS) {
  if (!(error instanceof AirlockError)) fail('not an AirlockError', error?.stack ?? String(error));
  if (!codes.has(error.code)) fail(`unexpected code ${error.code}`, error.message);
  const wire = error.toJsonRpcError();
  if (!Number.isInteger(wire.code) || typeof wire.message !== 'string' || wire.message.length === 0) {
    fail('no JSON-RPC error', JSON.stringify(wire));
  }
}

async function settles(promise, what) {
  let timer;
  const hung = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not settle within ${HANG_MS} ms (hang)`)),
      HANG_MS,
    );
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

// ---- inputs ---------------------------------------------------------------------------------

const jsonRpcId = fc.oneof(fc.integer(), fc.string({ maxLength: 8 }));
const method = fc.constantFrom('tools/call', 'tools/list', 'initialize', 'resources/read', 'ping', 'x');
/** Valid JSON-RPC messages (request, notification, result, error). */
const validMessage = fc.oneof(
  fc.record({
    jsonrpc: fc.constant('2.0'),
    id: jsonRpcId,
    method,
    params: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 3 })),
  }),
  fc.record({ jsonrpc: fc.constant('2.0'), method, params: fc.object({ maxDepth: 2 }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id: jsonRpcId, result: fc.object({ maxDepth: 3 }) }),
  fc.record({
    jsonrpc: fc.constant('2.0'),
    id: fc.oneof(jsonRpcId, fc.constant(null)),
    error: fc.record({ code: fc.integer(), message: fc.string() }),
  }),
);

/** Text a hostile or broken client or server might send: valid, damaged, ambiguous, deep, random. */
const bodyText = fc.oneof(
  validMessage.map((m) => JSON.stringify(m)),
  // Damaged: a span cut out, or a character put in.
  fc
    .tuple(
      validMessage,
      fc.nat(),
      fc.nat({ max: 8 }),
      fc.constantFrom('', '"', '{', '}', '[', ',', ':', '\\', '\u0000', '\ud800'),
    )
    .map(([m, at, cut, put]) => {
      const text = JSON.stringify(m);
      const i = at % (text.length + 1);
      return text.slice(0, i) + put + text.slice(i + cut);
    }),
  // Ambiguous: a key repeated.
  fc
    .tuple(validMessage, fc.string({ maxLength: 6 }))
    .map(([m, key]) =>
      JSON.stringify(m).replace(/}$/, () => `,${JSON.stringify(key)}:1,${JSON.stringify(key)}:2}`),
    ),
  // Deep: nesting around the limit and far past it.
  fc.tuple(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => {
    const close = open === '[' ? ']' : '}';
    return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":${open.repeat(depth)}${open === '[' ? '' : '1'}${close.repeat(depth)}}}`;
  }),
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

/** Header values: absent, plausible, and garbage (including MCP's base64 header encoding). */
const headerValue = fc.option(
  fc.oneof(
    fc.constantFrom(
      '2025-11-25',
      '2026-07-28',
      '2025-06-18',
      'tools/call',
      'echo',
      '=?base64?',
      '=?base64?ZWNobw==?=',
    ),
    fc.string({ unit: 'binary', maxLength: 40 }),
  ),
  { nil: undefined },
);

/** Splits the UTF-8 bytes of text into chunks at arbitrary points, even inside a character. */
function chunked(text) {
  const bytes = Buffer.from(text, 'utf8');
  return fc.array(fc.nat({ max: Math.max(bytes.length, 1) }), { maxLength: 6 }).map((cuts) => {
    const points = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
    const chunks = [];
    let from = 0;
    for (const p of points) {
      chunks.push(bytes.subarray(from, p));
      from = p;
    }
    chunks.push(bytes.subarray(from));
    return chunks.filter((c) => c.length > 0);
  });
}

const sseNoise = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'data: ',
        'data:',
        'id: 7',
        'event: message',
        'retry: 10',
        ': keepalive',
        '\n',
        '\r\n',
        '\r',
        '\n\n',
      ),
      bodyText,
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

// ---- properties -----------------------------------------------------------------------------

/** Gateway body parser (and the agent's, on every upstream message). */
const bodyParser = fc.property(bodyText, (text) => {
  let message;
  try {
    message = parseJsonRpcMessage(text);
  } catch (error) {
    expectRefusal(error);
    return;
  }
  // Passed: exactly what JSON.parse reads, and a JSON-RPC 2.0 envelope.
  if (!isDeepStrictEqual(message, JSON.parse(text))) fail('not passed intact', text);
  if (message.jsonrpc !== '2.0') fail('not JSON-RPC 2.0', text);
});

/** Header checks: Mcp-Method / Mcp-Name / MCP-Protocol-Version against the body. */
const headerChecks = fc.property(
  validMessage,
  headerValue,
  headerValue,
  headerValue,
  (message, protocolVersion, mcpMethod, mcpName) => {
    try {
      const { era } = classifyInbound(message, { protocolVersion, mcpMethod, mcpName });
      if (era !== 'legacy' && era !== 'modern') fail('no era', String(era));
    } catch (error) {
      if (!(error instanceof AirlockError)) fail('not an AirlockError', error?.stack ?? String(error));
    }
    for (const value of [protocolVersion, mcpMethod, mcpName]) {
      if (value === undefined) continue;
      try {
        const decoded = decodeMcpHeaderValue(value);
        if (decoded !== undefined && typeof decoded !== 'string') fail('decoded to a non-string', value);
      } catch (error) {
        if (!(error instanceof AirlockError)) fail('decode threw', error?.stack ?? String(error));
      }
    }
  },
);

/** The agent's SSE reader: any byte stream settles; well-formed events come out intact. */
const sseEvents = fc
  .array(
    fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !/[\r\n]/.test(s)),
    { maxLength: 4 },
  )
  .chain((datas) =>
    chunked(datas.map((d) => `data: ${d}\n\n`).join('')).map((chunks) => ({ datas, chunks })),
  );
const sseReader = fc.asyncProperty(
  sseNoise.chain((text) => chunked(text)),
  sseEvents,
  async (noise, { datas, chunks }) => {
    // Random bytes: it must settle, however.
    await settles(
      readSseEvents(Readable.from(noise), {
        maxEventChars: MAX_MESSAGE_BYTES,
        onEvent: async () => undefined,
      }).catch((error) => {
        if (!(error instanceof Error)) fail('rejected with a non-Error', String(error));
      }),
      'readSseEvents (noise)',
    );
    // Well-formed events, split anywhere: every data field arrives as sent.
    const seen = [];
    await settles(
      readSseEvents(Readable.from(chunks), {
        maxEventChars: MAX_MESSAGE_BYTES,
        onEvent: async (event) => void seen.push(event.data),
      }),
      'readSseEvents (events)',
    );
    if (!isDeepStrictEqual(seen, datas)) fail('events not intact', JSON.stringify({ seen, datas }));
  },
);

/** The agent's HTTP upstream reader (JSON or SSE answer to a POST). */
const upstreamAnswer = fc.asyncProperty(
  fc.boolean(),
  fc.oneof(bodyText, sseNoise, fc.array(validMessage, { maxLength: 3 })),
  async (sse, body) => {
    // Compared as JSON.parse sees them (fast-check's records have no prototype).
    const sent = Array.isArray(body) ? JSON.parse(JSON.stringify(body)) : undefined;
    const text = sent
      ? sse
        ? sent.map((m) => `data: ${JSON.stringify(m)}\n\n`).join('')
        : sent.length === 1
          ? JSON.stringify(sent[0])
          : JSON.stringify(sent)
      : body;
    const delivered = [];
    const headers = { 'content-type': sse ? 'text/event-stream' : 'application/json' };
    try {
      await settles(
        relayResponseBody(headers, Readable.from([Buffer.from(text, 'utf8')]), {
          maxMessageBytes: MAX_MESSAGE_BYTES,
          deliver: async (message) => {
            delivered.push(message);
            return false;
          },
        }),
        'relayResponseBody',
      );
    } catch (error) {
      if (error instanceof Error && /did not settle/.test(error.message)) throw error;
      expectRefusal(error, new Set([...MESSAGE_REFUSALS, 'message_too_large']));
      return;
    }
    if (sent && !isDeepStrictEqual(delivered, sent)) fail('messages not intact', text);
  },
);

/** The agent's stdio reader: lines split anywhere come out whole, then parse or are refused. */
const stdioLines = fc.property(
  fc
    .array(fc.oneof(bodyText, fc.constant(''), fc.constant('\r')), { maxLength: 6 })
    .chain((lines) => chunked(lines.join('\n') + '\n').map((chunks) => ({ lines, chunks }))),
  ({ lines, chunks }) => {
    const splitter = new LineSplitter(MAX_MESSAGE_BYTES);
    const out = [];
    for (const chunk of chunks) out.push(...splitter.push(chunk).map((b) => b.toString('utf8')));
    // Empty lines are skipped and a trailing \r dropped, as the framing says.
    const expected = Buffer.from(lines.join('\n'), 'utf8')
      .toString('utf8')
      .split('\n')
      .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
      .filter((l) => l.length > 0);
    if (!isDeepStrictEqual(out, expected)) fail('lines not intact', JSON.stringify({ out, expected }));
    for (const line of out) {
      try {
        parseJsonRpcMessage(line);
      } catch (error) {
        expectRefusal(error);
      }
    }
  },
);

/** Every property, with its name; `weight` shares a run's inputs (async ones cost more). */
export const hostileInputProperties = [
  { name: 'gateway body parser', property: bodyParser, weight: 3 },
  { name: 'header checks', property: headerChecks, weight: 2 },
  { name: 'agent SSE reader', property: sseReader, weight: 1 },
  { name: 'agent HTTP upstream reader', property: upstreamAnswer, weight: 2 },
  { name: 'agent stdio line reader', property: stdioLines, weight: 2 },
];
