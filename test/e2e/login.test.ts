import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import {
  completeBrowserLogin,
  connectV1Client,
  repeatedKeys,
  spawnNode,
  waitFor,
  type NodeProcess,
} from '@airlock/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AIRLOCK_CLI, cliLogin } from './support/cli-login.js';

/**
 * The people's side of Airlock, as they use it: `airlock dev` with its identity provider, then
 * `airlock login` (device and browser flows, the person's part scripted over HTTP), `whoami`,
 * `connect` driven by an SDK client over stdio, `proxy`, `logout`, and a plain SDK client doing
 * the MCP OAuth flow with no Airlock software.
 */
const ACCESS_TOKEN_TTL_SECONDS = 5;
const BASE_ENV = { AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' };

let dir: string;
let dev: NodeProcess;
let gateway: string;
let issuer: string;
const running: NodeProcess[] = [];

function home(name: string): Record<string, string> {
  return { ...BASE_ENV, AIRLOCK_HOME: join(dir, name) };
}

function airlock(args: string[], env: Record<string, string>): NodeProcess {
  const child = spawnNode(AIRLOCK_CLI, args, { env, cwd: dir });
  running.push(child);
  return child;
}

function textOf(result: unknown): string {
  return (result as { content: { text?: string }[] }).content.map((c) => c.text ?? '').join('');
}

function tokenFile(env: Record<string, string>): string {
  const tokens = join(env['AIRLOCK_HOME'] as string, 'tokens');
  const files = readdirSync(tokens).filter((f) => f.endsWith('.json'));
  expect(files).toHaveLength(1);
  return join(tokens, files[0] as string);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-login-'));
  dev = spawnNode(
    AIRLOCK_CLI,
    [
      'dev',
      '--port',
      '0',
      '--data-dir',
      join(dir, 'dev'),
      // info: the last test reads every line the stack logged on the way.
      '--log-level',
      'info',
      '--access-token-ttl',
      String(ACCESS_TOKEN_TTL_SECONDS),
    ],
    { env: BASE_ENV, cwd: dir },
  );
  await dev.waitForLine((l) => l === 'airlock dev: ready', { timeoutMs: 55_000 });
  const endpoint = dev.stdoutLines.find((l) => l.trim().startsWith('kitchen ') && l.includes('/mcp/'));
  gateway = (endpoint?.trim().split(/\s+/)[1] as string).replace(/\/mcp\/kitchen$/, '');
  issuer = /demo identity provider at (\S+?)\.?$/.exec(
    dev.stdoutLines
      .join('\n')
      .split('\n')
      .find((l) => l.includes('identity provider at')) ?? '',
  )?.[1] as string;
}, 60_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill()));
});

afterAll(async () => {
  await dev?.kill();
  rmSync(dir, { recursive: true, force: true });
});

describe('airlock dev with its identity provider', () => {
  it('prints the demo people and how to log in, and refuses an unauthenticated request with 401', async () => {
    const banner = dev.stdoutLines.join('\n');
    expect(banner).toMatch(/alice\s+alice-sre\s+sre\s+Alice \(SRE\)/);
    expect(banner).toMatch(/bob\s+bob-auditor\s+auditors/);
    expect(banner).toMatch(/carol\s+carol-contractor\s+contractors/);
    expect(banner).toContain(`airlock login --gateway ${gateway}`);
    expect(banner).toContain('"command": "airlock", "args": ["connect"');

    const response = await fetch(`${gateway}/mcp/kitchen`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    expect(metadataUrl).toBe(`${gateway}/.well-known/oauth-protected-resource/mcp/kitchen`);
    const metadata = (await (await fetch(metadataUrl as string)).json()) as Record<string, unknown>;
    expect(metadata['resource']).toBe(`${gateway}/mcp/kitchen`);
    expect(metadata['authorization_servers']).toEqual([issuer]);
  });
});

describe('airlock login, whoami, connect, logout', () => {
  it('logs in with the device flow and caches the tokens readable by the owner only', async () => {
    const env = home('device');
    const login = await cliLogin({
      gateway,
      flow: 'device',
      username: 'alice',
      password: 'alice-sre',
      connections: ['kitchen'],
      env,
    });
    expect(login.stdoutLines.join('\n')).toContain('Logged in to');

    const file = tokenFile(env);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(env['AIRLOCK_HOME'] as string, 'tokens')).mode & 0o777).toBe(0o700);

    const whoami = airlock(['whoami', '--gateway', gateway, '--json'], env);
    expect((await whoami.exited).code).toBe(0);
    const view = JSON.parse(whoami.stdoutLines.join('\n')) as Record<string, unknown>;
    expect(view).toMatchObject({
      subject: 'alice',
      email: 'alice@example.com',
      groups: ['sre'],
      connections: ['kitchen'],
    });
    const cached = JSON.parse(readFileSync(file, 'utf8')) as { refreshToken: string; idToken: string };
    for (const secret of [cached.refreshToken, cached.idToken]) {
      expect(whoami.stdoutLines.join('\n') + whoami.stderr()).not.toContain(secret);
    }
  });

  it('logs in with the browser flow, serves a connection over stdio, refreshes expired tokens, and logs out', async () => {
    const env = home('browser');
    await cliLogin({
      gateway,
      flow: 'browser',
      username: 'carol',
      password: 'carol-contractor',
      connections: ['kitchen'],
      env,
    });
    const whoami = airlock(['whoami', '--gateway', gateway], env);
    await whoami.exited;
    expect(whoami.stdoutLines.join('\n')).toMatch(/email\s+carol@example\.com/);

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [AIRLOCK_CLI, 'connect', 'kitchen', '--gateway', gateway],
      env: { ...(process.env as Record<string, string>), ...env },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const client = new Client({ name: 'stdio-only-client', version: '1.0.0' });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toContain('echo');
      // The dev access rules give contractors the kitchen without the tool that shows its environment.
      expect(tools).not.toContain('env');
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'over stdio' } }))).toBe(
        'over stdio',
      );
      const resource = `${gateway}/mcp/kitchen`;
      const before = (
        JSON.parse(readFileSync(tokenFile(env), 'utf8')) as {
          accessTokens: Record<string, { token: string }>;
        }
      ).accessTokens[resource]?.token;
      expect(before).toBeDefined();

      // Past the access token's lifetime: the relay refreshes with the refresh token, same session.
      await new Promise((r) => setTimeout(r, (ACCESS_TOKEN_TTL_SECONDS + 1) * 1000));
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'after expiry' } }))).toBe(
        'after expiry',
      );
      const after = (
        JSON.parse(readFileSync(tokenFile(env), 'utf8')) as {
          accessTokens: Record<string, { token: string }>;
        }
      ).accessTokens[resource]?.token;
      expect(after).toBeDefined();
      expect(after).not.toBe(before);
    } finally {
      await client.close();
    }
    expect(stderr).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);

    const logout = airlock(['logout', '--gateway', gateway], env);
    expect((await logout.exited).code).toBe(0);
    expect(logout.stdoutLines.join('\n')).toContain('refresh token revoked');
    expect(
      readdirSync(join(env['AIRLOCK_HOME'] as string, 'tokens')).filter((f) => f.endsWith('.json')),
    ).toEqual([]);
    const connect = airlock(['connect', 'kitchen', '--gateway', gateway], env);
    expect((await connect.exited).code).toBe(1);
    expect(connect.stderr()).toContain(
      `You are not logged in to ${gateway}. Run: airlock login --gateway ${gateway}`,
    );
  }, 60_000);

  it('tells a person whose login does not cover a connection how to add it', async () => {
    const env = home('narrow');
    await cliLogin({
      gateway,
      flow: 'device',
      username: 'bob',
      password: 'bob-auditor',
      connections: ['kitchen'],
      env,
    });
    const connect = airlock(['connect', 'everything', '--gateway', gateway], env);
    expect((await connect.exited).code).toBe(1);
    expect(connect.stderr()).toContain(
      `does not cover connection "everything". Run: airlock login --gateway ${gateway} --connection everything`,
    );
  });
});

/** An SDK client on `airlock connect <connection>` over stdio, as a stdio-only MCP client runs it. */
async function connectOverStdio(connection: string, env: Record<string, string>): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [AIRLOCK_CLI, 'connect', connection, '--gateway', gateway],
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'stdio-only-client', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

describe('the demo auditor, bob, does what the README says', () => {
  it('sees the sessions of every person (gateway.audit.groups: [auditors])', async () => {
    const alice = home('audited-alice');
    await cliLogin({
      gateway,
      flow: 'device',
      username: 'alice',
      password: 'alice-sre',
      connections: ['kitchen'],
      env: alice,
    });
    const client = await connectOverStdio('kitchen', alice);
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'for the auditor' } }))).toBe(
        'for the auditor',
      );
    } finally {
      await client.close();
    }

    const bob = home('auditor-bob');
    await cliLogin({ gateway, flow: 'device', username: 'bob', password: 'bob-auditor', env: bob });
    const listed = await waitFor(
      "alice's session in bob's `airlock sessions list`",
      async () => {
        const list = airlock(['sessions', 'list', '--gateway', gateway, '--user', 'alice', '--json'], bob);
        const { code } = await list.exited;
        if (code !== 0) throw new Error(`airlock sessions list exited ${code}:\n${list.stderr()}`);
        const page = JSON.parse(list.stdoutLines.join('\n')) as {
          sessions: { id: string; subject: string }[];
        };
        return page.sessions.length > 0 ? page.sessions : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 500 },
    );
    expect(listed.every((session) => session.subject === 'alice')).toBe(true);
    const show = airlock(['sessions', 'show', listed[0]!.id, '--gateway', gateway], bob);
    expect((await show.exited).code).toBe(0);
    expect(show.stdoutLines.join('\n')).toContain('alice');
  }, 90_000);

  it('calls the harmless tools, but not get-env, which prints the environment with the AWS credentials', async () => {
    const bob = home('auditor-tools');
    await cliLogin({
      gateway,
      flow: 'device',
      username: 'bob',
      password: 'bob-auditor',
      connections: ['everything'],
      env: bob,
    });
    const everything = await connectOverStdio('everything', bob);
    try {
      const tools = (await everything.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['echo', 'get-sum', 'get-tiny-image']));
      expect(tools).not.toContain('get-env');
      expect(textOf(await everything.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }))).toContain(
        '5',
      );
      const refused = await everything.callTool({ name: 'get-env', arguments: {} }).catch((e: Error) => e);
      expect(String(refused)).toMatch(/tool "get-env" on connection "everything" is denied for bob/);
    } finally {
      await everything.close();
    }
  }, 60_000);
});

describe('the demo two-person flows do what the README says', () => {
  /** `airlock <args> --gateway <dev> --json` as the person of `env`; the parsed answer. */
  async function json<T>(args: string[], env: Record<string, string>): Promise<T> {
    const run = airlock([...args, '--gateway', gateway, '--json'], env);
    const { code } = await run.exited;
    if (code !== 0) throw new Error(`airlock ${args.join(' ')} exited ${code}:\n${run.stderr()}`);
    return JSON.parse(run.stdoutLines.join('\n')) as T;
  }

  it("holds alice's restart_service until bob approves it with airlock approvals", async () => {
    const alice = home('restarting-alice');
    await cliLogin({
      gateway,
      flow: 'device',
      username: 'alice',
      password: 'alice-sre',
      connections: ['vault'],
      env: alice,
    });
    const bob = home('approving-bob');
    await cliLogin({ gateway, flow: 'device', username: 'bob', password: 'bob-auditor', env: bob });
    const vault = await connectOverStdio('vault', alice);
    try {
      const held = vault.callTool({ name: 'restart_service', arguments: { service: 'billing' } });
      const pending = await waitFor(
        "alice's call in bob's airlock approvals list",
        async () => {
          const page = await json<{
            approvals: { id: string; tool: string; requester: { subject: string } }[];
          }>(['approvals', 'list'], bob);
          return page.approvals.find((a) => a.tool === 'restart_service');
        },
        { timeoutMs: 15_000, intervalMs: 500 },
      );
      expect(pending.requester.subject).toBe('alice');
      // Alice is no auditor: she cannot approve it, and her own call she could not approve anyway.
      await expect(json(['approvals', 'approve', pending.id], alice)).rejects.toThrow(/exited 1/);
      const approved = await json<{ status: string }>(
        ['approvals', 'approve', pending.id, '--reason', 'ticket OPS-7'],
        bob,
      );
      expect(approved.status).toBe('approved');
      expect(textOf(await held)).toBe('Restarted billing (restart number 1 since this server started).');
    } finally {
      await vault.close();
    }
  }, 90_000);

  it('lets carol into everything only after bob grants her request with airlock access', async () => {
    const carol = home('jit-carol');
    await cliLogin({
      gateway,
      flow: 'device',
      username: 'carol',
      password: 'carol-contractor',
      connections: ['everything'],
      env: carol,
    });
    const refused = await connectOverStdio('everything', carol).then(
      async (client) => {
        await client.close();
        return undefined;
      },
      (error: unknown) => String(error),
    );
    // The gateway's refusal reaches the client as the gateway sent it (code and message).
    expect(refused).toMatch(/MCP error -32006: Access to connection "everything" is denied for carol/);
    expect(refused).toMatch(/airlock access request everything/);
    expect(refused).not.toMatch(/could not reach the gateway/);
    const asked = await json<{ id: string; status: string }>(
      ['access', 'request', 'everything', '--duration', '15m', '--reason', 'debugging a ticket'],
      carol,
    );
    expect(asked.status).toBe('requested');
    const bob = home('granting-bob');
    await cliLogin({ gateway, flow: 'device', username: 'bob', password: 'bob-auditor', env: bob });
    expect((await json<{ status: string }>(['access', 'grant', asked.id], bob)).status).toBe('granted');
    const everything = await connectOverStdio('everything', carol);
    try {
      expect(textOf(await everything.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }))).toContain(
        '5',
      );
    } finally {
      await everything.close();
    }
  }, 90_000);
});

describe('airlock proxy', () => {
  it('relays an SDK client through loopback with the login token added, replacing any Authorization', async () => {
    const env = home('proxy');
    await cliLogin({
      gateway,
      flow: 'device',
      username: 'alice',
      password: 'alice-sre',
      connections: ['kitchen', 'everything'],
      env,
    });
    const proxy = airlock(['proxy', '--gateway', gateway, '--port', '0'], env);
    const ready = await proxy.waitForLine((l) => l.startsWith('airlock proxy: ready at '));
    const url = ready.slice('airlock proxy: ready at '.length);

    const kitchen = await connectV1Client(`${url}/mcp/kitchen`);
    try {
      expect(textOf(await kitchen.callTool({ name: 'echo', arguments: { text: 'via proxy' } }))).toBe(
        'via proxy',
      );
    } finally {
      await kitchen.close();
    }
    const everything = await connectV1Client(`${url}/mcp/everything`);
    try {
      expect(textOf(await everything.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toContain(
        'hi',
      );
    } finally {
      await everything.close();
    }
    // A bogus token from the tool is dropped, not forwarded: the login's token is used instead.
    const response = await fetch(`${url}/mcp/kitchen`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer not-a-real-token',
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'curl-like', version: '1' },
        },
      }),
    });
    expect(response.status).toBe(200);
    await response.body?.cancel();
    // A web page must not borrow the person's login through the proxy.
    const fromPage = await fetch(`${url}/mcp/kitchen`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: '{}',
    });
    expect(fromPage.status).toBe(403);
  });

  it('refuses to listen on a non-loopback address', async () => {
    const proxy = airlock(['proxy', '--gateway', gateway, '--host', '0.0.0.0', '--port', '0'], home('proxy'));
    expect((await proxy.exited).code).toBe(2);
    expect(proxy.stderr()).toContain('listens on loopback only, not on 0.0.0.0');
  });
});

/** An MCP client's OAuth state kept in memory, as an SDK user would write it. */
class InMemoryOAuthProvider implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:1/oauth/callback';
  authorizationUrl: URL | undefined;
  private client: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'plain SDK client',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
    } as OAuthClientMetadata;
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.client = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    return this.verifier;
  }
}

describe('a plain MCP SDK client, no Airlock software', () => {
  it('discovers the provider from the 401, registers, logs in with PKCE and RFC 8707 resource, and calls a tool', async () => {
    const endpoint = new URL(`${gateway}/mcp/kitchen`);
    const oauth = new InMemoryOAuthProvider();
    const first = new Client({ name: 'plain-sdk', version: '1.0.0' });
    await expect(
      first.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: oauth })),
    ).rejects.toThrow(UnauthorizedError);
    const authorization = oauth.authorizationUrl as URL;
    expect(authorization.origin).toBe(issuer);
    expect(authorization.searchParams.get('resource')).toBe(endpoint.href);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');

    // The person's browser: the provider's login form, then back to the client's redirect URI.
    const landed = await completeBrowserLogin(authorization.href, {
      username: 'alice',
      password: 'alice-sre',
      stopAt: (url) => url.href.startsWith(oauth.redirectUrl),
    });
    const code = landed.url.searchParams.get('code');
    expect(landed.url.href, landed.html.slice(0, 500)).toContain(oauth.redirectUrl);
    expect(code, landed.url.href).toBeTruthy();
    const transport = new StreamableHTTPClientTransport(endpoint, { authProvider: oauth });
    await transport.finishAuth(code as string);

    const client = new Client({ name: 'plain-sdk', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { text: 'plain oauth' } }))).toBe(
        'plain oauth',
      );
    } finally {
      await client.close();
    }
  });
});

describe("the dev stack's log", () => {
  it('names each key once per line, sub-components under `subcomponent`', () => {
    const lines = [...dev.stdoutLines, ...dev.stderr().split('\n')].filter((l) => l.startsWith('{'));
    const repeats = lines
      .map((line) => ({ line, keys: repeatedKeys(line) }))
      .filter(({ keys }) => keys.length > 0);
    expect(repeats).toEqual([]);
    // The lines that used to carry `component` twice (the identity each API discovered): the
    // gateway's providers are now discovered once for all its resolvers, under `identity`.
    const identity = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['msg'] === 'identity provider discovered');
    expect(identity.map((line) => [line['component'], line['subcomponent']])).toEqual([
      ['identity', undefined],
    ]);
  });
});
