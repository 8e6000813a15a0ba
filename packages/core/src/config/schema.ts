import { z } from 'zod';
import { httpAwsSchema, stdioAwsSchema } from './aws-schema.js';
import { clusterSchema } from './cluster-schema.js';
import { durationProblem } from './duration.js';
import { globSchema } from './glob-schema.js';
import { guardrailsSchema } from './guardrails-schema.js';
import { agentMaskingSchema, connectionMaskingSchema, gatewayMaskingRuleSchema } from './masking-schema.js';
import { listenerTlsSchema, operationsSchema, shutdownSchema, telemetrySchema } from './operations-schema.js';
import { pinningRuleSchema } from './pinning-schema.js';

/**
 * The one configuration schema for every Airlock role. A file holds a `gateway` section, an
 * `agent` section, or both (as `airlock dev` does). Objects are strict so a misspelt key is an
 * error, not a silently ignored setting. Documented key by key in the README.
 */
const port = z.number().int().min(0).max(65535);
const listen = (defaultHost: string, defaultPort: number) =>
  z
    .strictObject({ host: z.string().min(1).default(defaultHost), port: port.default(defaultPort) })
    .prefault({});

const connectionName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a connection name is 1-63 lower-case letters, digits, "-" or "_"');

const era = z.enum(['legacy', 'modern']);

const stdioConnection = z.strictObject({
  transport: z.literal('stdio'),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().min(1).optional(),
  eras: z.array(era).min(1).default(['legacy']),
  aws: stdioAwsSchema,
  /** How long a stopping server gets between SIGTERM and SIGKILL. */
  killGraceMs: z.number().int().min(0).default(2000),
  masking: connectionMaskingSchema,
});

const httpConnection = z.strictObject({
  transport: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }),
  /** Static headers for the upstream (e.g. an API key the agent holds); never shown to clients. */
  headers: z.record(z.string(), z.string()).default({}),
  eras: z.array(era).min(1).default(['legacy']),
  timeoutMs: z.number().int().positive().default(300_000),
  /** SigV4-sign each request (AWS-hosted MCP endpoints), optionally with a per-person role. */
  aws: httpAwsSchema,
  masking: connectionMaskingSchema,
});

export const connectionSchema = z.discriminatedUnion('transport', [stdioConnection, httpConnection]);

const agentEntry = z.strictObject({
  id: z.string().min(1),
  /** SHA-256 (hex) of the agent's token; the gateway never stores the token itself. */
  tokenSha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 digest is 64 lower-case hex digits'),
  /** Connections this agent may serve; empty = any it announces. */
  connections: z.array(connectionName).default([]),
});

/**
 * Signature algorithms a gateway accepts. Asymmetric only: an issuer's JWKS holds public keys, so
 * an HS* token could only be "verified" with a public key (the classic key-confusion attack), and
 * `none` is no signature at all. Neither can be configured.
 */
const signatureAlgorithm = z.enum([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]);

const trustedIssuer = z.strictObject({
  /** The `iss` of the tokens, exactly as the identity provider writes it. */
  issuer: z.url({ protocol: /^https?$/ }),
  /** Expected `aud`; default: the connection's canonical resource URL (`<publicUrl>/mcp/<connection>`). */
  audience: z.string().min(1).optional(),
  algorithms: z.array(signatureAlgorithm).min(1).default(['RS256', 'ES256', 'PS256', 'EdDSA']),
  /** Dot path to the groups claim in the access token (e.g. `groups` or `realm_access.roles`). */
  groupsClaim: z.string().min(1).default('groups'),
  /** Where the provider's metadata lives, when not at `<issuer>/.well-known/openid-configuration`. */
  discoveryUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** RFC 7662 introspection for opaque (non-JWT) access tokens. */
  introspection: z
    .strictObject({
      /** Default: the `introspection_endpoint` from discovery. */
      endpoint: z.url({ protocol: /^https?$/ }).optional(),
      clientId: z.string().min(1),
      /** File holding the client secret (trailing newline ignored); never put the secret inline. */
      clientSecretFile: z.string().min(1),
    })
    .optional(),
});

const scope = z
  .string()
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is printable ASCII without spaces, quotes or backslashes');

const gatewayAuth = z
  .discriminatedUnion('mode', [
    z.strictObject({ mode: z.literal('none') }),
    z.strictObject({
      mode: z.literal('oidc'),
      issuers: z.array(trustedIssuer).min(1),
      /** Scopes every access token must carry; a token without them gets 403 insufficient_scope. */
      requiredScopes: z.array(scope).optional(),
      /** Tolerance for `exp`, `nbf` and `iat` against clock drift between the provider and the gateway. */
      clockSkewSeconds: z.number().int().min(0).max(600).default(60),
    }),
  ])
  .prefault({ mode: 'none' });

const accessGlob = globSchema;

/** Which items of one kind (tools, prompts, resources) a rule lets its groups use. Deny wins. */
const accessItems = z
  .strictObject({
    allow: z.array(accessGlob).default(['*']),
    deny: z.array(accessGlob).default([]),
  })
  .prefault({});

const accessRule = z.strictObject({
  /** Identity-provider groups the rule applies to; "*" = every caller. */
  groups: z.array(z.string().min(1)).min(1),
  /** Connection names or globs the rule gives these groups. */
  connections: z.array(accessGlob).min(1),
  tools: accessItems,
  prompts: accessItems,
  /** Globs on resource URIs (and, for resources/templates/list, on the URI template). */
  resources: accessItems,
});

/** A duration such as `90s`, `15m`, `1h`, `8h30m`, `2d`: see parseDuration. */
const durationText = z.string().refine((text) => durationProblem(text) === undefined, {
  error: (issue) => durationProblem(String(issue.input)),
});

/**
 * Just-in-time access for some connections: a person asks (`airlock access request`), a member of
 * `approvers` grants or denies, and the grant adds the connection (or only some of its tools) on top
 * of the standing access rules until it expires. First entry naming a connection wins.
 */
const jitRule = z.strictObject({
  connections: z.array(accessGlob).min(1),
  /** Groups whose members may grant or deny; the requester never grants their own request. */
  approvers: z.array(z.string().min(1)).min(1),
  /** Groups whose members may ask; default everyone signed in. */
  requesters: z.array(z.string().min(1)).min(1).default(['*']),
  /** The longest grant a request may ask for. */
  maxDuration: durationText.default('8h'),
});

/**
 * Notifications of held calls: each webhook gets every new approval request, retried with
 * backoff, never delaying the held call. `json` is signed (HMAC-SHA256 of the body with the
 * secret, header `X-Airlock-Signature: sha256=<hex>`); `slack` is a Slack incoming-webhook message.
 */
const approvalWebhook = z
  .strictObject({
    url: z.url(),
    format: z.enum(['json', 'slack']).default('json'),
    /** The signing secret (json): from this environment variable, or this file. Never inline. */
    secretEnv: z.string().min(1).optional(),
    secretFile: z.string().min(1).optional(),
    /** Delivery attempts before giving up (each logged). */
    attempts: z.number().int().min(1).max(20).default(6),
  })
  .refine((w) => w.format !== 'json' || w.secretEnv !== undefined || w.secretFile !== undefined, {
    message: 'a json webhook is signed: set secretEnv or secretFile (the shared secret the receiver checks)',
    path: ['secretEnv'],
  });

const approvalsSection = z
  .strictObject({
    webhooks: z.array(approvalWebhook).default([]),
    /** How often a waiting call looks for decisions made on other gateways (ms). */
    pollMs: z.number().int().min(50).max(10_000).default(500),
  })
  .prefault({});

/**
 * The web console at `/console`. The gateway is its backend-for-frontend: it signs people in with
 * the first `auth.issuers` entry (authorization code + PKCE) and keeps their tokens server-side.
 */
const consoleSection = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** The console's OAuth client at the identity provider; its redirect URI is `<publicUrl>/console/auth/callback`. */
    clientId: z.string().min(1).default('airlock-console'),
    /** Environment variable holding the client secret (a confidential client); unset: a public client (PKCE only). */
    clientSecretEnv: z.string().min(1).optional(),
    /** Scopes asked for besides the gateway resource (refresh tokens need offline_access). */
    scopes: z.string().min(1).default('openid email profile groups offline_access'),
    /** A console session ends this long after sign-in, whatever the refresh token allows. */
    sessionHours: z
      .number()
      .positive()
      .max(24 * 7)
      .default(8),
  })
  .prefault({});

const gatewaySection = z
  .strictObject({
    id: z.string().min(1).optional(),
    listen: listen('127.0.0.1', 8080),
    /** The URL clients use to reach this gateway (the OAuth resource URL from the identity work on). */
    publicUrl: z.url().optional(),
    /** Browser origins allowed to call the MCP endpoints; a request with any other Origin gets 403. */
    allowedOrigins: z.array(z.string().min(1)).default([]),
    /** TLS on the public MCP listener (for deployments without a TLS-terminating load balancer). */
    tls: listenerTlsSchema,
    /** The operations listener (metrics, health, readiness); absent = none. */
    operations: operationsSchema(9464),
    shutdown: shutdownSchema,
    telemetry: telemetrySchema,
    auth: gatewayAuth,
    limits: z
      .strictObject({
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(4 * 1024 * 1024),
        maxMessageBytes: z
          .number()
          .int()
          .positive()
          .default(64 * 1024 * 1024),
        sessionIdleSeconds: z.number().int().positive().default(3600),
        /** How long a request waits for an agent's session stream before failing. */
        openTimeoutMs: z.number().int().positive().default(10_000),
        /**
         * The public listener against slow and idle clients (slowloris). A client must send its
         * request headers within this long of connecting or of starting a request (else 408 and
         * the connection closes); a connection that sends nothing is closed after it too.
         */
        headersTimeoutSeconds: z.number().positive().default(10),
        /**
         * A client must send its whole request (headers and body) within this long. The answer
         * is not limited: long tool calls, held approvals and SSE streams run as long as they need.
         */
        requestTimeoutSeconds: z.number().positive().default(60),
        /** A kept-alive connection idle between requests is closed after this long (above a load balancer's 60 s). */
        idleTimeoutSeconds: z.number().positive().default(65),
        /** Open connections on the public listener; past it new connections are closed at once. */
        maxConnections: z.number().int().positive().default(10_000),
      })
      .refine((l) => l.headersTimeoutSeconds <= l.requestTimeoutSeconds, {
        message:
          'gateway.limits.headersTimeoutSeconds must not exceed gateway.limits.requestTimeoutSeconds: the headers are part of the request. Lower the first or raise the second.',
        path: ['headersTimeoutSeconds'],
      })
      .prefault({}),
    tunnel: z.strictObject({
      listen: listen('0.0.0.0', 8443),
      tls: z.strictObject({
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        /** When set, agents must also present a client certificate signed by this CA (mTLS). */
        clientCaFile: z.string().min(1).optional(),
      }),
      heartbeatSeconds: z.number().positive().default(15),
      /**
       * Session streams each agent keeps attached ahead of demand, so a 2026-07-28 request starts at
       * once instead of waiting for the agent to open one; 0: open each on demand.
       */
      standbyStreams: z.number().int().min(0).max(64).default(16),
    }),
    agents: z.array(agentEntry).default([]),
    /**
     * Who may use which connection and which of its tools, prompts and resources. Absent: with
     * auth "none" everything is allowed (dev); with auth "oidc" nobody is (fail closed).
     */
    access: z
      .strictObject({
        rules: z.array(accessRule).default([]),
        /** Just-in-time access: who may ask for which connections, who grants, for how long at most. */
        jit: z.array(jitRule).default([]),
      })
      .optional(),
    /** Held calls (guardrail action approve): where approvers are notified. */
    approvals: approvalsSection,
    /**
     * Masking per connection (first entry naming it wins), sent to the agent with every session.
     * No entry: the `default` detectors with `[MASKED:TYPE]`. The agent's floor applies anyway.
     */
    masking: z.array(gatewayMaskingRuleSchema).default([]),
    /** Guardrail rules and rule packs, checked on the parsed body of every request. */
    guardrails: guardrailsSchema,
    /** Tool pinning per connection (first entry naming it wins; none: `warn`). */
    pinning: z.array(pinningRuleSchema).default([]),
    /** Where the gateway keeps its state (today: the agent enrollment file). Relative to the config file. */
    dataDir: z.string().min(1).optional(),
    /** Agents enrolled with `airlock agents create`, kept next to the static `agents` above. */
    enrollment: z
      .strictObject({
        /** The enrollment file (token hashes only); default `<dataDir>/agents.json`. */
        file: z.string().min(1).optional(),
      })
      .prefault({}),
    /** Several gateways as one service (docs/multi-gateway.md); absent: a single gateway. */
    cluster: clusterSchema.optional(),
    admin: z
      .strictObject({
        /** IdP groups whose members may use the admin API (`airlock agents ...`); empty = nobody. */
        groups: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
    console: consoleSection,
    audit: z
      .strictObject({
        /**
         * IdP groups whose members (auditors) may search, replay, export and verify every recorded
         * session (`airlock sessions ...`); everyone else sees only their own sessions.
         */
        groups: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
  })
  .refine((g) => (g.auth as { mode?: unknown } | undefined)?.mode !== 'oidc' || g.publicUrl !== undefined, {
    message:
      'gateway.auth.mode "oidc" needs gateway.publicUrl: access tokens are issued for the URL clients use (<publicUrl>/mcp/<connection>), so the gateway must know it',
    path: ['publicUrl'],
    // Report this together with any other mistakes in the section, not only once the rest is valid.
    when: (payload) => typeof payload.value === 'object' && payload.value !== null,
  });

/**
 * Session recording, for whichever roles the file configures (the gateway and the agent each
 * record what passed them). Every event is spooled locally before it counts as recorded, then
 * delivered to the store (gateway), to the gateway (agent) and to Kinesis (both), at least once.
 */
const recordingSection = z
  .strictObject({
    /** Off only for throwaway setups: nothing is recorded and no spool is needed. */
    enabled: z.boolean().default(true),
    /** `strict`: a message that cannot be spooled is refused. `best-effort`: it goes on unrecorded. */
    mode: z.enum(['strict', 'best-effort']).default('strict'),
    spool: z
      .strictObject({
        /** Default `<gateway.dataDir>/spool` and `<agent.dataDir>/spool`; one directory per process. */
        dir: z.string().min(1).optional(),
        segmentBytes: z
          .number()
          .int()
          .min(4096)
          .default(64 * 1024 * 1024),
        fsync: z.enum(['always', 'interval', 'never']).default('interval'),
        fsyncIntervalMs: z.number().int().positive().default(100),
      })
      .prefault({}),
    /** Where the gateway stores events (its own and its agents'). The agent ignores it. */
    store: z
      .strictObject({
        kind: z.enum(['pglite', 'postgres', 'none']).default('pglite'),
        /** PGlite's directory; default `<gateway.dataDir>/store`. */
        dataDir: z.string().min(1).optional(),
        /** PostgreSQL URL. Prefer `connectionStringFile` (it holds a password). */
        connectionString: z.string().min(1).optional(),
        connectionStringFile: z.string().min(1).optional(),
      })
      .prefault({}),
    /** Publish every event to this Kinesis data stream too (gateway and agent). */
    kinesis: z
      .strictObject({
        stream: z.string().min(1),
        region: z.string().min(1).optional(),
        /** Endpoint override (VPC endpoint, LocalStack, kinesalite). */
        endpoint: z.url({ protocol: /^https?$/ }).optional(),
      })
      .optional(),
    /**
     * Modern-era (stateless) requests of one client are grouped into one recording session until
     * the client is quiet for this long.
     */
    modernSessionIdleSeconds: z.number().int().positive().default(300),
    /**
     * Encryption at rest of recorded messages (store and spool): AES-256-GCM, one data key per
     * session, wrapped by a local key file (32 bytes, hex or base64, mode 0600) or an AWS KMS key.
     * Give exactly one of `keyFile` and `kmsKeyId`. Absent: messages are stored in clear.
     */
    encryption: z
      .strictObject({
        /** Path of the key file; relative to the config file. */
        keyFile: z.string().min(1).optional(),
        /** KMS key id, ARN or `alias/...`; credentials come from the default AWS provider chain. */
        kmsKeyId: z.string().min(1).optional(),
        /** The KMS key's region; default from the environment. */
        region: z.string().min(1).optional(),
      })
      .refine((e) => (e.keyFile === undefined) !== (e.kmsKeyId === undefined), {
        message: 'recording.encryption needs exactly one of keyFile and kmsKeyId',
      })
      .optional(),
    /** Sessions (store) and delivered spool segments older than this many days are deleted. */
    retentionDays: z.number().positive().default(90),
  })
  .refine(
    (r) =>
      r.store.kind !== 'postgres' ||
      r.store.connectionString !== undefined ||
      r.store.connectionStringFile !== undefined,
    {
      message: 'recording.store.kind "postgres" needs connectionString or connectionStringFile',
      path: ['store', 'connectionString'],
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    },
  );

const agentSection = z.strictObject({
  id: z.string().min(1),
  /** The agent's enrolment token. Prefer `tokenFile` or the AIRLOCK_AGENT__TOKEN variable. */
  token: z.string().min(16).optional(),
  tokenFile: z.string().min(1).optional(),
  gateways: z
    .array(
      z.strictObject({
        /** host:port of the gateway's tunnel listener. */
        address: z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port'),
        /** CA bundle that signed the gateway's certificate; default: the system roots. */
        caFile: z.string().min(1).optional(),
        /** TLS server name, when it differs from the host in `address`. */
        serverName: z.string().min(1).optional(),
        /**
         * The host in `address` names a fleet of gateways (one DNS name, several addresses): dial
         * every address it resolves to, and resolve it again every `refreshSeconds`, so a gateway
         * joining or leaving needs no agent restart. TLS verifies the name (or `serverName`).
         */
        dns: z.strictObject({ refreshSeconds: z.number().positive().default(30) }).optional(),
      }),
    )
    .min(1),
  heartbeatSeconds: z.number().positive().default(15),
  limits: z
    .strictObject({
      /**
       * Largest single message the agent takes from an MCP server or a gateway (one JSON-RPC
       * message, e.g. a tool result). The agent holds such a message whole, several times over
       * (parse, mask, record, frame): see docs/operations.md, sizing.
       */
      maxMessageBytes: z
        .number()
        .int()
        .positive()
        .default(64 * 1024 * 1024),
    })
    .prefault({}),
  /** The operations listener (metrics, health, readiness); absent = none. */
  operations: operationsSchema(9465),
  shutdown: shutdownSchema,
  telemetry: telemetrySchema,
  /** What the agent masks whatever a gateway asks (the floor), and its hash key. */
  masking: agentMaskingSchema,
  /** Where the agent keeps its state (its recording spool). Relative to the config file. */
  dataDir: z.string().min(1).optional(),
  reconnect: z
    .strictObject({
      initialDelayMs: z.number().int().positive().default(250),
      maxDelayMs: z.number().int().positive().default(30_000),
    })
    .prefault({}),
  connections: z.record(connectionName, connectionSchema).refine((c) => Object.keys(c).length > 0, {
    message: 'an agent needs at least one connection',
  }),
});

export const configSchema = z
  .strictObject({
    gateway: gatewaySection.optional(),
    agent: agentSection.optional(),
    recording: recordingSection.prefault({}),
    logging: z
      .strictObject({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
  })
  .refine((c) => c.gateway !== undefined || c.agent !== undefined, {
    message: 'the configuration needs a "gateway" or an "agent" section (or both)',
  })
  .refine(
    (c) =>
      !c.agent ||
      typeof c.agent !== 'object' ||
      c.agent.token !== undefined ||
      c.agent.tokenFile !== undefined,
    {
      message: 'the agent needs "token" or "tokenFile" (or the AIRLOCK_AGENT__TOKEN variable)',
      path: ['agent', 'token'],
      // Report this together with any other mistakes, not only once the rest is valid.
      when: (payload) => typeof payload.value === 'object' && payload.value !== null,
    },
  );

export type AirlockConfig = z.infer<typeof configSchema>;
export type GatewayConfig = NonNullable<AirlockConfig['gateway']>;
export type AgentConfig = NonNullable<AirlockConfig['agent']>;
export type RecordingConfig = AirlockConfig['recording'];
export type ConnectionConfig = z.infer<typeof connectionSchema>;
export type StdioConnectionConfig = Extract<ConnectionConfig, { transport: 'stdio' }>;
export type HttpConnectionConfig = Extract<ConnectionConfig, { transport: 'http' }>;
export type ConnectionEra = z.infer<typeof era>;
export type AccessConfig = NonNullable<GatewayConfig['access']>;
export type AccessRuleConfig = z.infer<typeof accessRule>;
export type JitRuleConfig = z.infer<typeof jitRule>;
export type ClusterConfig = NonNullable<GatewayConfig['cluster']>;
export type ApprovalWebhookConfig = z.infer<typeof approvalWebhook>;
export type ApprovalsConfig = z.infer<typeof approvalsSection>;
