import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import type { ConsoleRecordKind } from '@airlock/recording';

/**
 * How a console record rests in the shared store, given the secret only the browser holds (the
 * session cookie's value, or a sign-in's `state`): found by the secret's SHA-256, encrypted with
 * AES-256-GCM under a key derived from the secret (HKDF-SHA256). The store never holds the secret,
 * so a leaked table or backup neither signs anyone in nor reveals a token; any gateway the browser
 * reaches can open the record, with no key to distribute among gateways.
 */
export function consoleRecordKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function keyFor(kind: ConsoleRecordKind, secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'airlock console record', kind, 32));
}

export function sealConsoleRecord(kind: ConsoleRecordKind, secret: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(kind, secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The record, or undefined when it does not open with this secret (tampered, or another secret). */
export function openConsoleRecord<T>(kind: ConsoleRecordKind, secret: string, sealed: string): T | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', keyFor(kind, secret), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const text = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
