import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AirlockError } from '@airlock/core';
import type { Logger } from 'pino';
import { sendError } from '../http/send-error.js';
import { PEER_HEADERS, verifyPeerSignature } from './peer-signature.js';

export interface InternalListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly secret: Buffer;
  /** Serves a verified request as if it had arrived on the public listener. */
  readonly serve: (req: IncomingMessage, res: ServerResponse) => void;
  /** Marks verified requests, so they are served here and never forwarded again. */
  readonly fromPeers: WeakSet<IncomingMessage>;
  readonly logger: Logger;
}

export interface InternalListener {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

function single(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The listener peers forward sessions' requests to. Every request must carry a valid signature
 * made with the shared cluster secret; the client's bearer token inside it is then checked again
 * by the MCP endpoint, as on the public listener: a forwarded identity is never trusted as such.
 */
export async function startInternalListener(options: InternalListenerOptions): Promise<InternalListener> {
  const server = createServer((req, res) => {
    const sessionId = single(req, 'mcp-session-id');
    const gatewayId = single(req, PEER_HEADERS.gateway);
    const signature = single(req, PEER_HEADERS.signature) ?? '';
    const timeMs = Number(single(req, PEER_HEADERS.time));
    const valid =
      sessionId !== undefined &&
      gatewayId !== undefined &&
      (req.url ?? '').startsWith('/mcp/') &&
      verifyPeerSignature(
        options.secret,
        { method: req.method ?? '', path: req.url ?? '', sessionId, gatewayId, timeMs },
        signature,
        Date.now(),
      );
    if (!valid) {
      req.resume();
      options.logger.warn(
        { remote: req.socket.remoteAddress, path: (req.url ?? '').split('?', 1)[0] },
        'refused a request on the internal listener: no valid peer signature',
      );
      sendError(
        res,
        new AirlockError(
          'peer_unauthenticated',
          'The internal listener serves only requests forwarded by gateways of this cluster, signed with the cluster secret. MCP clients use the public URL; a gateway refused here needs the same gateway.cluster.secretFile content as its peers and a clock within 30 s.',
        ),
      );
      return;
    }
    options.fromPeers.add(req);
    options.serve(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
