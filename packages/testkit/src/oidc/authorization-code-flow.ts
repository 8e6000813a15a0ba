import { createHash, randomBytes } from 'node:crypto';
import { CookieJar } from './cookie-jar.js';

export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  readonly expiresIn?: number;
  readonly scope?: string;
}

export interface AuthorizationCodeFlowInput {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly user: string;
  readonly resource: string;
  /** Requested scopes: OIDC ones (openid, email, ...) and the resource's own. */
  readonly scope: string;
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

export function toTokenSet(body: Record<string, unknown>): TokenSet {
  if (typeof body['access_token'] !== 'string') {
    throw new Error(`the token endpoint answered without an access token: ${JSON.stringify(body)}`);
  }
  return {
    accessToken: body['access_token'],
    ...(typeof body['refresh_token'] === 'string' ? { refreshToken: body['refresh_token'] } : {}),
    ...(typeof body['id_token'] === 'string' ? { idToken: body['id_token'] } : {}),
    ...(typeof body['expires_in'] === 'number' ? { expiresIn: body['expires_in'] } : {}),
    ...(typeof body['scope'] === 'string' ? { scope: body['scope'] } : {}),
  };
}

/**
 * Drives a real authorization code + PKCE flow over HTTP, as a browser and a public client would:
 * GET /auth, follow the provider's redirects through the scripted login and consent pages
 * (`login_hint` picks the user), take the code off the redirect URI, redeem it with the verifier.
 */
export async function runAuthorizationCodeFlow(input: AuthorizationCodeFlowInput): Promise<TokenSet> {
  const verifier = base64url(randomBytes(32));
  const challenge = base64url(createHash('sha256').update(verifier).digest());
  const state = base64url(randomBytes(12));
  const start = new URL('/auth', input.issuer);
  start.search = new URLSearchParams({
    client_id: input.clientId,
    response_type: 'code',
    redirect_uri: input.redirectUri,
    scope: input.scope,
    resource: input.resource,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    login_hint: input.user,
    prompt: 'consent',
    state,
  }).toString();

  const jar = new CookieJar();
  let next = start;
  let code: string | undefined;
  for (let hop = 0; hop < 12 && code === undefined; hop += 1) {
    const response = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.store(response);
    const location = response.headers.get('location');
    if (location === null) {
      throw new Error(
        `the provider stopped the login at ${next.pathname} with ${response.status}: ${await response.text()}`,
      );
    }
    await response.body?.cancel();
    const target = new URL(location, next);
    if (target.href.startsWith(input.redirectUri)) {
      const error = target.searchParams.get('error');
      if (error !== null)
        throw new Error(
          `authorization failed: ${error} ${target.searchParams.get('error_description') ?? ''}`,
        );
      if (target.searchParams.get('state') !== state)
        throw new Error('authorization response state mismatch');
      code = target.searchParams.get('code') ?? undefined;
    }
    next = target;
  }
  if (code === undefined) throw new Error('the authorization code flow did not reach the redirect URI');

  const response = await fetch(new URL('/token', input.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: input.redirectUri,
      client_id: input.clientId,
      code_verifier: verifier,
      resource: input.resource,
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`the token endpoint refused the code: ${JSON.stringify(body)}`);
  return toTokenSet(body);
}
