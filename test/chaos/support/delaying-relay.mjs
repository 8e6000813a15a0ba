#!/usr/bin/env node
// A TCP relay that delays every chunk by N ms in each direction, in order:
//   node delaying-relay.mjs <delay ms> <listen host> <listen port> <to host> <to port>
// The network-host tests put it between hosts where the kernel has no sch_netem (tc netem), so
// latency between hosts still shows. SIGUSR2 switches the delay off, SIGUSR1 on again (a test
// measures both on the same connections); each switch prints {"delayMs":N}. Prints
// {"ready":"relay"} once listening.
import { connect, createServer } from 'node:net';

const [delayMs, listenHost, listenPort, toHost, toPort] = process.argv.slice(2);
const configured = Number(delayMs);
let delay = configured;

/**
 * Writes what `from` sends to `to`, each chunk `delay` ms after it arrived, strictly in order:
 * one queue and one timer per direction, so switching the delay never reorders bytes.
 */
function delayed(from, to) {
  const queue = [];
  let timer;
  const flush = () => {
    timer = undefined;
    const now = Date.now();
    while (queue.length > 0 && queue[0].due <= now) {
      const { chunk, end } = queue.shift();
      if (to.destroyed) continue;
      if (end === 'end') to.end();
      else if (end === 'destroy') to.destroy();
      else to.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(flush, queue[0].due - now);
  };
  const push = (item) => {
    // Delay off and nothing held: straight through, so "off" measures a plain relay.
    if (delay === 0 && queue.length === 0) {
      queue.push({ ...item, due: 0 });
      flush();
      return;
    }
    // Never before the item ahead of it, even when the delay was just switched off.
    const last = queue.at(-1)?.due ?? 0;
    queue.push({ ...item, due: Math.max(Date.now() + delay, last) });
    if (timer === undefined) timer = setTimeout(flush, Math.max(0, queue[0].due - Date.now()));
  };
  let ended = false;
  from.on('data', (chunk) => push({ chunk }));
  from.on('end', () => {
    ended = true;
    push({ end: 'end' });
  });
  // A reset (no clean end): pass it on, after what was already sent.
  from.on('close', () => ended || push({ end: 'destroy' }));
  from.on('error', () => undefined);
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
const announce = () => process.stdout.write(`${JSON.stringify({ delayMs: delay })}\n`);
process.on('SIGUSR2', () => {
  delay = 0;
  announce();
});
process.on('SIGUSR1', () => {
  delay = configured;
  announce();
});
process.on('SIGTERM', () => process.exit(0));
