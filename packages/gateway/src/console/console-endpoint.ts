import { timingSafeEqual, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AirlockError, isLoopbackHost, type GatewayConfig } from '@airlock/core';
import type { Logger } from 'pino';
import * as oidc from 'openid-client';
import { sendApiError, sendApiJson } from '../http/api-json.js';
import type { RequestOriginPolicy } from '../http/origin-policy.js';
import type { ConsoleAssets } from './console-assets.js';
import { consoleCookieFor, readCookie, sessionCookieHeader, type ConsoleCookie } from './console-cookie.js';
import { CONSOLE_SECURITY_HEADERS } from './console-headers.js';
import type { ConsoleSessionStore } from '@airlock/recording';
import { ConsoleSessions, type ConsoleSession, type ConsoleTokens } from './console-sessions.js';
import { MemoryConsoleRecords } from './memory-console-records.js';
import { CONSOLE_CALLBACK_PATH, ConsoleSignIn } from './console-sign-in.js';

export const CONSOLE_PATH = '/console';
/** The header the console sends its session's CSRF token in, on every state change. */
export const CSRF_HEADER = 'x-airlock-csrf';
/** Refresh the access token this long before it expires, so a request never carries a dying one. */
const REFRESH_MARGIN_MS = 30_000;

export interface ConsoleEndpointOptions {
  readonly config: GatewayConfig;
  readonly assets: ConsoleAssets | undefined;
  readonly originPolicy: RequestOriginPolicy;
  readonly logger: Logger;
  /**
   * Where sign-in records live: the recording store (shared by the gateways on it, kept across
   * restarts). Absent: this gateway's memory.
   */
  readonly records?: ConsoleSessionStore | undefined;
}

/**
 * The gateway as the console's backend-for-frontend. It serves the console's files under
 * `/console`, signs people in and out (`/console/auth/...`), and turns a console session cookie on
 * an `/api/...` request into the person's bearer token (see `authorizeApiRequest`), so every API
 * decides for the console exactly as for the CLI. The browser never sees a token.
 */
export class ConsoleEndpoint {
  private readonly sessions: ConsoleSessions;
  private readonly signIn: ConsoleSignIn | undefined;
  private readonly cookie: ConsoleCookie;
  private readonly publicOrigin: string | undefined;
  private readonly refreshing = new Map<string, Promise<ConsoleTokens | undefined>>();

  constructor(private readonly options: ConsoleEndpointOptions) {
    const { config } = options;
    this.sessions = new ConsoleSessions(options.records ?? new MemoryConsoleRecords());
    const loopback = isLoopbackHost(config.listen.host);
    const publicUrl = config.publicUrl === undefined ? undefined : new URL(config.publicUrl);
    this.publicOrigin = publicUrl?.origin;
    this.cookie = consoleCookieFor(publicUrl ?? new URL('http://127.0.0.1'), loopback);
    if (config.auth.mode === 'oidc') {
      const issuer = config.auth.issuers[0];
      if (issuer === undefined || config.publicUrl === undefined) {
        throw new AirlockError('config_invalid', 'The console needs gateway.publicUrl and an auth issuer.');
      }
      this.signIn = new ConsoleSignIn(issuer.issuer, config.console, config.publicUrl);
    }
  }

  /** Answers a request under `/console`. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    this.route(req, res, path).catch((error: unknown) => {
      const failure = AirlockError.from(error);
      if (failure.code === 'internal')
        this.options.logger.error({ err: error, path }, 'console request failed');
      else this.options.logger.info({ code: failure.code, path }, 'console request refused');
      sendApiError(res, failure);
    });
  }

  /**
   * For an `/api/...` request without an Authorization header but with a console session cookie:
   * checks what a browser could have been tricked into (a state change needs this origin and the
   * session's CSRF token; a cross-site fetch may not use the session at all), then puts the
   * person's access token in the Authorization header. Requests without the cookie are untouched.
   */
  async authorizeApiRequest(req: IncomingMessage): Promise<void> {
    if (req.headers.authorization !== undefined) return;
    const id = readCookie(req.headers.cookie, this.cookie.name);
    if (id === undefined) return;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') {
      throw new AirlockError(
        'csrf_refused',
        `A ${String(site)} request may not use a console session; use the console itself, or the API with a bearer token.`,
      );
    }
    const session = await this.sessions.get(id);
    if (session === undefined) return;
    if (changesState(req.method)) this.checkCsrf(req, session);
    const tokens = await this.freshTokens(session);
    if (tokens !== undefined) req.headers.authorization = `Bearer ${tokens}`;
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    this.options.originPolicy.check(req.headers.origin, req.headers.host);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    if (path === '/console/auth/login') return this.startSignIn(res, url);
    if (path === CONSOLE_CALLBACK_PATH) return this.finishSignIn(res, url);
    if (path === '/console/auth/session') return this.describeSession(req, res);
    if (path === '/console/auth/logout') {
      if (method !== 'POST') {
        req.resume();
        throw new AirlockError('method_not_allowed', 'Sign out with POST /console/auth/logout.', {
          data: { allow: 'POST' },
        });
      }
      return this.signOut(req, res);
    }
    req.resume();
    if (method !== 'GET' && method !== 'HEAD') {
      throw new AirlockError('method_not_allowed', `${path} answers GET, not ${method}.`, {
        data: { allow: 'GET' },
      });
    }
    const assets = this.options.assets;
    if (assets === undefined) {
      throw new AirlockError(
        'console_unavailable',
        'The console files are not built on this gateway; run the build (node scripts/pnpm.mjs run build) and restart it.',
      );
    }
    const relative = path.replace(/^\/console\/?/, '');
    if (relative.startsWith('assets/')) {
      if (!assets.send(req, res, relative)) {
        throw new AirlockError('console_unavailable', `No console file ${path}; reload the console.`);
      }
      return;
    }
    // Every other path is a page of the single-page app: the same index.html routes it in the browser.
    assets.send(req, res, 'index.html');
  }

  private async startSignIn(res: ServerResponse, url: URL): Promise<void> {
    const returnTo = safeReturnTo(url.searchParams.get('returnTo'));
    if (this.signIn === undefined) {
      // auth.mode none (loopback dev): everyone on this machine is "local", as the APIs treat them.
      const session = await this.sessions.create(
        { subject: 'local', name: 'local (no sign-in: auth.mode none)', groups: [] },
        undefined,
        this.lifetimeMs(),
      );
      this.redirect(res, returnTo, session);
      return;
    }
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const nonce = randomBytes(16).toString('base64url');
    const state = await this.sessions.beginSignIn(codeVerifier, nonce, returnTo);
    const target = await this.signIn.authorizationUrl(state, codeVerifier, nonce);
    res.writeHead(302, { ...CONSOLE_SECURITY_HEADERS, location: target.href, 'cache-control': 'no-store' });
    res.end();
  }

  private async finishSignIn(res: ServerResponse, url: URL): Promise<void> {
    const state = url.searchParams.get('state') ?? '';
    const pending = await this.sessions.takeSignIn(state);
    if (this.signIn === undefined || pending === undefined) {
      throw new AirlockError(
        'console_sign_in_failed',
        'This sign-in link is unknown, used or expired; open the console and sign in again.',
      );
    }
    const callback = new URL(this.signIn.redirectUri);
    callback.search = url.search;
    const { person, tokens } = await this.signIn.finish(callback, { ...pending, state });
    const session = await this.sessions.create(person, tokens, this.lifetimeMs());
    this.options.logger.info({ subject: person.subject }, 'console sign-in');
    this.redirect(res, pending.returnTo, session);
  }

  private async describeSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const session = await this.sessions.get(readCookie(req.headers.cookie, this.cookie.name));
    if (session === undefined) {
      sendApiError(
        res,
        new AirlockError('unauthenticated', 'You are not signed in to the console; sign in to continue.'),
      );
      return;
    }
    const { config } = this.options;
    const isIn = (groups: readonly string[]) =>
      config.auth.mode === 'none' || session.person.groups.some((g) => groups.includes(g));
    sendApiJson(
      res,
      200,
      {
        person: session.person,
        csrfToken: session.csrfToken,
        // Only what to show; every API decides for itself what this person may see and do.
        roles: { auditor: isIn(config.audit.groups), admin: isIn(config.admin.groups) },
      },
      CONSOLE_SECURITY_HEADERS,
    );
  }

  private async signOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const id = readCookie(req.headers.cookie, this.cookie.name);
    const session = await this.sessions.get(id);
    if (session !== undefined) {
      this.checkCsrf(req, session);
      await this.sessions.end(session.id);
      this.options.logger.info({ subject: session.person.subject }, 'console sign-out');
    }
    const endSessionUrl = session === undefined ? undefined : await this.signIn?.signOut(session.tokens);
    sendApiJson(
      res,
      200,
      { signedOut: true, ...(endSessionUrl ? { endSessionUrl } : {}) },
      { ...CONSOLE_SECURITY_HEADERS, 'set-cookie': sessionCookieHeader(this.cookie, '', 0) },
    );
  }

  private checkCsrf(req: IncomingMessage, session: ConsoleSession): void {
    const origin = req.headers.origin;
    const expected = this.publicOrigin ?? `http://${req.headers.host ?? ''}`;
    if (origin === undefined || origin.toLowerCase() !== expected.toLowerCase()) {
      throw new AirlockError(
        'csrf_refused',
        `A console request that changes something must come from the console at ${expected} (Origin was ${origin ?? 'missing'}); reload the console and try again.`,
      );
    }
    const sent = Buffer.from(String(req.headers[CSRF_HEADER] ?? ''));
    const wanted = Buffer.from(session.csrfToken);
    if (sent.length !== wanted.length || !timingSafeEqual(sent, wanted)) {
      throw new AirlockError(
        'csrf_refused',
        `The request lacks this console session's CSRF token (${CSRF_HEADER}); reload the console and try again.`,
      );
    }
  }

  /** The session's access token, refreshed first when it is about to expire; undefined with auth none. */
  private async freshTokens(session: ConsoleSession): Promise<string | undefined> {
    if (session.tokens === undefined || this.signIn === undefined) return undefined;
    if (session.tokens.expiresAt - REFRESH_MARGIN_MS <= Date.now()) {
      // One refresh per session at a time: a page firing several requests must not spend the
      // refresh token several times (providers that rotate it would revoke the whole grant).
      let running = this.refreshing.get(session.id);
      if (running === undefined) {
        const signIn = this.signIn;
        const current = session.tokens;
        running = signIn
          .refresh(current)
          .then(async (next) => {
            if (next === undefined) {
              await this.sessions.end(session.id);
              return undefined;
            }
            session.tokens = next;
            // Saved, so the other gateways (and this one after a restart) use the new tokens.
            await this.sessions.save(session);
            return next;
          })
          .finally(() => this.refreshing.delete(session.id));
        this.refreshing.set(session.id, running);
      }
      const refreshed = await running;
      return refreshed?.accessToken;
    }
    return session.tokens?.accessToken;
  }

  private redirect(res: ServerResponse, location: string, session: ConsoleSession): void {
    res.writeHead(302, {
      ...CONSOLE_SECURITY_HEADERS,
      location,
      'cache-control': 'no-store',
      'set-cookie': sessionCookieHeader(this.cookie, session.id, (session.endsAt - Date.now()) / 1000),
    });
    res.end();
  }

  private lifetimeMs(): number {
    return this.options.config.console.sessionHours * 3_600_000;
  }
}

function changesState(method: string | undefined): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

/** Only a console path may be returned to after sign-in (no open redirect to another site). */
function safeReturnTo(value: string | null): string {
  if (value === null || !value.startsWith('/console') || value.startsWith('//') || /[\\\r\n]/.test(value)) {
    return '/console/';
  }
  return value;
}
