#!/usr/bin/env node
// A TCP port forwarder: node tcp-forward.mjs <listen host> <listen port> <to host> <to port>.
// The network-host tests use it to give each zone host a loopback view of the test's identity
// provider (a plain-http issuer is only trusted on loopback). Prints {"ready":"forward"}.
import { connect, createServer } from 'node:net';

const [listenHost, listenPort, toHost, toPort] = process.argv.slice(2);
const server = createServer((socket) => {
  const out = connect(Number(toPort), toHost);
  socket.pipe(out).pipe(socket);
  socket.on('error', () => out.destroy());
  out.on('error', () => socket.destroy());
});
server.listen(Number(listenPort), listenHost, () => {
  process.stdout.write(`${JSON.stringify({ ready: 'forward' })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
