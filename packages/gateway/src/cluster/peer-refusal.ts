import { AirlockError } from '@airlock/core';

/**
 * Set by the internal listener on every request it refuses, with the reason: the forwarding
 * gateway then tells its operator why, and its client gets `peer_refused` instead of a 401 that
 * an MCP client would take for a request to sign in again.
 */
export const PEER_REFUSED_HEADER = 'airlock-peer-refused';

/** Why the internal listener refused a request (the value of `airlock-peer-refused`). */
export type PeerRefusalReason = 'certificate' | 'signature';

/**
 * Node's TLS and OpenSSL error codes (ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_...) and OpenSSL's
 * certificate verification codes (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE, ...), as
 * opposed to errno codes (ECONNREFUSED, ECONNRESET: the owner is gone) and other Node errors.
 */
const TLS_ERROR = /^(?:ERR_TLS_|ERR_SSL_)|^(?!ERR_|HPE_)[A-Z0-9]+(?:_[A-Z0-9]+)+$/;

/** Whether a failed forward is a TLS failure (a certificate refused) rather than an unreachable owner. */
export function isTlsFailure(error: NodeJS.ErrnoException): boolean {
  return error.code !== undefined && TLS_ERROR.test(error.code);
}

/** What the forwarding gateway's operator reads, per refusal: what happened and what to fix. */
export function refusalAdvice(reason: string): string {
  switch (reason) {
    case 'certificate':
      return 'the owner refused this gateway’s certificate: give this gateway a certificate (gateway.cluster.tls.certFile) signed by the CA in the owner’s gateway.cluster.tls.caFile';
    case 'signature':
      return 'the owner refused the request signature: every gateway needs the same gateway.cluster.secretFile content and a clock within 30 s';
    case 'scheme-plaintext-peer':
      return 'the owner advertises a plain-http internal URL and this gateway forwards only over TLS: set the same gateway.cluster.tls on every gateway';
    case 'scheme-tls-peer':
      return 'the owner’s internal listener speaks TLS and this gateway has no gateway.cluster.tls: set it on every gateway';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'the owner’s certificate does not carry the host of its advertised URL: issue it for that host, or set gateway.cluster.tls.serverName to a name every gateway certificate carries';
    default:
      return `the owner’s certificate was refused (${reason}): it must be in date and signed by the CA in this gateway’s gateway.cluster.tls.caFile`;
  }
}

/** The client's answer when its session's owner and this gateway do not trust each other. */
export function peerRefused(sessionId: string): AirlockError {
  return new AirlockError(
    'peer_refused',
    `The gateway that received this request could not pass it to the gateway holding session ${sessionId}: the two gateways do not trust each other. This is a fault in the gateways' configuration, not in your request; tell the operator. A new session (initialize without Mcp-Session-Id) may work meanwhile.`,
  );
}
