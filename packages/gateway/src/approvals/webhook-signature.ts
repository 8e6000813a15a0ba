import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a `json` approval webhook is signed, so a receiver knows the gateway sent it:
 *
 *   X-Airlock-Timestamp: <unix seconds when this attempt was sent>
 *   X-Airlock-Signature: sha256=<lower-case hex HMAC-SHA256(secret, "<timestamp>.<body>")>
 *   X-Airlock-Delivery:  <uuid, the same on every retry of one notification>
 *
 * The signed text is the timestamp header's value, a `.`, then the exact body bytes as received
 * (before any JSON parsing: re-serialising changes the bytes). The secret's UTF-8 bytes are the
 * HMAC key. The timestamp is inside the signature so a captured delivery cannot be replayed
 * later; receivers refuse timestamps more than a few minutes from their clock and deduplicate
 * by the delivery id (retries re-sign with a fresh timestamp).
 */
export const SIGNATURE_HEADER = 'x-airlock-signature';
export const TIMESTAMP_HEADER = 'x-airlock-timestamp';
export const DELIVERY_HEADER = 'x-airlock-delivery';

const SCHEME = 'sha256=';

function hmacHex(secret: string, timestamp: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** The signature header value for one attempt: `sha256=<hex>`. */
export function signWebhookBody(secret: string, timestamp: number, body: string | Uint8Array): string {
  return `${SCHEME}${hmacHex(secret, String(timestamp), bytesOf(body))}`;
}

export interface WebhookSignatureCheck {
  /** The shared secret (the gateway's `secretEnv` / `secretFile`). */
  readonly secret: string;
  /** The request body exactly as received. */
  readonly body: string | Uint8Array;
  /** The `X-Airlock-Timestamp` header (absent: fails). */
  readonly timestamp: string | undefined;
  /** The `X-Airlock-Signature` header (absent: fails). */
  readonly signature: string | undefined;
  /** How far the timestamp may be from `now`, either way. Default 300 s. */
  readonly toleranceSeconds?: number;
  /** The receiver's clock. Default: now. */
  readonly now?: Date;
}

/**
 * For receivers (and tests): true when the signature is the HMAC of this body and timestamp with
 * this secret, and the timestamp is within the tolerance. Compares in constant time.
 */
export function verifyWebhookSignature(check: WebhookSignatureCheck): boolean {
  const { secret, timestamp, signature } = check;
  if (timestamp === undefined || signature === undefined) return false;
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  const nowSeconds = Math.floor((check.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > (check.toleranceSeconds ?? 300)) return false;
  if (!signature.startsWith(SCHEME)) return false;
  const given = Buffer.from(signature.slice(SCHEME.length), 'utf8');
  const expected = Buffer.from(hmacHex(secret, timestamp, bytesOf(check.body)), 'utf8');
  // timingSafeEqual throws on different lengths; the length of a hex digest is no secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
