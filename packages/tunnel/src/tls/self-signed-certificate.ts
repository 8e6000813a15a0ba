import { isIP } from 'node:net';

export interface SelfSignedCertificateOptions {
  /** DNS names and IP addresses the certificate is valid for; the first one is the CN. */
  readonly hosts: readonly string[];
  readonly days?: number;
}

export interface SelfSignedCertificate {
  /** PEM certificate; also the CA an agent trusts for it. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/**
 * A self-signed server certificate for `airlock dev` and tests. Never for production: agents must
 * be given this exact certificate as their CA.
 */
export async function createSelfSignedCertificate(
  options: SelfSignedCertificateOptions = { hosts: ['localhost', '127.0.0.1'] },
): Promise<SelfSignedCertificate> {
  const hosts = options.hosts.length > 0 ? options.hosts : ['localhost', '127.0.0.1'];
  const altNames = hosts.map((host) =>
    isIP(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host },
  );
  const notAfter = new Date(Date.now() + (options.days ?? 30) * 24 * 3600 * 1000);
  // Loaded here, not at import: only `airlock dev` and tests make certificates, and the library
  // (with its ASN.1 and crypto code) costs every gateway and agent about 10 MB resident otherwise.
  const { generate } = await import('selfsigned');
  const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
    // EC keys: generated in milliseconds, which matters for `airlock dev` start-up and tests.
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: notAfter,
    extensions: [
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
