/** The console session cookie: `__Host-` prefixed (so no subdomain can plant it) where it can be Secure. */
export interface ConsoleCookie {
  readonly name: string;
  readonly secure: boolean;
}

/**
 * Secure everywhere but plain-http loopback (`airlock dev`), where a browser would not send a
 * Secure cookie back; a non-loopback gateway on plain http gets a Secure cookie and so no console
 * session at all (fail closed).
 */
export function consoleCookieFor(publicUrl: URL, loopback: boolean): ConsoleCookie {
  const secure = publicUrl.protocol === 'https:' || !loopback;
  return { name: secure ? '__Host-airlock-console' : 'airlock-console', secure };
}

/** `Set-Cookie` for a console session: HttpOnly (no script reads it), SameSite=Strict, the whole origin. */
export function sessionCookieHeader(cookie: ConsoleCookie, value: string, maxAgeSeconds: number): string {
  return [
    `${cookie.name}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(cookie.secure ? ['Secure'] : []),
  ].join('; ');
}

/** The value of cookie `name` in a `Cookie` header, if there is exactly one. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const values = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
  // Two cookies of the same name (one planted by a sibling) are ambiguous: trust neither.
  return values.length === 1 ? values[0] : undefined;
}
