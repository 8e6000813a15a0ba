import type { KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml, page } from './html.js';

/*
 * The device flow's own pages. oidc-provider's defaults load web fonts from the internet and ask to
 * be replaced; these are plain forms. `form` is the provider's own <form> (with its CSRF token);
 * the buttons point at it by id.
 */

export function userCodeInputSource(
  ctx: KoaContextWithOIDC,
  form: string,
  _out?: unknown,
  err?: unknown,
): void {
  const error =
    err === undefined ? '' : '<p role="alert">That code is not valid or has expired; try again.</p>';
  ctx.body = page(
    'Airlock dev: device login',
    `${error}<p>Enter the code shown by <code>airlock login</code>.</p>${form}<button type="submit" form="op.deviceInputForm">Continue</button>`,
  );
}

export function userCodeConfirmSource(
  ctx: KoaContextWithOIDC,
  form: string,
  client: { clientId: string },
  _deviceInfo: unknown,
  userCode: string,
): void {
  ctx.body = page(
    'Airlock dev: confirm the device',
    `<p>Log <strong>${escapeHtml(client.clientId)}</strong> in with code <code>${escapeHtml(userCode)}</code>?</p>${form}<button type="submit" form="op.deviceConfirmForm">Continue</button>`,
  );
}

export function successSource(ctx: KoaContextWithOIDC): void {
  ctx.body = page('Airlock dev: logged in', '<p>You are logged in. Return to your terminal.</p>');
}
