import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { AirlockError, type ClusterConfig } from '@airlock/core';
import type { Logger } from 'pino';
import { watchFilesForChange } from '../http/watch-files.js';

export type ClusterTlsConfig = NonNullable<ClusterConfig['tls']>;

/** One gateway's TLS material for the internal channel: what it presents and the CA it trusts. */
export interface ClusterTlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function certificatesIn(pem: Buffer, key: string, path: string): X509Certificate[] {
  const blocks = pem.toString('utf8').match(PEM_CERTIFICATE) ?? [];
  try {
    const certificates = blocks.map((block) => new X509Certificate(block));
    if (certificates.length > 0) return certificates;
  } catch (cause) {
    throw new AirlockError(
      'config_invalid',
      `${key} (${path}) holds a certificate that does not parse. Write it as PEM.`,
      {
        cause,
      },
    );
  }
  throw new AirlockError(
    'config_invalid',
    `${key} (${path}) holds no PEM certificate ("-----BEGIN CERTIFICATE-----").`,
  );
}

/**
 * Reads and checks `gateway.cluster.tls`: the files exist, the key matches the certificate, the
 * certificate is in date and signed by the CA the peers trust. Each refusal names the key and says
 * what to do: a gateway that started with a certificate its peers refuse would fail every
 * forwarded call instead.
 */
export function readClusterTls(tls: ClusterTlsConfig, now = new Date()): ClusterTlsMaterial {
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
  const material = {
    cert: read(tls.certFile, 'gateway.cluster.tls.certFile'),
    key: read(tls.keyFile, 'gateway.cluster.tls.keyFile'),
    ca: read(tls.caFile, 'gateway.cluster.tls.caFile'),
  };
  const chain = certificatesIn(material.cert, 'gateway.cluster.tls.certFile', tls.certFile);
  const authorities = certificatesIn(material.ca, 'gateway.cluster.tls.caFile', tls.caFile);
  // One certificate per PEM block, newline-separated: a bundle made by concatenating files that
  // lack a final newline would otherwise lose all but its first CA in OpenSSL's reader.
  material.ca = Buffer.from(authorities.map((ca) => ca.toString()).join('\n'));
  try {
    createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
  } catch (cause) {
    // The message names the problem (e.g. "key values mismatch"); never the key itself.
    throw new AirlockError(
      'config_invalid',
      `gateway.cluster.tls does not load (${(cause as Error).message}). Write the certificate (${tls.certFile}) and its own private key (${tls.keyFile}) as a matching PEM pair.`,
      { cause },
    );
  }
  const leaf = chain[0] as X509Certificate;
  if (new Date(leaf.validTo) < now || new Date(leaf.validFrom) > now) {
    throw new AirlockError(
      'config_invalid',
      `The cluster certificate ${tls.certFile} is valid from ${leaf.validFrom} to ${leaf.validTo}, not now: peers would refuse it. Issue a new one from the cluster CA.`,
    );
  }
  const signed = chain.some((cert) =>
    authorities.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey)),
  );
  if (!signed) {
    throw new AirlockError(
      'config_invalid',
      `The cluster certificate ${tls.certFile} (subject ${leaf.subject.replace(/\n/g, ', ')}) is not signed by a CA in gateway.cluster.tls.caFile (${tls.caFile}): peers trusting that CA would refuse this gateway. Issue the certificate from the cluster CA, or point caFile at the CA that signed it (the same on every gateway).`,
    );
  }
  return material;
}

/**
 * Reads the cluster TLS files again when they change (a renewed certificate or a rotated CA
 * needs no restart): `apply` gets material that passed `readClusterTls`. Material that does not
 * (a half-written file, a key that does not match) is refused with a warning, and the gateway keeps
 * the previous. Returns the function that stops watching.
 */
export function reloadClusterTlsOnChange(
  tls: ClusterTlsConfig,
  apply: (material: ClusterTlsMaterial) => void,
  logger: Logger,
): () => void {
  const reload = (): void => {
    try {
      apply(readClusterTls(tls));
      logger.info(
        { certFile: tls.certFile, caFile: tls.caFile },
        'reloaded the cluster TLS certificate and CA',
      );
    } catch (error) {
      logger.warn(
        { certFile: tls.certFile, reason: (error as Error).message },
        'the changed cluster TLS files do not load; keeping the previous ones. Write the certificate, key and CA as a matching set.',
      );
    }
  };
  return watchFilesForChange([tls.certFile, tls.keyFile, tls.caFile], reload);
}
