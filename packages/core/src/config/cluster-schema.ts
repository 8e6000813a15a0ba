import { z } from 'zod';
import { isLoopbackHost } from '../net/loopback-host.js';

/**
 * `gateway.cluster`: several gateways as one service (docs/multi-gateway.md). Each issues
 * 2025-era session ids tagged with itself, registers in the shared store and forwards a request
 * for another gateway's session to that gateway's internal listener, signed with the cluster
 * secret. Forwarded requests carry the client's bearer token, so the internal channel is mutual
 * TLS (`tls`); plain HTTP is allowed only on loopback, or with `insecurePlaintext: true`.
 */
export const clusterSchema = z
  .strictObject({
    /** The internal listener peers forward to; keep it on a private interface. */
    listen: z
      .strictObject({
        host: z.string().min(1).default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8444),
      })
      .prefault({}),
    /** How peers reach the internal listener; default `https://<listen.host>:<port>` (`http://` without `tls`). */
    advertiseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** File holding the shared cluster secret (at least 32 bytes; the same on every gateway). */
    secretFile: z.string().min(1),
    /**
     * Mutual TLS between the gateways: the internal listener presents `certFile` and accepts only
     * peers presenting a certificate signed by `caFile`; a forwarding gateway verifies the owner's
     * certificate against `caFile` too. The files are read again when they change.
     */
    tls: z
      .strictObject({
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        /** The CA (PEM, one or more certificates) that signs every gateway's certificate; best one for the cluster only. */
        caFile: z.string().min(1),
        /** The name checked in a peer's certificate; default: the host of the peer's advertised URL. */
        serverName: z.string().min(1).optional(),
      })
      .optional(),
    /** Plain HTTP on an internal listener off loopback: the client's token crosses the network in clear. */
    insecurePlaintext: z.boolean().default(false),
    heartbeatSeconds: z.number().positive().default(2),
    /** A peer whose heartbeat is older than this is gone: its sessions answer 404. */
    peerTimeoutSeconds: z.number().positive().default(10),
  })
  .superRefine((cluster, ctx) => {
    const advertised = cluster.advertiseUrl === undefined ? undefined : new URL(cluster.advertiseUrl);
    if (cluster.tls !== undefined) {
      if (cluster.insecurePlaintext) {
        ctx.addIssue({
          code: 'custom',
          path: ['insecurePlaintext'],
          message:
            'gateway.cluster.insecurePlaintext contradicts gateway.cluster.tls: remove insecurePlaintext (the internal listener speaks TLS).',
        });
      }
      if (advertised !== undefined && advertised.protocol !== 'https:') {
        ctx.addIssue({
          code: 'custom',
          path: ['advertiseUrl'],
          message:
            'gateway.cluster.advertiseUrl must be https:// when gateway.cluster.tls is set: peers reach the internal listener over TLS.',
        });
      }
      return;
    }
    if (advertised !== undefined && advertised.protocol === 'https:') {
      ctx.addIssue({
        code: 'custom',
        path: ['advertiseUrl'],
        message:
          'gateway.cluster.advertiseUrl is https:// but gateway.cluster.tls is not set: add tls (certFile, keyFile, caFile) or advertise http://.',
      });
    }
    const offLoopback =
      !isLoopbackHost(cluster.listen.host) ||
      (advertised !== undefined && !isLoopbackHost(advertised.hostname));
    if (offLoopback && !cluster.insecurePlaintext) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message:
          'gateway.cluster.tls is required when the internal listener is not on loopback: forwarded requests carry the client’s bearer token. Give every gateway a certificate signed by one cluster CA (tls.certFile, tls.keyFile, tls.caFile), or set insecurePlaintext: true on a network you trust.',
      });
    }
  });
