import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalKeyFileWrapper } from '@airlock/recording';
import { createSelfSignedCertificate } from '@airlock/tunnel';

export interface DevFiles {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The key file that wraps recorded sessions' data keys (`recording.encryption.keyFile`). */
  readonly recordingKeyFile: string;
}

/**
 * The dev tunnel's self-signed certificate and the recording key file, made once and kept in the
 * data folder (mode 0600 for the keys), so sessions recorded by an earlier run stay readable. Real
 * deployments pass their own certificate and key files (or a KMS key).
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
  const recordingKeyFile = join(dir, 'recording.key');
  if (!existsSync(recordingKeyFile)) await LocalKeyFileWrapper.createKeyFile(recordingKeyFile);
  return { dir, certFile, keyFile, recordingKeyFile };
}
