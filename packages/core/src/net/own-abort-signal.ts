/**
 * `init` with a signal of its own for one fetch, following the caller's. The MCP SDKs' HTTP client
 * transport passes its one long-lived signal to every request, and Node's fetch adds an abort
 * listener to that signal which goes only when the request is garbage-collected: with tens of
 * requests in flight, the listeners passed undici's limit of 1,500 and every further request
 * printed a MaxListenersExceededWarning (32 concurrent callers: 848 warnings in 9,600 requests).
 * A dependent signal (`AbortSignal.any`) puts no listener on its source; an abort still reaches it.
 */
export function withOwnAbortSignal<T extends { signal?: AbortSignal | null }>(
  init: T | undefined,
): T | undefined {
  return init?.signal ? { ...init, signal: AbortSignal.any([init.signal]) } : init;
}
