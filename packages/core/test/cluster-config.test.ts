import { describe, expect, it } from 'vitest';
import { AirlockError, parseConfig } from '../src/index.js';

const gateway = (cluster: string) => `gateway:
  tunnel: { tls: { certFile: t.crt, keyFile: t.key } }
  cluster:
    secretFile: cluster.secret
${cluster}`;

function problems(text: string): string[] {
  try {
    parseConfig(text, { source: 'airlock.yaml' });
  } catch (error) {
    expect(error).toBeInstanceOf(AirlockError);
    return (error as AirlockError).data?.['problems'] as string[];
  }
  throw new Error('expected the configuration to be refused');
}

const tls = '    tls: { certFile: gw.crt, keyFile: gw.key, caFile: cluster-ca.pem }\n';

describe('gateway.cluster TLS', () => {
  it('requires TLS on an internal listener off loopback (the default 0.0.0.0), saying how to set it', () => {
    expect(problems(gateway('')).join('\n')).toMatch(
      /gateway\.cluster\.tls is required .*caFile.*insecurePlaintext/,
    );
    expect(problems(gateway('    listen: { host: 10.0.1.15 }\n')).join('\n')).toMatch(/bearer token/);
  });

  it('allows plain HTTP on loopback, or anywhere with insecurePlaintext', () => {
    const loopback = parseConfig(gateway('    listen: { host: 127.0.0.1 }\n'));
    expect(loopback.gateway?.cluster?.tls).toBeUndefined();
    expect(loopback.gateway?.cluster?.insecurePlaintext).toBe(false);
    const insecure = parseConfig(gateway('    listen: { host: 10.0.1.15 }\n    insecurePlaintext: true\n'));
    expect(insecure.gateway?.cluster?.insecurePlaintext).toBe(true);
    // A loopback listener advertised on another host is off loopback too.
    expect(
      problems(gateway('    listen: { host: 127.0.0.1 }\n    advertiseUrl: http://10.0.1.15:8444\n')).join(
        '\n',
      ),
    ).toMatch(/tls is required/);
  });

  it('takes mutual TLS with a CA, an optional server name and an https advertise URL', () => {
    const config = parseConfig(gateway(`${tls}    advertiseUrl: https://10.0.1.15:8444\n`));
    expect(config.gateway?.cluster?.tls).toEqual({
      certFile: 'gw.crt',
      keyFile: 'gw.key',
      caFile: 'cluster-ca.pem',
    });
    expect(problems(gateway('    tls: { certFile: gw.crt, keyFile: gw.key }\n')).join('\n')).toMatch(
      /caFile/,
    );
  });

  it('refuses contradictions: TLS with insecurePlaintext or an http advertise URL, https without TLS', () => {
    expect(problems(gateway(`${tls}    insecurePlaintext: true\n`)).join('\n')).toMatch(/contradicts/);
    expect(problems(gateway(`${tls}    advertiseUrl: http://10.0.1.15:8444\n`)).join('\n')).toMatch(
      /must be https:\/\//,
    );
    expect(
      problems(gateway('    listen: { host: 127.0.0.1 }\n    advertiseUrl: https://127.0.0.1:8444\n')).join(
        '\n',
      ),
    ).toMatch(/https:\/\/ but gateway\.cluster\.tls is not set/);
  });
});
