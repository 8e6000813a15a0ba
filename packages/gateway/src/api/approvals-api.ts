import type { IncomingMessage, ServerResponse } from 'node:http';
import { AirlockError } from '@airlock/core';
import {
  approvalNotFound,
  isVisibleTo,
  type ApprovalRecord,
  type ApprovalStore,
  type ChangeFeedStore,
} from '@airlock/recording';
import type { Logger } from 'pino';
import { sendApiError, sendApiJson } from '../http/api-json.js';
import type { RequestOriginPolicy } from '../http/origin-policy.js';
import { parseApprovalQuery } from './approval-query.js';
import { approvalView } from './approval-view.js';
import type { SessionAccess, SessionVisibility } from './session-access.js';
import { SESSIONS_API_PATH } from './sessions-api.js';
import { readVoteRequest } from './vote-request.js';
import type { ChangeHub } from '../live/change-hub.js';
import { approvalListSource } from '../live/approval-list-source.js';
import { resumePosition, serveLiveStream, wantsEventStream } from '../live/live-stream.js';

export const APPROVALS_API_PATH = '/api/v1/approvals';
const ROUTE = /^\/api\/v1\/approvals(?:\/([^/]+)(?:\/(approve|deny))?)?\/?$/;
/** What the relay gives a held call: random or prefixed ids, never a path or a query. */
const APPROVAL_ID = /^[A-Za-z0-9._~:-]{1,128}$/;

export interface ApprovalsApiOptions {
  readonly store: ApprovalStore;
  /** The caller from the gateway bearer token; auditors (gateway.audit.groups) see every approval. */
  readonly access: SessionAccess;
  readonly originPolicy: RequestOriginPolicy;
  readonly logger: Logger;
  /** The gateway's public URL: the views link to the session's recording there (else by path). */
  readonly publicUrl?: string | undefined;
  /**
   * Called after a vote that decided a held call (approved or denied), so the relay on this
   * gateway can wake the held request at once rather than at its next poll of the store. Errors
   * it throws are logged, never answered: the vote is already stored.
   */
  readonly onDecided?: ((approval: ApprovalRecord) => void) | undefined;
  /** Live updates of the list (`Accept: text/event-stream`); needs a store with a change feed. */
  readonly live?: { readonly hub: ChangeHub; readonly store: ChangeFeedStore } | undefined;
}

/**
 * The approvals API, behind `airlock approvals` and the console:
 * - `GET  /api/v1/approvals?status=pending|approved|denied|expired|all&connection&requester&limit&cursor&since`
 *   → `{ approvals, nextCursor }`, newest first (default: pending)
 * - `GET  /api/v1/approvals/<id>`          one held call
 * - `POST /api/v1/approvals/<id>/approve`  `{ "reason"?: "..." }` → the approval after the vote
 * - `POST /api/v1/approvals/<id>/deny`     `{ "reason": "..." }`  → the approval after the vote
 * An approval is seen by its requester, the members of its approver groups and auditors; to
 * anyone else it is `approval_not_found`, like an unknown id, so its existence is not revealed.
 * Whether a vote counts (not your own call, one vote each, still pending) is castVote's (core).
 * With `Accept: text/event-stream` the list is a live stream (see serveLiveStream): its first
 * page, then every matching held call that is created or changes, to the same viewers.
 */
export function createApprovalsApi(
  options: ApprovalsApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, access, logger } = options;
  const sessions = `${options.publicUrl?.replace(/\/+$/, '') ?? ''}${SESSIONS_API_PATH}`;
  const view = (record: ApprovalRecord) => approvalView(record, sessions);

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // A browser page must not read or decide approvals (CSRF, DNS rebinding): the MCP endpoints' rules.
    options.originPolicy.check(req.headers.origin, req.headers.host);
    const route = routeOf(url.pathname);
    const method = req.method ?? 'GET';
    const allowed = route.decision === undefined ? ['GET', 'HEAD'] : ['POST'];
    if (!allowed.includes(method)) {
      req.resume();
      throw new AirlockError(
        'method_not_allowed',
        `${url.pathname} answers ${allowed.join(' and ')}, not ${method}.`,
        { data: { allow: allowed.join(', ') } },
      );
    }
    const visibility = await access.authorize(req.headers.authorization);
    if (route.id === undefined && method === 'GET' && wantsEventStream(req)) {
      await streamApprovals(req, res, url, visibility);
      return;
    }
    if (route.id === undefined) {
      req.resume();
      const filter = parseApprovalQuery(url.searchParams);
      const page = await store.listApprovals(
        visibility.kind === 'all'
          ? filter
          : { ...filter, viewer: { subject: visibility.caller.subject, groups: visibility.caller.groups } },
      );
      sendApiJson(res, 200, { approvals: page.approvals.map(view), nextCursor: page.nextCursor });
      return;
    }
    const approval = await visibleApproval(route.id, visibility);
    if (route.decision === undefined) {
      req.resume();
      sendApiJson(res, 200, view(approval));
      return;
    }
    const { reason } = await readVoteRequest(req, route.decision);
    const { caller } = visibility;
    const now = new Date();
    const voted = await store.voteOnApproval(
      approval.id,
      { by: caller.subject, groups: caller.groups, decision: route.decision, reason, at: now.toISOString() },
      now,
    );
    logger.info(
      { approvalId: voted.id, by: caller.subject, decision: route.decision, status: voted.status },
      'approval vote counted',
    );
    // A vote that counted started from pending: any other status now is the decision.
    if (voted.status !== 'pending') notifyDecided(voted);
    sendApiJson(res, 200, view(voted));
  }

  async function streamApprovals(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    visibility: SessionVisibility,
  ): Promise<void> {
    const live = options.live;
    if (live === undefined) {
      throw new AirlockError(
        'recording_unavailable',
        'This gateway keeps approvals in memory (no store), so it serves no live updates; poll the list instead.',
      );
    }
    const params = new URLSearchParams(url.searchParams);
    const resumeFrom = resumePosition(req, params);
    params.delete('after');
    const parsed = parseApprovalQuery(params);
    if (parsed.cursor !== undefined) {
      throw new AirlockError(
        'invalid_params',
        'A live approvals stream takes no "cursor": it starts at the newest.',
      );
    }
    const filter =
      visibility.kind === 'all'
        ? parsed
        : { ...parsed, viewer: { subject: visibility.caller.subject, groups: visibility.caller.groups } };
    const { cursor: _cursor, limit: _limit, ...changes } = filter;
    await serveLiveStream(req, res, {
      hub: live.hub,
      person: visibility.caller.subject,
      resumeFrom,
      logger,
      source: approvalListSource(live.store, changes, view),
      snapshot: async () => {
        const page = await store.listApprovals(filter);
        return {
          event: 'snapshot',
          data: { approvals: page.approvals.map(view), nextCursor: page.nextCursor },
        };
      },
    });
  }

  function notifyDecided(approval: ApprovalRecord): void {
    try {
      options.onDecided?.(approval);
    } catch (error) {
      logger.error({ err: error, approvalId: approval.id }, 'approval decision listener failed');
    }
  }

  async function visibleApproval(id: string, visibility: SessionVisibility): Promise<ApprovalRecord> {
    const approval = await store.getApproval(id);
    if (
      approval === undefined ||
      (visibility.kind === 'own' &&
        !isVisibleTo(approval, { subject: visibility.caller.subject, groups: visibility.caller.groups }))
    ) {
      throw approvalNotFound(id);
    }
    return approval;
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
      req.resume();
      const failure = AirlockError.from(error);
      if (failure.code === 'internal')
        logger.error({ err: error, path: url.pathname }, 'approvals API request failed');
      sendApiError(res, failure);
    });
  };
}

function routeOf(path: string): { id?: string; decision?: 'approve' | 'deny' } {
  const match = ROUTE.exec(path);
  if (match === null) {
    throw new AirlockError(
      'approval_not_found',
      `Nothing is served at ${path}; approvals live at ${APPROVALS_API_PATH}[/<id>[/approve|/deny]].`,
    );
  }
  const [, segment, decision] = match;
  if (segment === undefined) return {};
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    id = '';
  }
  if (!APPROVAL_ID.test(id)) {
    throw new AirlockError(
      'invalid_params',
      `"${segment.slice(0, 64)}" is not an approval id (letters, digits and . _ ~ : -, at most 128); copy it from airlock approvals list.`,
    );
  }
  return { id, ...(decision === undefined ? {} : { decision: decision as 'approve' | 'deny' }) };
}
