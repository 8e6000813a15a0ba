const LOOPBACK = /^(127(?:\.\d{1,3}){3}|::1|localhost)$/i;

/**
 * True for 127.0.0.0/8, ::1 and localhost, with or without IPv6 brackets (a URL's `hostname`
 * keeps them, a listen address does not). The one test every "loopback only" rule uses.
 */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}
