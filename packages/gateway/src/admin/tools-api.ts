import type { IncomingMessage, ServerResponse } from 'node:http';
import { AirlockError, type PinningMode, type ToolPinView } from '@airlock/core';
import type { ToolPin, ToolPinStore } from '@airlock/recording';
import type { Logger } from 'pino';
import { sendApiError, sendApiJson } from '../http/api-json.js';
import type { RequestOriginPolicy } from '../http/origin-policy.js';
import { readBody } from '../http/read-body.js';
import { definitionDiff } from '../pinning/tool-fingerprint.js';
import { actorOf, type AdminAccess } from './admin-access.js';

export const TOOLS_API_PATH = '/api/v1/tools';
const MAX_BODY_BYTES = 64 * 1024;
const PATH = /^\/api\/v1\/tools\/([^/]+)(\/accept)?$/;

export interface ToolsApiOptions {
  readonly store: ToolPinStore;
  /** The pinning mode of a connection (reported with its tools). */
  readonly modeOf: (connection: string) => PinningMode;
  readonly access: AdminAccess;
  readonly originPolicy: RequestOriginPolicy;
  readonly logger: Logger;
}

function view(pin: ToolPin): ToolPinView {
  return {
    tool: pin.tool,
    status: pin.status,
    fingerprint: pin.seenFingerprint,
    acceptedFingerprint: pin.acceptedFingerprint,
    firstSeenAt: pin.firstSeenAt,
    changedAt: pin.changedAt,
    acceptedAt: pin.acceptedAt,
    acceptedBy: pin.acceptedBy,
    ...(pin.status === 'pinned' ? {} : { diff: definitionDiff(pin.acceptedDefinition, pin.seenDefinition) }),
  };
}

/**
 * The admin API for tool pins, behind `airlock tools`:
 * - `GET  /api/v1/tools/<connection>`         the connection's pinning mode and every tool seen:
 *                                               pinned, changed (with the diff), new
 * - `POST /api/v1/tools/<connection>/accept`  `{ tools: [...] }` or `{ all: true }` → `{ accepted }`
 */
export function createToolsApi(
  options: ToolsApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, access, logger } = options;

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    options.originPolicy.check(req.headers.origin, req.headers.host);
    const match = PATH.exec(path);
    if (match === null) {
      req.resume();
      throw new AirlockError(
        'connection_not_found',
        `Nothing is served at ${path}; tools live at ${TOOLS_API_PATH}/<connection>.`,
      );
    }
    const connection = decodeURIComponent(match[1] as string);
    const accepting = match[2] !== undefined;
    const method = req.method ?? 'GET';
    const allowed = accepting ? 'POST' : 'GET';
    if (method !== allowed) {
      req.resume();
      throw new AirlockError('method_not_allowed', `${path} answers ${allowed}, not ${method}.`, {
        data: { allow: allowed },
      });
    }
    const caller = await access.authorize(req.headers.authorization);
    if (!accepting) {
      req.resume();
      const pins = await store.toolPins(connection);
      sendApiJson(res, 200, { connection, mode: options.modeOf(connection), tools: pins.map(view) });
      return;
    }
    const tools = await readAcceptRequest(req);
    const accepted = await store.acceptTools(connection, tools, actorOf(caller), new Date());
    logger.info({ connection, accepted, by: actorOf(caller) }, 'tool definitions accepted');
    sendApiJson(res, 200, { connection, accepted });
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    handle(req, res, path).catch((error: unknown) => {
      const failure = AirlockError.from(error);
      if (failure.code === 'internal') logger.error({ err: error, path }, 'tools API request failed');
      sendApiError(res, failure);
    });
  };
}

async function readAcceptRequest(req: IncomingMessage): Promise<string[] | 'all'> {
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req, MAX_BODY_BYTES));
  } catch (error) {
    if (AirlockError.is(error)) throw error;
    throw new AirlockError(
      'invalid_request',
      'The request body is not JSON; send {"tools": ["name"]} or {"all": true}.',
    );
  }
  const request = body as { tools?: unknown; all?: unknown } | null;
  if (request?.all === true) return 'all';
  if (
    Array.isArray(request?.tools) &&
    request.tools.length > 0 &&
    request.tools.every((t) => typeof t === 'string')
  ) {
    return request.tools as string[];
  }
  throw new AirlockError(
    'invalid_request',
    'Say which tools to accept: {"tools": ["name", ...]} or {"all": true}.',
  );
}
