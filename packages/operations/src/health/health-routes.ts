import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readiness } from './readiness.js';

/**
 * `/healthz` (alive: the process answers) and `/readyz` (ready: 200, or 503 naming each check that
 * fails). Answers the request and returns true when the path is one of them. `detail: false` (the
 * public listener) names the failing checks without their messages, which hold paths and causes.
 */
export function serveHealth(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  readiness: Readiness,
  extra: () => Record<string, unknown> = () => ({}),
  detail = true,
): boolean {
  if (path === '/healthz') {
    req.resume();
    sendJson(res, 200, { status: 'ok', ...extra() });
    return true;
  }
  if (path === '/readyz') {
    req.resume();
    readiness.report().then(
      (report) =>
        sendJson(res, report.ready ? 200 : 503, {
          status: report.ready ? 'ready' : 'not_ready',
          checks: detail
            ? report.checks
            : Object.fromEntries(
                Object.entries(report.checks).map(([name, state]) => [
                  name,
                  state === 'ok' ? 'ok' : 'failing',
                ]),
              ),
        }),
      (error: unknown) => sendJson(res, 503, { status: 'not_ready', checks: { readiness: String(error) } }),
    );
    return true;
  }
  return false;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
