import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import { readBody } from '../http/read-body.js';
import type { TestUser } from './demo-users.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginForm(uid: string, users: Readonly<Record<string, TestUser>>): string {
  const options = Object.entries(users)
    .map(([id, user]) => `<option value="${escapeHtml(id)}">${escapeHtml(user.name)}</option>`)
    .join('');
  return `<!doctype html><title>Airlock test login</title><form method="post" action="/interaction/${escapeHtml(uid)}"><select name="login">${options}</select><button>Log in</button></form>`;
}

/**
 * The provider's login and consent pages, scripted for tests and dev: login takes the user from
 * `login_hint` or a one-field form (no password: this provider only ever listens on loopback);
 * consent grants exactly what the client asked for.
 */
export async function handleInteraction(
  provider: Provider,
  users: Readonly<Record<string, TestUser>>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, uid } = details;
  if (prompt.name === 'login') {
    let login = typeof params['login_hint'] === 'string' ? params['login_hint'] : undefined;
    if (req.method === 'POST')
      login = new URLSearchParams((await readBody(req)).toString('utf8')).get('login') ?? undefined;
    if (login === undefined || users[login] === undefined) {
      const html = loginForm(uid, users);
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
      });
      res.end(html);
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: login } },
      { mergeWithLastSubmission: false },
    );
    return;
  }
  if (prompt.name === 'consent') {
    const accountId = details.session?.accountId;
    const clientId = String(params['client_id']);
    const grant =
      (details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId)) ??
      new provider.Grant({ accountId: accountId ?? '', clientId });
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  res.writeHead(400, { 'content-type': 'text/plain' }).end(`unsupported prompt ${prompt.name}`);
}
