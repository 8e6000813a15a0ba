import { resolve } from 'node:path';
import { parseConfig } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { resolveConfigPaths } from '../src/config/resolve-paths.js';

describe('resolveConfigPaths', () => {
  it('resolves the recording paths, the encryption key file among them, against the config folder', () => {
    const config = parseConfig(`
recording:
  spool: { dir: spool }
  store: { dataDir: store }
  encryption: { keyFile: keys/recording.key }
agent:
  id: a
  token: alk_0123456789abcdef0123
  gateways: [{ address: "127.0.0.1:1" }]
  connections: { c: { transport: stdio, command: node } }
`);
    const resolved = resolveConfigPaths(config, (path) => resolve('/etc/airlock', path));
    expect(resolved.recording.encryption?.keyFile).toBe('/etc/airlock/keys/recording.key');
    expect(resolved.recording.spool.dir).toBe('/etc/airlock/spool');
    expect(resolved.recording.store.dataDir).toBe('/etc/airlock/store');
  });

  it('resolves an approval webhook secretFile against the config folder', () => {
    const config = parseConfig(`
gateway:
  tunnel: { tls: { certFile: tls/gw.crt, keyFile: tls/gw.key } }
  approvals:
    webhooks:
      - { url: "https://hooks.example.com/airlock", secretFile: secrets/approvals }
      - { url: "https://hooks.slack.com/services/T/B/x", format: slack }
`);
    const resolved = resolveConfigPaths(config, (path) => resolve('/etc/airlock', path));
    expect(resolved.gateway?.approvals.webhooks.map((w) => w.secretFile)).toEqual([
      '/etc/airlock/secrets/approvals',
      undefined,
    ]);
  });
});
