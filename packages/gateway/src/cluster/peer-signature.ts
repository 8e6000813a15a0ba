import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers a forwarding gateway adds; the owner refuses a request on its internal listener without them. */
export const PEER_HEADERS = {
  gateway: 'airlock-peer-gateway',
  time: 'airlock-peer-time',
  signature: 'airlock-peer-signature',
} as const;

/** How far a signed request's time may be from the owner's clock: a captured request replays only briefly. */
export const PEER_CLOCK_SKEW_MS = 30_000;

export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly sessionId: string;
  readonly gatewayId: string;
  readonly timeMs: number;
}

function mac(secret: Buffer, request: SignedRequest): Buffer {
  const text = [
    'airlock-peer-v1',
    request.method,
    request.path,
    request.sessionId,
    request.gatewayId,
    String(request.timeMs),
  ].join('\n');
  return createHmac('sha256', secret).update(text, 'utf8').digest();
}

/** HMAC-SHA256 with the cluster secret over method, path, session id, forwarding gateway and time. */
export function signPeerRequest(secret: Buffer, request: SignedRequest): string {
  return mac(secret, request).toString('hex');
}

/** Whether `signature` is valid for `request` and its time is within the allowed skew of `nowMs`. */
export function verifyPeerSignature(
  secret: Buffer,
  request: SignedRequest,
  signature: string,
  nowMs: number,
): boolean {
  if (!Number.isSafeInteger(request.timeMs) || Math.abs(nowMs - request.timeMs) > PEER_CLOCK_SKEW_MS) {
    return false;
  }
  if (!/^[0-9a-f]{64}$/.test(signature)) return false;
  return timingSafeEqual(Buffer.from(signature, 'hex'), mac(secret, request));
}
