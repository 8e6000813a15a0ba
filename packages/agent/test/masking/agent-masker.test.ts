import { parseConfig, type SessionOpenRequest } from '@airlock/core';
import { describe, expect, it } from 'vitest';
import { AgentMasker } from '../../src/masking/agent-masker.js';
import { InjectedSecrets } from '../../src/masking/injected-secrets.js';

const config = parseConfig(
  JSON.stringify({
    agent: {
      id: 'a1',
      token: 'x'.repeat(32),
      gateways: [{ address: 'localhost:1' }],
      masking: { floor: { detectors: ['aws_access_key_id'] } },
      connections: {
        db: {
          transport: 'stdio',
          command: 'db',
          env: { DB_PASSWORD: 'correct-horse-battery', MODE: 'readonly-mode' },
        },
        api: {
          transport: 'http',
          url: 'http://127.0.0.1:1/mcp',
          headers: { authorization: 'Bearer upstream-token-123456' },
        },
      },
    },
  }),
).agent!;

const request = (connection: string, masking?: SessionOpenRequest['masking']): SessionOpenRequest => ({
  sessionId: 's1',
  connection,
  caller: { subject: 'alice', groups: [], anonymous: false },
  era: 'legacy',
  protocolVersion: '2025-06-18',
  kind: 'session',
  forwardHeaders: {},
  ...(masking ? { masking } : {}),
});

const result = (text: string) => ({
  jsonrpc: '2.0' as const,
  id: 1,
  result: { content: [{ type: 'text', text }] },
});

describe('AgentMasker', () => {
  const injected = new InjectedSecrets(config);
  injected.rememberAws('db', {
    accessKeyId: 'ASIAROTATEDKEY000001',
    secretAccessKey: 'rotated-secret-value-1',
  });
  const masker = new AgentMasker(config, injected, (t) => t.length.toString(16).padStart(12, '0'));

  it('masks what the agent injected, and keeps old credentials masked after a refresh', async () => {
    injected.rememberAws('db', {
      accessKeyId: 'ASIAROTATEDKEY000002',
      secretAccessKey: 'rotated-secret-value-2',
    });
    const text =
      'pw correct-horse-battery old rotated-secret-value-1 new rotated-secret-value-2 mode readonly-mode';
    const { message, findings } = await masker.mask(request('db'), result(text));
    expect(JSON.stringify(message)).toContain(
      'pw [MASKED:INJECTED_ENV] old [MASKED:AWS_SECRET_ACCESS_KEY] new [MASKED:AWS_SECRET_ACCESS_KEY] mode readonly-mode',
    );
    expect(findings.map((f) => f.type).sort()).toEqual(['AWS_SECRET_ACCESS_KEY', 'INJECTED_ENV']);
  });

  it('masks static upstream headers, whole and as their token', async () => {
    const { message } = await masker.mask(request('api'), result('sent upstream-token-123456'));
    expect(JSON.stringify(message)).toContain('sent [MASKED:UPSTREAM_HEADER]');
  });

  it('applies its floor under a gateway that asks for nothing', async () => {
    const none = { detectors: [], custom: [], replacement: { style: 'type' as const, keepLast: 4 } };
    const { message } = await masker.mask(
      request('api', none),
      result('AKIAIOSFODNN7EXAMPLE jane@example.com'),
    );
    expect(JSON.stringify(message)).toContain('[MASKED:AWS_ACCESS_KEY_ID] jane@example.com');
  });

  it('shares a masker between sessions of one frozen policy, until the agent injects a new value', async () => {
    // As the tunnel decodes it: one frozen object for every OpenSession of a connection.
    const policy = Object.freeze({
      detectors: Object.freeze(['email']),
      custom: Object.freeze([]),
      replacement: Object.freeze({ style: 'type' as const, keepLast: 4 }),
    }) as NonNullable<SessionOpenRequest['masking']>;
    const before = await masker.mask(
      request('db', policy),
      result('jane@example.com rotated-secret-value-9'),
    );
    expect(JSON.stringify(before.message)).toContain('[MASKED:EMAIL] rotated-secret-value-9');
    injected.rememberAws('db', {
      accessKeyId: 'ASIAROTATEDKEY000009',
      secretAccessKey: 'rotated-secret-value-9',
    });
    const after = await masker.mask(request('db', policy), result('jane@example.com rotated-secret-value-9'));
    expect(JSON.stringify(after.message)).toContain('[MASKED:EMAIL] [MASKED:AWS_SECRET_ACCESS_KEY]');
    // Another connection with the same policy has its own injected values and floor.
    const api = await masker.mask(
      request('api', policy),
      result('upstream-token-123456 rotated-secret-value-9'),
    );
    expect(JSON.stringify(api.message)).toContain('[MASKED:UPSTREAM_HEADER] rotated-secret-value-9');
  });

  it('refuses a session whose policy it cannot run, naming the connection and the detector', async () => {
    const bad = {
      detectors: [],
      custom: [{ type: 'BACKREF', pattern: '(a)\\1', keywords: [], keywordWindow: 64 }],
      replacement: { style: 'type' as const, keepLast: 4 },
    };
    await expect(masker.maskerFor(request('db', bad))).rejects.toThrow(
      expect.objectContaining({
        code: 'masking_policy_invalid',
        message: expect.stringMatching(/"db".*BACKREF/),
      }),
    );
  });

  it('compiles a new policy once for the sessions that open with it, then has its masker at hand', async () => {
    const policy = Object.freeze({
      detectors: Object.freeze(['phone' as const]),
      custom: Object.freeze([]),
      replacement: Object.freeze({ style: 'type' as const, keepLast: 4 }),
    }) as NonNullable<SessionOpenRequest['masking']>;
    const first = masker.maskerFor(request('api', policy));
    const second = masker.maskerFor(request('api', policy));
    // The phone detector's parser may still be loading: both sessions wait for one compilation.
    expect(first).toBeInstanceOf(Promise);
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    // Known now: later sessions get it at once, so a message is masked without waiting.
    const later = masker.maskerFor(request('api', policy));
    expect(later).toBe(a);
    const masked = masker.mask(request('api', policy), result('call +1 415 555 0132 now'));
    expect(masked).not.toBeInstanceOf(Promise);
    expect(JSON.stringify((masked as { message: unknown }).message)).toContain('call [MASKED:PHONE] now');
  });
});
