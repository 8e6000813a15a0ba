import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { AirlockError, listenFailure } from '@airlock/core';
import type { Logger } from 'pino';
import { sendError } from '../http/send-error.js';
import type { ClusterTlsMaterial } from './cluster-tls.js';
import { PEER_REFUSED_HEADER, type PeerRefusalReason } from './peer-refusal.js';
import { PEER_HEADERS, verifyPeerSignature } from './peer-signature.js';

export interface InternalListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly secret: Buffer;
  /** Mutual TLS: present `cert`, accept only peers whose certificate `ca` signed. Absent: plain HTTP. */
  readonly tls: ClusterTlsMaterial | undefined;
  /** Serves a verified request as if it had arrived on the public listener. */
  readonly serve: (req: IncomingMessage, res: ServerResponse) => void;
  /** Marks verified requests, so they are served here and never forwarded again. */
  readonly fromPeers: WeakSet<IncomingMessage>;
  readonly logger: Logger;
}

export interface InternalListener {
  readonly server: Server | TlsServer;
  readonly port: number;
  /** New connections get this certificate and CA; open ones keep theirs. */
  useTls(material: ClusterTlsMaterial): void;
  close(): Promise<void>;
}

function single(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Answers 401 `peer_unauthenticated`, naming the reason for the forwarding gateway. */
function refuse(req: IncomingMessage, res: ServerResponse, reason: PeerRefusalReason, message: string): void {
  req.resume();
  sendError(res, new AirlockError('peer_unauthenticated', message), null, { [PEER_REFUSED_HEADER]: reason });
}

/**
 * The listener peers forward sessions' requests to. With TLS, a peer must present a certificate
 * signed by the cluster CA; every request must also carry a valid signature made with the shared
 * cluster secret. The client's bearer token inside it is then checked again by the MCP endpoint,
 * as on the public listener: a forwarded identity is never trusted as such.
 */
export async function startInternalListener(options: InternalListenerOptions): Promise<InternalListener> {
  const { logger } = options;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (options.tls !== undefined) {
      // The handshake asks for a certificate but lets an unverified one through, so that the
      // forwarding gateway learns why it is refused (a dropped connection would look like a dead
      // owner). Nothing of the request is read or served before this check.
      const socket = req.socket as TLSSocket;
      if (!socket.authorized) {
        // At run time an OpenSSL code such as UNABLE_TO_VERIFY_LEAF_SIGNATURE (typed as an Error).
        const reason = String(socket.authorizationError ?? 'no certificate');
        logger.warn(
          { code: 'peer_unauthenticated', remote: socket.remoteAddress, path, reason },
          'refused a request on the internal listener: the peer presented no certificate, or one the cluster CA (gateway.cluster.tls.caFile) did not sign',
        );
        refuse(
          req,
          res,
          'certificate',
          'The internal listener serves only gateways of this cluster, each presenting a certificate signed by the cluster CA. MCP clients use the public URL; a gateway refused here needs a certificate (gateway.cluster.tls.certFile) signed by the CA in gateway.cluster.tls.caFile.',
        );
        return;
      }
    }
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
      logger.warn(
        { code: 'peer_unauthenticated', remote: req.socket.remoteAddress, path },
        'refused a request on the internal listener: no valid peer signature',
      );
      refuse(
        req,
        res,
        'signature',
        'The internal listener serves only requests forwarded by gateways of this cluster, signed with the cluster secret. MCP clients use the public URL; a gateway refused here needs the same gateway.cluster.secretFile content as its peers and a clock within 30 s.',
      );
      return;
    }
    options.fromPeers.add(req);
    options.serve(req, res);
  };
  const server =
    options.tls === undefined
      ? createServer(handle)
      : createTlsServer(
          {
            cert: options.tls.cert,
            key: options.tls.key,
            ca: options.tls.ca,
            requestCert: true,
            rejectUnauthorized: false,
            // Both ends are Airlock gateways: no older protocol to stay compatible with.
            minVersion: 'TLSv1.3',
          },
          handle,
        );
  if (options.tls !== undefined) {
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      // A handshake that failed: plain HTTP sent to the TLS port, a peer that does not trust our
      // certificate, a scanner. The reason is OpenSSL's; it never holds key material.
      logger.warn(
        { code: 'peer_unauthenticated', remote: socket.remoteAddress, reason: error.code ?? error.message },
        'a TLS handshake on the internal listener failed: a peer must speak TLS (https advertise URL) and trust this gateway’s certificate (gateway.cluster.tls.caFile)',
      );
    });
  }
  await new Promise<void>((resolve, reject) => {
    const fail = (cause: unknown) =>
      reject(
        listenFailure(
          cause,
          "the gateway's internal listener",
          `${options.host}:${options.port}`,
          'gateway.cluster.listen',
        ),
      );
    server.once('error', fail);
    server.listen(options.port, options.host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    useTls(material) {
      if (!('setSecureContext' in server)) return;
      server.setSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
