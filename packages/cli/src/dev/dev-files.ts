import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createSelfSignedCertificate } from '@airlock/tunnel';

export interface DevFiles {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * The dev tunnel's self-signed certificate, made once and kept in the data folder (mode 0600 for
 * the key). Real deployments pass their own certificate and key files.
 */
export async function prepareDevFiles(dataDir: string): Promise<DevFiles> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const certFile = join(dir, 'tunnel.crt');
  const keyFile = join(dir, 'tunnel.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    const { cert, key } = await createSelfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] });
    writeFileSync(certFile, cert, { mode: 0o644 });
    writeFileSync(keyFile, key, { mode: 0o600 });
  }
  return { dir, certFile, keyFile };
}
