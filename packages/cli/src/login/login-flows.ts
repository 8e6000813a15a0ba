import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AirlockError } from '@airlock/core/client';
import * as oidc from 'openid-client';
import { describeOidcError } from './authorization-server.js';
import { openBrowser } from './open-browser.js';

export type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

export interface LoginRequest {
  /** Space-separated scopes: OpenID ones and the resources' own. */
  readonly scope: string;
  /** Every resource the login should cover (RFC 8707); later refreshes may ask for any of them. */
  readonly resources: readonly string[];
  /** The resource of the first access token (a token request names one when several were granted). */
  readonly tokenResource: string;
  /** Where instructions for the person go (stderr: stdout stays for results). */
  readonly say: (line: string) => void;
  /** How long to wait for the person. Default 5 minutes. */
  readonly timeoutMs?: number;
}

function withResources(base: Record<string, string>, resources: readonly string[]): URLSearchParams {
  const params = new URLSearchParams(base);
  for (const resource of resources) params.append('resource', resource);
  return params;
}

/** OAuth 2.0 device authorization grant (RFC 8628): print a URL and a code, poll until approved. */
export async function loginWithDevice(
  config: oidc.Configuration,
  request: LoginRequest,
): Promise<TokenResponse> {
  let authorization: oidc.DeviceAuthorizationResponse;
  try {
    authorization = await oidc.initiateDeviceAuthorization(
      config,
      withResources({ scope: request.scope }, request.resources),
    );
  } catch (cause) {
    throw new AirlockError(
      'identity_provider_unavailable',
      `The identity provider refused the device login (${describeOidcError(cause)}). If it does not support the device flow, use --browser.`,
      { cause },
    );
  }
  request.say(
    `To log in, open ${authorization.verification_uri} and enter the code ${authorization.user_code}`,
  );
  if (authorization.verification_uri_complete !== undefined) {
    request.say(`  (or open ${authorization.verification_uri_complete})`);
  }
  request.say('Waiting for you to approve...');
  const signal = AbortSignal.timeout(Math.min(request.timeoutMs ?? 300_000, authorization.expires_in * 1000));
  try {
    return await oidc.pollDeviceAuthorizationGrant(
      config,
      authorization,
      { resource: request.tokenResource },
      { signal },
    );
  } catch (cause) {
    throw new AirlockError(
      'unauthenticated',
      `The device login did not complete (${describeOidcError(cause)}). Run airlock login again.`,
      {
        cause,
      },
    );
  }
}

/**
 * Authorization code + PKCE (RFC 7636) with a loopback redirect (RFC 8252 §7.3): listen on
 * 127.0.0.1 at a free port, send the person's browser to the provider, take the code off the
 * redirect, redeem it with the verifier.
 */
export async function loginWithBrowser(
  config: oidc.Configuration,
  request: LoginRequest,
): Promise<TokenResponse> {
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  const callback = await waitForCallback(request.timeoutMs ?? 300_000);
  try {
    const redirectUri = `http://127.0.0.1:${callback.port}/callback`;
    const url = oidc.buildAuthorizationUrl(
      config,
      withResources(
        {
          redirect_uri: redirectUri,
          scope: request.scope,
          code_challenge: challenge,
          code_challenge_method: 'S256',
          state,
        },
        request.resources,
      ),
    );
    request.say('Open this URL in your browser to log in:');
    request.say(`  ${url.href}`);
    if (openBrowser(url.href)) request.say('(opened it in your browser)');
    request.say('Waiting for you to log in...');
    const current = await callback.result;
    try {
      return await oidc.authorizationCodeGrant(
        config,
        current,
        { pkceCodeVerifier: verifier, expectedState: state },
        { resource: request.tokenResource },
      );
    } catch (cause) {
      throw new AirlockError(
        'unauthenticated',
        `The browser login did not complete (${describeOidcError(cause)}). Run airlock login again.`,
        {
          cause,
        },
      );
    }
  } finally {
    callback.close();
  }
}

interface Callback {
  readonly port: number;
  readonly result: Promise<URL>;
  close(): void;
}

const DONE_PAGE =
  '<!doctype html><meta charset="utf-8"><title>Airlock</title><p>Airlock login finished. You can close this tab and return to your terminal.</p>';

/** A one-shot loopback listener for the redirect. Only `/callback` counts; anything else gets 404. */
async function waitForCallback(timeoutMs: number): Promise<Callback> {
  let settle: { resolve: (url: URL) => void; reject: (error: Error) => void } | undefined;
  const result = new Promise<URL>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1`);
    if (url.pathname !== '/callback' || req.method !== 'GET') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', connection: 'close' }).end(DONE_PAGE);
    url.port = String((server.address() as AddressInfo).port);
    settle?.resolve(url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const timer = setTimeout(
    () =>
      settle?.reject(
        new AirlockError(
          'unauthenticated',
          `No login arrived within ${Math.round(timeoutMs / 1000)} s. Run airlock login again.`,
        ),
      ),
    timeoutMs,
  );
  return {
    port: (server.address() as AddressInfo).port,
    result,
    close: () => {
      clearTimeout(timer);
      server.close();
      server.closeAllConnections();
    },
  };
}
