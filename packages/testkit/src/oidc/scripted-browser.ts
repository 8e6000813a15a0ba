import { CookieJar } from './cookie-jar.js';

export interface BrowserLoginInput {
  readonly username: string;
  readonly password: string;
  /** For the device flow's code page. */
  readonly userCode?: string;
  /** Stop (without requesting it) at the first redirect matching this, e.g. an SDK client's redirect URI. */
  readonly stopAt?: (url: URL) => boolean;
}

export interface BrowserLoginResult {
  /** Where the walk ended: the redirect it stopped at or followed last, or the page without a form. */
  readonly url: URL;
  readonly html: string;
}

interface ParsedForm {
  readonly action: string;
  readonly method: string;
  readonly fields: [string, string][];
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  return match === null
    ? undefined
    : (match[2] ?? match[3] ?? '')
        .replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)))
        .replace(/&amp;/g, '&');
}

function firstForm(html: string): ParsedForm | undefined {
  const open = /<form\b[^>]*>/i.exec(html);
  if (open === null) return undefined;
  const end = html.indexOf('</form>', open.index);
  const inner = html.slice(open.index, end < 0 ? undefined : end);
  const fields: [string, string][] = [];
  for (const input of inner.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name !== undefined && name !== 'abort') fields.push([name, attribute(input, 'value') ?? '']);
  }
  return {
    action: attribute(open[0], 'action') ?? '',
    method: (attribute(open[0], 'method') ?? 'get').toUpperCase(),
    fields,
  };
}

/**
 * A person at a browser, scripted over HTTP: follows redirects with cookies, and on each page
 * fills the first form (username, password, user code; hidden fields as they are) and submits it,
 * never pressing "abort". Ends at a page without a form, or at a redirect leaving the provider
 * (the client's loopback redirect URI, which it requests like a browser would unless `stopAt`).
 */
export async function completeBrowserLogin(
  start: string,
  input: BrowserLoginInput,
): Promise<BrowserLoginResult> {
  const jar = new CookieJar();
  const provider = new URL(start).origin;
  let url = new URL(start);
  let method = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 30; hop += 1) {
    if (url.origin !== provider) {
      if (input.stopAt?.(url)) return { url, html: '' };
      const response = await fetch(url);
      return { url, html: await response.text() };
    }
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      ...(body === undefined ? {} : { body }),
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (location !== null) {
      await response.body?.cancel();
      url = new URL(location, url);
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await response.text();
    if (response.status >= 400 && !html.includes('<form')) {
      throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${html.slice(0, 300)}`);
    }
    const form = firstForm(html);
    if (form === undefined) return { url, html };
    if (response.status === 401) throw new Error(`the login was refused at ${url.pathname}`);
    const fields = new URLSearchParams();
    for (const [name, value] of form.fields) {
      if (name === 'login') fields.append(name, input.username);
      else if (name === 'password') fields.append(name, input.password);
      else if (name === 'user_code') fields.append(name, input.userCode ?? value);
      else fields.append(name, value);
    }
    url = new URL(form.action || url.href, url);
    method = form.method;
    body = method === 'POST' ? fields.toString() : undefined;
    if (method === 'GET') url.search = fields.toString();
  }
  throw new Error(`the login did not finish within 30 steps (last at ${url.href})`);
}
