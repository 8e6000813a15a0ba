#!/usr/bin/env node
// A round-robin HTTP load balancer with no stickiness, as its own process (so the load
// generator's CPU is not the balancer's): each request goes to the next backend, streamed both
// ways over kept-alive connections. Loopback only.
//
//   node test/bench/round-robin-balancer.mjs http://127.0.0.1:8081 http://127.0.0.1:8082 ...
//
// Prints {"ready":"balancer","url":...} on stdout once listening.
import { Agent, createServer, request } from 'node:http';

const backends = process.argv.slice(2).map((url) => new URL(url));
if (backends.length === 0) {
  console.error('usage: round-robin-balancer.mjs <backend url>...');
  process.exit(2);
}
const agent = new Agent({ keepAlive: true, maxFreeSockets: 256 });
let next = 0;
const server = createServer((req, res) => {
  const backend = backends[next++ % backends.length];
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
  out.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  res.on('close', () => {
    if (!res.writableFinished) out.destroy();
  });
  req.pipe(out);
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ ready: 'balancer', url: `http://127.0.0.1:${server.address().port}` })}\n`,
  );
});
process.on('SIGTERM', () => process.exit(0));
