import { createHmac, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AirlockError } from '@airlock/core';

const MIN_KEY_BYTES = 32;

function decodeKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0) return Buffer.from(trimmed, 'hex');
  return Buffer.from(trimmed, 'base64');
}

function keyedHashWith(key: Buffer): (text: string) => string {
  return (text) => createHmac('sha256', key).update(text).digest('hex');
}

/** A keyed hash with a random key: hashes correlate within this process's lifetime only. */
export function randomKeyedHash(): (text: string) => string {
  return keyedHashWith(randomBytes(MIN_KEY_BYTES));
}

/**
 * The keyed hash for `hash` replacements: HMAC-SHA256 with a key only the agent holds, so equal
 * values correlate across messages without the hash revealing them (an unkeyed hash of a card
 * number or a short password is easily reversed by trying candidates). Without a key file the
 * key is random per process: hashes then correlate within this agent's lifetime only.
 */
export async function loadKeyedHash(keyFile: string | undefined): Promise<(text: string) => string> {
  if (keyFile === undefined) return randomKeyedHash();
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `Cannot read agent.masking.hashKeyFile "${keyFile}" (${(cause as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions, or remove the key to use a random one.`,
      { cause },
    );
  }
  const key = decodeKey(text);
  if (key.length < MIN_KEY_BYTES) {
    throw new AirlockError(
      'config_invalid',
      `agent.masking.hashKeyFile "${keyFile}" holds ${key.length} bytes; it needs at least ${MIN_KEY_BYTES} (hex or base64), e.g. from \`openssl rand -hex 32\`.`,
    );
  }
  return keyedHashWith(key);
}
