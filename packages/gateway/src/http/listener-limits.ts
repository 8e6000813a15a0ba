import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayConfig } from '@airlock/core';
import type { Logger } from 'pino';

type ListenerLimits = Pick<
  GatewayConfig['limits'],
  'headersTimeoutSeconds' | 'requestTimeoutSeconds' | 'idleTimeoutSeconds' | 'maxConnections'
>;

/** How often Node checks open requests against the header and request timeouts (its default, 30 s, would let a 10 s limit run to 40 s). */
const TIMEOUT_CHECK_MS = 1_000;
/** At most one warning per this long about refused connections, however many there are. */
const DROP_WARNING_MS = 10_000;

/** Options for the public listener's `createServer`: Node enforces these timeouts itself. */
export function listenerServerOptions(limits: ListenerLimits): ServerOptions {
  return {
    keepAlive: true,
    // Counted until the request is fully received; the response (SSE, held approvals) is not limited.
    requestTimeout: limits.requestTimeoutSeconds * 1000,
    headersTimeout: limits.headersTimeoutSeconds * 1000,
    keepAliveTimeout: limits.idleTimeoutSeconds * 1000,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, limits.headersTimeoutSeconds * 1000),
  };
}

/**
 * What Node does not do for the public listener: a cap on open connections (new ones over it are
 * closed at once, with a rate-limited warning), and a deadline for a connection that never starts
 * a request. Node's header timeout starts with a request's first byte, so a connection that sends
 * nothing would otherwise stay open forever and hold a slot.
 */
export function enforceListenerLimits(server: Server, limits: ListenerLimits, logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let warnedAt = 0;
  server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - warnedAt < DROP_WARNING_MS) return;
    warnedAt = now;
    logger.warn(
      { maxConnections: limits.maxConnections, refusedSinceLastWarning: dropped },
      'The gateway refused new connections: gateway.limits.maxConnections are open. Raise it (and the open-file limit) if these are real clients.',
    );
    dropped = 0;
  });
  const silenceMs = limits.headersTimeoutSeconds * 1000;
  // Over TLS the socket HTTP reads from is the TLS one, which exists once the handshake is done.
  const accepted = 'setSecureContext' in server ? 'secureConnection' : 'connection';
  server.on(accepted, (socket: Socket) => {
    // With no 'timeout' listener of ours, Node's own handler destroys the idle socket.
    socket.setTimeout(silenceMs);
  });
  server.on('request', (req: { socket: Socket }) => {
    // From here Node's header, request and keep-alive timeouts govern the connection.
    req.socket.setTimeout(0);
  });
}
