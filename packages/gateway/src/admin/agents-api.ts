import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AirlockError,
  enrollAgentRequestSchema,
  formatIssuePath,
  type EnrollAgentResponse,
  type ListAgentsResponse,
} from '@airlock/core';
import type { AgentStatus } from '@airlock/tunnel';
import type { Logger } from 'pino';
import type { AgentEnrollment } from '../agents/agent-enrollment.js';
import { agentViews, type AgentSightings } from '../agents/agent-views.js';
import { sendApiError, sendApiJson } from '../http/api-json.js';
import type { RequestOriginPolicy } from '../http/origin-policy.js';
import { readBody } from '../http/read-body.js';
import { actorOf, type AdminAccess } from './admin-access.js';

export interface AgentsApiOptions {
  readonly gatewayId: string;
  readonly enrollment: AgentEnrollment;
  readonly agents: () => AgentStatus[];
  readonly sightings: AgentSightings;
  readonly access: AdminAccess;
  readonly originPolicy: RequestOriginPolicy;
  readonly logger: Logger;
}

export const AGENTS_API_PATH = '/api/v1/agents';
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The admin API for agents, behind `airlock agents`:
 * - `GET    /api/v1/agents`         every enrolled agent and whether it is connected here
 * - `POST   /api/v1/agents`         `{ name, connections }` → `{ name, token, connections }` (once)
 * - `DELETE /api/v1/agents/<name>`  revoke: refused from now on, cut off at once
 * Answers are JSON; errors are `{ error: { code, message } }` with the catalogue's HTTP status.
 */
export function createAgentsApi(
  options: AgentsApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { enrollment, access, logger } = options;

  async function handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    // A browser page must not drive the admin API (CSRF, DNS rebinding), least of all on a
    // loopback dev gateway that needs no token: the same Origin/Host rules as the MCP endpoints.
    options.originPolicy.check(req.headers.origin, req.headers.host);
    const name = path === AGENTS_API_PATH ? undefined : agentNameIn(path);
    const method = req.method ?? 'GET';
    const allowed = name === undefined ? ['GET', 'POST'] : ['DELETE'];
    if (!allowed.includes(method)) {
      req.resume();
      throw new AirlockError(
        'method_not_allowed',
        `${path} answers ${allowed.join(' and ')}, not ${method}.`,
        {
          data: { allow: allowed.join(', ') },
        },
      );
    }
    const caller = await access.authorize(req.headers.authorization);
    if (method === 'GET') {
      req.resume();
      const body: ListAgentsResponse = {
        gatewayId: options.gatewayId,
        agents: agentViews(enrollment.known(), options.agents(), options.sightings),
      };
      sendApiJson(res, 200, body);
    } else if (method === 'POST') {
      const request = await readEnrollRequest(req);
      const token = await enrollment.enroll(request.name, request.connections, actorOf(caller));
      const body: EnrollAgentResponse = { name: request.name, token, connections: request.connections };
      sendApiJson(res, 201, body);
    } else {
      req.resume();
      await enrollment.revoke(name as string, actorOf(caller));
      sendApiJson(res, 200, { name, revoked: true });
    }
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    handle(req, res, path).catch((error: unknown) => {
      const failure = AirlockError.from(error);
      if (failure.code === 'internal') logger.error({ err: error, path }, 'admin API request failed');
      sendApiError(res, failure);
    });
  };
}

function agentNameIn(path: string): string {
  const segment = path.slice(AGENTS_API_PATH.length + 1);
  if (path.startsWith(`${AGENTS_API_PATH}/`) && segment.length > 0 && !segment.includes('/')) {
    try {
      return decodeURIComponent(segment);
    } catch {
      // Fall through to not found.
    }
  }
  throw new AirlockError(
    'agent_not_found',
    `Nothing is served at ${path}; agents live at ${AGENTS_API_PATH}/<name>.`,
  );
}

async function readEnrollRequest(req: IncomingMessage): Promise<{ name: string; connections: string[] }> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    req.resume();
    throw new AirlockError(
      'unsupported_media_type',
      'Send the new agent as JSON (Content-Type: application/json).',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(await readBody(req, MAX_BODY_BYTES));
  } catch (error) {
    if (AirlockError.is(error)) throw error;
    throw new AirlockError(
      'invalid_request',
      'The request body is not JSON; send {"name": "...", "connections": ["..."]}.',
    );
  }
  const parsed = enrollAgentRequestSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${formatIssuePath(i.path)}: ${i.message}`);
    throw new AirlockError('invalid_params', `The new agent is not valid: ${problems.join('; ')}.`, {
      data: { problems },
    });
  }
  return parsed.data;
}
