import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import { AirlockError, type ListenerTlsConfig } from '@airlock/core';
import type { Logger } from 'pino';
import { watchFilesForChange } from './watch-files.js';

export interface ListenerCertificate {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Reads `gateway.tls`'s PEM files; a startup error names the key and says what to do. */
export function readListenerCertificate(tls: NonNullable<ListenerTlsConfig>): ListenerCertificate {
  const read = (path: string, key: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new AirlockError(
        'config_invalid',
        `Cannot read ${key} (${path}): ${(cause as NodeJS.ErrnoException).code ?? String(cause)}. Point it at a PEM file.`,
        { cause },
      );
    }
  };
  return { cert: read(tls.certFile, 'gateway.tls.certFile'), key: read(tls.keyFile, 'gateway.tls.keyFile') };
}

/**
 * Reloads the public listener's certificate when its files change (a renewed certificate needs
 * no restart). New connections get the new one; open connections keep theirs. A pair that does
 * not load (a half-written file, a key that does not match) is refused with a warning and the
 * listener keeps the previous one. Returns the function that stops watching.
 */
export function reloadCertificateOnChange(
  server: HttpsServer,
  tls: NonNullable<ListenerTlsConfig>,
  logger: Logger,
): () => void {
  const reload = (): void => {
    try {
      const pair = readListenerCertificate(tls);
      server.setSecureContext({ cert: pair.cert, key: pair.key });
      logger.info({ certFile: tls.certFile }, 'reloaded the MCP listener certificate');
    } catch (error) {
      logger.warn(
        { certFile: tls.certFile, reason: (error as Error).message },
        'the changed MCP listener certificate does not load; keeping the previous one. Write the certificate and key as a matching pair.',
      );
    }
  };
  return watchFilesForChange([tls.certFile, tls.keyFile], reload);
}
