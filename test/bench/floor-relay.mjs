#!/usr/bin/env node
// The floor: the least a relay of Airlock's shape costs on this machine. Two processes in the
// places of the gateway and the agent: a front (node:http) that sends each request over one
// long-lived gRPC stream (TLS on loopback, the stream dialled by the back, as the agent dials the
// gateway) to a back, which makes the same request to the upstream (an undici keep-alive pool) and
// sends the answer back the same way. Nothing else: no authentication, policy, masking, recording
// or logging, and the bodies pass as bytes, never parsed. `relay-bench.mjs --floor` measures it
// beside the direct path and Airlock, so what Airlock costs above it is Airlock's own work, and
// what the floor costs above direct is the price of the extra hops themselves.
//
//   startFloorRelay({ dir, upstreams: { name: url } }) → { urlFor(name), pids: { front, back }, stop() }
//   node floor-relay.mjs front|back <config.json>   (the two processes, started by startFloorRelay)
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Pool } from 'undici';

const SELF = fileURLToPath(import.meta.url);

/** Headers that belong to one connection, not to the request: never forwarded. */
const HOP_BY_HOP = new Set([
  'host',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'date',
]);

/** One bidirectional stream of raw frames: the bytes are the message. */
const bytes = (b) => b;
const EXCHANGE = {
  path: '/floor.Relay/Exchange',
  requestStream: true,
  responseStream: true,
  requestSerialize: bytes,
  requestDeserialize: bytes,
  responseSerialize: bytes,
  responseDeserialize: bytes,
};

/** A frame: request id (u32), length of the JSON head (u32), the head, then the body's bytes. */
function frame(id, head, body) {
  const headBytes = Buffer.from(JSON.stringify(head));
  const prefix = Buffer.allocUnsafe(8);
  prefix.writeUInt32BE(id, 0);
  prefix.writeUInt32BE(headBytes.length, 4);
  return Buffer.concat([prefix, headBytes, body]);
}

function unframe(buffer) {
  const headLength = buffer.readUInt32BE(4);
  return {
    id: buffer.readUInt32BE(0),
    head: JSON.parse(buffer.toString('utf8', 8, 8 + headLength)),
    body: buffer.subarray(8 + headLength),
  };
}

function endToEnd(headers) {
  const kept = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

/** The gateway's place: HTTP in, frames out on the back's stream, answers back to the client. */
function runFront({ cert, key }) {
  const pending = new Map();
  let stream;
  let nextId = 1;
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (stream === undefined) {
        res.writeHead(503).end('no back connected');
        return;
      }
      const id = nextId++;
      pending.set(id, res);
      const head = {
        name: req.url.slice('/mcp/'.length),
        method: req.method,
        headers: endToEnd(req.headers),
      };
      stream.write(frame(id, head, Buffer.concat(chunks)));
    });
  });
  const server = new grpc.Server();
  server.addService(
    { exchange: EXCHANGE },
    {
      exchange(call) {
        stream = call;
        call.on('data', (buffer) => {
          const { id, head, body } = unframe(buffer);
          const res = pending.get(id);
          pending.delete(id);
          res?.writeHead(head.status, head.headers).end(body);
        });
        // The back is gone: what it held gets an answer that says so, new requests get 503.
        const lost = () => {
          if (stream === call) stream = undefined;
          for (const res of pending.values()) res.writeHead(502).end('the floor back went away');
          pending.clear();
        };
        call.on('end', lost);
        call.on('error', lost);
        console.log(JSON.stringify({ connected: true }));
      },
    },
  );
  const credentials = grpc.ServerCredentials.createSsl(
    null,
    [{ cert_chain: Buffer.from(cert), private_key: Buffer.from(key) }],
    false,
  );
  server.bindAsync('127.0.0.1:0', credentials, (error, grpcPort) => {
    if (error) throw error;
    http.listen(0, '127.0.0.1', () => {
      console.log(JSON.stringify({ ready: true, httpPort: http.address().port, grpcPort }));
    });
  });
}

/** The agent's place: dials the front, relays each frame to its upstream, frames the answer back. */
function runBack({ cert, grpcPort, upstreams }) {
  const targets = new Map(
    Object.entries(upstreams).map(([name, url]) => {
      const target = new URL(url);
      const pool = new Pool(target.origin, { connections: 64, keepAliveTimeout: 60_000 });
      return [name, { pool, path: target.pathname }];
    }),
  );
  const Client = grpc.makeGenericClientConstructor({ exchange: EXCHANGE }, 'Relay');
  const client = new Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createSsl(Buffer.from(cert)), {
    'grpc.ssl_target_name_override': 'localhost',
  });
  const call = client.exchange();
  call.on('data', async (buffer) => {
    const { id, head, body } = unframe(buffer);
    const target = targets.get(head.name);
    try {
      if (!target) throw new Error(`no upstream named ${head.name}`);
      const res = await target.pool.request({
        path: target.path,
        method: head.method,
        headers: head.headers,
        body: head.method === 'GET' || head.method === 'DELETE' ? undefined : body,
      });
      const answer = Buffer.from(await res.body.arrayBuffer());
      call.write(frame(id, { status: res.statusCode, headers: endToEnd(res.headers) }, answer));
    } catch (error) {
      call.write(frame(id, { status: 502, headers: {} }, Buffer.from(String(error.message))));
    }
  });
  call.on('error', (error) => {
    console.error(`floor back: ${error.message}`);
    process.exit(1);
  });
}

/** Starts the front and the back in `dir` (which exists), relaying `/mcp/<name>` to `upstreams[name]`. */
export async function startFloorRelay({ dir, upstreams }) {
  // Imported here, not at the top: the two relay processes load this file and need none of it.
  const { createSelfSignedCertificate } = await import('@airlock/tunnel');
  const { spawnNode } = await import('@airlock/testkit');
  const message = (line) => JSON.parse(line);
  const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
  const frontConfig = join(dir, 'floor-front.json');
  writeFileSync(frontConfig, JSON.stringify({ cert, key }));
  const front = spawnNode(SELF, ['front', frontConfig]);
  const { httpPort, grpcPort } = message(await front.waitForLine((l) => message(l).ready));
  const backConfig = join(dir, 'floor-back.json');
  writeFileSync(backConfig, JSON.stringify({ cert, grpcPort, upstreams }));
  const back = spawnNode(SELF, ['back', backConfig]);
  await Promise.race([
    front.waitForLine((l) => message(l).connected),
    back.exited.then(({ code }) => {
      throw new Error(`the floor's back exited with ${code} before connecting; stderr:\n${back.stderr()}`);
    }),
  ]);
  return {
    urlFor: (name) => `http://127.0.0.1:${httpPort}/mcp/${name}`,
    pids: { front: front.child.pid, back: back.child.pid },
    stop: () => Promise.all([back.kill(), front.kill()]),
  };
}

const [role, configFile] = process.argv.slice(2);
if (process.argv[1] === SELF && role) {
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  if (role === 'front') runFront(config);
  else if (role === 'back') runBack(config);
  else throw new Error(`floor-relay: unknown role ${role} (front or back)`);
}
