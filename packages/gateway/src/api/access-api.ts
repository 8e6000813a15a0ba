import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AirlockError, formatDuration, type JitRules, type MessageRecorder } from '@airlock/core';
import type { AccessGrant, AccessGrantStatus, AccessGrantStore } from '@airlock/recording';
import type { Logger } from 'pino';
import { parseAccessRequest, parseDecisionReason } from '../access/access-request-input.js';
import type { GrantBook } from '../access/grant-book.js';
import { GrantAuthority, type AccessApiCaller } from '../access/grant-authority.js';
import { recordGrantStep } from '../access/grant-lifecycle-recording.js';
import { sendApiError, sendApiJson } from '../http/api-json.js';
import type { RequestOriginPolicy } from '../http/origin-policy.js';
import { readBody } from '../http/read-body.js';
import { limitParam } from './limit-param.js';
import type { SessionAccess } from './session-access.js';
import { singleParam } from './single-param.js';

export const ACCESS_API_PATH = '/api/v1/access';
const REQUESTS_PATH = `${ACCESS_API_PATH}/requests`;
const MAX_BODY_BYTES = 16 * 1024;
const STATUSES = new Set<AccessGrantStatus>(['requested', 'granted', 'denied', 'revoked', 'expired']);
const STEPS = new Set(['grant', 'deny', 'revoke']);
type Step = 'grant' | 'deny' | 'revoke';

export interface AccessApiOptions {
  readonly store: AccessGrantStore;
  readonly jit: JitRules;
  /** Who is calling (a bearer token for the gateway, like the sessions API); auditors see all. */
  readonly access: SessionAccess;
  /** Told at once about a change made here, so this gateway's sessions follow it without a poll. */
  readonly book: GrantBook | undefined;
  /** Each lifecycle step is recorded as its own system session (see recordGrantStep). */
  readonly recorder: MessageRecorder;
  readonly originPolicy: RequestOriginPolicy;
  readonly logger: Logger;
}

/**
 * Just-in-time access requests, behind `airlock access`:
 * - `POST /api/v1/access/requests` `{connection, tools?, duration, reason}` → 201 the request
 * - `GET  /api/v1/access/requests?status&connection&limit` → `{ requests }`: your own, those you
 *   may decide, or (auditors) all; newest first
 * - `GET  /api/v1/access/requests/<id>`
 * - `POST /api/v1/access/requests/<id>/grant` `{reason?}`, `/deny` `{reason}`, `/revoke` `{reason?}`
 */
export function createAccessApi(
  options: AccessApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, logger } = options;
  const authority = new GrantAuthority(options.jit);

  async function who(req: IncomingMessage): Promise<AccessApiCaller> {
    const visibility = await options.access.authorize(req.headers.authorization);
    return { caller: visibility.caller, seesAll: visibility.kind === 'all' };
  }

  async function visibleGrant(id: string, caller: AccessApiCaller): Promise<AccessGrant> {
    const grant = await store.getGrant(id);
    if (grant === undefined || !authority.maySee(caller, grant)) {
      throw new AirlockError(
        'access_grant_not_found',
        `No access request ${id} exists that you may see; list yours (and those you may decide) with airlock access list.`,
        { data: { grantId: id } },
      );
    }
    return grant;
  }

  /** After a change made here: this gateway's grants now, not at the next poll. */
  async function changed(): Promise<void> {
    try {
      await options.book?.refresh();
    } catch (error) {
      logger.warn({ err: error }, 'Reloading access grants failed; the gateway retries until it succeeds');
    }
  }

  async function create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = await who(req);
    const input = parseAccessRequest(await readBody(req, MAX_BODY_BYTES));
    authority.checkRequest(caller.caller, input.connection, input.durationSeconds, formatDuration);
    const { subject, email, groups } = caller.caller;
    const grant = await store.requestAccess({
      id: randomUUID(),
      connection: input.connection,
      requester: { subject, ...(email === undefined ? {} : { email }), groups },
      tools: input.tools,
      durationSeconds: input.durationSeconds,
      reason: input.reason,
      at: new Date(),
    });
    logger.info({ grantId: grant.id, connection: grant.connection, subject }, 'access requested');
    await recordGrantStep(options.recorder, grant, 'requested', caller.caller, logger);
    sendApiJson(res, 201, grant);
  }

  async function list(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    req.resume();
    const caller = await who(req);
    const status = singleParam(url.searchParams, 'status');
    if (status !== undefined && !STATUSES.has(status as AccessGrantStatus)) {
      throw new AirlockError(
        'invalid_params',
        `"status" is one of ${[...STATUSES].join(', ')} (got "${status}").`,
      );
    }
    const limit = limitParam(url.searchParams, 100, 500);
    const grants = await store.listGrants({
      status: status as AccessGrantStatus | undefined,
      connection: singleParam(url.searchParams, 'connection'),
      // Requests the caller may decide belong to others: the store filters only the obvious case.
      limit: caller.seesAll ? limit : 500,
    });
    const visible = grants.filter((g) => authority.maySee(caller, g)).slice(0, limit);
    sendApiJson(res, 200, { requests: visible });
  }

  async function decide(req: IncomingMessage, res: ServerResponse, id: string, step: Step): Promise<void> {
    const caller = await who(req);
    const body = await readBody(req, MAX_BODY_BYTES);
    const grant = await visibleGrant(id, caller);
    const reason = parseDecisionReason(body, step);
    const actor = caller.caller.subject;
    const now = new Date();
    let after: AccessGrant;
    if (step === 'revoke') {
      authority.checkRevoke(caller, grant);
      after = await store.revokeGrant(id, actor, reason, now);
    } else {
      authority.checkDecide(caller, grant, step);
      after = await store.decideGrant(id, { decision: step, by: actor, reason }, now);
    }
    logger.info({ grantId: id, step, by: actor, status: after.status }, 'access request decided');
    await changed();
    await recordGrantStep(
      options.recorder,
      after,
      step === 'grant' ? 'granted' : step === 'deny' ? 'denied' : 'revoked',
      caller.caller,
      logger,
    );
    sendApiJson(res, 200, after);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // A browser page must not ask or decide (CSRF, DNS rebinding): the MCP endpoints' Origin/Host rules.
    options.originPolicy.check(req.headers.origin, req.headers.host);
    const route = routeOf(url.pathname);
    const method = req.method ?? 'GET';
    const allow = route.step !== undefined ? 'POST' : route.id !== undefined ? 'GET' : 'GET, POST';
    if (!allow.split(', ').includes(method)) {
      req.resume();
      throw new AirlockError('method_not_allowed', `${url.pathname} answers ${allow}, not ${method}.`, {
        data: { allow },
      });
    }
    if (route.step !== undefined) return decide(req, res, route.id as string, route.step);
    if (route.id !== undefined) {
      req.resume();
      sendApiJson(res, 200, await visibleGrant(route.id, await who(req)));
      return;
    }
    return method === 'POST' ? create(req, res) : list(req, res, url);
  }

  return (req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway.invalid');
    } catch {
      req.resume();
      sendApiError(res, new AirlockError('invalid_request', 'The request URL is not valid.'));
      return;
    }
    handle(req, res, url).catch((error: unknown) => {
      const failure = AirlockError.from(error);
      if (failure.code === 'internal')
        logger.error({ err: error, path: url.pathname }, 'access API request failed');
      req.resume();
      sendApiError(res, failure);
    });
  };
}

function routeOf(path: string): { id?: string; step?: Step } {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === REQUESTS_PATH) return {};
  if (trimmed.startsWith(`${REQUESTS_PATH}/`)) {
    const [segment, step, ...rest] = trimmed.slice(REQUESTS_PATH.length + 1).split('/');
    if (segment && rest.length === 0 && (step === undefined || STEPS.has(step))) {
      try {
        return { id: decodeURIComponent(segment), ...(step ? { step: step as Step } : {}) };
      } catch {
        // Fall through to not found.
      }
    }
  }
  throw new AirlockError(
    'access_grant_not_found',
    `Nothing is served at ${path}; access requests live at ${REQUESTS_PATH}[/<id>[/grant|/deny|/revoke]].`,
  );
}
