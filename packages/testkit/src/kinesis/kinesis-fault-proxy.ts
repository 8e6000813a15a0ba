import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { closeServer, listen } from '@airlock/demo';

/** What the proxy did with one request, for assertions ("two PutRecords, 600 entries"). */
export interface KinesisProxyRequest {
  /** The Kinesis operation from `X-Amz-Target`, e.g. `PutRecords`. */
  readonly operation: string;
  /** PutRecords / PutRecord: the entries as the client sent them. */
  readonly entries: readonly KinesisProxyEntry[];
  readonly outcome: 'forwarded' | 'throttled' | 'partially_failed' | 'dropped';
  /** For `partially_failed`: how many entries the proxy failed (they never reached kinesalite). */
  readonly failedEntries: number;
}

export interface KinesisProxyEntry {
  readonly partitionKey: string;
  /** Size of the decoded data blob. */
  readonly bytes: number;
  readonly data: Buffer;
}

export interface FailEntriesOptions {
  /** How many PutRecords requests to fail partially. Default 1. */
  requests?: number;
  /** Which entries of such a request fail (index within that request). Default: the odd ones. */
  pick?: (index: number, entry: KinesisProxyEntry) => boolean;
  /** Default `ProvisionedThroughputExceededException`; Kinesis also answers `InternalFailure`. */
  errorCode?: 'ProvisionedThroughputExceededException' | 'InternalFailure';
}

export type OutageMode =
  /** Keep listening, but reset every connection (ECONNRESET / socket hang up). */
  | 'reset'
  /** Stop listening (ECONNREFUSED), listen again on the same port afterwards. */
  | 'refuse'
  /** Accept requests and never answer them (a black-holed network path). */
  | 'hang';

/**
 * A real HTTP/1.1 reverse proxy on loopback in front of a Kinesis API (kinesalite) that injects
 * the faults a Kinesis producer must survive: throttling, partial PutRecords failures, outages.
 */
export interface KinesisFaultProxy {
  readonly endpoint: string;
  /** Every request seen, in arrival order. */
  readonly requests: readonly KinesisProxyRequest[];
  /** Requests of one operation. */
  requestsFor(operation: string): KinesisProxyRequest[];
  /** Answers the next `count` requests (of `operation`, default any) with ProvisionedThroughputExceededException. */
  throttle(count: number, operation?: string): void;
  /**
   * Makes the next PutRecords requests partly fail: picked entries are removed before forwarding
   * (so they are really not stored) and reported failed with an ErrorCode in the response.
   */
  failEntries(options?: FailEntriesOptions): void;
  /** Starts an outage at once; resolves when it is over and requests flow again. */
  outage(durationMs: number, mode?: OutageMode): Promise<void>;
  /** Forgets the request log. */
  clearLog(): void;
  close(): Promise<void>;
}

const AMZ_JSON = 'application/x-amz-json-1.1';

interface PutRecordsBody {
  StreamName?: string;
  StreamARN?: string;
  Records?: { Data: string; PartitionKey: string; ExplicitHashKey?: string }[];
}

interface PutRecordsAnswer {
  FailedRecordCount?: number;
  Records: ({ SequenceNumber: string; ShardId: string } | { ErrorCode: string; ErrorMessage: string })[];
  EncryptionType?: string;
}

export async function startKinesisFaultProxy(targetEndpoint: string): Promise<KinesisFaultProxy> {
  const target = new URL(targetEndpoint);
  const upstreamAgent = new Agent({ keepAlive: true });
  const log: KinesisProxyRequest[] = [];
  const sockets = new Set<Socket>();
  const throttles: { remaining: number; operation: string | undefined }[] = [];
  const partials: { remaining: number; pick: NonNullable<FailEntriesOptions['pick']>; errorCode: string }[] =
    [];
  let outageMode: OutageMode | undefined;
  let port = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';
      const parsed = parseJson(body) as PutRecordsBody | undefined;
      const entries = isPutRecords(operation) ? entriesOf(operation, parsed) : [];
      if (outageMode !== undefined) {
        // A request that slipped in on a kept-alive socket during an outage: the network ate it.
        log.push({ operation, entries, outcome: 'dropped', failedEntries: 0 });
        if (outageMode === 'hang') return;
        req.socket.destroy();
        return;
      }

      const throttle = throttles.find((t) => t.remaining > 0 && (t.operation ?? operation) === operation);
      if (throttle) {
        throttle.remaining -= 1;
        log.push({ operation, entries, outcome: 'throttled', failedEntries: 0 });
        const answer = JSON.stringify({
          __type: 'ProvisionedThroughputExceededException',
          message: `Rate exceeded for shard shardId-000000000000 in stream ${parsed?.StreamName ?? ''} under account 000000000000.`,
        });
        res.writeHead(400, { 'content-type': AMZ_JSON, 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
        return;
      }

      const partial = operation === 'PutRecords' ? partials.find((p) => p.remaining > 0) : undefined;
      if (partial && parsed?.Records) {
        partial.remaining -= 1;
        const failed = entries.map((entry, index) => partial.pick(index, entry));
        const kept = parsed.Records.filter((_, index) => !failed[index]);
        const failedCount = failed.filter(Boolean).length;
        log.push({ operation, entries, outcome: 'partially_failed', failedEntries: failedCount });
        let upstreamRecords: PutRecordsAnswer['Records'] = [];
        if (kept.length > 0) {
          const upstream = await forward(req.headers, req.method ?? 'POST', req.url ?? '/', {
            ...parsed,
            Records: kept,
          });
          if (upstream.status !== 200) {
            relay(res, upstream);
            return;
          }
          upstreamRecords = (parseJson(upstream.body) as PutRecordsAnswer).Records;
        }
        let next = 0;
        const merged: PutRecordsAnswer = {
          FailedRecordCount: failedCount,
          Records: failed.map((isFailed) =>
            isFailed
              ? { ErrorCode: partial.errorCode, ErrorMessage: 'Injected by the fault proxy.' }
              : upstreamRecords[next++]!,
          ),
        };
        const answer = JSON.stringify(merged);
        res.writeHead(200, { 'content-type': AMZ_JSON, 'content-length': Buffer.byteLength(answer) });
        res.end(answer);
        return;
      }

      log.push({ operation, entries, outcome: 'forwarded', failedEntries: 0 });
      relay(res, await forward(req.headers, req.method ?? 'POST', req.url ?? '/', body));
    })().catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });

  server.on('connection', (socket: Socket) => {
    if (outageMode === 'reset') {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  function relay(
    res: ServerResponse,
    upstream: { status: number; headers: IncomingHttpHeaders; body: Buffer },
  ): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value === undefined || name === 'content-length' || name === 'connection') continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    headers['content-length'] = String(upstream.body.length);
    res.writeHead(upstream.status, headers);
    res.end(upstream.body);
  }

  function forward(
    headers: IncomingHttpHeaders,
    method: string,
    path: string,
    body: Buffer | object,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    // kinesalite does not verify SigV4 signatures, so a rewritten body still passes.
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: target.hostname,
          port: target.port,
          method,
          path,
          agent: upstreamAgent,
          headers: { ...headers, 'content-length': String(payload.length), connection: 'keep-alive' },
        },
        (answer) => {
          readBody(answer).then(
            (data) => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: data }),
            reject,
          );
        },
      );
      upstream.once('error', reject);
      upstream.end(payload);
    });
  }

  port = await listen(server, '127.0.0.1', 0);

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: log,
    requestsFor: (operation) => log.filter((r) => r.operation === operation),
    throttle(count, operation) {
      throttles.push({ remaining: count, operation });
    },
    failEntries(options = {}) {
      partials.push({
        remaining: options.requests ?? 1,
        pick: options.pick ?? ((index) => index % 2 === 1),
        errorCode: options.errorCode ?? 'ProvisionedThroughputExceededException',
      });
    },
    async outage(durationMs, mode = 'reset') {
      outageMode = mode;
      if (mode !== 'hang') for (const socket of sockets) socket.destroy();
      if (mode === 'refuse') await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise((resolve) => setTimeout(resolve, durationMs));
      outageMode = undefined;
      if (mode === 'hang') for (const socket of sockets) socket.destroy();
      if (mode === 'refuse') await listen(server, '127.0.0.1', port);
    },
    clearLog() {
      log.length = 0;
    },
    async close() {
      upstreamAgent.destroy();
      if (server.listening) await closeServer(server);
      for (const socket of sockets) socket.destroy();
    },
  };
}

function isPutRecords(operation: string): boolean {
  return operation === 'PutRecords' || operation === 'PutRecord';
}

function entriesOf(operation: string, body: unknown): KinesisProxyEntry[] {
  if (typeof body !== 'object' || body === null) return [];
  const records =
    operation === 'PutRecord'
      ? [body as { Data: string; PartitionKey: string }]
      : ((body as PutRecordsBody).Records ?? []);
  return records.map((record) => {
    const data = Buffer.from(record.Data ?? '', 'base64');
    return { partitionKey: record.PartitionKey, bytes: data.length, data };
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}
