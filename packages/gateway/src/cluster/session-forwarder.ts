import {
  Agent,
  request,
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Agent as TlsAgent, request as tlsRequest } from 'node:https';
import { AirlockError } from '@airlock/core';
import type { Logger } from 'pino';
import { sendError } from '../http/send-error.js';
import type { ClusterTlsMaterial } from './cluster-tls.js';
import type { GatewayPeers } from './gateway-peers.js';
import { PEER_REFUSED_HEADER, isTlsFailure, peerRefused, refusalAdvice } from './peer-refusal.js';
import { PEER_HEADERS, signPeerRequest } from './peer-signature.js';
import { sessionTagOf } from './session-tag.js';

export interface SessionForwarderOptions {
  readonly tag: string;
  readonly gatewayId: string;
  readonly secret: Buffer;
  readonly peers: GatewayPeers;
  /** Mutual TLS to the peers (their certificates checked against `ca`); absent: plain HTTP, loopback only. */
  readonly tls: ClusterTlsMaterial | undefined;
  /** The name checked in a peer's certificate; default: the host of its advertised URL. */
  readonly serverName: string | undefined;
  /** Requests that arrived signed on the internal listener: always served here, never forwarded again. */
  readonly fromPeers: WeakSet<IncomingMessage>;
  readonly logger: Logger;
}

const MCP_PATH = /^\/mcp\/[^/?#]+\/?(?:\?|$)/;

/** Connection-level headers (RFC 9110 §7.6.1) belong to one hop; they are not forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (HOP_BY_HOP.has(name) || name.startsWith('airlock-peer-') || value === undefined) continue;
    out[name] = value;
  }
  return out;
}

function sessionGone(sessionId: string): AirlockError {
  // Per the protocol, 404 tells the client to start a new session (the owner's state is gone).
  return new AirlockError(
    'session_not_found',
    `Unknown session ${sessionId}: the gateway that held it has stopped or cannot be reached. Start a new session: send initialize without Mcp-Session-Id.`,
  );
}

/**
 * The routing hook in front of the MCP endpoints: a 2025-era request whose session another
 * gateway owns is streamed, both ways and unbuffered, to that gateway's internal listener. Policy,
 * identity and recording stay with the owner, which parses the body and checks the token itself.
 */
export class SessionForwarder {
  readonly #options: SessionForwarderOptions;
  // Kept-alive connections to peers: a forwarded call costs no TCP (nor TLS) handshake.
  readonly #agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });
  #tlsAgent: TlsAgent | undefined;

  constructor(options: SessionForwarderOptions) {
    this.#options = options;
    if (options.tls !== undefined) this.useTls(options.tls);
  }

  /**
   * New forwarded requests present this certificate and trust this CA. Connections already open
   * keep the previous material until they close (the owner closes idle ones after 5 s).
   */
  useTls(material: ClusterTlsMaterial): void {
    this.#tlsAgent = new TlsAgent({
      keepAlive: true,
      maxFreeSockets: 64,
      cert: material.cert,
      key: material.key,
      ca: material.ca,
      minVersion: 'TLSv1.3',
    });
  }

  /** Takes the request when another gateway owns its session; false: serve it here. */
  route(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#options.fromPeers.has(req)) return false;
    if (!MCP_PATH.test(req.url ?? '')) return false;
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId === undefined) return false;
    const tag = sessionTagOf(sessionId);
    if (tag === undefined || tag === this.#options.tag) return false;
    void this.#forward(req, res, tag, sessionId);
    return true;
  }

  close(): void {
    this.#agent.destroy();
    this.#tlsAgent?.destroy();
  }

  /** A request to the owner's internal listener over TLS or plain HTTP, as both ends are configured; a mismatch refuses. */
  #open(url: URL, method: string, headers: IncomingHttpHeaders): ClientRequest | string {
    const tls = this.#tlsAgent;
    if (url.protocol === 'https:') {
      if (tls === undefined) return 'scheme-tls-peer';
      const serverName = this.#options.serverName;
      return tlsRequest(url, {
        method,
        agent: tls,
        headers,
        ...(serverName ? { servername: serverName } : {}),
      });
    }
    // The client's bearer token never crosses to a peer in clear when this gateway speaks TLS.
    if (tls !== undefined) return 'scheme-plaintext-peer';
    return request(url, { method, agent: this.#agent, headers });
  }

  #refused(
    req: IncomingMessage,
    res: ServerResponse,
    sessionId: string,
    owner: string,
    reason: string,
  ): void {
    this.#options.logger.error(
      { code: 'peer_refused', sessionId, owner, reason },
      `could not forward a request to the gateway that owns its session: ${refusalAdvice(reason)}`,
    );
    req.resume();
    sendError(res, peerRefused(sessionId));
  }

  async #forward(req: IncomingMessage, res: ServerResponse, tag: string, sessionId: string): Promise<void> {
    const { gatewayId, secret, logger } = this.#options;
    const owner = await this.#options.peers.ownerOf(tag);
    if (owner === undefined) {
      req.resume();
      sendError(res, sessionGone(sessionId));
      return;
    }
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const timeMs = Date.now();
    const signature = signPeerRequest(secret, { method, path, sessionId, gatewayId, timeMs });
    const outgoing = this.#open(new URL(path, owner.internalUrl), method, {
      ...forwardable(req.headers),
      [PEER_HEADERS.gateway]: gatewayId,
      [PEER_HEADERS.time]: String(timeMs),
      [PEER_HEADERS.signature]: signature,
    });
    if (typeof outgoing === 'string') {
      this.#refused(req, res, sessionId, owner.gatewayId, outgoing);
      return;
    }
    outgoing.on('response', (answer) => {
      const refusal = answer.headers[PEER_REFUSED_HEADER];
      if (typeof refusal === 'string') {
        answer.resume();
        this.#refused(req, res, sessionId, owner.gatewayId, refusal);
        return;
      }
      const headers = forwardable(answer.headers);
      res.writeHead(answer.statusCode ?? 502, headers);
      // SSE: the client sees the stream open (and each event) as the owner writes it.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!res.headersSent && isTlsFailure(error)) {
        this.#refused(req, res, sessionId, owner.gatewayId, error.code ?? error.message);
      } else if (!res.headersSent) {
        logger.info(
          { sessionId, owner: owner.gatewayId, reason: error.code ?? error.message },
          'the gateway that owns this session cannot be reached; answering 404 so the client starts a new session',
        );
        req.resume();
        sendError(res, sessionGone(sessionId));
      } else {
        res.destroy();
      }
    });
    // The client went away (closed its GET stream, cancelled): so does the forwarded request.
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  }
}
