#!/usr/bin/env node
// A TCP relay that delays every chunk by N ms in each direction, in order:
//   node delaying-relay.mjs <delay ms> <listen host> <listen port> <to host> <to port>
// The network-host tests put it between zones where the kernel has no sch_netem (tc netem), so
// latency between hosts still shows. Prints {"ready":"relay"}.
import { connect, createServer } from 'node:net';

const [delayMs, listenHost, listenPort, toHost, toPort] = process.argv.slice(2);
const delay = Number(delayMs);

/** Writes what `from` sends to `to`, each chunk `delay` ms after it arrived; the end likewise. */
function delayed(from, to) {
  // Timers of one duration fire in the order they were set, so chunks keep their order.
  from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delay));
  from.on('end', () => setTimeout(() => to.destroyed || to.end(), delay));
  from.on('error', () => setTimeout(() => to.destroy(), delay));
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  const out = connect({ host: toHost, port: Number(toPort), noDelay: true });
  delayed(socket, out);
  delayed(out, socket);
});
server.listen(Number(listenPort), listenHost, () => {
  process.stdout.write(`${JSON.stringify({ ready: 'relay' })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
