import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { DemoPerson } from './demo-people.js';
import { escapeHtml, page } from './html.js';
import { readFormBody } from './loopback-server.js';

export interface InteractionOptions {
  readonly people: Readonly<Record<string, DemoPerson>>;
  /**
   * Tests script logins by `login_hint` alone (no form, no password). `airlock dev` never does:
   * there, the person types a username and password.
   */
  readonly trustLoginHint: boolean;
  /** Grant what the client asked for without showing the consent page (tests). */
  readonly autoConsent: boolean;
}

interface MissingGrant {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
  });
  res.end(html);
}

function passwordMatches(person: DemoPerson | undefined, password: string): boolean {
  if (person?.password === undefined) return false;
  const a = Buffer.from(person.password);
  const b = Buffer.from(password);
  return a.length === b.length && timingSafeEqual(a, b);
}

function loginPage(uid: string, login: string, failed: boolean): string {
  return page(
    'Airlock dev login',
    `${failed ? '<p role="alert">Unknown username or wrong password.</p>' : ''}<form method="post" action="/interaction/${escapeHtml(uid)}"><input type="hidden" name="step" value="login"><label>Username <input name="login" autocomplete="username" value="${escapeHtml(login)}" required></label><label>Password <input name="password" type="password" autocomplete="current-password" required></label><button type="submit">Log in</button></form><p>The demo people and their passwords are printed by <code>airlock dev</code>.</p>`,
  );
}

function consentPage(uid: string, clientId: string, missing: MissingGrant): string {
  const resources = Object.keys(missing.missingResourceScopes ?? {});
  const scopes = missing.missingOIDCScope ?? [];
  return page(
    'Allow access?',
    `<p><strong>${escapeHtml(clientId)}</strong> asks to act as you${scopes.length > 0 ? ` (${escapeHtml(scopes.join(', '))})` : ''}${resources.length > 0 ? ` at:</p><ul>${resources.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` : '.</p>'}<form method="post" action="/interaction/${escapeHtml(uid)}"><input type="hidden" name="step" value="consent"><button type="submit">Allow</button></form>`,
  );
}

async function grantWhatIsMissing(
  provider: Provider,
  details: Awaited<ReturnType<Provider['interactionDetails']>>,
): Promise<string> {
  const clientId = String(details.params['client_id']);
  const grant =
    (details.grantId === undefined ? undefined : await provider.Grant.find(details.grantId)) ??
    new provider.Grant({ accountId: details.session?.accountId ?? '', clientId });
  const missing = details.prompt.details as MissingGrant;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  return grant.save();
}

/**
 * The provider's login and consent pages (`/interaction/<uid>`): a username/password form, then a
 * consent page granting exactly what the client asked for.
 */
export async function handleInteraction(
  provider: Provider,
  options: InteractionOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, uid } = details;
  const form = req.method === 'POST' ? await readFormBody(req) : undefined;
  if (prompt.name === 'login') {
    const hint = typeof params['login_hint'] === 'string' ? params['login_hint'] : '';
    if (options.trustLoginHint && options.people[hint] !== undefined && form === undefined) {
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: hint } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const login = form?.get('login') ?? hint;
    if (form === undefined || !passwordMatches(options.people[login], form.get('password') ?? '')) {
      sendHtml(res, form === undefined ? 200 : 401, loginPage(uid, login, form !== undefined));
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
    if (!options.autoConsent && form?.get('step') !== 'consent') {
      sendHtml(res, 200, consentPage(uid, String(params['client_id']), prompt.details as MissingGrant));
      return;
    }
    const grantId = await grantWhatIsMissing(provider, details);
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  sendHtml(res, 400, page('Unsupported step', `<p>unsupported prompt ${escapeHtml(prompt.name)}</p>`));
}
