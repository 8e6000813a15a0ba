import { isIP } from 'node:net';

export interface IssuedCertificate {
  /** PEM certificate, signed by the authority. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

export interface CertificateAuthority {
  /** The authority's PEM certificate: what every party that verifies its certificates trusts. */
  readonly cert: string;
  /** A certificate for `hosts` (DNS names and IP addresses; the first is the CN), for servers and clients. */
  issue(hosts: readonly string[], options?: { readonly days?: number }): Promise<IssuedCertificate>;
}

/**
 * A throwaway certificate authority for tests and benchmarks, e.g. a gateway cluster whose
 * gateways each hold their own certificate and trust one CA (mutual TLS). Never for production:
 * its key lives only in this process's memory.
 */
export async function createCertificateAuthority(name = 'Airlock test CA'): Promise<CertificateAuthority> {
  // Loaded here, not at import: only tests and benchmarks make certificates (see self-signed-certificate.ts).
  const { generate } = await import('selfsigned');
  const root = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  return {
    cert: root.cert,
    async issue(hosts, options) {
      const altNames = hosts.map((host) =>
        isIP(host) ? { type: 7 as const, ip: host } : { type: 2 as const, value: host },
      );
      const pems = await generate([{ name: 'commonName', value: hosts[0] ?? 'localhost' }], {
        keyType: 'ec',
        algorithm: 'sha256',
        notAfterDate: new Date(Date.now() + (options?.days ?? 30) * 24 * 3600 * 1000),
        ca: { key: root.private, cert: root.cert },
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
          { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
          { name: 'subjectAltName', altNames },
        ],
      });
      return { cert: pems.cert, key: pems.private };
    },
  };
}
