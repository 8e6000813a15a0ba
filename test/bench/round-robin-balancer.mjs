#!/usr/bin/env node
// A round-robin HTTP load balancer with no stickiness, as its own process (so the load
// generator's CPU is not the balancer's): each request goes to the next backend, streamed both
// ways over kept-alive connections. Loopback only.
//
//   node test/bench/round-robin-balancer.mjs [--listen host:port] [--retry-refused] <backend url>...
//
// --retry-refused: a backend that refuses the connection, or resets it before answering (its
// gateway is down), is skipped and the
// request goes to the next one, as a balancer's health check would arrange; request bodies are
// then buffered (MCP bodies are small) so they can be sent again.
// Prints {"ready":"balancer","url":...} on stdout once listening.
import { Agent, createServer, request } from 'node:http';

const argv = process.argv.slice(2);
let listen = { host: '127.0.0.1', port: 0 };
let retryRefused = false;
while (argv[0]?.startsWith('--')) {
  const flag = argv.shift();
  if (flag === '--retry-refused') retryRefused = true;
  else if (flag === '--listen') {
    const [host, port] = argv.shift().split(':');
    listen = { host, port: Number(port) };
  } else {
    console.error(`unknown option ${flag}`);
    process.exit(2);
  }
}
const backends = argv.map((url) => new URL(url));
if (backends.length === 0) {
  console.error('usage: round-robin-balancer.mjs <backend url>...');
  process.exit(2);
}
const agent = new Agent({ keepAlive: true, maxFreeSockets: 256 });
let next = 0;
const server = createServer((req, res) => {
  // Backends this request found gone; a retry takes the next one not among them.
  const gone = new Set();
  const send = (body, first) => {
    let index = first ? next++ % backends.length : -1;
    if (!first) {
      for (let step = 0; step < backends.length && index < 0; step++) {
        const candidate = next++ % backends.length;
        if (!gone.has(candidate)) index = candidate;
      }
    }
    const backend = backends[index];
    const out = request(
      {
        host: backend.hostname,
        port: backend.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', (error) => {
      // Refused, or reset on a kept-alive connection before any answer: the backend is gone.
      const down = error.code === 'ECONNREFUSED' || (error.code === 'ECONNRESET' && !res.headersSent);
      if (down) gone.add(index);
      if (body !== undefined && down && gone.size < backends.length) send(body, false);
      else if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    });
    res.on('close', () => {
      if (!res.writableFinished) out.destroy();
    });
    if (body === undefined) req.pipe(out);
    else out.end(body);
  };
  if (!retryRefused) {
    send(undefined, true);
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => send(Buffer.concat(chunks), true));
});
server.keepAliveTimeout = 65_000;
server.listen(listen.port, listen.host, () => {
  const url = `http://${listen.host}:${server.address().port}`;
  process.stdout.write(`${JSON.stringify({ ready: 'balancer', url })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
