import {
  Agent,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { AirlockError } from '@airlock/core';
import type { Logger } from 'pino';
import { sendError } from '../http/send-error.js';
import type { GatewayPeers } from './gateway-peers.js';
import { PEER_HEADERS, signPeerRequest } from './peer-signature.js';
import { sessionTagOf } from './session-tag.js';

export interface SessionForwarderOptions {
  readonly tag: string;
  readonly gatewayId: string;
  readonly secret: Buffer;
  readonly peers: GatewayPeers;
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
  // Kept-alive connections to peers: a forwarded call costs no TCP handshake.
  readonly #agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });

  constructor(options: SessionForwarderOptions) {
    this.#options = options;
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
    const outgoing = request(new URL(path, owner.internalUrl), {
      method,
      agent: this.#agent,
      headers: {
        ...forwardable(req.headers),
        [PEER_HEADERS.gateway]: gatewayId,
        [PEER_HEADERS.time]: String(timeMs),
        [PEER_HEADERS.signature]: signature,
      },
    });
    outgoing.on('response', (answer) => {
      const headers = forwardable(answer.headers);
      res.writeHead(answer.statusCode ?? 502, headers);
      // SSE: the client sees the stream open (and each event) as the owner writes it.
      res.flushHeaders();
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!res.headersSent) {
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
